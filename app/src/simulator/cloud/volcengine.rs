//! Volcengine billing OpenAPI (service `billing`, Version 2022-01-01, region `cn-beijing`):
//! `POST /?Action=X&Version=2022-01-01` with a JSON body, signed with Volcengine's HMAC-SHA256
//! (https://www.volcengine.com/docs/6469/1121980). Parameters come from the JSON body; query
//! parameters other than Action/Version are read too (the body wins).
//!
//! Envelope `{"ResponseMetadata":{RequestId,Action,Version,Service,Region},"Result":{..}}`;
//! errors put `Error{Code,CodeN?,Message}` into ResponseMetadata with a 4xx/5xx status
//! (https://volcengine.com/docs/6460/79674, codes https://volcengine.com/docs/6448/76370).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::ledger::month_end;
use super::{
    aggregate, json_response, length_required, money, months_between, page, parse_day, parse_month,
    query_param, read_request, request_id, success_response, with_retry_after, Admission, ApiError,
    Core, Rejection, Row, SimAccount,
};
use crate::billing::model::Provider;
use crate::signing::{volcengine, SignableRequest, SignatureError};

const VERSION: &str = "2022-01-01";
const SERVICE: &str = "billing";
const REGION: &str = "cn-beijing";
const MAX_LIMIT: u64 = 300;
/// ListBillDetail: "at most 24 months back, no earlier than 2022-01" (docs/6269/1127842).
const MAX_MONTHS_BACK: i64 = 24;

pub(super) fn router(core: Arc<Core>) -> Router {
    Router::new().fallback(handle).with_state(core)
}

struct Meta {
    request_id: String,
    action: String,
    version: String,
}

impl Meta {
    fn json(&self) -> Map<String, Value> {
        let mut meta = Map::new();
        meta.insert("RequestId".into(), json!(self.request_id));
        meta.insert("Action".into(), json!(self.action));
        meta.insert("Version".into(), json!(self.version));
        meta.insert("Service".into(), json!(SERVICE));
        meta.insert("Region".into(), json!(REGION));
        meta
    }
}

async fn handle(State(core): State<Arc<Core>>, request: Request) -> Response {
    core.begin(Provider::Volcengine).await;
    if let Some(refused) = length_required(&request) {
        return refused;
    }
    let request = read_request(request).await;
    let meta = Meta {
        request_id: request_id(),
        action: query_param(&request, "Action")
            .unwrap_or_default()
            .to_owned(),
        version: query_param(&request, "Version")
            .unwrap_or_default()
            .to_owned(),
    };
    match serve(&core, &request, &meta).await {
        Ok((result, admission)) => {
            let body = json!({"ResponseMetadata": meta.json(), "Result": result});
            success_response(&body, admission)
        }
        Err(error) => error_response(&error, &meta),
    }
}

async fn serve(
    core: &Core,
    request: &SignableRequest,
    meta: &Meta,
) -> Result<(Value, Admission), ApiError> {
    let account = authenticate(core, request)?;
    let admission = core
        .admit(Provider::Volcengine, &account.name)
        .await
        .map_err(rejection_error)?;
    let result = dispatch(core, account, request, meta)?;
    Ok((result, admission))
}

fn error_response(error: &ApiError, meta: &Meta) -> Response {
    let mut detail = Map::new();
    detail.insert("Code".into(), json!(error.code));
    if let Some(code_n) = code_n(error.code) {
        detail.insert("CodeN".into(), json!(code_n));
    }
    detail.insert("Message".into(), json!(error.message));
    let mut metadata = meta.json();
    metadata.insert("Error".into(), Value::Object(detail));
    with_retry_after(
        json_response(error.status, &json!({"ResponseMetadata": metadata})),
        error.retry_after,
    )
}

/// The numeric codes the common-error pages give (docs/providers.md, "Volcengine"); codes
/// without a documented number go out without `CodeN`, as other APIs do.
fn code_n(code: &str) -> Option<u32> {
    match code {
        "InvalidActionOrVersion" => Some(100_008),
        "InvalidAccessKey" => Some(100_009),
        "SignatureDoesNotMatch" => Some(100_010),
        _ => None,
    }
}

