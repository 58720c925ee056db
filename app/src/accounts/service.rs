//! The admin's operations on users and API keys, and one's own password: checked, stored and
//! audited (changed fields only; never a password or a key).

use serde_json::json;

use crate::audit::{AuditActor, AuditEvent, AuditLog};
use crate::auth::sign_in::hash;
use crate::auth::users::{self, User};
use crate::auth::{keys, validate, ApiKeyView, Caller, Role, UserView};
use crate::error::AppError;
use crate::secret::Secret;
use crate::store::AppStore;

use super::model::CreatedKey;

/// The longest an API key may be valid for when an expiry is given.
pub const MAX_KEY_DAYS: i64 = 3650;

#[derive(Clone)]
pub struct AccountServices {
    pub store: AppStore,
    pub audit: AuditLog,
}

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid { field: field.into(), message: message.into() }
}

pub fn parse_role(role: &str) -> Result<Role, AppError> {
    Role::parse(role).ok_or_else(|| invalid("role", crate::i18n::tr().access.bad_role))
}

impl AccountServices {
    pub async fn users(&self) -> Result<Vec<UserView>, AppError> {
        Ok(users::list(&self.store).await?)
    }

    pub async fn create_user(&self, by: &Caller, username: &str, display_name: &str, password: Secret, role: Role) -> Result<i64, AppError> {
        let (username, display_name) = validate::names(username, display_name)?;
        validate::new_password(password.expose(), &username)?;
        let hash = hash(password).await?;
        let id = users::insert(&self.store, &username, &display_name, &hash, role)
            .await?
            .ok_or_else(|| invalid("username", crate::i18n::tr().access.username_taken))?;
        self.audit.record(&AuditActor::from(by), AuditEvent::new("user.create", format!("user:{username}")).after(json!({"role": role.as_str()}))).await?;
        Ok(id)
    }

    async fn user(&self, id: i64) -> Result<User, AppError> {
        users::by_id(&self.store, id).await?.ok_or(AppError::NotFound)
    }

    /// Sets a user's role and whether they may sign in. The last enabled admin stays one.
    pub async fn update_user(&self, by: &Caller, id: i64, role: Role, disabled: bool) -> Result<(), AppError> {
        let user = self.user(id).await?;
        let stays_admin = role == Role::Admin && !disabled;
        if user.role == Role::Admin && !user.disabled && !stays_admin && users::other_active_admins(&self.store, id).await? == 0 {
            return Err(invalid("role", crate::i18n::tr().access.last_admin));
        }
        let mut before = serde_json::Map::new();
        let mut after = serde_json::Map::new();
        if user.role != role {
            users::set_role(&self.store, id, role).await?;
            before.insert("role".into(), json!(user.role.as_str()));
            after.insert("role".into(), json!(role.as_str()));
        }
        if user.disabled != disabled {
            users::set_disabled(&self.store, id, disabled).await?;
            before.insert("disabled".into(), json!(user.disabled));
            after.insert("disabled".into(), json!(disabled));
        }
        if !after.is_empty() {
            let event = AuditEvent::new("user.update", format!("user:{}", user.username)).before(before.into()).after(after.into());
            self.audit.record(&AuditActor::from(by), event).await?;
        }
        Ok(())
    }

    pub async fn reset_password(&self, by: &Caller, id: i64, password: Secret) -> Result<(), AppError> {
        let user = self.user(id).await?;
        validate::new_password(password.expose(), &user.username)?;
        users::set_password(&self.store, id, &hash(password).await?).await?;
        self.audit.record(&AuditActor::from(by), AuditEvent::new("user.reset_password", format!("user:{}", user.username))).await?;
        Ok(())
    }

    /// Changes the caller's own password after checking the current one; returns the user as
    /// now stored (the caller's session is renewed with it, the others end).
    pub async fn change_own_password(&self, by: &Caller, current: Secret, new: Secret) -> Result<User, AppError> {
        let id = by.user_id().ok_or(AppError::Forbidden)?;
        let user = self.user(id).await?;
        let stored = user.password_hash.clone();
        let matches = tokio::task::spawn_blocking(move || crate::auth::password::verify(&current, &stored))
            .await
            .map_err(|e| AppError::Transport(format!("password check: {e}")))?;
        if !matches {
            return Err(invalid("current", crate::i18n::tr().access.wrong_current_password));
        }
        validate::new_password(new.expose(), &user.username)?;
        users::set_password(&self.store, id, &hash(new).await?).await?;
        self.audit.record(&AuditActor::from(by), AuditEvent::new("user.change_password", format!("user:{}", user.username))).await?;
        self.user(id).await
    }

    pub async fn keys(&self) -> Result<Vec<ApiKeyView>, AppError> {
        Ok(keys::list(&self.store).await?)
    }

    pub async fn create_key(&self, by: &Caller, name: &str, role: Role, valid_days: Option<i64>) -> Result<CreatedKey, AppError> {
        let t = crate::i18n::tr().access;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(invalid("name", t.bad_key_name));
        }
        let expires_at = match valid_days {
            None => None,
            Some(d) if (1..=MAX_KEY_DAYS).contains(&d) => Some(chrono::Utc::now() + chrono::Duration::days(d)),
            Some(_) => return Err(invalid("valid_days", t.bad_key_days)),
        };
        let creator = by.user_id().ok_or(AppError::Forbidden)?;
        let new = keys::generate();
        let id = keys::insert(&self.store, name, &new, role, creator, expires_at).await?;
        let after = json!({"name": name, "role": role.as_str(), "prefix": new.prefix, "expires_at": expires_at});
        self.audit.record(&AuditActor::from(by), AuditEvent::new("api_key.create", format!("api_key:{id}")).after(after)).await?;
        Ok(CreatedKey { id, name: name.to_string(), key: new.key.expose().to_string() })
    }

    pub async fn revoke_key(&self, by: &Caller, id: i64) -> Result<(), AppError> {
        let name = keys::revoke(&self.store, id).await?.ok_or(AppError::NotFound)?;
        self.audit.record(&AuditActor::from(by), AuditEvent::new("api_key.revoke", format!("api_key:{id}")).before(json!({"name": name}))).await?;
        Ok(())
    }
}
