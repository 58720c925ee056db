//! Sessions: tower-sessions keeps them in the app store (`tower_sessions` table, its own
//! migration) behind an HttpOnly, SameSite=Lax cookie; axum-login ties a session to a user,
//! changes the session id at sign-in (no fixation) and ends every session of a user whose
//! password changed (the session carries a hash of the password hash).

use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder, AuthUser, AuthnBackend, UserId};
use tower_sessions::cookie::{time, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use super::users::{self, User};
use crate::secret::Secret;
use crate::store::{AppStore, StoreError};

pub const COOKIE: &str = "suanpan_session";
/// Where the sign-in time sits in the session, for the absolute expiry.
pub const SIGNED_IN_AT: &str = "signed_in_at";

pub type AuthSession = axum_login::AuthSession<Backend>;
pub type SessionLayer = AuthManagerLayer<Backend, SqliteStore>;

impl AuthUser for User {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        self.password_hash.as_bytes()
    }
}

#[derive(Clone, Debug)]
pub struct Backend {
    store: AppStore,
}

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BackendError(#[from] StoreError);

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = (String, Secret);
    type Error = BackendError;

    async fn authenticate(&self, (username, password): Self::Credentials) -> Result<Option<User>, BackendError> {
        let user = users::by_name(&self.store, &username).await?;
        Ok(user.filter(|u| !u.disabled && super::password::verify(&password, &u.password_hash)))
    }

    /// A disabled user's sessions stop working at once: the user is not found.
    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<User>, BackendError> {
        Ok(users::by_id(&self.store, *id).await?.filter(|u| !u.disabled))
    }
}

/// The session and sign-in layers over the app store; creates the sessions table.
pub async fn layer(store: &AppStore, config: &super::config::AccessConfig) -> Result<SessionLayer, StoreError> {
    let sessions = SqliteStore::new(store.pool.clone());
    sessions.migrate().await?;
    spawn_cleanup(sessions.clone());
    let idle = time::Duration::seconds(i64::try_from(config.session_idle.as_secs()).unwrap_or(i64::MAX));
    let layer = SessionManagerLayer::new(sessions)
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookie())
        .with_expiry(Expiry::OnInactivity(idle));
    Ok(AuthManagerLayerBuilder::new(Backend { store: store.clone() }, layer).build())
}

/// Expired sessions are deleted hourly (they are refused when presented whatever their age).
fn spawn_cleanup(sessions: SqliteStore) {
    use tower_sessions::session_store::ExpiredDeletion;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = sessions.delete_expired().await {
                tracing::warn!(error = %e, "expired sessions not deleted");
            }
        }
    });
}