// --- authentication ------------------------------------------------------------------------

fn authenticate<'a>(core: &'a Core, request: &SignableRequest) -> Result<&'a SimAccount, ApiError> {
    let key_id = volcengine::verify(
        request,
        core.secret_lookup(Provider::Volcengine),
        Utc::now(),
    )
    .map_err(|e| auth_error(&e))?;
    // The gateway routes by the credential scope's service: a key signed for `iam` is refused.
    if scope_service(request).as_deref() != Some(SERVICE) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "SignatureDoesNotMatch",
            format!("The credential scope must name the service {SERVICE}."),
        ));
    }
    core.account_by_key(Provider::Volcengine, &key_id)
        .ok_or_else(|| auth_error(&SignatureError::UnknownKey(key_id)))
}

/// The `service` of `Credential=AK/date/region/service/request`.
fn scope_service(request: &SignableRequest) -> Option<String> {
    let authorization = request.header("authorization")?;
    let credential = authorization
        .split("Credential=")
        .nth(1)?
        .split(',')
        .next()?;
    credential.split('/').nth(3).map(str::to_owned)
}

fn auth_error(error: &SignatureError) -> ApiError {
    match error {
        SignatureError::Missing(what) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "MissingSignature",
            format!("The request is missing {what}."),
        ),
        SignatureError::Malformed(_) | SignatureError::Mismatch { .. } => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ),
        SignatureError::UnknownKey(id) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAccessKey",
            format!("The access key {id} is invalid."),
        ),
        // The current common-error pages give 400 (an older one 403).
        SignatureError::Expired => ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimestamp",
            "The request timestamp is invalid or expired.",
        ),
    }
}

fn rejection_error(rejection: Rejection) -> ApiError {
    match rejection {
        // A queued fault plays the basic flow limit, the rate limit the billing API's own one.
        Rejection::Throttled {
            retry_after,
            by_fault: true,
        } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "FlowLimitExceeded",
            "请求过于频繁，超出了基本限速",
        )
        .retry_after(retry_after),
        Rejection::Throttled {
            retry_after,
            by_fault: false,
        } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RequestLimitExceeded",
            "请求被限流",
        )
        .retry_after(retry_after),
        Rejection::ServerError => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The request processing has failed due to some unknown error.",
        ),
    }
}

// --- parameters ------------------------------------------------------------------------------

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "InvalidParam", message)
}

/// The JSON body's fields, plus query parameters (as strings) the body does not set.
struct Params(Map<String, Value>);

impl Params {
    fn of(request: &SignableRequest) -> Result<Self, ApiError> {
        let mut map = if request.body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(&request.body) {
                Ok(Value::Object(map)) => map,
                _ => return Err(invalid("The request body is not a JSON object.")),
            }
        };
        for (key, value) in &request.query {
            if key != "Action" && key != "Version" && !map.contains_key(key) {
                map.insert(key.clone(), json!(value));
            }
        }
        Ok(Params(map))
    }

    fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A number or numeric string.
    fn integer(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| invalid(format!("The parameter {name} is invalid."))),
        }
    }

    /// A string array, or a single string.
    fn list(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    fn bill_period(&self, today: NaiveDate) -> Result<NaiveDate, ApiError> {
        let text = self
            .text("BillPeriod")
            .ok_or_else(|| invalid("The parameter BillPeriod is required."))?;
        let period = parse_month(&text)
            .ok_or_else(|| invalid("The parameter BillPeriod is invalid (YYYY-MM)."))?;
        let oldest = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or(period);
        if period < oldest || months_between(period, today) > MAX_MONTHS_BACK {
            return Err(invalid(
                "BillPeriod must be within the last 24 months and not before 2022-01.",
            ));
        }
        Ok(period)
    }

    /// `(Limit, Offset)`: Limit is required, 1–300.
    fn window(&self) -> Result<(usize, usize), ApiError> {
        let limit = self
            .integer("Limit")?
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| invalid("The parameter Limit is required and must be 1-300."))?;
        let offset = self.integer("Offset")?.unwrap_or(0);
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        Ok((usize::try_from(limit).unwrap_or(1), offset))
    }

    fn choice(&self, name: &str, allowed: std::ops::RangeInclusive<u64>) -> Result<u64, ApiError> {
        let value = self.integer(name)?.unwrap_or(0);
        if allowed.contains(&value) {
            Ok(value)
        } else {
            Err(invalid(format!("The parameter {name} is invalid.")))
        }
    }
}

