//! Billing clients for the five providers: daily or monthly bill lines and account balances,
//! normalised to [`BillLine`] and [`BalanceSnapshot`]. Server only.
//!
//! Wire formats: docs/providers.md, one section per provider; each module cites its docs.
//! Every client talks to `AccountConfig::endpoint`, which is either the provider's host or the
//! project's simulator; nothing else differs between the two.
//!
//! Every request goes through a [`RequestGate`]: a per-account rate limiter waited on before
//! each attempt, and retries of throttling, 5xx, timeouts and lost connections with exponential
//! backoff, where a provider's own wait hint replaces the computed delay.
//!
//! Layout: [`ProviderClient`] holds one `ProviderHttp` (`http.rs`: account, base URL, reqwest
//! client, gate; URLs and sending) and hands it to the provider's module (`aliyun`,
//! `volcengine`, `tencent`, `baidu`, `deepseek`), which keeps only its API's requests, fields
//! and codes; `answer.rs` reads answers (JSON envelopes, error codes and hints), `normalise.rs` makes bill
//! lines, balances and currencies; `account.rs` holds the account config, `gate.rs` the rate
//! limit and retries, `error.rs` the error type, `paging.rs` the page reader and `calendar.rs`
//! days and months.

pub mod aliyun;
pub mod amount;
pub mod baidu;
pub mod deepseek;
pub mod tencent;
pub mod volcengine;
pub mod volcengine_iam;

mod account;
mod answer;
mod calendar;
mod error;
mod gate;
mod http;
mod normalise;
mod paging;
#[cfg(test)]
mod test_support;

use chrono::NaiveDate;

use super::model::{BalanceSnapshot, BillLine, Provider, Scope};

pub use account::AccountConfig;
use answer::{parse_json, read_payload, Answer, CodeKinds, Envelope, ErrorReport, Failure};
pub(crate) use calendar::first_of_month;
pub use calendar::{shanghai, shanghai_today};
use calendar::{day_of_scope, day_scopes, month_of_scope, month_scopes, month_text, parse_day};
pub use error::{ErrorKind, ProviderError};
pub use gate::{default_rate_per_second, RequestGate, RetryPolicy};
use http::ProviderHttp;
use normalise::{balance_now, currency_or, parse_currency, LineOf, ProductCost};
use paging::read_all_pages;

/// One account's client: its connection, and the provider's API `account.provider` names.
#[derive(Clone, Debug)]
pub struct ProviderClient {
    api: ProviderHttp,
}

impl ProviderClient {
    /// `http` carries the timeouts.
    pub fn new(account: AccountConfig, http: reqwest::Client, gate: RequestGate) -> Self {
        ProviderClient {
            api: ProviderHttp::new(account, http, gate),
        }
    }

    pub fn account(&self) -> &AccountConfig {
        self.api.account()
    }

    fn provider(&self) -> Provider {
        self.api.account().provider
    }

    /// The scopes that cover the days `from..=to`: one per day (Alibaba, Baidu), one per month
    /// touched (Volcengine, Tencent), none for DeepSeek (its spend comes from balances).
    pub fn scopes(&self, from: NaiveDate, to: NaiveDate) -> Vec<Scope> {
        match self.provider() {
            Provider::Aliyun | Provider::Baidu => day_scopes(from, to),
            Provider::Volcengine | Provider::Tencent => month_scopes(from, to),
            Provider::DeepSeek => Vec::new(),
        }
    }

    /// Every bill line of `scope`, all pages read. A scope of the wrong kind is `BadRequest`.
    pub async fn bill_lines(&self, scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
        let api = &self.api;
        match self.provider() {
            Provider::Aliyun => aliyun::bill_lines(api, scope).await,
            Provider::Volcengine => volcengine::bill_lines(api, scope).await,
            Provider::Tencent => tencent::bill_lines(api, scope).await,
            Provider::Baidu => baidu::bill_lines(api, scope).await,
            Provider::DeepSeek => deepseek::bill_lines(scope),
        }
    }

