//! Wanx text-to-image on the native DashScope API: submit (async only), the task's life
//! (PENDING → RUNNING → SUCCEEDED, or forced to fail or expire by a fault) and the poll bodies.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::{json_response, uuid_like, with_retry_after, Endpoint, Fault, Gate, SimControl};
use super::{INSPECTION_MESSAGE, RATE_LIMIT_MESSAGE, SERVER_ERROR_MESSAGE};
use crate::simulator::control::{lock, truncated};

const MAX_PROMPT_CHARS: usize = 800;
const MAX_PIXELS: u64 = 2_000_000;
const MAX_SEED: u64 = 2_147_483_647;

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
    let (status, code, message) = match fault {
        Fault::Throttle { .. } => (StatusCode::TOO_MANY_REQUESTS, "Throttling.RateQuota", RATE_LIMIT_MESSAGE),
        Fault::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "InternalError", SERVER_ERROR_MESSAGE),
        Fault::MalformedJson => {
            let body = json!({"output": {"task_status": "PENDING", "task_id": uuid_like()}, "request_id": uuid_like()});
            let text = truncated(&body.to_string()).to_owned();
            return Some((StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], text).into_response());
        }
        _ => return None,
    };
    Some(with_retry_after(native_error(status, code, message), fault.retry_after_s()))
}

/// A validated image request.
#[derive(Clone, Debug)]
pub(super) struct ImageSpec {
    pub(super) prompt: String,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) n: u32,
    pub(super) seed: u64,
    pub(super) prompt_extend: bool,
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

const SUBMIT_GATE: Gate = Gate {
    endpoint: Endpoint::ImageSubmit,
    unauthorized: Some(native_unauthorized),
    precondition: sync_refused,
    fault_answer: submit_fault_response,
};

/// The image API answers asynchronously only.
fn sync_refused(headers: &HeaderMap) -> Option<Response> {
    let message = "current user api does not support synchronous calls";
    (!async_enabled(headers)).then(|| native_error(StatusCode::FORBIDDEN, "AccessDenied", message))
}

/// `Err` is an answer that ends the request early (the gate's, or a bad request's).
pub(super) async fn image_submit(State(sim): State<SimControl>, headers: HeaderMap, body: Bytes) -> Result<Response, Response> {
    let fault = sim.enter(&SUBMIT_GATE, &headers)?;
    let spec = parse_image_request(&body).map_err(|message| invalid_parameter(&message))?;
    let task_id = uuid_like();
    tracing::debug!(%task_id, n = spec.n, width = spec.width, height = spec.height, "simulator image task");
    let task = Task::new(
        spec,
        sim.latency().task_step,
        fault.as_ref().and_then(Forced::from_fault),
    );
    sim.insert_task(task_id.clone(), task);
    let body = json!({"output": {"task_status": "PENDING", "task_id": task_id}, "request_id": uuid_like()});
    Ok(json_response(StatusCode::OK, &body))
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
pub(super) enum Status {
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

pub(super) struct Task {
    pub(super) spec: ImageSpec,
    created: Instant,
    submitted_at: DateTime<FixedOffset>,
    step: Duration,
    forced: Option<(Forced, DateTime<FixedOffset>)>,
    pub(super) images: HashMap<u32, Bytes>,
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

    pub(super) fn expired(&self, ttl: Duration) -> bool {
        self.created.elapsed() >= ttl || matches!(self.forced, Some((Forced::Expired, _)))
    }

    pub(super) fn status(&self, ttl: Duration) -> Status {
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
    Utc::now().with_timezone(&crate::calendar::shanghai())
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

const POLL_GATE: Gate = Gate {
    endpoint: Endpoint::TaskPoll,
    unauthorized: Some(native_unauthorized),
    precondition: |_| None,
    fault_answer: native_fault_response,
};

pub(super) async fn task_poll(
    State(sim): State<SimControl>,
    Path(task_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let fault = sim.enter(&POLL_GATE, &headers)?;
    let base = result_base(&headers);
    let mut tasks = lock(&sim.shared.tasks);
    let Some(task) = tasks.get_mut(&task_id) else {
        return Ok(json_response(StatusCode::OK, &unknown_body(&task_id)));
    };
    if let Some(forced) = fault.as_ref().and_then(Forced::from_fault) {
        task.forced = Some((forced, shanghai_now()));
    }
    let status = task.status(sim.shared.result_ttl);
    tracing::debug!(%task_id, status = status.as_str(), "simulator task poll");
    Ok(json_response(StatusCode::OK, &poll_body(&task_id, task, status, &base)))
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

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::*;
    use super::*;
    use serde_json::{json, Value};

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
        let response = post_image(&sim, Some(KEY), false, &image_request("猫", "1024*1024", Some(1))).await;
        assert_eq!(response.status(), 403);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["code"], "AccessDenied");
        assert_eq!(
            body["message"],
            "current user api does not support synchronous calls"
        );
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

        let throttle = Fault::Throttle { retry_after_s: None };
        queue_faults(&sim, Endpoint::TaskPoll, [throttle, Fault::ServerError]);
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
        let throttle = Fault::Throttle { retry_after_s: Some(1) };
        let faults = [throttle, Fault::ContentFilter, Fault::ServerError, Fault::MalformedJson];
        queue_faults(&sim, Endpoint::ImageSubmit, faults);
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
}
