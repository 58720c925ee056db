//! Local simulator of DashScope (Alibaba Model Studio, 百炼): the OpenAI-compatible chat endpoint
//! and the Wanx text-to-image V2 async task API, with the providers' wire formats, Bearer auth and
//! error bodies, plus switches for latency and queued faults.
//!
//! Sources (docs/providers.md, "DashScope"):
//! - Chat, streaming and `stream_options.include_usage`: https://help.aliyun.com/zh/model-studio/stream
//! - Error codes: https://help.aliyun.com/zh/model-studio/error-code,
//!   https://help.aliyun.com/en/model-studio/error-code-start, https://help.aliyun.com/en/model-studio/rate-limit
//! - Wanx V2 (submit, poll, 24 h lifetime): https://help.aliyun.com/document_detail/2975674.html
//!
//! Control endpoints for browser tests (no auth; the simulator serves localhost only):
//! `POST /__sim/faults` `{"endpoint":"chat","fault":"throttle","retry_after_s":1}`,
//! `POST /__sim/latency` `{"first_token_ms":..,"token_ms":..,"task_step_ms":..}`, `GET /__sim/stats`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::art;

const CHAT_PATH: &str = "/compatible-mode/v1/chat/completions";
const IMAGE_PATH: &str = "/api/v1/services/aigc/text2image/image-synthesis";
const RATE_LIMIT_MESSAGE: &str = "Requests rate limit exceeded, please try again later.";
const INSPECTION_MESSAGE: &str = "Input data may contain inappropriate content.";
/// The provider truncates longer prompts rather than rejecting them.
const MAX_PROMPT_CHARS: usize = 800;
const MAX_PIXELS: u64 = 2_000_000;
const MAX_SEED: u64 = 2_147_483_647;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// How the simulator behaves; `api_key` is the only key it accepts.
#[derive(Clone)]
pub struct SimSettings {
    pub api_key: String,
    pub first_token_delay: Duration,
    pub token_delay: Duration,
    pub task_step: Duration,
    pub result_ttl: Duration,
}

impl SimSettings {
    /// Near-zero delays for tests; results live 24 h as on the real service.
    pub fn fast(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            first_token_delay: Duration::from_millis(5),
            token_delay: Duration::from_millis(1),
            task_step: Duration::from_millis(20),
            result_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

impl fmt::Debug for SimSettings {
    // The key never reaches logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimSettings")
            .field("api_key", &"<redacted>")
            .field("first_token_delay", &self.first_token_delay)
            .field("token_delay", &self.token_delay)
            .field("task_step", &self.task_step)
            .field("result_ttl", &self.result_ttl)
            .finish()
    }
}

/// A misbehaviour queued for the next request to one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "fault")]
pub enum Fault {
    Throttle { retry_after_s: Option<u64> },
    ContentFilter,
    ServerError,
    CutStream { after_chunks: usize },
    MalformedJson,
    TaskFailed,
    TaskExpired,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Chat,
    ImageSubmit,
    TaskPoll,
    ImageDownload,
}

/// Request counters, per endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    pub chat_requests: u64,
    pub image_submits: u64,
    pub task_polls: u64,
    pub downloads: u64,
}

/// Handle on a running simulator: queue faults, change latency, read counters.
#[derive(Clone)]
pub struct SimControl {
    shared: Arc<Shared>,
}

impl SimControl {
    /// Queues `fault` for `endpoint`; each request there takes one (FIFO), then behaviour is normal.
    pub fn push_fault(&self, endpoint: Endpoint, fault: Fault) {
        tracing::debug!(?endpoint, ?fault, "simulator fault queued");
        lock(&self.shared.faults)
            .entry(endpoint)
            .or_default()
            .push_back(fault);
    }

    /// Takes effect for chats started and tasks submitted afterwards.
    pub fn set_latency(&self, first_token: Duration, token: Duration, task_step: Duration) {
        *lock(&self.shared.latency) = Latency {
            first_token,
            token,
            task_step,
        };
    }

    pub fn stats(&self) -> SimStats {
        let c = &self.shared.counters;
        SimStats {
            chat_requests: c.chat.load(Ordering::Relaxed),
            image_submits: c.submit.load(Ordering::Relaxed),
            task_polls: c.poll.load(Ordering::Relaxed),
            downloads: c.download.load(Ordering::Relaxed),
        }
    }

    fn new(settings: SimSettings) -> Self {
        let latency = Latency {
            first_token: settings.first_token_delay,
            token: settings.token_delay,
            task_step: settings.task_step,
        };
        let shared = Shared {
            api_key: settings.api_key,
            result_ttl: settings.result_ttl,
            latency: Mutex::new(latency),
            faults: Mutex::default(),
            tasks: Mutex::default(),
            counters: Counters::default(),
        };
        Self {
            shared: Arc::new(shared),
        }
    }

    fn pop_fault(&self, endpoint: Endpoint) -> Option<Fault> {
        let fault = lock(&self.shared.faults).get_mut(&endpoint)?.pop_front();
        if let Some(fault) = &fault {
            tracing::debug!(?endpoint, ?fault, "simulator fault applied");
        }
        fault
    }

    fn latency(&self) -> Latency {
        *lock(&self.shared.latency)
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let key = &self.shared.api_key;
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        given.is_some_and(|given| !key.is_empty() && given == key)
    }
}

/// The routes of the simulator, ready to serve, and a handle on it.
pub fn router(settings: SimSettings) -> (Router, SimControl) {
    let control = SimControl::new(settings);
    let app = Router::new()
        .route(CHAT_PATH, post(chat))
        .route(IMAGE_PATH, post(image_submit))
        .route("/api/v1/tasks/{task_id}", get(task_poll))
        .route("/results/{task_id}/{file}", get(download))
        .route("/__sim/faults", post(control_fault))
        .route("/__sim/latency", post(control_latency))
        .route("/__sim/stats", get(control_stats))
        .with_state(control.clone());
    (app, control)
}

/// A simulator serving on a tokio task.
pub struct RunningSim {
    pub addr: SocketAddr,
    pub control: SimControl,
    pub handle: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    /// `http://addr`, the base to give clients (append `/compatible-mode/v1` or `/api/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shutdown(self) {
        self.handle.abort();
    }
}

/// Binds `addr` (port 0 picks a free port) and serves the simulator until the task is aborted.
pub async fn spawn(addr: SocketAddr, settings: SimSettings) -> std::io::Result<RunningSim> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (app, control) = router(settings);
    let handle = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::warn!(%err, "DashScope simulator stopped");
        }
    });
    tracing::debug!(%addr, "DashScope simulator listening");
    Ok(RunningSim {
        addr,
        control,
        handle,
    })
}

// ---------------------------------------------------------------------------------------------
// Shared state
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Latency {
    first_token: Duration,
    token: Duration,
    task_step: Duration,
}

#[derive(Default)]
struct Counters {
    chat: AtomicU64,
    submit: AtomicU64,
    poll: AtomicU64,
    download: AtomicU64,
}

struct Shared {
    api_key: String,
    result_ttl: Duration,
    latency: Mutex<Latency>,
    faults: Mutex<HashMap<Endpoint, VecDeque<Fault>>>,
    tasks: Mutex<HashMap<String, Task>>,
    counters: Counters,
}

