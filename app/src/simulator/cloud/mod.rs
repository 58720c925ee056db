//! A LocalStack-like local simulator of five clouds' billing APIs: Alibaba BSS, Volcengine
//! billing, Tencent billing, Baidu billing and DeepSeek's balance. Each provider listens on its own
//! 127.0.0.1 port with the real paths, signatures (checked with `crate::signing`), envelopes
//! and error bodies of docs/providers.md, over deterministic demo data
//! ([`Ledger`]). Switches: latency, queued faults, per-account rate limits.
//!
//! Every provider port also serves, without auth (the simulator binds localhost only):
//! `POST /__sim/faults` with a [`CloudFault`] as JSON (`{"fault":"throttle","retry_after_s":1}`),
//! `GET /__sim/stats` → `{"provider","requests","throttled","queued_faults","rate_limit_per_second","held"}`,
//! `POST /__sim/hold` with `{"after": n}` (let n more requests through, hold the rest) and
//! `POST /__sim/release`.
//!
//! Request order: count → latency → authenticate → fault (FIFO per provider) → rate limit (per
//! account, governor) → action.

mod aliyun;
mod baidu;
mod deepseek;
pub mod ledger;
mod tencent;
mod volcengine;

pub use ledger::{Ledger, LedgerLine, Surprises};

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{NaiveDate, Utc};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::billing::model::Provider;
use crate::signing::SignableRequest;
use crate::secret::Secret;

/// Bodies above this are cut (the signature then fails); billing requests are tiny.
const MAX_BODY_BYTES: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// One simulated cloud account and its credentials. `Debug` hides the secret.
#[derive(Clone, Debug)]
pub struct SimAccount {
    pub provider: Provider,
    /// Our id, e.g. `aliyun-main`.
    pub name: String,
    pub display_name: String,
    /// The provider's own account id (Alibaba's 16 digits, Volcengine's integer, Tencent's UIN,
    /// Baidu's hex id).
    pub provider_account_id: String,
    /// DeepSeek: empty.
    pub access_key_id: String,
    /// The secret key; DeepSeek: the API key (Bearer).
    pub secret: Secret,
    /// Volcengine: `cn-beijing`.
    pub region: Option<String>,
}

/// The six demo accounts, with credentials derived from `seed` (stable for a seed).
pub fn demo_accounts(seed: u64) -> Vec<SimAccount> {
    let account =
        |provider, name: &str, display: &str, id: String, key: String, secret: String| SimAccount {
            provider,
            name: name.to_owned(),
            display_name: display.to_owned(),
            provider_account_id: id,
            access_key_id: key,
            secret: Secret::new(secret),
            region: (provider == Provider::Volcengine).then(|| "cn-beijing".to_owned()),
        };
    let d = |name: &str, purpose: &str| derived(seed, name, purpose);
    vec![
        account(
            Provider::Aliyun,
            "aliyun-main",
            "阿里云 主账号",
            digits(&d("aliyun-main", "id"), 16),
            format!("LTAI5t{}", alnum(&d("aliyun-main", "ak"), 18)),
            alnum(&d("aliyun-main", "sk"), 30),
        ),
        account(
            Provider::Aliyun,
            "aliyun-dev",
            "阿里云 开发测试",
            digits(&d("aliyun-dev", "id"), 16),
            format!("LTAI5t{}", alnum(&d("aliyun-dev", "ak"), 18)),
            alnum(&d("aliyun-dev", "sk"), 30),
        ),
        account(
            Provider::Volcengine,
            "volc-ark",
            "火山引擎 方舟",
            format!("21{}", digits(&d("volc-ark", "id"), 8)),
            format!("AKLT{}", alnum(&d("volc-ark", "ak"), 40)),
            alnum(&d("volc-ark", "sk"), 56),
        ),
        account(
            Provider::Tencent,
            "tencent-prod",
            "腾讯云 生产",
            format!("1000{}", digits(&d("tencent-prod", "id"), 8)),
            format!("AKID{}", alnum(&d("tencent-prod", "ak"), 32)),
            alnum(&d("tencent-prod", "sk"), 32),
        ),
        account(
            Provider::Baidu,
            "baidu-qianfan",
            "百度智能云 千帆",
            d("baidu-qianfan", "id")[..32].to_owned(),
            d("baidu-qianfan", "ak")[..32].to_owned(),
            d("baidu-qianfan", "sk")[..32].to_owned(),
        ),
        account(
            Provider::DeepSeek,
            "deepseek-team",
            "DeepSeek 团队",
            String::new(),
            String::new(),
            format!("sk-{}", &d("deepseek-team", "key")[..32]),
        ),
    ]
}

