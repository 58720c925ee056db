//! The add/edit form of one entry. Plain fields come filled in; secret fields never do: each shows
//! whether a value is stored (已设置) and takes a replacement, an empty one keeping the stored value.

use leptos::prelude::*;

use super::api::save_credential;
use super::model::{CredentialForm, SecretInput, StoredEntry};
use crate::billing::labels::BillingText;
use crate::billing::model::Provider;
use crate::components::error_notice::ErrorNotice;
use crate::credentials::{CredentialKind, SecretField};
use crate::error::AppError;
use crate::i18n::tr;

/// What the form is open for.
#[derive(Clone, Debug, PartialEq)]
pub enum Editing {
    Add(CredentialKind),
    Edit(StoredEntry),
}

impl Editing {
    pub fn kind(&self) -> CredentialKind {
        match self {
            Editing::Add(k) => *k,
            Editing::Edit(e) => e.kind,
        }
    }
}

/// One secret field's inputs: the replacement, and the clear box of an optional field.
#[derive(Clone, Copy)]
struct SecretBox {
    field: SecretField,
    stored: bool,
    value: RwSignal<String>,
    clear: RwSignal<bool>,
}

#[component]
pub fn EntryForm(editing: Editing, close: RwSignal<Option<Editing>>, changed: RwSignal<u32>) -> impl IntoView {
    let t = tr();
    let s = t.settings;
    let kind = editing.kind();
    let entry = match &editing {
        Editing::Edit(e) => Some(e.clone()),
        Editing::Add(_) => None,
    };
    let id = entry.as_ref().map(|e| e.id);
    let text = |f: fn(&StoredEntry) -> String| RwSignal::new(entry.as_ref().map(f).unwrap_or_default());
    let provider = RwSignal::new(entry.as_ref().map(|e| e.provider.clone()).filter(|p| !p.is_empty()).unwrap_or_else(|| Provider::Aliyun.slug().to_string()));
    let name = text(|e| e.name.clone());
    let display_name = text(|e| e.display_name.clone());
    let access_key_id = text(|e| e.access_key_id.clone());
    // For SQL Server and the webhook the stored endpoint is only the host, shown, never edited.
    let endpoint = text(|e| if matches!(e.kind, CredentialKind::CloudAccount | CredentialKind::DashScope) { e.endpoint.clone().unwrap_or_default() } else { String::new() });
    let region = text(|e| e.region.clone().unwrap_or_default());
    let boxes: Vec<SecretBox> = kind
        .secret_fields()
        .iter()
        .map(|f| SecretBox {
            field: *f,
            stored: entry.as_ref().is_some_and(|e| e.secrets.iter().any(|st| st.field == f.name && st.set)),
            value: RwSignal::new(String::new()),
            clear: RwSignal::new(false),
        })
        .collect();
    // `new`, not `new_local`: created while the server renders, a thread-bound action panics when
    // the answer's last poll drops it on another worker thread.
    let save = Action::new(move |form: &CredentialForm| save_credential(form.clone()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            changed.update(|n| *n += 1);
            close.set(None);
        }
    });
    let submitted = boxes.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let secrets = submitted
            .iter()
            .map(|b| SecretInput { field: b.field.name.to_string(), value: b.value.get_untracked(), clear: b.clear.get_untracked() })
            .collect();
        save.dispatch(CredentialForm {
            id,
            kind,
            provider: provider.get_untracked(),
            name: name.get_untracked(),
            display_name: display_name.get_untracked(),
            access_key_id: access_key_id.get_untracked(),
            endpoint: endpoint.get_untracked(),
            region: region.get_untracked(),
            secrets,
        });
    };
    let cloud = (kind == CredentialKind::CloudAccount).then(|| {
        let options = Provider::ALL
            .into_iter()
            .map(|p| view! { <option value=p.slug() selected=move || provider.get() == p.slug()>{t.provider(p)}</option> })
            .collect_view();
        view! {
            <label>{s.f_provider}<select name="provider" on:change=move |ev| provider.set(event_target_value(&ev))>{options}</select></label>
            <label>{s.f_name}<input name="name" bind:value=name required=true/></label>
            <label>{s.f_display_name}<input name="display_name" bind:value=display_name/></label>
            <label>{s.f_access_key_id}<input name="access_key_id" bind:value=access_key_id autocomplete="off"/></label>
            <label>{s.f_region}<input name="region" bind:value=region placeholder="cn-beijing"/></label>
        }
    });
    let with_endpoint = matches!(kind, CredentialKind::CloudAccount | CredentialKind::DashScope).then(|| {
        view! { <label class="wide">{s.f_endpoint}<input name="endpoint" bind:value=endpoint placeholder=s.ph_endpoint_default/></label> }
    });
    let secret_inputs = boxes.into_iter().map(|b| view! { <SecretInputBox b=b/> }).collect_view();
    let error = move || match save.value().get() {
        Some(Err(AppError::Invalid { field, message })) => {
            Some(view! { <div class="error" role="alert" data-testid="form-error" data-field=field.clone()><p>{format!("{}：{message}", s.field(&field))}</p></div> }.into_any())
        }
        Some(Err(e)) => Some(view! { <ErrorNotice error=e testid="form-error"/> }.into_any()),
        _ => None,
    };
    let pending = save.pending();
    view! {
        <form class="params settings-form" data-testid="entry-form" on:submit=submit>
            {cloud}
            {with_endpoint}
            {secret_inputs}
            <button type="submit" data-testid="save" disabled=move || pending.get()>{move || if pending.get() { s.saving } else { s.save }}</button>
            <button type="button" class="secondary" on:click=move |_| close.set(None)>{s.cancel}</button>
        </form>
        {error}
    }
}

#[component]
fn SecretInputBox(b: SecretBox) -> impl IntoView {
    let s = tr().settings;
    let placeholder = match (b.stored, b.field.name) {
        (true, _) => s.secret_keep_hint,
        (false, "connection") => s.ph_connection,
        (false, "url") => s.ph_url,
        _ => "",
    };
    let state = if b.stored { s.secret_set } else { s.secret_unset };
    view! {
        <label class="wide secret-input" data-field=b.field.name>
            <span>{s.field(b.field.name)}" "<em data-testid="secret-state">{state}</em>{b.stored.then_some(format!(" · {}", s.secret_replace))}</span>
            <input type="password" name=b.field.name autocomplete="new-password" bind:value=b.value placeholder=placeholder/>
            {(!b.field.required && b.stored).then(|| view! {
                <span class="clear"><input type="checkbox" bind:checked=b.clear/>{s.secret_clear}</span>
            })}
        </label>
    }
}