/// A poisoned lock only means another handler panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn uuid_like() -> String {
    super::uuid_like(false)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn with_retry_after(mut response: Response, retry_after_s: Option<u64>) -> Response {
    if let Some(secs) = retry_after_s {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible chat
// ---------------------------------------------------------------------------------------------

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
    let response = match fault {
        Fault::Throttle { retry_after_s } => with_retry_after(
            compat_error(
                StatusCode::TOO_MANY_REQUESTS,
                "limit_requests",
                "limit_requests",
                RATE_LIMIT_MESSAGE,
            ),
            *retry_after_s,
        ),
        Fault::ContentFilter => compat_error(
            StatusCode::BAD_REQUEST,
            "data_inspection_failed",
            "data_inspection_failed",
            INSPECTION_MESSAGE,
        ),
        Fault::ServerError => compat_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal_error",
            "An internal error has occured, please try again later or contact service support.",
        ),
        _ => return None,
    };
    Some(response)
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

async fn chat(State(sim): State<SimControl>, headers: HeaderMap, body: Bytes) -> Response {
    count(&sim.shared.counters.chat);
    if !sim.authorized(&headers) {
        tracing::debug!("simulator chat: bad API key");
        return compat_error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "invalid_request_error",
            "Incorrect API key provided. ",
        );
    }
    let fault = sim.pop_fault(Endpoint::Chat);
    if let Some(response) = fault.as_ref().and_then(compat_fault_response) {
        return response;
    }
    let request = match parse_chat(&body) {
        Ok(request) => request,
        Err(bad) => return bad.into_response(),
    };
    let reply = Reply::new(&request);
    tracing::debug!(model = %request.model, chunks = reply.chunks.len(), stream = ?request.stream, "simulator chat");
    if request.stream.unwrap_or(false) {
        stream_response(reply, request.include_usage(), fault, sim.latency())
    } else {
        complete_response(&reply, fault)
    }
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

/// The first half of a JSON text (on a char boundary), which never parses.
fn truncated(text: &str) -> &str {
    let mut end = text.len() / 2;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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

// ---------------------------------------------------------------------------------------------
// The answer text
// ---------------------------------------------------------------------------------------------

/// A Markdown pipe table: header cells and data rows.
struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn cell(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map_or("", String::as_str)
    }

    fn header(&self, col: usize) -> &str {
        self.headers.get(col).map_or("", String::as_str)
    }

    /// What names a row: every text column before the figure (a segment table's 「VIP · 活跃」, not
    /// just 「VIP」, which several rows share), so the prose never pairs a name with another
    /// row's figure.
    fn label(&self, row: usize, numeric: Option<usize>) -> String {
        let end = numeric.unwrap_or(1).max(1);
        let parts: Vec<&str> =
            (0..end).map(|col| self.cell(row, col)).filter(|c| col_is_text(c)).collect();
        if parts.is_empty() {
            self.cell(row, 0).to_owned()
        } else {
            parts.join(" · ")
        }
    }

    /// The first column after the label column whose cells all read as numbers.
    fn numeric_column(&self) -> Option<usize> {
        (1..self.headers.len())
            .find(|&col| (0..self.rows.len()).all(|row| number(self.cell(row, col)).is_some()))
    }

    fn values(&self, col: usize) -> Vec<f64> {
        (0..self.rows.len())
            .filter_map(|row| number(self.cell(row, col)))
            .collect()
    }

    /// Rows with the largest and the smallest value in `col`.
    fn extremes(&self, col: usize) -> (usize, usize) {
        let values = self.values(col);
        let by = |better: fn(f64, f64) -> bool| {
            (0..values.len()).fold(0, |best, i| {
                if better(values[i], values[best]) {
                    i
                } else {
                    best
                }
            })
        };
        (by(|a, b| a > b), by(|a, b| a < b))
    }
}

fn col_is_text(cell: &str) -> bool {
    !cell.is_empty() && number(cell).is_none()
}

fn table_cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line.strip_suffix('|').unwrap_or(line);
    line.split('|').map(|cell| cell.trim().to_owned()).collect()
}

fn is_separator(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('|')
        && line.contains('-')
        && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn parse_table(text: &str) -> Option<Table> {
    let lines: Vec<&str> = text.lines().collect();
    let start = (0..lines.len().saturating_sub(1))
        .find(|&i| lines[i].trim().starts_with('|') && is_separator(lines[i + 1]))?;
    let rows: Vec<Vec<String>> = lines[start + 2..]
        .iter()
        .take_while(|line| line.trim().starts_with('|'))
        .map(|line| table_cells(line))
        .filter(|cells| cells.iter().any(|c| !c.is_empty()))
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Table {
        headers: table_cells(lines[start]),
        rows,
    })
}

/// Lines such as `1. 总结关键的销售趋势。` or `2、指出风险`, without their numbers.
fn parse_instructions(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
            if rest.len() == line.len() {
                return None;
            }
            let rest = rest.strip_prefix(['.', '、', '．', ')', '）'])?.trim();
            (!rest.is_empty()).then(|| rest.to_owned())
        })
        .take(10)
        .collect()
}

/// Amounts such as `¥1,234.50`, `12.5%` or `-3`.
fn number(cell: &str) -> Option<f64> {
    let cleaned: String = cell
        .chars()
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | '$' | '%' | ' '))
        .collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn shorten(text: &str, max_chars: usize) -> String {
    let text = text.trim_end_matches(['。', '.', '；', ';', '？', '?']);
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max_chars).collect();
    short.push('…');
    short
}

/// Deterministic Chinese Markdown that follows the table and numbered instructions of `question`.
fn compose_answer(question: &str) -> String {
    let instructions = parse_instructions(question);
    let body = match parse_table(question) {
        Some(table) => table_answer(&table, &instructions),
        None => plain_answer(question, &instructions),
    };
    body.trim_end().to_owned()
}

fn table_answer(table: &Table, instructions: &[String]) -> String {
    let numeric = table.numeric_column();
    let mut out = String::from("## 分析摘要\n\n");
    out += &summary(table, numeric);
    out += "\n\n## 要点\n\n";
    let topics: Vec<String> = if instructions.is_empty() {
        vec!["整体情况".to_owned()]
    } else {
        instructions.to_vec()
    };
    for (i, topic) in topics.iter().enumerate() {
        out += &format!(
            "{}. **{}**：{}\n",
            i + 1,
            shorten(topic, 16),
            point(table, numeric, i)
        );
    }
    out += "\n## 建议\n\n";
    out += &advice(table, numeric);
    out
}

fn summary(table: &Table, numeric: Option<usize>) -> String {
    let firsts: Vec<String> = (0..table.rows.len().min(3))
        .map(|r| format!("「{}」", table.label(r, numeric)))
        .collect();
    let columns: Vec<&str> = table.headers.iter().take(4).map(String::as_str).collect();
    let mut text = format!(
        "本次共分析 {} 行数据（{} 列：{}），前几行依次为{}。",
        table.rows.len(),
        table.headers.len(),
        columns.join("、"),
        firsts.join("、"),
    );
    if let Some(col) = numeric {
        let (top, bottom) = table.extremes(col);
        text += &format!(
            "按「{}」计，「{}」最高（{}），「{}」最低（{}）。",
            table.header(col),
            table.label(top, numeric),
            table.cell(top, col),
            table.label(bottom, numeric),
            table.cell(bottom, col),
        );
    }
    text
}

