//! bill_sync: pulls every account's bills and balance, concurrently within per-account rate limits
//! (the clients' gates) and a bound on accounts at once; replaces each pulled scope atomically;
//! records progress and the result per account. One account's failure never touches another's.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration as Days, NaiveDate};
use futures::StreamExt;
use tokio::sync::{Mutex, Semaphore};
use tracing::Instrument;

use super::accounts::BillingConfig;
use super::balance_spend::daily_spend;
use crate::calendar::{first_of_month, shanghai_day, shanghai_today};
use super::model::*;
use super::providers::{default_rate_per_second, AccountConfig, ErrorKind, ProviderClient, ProviderError, RequestGate};
use crate::credentials::Credentials;
use super::{coverage, store};
use crate::error::AppError;
use crate::store::{AppStore, StoreError};
use crate::billing::labels::BillingText;

/// Scopes of one account fetched at once (the gate still spaces the requests).
const SCOPES_AT_ONCE: usize = 3;

#[derive(Clone)]
pub struct BillingServices {
    pub config: Arc<BillingConfig>,
    /// A client per account from configuration (environment, accounts file, simulator demo).
    configured: Arc<Vec<ProviderClient>>,
    /// The accounts entered on the settings page, read afresh by every sync and overview, so a
    /// change takes effect without a restart.
    stored: Option<Credentials>,
    http: reqwest::Client,
    /// Each stored account's gate, kept between reads so its rate limit holds across syncs.
    stored_gates: Arc<std::sync::Mutex<HashMap<(Provider, String), RequestGate>>>,
    /// Bills, coverage and runs.
    pub store: AppStore,
    /// This process's run, if it started one: its id and task.
    local: Arc<Mutex<Option<(i64, tokio::task::AbortHandle)>>>,
    /// Who holds the store's sync lease when this process syncs.
    owner: Arc<str>,
    slots: Arc<Semaphore>,
}

