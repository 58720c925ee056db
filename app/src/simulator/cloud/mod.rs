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
//! account, governor) → action; the steps up to authentication are `provider_router`'s, the rest
//! each provider module's `answer`. The files: [`accounts`] (demo credentials), [`admission`] (that
//! pipeline), [`http`] (request and answer helpers, the providers' refusal wording as data), one
//! module per provider (tests of the larger ones in `<provider>/tests.rs`), and [`ledger`].

mod accounts;
mod admission;
mod aliyun;
mod baidu;
mod deepseek;
mod http;
pub mod ledger;
mod projects;
mod tencent;
#[cfg(test)]
mod testkit;
mod volcengine;
mod volcengine_control;
mod volcengine_iam;

pub use accounts::{demo_accounts, spare_accounts, SimAccount};
pub use admission::default_rate_limit;
pub use ledger::{Ledger, LedgerLine, Surprises};
pub use projects::{DemoProject, DEMO_PROJECTS};

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

// What the provider modules take from `super`.
use admission::{Admission, Core, Count, Limit, RandomFaults, Rejection};
use http::{
    aggregate, json_response, length_required, money, money_number, months_between, page, parse_day,
    parse_month, query_param, read_request, request_id, success_response, with_retry_after, ApiError,
    Refusals, Row, JSON,
};

use crate::billing::model::Provider;
use crate::simulator::control::{fault_route, hold_routes, lock};

#[derive(Clone, Debug)]
pub struct CloudSimSettings {
    pub seed: u64,
    /// The last day with bills; `None` = today in Asia/Shanghai when spawned.
    pub today: Option<NaiveDate>,
    pub history_months: u32,
    /// Added before every answer.
    pub latency: Duration,
    /// How many times faster Volcengine project spend accrues than the clock (`SUANPAN_SIM_SPEEDUP`;
    /// 1 = real pace): the quota demo crosses its steps in minutes.
    pub speedup: u32,
}

impl CloudSimSettings {
    /// No latency, today in Asia/Shanghai, 6 months of history.
    pub fn fast(seed: u64) -> Self {
        CloudSimSettings {
            seed,
            today: None,
            history_months: 6,
            latency: Duration::ZERO,
            speedup: 1,
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

/// Handle on a running simulator.
#[derive(Clone)]
pub struct CloudSimControl {
    core: Arc<Core>,
}

impl CloudSimControl {
    /// Queues `fault` for `provider`; each authenticated request takes one (FIFO).
    pub fn push_fault(&self, provider: Provider, fault: CloudFault) {
        self.core.faults.push(provider, fault);
    }

    /// Delay added before every answer of every provider.
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.core.latency) = latency;
    }

    /// Requests received (control endpoints excluded).
    pub fn requests(&self, provider: Provider) -> u64 {
        self.core.count(provider, Count::Requests)
    }

    /// Throttling errors answered, by fault or by rate limit.
    pub fn throttled(&self, provider: Provider) -> u64 {
        self.core.count(provider, Count::Throttled)
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
        self.core.hold.hold_after(n);
    }

    pub fn release(&self) {
        self.core.hold.release();
    }

    /// Requests waiting because of [`hold_after`](Self::hold_after).
    pub fn held(&self) -> u64 {
        self.core.hold.held()
    }

    /// Faults applied so far (queued and random).
    pub fn faults_applied(&self, provider: Provider) -> u64 {
        self.core.count(provider, Count::Faulted)
    }

    /// Drops the faults still queued for `provider`.
    pub fn clear_faults(&self, provider: Provider) {
        self.core.faults.clear(provider);
    }

    pub fn queued_faults(&self, provider: Provider) -> usize {
        self.core.faults.len(provider)
    }

    /// Sets what Volcengine `project` of `account` owes for the month starting `month`, exactly
    /// (as `POST /__sim/volcengine/project-spend`).
    pub fn set_project_spend(&self, account: &str, project: &str, month: NaiveDate, amount: rust_decimal::Decimal) {
        self.core.projects.set(account, project, month, amount);
    }

    /// `user` of Volcengine `account` as `GET /__sim/volcengine/iam/users/{name}` shows it.
    pub fn iam_user(&self, account: &str, user: &str) -> Option<serde_json::Value> {
        self.core.iam.user(account, user).map(|u| volcengine_control::user_view(account, &u))
    }
}


pub struct CloudSim {
    pub endpoints: BTreeMap<Provider, SocketAddr>,
    /// The demo's accounts (the app is configured with these).
    pub accounts: Vec<SimAccount>,
    /// Served too, but left for the settings page ([`spare_accounts`]).
    pub spare: Vec<SimAccount>,
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
    let spare = spare_accounts(settings.seed);
    let served: Vec<SimAccount> = accounts.iter().chain(&spare).cloned().collect();
    let today = settings.resolved_today();
    let ledger = Ledger::new(settings.seed, today, settings.history_months, &served);
    let core = Core::new(served, ledger.clone(), settings.latency);
    core.projects.set_speedup(settings.speedup);
    let core = Arc::new(core);
    let mut endpoints = BTreeMap::new();
    let mut tasks = Vec::new();
    for provider in Provider::ALL {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let spare_here: Vec<SimAccount> = spare.iter().filter(|a| a.provider == provider).cloned().collect();
        let mut app = provider_router(core.clone(), provider)
            .merge(control_router(core.clone(), provider))
            .merge(spare_router(spare_here));
        if provider == Provider::Volcengine {
            app = app.merge(volcengine_control::routes(core.clone()));
        }
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
        spare,
        control: CloudSimControl { core },
        ledger,
        tasks,
    })
}