/// One paragraph per instruction, cycling through an example row, the trend and the top share.
fn point(table: &Table, numeric: Option<usize>, i: usize) -> String {
    let row = i % table.rows.len();
    let Some(col) = numeric else {
        let col = 1.min(table.headers.len().saturating_sub(1));
        return format!(
            "以「{}」为例，{}为「{}」，需结合更多数据判断。",
            table.label(row, None),
            table.header(col),
            table.cell(row, col)
        );
    };
    match i % 3 {
        0 => format!(
            "以「{}」为例，{}为 {}，可作为对比基准。",
            table.label(row, numeric),
            table.header(col),
            table.cell(row, col)
        ),
        1 => trend(table, col),
        _ => share(table, col),
    }
}

fn trend(table: &Table, col: usize) -> String {
    let values = table.values(col);
    let (first, last) = (
        values.first().copied().unwrap_or(0.0),
        values.last().copied().unwrap_or(0.0),
    );
    let direction = if last > first * 1.02 {
        "上升"
    } else if last < first * 0.98 {
        "下降"
    } else {
        "基本持平"
    };
    let last_row = table.rows.len() - 1;
    format!(
        "从「{}」到「{}」，{}整体{}（{} → {}）。",
        table.label(0, Some(col)),
        table.label(last_row, Some(col)),
        table.header(col),
        direction,
        table.cell(0, col),
        table.cell(last_row, col),
    )
}

fn share(table: &Table, col: usize) -> String {
    let total: f64 = table.values(col).iter().sum();
    let (top, _) = table.extremes(col);
    let top_value = number(table.cell(top, col)).unwrap_or(0.0);
    let percent = if total.abs() > f64::EPSILON {
        top_value / total * 100.0
    } else {
        0.0
    };
    format!(
        "「{}」占{}合计的 {:.1}%，集中度值得关注。",
        table.label(top, Some(col)),
        table.header(col),
        percent
    )
}

fn advice(table: &Table, numeric: Option<usize>) -> String {
    match numeric {
        Some(col) => {
            let (top, bottom) = table.extremes(col);
            format!(
                "1. 重点保障「{}」的供应与曝光，巩固其{}优势。\n2. 复盘「{}」的定价与促销策略，必要时调整资源投入。\n",
                table.label(top, numeric),
                table.header(col),
                table.label(bottom, numeric),
            )
        }
        None => format!(
            "1. 为「{}」等项目补充可量化的指标，便于比较。\n2. 按月跟踪这些项目的变化，及时发现异常。\n",
            table.label(0, None)
        ),
    }
}

fn plain_answer(question: &str, instructions: &[String]) -> String {
    let mut out =
        String::from("## 分析摘要\n\n未在输入中找到数据表，以下根据文字说明作答。\n\n## 要点\n\n");
    if instructions.is_empty() {
        let topic = shorten(question.trim(), 20);
        let topic = if topic.is_empty() {
            "问题概述".to_owned()
        } else {
            topic
        };
        out += &format!("1. **{topic}**：需要结合具体数据进一步分析。\n");
    }
    for (i, topic) in instructions.iter().enumerate() {
        out += &format!(
            "{}. **{}**：需要结合具体数据进一步分析。\n",
            i + 1,
            shorten(topic, 16)
        );
    }
    out += "\n## 建议\n\n1. 补充明细数据（如按月份或商品汇总的表格）以便量化分析。\n2. 明确分析口径与时间范围后再次提问。\n";
    out
}

/// Chunks of 1–4 characters, sizes varying with the text, as a tokenizer's pieces would.
fn split_chunks(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut chunks = Vec::with_capacity(chars.len() / 2 + 1);
    let mut start = 0;
    while start < chars.len() {
        let size = 1 + (chunks.len() * 7 + chars[start] as usize) % 4;
        let end = (start + size).min(chars.len());
        chunks.push(chars[start..end].iter().collect());
        start = end;
    }
    chunks
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// About one token per CJK character and one per four other characters.
fn estimate_tokens(text: &str) -> u64 {
    let cjk = text.chars().filter(|&c| is_cjk(c)).count() as u64;
    let other = text.chars().count() as u64 - cjk;
    cjk + other.div_ceil(4)
}

// ---------------------------------------------------------------------------------------------
// Wanx text-to-image: native DashScope API
// ---------------------------------------------------------------------------------------------

/// The native API's error body: `code` and `message` at the top level.
fn native_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"code": code, "message": message, "request_id": uuid_like()}),
    )
}

fn invalid_parameter(message: &str) -> Response {
    native_error(StatusCode::BAD_REQUEST, "InvalidParameter", message)
}

fn native_fault_response(fault: &Fault) -> Option<Response> {
    let response = match fault {
        Fault::Throttle { retry_after_s } => with_retry_after(
            native_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Throttling.RateQuota",
                RATE_LIMIT_MESSAGE,
            ),
            *retry_after_s,
        ),
        Fault::ServerError => native_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "An internal error has occured, please try again later or contact service support.",
        ),
        Fault::MalformedJson => {
            let body = json!({"output": {"task_status": "PENDING", "task_id": uuid_like()}, "request_id": uuid_like()});
            let text = truncated(&body.to_string()).to_owned();
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                text,
            )
                .into_response()
        }
        _ => return None,
    };
    Some(response)
}

/// A validated image request.
#[derive(Clone, Debug)]
struct ImageSpec {
    prompt: String,
    width: u32,
    height: u32,
    n: u32,
    seed: u64,
    prompt_extend: bool,
}

fn parse_image_request(body: &[u8]) -> Result<ImageSpec, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| format!("Request body is not valid JSON: {err}"))?;
    check_model(&value)?;
    let prompt = parse_prompt(&value)?;
    if let Some(negative) = value.pointer("/input/negative_prompt") {
        negative
            .as_str()
            .ok_or("input.negative_prompt must be a string")?;
    }
    let parameters = value.get("parameters").cloned().unwrap_or(Value::Null);
    let (width, height) = parse_size(parameters.get("size"))?;
    Ok(ImageSpec {
        prompt,
        width,
        height,
        n: parse_n(parameters.get("n"))?,
        seed: parse_seed(parameters.get("seed"))?,
        prompt_extend: optional_bool(&parameters, "prompt_extend", true)?,
    })
}

fn check_model(value: &Value) -> Result<(), String> {
    let model = value
        .get("model")
        .and_then(Value::as_str)
        .ok_or("Field required: model")?;
    if model.starts_with("wanx") || model.starts_with("wan2") {
        Ok(())
    } else {
        Err("Model not exist.".to_owned())
    }
}

fn parse_prompt(value: &Value) -> Result<String, String> {
    let prompt = value
        .pointer("/input/prompt")
        .and_then(Value::as_str)
        .ok_or("Field required: input.prompt")?;
    if prompt.trim().is_empty() {
        return Err("input.prompt must not be empty".to_owned());
    }
    Ok(prompt.chars().take(MAX_PROMPT_CHARS).collect())
}

fn parse_size(size: Option<&Value>) -> Result<(u32, u32), String> {
    let Some(size) = size else {
        return Ok((1024, 1024));
    };
    let text = size
        .as_str()
        .ok_or("parameters.size must be a string such as \"1024*1024\"")?;
    let bad = || {
        format!("parameters.size \"{text}\" is invalid: use \"W*H\" with each side in [512, 1440] and at most 2,000,000 pixels")
    };
    let (w, h) = text.split_once('*').ok_or_else(bad)?;
    let (w, h) = (
        w.trim().parse::<u32>().map_err(|_| bad())?,
        h.trim().parse::<u32>().map_err(|_| bad())?,
    );
    let side_ok = |s: u32| (512..=1440).contains(&s);
    if side_ok(w) && side_ok(h) && u64::from(w) * u64::from(h) <= MAX_PIXELS {
        Ok((w, h))
    } else {
        Err(bad())
    }
}

