//! Client of a Feishu (Lark) custom-bot webhook: sends an interactive card to one group, signed
//! when the bot has "签名校验" on, and reads the answer's code into a typed error. Server only.
//!
//! Wire format, codes and limits: docs/providers.md, "Feishu", from
//! https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot. The webhook URL's last
//! segment is a credential (anyone holding it can post to the group), so neither the URL nor the
//! secret reaches an error, a log line or `Debug` output.
//!
//! Sending pace (≤ 5/s and ≤ 100/min per bot) and not repeating an alert are the caller's: an
//! alert outbox sends one at a time and keeps what it sent.

pub mod card;
pub mod error;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use url::Url;

pub use card::{test_card, Card, Element, Template};
pub use error::{FeishuAnswer, FeishuError};

use crate::secret::Secret;

/// "请求体大小不能超过 20 KB": a larger card is refused here rather than sent.
pub const MAX_BODY_BYTES: usize = 20 * 1024;

/// The path before the token.
pub const HOOK_PATH: &str = "/open-apis/bot/v2/hook/";

/// One bot in one group: its webhook URL and, when signing is on, its secret.
#[derive(Clone, PartialEq, Eq)]
pub struct FeishuWebhook {
    pub url: Url,
    pub secret: Option<Secret>,
}

impl std::fmt::Debug for FeishuWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeishuWebhook").field("url", &self.display_url()).field("secret", &self.secret).finish()
    }
}

impl FeishuWebhook {
    /// Checks `url` has the custom-bot shape, `http(s)://host/open-apis/bot/v2/hook/<token>`.
    pub fn parse(url: &str, secret: Option<Secret>) -> Result<Self, FeishuError> {
        let url = Url::parse(url.trim()).map_err(|_| FeishuError::InvalidUrl)?;
        let token = url.path().strip_prefix(HOOK_PATH).unwrap_or("");
        let shaped = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && !token.is_empty()
            && !token.contains('/')
            && url.query().is_none();
        if !shaped {
            return Err(FeishuError::InvalidUrl);
        }
        Ok(FeishuWebhook { url, secret: secret.filter(|s| !s.expose().is_empty()) })
    }

    /// The URL with its token masked, for a page or a log line.
    pub fn display_url(&self) -> String {
        let origin = self.url.origin().ascii_serialization();
        format!("{origin}{HOOK_PATH}***")
    }

    /// `answer` as text without the token or the secret (both credentials), should Feishu ever
    /// echo them: what is read from it reaches errors and logs.
    fn without_credentials(&self, answer: &[u8]) -> String {
        let token = Secret::new(self.url.path().strip_prefix(HOOK_PATH).unwrap_or(""));
        let text = token.redact(&String::from_utf8_lossy(answer));
        match &self.secret {
            Some(secret) => secret.redact(&text),
            None => text,
        }
    }
}