/// One provider's port: each request is counted, held, delayed, refused without a stated length
/// and rebuilt as its signature sees it, then the provider's module answers it.
fn provider_router(core: Arc<Core>, provider: Provider) -> Router {
    let serve = move |State(core): State<Arc<Core>>, request: Request| async move {
        core.begin(provider).await;
        // DeepSeek's one endpoint is a GET; no length rule applies there.
        if provider != Provider::DeepSeek {
            if let Some(refused) = length_required(&request) {
                return refused;
            }
        }
        // Tencent verifies a GET's query string as sent: kept before it is decoded.
        let raw_query = request.uri().query().unwrap_or_default().to_owned();
        let request = read_request(request).await;
        match provider {
            Provider::Aliyun => aliyun::answer(&core, request).await,
            Provider::Volcengine => volcengine::answer(&core, request).await,
            Provider::Tencent => tencent::answer(&core, request, &raw_query).await,
            Provider::Baidu => baidu::answer(&core, request).await,
            Provider::DeepSeek => deepseek::answer(&core, request).await,
        }
    };
    Router::new().fallback(serve).with_state(core)
}

// ---------------------------------------------------------------------------------------------
// Control endpoints (faults, hold and release come from the shared `simulator::control`)
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct ControlState {
    core: Arc<Core>,
    provider: Provider,
}

fn control_router(core: Arc<Core>, provider: Provider) -> Router {
    let state = ControlState { core: core.clone(), provider };
    let queue = |state: &ControlState, fault: CloudFault| state.core.faults.push(state.provider, fault);
    Router::new()
        .route("/__sim/stats", get(control_stats))
        .with_state(state.clone())
        .merge(fault_route(state, JSON, queue))
        .merge(hold_routes(core.hold.clone(), JSON))
}

/// `GET /__sim/spare-accounts`: this provider's spare accounts with their keys, as an admin
/// would copy them from the provider's console into the settings page.
fn spare_router(spare: Vec<SimAccount>) -> Router {
    let listing: Vec<serde_json::Value> = spare
        .iter()
        .map(|a| {
            serde_json::json!({
                "name": a.name,
                "display_name": a.display_name,
                "access_key_id": a.access_key_id,
                "secret": a.secret.expose(),
                "region": a.region,
            })
        })
        .collect();
    let listing = Arc::new(serde_json::Value::Array(listing));
    Router::new().route("/__sim/spare-accounts", get(move || async move { json_response(StatusCode::OK, &listing) }))
}

async fn control_stats(State(state): State<ControlState>) -> Response {
    json_response(StatusCode::OK, &state.core.stats(state.provider))
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;
    use crate::simulator::control::test_client;
    use serde_json::{json, Value};

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

    #[tokio::test]
    async fn control_endpoints_over_http() {
        let sim = start().await;
        let base = sim.base_url(Provider::Tencent).expect("tencent");
        let throttle = json!({"fault": "throttle", "retry_after_s": 1});
        assert_eq!(test_client::post(&base, "faults", &throttle).await, 200);
        assert_eq!(test_client::post(&base, "faults", &json!({"fault": "meteor"})).await, 400);
        assert_eq!(sim.control.queued_faults(Provider::Tencent), 1);
        assert_eq!(sim.control.queued_faults(Provider::Aliyun), 0);
        sim.control.set_rate_limit(Provider::Tencent, 3);
        let stats: Value = test_client::get(&base, "stats").await;
        assert_eq!(
            stats,
            json!({"provider": "tencent", "requests": 0, "throttled": 0, "queued_faults": 1, "rate_limit_per_second": 3, "held": 0})
        );
        sim.shutdown();
    }
}
