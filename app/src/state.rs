//! Everything a server function needs, built once at start-up and handed to the routes through
//! `leptos_routes_with_context`. This is the composition root: with the `simulators` feature it
//! starts the local simulators the configuration leaves to them and hands the services their
//! URLs and keys as configuration.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::billing::sync::BillingServices;
use crate::config::{AiConfig, AppConfig};
use crate::dashscope::{DashScopeClient, DashScopeError};
use crate::insights::model::AiSource;
use crate::limits::CallLimits;
use crate::sales::recent::RecentResults;
use crate::store::{AppStore, StoreError};
use crate::warehouse::{Warehouse, WarehouseError};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("warehouse: {0}")]
    Warehouse(#[from] WarehouseError),
    #[error("app store: {0}")]
    Store(#[from] StoreError),
    #[error("DashScope client: {0}")]
    DashScope(#[from] DashScopeError),
    #[error("cannot start a simulator: {0}")]
    Simulator(std::io::Error),
    #[error("HTTP client: {0}")]
    Http(std::io::Error),
}

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<AppConfig>,
    pub warehouse: Warehouse,
    pub store: AppStore,
    pub ai: AiServices,
    /// Analyses shown in the last minutes, for the insights that describe them.
    pub recent: RecentResults,
    pub billing: BillingServices,
    /// The simulators this process started (tests and the benchmark drive them).
    #[cfg(feature = "simulators")]
    pub simulators: crate::simulator::Simulators,
}

/// The model services: the client (to the configured DashScope endpoint) and its settings.
#[derive(Clone)]
pub struct AiServices {
    pub source: AiSource,
    pub client: Option<DashScopeClient>,
    pub chat_model: String,
    pub image_model: String,
    pub insight_token_budget: usize,
    pub image_timeout: std::time::Duration,
    /// Wanx allows 2 concurrent tasks per account (docs/providers.md, "DashScope").
    pub image_slots: Arc<Semaphore>,
    /// Where downloaded images are kept: `<data dir>/media/bundle-images`.
    pub image_dir: PathBuf,
    /// How often each client may call the model and generate images.
    pub limits: CallLimits,
}

impl AiServices {
    /// A client when a key is configured (the composition root may have set the simulator's).
    pub async fn start(config: &AiConfig, data_dir: &std::path::Path) -> Result<Self, StartupError> {
        let (source, client) = match &config.api_key {
            Some(key) => {
                let mut client = DashScopeClient::new(config.base_url.clone(), key.clone(), config.simulated)?;
                if let Some(poll_start) = config.poll_start {
                    client = client.with_retry(crate::dashscope::DashScopeRetryPolicy { poll_start, ..Default::default() });
                }
                let source = if config.simulated { AiSource::Simulator } else { AiSource::DashScope };
                (source, Some(client))
            }
            None => (AiSource::NotConfigured, None),
        };
        Ok(AiServices {
            source,
            client,
            chat_model: config.chat_model.clone(),
            image_model: config.image_model.clone(),
            insight_token_budget: config.insight_token_budget,
            image_timeout: config.image_timeout,
            image_slots: Arc::new(Semaphore::new(2)),
            image_dir: data_dir.join("media").join("bundle-images"),
            limits: CallLimits::new(config.insight_limit, config.image_limit),
        })
    }
}

/// The state of the request being served: every server function starts here. It is put in the
/// request's context by `leptos_routes_with_context`.
pub fn current() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::Transport("application state missing".into()))
}

impl AppState {
    pub async fn build(config: AppConfig) -> Result<Self, StartupError> {
        let warehouse = Warehouse::open(&config.warehouse).await?;
        Self::with_warehouse(config, warehouse).await
    }

    /// The state over an already open warehouse (tests and benchmarks bring their own).
    #[cfg_attr(not(feature = "simulators"), allow(unused_mut))]
    pub async fn with_warehouse(mut config: AppConfig, warehouse: Warehouse) -> Result<Self, StartupError> {
        #[cfg(feature = "simulators")]
        let simulators = crate::simulator::start_for(&mut config).await.map_err(StartupError::Simulator)?;
        let store = AppStore::open(&config.data_dir).await?;
        let ai = AiServices::start(&config.ai, &config.data_dir).await?;
        let billing = BillingServices::start(config.billing.clone()).map_err(StartupError::Http)?;
        let closed = crate::billing::store::close_abandoned_runs(&store, chrono::Utc::now()).await?;
        if closed > 0 {
            tracing::warn!(closed, "billing sync runs abandoned by a stopped process were closed as failed");
        }
        Ok(AppState {
            config: Arc::new(config),
            warehouse,
            store,
            ai,
            recent: RecentResults::default(),
            billing,
            #[cfg(feature = "simulators")]
            simulators,
        })
    }
}
