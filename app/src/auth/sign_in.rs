//! Signing in and the first admin: throttled, audited, and never telling which half of a
//! failed sign-in was wrong.

use std::net::IpAddr;

use super::throttle::{seconds, SignInThrottle};
use super::users::{self, User};
use crate::audit::{AuditActor, AuditEvent, AuditLog, Outcome};
use crate::error::AppError;
use crate::secret::Secret;
use crate::store::AppStore;

/// What sign-in needs; in every request's context.
#[derive(Clone)]
pub struct SignInServices {
    pub store: AppStore,
    pub audit: AuditLog,
    pub throttle: SignInThrottle,
    pub config: super::config::AccessConfig,
}

impl SignInServices {
    /// The user whose name and password these are, or why not.
    pub async fn check(&self, username: &str, password: Secret, address: Option<IpAddr>) -> Result<User, AppError> {
        let username = username.trim().to_string();
        let anonymous = AuditActor::anonymous(&username, address);
        let target = format!("user:{username}");
        if let Some(wait) = self.throttle.locked_for(address, &username) {
            self.audit.record_or_log(&anonymous, AuditEvent::new("auth.sign_in_failed", &target).outcome(Outcome::Denied)).await;
            return Err(AppError::SignInThrottled { retry_after_s: seconds(wait) });
        }
        let user = users::by_name(&self.store, &username).await?;
        // argon2 takes tens of milliseconds of CPU: off the async workers.
        let verdict = tokio::task::spawn_blocking(move || match user {
            Some(u) => {
                let ok = super::password::verify(&password, &u.password_hash);
                (ok && !u.disabled).then_some(u)
            }
            None => {
                super::password::verify_nothing(&password);
                None
            }
        })
        .await
        .map_err(|e| AppError::Transport(format!("password check: {e}")))?;
        match verdict {
            Some(user) => Ok(user),
            None => {
                let locked = self.throttle.failed(address, &username);
                self.audit.record_or_log(&anonymous, AuditEvent::new("auth.sign_in_failed", &target).outcome(Outcome::Failed)).await;
                Err(match locked {
                    Some(wait) => AppError::SignInThrottled { retry_after_s: seconds(wait) },
                    None => AppError::SignInFailed,
                })
            }
        }
    }

    /// Creates the first admin (the one-time set-up page); refused once any user exists.
    pub async fn setup(&self, username: &str, display_name: &str, password: Secret, address: Option<IpAddr>) -> Result<User, AppError> {
        let (username, display_name) = super::validate::names(username, display_name)?;
        super::validate::new_password(password.expose(), &username)?;
        let hash = hash(password).await?;
        let Some(id) = users::insert_first(&self.store, &username, &display_name, &hash).await? else {
            return Err(AppError::SetupDone);
        };
        let actor = AuditActor::anonymous(&username, address);
        self.audit.record_or_log(&actor, AuditEvent::new("auth.setup", format!("user:{username}")).after(serde_json::json!({"role": "admin"}))).await;
        users::by_id(&self.store, id).await?.ok_or(AppError::NotFound)
    }

    /// At start: the admin from `SUANPAN_ADMIN_USER`/`_PASSWORD` when no user exists yet.
    pub async fn create_admin_from_env(&self) -> Result<Option<String>, AppError> {
        let (Some(username), Some(password)) = (&self.config.admin_user, &self.config.admin_password) else {
            return Ok(None);
        };
        if users::count(&self.store).await? > 0 {
            return Ok(None);
        }
        let (username, display_name) = super::validate::names(username, username)?;
        let hash = hash(password.clone()).await?;
        if users::insert_first(&self.store, &username, &display_name, &hash).await?.is_none() {
            return Ok(None);
        }
        self.audit
            .record_or_log(&AuditActor::system("SUANPAN_ADMIN_USER"), AuditEvent::new("user.create", format!("user:{username}")).after(serde_json::json!({"role": "admin"})))
            .await;
        Ok(Some(username))
    }

    pub async fn has_users(&self) -> Result<bool, AppError> {
        Ok(users::count(&self.store).await? > 0)
    }
}

/// An argon2id hash, computed off the async workers.
pub async fn hash(password: Secret) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || super::password::hash(&password))
        .await
        .map_err(|e| AppError::Transport(format!("password hash: {e}")))?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Transport("password hash".into())
        })
}
