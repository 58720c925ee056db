//! Which cloud accounts to sync: from configuration (the SDKs' environment variables and the
//! accounts file), and those entered on the settings page, which `credentials` keeps sealed and
//! [`from_stored`] turns into the same `AccountConfig`. Secrets are held in `Secret`.

use std::path::PathBuf;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::model::Provider;
use super::providers::AccountConfig;
use crate::secret::Secret;
use crate::billing::labels::BillingText;

#[derive(Clone, Debug)]
pub struct BillingConfig {
    /// Accounts from configuration; when empty (and `simulator` on) the composition root adds the
    /// cloud simulator's demo accounts here, marked `simulated`.
    pub accounts: Vec<AccountConfig>,
    /// `SUANPAN_CLOUD_SIMULATOR` (`on`/`off`, default on; no effect in a build without simulators).
    pub simulator: bool,
    /// `SUANPAN_USD_CNY_RATE` (default 7.10): USD bills are shown in CNY at this rate, beside USD.
    pub usd_cny: Decimal,
    /// `SUANPAN_BILLING_SYNC_INTERVAL_MIN` (default 360; 0 = no scheduled sync).
    pub sync_interval: Option<Duration>,
    /// `SUANPAN_BILLING_LOOKBACK_DAYS` (default 3): days re-pulled before this month, for late adjustments.
    pub lookback_days: u32,
    /// `SUANPAN_BILLING_HISTORY_MONTHS` (default 6): months pulled the first time an account syncs.
    pub history_months: u32,
    /// `SUANPAN_BILLING_CONCURRENCY` (default 4): accounts synced at once.
    pub concurrency: usize,
    /// `SUANPAN_BILLING_LEASE_S` (default 60): how long a sync's lease in the store lasts without
    /// a heartbeat; a process that stops mid-sync blocks others at most this long.
    pub lease_ttl: Duration,
    /// How each request is retried (tests shorten the delays).
    pub retry: super::providers::RetryPolicy,
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct AccountsError {
    pub name: &'static str,
    pub problem: String,
}

/// One entry of `SUANPAN_CLOUD_ACCOUNTS_FILE` (JSON array). The secret is named, not written:
/// `secret_env` is the environment variable that holds it, so the file can be shared.
#[derive(Deserialize)]
struct AccountEntry {
    provider: String,
    name: String,
    display_name: Option<String>,
    endpoint: Option<String>,
    #[serde(default)]
    access_key_id: String,
    secret_env: String,
    region: Option<String>,
}

/// Production endpoints (each overridable per account).
pub fn default_endpoint(p: Provider) -> &'static str {
    match p {
        Provider::Aliyun => "https://business.aliyuncs.com/",
        Provider::Volcengine => "https://billing.volcengineapi.com/",
        Provider::Tencent => "https://billing.tencentcloudapi.com/",
        Provider::Baidu => "https://billing.baidubce.com/",
        Provider::DeepSeek => "https://api.deepseek.com/",
    }
}

/// The platform's name as the UI shows it (one place: `i18n`).
fn display(p: Provider) -> &'static str {
    crate::i18n::tr().provider(p)
}

/// The SDKs' own environment variable names, for one account per provider.
const ENV_ACCOUNTS: [(Provider, &str, &str); 5] = [
    (Provider::Aliyun, "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    (Provider::Volcengine, "VOLCENGINE_ACCESS_KEY", "VOLCENGINE_SECRET_KEY"),
    (Provider::Tencent, "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"),
    (Provider::Baidu, "BCE_ACCESS_KEY_ID", "BCE_SECRET_ACCESS_KEY"),
    (Provider::DeepSeek, "", "DEEPSEEK_API_KEY"),
];

fn url(name: &'static str, text: &str) -> Result<url::Url, AccountsError> {
    url::Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| AccountsError { name, problem: format!("{text:?} is not an http(s) URL") })
}

