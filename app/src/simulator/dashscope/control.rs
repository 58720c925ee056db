//! Control endpoints for browser tests (no auth; the simulator serves localhost only): queue a
//! fault, change the pace, read the counters.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{json_response, Endpoint, Fault, SimControl, JSON};

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

pub(super) async fn control_fault(State(sim): State<SimControl>, body: Bytes) -> Response {
    match JSON.parse::<FaultRequest>(&body, "fault") {
        Ok(request) => {
            sim.push_fault(request.endpoint, request.fault);
            let queued = sim.shared.faults.len(request.endpoint);
            json_response(StatusCode::OK, &json!({"queued": queued}))
        }
        Err(response) => response,
    }
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
}
