//! Billing clients for the five providers: daily or monthly bill lines and account balances,
//! normalised to [`BillLine`] and [`BalanceSnapshot`]. Server only.
//!
//! Wire formats: docs/providers.md, one section per provider; each module cites its docs.
//! Every client talks to `AccountConfig::endpoint`, which is either the provider's host or the
//! project's simulator; nothing else differs between the two.
//!
//! Every request goes through a [`RequestGate`]: a per-account rate limiter waited on before
//! each attempt, and retries of throttling, 5xx, timeouts and lost connections with exponential
//! backoff, where a provider's own wait hint replaces the computed delay.

pub mod aliyun;
pub mod amount;
pub mod baidu;
pub mod deepseek;
pub mod tencent;
pub mod volcengine;

use std::fmt;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use chrono::{Datelike, FixedOffset, NaiveDate, Offset as _, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use url::Url;

use super::model::{BalanceSnapshot, BillLine, Currency, Provider, Scope};
use crate::cloud::signing::rfc3986_encode;
use crate::secret::Secret;

/// One configured account of one provider.
#[derive(Clone)]
pub struct AccountConfig {
    pub provider: Provider,
    /// The configured id; bill lines and balances carry it as `account`.
    pub name: String,
    pub display_name: String,
    /// The API's base URL: the provider's host, or the simulator's `http://addr/`.
    pub endpoint: Url,
    /// Access key id (Alibaba, Volcengine, Baidu) or SecretId (Tencent); unused by DeepSeek.
    pub access_key_id: String,
    /// The access key secret, or DeepSeek's API key.
    pub secret: Secret,
    /// Volcengine's signing region (default `cn-beijing`); the others ignore it.
    pub region: Option<String>,
    /// True when `endpoint` is the project's simulator; the UI says so.
    pub simulated: bool,
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("provider", &self.provider)
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("endpoint", &self.endpoint.as_str())
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field("simulated", &self.simulated)
            .finish_non_exhaustive()
    }
}

/// How retryable failures are retried.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A provider's wait hint is honoured up to this long.
    pub max_hint: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_hint: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.attempts.saturating_sub(1))
    }
}

/// Requests per second a client allows itself per account.
pub fn default_rate_per_second(provider: Provider) -> u32 {
    match provider {
        // No BSS-specific limit is documented (docs/providers.md, "Alibaba Cloud"); a modest guess.
        Provider::Aliyun => 10,
        // "5 QPS per account" for the ListBill* family: https://www.volcengine.com/docs/6269/1165275
        Provider::Volcengine => 5,
        // DescribeBillSummaryByProduct, 20 req/s: https://tencentcloud.com/document/api/555/32374
        Provider::Tencent => 20,
        // No limit documented for the BCE billing API; a modest guess.
        Provider::Baidu => 10,
        // No limit documented for /user/balance; it is called rarely.
        Provider::DeepSeek => 5,
    }
}

/// A rate limiter and a retry policy, shared by the clones of one account's client.
#[derive(Clone)]
pub struct RequestGate {
    limiter: Arc<DefaultDirectRateLimiter>,
    retry: RetryPolicy,
}

impl fmt::Debug for RequestGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestGate")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl RequestGate {
    /// `per_second` 0 is taken as 1. No burst: requests are spaced evenly (1/rate apart), so a
    /// provider counting per second over any window never sees more than the rate.
    pub fn new(per_second: u32, retry: RetryPolicy) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(rate).allow_burst(NonZeroU32::MIN);
        RequestGate {
            limiter: Arc::new(RateLimiter::direct(quota)),
            retry,
        }
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Runs `op` until it succeeds, fails for good, or the attempts run out; the last error is
    /// returned. Waits for the rate limiter before every attempt, so retries count against it.
    pub async fn run<T, F, Fut>(&self, mut op: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let mut delays = self.retry.backoff().build();
        let mut attempt = 1usize;
        loop {
            self.limiter.until_ready().await;
            let error = match op().await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_retryable() => error,
                Err(error) => return Err(error),
            };
            let Some(backoff) = delays.next() else {
                return Err(error);
            };
            let wait = match error.retry_after {
                Some(hint) => hint.min(self.retry.max_hint),
                None => backoff,
            };
            // The error's Display holds the provider, its code and message: never a secret.
            tracing::warn!(
                provider = ?error.provider,
                kind = ?error.kind,
                request_id = error.request_id.as_deref().unwrap_or(""),
                attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "billing request retried: {error}"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

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
    fn redacting(mut self, secret: &Secret) -> Self {
        self.code = secret.redact(&self.code);
        self.message = secret.redact(&self.message);
        self.request_id = self.request_id.map(|id| secret.redact(&id));
        self
    }

    fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id.filter(|id| !id.is_empty());
        self
    }

    fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// An answer `action` could not read.
    fn malformed(provider: Provider, action: &str, detail: impl fmt::Display) -> Self {
        ProviderError::new(
            provider,
            ErrorKind::Malformed,
            "Malformed",
            format!("{action}: unreadable answer: {detail}"),
        )
    }

    fn unsupported_scope(provider: Provider, scope: Scope) -> Self {
        ProviderError::new(
            provider,
            ErrorKind::BadRequest,
            "UnsupportedScope",
            format!("{provider:?} cannot serve bills for {scope:?}"),
        )
    }

    /// reqwest's Display names the URL but never the headers, so no credential leaks here.
    fn from_reqwest(provider: Provider, action: &str, error: reqwest::Error) -> Self {
        let (kind, code) = if error.is_timeout() {
            (ErrorKind::Timeout, "Timeout")
        } else {
            (ErrorKind::Transport, "Transport")
        };
        ProviderError::new(provider, kind, code, format!("{action}: {error}"))
    }
}

