//! The insight service (server only): look up a cached insight, or build the prompt, stream the
//! model's answer to the page and store it once complete.

use std::time::Instant;

use futures::StreamExt;
use tokio::sync::mpsc;
use tracing::Instrument;

use super::model::{AiSource, InsightEvent, InsightView};
use super::prompts::{self, BuiltPrompt};
use super::store::{self, InsightKey};
use crate::ai_usage::store::{record, UsageRecord};
use crate::ai_usage::{Outcome, TokenUsage};
use crate::dashscope::chat::{ChatEvent, ChatMessage};
use crate::dashscope::{DashScopeClient, DashScopeError};
use crate::error::{AppError, LimitedAction};
use crate::limits::Caller;
use crate::sales::model::AnalysisKind;
use crate::sales::params::{self, AnalysisParams};
use crate::url_query::RawQuery;
use crate::ai_services::AiServices;
use crate::sales::service::SalesService;
use crate::store::AppStore;

/// What the insights need: the sales results they describe, the model, the cache.
#[derive(Clone)]
pub struct InsightServices {
    pub sales: SalesService,
    pub ai: AiServices,
    pub store: AppStore,
}

/// Who answers: the configured DashScope, the local simulator, or nobody.
fn source(ai: &AiServices) -> AiSource {
    match &ai.client() {
        Some(c) if c.simulated => AiSource::Simulator,
        Some(_) => AiSource::DashScope,
        None => AiSource::NotConfigured,
    }
}

/// How old an analysis may be and still be described: data is not re-queried for the insight.
const RECENT: std::time::Duration = std::time::Duration::from_secs(600);

fn key(kind: AnalysisKind, params: &AnalysisParams, fingerprint: &str, model: &str, version: &str, simulated: bool) -> InsightKey {
    InsightKey {
        analysis: kind.slug().to_string(),
        params_json: serde_json::to_string(params).unwrap_or_default(),
        data_fingerprint: fingerprint.to_string(),
        model: model.to_string(),
        prompt_version: version.to_string(),
        simulated,
    }
}

/// What the panel shows on opening: who answers, and the cached insight for this exact data
/// (`fingerprint` comes from the analysis the page already has, so nothing is re-queried).
#[tracing::instrument(skip(state, raw))]
pub async fn view(state: &InsightServices, kind: &str, raw: &RawQuery, fingerprint: &str) -> Result<InsightView, AppError> {
    let kind = AnalysisKind::from_slug(kind).ok_or_else(|| AppError::UnknownAnalysis(kind.chars().take(64).collect()))?;
    let ai = &state.ai;
    let cached = match &ai.client() {
        Some(client) => {
            let span = crate::sales::service::data_span(&state.sales.warehouse).await?;
            let params = params::parse(kind, raw, span)?;
            let version = prompts::template(kind).version;
            let key = key(kind, &params, fingerprint, &ai.chat_model, version, client.simulated);
            store::find(&state.store, &key).await?
        }
        None => None,
    };
    Ok(InsightView { source: source(ai), model: ai.chat_model.clone(), cached })
}

/// Starts an insight: the cached one unless `regenerate`, else a new model call. The call runs
/// in its own task, so an answer is finished, stored and accounted for even if the page closes.
#[tracing::instrument(skip(state, raw))]
pub async fn open(state: &InsightServices, caller: &Caller, kind: &str, raw: &RawQuery, regenerate: bool) -> Result<mpsc::Receiver<InsightEvent>, AppError> {
    let Some(client) = state.ai.client() else { return Err(AppError::AiNotConfigured) };
    // The data the page shows (run moments ago), so the insight describes what the user sees.
    let result = crate::sales::service::recent_or_run(&state.sales, kind, raw, RECENT).await?;
    let prompt = prompts::build(&result, state.ai.insight_token_budget);
    let model = state.ai.chat_model.clone();
    let key = key(result.kind, &result.params, &result.fingerprint, &model, prompt.version, client.simulated);
    let (tx, rx) = mpsc::channel(256);
    if !regenerate {
        if let Some(insight) = store::find(&state.store, &key).await? {
            let _ = tx.send(InsightEvent::Started { model, simulated: insight.simulated, from_cache: true }).await;
            let _ = tx.send(InsightEvent::Done { insight }).await;
            return Ok(rx);
        }
    }
    // Only a model call counts: a cached insight is free.
    state.ai.limits.check(LimitedAction::Insight, caller)?;
    let span = tracing::info_span!("insight_generation", analysis = %key.analysis, model = %model, simulated = client.simulated);
    tokio::spawn(generate(state.clone(), client, prompt, key, tx).instrument(span));
    Ok(rx)
}

