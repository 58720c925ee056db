//! The five billing clients against the project's cloud simulator over real HTTP: signatures,
//! pagination and amounts end to end, then authentication failures, throttling, malformed
//! answers and Tencent's "bill not ready".
#![cfg(feature = "simulators")]

use std::collections::BTreeMap;
use std::time::Duration;

use app::billing::model::{Currency, Provider, Scope};
use app::billing::providers::{
    default_rate_per_second, AccountConfig, ErrorKind, ProviderClient, RequestGate, RetryPolicy,
};
use app::secret::Secret;
use app::simulator::cloud::{spawn, CloudFault, CloudSim, CloudSimSettings, SimAccount};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

const SEED: u64 = 42;

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_hint: Duration::from_millis(200),
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn config(cloud: &CloudSim, account: &SimAccount) -> AccountConfig {
    let addr = cloud.endpoints[&account.provider];
    AccountConfig {
        provider: account.provider,
        name: account.name.clone(),
        display_name: account.display_name.clone(),
        endpoint: url::Url::parse(&format!("http://{addr}/")).unwrap(),
        access_key_id: account.access_key_id.clone(),
        secret: account.secret.clone(),
        region: account.region.clone(),
        simulated: true,
    }
}

fn client_for(config: AccountConfig) -> ProviderClient {
    let gate = RequestGate::new(default_rate_per_second(config.provider), fast_retry());
    ProviderClient::new(config, http(), gate)
}

fn first_account(cloud: &CloudSim, provider: Provider) -> SimAccount {
    cloud
        .accounts
        .iter()
        .find(|a| a.provider == provider)
        .unwrap()
        .clone()
}

/// A simulator on the fixed seed, and its today.
async fn start() -> (CloudSim, NaiveDate) {
    let cloud = spawn(CloudSimSettings::fast(SEED)).await.unwrap();
    let today = cloud.ledger.today();
    (cloud, today)
}

/// How far `count` has grown since this was called: requests or throttled answers a simulator
/// has counted.
fn growth(count: impl Fn() -> u64) -> impl Fn() -> u64 {
    let before = count();
    move || count() - before
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap()
}

/// The ledger's as-reported amounts for `account` from the first of the month to today,
/// grouped as the provider's API groups them (per product and day, or per product for the
/// month) and rounded to cents per group, as the simulator answers: `(pretax, payable)`.
fn expected_month(cloud: &CloudSim, account: &SimAccount) -> (Decimal, Decimal) {
    let today = cloud.ledger.today();
    let monthly = account.provider == Provider::Tencent;
    let mut groups: BTreeMap<(Option<NaiveDate>, String), (Decimal, Decimal)> = BTreeMap::new();
    for line in cloud
        .ledger
        .lines(&account.name, first_of_month(today), today)
    {
        let line = cloud.ledger.as_reported(&line, today);
        let key = ((!monthly).then_some(line.date), line.product_code.clone());
        let group = groups.entry(key).or_default();
        group.0 += line.pretax;
        group.1 += line.payable;
    }
    groups.values().fold(
        (Decimal::ZERO, Decimal::ZERO),
        |(pretax, payable), (p, q)| (pretax + p.round_dp(2), payable + q.round_dp(2)),
    )
}

#[tokio::test]
async fn bill_lines_of_the_current_month_match_the_ledger() {
    let (cloud, today) = start().await;
    for account in &cloud.accounts {
        let client = client_for(config(&cloud, account));
        let scopes = client.scopes(first_of_month(today), today);
        let mut lines = Vec::new();
        for scope in scopes {
            let scoped = client
                .bill_lines(scope)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", account.name));
            for line in &scoped {
                match scope {
                    Scope::Day(day) => assert_eq!(line.date, Some(day)),
                    Scope::Month(first) => assert_eq!(line.billing_cycle, first),
                }
                assert_eq!(
                    (line.provider, line.account.as_str()),
                    (account.provider, account.name.as_str())
                );
                assert_eq!(line.currency, Currency::Cny);
            }
            lines.extend(scoped);
        }
        if account.provider == Provider::DeepSeek {
            assert!(lines.is_empty());
            continue;
        }
        assert!(!lines.is_empty(), "{} has no lines", account.name);
        eprintln!("{}: {} lines", account.name, lines.len());
        let payable: Decimal = lines.iter().map(|l| l.payable).sum();
        let pretax: Decimal = lines.iter().map(|l| l.pretax).sum();
        let (expected_pretax, expected_payable) = expected_month(&cloud, account);
        assert_eq!(payable, expected_payable, "{} payable", account.name);
        assert_eq!(pretax, expected_pretax, "{} pretax", account.name);
    }
    cloud.shutdown();
}

#[tokio::test]
async fn balances_parse() {
    let cloud = spawn(CloudSimSettings::fast(SEED)).await.unwrap();
    for account in &cloud.accounts {
        let client = client_for(config(&cloud, account));
        let balance = client
            .balance()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", account.name));
        match (account.provider, balance) {
            (Provider::Tencent, None) => {}
            (Provider::Tencent, Some(b)) => panic!("Tencent has no balance API: {b:?}"),
            (_, None) => panic!("{} has no balance", account.name),
            (provider, Some(balance)) => {
                assert_eq!(
                    (balance.provider, balance.account.as_str()),
                    (provider, account.name.as_str())
                );
                assert_eq!(balance.currency, Currency::Cny);
                if provider == Provider::DeepSeek {
                    let (granted, topped_up) =
                        (balance.granted.unwrap(), balance.topped_up.unwrap());
                    // Each is rounded to cents on its own.
                    let gap = (granted + topped_up - balance.available).abs();
                    assert!(gap <= Decimal::new(1, 2), "{balance:?}");
                }
            }
        }
    }
    cloud.shutdown();
}