/// One account's client.
#[derive(Clone, Debug)]
pub enum ProviderClient {
    Aliyun(aliyun::Client),
    Volcengine(volcengine::Client),
    Tencent(tencent::Client),
    Baidu(baidu::Client),
    DeepSeek(deepseek::Client),
}

impl ProviderClient {
    /// The variant follows `account.provider`. `http` carries the timeouts.
    pub fn new(account: AccountConfig, http: reqwest::Client, gate: RequestGate) -> Self {
        match account.provider {
            Provider::Aliyun => ProviderClient::Aliyun(aliyun::Client::new(account, http, gate)),
            Provider::Volcengine => {
                ProviderClient::Volcengine(volcengine::Client::new(account, http, gate))
            }
            Provider::Tencent => ProviderClient::Tencent(tencent::Client::new(account, http, gate)),
            Provider::Baidu => ProviderClient::Baidu(baidu::Client::new(account, http, gate)),
            Provider::DeepSeek => {
                ProviderClient::DeepSeek(deepseek::Client::new(account, http, gate))
            }
        }
    }

    pub fn account(&self) -> &AccountConfig {
        match self {
            ProviderClient::Aliyun(c) => c.account(),
            ProviderClient::Volcengine(c) => c.account(),
            ProviderClient::Tencent(c) => c.account(),
            ProviderClient::Baidu(c) => c.account(),
            ProviderClient::DeepSeek(c) => c.account(),
        }
    }

    /// The scopes that cover the days `from..=to`: one per day (Alibaba, Baidu), one per month
    /// touched (Volcengine, Tencent), none for DeepSeek (its spend comes from balances).
    pub fn scopes(&self, from: NaiveDate, to: NaiveDate) -> Vec<Scope> {
        match self {
            ProviderClient::Aliyun(_) | ProviderClient::Baidu(_) => day_scopes(from, to),
            ProviderClient::Volcengine(_) | ProviderClient::Tencent(_) => month_scopes(from, to),
            ProviderClient::DeepSeek(_) => Vec::new(),
        }
    }

    /// Every bill line of `scope`, all pages read. A scope of the wrong kind is `BadRequest`.
    pub async fn bill_lines(&self, scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
        match self {
            ProviderClient::Aliyun(c) => c.bill_lines(scope).await,
            ProviderClient::Volcengine(c) => c.bill_lines(scope).await,
            ProviderClient::Tencent(c) => c.bill_lines(scope).await,
            ProviderClient::Baidu(c) => c.bill_lines(scope).await,
            ProviderClient::DeepSeek(c) => c.bill_lines(scope).await,
        }
    }

    /// The account balance now; `None` where the provider has no balance API (Tencent).
    pub async fn balance(&self) -> Result<Option<BalanceSnapshot>, ProviderError> {
        match self {
            ProviderClient::Aliyun(c) => c.balance().await.map(Some),
            ProviderClient::Volcengine(c) => c.balance().await.map(Some),
            ProviderClient::Tencent(_) => Ok(None),
            ProviderClient::Baidu(c) => c.balance().await.map(Some),
            ProviderClient::DeepSeek(c) => c.balance().await,
        }
    }
}

/// A guard against a provider that never stops paging; far beyond any account's day or month.
const MAX_PAGES: u64 = 1000;

