//! Control endpoints for browser tests (no auth; the simulator serves localhost only): queue a
//! fault (on the shared `/__sim/faults` route), change the pace, read the counters.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{json_response, Endpoint, Fault, SimControl, JSON};

#[derive(Deserialize)]
pub(super) struct FaultRequest {
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

/// What `/__sim/faults` does with a request: queues the fault; how many wait at its endpoint.
pub(super) fn queue_fault(sim: &SimControl, request: FaultRequest) -> usize {
    sim.shared.faults.push(request.endpoint, request.fault)
}

pub(super) async fn control_latency(State(sim): State<SimControl>, body: Bytes) -> Response {
    let request = match JSON.parse::<LatencyRequest>(&body, "latency") {
        Ok(request) => request,
        Err(response) => return response,
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

pub(super) async fn control_stats(State(sim): State<SimControl>) -> Response {
    json_response(StatusCode::OK, &json!(sim.stats()))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::*;
    use super::*;
    use crate::simulator::control::test_client;
    use serde_json::json;

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

    #[tokio::test]
    async fn control_endpoints_over_http() {
        let sim = start(SimSettings::fast(KEY)).await;
        let base = sim.base_url();
        let fault = json!({"endpoint": "chat", "fault": "throttle", "retry_after_s": 1});
        assert_eq!(test_client::post(&base, "faults", &fault).await, 200);
        let cut = json!({"endpoint": "chat", "fault": "cut_stream", "after_chunks": 2});
        test_client::post(&base, "faults", &cut).await;
        let bad = json!({"endpoint": "chat", "fault": "meteor"});
        assert_eq!(test_client::post(&base, "faults", &bad).await, 400);

        let latency = json!({"first_token_ms": 1, "token_ms": 0, "task_step_ms": 7});
        assert_eq!(test_client::post(&base, "latency", &latency).await, 200);
        assert_eq!(sim.control.latency().task_step, Duration::from_millis(7));

        let response = post_chat(&sim, KEY, &chat_body("你好", false, false)).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let stats: SimStats = test_client::get(&base, "stats").await;
        assert_eq!(
            stats,
            SimStats {
                chat_requests: 1,
                ..SimStats::default()
            }
        );
    }
}
