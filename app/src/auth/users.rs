//! The users table: who may sign in, with which role.

use super::{Role, UserView};
use crate::store::{now_text, parse_time, AppStore, StoreError};

/// A user as stored (the hash never leaves the server).
#[derive(Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("id", &self.id).field("username", &self.username).field("role", &self.role).finish()
    }
}

struct Row {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    disabled: i64,
    created_at: String,
}

impl Row {
    fn user(self) -> Result<User, StoreError> {
        let role = Role::parse(&self.role).ok_or_else(|| StoreError::BadRow(format!("role {:?}", self.role)))?;
        Ok(User { id: self.id, username: self.username, display_name: self.display_name, password_hash: self.password_hash, role, disabled: self.disabled != 0 })
    }

    fn view(self) -> Result<UserView, StoreError> {
        let created_at = parse_time(&self.created_at)?;
        let u = self.user()?;
        Ok(UserView { id: u.id, username: u.username, display_name: u.display_name, role: u.role, disabled: u.disabled, created_at })
    }
}

pub async fn count(store: &AppStore) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar!("SELECT COUNT(*) FROM users").fetch_one(&store.pool).await?)
}

pub async fn by_name(store: &AppStore, username: &str) -> Result<Option<User>, StoreError> {
    sqlx::query_as!(Row, r#"SELECT id AS "id!", username, display_name, password_hash, role, disabled, created_at FROM users WHERE username = ?1"#, username)
        .fetch_optional(&store.pool)
        .await?
        .map(Row::user)
        .transpose()
}

pub async fn by_id(store: &AppStore, id: i64) -> Result<Option<User>, StoreError> {
    sqlx::query_as!(Row, r#"SELECT id AS "id!", username, display_name, password_hash, role, disabled, created_at FROM users WHERE id = ?1"#, id)
        .fetch_optional(&store.pool)
        .await?
        .map(Row::user)
        .transpose()
}

pub async fn list(store: &AppStore) -> Result<Vec<UserView>, StoreError> {
    sqlx::query_as!(Row, r#"SELECT id AS "id!", username, display_name, password_hash, role, disabled, created_at FROM users ORDER BY username"#)
        .fetch_all(&store.pool)
        .await?
        .into_iter()
        .map(Row::view)
        .collect()
}

/// Inserts a user; `None` when the name is taken (names compare without case).
pub async fn insert(store: &AppStore, username: &str, display_name: &str, password_hash: &str, role: Role) -> Result<Option<i64>, StoreError> {
    let now = now_text();
    let role = role.as_str();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (username, display_name, password_hash, role, created_at, password_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (username) DO NOTHING RETURNING id AS "id!""#,
        username,
        display_name,
        password_hash,
        role,
        now
    )
    .fetch_optional(&store.pool)
    .await?;
    Ok(id)
}

/// Inserts the first user only while there is none, in one statement: two set-up requests at
/// once cannot both create an admin.
pub async fn insert_first(store: &AppStore, username: &str, display_name: &str, password_hash: &str) -> Result<Option<i64>, StoreError> {
    let now = now_text();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO users (username, display_name, password_hash, role, created_at, password_changed_at)
         SELECT ?1, ?2, ?3, 'admin', ?4, ?4 WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING id AS "id!""#,
        username,
        display_name,
        password_hash,
        now
    )
    .fetch_optional(&store.pool)
    .await?;
    Ok(id)
}

pub async fn set_password(store: &AppStore, id: i64, password_hash: &str) -> Result<bool, StoreError> {
    let now = now_text();
    let done = sqlx::query!("UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1", id, password_hash, now)
        .execute(&store.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_role(store: &AppStore, id: i64, role: Role) -> Result<bool, StoreError> {
    let role = role.as_str();
    let done = sqlx::query!("UPDATE users SET role = ?2 WHERE id = ?1", id, role).execute(&store.pool).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_disabled(store: &AppStore, id: i64, disabled: bool) -> Result<bool, StoreError> {
    let flag = i64::from(disabled);
    let done = sqlx::query!("UPDATE users SET disabled = ?2 WHERE id = ?1", id, flag).execute(&store.pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Enabled admins other than `except`: the last one may not be demoted or disabled.
pub async fn other_active_admins(store: &AppStore, except: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar!("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?1", except)
        .fetch_one(&store.pool)
        .await?)
}