    /// What Volcengine project `project` owes for the month starting `month` (the first of an
    /// Asia/Shanghai billing month), in CNY: `ListBillDetail` filtered by `Project`, all pages.
    /// Other providers: `BadRequest`.
    pub async fn project_spend(&self, month: NaiveDate, project: &str) -> Result<rust_decimal::Decimal, ProviderError> {
        match self.provider() {
            Provider::Volcengine => volcengine::project_spend(&self.api, month, project).await,
            other => Err(ProviderError::new(other, ErrorKind::BadRequest, "UnsupportedProvider", format!("{other:?} has no per-project bills here"))),
        }
    }

    /// The account's Volcengine IAM client (its sub-accounts); `None` for other providers.
    pub fn volcengine_iam(&self) -> Option<volcengine_iam::IamClient> {
        (self.provider() == Provider::Volcengine).then(|| volcengine_iam::IamClient::new(&self.api))
    }

    /// The account balance now; `None` where the provider has no balance API (Tencent).
    pub async fn balance(&self) -> Result<Option<BalanceSnapshot>, ProviderError> {
        let api = &self.api;
        match self.provider() {
            Provider::Aliyun => aliyun::balance(api).await.map(Some),
            Provider::Volcengine => volcengine::balance(api).await.map(Some),
            Provider::Tencent => Ok(None),
            Provider::Baidu => baidu::balance(api).await.map(Some),
            Provider::DeepSeek => deepseek::balance(api).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use url::Url;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn client(provider: Provider) -> ProviderClient {
        let account = AccountConfig {
            provider,
            name: "acct".into(),
            display_name: "Account".into(),
            endpoint: Url::parse("http://127.0.0.1:9/").unwrap(),
            access_key_id: "id".into(),
            secret: Secret::new("hunter2"),
            region: None,
            simulated: true,
        };
        ProviderClient::new(
            account,
            reqwest::Client::new(),
            RequestGate::new(100, RetryPolicy::default()),
        )
    }

    #[test]
    fn scopes_across_a_month_boundary() {
        let (from, to) = (day(2024, 1, 30), day(2024, 2, 2));
        let days: Vec<Scope> = [
            day(2024, 1, 30),
            day(2024, 1, 31),
            day(2024, 2, 1),
            day(2024, 2, 2),
        ]
        .into_iter()
        .map(Scope::Day)
        .collect();
        let months = vec![Scope::Month(day(2024, 1, 1)), Scope::Month(day(2024, 2, 1))];
        assert_eq!(client(Provider::Aliyun).scopes(from, to), days);
        assert_eq!(client(Provider::Baidu).scopes(from, to), days);
        assert_eq!(client(Provider::Volcengine).scopes(from, to), months);
        assert_eq!(client(Provider::Tencent).scopes(from, to), months);
        assert!(client(Provider::DeepSeek).scopes(from, to).is_empty());
        assert!(client(Provider::Aliyun).scopes(to, from).is_empty());
        assert_eq!(
            client(Provider::Tencent).scopes(day(2023, 12, 31), day(2024, 1, 1)),
            vec![
                Scope::Month(day(2023, 12, 1)),
                Scope::Month(day(2024, 1, 1))
            ]
        );
    }

    #[test]
    fn client_debug_hides_the_secret() {
        for provider in [Provider::Aliyun, Provider::Volcengine, Provider::Tencent, Provider::Baidu, Provider::DeepSeek] {
            let text = format!("{:?}", client(provider));
            assert!(!text.contains("hunter2") && text.contains("acct"), "{text}");
        }
    }

    #[test]
    fn account_debug_hides_the_secret() {
        let text = format!("{:?}", client(Provider::Aliyun).account());
        assert!(!text.contains("hunter2") && text.contains("acct"), "{text}");
    }

    #[tokio::test]
    async fn wrong_scope_kind_is_a_bad_request() {
        for (provider, scope) in [
            (Provider::Aliyun, Scope::Month(day(2024, 1, 1))),
            (Provider::Tencent, Scope::Day(day(2024, 1, 3))),
            (Provider::Volcengine, Scope::Month(day(2024, 1, 3))),
            (Provider::DeepSeek, Scope::Day(day(2024, 1, 3))),
        ] {
            let e = client(provider).bill_lines(scope).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadRequest, "{provider:?}");
        }
    }
}
