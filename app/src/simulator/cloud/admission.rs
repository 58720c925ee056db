//! Admission: the shared state behind every provider port and the common request pipeline — count,
//! hold, latency, the credentials the signature checks look up, queued and random faults, and the
//! per-account rate limits (governor).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::{json, Value};

use super::accounts::SimAccount;
use super::ledger::{self, Ledger, LedgerLine};
use super::projects::ProjectBook;
use super::volcengine_iam::IamDirectory;
use super::CloudFault;
use crate::billing::model::Provider;
use crate::secret::Secret;
use crate::simulator::control::{lock, Counts, FaultQueue, Hold};

/// The default per-account limits: Volcengine's billing family is documented at 5 QPS
/// (docs/6269/1165275), Tencent's DescribeBillSummaryByProduct at 20/s (api/555/32374); the
/// others publish none for these APIs, so 10/s is assumed.
pub fn default_rate_limit(provider: Provider) -> u32 {
    match provider {
        Provider::Volcengine => 5,
        Provider::Tencent => 20,
        Provider::Aliyun | Provider::Baidu | Provider::DeepSeek => 10,
    }
}

type Limiter = DefaultKeyedRateLimiter<String>;

pub(super) struct Limit {
    pub(super) per_second: u32,
    limiter: Arc<Limiter>,
}

impl Limit {
    pub(super) fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        Limit {
            per_second: rate.get(),
            limiter: Arc::new(RateLimiter::keyed(Quota::per_second(rate))),
        }
    }
}

/// Which request counters a provider keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Count {
    Requests,
    Throttled,
    Faulted,
}

pub(super) struct RandomFaults {
    pub(super) per_mille: u32,
    pub(super) faults: Vec<CloudFault>,
    pub(super) rng: rand_chacha::ChaCha8Rng,
}

impl RandomFaults {
    fn draw(&mut self) -> Option<CloudFault> {
        use rand::Rng;
        if self.rng.gen_range(0..1000) >= self.per_mille {
            return None;
        }
        let i = self.rng.gen_range(0..self.faults.len());
        self.faults.get(i).cloned()
    }
}

pub(super) struct Core {
    accounts: Vec<SimAccount>,
    ledger: Ledger,
    /// Volcengine IAM's users, keys and policies per account.
    pub(super) iam: IamDirectory,
    /// Volcengine per-project spend.
    pub(super) projects: ProjectBook,
    pub(super) latency: Mutex<Duration>,
    pub(super) faults: FaultQueue<Provider, CloudFault>,
    pub(super) random_faults: Mutex<HashMap<Provider, RandomFaults>>,
    /// Shared by all providers: `hold_after(n)` counts every provider's requests together.
    pub(super) hold: Arc<Hold>,
    pub(super) limiters: Mutex<HashMap<Provider, Limit>>,
    counts: Counts<(Provider, Count)>,
    /// Alibaba `x-acs-signature-nonce`s seen, with when.
    nonces: Mutex<HashMap<String, Instant>>,
}

/// The real instant when `today` is the real Shanghai day, otherwise the current Shanghai time of
/// day on `today`.
fn sim_now(today: NaiveDate) -> chrono::DateTime<Utc> {
    let now = Utc::now();
    let local = now.with_timezone(&ledger::shanghai());
    if local.date_naive() == today {
        return now;
    }
    today
        .and_time(local.time())
        .and_local_timezone(ledger::shanghai())
        .single()
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// Why a request was turned away after authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rejection {
    /// `by_fault` tells a queued fault from the rate limit (Volcengine names them differently).
    Throttled {
        retry_after: Option<Duration>,
        by_fault: bool,
    },
    ServerError,
}

/// How to answer an admitted request.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Admission {
    pub malformed: bool,
    pub not_ready: bool,
}

impl Core {
    pub(super) fn new(accounts: Vec<SimAccount>, ledger: Ledger, latency: Duration) -> Self {
        let limiters = Provider::ALL
            .into_iter()
            .map(|p| (p, Limit::new(default_rate_limit(p))))
            .collect();
        let iam = IamDirectory::new(&accounts);
        let projects = ProjectBook::new(ledger.start(), sim_now(ledger.today()));
        Core {
            accounts,
            ledger,
            iam,
            projects,
            latency: Mutex::new(latency),
            faults: FaultQueue::default(),
            random_faults: Mutex::default(),
            hold: Arc::default(),
            limiters: Mutex::new(limiters),
            counts: Counts::default(),
            nonces: Mutex::default(),
        }
    }

    /// A counter's value (tests and `/__sim/stats`).
    pub(super) fn count(&self, provider: Provider, count: Count) -> u64 {
        self.counts.get((provider, count))
    }

    /// Counts the request, waits while held, and waits the configured latency.
    pub(super) async fn begin(&self, provider: Provider) {
        self.counts.bump((provider, Count::Requests));
        self.hold.wait().await;
        let latency = *lock(&self.latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }

    pub(super) fn account_by_key(&self, provider: Provider, key_id: &str) -> Option<&SimAccount> {
        self.accounts.iter().find(|a| {
            a.provider == provider && !a.access_key_id.is_empty() && a.access_key_id == key_id
        })
    }

    pub(super) fn accounts_of(&self, provider: Provider) -> impl Iterator<Item = &SimAccount> {
        self.accounts.iter().filter(move |a| a.provider == provider)
    }

    /// The lookup the signing `verify` functions take.
    pub(super) fn secret_lookup(&self, provider: Provider) -> impl Fn(&str) -> Option<Secret> + '_ {
        move |id| self.account_by_key(provider, id).map(|a| a.secret.clone())
    }

