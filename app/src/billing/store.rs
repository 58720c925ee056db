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
    // The queries borrow their arguments (sqlx::query!), so computed ones are bound first.
    let (trigger, at, expires) = (trigger.as_str(), text(now), expiry(now, ttl));
    let (from, to) = (from.to_string(), to.to_string());
    // Writing first takes SQLite's write lock, so two starters are serialised here.
    let run = sqlx::query_scalar!(
        r#"INSERT INTO sync_runs (trigger, started_at, state, window_from, window_to, owner) VALUES (?1, ?2, 'running', ?3, ?4, ?5)
         RETURNING id AS "id!: i64""#,
        trigger,
        at,
        from,
        to,
        owner,
    )
    .fetch_one(&mut *tx)
    .await?;
    let taken = sqlx::query!(
        "INSERT INTO sync_lease (name, owner, run_id, acquired_at, heartbeat_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, run_id = excluded.run_id, acquired_at = excluded.acquired_at,
             heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
         WHERE sync_lease.expires_at <= ?4 OR sync_lease.owner = ?2",
        LEASE,
        owner,
        run,
        at,
        expires,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if taken == 0 {
        let holder = sqlx::query_scalar!("SELECT run_id FROM sync_lease WHERE name = ?1", LEASE).fetch_one(&mut *tx).await?;
        tx.rollback().await?;
        return Ok(Acquired::Busy { run: holder });
    }
    close_runs_except(&mut tx, run, &at).await?;
    tx.commit().await?;
    Ok(Acquired::Run(run))
}

const INTERRUPTED: &str = "同步进程已停止，本次同步未完成；未拉取的账期会在下次同步时补齐";

