//! The OpenAI-compatible chat endpoint: request checks, the completion and its SSE stream, with
//! faults that replace, truncate or cut the answer.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::answer::{compose_answer, estimate_tokens, split_chunks};
use super::{json_response, uuid_like, with_retry_after, Endpoint, Fault, Gate, Latency, SimControl};
use super::{INSPECTION_MESSAGE, RATE_LIMIT_MESSAGE, SERVER_ERROR_MESSAGE};
use crate::simulator::control::truncated;

/// The OpenAI-compatible error envelope, as in the error-code page's example.
fn compat_error(status: StatusCode, code: &str, kind: &str, message: &str) -> Response {
    let body = json!({
        "error": {"message": message, "type": kind, "param": null, "code": code},
        "request_id": uuid_like(),
    });
    json_response(status, &body)
}

fn invalid_request(message: &str) -> Response {
    compat_error(
        StatusCode::BAD_REQUEST,
        "invalid_parameter_error",
        "invalid_request_error",
        message,
    )
}

/// Faults that replace the whole answer; the rest shape the answer later.
fn compat_fault_response(fault: &Fault) -> Option<Response> {
    // Each of these codes doubles as its error type.
    let (status, code, message) = match fault {
        Fault::Throttle { .. } => (StatusCode::TOO_MANY_REQUESTS, "limit_requests", RATE_LIMIT_MESSAGE),
        Fault::ContentFilter => (StatusCode::BAD_REQUEST, "data_inspection_failed", INSPECTION_MESSAGE),
        Fault::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", SERVER_ERROR_MESSAGE),
        _ => return None,
    };
    Some(with_retry_after(compat_error(status, code, code, message), fault.retry_after_s()))
}

#[derive(Deserialize)]
struct ChatRequest {
    model: String,
    messages: Vec<ChatMessage>,
    #[serde(default)]
    stream: Option<bool>,
    #[serde(default)]
    stream_options: Option<StreamOptions>,
}

#[derive(Deserialize)]
struct ChatMessage {
    role: String,
    #[serde(default)]
    content: Value,
}

#[derive(Deserialize)]
struct StreamOptions {
    #[serde(default)]
    include_usage: Option<bool>,
}

impl ChatMessage {
    /// A string, or OpenAI's array of `{"type":"text","text":..}` parts.
    fn text(&self) -> String {
        match &self.content {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        }
    }
}

impl ChatRequest {
    fn last_user_text(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == "user")
            .map(ChatMessage::text)
            .unwrap_or_default()
    }

    fn include_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|o| o.include_usage)
            .unwrap_or(false)
    }
}

/// Why a chat request was refused; small, so `Result` stays cheap to move.
enum BadChat {
    Invalid(String),
    UnknownModel(String),
}

impl BadChat {
    fn into_response(self) -> Response {
        match self {
            BadChat::Invalid(message) => invalid_request(&message),
            BadChat::UnknownModel(model) => {
                let message =
                    format!("The model `{model}` does not exist or you do not have access to it.");
                compat_error(
                    StatusCode::NOT_FOUND,
                    "model_not_found",
                    "invalid_request_error",
                    &message,
                )
            }
        }
    }
}

fn parse_chat(body: &[u8]) -> Result<ChatRequest, BadChat> {
    let request: ChatRequest = serde_json::from_slice(body)
        .map_err(|err| BadChat::Invalid(format!("Invalid request body: {err}")))?;
    if request.messages.is_empty() {
        return Err(BadChat::Invalid("messages must not be empty.".to_owned()));
    }
    if !request.model.starts_with("qwen") {
        return Err(BadChat::UnknownModel(request.model));
    }
    Ok(request)
}

const GATE: Gate = Gate {
    endpoint: Endpoint::Chat,
    unauthorized: Some(unauthorized),
    precondition: |_| None,
    fault_answer: compat_fault_response,
};

const MODELS_GATE: Gate = Gate {
    endpoint: Endpoint::Models,
    unauthorized: Some(unauthorized),
    precondition: |_| None,
    fault_answer: compat_fault_response,
};

/// The models the simulator answers for: a chat model and the Wanx image models.
const SIM_MODELS: [&str; 4] = ["qwen-max", "qwen-plus", "qwen-turbo", "wanx2.1-t2i-plus"];

/// `GET /compatible-mode/v1/models`: OpenAI's list shape, behind the same key check as chat.
pub(super) async fn models(State(sim): State<SimControl>, headers: HeaderMap) -> Result<Response, Response> {
    sim.enter(&MODELS_GATE, &headers)?;
    let created = Utc::now().timestamp();
    let data: Vec<Value> = SIM_MODELS.iter().map(|id| json!({"id": id, "object": "model", "created": created, "owned_by": "system"})).collect();
    Ok(json_response(StatusCode::OK, &json!({"object": "list", "data": data})))
}

