//! Allocations: an append-only ledger per sub-account. One allocation is one `BEGIN IMMEDIATE`
//! transaction — SQLite's write lock taken before anything is read — holding the underflow check,
//! the entry, its effect on the steps and its audit entry, so concurrent allocations (two admins,
//! two tabs, an API key, two app instances) are serialised by the store and none is lost.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::SqliteConnection;

use super::model::AllocationView;
use super::store::{self, decimal, SubAccount};
use super::usage::{self, Applied};
use crate::audit::{record_in, AuditActor, AuditEvent};
use crate::calendar::shanghai_day;
use crate::store::{parse_time, AppStore, StoreError};

/// An allocation (+) or deduction (−), already checked for shape.
#[derive(Clone, Debug)]
pub struct Allocation {
    pub sub_account_id: i64,
    pub amount: Decimal,
    pub reason: String,
    pub request_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("no such sub-account")]
    NotFound,
    /// The deduction would take the allocated total below what is already consumed.
    #[error("deduction below consumption: allocated {allocated}, consumed {consumed}")]
    Underflow { allocated: Decimal, consumed: Decimal },
    /// The form's key was used for another sub-account.
    #[error("request key reused")]
    KeyReused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for LedgerError {
    fn from(e: sqlx::Error) -> Self {
        LedgerError::Store(e.into())
    }
}

#[derive(Debug)]
pub enum Allocated {
    /// A new entry, and what it did to the steps.
    Made { entry: AllocationView, applied: Applied, sub: SubAccount },
    /// The same form again: the entry it made the first time.
    Repeated(AllocationView),
}

struct EntryRow {
    id: i64,
    sub_account_id: i64,
    amount: String,
    balance_before: String,
    balance_after: String,
    consumed: String,
    operator: String,
    reason: String,
    at: String,
}

impl EntryRow {
    fn view(self) -> Result<AllocationView, StoreError> {
        Ok(AllocationView {
            id: self.id,
            amount: decimal(&self.amount)?,
            balance_before: decimal(&self.balance_before)?,
            balance_after: decimal(&self.balance_after)?,
            consumed: decimal(&self.consumed)?,
            operator: self.operator,
            reason: self.reason,
            at: parse_time(&self.at)?,
        })
    }
}

/// Records `a` by `actor` at `now`.
pub async fn allocate(store: &AppStore, a: &Allocation, actor: &AuditActor, now: DateTime<Utc>, ctx: usage::Context<'_>) -> Result<Allocated, LedgerError> {
    let mut tx = store.pool.begin_with("BEGIN IMMEDIATE").await?;
    if let Some(key) = &a.request_key {
        if let Some(row) = by_key(&mut tx, key).await? {
            if row.sub_account_id != a.sub_account_id {
                return Err(LedgerError::KeyReused);
            }
            return Ok(Allocated::Repeated(row.view()?));
        }
    }
    let mut sub = store::sub_account(&mut tx, a.sub_account_id).await?.ok_or(LedgerError::NotFound)?;
    let before = store::allocated(&mut tx, sub.id).await?;
    let consumed = store::consumed(&mut tx, sub.id).await?;
    let after = before + a.amount;
    if a.amount < Decimal::ZERO && after < consumed.max(Decimal::ZERO) {
        return Err(LedgerError::Underflow { allocated: before, consumed });
    }
    let at = crate::store::now_text();
    let (amount, before_text, after_text, consumed_text) = (a.amount.to_string(), before.to_string(), after.to_string(), consumed.to_string());
    let id = sqlx::query_scalar!(
        r#"INSERT INTO quota_allocations (sub_account_id, amount, balance_before, balance_after, consumed, operator, reason, at, request_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id AS "id!: i64""#,
        sub.id,
        amount,
        before_text,
        after_text,
        consumed_text,
        actor.name,
        a.reason,
        at,
        a.request_key,
    )
    .fetch_one(&mut *tx)
    .await?;
    if sub.first_allocated_on.is_none() {
        let day = shanghai_day(now);
        let text = day.to_string();
        sqlx::query!("UPDATE quota_sub_accounts SET first_allocated_on = ?2 WHERE id = ?1", sub.id, text).execute(&mut *tx).await?;
        sub.first_allocated_on = Some(day);
    }
    let steps = match &sub.steps {
        Some(s) => s.clone(),
        None => store::settings_in(&mut tx).await?.default_steps,
    };
    let applied = usage::apply(&mut tx, &sub, &steps, (consumed, after), now, ctx).await?;
    let event = AuditEvent::new("quota.allocate", format!("sub_account:{}/{}", sub.account, sub.user_name))
        .before(json!({"allocated": before_text}))
        .after(json!({"allocated": after_text, "amount": amount, "reason": a.reason, "consumed": consumed_text, "entry": id}));
    record_in(&mut tx, actor, event).await?;
    tx.commit().await?;
    let entry = AllocationView { id, amount: a.amount, balance_before: before, balance_after: after, consumed, operator: actor.name.clone(), reason: a.reason.clone(), at: parse_time(&at)? };
    Ok(Allocated::Made { entry, applied, sub })
}

async fn by_key(conn: &mut SqliteConnection, key: &str) -> Result<Option<EntryRow>, StoreError> {
    Ok(sqlx::query_as!(
        EntryRow,
        r#"SELECT id AS "id!: i64", sub_account_id AS "sub_account_id!: i64", amount, balance_before, balance_after, consumed, operator, reason, at
           FROM quota_allocations WHERE request_key = ?1"#,
        key
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// A sub-account's ledger, newest first.
pub async fn history(store: &AppStore, sub: i64) -> Result<Vec<AllocationView>, StoreError> {
    let rows = sqlx::query_as!(
        EntryRow,
        r#"SELECT id AS "id!: i64", sub_account_id AS "sub_account_id!: i64", amount, balance_before, balance_after, consumed, operator, reason, at
           FROM quota_allocations WHERE sub_account_id = ?1 ORDER BY id DESC"#,
        sub
    )
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(EntryRow::view).collect()
}

/// How many entries each sub-account has.
pub async fn counts(store: &AppStore) -> Result<Vec<(i64, u32)>, StoreError> {
    let rows = sqlx::query!(r#"SELECT sub_account_id AS "id!: i64", COUNT(*) AS "n!: i64" FROM quota_allocations GROUP BY sub_account_id"#)
        .fetch_all(&store.pool)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, u32::try_from(r.n).unwrap_or(u32::MAX))).collect())
}
