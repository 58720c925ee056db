//! Bills, sync runs and balances in the app store.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::coverage::ScopeRecord;
use super::model::*;
use crate::store::{now_text, parse_time, AppStore, StoreError};

fn day(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| StoreError::BadRow(format!("day {text:?}")))
}

fn dec(text: &str) -> Result<Decimal, StoreError> {
    Decimal::from_str(text).map_err(|_| StoreError::BadRow(format!("amount {text:?}")))
}

fn currency(text: &str) -> Result<Currency, StoreError> {
    match text {
        "CNY" => Ok(Currency::Cny),
        "USD" => Ok(Currency::Usd),
        other => Err(StoreError::BadRow(format!("currency {other:?}"))),
    }
}

fn provider(text: &str) -> Result<Provider, StoreError> {
    Provider::from_slug(text).ok_or_else(|| StoreError::BadRow(format!("provider {text:?}")))
}

/// The lease that keeps billing syncs from overlapping, across processes.
const LEASE: &str = "billing";

/// The answer to a request to start a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquired {
    /// A new run, and this owner holds the lease.
    Run(i64),
    /// Another owner's live lease: its run.
    Busy { run: i64 },
}

fn text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn expiry(now: chrono::DateTime<chrono::Utc>, ttl: std::time::Duration) -> String {
    text(now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(60)))
}

/// Creates a run and takes the lease for it, unless another owner holds a lease that has not
/// expired. Taking the lease closes every other run still marked running: only a lease holder
/// runs, so those were abandoned by a stopped process (or a dropped task of this owner).
pub async fn acquire_run(
    store: &AppStore,
    owner: &str,
    trigger: SyncTrigger,
    (from, to): (NaiveDate, NaiveDate),
    now: chrono::DateTime<chrono::Utc>,
    ttl: std::time::Duration,
) -> Result<Acquired, StoreError> {
    let mut tx = store.pool.begin().await?;
    // Writing first takes SQLite's write lock, so two starters are serialised here.
    let run: i64 = sqlx::query_scalar(
        "INSERT INTO sync_runs (trigger, started_at, state, window_from, window_to, owner) VALUES (?1, ?2, 'running', ?3, ?4, ?5) RETURNING id",
    )
    .bind(trigger.as_str())
    .bind(text(now))
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(owner)
    .fetch_one(&mut *tx)
    .await?;
    let taken = sqlx::query(
        "INSERT INTO sync_lease (name, owner, run_id, acquired_at, heartbeat_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, run_id = excluded.run_id, acquired_at = excluded.acquired_at,
             heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
         WHERE sync_lease.expires_at <= ?4 OR sync_lease.owner = ?2",
    )
    .bind(LEASE)
    .bind(owner)
    .bind(run)
    .bind(text(now))
    .bind(expiry(now, ttl))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if taken == 0 {
        let holder: i64 = sqlx::query_scalar("SELECT run_id FROM sync_lease WHERE name = ?1").bind(LEASE).fetch_one(&mut *tx).await?;
        tx.rollback().await?;
        return Ok(Acquired::Busy { run: holder });
    }
    close_runs_except(&mut tx, run, &text(now)).await?;
    tx.commit().await?;
    Ok(Acquired::Run(run))
}

const INTERRUPTED: &str = "同步进程已停止，本次同步未完成；未拉取的账期会在下次同步时补齐";

async fn close_runs_except(tx: &mut sqlx::SqliteConnection, keep: i64, now: &str) -> Result<u64, StoreError> {
    sqlx::query(
        "UPDATE sync_run_accounts SET state = 'failed', error_code = 'Interrupted', error_message = ?2, finished_at = ?3
         WHERE state IN ('pending', 'running') AND run_id <> ?1 AND run_id IN (SELECT id FROM sync_runs WHERE state = 'running')",
    )
    .bind(keep)
    .bind(INTERRUPTED)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let done = sqlx::query("UPDATE sync_runs SET state = 'failed', finished_at = ?2 WHERE state = 'running' AND id <> ?1")
        .bind(keep)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(done.rows_affected())
}

