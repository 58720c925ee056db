//! The admin's users page: create users, set roles, disable and re-enable, reset passwords.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::api::{list_users, CreateUser, ResetPassword, UpdateUser};
use crate::auth::{Role, UserView};
use crate::components::error_notice::ErrorNotice;
use crate::components::format::beijing_time;
use crate::error::AppError;
use crate::i18n::tr;

/// A role picker with `current` chosen.
pub fn role_select(current: Role) -> impl IntoView {
    view! {
        <select name="role">
            {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == current>{r.label()}</option> }).collect_view()}
        </select>
    }
}

/// The outcome of the last submission: saved, or the error.
pub fn outcome<T: Clone + Send + Sync + 'static>(value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static) -> impl IntoView {
    move || match value() {
        Some(Ok(_)) => Some(view! { <p class="ok" role="status">{tr().access.saved}</p> }.into_any()),
        Some(Err(e)) => Some(view! { <ErrorNotice error=e testid="form-error"/> }.into_any()),
        None => None,
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let t = tr().access;
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let users = Resource::new(
        move || (create.version().get(), update.version().get(), reset.version().get()),
        |_| list_users(),
    );
    view! {
        <section class="admin">
            <h1>{t.users_title}</h1>
            <h2>{t.users_new}</h2>
            <ActionForm action=create attr:class="inline-form" attr:data-testid="new-user">
                <label>{t.username}<input name="username" required/></label>
                <label>{t.display_name}<input name="display_name"/></label>
                <label>{t.password}<input name="password" type="password" autocomplete="new-password" required/></label>
                <label>{t.role}{role_select(Role::Analyst)}</label>
                <button type="submit">{t.create}</button>
            </ActionForm>
            {outcome(move || create.value().get())}
            {outcome(move || update.value().get())}
            {outcome(move || reset.value().get())}
            <Suspense fallback=move || view! { <p class="loading">{tr().loading}</p> }>
                {move || users.get().map(|r| match r {
                    Ok(list) => user_table(list, update, reset).into_any(),
                    Err(e) => view! { <ErrorNotice error=e testid="error"/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn user_table(list: Vec<UserView>, update: ServerAction<UpdateUser>, reset: ServerAction<ResetPassword>) -> impl IntoView {
    let t = tr().access;
    let rows = list
        .into_iter()
        .map(|u| {
            view! {
                <tr data-user=u.username.clone()>
                    <td>{u.username.clone()}</td>
                    <td>{u.display_name.clone()}</td>
                    <td>{if u.disabled { t.disabled } else { t.enabled }}</td>
                    <td>{beijing_time(u.created_at)}</td>
                    <td>
                        <ActionForm action=update attr:class="row-form">
                            <input type="hidden" name="id" value=u.id/>
                            {role_select(u.role)}
                            <label class="check"><input type="checkbox" name="disabled" checked=u.disabled/>{t.disable}</label>
                            <button type="submit">{t.save}</button>
                        </ActionForm>
                    </td>
                    <td>
                        <ActionForm action=reset attr:class="row-form">
                            <input type="hidden" name="id" value=u.id/>
                            <input name="password" type="password" autocomplete="new-password" required aria-label=t.new_password placeholder=t.new_password/>
                            <button type="submit">{t.reset_password}</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data">
            <thead><tr>
                <th>{t.username}</th><th>{t.display_name}</th><th>{t.status}</th><th>{t.created}</th>
                <th>{t.role}</th><th>{t.reset_password}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
