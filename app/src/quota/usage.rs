//! Applying a sub-account's usage to its steps, inside the caller's transaction: the one place
//! alerts are recorded, by the check (new consumption) and by an allocation (new allocated total).
//!
//! Exactly once: an alert is a row unique on (sub-account, cycle, step), inserted with its outbox
//! row and its audit entry in the same transaction; a second check deciding the same (another
//! instance, a retry after a crash) finds the row and records nothing. Whatever needs Volcengine
//! (disable, enable) is only decided here (`iam_pending`) and done after the commit.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::SqliteConnection;

use super::card::{alert_card, AlertFacts};
use super::steps::{decide, Steps, EXHAUSTED};
use super::store::{set_pending, IamChange, State, SubAccount};
use crate::audit::{record_in, AuditActor, AuditEvent};
use crate::store::StoreError;

/// An alert this application of usage recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub id: i64,
    pub step: u8,
    pub disables: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    pub alert: Option<Recorded>,
    /// Steps armed again (a new cycle opened).
    pub rearmed: Vec<u8>,
    /// The IAM change now pending, if this decided one.
    pub change: Option<IamChange>,
}

/// The steps reached in the sub-account's current cycle.
pub async fn fired(conn: &mut SqliteConnection, sub: i64, cycle: i64) -> Result<Vec<u8>, StoreError> {
    let steps = sqlx::query_scalar!(r#"SELECT step AS "step!: i64" FROM quota_alerts WHERE sub_account_id = ?1 AND cycle = ?2 ORDER BY step"#, sub, cycle)
        .fetch_all(&mut *conn)
        .await?;
    Ok(steps.into_iter().filter_map(|s| u8::try_from(s).ok()).collect())
}

async fn mark(conn: &mut SqliteConnection, sub: i64, cycle: i64, step: u8, kind: &str, usage: (&str, &str), disables: bool, at: &str) -> Result<Option<i64>, StoreError> {
    let step = i64::from(step);
    let id = sqlx::query_scalar!(
        r#"INSERT INTO quota_alerts (sub_account_id, cycle, step, kind, consumed, allocated, disables, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (sub_account_id, cycle, step) DO NOTHING RETURNING id AS "id!: i64""#,
        sub,
        cycle,
        step,
        kind,
        usage.0,
        usage.1,
        disables,
        at,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id)
}

/// Where the card's button points (the app's public address), if known.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    pub page_url: Option<&'a str>,
}

/// Decides and records what `consumed` of `allocated` means for `sub` (as read in this
/// transaction), at `now`.
pub async fn apply(
    conn: &mut SqliteConnection,
    sub: &SubAccount,
    steps: &Steps,
    (consumed, allocated): (Decimal, Decimal),
    now: DateTime<Utc>,
    ctx: Context<'_>,
) -> Result<Applied, StoreError> {
    let at = crate::store::now_text();
    let before = fired(conn, sub.id, sub.cycle).await?;
    let decision = decide(steps, consumed, allocated, &before);
    let (consumed_text, allocated_text) = (consumed.to_string(), allocated.to_string());
    let usage = (consumed_text.as_str(), allocated_text.as_str());
    let mut cycle = sub.cycle;
    if !decision.rearmed.is_empty() {
        // A new cycle: the steps still reached come along, marked so they do not fire again.
        cycle += 1;
        sqlx::query!("UPDATE quota_sub_accounts SET cycle = ?2 WHERE id = ?1", sub.id, cycle).execute(&mut *conn).await?;
        for &step in before.iter().filter(|s| !decision.rearmed.contains(s)) {
            mark(conn, sub.id, cycle, step, "carried", usage, false, &at).await?;
        }
    }
    for &step in &decision.silenced {
        mark(conn, sub.id, cycle, step, "passed", usage, false, &at).await?;
    }
    let mut applied = Applied { rearmed: decision.rearmed.clone(), ..Applied::default() };
    if let Some(step) = decision.alert {
        // Disabled by the app with its enable not yet done counts as enabled: it is about to be.
        let enabling = sub.state == State::DisabledByApp && sub.iam_pending == Some(IamChange::Enable);
        let disables = step == EXHAUSTED && sub.auto_disable && (sub.state == State::Active || enabling);
        if let Some(id) = mark(conn, sub.id, cycle, step, "alert", usage, disables, &at).await? {
            let card = alert_card(&AlertFacts {
                user_name: &sub.user_name,
                display_name: &sub.display_name,
                project: &sub.project,
                step,
                consumed,
                allocated,
                disables,
                at: now,
                page_url: ctx.page_url,
            });
            let card = card.to_json().to_string();
            sqlx::query!("INSERT INTO quota_outbox (alert_id, card, next_attempt_at) VALUES (?1, ?2, ?3)", id, card, at)
                .execute(&mut *conn)
                .await?;
            let event = AuditEvent::new("quota.alert", format!("sub_account:{}/{}", sub.account, sub.user_name))
                .after(json!({"step": step, "consumed": usage.0, "allocated": usage.1, "disables": disables, "cycle": cycle}));
            record_in(conn, &AuditActor::system("quota-check"), event).await?;
            applied.alert = Some(Recorded { id, step, disables });
            if disables && enabling {
                set_pending(conn, sub.id, None).await?;
            } else if disables {
                applied.change = Some(IamChange::Disable);
            }
        }
    }
    if decision.rearmed.contains(&EXHAUSTED) {
        match (sub.state, sub.iam_pending) {
            // Disabled by the app: enable again. An admin's disable is theirs to undo.
            (State::DisabledByApp, _) => applied.change = Some(IamChange::Enable),
            // A disable decided but not yet done: no longer wanted.
            (State::Active, Some(IamChange::Disable)) => set_pending(conn, sub.id, None).await?,
            _ => {}
        }
    }
    if let Some(change) = applied.change {
        set_pending(conn, sub.id, Some(change)).await?;
    }
    Ok(applied)
}
