//! One check at a time, across processes: a row in the store taken by a single conditional
//! UPDATE. A holder that stopped (crash, kill) leaves a lease that expires; the next check takes
//! it. Each check takes it under its own owner id, so a scheduled check and a 立即检查 in the same
//! process exclude each other too. `last_started_at` is the schedule's reference for every
//! instance.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::alerts::text;
use crate::store::{parse_time, AppStore, StoreError};

const NAME: &str = "quota.check";

fn expiry(now: DateTime<Utc>, ttl: Duration) -> String {
    text(now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(30)))
}

/// Takes the lease for `owner` unless another holder's is still live.
pub async fn acquire(store: &AppStore, owner: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool, StoreError> {
    let (at, until) = (text(now), expiry(now, ttl));
    let done = sqlx::query!(
        "UPDATE quota_lease SET owner = ?2, expires_at = ?3, last_started_at = ?4
         WHERE name = ?1 AND (owner IS NULL OR expires_at IS NULL OR expires_at <= ?4)",
        NAME,
        owner,
        until,
        at
    )
    .execute(&store.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Extends the lease while the check goes on; false when `owner` lost it (it expired and another
/// took it), and the check should stop.
pub async fn renew(store: &AppStore, owner: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool, StoreError> {
    let until = expiry(now, ttl);
    let done = sqlx::query!("UPDATE quota_lease SET expires_at = ?3 WHERE name = ?1 AND owner = ?2", NAME, owner, until)
        .execute(&store.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn release(store: &AppStore, owner: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let at = text(now);
    sqlx::query!("UPDATE quota_lease SET owner = NULL, expires_at = NULL, last_finished_at = ?3 WHERE name = ?1 AND owner = ?2", NAME, owner, at)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// When the last check started and finished.
pub async fn last_times(store: &AppStore) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>), StoreError> {
    let row = sqlx::query!("SELECT last_started_at, last_finished_at FROM quota_lease WHERE name = ?1", NAME).fetch_one(&store.pool).await?;
    let t = |v: Option<String>| v.as_deref().map(parse_time).transpose();
    Ok((t(row.last_started_at)?, t(row.last_finished_at)?))
}
