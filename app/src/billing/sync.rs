//! bill_sync: pulls every account's bills and balance, concurrently within per-account rate limits
//! (the clients' gates) and a bound on accounts at once; replaces each pulled scope atomically;
//! records progress and the result per account. One account's failure never touches another's.

use std::sync::Arc;

use chrono::{Datelike, Duration as Days, Months, NaiveDate};
use futures::StreamExt;
use tokio::sync::{Mutex, Semaphore};
use tracing::Instrument;

use super::accounts::BillingConfig;
use super::balance_spend::{daily_spend, shanghai_day};
use super::model::*;
use super::providers::{ErrorKind, ProviderClient, ProviderError};
use super::store;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{AppStore, StoreError};

/// Scopes of one account fetched at once (the gate still spaces the requests).
const SCOPES_AT_ONCE: usize = 3;

#[derive(Clone)]
pub struct BillingServices {
    pub config: Arc<BillingConfig>,
    pub clients: Arc<Vec<ProviderClient>>,
    /// The in-process cloud simulator when it serves the demo accounts.
    pub simulator: Option<Arc<crate::simulator::cloud::CloudSim>>,
    running: Arc<Mutex<Option<i64>>>,
    slots: Arc<Semaphore>,
}

impl BillingServices {
    /// Real accounts from configuration; with none (and the simulator on), the simulator's demo
    /// accounts on its own localhost ports.
    pub async fn start(config: BillingConfig, sim_latency: std::time::Duration) -> std::io::Result<Self> {
        use super::providers::{default_rate_per_second, AccountConfig, RequestGate, RetryPolicy};
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("suanpan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let (accounts, simulator) = if !config.accounts.is_empty() || !config.simulator {
            (config.accounts.clone(), None)
        } else {
            let settings = crate::simulator::cloud::CloudSimSettings {
                seed: 20_261_125,
                today: None,
                history_months: config.history_months.max(1),
                latency: sim_latency,
            };
            let sim = crate::simulator::cloud::spawn(settings).await?;
            let mut accounts = Vec::new();
            for a in &sim.accounts {
                let Some(addr) = sim.endpoints.get(&a.provider) else { continue };
                let endpoint = url::Url::parse(&format!("http://{addr}/")).map_err(|e| std::io::Error::other(e.to_string()))?;
                accounts.push(AccountConfig {
                    provider: a.provider,
                    name: a.name.clone(),
                    display_name: a.display_name.clone(),
                    endpoint,
                    access_key_id: a.access_key_id.clone(),
                    secret: a.secret.clone(),
                    region: a.region.clone(),
                    simulated: true,
                });
            }
            let ports: Vec<String> = sim.endpoints.iter().map(|(p, a)| format!("{}={a}", p.slug())).collect();
            tracing::info!(accounts = accounts.len(), endpoints = %ports.join(","), "cloud billing simulator serving (no cloud credentials configured)");
            (accounts, Some(Arc::new(sim)))
        };
        let clients = accounts
            .into_iter()
            .map(|a| {
                let gate = RequestGate::new(default_rate_per_second(a.provider), RetryPolicy::default());
                ProviderClient::new(a, http.clone(), gate)
            })
            .collect();
        Ok(Self::new(config, clients, simulator))
    }

    pub fn new(config: BillingConfig, clients: Vec<ProviderClient>, simulator: Option<Arc<crate::simulator::cloud::CloudSim>>) -> Self {
        let slots = Arc::new(Semaphore::new(config.concurrency));
        BillingServices { config: Arc::new(config), clients: Arc::new(clients), simulator, running: Arc::new(Mutex::new(None)), slots }
    }

    pub fn configured(&self, p: Provider) -> bool {
        self.clients.iter().any(|c| c.account().provider == p)
    }

    pub fn any_simulated(&self) -> bool {
        self.clients.iter().any(|c| c.account().simulated)
    }
}

pub fn today_in_shanghai() -> NaiveDate {
    shanghai_day(chrono::Utc::now())
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn store_err(e: StoreError) -> AppError {
    tracing::error!(error = %e, "billing store failed");
    AppError::StoreFailed
}

/// Starts a run, or answers the one already running (two runs never overlap).
pub async fn start(state: &AppState, trigger: SyncTrigger) -> Result<(i64, Option<tokio::task::JoinHandle<()>>), AppError> {
    let billing = &state.billing;
    let mut running = billing.running.lock().await;
    if let Some(id) = *running {
        return Ok((id, None));
    }
    let today = today_in_shanghai();
    let window_from = (first_of_month(today)).min(today - Days::days(billing.config.lookback_days as i64));
    let run = store::create_run(&state.store, trigger, window_from, today).await.map_err(store_err)?;
    for c in billing.clients.iter() {
        let a = c.account();
        let view = pending(a.provider, &a.name, &a.display_name, a.simulated, AccountSyncState::Pending);
        store::add_run_account(&state.store, run, &view).await.map_err(store_err)?;
    }
    for p in Provider::ALL.into_iter().filter(|p| !billing.configured(*p)) {
        let view = pending(p, "", crate::i18n::tr().provider(p), false, AccountSyncState::NotConfigured);
        store::add_run_account(&state.store, run, &view).await.map_err(store_err)?;
    }
    *running = Some(run);
    drop(running);
    let span = tracing::info_span!("bill_sync", run, trigger = trigger.as_str());
    let handle = tokio::spawn(run_all(state.clone(), run, today).instrument(span));
    Ok((run, Some(handle)))
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
        error_code: None,
        error_message: None,
    }
}

