//! Bills, sync runs and balances in the app store.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

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

pub async fn create_run(store: &AppStore, trigger: SyncTrigger, from: NaiveDate, to: NaiveDate) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO sync_runs (trigger, started_at, state, window_from, window_to) VALUES (?1, ?2, 'running', ?3, ?4) RETURNING id",
    )
    .bind(trigger.as_str())
    .bind(now_text())
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_one(&store.pool)
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
             error_message = ?9, finished_at = COALESCE(?10, finished_at)
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
    .execute(&store.pool)
    .await?;
    Ok(())
}

pub async fn finish_run(store: &AppStore, run: i64, state: RunState) -> Result<(), StoreError> {
    sqlx::query("UPDATE sync_runs SET state = ?2, finished_at = ?3 WHERE id = ?1")
        .bind(run)
        .bind(state.as_str())
        .bind(now_text())
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// Runs left `running` by a stopped process are closed as failed at start-up.
pub async fn close_abandoned_runs(store: &AppStore) -> Result<u64, StoreError> {
    let now = now_text();
    sqlx::query("UPDATE sync_run_accounts SET state = 'failed', error_code = 'Interrupted', error_message = '服务重启时同步尚未完成'
                 WHERE state IN ('pending', 'running') AND run_id IN (SELECT id FROM sync_runs WHERE state = 'running')")
        .execute(&store.pool)
        .await?;
    let done = sqlx::query("UPDATE sync_runs SET state = 'failed', finished_at = ?1 WHERE state = 'running'")
        .bind(now)
        .execute(&store.pool)
        .await?;
    Ok(done.rows_affected())
}

/// Replaces an account's lines for one scope with `lines`, in one transaction.
pub async fn replace_scope(
    store: &AppStore,
    provider: Provider,
    account: &str,
    scope: Scope,
    source: &str,
    lines: &[BillLine],
    run: i64,
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
    tx.commit().await?;
    Ok(lines.len() as u64)
}

pub async fn has_lines(store: &AppStore, provider: Provider, account: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM bill_lines WHERE provider = ?1 AND account = ?2)")
        .bind(provider.slug())
        .bind(account)
        .fetch_one(&store.pool)
        .await?;
    Ok(n != 0)
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
type RunAccountRow = (String, String, String, bool, String, i64, i64, i64, Option<String>, Option<String>);

async fn run_view(store: &AppStore, row: RunRow) -> Result<SyncRunView, StoreError> {
    let (id, trigger, started_at, finished_at, state, from, to) = row;
    let accounts = sqlx::query_as::<_, RunAccountRow>(
        "SELECT provider, account, display_name, simulated, state, scopes_total, scopes_done, lines, error_code, error_message
         FROM sync_run_accounts WHERE run_id = ?1 ORDER BY provider, account",
    )
    .bind(id)
    .fetch_all(&store.pool)
    .await?;
    let mut views = Vec::with_capacity(accounts.len());
    for (p, account, display_name, simulated, st, total, done, lines, error_code, error_message) in accounts {
        views.push(AccountSyncView {
            provider: provider(&p)?,
            account,
            display_name,
            simulated,
            state: AccountSyncState::parse(&st).ok_or_else(|| StoreError::BadRow(format!("account state {st:?}")))?,
            scopes_total: total.max(0) as u32,
            scopes_done: done.max(0) as u32,
            lines: lines.max(0) as u32,
            error_code,
            error_message,
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