// --- actions -----------------------------------------------------------------------------------

fn dispatch(
    core: &Core,
    account: &SimAccount,
    request: &SignableRequest,
    meta: &Meta,
) -> Result<Value, ApiError> {
    let known = [
        "QueryBalanceAcct",
        "ListBillDetail",
        "ListBillOverviewByProd",
    ];
    if request.path != "/" || meta.version != VERSION || !known.contains(&meta.action.as_str()) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "InvalidActionOrVersion",
            format!(
                "Could not find operation {} for version {}",
                meta.action, meta.version
            ),
        ));
    }
    let params = Params::of(request)?;
    match meta.action.as_str() {
        "QueryBalanceAcct" => Ok(balance(core, account)),
        "ListBillDetail" => bill_detail(core, account, &params),
        _ => overview_by_product(core, account, &params),
    }
}

/// QueryBalanceAcct (docs/6269/1223898): strings, except AccountID (an integer).
fn balance(core: &Core, account: &SimAccount) -> Value {
    let balance = core.ledger().cash_balance(&account.name, core.today());
    json!({
        "AccountID": account.provider_account_id.parse::<u64>().unwrap_or(0),
        "ArrearsBalance": money((-balance).max(Decimal::ZERO)),
        "AvailableBalance": money(balance),
        "CashBalance": money(balance),
        "CreditLimit": "0.00",
        "FreezeAmount": "0.00",
    })
}

/// Lines of the period, filtered by `Product` (codes) when given.
fn period_lines(
    core: &Core,
    account: &SimAccount,
    period: NaiveDate,
    products: &[String],
) -> Vec<super::LedgerLine> {
    let mut lines = core.reported_lines(&account.name, period, month_end(period));
    if !products.is_empty() {
        lines.retain(|l| {
            products
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&l.product_code))
        });
    }
    lines
}

/// ListBillDetail (docs/6269/1127842). GroupPeriod 1 (day) or 2 (detail) gives one row per
/// day; 0 one per period. GroupTerm 3 (account) sums the products; 0/1/2 give one row per
/// product (each demo product has a single instance and charge item).
fn bill_detail(core: &Core, account: &SimAccount, params: &Params) -> Result<Value, ApiError> {
    let period = params.bill_period(core.today())?;
    let (limit, offset) = params.window()?;
    let by_product = params.choice("GroupTerm", 0..=3)? != 3;
    let daily = params.choice("GroupPeriod", 0..=2)? != 0;
    let mut lines = period_lines(core, account, period, &params.list("Product"));
    if let Some(text) = params.text("ExpenseDate").filter(|_| daily) {
        let day = parse_day(&text)
            .filter(|d| month_end(period) >= *d && *d >= period)
            .ok_or_else(|| invalid("The parameter ExpenseDate is invalid."))?;
        lines.retain(|l| l.date == day);
    }
    let rows = without_zero(aggregate(&lines, daily, by_product), params);
    let list: Vec<Value> = page(&rows, offset, limit)
        .iter()
        .map(|row| detail_item(account, period, row))
        .collect();
    Ok(json!({"List": list, "Total": rows.len(), "Limit": limit, "Offset": offset}))
}

fn without_zero(mut rows: Vec<Row>, params: &Params) -> Vec<Row> {
    if params.text("IgnoreZero").as_deref() == Some("1") {
        rows.retain(|r| !r.pretax.is_zero() || !r.payable.is_zero());
    }
    rows
}