async fn run_all(state: AppState, run: i64, today: NaiveDate) {
    let started = std::time::Instant::now();
    let billing = state.billing.clone();
    let results: Vec<bool> = futures::future::join_all(billing.clients.iter().map(|c| sync_account(&state, run, c, today))).await;
    let ok = results.iter().filter(|r| **r).count();
    let outcome = match (ok, results.len()) {
        (_, 0) => RunState::Ok,
        (n, total) if n == total => RunState::Ok,
        (0, _) => RunState::Failed,
        _ => RunState::Partial,
    };
    if let Err(e) = store::finish_run(&state.store, run, outcome).await {
        tracing::error!(error = %e, "run result not recorded");
    }
    *billing.running.lock().await = None;
    tracing::info!(?outcome, ok, accounts = results.len(), ms = started.elapsed().as_millis() as u64, "billing sync finished");
}

/// Syncs one account; true when everything it pulled was stored.
async fn sync_account(state: &AppState, run: i64, client: &ProviderClient, today: NaiveDate) -> bool {
    let account = client.account();
    let span = tracing::info_span!("account", provider = account.provider.slug(), account = %account.name);
    async {
        let Ok(_slot) = state.billing.slots.acquire().await else { return false };
        let mut view = pending(account.provider, &account.name, &account.display_name, account.simulated, AccountSyncState::Running);
        let st = &state.store;
        let cfg = &state.billing.config;
        let progress = |v: AccountSyncView| async move {
            if let Err(e) = store::update_run_account(st, run, &v).await {
                tracing::warn!(error = %e, "progress not recorded");
            }
        };
        let first_sync = !store::has_lines(st, account.provider, &account.name).await.unwrap_or(false);
        let from = if first_sync {
            first_of_month(today).checked_sub_months(Months::new(cfg.history_months)).unwrap_or(first_of_month(today))
        } else {
            first_of_month(today).min(today - Days::days(cfg.lookback_days as i64))
        };
        let scopes = client.scopes(from, today);
        view.scopes_total = scopes.len() as u32 + 1;
        progress(view.clone()).await;

        let mut first_error: Option<ProviderError> = None;
        match client.balance().await {
            Ok(Some(b)) => match record_balance(st, run, &b).await {
                Ok(derived) => view.lines += derived,
                Err(e) => tracing::error!(error = %e, "balance not stored"),
            },
            Ok(None) => {}
            Err(e) => first_error = Some(e),
        }
        view.scopes_done += 1;
        progress(view.clone()).await;
        let auth_failed = first_error.as_ref().is_some_and(|e| e.kind == ErrorKind::Auth);
        if !auth_failed {
            let mut pulls = futures::stream::iter(scopes)
                .map(|scope| async move { (scope, client.bill_lines(scope).await) })
                .buffer_unordered(SCOPES_AT_ONCE);
            while let Some((scope, result)) = pulls.next().await {
                match result.and_then(|lines| check_scope(client, scope, lines)) {
                    Ok(lines) => match store::replace_scope(st, account.provider, &account.name, scope, "bill", &lines, run).await {
                        Ok(n) => view.lines += n as u32,
                        Err(e) => {
                            tracing::error!(error = %e, ?scope, "scope not stored");
                            first_error.get_or_insert(ProviderError {
                                provider: account.provider,
                                kind: ErrorKind::Malformed,
                                code: "StoreFailed".into(),
                                message: "保存账单失败".into(),
                                request_id: None,
                                retry_after: None,
                            });
                        }
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, ?scope, "scope not pulled; stored lines kept");
                        let stop = e.kind == ErrorKind::Auth;
                        first_error.get_or_insert(e);
                        if stop {
                            break;
                        }
                    }
                }
                view.scopes_done += 1;
                progress(view.clone()).await;
            }
        }
        match first_error {
            None => view.state = AccountSyncState::Ok,
            Some(e) => {
                view.state = AccountSyncState::Failed;
                view.error_code = Some(e.code.chars().take(80).collect());
                view.error_message = Some(e.message.chars().take(300).collect());
            }
        }
        let ok = view.state == AccountSyncState::Ok;
        progress(view).await;
        ok
    }
    .instrument(span)
    .await
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
    Ok(store::replace_scope(st, b.provider, &b.account, Scope::Day(day), "balance_delta", &[line], run).await? as u32)
}

/// Syncs now and waits (the CLI).
pub async fn run_now(state: &AppState, trigger: SyncTrigger) -> Result<SyncRunView, AppError> {
    let (run, handle) = start(state, trigger).await?;
    match handle {
        Some(h) => {
            let _ = h.await;
        }
        None => loop {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if state.billing.running.lock().await.is_none() {
                break;
            }
        },
    }
    store::run(&state.store, run).await.map_err(store_err)?.ok_or(AppError::NotFound)
}

/// Syncs every `interval`, first one interval after start-up.
pub fn spawn_schedule(state: &AppState) {
    let Some(every) = state.billing.config.sync_interval else { return };
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            if let Err(e) = start(&state, SyncTrigger::Schedule).await {
                tracing::error!(error = %e, "scheduled billing sync did not start");
            }
        }
    });
}
