//! Test support shared by the provider modules: a simulator on a fixed day, and a sender that puts
//! exactly a signed request on the wire.

use axum::http::{header, StatusCode};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{ledger, spawn, CloudSim, CloudSimSettings, SimAccount};
use crate::billing::model::Provider;
use crate::signing::{rfc3986_encode, SignableRequest};

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

pub fn account(sim: &CloudSim, name: &str) -> SimAccount {
    sim.account(name).expect("demo account").clone()
}

pub fn host(sim: &CloudSim, provider: Provider) -> String {
    sim.endpoints[&provider].to_string()
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

/// A JSON number or numeric string as an exact decimal.
pub fn decimal(value: &Value) -> Decimal {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.parse()
        .unwrap_or_else(|_| panic!("not an amount: {value}"))
}
