//! IAM 子账号 (`/quota/iam`, admins): a Volcengine account's IAM users read live (同步 reads
//! them again), per user its keys, console login and policies — attach from the System policies,
//! detach, enable and disable by hand — and creating one ([`super::iam_create`]).

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::quota_accounts;
use super::iam_api::{iam_user, iam_users, set_iam_enabled, set_iam_policy};
use super::iam_create::CreateUserDialog;
use super::model::{IamUserDetail, IamUserRow};
use crate::billing::iam::{KeyStatus, SYSTEM_POLICIES};
use crate::components::error_notice::ErrorNotice;
use crate::components::interactive::use_interactive;
use crate::i18n::tr;

#[component]
pub fn IamPage() -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    // Admins only: for anyone else the server refuses this (403), and the page says so.
    let accounts = Resource::new(|| (), |_| quota_accounts());
    view! {
        <Title text=format!("{} · {}", p.iam_title, t.app_name)/>
        <section class="analysis iam" data-testid="iam-page">
            <h1>"👥 "{p.iam_title}</h1>
            <p class="lead">{p.iam_lead}</p>
            <Suspense fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Ok(list) if list.is_empty() => view! { <p class="notice" data-testid="no-accounts">{p.no_volc_accounts}</p> }.into_any(),
                        Ok(list) => view! { <AccountUsers accounts=list/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e testid="error"/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AccountUsers(accounts: Vec<String>) -> impl IntoView {
    let t = tr();
    let p = t.quota.page;
    let interactive = use_interactive();
    let account = RwSignal::new(accounts[0].clone());
    let reload = RwSignal::new(0u32);
    let creating = RwSignal::new(false);
    let selected = RwSignal::new(None::<String>);
    let users = Resource::new(move || (account.get(), reload.get()), |(a, _)| iam_users(a));
    let options = accounts.into_iter().map(|a| view! { <option value=a.clone() selected=a == account.get_untracked()>{a.clone()}</option> }).collect_view();
    view! {
        <div class="toolbar params" data-testid="iam-toolbar">
            <label>{p.f_account}<select name="account" data-testid="iam-account" on:change=move |ev| { selected.set(None); account.set(event_target_value(&ev)); }>{options}</select></label>
            <button type="button" class="secondary" data-testid="iam-sync" disabled=move || !interactive.get() on:click=move |_| reload.update(|n| *n += 1)>{p.sync}</button>
            <button type="button" data-testid="iam-create-open" disabled=move || !interactive.get() on:click=move |_| creating.set(true)>{p.create_user}</button>
        </div>
        {move || creating.get().then(|| view! { <CreateUserDialog account=account.get_untracked() close=creating reload=reload/> })}
        <Transition fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => user_table(list, selected, account.get_untracked()).into_any(),
                    Err(e) => view! { <ErrorNotice error=e testid="error"/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn user_table(list: Vec<IamUserRow>, selected: RwSignal<Option<String>>, account: String) -> impl IntoView {
    let p = tr().quota.page;
    if list.is_empty() {
        return view! { <p class="empty" data-testid="iam-empty">{p.iam_empty}</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|row| {
            let name = row.user.name.clone();
            let toggle = name.clone();
            let quota = match (&row.quota_id, &row.quota_project) {
                (Some(_), Some(project)) => format!("{}（{project}）", p.under_quota),
                (Some(_), None) => p.under_quota.to_string(),
                _ => "—".to_string(),
            };
            let account = account.clone();
            let detail = move || {
                (selected.get().as_deref() == Some(name.as_str()))
                    .then(|| view! { <tr class="panel-row"><td colspan="6"><UserDetail account=account.clone() name=name.clone()/></td></tr> })
            };
            view! {
                <tr data-testid="iam-row" data-user=row.user.name.clone()>
                    <td><strong>{row.user.name.clone()}</strong></td>
                    <td>{row.user.display_name.clone()}</td>
                    <td>{row.user.description.clone()}</td>
                    <td class="time">{row.user.created.clone().unwrap_or_default()}</td>
                    <td data-testid="iam-quota">{quota}</td>
                    <td class="actions">
                        <button type="button" class="secondary" data-testid="iam-detail-open"
                            on:click=move |_| selected.update(|s| *s = if s.as_deref() == Some(toggle.as_str()) { None } else { Some(toggle.clone()) })>{p.detail}</button>
                    </td>
                </tr>
                {detail}
            }
        })
        .collect_view();
    view! {
        <table class="data iam-table" data-testid="iam-table">
            <thead><tr>
                <th>{p.f_user_name}</th><th>{p.f_display_name}</th><th>{p.f_description}</th><th>{p.i_created}</th><th>{p.i_quota}</th><th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// One user's keys, login and policies, read live; the changes answer the user as it is then.
#[component]
fn UserDetail(account: String, name: String) -> impl IntoView {
    let t = tr();
    let reload = RwSignal::new(0u32);
    let (a, n) = (account.clone(), name.clone());
    let detail = Resource::new(move || reload.get(), move |_| iam_user(a.clone(), n.clone()));
    let (a, n) = (account.clone(), name.clone());
    let policy = Action::new(move |(policy, attach): &(String, bool)| set_iam_policy(a.clone(), n.clone(), policy.clone(), *attach));
    let (a, n) = (account, name);
    let enabled = Action::new(move |on: &bool| set_iam_enabled(a.clone(), n.clone(), *on));
    Effect::new(move |_| {
        let (pv, ev) = (policy.value().get(), enabled.value().get());
        if matches!(pv, Some(Ok(_))) || matches!(ev, Some(Ok(_))) {
            reload.update(|n| *n += 1);
        }
    });
    let failure = move || match (policy.value().get(), enabled.value().get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => Some(view! { <ErrorNotice error=e testid="iam-error"/> }),
        _ => None,
    };
    view! {
        <div class="dialog iam-detail" data-testid="iam-detail">
            <Transition fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => detail_view(d, policy, enabled).into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
            {failure}
        </div>
    }
}

fn detail_view(d: IamUserDetail, policy: Action<(String, bool), Result<IamUserDetail, crate::error::AppError>>, enabled: Action<bool, Result<IamUserDetail, crate::error::AppError>>) -> impl IntoView {
    let p = tr().quota.page;
    let login = match d.login_allowed {
        Some(true) => p.login_allowed,
        Some(false) => p.login_denied,
        None => p.login_none,
    };
    let keys = d
        .keys
        .iter()
        .map(|k| {
            let (class, state) = match k.status {
                KeyStatus::Active => ("active", p.key_active),
                KeyStatus::Inactive => ("inactive", p.key_inactive),
            };
            view! { <li data-testid="iam-key" data-status=class><code>{k.id.clone()}</code>" "<span class=format!("key-state {class}")>{state}</span>" "<small>{k.created.clone().unwrap_or_default()}</small></li> }
        })
        .collect_view();
    let policies = d
        .policies
        .iter()
        .map(|pol| {
            let name = pol.name.clone();
            view! {
                <li data-testid="iam-policy" data-policy=pol.name.clone()>
                    <code>{pol.name.clone()}</code>" "<small>{pol.policy_type.as_wire()}</small>" "
                    <button type="button" class="secondary" data-testid="iam-detach" on:click=move |_| { policy.dispatch((name.clone(), false)); }>{p.detach}</button>
                </li>
            }
        })
        .collect_view();
    let attachable: Vec<&'static str> = SYSTEM_POLICIES.iter().copied().filter(|s| !d.policies.iter().any(|pol| pol.name == *s)).collect();
    let pick = RwSignal::new(attachable.first().map(|s| s.to_string()).unwrap_or_default());
    let attach = (!attachable.is_empty()).then(|| {
        let options = attachable.into_iter().map(|s| view! { <option value=s>{s}</option> }).collect_view();
        view! {
            <span class="attach">
                <select name="policy" data-testid="iam-policy-pick" on:change=move |ev| pick.set(event_target_value(&ev))>{options}</select>
                <button type="button" data-testid="iam-attach" on:click=move |_| { policy.dispatch((pick.get_untracked(), true)); }>{p.attach}</button>
            </span>
        }
    });
    let (attaching, switching) = (policy.pending(), enabled.pending());
    let busy = move || attaching.get() || switching.get();
    view! {
        <h3>{format!("{} · {}", d.name, d.account)}</h3>
        <dl class="facts">
            <dt>{p.console_login}</dt><dd data-testid="iam-login" data-allowed=d.login_allowed.map(|b| b.to_string()).unwrap_or_default()>{login}</dd>
        </dl>
        <h4>{p.keys}</h4>
        <ul class="plain">{keys}</ul>
        <h4>{p.policies}</h4>
        <ul class="plain">{policies}</ul>
        {attach}
        <div class="toolbar">
            <button type="button" data-testid="iam-enable" disabled=busy on:click=move |_| { enabled.dispatch(true); }>{p.enable}</button>
            <button type="button" class="danger" data-testid="iam-disable" disabled=busy on:click=move |_| { enabled.dispatch(false); }>{p.disable}</button>
        </div>
    }
}
