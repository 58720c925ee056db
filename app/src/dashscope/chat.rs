//! Qwen chat completions through the OpenAI-compatible endpoint, streamed as SSE.
//! `stream_options.include_usage` makes the last chunk carry the token usage
//! (https://help.aliyun.com/zh/model-studio/stream); the chunk shape follows the OpenAI spec.

use std::pin::Pin;
use std::time::Instant;

use backon::Retryable;
use eventsource_stream::Eventsource;
use futures::{stream, Stream, StreamExt};
use serde::{Deserialize, Serialize};

use super::error::retry_after;
use super::{DashScopeClient, DashScopeError};
use crate::ai_usage::TokenUsage;

const PATH: &str = "compatible-mode/v1/chat/completions";

#[derive(Clone, Debug, Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage { role: "system", content: content.into() }
    }
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage { role: "user", content: content.into() }
    }
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    stream: bool,
    stream_options: StreamOptions,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    Delta(String),
    Finished { reason: String },
    Usage(TokenUsage),
}

pub type ChatStream = Pin<Box<dyn Stream<Item = Result<ChatEvent, DashScopeError>> + Send>>;

/// An open answer stream and what the provider said about the request.
pub struct OpenedChat {
    pub events: ChatStream,
    pub request_id: Option<String>,
    pub opened_after: std::time::Duration,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<TokenUsage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
}

/// One SSE `data:` payload → the events it carries.
pub fn parse_chunk(data: &str) -> Result<Vec<ChatEvent>, DashScopeError> {
    let chunk: Chunk = serde_json::from_str(data)
        .map_err(|e| DashScopeError::Malformed(format!("chat chunk is not JSON ({e})")))?;
    let mut events = Vec::new();
    for choice in chunk.choices {
        if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
            events.push(ChatEvent::Delta(text));
        }
        if let Some(reason) = choice.finish_reason {
            events.push(ChatEvent::Finished { reason });
        }
    }
    if let Some(usage) = chunk.usage {
        events.push(ChatEvent::Usage(usage));
    }
    Ok(events)
}

impl DashScopeClient {
    /// Opens a streamed chat completion. Throttling, 5xx and timeouts before the stream starts
    /// are retried with backoff (honouring Retry-After); once text flows, a break is reported
    /// as [`DashScopeError::StreamCut`], never retried (it would bill the answer twice).
    #[tracing::instrument(skip(self, messages), fields(simulated = self.simulated))]
    pub async fn chat_stream(&self, model: &str, messages: &[ChatMessage]) -> Result<OpenedChat, DashScopeError> {
        let started = Instant::now();
        let url = self.url(PATH)?;
        let body = ChatRequest { model, messages, stream: true, stream_options: StreamOptions { include_usage: true } };
        let open = || async {
            let resp = self
                .authorized(self.http.post(url.clone()))
                .json(&body)
                .send()
                .await
                .map_err(DashScopeError::from_reqwest)?;
            let status = resp.status().as_u16();
            if status != 200 {
                let hint = retry_after(resp.headers());
                let bytes = resp.bytes().await.map_err(DashScopeError::from_reqwest)?;
                return Err(self.refused(status, hint, &bytes));
            }
            Ok(resp)
        };
        let resp = open
            .retry(self.retry.backoff())
            .when(DashScopeError::is_retryable)
            .adjust(|e, d| self.retry.adjust(e, d))
            .notify(|e, d| tracing::warn!(error = %e, wait_ms = d.as_millis() as u64, "chat request retried"))
            .await?;
        let request_id = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok(OpenedChat { events: events(resp), request_id, opened_after: started.elapsed() })
    }
}

fn events(resp: reqwest::Response) -> ChatStream {
    let sse = Box::pin(resp.bytes_stream().eventsource());
    let batches = stream::unfold(Some(sse), |state| async move {
        let mut sse = state?;
        loop {
            return match sse.next().await {
                None => Some((Err(DashScopeError::StreamCut("ended before [DONE]".into())), None)),
                Some(Err(e)) => Some((Err(DashScopeError::StreamCut(e.to_string())), None)),
                Some(Ok(ev)) if ev.data.trim() == "[DONE]" => None,
                Some(Ok(ev)) => match parse_chunk(&ev.data) {
                    Ok(batch) if batch.is_empty() => continue,
                    Ok(batch) => Some((Ok(batch), Some(sse))),
                    Err(e) => Some((Err(e), None)),
                },
            };
        }
    });
    Box::pin(batches.flat_map(|batch| {
        stream::iter(match batch {
            Ok(events) => events.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_carry_text_finish_and_usage() {
        let text = r#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"销售"},"finish_reason":null}],"usage":null}"#;
        assert_eq!(parse_chunk(text).unwrap(), vec![ChatEvent::Delta("销售".into())]);
        let stop = r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"#;
        assert_eq!(parse_chunk(stop).unwrap(), vec![ChatEvent::Finished { reason: "stop".into() }]);
        let usage = r#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13}}"#;
        assert_eq!(
            parse_chunk(usage).unwrap(),
            vec![ChatEvent::Usage(TokenUsage { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 })]
        );
        assert!(matches!(parse_chunk("{\"choices\":[{"), Err(DashScopeError::Malformed(_))));
    }
}
