//! Billing sync end to end on port 0: the app's sync against the cloud simulator (real HTTP,
//! real signatures), the store, the AI cost server functions and the export.

use app::billing::model::Provider;
use app::config::AppConfig;
use app::simulator::cloud::CloudFault;
use chrono::Datelike;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_on, Data, TestApp};

/// The billing tests' app: the generated demo warehouse, no model, one month of history.
const BILLING: [(&str, &str); 2] = [("SUANPAN_AI_SIMULATOR", "off"), ("SUANPAN_BILLING_HISTORY_MONTHS", "1")];

async fn spawn_app() -> TestApp {
    spawn_app_on(Data::Demo, &BILLING, |_| {}).await
}

/// An app on `dir` (two apps on one folder are two processes sharing the store); `tweak` adjusts
/// the configuration.
async fn spawn_app_in(dir: &std::path::Path, tweak: impl FnOnce(&mut AppConfig)) -> TestApp {
    spawn_app_on(Data::In(dir), &BILLING, tweak).await
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, String) {
    let res = app.client.clone().post(format!("{}/api/{path}", app.url)).json(&body).send().await.unwrap();
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
    let sim = app.state.simulators.cloud.clone().expect("the simulator serves the demo");
    let today = app::calendar::shanghai_today();
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
    let res = app.client.get(format!("{}/export/bill-lines.csv?provider=volcengine", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    assert!(csv.trim_start_matches('\u{feff}').starts_with("平台,账号,账期,日期"));
    assert_eq!(csv.lines().count(), lines.as_array().unwrap().len() + 1);
    let res = app.client.get(format!("{}/export/bill-lines.xlsx", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(&res.bytes().await.unwrap()[..2], b"PK", "an XLSX is a zip");
}

#[tokio::test]
async fn resyncing_replaces_and_one_platform_failing_keeps_the_rest() {
    let app = spawn_app().await;
    assert_eq!(sync(&app).await["state"], "Ok");
    let before: Vec<i64> = futures::future::join_all(["aliyun", "volcengine", "tencent", "baidu"].map(|p| count_lines(&app, p))).await;

    let sim = app.state.simulators.cloud.clone().unwrap();
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

// ---------------------------------------------------------------------------------------------
// Bills that are never lost: coverage of every scope, one sync across processes.
// ---------------------------------------------------------------------------------------------

/// Retries fast and few, so faults outlast them and scopes fail for real.
fn fast_and_few_retries(c: &mut AppConfig) {
    c.billing.retry = app::billing::providers::RetryPolicy {
        attempts: 2,
        min_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(5),
        max_hint: std::time::Duration::from_millis(5),
    };
}

fn sim(app: &TestApp) -> std::sync::Arc<app::simulator::cloud::CloudSim> {
    app.state.simulators.cloud.clone().expect("the simulator serves the demo")
}

/// Every stored bill line (the balance-derived DeepSeek lines depend on when balances were
/// read, so they are left out), sorted.
async fn stored_bills(app: &TestApp) -> Vec<(String, String, String, Option<String>, String, String, String)> {
    sqlx::query_as(
        "SELECT provider, account, billing_cycle, bill_date, product_code, payable, pretax FROM bill_lines WHERE source = 'bill'
         ORDER BY provider, account, billing_cycle, bill_date, product_code, payable, pretax",
    )
    .fetch_all(&app.state.store.pool)
    .await
    .unwrap()
}

/// The scopes recorded as pulled, with their line counts and amounts.
async fn pulled_scopes(app: &TestApp) -> Vec<(String, String, String, String, i64, String)> {
    sqlx::query_as(
        "SELECT provider, account, scope_kind, scope_start, lines, payable_cny FROM bill_scope_coverage WHERE state = 'ok'
         ORDER BY provider, account, scope_kind, scope_start",
    )
    .fetch_all(&app.state.store.pool)
    .await
    .unwrap()
}

/// The page's platform totals, DeepSeek's left out (its spend comes from balance snapshots,
/// which differ from run to run).
async fn platform_totals(app: &TestApp) -> Vec<(String, Decimal)> {
    let (_, o) = post(app, "billing/overview", json!({ "query": [] })).await;
    let o: Value = serde_json::from_str(&o).unwrap();
    o["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["provider"] != "DeepSeek")
        .map(|p| (p["provider"].as_str().unwrap().to_string(), dec(&p["total"]["cny"])))
        .collect()
}

/// A fault-free first sync on a fresh store: what every healed store must equal.
async fn clean_reference() -> TestApp {
    let reference = spawn_app().await;
    assert_eq!(sync(&reference).await["state"], "Ok");
    reference
}

async fn assert_same_bills(app: &TestApp, reference: &TestApp) {
    let (got, want) = (stored_bills(app).await, stored_bills(reference).await);
    assert!(!want.is_empty());
    assert_eq!(got.len(), want.len(), "bill lines stored");
    assert_eq!(got, want, "every stored line equals the clean run's");
    assert_eq!(pulled_scopes(app).await, pulled_scopes(reference).await, "every scope pulled, with the same lines and amount");
    assert_eq!(platform_totals(app).await, platform_totals(reference).await);
}

#[tokio::test]
async fn a_first_sync_with_faults_on_every_provider_heals_to_a_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path(), fast_and_few_retries).await;
    let s = sim(&app);
    let mix = vec![CloudFault::ServerError, CloudFault::MalformedJson, CloudFault::Throttle { retry_after_s: None }];
    for (i, p) in Provider::ALL.into_iter().enumerate() {
        s.control.set_fault_rate(p, 250, mix.clone(), 7 + i as u64);
    }
    // Two runs under faults: with 2 attempts a request fails for good about 1 time in 16.
    let first = sync(&app).await;
    assert_ne!(first["state"], "Ok", "faults left scopes unpulled: {first}");
    let failed_scopes: u64 = first["accounts"].as_array().unwrap().iter().map(|a| a["scopes_failed"].as_u64().unwrap_or(0)).sum();
    assert!(failed_scopes > 0, "{first}");
    // DeepSeek is asked once a run (its balance), so it may draw no fault; the others many times.
    for p in [Provider::Aliyun, Provider::Volcengine, Provider::Tencent, Provider::Baidu] {
        assert!(s.control.faults_applied(p) > 0, "{p:?} saw faults");
    }
    sync(&app).await;
    for p in Provider::ALL {
        s.control.set_fault_rate(p, 0, Vec::new(), 0);
    }
    // The faults stop: the next sync pulls every scope still missing, and says Ok only then.
    let healed = sync(&app).await;
    assert_eq!(healed["state"], "Ok", "{healed}");
    let reference = clean_reference().await;
    assert_same_bills(&app, &reference).await;
    let (_, o) = post(&app, "billing/overview", json!({ "query": [] })).await;
    let o: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(o["gaps"], json!([]), "nothing missing once healed");
}

/// Starts a sync and stops it after `requests` requests reached the simulator, with the run
/// still going: the returned handle's task is held mid-way.
async fn start_and_hold(app: &TestApp, requests: u64) -> (i64, tokio::task::JoinHandle<()>) {
    let s = sim(app);
    s.control.hold_after(requests);
    let started = app::billing::sync::start(&app.state.billing, app::billing::model::SyncTrigger::Button).await.unwrap();
    let app::billing::sync::Started::New(run, handle) = started else { panic!("a new run") };
    // Polls for a state, not a time: the sync cannot pass the hold.
    while s.control.held() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    (run, handle)
}

async fn run_state(app: &TestApp, run: i64) -> String {
    sqlx::query_scalar("SELECT state FROM sync_runs WHERE id = ?1").bind(run).fetch_one(&app.state.store.pool).await.unwrap()
}

#[tokio::test]
async fn a_first_sync_interrupted_is_completed_by_the_next_one() {
    // The task is dropped mid-way (what a panic or a cancelled request would do).
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path(), |_| {}).await;
    let (run, handle) = start_and_hold(&app, 60).await;
    handle.abort();
    assert!(handle.await.unwrap_err().is_cancelled());
    sim(&app).control.release();
    assert_eq!(run_state(&app, run).await, "running", "interrupted mid-way");
    assert!(!pulled_scopes(&app).await.is_empty(), "some scopes were stored before the stop");

    let next = sync(&app).await;
    assert_eq!(next["state"], "Ok", "{next}");
    assert_eq!(run_state(&app, run).await, "failed", "the dropped run is closed");
    assert_same_bills(&app, &clean_reference().await).await;
}

#[tokio::test]
async fn a_first_sync_killed_with_its_process_is_completed_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let short_lease = |c: &mut AppConfig| c.billing.lease_ttl = std::time::Duration::from_secs(1);
    let killed = spawn_app_in(dir.path(), short_lease).await;
    let (run, handle) = start_and_hold(&killed, 60).await;
    // The process dies: its task and heartbeat stop, its lease is left in the store.
    handle.abort();
    let _ = handle.await;

    // A new process (the CLI, or the server restarted) on the same store waits for the dead
    // lease to expire, closes the abandoned run, and syncs everything.
    let next = spawn_app_in(dir.path(), short_lease).await;
    let view = app::billing::sync::run_now(&next.state.billing, app::billing::model::SyncTrigger::Cli).await.unwrap();
    assert_eq!(view.state, app::billing::model::RunState::Ok, "{view:?}");
    assert_ne!(view.id, run);
    let (_, history) = post(&next, "billing/history", json!({})).await;
    let history: Value = serde_json::from_str(&history).unwrap();
    let old = history.as_array().unwrap().iter().find(|r| r["id"] == run).unwrap();
    assert_eq!(old["state"], "Failed");
    assert!(old["accounts"].as_array().unwrap().iter().any(|a| a["error_code"] == "Interrupted"), "{old}");
    assert_same_bills(&next, &clean_reference().await).await;
}

#[tokio::test]
async fn the_cli_and_the_server_syncing_at_once_make_one_run() {
    use app::billing::model::{JoinedRun, RunState, SyncTrigger};
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_app_in(dir.path(), |_| {}).await;
    let cli = spawn_app_in(dir.path(), |_| {}).await;

    // The server syncs (held mid-way); the CLI joins it instead of starting a second run.
    sim(&server).control.hold_after(5);
    let (status, run) = post(&server, "billing/sync", json!({})).await;
    assert_eq!(status, 200, "{run}");
    let run: Value = serde_json::from_str(&run).unwrap();
    while sim(&server).control.held() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let cli_sync = tokio::spawn({
        let billing = cli.state.billing.clone();
        async move { app::billing::sync::run_now(&billing, SyncTrigger::Cli).await }
    });
    // The button pressed again on the server joins too.
    let (_, again) = post(&server, "billing/sync", json!({})).await;
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!((again["id"].clone(), again["joined"].clone()), (run["id"].clone(), json!("Here")));
    sim(&server).control.release();
    let joined = cli_sync.await.unwrap().unwrap();
    assert_eq!(joined.id, run["id"].as_i64().unwrap(), "the CLI waited for the server's run");
    assert_eq!(joined.joined, Some(JoinedRun::Elsewhere));
    assert_eq!(joined.state, RunState::Ok, "nothing marked failed: {joined:?}");
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs").fetch_one(&server.state.store.pool).await.unwrap();
    assert_eq!(runs, 1, "one run");
    assert_eq!(sim(&cli).control.requests(Provider::Aliyun), 0, "the CLI pulled nothing itself");

    // Now the CLI syncs and the server's button joins it: the page follows the CLI's run.
    sim(&cli).control.hold_after(5);
    let started = app::billing::sync::start(&cli.state.billing, SyncTrigger::Cli).await.unwrap();
    let app::billing::sync::Started::New(cli_run, handle) = started else { panic!("a new run") };
    while sim(&cli).control.held() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (_, page) = post(&server, "billing/sync", json!({})).await;
    let page: Value = serde_json::from_str(&page).unwrap();
    assert_eq!((page["id"].as_i64(), page["joined"].clone()), (Some(cli_run), json!("Elsewhere")));
    sim(&cli).control.release();
    handle.await.unwrap();
    let (_, watched) = post(&server, "billing/watch", json!({ "run": cli_run })).await;
    let last: Value = serde_json::from_str(watched.lines().rfind(|l| !l.trim().is_empty()).unwrap()).unwrap();
    assert_eq!(last["state"], "Ok", "the server shows the CLI's run ending well: {last}");
}

#[tokio::test]
async fn a_scope_that_failed_is_shown_missing_with_its_reason_until_pulled() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path(), fast_and_few_retries).await;
    // Tencent answers every request with a 5xx: its months are never pulled.
    for _ in 0..100 {
        sim(&app).control.push_fault(Provider::Tencent, CloudFault::ServerError);
    }
    let run = sync(&app).await;
    assert_eq!(run["state"], "Partial", "{run}");
    let (_, o) = post(&app, "billing/overview", json!({ "query": [] })).await;
    let o: Value = serde_json::from_str(&o).unwrap();
    let gaps = o["gaps"].as_array().unwrap();
    assert!(!gaps.is_empty());
    assert!(gaps.iter().all(|g| g["provider"] == "Tencent" && g["kind"] == "Failed" && g["monthly"] == true), "{gaps:?}");
    assert!(gaps.iter().all(|g| g["error_code"].as_str().is_some_and(|c| !c.is_empty())), "the provider's code: {gaps:?}");
    let this_month = app::calendar::shanghai_today().format("%Y-%m-01").to_string();
    assert!(gaps.iter().any(|g| g["month"] == this_month));

    // The page says so, server-rendered.
    let html = app.client.get(format!("{}/ai-cost", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-testid=\"coverage-gaps\""), "gap block on the page");
    assert!(html.contains("未同步成功，金额不完整"), "the page says the total is incomplete");
    assert!(html.contains("data-testid=\"card-incomplete\""));
    // The history names the scopes and why.
    let (_, history) = post(&app, "billing/history", json!({})).await;
    let history: Value = serde_json::from_str(&history).unwrap();
    let tencent = history[0]["accounts"].as_array().unwrap().iter().find(|a| a["provider"] == "Tencent").unwrap().clone();
    let failures = tencent["failures"].as_array().unwrap();
    assert_eq!(failures.len() as u64, tencent["scopes_failed"].as_u64().unwrap());
    assert!(failures.iter().all(|f| f["scope"]["Month"].is_string() && !f["error_code"].as_str().unwrap().is_empty()), "{failures:?}");

    // Retried once Tencent answers: nothing missing.
    sim(&app).control.clear_faults(Provider::Tencent);
    assert_eq!(sync(&app).await["state"], "Ok");
    let (_, o) = post(&app, "billing/overview", json!({ "query": [] })).await;
    assert_eq!(serde_json::from_str::<Value>(&o).unwrap()["gaps"], json!([]));
}