/// Reads every page. `fetch(page_number, offset)` (page numbers from 1, offset = items read so
/// far) answers the total the provider announces and that page's items. Stops once the total
/// is read; an empty page before that is Malformed, since stopping would under-report spend.
async fn read_all_pages<T, F, Fut>(
    provider: Provider,
    action: &str,
    mut fetch: F,
) -> Result<Vec<T>, ProviderError>
where
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<(u64, Vec<T>), ProviderError>>,
{
    let mut items = Vec::new();
    for page_number in 1..=MAX_PAGES {
        let (total, page) = fetch(page_number, items.len() as u64).await?;
        let page_len = page.len();
        items.extend(page);
        if items.len() as u64 >= total {
            return Ok(items);
        }
        if page_len == 0 {
            return Err(ProviderError::malformed(
                provider,
                action,
                format!(
                    "{total} items announced, but page {page_number} is empty after {}",
                    items.len()
                ),
            ));
        }
    }
    Err(ProviderError::malformed(
        provider,
        action,
        format!("more than {MAX_PAGES} pages"),
    ))
}

/// Asia/Shanghai (UTC+8, no daylight saving): the zone of every provider's billing day.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Today's billing day.
pub fn shanghai_today() -> NaiveDate {
    Utc::now().with_timezone(&shanghai()).date_naive()
}

fn day_scopes(from: NaiveDate, to: NaiveDate) -> Vec<Scope> {
    from.iter_days()
        .take_while(|day| *day <= to)
        .map(Scope::Day)
        .collect()
}

fn month_scopes(from: NaiveDate, to: NaiveDate) -> Vec<Scope> {
    let mut scopes = Vec::new();
    let mut month = first_of_month(from);
    while month <= to {
        scopes.push(Scope::Month(month));
        match next_month(month) {
            Some(next) => month = next,
            None => break,
        }
    }
    scopes
}

pub(crate) fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn next_month(first: NaiveDate) -> Option<NaiveDate> {
    first.checked_add_months(chrono::Months::new(1))
}

/// The month of a `Scope::Month`, which must be given by its first day.
fn month_of_scope(provider: Provider, scope: Scope) -> Result<NaiveDate, ProviderError> {
    match scope {
        Scope::Month(first) if first.day() == 1 => Ok(first),
        _ => Err(ProviderError::unsupported_scope(provider, scope)),
    }
}

/// `YYYY-MM`.
fn month_text(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// Reads a provider's date (`YYYY-MM-DD`, possibly followed by a time).
fn parse_day(text: &str) -> Option<NaiveDate> {
    let head = text.trim().get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

fn parse_currency(provider: Provider, action: &str, code: &str) -> Result<Currency, ProviderError> {
    match code.trim().to_ascii_uppercase().as_str() {
        "CNY" | "RMB" => Ok(Currency::Cny),
        "USD" => Ok(Currency::Usd),
        other => Err(ProviderError::malformed(
            provider,
            action,
            format!("unsupported currency {other:?}"),
        )),
    }
}

/// The `Host` header value, and the value every signer signs as `host`: host, plus the port
/// when it is not the scheme's default (`url` drops default ports).
fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// `base` with `path` appended to its own path, no query.
fn endpoint_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Sets the query to `pairs`, RFC 3986 encoded as the signers encode them, so the bytes sent
/// decode to exactly what was signed.
fn set_query(url: &mut Url, pairs: &[(String, String)]) {
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", rfc3986_encode(k, false), rfc3986_encode(v, false)))
        .collect();
    let query = query.join("&");
    url.set_query(if query.is_empty() { None } else { Some(&query) });
}

/// A provider's HTTP answer, read whole.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)?
            .to_str()
            .ok()
            .map(|v| v.trim().to_owned())
    }
}

/// Sends one request. `headers` are sent as given (the signature's included) and `Host` is
/// set explicitly to what was signed.
async fn send(
    http: &reqwest::Client,
    provider: Provider,
    action: &str,
    method: reqwest::Method,
    url: Url,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<Answer, ProviderError> {
    let method_has_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
    let mut request = http
        .request(method, url.clone())
        .header(reqwest::header::HOST, host_header(&url));
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("host") {
            request = request.header(name.as_str(), value.as_str());
        }
    }
    if !body.is_empty() {
        request = request.body(body);
    } else if method_has_body {
        // reqwest states no length for an empty body; the official SDKs send 0, and some
        // gateways refuse a POST without it (411).
        request = request.header(reqwest::header::CONTENT_LENGTH, "0");
    }
    let response = request
        .send()
        .await
        .map_err(|e| ProviderError::from_reqwest(provider, action, e))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| ProviderError::from_reqwest(provider, action, e))?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// `Retry-After` in seconds (RFC 9110 also allows an HTTP date; these APIs are not known to
