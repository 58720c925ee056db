//! Server configuration from environment variables (the README's table lists each one).

use std::net::SocketAddr;
use std::path::PathBuf;

use std::time::Duration;

use crate::money::Currency;
use crate::limits::RateLimit;
use crate::secret::Secret;
use crate::warehouse::config::DEFAULT_SEED;
use crate::warehouse::{WarehouseConfig, WarehouseError};

#[derive(Clone, Debug)]
pub struct AppConfig {
    /// `SUANPAN_ADDR`, default 127.0.0.1:3000 (localhost only).
    pub addr: SocketAddr,
    /// `SUANPAN_DATA_DIR`, default `./data`: the embedded databases live here.
    pub data_dir: PathBuf,
    /// `SUANPAN_SECRET_KEY`: stored credentials are sealed under a key derived from it. Required
    /// (and strong) when `addr` is not loopback; on localhost without it a key file in `data_dir`
    /// stands in (`vault::keyfile`).
    pub secret_key: Option<Secret>,
    /// `SUANPAN_WAREHOUSE_URL` (+ `SUANPAN_DEMO_SCALE`, `SUANPAN_DEMO_SEED` for the embedded one).
    pub warehouse: WarehouseConfig,
    /// `SUANPAN_WAREHOUSE_CURRENCY`, default USD (WideWorldImporters' currency).
    pub warehouse_currency: Currency,
    pub ai: AiConfig,
    pub billing: crate::billing::accounts::BillingConfig,
    /// Sign-in: the first admin, sessions, the public URL.
    pub access: crate::auth::config::AccessConfig,
    /// `SUANPAN_CLOUD_SIM_LATENCY_MS` (default 30): the cloud simulator's delay per request.
    pub cloud_sim_latency: Duration,
    /// `SUANPAN_CLOUD_SIM_HOLD_AFTER` (tests only): the demo cloud simulator answers this many
    /// requests, then holds every further one, so a test can kill a sync process mid-way.
    pub cloud_sim_hold_after: Option<u64>,
    /// `SUANPAN_SIM_SPEEDUP` (default 1): how many times faster the demo's Volcengine project
    /// spend accrues, so the quota demo crosses its steps in minutes.
    pub cloud_sim_speedup: u32,
    pub alerts: AlertsConfig,
}

/// Where alerts go: a Feishu custom bot. Without one configured (and `SUANPAN_FEISHU_SIMULATOR`
/// on), the composition root may point `webhook` at the local simulator and set `simulated`.
#[derive(Clone, Debug)]
pub struct AlertsConfig {
    /// `SUANPAN_FEISHU_WEBHOOK` (+ `SUANPAN_FEISHU_SECRET` when the bot has signing on).
    pub webhook: Option<crate::feishu::FeishuWebhook>,
    /// `SUANPAN_FEISHU_SIMULATOR`: `on` (default) serves a local webhook when none is set.
    pub simulator: bool,
    /// Never from the environment: true when `webhook` is the local simulator's.
    pub simulated: bool,
    /// `SUANPAN_QUOTA_CHECKS`: `on` (default) runs the quota check on the interval set on the
    /// quota page; `off` only on demand (tests drive every check themselves).
    pub scheduled_checks: bool,
}

