//! Access control, walked over everything the router serves: every server function registered
//! with server_fn, every Leptos page route and every plain route is in one of the tables below
//! (a new one fails the test until it is added), and each is tried with no session and as each
//! role. Plus sign-in itself: throttling, set-up, disabled users, password changes, API keys,
//! cross-site requests.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::helpers::*;

/// Who may call: everyone (sign-in), or the roles listed.
#[derive(Clone, Copy, Debug)]
enum Who {
    Public,
    Roles(&'static [&'static str]),
}

const ALL: Who = Who::Roles(&["admin", "analyst", "viewer"]);
const WRITERS: Who = Who::Roles(&["admin", "analyst"]);
const ADMIN_ONLY: Who = Who::Roles(&["admin"]);

/// How a server function's arguments are sent.
#[derive(Clone, Copy, Debug)]
enum Body {
    Json(fn() -> Value),
    Form(&'static [(&'static str, &'static str)]),
}

/// Every server function: its path, who may call it, and arguments that decode (so the answer
/// shows the function's own role check, not a refusal of the body). Sign-out comes last: it ends
/// the session the walk uses.
fn server_fns() -> Vec<(&'static str, Who, Body)> {
    vec![
        ("/api/sales/run_analysis", ALL, Body::Json(|| json!({ "kind": "top-sellers", "query": [["from", "2016-01-01"], ["to", "2016-01-31"]] }))),
        ("/api/insights/view", ALL, Body::Json(|| json!({ "kind": "top-sellers", "query": [["from", "2016-01-01"], ["to", "2016-01-31"]], "fingerprint": "x" }))),
        ("/api/insights/stream", WRITERS, Body::Json(|| json!({ "kind": "top-sellers", "query": [["from", "2016-01-01"], ["to", "2016-01-31"]], "regenerate": false }))),
        ("/api/images/start", WRITERS, Body::Json(|| json!({ "bundle": bundle(), "prompt": "海报", "size": "1024*1024" }))),
        ("/api/images/watch", WRITERS, Body::Json(|| json!({ "id": 999_999 }))),
        ("/api/images/gallery", ALL, Body::Json(|| json!({}))),
        ("/api/billing/overview", ALL, Body::Json(|| json!({ "query": [] }))),
        ("/api/billing/lines", ALL, Body::Json(|| json!({ "query": [] }))),
        ("/api/billing/sync", WRITERS, Body::Json(|| json!({}))),
        ("/api/billing/watch", ALL, Body::Json(|| json!({ "run": 999_999 }))),
        ("/api/billing/current", ALL, Body::Json(|| json!({}))),
        ("/api/billing/history", ALL, Body::Json(|| json!({}))),
        ("/api/auth/login", Who::Public, Body::Form(&[("username", "nobody"), ("password", "wrong-password")])),
        ("/api/auth/setup", Who::Public, Body::Form(&[("username", "late"), ("display_name", ""), ("password", "another-口令-1"), ("confirm", "another-口令-1")])),
        ("/api/auth/me", Who::Public, Body::Json(|| json!({}))),
        ("/api/auth/password", ALL, Body::Form(&[("current", "not-the-password"), ("new", "新的口令-2026"), ("confirm", "新的口令-2026")])),
        ("/api/admin/users/list", ADMIN_ONLY, Body::Json(|| json!({}))),
        ("/api/admin/users/create", ADMIN_ONLY, Body::Form(&[("username", "walked"), ("display_name", ""), ("password", "walked-口令-2026"), ("role", "viewer")])),
        ("/api/admin/users/update", ADMIN_ONLY, Body::Form(&[("id", "999999"), ("role", "viewer")])),
        ("/api/admin/users/password", ADMIN_ONLY, Body::Form(&[("id", "999999"), ("password", "reset-口令-2026")])),
        ("/api/admin/keys/list", ADMIN_ONLY, Body::Json(|| json!({}))),
        ("/api/admin/keys/create", ADMIN_ONLY, Body::Form(&[("name", "walked"), ("role", "viewer"), ("valid_days", "")])),
        ("/api/admin/keys/revoke", ADMIN_ONLY, Body::Form(&[("id", "999999")])),
        ("/api/audit/entries", ADMIN_ONLY, Body::Json(|| json!({ "query": [] }))),
        ("/api/settings/list", ADMIN_ONLY, Body::Json(|| json!({}))),
        // A cloud account without a name: refused by validation, so the walk stores nothing.
        ("/api/settings/save", ADMIN_ONLY, Body::Json(|| json!({ "form": { "id": null, "kind": "cloud_account", "provider": "aliyun" } }))),
        ("/api/settings/delete", ADMIN_ONLY, Body::Json(|| json!({ "id": 999_999 }))),
        ("/api/settings/test", ADMIN_ONLY, Body::Json(|| json!({ "target": { "Stored": { "id": 999_999 } } }))),
        ("/api/quota/list", ALL, Body::Json(|| json!({}))),
        ("/api/quota/history", ALL, Body::Json(|| json!({ "sub_account_id": 999_999 }))),
        ("/api/quota/alerts", ALL, Body::Json(|| json!({ "filter": { "sub_account_id": null, "undelivered": false, "from": null, "to": null } }))),
        ("/api/quota/settings", ALL, Body::Json(|| json!({}))),
        ("/api/quota/accounts", ADMIN_ONLY, Body::Json(|| json!({}))),
        // Refused by validation (interval 0, an empty form, no such sub-account or alert): the walk changes nothing.
        ("/api/quota/save_settings", ADMIN_ONLY, Body::Json(|| json!({ "interval_seconds": 0, "steps": "50" }))),
        ("/api/quota/register", ADMIN_ONLY, Body::Json(|| json!({ "form": { "account": "", "user_name": "", "display_name": "", "project": "", "steps": "", "auto_disable": true } }))),
        ("/api/quota/update", ADMIN_ONLY, Body::Json(|| json!({ "id": 999_999, "project": "p", "steps": "", "auto_disable": true }))),
        ("/api/quota/allocate", ADMIN_ONLY, Body::Json(|| json!({ "form": { "sub_account_id": 999_999, "amount": "1", "reason": "walk", "request_key": "" } }))),
        ("/api/quota/resend", ADMIN_ONLY, Body::Json(|| json!({ "alert_id": 999_999 }))),
        ("/api/quota/check", ADMIN_ONLY, Body::Json(|| json!({}))),
        ("/api/iam/users", ADMIN_ONLY, Body::Json(|| json!({ "account": "no-such-account" }))),
        ("/api/iam/user", ADMIN_ONLY, Body::Json(|| json!({ "account": "no-such-account", "name": "x" }))),
        ("/api/iam/projects", ADMIN_ONLY, Body::Json(|| json!({ "account": "no-such-account" }))),
        ("/api/iam/create", ADMIN_ONLY, Body::Json(|| json!({ "form": { "account": "no-such-account", "name": "walked", "display_name": "", "description": "", "policies": [], "project": "" } }))),
        ("/api/iam/policy", ADMIN_ONLY, Body::Json(|| json!({ "account": "no-such-account", "name": "x", "policy": "ArkFullAccess", "attach": true }))),
        ("/api/iam/enabled", ADMIN_ONLY, Body::Json(|| json!({ "account": "no-such-account", "name": "x", "enabled": false }))),
        ("/api/auth/logout", ALL, Body::Form(&[])),
    ]
}

/// Every page route (with its parameters filled in) and who may see it.
const PAGES: [(&str, &str, Who); 13] = [
    ("/", "/", ALL),
    ("/sales/{kind}", "/sales/top-sellers?from=2016-01-01&to=2016-01-31", ALL),
    ("/images", "/images", ALL),
    ("/ai-cost", "/ai-cost", ALL),
    ("/login", "/login", Who::Public),
    ("/setup", "/setup", Who::Public),
    ("/account", "/account", ALL),
    ("/admin/users", "/admin/users", ADMIN_ONLY),
    ("/admin/keys", "/admin/keys", ADMIN_ONLY),
    ("/admin/audit", "/admin/audit", ADMIN_ONLY),
    ("/admin/settings", "/admin/settings", ADMIN_ONLY),
    ("/quota", "/quota", ALL),
    ("/quota/iam", "/quota/iam", ADMIN_ONLY),
];

/// Every plain route (`suanpan::plain_routes`), a request to it, and who may use it (POST for
/// the one that changes something).
const PLAIN: [(&str, &str, Who); 7] = [
    ("/export/{file}", "/export/bill-lines.csv", WRITERS),
    ("/export/sales/{file}", "/export/sales/top-sellers.csv?from=2016-01-01&to=2016-01-31", ALL),
    ("/download/image/{id}", "/download/image/999999", ALL),
    ("/export/audit.csv", "/export/audit.csv", ADMIN_ONLY),
    ("/api/v1/billing/summary", "/api/v1/billing/summary", ALL),
    ("/api/v1/billing/sync", "POST /api/v1/billing/sync", WRITERS),
    ("/api/v1/sales/{kind}", "/api/v1/sales/top-sellers?from=2016-01-01&to=2016-01-31", ALL),
];

/// A GET of `path`, or a POST when it says so.
fn request(client: &reqwest::Client, base: &str, path: &str) -> reqwest::RequestBuilder {
    match path.strip_prefix("POST ") {
        Some(p) => client.post(format!("{base}{p}")),
        None => client.get(format!("{base}{path}")),
    }
}

fn allowed(who: Who, role: &str) -> bool {
    match who {
        Who::Public => true,
        Who::Roles(roles) => roles.contains(&role),
    }
}

async fn call(client: &reqwest::Client, url: &str, body: Body) -> (u16, String) {
    let request = client.post(url);
    let request = match body {
        Body::Json(v) => request.json(&v()),
        Body::Form(f) => request.form(f),
    };
    let res = request.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn every_server_function_page_and_route_checks_the_role() {
    // The tables cover exactly what is registered.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_string()).collect();
    let listed: BTreeSet<String> = server_fns().iter().map(|(p, _, _)| p.to_string()).collect();
    assert_eq!(registered, listed, "every registered server function is in the table, and only those");
    let routes: BTreeSet<String> = leptos_axum::generate_route_list(app::App).iter().map(|r| r.path().to_string()).collect();
    let pages: BTreeSet<String> = PAGES.iter().map(|(p, _, _)| p.to_string()).collect();
    assert_eq!(routes, pages, "every page route is in the table");
    let plain: BTreeSet<&str> = suanpan::plain_routes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(plain, PLAIN.iter().map(|(p, _, _)| *p).collect(), "every plain route is in the table");

    let app = spawn_app().await;
    let nobody = anonymous(&app.url);
    for (path, who, body) in server_fns() {
        let (status, text) = call(&nobody, &format!("{}{path}", app.url), body).await;
        match who {
            // Reached the function: a failed sign-in may answer 401, but not "sign in first".
            Who::Public => assert!(!text.contains("SignInRequired"), "{path} is public: {status} {text}"),
            Who::Roles(_) => assert_eq!(status, 401, "{path} without a session: {text}"),
        }
    }
    for (route, path, who) in PAGES.iter().chain(PLAIN.iter()) {
        let res = request(&nobody, &app.url, path).send().await.unwrap();
        let status = res.status().as_u16();
        match who {
            Who::Public => assert_eq!(status, 200, "{route}"),
            Who::Roles(_) if route.starts_with('/') && PAGES.iter().any(|(r, _, _)| r == route) => {
                assert_eq!(status, 303, "{route} sends to sign-in");
                let to = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                assert!(to.starts_with("/login?next="), "{route} → {to}");
            }
            Who::Roles(_) => assert_eq!(status, 401, "{route} without a session"),
        }
    }

    for role in ["viewer", "analyst", "admin"] {
        // A fresh session per role: the walk ends by signing it out.
        let client = client_as(&app, role).await;
        let client = if role == "admin" { sign_in(&app.url, ADMIN.0, ADMIN.1).await.unwrap() } else { client };
        for (route, path, who) in PAGES.iter().chain(PLAIN.iter()) {
            let status = request(&client, &app.url, path).send().await.unwrap().status().as_u16();
            if allowed(*who, role) {
                assert!(![401, 403].contains(&status), "{role} on {route}: {status}");
            } else {
                assert_eq!(status, 403, "{role} on {route}");
            }
        }
        for (path, who, body) in server_fns() {
            let (status, text) = call(&client, &format!("{}{path}", app.url), body).await;
            if let Who::Public = who {
                assert!(!text.contains("SignInRequired") && !text.contains("Forbidden"), "{role} on {path}: {text}");
            } else if allowed(who, role) {
                assert!(![401, 403].contains(&status), "{role} on {path}: {status} {text}");
            } else {
                assert_eq!(status, 403, "{role} on {path}: {text}");
                assert!(text.contains("Forbidden"), "{text}");
            }
        }
    }
}

#[tokio::test]
async fn a_wrong_password_says_so_and_repeated_failures_are_throttled() {
    let app = spawn_app().await;
    let nobody = anonymous(&app.url);
    let attempt = |user: &'static str, password: &'static str| {
        let nobody = nobody.clone();
        let url = format!("{}/api/auth/login", app.url);
        async move {
            let res = nobody.post(url).form(&[("username", user), ("password", password)]).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, wrong_password) = attempt(ADMIN.0, "not-it").await;
    assert_eq!(status, 401);
    let (_, unknown_user) = attempt("nobody-here", "not-it").await;
    assert_eq!(wrong_password, unknown_user, "the answer does not tell which half was wrong");
    let (_, e) = refusal(401, &wrong_password);
    assert_eq!(e.message(), "用户名或密码错误。");
    for _ in 0..3 {
        assert_eq!(attempt(ADMIN.0, "still-not-it").await.0, 401);
    }
    // The fifth failure locks the name and says for how long …
    let (status, text) = attempt(ADMIN.0, "still-not-it").await;
    assert_eq!(status, 429, "{text}");
    assert!(refusal(429, &text).1.message().contains("分钟"), "{text}");
    // … and now even the right password is refused.
    let (status, text) = attempt(ADMIN.0, ADMIN.1).await;
    assert_eq!(status, 429, "{text}");
    // Other users are unaffected.
    let _ = client_as(&app, "viewer").await;
    let failures = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sign_in_failed'").await;
    // Five for the admin, one for the unknown name, and the refused right password.
    assert_eq!(failures, 7);
}

#[tokio::test]
async fn without_an_admin_the_first_visit_sets_one_up_once() {
    let app = spawn_app_on(Data::Tiny, &[("SUANPAN_ADMIN_USER", ""), ("SUANPAN_ADMIN_PASSWORD", "")], |_| {}).await;
    let (url, nobody) = (app.url.clone(), app.client.clone());
    let res = nobody.get(format!("{url}/sales/top-sellers")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/setup");
    let setup = |password: &'static str| {
        let nobody = nobody.clone();
        let url = format!("{url}/api/auth/setup");
        async move {
            let res = nobody.post(url).form(&[("username", "boss"), ("display_name", "老板"), ("password", password), ("confirm", password)]).send().await.unwrap();
            res.status().as_u16()
        }
    };
    assert_eq!(setup("short").await, 400);
    assert!(setup("老板的口令-2026").await < 400);
    assert_eq!(setup("老板的口令-2026").await, 409, "set-up happens once");
    assert!(sign_in(&url, "boss", "老板的口令-2026").await.is_ok());
}

/// Creates an API key through the admin's server function; answers the key.
async fn new_key(app: &TestApp, name: &str, role: &str, days: &str) -> String {
    let res = app.client.post(format!("{}/api/admin/keys/create", app.url)).form(&[("name", name), ("role", role), ("valid_days", days)]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    created["key"].as_str().unwrap().to_string()
}

async fn with_key(app: &TestApp, key: &str, path: &str, body: Value) -> (u16, String) {
    // No cookie, no Origin: an external system.
    let res = reqwest::Client::new().post(format!("{}{path}", app.url)).bearer_auth(key).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn bearer_keys_work_until_revoked_or_expired_and_only_for_their_role() {
    let app = spawn_app().await;
    let viewer = new_key(&app, "BI 看板", "viewer", "").await;
    let analyst = new_key(&app, "ERP 同步", "analyst", "30").await;
    assert!(viewer.starts_with("sp_") && viewer.len() == 46);

    let (status, text) = with_key(&app, &viewer, "/api/billing/overview", json!({ "query": [] })).await;
    assert_eq!(status, 200, "{text}");
    let (status, text) = with_key(&app, &viewer, "/api/billing/sync", json!({})).await;
    assert_eq!(status, 403, "a viewer key cannot sync: {text}");
    let (status, text) = with_key(&app, &analyst, "/api/billing/sync", json!({})).await;
    assert_eq!(status, 200, "{text}");
    let (status, _) = with_key(&app, "sp_not-a-key-at-all", "/api/billing/overview", json!({ "query": [] })).await;
    assert_eq!(status, 401);

    // Only the hash is stored; the list shows the prefix and the first use.
    let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys").fetch_all(&app.state.store.pool).await.unwrap();
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&viewer[3..])));
    let listed = app.client.post(format!("{}/api/admin/keys/list", app.url)).json(&json!({})).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains(&viewer[..11]) && !listed.contains(&viewer[11..]), "{listed}");
    let first_uses = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'api_key.first_use'").await;
    assert_eq!(first_uses, 2, "each key's first use is recorded once");

    // Revoked: refused from then on.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_keys WHERE name = 'BI 看板'").fetch_one(&app.state.store.pool).await.unwrap();
    let res = app.client.post(format!("{}/api/admin/keys/revoke", app.url)).form(&[("id", id.to_string())]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let (status, text) = with_key(&app, &viewer, "/api/billing/overview", json!({ "query": [] })).await;
    assert_eq!(status, 401);
    assert!(text.contains("ApiKeyRefused"), "{text}");

    // Expired: a key whose time has passed (written as the store would after 30 days).
    sqlx::query("UPDATE api_keys SET expires_at = '2020-01-01T00:00:00.000Z' WHERE name = 'ERP 同步'").execute(&app.state.store.pool).await.unwrap();
    let (status, _) = with_key(&app, &analyst, "/api/billing/overview", json!({ "query": [] })).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn state_changes_from_other_sites_are_refused() {
    let app = spawn_app().await;
    let cookie_only = |origin: Option<&str>| {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(o) = origin {
            headers.insert("origin", o.parse().unwrap());
        }
        let client = app.client.clone();
        let url = format!("{}/api/billing/sync", app.url);
        async move {
            let mut request = client.post(url).json(&json!({}));
            for (k, v) in headers.iter() {
                request = request.header(k, v);
            }
            request.send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(cookie_only(Some("http://evil.example")).await, 403);
    let res = app.client.post(format!("{}/api/billing/sync", app.url)).header("sec-fetch-site", "cross-site").json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("CrossSite"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sync_runs").await, 0, "nothing ran");
    assert_eq!(cookie_only(None).await, 200, "our own Origin (the client's default) is accepted");
}

#[tokio::test]
async fn disabling_a_user_or_changing_a_password_ends_their_sessions() {
    let app = spawn_app().await;
    let viewer = client_as(&app, "viewer").await;
    let me = |client: reqwest::Client| {
        let url = format!("{}/api/billing/history", app.url);
        async move { client.post(url).json(&json!({})).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(me(viewer.clone()).await, 200);
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'test-viewer'").fetch_one(&app.state.store.pool).await.unwrap();
    let update = |disabled: bool| {
        let mut form = vec![("id", id.to_string()), ("role", "viewer".to_string())];
        if disabled {
            form.push(("disabled", "on".to_string()));
        }
        app.client.post(format!("{}/api/admin/users/update", app.url)).form(&form).send()
    };
    assert_eq!(update(true).await.unwrap().status(), 200);
    assert_eq!(me(viewer.clone()).await, 401, "a disabled user's session stops at once");
    assert_eq!(sign_in(&app.url, "test-viewer", "viewer-口令-2026").await.err(), Some(401));
    assert_eq!(update(false).await.unwrap().status(), 200);
    let one = sign_in(&app.url, "test-viewer", "viewer-口令-2026").await.unwrap();
    let other = sign_in(&app.url, "test-viewer", "viewer-口令-2026").await.unwrap();
    let res = one
        .post(format!("{}/api/auth/password", app.url))
        .form(&[("current", "viewer-口令-2026"), ("new", "换了的口令-2026"), ("confirm", "换了的口令-2026")])
        .send()
        .await
        .unwrap();
    assert!(res.status().as_u16() < 400, "{:?}", res.text().await);
    assert_eq!(me(other).await, 401, "the other session ended");
    assert_eq!(sign_in(&app.url, "test-viewer", "viewer-口令-2026").await.err(), Some(401));
    assert!(sign_in(&app.url, "test-viewer", "换了的口令-2026").await.is_ok());

    // The last enabled admin stays one.
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'").fetch_one(&app.state.store.pool).await.unwrap();
    let res = app.client.post(format!("{}/api/admin/users/update", app.url)).form(&[("id", admin_id.to_string()), ("role", "viewer".into())]).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(&app.state.store.pool).await.unwrap();
    for a in ["user.create", "auth.sign_in", "user.update", "user.change_password"] {
        assert!(actions.iter().any(|x| x == a), "{a} recorded: {actions:?}");
    }
}
