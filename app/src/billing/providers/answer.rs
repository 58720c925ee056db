//! Reading the providers' answers: the [`Answer`] itself, the JSON envelope three of them wrap
//! their payload in, and the error a failed answer becomes (code, message, request id, kind and
//! wait hint), each provider passing only its field names and its table of codes.

use std::time::Duration;

use serde_json::Value;

use super::{ErrorKind, ProviderError};
use crate::billing::model::Provider;

/// A provider's HTTP answer, read whole.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: reqwest::header::HeaderMap,
    pub(super) body: bytes::Bytes,
}

impl Answer {
    pub(super) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)?
            .to_str()
            .ok()
            .map(|v| v.trim().to_owned())
    }

    pub(super) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header holding a positive whole number (a wait hint); zero, negative or unparsable
    /// values are ignored, as the SDKs ignore them.
    pub(super) fn positive_number(&self, name: &str) -> Option<u64> {
        self.header(name)?.parse::<u64>().ok().filter(|n| *n > 0)
    }
}

/// `Retry-After` in seconds (RFC 9110 also allows an HTTP date; these APIs are not known to
/// send one, and a date is ignored).
fn retry_after_seconds(answer: &Answer) -> Option<Duration> {
    answer.positive_number("retry-after").map(Duration::from_secs)
}

/// The start of an unreadable body, for an error message.
fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.trim().to_owned()
}

/// A JSON answer parsed as `T`, or Malformed naming `action`.
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    provider: Provider,
    action: &str,
    body: &[u8],
) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::malformed(provider, action, e))
}

/// A payload already parsed (an envelope's) read as `T`, or Malformed naming `action`.
pub(super) fn read_payload<T: serde::de::DeserializeOwned>(
    provider: Provider,
    action: &str,
    payload: Value,
) -> Result<T, ProviderError> {
    serde_json::from_value(payload).map_err(|e| ProviderError::malformed(provider, action, e))
}

/// The kind for a failed answer when the provider's code says nothing more specific.
fn kind_from_status(status: u16) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Auth,
        429 => ErrorKind::Throttled,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::BadRequest,
    }
}

/// How Alibaba, Volcengine and Tencent wrap a JSON answer: a payload object under one field,
/// and a failure marked in the body even on HTTP 200.
pub(super) struct Envelope {
    pub(super) provider: Provider,
    /// The field holding the payload: `Data`, `Result`, `Response`.
    pub(super) payload: &'static str,
    pub(super) failure: Failure,
    pub(super) kinds: CodeKinds,
}

/// Where an [`Envelope`] reports a failure, and how it is read.
pub(super) enum Failure {
    /// Volcengine, Tencent: an `Error` object (`Code`, `Message`) beside `RequestId` in the
    /// metadata object at `metadata` (a JSON pointer); the values are strings, or also numbers
    /// where `numbers`.
    ErrorIn { metadata: &'static str, numbers: bool },
    /// Alibaba: `failed` tells whether a body (a JSON object) reports one; `report` reads a
    /// failed answer, its body when that is a JSON object.
    Custom {
        failed: fn(&Value) -> bool,
        report: fn(&Answer, Option<&Value>) -> ErrorReport,
    },
}

impl Failure {
    fn reported_by(&self, body: &Value) -> bool {
        match self {
            Failure::ErrorIn { metadata, .. } => body
                .pointer(&format!("{metadata}/Error"))
                .is_some_and(|e| !e.is_null()),
            Failure::Custom { failed, .. } => failed(body),
        }
    }

    fn report(&self, answer: &Answer, body: Option<&Value>) -> ErrorReport {
        match *self {
            Failure::ErrorIn { metadata, numbers } => {
                let read = |field: &str| match body?.pointer(&format!("{metadata}/{field}"))? {
                    Value::String(text) if !text.is_empty() => Some(text.clone()),
                    Value::Number(number) if numbers => Some(number.to_string()),
                    _ => None,
                };
                ErrorReport {
                    code: read("Error/Code"),
                    message: read("Error/Message"),
                    request_id: read("RequestId"),
                }
            }
            Failure::Custom { report, .. } => report(answer, body),
        }
    }
}

impl Envelope {
    /// The payload of a successful answer, or the error it carries: any non-2xx status, and a
    /// body that reports a failure. A 2xx answer that is not a JSON object, or lacks the
    /// payload object, is Malformed.
    pub(super) fn open(&self, action: &str, answer: &Answer) -> Result<Value, ProviderError> {
        let success_status = answer.is_success();
        let body = match serde_json::from_slice(&answer.body) {
            Ok(body @ Value::Object(_)) => body,
            _ if success_status => {
                return Err(ProviderError::malformed(
                    self.provider,
                    action,
                    format!("not a JSON object: {}", body_excerpt(&answer.body)),
                ))
            }
            _ => return Err(self.error(answer, None)),
        };
        if !success_status || self.failure.reported_by(&body) {
            return Err(self.error(answer, Some(&body)));
        }
        match body.get(self.payload) {
            Some(payload @ Value::Object(_)) => Ok(payload.clone()),
            _ => Err(ProviderError::malformed(
                self.provider,
                action,
                format!("no {} object", self.payload),
            )),
        }
    }