/// `n` defaults to 4 on the real service, which is why clients should always send it.
fn parse_n(n: Option<&Value>) -> Result<u32, String> {
    let Some(n) = n else { return Ok(4) };
    match n.as_u64() {
        Some(n @ 1..=4) => Ok(n as u32),
        _ => Err(format!(
            "parameters.n must be an integer in [1, 4], got {n}"
        )),
    }
}

fn parse_seed(seed: Option<&Value>) -> Result<u64, String> {
    let Some(seed) = seed else {
        return Ok(rand::random::<u64>() % (MAX_SEED + 1));
    };
    match seed.as_u64() {
        Some(seed) if seed <= MAX_SEED => Ok(seed),
        _ => Err(format!(
            "parameters.seed must be an integer in [0, {MAX_SEED}], got {seed}"
        )),
    }
}

fn optional_bool(parameters: &Value, name: &str, default: bool) -> Result<bool, String> {
    match parameters.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!("parameters.{name} must be a boolean, got {other}")),
    }
}

fn async_enabled(headers: &HeaderMap) -> bool {
    headers
        .get("x-dashscope-async")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("enable"))
}

fn native_unauthorized() -> Response {
    native_error(
        StatusCode::UNAUTHORIZED,
        "InvalidApiKey",
        "Invalid API-key provided.",
    )
}

async fn image_submit(State(sim): State<SimControl>, headers: HeaderMap, body: Bytes) -> Response {
    count(&sim.shared.counters.submit);
    if !sim.authorized(&headers) {
        return native_unauthorized();
    }
    if !async_enabled(&headers) {
        return native_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "current user api does not support synchronous calls",
        );
    }
    let fault = sim.pop_fault(Endpoint::ImageSubmit);
    if let Some(response) = fault.as_ref().and_then(submit_fault_response) {
        return response;
    }
    let spec = match parse_image_request(&body) {
        Ok(spec) => spec,
        Err(message) => return invalid_parameter(&message),
    };
    let task_id = uuid_like();
    tracing::debug!(%task_id, n = spec.n, width = spec.width, height = spec.height, "simulator image task");
    let task = Task::new(
        spec,
        sim.latency().task_step,
        fault.as_ref().and_then(Forced::from_fault),
    );
    sim.insert_task(task_id.clone(), task);
    let body = json!({"output": {"task_status": "PENDING", "task_id": task_id}, "request_id": uuid_like()});
    json_response(StatusCode::OK, &body)
}

fn submit_fault_response(fault: &Fault) -> Option<Response> {
    match fault {
        Fault::ContentFilter => Some(native_error(
            StatusCode::BAD_REQUEST,
            "DataInspectionFailed",
            INSPECTION_MESSAGE,
        )),
        _ => native_fault_response(fault),
    }
}

/// An outcome forced on a task by a fault; it sticks to the task.
#[derive(Clone, Debug)]
enum Forced {
    Failed {
        code: &'static str,
        message: &'static str,
    },
    Expired,
}

impl Forced {
    fn from_fault(fault: &Fault) -> Option<Self> {
        match fault {
            Fault::TaskFailed => Some(Forced::Failed {
                code: "InternalError",
                message: "An internal error has occured during execution, please try again later.",
            }),
            // On a poll, a content filter rejects the generated image rather than the request.
            Fault::ContentFilter => Some(Forced::Failed {
                code: "DataInspectionFailed",
                message: "Output data may contain inappropriate content.",
            }),
            Fault::TaskExpired => Some(Forced::Expired),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::Unknown => "UNKNOWN",
        }
    }
}

struct Task {
    spec: ImageSpec,
    created: Instant,
    submitted_at: DateTime<FixedOffset>,
    step: Duration,
    forced: Option<(Forced, DateTime<FixedOffset>)>,
    images: HashMap<u32, Bytes>,
}

impl Task {
    fn new(spec: ImageSpec, step: Duration, forced: Option<Forced>) -> Self {
        let submitted_at = shanghai_now();
        Self {
            spec,
            created: Instant::now(),
            submitted_at,
            step,
            forced: forced.map(|f| (f, submitted_at)),
            images: HashMap::new(),
        }
    }

    fn expired(&self, ttl: Duration) -> bool {
        self.created.elapsed() >= ttl || matches!(self.forced, Some((Forced::Expired, _)))
    }

    fn status(&self, ttl: Duration) -> Status {
        let age = self.created.elapsed();
        match &self.forced {
            _ if self.expired(ttl) => Status::Unknown,
            Some((Forced::Failed { .. }, _)) => Status::Failed,
            _ if age < self.step => Status::Pending,
            _ if age < self.step.saturating_mul(2) => Status::Running,
            _ => Status::Succeeded,
        }
    }

    fn scheduled_at(&self) -> DateTime<FixedOffset> {
        self.submitted_at + chrono::Duration::from_std(self.step).unwrap_or_default()
    }

    fn ended_at(&self) -> DateTime<FixedOffset> {
        match &self.forced {
            Some((_, at)) => *at,
            None => {
                self.submitted_at
                    + chrono::Duration::from_std(self.step.saturating_mul(2)).unwrap_or_default()
            }
        }
    }
}

/// Times are reported in Asia/Shanghai (UTC+8, no daylight saving), as the service does.
fn shanghai_now() -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix());
    Utc::now().with_timezone(&offset)
}

