//! Quota control on port 0: the allocation ledger under concurrency, the check against the cloud
//! simulator's per-project spend, stepped alerts recorded once and delivered to the Feishu
//! simulator in order, auto-disable and re-enable through the IAM simulator, restarts and two
//! instances on one store.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_on, Data, TestApp};

const ACCOUNT: &str = "volc-ark";
const USER: &str = "cs-bot";
const PROJECT: &str = "ark-customer-service";
const QUIET: [(&str, &str); 2] = [("SUANPAN_AI_SIMULATOR", "off"), ("SUANPAN_BILLING_HISTORY_MONTHS", "1")];

async fn spawn_in(dir: &std::path::Path) -> TestApp {
    spawn_app_on(Data::In(dir), &QUIET, |_| {}).await
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let res = app.client.clone().post(format!("{}/api/{path}", app.url)).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn dec(v: &Value) -> Decimal {
    v.as_str().map(|s| s.parse().unwrap()).unwrap_or_else(|| panic!("not a decimal: {v}"))
}

async fn register(app: &TestApp) -> i64 {
    let form = json!({ "account": ACCOUNT, "user_name": USER, "display_name": "客服机器人", "project": PROJECT, "steps": "", "auto_disable": true });
    let (status, id) = post(app, "quota/register", json!({ "form": form })).await;
    assert_eq!(status, 200, "{id}");
    id.as_i64().unwrap()
}

async fn allocate(app: &TestApp, id: i64, amount: &str, key: &str) -> (u16, Value) {
    post(app, "quota/allocate", json!({ "form": { "sub_account_id": id, "amount": amount, "reason": "测试划拨", "request_key": key } })).await
}

/// This (Asia/Shanghai) month's spend of the project, as Volcengine billing will report it.
fn set_spend(app: &TestApp, amount: &str) {
    let sim = app.state.simulators.cloud.as_ref().expect("the cloud simulator serves the demo");
    let month = app::calendar::first_of_month(app::calendar::shanghai_today());
    sim.control.set_project_spend(ACCOUNT, PROJECT, month, amount.parse().unwrap());
}

async fn check(app: &TestApp) -> Value {
    let (status, report) = post(app, "quota/check", json!({})).await;
    assert_eq!(status, 200, "{report}");
    report
}

/// The cards the Feishu simulator accepted: (header template, title).
fn cards(app: &TestApp) -> Vec<(String, String)> {
    let sim = app.state.simulators.feishu.as_ref().expect("the Feishu simulator serves the demo");
    sim.control
        .received()
        .into_iter()
        .filter_map(|m| m.card)
        .map(|c| (c["header"]["template"].as_str().unwrap_or_default().to_string(), c["header"]["title"]["content"].as_str().unwrap_or_default().to_string()))
        .collect()
}

fn iam_user(app: &TestApp) -> Value {
    app.state.simulators.cloud.as_ref().unwrap().control.iam_user(ACCOUNT, USER).expect("the demo user")
}

fn login_and_keys(user: &Value) -> (bool, Vec<String>) {
    let keys = user["keys"].as_array().unwrap().iter().map(|k| k["status"].as_str().unwrap().to_string()).collect();
    (user["login_allowed"].as_bool().unwrap_or(false), keys)
}

async fn row(app: &TestApp, id: i64) -> Value {
    let (status, rows) = post(app, "quota/list", json!({})).await;
    assert_eq!(status, 200, "{rows}");
    rows.as_array().unwrap().iter().find(|r| r["id"] == id).cloned().expect("the sub-account is listed")
}

async fn alert_steps(app: &TestApp) -> Vec<u64> {
    let (status, alerts) = post(app, "quota/alerts", json!({ "filter": { "sub_account_id": null, "undelivered": false, "from": null, "to": null } })).await;
    assert_eq!(status, 200, "{alerts}");
    let mut steps: Vec<u64> = alerts.as_array().unwrap().iter().map(|a| a["step"].as_u64().unwrap()).collect();
    steps.reverse(); // newest first on the page
    steps
}

#[tokio::test]
async fn steps_alert_once_each_then_exhaustion_disables_and_a_new_allocation_enables() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_in(dir.path()).await;
    let id = register(&app).await;
    let active = login_and_keys(&iam_user(&app));
    assert!(active.0 && active.1.iter().all(|s| s == "active"), "{active:?}");
    assert_eq!(allocate(&app, id, "100", "").await.0, 200);

    set_spend(&app, "49.99");
    assert_eq!(check(&app).await["alerts"], 0);
    set_spend(&app, "50");
    assert_eq!(check(&app).await["alerts"], 1, "exactly at 50 %");
    assert_eq!(check(&app).await["alerts"], 0, "not twice");
    // 85: crosses 80 only (50 already sent).
    set_spend(&app, "85");
    check(&app).await;
    assert_eq!(cards(&app).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["orange", "orange"]);

    // A restart between steps: nothing is sent again.
    drop(app);
    let app = spawn_in(dir.path()).await;
    set_spend(&app, "85");
    assert_eq!(check(&app).await["alerts"], 0, "after a restart the fired steps stay fired");
    // 100.01 at once: 90 is passed silently, 100 is the red exhausted alert, and the user is disabled.
    set_spend(&app, "100.01");
    let report = check(&app).await;
    assert_eq!((report["alerts"].as_u64(), report["disabled"].as_u64()), (Some(1), Some(1)), "{report}");
    let disabled = login_and_keys(&iam_user(&app));
    assert!(!disabled.0 && disabled.1.iter().all(|s| s == "inactive"), "{disabled:?}");
    let r = row(&app, id).await;
    assert_eq!(r["status"], "DisabledByApp", "{r}");
    assert_eq!(r["fired"], json!([50, 80, 90, 100]));
    let sent = cards(&app);
    assert_eq!(sent.len(), 1, "the new process's simulator saw only the exhausted card: {sent:?}");
    assert_eq!(sent[0].0, "red");
    assert!(sent[0].1.contains("额度用尽") && sent[0].1.contains("停用"), "{}", sent[0].1);
    assert_eq!(alert_steps(&app).await, [50, 80, 100], "one alert per step reached, 90 passed with 100");

    // A deduction below what is consumed is refused with the figures.
    let (status, refused) = allocate(&app, id, "-1", "").await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["Invalid"]["message"].as_str().unwrap().contains("100.01"), "{refused}");

    // 100 more: 50 % used — every step re-armed, the sub-account enabled again with its keys.
    let (status, entry) = allocate(&app, id, "100", "").await;
    assert_eq!(status, 200, "{entry}");
    assert_eq!((dec(&entry["balance_before"]), dec(&entry["balance_after"])), (Decimal::from(100), Decimal::from(200)));
    let enabled = login_and_keys(&iam_user(&app));
    assert_eq!(enabled, active, "login and exactly the keys the app turned off are back");
    let r = row(&app, id).await;
    assert_eq!((r["status"].as_str(), r["fired"].clone()), (Some("Normal"), json!([50])), "{r}");
    // The next crossing of 80 alerts again, in the new cycle.
    set_spend(&app, "161");
    assert_eq!(check(&app).await["alerts"], 1);
    assert_eq!(alert_steps(&app).await, [50, 80, 100, 80]);

    // Everything is in the audit log.
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'quota.%'").fetch_all(&app.state.store.pool).await.unwrap();
    for a in ["quota.register", "quota.allocate", "quota.alert", "quota.disable", "quota.enable", "quota.check"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn concurrent_allocations_never_lose_an_update_nor_go_below_consumption() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_in(dir.path()).await;
    let id = register(&app).await;
    assert_eq!(allocate(&app, id, "50", "").await.0, 200);
    set_spend(&app, "40");
    check(&app).await;
    // 100 at once: +3 and −7 alternating. −7s that would go below 40 consumed are refused.
    let calls = (0..100).map(|i| {
        let app = &app;
        async move {
            let amount = if i % 2 == 0 { "3" } else { "-7" };
            allocate(app, id, amount, &format!("k{i}")).await
        }
    });
    let results = futures::future::join_all(calls).await;
    let ok: Vec<&Value> = results.iter().filter(|(s, _)| *s == 200).map(|(_, v)| v).collect();
    let refused = results.iter().filter(|(s, v)| *s == 400 && v["Invalid"]["field"] == "amount").count();
    assert_eq!(ok.len() + refused, 100, "{results:?}");
    assert!(refused > 0, "some deductions met the floor");
    let history: Vec<(String, String, String)> =
        sqlx::query_as("SELECT amount, balance_before, balance_after FROM quota_allocations WHERE sub_account_id = ?1 ORDER BY id").bind(id).fetch_all(&app.state.store.pool).await.unwrap();
    assert_eq!(history.len(), ok.len() + 1);
    // A chain: each entry starts where the one before ended; the total is the sum; never below 40.
    let mut total = Decimal::ZERO;
    for (amount, before, after) in &history {
        let (amount, before, after): (Decimal, Decimal, Decimal) = (amount.parse().unwrap(), before.parse().unwrap(), after.parse().unwrap());
        assert_eq!(before, total);
        total += amount;
        assert_eq!(after, total);
        assert!(total >= Decimal::from(40), "below consumption: {total}");
    }
    assert_eq!(dec(&row(&app, id).await["allocated"]), total);
    // The same form twice is one entry.
    let (_, first) = allocate(&app, id, "1", "same-form").await;
    let (_, again) = allocate(&app, id, "1", "same-form").await;
    assert_eq!(first["id"], again["id"]);
}