/// `suanpan sync-billing` on `dir` with `env`; its output lines (the log goes to stdout) arrive
/// on the channel.
fn sync_process(dir: &std::path::Path, env: &[(&str, &str)]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_suanpan"));
    cmd.arg("sync-billing")
        .env("SUANPAN_DATA_DIR", dir)
        .env("SUANPAN_AI_SIMULATOR", "off")
        .env("SUANPAN_BILLING_HISTORY_MONTHS", "1")
        .env("SUANPAN_CLOUD_SIM_LATENCY_MS", "0")
        .env("SUANPAN_BILLING_SYNC_INTERVAL_MIN", "0")
        .env("RUST_LOG", "info,sqlx=warn")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

#[tokio::test]
async fn a_sync_process_killed_with_sigkill_mid_way_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The first process's simulator holds every request after the 60th, so the kill lands
    // mid-sync whatever the machine's load.
    let (mut child, log) = sync_process(dir.path(), &[("SUANPAN_CLOUD_SIM_HOLD_AFTER", "60"), ("SUANPAN_BILLING_LEASE_S", "1")]);
    let endpoint = loop {
        let line = log.recv_timeout(std::time::Duration::from_secs(120)).expect("the sync process logs its simulator");
        if let Some(rest) = line.split("endpoints=").nth(1) {
            break rest.split(',').find_map(|p| p.strip_prefix("aliyun=")).unwrap().trim().to_string();
        }
    };
    let held = |endpoint: String| async move {
        let stats: Value = reqwest::get(format!("http://{endpoint}/__sim/stats")).await.unwrap().json().await.unwrap();
        stats["held"].as_u64().unwrap()
    };
    while held(endpoint.clone()).await == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    assert!(!child.wait().unwrap().success());

    // A new process on the same store: the dead run's lease expires, it is closed, and
    // everything missing is pulled.
    let (mut second, log) = sync_process(dir.path(), &[("SUANPAN_BILLING_LEASE_S", "1")]);
    let (status, stdout) = tokio::task::spawn_blocking(move || {
        // The lines end when the process closes its output.
        let lines: Vec<String> = log.iter().collect();
        (second.wait().unwrap(), lines.join("\n"))
    })
    .await
    .unwrap();
    assert!(status.success(), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("run #") && last.ends_with(": ok") && !last.starts_with("run #1:"), "{stdout}");

    let store = app::store::AppStore::open(dir.path()).await.unwrap();
    let killed: String = sqlx::query_scalar("SELECT state FROM sync_runs WHERE id = 1").fetch_one(&store.pool).await.unwrap();
    assert_eq!(killed, "failed", "the killed run is closed, not left running");
    let reference = clean_reference().await;
    let stored: Vec<(String, String, String, Option<String>, String, String, String)> = sqlx::query_as(
        "SELECT provider, account, billing_cycle, bill_date, product_code, payable, pretax FROM bill_lines WHERE source = 'bill'
         ORDER BY provider, account, billing_cycle, bill_date, product_code, payable, pretax",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    assert_eq!(stored, stored_bills(&reference).await, "every line of a clean run, none twice");
}
