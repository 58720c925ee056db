//! Everything the server functions need, built once at start-up. This is the composition root:
//! with the `simulators` feature it starts the local simulators the configuration leaves to
//! them, hands the services their URLs and keys as configuration, and [`AppState::provide`]
//! puts each feature's services into a request's context, where the feature's server functions
//! find them (`context::service`). Features never import this module.

use std::sync::Arc;

use crate::accounts::service::AccountServices;
use crate::audit::AuditLog;
use crate::auth::session::SessionLayer;
use crate::auth::sign_in::SignInServices;
use crate::billing::sync::BillingServices;
use crate::bundle_image::service::ImageServices;
use crate::config::{AiConfig, AppConfig};
use crate::dashscope::DashScopeClient;
use crate::ai_services::AiServices;
use crate::dashscope::DashScopeError;
use crate::insights::service::InsightServices;
use crate::sales::recent::RecentResults;
use crate::sales::service::SalesService;
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
    #[error("first admin from SUANPAN_ADMIN_USER: {0}")]
    Admin(String),
}

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<AppConfig>,
    pub store: AppStore,
    pub ai: AiServices,
    pub sales: SalesService,
    pub insights: InsightServices,
    pub images: ImageServices,
    pub billing: BillingServices,
    pub audit: AuditLog,
    pub sign_in: SignInServices,
    pub accounts: AccountServices,
    /// Sessions in the app store, tied to users (the router wraps every route in it).
    pub sessions: SessionLayer,
    /// The simulators this process started (tests and the benchmark drive them).
    #[cfg(feature = "simulators")]
    pub simulators: crate::simulator::Simulators,
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
        let ai = build_ai_services(&config.ai, &config.data_dir)?;
        let billing = BillingServices::start(config.billing.clone(), store.clone()).map_err(StartupError::Http)?;
        let closed = crate::billing::store::close_abandoned_runs(&store, chrono::Utc::now()).await?;
        if closed > 0 {
            tracing::warn!(closed, "billing sync runs abandoned by a stopped process were closed as failed");
        }
        // Analyses shown in the last minutes, for the insights that describe them.
        let sales = SalesService { warehouse: warehouse.clone(), recent: RecentResults::default(), currency: config.warehouse_currency };
        let insights = InsightServices { sales: sales.clone(), ai: ai.clone(), store: store.clone() };
        let audit = AuditLog { store: store.clone() };
        let sessions = crate::auth::session::layer(&store, &config.access).await?;
        let sign_in = SignInServices {
            store: store.clone(),
            audit: audit.clone(),
            throttle: Default::default(),
            config: config.access.clone(),
        };
        match sign_in.create_admin_from_env().await {
            Ok(Some(name)) => tracing::info!(admin = %name, "created the first admin from SUANPAN_ADMIN_USER"),
            Ok(None) => {}
            Err(e) => return Err(StartupError::Admin(e.message())),
        }
        let accounts = AccountServices { store: store.clone(), audit: audit.clone() };
        let images = ImageServices { warehouse, ai: ai.clone(), store: store.clone() };
        Ok(AppState {
            config: Arc::new(config),
            store,
            ai,
            sales,
            insights,
            images,
            billing,
            audit,
            sign_in,
            accounts,
            sessions,
            #[cfg(feature = "simulators")]
            simulators,
        })
    }

    /// Puts each feature's services into the current (request's) context.
    pub fn provide(&self) {
        use leptos::prelude::provide_context;
        provide_context(self.sales.clone());
        provide_context(self.insights.clone());
        provide_context(self.images.clone());
        provide_context(self.billing.clone());
        provide_context(self.audit.clone());
        provide_context(self.sign_in.clone());
        provide_context(self.accounts.clone());
    }
}

/// A client when a key is configured (`simulator::start_for` may have set the simulator's).
fn build_ai_services(config: &AiConfig, data_dir: &std::path::Path) -> Result<AiServices, DashScopeError> {
    let client = match &config.api_key {
        Some(key) => {
            let mut client = DashScopeClient::new(config.base_url.clone(), key.clone(), config.simulated)?;
            if let Some(poll_start) = config.poll_start {
                client = client.with_retry(crate::dashscope::DashScopeRetryPolicy { poll_start, ..Default::default() });
            }
            Some(client)
        }
        None => None,
    };
    Ok(AiServices {
        client,
        chat_model: config.chat_model.clone(),
        image_model: config.image_model.clone(),
        insight_token_budget: config.insight_token_budget,
        image_timeout: config.image_timeout,
        image_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(2)),
        image_dir: data_dir.join("media").join("bundle-images"),
        limits: crate::limits::CallLimits::new(config.insight_limit, config.image_limit),
    })
}
