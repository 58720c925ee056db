//! The caller of this request, resolved once by the sign-in middleware (session cookie or
//! `Authorization: Bearer`) and put into the request's extensions, where server functions
//! (through leptos' request parts) and plain axum routes find it.

use std::net::IpAddr;

use super::{Permission, Role};
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User { id: i64, username: String },
    ApiKey { id: i64, name: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    pub role: Role,
    /// The peer address (the throttles and the audit log key on it).
    pub address: Option<IpAddr>,
}

impl Caller {
    pub fn user_id(&self) -> Option<i64> {
        match self.actor {
            Actor::User { id, .. } => Some(id),
            Actor::ApiKey { .. } => None,
        }
    }
}

/// The peer address of the request being served.
pub fn client_address() -> Option<IpAddr> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

/// The caller of the request being served, if signed in.
pub fn current_caller() -> Option<Caller> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    parts.extensions.get::<Caller>().cloned()
}

/// The caller, if allowed `p`: 401 without one, 403 when the role does not allow it. Sets the
/// answer's status, so a server function can return the error as it is.
pub fn require(p: Permission) -> Result<Caller, AppError> {
    crate::error::respond(check(current_caller(), p))
}

/// The same check for a plain axum route, from the request's extensions.
pub fn require_in(extensions: &axum::http::Extensions, p: Permission) -> Result<Caller, AppError> {
    check(extensions.get::<Caller>().cloned(), p)
}

fn check(caller: Option<Caller>, p: Permission) -> Result<Caller, AppError> {
    let caller = caller.ok_or(AppError::SignInRequired)?;
    if caller.role.allows(p) {
        Ok(caller)
    } else {
        tracing::info!(actor = ?caller.actor, role = ?caller.role, permission = ?p, "refused: role does not allow");
        Err(AppError::Forbidden)
    }
}

impl From<&Caller> for crate::audit::AuditActor {
    fn from(c: &Caller) -> Self {
        use crate::audit::ActorKind;
        let (kind, id, name) = match &c.actor {
            Actor::User { id, username } => (ActorKind::User, *id, username.clone()),
            Actor::ApiKey { id, name } => (ActorKind::ApiKey, *id, name.clone()),
        };
        crate::audit::AuditActor { kind, id: Some(id), name, address: c.address }
    }
}