#[derive(Clone, Debug)]
pub struct CloudSimSettings {
    pub seed: u64,
    /// The last day with bills; `None` = today in Asia/Shanghai when spawned.
    pub today: Option<NaiveDate>,
    pub history_months: u32,
    /// Added before every answer.
    pub latency: Duration,
}

impl CloudSimSettings {
    /// No latency, today in Asia/Shanghai, 6 months of history.
    pub fn fast(seed: u64) -> Self {
        CloudSimSettings {
            seed,
            today: None,
            history_months: 6,
            latency: Duration::ZERO,
        }
    }

    fn resolved_today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| Utc::now().with_timezone(&ledger::shanghai()).date_naive())
    }
}

/// A misbehaviour queued for the next authenticated request to one provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum CloudFault {
    /// The provider's throttling error. The wait goes into Alibaba's `x-acs-retry-after` (ms),
    /// or a `Retry-After` (s) for Volcengine, Baidu and DeepSeek; Tencent answers HTTP 200.
    Throttle { retry_after_s: Option<u64> },
    /// A 5xx in the provider's error shape.
    ServerError,
    /// Sleeps this long, then answers normally.
    Timeout { ms: u64 },
    /// HTTP 200 with the first half of the JSON answer.
    MalformedJson,
    /// Tencent: `Ready: 0` with empty lists; ignored by the others.
    NotReady,
}

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

/// Handle on a running simulator.
#[derive(Clone)]
pub struct CloudSimControl {
    core: Arc<Core>,
}

impl CloudSimControl {
    /// Queues `fault` for `provider`; each authenticated request takes one (FIFO).
    pub fn push_fault(&self, provider: Provider, fault: CloudFault) {
        tracing::debug!(?provider, ?fault, "cloud simulator fault queued");
        lock(&self.core.faults)
            .entry(provider)
            .or_default()
            .push_back(fault);
    }

    /// Delay added before every answer of every provider.
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.core.latency) = latency;
    }

    /// Requests received (control endpoints excluded).
    pub fn requests(&self, provider: Provider) -> u64 {
        self.core
            .counters(provider)
            .requests
            .load(Ordering::Relaxed)
    }

    /// Throttling errors answered, by fault or by rate limit.
    pub fn throttled(&self, provider: Provider) -> u64 {
        self.core
            .counters(provider)
            .throttled
            .load(Ordering::Relaxed)
    }

    /// Requests per second per account (burst the same); 0 counts as 1. Resets the buckets.
    pub fn set_rate_limit(&self, provider: Provider, per_second: u32) {
        lock(&self.core.limiters).insert(provider, Limit::new(per_second));
    }

    /// Faults at random, for soak tests: an authenticated request with no queued fault gets one
    /// of `faults` with probability `per_mille`/1000, drawn by a generator seeded with `seed`
    /// (which requests fail depends on their order; how many fail, on the seed). 0 turns it off.
    pub fn set_fault_rate(&self, provider: Provider, per_mille: u32, faults: Vec<CloudFault>, seed: u64) {
        use rand::SeedableRng;
        let mut random = lock(&self.core.random_faults);
        if per_mille == 0 || faults.is_empty() {
            random.remove(&provider);
        } else {
            random.insert(provider, RandomFaults { per_mille: per_mille.min(1000), faults, rng: rand_chacha::ChaCha8Rng::seed_from_u64(seed) });
        }
    }

    /// Lets `n` more requests through (all providers together), then holds every further one
    /// until [`release`](Self::release): a test stops a sync mid-way at a point it chooses.
    pub fn hold_after(&self, n: u64) {
        *lock(&self.core.hold) = Some(n);
    }

    pub fn release(&self) {
        *lock(&self.core.hold) = None;
        self.core.released.notify_waiters();
    }

    /// Requests waiting because of [`hold_after`](Self::hold_after).
    pub fn held(&self) -> u64 {
        self.core.held.load(Ordering::SeqCst)
    }

    /// Faults applied so far (queued and random).
    pub fn faults_applied(&self, provider: Provider) -> u64 {
        self.core.counters(provider).faulted.load(Ordering::Relaxed)
    }

    /// Drops the faults still queued for `provider`.
    pub fn clear_faults(&self, provider: Provider) {
        lock(&self.core.faults).remove(&provider);
    }

    pub fn queued_faults(&self, provider: Provider) -> usize {
        lock(&self.core.faults)
            .get(&provider)
            .map_or(0, VecDeque::len)
    }
}

