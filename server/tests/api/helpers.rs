//! What every integration test shares: the real router on port 0 over a temporary warehouse
//! and app store, with the simulators the configuration leaves on, and small request helpers.

use app::config::AppConfig;
use app::state::AppState;
use app::warehouse::sqlite::SqliteWarehouse;
use app::warehouse::Warehouse;

pub struct TestApp {
    pub url: String,
    pub state: AppState,
    /// Signed in as the first admin (created from `SUANPAN_ADMIN_USER`), sending the app's
    /// own `Origin` as the pages do.
    pub client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

/// The first admin every test app starts with.
pub const ADMIN: (&str, &str) = ("admin", "测试管理员-口令-2026");

/// Where the app's data lives and which warehouse it reads.
pub enum Data<'a> {
    /// A fresh temporary folder with the hand-made tiny warehouse (`app/tests/fixtures`).
    Tiny,
    /// A fresh temporary folder with the generated demo warehouse.
    Demo,
    /// This folder (two apps on one folder are two processes sharing the store), demo warehouse.
    In(&'a std::path::Path),
}

/// Fast simulators: short token and task steps, no cloud latency, no scheduled sync.
const FAST: [(&str, &str); 8] = [
    ("SUANPAN_ADMIN_USER", ADMIN.0),
    ("SUANPAN_ADMIN_PASSWORD", ADMIN.1),
    ("SUANPAN_SIM_FIRST_TOKEN_MS", "5"),
    ("SUANPAN_SIM_TOKEN_MS", "2"),
    ("SUANPAN_SIM_TASK_STEP_MS", "40"),
    ("SUANPAN_CLOUD_SIM_LATENCY_MS", "0"),
    ("SUANPAN_BILLING_SYNC_INTERVAL_MIN", "0"),
    ("SUANPAN_QUOTA_CHECKS", "off"),
];

/// The one way a test starts the app: `env` over the fast defaults, then `tweak` on the
/// configuration read from them.
pub async fn spawn_app_on(data: Data<'_>, env: &[(&str, &str)], tweak: impl FnOnce(&mut AppConfig)) -> TestApp {
    let temp = (!matches!(data, Data::In(_))).then(|| tempfile::tempdir().unwrap());
    let dir = match (&data, &temp) {
        (Data::In(dir), _) => dir.to_path_buf(),
        (_, temp) => temp.as_ref().expect("a temporary folder").path().to_path_buf(),
    };
    let w = SqliteWarehouse::open(&dir).await.unwrap();
    if let Data::Tiny = data {
        sqlx::raw_sql(include_str!("../../../app/tests/fixtures/tiny_warehouse.sql")).execute(w.pool()).await.unwrap();
    }
    let mut vars: Vec<(String, String)> = FAST.iter().chain(env).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    vars.push(("SUANPAN_DATA_DIR".into(), dir.display().to_string()));
    let mut config = AppConfig::from_lookup(|n| vars.iter().rev().find(|(k, _)| k == n).map(|(_, v)| v.clone())).unwrap();
    tweak(&mut config);
    let state = AppState::with_warehouse(config, Warehouse::Sqlite(w)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = suanpan::router(suanpan::leptos_options(addr, "target/site"), state.clone());
    tokio::spawn(async move { suanpan::serve(listener, router).await.unwrap() });
    let url = format!("http://{addr}");
    // Signed in as the first admin when the environment names one, else no session.
    let client = match &state.config.access.admin_user {
        Some(_) => sign_in(&url, ADMIN.0, ADMIN.1).await.unwrap_or_else(|status| panic!("the admin could not sign in: {status}")),
        None => anonymous(&url),
    };
    TestApp { url, state, client, _dir: temp }
}

/// A client with no session that sends the app's `Origin` (as a browser on the sign-in page).
pub fn anonymous(url: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", url.parse().unwrap());
    reqwest::Client::builder().default_headers(headers).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Signs in through the sign-in server function (as the page's form posts it) and answers a
/// client carrying the session cookie, or the refusal's status.
pub async fn sign_in(url: &str, username: &str, password: &str) -> Result<reqwest::Client, u16> {
    let res = anonymous(url)
        .post(format!("{url}/api/auth/login"))
        .form(&[("username", username), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("suanpan_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string());
    let Some(cookie) = cookie.filter(|_| status < 400) else { return Err(status) };
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", url.parse().unwrap());
    headers.insert("cookie", cookie.parse().unwrap());
    Ok(reqwest::Client::builder().default_headers(headers).redirect(reqwest::redirect::Policy::none()).build().unwrap())
}

/// A signed-in client of `role`: the admin creates the user (once) through the users page's
/// server function, then the user signs in.
pub async fn client_as(app: &TestApp, role: &str) -> reqwest::Client {
    if role == "admin" {
        return app.client.clone();
    }
    let (name, password) = (format!("test-{role}"), format!("{role}-口令-2026"));
    let res = app
        .client
        .post(format!("{}/api/admin/users/create", app.url))
        .form(&[("username", name.as_str()), ("display_name", name.as_str()), ("password", password.as_str()), ("role", role)])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert!(status < 400 || body.contains("username"), "creating {role}: {status} {body}");
    sign_in(&app.url, &name, &password).await.unwrap_or_else(|s| panic!("{role} could not sign in: {s}"))
}

/// The app over the tiny warehouse with the DashScope simulator.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    spawn_app_on(Data::Tiny, env, |_| {}).await
}


/// Posts JSON to a server function; answers the status and the body's JSON lines.
pub async fn post_lines(app: &TestApp, path: &str, body: serde_json::Value) -> (u16, Vec<serde_json::Value>) {
    let res = app.client.clone().post(format!("{}/api/{path}", app.url)).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect())
}

pub fn dashscope_sim(app: &TestApp) -> &app::simulator::dashscope::SimControl {
    &app.state.simulators.dashscope.as_ref().expect("simulator runs without a key").control
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.state.store.pool).await.unwrap()
}

pub async fn call(app: &TestApp, kind: &str, query: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let res = app.client.clone()
        .post(format!("{}/api/sales/run_analysis", app.url))
        .json(&serde_json::json!({ "kind": kind, "query": query }))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

pub const JAN: [(&str, &str); 2] = [("from", "2016-01-01"), ("to", "2016-01-31")];

/// Stock items 2 and 1 of the tiny warehouse (named as it names them).
pub fn bundle() -> serde_json::Value {
    serde_json::json!({ "items": [ { "stock_item_id": 2, "name": "Shirt" }, { "stock_item_id": 1, "name": "Mug" } ], "lift": "2.5", "co_occurrence": 3 })
}

/// Posts raw bytes to a server function; answers the status and the body as text.
pub async fn post_raw(app: &TestApp, path: &str, body: impl Into<reqwest::Body>) -> (u16, String) {
    let res = app.client.clone()
        .post(format!("{}/api/{path}", app.url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A refusal as the page reads it: no Rust type names, no decoder internals, a Chinese message.
pub fn refusal(status: u16, text: &str) -> (u16, app::error::AppError) {
    for internal in ["RunAnalysis", "StartBundleImage", "struct", "serde", "deserializ", "Transport", "line 1 column"] {
        assert!(!text.contains(internal), "{internal:?} in the answer: {text}");
    }
    let error: app::error::AppError = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(error.status(), status, "{text}");
    (status, error)
}