/// A request each provider can always answer: the balance, or Tencent's current month.
async fn probe(
    client: &ProviderClient,
    today: NaiveDate,
) -> Result<(), app::billing::providers::ProviderError> {
    match client.account().provider {
        Provider::Tencent => client
            .bill_lines(Scope::Month(first_of_month(today)))
            .await
            .map(drop),
        _ => client.balance().await.map(drop),
    }
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error() {
    let (cloud, today) = start().await;
    for provider in Provider::ALL {
        let account = first_account(&cloud, provider);
        let mut wrong = config(&cloud, &account);
        wrong.secret = Secret::new(format!("{}x", account.secret.expose()));
        let sent = growth(|| cloud.control.requests(provider));
        let e = probe(&client_for(wrong), today).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth, "{provider:?}: {e}");
        // The codes the providers document for a signature mismatch (docs/providers.md).
        let expected = match provider {
            Provider::Tencent => "AuthFailure.SignatureFailure",
            Provider::DeepSeek => "invalid_request_error",
            _ => "SignatureDoesNotMatch",
        };
        assert_eq!(e.code, expected, "{provider:?}: {e}");
        assert_eq!(sent(), 1, "{provider:?}: auth errors are not retried");
    }
    cloud.shutdown();
}

#[tokio::test]
async fn an_unknown_key_is_an_auth_error_with_the_documented_code() {
    let (cloud, today) = start().await;
    for provider in [
        Provider::Aliyun,
        Provider::Volcengine,
        Provider::Tencent,
        Provider::Baidu,
    ] {
        let account = first_account(&cloud, provider);
        let mut unknown = config(&cloud, &account);
        unknown.access_key_id = format!("{}0", account.access_key_id);
        let e = probe(&client_for(unknown), today).await.unwrap_err();
        let expected = match provider {
            Provider::Aliyun => "InvalidAccessKeyId.NotFound",
            Provider::Volcengine => "InvalidAccessKey",
            Provider::Tencent => "AuthFailure.SecretIdNotFound",
            _ => "InvalidAccessKeyId",
        };
        assert_eq!(
            (e.kind, e.code.as_str()),
            (ErrorKind::Auth, expected),
            "{provider:?}: {e}"
        );
    }
    cloud.shutdown();
}

/// A proxy or private endpoint in front of Tencent: the client still signs for `billing`, not
/// for the host's first label (`127` here), and the simulator checks the same.
#[tokio::test]
async fn tencent_signs_for_billing_behind_any_host() {
    let cloud = spawn(CloudSimSettings::fast(SEED)).await.unwrap();
    let account = first_account(&cloud, Provider::Tencent);
    let mut custom = config(&cloud, &account);
    let port = cloud.endpoints[&Provider::Tencent].port();
    custom.endpoint = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let lines = client_for(custom)
        .bill_lines(Scope::Month(first_of_month(cloud.ledger.today())))
        .await
        .unwrap();
    assert!(!lines.is_empty());
    cloud.shutdown();
}

#[tokio::test]
async fn throttling_is_retried_until_it_succeeds() {
    let (cloud, today) = start().await;
    for provider in Provider::ALL {
        let client = client_for(config(&cloud, &first_account(&cloud, provider)));
        cloud.control.push_fault(
            provider,
            CloudFault::Throttle {
                retry_after_s: Some(1),
            },
        );
        cloud.control.push_fault(provider, CloudFault::ServerError);
        let sent = growth(|| cloud.control.requests(provider));
        let throttled = growth(|| cloud.control.throttled(provider));
        probe(&client, today)
            .await
            .unwrap_or_else(|e| panic!("{provider:?}: {e}"));
        assert_eq!(throttled(), 1, "{provider:?}");
        assert_eq!(sent(), 3, "{provider:?}: throttle, 5xx, success");
    }
    cloud.shutdown();
}

#[tokio::test]
async fn malformed_answers_are_retried_like_a_5xx_then_reported() {
    let (cloud, today) = start().await;
    let attempts = fast_retry().attempts as u64;
    for provider in Provider::ALL {
        let client = client_for(config(&cloud, &first_account(&cloud, provider)));
        // One cut answer: asked again, and the second answer is used.
        cloud.control.push_fault(provider, CloudFault::MalformedJson);
        let sent = growth(|| cloud.control.requests(provider));
        probe(&client, today).await.unwrap_or_else(|e| panic!("{provider:?}: {e}"));
        assert_eq!(sent(), 2, "{provider:?}");
        // Cut every time: bounded, then Malformed.
        for _ in 0..attempts {
            cloud.control.push_fault(provider, CloudFault::MalformedJson);
        }
        let sent = growth(|| cloud.control.requests(provider));
        let e = probe(&client, today).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed, "{provider:?}: {e}");
        assert_eq!(sent(), attempts, "{provider:?}");
    }
    cloud.shutdown();
}

#[tokio::test]
async fn tencent_bill_not_ready() {
    let (cloud, today) = start().await;
    let client = client_for(config(&cloud, &first_account(&cloud, Provider::Tencent)));
    cloud
        .control
        .push_fault(Provider::Tencent, CloudFault::NotReady);
    let sent = growth(|| cloud.control.requests(Provider::Tencent));
    let e = client
        .bill_lines(Scope::Month(first_of_month(today)))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReady, "{e}");
    assert!(e.retry_after.is_some());
    assert_eq!(sent(), 1);
    // Once prepared, the same month reads normally.
    assert!(client
        .bill_lines(Scope::Month(first_of_month(today)))
        .await
        .is_ok());
    cloud.shutdown();
}