    pub(super) fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub(super) fn today(&self) -> NaiveDate {
        self.ledger.today()
    }

    /// "Now" for balances: the real instant when the ledger's today is the real Shanghai day,
    /// otherwise the current Shanghai time of day on the ledger's today.
    pub(super) fn sim_now(&self) -> chrono::DateTime<Utc> {
        sim_now(self.today())
    }

    /// Lines of `account` in `[from, to]` as the provider shows them today (late adjustments).
    pub(super) fn reported_lines(
        &self,
        account: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<LedgerLine> {
        let today = self.today();
        self.ledger
            .lines(account, from, to.min(today))
            .iter()
            .map(|line| self.ledger.as_reported(line, today))
            .collect()
    }

    /// False when `nonce` was already used by this key within the signature window.
    pub(super) fn fresh_nonce(&self, key_id: &str, nonce: &str, window: Duration) -> bool {
        let mut seen = lock(&self.nonces);
        let now = Instant::now();
        seen.retain(|_, at| now.duration_since(*at) <= window);
        seen.insert(format!("{key_id}\n{nonce}"), now).is_none()
    }

    /// Applies the next queued fault, then the account's rate limit.
    pub(super) async fn admit(
        &self,
        provider: Provider,
        account: &str,
    ) -> Result<Admission, Rejection> {
        let mut admission = Admission::default();
        let queued = self.faults.pop(provider);
        let fault = queued.or_else(|| lock(&self.random_faults).get_mut(&provider).and_then(RandomFaults::draw));
        if fault.is_some() {
            self.counts.bump((provider, Count::Faulted));
        }
        match fault {
            Some(CloudFault::Throttle { retry_after_s }) => {
                return Err(self.throttled_by(
                    provider,
                    retry_after_s.map(Duration::from_secs),
                    true,
                ));
            }
            Some(CloudFault::ServerError) => return Err(Rejection::ServerError),
            Some(CloudFault::Timeout { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
            Some(CloudFault::MalformedJson) => admission.malformed = true,
            Some(CloudFault::NotReady) => admission.not_ready = true,
            None => {}
        }
        match self.check_rate(provider, account) {
            Ok(()) => Ok(admission),
            Err(wait) => Err(self.throttled_by(provider, Some(wait), false)),
        }
    }

    fn check_rate(&self, provider: Provider, account: &str) -> Result<(), Duration> {
        let limiter = lock(&self.limiters)
            .get(&provider)
            .map(|l| l.limiter.clone());
        let Some(limiter) = limiter else {
            return Ok(());
        };
        limiter
            .check_key(&account.to_owned())
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    fn throttled_by(
        &self,
        provider: Provider,
        retry_after: Option<Duration>,
        by_fault: bool,
    ) -> Rejection {
        self.counts.bump((provider, Count::Throttled));
        Rejection::Throttled {
            retry_after,
            by_fault,
        }
    }

    pub(super) fn stats(&self, provider: Provider) -> Value {
        let limit = lock(&self.limiters).get(&provider).map(|l| l.per_second);
        json!({
            "provider": provider.slug(),
            "requests": self.count(provider, Count::Requests),
            "throttled": self.count(provider, Count::Throttled),
            "queued_faults": self.faults.len(provider),
            "rate_limit_per_second": limit,
            "held": self.hold.held(),
        })
    }
}


#[cfg(test)]
mod tests {
    use super::super::demo_accounts;
    use super::*;

    fn core() -> Core {
        let accounts = demo_accounts(1);
        let today = NaiveDate::from_ymd_opt(2026, 11, 18).expect("date");
        let ledger = Ledger::new(1, today, 1, &accounts);
        Core::new(accounts, ledger, Duration::ZERO)
    }

    #[tokio::test]
    async fn a_queued_fault_comes_before_the_per_account_rate_limit() {
        let core = core();
        // One request per hour per account: the second one of an account is always over the limit.
        let hourly = Limit { per_second: 1, limiter: Arc::new(RateLimiter::keyed(Quota::per_hour(NonZeroU32::MIN))) };
        lock(&core.limiters).insert(Provider::Tencent, hourly);
        core.faults.push(Provider::Tencent, CloudFault::MalformedJson);

        let first = core.admit(Provider::Tencent, "a").await.expect("the fault shapes the answer");
        assert!(first.malformed && !first.not_ready);
        let second = core.admit(Provider::Tencent, "a").await;
        assert!(matches!(second, Err(Rejection::Throttled { retry_after: Some(_), by_fault: false })), "{second:?}");
        let other = core.admit(Provider::Tencent, "b").await.expect("another account has its own bucket");
        assert!(!other.malformed);
        core.faults.push(Provider::Tencent, CloudFault::Throttle { retry_after_s: Some(2) });
        let faulted = core.admit(Provider::Tencent, "c").await;
        assert_eq!(faulted.err(), Some(Rejection::Throttled { retry_after: Some(Duration::from_secs(2)), by_fault: true }));

        assert_eq!(core.count(Provider::Tencent, Count::Faulted), 2);
        assert_eq!(core.count(Provider::Tencent, Count::Throttled), 2);
        assert_eq!(core.count(Provider::Aliyun, Count::Faulted), 0);
    }
}
