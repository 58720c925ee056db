//! Credentials entered on the settings page, end to end without the router: saved through the
//! settings service over a real app store, they are nowhere in the data folder in the clear, never
//! in what the page is sent, open again after a restart (the key file), move to a new key with a
//! rotation, and take effect at once: the next billing sync pulls a stored account from the cloud
//! simulator, the next model call uses a stored DashScope key.
#![cfg(feature = "simulators")]

use std::path::Path;

use app::auth::{Actor, Caller, Role};
use app::billing::model::{AccountSyncState, Provider, SyncTrigger};
use app::config::AppConfig;
use app::credentials::{reencrypt_all, CredentialKind, Credentials};
use app::secret::Secret;
use app::settings::model::{CredentialForm, SecretInput, TestTarget};
use app::state::AppState;
use app::vault::{Vault, VaultError, KEY_FILE};
use app::warehouse::sqlite::SqliteWarehouse;
use app::simulator::cloud::{CloudSim, CloudSimSettings};
use app::warehouse::Warehouse;

fn admin() -> Caller {
    Caller { actor: Actor::User { id: 1, username: "admin".into() }, role: Role::Admin, address: None }
}

/// The app on `dir` (a second call is a restart on the same folder).
async fn state_in(dir: &Path, env: &[(&str, &str)]) -> AppState {
    let warehouse = dir.join("warehouse");
    let fresh = !warehouse.exists();
    let w = SqliteWarehouse::open(&warehouse).await.unwrap();
    if fresh {
        sqlx::raw_sql(include_str!("fixtures/tiny_warehouse.sql")).execute(w.pool()).await.unwrap();
    }
    let mut vars: Vec<(String, String)> = [
        ("SUANPAN_CLOUD_SIM_LATENCY_MS", "0"),
        ("SUANPAN_BILLING_SYNC_INTERVAL_MIN", "0"),
        ("SUANPAN_BILLING_HISTORY_MONTHS", "1"),
        ("SUANPAN_SIM_FIRST_TOKEN_MS", "5"),
        ("SUANPAN_SIM_TOKEN_MS", "2"),
    ]
    .iter()
    .chain(env)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    vars.push(("SUANPAN_DATA_DIR".into(), dir.display().to_string()));
    let config = AppConfig::from_lookup(|n| vars.iter().rev().find(|(k, _)| k == n).map(|(_, v)| v.clone())).unwrap();
    AppState::with_warehouse(config, Warehouse::Sqlite(w)).await.unwrap()
}

fn secret(field: &str, value: &str) -> SecretInput {
    SecretInput { field: field.into(), value: value.into(), clear: false }
}

fn form(kind: CredentialKind, secrets: Vec<SecretInput>) -> CredentialForm {
    CredentialForm {
        id: None,
        kind,
        provider: String::new(),
        name: String::new(),
        display_name: String::new(),
        access_key_id: String::new(),
        endpoint: String::new(),
        region: String::new(),
        secrets,
    }
}

/// A cloud simulator of this test's own: the app's demo accounts stay off, so only the stored
/// account uses its keys (two clients on one key would share, and exceed, its rate limit).
async fn cloud_sim() -> CloudSim {
    app::simulator::cloud::spawn(CloudSimSettings::fast(7)).await.unwrap()
}

/// A cloud account using the simulator's Alibaba account's key under a name of our own.
fn stored_aliyun(sim: &CloudSim, name: &str, secret_value: &str) -> CredentialForm {
    let account = sim.accounts.iter().find(|a| a.provider == Provider::Aliyun).unwrap();
    let mut f = form(CredentialKind::CloudAccount, vec![secret("secret", secret_value)]);
    f.provider = "aliyun".into();
    f.name = name.into();
    f.display_name = "阿里云 设置页账号".into();
    f.access_key_id = account.access_key_id.clone();
    f.endpoint = format!("{}/", sim.base_url(Provider::Aliyun).unwrap());
    f
}

fn sim_aliyun_secret(sim: &CloudSim) -> Secret {
    sim.accounts.iter().find(|a| a.provider == Provider::Aliyun).unwrap().secret.clone()
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&path).unwrap();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path.display().to_string());
            }
        }
    }
    assert!(files >= 3, "the scan saw the store, its WAL and the key file ({files} files)");
    found
}

