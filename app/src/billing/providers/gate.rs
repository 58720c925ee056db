//! The per-account request gate: a rate limiter waited on before every attempt, and retries of
//! throttling, 5xx, timeouts, lost connections and unreadable answers on backon's exponential
//! backoff with jitter, where a provider's own wait hint (capped) replaces the computed delay.

use std::fmt;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::ProviderError;
use crate::billing::model::Provider;

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
        crate::retry::exponential(self.attempts, self.min_delay, self.max_delay)
    }

    /// The wait before the next attempt: the provider's hint, capped at `max_hint`, replaces the
    /// backoff's delay; none once the backoff is spent.
    fn wait(&self, error: &ProviderError, backoff: Option<Duration>) -> Option<Duration> {
        backoff.map(|delay| error.retry_after.map_or(delay, |hint| hint.min(self.max_hint)))
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
        let limiter = &self.limiter;
        let attempt = AtomicUsize::new(1);
        // `op()` only builds the attempt's future; nothing is sent before the limiter admits it.
        let gated = || {
            let request = op();
            async move {
                limiter.until_ready().await;
                request.await
            }
        };
        gated
            .retry(self.retry.backoff())
            .when(ProviderError::is_retryable)
            .adjust(|error, backoff| self.retry.wait(error, backoff))
            .notify(|error, wait| {
                // The error's Display holds the provider, its code and message: never a secret.
                tracing::warn!(
                    provider = ?error.provider,
                    kind = ?error.kind,
                    request_id = error.request_id.as_deref().unwrap_or(""),
                    attempt = attempt.fetch_add(1, Ordering::Relaxed),
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "billing request retried: {error}"
                );
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::ErrorKind;
    use std::time::Instant;

    fn fast_retry(attempts: usize) -> RetryPolicy {
        RetryPolicy {
            attempts,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_hint: Duration::from_millis(300),
        }
    }

    fn error(kind: ErrorKind, retry_after: Option<Duration>) -> ProviderError {
        ProviderError::new(Provider::Aliyun, kind, "Code", "message").with_retry_after(retry_after)
    }

    /// An operation that always fails with `error`, run through `gate`: the error returned and
    /// the attempts made.
    async fn always_failing(gate: &RequestGate, error: ProviderError) -> (ProviderError, usize) {
        let calls = AtomicUsize::new(0);
        let e = gate
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(error.clone())
            })
            .await
            .unwrap_err();
        (e, calls.load(Ordering::SeqCst))
    }

    /// An operation that fails `failures` times with `error`, then succeeds, run through
    /// `gate`: the attempts made. Panics if the gate gives up.
    async fn fails_then_succeeds(gate: &RequestGate, failures: usize, error: ProviderError) -> usize {
        let calls = AtomicUsize::new(0);
        gate.run(|| async {
            if calls.fetch_add(1, Ordering::SeqCst) < failures {
                Err(error.clone())
            } else {
                Ok(())
            }
        })
        .await
        .unwrap();
        calls.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn gate_retries_a_malformed_answer_like_a_5xx_then_gives_up() {
        let gate = RequestGate::new(1000, fast_retry(3));
        assert_eq!(fails_then_succeeds(&gate, 1, error(ErrorKind::Malformed, None)).await, 2);
        let (e, calls) = always_failing(&gate, error(ErrorKind::Malformed, None)).await;
        assert_eq!((e.kind, calls), (ErrorKind::Malformed, 3), "bounded");
    }

    #[tokio::test]
    async fn gate_retries_throttling_then_succeeds() {
        let gate = RequestGate::new(1000, fast_retry(5));
        assert_eq!(fails_then_succeeds(&gate, 2, error(ErrorKind::Throttled, None)).await, 3);
    }

    #[tokio::test]
    async fn gate_honours_the_hint_up_to_max_hint() {
        let gate = RequestGate::new(1000, fast_retry(3));
        let started = Instant::now();
        let hinted = error(ErrorKind::Throttled, Some(Duration::from_millis(150)));
        fails_then_succeeds(&gate, 1, hinted).await;
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(150),
            "waited only {waited:?}"
        );

        // A 10-minute hint is cut to max_hint (300 ms).
        let started = Instant::now();
        fails_then_succeeds(&gate, 1, error(ErrorKind::Server, Some(Duration::from_secs(600)))).await;
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
            "waited {waited:?}"
        );
    }

    #[tokio::test]
    async fn gate_stops_after_the_attempts() {
        let gate = RequestGate::new(1000, fast_retry(3));
        let (e, calls) = always_failing(&gate, error(ErrorKind::Timeout, None)).await;
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn gate_does_not_retry_auth_bad_requests_or_not_ready() {
        let gate = RequestGate::new(1000, fast_retry(5));
        for kind in [
            ErrorKind::Auth,
            ErrorKind::NotReady,
            ErrorKind::BadRequest,
        ] {
            let (e, calls) = always_failing(&gate, error(kind, Some(Duration::from_millis(1)))).await;
            assert_eq!(e.kind, kind);
            assert_eq!(calls, 1, "{kind:?} was retried");
        }
    }

    #[tokio::test]
    async fn gate_waits_for_the_limiter_before_every_attempt() {
        // 10 per second: after the first, each attempt waits about 100 ms for the limiter.
        let gate = RequestGate::new(10, fast_retry(4));
        let started = Instant::now();
        let (_, calls) = always_failing(&gate, error(ErrorKind::Server, None)).await;
        assert_eq!(calls, 4);
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
    }
}
