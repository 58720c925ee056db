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
    // The query borrows its arguments, so computed ones are bound first.
    let (now, outcome) = (now_text(), r.outcome.as_str());
    let (prompt_tokens, completion_tokens, total_tokens) =
        (r.tokens.prompt_tokens as i64, r.tokens.completion_tokens as i64, r.tokens.total_tokens as i64);
    let (image_count, duration_ms) = (r.image_count as i64, r.duration.as_millis().min(i64::MAX as u128) as i64);
    let id = sqlx::query_scalar!(
        r#"INSERT INTO ai_usage (occurred_at, provider, simulated, model, purpose, prompt_tokens, completion_tokens,
             total_tokens, image_count, duration_ms, outcome, error_code, request_id)
         VALUES (?1, 'dashscope', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id AS "id!: i64""#,
        now,
        r.simulated,
        r.model,
        r.purpose,
        prompt_tokens,
        completion_tokens,
        total_tokens,
        image_count,
        duration_ms,
        outcome,
        r.error_code,
        r.request_id,
    )
    .fetch_one(&store.pool)
    .await?;
    Ok(id)
}
