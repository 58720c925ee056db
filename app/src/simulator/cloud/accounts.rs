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

/// The six demo accounts, with credentials derived from `seed` (stable for a seed).
pub fn demo_accounts(seed: u64) -> Vec<SimAccount> {
    let account =
        |provider, name: &str, display: &str, id: String, key: String, secret: String| SimAccount {
            provider,
            name: name.to_owned(),
            display_name: display.to_owned(),
            provider_account_id: id,
            access_key_id: key,
            secret: Secret::new(secret),
            region: (provider == Provider::Volcengine).then(|| "cn-beijing".to_owned()),
        };
    let d = |name: &str, purpose: &str| derived(seed, name, purpose);
    vec![
        account(
            Provider::Aliyun,
            "aliyun-main",
            "阿里云 主账号",
            digits(&d("aliyun-main", "id"), 16),
            format!("LTAI5t{}", alnum(&d("aliyun-main", "ak"), 18)),
            alnum(&d("aliyun-main", "sk"), 30),
        ),
        account(
            Provider::Aliyun,
            "aliyun-dev",
            "阿里云 开发测试",
            digits(&d("aliyun-dev", "id"), 16),
            format!("LTAI5t{}", alnum(&d("aliyun-dev", "ak"), 18)),
            alnum(&d("aliyun-dev", "sk"), 30),
        ),
        account(
            Provider::Volcengine,
            "volc-ark",
            "火山引擎 方舟",
            format!("21{}", digits(&d("volc-ark", "id"), 8)),
            format!("AKLT{}", alnum(&d("volc-ark", "ak"), 40)),
            alnum(&d("volc-ark", "sk"), 56),
        ),
        account(
            Provider::Tencent,
            "tencent-prod",
            "腾讯云 生产",
            format!("1000{}", digits(&d("tencent-prod", "id"), 8)),
            format!("AKID{}", alnum(&d("tencent-prod", "ak"), 32)),
            alnum(&d("tencent-prod", "sk"), 32),
        ),
        account(
            Provider::Baidu,
            "baidu-qianfan",
            "百度智能云 千帆",
            d("baidu-qianfan", "id")[..32].to_owned(),
            d("baidu-qianfan", "ak")[..32].to_owned(),
            d("baidu-qianfan", "sk")[..32].to_owned(),
        ),
        account(
            Provider::DeepSeek,
            "deepseek-team",
            "DeepSeek 团队",
            String::new(),
            String::new(),
            format!("sk-{}", &d("deepseek-team", "key")[..32]),
        ),
    ]
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

fn alnum(hex: &str, n: usize) -> String {
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