/// Model Studio (DashScope): the real service when a key is set; without one, the composition root
/// may point `base_url` and `api_key` at the local simulator and set `simulated`.
#[derive(Clone, Debug)]
pub struct AiConfig {
    /// `DASHSCOPE_API_KEY`: with it, the real service is used.
    pub api_key: Option<Secret>,
    /// `SUANPAN_DASHSCOPE_URL`, default the mainland endpoint; `https://dashscope-intl.aliyuncs.com`
    /// for Singapore.
    pub base_url: url::Url,
    /// `SUANPAN_QWEN_MODEL`, default `qwen-max` (the seed's).
    pub chat_model: String,
    /// `SUANPAN_WANX_MODEL`, default `wanx2.1-t2i-plus` (the seed's).
    pub image_model: String,
    /// `SUANPAN_AI_SIMULATOR`: `on` (default) serves the local simulator when no key is set;
    /// `off` leaves AI unconfigured without a key.
    pub simulator: bool,
    /// `SUANPAN_SIM_FIRST_TOKEN_MS`, `SUANPAN_SIM_TOKEN_MS`, `SUANPAN_SIM_TASK_STEP_MS`: the
    /// simulator's pace (defaults 400, 25, 1500).
    pub sim_first_token: Duration,
    pub sim_token: Duration,
    pub sim_task_step: Duration,
    /// Never from the environment: true when the composition root pointed this configuration at
    /// the local simulator (the UI then labels model output as the simulator's).
    pub simulated: bool,
    /// First wait before polling an image task; `None`: the client's default (the SDK's 1 s).
    /// Set with `simulated`, to poll at the simulator's pace.
    pub poll_start: Option<Duration>,
    /// `SUANPAN_INSIGHT_TOKEN_BUDGET`: tokens of analysis rows in a prompt (default 2000).
    pub insight_token_budget: usize,
    /// `SUANPAN_IMAGE_TIMEOUT_S`: how long an image task may take (default 300).
    pub image_timeout: Duration,
    /// `SUANPAN_INSIGHTS_PER_HOUR` / `SUANPAN_INSIGHT_BURST` (60 / 10): model calls per client.
    pub insight_limit: RateLimit,
    /// `SUANPAN_IMAGES_PER_HOUR` / `SUANPAN_IMAGE_BURST` (20 / 5): image generations per client.
    pub image_limit: RateLimit,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {problem}")]
    Invalid { name: &'static str, problem: String },
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    #[error(transparent)]
    Accounts(#[from] crate::billing::accounts::AccountsError),
}

impl AppConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let invalid = |name: &'static str, problem: &str| ConfigError::Invalid { name, problem: problem.to_string() };
        let addr = match get("SUANPAN_ADDR") {
            Some(a) => a.parse().map_err(|_| invalid("SUANPAN_ADDR", "expected host:port, e.g. 127.0.0.1:3000"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let data_dir = PathBuf::from(get("SUANPAN_DATA_DIR").unwrap_or_else(|| "data".into()));
        let secret_key = get("SUANPAN_SECRET_KEY").filter(|k| !k.trim().is_empty()).map(|k| Secret::new(k.trim()));
        let scale = match get("SUANPAN_DEMO_SCALE") {
            Some(s) => s.parse::<u32>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| invalid("SUANPAN_DEMO_SCALE", "a whole number from 1 to 100"))?,
            None => 1,
        };
        let seed = match get("SUANPAN_DEMO_SEED") {
            Some(s) => s.parse::<u64>().map_err(|_| invalid("SUANPAN_DEMO_SEED", "a whole number"))?,
            None => DEFAULT_SEED,
        };
        let warehouse = WarehouseConfig::parse(get("SUANPAN_WAREHOUSE_URL").as_deref(), &data_dir, scale, seed)?;
        let warehouse_currency = match get("SUANPAN_WAREHOUSE_CURRENCY").as_deref() {
            None | Some("USD") => Currency::Usd,
            Some("CNY") => Currency::Cny,
            Some(_) => return Err(invalid("SUANPAN_WAREHOUSE_CURRENCY", "USD or CNY")),
        };
        let ai = AiConfig::from_lookup(&get)?;
        let billing = crate::billing::accounts::BillingConfig::from_lookup(&get)?;
        let access = crate::auth::config::AccessConfig::from_lookup(&get).map_err(|(name, problem)| ConfigError::Invalid { name, problem })?;
        let cloud_sim_latency = match get("SUANPAN_CLOUD_SIM_LATENCY_MS") {
            None => Duration::from_millis(30),
            Some(v) => v.parse::<u64>().ok().filter(|n| *n <= 60_000).map(Duration::from_millis)
                .ok_or_else(|| invalid("SUANPAN_CLOUD_SIM_LATENCY_MS", "milliseconds, 0 to 60000"))?,
        };
        let cloud_sim_hold_after = match get("SUANPAN_CLOUD_SIM_HOLD_AFTER") {
            None => None,
            Some(v) => Some(v.parse::<u64>().map_err(|_| invalid("SUANPAN_CLOUD_SIM_HOLD_AFTER", "a whole number of requests"))?),
        };
        let cloud_sim_speedup = match get("SUANPAN_SIM_SPEEDUP") {
            None => 1,
            Some(v) => v.parse::<u32>().ok().filter(|n| (1..=100_000).contains(n)).ok_or_else(|| invalid("SUANPAN_SIM_SPEEDUP", "a whole number, 1 to 100000"))?,
        };
        let alerts = AlertsConfig::from_lookup(&get)?;
        Ok(AppConfig { addr, data_dir, secret_key, warehouse, warehouse_currency, ai, billing, access, cloud_sim_latency, cloud_sim_hold_after, cloud_sim_speedup, alerts })
    }
}

impl AlertsConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let invalid = |name: &'static str, problem: &str| ConfigError::Invalid { name, problem: problem.to_string() };
        let secret = get("SUANPAN_FEISHU_SECRET").map(|s| Secret::new(s.trim()));
        let webhook = match get("SUANPAN_FEISHU_WEBHOOK").filter(|u| !u.trim().is_empty()) {
            Some(url) => Some(crate::feishu::FeishuWebhook::parse(&url, secret).map_err(|_| {
                invalid("SUANPAN_FEISHU_WEBHOOK", "a Feishu custom-bot URL such as https://open.feishu.cn/open-apis/bot/v2/hook/<token>")
            })?),
            None if secret.is_some() => return Err(invalid("SUANPAN_FEISHU_SECRET", "set only with SUANPAN_FEISHU_WEBHOOK")),
            None => None,
        };
        let simulator = match get("SUANPAN_FEISHU_SIMULATOR").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(_) => return Err(invalid("SUANPAN_FEISHU_SIMULATOR", "on or off")),
        };
        let scheduled_checks = match get("SUANPAN_QUOTA_CHECKS").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(_) => return Err(invalid("SUANPAN_QUOTA_CHECKS", "on or off")),
        };
        Ok(AlertsConfig { webhook, simulator, simulated: false, scheduled_checks })
    }
}