#[tokio::test]
async fn saved_secrets_are_nowhere_in_the_data_folder_nor_in_the_listing() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_in(dir.path(), &[("SUANPAN_CLOUD_SIMULATOR", "off")]).await;
    let sim = cloud_sim().await;
    let s = &state.settings;
    let marker = format!("{:032x}", rand_marker());
    let secrets = [
        format!("ds-key-{marker}"),
        format!("https://open.feishu.cn/open-apis/bot/v2/hook/hook-token-{marker}"),
        format!("sign-secret-{marker}"),
        format!("mssql://sa:Pass-{marker}@127.0.0.1:1/WideWorldImporters"),
    ];
    let aliyun = sim_aliyun_secret(&sim);
    s.save(&admin(), stored_aliyun(&sim, "stored-aliyun", aliyun.expose())).await.unwrap();
    s.save(&admin(), form(CredentialKind::DashScope, vec![secret("api_key", &secrets[0])])).await.unwrap();
    s.save(&admin(), form(CredentialKind::AlertWebhook, vec![secret("url", &secrets[1]), secret("signing_secret", &secrets[2])])).await.unwrap();
    let sql = s.save(&admin(), form(CredentialKind::SqlServer, vec![secret("connection", &secrets[3])])).await.unwrap();
    assert_eq!(sql.endpoint.as_deref(), Some("127.0.0.1:1/WideWorldImporters"), "only the address is kept in the clear");
    // An edit that leaves the replace field empty keeps the stored secret.
    let mut edit = form(CredentialKind::SqlServer, vec![secret("connection", "")]);
    edit.id = Some(sql.id);
    let kept = s.save(&admin(), edit).await.unwrap();
    assert!(kept.secrets.iter().all(|st| st.set && !st.unreadable));
    assert_eq!(state.settings.credentials.single(CredentialKind::SqlServer).await.unwrap().unwrap().secret("connection").unwrap().expose(), secrets[3]);

    // What the page is sent: every entry, secrets as "set" only.
    let view = serde_json::to_string(&s.overview().await.unwrap()).unwrap();
    for v in secrets.iter().map(String::as_str).chain([aliyun.expose(), marker.as_str()]) {
        assert!(!view.contains(v), "the listing carries a secret: {view}");
    }
    assert!(view.contains("\"set\":true") && view.contains("stored-aliyun"), "{view}");

    // The audit log names the changed fields, never a value.
    let audit: Vec<(String, Option<String>)> = sqlx::query_as("SELECT action, after_json FROM audit_log ORDER BY id").fetch_all(&state.store.pool).await.unwrap();
    assert_eq!(audit.iter().filter(|(a, _)| a == "credential.create").count(), 4, "{audit:?}");
    assert_eq!(audit.last().unwrap(), &("credential.update".to_string(), Some(r#"{"changed":[]}"#.to_string())));
    assert!(audit.iter().any(|(_, after)| after.as_deref().is_some_and(|a| a.contains("signing_secret"))));
    let audit_text = format!("{audit:?}");
    assert!(!audit_text.contains(&marker) && !audit_text.contains(aliyun.expose()));

    // Not in the store, its WAL, the key file or anything else under the data folder.
    for v in secrets.iter().map(String::as_str).chain([aliyun.expose(), marker.as_str()]) {
        let found = files_containing(dir.path(), v.as_bytes());
        assert!(found.is_empty(), "a secret in the clear in {found:?}");
    }

    // The key file: owner-only, and reused by the next start, which opens what this one sealed.
    let key_file = dir.path().join(KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let key_before = std::fs::read(&key_file).unwrap();
    drop(state);
    let again = state_in(dir.path(), &[("SUANPAN_CLOUD_SIMULATOR", "off")]).await;
    assert_eq!(std::fs::read(&key_file).unwrap(), key_before);
    let webhook = again.settings.credentials.single(CredentialKind::AlertWebhook).await.unwrap().unwrap();
    assert_eq!(webhook.secret("signing_secret").unwrap().expose(), secrets[2]);
}

fn rand_marker() -> u128 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    t ^ (u128::from(std::process::id()) << 64)
}

#[tokio::test]
async fn a_rotation_reencrypts_and_only_the_new_key_opens() {
    let dir = tempfile::tempdir().unwrap();
    let store = app::store::AppStore::open(dir.path()).await.unwrap();
    let old = Vault::derive(&Secret::new("q3VZ8d0cJtX1r9mYbE2kLh7uPw5sNf4A"));
    let new = Vault::derive(&Secret::new("Zx8Wq2Lm5Nb7Vc1Kj4Hg6Fd9Sa3Pt0Ry"));
    let before = Credentials::new(store.clone(), old.clone());
    let draft = |kind, field: &'static str, value: &str| app::credentials::Draft {
        kind,
        provider: String::new(),
        name: "default".into(),
        display_name: String::new(),
        access_key_id: String::new(),
        endpoint: None,
        region: None,
        secrets: vec![(field, app::credentials::SecretChange::Set(Secret::new(value)))],
    };
    let a = before.save(None, draft(CredentialKind::DashScope, "api_key", "sk-one"), "admin").await.unwrap();
    let b = before.save(None, draft(CredentialKind::SqlServer, "connection", "mssql://sa:two@h/db"), "admin").await.unwrap();
    let sealed_before: Vec<Vec<u8>> = sqlx::query_scalar("SELECT ciphertext FROM credential_secrets ORDER BY credential_id").fetch_all(&store.pool).await.unwrap();

    assert_eq!(reencrypt_all(&store, &old, &new).await.unwrap(), 2);

    let after = Credentials::new(store.clone(), new.clone());
    assert_eq!(after.secret(a.id, "api_key").await.unwrap().unwrap().expose(), "sk-one");
    assert_eq!(after.secret(b.id, "connection").await.unwrap().unwrap().expose(), "mssql://sa:two@h/db");
    assert_eq!(Credentials::stored_key_ids(&store).await.unwrap(), vec![new.key_id().to_string()]);
    let sealed_after: Vec<Vec<u8>> = sqlx::query_scalar("SELECT ciphertext FROM credential_secrets ORDER BY credential_id").fetch_all(&store.pool).await.unwrap();
    assert_ne!(sealed_before, sealed_after);
    // The old key opens nothing any more.
    match before.secret(a.id, "api_key").await {
        Err(app::credentials::CredentialError::Sealed { source: VaultError::OtherKey { .. }, .. }) => {}
        other => panic!("{other:?}"),
    }
    // A rotation from a key that did not seal them changes nothing.
    let stranger = Vault::derive(&Secret::new("Mn3Bv5Cx7Zl9Kj2Hg4Fd6Sa8Qw0Er1Ty"));
    assert!(reencrypt_all(&store, &stranger, &old).await.is_err());
    assert_eq!(after.secret(a.id, "api_key").await.unwrap().unwrap().expose(), "sk-one");
}

#[tokio::test]
async fn the_next_sync_pulls_a_stored_account_and_its_test_shows_the_balance() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_in(dir.path(), &[("SUANPAN_AI_SIMULATOR", "off"), ("SUANPAN_CLOUD_SIMULATOR", "off")]).await;
    assert!(state.billing.clients().await.unwrap().is_empty(), "no configured account");
    let sim = cloud_sim().await;
    let aliyun = sim_aliyun_secret(&sim);
    let saved = state.settings.save(&admin(), stored_aliyun(&sim, "stored-aliyun", aliyun.expose())).await.unwrap();

    let ok = state.settings.test(&admin(), TestTarget::Stored { id: saved.id }).await.unwrap();
    assert!(ok.ok && ok.answer.contains("余额"), "{ok:?}");

    let run = app::billing::sync::run_now(&state.billing, SyncTrigger::Cli).await.unwrap();
    let stored = run.accounts.iter().find(|a| a.account == "stored-aliyun").expect("the stored account was synced");
    assert_eq!(stored.state, AccountSyncState::Ok, "{stored:?}");
    assert!(stored.lines > 0 && !stored.simulated);
    let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bill_lines WHERE account = 'stored-aliyun'").fetch_one(&state.store.pool).await.unwrap();
    assert!(lines > 0);

    // A wrong secret: the test shows the provider's refusal; the sync reports the account failed.
    let mut wrong = stored_aliyun(&sim, "stored-aliyun", "not-the-secret");
    wrong.id = Some(saved.id);
    state.settings.save(&admin(), wrong).await.unwrap();
    let refused = state.settings.test(&admin(), TestTarget::Stored { id: saved.id }).await.unwrap();
    assert!(!refused.ok && refused.answer.contains("Signature"), "{refused:?}");
    assert!(!refused.answer.contains("not-the-secret"));

    // Deleted: the next sync no longer has it.
    state.settings.delete(&admin(), saved.id).await.unwrap();
    assert!(!state.billing.clients().await.unwrap().iter().any(|c| c.account().name == "stored-aliyun"));
    let tests: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'credential.test'").fetch_one(&state.store.pool).await.unwrap();
    assert_eq!(tests, 2);
}