fn provider_time(time: DateTime<FixedOffset>) -> String {
    time.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

impl SimControl {
    fn insert_task(&self, task_id: String, task: Task) {
        // Forget tasks long past their lifetime so a long demo does not grow without bound.
        let keep = self.shared.result_ttl.saturating_mul(2);
        let mut tasks = lock(&self.shared.tasks);
        tasks.retain(|_, task| task.created.elapsed() < keep);
        tasks.insert(task_id, task);
    }
}

async fn task_poll(
    State(sim): State<SimControl>,
    Path(task_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    count(&sim.shared.counters.poll);
    if !sim.authorized(&headers) {
        return native_unauthorized();
    }
    let fault = sim.pop_fault(Endpoint::TaskPoll);
    if let Some(response) = fault.as_ref().and_then(native_fault_response) {
        return response;
    }
    let base = result_base(&headers);
    let mut tasks = lock(&sim.shared.tasks);
    let Some(task) = tasks.get_mut(&task_id) else {
        return json_response(StatusCode::OK, &unknown_body(&task_id));
    };
    if let Some(forced) = fault.as_ref().and_then(Forced::from_fault) {
        task.forced = Some((forced, shanghai_now()));
    }
    let status = task.status(sim.shared.result_ttl);
    tracing::debug!(%task_id, status = status.as_str(), "simulator task poll");
    json_response(StatusCode::OK, &poll_body(&task_id, task, status, &base))
}

fn unknown_body(task_id: &str) -> Value {
    json!({"request_id": uuid_like(), "output": {"task_id": task_id, "task_status": "UNKNOWN"}})
}

fn poll_body(task_id: &str, task: &Task, status: Status, base: &str) -> Value {
    if status == Status::Unknown {
        return unknown_body(task_id);
    }
    let n = task.spec.n;
    let mut output = Map::new();
    output.insert("task_id".into(), json!(task_id));
    output.insert("task_status".into(), json!(status.as_str()));
    output.insert(
        "submit_time".into(),
        json!(provider_time(task.submitted_at)),
    );
    if status != Status::Pending {
        output.insert(
            "scheduled_time".into(),
            json!(provider_time(task.scheduled_at())),
        );
    }
    let (succeeded, failed) = match status {
        Status::Succeeded => (n, 0),
        Status::Failed => (0, n),
        _ => (0, 0),
    };
    if let Some((Forced::Failed { code, message }, _)) = &task.forced {
        // Unverified shape (docs/providers.md, "DashScope": the page shows no failed-task body):
        // code/message inside output.
        output.insert("end_time".into(), json!(provider_time(task.ended_at())));
        output.insert("code".into(), json!(code));
        output.insert("message".into(), json!(message));
    }
    if status == Status::Succeeded {
        output.insert("end_time".into(), json!(provider_time(task.ended_at())));
        output.insert("results".into(), results(task_id, task, base));
    }
    output.insert(
        "task_metrics".into(),
        json!({"TOTAL": n, "SUCCEEDED": succeeded, "FAILED": failed}),
    );
    let mut body = json!({"request_id": uuid_like(), "output": output});
    if status == Status::Succeeded {
        body["usage"] = json!({"image_count": n});
    }
    body
}

fn results(task_id: &str, task: &Task, base: &str) -> Value {
    let items: Vec<Value> = (0..task.spec.n)
        .map(|i| {
            let mut item = json!({"orig_prompt": task.spec.prompt, "url": format!("{base}/results/{task_id}/{i}.png")});
            if task.spec.prompt_extend {
                item["actual_prompt"] = json!(extended_prompt(&task.spec.prompt));
            }
            item
        })
        .collect();
    Value::Array(items)
}

/// What prompt extension adds: a fixed photographic style, so it is visibly different.
fn extended_prompt(prompt: &str) -> String {
    format!("{prompt}。商业产品摄影，柔和的影棚光，干净的浅色背景，构图简洁，细节清晰，高分辨率。")
}

/// `http://<Host header>`; a missing or odd Host falls back to localhost.
fn result_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

// ---------------------------------------------------------------------------------------------
// Result images, like OSS signed URLs
// ---------------------------------------------------------------------------------------------

fn oss_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{code}</Code>\n  <Message>{message}</Message>\n  \
         <RequestId>{}</RequestId>\n  <HostId>dashscope-result-sim.local</HostId>\n  <ServerTime>{}</ServerTime>\n</Error>\n",
        uuid_like().replace('-', "").to_uppercase(),
        Utc::now().format("%Y-%m-%dT%H:%M:%S.000Z"),
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

/// What a download finds before rendering.
enum Lookup {
    Ready(Bytes),
    Render(ImageSpec),
    Expired,
    Missing,
}

async fn download(
    State(sim): State<SimControl>,
    Path((task_id, file)): Path<(String, String)>,
) -> Response {
    count(&sim.shared.counters.download);
    let fault = sim.pop_fault(Endpoint::ImageDownload);
    if let Some(response) = fault.as_ref().and_then(download_fault_response) {
        return response;
    }
    let Some(index) = file
        .strip_suffix(".png")
        .and_then(|i| i.parse::<u32>().ok())
    else {
        return oss_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    let png = match sim.lookup_image(&task_id, index) {
        Lookup::Ready(png) => png,
        Lookup::Render(spec) => match render(&spec, index).await {
            Some(png) => sim.cache_image(&task_id, index, png),
            None => {
                return oss_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "Render failed.",
                )
            }
        },
        Lookup::Expired => {
            return oss_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired.",
            )
        }
        Lookup::Missing => {
            return oss_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            )
        }
    };
    png_response(png, fault)
}

/// Faults at the object store: S3/OSS-style codes (not from the DashScope docs).
fn download_fault_response(fault: &Fault) -> Option<Response> {
    match fault {
        Fault::Throttle { retry_after_s } => Some(with_retry_after(
            oss_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SlowDown",
                "Please reduce your request rate.",
            ),
            *retry_after_s,
        )),
        Fault::ServerError => Some(oss_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "Internal error.",
        )),
        Fault::TaskExpired => Some(oss_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired.",
        )),
        _ => None,
    }
}

fn png_response(png: Bytes, fault: Option<Fault>) -> Response {
    let half = png.slice(..png.len() / 2);
    let (frames, length) = match fault {
        Some(Fault::MalformedJson) => (vec![Ok(half.clone())], half.len()),
        Some(Fault::CutStream { .. }) => (
            vec![Ok(half), Err(std::io::Error::other("simulated cut"))],
            png.len(),
        ),
        _ => (vec![Ok(png.clone())], png.len()),
    };
    let headers = [
        (header::CONTENT_TYPE, "image/png".to_owned()),
        (header::CONTENT_LENGTH, length.to_string()),
    ];
    (
        StatusCode::OK,
        headers,
        Body::from_stream(futures::stream::iter(frames)),
    )
        .into_response()
}

async fn render(spec: &ImageSpec, index: u32) -> Option<Bytes> {
    let spec = spec.clone();
    let seed = spec.seed + u64::from(index);
    let job = tokio::task::spawn_blocking(move || {
        art::bundle_poster(&spec.prompt, spec.width, spec.height, seed)
    });
    job.await
        .ok()
        .filter(|png| !png.is_empty())
        .map(Bytes::from)
}

impl SimControl {
    fn lookup_image(&self, task_id: &str, index: u32) -> Lookup {
        let tasks = lock(&self.shared.tasks);
        let Some(task) = tasks.get(task_id) else {
            return Lookup::Missing;
        };
        if task.expired(self.shared.result_ttl) {
            return Lookup::Expired;
        }
        if task.status(self.shared.result_ttl) != Status::Succeeded || index >= task.spec.n {
            return Lookup::Missing;
        }
        match task.images.get(&index) {
            Some(png) => Lookup::Ready(png.clone()),
            None => Lookup::Render(task.spec.clone()),
        }
    }

    fn cache_image(&self, task_id: &str, index: u32, png: Bytes) -> Bytes {
        if let Some(task) = lock(&self.shared.tasks).get_mut(task_id) {
            task.images.entry(index).or_insert_with(|| png.clone());
        }
        png
    }
}

// ---------------------------------------------------------------------------------------------
// Control endpoints
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct FaultRequest {
    endpoint: Endpoint,
    #[serde(flatten)]
    fault: Fault,
}

#[derive(Deserialize)]
struct LatencyRequest {
    first_token_ms: Option<u64>,
    token_ms: Option<u64>,
    task_step_ms: Option<u64>,
}

fn control_error(message: String) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": message}))
}

async fn control_fault(State(sim): State<SimControl>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultRequest>(&body) {
        Ok(request) => {
            sim.push_fault(request.endpoint, request.fault);
            let queued = lock(&sim.shared.faults)
                .get(&request.endpoint)
                .map_or(0, VecDeque::len);
            json_response(StatusCode::OK, &json!({"queued": queued}))
        }
        Err(err) => control_error(format!("bad fault: {err}")),
    }
}

async fn control_latency(State(sim): State<SimControl>, body: Bytes) -> Response {
    let request = match serde_json::from_slice::<LatencyRequest>(&body) {
        Ok(request) => request,
        Err(err) => return control_error(format!("bad latency: {err}")),
    };
    let current = sim.latency();
    let pick = |ms: Option<u64>, now: Duration| ms.map_or(now, Duration::from_millis);
    let first_token = pick(request.first_token_ms, current.first_token);
    let token = pick(request.token_ms, current.token);
    let task_step = pick(request.task_step_ms, current.task_step);
    sim.set_latency(first_token, token, task_step);
    let body = json!({
        "first_token_ms": first_token.as_millis() as u64,
        "token_ms": token.as_millis() as u64,
        "task_step_ms": task_step.as_millis() as u64,
    });
    json_response(StatusCode::OK, &body)
}