pub struct CloudSim {
    pub endpoints: BTreeMap<Provider, SocketAddr>,
    pub accounts: Vec<SimAccount>,
    pub control: CloudSimControl,
    pub ledger: Ledger,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl CloudSim {
    /// `http://127.0.0.1:port` of `provider`.
    pub fn base_url(&self, provider: Provider) -> Option<String> {
        self.endpoints
            .get(&provider)
            .map(|addr| format!("http://{addr}"))
    }

    pub fn account(&self, name: &str) -> Option<&SimAccount> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// Stops the servers (dropping `CloudSim` leaves them running).
    pub fn shutdown(&self) {
        self.tasks.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

/// Starts one server per provider, each on its own 127.0.0.1 port.
pub async fn spawn(settings: CloudSimSettings) -> std::io::Result<CloudSim> {
    let accounts = demo_accounts(settings.seed);
    let today = settings.resolved_today();
    let ledger = Ledger::new(settings.seed, today, settings.history_months, &accounts);
    let core = Arc::new(Core::new(
        accounts.clone(),
        ledger.clone(),
        settings.latency,
    ));
    let mut endpoints = BTreeMap::new();
    let mut tasks = Vec::new();
    for provider in Provider::ALL {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let app =
            provider_router(core.clone(), provider).merge(control_router(core.clone(), provider));
        tasks.push(tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::warn!(%err, ?provider, "cloud simulator stopped");
            }
        }));
        endpoints.insert(provider, addr);
    }
    tracing::debug!(?endpoints, %today, "cloud simulator listening");
    Ok(CloudSim {
        endpoints,
        accounts,
        control: CloudSimControl { core },
        ledger,
        tasks,
    })
}

fn provider_router(core: Arc<Core>, provider: Provider) -> Router {
    match provider {
        Provider::Aliyun => aliyun::router(core),
        Provider::Volcengine => volcengine::router(core),
        Provider::Tencent => tencent::router(core),
        Provider::Baidu => baidu::router(core),
        Provider::DeepSeek => deepseek::router(core),
    }
}

// ---------------------------------------------------------------------------------------------
// Shared state and the common request pipeline
// ---------------------------------------------------------------------------------------------

type Limiter = DefaultKeyedRateLimiter<String>;

struct Limit {
    per_second: u32,
    limiter: Arc<Limiter>,
}

impl Limit {
    fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        Limit {
            per_second: rate.get(),
            limiter: Arc::new(RateLimiter::keyed(Quota::per_second(rate))),
        }
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    throttled: AtomicU64,
    faulted: AtomicU64,
}

struct RandomFaults {
    per_mille: u32,
    faults: Vec<CloudFault>,
    rng: rand_chacha::ChaCha8Rng,
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
    latency: Mutex<Duration>,
    faults: Mutex<HashMap<Provider, VecDeque<CloudFault>>>,
    random_faults: Mutex<HashMap<Provider, RandomFaults>>,
    /// Requests still let through before holding; `None`: no hold.
    hold: Mutex<Option<u64>>,
    released: tokio::sync::Notify,
    held: AtomicU64,
    limiters: Mutex<HashMap<Provider, Limit>>,
    counters: BTreeMap<Provider, Counters>,
    /// Alibaba `x-acs-signature-nonce`s seen, with when.
    nonces: Mutex<HashMap<String, Instant>>,
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
    fn new(accounts: Vec<SimAccount>, ledger: Ledger, latency: Duration) -> Self {
        let limiters = Provider::ALL
            .into_iter()
            .map(|p| (p, Limit::new(default_rate_limit(p))))
            .collect();
        Core {
            accounts,
            ledger,
            latency: Mutex::new(latency),
            faults: Mutex::default(),
            random_faults: Mutex::default(),
            hold: Mutex::default(),
            released: tokio::sync::Notify::new(),
            held: AtomicU64::new(0),
            limiters: Mutex::new(limiters),
            counters: Provider::ALL
                .into_iter()
                .map(|p| (p, Counters::default()))
                .collect(),
            nonces: Mutex::default(),
        }
    }

