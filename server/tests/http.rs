//! The real router on port 0, over a temporary hand-made warehouse: pages render on the server,
//! the server function answers JSON, bad input answers 4xx with the reason.

use std::sync::Arc;

use app::config::AppConfig;
use app::state::AppState;
use app::warehouse::sqlite::SqliteWarehouse;
use app::warehouse::Warehouse;

struct TestApp {
    url: String,
    _dir: tempfile::TempDir,
}

async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let w = SqliteWarehouse::open(dir.path()).await.unwrap();
    sqlx::raw_sql(include_str!("../../app/tests/fixtures/tiny_warehouse.sql")).execute(w.pool()).await.unwrap();
    let config = AppConfig::from_lookup(|_| None).unwrap();
    let state = AppState { config: Arc::new(config), warehouse: Warehouse::Sqlite(w) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = suanpan::router(suanpan::leptos_options(addr, "target/site"), state);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    TestApp { url: format!("http://{addr}"), _dir: dir }
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
    assert!(html.contains("热销商品分析") && html.contains("/echarts.min.js"));

    let (status, html) = get("/sales/top-sellers?from=2016-01-01&to=2016-01-31").await;
    assert_eq!(status, 200);
    assert!(html.contains("Shirt") && html.contains("$102.00"), "SSR table missing");

    let (status, html) = get("/sales/customers?vip=lots").await;
    assert_eq!(status, 400);
    assert!(html.contains("不是有效金额"));

    let (status, _) = get("/sales/unknown").await;
    assert_eq!(status, 404);
}
