//! The demo accounts and their credentials, derived from a seed so every run with the same seed
//! signs with the same keys.

use sha2::{Digest, Sha256};

use crate::billing::model::Provider;
use crate::secret::Secret;

/// One simulated cloud account and its credentials. `Debug` hides the secret.
#[derive(Clone, Debug)]
pub struct SimAccount {
    pub provider: Provider,
    /// Our id, e.g. `aliyun-main`.
    pub name: String,
    pub display_name: String,
    /// The provider's own account id (Alibaba's 16 digits, Volcengine's integer, Tencent's UIN,
    /// Baidu's hex id).
    pub provider_account_id: String,
    /// DeepSeek: empty.
    pub access_key_id: String,
    /// The secret key; DeepSeek: the API key (Bearer).
    pub secret: Secret,
    /// Volcengine: `cn-beijing`.
    pub region: Option<String>,
}

/// The demo accounts: our name, display name, provider.
const DEMO: [(&str, &str, Provider); 6] = [
    ("aliyun-main", "阿里云 主账号", Provider::Aliyun),
    ("aliyun-dev", "阿里云 开发测试", Provider::Aliyun),
    ("volc-ark", "火山引擎 方舟", Provider::Volcengine),
    ("tencent-prod", "腾讯云 生产", Provider::Tencent),
    ("baidu-qianfan", "百度智能云 千帆", Provider::Baidu),
    ("deepseek-team", "DeepSeek 团队", Provider::DeepSeek),
];

/// Accounts the simulator serves but the demo does not configure: what an admin adds on the
/// settings page to try it (`GET /__sim/spare-accounts` on the provider's port tells the keys).
const SPARE: [(&str, &str, Provider); 1] = [("aliyun-spare", "阿里云 备用账号", Provider::Aliyun)];

/// The six demo accounts, with credentials derived from `seed` (stable for a seed).
pub fn demo_accounts(seed: u64) -> Vec<SimAccount> {
    accounts_of(&DEMO, seed)
}

/// The spare accounts, with credentials derived from `seed` like the demo ones.
pub fn spare_accounts(seed: u64) -> Vec<SimAccount> {
    accounts_of(&SPARE, seed)
}

fn accounts_of(list: &[(&str, &str, Provider)], seed: u64) -> Vec<SimAccount> {
    list.iter()
        .map(|&(name, display, provider)| {
            let (id, key, secret) = credentials(provider, |purpose| derived(seed, name, purpose));
            SimAccount {
                provider,
                name: name.to_owned(),
                display_name: display.to_owned(),
                provider_account_id: id,
                access_key_id: key,
                secret: Secret::new(secret),
                region: (provider == Provider::Volcengine).then(|| "cn-beijing".to_owned()),
            }
        })
        .collect()
}

/// (account id, access key id, secret) in the shapes the provider's look like, from `d(purpose)`.
fn credentials(provider: Provider, d: impl Fn(&str) -> String) -> (String, String, String) {
    match provider {
        Provider::Aliyun => (digits(&d("id"), 16), format!("LTAI5t{}", alnum(&d("ak"), 18)), alnum(&d("sk"), 30)),
        Provider::Volcengine => {
            (format!("21{}", digits(&d("id"), 8)), format!("AKLT{}", alnum(&d("ak"), 40)), alnum(&d("sk"), 56))
        }
        Provider::Tencent => {
            (format!("1000{}", digits(&d("id"), 8)), format!("AKID{}", alnum(&d("ak"), 32)), alnum(&d("sk"), 32))
        }
        Provider::Baidu => (d("id")[..32].to_owned(), d("ak")[..32].to_owned(), d("sk")[..32].to_owned()),
        // DeepSeek has a Bearer API key only.
        Provider::DeepSeek => (String::new(), String::new(), format!("sk-{}", &d("key")[..32])),
    }
}

/// 64 hex chars derived from the seed, the account and a purpose.
fn derived(seed: u64, name: &str, purpose: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update(name.as_bytes());
    hasher.update([0]);
    hasher.update(purpose.as_bytes());
    hex::encode(hasher.finalize())
}

fn digits(hex: &str, n: usize) -> String {
    let mut out: String = hex
        .bytes()
        .map(|b| char::from(b'0' + b % 10))
        .take(n)
        .collect();
    // Account ids do not start with 0.
    if out.starts_with('0') {
        out.replace_range(..1, "1");
    }
    out
}

/// `n` characters of `[A-Za-z0-9]` from 64 hex characters.
pub(super) fn alnum(hex: &str, n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = hex::decode(hex).unwrap_or_default();
    bytes
        .iter()
        .cycle()
        .enumerate()
        .take(n)
        .map(|(i, b)| char::from(ALPHABET[(usize::from(*b) + i * 7) % ALPHABET.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_debug_hides_the_secret() {
        for account in demo_accounts(1) {
            let text = format!("{account:?}");
            assert!(!text.contains(account.secret.expose()), "{text}");
        }
    }

    #[test]
    fn demo_credentials_are_stable_and_distinct() {
        let (a, b) = (demo_accounts(1), demo_accounts(1));
        let keys: Vec<&str> = a.iter().map(|x| x.secret.expose()).collect();
        assert_eq!(
            keys,
            b.iter().map(|x| x.secret.expose()).collect::<Vec<_>>()
        );
        assert_ne!(
            keys,
            demo_accounts(2)
                .iter()
                .map(|x| x.secret.expose())
                .collect::<Vec<_>>()
        );
        let main = &a[0];
        assert!(main.access_key_id.starts_with("LTAI5t") && main.access_key_id.len() == 24);
        assert_eq!(main.provider_account_id.len(), 16);
        assert!(a[5].secret.expose().starts_with("sk-") && a[5].access_key_id.is_empty());
        assert_eq!(a[2].region.as_deref(), Some("cn-beijing"));
    }
}
