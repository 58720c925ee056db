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
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let app = suanpan::router(options, state);
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