#[tokio::test]
async fn two_instances_checking_at_once_record_and_send_each_alert_once() {
    let dir = tempfile::tempdir().unwrap();
    let a = spawn_in(dir.path()).await;
    let id = register(&a).await;
    assert_eq!(allocate(&a, id, "100", "").await.0, 200);
    // The second instance talks to the first's simulators (one Volcengine, one Feishu bot).
    let cloud = a.state.config.billing.accounts.clone();
    let webhook = a.state.config.alerts.webhook.clone();
    let b = spawn_app_on(Data::In(dir.path()), &QUIET, move |c| {
        c.billing.accounts = cloud;
        c.billing.simulator = false;
        c.alerts.webhook = webhook;
        c.alerts.simulator = false;
    })
    .await;
    set_spend(&a, "95");
    // Started together, three times over: whichever runs, the other finds the lease or the rows.
    for _ in 0..3 {
        tokio::join!(check(&a), check(&b));
    }
    // However the leases fell, one check ran last with everything settled: 90 once, delivered once.
    check(&a).await;
    assert_eq!(alert_steps(&a).await, [90]);
    assert_eq!(cards(&a).len(), 1, "{:?}", cards(&a));
    let steps: BTreeSet<i64> = sqlx::query_scalar("SELECT step FROM quota_alerts WHERE sub_account_id = ?1").bind(id).fetch_all(&a.state.store.pool).await.unwrap().into_iter().collect();
    assert_eq!(steps, BTreeSet::from([50, 80, 90]), "50 and 80 passed silently with 90");
}