impl BillingConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, AccountsError> {
        let bad = |name: &'static str, problem: &str| AccountsError { name, problem: problem.into() };
        let number = |name: &'static str, default: u64, max: u64| -> Result<u64, AccountsError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| bad(name, &format!("a whole number up to {max}"))),
            }
        };
        let mut accounts = Vec::new();
        for (p, id_var, secret_var) in ENV_ACCOUNTS {
            let Some(secret) = get(secret_var).filter(|s| !s.trim().is_empty()) else { continue };
            let id = if id_var.is_empty() { String::new() } else { get(id_var).unwrap_or_default() };
            if !id_var.is_empty() && id.trim().is_empty() {
                return Err(bad(id_var, &format!("is needed with {secret_var}")));
            }
            accounts.push(AccountConfig {
                provider: p,
                name: p.slug().to_string(),
                display_name: display(p).to_string(),
                endpoint: url(secret_var, default_endpoint(p))?,
                access_key_id: id.trim().to_string(),
                secret: Secret::new(secret.trim()),
                region: (p == Provider::Volcengine).then(|| get("VOLCENGINE_REGION").unwrap_or_else(|| "cn-beijing".into())),
                simulated: false,
            });
        }
        if let Some(path) = get("SUANPAN_CLOUD_ACCOUNTS_FILE") {
            accounts.extend(from_file(&PathBuf::from(path), get)?);
        }
        let simulator = match get("SUANPAN_CLOUD_SIMULATOR").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(_) => return Err(bad("SUANPAN_CLOUD_SIMULATOR", "on or off")),
        };
        let usd_cny = match get("SUANPAN_USD_CNY_RATE") {
            None => Decimal::new(710, 2),
            Some(v) => v.parse::<Decimal>().ok().filter(|r| *r > Decimal::ZERO && *r < Decimal::from(100))
                .ok_or_else(|| bad("SUANPAN_USD_CNY_RATE", "a positive decimal such as 7.10"))?,
        };
        let interval = number("SUANPAN_BILLING_SYNC_INTERVAL_MIN", 360, 7 * 24 * 60)?;
        Ok(BillingConfig {
            accounts,
            simulator,
            usd_cny,
            sync_interval: (interval > 0).then(|| Duration::from_secs(interval * 60)),
            lookback_days: number("SUANPAN_BILLING_LOOKBACK_DAYS", 3, 31)? as u32,
            history_months: number("SUANPAN_BILLING_HISTORY_MONTHS", 6, 24)? as u32,
            concurrency: number("SUANPAN_BILLING_CONCURRENCY", 4, 32)?.max(1) as usize,
            lease_ttl: Duration::from_secs(number("SUANPAN_BILLING_LEASE_S", 60, 3600)?.max(1)),
            retry: super::providers::RetryPolicy::default(),
        })
    }
}

fn from_file(path: &PathBuf, get: &impl Fn(&str) -> Option<String>) -> Result<Vec<AccountConfig>, AccountsError> {
    const NAME: &str = "SUANPAN_CLOUD_ACCOUNTS_FILE";
    let text = std::fs::read_to_string(path).map_err(|e| AccountsError { name: NAME, problem: format!("{}: {e}", path.display()) })?;
    let entries: Vec<AccountEntry> =
        serde_json::from_str(&text).map_err(|e| AccountsError { name: NAME, problem: format!("not a JSON array of accounts: {e}") })?;
    let mut out = Vec::new();
    for e in entries {
        let p = Provider::from_slug(&e.provider)
            .ok_or_else(|| AccountsError { name: NAME, problem: format!("unknown provider {:?} (aliyun, volcengine, tencent, baidu, deepseek)", e.provider) })?;
        if e.name.is_empty() || !e.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(AccountsError { name: NAME, problem: format!("account name {:?}: letters, digits, - and _ only", e.name) });
        }
        let secret = get(&e.secret_env)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| AccountsError { name: NAME, problem: format!("account {}: environment variable {} is not set", e.name, e.secret_env) })?;
        out.push(AccountConfig {
            provider: p,
            display_name: e.display_name.unwrap_or_else(|| format!("{} {}", display(p), e.name)),
            endpoint: url(NAME, e.endpoint.as_deref().unwrap_or(default_endpoint(p)))?,
            name: e.name,
            access_key_id: e.access_key_id,
            secret: Secret::new(secret.trim()),
            region: e.region.or_else(|| (p == Provider::Volcengine).then(|| "cn-beijing".into())),
            simulated: false,
        });
    }
    Ok(out)
}

