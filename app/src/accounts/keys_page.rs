//! The admin's API keys page: create (the key shown once, with a copy button), list, revoke.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::api::{list_keys, CreateKey, RevokeKey};
use super::users_page::{outcome, role_select};
use crate::auth::{ApiKeyView, Role};
use crate::components::error_notice::ErrorNotice;
use crate::components::format::beijing_time;
use crate::i18n::tr;

#[component]
pub fn KeysPage() -> impl IntoView {
    let t = tr().access;
    let create = ServerAction::<CreateKey>::new();
    let revoke = ServerAction::<RevokeKey>::new();
    let keys = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_keys());
    let created = move || {
        create.value().get().and_then(Result::ok).map(|k| {
            let copied = RwSignal::new(false);
            let key = k.key.clone();
            let copy = move |_| {
                #[cfg(feature = "hydrate")]
                {
                    let clipboard = window().navigator().clipboard();
                    let _ = clipboard.write_text(&key);
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = &key;
                copied.set(true);
            };
            view! {
                <div class="key-once" role="status" data-testid="new-key">
                    <p>{t.key_created}</p>
                    <code>{k.key.clone()}</code>
                    <button type="button" on:click=copy>{move || if copied.get() { t.copied } else { t.copy }}</button>
                </div>
            }
        })
    };
    view! {
        <section class="admin">
            <h1>{t.keys_title}</h1>
            <p class="hint">{t.keys_hint}</p>
            <h2>{t.keys_new}</h2>
            <ActionForm action=create attr:class="inline-form" attr:data-testid="create-key">
                <label>{t.key_name}<input name="name" required/></label>
                <label>{t.role}{role_select(Role::Viewer)}</label>
                <label>{t.key_valid_days}<input name="valid_days" inputmode="numeric"/></label>
                <button type="submit">{t.create}</button>
            </ActionForm>
            {created}
            {move || create.value().get().and_then(Result::err).map(|e| view! { <ErrorNotice error=e testid="form-error"/> })}
            {outcome(move || revoke.value().get())}
            <Suspense fallback=move || view! { <p class="loading">{tr().loading}</p> }>
                {move || keys.get().map(|r| match r {
                    Ok(list) => key_table(list, revoke).into_any(),
                    Err(e) => view! { <ErrorNotice error=e testid="error"/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn key_table(list: Vec<ApiKeyView>, revoke: ServerAction<RevokeKey>) -> impl IntoView {
    let t = tr().access;
    let rows = list
        .into_iter()
        .map(|k| {
            let state = if k.revoked_at.is_some() {
                t.key_revoked
            } else if k.expired {
                t.key_expired
            } else {
                t.key_active
            };
            let usable = k.revoked_at.is_none();
            view! {
                <tr data-key=k.prefix.clone()>
                    <td>{k.name.clone()}</td>
                    <td><code>{format!("{}…", k.prefix)}</code></td>
                    <td>{k.role.label()}</td>
                    <td>{k.created_by.clone()}</td>
                    <td>{beijing_time(k.created_at)}</td>
                    <td>{k.expires_at.map(beijing_time).unwrap_or_else(|| t.key_no_expiry.to_string())}</td>
                    <td>{k.last_used_at.map(beijing_time).unwrap_or_else(|| t.key_never.to_string())}</td>
                    <td>{state}</td>
                    <td>
                        {usable.then(|| view! {
                            <ActionForm action=revoke attr:class="row-form">
                                <input type="hidden" name="id" value=k.id/>
                                <button type="submit" class="danger">{t.revoke}</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data">
            <thead><tr>
                <th>{t.key_name}</th><th>{t.key_prefix}</th><th>{t.role}</th><th>{t.key_creator}</th><th>{t.created}</th>
                <th>{t.key_expires}</th><th>{t.key_last_used}</th><th>{t.status}</th><th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
