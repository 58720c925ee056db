//! `suanpan rotate-key`'s transaction: every stored value opened with the old key and sealed
//! again under the new one, all or nothing.

use super::store::{binding, put_sealed};
use crate::store::{AppStore, StoreError};
use crate::vault::{Sealed, Vault, VaultError};

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value the old key does not open: nothing was changed.
    #[error("credential {id}, field {field}: {source}; nothing was changed")]
    Unopenable { id: i64, field: String, source: VaultError },
}

/// Re-encrypts every stored secret from `from` to `to` in one transaction; answers how many
/// values were re-encrypted. Values already under `to` are left as they are.
pub async fn reencrypt_all(store: &AppStore, from: &Vault, to: &Vault) -> Result<usize, RotateError> {
    let mut tx = store.pool.begin().await.map_err(StoreError::from)?;
    let rows = sqlx::query!("SELECT credential_id, field, key_id, nonce, ciphertext FROM credential_secrets ORDER BY credential_id, field")
        .fetch_all(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    let mut done = 0;
    for r in rows {
        if r.key_id == to.key_id() {
            continue;
        }
        let aad = binding(r.credential_id, &r.field);
        let sealed = Sealed { key_id: r.key_id, nonce: r.nonce, ciphertext: r.ciphertext };
        let value = from
            .open(&sealed, &aad)
            .map_err(|source| RotateError::Unopenable { id: r.credential_id, field: r.field.clone(), source })?;
        put_sealed(&mut tx, r.credential_id, &r.field, &to.seal(&value, &aad)).await?;
        done += 1;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(done)
}