struct Answer {
    text: String,
    usage: Option<TokenUsage>,
    failure: Option<DashScopeError>,
    request_id: Option<String>,
}

async fn generate(state: InsightServices, client: DashScopeClient, prompt: BuiltPrompt, key: InsightKey, tx: mpsc::Sender<InsightEvent>) {
    let started = Instant::now();
    let _ = tx.send(InsightEvent::Started { model: key.model.clone(), simulated: client.simulated, from_cache: false }).await;
    let messages = [ChatMessage::system(&prompt.system), ChatMessage::user(&prompt.user)];
    let answer = match client.chat_stream(&key.model, &messages).await {
        Ok(opened) => {
            tracing::debug!(open_ms = opened.opened_after.as_millis() as u64, "stream open");
            relay(opened.events, opened.request_id, &tx).await
        }
        Err(e) => Answer { text: String::new(), usage: None, failure: Some(e), request_id: None },
    };
    let complete = answer.failure.is_none() && !answer.text.is_empty();
    // Without a usage chunk (a cut stream), spend is estimated from the text: tokens were used.
    let tokens = answer.usage.unwrap_or_else(|| {
        if answer.text.is_empty() {
            TokenUsage::default()
        } else {
            let p = prompts::estimate_tokens(&prompt.system) + prompts::estimate_tokens(&prompt.user);
            let c = prompts::estimate_tokens(&answer.text);
            TokenUsage { prompt_tokens: p as u32, completion_tokens: c as u32, total_tokens: (p + c) as u32 }
        }
    });
    let outcome = match (&answer.failure, answer.text.is_empty()) {
        (None, false) => Outcome::Ok,
        (Some(_), false) => Outcome::Incomplete,
        _ => Outcome::Failed,
    };
    let purpose = format!("insight:{}", key.analysis);
    let usage_id = record(
        &state.store,
        &UsageRecord {
            simulated: client.simulated,
            model: &key.model,
            purpose: &purpose,
            tokens,
            image_count: 0,
            duration: started.elapsed(),
            outcome,
            error_code: answer.failure.as_ref().and_then(|e| e.code()),
            request_id: answer.request_id.as_deref(),
        },
    )
    .await
    .map_err(|e| tracing::error!(error = %e, "usage not recorded"))
    .ok();
    let event = if complete {
        let rows = (prompt.rows_in_prompt as u32, prompt.rows_total as u32);
        match store::save(&state.store, &key, &answer.text, tokens, rows, usage_id).await {
            Ok(insight) => InsightEvent::Done { insight },
            Err(e) => InsightEvent::Failed { error: AppError::from(e), partial: true },
        }
    } else {
        let error = match &answer.failure {
            Some(e) => AppError::from(e),
            None => AppError::AiStreamCut,
        };
        InsightEvent::Failed { error, partial: !answer.text.is_empty() }
    };
    tracing::info!(?outcome, ms = started.elapsed().as_millis() as u64, tokens = tokens.total_tokens, "insight finished");
    let _ = tx.send(event).await;
}

/// Forwards text as it comes; stops at the end or the first error.
async fn relay(mut events: crate::dashscope::chat::ChatStream, request_id: Option<String>, tx: &mpsc::Sender<InsightEvent>) -> Answer {
    let mut answer = Answer { text: String::new(), usage: None, failure: None, request_id };
    while let Some(event) = events.next().await {
        match event {
            Ok(ChatEvent::Delta(text)) => {
                answer.text.push_str(&text);
                // The page may have gone; the answer is still finished and stored.
                let _ = tx.send(InsightEvent::Delta { text }).await;
            }
            Ok(ChatEvent::Usage(u)) => answer.usage = Some(u),
            Ok(ChatEvent::Finished { .. }) => {}
            Err(e) => {
                answer.failure = Some(e);
                break;
            }
        }
    }
    answer
}
