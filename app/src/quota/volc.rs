//! The Volcengine calls quota control makes, through the billing sync's clients: the same
//! accounts (configured and stored), signing, per-account rate limit and retries.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::billing::model::Provider;
use crate::billing::providers::volcengine_iam::{IamClient, IamError};
use crate::billing::providers::{ProviderClient, ProviderError};
use crate::billing::sync::BillingServices;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum VolcError {
    #[error("no Volcengine account named {0:?}")]
    UnknownAccount(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Iam(#[from] IamError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl VolcError {
    /// What the quota page shows for it (the provider's code and message, secrets already out).
    pub fn shown(&self) -> String {
        match self {
            VolcError::UnknownAccount(name) => format!("{}：{name}", crate::i18n::tr().quota.e_unknown_account),
            VolcError::Provider(e) | VolcError::Iam(IamError { cause: e, .. }) => format!("{}：{}", e.code, e.message),
            VolcError::Store(_) => crate::i18n::tr().e_store.to_string(),
        }
    }
}

/// The Volcengine accounts' clients now.
pub async fn clients(billing: &BillingServices) -> Result<Vec<ProviderClient>, StoreError> {
    Ok(billing.clients().await?.into_iter().filter(|c| c.account().provider == Provider::Volcengine).collect())
}

pub async fn client(billing: &BillingServices, account: &str) -> Result<ProviderClient, VolcError> {
    clients(billing).await?.into_iter().find(|c| c.account().name == account).ok_or_else(|| VolcError::UnknownAccount(account.to_string()))
}

/// A project's spend in one billing month (its first day), CNY.
pub async fn spend(client: &ProviderClient, month: NaiveDate, project: &str) -> Result<Decimal, VolcError> {
    Ok(client.project_spend(month, project).await?)
}

fn iam(client: &ProviderClient) -> Result<IamClient, VolcError> {
    client.volcengine_iam().ok_or_else(|| VolcError::UnknownAccount(client.account().name.clone()))
}

/// Console login off and every active key inactive; the keys it deactivated.
pub async fn disable(client: &ProviderClient, user: &str) -> Result<Vec<String>, VolcError> {
    Ok(iam(client)?.disable_user(user).await?.keys_deactivated)
}

/// Console login on and exactly `keys` active again.
pub async fn enable(client: &ProviderClient, user: &str, keys: &[String]) -> Result<(), VolcError> {
    iam(client)?.enable_user(user, keys).await?;
    Ok(())
}