    fn error(&self, answer: &Answer, body: Option<&Value>) -> ProviderError {
        let report = self.failure.report(answer, body);
        report.into_error(self.provider, answer, |code| self.kinds.kind_of(code))
    }
}

/// What a failed answer's body says; any part may be missing. Deserializes from Baidu's
/// `{"code","message","requestId"}` as it is.
#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ErrorReport {
    pub(super) code: Option<String>,
    pub(super) message: Option<String>,
    pub(super) request_id: Option<String>,
}

impl ErrorReport {
    /// The error of the failed `answer`: the code (else `HTTP<status>`), the message (else the
    /// start of the body), the kind `kind_of` gives the code (else the status's), and the
    /// `Retry-After` hint.
    pub(super) fn into_error(
        self,
        provider: Provider,
        answer: &Answer,
        kind_of: impl FnOnce(&str) -> Option<ErrorKind>,
    ) -> ProviderError {
        let code = self
            .code
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("HTTP{}", answer.status));
        let message = self.message.unwrap_or_else(|| body_excerpt(&answer.body));
        let kind = kind_of(&code).unwrap_or_else(|| kind_from_status(answer.status));
        ProviderError::new(provider, kind, code, message)
            .with_request_id(self.request_id)
            .with_retry_after(retry_after_seconds(answer))
    }
}

/// A provider's error codes by kind: a code equal to one listed in `exact`, or starting with
/// one listed in `prefixes`. No code is in both.
pub(super) struct CodeKinds {
    pub(super) exact: &'static [(ErrorKind, &'static [&'static str])],
    pub(super) prefixes: &'static [(ErrorKind, &'static [&'static str])],
}

impl CodeKinds {
    pub(super) fn kind_of(&self, code: &str) -> Option<ErrorKind> {
        first_kind(self.exact, |listed| listed == code)
            .or_else(|| first_kind(self.prefixes, |listed| code.starts_with(listed)))
    }
}

fn first_kind(table: &[(ErrorKind, &[&str])], matches: impl Fn(&str) -> bool) -> Option<ErrorKind> {
    table
        .iter()
        .find(|(_, codes)| codes.iter().any(|listed| matches(listed)))
        .map(|(kind, _)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::test_support::answer;

    #[test]
    fn statuses_without_a_known_code() {
        let kinds: Vec<ErrorKind> = [401, 403, 429, 500, 503, 400, 404].into_iter().map(kind_from_status).collect();
        assert_eq!(
            kinds,
            [ErrorKind::Auth, ErrorKind::Auth, ErrorKind::Throttled, ErrorKind::Server, ErrorKind::Server, ErrorKind::BadRequest, ErrorKind::BadRequest]
        );
    }

    #[test]
    fn codes_match_exactly_or_by_prefix() {
        const KINDS: CodeKinds = CodeKinds {
            exact: &[(ErrorKind::Auth, &["Denied"])],
            prefixes: &[(ErrorKind::Throttled, &["Throttling"])],
        };
        assert_eq!(KINDS.kind_of("Denied"), Some(ErrorKind::Auth));
        assert_eq!(KINDS.kind_of("Denied.Key"), None);
        assert_eq!(KINDS.kind_of("Throttling.User"), Some(ErrorKind::Throttled));
        assert_eq!(KINDS.kind_of(""), None);
    }

    #[test]
    fn a_report_falls_back_to_the_status_and_the_body() {
        let failed = answer(503, &[("retry-after", "4")], " busy ");
        let e = ErrorReport { code: Some(String::new()), ..Default::default() }
            .into_error(Provider::Baidu, &failed, |_| None);
        assert_eq!((e.kind, e.code.as_str(), e.message.as_str()), (ErrorKind::Server, "HTTP503", "busy"));
        assert_eq!((e.request_id, e.retry_after), (None, Some(Duration::from_secs(4))));
    }
}
