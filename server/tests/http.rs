//! The real router on port 0, over a temporary hand-made warehouse, a temporary app store and
//! the DashScope simulator: pages render on the server, server functions answer JSON (or stream
//! newline-delimited JSON), bad input answers 4xx with the reason.

use app::config::AppConfig;
use app::state::AppState;
use app::warehouse::sqlite::SqliteWarehouse;
use app::warehouse::Warehouse;

struct TestApp {
    url: String,
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let w = SqliteWarehouse::open(dir.path()).await.unwrap();
    sqlx::raw_sql(include_str!("../../app/tests/fixtures/tiny_warehouse.sql")).execute(w.pool()).await.unwrap();
    let mut vars: Vec<(String, String)> = [("SUANPAN_SIM_FIRST_TOKEN_MS", "5"), ("SUANPAN_SIM_TOKEN_MS", "2"), ("SUANPAN_SIM_TASK_STEP_MS", "40")]
        .iter()
        .chain(env)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.push(("SUANPAN_DATA_DIR".into(), dir.path().display().to_string()));
    let config = AppConfig::from_lookup(|n| vars.iter().rev().find(|(k, _)| k == n).map(|(_, v)| v.clone())).unwrap();
    let state = AppState::with_warehouse(config, Warehouse::Sqlite(w)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = suanpan::router(suanpan::leptos_options(addr, "target/site"), state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    TestApp { url: format!("http://{addr}"), state, _dir: dir }
}

/// Posts JSON to a server function; answers the status and the body's JSON lines.
async fn post_lines(app: &TestApp, path: &str, body: serde_json::Value) -> (u16, Vec<serde_json::Value>) {
    let res = reqwest::Client::new().post(format!("{}/api/{path}", app.url)).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect())
}

fn sim(app: &TestApp) -> &app::simulator::dashscope::SimControl {
    &app.state.ai.simulator.as_ref().expect("simulator runs without a key").1
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.state.store.pool).await.unwrap()
}