#[tokio::test]
async fn a_stored_dashscope_key_replaces_the_environments_for_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_in(dir.path(), &[("SUANPAN_CLOUD_SIMULATOR", "off")]).await;
    let env_client = state.ai.client().expect("the simulator's client");
    assert!(env_client.simulated);
    let sim_key = state.config.ai.api_key.clone().unwrap();
    let mut f = form(CredentialKind::DashScope, vec![secret("api_key", sim_key.expose())]);
    f.endpoint = env_client.base().to_string();
    let saved = state.settings.save(&admin(), f).await.unwrap();
    let now = state.ai.client().unwrap();
    assert!(!now.simulated, "the stored key's client is in use");
    assert_eq!(now.list_models().await.unwrap().first().map(String::as_str), Some("qwen-max"));
    let ok = state.settings.test(&admin(), TestTarget::Stored { id: saved.id }).await.unwrap();
    assert!(ok.ok && ok.answer.contains("qwen-max"), "{ok:?}");

    let mut wrong = form(CredentialKind::DashScope, vec![secret("api_key", "sk-wrong")]);
    wrong.id = Some(saved.id);
    wrong.endpoint = env_client.base().to_string();
    state.settings.save(&admin(), wrong).await.unwrap();
    let refused = state.settings.test(&admin(), TestTarget::Stored { id: saved.id }).await.unwrap();
    assert!(!refused.ok && refused.answer.contains("invalid_api_key"), "{refused:?}");

    state.settings.delete(&admin(), saved.id).await.unwrap();
    assert!(state.ai.client().unwrap().simulated, "the environment's client is back");
    let env = state.settings.test(&admin(), TestTarget::Environment { kind: CredentialKind::DashScope, provider: String::new(), name: "default".into() }).await.unwrap();
    assert!(env.ok, "{env:?}");
}

