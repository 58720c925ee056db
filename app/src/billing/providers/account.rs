//! One configured account of one provider: where its API is and the key it signs with.

use std::fmt;

use url::Url;

use crate::billing::model::Provider;
use crate::secret::Secret;

/// One configured account of one provider.
#[derive(Clone)]
pub struct AccountConfig {
    pub provider: Provider,
    /// The configured id; bill lines and balances carry it as `account`.
    pub name: String,
    pub display_name: String,
    /// The API's base URL: the provider's host, or the simulator's `http://addr/`.
    pub endpoint: Url,
    /// Access key id (Alibaba, Volcengine, Baidu) or SecretId (Tencent); unused by DeepSeek.
    pub access_key_id: String,
    /// The access key secret, or DeepSeek's API key.
    pub secret: Secret,
    /// Volcengine's signing region (default `cn-beijing`); the others ignore it.
    pub region: Option<String>,
    /// True when `endpoint` is the project's simulator; the UI says so.
    pub simulated: bool,
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("provider", &self.provider)
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("endpoint", &self.endpoint.as_str())
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field("simulated", &self.simulated)
            .finish_non_exhaustive()
    }
}

