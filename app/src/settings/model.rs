//! What crosses the wire between the settings page and its server functions. Secrets go one way
//! only: a form may carry a new value to the server; nothing sent back ever holds one.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::credentials::CredentialKind;

/// One secret field as the page sees it: whether it is set, never its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretState {
    pub field: String,
    pub set: bool,
    /// Stored but not opened by the current key (it changed without `suanpan rotate-key`).
    pub unreadable: bool,
}

/// An entry stored through this page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEntry {
    pub id: i64,
    pub kind: CredentialKind,
    pub provider: String,
    pub name: String,
    pub display_name: String,
    pub access_key_id: String,
    /// The API's base URL; for SQL Server and the webhook, the host only (the rest is sealed).
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub secrets: Vec<SecretState>,
    pub updated_at: String,
    pub updated_by: String,
}

/// A setting from the environment, the accounts file or the built-in simulators: shown, not
/// editable here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvEntry {
    pub kind: CredentialKind,
    pub provider: String,
    pub name: String,
    pub display_name: String,
    /// Endpoint or host, never a secret.
    pub detail: String,
    /// Where it comes from: the variable's name, or the simulator.
    pub source: String,
    pub simulated: bool,
    /// A stored entry is used instead (DashScope now; SQL Server from the next start).
    pub replaced: bool,
}

/// The whole page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub stored: Vec<StoredEntry>,
    pub env: Vec<EnvEntry>,
    /// Which key seals new values (its fingerprint).
    pub key_id: String,
    /// The sales warehouse this process opened at start (a stored SQL Server connection is used
    /// from the next start).
    pub warehouse_in_use: String,
}

/// A new value for a secret field, or what to do with the stored one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInput {
    pub field: String,
    /// Empty: keep the stored value.
    pub value: String,
    /// Remove the stored value (optional fields only).
    #[serde(default)]
    pub clear: bool,
}

impl fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretInput").field("field", &self.field).field("given", &!self.value.is_empty()).field("clear", &self.clear).finish()
    }
}

/// The add/edit form. `id` None adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialForm {
    pub id: Option<i64>,
    pub kind: CredentialKind,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub access_key_id: String,
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub secrets: Vec<SecretInput>,
}

/// What a connection test is run on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestTarget {
    Stored { id: i64 },
    /// A setting from the environment (cloud accounts by provider and name; the single kinds by kind).
    Environment { kind: CredentialKind, provider: String, name: String },
}

/// A connection test's result: the provider's answer, in its words where it gave some.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestOutcome {
    pub ok: bool,
    pub answer: String,
}
