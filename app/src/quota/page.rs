//! 额度管理 (`/quota`): one row per sub-account under quota control — allocated, consumed,
//! remaining, a usage bar coloured by step, the last check, the status and the steps fired —
//! then the alert list ([`super::alerts_view`]) and the check's settings
//! ([`super::settings_form`]). Everyone who may view quota reads it (also without JavaScript);
//! admins get the actions: 划拨/扣减 ([`super::allocate_dialog`]), register and edit
//! ([`super::register_form`]), 立即检查.

use leptos::prelude::*;
use leptos_meta::Title;
use rust_decimal::Decimal;

use super::alerts_view::AlertsView;
use super::allocate_dialog::{AllocateDialog, HistoryView};
use super::api::list_sub_accounts;
use super::model::{Status, SubAccountView, CURRENCY};
use super::register_form::{EditForm, RegisterDialog};
use super::settings_form::{CheckNowButton, SettingsPanel};
use crate::auth::{MeResource, Permission};
use crate::components::error_notice::ErrorNotice;
use crate::components::format::{beijing_time, money};
use crate::components::interactive::use_interactive;
use crate::i18n::tr;

/// What is open under a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Allocate,
    History,
    Edit,
}

/// The row (sub-account id) with its open panel, if any.
pub type OpenPanel = RwSignal<Option<(i64, Panel)>>;

/// Whether the signed-in user may do `p`, awaited (so the server renders the same as the browser).
pub async fn allowed(me: Option<MeResource>, p: Permission) -> bool {
    match me {
        Some(me) => me.await.ok().flatten().is_some_and(|m| m.can(p)),
        None => false,
    }
}

/// The usage bar's colour: green under the first step, orange from a step below 90 %, red from
/// 90 % and when exhausted; `none` before anything is allocated.
pub fn usage_level(s: &SubAccountView) -> &'static str {
    if matches!(s.status, Status::Exhausted | Status::DisabledByApp) {
        return "red";
    }
    let Some(pct) = s.usage_percent else { return "none" };
    match s.steps.iter().copied().filter(|step| Decimal::from(*step) <= pct).max() {
        None => "green",
        Some(step) if step < 90 => "orange",
        Some(_) => "red",
    }
}

/// The status's class name and label.
pub fn status_label(s: Status) -> (&'static str, &'static str) {
    let p = tr().quota.page;
    match s {
        Status::Normal => ("normal", p.st_normal),
        Status::Warning => ("warning", p.st_warning),
        Status::Exhausted => ("exhausted", p.st_exhausted),
        Status::DisabledByApp => ("disabled-app", p.st_disabled_app),
        Status::DisabledByAdmin => ("disabled-admin", p.st_disabled_admin),
    }
}

/// Steps as the page lists them: `50%、80%`.
pub fn steps_text(steps: &[u8]) -> String {
    steps.iter().map(|s| format!("{s}%")).collect::<Vec<_>>().join("、")
}

#[component]
pub fn QuotaPage() -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    let me = use_context::<MeResource>();
    // Bumped after every change (allocation, check, registration, settings), so the lists reload.
    let changed = RwSignal::new(0u32);
    let open: OpenPanel = RwSignal::new(None);
    let registering = RwSignal::new(false);
    let subs = Resource::new(move || changed.get(), |_| list_sub_accounts());
    view! {
        <Title text=format!("{} · {}", t.quota.title, t.app_name)/>
        <section class="analysis quota" data-testid="quota-page">
            <h1>"💰 "{t.quota.title}</h1>
            <p class="lead">{p.lead}</p>
            // Apart from the table, so a check's report stays while the table reloads.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    allowed(me, Permission::ManageQuota).await.then(|| view! { <Toolbar registering=registering changed=changed/> })
                })}
            </Transition>
            <Transition fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    let admin = allowed(me, Permission::ManageQuota).await;
                    match subs.await {
                        Ok(list) => view! { <SubAccountTable list=list admin=admin open=open changed=changed/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e testid="error"/> }.into_any(),
                    }
                })}
            </Transition>
            {move || registering.get().then(|| view! { <RegisterDialog close=registering changed=changed/> })}
            <AlertsView changed=changed subs=subs/>
            <SettingsPanel changed=changed/>
        </section>
    }
}

/// The admin's buttons above the table.
#[component]
fn Toolbar(registering: RwSignal<bool>, changed: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let interactive = use_interactive();
    view! {
        <div class="toolbar" data-testid="quota-toolbar">
            <button type="button" class="secondary" data-testid="register-open" disabled=move || !interactive.get()
                on:click=move |_| registering.set(true)>{p.register}</button>
            <CheckNowButton changed=changed/>
        </div>
    }
}