/// The HTTP client every billing request goes through (timeouts, user agent).
fn http_client() -> std::io::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(60))
        .user_agent(concat!("suanpan/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

impl BillingServices {
    /// A client per configured account (the composition root has added the simulator's demo
    /// accounts when it serves them).
    pub fn start(config: BillingConfig, store: AppStore) -> std::io::Result<Self> {
        let http = http_client()?;
        let clients = config.accounts.iter().cloned().map(|a| client_for(a, &http, &config)).collect();
        let mut services = Self::new(config, clients, store);
        services.http = http;
        Ok(services)
    }

    pub fn new(config: BillingConfig, clients: Vec<ProviderClient>, store: AppStore) -> Self {
        let slots = Arc::new(Semaphore::new(config.concurrency));
        let owner: Arc<str> = format!("pid{}-{:016x}", std::process::id(), rand::random::<u64>()).into();
        BillingServices {
            config: Arc::new(config),
            configured: Arc::new(clients),
            stored: None,
            http: http_client().unwrap_or_default(),
            stored_gates: Arc::default(),
            store,
            local: Arc::new(Mutex::new(None)),
            owner,
            slots,
        }
    }

    /// Also syncs the cloud accounts stored in `credentials` (the settings page's).
    pub fn with_stored_accounts(mut self, credentials: Credentials) -> Self {
        self.stored = Some(credentials);
        self
    }

    /// Every account's client now: configuration's, then the stored ones. A stored account named
    /// like a configured one of its provider is left out (and logged): configuration wins.
    pub async fn clients(&self) -> Result<Vec<ProviderClient>, StoreError> {
        let mut clients: Vec<ProviderClient> = self.configured.iter().cloned().collect();
        let Some(credentials) = &self.stored else { return Ok(clients) };
        for entry in credentials.opened(crate::credentials::CredentialKind::CloudAccount).await? {
            let account = match super::accounts::from_stored(&entry) {
                Ok(a) => a,
                Err(e) => {
                    tracing::error!(error = %e, "stored cloud account not usable; left out");
                    continue;
                }
            };
            if clients.iter().any(|c| c.account().provider == account.provider && c.account().name == account.name) {
                tracing::warn!(provider = account.provider.slug(), account = %account.name, "stored cloud account has a configured account's name; the configured one is used");
                continue;
            }
            let gate = {
                let mut gates = self.stored_gates.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let rate = default_rate_per_second(account.provider);
                gates.entry((account.provider, account.name.clone())).or_insert_with(|| RequestGate::new(rate, self.config.retry.clone())).clone()
            };
            clients.push(ProviderClient::new(account, self.http.clone(), gate));
        }
        Ok(clients)
    }

    /// The configured accounts only (tests, the benchmark).
    pub fn configured_clients(&self) -> &[ProviderClient] {
        &self.configured
    }
}

fn client_for(account: AccountConfig, http: &reqwest::Client, config: &BillingConfig) -> ProviderClient {
    let gate = RequestGate::new(default_rate_per_second(account.provider), config.retry.clone());
    ProviderClient::new(account, http.clone(), gate)
}

/// Whether any of `clients` is the simulator's.
pub fn any_simulated(clients: &[ProviderClient]) -> bool {
    clients.iter().any(|c| c.account().simulated)
}

/// What a start request did.
#[derive(Debug)]
pub enum Started {
    /// A new run in this process; the handle ends with it.
    New(i64, tokio::task::JoinHandle<()>),
    /// A run already going on, here or in another process holding the lease.
    Joined(i64, JoinedRun),
}

impl Started {
    pub fn run(&self) -> i64 {
        match self {
            Started::New(id, _) | Started::Joined(id, _) => *id,
        }
    }

    /// The audit entry of a sync someone triggered: the run, and whether this started it or
    /// joined one already going on.
    pub fn audit_event(&self, trigger: SyncTrigger) -> crate::audit::AuditEvent {
        let how = match self {
            Started::New(..) => "started",
            Started::Joined(_, JoinedRun::Here) => "joined_here",
            Started::Joined(_, JoinedRun::Elsewhere) => "joined_elsewhere",
        };
        crate::audit::AuditEvent::new("billing.sync", format!("sync_run:{}", self.run()))
            .after(serde_json::json!({ "run": self.run(), "trigger": trigger.as_str(), "start": how }))
    }
}

/// One account's due scopes.
struct Plan {
    client: ProviderClient,
    scopes: Vec<Scope>,
}

/// Every account's due scopes: the history window's scopes not settled yet (never pulled, failed,
/// or still open to adjustment).
async fn plan(billing: &BillingServices, clients: Vec<ProviderClient>, today: NaiveDate) -> Result<Vec<Plan>, AppError> {
    let cfg = &billing.config;
    let from = coverage::history_start(today, cfg.history_months);
    let mut plans = Vec::with_capacity(clients.len());
    for c in clients {
        let a = c.account();
        let all = c.scopes(from, today);
        let records = store::coverage(&billing.store, a.provider, &a.name, from, today).await?;
        let scopes = coverage::due(&all, &records, cfg.lookback_days);
        plans.push(Plan { client: c, scopes });
    }
    Ok(plans)
}

/// Starts a run, or joins the one going on: in this process, or in another that holds the
/// store's lease (two runs never overlap, across processes).
pub async fn start(billing: &BillingServices, trigger: SyncTrigger) -> Result<Started, AppError> {
    let mut local = billing.local.lock().await;
    if let Some((id, task)) = local.as_ref() {
        if !task.is_finished() {
            return Ok(Started::Joined(*id, JoinedRun::Here));
        }
    }
    let today = shanghai_today();
    let plans = plan(billing, billing.clients().await?, today).await?;
    // The run's window: the oldest scope it pulls (balances are today's).
    let window_from = plans.iter().filter_map(|p| p.scopes.first()).map(|s| s.start()).min().unwrap_or(today).min(today);
    let acquired = store::acquire_run(&billing.store, &billing.owner, trigger, (window_from, today), chrono::Utc::now(), billing.config.lease_ttl)
        .await?;
    let run = match acquired {
        store::Acquired::Busy { run } => return Ok(Started::Joined(run, JoinedRun::Elsewhere)),
        store::Acquired::Run(run) => run,
    };
    for p in &plans {
        let a = p.client.account();
        let mut view = pending(a.provider, &a.name, &a.display_name, a.simulated, AccountSyncState::Pending);
        view.scopes_total = p.scopes.len() as u32 + 1;
        store::add_run_account(&billing.store, run, &view).await?;
    }
    for p in Provider::ALL.into_iter().filter(|p| !plans.iter().any(|plan| plan.client.account().provider == *p)) {
        let view = pending(p, "", crate::i18n::tr().provider(p), false, AccountSyncState::NotConfigured);
        store::add_run_account(&billing.store, run, &view).await?;
    }
    let span = tracing::info_span!("bill_sync", run, trigger = trigger.as_str());
    let handle = tokio::spawn(run_all(billing.clone(), run, today, plans).instrument(span));
    *local = Some((run, handle.abort_handle()));
    Ok(Started::New(run, handle))
}

fn pending(provider: Provider, account: &str, display_name: &str, simulated: bool, state: AccountSyncState) -> AccountSyncView {
    AccountSyncView {
        provider,
        account: account.to_string(),
        display_name: display_name.to_string(),
        simulated,
        state,
        scopes_total: 0,
        scopes_done: 0,
        lines: 0,
        scopes_failed: 0,
        error_code: None,
        error_message: None,
        failures: Vec::new(),
    }
}

async fn run_all(billing: BillingServices, run: i64, today: NaiveDate, plans: Vec<Plan>) {
    let started = std::time::Instant::now();
    let accounts = futures::future::join_all(plans.iter().map(|p| sync_account(&billing, run, &p.client, &p.scopes, today)));
    let outcome = tokio::select! {
        results = accounts => {
            let ok = results.iter().filter(|r| **r).count();
            match (ok, results.len()) {
                (_, 0) => RunState::Ok,
                (n, total) if n == total => RunState::Ok,
                (0, _) => RunState::Failed,
                _ => RunState::Partial,
            }
        }
        () = keep_lease(&billing, run) => {
            // Another process took over after our lease expired (this one stalled): stop here;
            // what was stored stays, what was not stays due.
            tracing::error!("billing sync lease lost; run stopped");
            RunState::Failed
        }
    };
    if let Err(e) = store::finish_run(&billing.store, &billing.owner, run, outcome).await {
        tracing::error!(error = %e, "run result not recorded");
    }
    tracing::info!(?outcome, ms = started.elapsed().as_millis() as u64, "billing sync finished");
}

/// Renews the run's lease every quarter of its lifetime; returns when the lease is lost.
async fn keep_lease(billing: &BillingServices, run: i64) {
    let ttl = billing.config.lease_ttl;
    let mut tick = tokio::time::interval((ttl / 4).max(std::time::Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        match store::renew_lease(&billing.store, &billing.owner, run, chrono::Utc::now(), ttl).await {
            Ok(true) => {}
            Ok(false) => return,
            // A busy store is not a lost lease; the next beat tries again.
            Err(e) => tracing::warn!(error = %e, "sync lease not renewed"),
        }
    }
}

/// A malformed answer is asked for again (beyond the gate's retries, which cover answers that
/// are not JSON at all): a scope whose lines do not fit it, or fields of the wrong type.
const MALFORMED_ATTEMPTS: usize = 2;

async fn pull(client: &ProviderClient, scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
    let mut attempt = 1;
    loop {
        match client.bill_lines(scope).await.and_then(|lines| check_scope(client, scope, lines)) {
            Err(e) if e.kind == ErrorKind::Malformed && attempt < MALFORMED_ATTEMPTS => {
                tracing::warn!(error = %e, ?scope, attempt, "malformed bills; asking again");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Syncs one account's due scopes and balance; true when every one of them was pulled and stored.
async fn sync_account(billing: &BillingServices, run: i64, client: &ProviderClient, scopes: &[Scope], today: NaiveDate) -> bool {
    let account = client.account();
    let span = tracing::info_span!("account", provider = account.provider.slug(), account = %account.name);
    async {
        let Ok(_slot) = billing.slots.acquire().await else { return false };
        let mut view = pending(account.provider, &account.name, &account.display_name, account.simulated, AccountSyncState::Running);
        let st = &billing.store;
        let progress = |v: AccountSyncView| async move {
            if let Err(e) = store::update_run_account(st, run, &v).await {
                tracing::warn!(error = %e, "progress not recorded");
            }
        };
        view.scopes_total = scopes.len() as u32 + 1;
        progress(view.clone()).await;

        let mut first_error: Option<ProviderError> = None;
        match client.balance().await {
            Ok(Some(b)) => match record_balance(st, run, &b).await {
                Ok(derived) => view.lines += derived,
                Err(e) => {
                    tracing::error!(error = %e, "balance not stored");
                    first_error = Some(store_failed(account.provider));
                }
            },
            Ok(None) => {}
            Err(e) => first_error = Some(e),
        }
        view.scopes_done += 1;
        progress(view.clone()).await;
        if !first_error.as_ref().is_some_and(|e| e.kind == ErrorKind::Auth) {
            let mut pulls = futures::stream::iter(scopes.iter().copied())
                .map(|scope| async move { (scope, pull(client, scope).await) })
                .buffer_unordered(SCOPES_AT_ONCE);
            while let Some((scope, result)) = pulls.next().await {
                let pulled = store::Pulled { at: chrono::Utc::now(), on: today };
                let failure = match result {
                    Ok(lines) => match store::replace_scope(st, account.provider, &account.name, scope, "bill", &lines, run, Some(pulled)).await {
                        Ok(n) => {
                            view.lines += n as u32;
                            None
                        }
                        Err(e) => {
                            tracing::error!(error = %e, ?scope, "scope not stored");
                            Some(store_failed(account.provider))
                        }
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, ?scope, "scope not pulled; stored lines kept, due again next sync");
                        Some(e)
                    }
                };
                view.scopes_done += 1;
                if let Some(e) = failure {
                    view.scopes_failed += 1;
                    let (code, message) = short(&e);
                    if let Err(se) = store::record_scope_failure(st, (account.provider, &account.name), scope, run, &code, &message).await {
                        tracing::error!(error = %se, ?scope, "scope failure not recorded");
                    }
                    let stop = e.kind == ErrorKind::Auth;
                    first_error.get_or_insert(e);
                    if stop {
                        break;
                    }
                }
                progress(view.clone()).await;
            }
        }
        match first_error {
            None => view.state = AccountSyncState::Ok,
            Some(e) => {
                view.state = AccountSyncState::Failed;
                let (code, message) = short(&e);
                view.error_code = Some(code);
                view.error_message = Some(message);
            }
        }
        let ok = view.state == AccountSyncState::Ok;
        progress(view).await;
        ok
    }
    .instrument(span)
    .await
}

/// The code and message as stored and shown (bounded).
fn short(e: &ProviderError) -> (String, String) {
    (e.code.chars().take(80).collect(), e.message.chars().take(300).collect())
}

fn store_failed(provider: Provider) -> ProviderError {
    ProviderError::new(provider, ErrorKind::Malformed, "StoreFailed", "保存账单失败")
}

/// Every line must belong to the scope that was asked for, else the scope is not stored.
fn check_scope(client: &ProviderClient, scope: Scope, lines: Vec<BillLine>) -> Result<Vec<BillLine>, ProviderError> {
    let a = client.account();
    let fits = |l: &BillLine| {
        l.provider == a.provider
            && l.account == a.name
            && match scope {
                Scope::Day(d) => l.date == Some(d) && l.billing_cycle == first_of_month(d),
                Scope::Month(m) => l.billing_cycle == m && l.date.is_none_or(|d| first_of_month(d) == m),
            }
    };
    match lines.iter().find(|l| !fits(l)) {
        None => Ok(lines),
        Some(l) => Err(ProviderError {
            provider: a.provider,
            kind: ErrorKind::Malformed,
            code: "OutOfScope".into(),
            message: format!("a line of {:?} / {:?} was returned for {scope:?}", l.billing_cycle, l.date),
            request_id: None,
            retry_after: None,
        }),
    }
}

/// Stores a balance; for DeepSeek, re-derives that day's spend from the day's snapshots and
/// answers how many lines that wrote.
async fn record_balance(st: &AppStore, run: i64, b: &BalanceSnapshot) -> Result<u32, StoreError> {
    store::insert_balance(st, b, Some(run)).await?;
    if b.provider != Provider::DeepSeek {
        return Ok(0);
    }
    let day = shanghai_day(b.taken_at);
    // The day's first instant in Shanghai, as stored UTC text.
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default() - Days::hours(8);
    let start = chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(start, chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let before = store::balance_before(st, b.provider, &b.account, &start).await?;
    let today = store::balances_since(st, b.provider, &b.account, &start).await?;
    let spent = daily_spend(before.as_ref(), &today).get(&day).copied().unwrap_or_default();
    let line = BillLine {
        provider: b.provider,
        account: b.account.clone(),
        billing_cycle: first_of_month(day),
        date: Some(day),
        product_code: "deepseek-api".into(),
        product_name: "DeepSeek API（由余额变化推算）".into(),
        pretax: spent,
        payable: spent,
        currency: b.currency,
        ai_service: true,
    };
    Ok(store::replace_scope(st, b.provider, &b.account, Scope::Day(day), "balance_delta", &[line], run, None).await? as u32)
}

/// Syncs now and waits (the CLI). When another process holds the lease, waits for its run
/// and answers it (`joined` says so); if that process stops, its lease expires and a run of our
/// own starts.
pub async fn run_now(billing: &BillingServices, trigger: SyncTrigger) -> Result<SyncRunView, AppError> {
    let poll = (billing.config.lease_ttl / 4).clamp(std::time::Duration::from_millis(50), std::time::Duration::from_secs(2));
    loop {
        let (run, joined) = match start(billing, trigger).await? {
            Started::New(run, handle) => {
                let _ = handle.await;
                (run, None)
            }
            Started::Joined(run, how) => {
                tracing::info!(run, ?how, "a billing sync is already running; waiting for it");
                loop {
                    let view = store::run(&billing.store, run).await?.ok_or(AppError::NotFound)?;
                    if view.state != RunState::Running {
                        break;
                    }
                    let holder = store::live_lease(&billing.store, chrono::Utc::now()).await?;
                    if holder != Some(run) && how == JoinedRun::Elsewhere {
                        // Its process stopped: close it and start over.
                        store::close_abandoned_runs(&billing.store, chrono::Utc::now()).await?;
                        break;
                    }
                    tokio::time::sleep(poll).await;
                }
                (run, Some(how))
            }
        };
        let mut view = store::run(&billing.store, run).await?.ok_or(AppError::NotFound)?;
        if joined.is_some() && view.accounts.iter().any(|a| a.error_code.as_deref() == Some("Interrupted")) {
            continue;
        }
        view.joined = joined;
        return Ok(view);
    }
}

/// Syncs every `interval`, first one interval after start-up.
pub fn spawn_schedule(billing: &BillingServices) {
    let Some(every) = billing.config.sync_interval else { return };
    let billing = billing.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            if let Err(e) = start(&billing, SyncTrigger::Schedule).await {
                tracing::error!(error = %e, "scheduled billing sync did not start");
            }
        }
    });
}
