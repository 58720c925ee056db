//! The sign-in page, the one-time set-up page and one's own account (change password).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::api::{ChangePassword, SetUp, SignIn};
use crate::components::error_notice::ErrorNotice;
use crate::error::AppError;
use crate::i18n::tr;

/// The failure of the last submission, if any.
fn failure<T: Clone + Send + Sync + 'static>(value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static) -> impl IntoView {
    move || value().and_then(Result::err).map(|e| view! { <ErrorNotice error=e testid="form-error"/> })
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let t = tr().access;
    let action = ServerAction::<SignIn>::new();
    let next = move || use_query_map().with(|q| q.get("next")).unwrap_or_default();
    view! {
        <section class="auth-card">
            <h1>{t.sign_in_title}</h1>
            <p class="hint">{t.sign_in_hint}</p>
            <ActionForm action=action attr:class="auth-form">
                <input type="hidden" name="next" prop:value=next/>
                <label>{t.username}<input name="username" autocomplete="username" required autofocus/></label>
                <label>{t.password}<input name="password" type="password" autocomplete="current-password" required/></label>
                <button type="submit" disabled=move || action.pending().get()>{t.sign_in}</button>
            </ActionForm>
            {failure(move || action.value().get())}
        </section>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let t = tr().access;
    let action = ServerAction::<SetUp>::new();
    view! {
        <section class="auth-card">
            <h1>{t.setup_title}</h1>
            <p class="hint">{t.setup_hint}</p>
            <ActionForm action=action attr:class="auth-form">
                <label>{t.username}<input name="username" autocomplete="username" required autofocus/></label>
                <label>{t.display_name}<input name="display_name"/></label>
                <label>{t.password}<input name="password" type="password" autocomplete="new-password" required/></label>
                <label>{t.confirm_password}<input name="confirm" type="password" autocomplete="new-password" required/></label>
                <button type="submit" disabled=move || action.pending().get()>{t.setup_submit}</button>
            </ActionForm>
            {failure(move || action.value().get())}
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let t = tr().access;
    let action = ServerAction::<ChangePassword>::new();
    let done = move || matches!(action.value().get(), Some(Ok(()))).then(|| view! { <p class="ok" role="status">{t.password_changed}</p> });
    view! {
        <section class="auth-card">
            <h1>{t.account_title}</h1>
            <ActionForm action=action attr:class="auth-form">
                <label>{t.current_password}<input name="current" type="password" autocomplete="current-password" required/></label>
                <label>{t.new_password}<input name="new" type="password" autocomplete="new-password" required/></label>
                <label>{t.confirm_password}<input name="confirm" type="password" autocomplete="new-password" required/></label>
                <button type="submit" disabled=move || action.pending().get()>{t.change_password}</button>
            </ActionForm>
            {done}
            {failure(move || action.value().get())}
        </section>
    }
}
