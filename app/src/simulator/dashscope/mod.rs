//! Local simulator of DashScope (Alibaba Model Studio, 百炼): the OpenAI-compatible chat and
//! model-list endpoints and the Wanx text-to-image V2 async task API, with the providers' wire formats, Bearer auth and
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
//!
//! The files: [`chat`] (chat and SSE), [`answer`] (the prose composer), [`images`] (Wanx tasks),
//! [`downloads`] (result images), [`control`] (`/__sim/*`); fault queues, counters and JSON
//! answers come from the shared `simulator::control`.

mod answer;
mod chat;
mod control;
mod downloads;
mod images;
#[cfg(test)]
mod testkit;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::simulator::control::{fault_route, lock, serve, with_retry_after, Counts, FaultQueue, Json, Running};
use images::Task;

const CHAT_PATH: &str = "/compatible-mode/v1/chat/completions";
const MODELS_PATH: &str = "/compatible-mode/v1/models";
const IMAGE_PATH: &str = "/api/v1/services/aigc/text2image/image-synthesis";
const RATE_LIMIT_MESSAGE: &str = "Requests rate limit exceeded, please try again later.";
const INSPECTION_MESSAGE: &str = "Input data may contain inappropriate content.";
const SERVER_ERROR_MESSAGE: &str = "An internal error has occured, please try again later or contact service support.";

/// DashScope answers `application/json` without a charset.
const JSON: Json = Json("application/json");

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

impl Fault {
    /// The wait a throttling fault advertises.
    fn retry_after_s(&self) -> Option<u64> {
        match self {
            Fault::Throttle { retry_after_s } => *retry_after_s,
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Chat,
    ImageSubmit,
    TaskPoll,
    ImageDownload,
    Models,
}

/// Request counters, per endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    pub chat_requests: u64,
    pub image_submits: u64,
    pub task_polls: u64,
    pub downloads: u64,
    pub model_lists: u64,
}

/// Handle on a running simulator: queue faults, change latency, read counters.
#[derive(Clone)]
pub struct SimControl {
    shared: Arc<Shared>,
}

impl SimControl {
    /// Queues `fault` for `endpoint`; each request there takes one (FIFO), then behaviour is normal.
    pub fn push_fault(&self, endpoint: Endpoint, fault: Fault) {
        self.shared.faults.push(endpoint, fault);
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
        let c = &self.shared.counts;
        SimStats {
            chat_requests: c.get(Endpoint::Chat),
            image_submits: c.get(Endpoint::ImageSubmit),
            task_polls: c.get(Endpoint::TaskPoll),
            downloads: c.get(Endpoint::ImageDownload),
            model_lists: c.get(Endpoint::Models),
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
            faults: FaultQueue::default(),
            tasks: Mutex::default(),
            counts: Counts::default(),
        };
        Self {
            shared: Arc::new(shared),
        }
    }

    /// Counts a request to `gate`'s endpoint, then applies the gate in order: the key, the
    /// precondition, the endpoint's next fault. `Ok` with that fault when it only shapes the
    /// answer later; `Err` with the answer when one of them ends the request.
    fn enter(&self, gate: &Gate, headers: &HeaderMap) -> Result<Option<Fault>, Response> {
        self.shared.counts.bump(gate.endpoint);
        if let Some(unauthorized) = gate.unauthorized {
            if !self.authorized(headers) {
                return Err(unauthorized());
            }
        }
        if let Some(refused) = (gate.precondition)(headers) {
            return Err(refused);
        }
        let fault = self.shared.faults.pop(gate.endpoint);
        match fault.as_ref().and_then(gate.fault_answer) {
            Some(answer) => Err(answer),
            None => Ok(fault),
        }
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

/// What a request meets at an endpoint before the endpoint's own work (see `SimControl::enter`).
struct Gate {
    endpoint: Endpoint,
    /// The answer to a missing or wrong key; `None` where no key is asked for (result downloads).
    unauthorized: Option<fn() -> Response>,
    /// A check between the key and the faults (the image submit's async header).
    precondition: fn(&HeaderMap) -> Option<Response>,
    /// The answer to a fault that replaces the whole answer.
    fault_answer: fn(&Fault) -> Option<Response>,
}

/// The routes of the simulator, ready to serve, and a handle on it.
pub fn router(settings: SimSettings) -> (Router, SimControl) {
    let control = SimControl::new(settings);
    let app = Router::new()
        .route(CHAT_PATH, post(chat::chat))
        .route(MODELS_PATH, get(chat::models))
        .route(IMAGE_PATH, post(images::image_submit))
        .route("/api/v1/tasks/{task_id}", get(images::task_poll))
        .route("/results/{task_id}/{file}", get(downloads::download))
        .route("/__sim/latency", post(control::control_latency))
        .route("/__sim/stats", get(control::control_stats))
        .with_state(control.clone())
        .merge(fault_route(control.clone(), JSON, control::queue_fault));
    (app, control)
}

/// A DashScope simulator serving on a tokio task; `base_url()` is the base to give clients
/// (they append `/compatible-mode/v1` or `/api/v1`).
pub type RunningSim = Running<SimControl>;

/// Binds `addr` (port 0 picks a free port) and serves the simulator until the task is aborted.
pub async fn spawn(addr: SocketAddr, settings: SimSettings) -> std::io::Result<RunningSim> {
    let (app, control) = router(settings);
    serve(addr, app, control, "DashScope").await
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

struct Shared {
    api_key: String,
    result_ttl: Duration,
    latency: Mutex<Latency>,
    faults: FaultQueue<Endpoint, Fault>,
    tasks: Mutex<HashMap<String, Task>>,
    counts: Counts<Endpoint>,
}

fn uuid_like() -> String {
    super::uuid_like(false)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    JSON.response(status, body)
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;
    use serde_json::Value;

    #[tokio::test]
    async fn bad_or_missing_key_is_401_everywhere() {
        let sim = start(SimSettings::fast(KEY)).await;
        let response = post_chat(&sim, "sk-wrong", &chat_body("你好", false, false)).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "invalid_api_key");
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert!(body["request_id"].is_string());

        let response = post_image(&sim, None, true, &image_request("猫", "1024*1024", Some(1))).await;
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

    #[test]
    fn settings_debug_hides_the_key() {
        let text = format!("{:?}", SimSettings::fast("sk-secret"));
        assert!(!text.contains("sk-secret"));
    }
}