/// All strings but RoundAmount. OriginalBillAmount = before discounts; PayableAmount =
/// PretaxAmount = PaidAmount = owed after discounts; DiscountBillAmount = the difference.
fn detail_item(account: &SimAccount, period: NaiveDate, row: &Row) -> Value {
    let (begin, end, day) = match row.date {
        Some(d) => (d, d, d.format("%Y-%m-%d").to_string()),
        None => (period, month_end(period), String::new()),
    };
    let mut item = common_fields(account, period, row);
    let strings = [
        ("ExpenseDate", day),
        (
            "ExpenseBeginTime",
            format!("{} 00:00:00", begin.format("%Y-%m-%d")),
        ),
        (
            "ExpenseEndTime",
            format!("{} 23:59:59", end.format("%Y-%m-%d")),
        ),
        (
            "InstanceNo",
            row.product_code
                .as_deref()
                .map(|c| format!("{c}-{}", account.provider_account_id))
                .unwrap_or_default(),
        ),
        ("Region", REGION.to_owned()),
        ("Count", "1".to_owned()),
    ];
    for (key, value) in strings {
        item.insert(key.into(), json!(value));
    }
    item.insert("RoundAmount".into(), json!(0.0));
    Value::Object(item)
}

fn common_fields(account: &SimAccount, period: NaiveDate, row: &Row) -> Map<String, Value> {
    let (pretax, payable) = (row.pretax, row.payable);
    let fields = [
        ("BillPeriod", period.format("%Y-%m").to_string()),
        ("Product", row.product_code.clone().unwrap_or_default()),
        ("ProductZh", row.product_name.clone()),
        ("BillingMode", "按量计费".to_owned()),
        ("OriginalBillAmount", money(pretax)),
        ("PreferentialBillAmount", money(pretax)),
        ("DiscountBillAmount", money(pretax - payable)),
        ("CouponAmount", "0.00".to_owned()),
        ("PayableAmount", money(payable)),
        ("PaidAmount", money(payable)),
        ("UnpaidAmount", "0.00".to_owned()),
        ("PretaxAmount", money(payable)),
        ("PosttaxAmount", money(payable)),
        ("Tax", "0.00".to_owned()),
        ("Currency", "CNY".to_owned()),
        ("PayerID", account.provider_account_id.clone()),
        ("OwnerID", account.provider_account_id.clone()),
    ];
    fields
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect()
}

/// ListBillOverviewByProd (docs/6269/1127843): one row per product for the period, all
/// strings; BillCategoryParent is `consume`, or `refund` for a negative total.
fn overview_by_product(
    core: &Core,
    account: &SimAccount,
    params: &Params,
) -> Result<Value, ApiError> {
    let period = params.bill_period(core.today())?;
    let (limit, offset) = params.window()?;
    let lines = period_lines(core, account, period, &params.list("Product"));
    let categories = params.list("BillCategoryParent");
    let mut rows = without_zero(aggregate(&lines, false, true), params);
    rows.retain(|r| categories.is_empty() || categories.iter().any(|c| c == category(r)));
    let list: Vec<Value> = page(&rows, offset, limit)
        .iter()
        .map(|row| {
            let mut item = common_fields(account, period, row);
            item.insert("BillCategoryParent".into(), json!(category(row)));
            item.insert("BusinessMode".into(), json!("Normal"));
            item.insert("RoundBillAmount".into(), json!("0.00"));
            Value::Object(item)
        })
        .collect();
    Ok(json!({"List": list, "Total": rows.len(), "Limit": limit, "Offset": offset}))
}