#[component]
fn SubAccountTable(list: Vec<SubAccountView>, admin: bool, open: OpenPanel, changed: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    if list.is_empty() {
        return view! { <p class="empty" data-testid="quota-empty">{p.empty}</p> }.into_any();
    }
    let rows = list.into_iter().map(|s| view! { <SubAccountRow s=s admin=admin open=open changed=changed/> }).collect_view();
    view! {
        <table class="data quota-table" data-testid="quota-table">
            <thead><tr>
                <th>{p.c_user}</th><th>{p.c_project}</th><th class="num">{p.c_allocated}</th><th class="num">{p.c_consumed}</th>
                <th class="num">{p.c_remaining}</th><th>{p.c_usage}</th><th>{p.c_checked}</th><th>{p.c_status}</th>
                <th>{p.c_fired}</th><th>{p.c_problems}</th><th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn SubAccountRow(s: SubAccountView, admin: bool, open: OpenPanel, changed: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let interactive = use_interactive();
    let id = s.id;
    let (status_class, status_text) = status_label(s.status);
    let level = usage_level(&s);
    let usage = match s.usage_percent {
        Some(pct) => {
            let shown = pct.min(Decimal::ONE_HUNDRED).max(Decimal::ZERO);
            view! {
                <progress class=format!("usage {level}") max="100" value=shown.to_string() data-testid="usage-bar" data-level=level></progress>
                <span class="usage-text" data-testid="usage">{format!("{pct}%")}</span>
            }
            .into_any()
        }
        None => view! { <progress class="usage none" max="100" value="0"></progress><span class="usage-text">{p.not_allocated}</span> }.into_any(),
    };
    let name = if s.display_name.is_empty() { s.user_name.clone() } else { s.display_name.clone() };
    let problems = [
        s.check_error.clone().map(|e| format!("{}：{e}", p.check_error)),
        s.iam_pending.as_deref().map(|c| {
            let what = match c {
                "disable" => p.iam_pending_disable,
                "enable" => p.iam_pending_enable,
                other => other,
            };
            format!("{}：{what}", p.iam_pending)
        }),
        s.iam_error.clone().map(|e| format!("{}：{e}", p.iam_error)),
    ]
    .into_iter()
    .flatten()
    .map(|text| view! { <p class="problem">{text}</p> })
    .collect_view();
    let toggle = move |panel: Panel| open.update(|o| *o = if *o == Some((id, panel)) { None } else { Some((id, panel)) });
    let actions = admin.then(|| {
        view! {
            <button type="button" data-testid="allocate-open" disabled=move || !interactive.get() on:click=move |_| toggle(Panel::Allocate)>{p.allocate}</button>
            <button type="button" class="secondary" data-testid="edit-open" disabled=move || !interactive.get() on:click=move |_| toggle(Panel::Edit)>{p.edit}</button>
        }
    });
    let remaining_class = if s.remaining < Decimal::ZERO { "num negative" } else { "num" };
    let sub = s.clone();
    let panel = move || {
        open.get().filter(|(o, _)| *o == id).map(|(_, panel)| {
            let inner = match panel {
                Panel::Allocate => view! { <AllocateDialog sub=sub.clone() open=open changed=changed/> }.into_any(),
                Panel::History => view! { <HistoryView sub=sub.clone() open=open/> }.into_any(),
                Panel::Edit => view! { <EditForm sub=sub.clone() open=open changed=changed/> }.into_any(),
            };
            view! { <tr class="panel-row"><td colspan="11">{inner}</td></tr> }
        })
    };
    view! {
        <tr data-testid="quota-row" data-id=id data-user=s.user_name.clone() data-account=s.account.clone() data-project=s.project.clone() data-status=status_class>
            <td><strong>{name}</strong><br/><small>{format!("{} · {}", s.user_name, s.account)}</small></td>
            <td>{s.project.clone()}</td>
            <td class="num" data-testid="allocated">{money(s.allocated, CURRENCY)}</td>
            <td class="num" data-testid="consumed">{money(s.consumed, CURRENCY)}</td>
            <td class=remaining_class data-testid="remaining">{money(s.remaining, CURRENCY)}</td>
            <td class="bar">{usage}</td>
            <td class="time">{s.checked_at.map(beijing_time).unwrap_or_else(|| p.never_checked.to_string())}</td>
            <td><span class=format!("quota-status {status_class}") data-testid="status">{status_text}</span></td>
            <td data-testid="fired">{if s.fired.is_empty() { "—".to_string() } else { steps_text(&s.fired) }}
                <br/><small>{format!("{}：{}{}", p.steps_in_force, steps_text(&s.steps), if s.own_steps { p.own_steps } else { p.default_steps_mark })}</small></td>
            <td class="problems">{problems}</td>
            <td class="actions">
                {actions}
                <button type="button" class="secondary" data-testid="history-open" disabled=move || !interactive.get() on:click=move |_| toggle(Panel::History)>{p.history}</button>
            </td>
        </tr>
        {panel}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(pct: Option<&str>, status: Status) -> SubAccountView {
        SubAccountView {
            id: 1,
            account: "volc".into(),
            user_name: "u".into(),
            display_name: String::new(),
            project: "p".into(),
            allocated: Decimal::ONE_HUNDRED,
            consumed: Decimal::ZERO,
            remaining: Decimal::ONE_HUNDRED,
            usage_percent: pct.map(|p| p.parse().unwrap()),
            steps: vec![50, 80, 90, 100],
            own_steps: false,
            fired: vec![],
            highest_fired: None,
            status,
            auto_disable: true,
            allocations: 1,
            checked_at: None,
            check_error: None,
            iam_pending: None,
            iam_error: None,
        }
    }

    #[test]
    fn the_bar_is_coloured_by_the_step_reached() {
        assert_eq!(usage_level(&sub(None, Status::Normal)), "none");
        assert_eq!(usage_level(&sub(Some("49.9"), Status::Normal)), "green");
        assert_eq!(usage_level(&sub(Some("50"), Status::Warning)), "orange");
        assert_eq!(usage_level(&sub(Some("89.9"), Status::Warning)), "orange");
        assert_eq!(usage_level(&sub(Some("90"), Status::Warning)), "red");
        assert_eq!(usage_level(&sub(Some("120"), Status::Exhausted)), "red");
        assert_eq!(usage_level(&sub(Some("10"), Status::DisabledByApp)), "red");
        assert_eq!(steps_text(&[50, 80]), "50%、80%");
    }
}