#[tokio::test]
async fn an_alert_recorded_before_a_crash_is_delivered_after_the_restart_once() {
    let dir = tempfile::tempdir().unwrap();
    // A bot address that accepts and never answers: the first process is stuck sending.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_url = format!("http://{}/open-apis/bot/v2/hook/tok", hang.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = hang.accept().await {
            open.push(socket);
        }
    });
    let first = spawn_app_on(Data::In(dir.path()), &QUIET, |c| {
        c.alerts.webhook = Some(app::feishu::FeishuWebhook::parse(&hang_url, None).unwrap());
        c.alerts.simulator = false;
    })
    .await;
    let id = register(&first).await;
    assert_eq!(allocate(&first, id, "100", "").await.0, 200);
    set_spend(&first, "60");
    let cloud = first.state.config.billing.accounts.clone();
    let quota = first.state.quota.clone();
    let stuck = tokio::spawn(async move { app::quota::check::run(&quota).await });
    // Wait for the state (no clock): the alert is recorded and its delivery claimed.
    loop {
        let claimed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quota_outbox WHERE claimed_by IS NOT NULL").fetch_one(&first.state.store.pool).await.unwrap();
        if claimed == 1 {
            break;
        }
        tokio::task::yield_now().await;
    }
    // The process dies here (kill -9: nothing more of its check runs).
    stuck.abort();
    assert!(stuck.await.unwrap_err().is_cancelled());
    // Its claim and its lease would expire in minutes; the test moves the store's clock past them.
    let pool = &first.state.store.pool;
    sqlx::query("UPDATE quota_outbox SET claimed_until = '2000-01-01T00:00:00.000Z'").execute(pool).await.unwrap();
    sqlx::query("UPDATE quota_lease SET expires_at = '2000-01-01T00:00:00.000Z'").execute(pool).await.unwrap();

    let second = spawn_app_on(Data::In(dir.path()), &QUIET, move |c| {
        c.billing.accounts = cloud;
        c.billing.simulator = false;
    })
    .await;
    let report = check(&second).await;
    assert_eq!((report["ran"].as_bool(), report["alerts"].as_u64(), report["delivered"].as_u64()), (Some(true), Some(0), Some(1)), "{report}");
    assert_eq!(cards(&second).len(), 1);
    check(&second).await;
    assert_eq!(cards(&second).len(), 1, "delivered once");
    assert_eq!(alert_steps(&second).await, [50]);
    held.abort();
}

#[tokio::test]
async fn a_refused_delivery_stays_with_feishus_answer_and_an_admin_resends_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_in(dir.path()).await;
    let id = register(&app).await;
    assert_eq!(allocate(&app, id, "10", "").await.0, 200);
    // A wrong signing secret: Feishu answers 19021 with HTTP 200.
    let sim_url = app.state.simulators.feishu.as_ref().unwrap().webhook_url();
    let wrong = app::feishu::FeishuWebhook::parse(&sim_url, Some(app::secret::Secret::new("not-the-secret"))).unwrap();
    let quota = app.state.quota.clone().with_env_webhook(Some(wrong));
    set_spend(&app, "6");
    let report = app::quota::check::run(&quota).await.unwrap();
    assert_eq!((report.alerts, report.delivered), (1, 0));
    let (_, alerts) = post(&app, "quota/alerts", json!({ "filter": { "sub_account_id": id, "undelivered": true, "from": null, "to": null } })).await;
    let alert = &alerts[0];
    assert!(alert["delivery"]["last_error"].as_str().unwrap().contains("19021"), "{alert}");
    assert_eq!(alert["delivery"]["attempts"], 1);
    assert!(alert["delivery"]["next_attempt_at"].is_string());
    // The admin resends through the app's right webhook.
    let (status, delivery) = post(&app, "quota/resend", json!({ "alert_id": alert["id"] })).await;
    assert_eq!(status, 200, "{delivery}");
    assert!(delivery["delivered_at"].is_string(), "{delivery}");
    assert_eq!(cards(&app).len(), 1);
}
