//! Request and response helpers the provider modules share: the signable request rebuilt from
//! what arrived, JSON answers, strict date parsing, money formatting, aggregation and paging.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::Value;

use super::admission::{Admission, Rejection};
use super::ledger::LedgerLine;
use crate::signing::SignableRequest;
use crate::simulator::control::{self, truncated, Json};

/// Bodies above this are cut (the signature then fails); billing requests are tiny.
const MAX_BODY_BYTES: usize = 1 << 20;

/// The providers' billing APIs answer JSON with a charset.
pub(super) const JSON: Json = Json("application/json;charset=utf-8");

/// A provider error before it is put into the provider's body shape.
#[derive(Debug, Clone)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(super) fn retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }
}

/// A provider error as data: HTTP status, code, message.
pub(super) type ErrorSpec = (StatusCode, &'static str, &'static str);

/// How a provider words a request that admission turned away.
pub(super) struct Refusals {
    /// Over the account's rate limit, or a queued throttling fault.
    pub throttled: ErrorSpec,
    /// A queued throttling fault, where the provider words it apart (Volcengine's basic flow limit).
    pub fault_throttled: Option<ErrorSpec>,
    pub server_error: ErrorSpec,
}

impl Refusals {
    /// The provider's error for `rejection`; a throttling one carries the wait.
    pub(super) fn error(&self, rejection: Rejection) -> ApiError {
        let ((status, code, message), wait) = match rejection {
            Rejection::Throttled { retry_after, by_fault: true } => (self.fault_throttled.unwrap_or(self.throttled), retry_after),
            Rejection::Throttled { retry_after, by_fault: false } => (self.throttled, retry_after),
            Rejection::ServerError => (self.server_error, None),
        };
        ApiError::new(status, code, message).retry_after(wait)
    }
}

/// What the signatures cover, rebuilt from the received request as the `verify` docs ask:
/// decoded path and query (URL order), the headers as received, `Host` as the host.
pub(super) async fn read_request(request: Request) -> SignableRequest {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let host = parts
        .headers
        .get(header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .or_else(|| parts.uri.authority().map(ToString::to_string))
        .unwrap_or_default();
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    SignableRequest {
        method: parts.method.as_str().to_owned(),
        host,
        path: percent_decode(parts.uri.path()),
        query,
        headers,
        body: body.to_vec(),
    }
}

/// 411 for a POST or PUT that states no length (no `Content-Length`, not chunked), as some
/// gateways answer; the official SDKs send `Content-Length: 0` with an empty body.
pub(super) fn length_required(request: &Request) -> Option<Response> {
    let has_body_method = matches!(request.method().as_str(), "POST" | "PUT" | "PATCH");
    let headers = request.headers();
    let stated =
        headers.contains_key(header::CONTENT_LENGTH) || headers.contains_key(header::TRANSFER_ENCODING);
    (has_body_method && !stated)
        .then(|| (StatusCode::LENGTH_REQUIRED, "Length Required").into_response())
}

/// `%XY` decoded (a broken escape stays as it is); `+` is literal in a path.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of query parameter `name` (exact case).
pub(super) fn query_param<'a>(request: &'a SignableRequest, name: &str) -> Option<&'a str> {
    request
        .query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    JSON.response(status, body)
}

/// Adds `Retry-After` in whole seconds, rounded up (not documented by Volcengine, Baidu or
/// DeepSeek; a standard hint a client may use).
pub(super) fn with_retry_after(response: Response, wait: Option<Duration>) -> Response {
    let secs = wait.map(|wait| (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1));
    control::with_retry_after(response, secs)
}

/// A 200 answer; with the MalformedJson fault, only the first half of it.
pub(super) fn success_response(body: &Value, admission: Admission) -> Response {
    let text = body.to_string();
    let text = if admission.malformed {
        truncated(&text).to_owned()
    } else {
        text
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, JSON.0)], text).into_response()
}

/// A random request id (request ids are not part of the deterministic data).
pub(super) fn request_id() -> String {
    crate::simulator::uuid_like(true)
}

/// Strict `YYYY-MM` → first day of that month.
pub(super) fn parse_month(text: &str) -> Option<NaiveDate> {
    let first = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()?;
    (first.format("%Y-%m").to_string() == text).then_some(first)
}

/// Strict `YYYY-MM-DD`.
pub(super) fn parse_day(text: &str) -> Option<NaiveDate> {
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    (day.format("%Y-%m-%d").to_string() == text).then_some(day)
}

/// Months from `earlier` to `later` (both any day in their month).
pub(super) fn months_between(earlier: NaiveDate, later: NaiveDate) -> i64 {
    use chrono::Datelike;
    (i64::from(later.year()) * 12 + i64::from(later.month0()))
        - (i64::from(earlier.year()) * 12 + i64::from(earlier.month0()))
}

/// Two decimals, as a string (`"12.30"`).
pub(super) fn money(amount: Decimal) -> String {
    format!("{:.2}", amount.round_dp(2))
}

/// Two decimals, as a JSON number: Alibaba's bill amounts and Baidu's are JSON floats on the wire,
/// so the simulator emits floats too (a 2-dp value round-trips exactly); clients read them back
/// through their decimal text, never as `f64`.
pub(super) fn money_number(amount: Decimal) -> Value {
    amount
        .round_dp(2)
        .to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// Bill lines summed per day and/or product, ordered by (day, product code).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub date: Option<NaiveDate>,
    pub product_code: Option<String>,
    pub product_name: String,
    pub pretax: Decimal,
    pub payable: Decimal,
}

pub(super) fn aggregate(lines: &[LedgerLine], by_day: bool, by_product: bool) -> Vec<Row> {
    let mut rows: BTreeMap<(Option<NaiveDate>, Option<String>), Row> = BTreeMap::new();
    for line in lines {
        let date = by_day.then_some(line.date);
        let code = by_product.then(|| line.product_code.clone());
        let row = rows.entry((date, code.clone())).or_insert_with(|| Row {
            date,
            product_code: code,
            product_name: if by_product {
                line.product_name.clone()
            } else {
                String::new()
            },
            pretax: Decimal::ZERO,
            payable: Decimal::ZERO,
        });
        row.pretax += line.pretax;
        row.payable += line.payable;
    }
    rows.into_values().collect()
}

/// `limit` items from `offset` (a page past the end is empty).
pub(super) fn page<T: Clone>(items: &[T], offset: usize, limit: usize) -> Vec<T> {
    items.iter().skip(offset).take(limit).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::super::testkit::today;
    use super::*;
    use serde_json::json;

    #[test]
    fn helpers_parse_strictly_and_page_stably() {
        assert_eq!(parse_month("2026-11"), NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(parse_month("2026-1"), None);
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(
            parse_day("2026-11-05"),
            NaiveDate::from_ymd_opt(2026, 11, 5)
        );
        assert_eq!(parse_day("2026-11-5"), None);
        assert_eq!(percent_decode("/a%20b%2Fc%zz+%+1"), "/a b/c%zz+%+1");
        let text = "{\"a\":\"数据\"}";
        assert!(serde_json::from_str::<Value>(truncated(text)).is_err());
        assert_eq!(page(&[1, 2, 3, 4, 5], 3, 10), vec![4, 5]);
        assert!(page(&[1, 2], 5, 1).is_empty());
        assert_eq!(money(Decimal::new(123, 1)), "12.30");
        assert_eq!(money_number(Decimal::new(-1234, 2)), json!(-12.34));
        let may = NaiveDate::from_ymd_opt(2024, 11, 30).expect("date");
        assert_eq!(months_between(may, today()), 24);
    }
}
