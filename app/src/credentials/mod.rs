//! Credentials and connection settings kept in the app store: cloud accounts, the DashScope key,
//! the SQL Server connection and the alert webhook. Plain fields are stored as they are, secrets
//! sealed by the [`vault`](crate::vault); reading a secret answers a [`Secret`](crate::secret::Secret).
//! Shared: billing reads its stored accounts here, the settings feature edits them, and the
//! composition root applies the DashScope and SQL Server entries.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod reencrypt;
#[cfg(feature = "ssr")]
mod store;
#[cfg(feature = "ssr")]
pub use reencrypt::{reencrypt_all, RotateError};
#[cfg(feature = "ssr")]
pub use store::{Credential, CredentialError, Credentials, Draft, Opened, Saved, SecretChange};

/// The four kinds of settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    CloudAccount,
    #[serde(rename = "dashscope")]
    DashScope,
    SqlServer,
    AlertWebhook,
}

/// One secret field of a kind: its name as stored, and whether an entry must have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretField {
    pub name: &'static str,
    pub required: bool,
}

impl CredentialKind {
    pub const ALL: [CredentialKind; 4] = [CredentialKind::CloudAccount, CredentialKind::DashScope, CredentialKind::SqlServer, CredentialKind::AlertWebhook];

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::CloudAccount => "cloud_account",
            CredentialKind::DashScope => "dashscope",
            CredentialKind::SqlServer => "sql_server",
            CredentialKind::AlertWebhook => "alert_webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Cloud accounts are many; of the other kinds the app uses one entry.
    pub fn single(self) -> bool {
        self != CredentialKind::CloudAccount
    }

    /// The sealed fields. The webhook's URL is one too: Feishu's carries the bot's token.
    pub fn secret_fields(self) -> &'static [SecretField] {
        const fn f(name: &'static str, required: bool) -> SecretField {
            SecretField { name, required }
        }
        const CLOUD: &[SecretField] = &[f("secret", true)];
        const DASHSCOPE: &[SecretField] = &[f("api_key", true)];
        const SQL_SERVER: &[SecretField] = &[f("connection", true)];
        const WEBHOOK: &[SecretField] = &[f("url", true), f("signing_secret", false)];
        match self {
            CredentialKind::CloudAccount => CLOUD,
            CredentialKind::DashScope => DASHSCOPE,
            CredentialKind::SqlServer => SQL_SERVER,
            CredentialKind::AlertWebhook => WEBHOOK,
        }
    }
}

/// The name the entry of a single kind is stored under.
pub const SINGLE_NAME: &str = "default";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_name_their_secrets() {
        for k in CredentialKind::ALL {
            assert_eq!(CredentialKind::parse(k.as_str()), Some(k));
            assert!(k.secret_fields().iter().any(|f| f.required));
        }
        assert!(!CredentialKind::CloudAccount.single() && CredentialKind::DashScope.single());
        assert_eq!(CredentialKind::parse("aws"), None);
    }
}
