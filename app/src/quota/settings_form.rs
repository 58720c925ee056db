//! The check's settings on 额度管理 — interval and default steps (kept in the store, applied
//! without a restart), where alerts go, the last and next check — and the 立即检查 button.

use leptos::prelude::*;
use leptos_router::components::A;

use super::api::{check_now, quota_settings, save_quota_settings};
use super::model::{CheckReport, QuotaSettingsView};
use super::page::{allowed, steps_text};
use super::register_form::form_error;
use crate::auth::{MeResource, Permission};
use crate::components::error_notice::ErrorNotice;
use crate::components::format::beijing_time;
use crate::components::interactive::use_interactive;
use crate::i18n::tr;

/// A check's outcome in words.
pub fn report_text(r: &CheckReport) -> String {
    let p = tr().quota.page;
    if !r.ran {
        return p.check_busy.to_string();
    }
    format!(
        "{} {} · {} {} · {} {} · {} {} · {} {} · {} {}",
        p.r_checked, r.checked, p.r_failed, r.failed, p.r_alerts, r.alerts, p.r_delivered, r.delivered, p.r_disabled, r.disabled, p.r_enabled, r.enabled
    )
}

/// 立即检查 and what the check did.
#[component]
pub fn CheckNowButton(changed: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let interactive = use_interactive();
    let check = Action::new(move |_: &()| check_now());
    // Cleared when a new check starts, so the report shown is always the last one's.
    let report = RwSignal::new(None::<CheckReport>);
    Effect::new(move |_| {
        if let Some(Ok(r)) = check.value().get() {
            report.set(Some(r));
            changed.update(|n| *n += 1);
        }
    });
    let pending = check.pending();
    view! {
        <button type="button" data-testid="check-now" disabled=move || !interactive.get() || pending.get()
            on:click=move |_| { report.set(None); check.dispatch(()); }>
            {move || if pending.get() { p.checking } else { p.check_now }}
        </button>
        {move || report.get().map(|r| view! {
            <span class="check-report" role="status" data-testid="check-report" data-ran=r.ran.to_string() data-alerts=r.alerts>{report_text(&r)}</span>
        })}
        {form_error(check)}
    }
}

#[component]
pub fn SettingsPanel(changed: RwSignal<u32>) -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    let me = use_context::<MeResource>();
    let saved = RwSignal::new(0u32);
    let settings = Resource::new(move || (changed.get(), saved.get()), |_| quota_settings());
    view! {
        <section class="quota-settings" data-testid="quota-settings">
            <h2>{p.settings_title}</h2>
            <Transition fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    let admin = allowed(me, Permission::ManageQuota).await;
                    match settings.await {
                        Ok(s) => view! { <SettingsFacts s=s.clone()/>{admin.then(|| view! { <SettingsForm s=s saved=saved/> })} }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e testid="settings-error"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SettingsFacts(s: QuotaSettingsView) -> impl IntoView {
    let p = tr().quota.page;
    let webhook = match &s.webhook {
        Some(url) => view! {
            <code data-testid="webhook">{url.clone()}</code>
            {s.webhook_simulated.then(|| view! { <span class="badge sim">{p.simulated}</span> })}
        }
        .into_any(),
        None => view! { <span data-testid="webhook-none">{p.webhook_none}</span>" "<A href="/admin/settings">{p.webhook_configure}</A> }.into_any(),
    };
    let time = |t: Option<chrono::DateTime<chrono::Utc>>, none: &'static str| t.map(beijing_time).unwrap_or_else(|| none.to_string());
    view! {
        <dl class="facts" data-testid="settings-facts">
            <dt>{p.f_interval}</dt><dd data-testid="interval">{format!("{} {}", s.interval_seconds, p.seconds)}</dd>
            <dt>{p.f_default_steps}</dt><dd data-testid="default-steps">{format!("{}、100%", steps_text(&s.default_steps))}</dd>
            <dt>{p.alerts_to}</dt><dd>{webhook}</dd>
            <dt>{p.last_check}</dt><dd data-testid="last-check">{time(s.last_check_at, p.never_checked)}</dd>
            <dt>{p.next_check}</dt><dd data-testid="next-check">{time(s.next_check_at, p.not_scheduled)}</dd>
            <dt>{p.updated}</dt><dd>{match (s.updated_at, s.updated_by) {
                (Some(at), Some(by)) => format!("{} · {by}", beijing_time(at)),
                _ => p.defaults_unchanged.to_string(),
            }}</dd>
        </dl>
    }
}

#[component]
fn SettingsForm(s: QuotaSettingsView, saved: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let interval = RwSignal::new(s.interval_seconds.to_string());
    let steps = RwSignal::new(s.default_steps.iter().map(u8::to_string).collect::<Vec<_>>().join(","));
    let save = Action::new(move |(interval, steps): &(String, String)| {
        let (interval, steps) = (interval.clone(), steps.clone());
        async move {
            // A number the field refuses reaches the server as 0, which it refuses with its message.
            save_quota_settings(interval.trim().parse().unwrap_or(0), steps).await
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch((interval.get_untracked(), steps.get_untracked()));
    };
    let pending = save.pending();
    view! {
        <form class="params settings-form" data-testid="settings-form" on:submit=submit>
            <label>{p.f_interval_seconds}<input name="interval_seconds" inputmode="numeric" bind:value=interval/></label>
            <label>{p.f_default_steps}<input name="steps" placeholder=p.ph_steps bind:value=steps/></label>
            <button type="submit" data-testid="settings-save" disabled=move || pending.get()>{move || if pending.get() { p.saving } else { p.save }}</button>
        </form>
        {form_error(save)}
    }
}