/// How throttling and transient failures are retried within one send.
#[derive(Clone, Debug)]
pub struct FeishuRetry {
    pub attempts: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for FeishuRetry {
    /// Three tries over a few seconds: the bot's limit is per second and per minute, and a
    /// caller with an outbox tries again later anyway.
    fn default() -> Self {
        FeishuRetry { attempts: 3, min_delay: Duration::from_secs(1), max_delay: Duration::from_secs(8) }
    }
}

impl FeishuRetry {
    fn backoff(&self) -> ExponentialBuilder {
        crate::retry::exponential(self.attempts, self.min_delay, self.max_delay)
    }
}

/// What a send may fix instead of taking the defaults.
#[derive(Clone, Debug, Default)]
pub struct SendOptions {
    /// The signature's time; `None`: now, at each attempt. Tests pass a stale one.
    pub at: Option<DateTime<Utc>>,
    pub retry: FeishuRetry,
}

/// Sends `card` with the default options.
pub async fn send_card(http: &reqwest::Client, webhook: &FeishuWebhook, card: &Card) -> Result<FeishuAnswer, FeishuError> {
    send_card_with(http, webhook, card, &SendOptions::default()).await
}

/// Sends the settings page's test card ("算盘告警测试") and answers what Feishu said.
pub async fn send_test_card(http: &reqwest::Client, webhook: &FeishuWebhook) -> Result<FeishuAnswer, FeishuError> {
    send_card(http, webhook, &test_card(Utc::now())).await
}

/// Sends `card`, retrying throttling and transient failures per `options.retry`.
pub async fn send_card_with(
    http: &reqwest::Client,
    webhook: &FeishuWebhook,
    card: &Card,
    options: &SendOptions,
) -> Result<FeishuAnswer, FeishuError> {
    send_json_with(http, webhook, &card.to_json(), options).await
}

/// A card already rendered to its JSON (the quota outbox keeps cards so).
pub async fn send_json_with(
    http: &reqwest::Client,
    webhook: &FeishuWebhook,
    card: &Value,
    options: &SendOptions,
) -> Result<FeishuAnswer, FeishuError> {
    let attempts = &AtomicUsize::new(0);
    let once = move || async move {
        attempts.fetch_add(1, Ordering::Relaxed);
        send_once(http, webhook, card, options.at.unwrap_or_else(Utc::now)).await
    };
    let answer = once
        .retry(options.retry.backoff())
        .when(FeishuError::is_retryable)
        .await
        .map_err(|e| e.after_attempts(attempts.load(Ordering::Relaxed)));
    match &answer {
        Ok(a) => tracing::info!(webhook = %webhook.display_url(), code = a.code, "Feishu card sent"),
        Err(e) => tracing::warn!(webhook = %webhook.display_url(), error = %e, "Feishu card not sent"),
    }
    answer
}

/// The webhook body: `msg_type`, the card, and when signing is on `timestamp` and `sign`.
pub fn body(webhook: &FeishuWebhook, card: &Value, at: DateTime<Utc>) -> Value {
    let mut body = json!({"msg_type": "interactive", "card": card});
    if let Some(secret) = &webhook.secret {
        let timestamp = at.timestamp();
        body["timestamp"] = json!(timestamp.to_string());
        body["sign"] = json!(crate::signing::feishu::sign(timestamp, secret));
    }
    body
}

async fn send_once(http: &reqwest::Client, webhook: &FeishuWebhook, card: &Value, at: DateTime<Utc>) -> Result<FeishuAnswer, FeishuError> {
    let bytes = body(webhook, card, at).to_string().into_bytes();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(FeishuError::TooLarge { bytes: bytes.len(), limit: MAX_BODY_BYTES });
    }
    let sent = bytes.len();
    let response = http
        .post(webhook.url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .timeout(Duration::from_secs(10))
        .body(bytes)
        .send()
        .await
        .map_err(FeishuError::from_reqwest)?;
    let status = response.status().as_u16();
    let answer = response.bytes().await.map_err(FeishuError::from_reqwest)?;
    error::classify(status, webhook.without_credentials(&answer).as_bytes(), sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_custom_bot_urls_parse_and_none_prints_its_token() {
        let hook = FeishuWebhook::parse("https://open.feishu.cn/open-apis/bot/v2/hook/abc-123", Some(Secret::new("SECx"))).expect("a hook");
        assert_eq!(hook.display_url(), "https://open.feishu.cn/open-apis/bot/v2/hook/***");
        let printed = format!("{hook:?}");
        assert!(!printed.contains("abc-123") && !printed.contains("SECx"), "{printed}");
        for bad in [
            "ftp://open.feishu.cn/open-apis/bot/v2/hook/abc",
            "https://open.feishu.cn/open-apis/bot/v2/hook/",
            "https://open.feishu.cn/other/abc",
            "https://open.feishu.cn/open-apis/bot/v2/hook/a/b",
            "https://open.feishu.cn/open-apis/bot/v2/hook/abc?x=1",
            "not a url",
        ] {
            assert_eq!(FeishuWebhook::parse(bad, None), Err(FeishuError::InvalidUrl), "{bad}");
        }
        let unsigned = FeishuWebhook::parse("http://127.0.0.1:9/open-apis/bot/v2/hook/t", Some(Secret::new(""))).expect("a hook");
        assert_eq!(unsigned.secret, None, "an empty secret means signing is off");
    }

    #[test]
    fn answers_are_read_without_the_token_or_the_secret() {
        let hook = FeishuWebhook::parse("https://open.feishu.cn/open-apis/bot/v2/hook/tok-abc123", Some(Secret::new("SECsecret99"))).expect("a hook");
        let echoed = br#"{"code":19021,"msg":"bad sign for tok-abc123 with SECsecret99"}"#;
        let e = error::classify(200, hook.without_credentials(echoed).as_bytes(), 10).expect_err("refused");
        let printed = format!("{e} {e:?}");
        assert!(matches!(e, FeishuError::BadSignature(_)) && !printed.contains("tok-abc123") && !printed.contains("SECsecret99"), "{printed}");
    }

    #[test]
    fn the_body_is_signed_only_with_a_secret() {
        let card = json!({"schema": "2.0"});
        let at = DateTime::from_timestamp(1_700_000_000, 0).expect("a time");
        let signed = FeishuWebhook::parse("https://open.feishu.cn/open-apis/bot/v2/hook/t", Some(Secret::new("SECtest"))).expect("a hook");
        let body = body(&signed, &card, at);
        assert_eq!(body["msg_type"], "interactive");
        assert_eq!(body["card"], card);
        assert_eq!(body["timestamp"], "1700000000");
        assert_eq!(body["sign"], "G7XpBpG8NgG02fJOAhX6FRAObIljmFoxVReo8I62pEk=");
        let unsigned = FeishuWebhook { secret: None, ..signed };
        let body = super::body(&unsigned, &card, at);
        assert!(body.get("sign").is_none() && body.get("timestamp").is_none());
    }
}
