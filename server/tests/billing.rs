//! Billing sync end to end on port 0: the app's sync against the cloud simulator (real HTTP,
//! real signatures), the store, the AI cost server functions and the export.

use app::billing::model::Provider;
use app::config::AppConfig;
use app::simulator::cloud::CloudFault;
use app::state::AppState;
use app::warehouse::sqlite::SqliteWarehouse;
use app::warehouse::Warehouse;
use chrono::Datelike;
use rust_decimal::Decimal;
use serde_json::{json, Value};

struct TestApp {
    url: String,
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let w = SqliteWarehouse::open(dir.path()).await.unwrap();
    let data_dir = dir.path().display().to_string();
    let vars = [
        ("SUANPAN_DATA_DIR", data_dir.as_str()),
        ("SUANPAN_AI_SIMULATOR", "off"),
        ("SUANPAN_BILLING_HISTORY_MONTHS", "1"),
        ("SUANPAN_CLOUD_SIM_LATENCY_MS", "0"),
        ("SUANPAN_BILLING_SYNC_INTERVAL_MIN", "0"),
    ];
    let config = AppConfig::from_lookup(|n| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string())).unwrap();
    let state = AppState::with_warehouse(config, Warehouse::Sqlite(w)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = suanpan::router(suanpan::leptos_options(addr, "target/site"), state.clone());
    tokio::spawn(async move { suanpan::serve(listener, router).await.unwrap() });
    TestApp { url: format!("http://{addr}"), state, _dir: dir }
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, String) {
    let res = reqwest::Client::new().post(format!("{}/api/{path}", app.url)).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Starts a sync and follows it to the end; the last state of the run.
async fn sync(app: &TestApp) -> Value {
    let (status, run) = post(app, "billing/sync", json!({})).await;
    assert_eq!(status, 200, "{run}");
    let run: Value = serde_json::from_str(&run).unwrap();
    let (_, lines) = post(app, "billing/watch", json!({ "run": run["id"] })).await;
    let last = lines.lines().rfind(|l| !l.trim().is_empty()).unwrap().to_string();
    serde_json::from_str(&last).unwrap()
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

async fn count_lines(app: &TestApp, provider: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM bill_lines WHERE provider = ?1").bind(provider).fetch_one(&app.state.store.pool).await.unwrap()
}

#[tokio::test]
async fn a_sync_pulls_every_platform_and_the_page_adds_up() {
    let app = spawn_app().await;
    let run = sync(&app).await;
    assert_eq!(run["state"], "Ok", "{run}");
    let accounts = run["accounts"].as_array().unwrap();
    assert!(accounts.len() >= 5);
    for a in accounts {
        assert_eq!(a["state"], "Ok", "{a}");
        assert_eq!(a["scopes_done"], a["scopes_total"]);
    }
    for p in ["aliyun", "volcengine", "tencent", "baidu", "deepseek"] {
        assert!(count_lines(&app, p).await > 0, "{p} has lines");
    }

    // This month's Alibaba main account equals the simulator's ledger, as reported today.
    let sim = app.state.billing.simulator.clone().expect("the simulator serves the demo");
    let today = app::billing::sync::today_in_shanghai();
    let month = today.with_day0(0).unwrap();
    let expected: Decimal = sim.ledger.lines("aliyun-main", month, today).iter().map(|l| sim.ledger.as_reported(l, today).payable).sum();
    let stored: Vec<String> = sqlx::query_scalar("SELECT payable FROM bill_lines WHERE account = 'aliyun-main' AND billing_cycle = ?1")
        .bind(month.to_string())
        .fetch_all(&app.state.store.pool)
        .await
        .unwrap();
    let stored: Decimal = stored.iter().map(|s| s.parse::<Decimal>().unwrap()).sum();
    assert_eq!(stored, expected);

    let (status, o) = post(&app, "billing/overview", json!({ "query": [] })).await;
    assert_eq!(status, 200, "{o}");
    let o: Value = serde_json::from_str(&o).unwrap();
    let total = dec(&o["total"]["cny"]);
    assert!(total > Decimal::ZERO);
    let by_product: Decimal = o["products"].as_array().unwrap().iter().map(|p| dec(&p["payable"]["cny"])).sum();
    assert_eq!(by_product, total, "every number is the sum of the lines behind it");
    let by_platform: Decimal = o["platforms"].as_array().unwrap().iter().map(|p| dec(&p["total"]["cny"])).sum();
    assert_eq!(by_platform, total);
    assert!(o["platforms"].as_array().unwrap().iter().all(|p| p["configured"] == true && p["simulated"] == true));

    // AI only is a subset.
    let (_, ai) = post(&app, "billing/overview", json!({ "query": [["scope", "ai"]] })).await;
    let ai: Value = serde_json::from_str(&ai).unwrap();
    let ai_total = dec(&ai["total"]["cny"]);
    assert!(ai_total > Decimal::ZERO && ai_total < total);

    // Drill-down: the lines behind one platform add up to its card.
    let (_, lines) = post(&app, "billing/lines", json!({ "query": [["provider", "volcengine"]] })).await;
    let lines: Value = serde_json::from_str(&lines).unwrap();
    let sum: Decimal = lines.as_array().unwrap().iter().map(|l| dec(&l["line"]["payable"])).sum();
    let card = o["platforms"].as_array().unwrap().iter().find(|p| p["provider"] == "Volcengine").unwrap();
    assert_eq!(sum, dec(&card["total"]["cny"]));

    // CSV export: a header and one row per line.
    let res = reqwest::get(format!("{}/export/bill-lines.csv?provider=volcengine", app.url)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    assert!(csv.trim_start_matches('\u{feff}').starts_with("平台,账号,账期,日期"));
    assert_eq!(csv.lines().count(), lines.as_array().unwrap().len() + 1);
    let res = reqwest::get(format!("{}/export/bill-lines.xlsx", app.url)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(&res.bytes().await.unwrap()[..2], b"PK", "an XLSX is a zip");
}

#[tokio::test]
async fn resyncing_replaces_and_one_platform_failing_keeps_the_rest() {
    let app = spawn_app().await;
    assert_eq!(sync(&app).await["state"], "Ok");
    let before: Vec<i64> = futures::future::join_all(["aliyun", "volcengine", "tencent", "baidu"].map(|p| count_lines(&app, p))).await;

    let sim = app.state.billing.simulator.clone().unwrap();
    // Volcengine throttles once (retried); Tencent fails every time.
    sim.control.push_fault(Provider::Volcengine, CloudFault::Throttle { retry_after_s: Some(1) });
    for _ in 0..20 {
        sim.control.push_fault(Provider::Tencent, CloudFault::ServerError);
    }
    let run = sync(&app).await;
    assert_eq!(run["state"], "Partial", "{run}");
    let account = |p: &str| run["accounts"].as_array().unwrap().iter().find(|a| a["provider"] == p).unwrap().clone();
    assert_eq!(account("Volcengine")["state"], "Ok");
    let tencent = account("Tencent");
    assert_eq!(tencent["state"], "Failed");
    assert!(tencent["error_code"].as_str().unwrap().len() > 2, "the provider's code is shown: {tencent}");

    let after: Vec<i64> = futures::future::join_all(["aliyun", "volcengine", "tencent", "baidu"].map(|p| count_lines(&app, p))).await;
    assert_eq!(before, after, "nothing counted twice, nothing lost");

    let (_, history) = post(&app, "billing/history", json!({})).await;
    let history: Value = serde_json::from_str(&history).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2);
}