async fn close_runs_except(tx: &mut sqlx::SqliteConnection, keep: i64, now: &str) -> Result<u64, StoreError> {
    sqlx::query!(
        "UPDATE sync_run_accounts SET state = 'failed', error_code = 'Interrupted', error_message = ?2, finished_at = ?3
         WHERE state IN ('pending', 'running') AND run_id <> ?1 AND run_id IN (SELECT id FROM sync_runs WHERE state = 'running')",
        keep,
        INTERRUPTED,
        now,
    )
    .execute(&mut *tx)
    .await?;
    let done = sqlx::query!("UPDATE sync_runs SET state = 'failed', finished_at = ?2 WHERE state = 'running' AND id <> ?1", keep, now)
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
    let (at, expires) = (text(now), expiry(now, ttl));
    let n = sqlx::query!(
        "UPDATE sync_lease SET heartbeat_at = ?4, expires_at = ?5 WHERE name = ?1 AND owner = ?2 AND run_id = ?3",
        LEASE,
        owner,
        run,
        at,
        expires,
    )
    .execute(&store.pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The run a live (unexpired) lease is for, if any.
pub async fn live_lease(store: &AppStore, now: chrono::DateTime<chrono::Utc>) -> Result<Option<i64>, StoreError> {
    let now = text(now);
    Ok(sqlx::query_scalar!("SELECT run_id FROM sync_lease WHERE name = ?1 AND expires_at > ?2", LEASE, now)
        .fetch_optional(&store.pool)
        .await?)
}

pub async fn add_run_account(store: &AppStore, run: i64, v: &AccountSyncView) -> Result<(), StoreError> {
    let (provider, state) = (v.provider.slug(), v.state.as_str());
    sqlx::query!(
        "INSERT INTO sync_run_accounts (run_id, provider, account, display_name, simulated, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        run,
        provider,
        v.account,
        v.display_name,
        v.simulated,
        state,
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

pub async fn update_run_account(store: &AppStore, run: i64, v: &AccountSyncView) -> Result<(), StoreError> {
    let finished = matches!(v.state, AccountSyncState::Ok | AccountSyncState::Failed).then(now_text);
    let (provider, state) = (v.provider.slug(), v.state.as_str());
    let (total, done, lines, failed) = (v.scopes_total as i64, v.scopes_done as i64, v.lines as i64, v.scopes_failed as i64);
    sqlx::query!(
        "UPDATE sync_run_accounts SET state = ?4, scopes_total = ?5, scopes_done = ?6, lines = ?7, error_code = ?8,
             error_message = ?9, finished_at = COALESCE(?10, finished_at), scopes_failed = ?11
         WHERE run_id = ?1 AND provider = ?2 AND account = ?3",
        run,
        provider,
        v.account,
        state,
        total,
        done,
        lines,
        v.error_code,
        v.error_message,
        finished,
        failed,
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// Records the run's outcome and gives the lease back, in one transaction.
pub async fn finish_run(store: &AppStore, owner: &str, run: i64, state: RunState) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await?;
    let (state, now) = (state.as_str(), now_text());
    sqlx::query!("UPDATE sync_runs SET state = ?2, finished_at = ?3 WHERE id = ?1", run, state, now)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM sync_lease WHERE name = ?1 AND owner = ?2 AND run_id = ?3", LEASE, owner, run)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes runs left `running` by a process that stopped: every running run but the one a live
/// lease is for. Another process's run in progress is left alone.
pub async fn close_abandoned_runs(store: &AppStore, now: chrono::DateTime<chrono::Utc>) -> Result<u64, StoreError> {
    let mut tx = store.pool.begin().await?;
    let now = text(now);
    let live = sqlx::query_scalar!("SELECT run_id FROM sync_lease WHERE name = ?1 AND expires_at > ?2", LEASE, now)
        .fetch_optional(&mut *tx)
        .await?;
    let closed = close_runs_except(&mut tx, live.unwrap_or(-1), &now).await?;
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
    let (slug, start) = (provider.slug(), scope.start().to_string());
    match scope {
        Scope::Day(_) => sqlx::query!(
            "DELETE FROM bill_lines WHERE provider = ?1 AND account = ?2 AND bill_date = ?3 AND source = ?4",
            slug,
            account,
            start,
            source,
        ),
        Scope::Month(_) => sqlx::query!(
            "DELETE FROM bill_lines WHERE provider = ?1 AND account = ?2 AND billing_cycle = ?3 AND source = ?4",
            slug,
            account,
            start,
            source,
        ),
    }
    .execute(&mut *tx)
    .await?;
    for l in lines {
        let (provider, cycle, date, currency) = (l.provider.slug(), l.billing_cycle.to_string(), l.date.map(|d| d.to_string()), l.currency.code());
        let (pretax, payable) = (l.pretax.to_string(), l.payable.to_string());
        sqlx::query!(
            "INSERT INTO bill_lines (provider, account, billing_cycle, bill_date, product_code, product_name, pretax, payable,
                 currency, ai_service, source, sync_run_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            provider,
            l.account,
            cycle,
            date,
            l.product_code,
            l.product_name,
            pretax,
            payable,
            currency,
            l.ai_service,
            source,
            run,
        )
        .execute(&mut *tx)
        .await?;
    }
    if let Some(p) = pulled {
        let mut total = Mixed::default();
        lines.iter().for_each(|l| total.add(l.currency, l.payable));
        let (kind, at, on, count) = (scope.kind(), text(p.at), p.on.to_string(), lines.len() as i64);
        let (cny, usd) = (total.cny.to_string(), total.usd.to_string());
        sqlx::query!(
            "INSERT INTO bill_scope_coverage (provider, account, scope_kind, scope_start, state, ok_at, ok_on, ok_run_id, lines,
                 payable_cny, payable_usd, attempts)
             VALUES (?1, ?2, ?3, ?4, 'ok', ?5, ?6, ?7, ?8, ?9, ?10, 0)
             ON CONFLICT (provider, account, scope_kind, scope_start) DO UPDATE SET state = 'ok', ok_at = excluded.ok_at,
                 ok_on = excluded.ok_on, ok_run_id = excluded.ok_run_id, lines = excluded.lines, payable_cny = excluded.payable_cny,
                 payable_usd = excluded.payable_usd, attempts = 0",
            slug,
            account,
            kind,
            start,
            at,
            on,
            run,
            count,
            cny,
            usd,
        )
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
    let (slug, kind, start, now) = (provider.slug(), scope.kind(), scope.start().to_string(), now_text());
    sqlx::query!(
        "INSERT INTO bill_scope_coverage (provider, account, scope_kind, scope_start, state, failed_at, failed_run_id, error_code,
             error_message, attempts)
         VALUES (?1, ?2, ?3, ?4, 'failed', ?5, ?6, ?7, ?8, 1)
         ON CONFLICT (provider, account, scope_kind, scope_start) DO UPDATE SET state = 'failed', failed_at = excluded.failed_at,
             failed_run_id = excluded.failed_run_id, error_code = excluded.error_code, error_message = excluded.error_message,
             attempts = bill_scope_coverage.attempts + 1",
        slug,
        account,
        kind,
        start,
        now,
        run,
        code,
        message,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT OR REPLACE INTO sync_run_scope_failures (run_id, provider, account, scope_kind, scope_start, error_code, error_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        run,
        slug,
        account,
        kind,
        start,
        code,
        message,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A `bill_scope_coverage` row as `coverage` selects it (`query_as!` fills it by column name).
struct CoverageRow {
    scope_kind: String,
    scope_start: String,
    state: String,
    ok_at: Option<String>,
    ok_on: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    attempts: i64,
}

/// An account's coverage records of the scopes starting in `from..=to`.
pub async fn coverage(
    store: &AppStore,
    provider: Provider,
    account: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::HashMap<Scope, ScopeRecord>, StoreError> {
    let (slug, from, to) = (provider.slug(), from.to_string(), to.to_string());
    let rows = sqlx::query_as!(
        CoverageRow,
        "SELECT scope_kind, scope_start, state, ok_at, ok_on, error_code, error_message, attempts FROM bill_scope_coverage
         WHERE provider = ?1 AND account = ?2 AND scope_start BETWEEN ?3 AND ?4",
        slug,
        account,
        from,
        to,
    )
    .fetch_all(&store.pool)
    .await?;
    let mut out = std::collections::HashMap::with_capacity(rows.len());
    for CoverageRow { scope_kind: kind, scope_start: start, state, ok_at, ok_on, error_code, error_message, attempts } in rows {
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
    let (provider, taken_at, currency) = (b.provider.slug(), text(b.taken_at), b.currency.code());
    let amount = |d: Option<Decimal>| d.map(|d| d.to_string());
    let (available, credit, granted, topped_up) = (b.available.to_string(), amount(b.credit), amount(b.granted), amount(b.topped_up));
    sqlx::query!(
        "INSERT INTO balance_snapshots (provider, account, taken_at, currency, available, credit, granted, topped_up, sync_run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        provider,
        b.account,
        taken_at,
        currency,
        available,
        credit,
        granted,
        topped_up,
        run,
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// A `balance_snapshots` row as the queries below select it (`query_as!` fills it by column name).
struct BalanceRow {
    provider: String,
    account: String,
    taken_at: String,
    currency: String,
    available: String,
    credit: Option<String>,
    granted: Option<String>,
    topped_up: Option<String>,
}

fn balance(row: BalanceRow) -> Result<BalanceSnapshot, StoreError> {
    let BalanceRow { provider: p, account, taken_at, currency: cur, available, credit, granted, topped_up } = row;
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

/// An account's snapshots taken at or after `since`, oldest first.
pub async fn balances_since(store: &AppStore, p: Provider, account: &str, since: &str) -> Result<Vec<BalanceSnapshot>, StoreError> {
    let slug = p.slug();
    let rows = sqlx::query_as!(
        BalanceRow,
        "SELECT provider, account, taken_at, currency, available, credit, granted, topped_up FROM balance_snapshots
         WHERE provider = ?1 AND account = ?2 AND taken_at >= ?3 ORDER BY taken_at, id",
        slug,
        account,
        since,
    )
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(balance).collect()
}

/// The last snapshot before `before`.
pub async fn balance_before(store: &AppStore, p: Provider, account: &str, before: &str) -> Result<Option<BalanceSnapshot>, StoreError> {
    let slug = p.slug();
    let row = sqlx::query_as!(
        BalanceRow,
        "SELECT provider, account, taken_at, currency, available, credit, granted, topped_up FROM balance_snapshots
         WHERE provider = ?1 AND account = ?2 AND taken_at < ?3 ORDER BY taken_at DESC, id DESC LIMIT 1",
        slug,
        account,
        before,
    )
    .fetch_optional(&store.pool)
    .await?;
    row.map(balance).transpose()
}

/// The newest snapshot of every account.
pub async fn latest_balances(store: &AppStore) -> Result<Vec<BalanceSnapshot>, StoreError> {
    let rows = sqlx::query_as!(
        BalanceRow,
        "SELECT provider, account, taken_at, currency, available, credit, granted, topped_up FROM balance_snapshots b
         WHERE id = (SELECT id FROM balance_snapshots c WHERE c.provider = b.provider AND c.account = b.account
             ORDER BY taken_at DESC, id DESC LIMIT 1)"
    )
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(balance).collect()
}

/// A `bill_lines` row as `lines_between` selects it (`query_as!` fills it by column name).
struct LineRow {
    provider: String,
    account: String,
    billing_cycle: String,
    bill_date: Option<String>,
    product_code: String,
    product_name: String,
    pretax: String,
    payable: String,
    currency: String,
    ai_service: bool,
    source: String,
    sync_run_id: i64,
}

fn line(row: LineRow) -> Result<BillLineView, StoreError> {
    let LineRow {
        provider: p,
        account,
        billing_cycle: cycle,
        bill_date: date,
        product_code,
        product_name,
        pretax,
        payable,
        currency: cur,
        ai_service,
        source,
        sync_run_id: run,
    } = row;
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
    let first_cycle = from.with_day0(0).unwrap_or(from).to_string();
    let (from, to) = (from.to_string(), to.to_string());
    let rows = sqlx::query_as!(
        LineRow,
        r#"SELECT provider, account, billing_cycle, bill_date, product_code, product_name, pretax, payable, currency,
             ai_service AS "ai_service: bool", source, sync_run_id
         FROM bill_lines
         WHERE (bill_date BETWEEN ?1 AND ?2) OR (bill_date IS NULL AND billing_cycle BETWEEN ?3 AND ?2)
         ORDER BY bill_date, provider, account, product_code"#,
        from,
        to,
        first_cycle,
    )
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(line).collect()
}

/// A `sync_runs` row as `run` and `recent_runs` select it (`query_as!` fills it by column name).
struct RunRow {
    id: i64,
    trigger: String,
    started_at: String,
    finished_at: Option<String>,
    state: String,
    window_from: String,
    window_to: String,
}

async fn run_view(store: &AppStore, row: RunRow) -> Result<SyncRunView, StoreError> {
    let RunRow { id, trigger, started_at, finished_at, state, window_from: from, window_to: to } = row;
    let accounts = sqlx::query!(
        r#"SELECT provider, account, display_name, simulated AS "simulated: bool", state, scopes_total, scopes_done, lines,
             error_code, error_message, scopes_failed
         FROM sync_run_accounts WHERE run_id = ?1 ORDER BY provider, account"#,
        id,
    )
    .fetch_all(&store.pool)
    .await?;
    let failure_rows = sqlx::query!(
        "SELECT provider, account, scope_kind, scope_start, error_code, error_message FROM sync_run_scope_failures
         WHERE run_id = ?1 ORDER BY scope_start",
        id,
    )
    .fetch_all(&store.pool)
    .await?;
    let mut failures: std::collections::HashMap<(String, String), Vec<ScopeFailure>> = std::collections::HashMap::new();
    for f in failure_rows {
        let kind = f.scope_kind;
        let scope = Scope::from_parts(&kind, day(&f.scope_start)?).ok_or_else(|| StoreError::BadRow(format!("scope kind {kind:?}")))?;
        failures.entry((f.provider, f.account)).or_default().push(ScopeFailure {
            scope,
            error_code: f.error_code,
            error_message: f.error_message,
        });
    }
    let mut views = Vec::with_capacity(accounts.len());
    for a in accounts {
        let scope_failures = failures.remove(&(a.provider.clone(), a.account.clone())).unwrap_or_default();
        let st = a.state;
        views.push(AccountSyncView {
            provider: provider(&a.provider)?,
            account: a.account,
            display_name: a.display_name,
            simulated: a.simulated,
            state: AccountSyncState::parse(&st).ok_or_else(|| StoreError::BadRow(format!("account state {st:?}")))?,
            scopes_total: a.scopes_total.max(0) as u32,
            scopes_done: a.scopes_done.max(0) as u32,
            lines: a.lines.max(0) as u32,
            scopes_failed: a.scopes_failed.max(0) as u32,
            error_code: a.error_code,
            error_message: a.error_message,
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

pub async fn run(store: &AppStore, id: i64) -> Result<Option<SyncRunView>, StoreError> {
    let row = sqlx::query_as!(
        RunRow,
        "SELECT id, trigger, started_at, finished_at, state, window_from, window_to FROM sync_runs WHERE id = ?1",
        id,
    )
    .fetch_optional(&store.pool)
    .await?;
    match row {
        Some(r) => Ok(Some(run_view(store, r).await?)),
        None => Ok(None),
    }
}

pub async fn recent_runs(store: &AppStore, limit: u32) -> Result<Vec<SyncRunView>, StoreError> {
    let rows = sqlx::query_as!(
        RunRow,
        "SELECT id, trigger, started_at, finished_at, state, window_from, window_to FROM sync_runs ORDER BY id DESC LIMIT ?1",
        limit,
    )
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
    // Every group has a row, so the sums are never NULL: `!` says so to the macro.
    let rows = sqlx::query!(
        r#"SELECT model, COUNT(*) AS "calls!: i64", SUM(prompt_tokens) AS "prompt_tokens!: i64",
             SUM(completion_tokens) AS "completion_tokens!: i64", SUM(image_count) AS "images!: i64",
             SUM(simulated) AS "simulated!: i64"
         FROM ai_usage WHERE occurred_at >= ?1 AND occurred_at < ?2 GROUP BY model ORDER BY model"#,
        from,
        to,
    )
    .fetch_all(&store.pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.model, r.calls, r.prompt_tokens, r.completion_tokens, r.images, r.simulated)).collect())
}