/// Renews the lease while `run` goes on; false when this owner no longer holds it.
pub async fn renew_lease(
    store: &AppStore,
    owner: &str,
    run: i64,
    now: chrono::DateTime<chrono::Utc>,
    ttl: std::time::Duration,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE sync_lease SET heartbeat_at = ?4, expires_at = ?5 WHERE name = ?1 AND owner = ?2 AND run_id = ?3")
        .bind(LEASE)
        .bind(owner)
        .bind(run)
        .bind(text(now))
        .bind(expiry(now, ttl))
        .execute(&store.pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The run a live (unexpired) lease is for, if any.
pub async fn live_lease(store: &AppStore, now: chrono::DateTime<chrono::Utc>) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT run_id FROM sync_lease WHERE name = ?1 AND expires_at > ?2")
        .bind(LEASE)
        .bind(text(now))
        .fetch_optional(&store.pool)
        .await?)
}

pub async fn add_run_account(store: &AppStore, run: i64, v: &AccountSyncView) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sync_run_accounts (run_id, provider, account, display_name, simulated, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(run)
    .bind(v.provider.slug())
    .bind(&v.account)
    .bind(&v.display_name)
    .bind(v.simulated)
    .bind(v.state.as_str())
    .execute(&store.pool)
    .await?;
    Ok(())
}

