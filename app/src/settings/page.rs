//! The settings page (设置, admins): per kind, the stored entries and the environment's read-only
//! ones, each with a connection test; add, edit and delete through the entry form
//! ([`super::form`]). Secrets show only as 已设置 / 未设置.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{delete_credential, load_settings, test_credential};
use super::form::{EntryForm, Editing};
use super::model::{EnvEntry, SettingsView, StoredEntry, TestOutcome, TestTarget};
use crate::billing::labels::BillingText;
use crate::billing::model::Provider;
use crate::components::error_notice::ErrorNotice;
use crate::components::interactive::use_interactive;
use crate::credentials::CredentialKind;
use crate::error::AppError;
use crate::i18n::tr;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let t = tr();
    let s = t.settings;
    // Bumped after every change, so the lists reload.
    let changed = RwSignal::new(0u32);
    let settings = Resource::new(move || changed.get(), |_| load_settings());
    view! {
        <Title text=format!("{} · {}", s.title, t.app_name)/>
        <section class="analysis settings" data-testid="settings-page">
            <h1>"⚙️ "{s.title}</h1>
            <p class="lead">{s.lead}</p>
            <Suspense fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(v) => view! { <Sections view=v changed=changed/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e testid="error"/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Sections(view: SettingsView, changed: RwSignal<u32>) -> impl IntoView {
    let s = tr().settings;
    let sections = CredentialKind::ALL
        .into_iter()
        .map(|kind| {
            let stored: Vec<StoredEntry> = view.stored.iter().filter(|e| e.kind == kind).cloned().collect();
            let env: Vec<EnvEntry> = view.env.iter().filter(|e| e.kind == kind).cloned().collect();
            view! { <KindSection kind=kind stored=stored env=env changed=changed/> }
        })
        .collect_view();
    view! {
        <p class="notice" data-testid="settings-key">
            {format!("{}：{} · {}：{}", s.key_id, view.key_id, s.warehouse_in_use, view.warehouse_in_use)}
        </p>
        {sections}
    }
}

#[component]
fn KindSection(kind: CredentialKind, stored: Vec<StoredEntry>, env: Vec<EnvEntry>, changed: RwSignal<u32>) -> impl IntoView {
    let s = tr().settings;
    let interactive = use_interactive();
    let editing = RwSignal::new(None::<Editing>);
    let can_add = !kind.single() || stored.is_empty();
    let empty = stored.is_empty() && env.is_empty();
    let stored_rows = stored.into_iter().map(|e| view! { <StoredRow entry=e editing=editing changed=changed/> }).collect_view();
    let env_rows = env.into_iter().map(|e| view! { <EnvRow entry=e/> }).collect_view();
    view! {
        <section class="settings-kind" data-testid="settings-kind" data-kind=kind.as_str()>
            <header>
                <h2>{s.kind(kind)}</h2>
                {can_add.then(|| view! {
                    <button type="button" class="secondary" data-testid="add" disabled=move || !interactive.get()
                        on:click=move |_| editing.set(Some(Editing::Add(kind)))>{s.add}</button>
                })}
            </header>
            <p class="notice">{s.kind_note(kind)}</p>
            {if empty {
                view! { <p class="empty">{s.none_stored}</p> }.into_any()
            } else {
                view! {
                    <table class="data settings-table">
                        <tbody>{stored_rows}{env_rows}</tbody>
                    </table>
                }.into_any()
            }}
            {move || editing.get().filter(|e| e.kind() == kind).map(|e| view! { <EntryForm editing=e close=editing changed=changed/> })}
        </section>
    }
}

/// Provider and name, as a row shows them.
fn title(provider: &str, name: &str, display_name: &str) -> String {
    let platform = Provider::from_slug(provider).map(|p| tr().provider(p)).unwrap_or_default();
    let shown = if display_name.is_empty() { name } else { display_name };
    [platform, shown].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" · ")
}

#[component]
fn StoredRow(entry: StoredEntry, editing: RwSignal<Option<Editing>>, changed: RwSignal<u32>) -> impl IntoView {
    let s = tr().settings;
    let interactive = use_interactive();
    let id = entry.id;
    let secrets = entry
        .secrets
        .iter()
        .map(|st| {
            let (class, state) = match (st.set, st.unreadable) {
                (true, false) => ("secret set", s.secret_set),
                (true, true) => ("secret unreadable", s.secret_unreadable),
                (false, _) => ("secret unset", s.secret_unset),
            };
            view! { <span class=class data-field=st.field.clone()>{format!("{}：{state}", s.field(&st.field))}</span> }
        })
        .collect_view();
    let detail = [entry.access_key_id.clone(), entry.endpoint.clone().unwrap_or_default(), entry.region.clone().unwrap_or_default()]
        .into_iter()
        .filter(|d| !d.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let restart = (entry.kind == CredentialKind::SqlServer).then(|| view! { <span class="badge off">{s.restart_needed}</span> });
    let confirming = RwSignal::new(false);
    let delete = Action::new(move |_: &()| delete_credential(id));
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    let label = title(&entry.provider, &entry.name, &entry.display_name);
    let edited = entry.clone();
    view! {
        <tr data-testid="stored-row" data-id=id data-name=entry.name.clone()>
            <td>{label}{restart}</td>
            <td class="detail">{detail}</td>
            <td class="secrets">{secrets}</td>
            <td class="detail">{format!("{} {} · {}", s.f_updated, entry.updated_at.get(..16).unwrap_or(&entry.updated_at).replace('T', " "), entry.updated_by)}</td>
            <td class="actions">
                <button type="button" class="secondary" data-testid="edit" disabled=move || !interactive.get()
                    on:click=move |_| editing.set(Some(Editing::Edit(edited.clone())))>{s.edit}</button>
                {move || if confirming.get() {
                    view! {
                        <button type="button" class="danger" data-testid="confirm-delete" on:click=move |_| { delete.dispatch(()); }>{s.confirm_delete}</button>
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>{s.cancel}</button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="secondary" data-testid="delete" disabled=move || !interactive.get()
                            on:click=move |_| confirming.set(true)>{s.delete}</button>
                    }.into_any()
                }}
                <TestButton target=TestTarget::Stored { id }/>
                {move || match delete.value().get() {
                    Some(Err(e)) => Some(view! { <ErrorNotice error=e/> }),
                    _ => None,
                }}
            </td>
        </tr>
    }
}

#[component]
fn EnvRow(entry: EnvEntry) -> impl IntoView {
    let s = tr().settings;
    let source_class = if entry.simulated { "badge sim" } else { "badge env" };
    let target = TestTarget::Environment { kind: entry.kind, provider: entry.provider.clone(), name: entry.name.clone() };
    view! {
        <tr data-testid="env-row" data-name=entry.name.clone() data-replaced=entry.replaced.to_string()>
            <td>{title(&entry.provider, &entry.name, &entry.display_name)}</td>
            <td class="detail">{entry.detail.clone()}</td>
            <td><span class=source_class>{entry.source.clone()}</span>" "<span class="badge off">{s.read_only}</span></td>
            <td class="detail">{entry.replaced.then_some(s.replaced)}</td>
            <td class="actions"><TestButton target=target/></td>
        </tr>
    }
}

/// 测试连接 and the provider's answer beside it.
#[component]
fn TestButton(target: TestTarget) -> impl IntoView {
    let s = tr().settings;
    let interactive = use_interactive();
    let test = Action::new(move |_: &()| test_credential(target.clone()));
    let pending = test.pending();
    let result = move || {
        test.value().get().map(|r: Result<TestOutcome, AppError>| match r {
            Ok(o) => {
                let class = if o.ok { "test-result ok" } else { "test-result failed" };
                view! { <span class=class data-testid="test-result" data-ok=o.ok.to_string()>{o.answer}</span> }.into_any()
            }
            Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
        })
    };
    view! {
        <button type="button" class="secondary" data-testid="test" disabled=move || !interactive.get() || pending.get()
            on:click=move |_| { test.dispatch(()); }>
            {move || if pending.get() { s.testing } else { s.test }}
        </button>
        {result}
    }
}
