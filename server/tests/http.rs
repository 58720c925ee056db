//! The real router on port 0, over a temporary hand-made warehouse, a temporary app store and
//! the DashScope simulator: pages render on the server, server functions answer JSON (or stream
//! newline-delimited JSON), bad input answers 4xx with the reason.
#![cfg(feature = "simulators")]

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
    tokio::spawn(async move { suanpan::serve(listener, router).await.unwrap() });
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
    &app.state.simulators.dashscope.as_ref().expect("simulator runs without a key").control
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

/// Both simulators off: what a build without the `simulators` feature sees without credentials.
/// Nothing is started, the services get no endpoints, and the pages say what is not configured.
#[tokio::test]
async fn with_both_simulators_off_nothing_is_started_and_the_pages_say_not_configured() {
    let app = spawn_app_with(&[("SUANPAN_AI_SIMULATOR", "off"), ("SUANPAN_CLOUD_SIMULATOR", "off")]).await;
    assert!(app.state.simulators.cloud.is_none() && app.state.simulators.dashscope.is_none());
    assert!(app.state.billing.clients.is_empty() && !app.state.billing.any_simulated());
    assert!(app.state.ai.client.is_none() && !app.state.config.ai.simulated);
    let res = reqwest::get(format!("{}/ai-cost", app.url)).await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("待配置"), "platforms are marked not configured");
    assert!(!html.contains("cost-sim-notice"), "no simulator notice without a simulator");
}

/// Stock items 2 and 1 of the tiny warehouse (named as it names them).
fn bundle() -> serde_json::Value {
    serde_json::json!({ "items": [ { "stock_item_id": 2, "name": "Shirt" }, { "stock_item_id": 1, "name": "Mug" } ], "lift": "2.5", "co_occurrence": 3 })
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
    // The watch samples the job, so on a busy machine it may see any ordered subset of the
    // states; what must hold is their order and that the task was polled (progress recorded).
    const ORDER: [&str; 5] = ["Submitting", "Pending", "Running", "Downloading", "Succeeded"];
    let ranks: Vec<usize> = states.iter().map(|s| ORDER.iter().position(|o| o == s).expect("a known state")).collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "states out of order or repeated: {states:?}");
    assert!(count(&app, &format!("SELECT polls FROM image_jobs WHERE id = {id}")).await >= 1, "the task was polled");
    assert!(updates.last().unwrap()["polls"].as_u64().unwrap() >= 1, "{updates:?}");
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
    assert!(std::path::Path::new(&app.state.ai.image_dir).join(url.trim_start_matches("/media/bundle-images/")).is_file(), "stored file");
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

/// Posts raw bytes to a server function; answers the status and the body as text.
async fn post_raw(app: &TestApp, path: &str, body: impl Into<reqwest::Body>) -> (u16, String) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/{path}", app.url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A refusal as the page reads it: no Rust type names, no decoder internals, a Chinese message.
fn refusal(status: u16, text: &str) -> (u16, app::error::AppError) {
    for internal in ["RunAnalysis", "StartBundleImage", "struct", "serde", "deserializ", "Transport", "line 1 column"] {
        assert!(!text.contains(internal), "{internal:?} in the answer: {text}");
    }
    let error: app::error::AppError = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(error.status(), status, "{text}");
    (status, error)
}

#[tokio::test]
async fn malformed_server_function_bodies_answer_400_with_what_is_wrong() {
    use app::error::{AppError, BodyProblem};
    let app = spawn_app().await;
    let cases: [(&str, &str, BodyProblem); 6] = [
        ("sales/run_analysis", "{\"kind\": \"top-sellers\", ", BodyProblem::NotJson),
        ("sales/run_analysis", "\u{0}\u{1}garbage", BodyProblem::NotJson),
        ("sales/run_analysis", "{\"query\": []}", BodyProblem::MissingArgument("kind".into())),
        ("sales/run_analysis", "{\"kind\": 5, \"query\": []}", BodyProblem::WrongArgument),
        ("images/start", r#"{"bundle":{"items":[{"stock_item_id":"x","name":"a"}],"lift":"1","co_occurrence":1},"prompt":"p","size":"1024*1024"}"#, BodyProblem::WrongArgument),
        ("images/watch", r#"{"id": 99999999999999999999999}"#, BodyProblem::WrongArgument),
    ];
    for (path, body, expected) in cases {
        let (status, text) = post_raw(&app, path, body.to_string()).await;
        let (_, error) = refusal(status, &text);
        assert_eq!((status, &error), (400, &AppError::BadRequestBody(expected)), "{path} {body}: {text}");
        assert!(!error.message().is_empty() && error.message().contains("请求"), "{}", error.message());
    }
    // Invalid UTF-8 is not JSON either.
    let (status, text) = post_raw(&app, "sales/run_analysis", vec![0xff, 0xfe, b'{']).await;
    assert_eq!(refusal(status, &text), (400, AppError::BadRequestBody(BodyProblem::NotJson)));
}

#[tokio::test]
async fn oversized_bodies_answer_413_announced_or_chunked_and_large_valid_ones_pass() {
    use app::error::{AppError, BodyProblem};
    let app = spawn_app().await;
    let too_large = AppError::BadRequestBody(BodyProblem::TooLarge { max_kib: 256 });
    // 3 MB with Content-Length.
    let (status, text) = post_raw(&app, "sales/run_analysis", vec![b' '; 3 * 1024 * 1024]).await;
    assert_eq!(refusal(status, &text), (413, too_large.clone()));
    assert!(too_large.message().contains("256 KB"), "{}", too_large.message());
    // 300 KiB in chunks, no Content-Length.
    let chunks = futures::stream::iter((0..300).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024])));
    let (status, text) = post_raw(&app, "images/start", reqwest::Body::wrap_stream(chunks)).await;
    assert_eq!(refusal(status, &text), (413, too_large));
    // Just under the limit, in chunks: read and answered as usual.
    let mut padded = serde_json::json!({ "kind": "top-sellers", "query": JAN }).to_string().into_bytes();
    padded.resize(255 * 1024, b' ');
    let chunks = futures::stream::iter(padded.chunks(4096).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>());
    let (status, text) = post_raw(&app, "sales/run_analysis", reqwest::Body::wrap_stream(chunks)).await;
    assert_eq!(status, 200, "{}", &text[..text.len().min(300)]);
}