impl AiConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let invalid = |name: &'static str, problem: &str| ConfigError::Invalid { name, problem: problem.to_string() };
        let ms = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match get(name) {
                None => Ok(Duration::from_millis(default)),
                Some(v) => v.parse::<u64>().ok().filter(|n| *n <= 600_000).map(Duration::from_millis)
                    .ok_or_else(|| invalid(name, "milliseconds, 0 to 600000")),
            }
        };
        let base_url = get("SUANPAN_DASHSCOPE_URL").unwrap_or_else(|| crate::dashscope::MAINLAND_URL.into());
        let base_url = url::Url::parse(&base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| invalid("SUANPAN_DASHSCOPE_URL", "an http(s) URL such as https://dashscope.aliyuncs.com"))?;
        let simulator = match get("SUANPAN_AI_SIMULATOR").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(_) => return Err(invalid("SUANPAN_AI_SIMULATOR", "on or off")),
        };
        let model = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            let m = get(name).unwrap_or_else(|| default.into());
            if m.is_empty() || m.len() > 64 || !m.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
                return Err(invalid(name, "a model name such as qwen-max"));
            }
            Ok(m)
        };
        let budget = match get("SUANPAN_INSIGHT_TOKEN_BUDGET") {
            None => 2000,
            Some(v) => v.parse::<usize>().ok().filter(|n| (200..=30_000).contains(n))
                .ok_or_else(|| invalid("SUANPAN_INSIGHT_TOKEN_BUDGET", "a whole number from 200 to 30000"))?,
        };
        let image_timeout = match get("SUANPAN_IMAGE_TIMEOUT_S") {
            None => Duration::from_secs(300),
            Some(v) => v.parse::<u64>().ok().filter(|n| (5..=3600).contains(n)).map(Duration::from_secs)
                .ok_or_else(|| invalid("SUANPAN_IMAGE_TIMEOUT_S", "seconds, 5 to 3600"))?,
        };
        let count = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.parse::<u32>().ok().filter(|n| *n <= 100_000).ok_or_else(|| invalid(name, "a whole number from 0 to 100000")),
            }
        };
        let insight_limit = RateLimit { per_hour: count("SUANPAN_INSIGHTS_PER_HOUR", 60)?, burst: count("SUANPAN_INSIGHT_BURST", 10)? };
        let image_limit = RateLimit { per_hour: count("SUANPAN_IMAGES_PER_HOUR", 20)?, burst: count("SUANPAN_IMAGE_BURST", 5)? };
        Ok(AiConfig {
            insight_limit,
            image_limit,
            api_key: get("DASHSCOPE_API_KEY").filter(|k| !k.trim().is_empty()).map(|k| Secret::new(k.trim())),
            base_url,
            chat_model: model("SUANPAN_QWEN_MODEL", "qwen-max")?,
            image_model: model("SUANPAN_WANX_MODEL", "wanx2.1-t2i-plus")?,
            simulator,
            sim_first_token: ms("SUANPAN_SIM_FIRST_TOKEN_MS", 400)?,
            sim_token: ms("SUANPAN_SIM_TOKEN_MS", 25)?,
            sim_task_step: ms("SUANPAN_SIM_TASK_STEP_MS", 1500)?,
            simulated: false,
            poll_start: None,
            insight_token_budget: budget,
            image_timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_serve_localhost_from_the_embedded_store() {
        let c = AppConfig::from_lookup(|_| None).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert!(matches!(c.warehouse, WarehouseConfig::Embedded { scale: 1, .. }));
        assert_eq!(c.warehouse_currency, Currency::Usd);
        assert!(c.ai.api_key.is_none() && c.ai.simulator);
        assert_eq!(c.ai.base_url.as_str(), "https://dashscope.aliyuncs.com/");
        assert_eq!((c.ai.chat_model.as_str(), c.ai.image_model.as_str()), ("qwen-max", "wanx2.1-t2i-plus"));
    }

    #[test]
    fn the_api_key_never_prints() {
        let c = AppConfig::from_lookup(|n| match n {
            "DASHSCOPE_API_KEY" => Some("sk-very-secret".to_string()),
            "SUANPAN_SECRET_KEY" => Some("vault-key-very-secret".to_string()),
            _ => None,
        })
        .unwrap();
        assert!(!format!("{c:?}").contains("sk-very-secret") && !format!("{c:?}").contains("vault-key-very-secret"));
        assert_eq!(c.secret_key.as_ref().map(|k| k.expose()), Some("vault-key-very-secret"));
        assert_eq!(c.ai.api_key.as_ref().map(|k| k.expose()), Some("sk-very-secret"));
    }

    #[test]
    fn call_limits_default_and_can_be_set() {
        let c = AppConfig::from_lookup(|_| None).unwrap();
        assert_eq!(c.ai.insight_limit, RateLimit { per_hour: 60, burst: 10 });
        assert_eq!(c.ai.image_limit, RateLimit { per_hour: 20, burst: 5 });
        let c = AppConfig::from_lookup(|n| (n == "SUANPAN_IMAGES_PER_HOUR").then(|| "0".to_string())).unwrap();
        assert_eq!(c.ai.image_limit.per_hour, 0);
        let e = AppConfig::from_lookup(|n| (n == "SUANPAN_IMAGE_BURST").then(|| "-1".to_string())).unwrap_err();
        assert!(e.to_string().starts_with("SUANPAN_IMAGE_BURST"));
    }

    #[test]
    fn the_alert_webhook_is_read_and_checked_and_never_prints() {
        let c = AppConfig::from_lookup(|_| None).unwrap();
        assert!(c.alerts.webhook.is_none() && c.alerts.simulator && !c.alerts.simulated);
        let env = |n: &str| match n {
            "SUANPAN_FEISHU_WEBHOOK" => Some("https://open.feishu.cn/open-apis/bot/v2/hook/tok-123".to_string()),
            "SUANPAN_FEISHU_SECRET" => Some("SECvery".to_string()),
            _ => None,
        };
        let c = AppConfig::from_lookup(env).unwrap();
        let hook = c.alerts.webhook.as_ref().expect("configured");
        assert_eq!(hook.secret.as_ref().map(|s| s.expose()), Some("SECvery"));
        let printed = format!("{c:?}");
        assert!(!printed.contains("tok-123") && !printed.contains("SECvery"), "{printed}");
        let e = AppConfig::from_lookup(|n| (n == "SUANPAN_FEISHU_WEBHOOK").then(|| "https://example.com/x".to_string())).unwrap_err();
        assert!(e.to_string().starts_with("SUANPAN_FEISHU_WEBHOOK"));
        let e = AppConfig::from_lookup(|n| (n == "SUANPAN_FEISHU_SECRET").then(|| "SECx".to_string())).unwrap_err();
        assert!(e.to_string().starts_with("SUANPAN_FEISHU_SECRET"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = AppConfig::from_lookup(|n| (n == "SUANPAN_DEMO_SCALE").then(|| "0".to_string())).unwrap_err();
        assert!(e.to_string().starts_with("SUANPAN_DEMO_SCALE"));
    }
}