pub async fn update_run_account(store: &AppStore, run: i64, v: &AccountSyncView) -> Result<(), StoreError> {
    let finished = matches!(v.state, AccountSyncState::Ok | AccountSyncState::Failed).then(now_text);
    sqlx::query(
        "UPDATE sync_run_accounts SET state = ?4, scopes_total = ?5, scopes_done = ?6, lines = ?7, error_code = ?8,
             error_message = ?9, finished_at = COALESCE(?10, finished_at), scopes_failed = ?11
         WHERE run_id = ?1 AND provider = ?2 AND account = ?3",
    )
    .bind(run)
    .bind(v.provider.slug())
    .bind(&v.account)
    .bind(v.state.as_str())
    .bind(v.scopes_total as i64)
    .bind(v.scopes_done as i64)
    .bind(v.lines as i64)
    .bind(&v.error_code)
    .bind(&v.error_message)
    .bind(finished)
    .bind(v.scopes_failed as i64)
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// Records the run's outcome and gives the lease back, in one transaction.
pub async fn finish_run(store: &AppStore, owner: &str, run: i64, state: RunState) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await?;
    sqlx::query("UPDATE sync_runs SET state = ?2, finished_at = ?3 WHERE id = ?1")
        .bind(run)
        .bind(state.as_str())
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sync_lease WHERE name = ?1 AND owner = ?2 AND run_id = ?3")
        .bind(LEASE)
        .bind(owner)
        .bind(run)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes runs left `running` by a process that stopped: every running run but the one a live
/// lease is for. Another process's run in progress is left alone.
pub async fn close_abandoned_runs(store: &AppStore, now: chrono::DateTime<chrono::Utc>) -> Result<u64, StoreError> {
    let mut tx = store.pool.begin().await?;
    let live: Option<i64> = sqlx::query_scalar("SELECT run_id FROM sync_lease WHERE name = ?1 AND expires_at > ?2")
        .bind(LEASE)
        .bind(text(now))
        .fetch_optional(&mut *tx)
        .await?;
    let closed = close_runs_except(&mut tx, live.unwrap_or(-1), &text(now)).await?;
    tx.commit().await?;
    Ok(closed)
}

/// What a successful pull of a bill scope records beside its lines.
pub struct Pulled {
    pub at: chrono::DateTime<chrono::Utc>,
    /// The billing day (Asia/Shanghai) of the pull.
    pub on: NaiveDate,
}

/// Replaces an account's lines for one scope with `lines`, in one transaction; with `pulled`, the
/// scope's coverage is recorded as pulled in the same transaction, so lines and coverage never
/// disagree whatever stops the process.
#[allow(clippy::too_many_arguments)]
pub async fn replace_scope(
    store: &AppStore,
    provider: Provider,
    account: &str,
    scope: Scope,
    source: &str,
    lines: &[BillLine],
    run: i64,
    pulled: Option<Pulled>,
) -> Result<u64, StoreError> {
    let mut tx = store.pool.begin().await?;
    let (sql, key) = match scope {
        Scope::Day(d) => ("DELETE FROM bill_lines WHERE provider = ?1 AND account = ?2 AND bill_date = ?3 AND source = ?4", d),
        Scope::Month(m) => ("DELETE FROM bill_lines WHERE provider = ?1 AND account = ?2 AND billing_cycle = ?3 AND source = ?4", m),
    };
    sqlx::query(sql).bind(provider.slug()).bind(account).bind(key.to_string()).bind(source).execute(&mut *tx).await?;
    for l in lines {
        sqlx::query(
            "INSERT INTO bill_lines (provider, account, billing_cycle, bill_date, product_code, product_name, pretax, payable,
                 currency, ai_service, source, sync_run_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(l.provider.slug())
        .bind(&l.account)
        .bind(l.billing_cycle.to_string())
        .bind(l.date.map(|d| d.to_string()))
        .bind(&l.product_code)
        .bind(&l.product_name)
        .bind(l.pretax.to_string())
        .bind(l.payable.to_string())
        .bind(l.currency.code())
        .bind(l.ai_service)
        .bind(source)
        .bind(run)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(p) = pulled {
        let mut total = Mixed::default();
        lines.iter().for_each(|l| total.add(l.currency, l.payable));
        sqlx::query(
            "INSERT INTO bill_scope_coverage (provider, account, scope_kind, scope_start, state, ok_at, ok_on, ok_run_id, lines,
                 payable_cny, payable_usd, attempts)
             VALUES (?1, ?2, ?3, ?4, 'ok', ?5, ?6, ?7, ?8, ?9, ?10, 0)
             ON CONFLICT (provider, account, scope_kind, scope_start) DO UPDATE SET state = 'ok', ok_at = excluded.ok_at,
                 ok_on = excluded.ok_on, ok_run_id = excluded.ok_run_id, lines = excluded.lines, payable_cny = excluded.payable_cny,
                 payable_usd = excluded.payable_usd, attempts = 0",
        )
        .bind(provider.slug())
        .bind(account)
        .bind(scope.kind())
        .bind(scope.start().to_string())
        .bind(text(p.at))
        .bind(p.on.to_string())
        .bind(run)
        .bind(lines.len() as i64)
        .bind(total.cny.to_string())
        .bind(total.usd.to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(lines.len() as u64)
}

/// Records that `scope` could not be pulled in `run`; lines stored by an earlier pull stay.
pub async fn record_scope_failure(
    store: &AppStore,
    (provider, account): (Provider, &str),
    scope: Scope,
    run: i64,
    code: &str,
    message: &str,
) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await?;
    let kind = scope.kind();
    let start = scope.start().to_string();
    sqlx::query(
        "INSERT INTO bill_scope_coverage (provider, account, scope_kind, scope_start, state, failed_at, failed_run_id, error_code,
             error_message, attempts)
         VALUES (?1, ?2, ?3, ?4, 'failed', ?5, ?6, ?7, ?8, 1)
         ON CONFLICT (provider, account, scope_kind, scope_start) DO UPDATE SET state = 'failed', failed_at = excluded.failed_at,
             failed_run_id = excluded.failed_run_id, error_code = excluded.error_code, error_message = excluded.error_message,
             attempts = bill_scope_coverage.attempts + 1",
    )
    .bind(provider.slug())
    .bind(account)
    .bind(kind)
    .bind(&start)
    .bind(now_text())
    .bind(run)
    .bind(code)
    .bind(message)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT OR REPLACE INTO sync_run_scope_failures (run_id, provider, account, scope_kind, scope_start, error_code, error_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(run)
    .bind(provider.slug())
    .bind(account)
    .bind(kind)
    .bind(&start)
    .bind(code)
    .bind(message)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

type CoverageRow = (String, String, String, Option<String>, Option<String>, Option<String>, Option<String>, i64);

/// An account's coverage records of the scopes starting in `from..=to`.
pub async fn coverage(
    store: &AppStore,
    provider: Provider,
    account: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::HashMap<Scope, ScopeRecord>, StoreError> {
    let rows = sqlx::query_as::<_, CoverageRow>(
        "SELECT scope_kind, scope_start, state, ok_at, ok_on, error_code, error_message, attempts FROM bill_scope_coverage
         WHERE provider = ?1 AND account = ?2 AND scope_start BETWEEN ?3 AND ?4",
    )
    .bind(provider.slug())
    .bind(account)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&store.pool)
    .await?;
    let mut out = std::collections::HashMap::with_capacity(rows.len());
    for (kind, start, state, ok_at, ok_on, error_code, error_message, attempts) in rows {
        let scope = Scope::from_parts(&kind, day(&start)?).ok_or_else(|| StoreError::BadRow(format!("scope kind {kind:?}")))?;
        out.insert(
            scope,
            ScopeRecord {
                scope,
                failed: state == "failed",
                ok_at: ok_at.as_deref().map(parse_time).transpose()?,
                ok_on: ok_on.as_deref().map(day).transpose()?,
                error_code,
                error_message,
                attempts: attempts.max(0) as u32,
            },
        );
    }
    Ok(out)
}

pub async fn insert_balance(store: &AppStore, b: &BalanceSnapshot, run: Option<i64>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO balance_snapshots (provider, account, taken_at, currency, available, credit, granted, topped_up, sync_run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .bind(b.provider.slug())
    .bind(&b.account)
    .bind(b.taken_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    .bind(b.currency.code())
    .bind(b.available.to_string())
    .bind(b.credit.map(|d| d.to_string()))
    .bind(b.granted.map(|d| d.to_string()))
    .bind(b.topped_up.map(|d| d.to_string()))
    .bind(run)
    .execute(&store.pool)
    .await?;
    Ok(())
}

type BalanceRow = (String, String, String, String, String, Option<String>, Option<String>, Option<String>);

fn balance(row: BalanceRow) -> Result<BalanceSnapshot, StoreError> {
    let (p, account, taken_at, cur, available, credit, granted, topped_up) = row;
    let opt = |v: Option<String>| v.as_deref().map(dec).transpose();
    Ok(BalanceSnapshot {
        provider: provider(&p)?,
        account,
        taken_at: parse_time(&taken_at)?,
        currency: currency(&cur)?,
        available: dec(&available)?,
        credit: opt(credit)?,
        granted: opt(granted)?,
        topped_up: opt(topped_up)?,
    })
}

const BALANCE_COLUMNS: &str = "provider, account, taken_at, currency, available, credit, granted, topped_up";

/// An account's snapshots taken at or after `since`, oldest first.
pub async fn balances_since(store: &AppStore, p: Provider, account: &str, since: &str) -> Result<Vec<BalanceSnapshot>, StoreError> {
    let rows = sqlx::query_as::<_, BalanceRow>(&format!(
        "SELECT {BALANCE_COLUMNS} FROM balance_snapshots WHERE provider = ?1 AND account = ?2 AND taken_at >= ?3 ORDER BY taken_at, id"
    ))
    .bind(p.slug())
    .bind(account)
    .bind(since)
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(balance).collect()
}

/// The last snapshot before `before`.
pub async fn balance_before(store: &AppStore, p: Provider, account: &str, before: &str) -> Result<Option<BalanceSnapshot>, StoreError> {
    let row = sqlx::query_as::<_, BalanceRow>(&format!(
        "SELECT {BALANCE_COLUMNS} FROM balance_snapshots WHERE provider = ?1 AND account = ?2 AND taken_at < ?3 ORDER BY taken_at DESC, id DESC LIMIT 1"
    ))
    .bind(p.slug())
    .bind(account)
    .bind(before)
    .fetch_optional(&store.pool)
    .await?;
    row.map(balance).transpose()
}

/// The newest snapshot of every account.
pub async fn latest_balances(store: &AppStore) -> Result<Vec<BalanceSnapshot>, StoreError> {
    let rows = sqlx::query_as::<_, BalanceRow>(&format!(
        "SELECT {BALANCE_COLUMNS} FROM balance_snapshots b WHERE id = (SELECT id FROM balance_snapshots c
             WHERE c.provider = b.provider AND c.account = b.account ORDER BY taken_at DESC, id DESC LIMIT 1)"
    ))
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(balance).collect()
}

type LineRow = (String, String, String, Option<String>, String, String, String, String, String, bool, String, i64);

fn line(row: LineRow) -> Result<BillLineView, StoreError> {
    let (p, account, cycle, date, product_code, product_name, pretax, payable, cur, ai_service, source, run) = row;
    Ok(BillLineView {
        line: BillLine {
            provider: provider(&p)?,
            account,
            billing_cycle: day(&cycle)?,
            date: date.as_deref().map(day).transpose()?,
            product_code,
            product_name,
            pretax: dec(&pretax)?,
            payable: dec(&payable)?,
            currency: currency(&cur)?,
            ai_service,
        },
        source,
        sync_run_id: run,
        display_name: String::new(),
    })
}

/// Lines of the days `from..=to`, and monthly-only lines of the months those days touch.
pub async fn lines_between(store: &AppStore, from: NaiveDate, to: NaiveDate) -> Result<Vec<BillLineView>, StoreError> {
    let first_cycle = from.with_day0(0).unwrap_or(from);
    let rows = sqlx::query_as::<_, LineRow>(
        "SELECT provider, account, billing_cycle, bill_date, product_code, product_name, pretax, payable, currency, ai_service, source, sync_run_id
         FROM bill_lines
         WHERE (bill_date BETWEEN ?1 AND ?2) OR (bill_date IS NULL AND billing_cycle BETWEEN ?3 AND ?2)
         ORDER BY bill_date, provider, account, product_code",
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(first_cycle.to_string())
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(line).collect()
}

type RunRow = (i64, String, String, Option<String>, String, String, String);
type RunAccountRow = (String, String, String, bool, String, i64, i64, i64, Option<String>, Option<String>, i64);
type FailureRow = (String, String, String, String, String, String);

async fn run_view(store: &AppStore, row: RunRow) -> Result<SyncRunView, StoreError> {
    let (id, trigger, started_at, finished_at, state, from, to) = row;
    let accounts = sqlx::query_as::<_, RunAccountRow>(
        "SELECT provider, account, display_name, simulated, state, scopes_total, scopes_done, lines, error_code, error_message,
             scopes_failed
         FROM sync_run_accounts WHERE run_id = ?1 ORDER BY provider, account",
    )
    .bind(id)
    .fetch_all(&store.pool)
    .await?;
    let failure_rows = sqlx::query_as::<_, FailureRow>(
        "SELECT provider, account, scope_kind, scope_start, error_code, error_message FROM sync_run_scope_failures
         WHERE run_id = ?1 ORDER BY scope_start",
    )
    .bind(id)
    .fetch_all(&store.pool)
    .await?;
    let mut failures: std::collections::HashMap<(String, String), Vec<ScopeFailure>> = std::collections::HashMap::new();
    for (p, account, kind, start, error_code, error_message) in failure_rows {
        let scope = Scope::from_parts(&kind, day(&start)?).ok_or_else(|| StoreError::BadRow(format!("scope kind {kind:?}")))?;
        failures.entry((p, account)).or_default().push(ScopeFailure { scope, error_code, error_message });
    }
    let mut views = Vec::with_capacity(accounts.len());
    for (p, account, display_name, simulated, st, total, done, lines, error_code, error_message, failed) in accounts {
        let scope_failures = failures.remove(&(p.clone(), account.clone())).unwrap_or_default();
        views.push(AccountSyncView {
            provider: provider(&p)?,
            account,
            display_name,
            simulated,
            state: AccountSyncState::parse(&st).ok_or_else(|| StoreError::BadRow(format!("account state {st:?}")))?,
            scopes_total: total.max(0) as u32,
            scopes_done: done.max(0) as u32,
            lines: lines.max(0) as u32,
            scopes_failed: failed.max(0) as u32,
            error_code,
            error_message,
            failures: scope_failures,
        });
    }
    views.sort_by_key(|v| (Provider::ALL.iter().position(|p| *p == v.provider), v.account.clone()));
    Ok(SyncRunView {
        id,
        trigger,
        started_at: parse_time(&started_at)?,
        finished_at: finished_at.as_deref().map(parse_time).transpose()?,
        state: RunState::parse(&state).ok_or_else(|| StoreError::BadRow(format!("run state {state:?}")))?,
        window_from: day(&from)?,
        window_to: day(&to)?,
        accounts: views,
        joined: None,
    })
}

const RUN_COLUMNS: &str = "id, trigger, started_at, finished_at, state, window_from, window_to";

pub async fn run(store: &AppStore, id: i64) -> Result<Option<SyncRunView>, StoreError> {
    let row = sqlx::query_as::<_, RunRow>(&format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE id = ?1"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    match row {
        Some(r) => Ok(Some(run_view(store, r).await?)),
        None => Ok(None),
    }
}

pub async fn recent_runs(store: &AppStore, limit: u32) -> Result<Vec<SyncRunView>, StoreError> {
    let rows = sqlx::query_as::<_, RunRow>(&format!("SELECT {RUN_COLUMNS} FROM sync_runs ORDER BY id DESC LIMIT ?1"))
        .bind(limit as i64)
        .fetch_all(&store.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(run_view(store, r).await?);
    }
    Ok(out)
}

/// Calls and tokens of the app's own model use in `[from, to)` (UTC RFC 3339 bounds).
pub async fn own_usage(store: &AppStore, from: &str, to: &str) -> Result<Vec<(String, i64, i64, i64, i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT model, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(image_count), SUM(simulated)
         FROM ai_usage WHERE occurred_at >= ?1 AND occurred_at < ?2 GROUP BY model ORDER BY model",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&store.pool)
    .await?)
}
