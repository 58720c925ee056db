//! The marketing-image panel of the affinity page, and the gallery of generated images.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{bundle_images, start_bundle_image, watch_image_job};
use super::model::{bundle_prompt, bundles_from, Bundle, ImageJob, JobState, PROMPT_MAX_CHARS, SIZES};
use crate::components::error_notice::ErrorNotice;
use crate::components::format::beijing_time;
use crate::error::AppError;
use crate::i18n::tr;
use crate::sales::model::AffinityRow;

#[component]
pub fn BundleImagePanel(rows: Vec<AffinityRow>) -> impl IntoView {
    let t = tr();
    let bundles = bundles_from(&rows);
    let gallery_version = RwSignal::new(0u32);
    let body = if bundles.is_empty() {
        view! { <p class="empty">{t.img_no_bundles}</p> }.into_any()
    } else {
        view! { <BundleForm bundles=bundles gallery_version=gallery_version/> }.into_any()
    };
    view! {
        <section class="bundle-image" data-testid="bundle-image">
            <h2>"🎨 "{t.img_title}</h2>
            {body}
        </section>
        <Gallery version=gallery_version/>
    }
}

#[component]
fn BundleForm(bundles: Vec<super::model::Bundle>, gallery_version: RwSignal<u32>) -> impl IntoView {
    let t = tr();
    let selected = RwSignal::new(0usize);
    let prompt = RwSignal::new(bundle_prompt(&bundles[0]));
    let size = RwSignal::new(SIZES[0].to_string());
    let job = RwSignal::new(None::<ImageJob>);
    let error = RwSignal::new(None::<AppError>);
    let interactive = crate::components::interactive::use_interactive();
    let busy = move || !interactive.get() || job.with(|j| j.as_ref().is_some_and(|j| !j.state.is_terminal()));
    let bundles = StoredValue::new(bundles);

    let options = bundles.with_value(|bs| {
        bs.iter()
            .enumerate()
            .map(|(i, b)| view! { <option value=i.to_string()>{format!("{} · 提升度 {}", b.label(), b.lift)}</option> })
            .collect_view()
    });
    let on_bundle = move |ev: leptos::ev::Event| {
        if let Ok(i) = event_target_value(&ev).parse::<usize>() {
            if let Some(b) = bundles.with_value(|bs| bs.get(i).cloned()) {
                selected.set(i);
                prompt.set(bundle_prompt(&b));
            }
        }
    };
    // Start and follow one image job; the button stays disabled while it runs.
    let generate = Action::new_local(move |(bundle, p, s): &(Bundle, String, String)| {
        let (bundle, p, s) = (bundle.clone(), p.clone(), s.clone());
        async move {
            match start_bundle_image(bundle, p, s).await {
                Ok(j) => {
                    let id = j.id;
                    job.try_set(Some(j));
                    follow(id, job, error, gallery_version).await;
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        }
    });
    let on_generate = move |_| {
        let Some(bundle) = bundles.with_value(|bs| bs.get(selected.get_untracked()).cloned()) else { return };
        error.set(None);
        job.set(None);
        generate.dispatch_local((bundle, prompt.get_untracked(), size.get_untracked()));
    };
    let size_options = SIZES.iter().map(|s| view! { <option value=*s>{s.replace('*', " × ")}</option> }).collect_view();
    view! {
        <div class="image-form">
            <label>
                <span>{t.img_bundle}</span>
                <select data-testid="bundle-select" on:change=on_bundle>{options}</select>
            </label>
            <label class="wide">
                <span>{t.img_prompt}</span>
                <textarea data-testid="image-prompt" rows="4" maxlength=PROMPT_MAX_CHARS.to_string()
                    prop:value=move || prompt.get() on:input=move |ev| prompt.set(event_target_value(&ev))></textarea>
                <small>{move || format!("{} / {PROMPT_MAX_CHARS} {}", prompt.with(|p| p.chars().count()), t.img_prompt_chars)}</small>
            </label>
            <label>
                <span>{t.img_size}</span>
                <select data-testid="image-size" on:change=move |ev| size.set(event_target_value(&ev))>{size_options}</select>
            </label>
            <button type="button" data-testid="image-button" disabled=move || busy() || !crate::auth::can(crate::auth::Permission::GenerateImage) on:click=on_generate>{t.img_generate}</button>
        </div>
        {move || error.get().map(|e| view! { <ErrorNotice error=e testid="image-error"/> })}
        {move || job.get().map(|j| view! { <JobProgress job=j/> })}
    }
}

/// Follows the job's stream of changes until it ends.
async fn follow(id: i64, job: RwSignal<Option<ImageJob>>, error: RwSignal<Option<AppError>>, gallery_version: RwSignal<u32>) {
    let stream = match watch_image_job(id).await {
        Ok(s) => s,
        Err(e) => {
            error.try_set(Some(e));
            return;
        }
    };
    crate::ndjson::read_lines::<ImageJob>(stream, |line| {
        if let Ok(j) = line {
            if j.state == JobState::Succeeded {
                gallery_version.try_update(|v| *v += 1);
            }
            job.try_set(Some(j));
        }
    })
    .await;
    if job.try_with_untracked(|j| j.as_ref().is_some_and(|j| !j.state.is_terminal())).unwrap_or(false) {
        error.try_set(Some(AppError::Transport("job stream ended".into())));
    }
}

#[component]
fn JobProgress(job: ImageJob) -> impl IntoView {
    let t = tr();
    let steps = [
        (JobState::Submitting, t.img_state_submitting),
        (JobState::Pending, t.img_state_pending),
        (JobState::Running, t.img_state_running),
        (JobState::Downloading, t.img_state_downloading),
        (JobState::Succeeded, t.img_state_succeeded),
    ];
    let at = steps.iter().position(|(s, _)| *s == job.state);
    let items = steps
        .iter()
        .enumerate()
        .map(|(i, (_, label))| {
            let class = match at {
                Some(a) if i < a => "done",
                Some(a) if i == a => "current",
                _ => "todo",
            };
            view! { <li class=class>{*label}</li> }
        })
        .collect_view();
    let result = job.image.clone().map(|img| {
        view! {
            <figure class="result">
                <img src=img.url.clone() alt=img.bundle_label.clone() data-testid="image-result"/>
                <figcaption><a href=download_href(img.id) rel="external" download=img.file_name>{t.img_download}</a></figcaption>
            </figure>
        }
    });
    view! {
        <div class="job" data-testid="image-progress" data-state=job.state.as_str()>
            <ol class="steps">{items}</ol>
            <p class="job-meta">{format!("{} · {} · {} {}", job.bundle_label, job.size.replace('*', " × "), job.polls, t.img_polls)}</p>
            {job.error.map(|e| view! { <ErrorNotice error=e testid="image-error" title=t.img_state_failed/> })}
            {result}
        </div>
    }
}

/// Served with a readable, Chinese-safe file name (`/download/image/…` on the server).
fn download_href(id: i64) -> String {
    format!("/download/image/{id}")
}

#[component]
pub fn Gallery(#[prop(optional)] version: Option<RwSignal<u32>>) -> impl IntoView {
    let t = tr();
    let images = Resource::new(move || version.map(|v| v.get()).unwrap_or(0), |_| bundle_images());
    // The image shown enlarged: (url, label).
    let enlarged = RwSignal::new(None::<(String, String)>);
    // Until hydrated a click on a thumbnail would do nothing (as with every action button).
    let interactive = crate::components::interactive::use_interactive();
    view! {
        <section class="gallery" data-testid="gallery">
            <h2>"🖼️ "{t.img_gallery}</h2>
            {move || enlarged.get().map(|(url, label)| view! {
                <div class="lightbox" role="dialog" aria-modal="true" aria-label=label.clone() data-testid="lightbox"
                    on:click=move |_| enlarged.set(None)>
                    <img src=url alt=label.clone()/>
                    <button type="button" class="close" on:click=move |_| enlarged.set(None)>{t.img_close}</button>
                </div>
            })}
            <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match images.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">{t.img_gallery_empty}</p> }.into_any(),
                        Ok(list) => view! { <div class="tiles">{list
                            .into_iter()
                            .map(|img| view! {
                                <figure class="tile" data-testid="gallery-item">
                                    <button type="button" class="enlarge" disabled=move || !interactive.get() title=t.img_enlarge aria-label=format!("{}：{}", t.img_enlarge, img.bundle_label)
                                        on:click={
                                            let (url, label) = (img.url.clone(), img.bundle_label.clone());
                                            move |_| enlarged.set(Some((url.clone(), label.clone())))
                                        }>
                                        <img src=img.url.clone() alt=img.bundle_label.clone() loading="lazy"/>
                                    </button>
                                    <figcaption>
                                        <strong>{img.bundle_label.clone()}</strong>
                                        {img.simulated.then(|| view! { <span class="badge sim">{t.img_from_simulator}</span> })}
                                        <small>{format!("{}（北京时间）· {} · {}", beijing_time(img.created_at), img.size.replace('*', " × "), img.model)}</small>
                                        <details><summary>{t.img_prompt_used}</summary><p>{img.prompt.clone()}</p></details>
                                        <a href=download_href(img.id) rel="external" download=img.file_name data-testid="image-download">{t.img_download}</a>
                                    </figcaption>
                                </figure>
                            })
                            .collect_view()}</div> }
                            .into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn GalleryPage() -> impl IntoView {
    let t = tr();
    view! {
        <Title text=format!("{} · {}", t.nav_images, t.app_name)/>
        <section class="analysis">
            <h1>{t.nav_images}</h1>
            <Gallery/>
        </section>
    }
}
