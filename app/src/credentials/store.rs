//! The credentials in the app store: plain fields in `credentials`, each secret sealed in
//! `credential_secrets` under the vault's key, bound to its row and field.

use std::collections::BTreeMap;

use sqlx::SqliteConnection;

use super::{CredentialKind, SecretField};
use crate::secret::Secret;
use crate::store::{now_text, AppStore, StoreError};
use crate::vault::{Sealed, Vault, VaultError};

/// The stored credentials and the key that opens their secrets.
#[derive(Clone, Debug)]
pub struct Credentials {
    store: AppStore,
    vault: Vault,
}

/// An entry without its secrets: what may be listed and shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub id: i64,
    pub kind: CredentialKind,
    pub provider: String,
    pub name: String,
    pub display_name: String,
    pub access_key_id: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
    /// The secret fields that are set → the key id each is sealed under.
    pub sealed: BTreeMap<String, String>,
}

/// An entry with its secrets opened (for the service that uses it, never for a listing).
#[derive(Clone, Debug)]
pub struct Opened {
    pub credential: Credential,
    pub secrets: BTreeMap<String, Secret>,
}

impl Opened {
    pub fn secret(&self, field: &str) -> Option<&Secret> {
        self.secrets.get(field)
    }
}

/// What a save does to one secret field.
#[derive(Clone, Debug)]
pub enum SecretChange {
    /// Leave what is stored (the form's replace field was left empty).
    Keep,
    Set(Secret),
    /// Remove it (optional fields only).
    Clear,
}

/// An entry to create or update; plain fields as they are to be stored.
#[derive(Clone, Debug)]
pub struct Draft {
    pub kind: CredentialKind,
    pub provider: String,
    pub name: String,
    pub display_name: String,
    pub access_key_id: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub secrets: Vec<(&'static str, SecretChange)>,
}

/// A save's result: the entry's id, and which fields changed (names only, for the audit log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub created: bool,
    pub changed: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("credential {id}, field {field}: {source}")]
    Sealed { id: i64, field: String, source: VaultError },
    #[error("an entry of this kind with this name exists")]
    Duplicate,
    #[error("no such credential")]
    NotFound,
    #[error("the secret {0} is required")]
    Missing(&'static str),
}

/// The associated data of a sealed value: its row and field.
pub(super) fn binding(id: i64, field: &str) -> Vec<u8> {
    format!("suanpan/credential/{id}/{field}").into_bytes()
}

fn sql(e: sqlx::Error) -> CredentialError {
    if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
        CredentialError::Duplicate
    } else {
        CredentialError::Store(StoreError::Sql(e))
    }
}

struct Row {
    id: i64,
    kind: String,
    provider: String,
    name: String,
    display_name: String,
    access_key_id: String,
    endpoint: Option<String>,
    region: Option<String>,
    updated_at: String,
    updated_by: String,
}

impl Row {
    fn into_credential(self, sealed: BTreeMap<String, String>) -> Result<Credential, StoreError> {
        let kind = CredentialKind::parse(&self.kind).ok_or_else(|| StoreError::BadRow(format!("credential kind {:?}", self.kind)))?;
        Ok(Credential {
            id: self.id,
            kind,
            provider: self.provider,
            name: self.name,
            display_name: self.display_name,
            access_key_id: self.access_key_id,
            endpoint: self.endpoint,
            region: self.region,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
            sealed,
        })
    }
}

/// The sealed fields of every entry: id → field → key id.
async fn sealed_fields(conn: &mut SqliteConnection) -> Result<BTreeMap<i64, BTreeMap<String, String>>, StoreError> {
    let rows = sqlx::query!("SELECT credential_id, field, key_id FROM credential_secrets").fetch_all(&mut *conn).await?;
    let mut out: BTreeMap<i64, BTreeMap<String, String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.credential_id).or_default().insert(r.field, r.key_id);
    }
    Ok(out)
}

async fn entry(conn: &mut SqliteConnection, id: i64) -> Result<Option<Credential>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, kind, provider, name, display_name, access_key_id, endpoint, region, updated_at, updated_by FROM credentials WHERE id = ?1",
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut sealed = sealed_fields(conn).await?;
    row.into_credential(sealed.remove(&id).unwrap_or_default()).map(Some)
}

