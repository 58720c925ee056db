//! The alert list of 额度管理: a filter whose values are the URL (`alert_sub`, `undelivered`,
//! `from`, `to` — Asia/Shanghai days), so a filtered list is a link and works without
//! JavaScript; each alert with its delivery to Feishu, and 重新发送 for admins.

use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

use super::api::{list_alerts, resend_alert};
use super::model::{AlertFilter, AlertView, Delivery, SubAccountView, CURRENCY};
use super::page::allowed;
use crate::auth::{MeResource, Permission};
use crate::components::error_notice::ErrorNotice;
use crate::components::format::{beijing_time, money};
use crate::components::interactive::use_interactive;
use crate::error::AppError;
use crate::i18n::tr;

const PATH: &str = "/quota";

/// The URL's filter; a value that does not read (a hand-edited link) is left out.
pub fn filter_from(pairs: &[(String, String)]) -> AlertFilter {
    let get = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    AlertFilter {
        sub_account_id: get("alert_sub").and_then(|v| v.parse().ok()),
        undelivered: get("undelivered").is_some_and(|v| v != "0" && v != "false"),
        from: get("from").and_then(|v| v.parse().ok()),
        to: get("to").and_then(|v| v.parse().ok()),
    }
}

/// What became of an alert's delivery, in words, and its class.
pub fn delivery_text(d: &Delivery) -> (&'static str, String) {
    let p = tr().quota.page;
    if let Some(at) = d.delivered_at {
        return ("delivered", format!("{} {} · {} {}", p.delivered, beijing_time(at), d.attempts, p.attempts));
    }
    if d.attempts == 0 {
        return ("pending", p.not_sent.to_string());
    }
    let next = d.next_attempt_at.map(|t| format!(" · {} {}", p.next_attempt, beijing_time(t))).unwrap_or_default();
    let error = d.last_error.clone().map(|e| format!("：{e}")).unwrap_or_default();
    ("failed", format!("{} {} {}{error}{next}", p.failed_after, d.attempts, p.attempts))
}

#[component]
pub fn AlertsView(changed: RwSignal<u32>, subs: Resource<Result<Vec<SubAccountView>, AppError>>) -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    let me = use_context::<MeResource>();
    let query = use_query_map();
    let pairs = move || -> Vec<(String, String)> { (&*query.read()).into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let resent = RwSignal::new(0u32);
    let alerts = Resource::new(move || (filter_from(&pairs()), changed.get(), resent.get()), |(f, _, _)| list_alerts(f));
    view! {
        <section class="quota-alerts" data-testid="quota-alerts">
            <h2>{p.alerts_title}</h2>
            <Transition fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    let admin = allowed(me, Permission::ManageQuota).await;
                    let options = subs.await.unwrap_or_default();
                    let filter = filter_from(&pairs());
                    let list = match alerts.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty" data-testid="alerts-empty">{p.alerts_empty}</p> }.into_any(),
                        Ok(list) => alert_table(list, admin, resent).into_any(),
                        Err(e) => view! { <ErrorNotice error=e testid="alerts-error"/> }.into_any(),
                    };
                    view! { <FilterForm filter=filter options=options/>{list} }.into_any()
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FilterForm(filter: AlertFilter, options: Vec<SubAccountView>) -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    let chosen = filter.sub_account_id;
    let options = options
        .into_iter()
        .map(|s| view! { <option value=s.id.to_string() selected=chosen == Some(s.id)>{format!("{} · {}", s.user_name, s.project)}</option> })
        .collect_view();
    view! {
        <Form method="GET" action=PATH attr:class="params" attr:data-testid="alert-filter"
            on_form_data=std::sync::Arc::new(crate::components::interactive::drop_nameless)>
            <label><span>{p.f_alert_sub}</span><select name="alert_sub"><option value="">{p.all_sub_accounts}</option>{options}</select></label>
            <label class="check"><input type="checkbox" name="undelivered" value="1" checked=filter.undelivered/>{p.f_undelivered}</label>
            <label><span>{t.p_from}</span><input type="date" name="from" value=filter.from.map(|d| d.to_string()).unwrap_or_default()/></label>
            <label><span>{t.p_to}</span><input type="date" name="to" value=filter.to.map(|d| d.to_string()).unwrap_or_default()/></label>
            <button type="submit" data-testid="alert-filter-apply">{t.apply}</button>
            <A href=PATH attr:class="reset">{t.reset}</A>
        </Form>
    }
}

fn alert_table(list: Vec<AlertView>, admin: bool, resent: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let rows = list.into_iter().map(|a| view! { <AlertRow a=a admin=admin resent=resent/> }).collect_view();
    view! {
        <table class="data alerts-table" data-testid="alerts-table">
            <thead><tr>
                <th>{p.a_time}</th><th>{p.c_user}</th><th>{p.c_project}</th><th>{p.a_step}</th>
                <th class="num">{p.c_consumed}</th><th class="num">{p.c_allocated}</th><th>{p.a_delivery}</th><th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn AlertRow(a: AlertView, admin: bool, resent: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let interactive = use_interactive();
    let id = a.id;
    let (state, text) = delivery_text(&a.delivery);
    let step = if a.step >= 100 {
        if a.disables { p.step_exhausted_disabled.to_string() } else { p.st_exhausted.to_string() }
    } else {
        format!("{}%", a.step)
    };
    let level = if a.step >= 90 { "red" } else { "orange" };
    let resend = Action::new(move |_: &()| resend_alert(id));
    Effect::new(move |_| {
        if let Some(Ok(_)) = resend.value().get() {
            resent.update(|n| *n += 1);
        }
    });
    let pending = resend.pending();
    let button = admin.then(|| {
        view! {
            <button type="button" class="secondary" data-testid="resend" disabled=move || !interactive.get() || pending.get()
                on:click=move |_| { resend.dispatch(()); }>{move || if pending.get() { p.resending } else { p.resend }}</button>
            {move || match resend.value().get() {
                Some(Err(e)) => Some(view! { <ErrorNotice error=e testid="resend-error"/> }),
                _ => None,
            }}
        }
    });
    view! {
        <tr data-testid="alert-row" data-id=id data-step=a.step data-delivery=state data-sub=a.sub_account_id>
            <td class="time">{beijing_time(a.at)}</td>
            <td>{a.user_name.clone()}</td>
            <td>{a.project.clone()}</td>
            <td><span class=format!("step {level}")>{step}</span></td>
            <td class="num">{money(a.consumed, CURRENCY)}</td>
            <td class="num">{money(a.allocated, CURRENCY)}</td>
            <td class=format!("delivery {state}") data-testid="delivery">{text}</td>
            <td class="actions">{button}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_url_is_the_filter() {
        assert_eq!(filter_from(&[]), AlertFilter::default());
        let f = filter_from(&pairs(&[("alert_sub", "7"), ("undelivered", "1"), ("from", "2026-12-01"), ("to", "2026-12-31")]));
        assert_eq!(f.sub_account_id, Some(7));
        assert!(f.undelivered);
        assert_eq!(f.from.unwrap().to_string(), "2026-12-01");
        assert_eq!(f.to.unwrap().to_string(), "2026-12-31");
        let junk = filter_from(&pairs(&[("alert_sub", "x"), ("from", "2026-13-01"), ("undelivered", "")]));
        assert_eq!(junk, AlertFilter::default());
    }
}
