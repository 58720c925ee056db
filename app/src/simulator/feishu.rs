//! Local simulator of a Feishu (Lark) custom-bot webhook: `POST /open-apis/bot/v2/hook/{token}`
//! with Feishu's checks and answers (docs/providers.md, "Feishu"): the token, the 20 KB body cap,
//! the signature and its one-hour window (19021), the bot's keywords (19024), the message's shape
//! (9499 "Bad Request"), the bot's rate limits, 5 a second and 100 a minute (11232); answers are
//! HTTP 200 with a body `code` as Feishu's are. The simulator reads time from a [`Clock`], which
//! a test sets by hand to check the windows without racing real time.
//!
//! It keeps the messages it accepted, so tests and the demo can see what a group would have
//! received. Control endpoints (no auth; localhost only): `GET /__sim/messages`,
//! `POST /__sim/messages/clear`, `GET /__sim/stats`, and the shared `POST /__sim/faults`
//! (`{"fault":"throttle"}`, `"too_many_requests"`, `"server_error"`, `"malformed_json"`), each
//! fault taken by the next webhook request.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::secret::Secret;
use crate::signing::feishu as signature;
use crate::simulator::control::{fault_route, lock, serve, truncated, Counts, FaultQueue, Json, Running};

/// Feishu answers with a charset.
const JSON: Json = Json("application/json; charset=utf-8");
/// The documented cap ("请求体大小不能超过 20 KB").
const MAX_BODY_BYTES: usize = 20 * 1024;
/// The newest messages kept; older ones are dropped.
const KEPT: usize = 500;
const HOOK_ROUTE: &str = "/open-apis/bot/v2/hook/{token}";

/// "每个机器人 100 次/分钟，5 次/秒" (docs/providers.md, "Feishu").
const PER_SECOND: usize = 5;
const PER_MINUTE: usize = 100;

/// Where the simulator reads the time: the system clock, or one a test sets and moves.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn manual(at: DateTime<Utc>) -> Self {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(at) => *lock(at),
        }
    }

    /// Moves a manual clock on; the system clock moves by itself.
    pub fn advance(&self, by: chrono::TimeDelta) {
        if let Clock::Manual(at) = self {
            let mut at = lock(at);
            *at += by;
        }
    }
}

/// The times of the bot's admitted requests in the last minute: a sliding window per second and
/// per minute.
#[derive(Debug, Default)]
struct RateWindow {
    admitted: VecDeque<DateTime<Utc>>,
}

impl RateWindow {
    /// Admits a request at `now` unless 5 were admitted in the second up to it or 100 in the
    /// minute up to it (windows `(now - 1 s, now]`, `(now - 1 min, now]`); a refused request does
    /// not count.
    fn admit(&mut self, now: DateTime<Utc>) -> bool {
        let minute_ago = now - chrono::TimeDelta::minutes(1);
        while self.admitted.front().is_some_and(|t| *t <= minute_ago) {
            self.admitted.pop_front();
        }
        let second_ago = now - chrono::TimeDelta::seconds(1);
        let last_second = self.admitted.iter().filter(|t| **t > second_ago).count();
        if last_second >= PER_SECOND || self.admitted.len() >= PER_MINUTE {
            return false;
        }
        self.admitted.push_back(now);
        true
    }
}

/// The bot: its token (the URL's last segment), its signing secret when "签名校验" is on, its
/// keywords when "自定义关键词" is on, and the clock its checks read.
#[derive(Clone)]
pub struct FeishuSimSettings {
    pub token: String,
    pub secret: Option<Secret>,
    pub keywords: Vec<String>,
    pub clock: Clock,
}

impl FeishuSimSettings {
    /// A signed bot with a fresh random token and secret, as the demo runs it.
    pub fn demo() -> Self {
        FeishuSimSettings {
            token: super::uuid_like(false),
            secret: Some(Secret::new(format!("SEC{:022x}", rand::random::<u128>() >> 40))),
            keywords: Vec::new(),
            clock: Clock::System,
        }
    }
}

impl std::fmt::Debug for FeishuSimSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeishuSimSettings").field("token", &"<redacted>").field("secret", &self.secret).field("keywords", &self.keywords).finish()
    }
}

/// A misbehaviour for the next webhook request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "fault")]
pub enum Fault {
    /// HTTP 200, code 11232 "frequency limited" (observed on webhooks).
    Throttle,
    /// HTTP 400, code 9499 "too many request" (also observed).
    TooManyRequests,
    /// HTTP 500 with no JSON.
    ServerError,
    /// HTTP 200 with a cut-off JSON body.
    MalformedJson,
}