fn unauthorized() -> Response {
    tracing::debug!("simulator chat: bad API key");
    compat_error(
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "invalid_request_error",
        "Incorrect API key provided. ",
    )
}

/// `Err` is an answer that ends the request early (the gate's, or a bad request's).
pub(super) async fn chat(State(sim): State<SimControl>, headers: HeaderMap, body: Bytes) -> Result<Response, Response> {
    let fault = sim.enter(&GATE, &headers)?;
    let request = parse_chat(&body).map_err(BadChat::into_response)?;
    let reply = Reply::new(&request);
    tracing::debug!(model = %request.model, chunks = reply.chunks.len(), stream = ?request.stream, "simulator chat");
    Ok(if request.stream.unwrap_or(false) {
        stream_response(reply, request.include_usage(), fault, sim.latency())
    } else {
        complete_response(&reply, fault)
    })
}

/// The answer to one chat request, already split into streamed chunks.
struct Reply {
    id: String,
    model: String,
    created: i64,
    chunks: Vec<String>,
    prompt_tokens: u64,
}

impl Reply {
    fn new(request: &ChatRequest) -> Self {
        let prompt: String = request
            .messages
            .iter()
            .map(ChatMessage::text)
            .collect::<Vec<_>>()
            .join("\n");
        Self {
            id: format!("chatcmpl-{}", uuid_like()),
            model: request.model.clone(),
            created: Utc::now().timestamp(),
            chunks: split_chunks(&compose_answer(&request.last_user_text())),
            prompt_tokens: estimate_tokens(&prompt),
        }
    }

    fn usage(&self) -> Value {
        let completion = self.chunks.len() as u64;
        json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        })
    }

    fn chunk(&self, delta: Value, finish_reason: Option<&str>) -> String {
        let choice =
            json!({"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": null});
        self.event(json!([choice]), Value::Null)
    }

    fn event(&self, choices: Value, usage: Value) -> String {
        let body = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": null,
            "choices": choices,
            "usage": usage,
        });
        format!("data: {body}\n\n")
    }

    fn completion(&self) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": null,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": self.chunks.concat()},
                "finish_reason": "stop",
                "logprobs": null,
            }],
            "usage": self.usage(),
        })
    }
}

fn complete_response(reply: &Reply, fault: Option<Fault>) -> Response {
    let body = reply.completion().to_string();
    let half = truncated(&body).to_owned();
    let frames = match fault {
        Some(Fault::MalformedJson) => vec![(Duration::ZERO, Frame::Data(half))],
        Some(Fault::CutStream { .. }) => vec![
            (Duration::ZERO, Frame::Data(half)),
            (Duration::ZERO, Frame::Cut),
        ],
        _ => vec![(Duration::ZERO, Frame::Data(body))],
    };
    let headers = [(header::CONTENT_TYPE, "application/json")];
    (StatusCode::OK, headers, frames_body(frames)).into_response()
}

/// One piece of a streamed body, sent after its delay; `Cut` breaks the connection.
enum Frame {
    Data(String),
    Cut,
}

