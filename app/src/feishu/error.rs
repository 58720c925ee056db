//! What can go wrong sending to a Feishu webhook, read from the answer's body `code` first: the
//! webhook answers most refusals with HTTP 200 (docs/providers.md, "Feishu").

use serde::{Deserialize, Serialize};

/// Feishu's answer: the body's `code` and `msg` (or the legacy `StatusCode`/`StatusMessage`),
/// with the HTTP status. The client cleans the body of the token and the secret before reading
/// it, should Feishu ever echo them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeishuAnswer {
    pub status: u16,
    pub code: i64,
    pub msg: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeishuError {
    /// Not an http(s) URL of the custom-bot shape `…/open-apis/bot/v2/hook/<token>`.
    #[error("the webhook URL is not a Feishu custom-bot address")]
    InvalidUrl,
    /// Over Feishu's body cap: refused before sending ([`super::MAX_BODY_BYTES`]) or by Feishu
    /// (code 19036).
    #[error("the message is {bytes} bytes, over the {limit}-byte cap")]
    TooLarge { bytes: usize, limit: usize },
    /// 19021: the signature does not match, or its timestamp is over an hour from Feishu's clock
    /// (also a bot with signing on reached without a secret).
    #[error("signature refused ({0:?})")]
    BadSignature(FeishuAnswer),
    /// 19024: the bot only accepts messages containing one of its keywords.
    #[error("no keyword of the bot in the message ({0:?})")]
    KeywordMissing(FeishuAnswer),
    /// 19022: the bot only accepts listed source addresses.
    #[error("source address not allowed ({0:?})")]
    IpNotAllowed(FeishuAnswer),
    /// 19001 or HTTP 404: no bot behind this token (deleted, or the URL is wrong).
    #[error("no such webhook ({0:?})")]
    NotFound(FeishuAnswer),
    /// 11232, 9499 "too many request", 99991400 or HTTP 429, still so after the retries.
    #[error("throttled after {attempts} attempts ({answer:?})")]
    Throttled { answer: FeishuAnswer, attempts: usize },
    /// 9499 "Bad Request": a body Feishu could not read.
    #[error("bad request ({0:?})")]
    BadRequest(FeishuAnswer),
    /// Any other code or status.
    #[error("Feishu refused the message ({0:?})")]
    Provider(FeishuAnswer),
    #[error("timed out")]
    Timeout,
    /// The connection failed; the text never holds the URL (its token is a credential).
    #[error("transport: {0}")]
    Transport(String),
    #[error("malformed answer (HTTP {status}): {detail}")]
    Malformed { status: u16, detail: String },
}

/// Body codes (docs/providers.md, "Feishu").
pub const CODE_OK: i64 = 0;
pub const CODE_BAD_SIGNATURE: i64 = 19021;
pub const CODE_IP_NOT_ALLOWED: i64 = 19022;
pub const CODE_KEYWORD_MISSING: i64 = 19024;
pub const CODE_TOKEN_INVALID: i64 = 19001;
pub const CODE_TOO_LARGE: i64 = 19036;
pub const CODE_FREQUENCY_LIMITED: i64 = 11232;
pub const CODE_OPENAPI_RATE_LIMIT: i64 = 99991400;
pub const CODE_BAD_REQUEST: i64 = 9499;

impl FeishuError {
    /// Feishu's own answer where it gave one, for the pages (the error's text never holds the
    /// token or secret).
    pub fn detail(&self) -> String {
        match self.answer() {
            Some(a) => format!("HTTP {} code {} {}（{self}）", a.status, a.code, a.msg),
            None => self.to_string(),
        }
    }

    /// Worth another try: throttling, Feishu's own failures, timeouts, lost connections.
    pub fn is_retryable(&self) -> bool {
        match self {
            FeishuError::Throttled { .. } | FeishuError::Timeout | FeishuError::Transport(_) => true,
            FeishuError::Provider(answer) => answer.status >= 500,
            _ => false,
        }
    }

    /// Feishu's own answer, when the error is one (a settings page shows it as is).
    pub fn answer(&self) -> Option<&FeishuAnswer> {
        use FeishuError::*;
        match self {
            BadSignature(a) | KeywordMissing(a) | IpNotAllowed(a) | NotFound(a) | BadRequest(a) | Provider(a) => Some(a),
            Throttled { answer, .. } => Some(answer),
            _ => None,
        }
    }

    /// From a failed request; reqwest's text names the URL, which holds the token, so it is cut.
    pub(super) fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            FeishuError::Timeout
        } else {
            FeishuError::Transport(e.without_url().to_string())
        }
    }

    /// The count of attempts made, on a throttling that outlasted the retries.
    pub(super) fn after_attempts(self, attempts: usize) -> Self {
        match self {
            FeishuError::Throttled { answer, .. } => FeishuError::Throttled { answer, attempts },
            other => other,
        }
    }
}

