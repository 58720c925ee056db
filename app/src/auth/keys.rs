//! API keys for external systems: `sp_` and 32 random bytes (base64url). Only the SHA-256 of a
//! key is stored (a key is random and long, so a fast hash is enough, and a lookup is one index
//! probe); the key itself is shown once, when created.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{ApiKeyView, Role};
use crate::secret::Secret;
use crate::store::{now_text, parse_time, AppStore, StoreError};

pub const KEY_PREFIX: &str = "sp_";
/// Characters of a key shown in lists (`sp_` and 8 more).
const SHOWN: usize = 11;

/// A freshly made key: the whole key (shown once), its listed prefix and its stored hash.
pub struct NewKey {
    pub key: Secret,
    pub prefix: String,
    pub hash: String,
}

pub fn generate() -> NewKey {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key = format!("{KEY_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let prefix = key[..SHOWN].to_string();
    let hash = digest(&key);
    NewKey { key: Secret::new(key), prefix, hash }
}

pub fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A key presented with a request, as found.
#[derive(Clone, Debug)]
pub struct FoundKey {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// Never used before this request (the audit log records a key's first use).
    pub first_use: bool,
}

/// Why a presented key is not accepted (all answer 401 alike; the log says which).
#[derive(Debug, PartialEq, Eq)]
pub enum KeyRefusal {
    Unknown,
    Revoked,
    Expired,
}

fn time(text: Option<String>) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
    text.as_deref().map(parse_time).transpose()
}

pub async fn insert(store: &AppStore, name: &str, new: &NewKey, role: Role, created_by: i64, expires_at: Option<chrono::DateTime<chrono::Utc>>) -> Result<i64, StoreError> {
    let now = now_text();
    let role = role.as_str();
    let expires = expires_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO api_keys (name, prefix, key_hash, role, created_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id AS "id!""#,
        name,
        new.prefix,
        new.hash,
        role,
        created_by,
        now,
        expires
    )
    .fetch_one(&store.pool)
    .await?)
}

pub async fn list(store: &AppStore) -> Result<Vec<ApiKeyView>, StoreError> {
    let rows = sqlx::query!(
        r#"SELECT k.id AS "id!", k.name, k.prefix, k.role, u.username AS "created_by!", k.created_at, k.expires_at, k.last_used_at, k.revoked_at
           FROM api_keys k JOIN users u ON u.id = k.created_by ORDER BY k.id DESC"#
    )
    .fetch_all(&store.pool)
    .await?;
    let now = chrono::Utc::now();
    rows.into_iter()
        .map(|r| {
            let expires_at = time(r.expires_at)?;
            Ok(ApiKeyView {
                expired: expires_at.is_some_and(|t| t <= now),
                id: r.id,
                role: Role::parse(&r.role).ok_or_else(|| StoreError::BadRow(format!("role {:?}", r.role)))?,
                name: r.name,
                prefix: r.prefix,
                created_by: r.created_by,
                created_at: parse_time(&r.created_at)?,
                expires_at,
                last_used_at: time(r.last_used_at)?,
                revoked_at: time(r.revoked_at)?,
            })
        })
        .collect()
}

/// Revokes a key; false when there is no such key or it was already revoked.
pub async fn revoke(store: &AppStore, id: i64) -> Result<Option<String>, StoreError> {
    let now = now_text();
    Ok(sqlx::query_scalar!("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL RETURNING name", id, now)
        .fetch_optional(&store.pool)
        .await?)
}

/// The key with this value, if usable now; marks it used.
pub async fn check(store: &AppStore, presented: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Result<FoundKey, KeyRefusal>, StoreError> {
    let hash = digest(presented);
    let Some(row) = sqlx::query!(r#"SELECT id AS "id!", name, role, expires_at, last_used_at, revoked_at FROM api_keys WHERE key_hash = ?1"#, hash)
        .fetch_optional(&store.pool)
        .await?
    else {
        return Ok(Err(KeyRefusal::Unknown));
    };
    if row.revoked_at.is_some() {
        return Ok(Err(KeyRefusal::Revoked));
    }
    if time(row.expires_at)?.is_some_and(|t| t <= now) {
        return Ok(Err(KeyRefusal::Expired));
    }
    let role = Role::parse(&row.role).ok_or_else(|| StoreError::BadRow(format!("role {:?}", row.role)))?;
    let used = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    // Written at most once a minute per key: a busy integration must not turn every read into a write.
    let stale = row.last_used_at.as_deref().map(parse_time).transpose()?.is_none_or(|t| now - t > chrono::Duration::minutes(1));
    if stale {
        sqlx::query!("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1", row.id, used).execute(&store.pool).await?;
    }
    Ok(Ok(FoundKey { id: row.id, name: row.name, role, first_use: row.last_used_at.is_none() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_listed_by_prefix() {
        let a = generate();
        let b = generate();
        assert!(a.key.expose().starts_with(KEY_PREFIX));
        assert_eq!(a.key.expose().len(), 3 + 43);
        assert_ne!(a.key.expose(), b.key.expose());
        assert!(a.key.expose().starts_with(&a.prefix));
        assert_eq!(a.hash, digest(a.key.expose()));
        assert_eq!(a.hash.len(), 64);
    }
}