fn stream_response(
    reply: Reply,
    include_usage: bool,
    fault: Option<Fault>,
    latency: Latency,
) -> Response {
    let frames = sse_frames(&reply, include_usage, fault.as_ref(), latency);
    let headers = [
        (header::CONTENT_TYPE, "text/event-stream"),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    (StatusCode::OK, headers, frames_body(frames)).into_response()
}

/// OpenAI SSE: role chunk, content chunks, finish chunk, usage chunk (if asked), `[DONE]`.
fn sse_frames(
    reply: &Reply,
    include_usage: bool,
    fault: Option<&Fault>,
    latency: Latency,
) -> Vec<(Duration, Frame)> {
    let mut frames = vec![(
        Duration::ZERO,
        Frame::Data(reply.chunk(json!({"role": "assistant", "content": ""}), None)),
    )];
    if fault == Some(&Fault::MalformedJson) {
        let broken = reply.chunk(json!({"content": "数据"}), None);
        frames.push((
            Duration::ZERO,
            Frame::Data(format!("{}\n\n", truncated(&broken))),
        ));
    }
    let cut_after = match fault {
        Some(Fault::CutStream { after_chunks }) => Some(*after_chunks),
        _ => None,
    };
    for (i, text) in reply.chunks.iter().enumerate() {
        if cut_after == Some(i) {
            break;
        }
        let delay = if i == 0 {
            latency.first_token
        } else {
            latency.token
        };
        frames.push((
            delay,
            Frame::Data(reply.chunk(json!({"content": text}), None)),
        ));
    }
    if cut_after.is_some() {
        frames.push((latency.token, Frame::Cut));
        return frames;
    }
    frames.push((
        latency.token,
        Frame::Data(reply.chunk(json!({}), Some("stop"))),
    ));
    if include_usage {
        frames.push((
            Duration::ZERO,
            Frame::Data(reply.event(json!([]), reply.usage())),
        ));
    }
    frames.push((Duration::ZERO, Frame::Data("data: [DONE]\n\n".to_owned())));
    frames
}

/// Streams the frames as they fall due, never buffering the whole body.
fn frames_body(frames: Vec<(Duration, Frame)>) -> Body {
    let stream = futures::stream::unfold(frames.into_iter(), |mut frames| async move {
        let (delay, frame) = frames.next()?;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let item = match frame {
            Frame::Data(text) => Ok(Bytes::from(text)),
            Frame::Cut => Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "simulated cut",
            )),
        };
        Some((item, frames))
    });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::*;
    use super::*;
    use serde_json::{json, Value};

    #[tokio::test]
    async fn stream_follows_the_table_and_ends_with_done() {
        let sim = start(SimSettings::fast(KEY)).await;
        let events = stream_text(&sim, SALES_PROMPT, false).await;
        assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
        let first: Value = serde_json::from_str(&events[0]).expect("first chunk");
        assert_eq!(
            first["choices"][0]["delta"],
            json!({"role": "assistant", "content": ""})
        );
        assert_eq!(first["object"], "chat.completion.chunk");
        let finish: Value = serde_json::from_str(&events[events.len() - 2]).expect("finish chunk");
        assert_eq!(finish["choices"][0]["finish_reason"], "stop");
        assert_eq!(finish["choices"][0]["delta"], json!({}));
        // No usage chunk unless asked for.
        assert!(events.iter().all(|e| !e.contains("\"choices\":[]")));

        let (text, _) = content_of(&events);
        for expected in [
            "## 分析摘要",
            "4 行数据",
            "「绿茶」",
            "「乌龙茶」",
            "## 要点",
            "总结关键的销售趋势",
            "## 建议",
            "乌龙茶",
        ] {
            assert!(text.contains(expected), "missing {expected} in {text}");
        }
        assert!(text.contains("1. ") && text.contains("3. "), "{text}");

        let other = SALES_PROMPT.replace("绿茶", "咖啡");
        let (other_text, _) = content_of(&stream_text(&sim, &other, false).await);
        assert_ne!(text, other_text);
        assert!(other_text.contains("「咖啡」"));
    }

    #[tokio::test]
    async fn usage_chunk_only_when_include_usage() {
        let sim = start(SimSettings::fast(KEY)).await;
        let events = stream_text(&sim, SALES_PROMPT, true).await;
        assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
        let usage: Value = serde_json::from_str(&events[events.len() - 2]).expect("usage chunk");
        assert_eq!(usage["choices"], json!([]));
        let (_, chunks) = content_of(&events);
        assert_eq!(usage["usage"]["completion_tokens"], json!(chunks));
        let prompt = usage["usage"]["prompt_tokens"]
            .as_u64()
            .expect("prompt tokens");
        assert!(prompt > 50, "{prompt}");
        assert_eq!(
            usage["usage"]["total_tokens"],
            json!(prompt + chunks as u64)
        );
        // Earlier chunks carry "usage": null.
        let content: Value = serde_json::from_str(&events[1]).expect("content chunk");
        assert!(content["usage"].is_null() && content.get("usage").is_some());
    }

    #[tokio::test]
    async fn non_stream_is_a_chat_completion() {
        let sim = start(SimSettings::fast(KEY)).await;
        let response = post_chat(&sim, KEY, &chat_body(SALES_PROMPT, false, false)).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["object"], "chat.completion");
        assert_eq!(body["choices"][0]["message"]["role"], "assistant");
        assert_eq!(body["choices"][0]["finish_reason"], "stop");
        let content = body["choices"][0]["message"]["content"]
            .as_str()
            .expect("content");
        assert!(content.starts_with("## 分析摘要"));
        let usage = &body["usage"];
        assert_eq!(
            usage["total_tokens"].as_u64(),
            Some(
                usage["prompt_tokens"].as_u64().unwrap_or(0)
                    + usage["completion_tokens"].as_u64().unwrap_or(0)
            )
        );
    }

    #[tokio::test]
    async fn stream_is_sent_as_it_is_produced() {
        let mut settings = SimSettings::fast(KEY);
        settings.first_token_delay = Duration::from_millis(300);
        let sim = start(settings).await;
        let started = std::time::Instant::now();
        let response = post_chat(&sim, KEY, &chat_body("你好", true, false)).await;
        let mut stream = response.bytes_stream();
        let first = futures::StreamExt::next(&mut stream)
            .await
            .expect("first piece")
            .expect("bytes");
        let first_at = started.elapsed();
        assert!(String::from_utf8_lossy(&first).contains("\"role\":\"assistant\""));
        while let Some(piece) = futures::StreamExt::next(&mut stream).await {
            piece.expect("piece");
        }
        let done_at = started.elapsed();
        assert!(done_at >= Duration::from_millis(300), "{done_at:?}");
        assert!(
            done_at - first_at >= Duration::from_millis(250),
            "first {first_at:?}, done {done_at:?}"
        );
    }

    #[tokio::test]
    async fn chat_faults_apply_once_each_then_normal() {
        let sim = start(SimSettings::fast(KEY)).await;
        let throttle = Fault::Throttle { retry_after_s: Some(3) };
        let faults = [throttle, Fault::ContentFilter, Fault::ServerError, Fault::MalformedJson, Fault::MalformedJson];
        queue_faults(&sim, Endpoint::Chat, faults);
        let body = chat_body("你好", false, false);

        let response = post_chat(&sim, KEY, &body).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["error"]["code"], "limit_requests");
        assert_eq!(error["error"]["message"], RATE_LIMIT_MESSAGE);

        let response = post_chat(&sim, KEY, &body).await;
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["error"]["code"], "data_inspection_failed");
        assert_eq!(error["error"]["type"], "data_inspection_failed");

        let response = post_chat(&sim, KEY, &body).await;
        assert_eq!(response.status(), 500);
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["error"]["code"], "internal_error");

        let response = post_chat(&sim, KEY, &body).await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("text");
        assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

        // Streaming: one data line that is not JSON.
        let events = stream_text(&sim, "你好", false).await;
        assert!(events
            .iter()
            .any(|e| e != "[DONE]" && serde_json::from_str::<Value>(e).is_err()));

        let response = post_chat(&sim, KEY, &body).await;
        assert_eq!(response.status(), 200);
        let ok: Value = response.json().await.expect("normal again");
        assert_eq!(ok["object"], "chat.completion");
        assert_eq!(sim.control.stats().chat_requests, 6);
    }

    #[tokio::test]
    async fn cut_stream_breaks_after_n_chunks_without_done() {
        let sim = start(SimSettings::fast(KEY)).await;
        sim.control
            .push_fault(Endpoint::Chat, Fault::CutStream { after_chunks: 3 });
        let response = post_chat(&sim, KEY, &chat_body(SALES_PROMPT, true, true)).await;
        assert_eq!(response.status(), 200);
        let mut stream = response.bytes_stream();
        let mut received = Vec::new();
        let mut broke = false;
        while let Some(piece) = futures::StreamExt::next(&mut stream).await {
            match piece {
                Ok(bytes) => received.extend_from_slice(&bytes),
                Err(_) => {
                    broke = true;
                    break;
                }
            }
        }
        assert!(broke, "the connection should break");
        let events = sse_data(&String::from_utf8_lossy(&received));
        assert!(!events.iter().any(|e| e == "[DONE]"));
        assert!(!events
            .iter()
            .any(|e| e.contains("\"finish_reason\":\"stop\"") || e.contains("\"choices\":[]")));
        assert_eq!(content_of(&events).1, 3);

        // The next stream is whole.
        let events = stream_text(&sim, SALES_PROMPT, false).await;
        assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    }

    #[tokio::test]
    async fn bad_chat_requests_are_rejected() {
        let sim = start(SimSettings::fast(KEY)).await;
        let mut body = chat_body("你好", false, false);
        body["model"] = json!("gpt-4o");
        let response = post_chat(&sim, KEY, &body).await;
        assert_eq!(response.status(), 404);
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["error"]["code"], "model_not_found");

        for raw in [
            "{",
            "[]",
            "{\"model\":\"qwen-plus\"}",
            "{\"model\":\"qwen-plus\",\"messages\":[]}",
            "\u{0}",
        ] {
            let response = reqwest::Client::new()
                .post(format!("{}{CHAT_PATH}", sim.base_url()))
                .bearer_auth(KEY)
                .header(header::CONTENT_TYPE, "application/json")
                .body(raw)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 400, "{raw}");
            let error: Value = response.json().await.expect("json");
            assert_eq!(error["error"]["code"], "invalid_parameter_error");
            assert_eq!(error["error"]["type"], "invalid_request_error");
        }
    }
}