async fn sealed_value(conn: &mut SqliteConnection, id: i64, field: &str) -> Result<Option<Sealed>, StoreError> {
    let row = sqlx::query!("SELECT key_id, nonce, ciphertext FROM credential_secrets WHERE credential_id = ?1 AND field = ?2", id, field)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| Sealed { key_id: r.key_id, nonce: r.nonce, ciphertext: r.ciphertext }))
}

/// Stores `sealed` as `field` of entry `id`, replacing what was there.
pub(super) async fn put_sealed(conn: &mut SqliteConnection, id: i64, field: &str, sealed: &Sealed) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO credential_secrets (credential_id, field, key_id, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (credential_id, field) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext",
        id,
        field,
        sealed.key_id,
        sealed.nonce,
        sealed.ciphertext,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The plain fields whose values differ between `before` and `draft`.
fn changed_plain(before: Option<&Credential>, d: &Draft) -> Vec<String> {
    let fields: [(&str, Option<&str>, Option<&str>); 6] = [
        ("provider", before.map(|b| b.provider.as_str()), Some(d.provider.as_str())),
        ("name", before.map(|b| b.name.as_str()), Some(d.name.as_str())),
        ("display_name", before.map(|b| b.display_name.as_str()), Some(d.display_name.as_str())),
        ("access_key_id", before.map(|b| b.access_key_id.as_str()), Some(d.access_key_id.as_str())),
        ("endpoint", before.and_then(|b| b.endpoint.as_deref()), d.endpoint.as_deref()),
        ("region", before.and_then(|b| b.region.as_deref()), d.region.as_deref()),
    ];
    fields
        .into_iter()
        .filter(|(_, old, new)| old != new && !(before.is_none() && new.is_none_or(str::is_empty)))
        .map(|(name, _, _)| name.to_string())
        .collect()
}

/// Whether the draft leaves every required secret set.
fn check_required(fields: &[SecretField], before: Option<&Credential>, d: &Draft) -> Result<(), CredentialError> {
    for f in fields.iter().filter(|f| f.required) {
        let stored = before.is_some_and(|b| b.sealed.contains_key(f.name));
        let after = match d.secrets.iter().find(|(name, _)| *name == f.name).map(|(_, c)| c) {
            Some(SecretChange::Set(_)) => true,
            Some(SecretChange::Clear) => false,
            Some(SecretChange::Keep) | None => stored,
        };
        if !after {
            return Err(CredentialError::Missing(f.name));
        }
    }
    Ok(())
}

impl Credentials {
    pub fn new(store: AppStore, vault: Vault) -> Self {
        Credentials { store, vault }
    }

    /// The id of the key new values are sealed under.
    pub fn key_id(&self) -> &str {
        self.vault.key_id()
    }

    /// Every entry (of `kind`, when given), without secrets, by kind, provider and name.
    pub async fn list(&self, kind: Option<CredentialKind>) -> Result<Vec<Credential>, StoreError> {
        let mut conn = self.store.pool.acquire().await?;
        let kind = kind.map(CredentialKind::as_str);
        let rows = sqlx::query_as!(
            Row,
            r#"SELECT id AS "id!: i64", kind, provider, name, display_name, access_key_id, endpoint, region, updated_at, updated_by FROM credentials
             WHERE ?1 IS NULL OR kind = ?1 ORDER BY kind, provider, name"#,
            kind
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut sealed = sealed_fields(&mut conn).await?;
        rows.into_iter().map(|r| { let s = sealed.remove(&r.id).unwrap_or_default(); r.into_credential(s) }).collect()
    }

    pub async fn get(&self, id: i64) -> Result<Option<Credential>, StoreError> {
        let mut conn = self.store.pool.acquire().await?;
        entry(&mut conn, id).await
    }

    /// The opened secret `field` of entry `id`; `None` when it is not set.
    pub async fn secret(&self, id: i64, field: &str) -> Result<Option<Secret>, CredentialError> {
        let mut conn = self.store.pool.acquire().await.map_err(StoreError::from)?;
        let Some(sealed) = sealed_value(&mut conn, id, field).await? else { return Ok(None) };
        self.vault
            .open(&sealed, &binding(id, field))
            .map(Some)
            .map_err(|source| CredentialError::Sealed { id, field: field.to_string(), source })
    }

    /// Entry `id` with its secrets opened; an error when one of them does not open.
    pub async fn open(&self, id: i64) -> Result<Option<Opened>, CredentialError> {
        let Some(credential) = self.get(id).await? else { return Ok(None) };
        let mut secrets = BTreeMap::new();
        for field in credential.sealed.keys() {
            if let Some(s) = self.secret(id, field).await? {
                secrets.insert(field.clone(), s);
            }
        }
        Ok(Some(Opened { credential, secrets }))
    }

    /// Every entry of `kind` with its secrets opened. An entry whose secret does not open (sealed
    /// under another key, or changed) is left out and logged: one bad entry must not stop the
    /// others, nor the environment's settings, from working.
    pub async fn opened(&self, kind: CredentialKind) -> Result<Vec<Opened>, StoreError> {
        let mut out = Vec::new();
        for credential in self.list(Some(kind)).await? {
            match self.open(credential.id).await {
                Ok(Some(o)) => out.push(o),
                Ok(None) => {}
                Err(CredentialError::Store(e)) => return Err(e),
                Err(e) => {
                    tracing::error!(error = %e, kind = kind.as_str(), name = %credential.name, "stored credential cannot be opened; left out (run `suanpan rotate-key` if the key changed)");
                }
            }
        }
        Ok(out)
    }

    /// The one entry of a single kind (DashScope, SQL Server, webhook), opened.
    pub async fn single(&self, kind: CredentialKind) -> Result<Option<Opened>, StoreError> {
        Ok(self.opened(kind).await?.into_iter().next())
    }

    /// Creates (`id` None) or updates an entry and its secrets in one transaction; `by` is who.
    pub async fn save(&self, id: Option<i64>, draft: Draft, by: &str) -> Result<Saved, CredentialError> {
        let now = now_text();
        let mut tx = self.store.pool.begin().await.map_err(StoreError::from)?;
        let before = match id {
            Some(id) => Some(entry(&mut tx, id).await?.filter(|c| c.kind == draft.kind).ok_or(CredentialError::NotFound)?),
            None => None,
        };
        check_required(draft.kind.secret_fields(), before.as_ref(), &draft)?;
        let mut changed = changed_plain(before.as_ref(), &draft);
        let d = &draft;
        let kind = d.kind.as_str();
        let id = match id {
            None => sqlx::query_scalar!(
                r#"INSERT INTO credentials (kind, provider, name, display_name, access_key_id, endpoint, region, created_at, updated_at, updated_by)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) RETURNING id AS "id!: i64""#,
                kind,
                d.provider,
                d.name,
                d.display_name,
                d.access_key_id,
                d.endpoint,
                d.region,
                now,
                by,
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(sql)?,
            Some(id) => {
                sqlx::query!(
                    "UPDATE credentials SET provider = ?2, name = ?3, display_name = ?4, access_key_id = ?5, endpoint = ?6, region = ?7,
                         updated_at = ?8, updated_by = ?9 WHERE id = ?1",
                    id,
                    d.provider,
                    d.name,
                    d.display_name,
                    d.access_key_id,
                    d.endpoint,
                    d.region,
                    now,
                    by,
                )
                .execute(&mut *tx)
                .await
                .map_err(sql)?;
                id
            }
        };
        for (field, change) in &draft.secrets {
            let stored = before.as_ref().is_some_and(|b| b.sealed.contains_key(*field));
            match change {
                SecretChange::Keep => {}
                SecretChange::Set(value) => {
                    put_sealed(&mut tx, id, field, &self.vault.seal(value, &binding(id, field))).await?;
                    changed.push(field.to_string());
                }
                SecretChange::Clear if stored => {
                    sqlx::query!("DELETE FROM credential_secrets WHERE credential_id = ?1 AND field = ?2", id, field)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::from)?;
                    changed.push(field.to_string());
                }
                SecretChange::Clear => {}
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Saved { id, created: before.is_none(), changed })
    }

    /// Removes an entry and its secrets; the entry as it was, if there was one.
    pub async fn delete(&self, id: i64) -> Result<Option<Credential>, StoreError> {
        let mut tx = self.store.pool.begin().await?;
        let Some(before) = entry(&mut tx, id).await? else { return Ok(None) };
        sqlx::query!("DELETE FROM credentials WHERE id = ?1", id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(before))
    }

    /// The key ids the stored values are sealed under (at start-up: values the current key cannot
    /// open are reported, and an interrupted rotation is finished).
    pub async fn stored_key_ids(store: &AppStore) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar!("SELECT DISTINCT key_id FROM credential_secrets ORDER BY key_id").fetch_all(&store.pool).await?)
    }
}
