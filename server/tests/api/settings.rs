//! The settings area through the server: the production rule at start-up (the binary itself
//! refuses to serve beyond localhost without a strong `SUANPAN_SECRET_KEY`), and the settings
//! server functions closed to callers who are not signed in.

use app::config::AppConfig;
use app::state::{AppState, StartupError};
use app::warehouse::sqlite::SqliteWarehouse;
use app::warehouse::Warehouse;

use crate::helpers::{anonymous, spawn_app};

/// The server binary on a data folder with `env`; its exit status and what it printed.
fn run_server(dir: &std::path::Path, env: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_suanpan"));
    cmd.env_remove("SUANPAN_SECRET_KEY")
        .env("SUANPAN_DATA_DIR", dir)
        .env("SUANPAN_AI_SIMULATOR", "off")
        .env("SUANPAN_CLOUD_SIMULATOR", "off")
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn beyond_localhost_without_a_strong_key_the_server_refuses_to_start() {
    for (key, problem) in [(None, "is not set"), (Some("changeme-changeme-changeme-changeme"), "too weak")] {
        let dir = tempfile::tempdir().unwrap();
        let mut env = vec![("SUANPAN_ADDR", "0.0.0.0:0")];
        if let Some(k) = key {
            env.push(("SUANPAN_SECRET_KEY", k));
        }
        let (status, stderr) = run_server(dir.path(), &env);
        assert!(!status.success(), "{stderr}");
        assert!(stderr.contains("refusing to start") && stderr.contains("SUANPAN_SECRET_KEY") && stderr.contains(problem), "{stderr}");
        assert!(!stderr.contains("changeme-changeme"), "the key is never printed: {stderr}");
        assert!(!dir.path().join("secret.key").exists(), "no key file beyond localhost");
        assert!(!dir.path().join("wwi").exists(), "refused before the warehouse was opened");
    }
}

async fn state_on(addr: &str, key: Option<&str>) -> Result<AppState, StartupError> {
    let dir = tempfile::tempdir().unwrap();
    let w = SqliteWarehouse::open(dir.path()).await.unwrap();
    let data = dir.path().display().to_string();
    let vars = [("SUANPAN_DATA_DIR", data.as_str()), ("SUANPAN_ADDR", addr), ("SUANPAN_AI_SIMULATOR", "off"), ("SUANPAN_CLOUD_SIMULATOR", "off")];
    let config = AppConfig::from_lookup(|n| match n {
        "SUANPAN_SECRET_KEY" => key.map(str::to_string),
        _ => vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()),
    })
    .unwrap();
    let built = AppState::with_warehouse(config, Warehouse::Sqlite(w)).await;
    // The folder outlives the check of what was created in it.
    let key_file = dir.path().join("secret.key").exists();
    assert_eq!(key_file, built.is_ok() && key.is_none(), "a key file only on localhost without the variable");
    built
}

#[tokio::test]
async fn the_state_builder_applies_the_production_rule() {
    assert!(matches!(state_on("0.0.0.0:3000", None).await, Err(StartupError::Key(_))));
    assert!(matches!(state_on("[::]:3000", Some("short")).await, Err(StartupError::Key(_))));
    assert!(state_on("0.0.0.0:3000", Some("q3VZ8d0cJtX1r9mYbE2kLh7uPw5sNf4A")).await.is_ok());
    assert!(state_on("127.0.0.1:3000", None).await.is_ok());
    assert!(state_on("127.0.0.1:3000", Some("short")).await.is_ok(), "a weak key is accepted on localhost (with a warning)");
}

#[tokio::test]
async fn the_settings_functions_need_a_signed_in_admin() {
    let app = spawn_app().await;
    for (path, body) in [
        ("settings/list", "{}"),
        ("settings/save", r#"{"form":{"id":null,"kind":"dashscope","secrets":[{"field":"api_key","value":"sk-x"}]}}"#),
        ("settings/delete", r#"{"id":1}"#),
        ("settings/test", r#"{"target":{"Stored":{"id":1}}}"#),
    ] {
        let res = anonymous(&app.url).post(format!("{}/api/{path}", app.url)).header("content-type", "application/json").body(body).send().await.unwrap();
        let (status, text) = (res.status().as_u16(), res.text().await.unwrap());
        assert_eq!(status, 401, "{path}: {text}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credentials").fetch_one(&app.state.store.pool).await.unwrap();
    assert_eq!(stored, 0);
}
