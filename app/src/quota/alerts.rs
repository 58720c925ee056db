//! The recorded alerts (the list with its filters) and their Feishu outbox: claimed one at a
//! time by a single UPDATE (so two instances never send the same alert at once), marked
//! delivered or failed with the next attempt's time.

use chrono::{DateTime, Utc};

use super::model::{AlertFilter, AlertView, Delivery};
use super::store::decimal;
use crate::calendar::shanghai_midnight;
use crate::store::{parse_time, AppStore, StoreError};

/// A stored instant, as every row writes it (text order is time order).
pub fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn opt_time(t: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    t.as_deref().map(parse_time).transpose()
}

/// The newest `limit` alerts matching `filter`.
pub async fn list(store: &AppStore, filter: &AlertFilter, limit: u32) -> Result<Vec<AlertView>, StoreError> {
    let from = filter.from.map(|d| text(shanghai_midnight(d)));
    let to = filter.to.and_then(|d| d.succ_opt()).map(|d| text(shanghai_midnight(d)));
    let (undelivered, limit) = (filter.undelivered, i64::from(limit));
    let rows = sqlx::query!(
        r#"SELECT a.id AS "id!: i64", a.sub_account_id AS "sub!: i64", s.user_name, s.project, a.step AS "step!: i64", a.consumed, a.allocated,
                  a.disables AS "disables!: bool", a.at, o.delivered_at, o.attempts AS "attempts: i64", o.last_error, o.next_attempt_at
           FROM quota_alerts a JOIN quota_sub_accounts s ON s.id = a.sub_account_id LEFT JOIN quota_outbox o ON o.alert_id = a.id
           WHERE a.kind = 'alert' AND (?1 IS NULL OR a.sub_account_id = ?1) AND (?2 = 0 OR o.delivered_at IS NULL)
             AND (?3 IS NULL OR a.at >= ?3) AND (?4 IS NULL OR a.at < ?4)
           ORDER BY a.id DESC LIMIT ?5"#,
        filter.sub_account_id,
        undelivered,
        from,
        to,
        limit,
    )
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let delivered_at = opt_time(r.delivered_at)?;
            Ok(AlertView {
                id: r.id,
                sub_account_id: r.sub,
                user_name: r.user_name,
                project: r.project,
                step: u8::try_from(r.step).map_err(|_| StoreError::BadRow("step".into()))?,
                consumed: decimal(&r.consumed)?,
                allocated: decimal(&r.allocated)?,
                disables: r.disables,
                at: parse_time(&r.at)?,
                delivery: Delivery {
                    next_attempt_at: if delivered_at.is_some() { None } else { opt_time(r.next_attempt_at)? },
                    delivered_at,
                    attempts: u32::try_from(r.attempts.unwrap_or(0)).unwrap_or(0),
                    last_error: r.last_error,
                },
            })
        })
        .collect()
}

/// An outbox row this instance now holds.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub alert_id: i64,
    pub card: String,
    /// Including this one.
    pub attempts: u32,
}

/// Takes the oldest due, undelivered alert for `owner` until `until`.
pub async fn claim_next(store: &AppStore, owner: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<Option<Claimed>, StoreError> {
    let (now, until) = (text(now), text(until));
    let row = sqlx::query!(
        r#"UPDATE quota_outbox SET claimed_by = ?1, claimed_until = ?2, attempts = attempts + 1
           WHERE alert_id = (SELECT alert_id FROM quota_outbox
                             WHERE delivered_at IS NULL AND next_attempt_at <= ?3 AND (claimed_until IS NULL OR claimed_until <= ?3)
                             ORDER BY alert_id LIMIT 1)
           RETURNING alert_id AS "alert_id!: i64", card, attempts AS "attempts!: i64""#,
        owner,
        until,
        now,
    )
    .fetch_optional(&store.pool)
    .await?;
    Ok(row.map(|r| Claimed { alert_id: r.alert_id, card: r.card, attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX) }))
}

pub async fn delivered(store: &AppStore, alert: i64, owner: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    let at = text(at);
    sqlx::query!(
        "UPDATE quota_outbox SET delivered_at = ?3, last_error = NULL, claimed_by = NULL, claimed_until = NULL WHERE alert_id = ?1 AND claimed_by = ?2",
        alert,
        owner,
        at
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

pub async fn failed(store: &AppStore, alert: i64, owner: &str, error: &str, next: DateTime<Utc>) -> Result<(), StoreError> {
    let next = text(next);
    sqlx::query!(
        "UPDATE quota_outbox SET last_error = ?3, next_attempt_at = ?4, claimed_by = NULL, claimed_until = NULL WHERE alert_id = ?1 AND claimed_by = ?2",
        alert,
        owner,
        error,
        next
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// An admin's resend: due now, delivered or not (a delivered one is then sent again, on purpose).
pub async fn resend(store: &AppStore, alert: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let now = text(now);
    let done = sqlx::query!(
        "UPDATE quota_outbox SET delivered_at = NULL, next_attempt_at = ?2, claimed_by = NULL, claimed_until = NULL WHERE alert_id = ?1",
        alert,
        now
    )
    .execute(&store.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The delivery state of one alert.
pub async fn delivery(store: &AppStore, alert: i64) -> Result<Option<Delivery>, StoreError> {
    let row = sqlx::query!(r#"SELECT delivered_at, attempts AS "attempts!: i64", last_error, next_attempt_at FROM quota_outbox WHERE alert_id = ?1"#, alert)
        .fetch_optional(&store.pool)
        .await?;
    row.map(|r| {
        let delivered_at = opt_time(r.delivered_at)?;
        Ok(Delivery {
            next_attempt_at: if delivered_at.is_some() { None } else { Some(parse_time(&r.next_attempt_at)?) },
            delivered_at,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            last_error: r.last_error,
        })
    })
    .transpose()
}
