#![recursion_limit = "256"]
//! The Suanpan server: configuration, state, routes, serve. Everything else lives in `app`.

use std::process::ExitCode;

use app::config::AppConfig;
use app::state::AppState;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("simulators") {
        #[cfg(feature = "simulators")]
        return simulators(&args[2..]).await;
        #[cfg(not(feature = "simulators"))]
        {
            eprintln!("suanpan: this build has no simulators (built without the `simulators` feature)");
            return ExitCode::from(2);
        }
    }
    let config = match AppConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    match args.get(1).map(String::as_str) {
        Some("sync-billing") => return sync_billing(config).await,
        Some("rotate-key") => return rotate_key(config).await,
        _ => {}
    }
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("suanpan: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: AppConfig) -> Result<(), Box<dyn std::error::Error>> {
    let addr = config.addr;
    let site_root = std::env::var("SUANPAN_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let options = suanpan::leptos_options(addr, &site_root);
    let mut state = AppState::build(config).await?;
    let resumed = app::bundle_image::service::resume(&state.images).await?;
    if resumed > 0 {
        tracing::info!(resumed, "image jobs picked up after restart");
    }
    app::billing::sync::spawn_schedule(&state.billing);
    if state.config.alerts.scheduled_checks {
        state.quota = state.quota.clone().start_schedule();
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let app = suanpan::router(options, state);
    tracing::info!("listening on http://{}", listener.local_addr()?);
    suanpan::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}

/// `suanpan sync-billing`: one sync of every configured account, a line per account, exit 1 when
/// any failed.
async fn sync_billing(config: AppConfig) -> ExitCode {
    let state = match AppState::build(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("suanpan: {e}");
            return ExitCode::FAILURE;
        }
    };
    match app::billing::sync::run_now(&state.billing, app::billing::model::SyncTrigger::Cli).await {
        Ok(run) => {
            if run.joined.is_some() {
                println!("another process was already syncing (run #{}, started by {}); waited for it instead of starting a second sync", run.id, run.trigger);
            }
            for a in &run.accounts {
                let mut detail = match (&a.error_code, &a.error_message) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    _ => format!("{} lines", a.lines),
                };
                for f in &a.failures {
                    detail.push_str(&format!("\n{:<44}{}: {} {}", "", f.scope.label(), f.error_code, f.error_message));
                }
                println!("{:<11} {:<16} {:<15} {detail}", a.provider.slug(), a.account, a.state.as_str());
            }
            println!("run #{}: {}", run.id, run.state.as_str());
            if run.state == app::billing::model::RunState::Ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("suanpan: {}", e.message());
            ExitCode::FAILURE
        }
    }
}

/// `suanpan rotate-key`: re-encrypts every stored secret from the current key to a new one in one
/// transaction. From `SUANPAN_SECRET_KEY` (or, without it, the key file) to
/// `SUANPAN_NEW_SECRET_KEY` (or, from the key file, a newly generated key file). Run it with the
/// server stopped: a running server keeps the old key until restarted.
async fn rotate_key(config: AppConfig) -> ExitCode {
    use app::vault::rotation::{self, NEW_KEY_VAR};
    let new_key = std::env::var(NEW_KEY_VAR).ok().filter(|k| !k.trim().is_empty()).map(|k| app::secret::Secret::new(k.trim()));
    let store = match app::store::AppStore::open(&config.data_dir).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("suanpan: {e}");
            return ExitCode::FAILURE;
        }
    };
    let plan = match rotation::plan(&config.data_dir, config.secret_key.as_ref(), new_key.as_ref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("suanpan rotate-key: {e}");
            return ExitCode::from(2);
        }
    };
    let (from, to) = (plan.from.key_id().to_string(), plan.to.key_id().to_string());
    match app::credentials::reencrypt_all(&store, &plan.from, &plan.to).await {
        Ok(n) => match plan.finish() {
            Ok(next) => {
                println!("re-encrypted {n} stored secrets from key {from} to key {to}; {next}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("suanpan rotate-key: the secrets are re-encrypted under key {to}, but: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            plan.abandon();
            eprintln!("suanpan rotate-key: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "simulators")]
/// `suanpan simulators [--ports-file F] [--seed N]`: the cloud billing and DashScope simulators on
/// free localhost ports, for tools outside this binary (the conformance suite drives the
/// providers' official SDKs against them). Writes provider → base URL and the demo accounts'
/// keys as JSON to F (or stdout), then serves until interrupted or terminated.
async fn simulators(args: &[String]) -> ExitCode {
    const USAGE: &str = "usage: suanpan simulators [--ports-file FILE] [--seed N]";
    let mut ports_file = None;
    let mut seed: u64 = 20_261_125;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match (arg.as_str(), rest.next()) {
            ("--ports-file", Some(path)) => ports_file = Some(std::path::PathBuf::from(path)),
            ("--seed", Some(n)) => match n.parse() {
                Ok(n) => seed = n,
                Err(_) => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match start_simulators(seed).await {
        Ok((description, _running)) => {
            let text = format!("{description:#}\n");
            let written = match &ports_file {
                Some(path) => write_atomically(path, &text),
                None => {
                    print!("{text}");
                    Ok(())
                }
            };
            if let Err(e) = written {
                eprintln!("suanpan: cannot write the ports file: {e}");
                return ExitCode::FAILURE;
            }
            tracing::info!("simulators serving; stop with Ctrl-C or SIGTERM");
            terminated().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("suanpan: cannot start the simulators: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The simulators, kept alive by the returned handles, and their description.
#[cfg(feature = "simulators")]
async fn start_simulators(
    seed: u64,
) -> std::io::Result<(serde_json::Value, (app::simulator::cloud::CloudSim, app::simulator::dashscope::RunningSim))> {
    use app::simulator::{cloud, dashscope};
    use serde_json::json;
    let cloud = cloud::spawn(cloud::CloudSimSettings::fast(seed)).await?;
    // A fresh key per run: the simulator checks it as the service would.
    let api_key = format!("sk-sim{}", app::simulator::uuid_like(false).replace('-', ""));
    let dashscope = dashscope::spawn(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        dashscope::SimSettings::fast(api_key.clone()),
    )
    .await?;
    let mut description = serde_json::Map::new();
    for provider in cloud.endpoints.keys() {
        let accounts: Vec<serde_json::Value> = cloud
            .accounts
            .iter()
            .filter(|a| a.provider == *provider)
            .map(|a| {
                json!({
                    "name": a.name,
                    "provider_account_id": a.provider_account_id,
                    "access_key_id": a.access_key_id,
                    "secret": a.secret.expose(),
                    "region": a.region,
                })
            })
            .collect();
        description.insert(
            provider.slug().to_owned(),
            json!({"base_url": cloud.base_url(*provider), "accounts": accounts}),
        );
    }
    description.insert(
        "dashscope".to_owned(),
        json!({"base_url": dashscope.base_url(), "api_key": api_key}),
    );
    description.insert("today".to_owned(), json!(cloud.ledger.today().to_string()));
    Ok((serde_json::Value::Object(description), (cloud, dashscope)))
}

#[cfg(feature = "simulators")]
/// Written beside, then renamed: a reader polling for the file never sees half of it.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}

/// Ctrl-C or SIGTERM (how scripts stop a background process).
#[cfg(feature = "simulators")]
async fn terminated() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return shutdown().await,
        };
        tokio::select! {
            _ = shutdown() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    shutdown().await;
}