/// A cloud account entered on the settings page (its secret opened), as the clients take it:
/// the provider's default endpoint and Volcengine's default region when none was given.
pub fn from_stored(o: &crate::credentials::Opened) -> Result<AccountConfig, AccountsError> {
    const NAME: &str = "settings";
    let c = &o.credential;
    let p = Provider::from_slug(&c.provider).ok_or_else(|| AccountsError { name: NAME, problem: format!("unknown provider {:?}", c.provider) })?;
    let secret = o.secret("secret").cloned().ok_or_else(|| AccountsError { name: NAME, problem: format!("account {} has no secret", c.name) })?;
    let endpoint = c.endpoint.as_deref().filter(|e| !e.is_empty()).unwrap_or(default_endpoint(p));
    Ok(AccountConfig {
        provider: p,
        display_name: if c.display_name.is_empty() { format!("{} {}", display(p), c.name) } else { c.display_name.clone() },
        endpoint: url(NAME, endpoint)?,
        name: c.name.clone(),
        access_key_id: c.access_key_id.clone(),
        secret,
        region: c.region.clone().filter(|r| !r.is_empty()).or_else(|| (p == Provider::Volcengine).then(|| "cn-beijing".into())),
        simulated: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<BillingConfig, AccountsError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        BillingConfig::from_lookup(&|n: &str| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_have_no_accounts_and_the_simulator_on() {
        let c = config(&[]).unwrap();
        assert!(c.accounts.is_empty() && c.simulator);
        assert_eq!(c.usd_cny, Decimal::new(710, 2));
        assert_eq!(c.sync_interval, Some(Duration::from_secs(360 * 60)));
        assert_eq!((c.lookback_days, c.history_months, c.concurrency), (3, 6, 4));
        assert_eq!(config(&[("SUANPAN_BILLING_SYNC_INTERVAL_MIN", "0")]).unwrap().sync_interval, None);
    }

    #[test]
    fn sdk_variables_make_one_account_each_and_secrets_never_print() {
        let c = config(&[("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5t"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "very-secret"), ("DEEPSEEK_API_KEY", "sk-ds")]).unwrap();
        assert_eq!(c.accounts.len(), 2);
        assert_eq!(c.accounts[0].provider, Provider::Aliyun);
        assert_eq!(c.accounts[0].endpoint.as_str(), "https://business.aliyuncs.com/");
        assert!(!c.accounts[0].simulated);
        assert!(!format!("{c:?}").contains("very-secret") && !format!("{c:?}").contains("sk-ds"));
        let e = config(&[("TENCENTCLOUD_SECRET_KEY", "x")]).unwrap_err();
        assert_eq!(e.name, "TENCENTCLOUD_SECRET_ID");
    }

    #[test]
    fn the_accounts_file_names_its_secrets_by_variable() {
        let dir = std::env::temp_dir().join(format!("suanpan-accounts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("accounts.json");
        std::fs::write(&file, r#"[{"provider":"volcengine","name":"volc-prod","access_key_id":"AKLT1","secret_env":"VOLC_PROD_SK"},
                                  {"provider":"volcengine","name":"volc-test","access_key_id":"AKLT2","secret_env":"VOLC_TEST_SK","region":"cn-shanghai"}]"#).unwrap();
        let path = file.display().to_string();
        let c = config(&[("SUANPAN_CLOUD_ACCOUNTS_FILE", &path), ("VOLC_PROD_SK", "s1"), ("VOLC_TEST_SK", "s2")]).unwrap();
        assert_eq!(c.accounts.len(), 2);
        assert_eq!(c.accounts[0].region.as_deref(), Some("cn-beijing"));
        assert_eq!(c.accounts[1].region.as_deref(), Some("cn-shanghai"));
        assert_eq!(c.accounts[1].secret.expose(), "s2");
        let missing = config(&[("SUANPAN_CLOUD_ACCOUNTS_FILE", &path), ("VOLC_PROD_SK", "s1")]).unwrap_err();
        assert!(missing.problem.contains("VOLC_TEST_SK"), "{missing}");
        std::fs::write(&file, r#"[{"provider":"aws","name":"x","secret_env":"X"}]"#).unwrap();
        assert!(config(&[("SUANPAN_CLOUD_ACCOUNTS_FILE", &path)]).unwrap_err().problem.contains("unknown provider"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