    fn counters(&self, provider: Provider) -> &Counters {
        // Every provider has an entry (built from Provider::ALL).
        static EMPTY: Counters = Counters {
            requests: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            faulted: AtomicU64::new(0),
        };
        self.counters.get(&provider).unwrap_or(&EMPTY)
    }

    /// Counts the request, waits while held, and waits the configured latency.
    pub(super) async fn begin(&self, provider: Provider) {
        self.counters(provider)
            .requests
            .fetch_add(1, Ordering::Relaxed);
        self.wait_while_held().await;
        let latency = *lock(&self.latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }

    async fn wait_while_held(&self) {
        let must_wait = match lock(&self.hold).as_mut() {
            None => false,
            Some(0) => true,
            Some(n) => {
                *n -= 1;
                false
            }
        };
        if !must_wait {
            return;
        }
        self.held.fetch_add(1, Ordering::SeqCst);
        loop {
            // Registered before the check, so a release between the two is not missed.
            let released = self.released.notified();
            if lock(&self.hold).is_none() {
                break;
            }
            released.await;
        }
        self.held.fetch_sub(1, Ordering::SeqCst);
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
        let now = Utc::now();
        let local = now.with_timezone(&ledger::shanghai());
        if local.date_naive() == self.today() {
            return now;
        }
        self.today()
            .and_time(local.time())
            .and_local_timezone(ledger::shanghai())
            .single()
            .map_or(now, |t| t.with_timezone(&Utc))
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
        let queued = lock(&self.faults)
            .get_mut(&provider)
            .and_then(VecDeque::pop_front);
        let fault = queued.or_else(|| lock(&self.random_faults).get_mut(&provider).and_then(RandomFaults::draw));
        if let Some(fault) = &fault {
            tracing::debug!(?provider, ?fault, "cloud simulator fault applied");
            self.counters(provider).faulted.fetch_add(1, Ordering::Relaxed);
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
        self.counters(provider)
            .throttled
            .fetch_add(1, Ordering::Relaxed);
        Rejection::Throttled {
            retry_after,
            by_fault,
        }
    }

    fn stats(&self, provider: Provider) -> Value {
        let limit = lock(&self.limiters).get(&provider).map(|l| l.per_second);
        json!({
            "provider": provider.slug(),
            "requests": self.counters(provider).requests.load(Ordering::Relaxed),
            "throttled": self.counters(provider).throttled.load(Ordering::Relaxed),
            "queued_faults": lock(&self.faults).get(&provider).map_or(0, VecDeque::len),
            "rate_limit_per_second": limit,
            "held": self.held.load(Ordering::SeqCst),
        })
    }
}

/// A poisoned lock only means another handler panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A provider error before it is put into the provider's body shape.
#[derive(Debug, Clone)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(super) fn retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Request and response helpers
// ---------------------------------------------------------------------------------------------

/// What the signatures cover, rebuilt from the received request as the `verify` docs ask:
/// decoded path and query (URL order), the headers as received, `Host` as the host.
pub(super) async fn read_request(request: Request) -> SignableRequest {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let host = parts
        .headers
        .get(header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .or_else(|| parts.uri.authority().map(ToString::to_string))
        .unwrap_or_default();
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    SignableRequest {
        method: parts.method.as_str().to_owned(),
        host,
        path: percent_decode(parts.uri.path()),
        query,
        headers,
        body: body.to_vec(),
    }
}

/// 411 for a POST or PUT that states no length (no `Content-Length`, not chunked), as some
/// gateways answer; the official SDKs send `Content-Length: 0` with an empty body.
pub(super) fn length_required(request: &Request) -> Option<Response> {
    let has_body_method = matches!(request.method().as_str(), "POST" | "PUT" | "PATCH");
    let headers = request.headers();
    let stated =
        headers.contains_key(header::CONTENT_LENGTH) || headers.contains_key(header::TRANSFER_ENCODING);
    (has_body_method && !stated)
        .then(|| (StatusCode::LENGTH_REQUIRED, "Length Required").into_response())
}

/// `%XY` decoded (a broken escape stays as it is); `+` is literal in a path.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of query parameter `name` (exact case).
pub(super) fn query_param<'a>(request: &'a SignableRequest, name: &str) -> Option<&'a str> {
    request
        .query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// Adds `Retry-After` in whole seconds, rounded up (not documented by Volcengine, Baidu or
/// DeepSeek; a standard hint a client may use).
pub(super) fn with_retry_after(mut response: Response, wait: Option<Duration>) -> Response {
    if let Some(wait) = wait {
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
    }
    response
}

/// A 200 answer; with the MalformedJson fault, only the first half of it.
pub(super) fn success_response(body: &Value, admission: Admission) -> Response {
    let text = body.to_string();
    let text = if admission.malformed {
        truncated(&text).to_owned()
    } else {
        text
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        text,
    )
        .into_response()
}

/// The first half of a JSON text (on a char boundary), which never parses.
fn truncated(text: &str) -> &str {
    let mut cut = text.len() / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// A random request id (request ids are not part of the deterministic data).
pub(super) fn request_id() -> String {
    super::uuid_like(true)
}

/// Strict `YYYY-MM` → first day of that month.
pub(super) fn parse_month(text: &str) -> Option<NaiveDate> {
    let first = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()?;
    (first.format("%Y-%m").to_string() == text).then_some(first)
}

/// Strict `YYYY-MM-DD`.
pub(super) fn parse_day(text: &str) -> Option<NaiveDate> {
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    (day.format("%Y-%m-%d").to_string() == text).then_some(day)
}

/// Months from `earlier` to `later` (both any day in their month).
pub(super) fn months_between(earlier: NaiveDate, later: NaiveDate) -> i64 {
    use chrono::Datelike;
    (i64::from(later.year()) * 12 + i64::from(later.month0()))
        - (i64::from(earlier.year()) * 12 + i64::from(earlier.month0()))
}

/// Two decimals, as a string (`"12.30"`).
pub(super) fn money(amount: Decimal) -> String {
    format!("{:.2}", amount.round_dp(2))
}

/// Two decimals, as a JSON number: Alibaba's bill amounts and Baidu's are JSON floats on the wire,
/// so the simulator emits floats too (a 2-dp value round-trips exactly); clients read them back
/// through their decimal text, never as `f64`.
pub(super) fn money_number(amount: Decimal) -> Value {
    amount
        .round_dp(2)
        .to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// Bill lines summed per day and/or product, ordered by (day, product code).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub date: Option<NaiveDate>,
    pub product_code: Option<String>,
    pub product_name: String,
    pub pretax: Decimal,
    pub payable: Decimal,
}

pub(super) fn aggregate(lines: &[LedgerLine], by_day: bool, by_product: bool) -> Vec<Row> {
    let mut rows: BTreeMap<(Option<NaiveDate>, Option<String>), Row> = BTreeMap::new();
    for line in lines {
        let date = by_day.then_some(line.date);
        let code = by_product.then(|| line.product_code.clone());
        let row = rows.entry((date, code.clone())).or_insert_with(|| Row {
            date,
            product_code: code,
            product_name: if by_product {
                line.product_name.clone()
            } else {
                String::new()
            },
            pretax: Decimal::ZERO,
            payable: Decimal::ZERO,
        });
        row.pretax += line.pretax;
        row.payable += line.payable;
    }
    rows.into_values().collect()
}

/// `limit` items from `offset` (a page past the end is empty).
pub(super) fn page<T: Clone>(items: &[T], offset: usize, limit: usize) -> Vec<T> {
    items.iter().skip(offset).take(limit).cloned().collect()
}

// ---------------------------------------------------------------------------------------------
// Control endpoints
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct ControlState {
    core: Arc<Core>,
    provider: Provider,
}

fn control_router(core: Arc<Core>, provider: Provider) -> Router {
    Router::new()
        .route("/__sim/faults", post(control_fault))
        .route("/__sim/stats", get(control_stats))
        .route("/__sim/hold", post(control_hold))
        .route("/__sim/release", post(control_release))
        .with_state(ControlState { core, provider })
}

/// `POST /__sim/hold` with `{"after": n}`: [`CloudSimControl::hold_after`] for a test driving
/// the server from outside (a browser test holds a sync mid-way, then releases it).
async fn control_hold(State(state): State<ControlState>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Hold {
        after: u64,
    }
    match serde_json::from_slice::<Hold>(&body) {
        Ok(h) => {
            CloudSimControl { core: state.core.clone() }.hold_after(h.after);
            json_response(StatusCode::OK, &json!({"hold_after": h.after}))
        }
        Err(err) => json_response(StatusCode::BAD_REQUEST, &json!({"error": format!("bad hold: {err}")})),
    }
}

/// `POST /__sim/release`: lets every held request go on.
async fn control_release(State(state): State<ControlState>) -> Response {
    let control = CloudSimControl { core: state.core.clone() };
    control.release();
    json_response(StatusCode::OK, &json!({"released": true}))
}

async fn control_fault(State(state): State<ControlState>, body: Bytes) -> Response {
    match serde_json::from_slice::<CloudFault>(&body) {
        Ok(fault) => {
            let control = CloudSimControl {
                core: state.core.clone(),
            };
            control.push_fault(state.provider, fault);
            json_response(
                StatusCode::OK,
                &json!({"queued": control.queued_faults(state.provider)}),
            )
        }
        Err(err) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": format!("bad fault: {err}")}),
        ),
    }
}

async fn control_stats(State(state): State<ControlState>) -> Response {
    json_response(StatusCode::OK, &state.core.stats(state.provider))
}

// ---------------------------------------------------------------------------------------------
// Demo credentials
// ---------------------------------------------------------------------------------------------

/// 64 hex chars derived from the seed, the account and a purpose.
fn derived(seed: u64, name: &str, purpose: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update(name.as_bytes());
    hasher.update([0]);
    hasher.update(purpose.as_bytes());
    hex::encode(hasher.finalize())
}

fn digits(hex: &str, n: usize) -> String {
    let mut out: String = hex
        .bytes()
        .map(|b| char::from(b'0' + b % 10))
        .take(n)
        .collect();
    // Account ids do not start with 0.
    if out.starts_with('0') {
        out.replace_range(..1, "1");
    }
    out
}

fn alnum(hex: &str, n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = hex::decode(hex).unwrap_or_default();
    bytes
        .iter()
        .cycle()
        .enumerate()
        .take(n)
        .map(|(i, b)| char::from(ALPHABET[(usize::from(*b) + i * 7) % ALPHABET.len()]))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Test support shared by the provider modules
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
pub(super) mod testkit {
    use super::*;
    use crate::signing::rfc3986_encode;

    pub fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 18).expect("date")
    }

    pub async fn start() -> CloudSim {
        let settings = CloudSimSettings {
            today: Some(today()),
            ..CloudSimSettings::fast(7)
        };
        spawn(settings).await.expect("simulator starts")
    }

    pub fn account(sim: &CloudSim, name: &str) -> SimAccount {
        sim.account(name).expect("demo account").clone()
    }

    pub fn host(sim: &CloudSim, provider: Provider) -> String {
        sim.endpoints[&provider].to_string()
    }

    pub struct Reply {
        pub status: StatusCode,
        pub headers: reqwest::header::HeaderMap,
        pub text: String,
    }

    impl Reply {
        pub fn json(&self) -> Value {
            serde_json::from_str(&self.text)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
        }
    }

    /// Sends exactly `request` (its host, path, query, headers and body) over HTTP.
    pub async fn send(request: &SignableRequest) -> Reply {
        let query: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", rfc3986_encode(k, false), rfc3986_encode(v, false)))
            .collect();
        let mut url = format!(
            "http://{}{}",
            request.host,
            rfc3986_encode(&request.path, true)
        );
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("method");
        let mut builder = reqwest::Client::new()
            .request(method, url)
            .body(request.body.clone());
        if request.body.is_empty() && request.method != "GET" {
            // reqwest states no length for an empty body; the SDKs send 0.
            builder = builder.header(header::CONTENT_LENGTH, "0");
        }
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let response = builder.send().await.expect("request reaches the simulator");
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        }
    }

