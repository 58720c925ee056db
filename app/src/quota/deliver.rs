//! Delivering the outbox to Feishu: the oldest due alert first (so a sub-account's cards arrive
//! in the order they were recorded), within the bot's limits, one attempt per claim; a failure
//! stays in the outbox with Feishu's answer and the next attempt's time, backing off.
//!
//! Guarantee: every alert is recorded exactly once; delivery is at least once. Feishu has no
//! idempotency key, so a card is sent twice only when Feishu took it but its answer was lost
//! (timeout, crash before the delivery was marked) — then the retry sends it again.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::alerts;
use super::service::QuotaServices;
use crate::feishu::{send_json_with, FeishuRetry, SendOptions};
use crate::store::StoreError;

/// How long a claim holds an outbox row (longer than one send with its timeout).
const CLAIM: Duration = Duration::from_secs(120);
const FIRST_RETRY: Duration = Duration::from_secs(30);
const LONGEST_WAIT: Duration = Duration::from_secs(3600);

/// The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … at most an hour.
pub fn backoff(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(LONGEST_WAIT)
}

fn later(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(1))
}

/// Sends every due alert; how many were delivered.
pub async fn due(q: &QuotaServices) -> Result<u32, StoreError> {
    let hook = q.webhook().await?;
    let mut delivered = 0;
    loop {
        let now = Utc::now();
        let Some(claimed) = alerts::claim_next(&q.store, &q.instance, now, later(now, CLAIM)).await? else { break };
        let next = later(now, backoff(claimed.attempts));
        let Some(hook) = &hook else {
            alerts::failed(&q.store, claimed.alert_id, &q.instance, crate::i18n::tr().quota.e_no_webhook, next).await?;
            continue;
        };
        let card: serde_json::Value = match serde_json::from_str(&claimed.card) {
            Ok(card) => card,
            Err(e) => {
                alerts::failed(&q.store, claimed.alert_id, &q.instance, &format!("stored card unreadable: {e}"), later(now, LONGEST_WAIT)).await?;
                continue;
            }
        };
        q.feishu_slot().await;
        // One attempt: the outbox is the retry, with its own backoff kept in the store.
        let options = SendOptions { at: None, retry: FeishuRetry { attempts: 1, ..FeishuRetry::default() } };
        match send_json_with(&q.http, &hook.webhook, &card, &options).await {
            Ok(_) => {
                alerts::delivered(&q.store, claimed.alert_id, &q.instance, Utc::now()).await?;
                delivered += 1;
            }
            Err(e) => alerts::failed(&q.store, claimed.alert_id, &q.instance, &e.detail(), next).await?,
        }
    }
    Ok(delivered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(5), Duration::from_secs(480));
        assert_eq!(backoff(12), Duration::from_secs(3600));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(3600));
    }
}
