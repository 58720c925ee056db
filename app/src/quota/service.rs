//! `QuotaServices`: what the quota feature's server functions, check and scheduler share — the
//! app store, the billing clients (Volcengine accounts), where alerts go, and the Feishu rate
//! limit. Server only.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::audit::AuditLog;
use crate::billing::sync::BillingServices;
use crate::credentials::{CredentialKind, Credentials};
use crate::feishu::FeishuWebhook;
use crate::store::{AppStore, StoreError};

#[derive(Clone)]
pub struct QuotaServices {
    pub store: AppStore,
    pub billing: BillingServices,
    pub audit: AuditLog,
    credentials: Option<Credentials>,
    /// The environment's webhook (or the simulator's standing in for it).
    env_webhook: Option<FeishuWebhook>,
    env_simulated: bool,
    pub(super) http: reqwest::Client,
    /// This process, as it claims outbox rows and leases.
    pub(super) instance: Arc<str>,
    /// The app's public address, for the cards' button.
    pub(super) page_url: Option<Arc<str>>,
    /// Feishu's per-bot limits: 5 a second and 100 a minute.
    per_second: Arc<DefaultDirectRateLimiter>,
    per_minute: Arc<DefaultDirectRateLimiter>,
    /// One IAM change at a time in this process (a check's and an allocation's).
    pub(super) iam_lock: Arc<tokio::sync::Mutex<()>>,
    /// Whether checks run on the schedule (else only on demand).
    pub(super) scheduled: bool,
}

impl std::fmt::Debug for QuotaServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuotaServices").field("instance", &self.instance).finish_non_exhaustive()
    }
}

/// A webhook as the quota page shows it: the address with its token hidden.
#[derive(Clone, Debug)]
pub struct WebhookInUse {
    pub webhook: FeishuWebhook,
    pub simulated: bool,
}

fn limiter(quota: Quota) -> Arc<DefaultDirectRateLimiter> {
    Arc::new(RateLimiter::direct(quota))
}

const FIVE: NonZeroU32 = NonZeroU32::new(5).expect("5 > 0");
const HUNDRED: NonZeroU32 = NonZeroU32::new(100).expect("100 > 0");

impl QuotaServices {
    pub fn new(store: AppStore, billing: BillingServices, audit: AuditLog, env_webhook: Option<FeishuWebhook>, env_simulated: bool) -> Self {
        QuotaServices {
            store,
            billing,
            audit,
            credentials: None,
            env_webhook,
            env_simulated,
            http: reqwest::Client::builder().user_agent(concat!("suanpan/", env!("CARGO_PKG_VERSION"))).build().unwrap_or_default(),
            instance: format!("pid{}-{:08x}", std::process::id(), rand::random::<u32>()).into(),
            page_url: None,
            per_second: limiter(Quota::per_second(FIVE)),
            per_minute: limiter(Quota::per_minute(HUNDRED)),
            iam_lock: Arc::default(),
            scheduled: false,
        }
    }

    /// The webhook entered on the settings page wins over the environment's.
    pub fn with_stored_webhook(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Another environment webhook (tests: a bot with the wrong secret).
    pub fn with_env_webhook(mut self, webhook: Option<FeishuWebhook>) -> Self {
        self.env_webhook = webhook;
        self
    }

    pub fn with_page_url(mut self, url: Option<&url::Url>) -> Self {
        self.page_url = url.map(|u| u.as_str().into());
        self
    }

    /// Runs checks on the interval stored in the settings, from now on (a task; only once).
    pub fn start_schedule(mut self) -> Self {
        self.scheduled = true;
        super::check::spawn_schedule(self.clone());
        self
    }

    /// Where alerts go now: the stored webhook, else the environment's; read at every delivery.
    pub async fn webhook(&self) -> Result<Option<WebhookInUse>, StoreError> {
        if let Some(credentials) = &self.credentials {
            if let Some(o) = credentials.single(CredentialKind::AlertWebhook).await? {
                if let Some(url) = o.secret("url") {
                    match FeishuWebhook::parse(url.expose(), o.secret("signing_secret").cloned()) {
                        Ok(webhook) => return Ok(Some(WebhookInUse { webhook, simulated: false })),
                        Err(e) => tracing::error!(error = %e, "stored alert webhook is not usable; the environment's is used"),
                    }
                }
            }
        }
        Ok(self.env_webhook.clone().map(|webhook| WebhookInUse { webhook, simulated: self.env_simulated }))
    }

    /// Waits until Feishu's per-bot limits allow one more message.
    pub(super) async fn feishu_slot(&self) {
        self.per_minute.until_ready().await;
        self.per_second.until_ready().await;
    }
}
