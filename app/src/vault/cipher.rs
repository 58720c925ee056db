//! Sealing and opening one value.

use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// Fixed salt and info of the derivation: the same key material always gives the same key, and
/// a key derived here is good for nothing else.
const SALT: &[u8] = b"suanpan-vault-v1";
const INFO: &[u8] = b"suanpan aes-256-gcm secrets at rest";
/// What the key id fingerprints the derived key with.
const KEY_ID_DOMAIN: &[u8] = b"suanpan vault key id v1";
/// AES-GCM's standard 96-bit nonce.
pub const NONCE_LEN: usize = 12;

/// The encryption key, derived once; prints only its id.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
    key_id: String,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// A value as stored: which key sealed it, its nonce, and the ciphertext with GCM's tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    /// Sealed under another key (the key changed without `suanpan rotate-key`).
    #[error("sealed under key {stored}, the current key is {current}")]
    OtherKey { stored: String, current: String },
    /// The current key's id, but the value does not open: changed, moved to another row, or cut.
    #[error("the sealed value does not open (changed or moved)")]
    Tampered,
}

impl Vault {
    /// The vault of `material` (the secret key as configured, or the key file's content).
    pub fn derive(material: &Secret) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(SALT), material.expose().as_bytes())
            .expand(INFO, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let digest = Sha256::new().chain_update(KEY_ID_DOMAIN).chain_update(key).finalize();
        let key_id = hex::encode(&digest[..8]);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
        key.fill(0);
        Vault { cipher, key_id }
    }

    /// 16 hex characters: which key this is, safe to store, log and show.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// `value` sealed under a fresh random nonce, bound to `aad` (its row and field).
    pub fn seal(&self, value: &Secret, aad: &[u8]) -> Sealed {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: value.expose().as_bytes(), aad })
            // Fails only past GCM's length limit (64 GiB); settings are a few hundred bytes.
            .expect("AES-GCM seals a value of any settings size");
        Sealed { key_id: self.key_id.clone(), nonce: nonce.to_vec(), ciphertext }
    }

    /// The value, if it was sealed under this key for this `aad` and is unchanged.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Secret, VaultError> {
        if sealed.key_id != self.key_id {
            return Err(VaultError::OtherKey { stored: sealed.key_id.clone(), current: self.key_id.clone() });
        }
        if sealed.nonce.len() != NONCE_LEN {
            return Err(VaultError::Tampered);
        }
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad })
            .map_err(|_| VaultError::Tampered)?;
        String::from_utf8(plain).map(Secret::new).map_err(|_| VaultError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MATERIAL: &str = "k7#Qz9!mW2@xR5$vT8^nB1&cY4*pL6(dF3)";

    fn vault(m: &str) -> Vault {
        Vault::derive(&Secret::new(m))
    }

    #[test]
    fn a_value_round_trips() {
        let v = vault(MATERIAL);
        let sealed = v.seal(&Secret::new("LTAI-secret-value"), b"credential/1/secret");
        assert_eq!(v.open(&sealed, b"credential/1/secret").unwrap().expose(), "LTAI-secret-value");
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"LTAI-s"), "the value is not in the ciphertext");
        assert_eq!(sealed.key_id, v.key_id());
    }

    #[test]
    fn another_key_does_not_open_it() {
        let sealed = vault(MATERIAL).seal(&Secret::new("x"), b"a");
        let other = vault("another-key-that-is-long-enough-123456789");
        assert!(matches!(other.open(&sealed, b"a"), Err(VaultError::OtherKey { .. })));
        // Even with the id forged to match, the tag check refuses it.
        let forged = Sealed { key_id: other.key_id().to_string(), ..sealed };
        assert_eq!(other.open(&forged, b"a"), Err(VaultError::Tampered));
    }

    #[test]
    fn a_changed_or_moved_value_does_not_open() {
        let v = vault(MATERIAL);
        let sealed = v.seal(&Secret::new("value"), b"credential/1/secret");
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert_eq!(v.open(&flipped, b"credential/1/secret"), Err(VaultError::Tampered));
        let mut nonce = sealed.clone();
        nonce.nonce[3] ^= 0x80;
        assert_eq!(v.open(&nonce, b"credential/1/secret"), Err(VaultError::Tampered));
        let mut cut = sealed.clone();
        cut.ciphertext.pop();
        assert_eq!(v.open(&cut, b"credential/1/secret"), Err(VaultError::Tampered));
        // The same bytes under another row or field.
        assert_eq!(v.open(&sealed, b"credential/2/secret"), Err(VaultError::Tampered));
        assert_eq!(v.open(&sealed, b"credential/1/api_key"), Err(VaultError::Tampered));
    }

    #[test]
    fn each_seal_has_its_own_nonce() {
        let v = vault(MATERIAL);
        let value = Secret::new("same value");
        let a = v.seal(&value, b"x");
        let b = v.seal(&value, b"x");
        assert_eq!(a.nonce.len(), NONCE_LEN);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn the_key_id_is_stable_and_says_nothing_of_the_key() {
        let (a, b) = (vault(MATERIAL), vault(MATERIAL));
        assert_eq!(a.key_id(), b.key_id());
        assert_eq!(a.key_id().len(), 16);
        assert!(a.key_id().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.key_id(), vault("another-key-that-is-long-enough-123456789").key_id());
        let printed = format!("{a:?}");
        assert!(printed.contains(a.key_id()) && !printed.contains(MATERIAL), "{printed}");
    }
}