    /// Payable total of `account` in the month starting `first`, as reported today.
    pub fn reported_month(sim: &CloudSim, account: &str, first: NaiveDate) -> (Decimal, Decimal) {
        sim.ledger
            .lines(account, first, ledger::month_end(first))
            .iter()
            .map(|l| sim.ledger.as_reported(l, today()))
            .fold((Decimal::ZERO, Decimal::ZERO), |(p, q), l| {
                (p + l.pretax, q + l.payable)
            })
    }

    /// A JSON number or numeric string as an exact decimal.
    pub fn decimal(value: &Value) -> Decimal {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.parse()
            .unwrap_or_else(|_| panic!("not an amount: {value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;

    #[test]
    fn account_debug_hides_the_secret() {
        for account in demo_accounts(1) {
            let text = format!("{account:?}");
            assert!(!text.contains(account.secret.expose()), "{text}");
        }
    }

    #[test]
    fn demo_credentials_are_stable_and_distinct() {
        let (a, b) = (demo_accounts(1), demo_accounts(1));
        let keys: Vec<&str> = a.iter().map(|x| x.secret.expose()).collect();
        assert_eq!(
            keys,
            b.iter().map(|x| x.secret.expose()).collect::<Vec<_>>()
        );
        assert_ne!(
            keys,
            demo_accounts(2)
                .iter()
                .map(|x| x.secret.expose())
                .collect::<Vec<_>>()
        );
        let main = &a[0];
        assert!(main.access_key_id.starts_with("LTAI5t") && main.access_key_id.len() == 24);
        assert_eq!(main.provider_account_id.len(), 16);
        assert!(a[5].secret.expose().starts_with("sk-") && a[5].access_key_id.is_empty());
        assert_eq!(a[2].region.as_deref(), Some("cn-beijing"));
    }

    #[test]
    fn fault_json_round_trips() {
        let fault: CloudFault =
            serde_json::from_str(r#"{"fault":"throttle","retry_after_s":1}"#).expect("fault");
        assert_eq!(
            fault,
            CloudFault::Throttle {
                retry_after_s: Some(1)
            }
        );
        assert_eq!(
            serde_json::to_string(&CloudFault::Timeout { ms: 5 }).expect("json"),
            r#"{"fault":"timeout","ms":5}"#
        );
        assert_eq!(
            serde_json::from_str::<CloudFault>(r#"{"fault":"not_ready"}"#).expect("fault"),
            CloudFault::NotReady
        );
    }

    #[test]
    fn helpers_parse_strictly_and_page_stably() {
        assert_eq!(parse_month("2026-11"), NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(parse_month("2026-1"), None);
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(
            parse_day("2026-11-05"),
            NaiveDate::from_ymd_opt(2026, 11, 5)
        );
        assert_eq!(parse_day("2026-11-5"), None);
        assert_eq!(percent_decode("/a%20b%2Fc%zz+%+1"), "/a b/c%zz+%+1");
        let text = "{\"a\":\"数据\"}";
        assert!(serde_json::from_str::<Value>(truncated(text)).is_err());
        assert_eq!(page(&[1, 2, 3, 4, 5], 3, 10), vec![4, 5]);
        assert!(page(&[1, 2], 5, 1).is_empty());
        assert_eq!(money(Decimal::new(123, 1)), "12.30");
        assert_eq!(money_number(Decimal::new(-1234, 2)), json!(-12.34));
        let may = NaiveDate::from_ymd_opt(2024, 11, 30).expect("date");
        assert_eq!(months_between(may, today()), 24);
    }

    #[tokio::test]
    async fn control_endpoints_over_http() {
        let sim = start().await;
        let client = reqwest::Client::new();
        let base = sim.base_url(Provider::Tencent).expect("tencent");
        let response = client
            .post(format!("{base}/__sim/faults"))
            .body(r#"{"fault":"throttle","retry_after_s":1}"#)
            .send()
            .await
            .expect("fault");
        assert_eq!(response.status(), 200);
        let response = client
            .post(format!("{base}/__sim/faults"))
            .body(r#"{"fault":"meteor"}"#)
            .send()
            .await
            .expect("fault");
        assert_eq!(response.status(), 400);
        assert_eq!(sim.control.queued_faults(Provider::Tencent), 1);
        assert_eq!(sim.control.queued_faults(Provider::Aliyun), 0);
        sim.control.set_rate_limit(Provider::Tencent, 3);
        let stats: Value = client
            .get(format!("{base}/__sim/stats"))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        assert_eq!(
            stats,
            json!({"provider": "tencent", "requests": 0, "throttled": 0, "queued_faults": 1, "rate_limit_per_second": 3, "held": 0})
        );
        sim.shutdown();
    }
}
