//! The billing clients' error: which provider, what kind of failure, and the provider's code,
//! message, request id and wait hint.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::billing::model::{Provider, Scope};
use crate::secret::Secret;

/// What kind of failure a [`ProviderError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// Credentials refused: bad key, bad signature, no permission, clock skew.
    Auth,
    Throttled,
    /// HTTP 5xx or the provider's internal error.
    Server,
    Timeout,
    /// An answer that could not be read.
    Malformed,
    /// The provider is still preparing the bill (Tencent `Ready: 0`).
    NotReady,
    /// The request was refused as invalid, or asked for something the provider cannot serve.
    BadRequest,
    /// The connection failed.
    Transport,
}

#[derive(Clone, Debug, thiserror::Error)]
#[error("{provider:?} {code}: {message}")]
pub struct ProviderError {
    pub provider: Provider,
    pub kind: ErrorKind,
    /// The provider's error code, or `HTTP<status>`, `Malformed`, `Timeout`, `Transport`, ….
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// The provider's wait hint (Retry-After, x-acs-retry-after; Tencent's NotReady advice).
    pub retry_after: Option<Duration>,
}

impl ProviderError {
    pub fn new(
        provider: Provider,
        kind: ErrorKind,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ProviderError {
            provider,
            kind,
            code: code.into(),
            message: message.into(),
            request_id: None,
            retry_after: None,
        }
    }

    /// Throttling, server failures, timeouts, lost connections and unreadable answers (a cut or
    /// garbled body is a transient fault like a 5xx) are worth another try; NotReady is not (the
    /// bill takes minutes), nor is anything the request itself caused.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttled
                | ErrorKind::Server
                | ErrorKind::Timeout
                | ErrorKind::Transport
                | ErrorKind::Malformed
        )
    }

    /// Without `secret` anywhere in its text: some providers echo a credential they refuse, and
    /// the error goes to the log, the sync record and the page.
    pub(super) fn redacting(mut self, secret: &Secret) -> Self {
        self.code = secret.redact(&self.code);
        self.message = secret.redact(&self.message);
        self.request_id = self.request_id.map(|id| secret.redact(&id));
        self
    }

    pub(super) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id.filter(|id| !id.is_empty());
        self
    }

    pub(super) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// An answer `action` could not read.
    pub(super) fn malformed(provider: Provider, action: &str, detail: impl fmt::Display) -> Self {
        ProviderError::new(
            provider,
            ErrorKind::Malformed,
            "Malformed",
            format!("{action}: unreadable answer: {detail}"),
        )
    }

    pub(super) fn unsupported_scope(provider: Provider, scope: Scope) -> Self {
        ProviderError::new(
            provider,
            ErrorKind::BadRequest,
            "UnsupportedScope",
            format!("{provider:?} cannot serve bills for {scope:?}"),
        )
    }

    /// reqwest's Display names the URL but never the headers, so no credential leaks here.
    pub(super) fn from_reqwest(provider: Provider, action: &str, error: reqwest::Error) -> Self {
        let (kind, code) = if error.is_timeout() {
            (ErrorKind::Timeout, "Timeout")
        } else {
            (ErrorKind::Transport, "Transport")
        };
        ProviderError::new(provider, kind, code, format!("{action}: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds() {
        let retryable = |kind| ProviderError::new(Provider::Aliyun, kind, "C", "m").is_retryable();
        for kind in [ErrorKind::Throttled, ErrorKind::Server, ErrorKind::Timeout, ErrorKind::Transport, ErrorKind::Malformed] {
            assert!(retryable(kind), "{kind:?}");
        }
        for kind in [ErrorKind::Auth, ErrorKind::NotReady, ErrorKind::BadRequest] {
            assert!(!retryable(kind), "{kind:?}");
        }
    }

    #[test]
    fn redaction_covers_code_message_and_request_id() {
        let secret = Secret::new("hunter2");
        let e = ProviderError::new(Provider::Baidu, ErrorKind::Auth, "bad hunter2", "key hunter2 refused")
            .with_request_id(Some("id-hunter2".into()))
            .redacting(&secret);
        let text = format!("{e} {:?}", e.request_id);
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(ProviderError::new(Provider::Baidu, ErrorKind::Auth, "c", "m").with_request_id(Some(String::new())).request_id, None);
    }
}