async fn control_stats(State(sim): State<SimControl>) -> Response {
    json_response(StatusCode::OK, &json!(sim.stats()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-sim-test";

    const SALES_PROMPT: &str = "请分析以下数据：\n1. 总结关键的销售趋势。\n2. 指出销售额最高的商品。\n3. 给出改进建议。\n\n\
| 商品 | 销售额 | 订单数 |\n|---|---:|---|\n| 绿茶 | ¥1,200 | 30 |\n| 乌龙茶 | ¥2,500 | 41 |\n| 红茶 | ¥900 | 18 |\n| 普洱 | ¥1,800 | 25 |\n";

    async fn start(settings: SimSettings) -> RunningSim {
        spawn(SocketAddr::from(([127, 0, 0, 1], 0)), settings)
            .await
            .expect("simulator starts")
    }

    fn chat_body(prompt: &str, stream: bool, include_usage: bool) -> Value {
        let mut body = json!({"model": "qwen-plus", "messages": [
            {"role": "system", "content": "你是数据分析师。"},
            {"role": "user", "content": prompt},
        ], "stream": stream});
        if include_usage {
            body["stream_options"] = json!({"include_usage": true});
        }
        body
    }

    async fn post_chat(sim: &RunningSim, key: &str, body: &Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{CHAT_PATH}", sim.base_url()))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("chat request")
    }

    /// The JSON payloads of `data:` lines, `[DONE]` kept as text.
    fn sse_data(text: &str) -> Vec<String> {
        text.split("\n\n")
            .filter_map(|event| event.strip_prefix("data: "))
            .map(str::to_owned)
            .collect()
    }

    fn content_of(events: &[String]) -> (String, usize) {
        let mut text = String::new();
        let mut chunks = 0;
        for event in events.iter().filter(|e| e.as_str() != "[DONE]") {
            let value: Value = serde_json::from_str(event).expect("chunk JSON");
            if let Some(piece) = value
                .pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
            {
                if !piece.is_empty() {
                    chunks += 1;
                    text += piece;
                }
            }
        }
        (text, chunks)
    }

    async fn stream_text(sim: &RunningSim, prompt: &str, include_usage: bool) -> Vec<String> {
        let response = post_chat(sim, KEY, &chat_body(prompt, true, include_usage)).await;
        assert_eq!(response.status(), 200);
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        sse_data(&response.text().await.expect("stream body"))
    }

    fn image_request(prompt: &str, size: &str, n: Option<u32>) -> Value {
        let mut parameters =
            json!({"size": size, "seed": 42, "prompt_extend": false, "watermark": false});
        if let Some(n) = n {
            parameters["n"] = json!(n);
        }
        json!({"model": "wanx2.1-t2i-turbo", "input": {"prompt": prompt}, "parameters": parameters})
    }

    async fn submit(sim: &RunningSim, body: &Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{IMAGE_PATH}", sim.base_url()))
            .bearer_auth(KEY)
            .header("X-DashScope-Async", "enable")
            .json(body)
            .send()
            .await
            .expect("submit request")
    }

    async fn submit_ok(sim: &RunningSim, body: &Value) -> String {
        let response = submit(sim, body).await;
        assert_eq!(response.status(), 200);
        let value: Value = response.json().await.expect("submit JSON");
        assert_eq!(value["output"]["task_status"], "PENDING");
        value["output"]["task_id"]
            .as_str()
            .expect("task id")
            .to_owned()
    }

    async fn poll(sim: &RunningSim, task_id: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/tasks/{task_id}", sim.base_url()))
            .bearer_auth(KEY)
            .send()
            .await
            .expect("poll request");
        let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Polls until a terminal state, returning every status seen and the last body.
    async fn poll_until_done(sim: &RunningSim, task_id: &str) -> (Vec<String>, Value) {
        let mut seen = Vec::new();
        for _ in 0..400 {
            let (_, body) = poll(sim, task_id).await;
            let status = body["output"]["task_status"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if seen.last() != Some(&status) {
                seen.push(status.clone());
            }
            if matches!(status.as_str(), "SUCCEEDED" | "FAILED" | "UNKNOWN") {
                return (seen, body);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("task never finished: {seen:?}");
    }

    fn decode_png(bytes: &[u8]) -> (u32, u32) {
        let reader = png::Decoder::new(bytes).read_info().expect("png");
        (reader.info().width, reader.info().height)
    }

    #[tokio::test]
    async fn bad_or_missing_key_is_401_everywhere() {
        let sim = start(SimSettings::fast(KEY)).await;
        let response = post_chat(&sim, "sk-wrong", &chat_body("你好", false, false)).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "invalid_api_key");
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert!(body["request_id"].is_string());

        let response = reqwest::Client::new()
            .post(format!("{}{IMAGE_PATH}", sim.base_url()))
            .header("X-DashScope-Async", "enable")
            .json(&image_request("猫", "1024*1024", Some(1)))
            .send()
            .await
            .expect("submit");
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["code"], "InvalidApiKey");

        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/tasks/abc", sim.base_url()))
            .bearer_auth("nope")
            .send()
            .await
            .expect("poll");
        assert_eq!(response.status(), 401);
        assert_eq!(sim.control.stats().chat_requests, 1);
    }

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
        let control = &sim.control;
        control.push_fault(
            Endpoint::Chat,
            Fault::Throttle {
                retry_after_s: Some(3),
            },
        );
        control.push_fault(Endpoint::Chat, Fault::ContentFilter);
        control.push_fault(Endpoint::Chat, Fault::ServerError);
        control.push_fault(Endpoint::Chat, Fault::MalformedJson);
        control.push_fault(Endpoint::Chat, Fault::MalformedJson);
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

    #[tokio::test]
    async fn image_task_runs_to_success_and_downloads() {
        let sim = start(SimSettings::fast(KEY)).await;
        let mut request = image_request("茶叶、茶杯和茶壶组合", "768*512", Some(2));
        request["parameters"]["prompt_extend"] = json!(true);
        let task_id = submit_ok(&sim, &request).await;
        let (seen, body) = poll_until_done(&sim, &task_id).await;
        assert_eq!(seen, ["PENDING", "RUNNING", "SUCCEEDED"]);
        let output = &body["output"];
        assert_eq!(output["task_id"], json!(task_id));
        for field in ["submit_time", "scheduled_time", "end_time"] {
            let time = output[field].as_str().expect(field);
            assert!(
                chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S%.3f").is_ok(),
                "{time}"
            );
        }
        assert_eq!(
            output["task_metrics"],
            json!({"TOTAL": 2, "SUCCEEDED": 2, "FAILED": 0})
        );
        assert_eq!(body["usage"]["image_count"], 2);
        let results = output["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["orig_prompt"], "茶叶、茶杯和茶壶组合");
        assert!(results[0]["actual_prompt"]
            .as_str()
            .is_some_and(|p| p.len() > 30));

        let url = results[1]["url"].as_str().expect("url");
        assert_eq!(url, format!("{}/results/{task_id}/1.png", sim.base_url()));
        let response = reqwest::get(url).await.expect("download");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
        let png = response.bytes().await.expect("bytes");
        assert_eq!(decode_png(&png), (768, 512));
        // Cached: the same bytes again; the other image differs (seed + index).
        assert_eq!(
            reqwest::get(url)
                .await
                .expect("again")
                .bytes()
                .await
                .expect("bytes"),
            png
        );
        let first = reqwest::get(results[0]["url"].as_str().expect("url"))
            .await
            .expect("first");
        assert_ne!(first.bytes().await.expect("bytes"), png);
        let stats = sim.control.stats();
        assert_eq!((stats.image_submits, stats.downloads), (1, 3));
        assert!(stats.task_polls >= 3);
    }

    #[tokio::test]
    async fn pending_and_running_bodies() {
        let mut settings = SimSettings::fast(KEY);
        settings.task_step = Duration::from_millis(400);
        let sim = start(settings).await;
        let task_id = submit_ok(&sim, &image_request("猫", "1024*1024", Some(1))).await;
        let (_, body) = poll(&sim, &task_id).await;
        assert_eq!(body["output"]["task_status"], "PENDING");
        assert!(body["output"]["submit_time"].is_string());
        assert!(body["output"].get("scheduled_time").is_none());
        assert!(body["output"].get("results").is_none());
        assert_eq!(body["output"]["task_metrics"]["TOTAL"], 1);
        // Not downloadable before it succeeds.
        let url = format!("{}/results/{task_id}/0.png", sim.base_url());
        assert_eq!(reqwest::get(&url).await.expect("download").status(), 404);
        tokio::time::sleep(Duration::from_millis(450)).await;
        let (_, body) = poll(&sim, &task_id).await;
        assert_eq!(body["output"]["task_status"], "RUNNING");
        assert!(body["output"]["scheduled_time"].is_string());
    }

    #[tokio::test]
    async fn n_defaults_to_four() {
        let sim = start(SimSettings::fast(KEY)).await;
        let task_id = submit_ok(&sim, &image_request("猫", "512*512", None)).await;
        let (_, body) = poll_until_done(&sim, &task_id).await;
        assert_eq!(body["output"]["results"].as_array().map(Vec::len), Some(4));
        assert_eq!(body["usage"]["image_count"], 4);
    }

    #[tokio::test]
    async fn invalid_image_requests_are_400_invalid_parameter() {
        let sim = start(SimSettings::fast(KEY)).await;
        let mut cases = vec![
            image_request("猫", "1024x1024", Some(1)),
            image_request("猫", "256*256", Some(1)),
            image_request("猫", "1440*1440", Some(1)),
            image_request("猫", "1024*", Some(1)),
            image_request("猫", "1024*1024", Some(5)),
            image_request("  ", "1024*1024", Some(1)),
        ];
        let mut no_prompt = image_request("猫", "1024*1024", Some(1));
        no_prompt["input"] = json!({});
        let mut bad_model = image_request("猫", "1024*1024", Some(1));
        bad_model["model"] = json!("stable-diffusion");
        let mut bad_seed = image_request("猫", "1024*1024", Some(1));
        bad_seed["parameters"]["seed"] = json!(-1);
        cases.extend([
            no_prompt,
            bad_model,
            bad_seed,
            json!("not an object"),
            json!({"model": 3}),
        ]);
        for case in &cases {
            let response = submit(&sim, case).await;
            assert_eq!(response.status(), 400, "{case}");
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["code"], "InvalidParameter", "{case}");
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
            assert!(body["request_id"].is_string());
        }
        let response = submit(&sim, &image_request("猫", "1024*1024", Some(1))).await;
        assert_eq!(response.status(), 200);
    }

    #[tokio::test]
    async fn long_prompt_is_truncated_not_rejected() {
        let sim = start(SimSettings::fast(KEY)).await;
        let long = "茶".repeat(1000);
        let task_id = submit_ok(&sim, &image_request(&long, "512*512", Some(1))).await;
        let (_, body) = poll_until_done(&sim, &task_id).await;
        let orig = body["output"]["results"][0]["orig_prompt"]
            .as_str()
            .expect("prompt");
        assert_eq!(orig.chars().count(), MAX_PROMPT_CHARS);
        assert!(body["output"]["results"][0].get("actual_prompt").is_none());
    }

    #[tokio::test]
    async fn submit_without_async_header_is_403() {
        let sim = start(SimSettings::fast(KEY)).await;
        let response = reqwest::Client::new()
            .post(format!("{}{IMAGE_PATH}", sim.base_url()))
            .bearer_auth(KEY)
            .json(&image_request("猫", "1024*1024", Some(1)))
            .send()
            .await
            .expect("submit");
        assert_eq!(response.status(), 403);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["code"], "AccessDenied");
        assert_eq!(
            body["message"],
            "current user api does not support synchronous calls"
        );
    }

    #[tokio::test]
    async fn expired_task_is_unknown_and_its_image_403() {
        let mut settings = SimSettings::fast(KEY);
        settings.task_step = Duration::from_millis(5);
        settings.result_ttl = Duration::from_millis(400);
        let sim = start(settings).await;
        let task_id = submit_ok(&sim, &image_request("猫", "512*512", Some(1))).await;
        let (_, body) = poll_until_done(&sim, &task_id).await;
        assert_eq!(body["output"]["task_status"], "SUCCEEDED");
        let url = body["output"]["results"][0]["url"]
            .as_str()
            .expect("url")
            .to_owned();
        assert_eq!(reqwest::get(&url).await.expect("download").status(), 200);
        tokio::time::sleep(Duration::from_millis(450)).await;
        let (status, body) = poll(&sim, &task_id).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["output"]["task_status"], "UNKNOWN");
        let response = reqwest::get(&url).await.expect("download");
        assert_eq!(response.status(), 403);
        let xml = response.text().await.expect("xml");
        assert!(
            xml.contains("<Code>AccessDenied</Code>") && xml.contains("Request has expired."),
            "{xml}"
        );
        let (_, body) = poll(&sim, "no-such-task").await;
        assert_eq!(body["output"]["task_status"], "UNKNOWN");
    }

    #[tokio::test]
    async fn task_faults_stick_to_their_task() {
        let sim = start(SimSettings::fast(KEY)).await;
        let failed = submit_ok(&sim, &image_request("猫", "512*512", Some(2))).await;
        sim.control
            .push_fault(Endpoint::TaskPoll, Fault::TaskFailed);
        let (_, body) = poll(&sim, &failed).await;
        assert_eq!(body["output"]["task_status"], "FAILED");
        assert_eq!(body["output"]["code"], "InternalError");
        assert_eq!(
            body["output"]["task_metrics"],
            json!({"TOTAL": 2, "SUCCEEDED": 0, "FAILED": 2})
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
        let (_, body) = poll(&sim, &failed).await;
        assert_eq!(body["output"]["task_status"], "FAILED", "sticks");

        sim.control
            .push_fault(Endpoint::TaskPoll, Fault::ContentFilter);
        let filtered = submit_ok(&sim, &image_request("猫", "512*512", Some(1))).await;
        let (_, body) = poll(&sim, &filtered).await;
        assert_eq!(body["output"]["code"], "DataInspectionFailed");

        sim.control
            .push_fault(Endpoint::ImageSubmit, Fault::TaskExpired);
        let expired = submit_ok(&sim, &image_request("猫", "512*512", Some(1))).await;
        let (_, body) = poll_until_done(&sim, &expired).await;
        assert_eq!(body["output"]["task_status"], "UNKNOWN");

        sim.control.push_fault(
            Endpoint::TaskPoll,
            Fault::Throttle {
                retry_after_s: None,
            },
        );
        sim.control
            .push_fault(Endpoint::TaskPoll, Fault::ServerError);
        let ok = submit_ok(&sim, &image_request("猫", "512*512", Some(1))).await;
        let (status, body) = poll(&sim, &ok).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("Throttling.RateQuota"))
        );
        let (status, body) = poll(&sim, &ok).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, Some("InternalError"))
        );
        let (_, body) = poll_until_done(&sim, &ok).await;
        assert_eq!(body["output"]["task_status"], "SUCCEEDED");
    }

    #[tokio::test]
    async fn submit_faults_use_native_codes() {
        let sim = start(SimSettings::fast(KEY)).await;
        let control = &sim.control;
        control.push_fault(
            Endpoint::ImageSubmit,
            Fault::Throttle {
                retry_after_s: Some(1),
            },
        );
        control.push_fault(Endpoint::ImageSubmit, Fault::ContentFilter);
        control.push_fault(Endpoint::ImageSubmit, Fault::ServerError);
        control.push_fault(Endpoint::ImageSubmit, Fault::MalformedJson);
        let request = image_request("猫", "512*512", Some(1));
        for (status, code) in [
            (429, "Throttling.RateQuota"),
            (400, "DataInspectionFailed"),
            (500, "InternalError"),
        ] {
            let response = submit(&sim, &request).await;
            assert_eq!(response.status(), status);
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["code"], code);
        }
        let response = submit(&sim, &request).await;
        assert_eq!(response.status(), 200);
        assert!(serde_json::from_str::<Value>(&response.text().await.expect("text")).is_err());
        submit_ok(&sim, &request).await;
    }

    #[tokio::test]
    async fn control_endpoints_over_http() {
        let sim = start(SimSettings::fast(KEY)).await;
        let client = reqwest::Client::new();
        let fault = json!({"endpoint": "chat", "fault": "throttle", "retry_after_s": 1});
        let response = client
            .post(format!("{}/__sim/faults", sim.base_url()))
            .json(&fault)
            .send()
            .await
            .expect("fault");
        assert_eq!(response.status(), 200);
        let cut = json!({"endpoint": "chat", "fault": "cut_stream", "after_chunks": 2});
        client
            .post(format!("{}/__sim/faults", sim.base_url()))
            .json(&cut)
            .send()
            .await
            .expect("fault");
        let bad = json!({"endpoint": "chat", "fault": "meteor"});
        let response = client
            .post(format!("{}/__sim/faults", sim.base_url()))
            .json(&bad)
            .send()
            .await
            .expect("fault");
        assert_eq!(response.status(), 400);

        let latency = json!({"first_token_ms": 1, "token_ms": 0, "task_step_ms": 7});
        let response = client
            .post(format!("{}/__sim/latency", sim.base_url()))
            .json(&latency)
            .send()
            .await
            .expect("latency");
        assert_eq!(response.status(), 200);
        assert_eq!(sim.control.latency().task_step, Duration::from_millis(7));

        let response = post_chat(&sim, KEY, &chat_body("你好", false, false)).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let stats: SimStats = client
            .get(format!("{}/__sim/stats", sim.base_url()))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        assert_eq!(
            stats,
            SimStats {
                chat_requests: 1,
                ..SimStats::default()
            }
        );
    }

    #[test]
    fn fault_json_round_trips() {
        let fault = Fault::Throttle {
            retry_after_s: Some(2),
        };
        let text = serde_json::to_string(&fault).expect("json");
        assert_eq!(text, r#"{"fault":"throttle","retry_after_s":2}"#);
        assert_eq!(
            serde_json::from_str::<Fault>(r#"{"fault":"task_expired"}"#).expect("fault"),
            Fault::TaskExpired
        );
        let request: FaultRequest = serde_json::from_str(
            r#"{"endpoint":"task_poll","fault":"cut_stream","after_chunks":4}"#,
        )
        .expect("request");
        assert_eq!(
            (request.endpoint, request.fault),
            (Endpoint::TaskPoll, Fault::CutStream { after_chunks: 4 })
        );
    }

    #[test]
    fn answer_without_table_or_instructions_is_still_an_answer() {
        let answer = compose_answer("最近的销售怎么样？");
        assert!(answer.contains("## 分析摘要") && answer.contains("## 建议"));
        assert!(answer.contains("最近的销售怎么样"));
        let answer = compose_answer("1. 列出风险\n2. 给出对策");
        assert!(answer.contains("1. **列出风险**") && answer.contains("2. **给出对策**"));
        assert!(!compose_answer("").is_empty());
        // A table whose values are not numbers.
        let answer =
            compose_answer("| 地区 | 负责人 |\n|---|---|\n| 华东 | 张三 |\n| 华北 | 李四 |");
        assert!(answer.contains("2 行数据") && answer.contains("「华东」"));
    }

    #[test]
    fn table_answer_names_extremes_and_trend() {
        let answer = compose_answer(SALES_PROMPT);
        assert!(answer.contains("「乌龙茶」最高（¥2,500）"), "{answer}");
        assert!(answer.contains("「红茶」最低（¥900）"), "{answer}");
        assert!(answer.contains("上升"), "{answer}");
    }

    /// The customers prompt's segment table names a row by tier and status: the prose must say
    /// which segment a figure belongs to, and never pair a name with another row's figure.
    #[test]
    fn segment_rows_are_named_by_every_text_column() {
        let prompt = "1. 总结\n2. 风险\n3. 占比\n\n| 客户等级 | 状态 | 客户数 |\n| --- | --- | --- |\n\
| VIP | 活跃 | 38 |\n| VIP | 流失风险 | 0 |\n| 高级 | 活跃 | 120 |\n| 基础 | 已沉睡 | 25 |\n";
        let answer = compose_answer(prompt);
        assert!(answer.contains("「高级 · 活跃」最高（120）"), "{answer}");
        assert!(answer.contains("「VIP · 流失风险」最低（0）"), "{answer}");
        assert!(answer.contains("以「VIP · 活跃」为例，客户数为 38"), "{answer}");
        // Every 「name」（figure) pair in the prose matches a row of the table.
        let rows = [("VIP · 活跃", "38"), ("VIP · 流失风险", "0"), ("高级 · 活跃", "120"), ("基础 · 已沉睡", "25")];
        for (name, figure) in answer.split('「').skip(1).filter_map(|s| s.split_once('」')).filter_map(|(n, rest)| {
            rest.strip_prefix("最高（").or_else(|| rest.strip_prefix("最低（")).and_then(|r| r.split_once('）')).map(|(f, _)| (n, f))
        }) {
            assert!(rows.contains(&(name, figure)), "「{name}」（{figure}）is not a row: {answer}");
        }
    }

    #[test]
    fn chunks_are_one_to_four_chars_and_rebuild_the_text() {
        let text = compose_answer(SALES_PROMPT);
        let chunks = split_chunks(&text);
        assert_eq!(chunks.concat(), text);
        assert!(chunks.iter().all(|c| (1..=4).contains(&c.chars().count())));
        assert!(
            chunks.iter().any(|c| c.chars().count() == 1)
                && chunks.iter().any(|c| c.chars().count() == 4)
        );
    }

    #[test]
    fn token_estimate_counts_cjk_and_other_text() {
        assert_eq!(estimate_tokens("你好，世界"), 5);
        assert_eq!(estimate_tokens("hello"), 2);
        assert_eq!(estimate_tokens("你好 abcd"), 2 + 2);
        assert_eq!(estimate_tokens(""), 0);
    }

    #[test]
    fn settings_debug_hides_the_key() {
        let text = format!("{:?}", SimSettings::fast("sk-secret"));
        assert!(!text.contains("sk-secret"));
    }
}