/// Reads an answer: `Ok` for code 0 on a 2xx, else the error its code (then its status) means.
/// `sent_bytes` is the body's size, for a size refusal.
pub fn classify(status: u16, body: &[u8], sent_bytes: usize) -> Result<FeishuAnswer, FeishuError> {
    #[derive(Deserialize)]
    struct Body {
        code: Option<i64>,
        msg: Option<String>,
        #[serde(rename = "StatusCode")]
        status_code: Option<i64>,
        #[serde(rename = "StatusMessage")]
        status_message: Option<String>,
    }
    let parsed = serde_json::from_slice::<Body>(body).ok();
    let code = parsed.as_ref().and_then(|b| b.code.or(b.status_code));
    let Some(code) = code else {
        let answer = FeishuAnswer { status, code: -1, msg: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned() };
        return Err(match status {
            404 => FeishuError::NotFound(answer),
            429 => FeishuError::Throttled { answer, attempts: 1 },
            500.. => FeishuError::Provider(answer),
            _ => FeishuError::Malformed { status, detail: answer.msg },
        });
    };
    let msg = parsed.and_then(|b| b.msg.or(b.status_message)).unwrap_or_default();
    let answer = FeishuAnswer { status, code, msg };
    let throttled = matches!(code, CODE_FREQUENCY_LIMITED | CODE_OPENAPI_RATE_LIMIT)
        || status == 429
        || (code == CODE_BAD_REQUEST && answer.msg.to_ascii_lowercase().contains("too many"));
    Err(match code {
        CODE_OK if (200..300).contains(&status) => return Ok(answer),
        _ if throttled => FeishuError::Throttled { answer, attempts: 1 },
        CODE_BAD_SIGNATURE => FeishuError::BadSignature(answer),
        CODE_KEYWORD_MISSING => FeishuError::KeywordMissing(answer),
        CODE_IP_NOT_ALLOWED => FeishuError::IpNotAllowed(answer),
        CODE_TOKEN_INVALID => FeishuError::NotFound(answer),
        _ if status == 404 => FeishuError::NotFound(answer),
        CODE_TOO_LARGE => FeishuError::TooLarge { bytes: sent_bytes, limit: super::MAX_BODY_BYTES },
        CODE_BAD_REQUEST => FeishuError::BadRequest(answer),
        _ => FeishuError::Provider(answer),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(status: u16, body: &str) -> Result<FeishuAnswer, FeishuError> {
        classify(status, body.as_bytes(), 100)
    }

    #[test]
    fn reads_the_code_table() {
        let ok = kind(200, r#"{"code":0,"msg":"success","data":{},"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#);
        assert_eq!(ok, Ok(FeishuAnswer { status: 200, code: 0, msg: "success".into() }));
        let legacy = kind(200, r#"{"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#);
        assert_eq!(legacy.map(|a| a.msg), Ok("success".into()));
        let sign = r#"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}"#;
        assert!(matches!(kind(200, sign), Err(FeishuError::BadSignature(a)) if a.code == 19021 && a.msg.starts_with("sign match")));
        assert!(matches!(kind(200, r#"{"code":19024,"msg":"Key Words Not Found"}"#), Err(FeishuError::KeywordMissing(_))));
        assert!(matches!(kind(200, r#"{"code":19022,"msg":"Ip Not Allowed"}"#), Err(FeishuError::IpNotAllowed(_))));
        let token = r#"{"code":19001,"msg":"param invalid: incoming webhook access token invalid"}"#;
        assert!(matches!(kind(200, token), Err(FeishuError::NotFound(_))));
        assert!(matches!(kind(404, "404 page not found"), Err(FeishuError::NotFound(_))));
        assert_eq!(kind(200, r#"{"code":19036,"msg":"The message exceeds the size limit of 30KB"}"#), Err(FeishuError::TooLarge { bytes: 100, limit: super::super::MAX_BODY_BYTES }));
        assert!(matches!(kind(400, r#"{"code":9499,"msg":"Bad Request","data":{}}"#), Err(FeishuError::BadRequest(_))));
        assert!(matches!(kind(200, r#"{"code":12345,"msg":"new"}"#), Err(FeishuError::Provider(_))));
        // A code 0 on a failure status is no success.
        assert!(matches!(kind(500, r#"{"code":0,"msg":"?"}"#), Err(FeishuError::Provider(_))));
    }

    #[test]
    fn throttling_in_every_observed_form_is_retried_and_the_rest_is_not() {
        let throttled = [
            kind(200, r#"{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]"}"#),
            kind(400, r#"{"code":9499,"msg":"too many request","data":{}}"#),
            kind(429, r#"{"code":99991400,"msg":"request trigger frequency limit"}"#),
            kind(429, ""),
        ];
        for answer in throttled {
            let e = answer.expect_err("throttled");
            assert!(matches!(e, FeishuError::Throttled { .. }) && e.is_retryable(), "{e:?}");
        }
        assert!(kind(502, "<html>bad gateway</html>").expect_err("5xx").is_retryable());
        for final_answer in [r#"{"code":19021,"msg":"x"}"#, r#"{"code":9499,"msg":"Bad Request"}"#, r#"{"code":19024,"msg":"x"}"#] {
            assert!(!kind(200, final_answer).expect_err("refused").is_retryable(), "{final_answer}");
        }
        assert!(matches!(kind(200, "not json"), Err(FeishuError::Malformed { status: 200, .. })));
    }
}
