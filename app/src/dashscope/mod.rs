//! Client of Alibaba Cloud Model Studio (DashScope, 百炼): Qwen chat through the OpenAI-compatible
//! API and Wanx text-to-image through the native async API. Server only.
//!
//! Wire formats: docs/providers.md, "DashScope", from
//! https://help.aliyun.com/zh/model-studio/stream (chat streaming and usage),
//! https://help.aliyun.com/document_detail/2975674.html (Wanx V2 async task API) and
//! https://help.aliyun.com/en/model-studio/error-code-start (error codes).

pub mod chat;
pub mod error;
pub mod image;
pub mod models;

use std::time::Duration;

use backon::ExponentialBuilder;
use url::Url;

pub use error::{DashScopeError, DashScopeErrorAnswer};

use crate::secret::Secret;

/// Mainland endpoint; the Singapore (international) one is `https://dashscope-intl.aliyuncs.com`.
pub const MAINLAND_URL: &str = "https://dashscope.aliyuncs.com";
pub const INTL_URL: &str = "https://dashscope-intl.aliyuncs.com";

/// How requests are retried on throttling, 5xx and timeouts, and how image tasks are polled.
#[derive(Clone, Debug)]
pub struct DashScopeRetryPolicy {
    pub attempts: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A provider's Retry-After hint is honoured up to this long.
    pub max_hint: Duration,
    /// Task polling starts at this interval and doubles every 3 polls up to `poll_max`, like the
    /// official SDK (`dashscope/client/base_api.py`, `wait`: 1 s doubling to 5 s).
    pub poll_start: Duration,
    pub poll_max: Duration,
}

impl Default for DashScopeRetryPolicy {
    fn default() -> Self {
        DashScopeRetryPolicy {
            attempts: 4,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_hint: Duration::from_secs(30),
            poll_start: Duration::from_secs(1),
            poll_max: Duration::from_secs(5),
        }
    }
}

impl DashScopeRetryPolicy {
    pub fn backoff(&self) -> ExponentialBuilder {
        crate::retry::exponential(self.attempts, self.min_delay, self.max_delay)
    }

    /// The backoff's next delay, replaced by the provider's hint when it gave one.
    pub fn adjust(&self, e: &DashScopeError, next: Option<Duration>) -> Option<Duration> {
        next.map(|d| e.retry_after().map(|h| h.min(self.max_hint)).unwrap_or(d))
    }
}

#[derive(Clone)]
pub struct DashScopeClient {
    http: reqwest::Client,
    base: Url,
    key: Secret,
    pub retry: DashScopeRetryPolicy,
    /// True when `base` is the project's own simulator; the UI says so.
    pub simulated: bool,
}

impl std::fmt::Debug for DashScopeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DashScopeClient").field("base", &self.base.as_str()).field("simulated", &self.simulated).finish()
    }
}

impl DashScopeClient {
    /// `base` is the host root, e.g. [`MAINLAND_URL`]; the compatible-mode and native API paths
    /// are appended.
    pub fn new(base: Url, key: Secret, simulated: bool) -> Result<Self, DashScopeError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // Per read, not per request: a long streamed answer is fine while bytes keep coming.
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("suanpan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DashScopeError::Transport(e.to_string()))?;
        Ok(DashScopeClient { http, base, key, retry: DashScopeRetryPolicy::default(), simulated })
    }

    pub fn with_retry(mut self, retry: DashScopeRetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Result<Url, DashScopeError> {
        self.base.join(path).map_err(|e| DashScopeError::Transport(format!("bad endpoint {path}: {e}")))
    }

    fn authorized(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        builder.bearer_auth(self.key.expose())
    }

    /// The error a non-success answer means, without the key should the endpoint echo it.
    fn refused(&self, status: u16, retry_after: Option<Duration>, body: &[u8]) -> DashScopeError {
        DashScopeError::from_answer(status, retry_after, body).redacting(&self.key)
    }

    /// `e` without the key (for errors built from the provider's words, e.g. a failed task's).
    fn redacted(&self, e: DashScopeError) -> DashScopeError {
        e.redacting(&self.key)
    }
}
