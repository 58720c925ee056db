//! Server functions of sign-in and the admin pages. Form-encoded (the pages' forms work before
//! the WASM has loaded); each checks the caller first — only sign-in and set-up are public.

use leptos::prelude::*;

use super::model::CreatedKey;
use crate::auth::{ApiKeyView, Me, UserView};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::auth::Permission;
#[cfg(feature = "ssr")]
use crate::error::respond;
#[cfg(feature = "ssr")]
use crate::secret::Secret;

#[cfg(feature = "ssr")]
fn services() -> Result<super::service::AccountServices, AppError> {
    crate::context::service()
}

/// A local path to go to after signing in; anything else (another site, `//host`) goes home.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/login") => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(feature = "ssr")]
async fn auth_session() -> Result<crate::auth::session::AuthSession, AppError> {
    leptos_axum::extract::<crate::auth::session::AuthSession>().await.map_err(|e| {
        tracing::error!(error = %e, "the session layer is missing");
        AppError::Transport("session".into())
    })
}

/// Starts a session for `user` (a new session id) and records when, for the absolute expiry.
#[cfg(feature = "ssr")]
async fn start_session(user: &crate::auth::users::User) -> Result<(), AppError> {
    let mut session = auth_session().await?;
    session.login(user).await.map_err(|e| {
        tracing::error!(error = %e, "session not started");
        AppError::StoreFailed
    })?;
    session.session.insert(crate::auth::session::SIGNED_IN_AT, chrono::Utc::now().timestamp()).await.map_err(|e| {
        tracing::error!(error = %e, "session not written");
        AppError::StoreFailed
    })
}

#[server(endpoint = "auth/login")]
pub async fn sign_in(username: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::audit::{AuditActor, AuditEvent};
    let services = crate::context::service::<crate::auth::sign_in::SignInServices>()?;
    let address = crate::auth::client_address();
    let user = respond(services.check(&username, Secret::new(password), address).await)?;
    respond(start_session(&user).await)?;
    let actor = AuditActor { kind: crate::audit::ActorKind::User, id: Some(user.id), name: user.username.clone(), address };
    services.audit.record_or_log(&actor, AuditEvent::new("auth.sign_in", format!("user:{}", user.username))).await;
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

#[server(endpoint = "auth/setup")]
pub async fn set_up(username: String, display_name: String, password: String, confirm: String) -> Result<(), AppError> {
    let services = crate::context::service::<crate::auth::sign_in::SignInServices>()?;
    if password != confirm {
        return respond(Err(AppError::Invalid { field: "confirm".into(), message: crate::i18n::tr().access.confirm_differs.into() }));
    }
    let user = respond(services.setup(&username, &display_name, Secret::new(password), crate::auth::client_address()).await)?;
    respond(start_session(&user).await)?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "auth/logout")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::audit::{AuditActor, AuditEvent};
    let caller = crate::auth::require(Permission::OwnAccount)?;
    let mut session = auth_session().await?;
    session.logout().await.map_err(|e| {
        tracing::error!(error = %e, "session not ended");
        AppError::StoreFailed
    })?;
    services()?.audit.record_or_log(&AuditActor::from(&caller), AuditEvent::new("auth.sign_out", target_of(&caller))).await;
    leptos_axum::redirect("/login");
    Ok(())
}

#[cfg(feature = "ssr")]
fn target_of(caller: &crate::auth::Caller) -> String {
    match &caller.actor {
        crate::auth::Actor::User { username, .. } => format!("user:{username}"),
        crate::auth::Actor::ApiKey { id, .. } => format!("api_key:{id}"),
    }
}

/// Who is signed in, if anyone (the header shows the name and only what the role may use).
/// Public: not signed in is an answer here, not an error.
#[server(endpoint = "auth/me", input = server_fn::codec::Json)]
pub async fn who_am_i() -> Result<Option<Me>, AppError> {
    let Some(caller) = crate::auth::current_caller() else { return Ok(None) };
    Ok(Some(match caller.actor {
        crate::auth::Actor::User { id, username } => {
            let user = respond(crate::auth::users::by_id(&services()?.store, id).await.map_err(AppError::from))?;
            Me { display_name: user.map(|u| u.display_name).unwrap_or_else(|| username.clone()), username, role: caller.role }
        }
        crate::auth::Actor::ApiKey { name, .. } => Me { username: name.clone(), display_name: name, role: caller.role },
    }))
}

#[server(endpoint = "auth/password")]
pub async fn change_password(current: String, new: String, confirm: String) -> Result<(), AppError> {
    let caller = crate::auth::require(Permission::OwnAccount)?;
    if new != confirm {
        return respond(Err(AppError::Invalid { field: "confirm".into(), message: crate::i18n::tr().access.confirm_differs.into() }));
    }
    let user = respond(services()?.change_own_password(&caller, Secret::new(current), Secret::new(new)).await)?;
    // Other sessions of this user end (their password hash no longer matches); this one goes on.
    respond(start_session(&user).await)
}

#[server(endpoint = "admin/users/list", input = server_fn::codec::Json)]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    crate::auth::require(Permission::ManageUsers)?;
    respond(services()?.users().await)
}

#[server(endpoint = "admin/users/create")]
pub async fn create_user(username: String, display_name: String, password: String, role: String) -> Result<(), AppError> {
    let caller = crate::auth::require(Permission::ManageUsers)?;
    let run = async {
        let role = super::service::parse_role(&role)?;
        services()?.create_user(&caller, &username, &display_name, Secret::new(password), role).await.map(|_| ())
    };
    respond(run.await)
}

/// `disabled` is a checkbox: present ("on") when ticked.
#[server(endpoint = "admin/users/update")]
pub async fn update_user(id: i64, role: String, disabled: Option<String>) -> Result<(), AppError> {
    let caller = crate::auth::require(Permission::ManageUsers)?;
    let run = async {
        let role = super::service::parse_role(&role)?;
        services()?.update_user(&caller, id, role, disabled.is_some()).await
    };
    respond(run.await)
}

#[server(endpoint = "admin/users/password")]
pub async fn reset_password(id: i64, password: String) -> Result<(), AppError> {
    let caller = crate::auth::require(Permission::ManageUsers)?;
    respond(services()?.reset_password(&caller, id, Secret::new(password)).await)
}

#[server(endpoint = "admin/keys/list", input = server_fn::codec::Json)]
pub async fn list_keys() -> Result<Vec<ApiKeyView>, AppError> {
    crate::auth::require(Permission::ManageApiKeys)?;
    respond(services()?.keys().await)
}

/// `valid_days` empty: never expires.
#[server(endpoint = "admin/keys/create")]
pub async fn create_key(name: String, role: String, valid_days: String) -> Result<CreatedKey, AppError> {
    let caller = crate::auth::require(Permission::ManageApiKeys)?;
    let run = async {
        let role = super::service::parse_role(&role)?;
        let days = match valid_days.trim() {
            "" => None,
            d => Some(d.parse::<i64>().map_err(|_| AppError::Invalid { field: "valid_days".into(), message: crate::i18n::tr().access.bad_key_days.into() })?),
        };
        services()?.create_key(&caller, &name, role, days).await
    };
    respond(run.await)
}

#[server(endpoint = "admin/keys/revoke")]
pub async fn revoke_key(id: i64) -> Result<(), AppError> {
    let caller = crate::auth::require(Permission::ManageApiKeys)?;
    respond(services()?.revoke_key(&caller, id).await)
}