async fn call(app: &TestApp, kind: &str, query: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/sales/run_analysis", app.url))
        .json(&serde_json::json!({ "kind": kind, "query": query }))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn server_function_answers_reports_and_rejects_bad_input() {
    let app = spawn_app().await;
    let (status, body) = call(&app, "top-sellers", &[("from", "2016-01-01"), ("to", "2016-01-31")]).await;
    assert_eq!(status, 200, "{body}");
    let rows = &body["data"]["TopSellers"]["rows"];
    assert_eq!(rows[0]["name"], "Shirt");
    assert_eq!(rows[0]["revenue"], "102.00");
    assert_eq!(body["params"]["TopSellers"]["top"], 10);

    let (status, body) = call(&app, "affinity", &[("top", "-1")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["BadParam"]["param"], "top");

    let (status, body) = call(&app, "inventory", &[("from", "2016-03-01"), ("to", "2016-02-01")]).await;
    assert_eq!(status, 400);
    assert!(body["BadParam"]["problem"]["FromAfterTo"].is_object(), "{body}");

    let (status, body) = call(&app, "drop-table", &[]).await;
    assert_eq!(status, 404);
    assert_eq!(body["UnknownAnalysis"], "drop-table");
}

#[tokio::test]
async fn pages_render_on_the_server_with_status_codes() {
    let app = spawn_app().await;
    let get = |path: &str| {
        let url = format!("{}{path}", app.url);
        async move {
            let res = reqwest::get(url).await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, html) = get("/").await;
    assert_eq!(status, 200);
    // ECharts is fetched by the first chart, not by every page.
    assert!(html.contains("热销商品分析") && !html.contains("/echarts.min.js"));

    let (status, html) = get("/sales/top-sellers?from=2016-01-01&to=2016-01-31").await;
    assert_eq!(status, 200);
    assert!(html.contains("Shirt") && html.contains("$102.00"), "SSR table missing");

    let (status, html) = get("/sales/customers?vip=lots").await;
    assert_eq!(status, 400);
    assert!(html.contains("不是有效金额"));

    let (status, _) = get("/sales/unknown").await;
    assert_eq!(status, 404);
}

const JAN: [(&str, &str); 2] = [("from", "2016-01-01"), ("to", "2016-01-31")];

#[tokio::test]
async fn an_insight_streams_is_stored_and_then_served_without_the_model() {
    let app = spawn_app().await;
    let body = serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": false });
    let (status, events) = post_lines(&app, "insights/stream", body.clone()).await;
    assert_eq!(status, 200, "{events:?}");
    assert_eq!(events[0]["Started"]["from_cache"], false);
    assert_eq!(events[0]["Started"]["simulated"], true);
    let deltas: String = events.iter().filter_map(|e| e["Delta"]["text"].as_str()).collect();
    assert!(events.len() > 5 && deltas.contains("Shirt"), "the answer is about the data: {deltas}");
    let done = &events.last().unwrap()["Done"]["insight"];
    assert_eq!(done["text"], deltas.as_str());
    assert!(done["tokens"]["prompt_tokens"].as_u64().unwrap() > 0);
    assert_eq!(sim(&app).stats().chat_requests, 1);

    // Again: from the cache, no model call, same text.
    let (_, again) = post_lines(&app, "insights/stream", body).await;
    assert_eq!(again[0]["Started"]["from_cache"], true);
    assert_eq!(again[1]["Done"]["insight"]["text"], deltas.as_str());
    assert_eq!(sim(&app).stats().chat_requests, 1);

    // The page's lookup finds it by the analysis' fingerprint.
    let (_, analysis) = post_lines(&app, "sales/run_analysis", serde_json::json!({ "kind": "top-sellers", "query": JAN })).await;
    let fingerprint = analysis[0]["fingerprint"].as_str().unwrap().to_string();
    let (status, view) = post_lines(&app, "insights/view", serde_json::json!({ "kind": "top-sellers", "query": JAN, "fingerprint": fingerprint })).await;
    assert_eq!(status, 200);
    assert_eq!(view[0]["source"], "Simulator");
    assert_eq!(view[0]["cached"]["text"], deltas.as_str());
    let (_, other) = post_lines(&app, "insights/view", serde_json::json!({ "kind": "top-sellers", "query": JAN, "fingerprint": "0" })).await;
    assert!(other[0]["cached"].is_null());

    // Regenerating calls the model again and replaces the stored insight.
    let (_, regen) = post_lines(&app, "insights/stream", serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": true })).await;
    assert!(regen.last().unwrap()["Done"].is_object());
    assert_eq!(sim(&app).stats().chat_requests, 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM insights").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ai_usage WHERE outcome = 'ok' AND purpose = 'insight:top-sellers'").await, 2);
}

#[tokio::test]
async fn a_cut_answer_is_marked_partial_and_not_cached() {
    use app::simulator::dashscope::{Endpoint, Fault};
    let app = spawn_app().await;
    sim(&app).push_fault(Endpoint::Chat, Fault::CutStream { after_chunks: 4 });
    let body = serde_json::json!({ "kind": "inventory", "query": JAN, "regenerate": false });
    let (_, events) = post_lines(&app, "insights/stream", body.clone()).await;
    let last = events.last().unwrap();
    assert_eq!(last["Failed"]["partial"], true, "{events:?}");
    assert_eq!(last["Failed"]["error"], "AiStreamCut");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM insights").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ai_usage WHERE outcome = 'incomplete'").await, 1);

    // Content inspection: the provider's reason reaches the page.
    sim(&app).push_fault(Endpoint::Chat, Fault::ContentFilter);
    let (_, events) = post_lines(&app, "insights/stream", body).await;
    let reason = events.last().unwrap()["Failed"]["error"]["AiContentFiltered"]["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("inappropriate") && reason.contains("data_inspection_failed"), "{reason}");
}

#[tokio::test]
async fn without_key_or_simulator_the_page_is_told_how_to_configure() {
    let app = spawn_app_with(&[("SUANPAN_AI_SIMULATOR", "off")]).await;
    let (status, body) = post_lines(&app, "insights/stream", serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": false })).await;
    assert_eq!(status, 503);
    assert_eq!(body[0], "AiNotConfigured");
    let (_, view) = post_lines(&app, "insights/view", serde_json::json!({ "kind": "top-sellers", "query": JAN, "fingerprint": "x" })).await;
    assert_eq!(view[0]["source"], "NotConfigured");
}

fn bundle() -> serde_json::Value {
    serde_json::json!({ "items": [ { "stock_item_id": 1, "name": "Shirt" }, { "stock_item_id": 2, "name": "Mug" } ], "lift": "2.5", "co_occurrence": 3 })
}

#[tokio::test]
async fn an_image_is_generated_downloaded_stored_and_listed() {
    let app = spawn_app().await;
    let (status, job) = post_lines(&app, "images/start", serde_json::json!({ "bundle": bundle(), "prompt": "电商营销海报：Shirt 与 Mug 组合", "size": "1280*720" })).await;
    assert_eq!(status, 200, "{job:?}");
    let id = job[0]["id"].as_i64().unwrap();
    let (_, updates) = post_lines(&app, "images/watch", serde_json::json!({ "id": id })).await;
    let states: Vec<&str> = updates.iter().map(|u| u["state"].as_str().unwrap()).collect();
    assert_eq!(states.last(), Some(&"Succeeded"), "{updates:?}");
    assert!(states.iter().any(|s| *s == "Pending" || *s == "Running"), "progress was shown: {states:?}");
    let image = &updates.last().unwrap()["image"];
    let url = image["url"].as_str().unwrap();
    assert!(url.starts_with("/media/bundle-images/") && url.ends_with(".png"));

    let res = reqwest::get(format!("{}{url}", app.url)).await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    use sha2::Digest;
    assert_eq!(url, format!("/media/bundle-images/{}.png", hex::encode(sha2::Sha256::digest(&bytes))), "content-addressed");

    let (_, gallery) = post_lines(&app, "images/gallery", serde_json::json!({})).await;
    assert_eq!(gallery[0].as_array().unwrap().len(), 1);
    assert_eq!(gallery[0][0]["bundle_label"], "Shirt + Mug");
    assert_eq!(gallery[0][0]["size"], "1280*720");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ai_usage WHERE purpose = 'bundle_image' AND image_count = 1").await, 1);
}

#[tokio::test]
async fn failed_image_tasks_store_nothing_and_bad_requests_are_refused() {
    use app::simulator::dashscope::{Endpoint, Fault};
    let app = spawn_app().await;
    let (status, body) = post_lines(&app, "images/start", serde_json::json!({ "bundle": bundle(), "prompt": "x", "size": "9999*9999" })).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["BadImageRequest"]["UnknownSize"], "9999*9999");

    sim(&app).push_fault(Endpoint::TaskPoll, Fault::TaskFailed);
    let (_, job) = post_lines(&app, "images/start", serde_json::json!({ "bundle": bundle(), "prompt": "海报", "size": "1024*1024" })).await;
    let (_, updates) = post_lines(&app, "images/watch", serde_json::json!({ "id": job[0]["id"] })).await;
    let last = updates.last().unwrap();
    assert_eq!(last["state"], "Failed", "{updates:?}");
    assert!(last["error"].is_object() || last["error"].is_string(), "{last}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bundle_images").await, 0);
    let files = std::fs::read_dir(app.state.ai.image_dir.clone()).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "no half-written file");
}