/// send one, and a date is ignored).
fn retry_after_seconds(answer: &Answer) -> Option<Duration> {
    answer
        .header("retry-after")?
        .parse::<u64>()
        .ok()
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
}

/// The start of an unreadable body, for an error message.
fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.trim().to_owned()
}

/// A JSON answer parsed as `T`, or Malformed naming `action`.
fn parse_json<T: serde::de::DeserializeOwned>(
    provider: Provider,
    action: &str,
    body: &[u8],
) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::malformed(provider, action, e))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn client(provider: Provider) -> ProviderClient {
        let account = AccountConfig {
            provider,
            name: "acct".into(),
            display_name: "Account".into(),
            endpoint: Url::parse("http://127.0.0.1:9/").unwrap(),
            access_key_id: "id".into(),
            secret: Secret::new("hunter2"),
            region: None,
            simulated: true,
        };
        ProviderClient::new(
            account,
            reqwest::Client::new(),
            RequestGate::new(100, fast_retry(3)),
        )
    }

    fn fast_retry(attempts: usize) -> RetryPolicy {
        RetryPolicy {
            attempts,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_hint: Duration::from_millis(300),
        }
    }

    #[test]
    fn scopes_across_a_month_boundary() {
        let (from, to) = (day(2024, 1, 30), day(2024, 2, 2));
        let days: Vec<Scope> = [
            day(2024, 1, 30),
            day(2024, 1, 31),
            day(2024, 2, 1),
            day(2024, 2, 2),
        ]
        .into_iter()
        .map(Scope::Day)
        .collect();
        let months = vec![Scope::Month(day(2024, 1, 1)), Scope::Month(day(2024, 2, 1))];
        assert_eq!(client(Provider::Aliyun).scopes(from, to), days);
        assert_eq!(client(Provider::Baidu).scopes(from, to), days);
        assert_eq!(client(Provider::Volcengine).scopes(from, to), months);
        assert_eq!(client(Provider::Tencent).scopes(from, to), months);
        assert!(client(Provider::DeepSeek).scopes(from, to).is_empty());
        assert!(client(Provider::Aliyun).scopes(to, from).is_empty());
        assert_eq!(
            client(Provider::Tencent).scopes(day(2023, 12, 31), day(2024, 1, 1)),
            vec![
                Scope::Month(day(2023, 12, 1)),
                Scope::Month(day(2024, 1, 1))
            ]
        );
    }

    #[test]
    fn account_debug_hides_the_secret() {
        let text = format!("{:?}", client(Provider::Aliyun).account());
        assert!(!text.contains("hunter2") && text.contains("acct"), "{text}");
    }

    #[tokio::test]
    async fn wrong_scope_kind_is_a_bad_request() {
        let e = client(Provider::Aliyun)
            .bill_lines(Scope::Month(day(2024, 1, 1)))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
        let e = client(Provider::Tencent)
            .bill_lines(Scope::Day(day(2024, 1, 3)))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
        let e = client(Provider::Volcengine)
            .bill_lines(Scope::Month(day(2024, 1, 3)))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
        let e = client(Provider::DeepSeek)
            .bill_lines(Scope::Day(day(2024, 1, 3)))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
    }

    fn error(kind: ErrorKind, retry_after: Option<Duration>) -> ProviderError {
        ProviderError::new(Provider::Aliyun, kind, "Code", "message").with_retry_after(retry_after)
    }

    #[tokio::test]
    async fn gate_retries_a_malformed_answer_like_a_5xx_then_gives_up() {
        let gate = RequestGate::new(1000, fast_retry(3));
        let calls = AtomicUsize::new(0);
        let result = gate
            .run(|| async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(error(ErrorKind::Malformed, None)),
                    _ => Ok("done"),
                }
            })
            .await;
        assert_eq!(result.unwrap(), "done");
        let calls = AtomicUsize::new(0);
        let e = gate
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(error(ErrorKind::Malformed, None))
            })
            .await
            .unwrap_err();
        assert_eq!((e.kind, calls.load(Ordering::SeqCst)), (ErrorKind::Malformed, 3), "bounded");
    }

    #[tokio::test]
    async fn gate_retries_throttling_then_succeeds() {
        let gate = RequestGate::new(1000, fast_retry(5));
        let calls = AtomicUsize::new(0);
        let result = gate
            .run(|| async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(error(ErrorKind::Throttled, None)),
                    _ => Ok("done"),
                }
            })
            .await;
        assert_eq!(result.unwrap(), "done");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn gate_honours_the_hint_up_to_max_hint() {
        let gate = RequestGate::new(1000, fast_retry(3));
        let calls = AtomicUsize::new(0);
        let started = Instant::now();
        gate.run(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(error(
                    ErrorKind::Throttled,
                    Some(Duration::from_millis(150)),
                )),
                _ => Ok(()),
            }
        })
        .await
        .unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(150),
            "waited only {waited:?}"
        );

        // A 10-minute hint is cut to max_hint (300 ms).
        let calls = AtomicUsize::new(0);
        let started = Instant::now();
        gate.run(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(error(ErrorKind::Server, Some(Duration::from_secs(600)))),
                _ => Ok(()),
            }
        })
        .await
        .unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
            "waited {waited:?}"
        );
    }

    #[tokio::test]
    async fn gate_stops_after_the_attempts() {
        let gate = RequestGate::new(1000, fast_retry(3));
        let calls = AtomicUsize::new(0);
        let e = gate
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(error(ErrorKind::Timeout, None))
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn gate_does_not_retry_auth_bad_requests_or_not_ready() {
        let gate = RequestGate::new(1000, fast_retry(5));
        for kind in [
            ErrorKind::Auth,
            ErrorKind::NotReady,
            ErrorKind::BadRequest,
        ] {
            let calls = AtomicUsize::new(0);
            let e = gate
                .run(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err::<(), _>(error(kind, Some(Duration::from_millis(1))))
                })
                .await
                .unwrap_err();
            assert_eq!(e.kind, kind);
            assert_eq!(calls.load(Ordering::SeqCst), 1, "{kind:?} was retried");
        }
    }

    #[tokio::test]
    async fn gate_waits_for_the_limiter_before_every_attempt() {
        // 10 per second: after the first, each attempt waits about 100 ms for the limiter.
        let gate = RequestGate::new(10, fast_retry(4));
        let calls = AtomicUsize::new(0);
        let started = Instant::now();
        let _ = gate
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(error(ErrorKind::Server, None))
            })
            .await;
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn pages_are_read_until_the_total() {
        let calls = std::sync::Mutex::new(Vec::new());
        let items = read_all_pages(Provider::Baidu, "Test", |page, offset| {
            calls.lock().unwrap().push((page, offset));
            async move {
                let page_items: Vec<u64> = (offset..(offset + 2).min(5)).collect();
                Ok((5, page_items))
            }
        })
        .await
        .unwrap();
        assert_eq!(items, vec![0, 1, 2, 3, 4]);
        assert_eq!(*calls.lock().unwrap(), vec![(1, 0), (2, 2), (3, 4)]);

        let none: Vec<u64> = read_all_pages(Provider::Baidu, "Test", |_, _| async {
            Ok((0, Vec::new()))
        })
        .await
        .unwrap();
        assert!(none.is_empty());

        let e = read_all_pages(Provider::Baidu, "Test", |page, _| async move {
            Ok((10, if page == 1 { vec![1u64, 2] } else { Vec::new() }))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(e.message.contains("Test"), "{}", e.message);

        let e = read_all_pages(Provider::Baidu, "Test", |_, _| async {
            Err::<(u64, Vec<u64>), _>(ProviderError::new(
                Provider::Baidu,
                ErrorKind::Auth,
                "AccessDenied",
                "no",
            ))
        })
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth);
    }

    #[test]
    fn urls_and_hosts() {
        let base = Url::parse("http://127.0.0.1:8080/").unwrap();
        let mut url = endpoint_url(&base, "/v1/bill/resource/month");
        assert_eq!(host_header(&url), "127.0.0.1:8080");
        set_query(
            &mut url,
            &[
                ("month".into(), "2024-05".into()),
                ("a b".into(), "c/d".into()),
            ],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/v1/bill/resource/month?month=2024-05&a%20b=c%2Fd"
        );
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[1], ("a b".to_owned(), "c/d".to_owned()));
        let real = Url::parse("https://business.aliyuncs.com").unwrap();
        assert_eq!(
            host_header(&endpoint_url(&real, "/")),
            "business.aliyuncs.com"
        );
        assert_eq!(
            endpoint_url(&real, "/").as_str(),
            "https://business.aliyuncs.com/"
        );
    }
}
