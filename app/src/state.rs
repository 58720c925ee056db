//! Everything a server function needs, built once at start-up and handed to the routes through
//! `leptos_routes_with_context`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::billing::sync::BillingServices;
use crate::config::{AiConfig, AppConfig};
use crate::dashscope::{DashScopeClient, DashScopeError};
use crate::insights::model::AiSource;
use crate::limits::CallLimits;
use crate::sales::recent::RecentResults;
use crate::secret::Secret;
use crate::simulator::dashscope::{self as sim, SimControl, SimSettings};
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
}

/// The model services: the client (to DashScope or to the local simulator) and its settings.
#[derive(Clone)]
pub struct AiServices {
    pub source: AiSource,
    pub client: Option<DashScopeClient>,
    pub chat_model: String,
    pub image_model: String,
    pub insight_token_budget: usize,
    pub image_timeout: std::time::Duration,
    /// Wanx allows 2 concurrent tasks per account (cloud-api-facts.md §7).
    pub image_slots: Arc<Semaphore>,
    /// Where downloaded images are kept: `<data dir>/media/bundle-images`.
    pub image_dir: PathBuf,
    /// The in-process simulator, when it serves.
    pub simulator: Option<(SocketAddr, SimControl)>,
    /// How often each client may call the model and generate images.
    pub limits: CallLimits,
}

impl AiServices {
    /// Starts the simulator on a free localhost port when no key is configured (and it is on).
    pub async fn start(config: &AiConfig, data_dir: &std::path::Path) -> Result<Self, StartupError> {
        let (source, client, simulator) = match (&config.api_key, config.simulator) {
            (Some(key), _) => {
                let client = DashScopeClient::new(config.base_url.clone(), key.clone(), false)?;
                (AiSource::DashScope, Some(client), None)
            }
            (None, true) => {
                // A fresh random key per process: the simulator checks it like the real service.
                let key = format!("sk-sim-{:032x}", rand::random::<u128>());
                let settings = SimSettings {
                    api_key: key.clone(),
                    first_token_delay: config.sim_first_token,
                    token_delay: config.sim_token,
                    task_step: config.sim_task_step,
                    result_ttl: std::time::Duration::from_secs(24 * 3600),
                };
                let running = sim::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), settings)
                    .await
                    .map_err(StartupError::Simulator)?;
                tracing::info!(addr = %running.addr, "DashScope simulator serving (no DASHSCOPE_API_KEY set)");
                let base = url::Url::parse(&format!("http://{}/", running.addr)).map_err(|e| {
                    StartupError::Simulator(std::io::Error::other(e.to_string()))
                })?;
                // Poll a simulated task at the pace it moves (the SDK's 1 s suits the real one).
                let step = config.sim_task_step;
                let retry = crate::dashscope::DashScopeRetryPolicy {
                    poll_start: (step / 3).clamp(std::time::Duration::from_millis(10), std::time::Duration::from_secs(1)),
                    ..Default::default()
                };
                let client = DashScopeClient::new(base, Secret::new(key), true)?.with_retry(retry);
                (AiSource::Simulator, Some(client), Some((running.addr, running.control)))
            }
            (None, false) => (AiSource::NotConfigured, None, None),
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
            simulator,
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
    pub async fn with_warehouse(config: AppConfig, warehouse: Warehouse) -> Result<Self, StartupError> {
        let store = AppStore::open(&config.data_dir).await?;
        let ai = AiServices::start(&config.ai, &config.data_dir).await?;
        let billing = BillingServices::start(config.billing.clone(), config.cloud_sim_latency, config.cloud_sim_hold_after).await.map_err(StartupError::Simulator)?;
        let closed = crate::billing::store::close_abandoned_runs(&store, chrono::Utc::now()).await?;
        if closed > 0 {
            tracing::warn!(closed, "billing sync runs abandoned by a stopped process were closed as failed");
        }
        Ok(AppState { config: Arc::new(config), warehouse, store, ai, recent: RecentResults::default(), billing })
    }
}