/// A message the bot accepted, as a group would see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceivedMessage {
    pub msg_type: String,
    /// The `card` object of an interactive message.
    pub card: Option<Value>,
    /// The `content` of the other message types.
    pub content: Option<Value>,
    /// The signature's timestamp, when signed.
    pub timestamp: Option<String>,
    pub received_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeishuSimStats {
    pub requests: u64,
    pub accepted: u64,
    /// Refused by the rate limits (11232).
    #[serde(default)]
    pub rate_limited: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Counter {
    Request,
    Accepted,
    RateLimited,
}

struct Shared {
    settings: FeishuSimSettings,
    faults: FaultQueue<(), Fault>,
    counts: Counts<Counter>,
    received: Mutex<VecDeque<ReceivedMessage>>,
    rate: Mutex<RateWindow>,
}

/// Handle on a running simulator: read what arrived, queue faults.
#[derive(Clone)]
pub struct FeishuSimControl {
    shared: Arc<Shared>,
}

impl FeishuSimControl {
    pub fn push_fault(&self, fault: Fault) -> usize {
        self.shared.faults.push((), fault)
    }

    /// The accepted messages, oldest first.
    pub fn received(&self) -> Vec<ReceivedMessage> {
        lock(&self.shared.received).iter().cloned().collect()
    }

    pub fn clear(&self) {
        lock(&self.shared.received).clear();
    }

    pub fn stats(&self) -> FeishuSimStats {
        let counts = &self.shared.counts;
        FeishuSimStats { requests: counts.get(Counter::Request), accepted: counts.get(Counter::Accepted), rate_limited: counts.get(Counter::RateLimited) }
    }
}

/// The routes of the simulator, ready to serve, and a handle on it.
pub fn router(settings: FeishuSimSettings) -> (Router, FeishuSimControl) {
    let shared = Shared { settings, faults: FaultQueue::default(), counts: Counts::default(), received: Mutex::default(), rate: Mutex::default() };
    let control = FeishuSimControl { shared: Arc::new(shared) };
    let app = Router::new()
        .route(HOOK_ROUTE, post(hook))
        .route("/__sim/messages", get(messages))
        .route("/__sim/messages/clear", post(clear))
        .route("/__sim/stats", get(stats))
        .with_state(control.clone())
        .merge(fault_route(control.clone(), JSON, |sim: &FeishuSimControl, fault: Fault| sim.push_fault(fault)));
    (app, control)
}

/// A Feishu webhook simulator serving on a tokio task.
pub type RunningFeishuSim = Running<FeishuSimControl>;

impl Running<FeishuSimControl> {
    /// The bot's webhook URL, as Feishu shows it in the group's bot settings.
    pub fn webhook_url(&self) -> String {
        format!("{}/open-apis/bot/v2/hook/{}", self.base_url(), self.control.shared.settings.token)
    }

    /// The bot's signing secret.
    pub fn secret(&self) -> Option<&Secret> {
        self.control.shared.settings.secret.as_ref()
    }
}

/// Binds a free localhost port and serves the simulator until the task is aborted.
pub async fn spawn(settings: FeishuSimSettings) -> std::io::Result<RunningFeishuSim> {
    let (app, control) = router(settings);
    serve(SocketAddr::from(([127, 0, 0, 1], 0)), app, control, "Feishu webhook").await
}

/// `{"code", "msg", "data": {}}` with `status`.
fn answer(status: StatusCode, code: i64, msg: &str) -> Response {
    JSON.response(status, &json!({"code": code, "msg": msg, "data": {}}))
}

fn bad_request() -> Response {
    answer(StatusCode::BAD_REQUEST, 9499, "Bad Request")
}

/// The webhook, its checks in the order a request meets them.
async fn hook(State(sim): State<FeishuSimControl>, Path(token): Path<String>, body: Bytes) -> Response {
    let shared = &sim.shared;
    shared.counts.bump(Counter::Request);
    if token != shared.settings.token {
        return answer(StatusCode::OK, 19001, "param invalid: incoming webhook access token invalid");
    }
    if body.len() > MAX_BODY_BYTES {
        return bad_request();
    }
    // A queued fault stands for the bot's answer, the rate limit's included, so it comes first
    // (as in the cloud simulator) and does not count against the limit.
    if let Some(fault) = shared.faults.pop(()) {
        return fault_answer(&fault);
    }
    let now = shared.settings.clock.now();
    if !lock(&shared.rate).admit(now) {
        shared.counts.bump(Counter::RateLimited);
        return fault_answer(&Fault::Throttle);
    }
    let Ok(Value::Object(message)) = serde_json::from_slice::<Value>(&body) else {
        return bad_request();
    };
    let timestamp = message.get("timestamp").and_then(|t| match t {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    if let Some(secret) = &shared.settings.secret {
        let sign = message.get("sign").and_then(Value::as_str).unwrap_or("");
        if signature::verify(timestamp.as_deref().unwrap_or(""), sign, secret, now).is_err() {
            return answer(StatusCode::OK, 19021, "sign match fail or timestamp is not within one hour from current time");
        }
    }
    let Some(received) = read_message(&message, timestamp, now) else {
        return bad_request();
    };
    let keywords = &shared.settings.keywords;
    let text = received.card.as_ref().or(received.content.as_ref()).map(Value::to_string).unwrap_or_default();
    if !keywords.is_empty() && !keywords.iter().any(|k| text.contains(k.as_str())) {
        return answer(StatusCode::OK, 19024, "Key Words Not Found");
    }
    {
        let mut kept = lock(&shared.received);
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back(received);
    }
    shared.counts.bump(Counter::Accepted);
    let success = json!({"code": 0, "msg": "success", "data": {}, "Extra": null, "StatusCode": 0, "StatusMessage": "success"});
    JSON.response(StatusCode::OK, &success)
}

/// The message when its type is one a custom bot sends and it has that type's part: an object
/// `card` for `interactive`, `content.text` for `text`, a `content` object for the others.
fn read_message(message: &serde_json::Map<String, Value>, timestamp: Option<String>, now: DateTime<Utc>) -> Option<ReceivedMessage> {
    let msg_type = message.get("msg_type").and_then(Value::as_str)?;
    let content = message.get("content").filter(|c| c.is_object()).cloned();
    let card = message.get("card").filter(|c| c.is_object()).cloned();
    let complete = match msg_type {
        "interactive" => card.is_some(),
        "text" => content.as_ref().is_some_and(|c| c["text"].is_string()),
        "post" | "image" | "share_chat" => content.is_some(),
        _ => false,
    };
    complete.then(|| ReceivedMessage { msg_type: msg_type.to_owned(), card, content, timestamp, received_at: now })
}

fn fault_answer(fault: &Fault) -> Response {
    match fault {
        Fault::Throttle => answer(StatusCode::OK, 11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]"),
        Fault::TooManyRequests => answer(StatusCode::BAD_REQUEST, 9499, "too many request"),
        Fault::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
        Fault::MalformedJson => {
            let whole = json!({"code": 0, "msg": "success", "data": {}}).to_string();
            (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, JSON.0)], truncated(&whole).to_owned()).into_response()
        }
    }
}

async fn messages(State(sim): State<FeishuSimControl>) -> Response {
    JSON.response(StatusCode::OK, &json!(sim.received()))
}

async fn clear(State(sim): State<FeishuSimControl>) -> Response {
    sim.clear();
    JSON.response(StatusCode::OK, &json!({"cleared": true}))
}

async fn stats(State(sim): State<FeishuSimControl>) -> Response {
    JSON.response(StatusCode::OK, &json!(sim.stats()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::control::test_client;

    fn signed_body(secret: &Secret, at: i64, card: Value) -> Value {
        json!({"timestamp": at.to_string(), "sign": signature::sign(at, secret), "msg_type": "interactive", "card": card})
    }

    async fn post(url: &str, body: &Value) -> (u16, Value) {
        let response = reqwest::Client::new().post(url).json(body).send().await.expect("webhook request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON answer"))
    }

    /// Posts, then moves `clock` a second on: requests a second apart stay inside the rate limits.
    async fn paced(clock: &Clock, url: &str, body: &Value) -> (u16, Value) {
        let answer = post(url, body).await;
        clock.advance(chrono::TimeDelta::seconds(1));
        answer
    }

    #[tokio::test]
    async fn checks_token_signature_shape_and_keywords_like_feishu() {
        let clock = Clock::manual(Utc::now());
        let settings = FeishuSimSettings { keywords: vec!["算盘".into()], clock: clock.clone(), ..FeishuSimSettings::demo() };
        let secret = settings.secret.clone().expect("the demo signs");
        let sim = spawn(settings).await.expect("simulator");
        let now = Utc::now().timestamp();
        let url = sim.webhook_url();

        let (status, body) = paced(&clock, &url, &signed_body(&secret, now, json!({"header": {"title": {"content": "算盘"}}}))).await;
        assert_eq!((status, body["code"].as_i64(), body["StatusCode"].as_i64()), (200, Some(0), Some(0)), "{body}");

        let wrong = post(&format!("{}/open-apis/bot/v2/hook/not-the-token", sim.base_url()), &signed_body(&secret, now, json!({}))).await;
        assert_eq!((wrong.0, wrong.1["code"].as_i64()), (200, Some(19001)));
        let unsigned = paced(&clock, &url, &json!({"msg_type": "interactive", "card": {"t": "算盘"}})).await;
        assert_eq!(unsigned.1["code"], 19021);
        let stale = paced(&clock, &url, &signed_body(&secret, now - 3700, json!({"t": "算盘"}))).await;
        assert_eq!(stale.1["code"], 19021);
        let other_secret = paced(&clock, &url, &signed_body(&Secret::new("SECother"), now, json!({"t": "算盘"}))).await;
        assert_eq!(other_secret.1["code"], 19021);
        let no_keyword = paced(&clock, &url, &signed_body(&secret, now, json!({"t": "hello"}))).await;
        assert_eq!((no_keyword.0, no_keyword.1["code"].as_i64()), (200, Some(19024)));
        let mut text_without_text = signed_body(&secret, now, json!({}));
        text_without_text["msg_type"] = json!("text");
        text_without_text["content"] = json!({"words": "算盘"});
        assert_eq!(paced(&clock, &url, &text_without_text).await, (400, json!({"code": 9499, "msg": "Bad Request", "data": {}})));
        let huge = signed_body(&secret, now, json!({"t": "算盘".repeat(8000)}));
        assert_eq!(paced(&clock, &url, &huge).await.1["code"], 9499);

        let kept: Vec<ReceivedMessage> = test_client::get(&sim.base_url(), "messages").await;
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].card.as_ref().map(|c| c["header"]["title"]["content"].clone()), Some(json!("算盘")));
        assert_eq!(sim.control.stats(), FeishuSimStats { requests: 8, accepted: 1, rate_limited: 0 });
        assert_eq!(test_client::post(&sim.base_url(), "messages/clear", &json!({})).await, 200);
        assert!(sim.control.received().is_empty());
    }

    #[tokio::test]
    async fn faults_are_taken_one_per_request() {
        let settings = FeishuSimSettings { secret: None, ..FeishuSimSettings::demo() };
        let sim = spawn(settings).await.expect("simulator");
        assert_eq!(test_client::post(&sim.base_url(), "faults", &json!({"fault": "throttle"})).await, 200);
        sim.control.push_fault(Fault::TooManyRequests);
        let message = json!({"msg_type": "text", "content": {"text": "hi"}});
        assert_eq!(post(&sim.webhook_url(), &message).await, (200, json!({"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]", "data": {}})));
        assert_eq!(post(&sim.webhook_url(), &message).await.1["msg"], "too many request");
        assert_eq!(post(&sim.webhook_url(), &message).await.1["code"], 0, "unsigned bots take unsigned messages");
        assert_eq!(test_client::post(&sim.base_url(), "faults", &json!({"fault": "nonsense"})).await, 400);
    }

    #[test]
    fn the_window_admits_five_a_second_and_a_hundred_a_minute() {
        let t0 = Utc::now();
        let at = |ms: i64| t0 + chrono::TimeDelta::milliseconds(ms);
        let mut window = RateWindow::default();
        assert!((0..5).all(|i| window.admit(at(i * 10))), "five in one second");
        assert!(!window.admit(at(500)), "the sixth within that second");
        assert!(!window.admit(at(999)), "the first is still inside the second");
        assert!(window.admit(at(1000)), "a second after the first, it has left the window");
        assert!(!window.admit(at(1001)), "five again in the second before");

        // 100 spread at 5 a second over 20 seconds; the 101st in the minute is refused until the
        // first of them is a minute old.
        let mut window = RateWindow::default();
        for i in 0..100 {
            assert!(window.admit(at(i * 200)), "request {i}");
        }
        assert!(!window.admit(at(30_000)), "the 101st within the minute");
        assert!(!window.admit(at(59_999)), "the first is still inside the minute");
        assert!(window.admit(at(60_000)), "a minute after the first, it has left the window");
    }

    #[tokio::test]
    async fn the_bot_answers_11232_over_its_rate_on_the_simulators_clock() {
        let clock = Clock::manual(Utc::now());
        let settings = FeishuSimSettings { secret: None, clock: clock.clone(), ..FeishuSimSettings::demo() };
        let sim = spawn(settings).await.expect("simulator");
        let message = json!({"msg_type": "text", "content": {"text": "hi"}});
        for _ in 0..5 {
            assert_eq!(post(&sim.webhook_url(), &message).await.1["code"], 0);
        }
        // The clock has not moved: the sixth is in the same second.
        let (status, body) = post(&sim.webhook_url(), &message).await;
        assert_eq!((status, body["code"].as_i64()), (200, Some(11232)), "{body}");
        clock.advance(chrono::TimeDelta::seconds(1) + chrono::TimeDelta::milliseconds(1));
        assert_eq!(post(&sim.webhook_url(), &message).await.1["code"], 0);
        assert_eq!(sim.control.stats(), FeishuSimStats { requests: 7, accepted: 6, rate_limited: 1 });
        assert_eq!(sim.control.received().len(), 6, "every accepted card is kept");
    }

    #[test]
    fn settings_debug_hides_token_and_secret() {
        let settings = FeishuSimSettings::demo();
        let printed = format!("{settings:?}");
        assert!(!printed.contains(&settings.token) && !printed.contains(settings.secret.as_ref().expect("a secret").expose()));
    }
}
