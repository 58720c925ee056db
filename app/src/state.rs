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
use crate::credentials::{CredentialKind, Credentials};
use crate::settings::service::{EnvSettings, SettingsServices};
use crate::store::{AppStore, StoreError};
use crate::warehouse::{Warehouse, WarehouseConfig, WarehouseError};

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
    /// No usable secret key (the production rule), or the key file could not be read or written.
    #[error("{0}")]
    Key(#[from] crate::vault::KeyError),
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
    pub settings: SettingsServices,
    pub quota: crate::quota::QuotaServices,
    /// The simulators this process started (tests and the benchmark drive them).
    #[cfg(feature = "simulators")]
    pub simulators: crate::simulator::Simulators,
}

impl AppState {
    /// Opens the store and the secret key first (beyond localhost without a strong key this
    /// refuses to start, before anything else happens), then the warehouse: a SQL Server
    /// connection saved on the settings page replaces `SUANPAN_WAREHOUSE_URL`'s.
    pub async fn build(mut config: AppConfig) -> Result<Self, StartupError> {
        let store = AppStore::open(&config.data_dir).await?;
        let credentials = open_credentials(&config, &store).await?;
        let env_warehouse = config.warehouse.clone();
        if let Some(stored) = stored_warehouse(&credentials, &config.data_dir).await? {
            config.warehouse = stored;
        }
        let warehouse = Warehouse::open(&config.warehouse).await?;
        Self::assemble(config, env_warehouse, warehouse, store, credentials).await
    }

    /// The state over an already open warehouse (tests and benchmarks bring their own).
    pub async fn with_warehouse(config: AppConfig, warehouse: Warehouse) -> Result<Self, StartupError> {
        let store = AppStore::open(&config.data_dir).await?;
        let credentials = open_credentials(&config, &store).await?;
        let env_warehouse = config.warehouse.clone();
        Self::assemble(config, env_warehouse, warehouse, store, credentials).await
    }

    #[cfg_attr(not(feature = "simulators"), allow(unused_mut))]
    async fn assemble(
        mut config: AppConfig,
        env_warehouse: WarehouseConfig,
        warehouse: Warehouse,
        store: AppStore,
        credentials: Credentials,
    ) -> Result<Self, StartupError> {
        #[cfg(feature = "simulators")]
        let simulators = crate::simulator::start_for(&mut config).await.map_err(StartupError::Simulator)?;
        let ai = build_ai_services(&config.ai, &config.data_dir)?;
        let billing = BillingServices::start(config.billing.clone(), store.clone())
            .map_err(StartupError::Http)?
            .with_stored_accounts(credentials.clone());
        let closed = crate::billing::store::close_abandoned_runs(&store, chrono::Utc::now()).await?;
        if closed > 0 {
            tracing::warn!(closed, "billing sync runs abandoned by a stopped process were closed as failed");
        }
        let audit = AuditLog { store: store.clone() };
        let quota = crate::quota::QuotaServices::new(store.clone(), billing.clone(), audit.clone(), config.alerts.webhook.clone(), config.alerts.simulated)
            .with_stored_webhook(credentials.clone())
            .with_page_url(config.access.public_url.as_ref());
        let settings = SettingsServices {
            credentials,
            audit: audit.clone(),
            ai: ai.clone(),
            env: Arc::new(EnvSettings {
                accounts: config.billing.accounts.clone(),
                dashscope: ai.client(),
                webhook: config.alerts.webhook.clone(),
                webhook_simulated: config.alerts.simulated,
                warehouse: match env_warehouse {
                    WarehouseConfig::MsSql(s) => Some(s),
                    WarehouseConfig::Embedded { .. } => None,
                },
                warehouse_in_use: match &config.warehouse {
                    WarehouseConfig::MsSql(s) => format!("SQL Server（{}）", crate::settings::service::sql_server_label(s)),
                    WarehouseConfig::Embedded { .. } => warehouse.source_label(),
                },
            }),
            http: reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .timeout(std::time::Duration::from_secs(30))
                .user_agent(concat!("suanpan/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| StartupError::Http(std::io::Error::other(e.to_string())))?,
        };
        // A DashScope key saved on the settings page replaces the environment's from the start.
        if let Err(e) = settings.apply_dashscope().await {
            tracing::error!(error = %e, "stored DashScope settings not applied; the environment's are used");
        }
        // Analyses shown in the last minutes, for the insights that describe them.
        let sales = SalesService { warehouse: warehouse.clone(), recent: RecentResults::default(), currency: config.warehouse_currency };
        let insights = InsightServices { sales: sales.clone(), ai: ai.clone(), store: store.clone() };
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
        #[cfg(feature = "simulators")]
        if simulators.cloud.is_some() && config.alerts.scheduled_checks {
            seed_quota_demo(&quota).await;
        }
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
            settings,
            quota,
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
        provide_context(self.settings.clone());
        provide_context(self.quota.clone());
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
        client_slot: Arc::new(std::sync::RwLock::new(client)),
        chat_model: config.chat_model.clone(),
        image_model: config.image_model.clone(),
        insight_token_budget: config.insight_token_budget,
        image_timeout: config.image_timeout,
        image_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(2)),
        image_dir: data_dir.join("media").join("bundle-images"),
        limits: crate::limits::CallLimits::new(config.insight_limit, config.image_limit),
    })
}

