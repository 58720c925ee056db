//! Recording model calls in the app store.

use std::time::Duration;

use super::{Outcome, TokenUsage};
use crate::store::{now_text, AppStore, StoreError};

/// One model call, as recorded.
#[derive(Clone, Debug)]
pub struct UsageRecord<'a> {
    pub simulated: bool,
    pub model: &'a str,
    pub purpose: &'a str,
    pub tokens: TokenUsage,
    pub image_count: u32,
    pub duration: Duration,
    pub outcome: Outcome,
    pub error_code: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

pub async fn record(store: &AppStore, r: &UsageRecord<'_>) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO ai_usage (occurred_at, provider, simulated, model, purpose, prompt_tokens, completion_tokens,
             total_tokens, image_count, duration_ms, outcome, error_code, request_id)
         VALUES (?1, 'dashscope', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
    )
    .bind(now_text())
    .bind(r.simulated)
    .bind(r.model)
    .bind(r.purpose)
    .bind(r.tokens.prompt_tokens as i64)
    .bind(r.tokens.completion_tokens as i64)
    .bind(r.tokens.total_tokens as i64)
    .bind(r.image_count as i64)
    .bind(r.duration.as_millis().min(i64::MAX as u128) as i64)
    .bind(r.outcome.as_str())
    .bind(r.error_code)
    .bind(r.request_id)
    .fetch_one(&store.pool)
    .await?;
    Ok(id)
}

/// Totals per model and purpose (the AI cost page's "estimated from usage" side).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageTotal {
    pub model: String,
    pub purpose: String,
    pub calls: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub image_count: i64,
}

pub async fn totals(store: &AppStore) -> Result<Vec<UsageTotal>, StoreError> {
    let rows = sqlx::query_as::<_, (String, String, i64, i64, i64, i64)>(
        "SELECT model, purpose, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(image_count)
         FROM ai_usage GROUP BY model, purpose ORDER BY model, purpose",
    )
    .fetch_all(&store.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(model, purpose, calls, prompt_tokens, completion_tokens, image_count)| UsageTotal {
            model,
            purpose,
            calls,
            prompt_tokens,
            completion_tokens,
            image_count,
        })
        .collect())
}