fn category(row: &Row) -> &'static str {
    if row.payable < Decimal::ZERO {
        "refund"
    } else {
        "consume"
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{CloudFault, CloudSim};
    use super::*;
    use crate::signing::{AccessKey, HeadersToSign};
    use crate::secret::Secret;
    use chrono::DateTime;

    fn signed_with(
        sim: &CloudSim,
        secret: &Secret,
        action: &str,
        body: &Value,
        at: DateTime<Utc>,
    ) -> SignableRequest {
        let account = account(sim, "volc-ark");
        let mut request = SignableRequest {
            method: "POST".into(),
            host: host(sim, Provider::Volcengine),
            path: "/".into(),
            query: vec![
                ("Action".into(), action.into()),
                ("Version".into(), VERSION.into()),
            ],
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=UTF-8".into(),
            )],
            body: body.to_string().into_bytes(),
        };
        let key = AccessKey {
            id: &account.access_key_id,
            secret,
        };
        let region = account.region.as_deref().unwrap_or(REGION);
        let signature = volcengine::sign(
            &request,
            key,
            at,
            region,
            SERVICE,
            HeadersToSign::ProviderDefault,
        );
        request.apply(&signature);
        request
    }

    async fn call(sim: &CloudSim, action: &str, body: Value) -> Reply {
        let secret = account(sim, "volc-ark").secret;
        send(&signed_with(sim, &secret, action, &body, Utc::now())).await
    }

    fn assert_error(reply: &Reply, status: u16, code: &str) {
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
        let meta = &reply.json()["ResponseMetadata"];
        assert_eq!(meta["Error"]["Code"], code, "{}", reply.text);
        assert_eq!(meta["Service"], SERVICE);
    }

    #[tokio::test]
    async fn balance_has_an_integer_account_id_and_string_amounts() {
        let sim = start().await;
        let reply = call(&sim, "QueryBalanceAcct", json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        assert_eq!(body["ResponseMetadata"]["Action"], "QueryBalanceAcct");
        assert_eq!(body["ResponseMetadata"]["Version"], VERSION);
        let result = &body["Result"];
        let id = account(&sim, "volc-ark").provider_account_id;
        assert_eq!(
            result["AccountID"].as_u64().map(|n| n.to_string()),
            Some(id)
        );
        assert!(result["AvailableBalance"].is_string() && result["CreditLimit"] == "0.00");
    }

    async fn all_pages(sim: &CloudSim, action: &str, body: Value, limit: u64) -> (u64, Vec<Value>) {
        let mut items = Vec::new();
        let mut offset = 0;
        loop {
            let mut request = body.clone();
            request["Limit"] = json!(limit);
            request["Offset"] = json!(offset);
            let reply = call(sim, action, request).await;
            let result = reply.json()["Result"].clone();
            let batch = result["List"]
                .as_array()
                .unwrap_or_else(|| panic!("{}", reply.text))
                .clone();
            if batch.is_empty() {
                return (result["Total"].as_u64().expect("total"), items);
            }
            assert_eq!(result["Offset"], offset);
            offset += batch.len() as u64;
            items.extend(batch);
        }
    }

    fn sums(items: &[Value]) -> (Decimal, Decimal) {
        items
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(g, p), i| {
                (
                    g + decimal(&i["OriginalBillAmount"]),
                    p + decimal(&i["PayableAmount"]),
                )
            })
    }

    #[tokio::test]
    async fn daily_detail_pages_add_up_to_the_ledger_month() {
        let sim = start().await;
        // Paging a month takes more calls than the default limit allows in a second.
        sim.control.set_rate_limit(Provider::Volcengine, 10_000);
        for period in ["2026-10", "2026-11"] {
            let body = json!({"BillPeriod": period, "GroupTerm": 2, "GroupPeriod": 1});
            let (total, items) = all_pages(&sim, "ListBillDetail", body, 40).await;
            assert_eq!(total as usize, items.len());
            let first = parse_month(period).expect("month");
            assert_eq!(
                sums(&items),
                reported_month(&sim, "volc-ark", first),
                "{period}"
            );
            assert!(items.iter().all(|i| i["PretaxAmount"].is_string()
                && i["ExpenseDate"]
                    .as_str()
                    .is_some_and(|d| d.starts_with(period))));

            let (_, overview) = all_pages(
                &sim,
                "ListBillOverviewByProd",
                json!({"BillPeriod": period}),
                2,
            )
            .await;
            assert_eq!(overview.len(), 3);
            assert_eq!(sums(&overview), reported_month(&sim, "volc-ark", first));
        }
        let one_day = json!({"BillPeriod": "2026-11", "GroupPeriod": 1, "ExpenseDate": "2026-11-02", "Product": ["ark"], "Limit": 10});
        let list = call(&sim, "ListBillDetail", one_day).await.json()["Result"]["List"].clone();
        assert_eq!(list.as_array().map(Vec::len), Some(1));
        assert_eq!(list[0]["ProductZh"], "火山方舟");
    }

    #[tokio::test]
    async fn parameters_are_checked() {
        let sim = start().await;
        let no_limit = call(&sim, "ListBillDetail", json!({"BillPeriod": "2026-10"})).await;
        assert_error(&no_limit, 400, "InvalidParam");
        let big = call(
            &sim,
            "ListBillDetail",
            json!({"BillPeriod": "2026-10", "Limit": 301}),
        )
        .await;
        assert_error(&big, 400, "InvalidParam");
        for old in ["2024-10", "2021-12"] {
            assert_error(
                &call(
                    &sim,
                    "ListBillDetail",
                    json!({"BillPeriod": old, "Limit": 10}),
                )
                .await,
                400,
                "InvalidParam",
            );
        }
        let edge = call(
            &sim,
            "ListBillDetail",
            json!({"BillPeriod": "2024-11", "Limit": "10"}),
        )
        .await;
        assert_eq!(edge.status, 200, "{}", edge.text);
        assert_eq!(edge.json()["Result"]["Total"], 0);
    }

    #[tokio::test]
    async fn signature_problems_use_volcengine_codes() {
        let sim = start().await;
        let wrong = Secret::new("not-the-secret");
        let reply = send(&signed_with(
            &sim,
            &wrong,
            "QueryBalanceAcct",
            &json!({}),
            Utc::now(),
        ))
        .await;
        assert_error(&reply, 401, "SignatureDoesNotMatch");
        assert_eq!(reply.json()["ResponseMetadata"]["Error"]["CodeN"], 100_010);
        let secret = account(&sim, "volc-ark").secret;
        let stale = Utc::now() - chrono::Duration::hours(1);
        assert_error(
            &send(&signed_with(
                &sim,
                &secret,
                "QueryBalanceAcct",
                &json!({}),
                stale,
            ))
            .await,
            400,
            "InvalidTimestamp",
        );
        let mut unknown = signed_with(&sim, &secret, "QueryBalanceAcct", &json!({}), Utc::now());
        for (name, value) in &mut unknown.headers {
            if name == "Authorization" {
                *value = value.replace("Credential=AKLT", "Credential=AKLX");
            }
        }
        let reply = send(&unknown).await;
        assert_error(&reply, 401, "InvalidAccessKey");
        assert_eq!(reply.json()["ResponseMetadata"]["Error"]["CodeN"], 100_009);
        unknown.headers.retain(|(n, _)| n != "Authorization");
        assert_error(&send(&unknown).await, 401, "MissingSignature");
    }

    #[tokio::test]
    async fn unknown_action_or_version() {
        let sim = start().await;
        let reply = call(&sim, "ListBill2", json!({})).await;
        assert_error(&reply, 404, "InvalidActionOrVersion");
        assert_eq!(reply.json()["ResponseMetadata"]["Error"]["CodeN"], 100_008);
    }

    #[tokio::test]
    async fn throttling_by_fault_and_by_rate_limit() {
        let sim = start().await;
        sim.control.push_fault(
            Provider::Volcengine,
            CloudFault::Throttle {
                retry_after_s: None,
            },
        );
        assert_error(
            &call(&sim, "QueryBalanceAcct", json!({})).await,
            429,
            "FlowLimitExceeded",
        );
        sim.control.set_rate_limit(Provider::Volcengine, 1);
        let mut codes = Vec::new();
        for _ in 0..3 {
            let reply = call(&sim, "QueryBalanceAcct", json!({})).await;
            if reply.status == 429 {
                assert_error(&reply, 429, "RequestLimitExceeded");
                codes.push(reply.status);
            }
        }
        assert!(!codes.is_empty());
        assert_eq!(
            sim.control.throttled(Provider::Volcengine),
            1 + codes.len() as u64
        );
    }

    #[tokio::test]
    async fn malformed_json_and_server_error() {
        let sim = start().await;
        sim.control
            .push_fault(Provider::Volcengine, CloudFault::MalformedJson);
        sim.control
            .push_fault(Provider::Volcengine, CloudFault::ServerError);
        let reply = call(&sim, "QueryBalanceAcct", json!({})).await;
        assert_eq!(reply.status, 200);
        assert!(serde_json::from_str::<Value>(&reply.text).is_err());
        assert_error(
            &call(&sim, "QueryBalanceAcct", json!({})).await,
            500,
            "InternalError",
        );
    }
}
