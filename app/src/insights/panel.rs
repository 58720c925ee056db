//! The insight panel under each analysis: the cached insight with its time and a 重新生成 button,
//! or an AI 分析 button that streams a new one in as the model writes.

use leptos::prelude::*;

use super::api::{load_insight, stream_insight};
use super::model::{AiSource, Insight, InsightEvent, InsightView};
use crate::components::error_notice::ErrorNotice;
use crate::components::format::{beijing_time, count};
use crate::components::markdown::to_safe_html;
use crate::error::AppError;
use crate::i18n::tr;
use crate::sales::model::AnalysisKind;
use crate::url_query::RawQuery;

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Idle,
    Waiting,
    Streaming,
    Done(Insight),
    Failed { error: AppError, partial: bool },
}

#[component]
pub fn InsightPanel(kind: AnalysisKind, raw: RawQuery, fingerprint: String) -> impl IntoView {
    let t = tr();
    let view_raw = raw.clone();
    let view = Resource::new(|| (), move |_| load_insight(kind.slug().to_string(), view_raw.clone(), fingerprint.clone()));
    view! {
        <section class="insight" data-testid="insight">
            <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {move || {
                    let raw = raw.clone();
                    Suspend::new(async move {
                        match view.await {
                            Ok(v) => view! { <InsightBody view=v kind=kind raw=raw/> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn InsightBody(view: InsightView, kind: AnalysisKind, raw: RawQuery) -> impl IntoView {
    let t = tr();
    let text = RwSignal::new(view.cached.as_ref().map(|i| i.text.clone()).unwrap_or_default());
    let phase = RwSignal::new(match view.cached.clone() {
        Some(i) => Phase::Done(i),
        None => Phase::Idle,
    });
    let configured = view.source != AiSource::NotConfigured;
    let busy = move || matches!(phase.get(), Phase::Waiting | Phase::Streaming);
    let interactive = crate::components::interactive::use_interactive();
    let start = move |regenerate: bool| {
        text.set(String::new());
        phase.set(Phase::Waiting);
        let raw = raw.clone();
        leptos::task::spawn_local(consume(kind, raw, regenerate, text, phase));
    };
    let button = move || {
        let done = matches!(phase.get(), Phase::Done(_) | Phase::Failed { .. });
        let (label, regenerate) = if done { (t.ai_regenerate, true) } else { (t.ai_generate, false) };
        let start = start.clone();
        view! {
            <button type="button" class="ai-button" data-testid="ai-button" disabled=move || busy() || !configured || !interactive.get() || !crate::auth::can(crate::auth::Permission::RunModel)
                on:click=move |_| start(regenerate)>
                {if busy() { t.ai_generating } else { label }}
            </button>
        }
    };
    let notice = match view.source {
        AiSource::Simulator => Some(view! { <p class="notice sim" data-testid="ai-sim-notice">{t.ai_from_simulator}</p> }.into_any()),
        AiSource::NotConfigured => Some(view! { <p class="notice" data-testid="ai-not-configured">{t.ai_not_configured_hint}</p> }.into_any()),
        AiSource::DashScope => None,
    };
    let status = move || match phase.get() {
        Phase::Waiting => Some(view! { <p class="loading" role="status">{t.ai_waiting}</p> }.into_any()),
        Phase::Failed { error, partial } => Some(
            view! {
                <ErrorNotice error=error testid="insight-error">
                    {partial.then(|| view! { <p class="incomplete" data-testid="insight-incomplete">{t.ai_incomplete}</p> })}
                </ErrorNotice>
            }
            .into_any(),
        ),
        Phase::Done(i) => Some(meta(&i).into_any()),
        _ => None,
    };
    view! {
        <header class="insight-head">
            <h2>"🤖 "{t.ai_title}</h2>
            {button}
        </header>
        {notice}
        {status}
        <div class="markdown" class:streaming=move || phase.get() == Phase::Streaming data-testid="insight-text"
            inner_html=move || to_safe_html(&text.get())></div>
    }
}

fn meta(i: &Insight) -> impl IntoView {
    let t = tr();
    view! {
        <p class="insight-meta" data-testid="insight-meta">
            {i.simulated.then(|| view! { <span class="badge sim">{t.ai_simulated_badge}</span> })}
            {format!("{} {} · {} {}（北京时间）· {} {} · {} {} / {} · {} {} / {} · {}",
                t.ai_meta_model, i.model, t.ai_meta_time, beijing_time(i.created_at), t.ai_meta_prompt, i.prompt_version,
                t.ai_meta_tokens, count(i.tokens.prompt_tokens as i64), count(i.tokens.completion_tokens as i64),
                t.ai_meta_rows, i.rows_in_prompt, i.rows_total, t.ai_cached)}
        </p>
    }
}

/// Reads the answer stream into the signals. Signals are written with `try_*`: the user may
/// have left the page meanwhile.
async fn consume(kind: AnalysisKind, raw: RawQuery, regenerate: bool, text: RwSignal<String>, phase: RwSignal<Phase>) {
    let stream = match stream_insight(kind.slug().to_string(), raw, regenerate).await {
        Ok(s) => s,
        Err(error) => {
            phase.try_set(Phase::Failed { error, partial: false });
            return;
        }
    };
    let mut ended = false;
    crate::ndjson::read_lines::<InsightEvent>(stream, |event| match event {
        Ok(InsightEvent::Started { .. }) => {}
        Ok(InsightEvent::Delta { text: d }) => {
            text.try_update(|t| t.push_str(&d));
            if phase.try_get_untracked() == Some(Phase::Waiting) {
                phase.try_set(Phase::Streaming);
            }
        }
        Ok(InsightEvent::Done { insight }) => {
            text.try_set(insight.text.clone());
            phase.try_set(Phase::Done(insight));
            ended = true;
        }
        Ok(InsightEvent::Failed { error, partial }) => {
            phase.try_set(Phase::Failed { error, partial });
            ended = true;
        }
        Err(e) => leptos::logging::warn!("insight stream line unreadable: {e}"),
    })
    .await;
    if !ended {
        let partial = text.try_with_untracked(|t| !t.is_empty()).unwrap_or(false);
        phase.try_set(Phase::Failed { error: AppError::AiStreamCut, partial });
    }
}