#[tokio::test]
async fn images_start_refuses_made_up_bundles_and_bad_prompts() {
    let app = spawn_app().await;
    let start = |bundle: serde_json::Value, prompt: String| {
        let body = serde_json::json!({ "bundle": bundle, "prompt": prompt, "size": "1024*1024" });
        let app = &app;
        async move { post_lines(app, "images/start", body).await }
    };
    let items = |ids: &[i64]| {
        let items: Vec<_> = ids.iter().map(|id| serde_json::json!({ "stock_item_id": id, "name": "X" })).collect();
        serde_json::json!({ "items": items, "lift": "2.5", "co_occurrence": 3 })
    };
    let ok_prompt = "电商营销海报".to_string();
    let (status, body) = start(items(&[i64::MIN, 1]), ok_prompt.clone()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]["UnknownItem"]), (400, &serde_json::json!(i64::MIN)), "{body:?}");
    let (status, body) = start(items(&[1, 424242]), ok_prompt.clone()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]["UnknownItem"]), (400, &serde_json::json!(424242)), "{body:?}");
    let (status, body) = start(items(&[1, 2, 1]), ok_prompt.clone()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]["DuplicateItem"]), (400, &serde_json::json!(1)), "{body:?}");
    let (status, body) = start(items(&[1, 2, 3, 1, 2]), ok_prompt.clone()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]), (400, &serde_json::json!("NoBundle")), "{body:?}");
    let (status, body) = start(items(&[1, 2]), "海报\u{1b}[31m\u{0}".into()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]), (400, &serde_json::json!("PromptControlCharacter")), "{body:?}");
    let (status, body) = start(items(&[1, 2]), "字".repeat(801)).await;
    assert_eq!((status, &body[0]["BadImageRequest"]["PromptTooLong"]["max"]), (400, &serde_json::json!(800)), "{body:?}");
    let (status, body) = start(items(&[1, 2]), " \n\t ".into()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]), (400, &serde_json::json!("EmptyPrompt")), "{body:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM image_jobs").await, 0, "nothing recorded");
    assert_eq!(sim(&app).stats().image_submits, 0, "nothing sent to the model");

    // A real bundle: the names stored are the warehouse's, not the ones sent.
    let (status, job) = start(serde_json::json!({ "items": [ { "stock_item_id": 1, "name": "<b>Fake</b>" }, { "stock_item_id": 3, "name": "Y" } ], "lift": "2", "co_occurrence": 2 }), ok_prompt).await;
    assert_eq!(status, 200, "{job:?}");
    assert_eq!(job[0]["bundle_label"], "Mug + Toy");
}

