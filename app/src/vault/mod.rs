//! Secrets sealed at rest. Every stored secret (a cloud account's key, the DashScope key, the SQL
//! Server connection, the webhook) is encrypted with AES-256-GCM under a key derived with
//! HKDF-SHA256 from `SUANPAN_SECRET_KEY` (or, on localhost without it, from a key file in the data
//! folder), with a fresh random nonce per value and associated data binding the value to its row
//! and field, so a sealed value copied to another row does not open. Beside each value the store
//! keeps the key id (a fingerprint of the derived key, never the key), which tells a value sealed
//! under another key apart from a tampered one and lets `suanpan rotate-key` re-encrypt.
//!
//! [`cipher`] seals and opens, [`strength`] is the rule a key must meet, [`keyfile`] decides at
//! start-up where the key comes from (and refuses to serve beyond localhost without a strong one),
//! [`rotation`] says which keys a rotation goes from and to.

mod cipher;
pub mod keyfile;
pub mod rotation;
pub mod strength;

pub use cipher::{Sealed, Vault, VaultError};
pub use keyfile::{load_key, KeyError, KeyOrigin, KEY_FILE};
pub use strength::{check_strength, Weakness};
