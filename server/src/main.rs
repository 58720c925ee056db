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
    let config = match AppConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if std::env::args().nth(1).as_deref() == Some("sync-billing") {
        return sync_billing(config).await;
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
    let state = AppState::build(config).await?;
    let resumed = app::bundle_image::service::resume(&state).await?;
    if resumed > 0 {
        tracing::info!(resumed, "image jobs picked up after restart");
    }
    app::billing::sync::spawn_schedule(&state);
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
    match app::billing::sync::run_now(&state, app::billing::model::SyncTrigger::Cli).await {
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
