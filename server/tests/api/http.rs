//! What every server function shares: unreadable and oversized bodies, per-client call limits,
//! secrets kept out of logs and answers, compression except for streams.

use crate::helpers::*;

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
    assert_eq!(dashscope_sim(&app).stats().chat_requests, 1);
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
    let res = app.client.clone().post(format!("{}/api/images/watch", app.url)).json(&serde_json::json!({ "id": job[0]["id"] })).send().await.unwrap();
    let watched = res.text().await.unwrap();
    assert!(watched.contains("Failed") && watched.contains("InvalidParameter"), "{watched}");
    assert!(!watched.contains(KEY), "watch answer: {watched}");
    let stored: String = sqlx::query_scalar("SELECT error_message FROM image_jobs").fetch_one(&app.state.store.pool).await.unwrap();
    assert!(stored.contains("***") && !stored.contains(KEY), "stored: {stored}");

    let res = app.client.clone()
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
    let client = app.client.clone();
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

/// Every answer carries the security headers: a page (with a policy of its own whose nonce is on
/// each of its inline scripts, fresh per answer), the 404 page, a file, a server function's
/// refusal and the body-size refusal made before any handler (with the nothing-allowed policy).
#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    use app::security_headers::{HEADERS, NON_PAGE_POLICY};
    let app = spawn_app().await;
    let media = app.state.config.data_dir.join("media");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::write(media.join("probe.txt"), "probe").unwrap();
    // Signed in: the gate lets each request through to the answer under test.
    let client = app.client.clone();
    let get = |path: &str| client.get(format!("{}{path}", app.url)).send();
    let page = get("/").await.unwrap();
    let missing = get("/no-such-page").await.unwrap();
    let file = get("/media/probe.txt").await.unwrap();
    let refused = client.post(format!("{}/api/sales/run_analysis", app.url)).header("content-type", "application/json").body("{").send().await.unwrap();
    let too_large = client.post(format!("{}/api/sales/run_analysis", app.url)).body(vec![b' '; 300 * 1024]).send().await.unwrap();
    // The gate's own refusal, made before any route.
    let unsigned = crate::helpers::anonymous(&app.url).post(format!("{}/api/billing/overview", app.url)).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!([&file, &missing, &refused, &too_large, &unsigned].map(|r| r.status().as_u16()), [200, 404, 400, 413, 401]);

    let policy = |res: &reqwest::Response| res.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    for (what, res) in [("page", &page), ("404 page", &missing), ("file", &file), ("server fn error", &refused), ("413", &too_large), ("401", &unsigned)] {
        for (name, value) in HEADERS {
            assert_eq!(res.headers().get(name).and_then(|v| v.to_str().ok()), Some(value), "{what}: {name}");
        }
        assert!(!policy(res).is_empty(), "{what}: no Content-Security-Policy");
    }
    for (what, res) in [("file", &file), ("server fn error", &refused), ("413", &too_large), ("401", &unsigned)] {
        assert_eq!(policy(res), NON_PAGE_POLICY, "{what}");
    }

    let nonce_of = |policy: &str| policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).map(str::to_owned);
    let (page_policy, missing_policy) = (policy(&page), policy(&missing));
    let nonce = nonce_of(&page_policy).unwrap_or_else(|| panic!("no nonce in {page_policy}"));
    assert!(page_policy.contains("'wasm-unsafe-eval'") && page_policy.contains("frame-ancestors 'none'"), "{page_policy}");
    assert_ne!(nonce_of(&missing_policy), Some(nonce.clone()), "a fresh nonce per answer");
    let html = page.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).map(|rest| rest.split('>').next().unwrap_or("")).collect();
    assert!(!scripts.is_empty(), "the hydration script is inline");
    for tag in scripts {
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "<script{tag}> lacks the answer's nonce");
    }
}
