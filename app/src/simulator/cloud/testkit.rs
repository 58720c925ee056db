//! Test support shared by the provider modules: a simulator on a fixed day, signed requests, a
//! sender that puts exactly a signed request on the wire, and the fault and rate-limit checks.

use axum::http::{header, StatusCode};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{ledger, spawn, CloudFault, CloudSim, CloudSimSettings, SimAccount};
use crate::billing::model::Provider;
use crate::secret::Secret;
use crate::signing::{rfc3986_encode, AccessKey, RequestSignature, SignableRequest};

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 18).expect("date")
}

pub async fn start() -> CloudSim {
    let settings = CloudSimSettings {
        today: Some(today()),
        ..CloudSimSettings::fast(7)
    };
    spawn(settings).await.expect("simulator starts")
}

/// A simulator on which `provider` takes any request rate: paging a month takes more calls than
/// the default limit allows in a second.
pub async fn start_for_paging(provider: Provider) -> CloudSim {
    let sim = start().await;
    sim.control.set_rate_limit(provider, 10_000);
    sim
}

pub fn account(sim: &CloudSim, name: &str) -> SimAccount {
    sim.account(name).expect("demo account").clone()
}

pub fn host(sim: &CloudSim, provider: Provider) -> String {
    sim.endpoints[&provider].to_string()
}

/// Name-value pairs as a request holds them.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// A `POST /` to `provider`, not yet signed.
pub fn post_root(sim: &CloudSim, provider: Provider) -> SignableRequest {
    SignableRequest {
        method: "POST".into(),
        host: host(sim, provider),
        path: "/".into(),
        ..SignableRequest::default()
    }
}

/// `request` signed by `sign` with `account`'s key id and `secret`, the signature's headers added.
pub fn signed_by(
    account: &SimAccount,
    secret: &Secret,
    mut request: SignableRequest,
    sign: impl FnOnce(&SignableRequest, AccessKey<'_>) -> RequestSignature,
) -> SignableRequest {
    let key = AccessKey {
        id: &account.access_key_id,
        secret,
    };
    let signature = sign(&request, key);
    request.apply(&signature);
    request
}

/// Replaces `from` with `to` (once) in `request`'s `Authorization` header, as a tampering test does.
pub fn rewrite_authorization(request: &mut SignableRequest, from: &str, to: &str) {
    for (name, value) in &mut request.headers {
        if name == "Authorization" {
            *value = value.replacen(from, to, 1);
        }
    }
}

/// Queues `faults` for `provider`, in order.
pub fn queue_faults(sim: &CloudSim, provider: Provider, faults: impl IntoIterator<Item = CloudFault>) {
    for fault in faults {
        sim.control.push_fault(provider, fault);
    }
}

/// The reply to `call` with a throttling fault (the wait `retry_after_s`) queued for `provider`.
pub async fn throttled_by_fault<F: std::future::Future<Output = Reply>>(
    sim: &CloudSim,
    (provider, retry_after_s): (Provider, Option<u64>),
    call: impl FnOnce() -> F,
) -> Reply {
    sim.control.push_fault(provider, CloudFault::Throttle { retry_after_s });
    call().await
}

/// Sets `provider`'s rate limit to 1/s and sends three requests with `call`: at least one is
/// throttled (`is_throttled`; each such reply passes `check`), and the provider counts those on top
/// of the `before` it had throttled.
pub async fn assert_rate_limited<F: std::future::Future<Output = Reply>>(
    sim: &CloudSim,
    (provider, before): (Provider, u64),
    call: impl Fn() -> F,
    is_throttled: impl Fn(&Reply) -> bool,
    check: impl Fn(&Reply),
) {
    sim.control.set_rate_limit(provider, 1);
    let mut count = 0;
    for _ in 0..3 {
        let reply = call().await;
        if is_throttled(&reply) {
            check(&reply);
            count += 1;
        }
    }
    assert!(count >= 1, "the limit throttles");
    assert_eq!(sim.control.throttled(provider), before + count);
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// HTTP 200 with a body that does not parse: the MalformedJson fault's answer.
    pub fn is_cut_json(&self) -> bool {
        self.status == StatusCode::OK && serde_json::from_str::<Value>(&self.text).is_err()
    }
}

/// Sends exactly `request` (its host, path, query, headers and body) over HTTP.
pub async fn send(request: &SignableRequest) -> Reply {
    let query: Vec<String> = request
        .query
        .iter()
        .map(|(k, v)| format!("{}={}", rfc3986_encode(k, false), rfc3986_encode(v, false)))
        .collect();
    let mut url = format!(
        "http://{}{}",
        request.host,
        rfc3986_encode(&request.path, true)
    );
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("method");
    let mut builder = reqwest::Client::new()
        .request(method, url)
        .body(request.body.clone());
    if request.body.is_empty() && request.method != "GET" {
        // reqwest states no length for an empty body; the SDKs send 0.
        builder = builder.header(header::CONTENT_LENGTH, "0");
    }
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = builder.send().await.expect("request reaches the simulator");
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

/// Payable total of `account` in the month starting `first`, as reported today.
pub fn reported_month(sim: &CloudSim, account: &str, first: NaiveDate) -> (Decimal, Decimal) {
    sim.ledger
        .lines(account, first, ledger::month_end(first))
        .iter()
        .map(|l| sim.ledger.as_reported(l, today()))
        .fold((Decimal::ZERO, Decimal::ZERO), |(p, q), l| {
            (p + l.pretax, q + l.payable)
        })
}

/// The sum of `field` over `items`, each a JSON number or numeric string.
pub fn total<'a>(items: impl IntoIterator<Item = &'a Value>, field: &str) -> Decimal {
    items.into_iter().map(|item| decimal(&item[field])).sum()
}

/// The sums of the two amount fields `(pretax, payable)` over `items`.
pub fn sums(items: &[Value], (pretax, payable): (&str, &str)) -> (Decimal, Decimal) {
    (total(items, pretax), total(items, payable))
}

/// A JSON number or numeric string as an exact decimal.
pub fn decimal(value: &Value) -> Decimal {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.parse()
        .unwrap_or_else(|_| panic!("not an amount: {value}"))
}
