//! What can go wrong talking to DashScope, and the provider's error bodies in both API styles.

use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;

/// An error answer from the provider, whichever API style produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashScopeErrorAnswer {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// From a `Retry-After` header, when the answer had one.
    pub retry_after: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum DashScopeError {
    #[error("no DashScope API key is configured")]
    NotConfigured,
    #[error("API key rejected ({0:?})")]
    InvalidApiKey(DashScopeErrorAnswer),
    #[error("throttled ({0:?})")]
    Throttled(DashScopeErrorAnswer),
    #[error("content inspection failed ({0:?})")]
    ContentFiltered(DashScopeErrorAnswer),
    #[error("provider error ({0:?})")]
    Provider(DashScopeErrorAnswer),
    #[error("image task {task_id} failed: {code} {message}")]
    TaskFailed { task_id: String, code: String, message: String },
    #[error("image task {task_id} is unknown or expired")]
    TaskExpired { task_id: String },
    #[error("image task {task_id} not finished after {waited:?}")]
    TaskTimeout { task_id: String, waited: Duration },
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("transport: {0}")]
    Transport(String),
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("the answer stream broke off: {0}")]
    StreamCut(String),
}

impl DashScopeError {
    /// Worth another try: throttling, server-side failures, timeouts, lost connections.
    pub fn is_retryable(&self) -> bool {
        match self {
            DashScopeError::Throttled(_) | DashScopeError::Timeout(_) | DashScopeError::Transport(_) => true,
            DashScopeError::Provider(p) => p.status >= 500,
            _ => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            DashScopeError::Throttled(p) | DashScopeError::Provider(p) => p.retry_after,
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            DashScopeError::InvalidApiKey(p)
            | DashScopeError::Throttled(p)
            | DashScopeError::ContentFiltered(p)
            | DashScopeError::Provider(p) => Some(&p.code),
            DashScopeError::TaskFailed { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            DashScopeError::Timeout(e.to_string())
        } else if e.is_decode() {
            DashScopeError::Malformed(e.to_string())
        } else {
            // reqwest's Display never includes headers, so the key cannot leak here.
            DashScopeError::Transport(e.to_string())
        }
    }

    /// Without `key` anywhere in its text: an endpoint may echo the key it refuses, and the error
    /// goes to the log, the image job's stored error and the page.
    pub fn redacting(self, key: &Secret) -> Self {
        let p = |p: DashScopeErrorAnswer| DashScopeErrorAnswer {
            code: key.redact(&p.code),
            message: key.redact(&p.message),
            request_id: p.request_id.map(|id| key.redact(&id)),
            ..p
        };
        match self {
            DashScopeError::InvalidApiKey(e) => DashScopeError::InvalidApiKey(p(e)),
            DashScopeError::Throttled(e) => DashScopeError::Throttled(p(e)),
            DashScopeError::ContentFiltered(e) => DashScopeError::ContentFiltered(p(e)),
            DashScopeError::Provider(e) => DashScopeError::Provider(p(e)),
            DashScopeError::TaskFailed { task_id, code, message } => {
                DashScopeError::TaskFailed { task_id: key.redact(&task_id), code: key.redact(&code), message: key.redact(&message) }
            }
            DashScopeError::TaskExpired { task_id } => DashScopeError::TaskExpired { task_id: key.redact(&task_id) },
            DashScopeError::TaskTimeout { task_id, waited } => DashScopeError::TaskTimeout { task_id: key.redact(&task_id), waited },
            DashScopeError::Timeout(m) => DashScopeError::Timeout(key.redact(&m)),
            DashScopeError::Transport(m) => DashScopeError::Transport(key.redact(&m)),
            DashScopeError::Malformed(m) => DashScopeError::Malformed(key.redact(&m)),
            DashScopeError::StreamCut(m) => DashScopeError::StreamCut(key.redact(&m)),
            DashScopeError::NotConfigured => DashScopeError::NotConfigured,
        }
    }

    /// Classifies a non-success answer by HTTP status and provider code.
    pub fn from_answer(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        let p = parse_error_body(status, retry_after, body);
        let code = p.code.as_str();
        match (status, code) {
            (401, _) | (_, "InvalidApiKey" | "invalid_api_key") => DashScopeError::InvalidApiKey(p),
            (429, _) | (_, "Throttling" | "Throttling.RateQuota" | "Throttling.AllocationQuota" | "limit_requests") => {
                DashScopeError::Throttled(p)
            }
            (_, "DataInspectionFailed" | "data_inspection_failed") => DashScopeError::ContentFiltered(p),
            _ => DashScopeError::Provider(p),
        }
    }
}

/// Compatible mode: `{"error":{"code","message","type","param"},"request_id"}`;
/// native API: `{"code","message","request_id"}`. Anything else keeps the status as its code.
fn parse_error_body(status: u16, retry_after: Option<Duration>, body: &[u8]) -> DashScopeErrorAnswer {
    #[derive(Deserialize)]
    struct Inner {
        code: Option<String>,
        #[serde(rename = "type")]
        kind: Option<String>,
        message: Option<String>,
    }
    #[derive(Deserialize)]
    struct Outer {
        error: Option<Inner>,
        code: Option<String>,
        message: Option<String>,
        request_id: Option<String>,
    }
    let parsed: Option<Outer> = serde_json::from_slice(body).ok();
    let (code, message, request_id) = match parsed {
        Some(Outer { error: Some(i), request_id, .. }) => {
            (i.code.or(i.kind), i.message, request_id)
        }
        Some(Outer { code, message, request_id, .. }) => (code, message, request_id),
        None => (None, None, None),
    };
    let fallback = || String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    DashScopeErrorAnswer {
        status,
        code: code.filter(|c| !c.is_empty()).unwrap_or_else(|| format!("HTTP{status}")),
        message: message.unwrap_or_else(fallback),
        request_id,
        retry_after,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these APIs).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_styles_are_read() {
        let compat = br#"{"error":{"message":"Requests rate limit exceeded, please try again later.","type":"limit_requests","param":null,"code":"limit_requests"},"request_id":"r1"}"#;
        let e = DashScopeError::from_answer(429, Some(Duration::from_secs(2)), compat);
        assert!(matches!(&e, DashScopeError::Throttled(p) if p.code == "limit_requests" && p.request_id.as_deref() == Some("r1")));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(e.is_retryable());

        let native = br#"{"code":"DataInspectionFailed","message":"Input data may contain inappropriate content.","request_id":"r2"}"#;
        let e = DashScopeError::from_answer(400, None, native);
        assert!(matches!(&e, DashScopeError::ContentFiltered(p) if p.message.starts_with("Input data")));
        assert!(!e.is_retryable());
    }

    #[test]
    fn unreadable_bodies_keep_the_status() {
        let e = DashScopeError::from_answer(502, None, b"<html>bad gateway</html>");
        assert!(matches!(&e, DashScopeError::Provider(p) if p.code == "HTTP502" && p.message.contains("bad gateway")));
        assert!(e.is_retryable());
        let e = DashScopeError::from_answer(401, None, b"");
        assert!(matches!(e, DashScopeError::InvalidApiKey(_)));
    }
}