#[tokio::test]
async fn model_and_image_calls_are_limited_per_client() {
    let app = spawn_app_with(&[
        ("SUANPAN_IMAGES_PER_HOUR", "1"),
        ("SUANPAN_IMAGE_BURST", "2"),
        ("SUANPAN_INSIGHTS_PER_HOUR", "1"),
        ("SUANPAN_INSIGHT_BURST", "1"),
    ])
    .await;
    let image = serde_json::json!({ "bundle": bundle(), "prompt": "海报", "size": "1024*1024" });
    for _ in 0..2 {
        let (status, job) = post_lines(&app, "images/start", image.clone()).await;
        assert_eq!(status, 200, "{job:?}");
    }
    let (status, body) = post_lines(&app, "images/start", image.clone()).await;
    assert_eq!(status, 429, "{body:?}");
    assert_eq!(body[0]["RateLimited"]["action"], "Image");
    let error: app::error::AppError = serde_json::from_value(body[0].clone()).unwrap();
    assert!(error.message().contains("营销图生成请求过于频繁") && error.message().contains("分钟"), "{}", error.message());
    // A bad request is refused for what it is, and never counted.
    let (status, _) = post_lines(&app, "images/start", serde_json::json!({ "bundle": bundle(), "prompt": "", "size": "1024*1024" })).await;
    assert_eq!(status, 400);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM image_jobs").await, 2);

    // Insights: one model call, then refused; the cached answer is still served.
    let body = |regenerate: bool| serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": regenerate });
    let (status, events) = post_lines(&app, "insights/stream", body(true)).await;
    assert_eq!(status, 200, "{events:?}");
    assert!(events.last().unwrap()["Done"].is_object(), "{events:?}");
    let (status, refused) = post_lines(&app, "insights/stream", body(true)).await;
    assert_eq!((status, &refused[0]["RateLimited"]["action"]), (429, &serde_json::json!("Insight")), "{refused:?}");
    let (status, cached) = post_lines(&app, "insights/stream", body(false)).await;
    assert_eq!((status, &cached[0]["Started"]["from_cache"]), (200, &serde_json::json!(true)), "{cached:?}");
    assert_eq!(sim(&app).stats().chat_requests, 1);
}

/// Answers every request 400 with the Authorization header it was sent in the message, as an
/// endpoint that echoes the key would.
async fn echoing_dashscope() -> String {
    let handler = |headers: axum::http::HeaderMap| async move {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let body = serde_json::json!({ "code": "InvalidParameter", "message": format!("bad request with {auth}"), "request_id": auth });
        (axum::http::StatusCode::BAD_REQUEST, axum::Json(body))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(handler)).await.unwrap() });
    format!("http://{addr}/")
}

/// Collects every log line written while the test runs (a current-thread runtime: every task
/// logs on this thread).
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_dashscope_key_echoed_by_the_endpoint_reaches_no_log_store_or_page() {
    const KEY: &str = "sk-live-0123456789abcdef";
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::DEBUG).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let url = echoing_dashscope().await;
    let app = spawn_app_with(&[("DASHSCOPE_API_KEY", KEY), ("SUANPAN_DASHSCOPE_URL", &url)]).await;

    let (status, job) = post_lines(&app, "images/start", serde_json::json!({ "bundle": bundle(), "prompt": "海报", "size": "1024*1024" })).await;
    assert_eq!(status, 200, "{job:?}");
    let res = reqwest::Client::new().post(format!("{}/api/images/watch", app.url)).json(&serde_json::json!({ "id": job[0]["id"] })).send().await.unwrap();
    let watched = res.text().await.unwrap();
    assert!(watched.contains("Failed") && watched.contains("InvalidParameter"), "{watched}");
    assert!(!watched.contains(KEY), "watch answer: {watched}");
    let stored: String = sqlx::query_scalar("SELECT error_message FROM image_jobs").fetch_one(&app.state.store.pool).await.unwrap();
    assert!(stored.contains("***") && !stored.contains(KEY), "stored: {stored}");

    let res = reqwest::Client::new()
        .post(format!("{}/api/insights/stream", app.url))
        .json(&serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": true }))
        .send()
        .await
        .unwrap();
    let streamed = res.text().await.unwrap();
    assert!(streamed.contains("AiProvider") && !streamed.contains(KEY), "insight answer: {streamed}");

    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logged.contains("InvalidParameter"), "the failure was logged: {logged}");
    assert!(!logged.contains(KEY) && !logged.contains(&KEY[..12]), "log: {logged}");
}

/// Pages and JSON answers are compressed for a client that accepts it; answer streams are not
/// (an encoder would hold their lines back until its buffer fills).
#[tokio::test]
async fn responses_are_compressed_except_streams() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let encoding = |res: &reqwest::Response| res.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let page = client
        .get(format!("{}/sales/top-sellers?from=2016-01-01&to=2016-01-31", app.url))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(matches!(encoding(&page).as_deref(), Some("br" | "gzip")), "{:?}", encoding(&page));
    let plain = client.get(format!("{}/sales/top-sellers?from=2016-01-01&to=2016-01-31", app.url)).send().await.unwrap();
    assert_eq!(encoding(&plain), None);
    assert!(plain.text().await.unwrap().contains("Shirt"));

    let stream = client
        .post(format!("{}/api/insights/stream", app.url))
        .header("accept-encoding", "br, gzip")
        .json(&serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(encoding(&stream), None);
    let text = stream.text().await.unwrap();
    assert!(text.lines().count() > 5 && text.contains("\"Done\""), "{text}");
}