/// The stored credentials under the key this start may use (`vault::load_key`: the environment's
/// key, or on localhost the key file). Values sealed under another key are reported: they stay
/// unreadable until that key is set again or `suanpan rotate-key` is run with it.
async fn open_credentials(config: &AppConfig, store: &AppStore) -> Result<Credentials, StartupError> {
    let stored = Credentials::stored_key_ids(store).await?;
    let (vault, _) = crate::vault::load_key(config.addr, &config.data_dir, config.secret_key.as_ref(), &stored)?;
    let other: Vec<&String> = stored.iter().filter(|id| id.as_str() != vault.key_id()).collect();
    if !other.is_empty() {
        tracing::error!(current = vault.key_id(), sealed_under = ?other, "some stored secrets were sealed under another key and cannot be opened: start with that key, or rotate from it with `suanpan rotate-key`");
    }
    Ok(Credentials::new(store.clone(), vault))
}

/// The SQL Server connection saved on the settings page, if there is a usable one.
async fn stored_warehouse(credentials: &Credentials, data_dir: &std::path::Path) -> Result<Option<WarehouseConfig>, StartupError> {
    let Some(entry) = credentials.single(CredentialKind::SqlServer).await? else { return Ok(None) };
    let Some(connection) = entry.secret("connection") else { return Ok(None) };
    match WarehouseConfig::parse(Some(connection.expose()), data_dir, 1, 0) {
        Ok(w @ WarehouseConfig::MsSql(_)) => {
            tracing::info!("the SQL Server connection saved on the settings page is used (it replaces SUANPAN_WAREHOUSE_URL)");
            Ok(Some(w))
        }
        _ => {
            tracing::error!("the SQL Server connection saved on the settings page is not usable; SUANPAN_WAREHOUSE_URL's warehouse is used");
            Ok(None)
        }
    }
}

/// The demo's quota story, once per store, when the cloud simulator serves the demo accounts and
/// checks run on their schedule (tests turn it off and bring their own): its IAM users under quota
/// control. `rd-team` spends on `ark-rd` from start-up (10 CNY an hour; a
/// minute at `SUANPAN_SIM_SPEEDUP=60`, `make run`'s default), so its ¥100 crosses 50, 80 and 100 %
/// within minutes; the check runs every two minutes here.
#[cfg(feature = "simulators")]
async fn seed_quota_demo(quota: &crate::quota::QuotaServices) {
    use crate::quota::{ledger, store};
    const DEMO: [(&str, &str, &str, i64); 3] = [
        ("rd-team", "研发团队", "ark-rd", 100),
        ("cs-bot", "智能客服机器人", "ark-customer-service", 5000),
        ("marketing-app", "营销文案应用", "ark-marketing", 3000),
    ];
    let seeded = async {
        let mut conn = quota.store.pool.acquire().await?;
        if !store::sub_accounts(&mut conn).await?.is_empty() {
            return Ok::<_, crate::store::StoreError>(false);
        }
        drop(conn);
        let actor = crate::audit::AuditActor::system("demo");
        for (user, name, project, amount) in DEMO {
            let new = store::NewSubAccount { account: "volc-ark".into(), user_name: user.into(), display_name: name.into(), project: project.into(), steps: None, auto_disable: true };
            let Some(id) = store::register(&quota.store, &new, "demo").await? else { continue };
            let a = ledger::Allocation { sub_account_id: id, amount: rust_decimal::Decimal::from(amount), reason: "演示数据：初始额度".into(), request_key: None };
            if let Err(e) = ledger::allocate(&quota.store, &a, &actor, chrono::Utc::now(), Default::default()).await {
                tracing::warn!(error = %e, user, "demo allocation not made");
            }
        }
        store::save_settings(&quota.store, 120, &crate::quota::steps::Steps::default_steps(), "demo").await?;
        Ok(true)
    };
    match seeded.await {
        Ok(true) => tracing::info!("quota demo: three simulated sub-accounts under quota control, checked every 2 minutes"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "quota demo not seeded"),
    }
}