#[tokio::test]
async fn a_stored_webhook_gets_a_signed_test_card() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_in(dir.path(), &[("SUANPAN_CLOUD_SIMULATOR", "off"), ("SUANPAN_AI_SIMULATOR", "off")]).await;
    let sim = state.simulators.feishu.as_ref().expect("the Feishu simulator serves the demo");
    let signing = sim.secret().expect("the demo bot signs").clone();
    let f = form(CredentialKind::AlertWebhook, vec![secret("url", &sim.webhook_url()), secret("signing_secret", signing.expose())]);
    let saved = state.settings.save(&admin(), f).await.unwrap();
    assert_eq!(saved.endpoint, Some(format!("http://{}/open-apis/bot/v2/hook/***", sim.addr)), "the token is not kept in the clear");

    let before = sim.control.received().len();
    let ok = state.settings.test(&admin(), TestTarget::Stored { id: saved.id }).await.unwrap();
    assert!(ok.ok && ok.answer.contains("code 0"), "{ok:?}");
    assert_eq!(sim.control.received().len(), before + 1, "one card arrived");

    // Another signing secret (the URL kept): Feishu refuses the signature, and says so.
    let mut wrong = form(CredentialKind::AlertWebhook, vec![secret("url", ""), secret("signing_secret", "not-the-secret")]);
    wrong.id = Some(saved.id);
    state.settings.save(&admin(), wrong).await.unwrap();
    let refused = state.settings.test(&admin(), TestTarget::Stored { id: saved.id }).await.unwrap();
    assert!(!refused.ok && refused.answer.contains("19021"), "{refused:?}");
    assert!(!refused.answer.contains("not-the-secret") && !refused.answer.contains(&sim.webhook_url()));
    assert_eq!(sim.control.received().len(), before + 1);

    // The environment's (here the simulator's) webhook is listed and testable too.
    let view = state.settings.overview().await.unwrap();
    let env = view.env.iter().find(|e| e.kind == CredentialKind::AlertWebhook).unwrap();
    assert!(env.simulated && env.replaced && env.detail.ends_with("/***"), "{env:?}");
    let target = TestTarget::Environment { kind: CredentialKind::AlertWebhook, provider: String::new(), name: "default".into() };
    assert!(state.settings.test(&admin(), target).await.unwrap().ok);
}
