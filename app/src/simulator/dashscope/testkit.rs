//! Test support shared by the DashScope simulator's test modules: a running simulator and
//! requests to each endpoint.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{header, StatusCode};
use serde_json::{json, Value};

use super::{spawn, Endpoint, Fault, RunningSim, SimSettings, CHAT_PATH, IMAGE_PATH};

pub const KEY: &str = "sk-sim-test";

pub const SALES_PROMPT: &str = "请分析以下数据：\n1. 总结关键的销售趋势。\n2. 指出销售额最高的商品。\n3. 给出改进建议。\n\n\
| 商品 | 销售额 | 订单数 |\n|---|---:|---|\n| 绿茶 | ¥1,200 | 30 |\n| 乌龙茶 | ¥2,500 | 41 |\n| 红茶 | ¥900 | 18 |\n| 普洱 | ¥1,800 | 25 |\n";

pub async fn start(settings: SimSettings) -> RunningSim {
    spawn(SocketAddr::from(([127, 0, 0, 1], 0)), settings)
        .await
        .expect("simulator starts")
}

/// Queues `faults` at `endpoint`, in order.
pub fn queue_faults(sim: &RunningSim, endpoint: Endpoint, faults: impl IntoIterator<Item = Fault>) {
    for fault in faults {
        sim.control.push_fault(endpoint, fault);
    }
}

pub fn chat_body(prompt: &str, stream: bool, include_usage: bool) -> Value {
    let mut body = json!({"model": "qwen-plus", "messages": [
        {"role": "system", "content": "你是数据分析师。"},
        {"role": "user", "content": prompt},
    ], "stream": stream});
    if include_usage {
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

pub async fn post_chat(sim: &RunningSim, key: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}{CHAT_PATH}", sim.base_url()))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("chat request")
}

/// The JSON payloads of `data:` lines, `[DONE]` kept as text.
pub fn sse_data(text: &str) -> Vec<String> {
    text.split("\n\n")
        .filter_map(|event| event.strip_prefix("data: "))
        .map(str::to_owned)
        .collect()
}

pub fn content_of(events: &[String]) -> (String, usize) {
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

pub async fn stream_text(sim: &RunningSim, prompt: &str, include_usage: bool) -> Vec<String> {
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

pub fn image_request(prompt: &str, size: &str, n: Option<u32>) -> Value {
    let mut parameters =
        json!({"size": size, "seed": 42, "prompt_extend": false, "watermark": false});
    if let Some(n) = n {
        parameters["n"] = json!(n);
    }
    json!({"model": "wanx2.1-t2i-turbo", "input": {"prompt": prompt}, "parameters": parameters})
}

/// POSTs `body` to the image endpoint, with `key` as the Bearer token when given and the
/// `X-DashScope-Async: enable` header when `async_call`.
pub async fn post_image(sim: &RunningSim, key: Option<&str>, async_call: bool, body: &Value) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(format!("{}{IMAGE_PATH}", sim.base_url()));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if async_call {
        request = request.header("X-DashScope-Async", "enable");
    }
    request.json(body).send().await.expect("submit request")
}

pub async fn submit(sim: &RunningSim, body: &Value) -> reqwest::Response {
    post_image(sim, Some(KEY), true, body).await
}

pub async fn submit_ok(sim: &RunningSim, body: &Value) -> String {
    let response = submit(sim, body).await;
    assert_eq!(response.status(), 200);
    let value: Value = response.json().await.expect("submit JSON");
    assert_eq!(value["output"]["task_status"], "PENDING");
    value["output"]["task_id"]
        .as_str()
        .expect("task id")
        .to_owned()
}

pub async fn poll(sim: &RunningSim, task_id: &str) -> (StatusCode, Value) {
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
pub async fn poll_until_done(sim: &RunningSim, task_id: &str) -> (Vec<String>, Value) {
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

pub fn decode_png(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(bytes).read_info().expect("png");
    (reader.info().width, reader.info().height)
}
