//! Complete insights in the app store, one per cache key.

use sha2::{Digest, Sha256};

use super::model::Insight;
use crate::ai_usage::TokenUsage;
use crate::store::{now_text, parse_time, AppStore, StoreError};

/// What makes two insights interchangeable.
#[derive(Clone, Debug)]
pub struct InsightKey {
    pub analysis: String,
    pub params_json: String,
    pub data_fingerprint: String,
    pub model: String,
    pub prompt_version: String,
    pub simulated: bool,
}

impl InsightKey {
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [&self.analysis, &self.params_json, &self.data_fingerprint, &self.model, &self.prompt_version] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        h.update([self.simulated as u8]);
        hex::encode(h.finalize())
    }
}

/// An `insights` row as `find` selects it (`query_as!` fills it by column name).
struct Row {
    text: String,
    model: String,
    prompt_version: String,
    simulated: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    created_at: String,
    rows_in_prompt: i64,
    rows_total: i64,
}

fn insight(row: Row) -> Result<Insight, StoreError> {
    let Row { text, model, prompt_version, simulated, prompt_tokens, completion_tokens, created_at, rows_in_prompt: rows_in, rows_total } =
        row;
    let tokens = TokenUsage {
        prompt_tokens: prompt_tokens.max(0) as u32,
        completion_tokens: completion_tokens.max(0) as u32,
        total_tokens: (prompt_tokens + completion_tokens).max(0) as u32,
    };
    Ok(Insight {
        text,
        model,
        prompt_version,
        created_at: parse_time(&created_at)?,
        tokens,
        simulated: simulated != 0,
        rows_in_prompt: rows_in.max(0) as u32,
        rows_total: rows_total.max(0) as u32,
    })
}

pub async fn find(store: &AppStore, key: &InsightKey) -> Result<Option<Insight>, StoreError> {
    let hash = key.hash();
    let row = sqlx::query_as!(
        Row,
        "SELECT text, model, prompt_version, simulated, prompt_tokens, completion_tokens, created_at, rows_in_prompt, rows_total
         FROM insights WHERE cache_key = ?1",
        hash,
    )
    .fetch_optional(&store.pool)
    .await?;
    row.map(insight).transpose()
}

/// Stores a complete insight, replacing an older one for the same key.
pub async fn save(
    store: &AppStore,
    key: &InsightKey,
    text: &str,
    tokens: TokenUsage,
    rows: (u32, u32),
    usage_id: Option<i64>,
) -> Result<Insight, StoreError> {
    let created_at = now_text();
    // The query borrows its arguments (sqlx::query!), so computed ones are bound first.
    let hash = key.hash();
    let (prompt_tokens, completion_tokens) = (i64::from(tokens.prompt_tokens), i64::from(tokens.completion_tokens));
    let (rows_in_prompt, rows_total) = (i64::from(rows.0), i64::from(rows.1));
    sqlx::query!(
        "INSERT INTO insights (cache_key, analysis, params_json, data_fingerprint, model, prompt_version, simulated, text,
             prompt_tokens, completion_tokens, created_at, usage_id, rows_in_prompt, rows_total)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (cache_key) DO UPDATE SET text = excluded.text, prompt_tokens = excluded.prompt_tokens,
             completion_tokens = excluded.completion_tokens, created_at = excluded.created_at, usage_id = excluded.usage_id,
             rows_in_prompt = excluded.rows_in_prompt, rows_total = excluded.rows_total",
        hash,
        key.analysis,
        key.params_json,
        key.data_fingerprint,
        key.model,
        key.prompt_version,
        key.simulated,
        text,
        prompt_tokens,
        completion_tokens,
        created_at,
        usage_id,
        rows_in_prompt,
        rows_total,
    )
    .execute(&store.pool)
    .await?;
    Ok(Insight {
        text: text.to_string(),
        model: key.model.clone(),
        prompt_version: key.prompt_version.clone(),
        created_at: parse_time(&created_at)?,
        tokens,
        simulated: key.simulated,
        rows_in_prompt: rows.0,
        rows_total: rows.1,
    })
}
