//! Under a row of 额度管理: the 划拨/扣减 dialog (amount and reason; the server's refusal — a
//! deduction below what is consumed — shown in it) and the sub-account's ledger.

use leptos::prelude::*;

use super::api::{allocate, allocation_history};
use super::model::{AllocateForm, AllocationView, SubAccountView, CURRENCY};
use super::page::OpenPanel;
use crate::components::error_notice::ErrorNotice;
use crate::components::format::{beijing_time, money};
use crate::i18n::tr;

/// A key for one opened dialog: submitting its form twice (a double click, a retry) makes one
/// ledger entry. Random in the browser; the server never renders an open dialog.
fn request_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        use leptos::web_sys::js_sys::{Date, Math};
        let part = || (Math::random() * 4_503_599_627_370_496.0) as u64;
        format!("{:013x}{:013x}{:011x}", part(), part(), Date::now() as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        format!("{:x}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default())
    }
}

#[component]
pub fn AllocateDialog(sub: SubAccountView, open: OpenPanel, changed: RwSignal<u32>) -> impl IntoView {
    let p = tr().quota.page;
    let id = sub.id;
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let key = request_key();
    let save = Action::new(move |form: &AllocateForm| allocate(form.clone()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            open.set(None);
            changed.update(|n| *n += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(AllocateForm { sub_account_id: id, amount: amount.get_untracked(), reason: reason.get_untracked(), request_key: key.clone() });
    };
    let pending = save.pending();
    let error = move || match save.value().get() {
        Some(Err(e)) => Some(view! { <ErrorNotice error=e testid="allocate-error"/> }),
        _ => None,
    };
    let figures = format!(
        "{} {} · {} {} · {} {}",
        p.c_allocated,
        money(sub.allocated, CURRENCY),
        p.c_consumed,
        money(sub.consumed, CURRENCY),
        p.c_remaining,
        money(sub.remaining, CURRENCY)
    );
    let who = if sub.display_name.is_empty() { sub.user_name.clone() } else { format!("{}（{}）", sub.display_name, sub.user_name) };
    view! {
        <div class="dialog" role="dialog" aria-label=p.allocate_title data-testid="allocate-dialog">
            <h3>{format!("{} · {who}", p.allocate_title)}</h3>
            <p class="notice">{figures}<br/>{p.allocate_hint}</p>
            <form class="params" on:submit=submit>
                <label>{p.f_amount}<input name="amount" inputmode="decimal" autocomplete="off" required=true placeholder="500 / -120.50" bind:value=amount/></label>
                <label class="wide">{p.f_reason}<input name="reason" maxlength="200" required=true bind:value=reason/></label>
                <button type="submit" data-testid="allocate-submit" disabled=move || pending.get()>{move || if pending.get() { p.saving } else { p.allocate_submit }}</button>
                <button type="button" class="secondary" data-testid="allocate-cancel" on:click=move |_| open.set(None)>{p.cancel}</button>
            </form>
            {error}
        </div>
    }
}

/// The ledger: newest first, each entry with its operator, amount, the balance before → after,
/// what was consumed then and why.
#[component]
pub fn HistoryView(sub: SubAccountView, open: OpenPanel) -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    let id = sub.id;
    let entries = Resource::new(move || id, allocation_history);
    view! {
        <div class="dialog history" data-testid="history">
            <h3>{format!("{} · {}", p.history_title, sub.user_name)}</h3>
            <Suspense fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">{p.history_empty}</p> }.into_any(),
                        Ok(list) => ledger_table(list).into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
            <button type="button" class="secondary" on:click=move |_| open.set(None)>{p.close}</button>
        </div>
    }
}

fn ledger_table(list: Vec<AllocationView>) -> impl IntoView {
    let p = tr().quota.page;
    let rows = list
        .into_iter()
        .map(|a| {
            let (class, sign) = if a.amount.is_sign_negative() { ("num minus", "") } else { ("num plus", "+") };
            view! {
                <tr data-testid="history-row" data-id=a.id>
                    <td class="time">{beijing_time(a.at)}</td>
                    <td>{a.operator.clone()}</td>
                    <td class=class>{format!("{sign}{}", money(a.amount, CURRENCY))}</td>
                    <td class="num">{format!("{} → {}", money(a.balance_before, CURRENCY), money(a.balance_after, CURRENCY))}</td>
                    <td class="num">{money(a.consumed, CURRENCY)}</td>
                    <td>{a.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data" data-testid="history-table">
            <thead><tr>
                <th>{p.h_time}</th><th>{p.h_operator}</th><th class="num">{p.h_amount}</th><th class="num">{p.h_balance}</th>
                <th class="num">{p.h_consumed}</th><th>{p.h_reason}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
