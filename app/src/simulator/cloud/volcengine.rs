//! Volcengine billing OpenAPI (service `billing`, Version 2022-01-01, region `cn-beijing`):
//! `POST /?Action=X&Version=2022-01-01` with a JSON body, signed with Volcengine's HMAC-SHA256
//! (https://www.volcengine.com/docs/6469/1121980). Parameters come from the JSON body; query
//! parameters other than Action/Version are read too (the body wins).
//!
//! Envelope `{"ResponseMetadata":{RequestId,Action,Version,Service,Region},"Result":{..}}`;
//! errors put `Error{Code,CodeN?,Message}` into ResponseMetadata with a 4xx/5xx status
//! (https://volcengine.com/docs/6460/79674, codes https://volcengine.com/docs/6448/76370).

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::ledger::month_end;
use super::{
    aggregate, json_response, money, months_between, page, parse_day, parse_month,
    query_param, request_id, success_response, with_retry_after, Admission, ApiError,
    Core, Refusals, Row, SimAccount,
};
use super::volcengine_iam;
use crate::billing::model::Provider;
use crate::signing::{volcengine, SignableRequest, SignatureError};

/// How the provider words a request admission turned away.
const REFUSALS: Refusals = Refusals {
    // A queued fault plays the basic flow limit, the rate limit the billing API's own one.
    throttled: (StatusCode::TOO_MANY_REQUESTS, "RequestLimitExceeded", "请求被限流"),
    fault_throttled: Some((StatusCode::TOO_MANY_REQUESTS, "FlowLimitExceeded", "请求过于频繁，超出了基本限速")),
    server_error: (StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "The request processing has failed due to some unknown error."),
};

const VERSION: &str = "2022-01-01";
const SERVICE: &str = "billing";
const REGION: &str = "cn-beijing";
const MAX_LIMIT: u64 = 300;
/// ListBillDetail: "at most 24 months back, no earlier than 2022-01" (docs/6269/1127842).
const MAX_MONTHS_BACK: i64 = 24;

struct Meta {
    request_id: String,
    action: String,
    version: String,
    /// `billing` or `iam`, from the credential scope once authenticated.
    service: &'static str,
}

impl Meta {
    fn json(&self) -> Map<String, Value> {
        let mut meta = Map::new();
        meta.insert("RequestId".into(), json!(self.request_id));
        meta.insert("Action".into(), json!(self.action));
        meta.insert("Version".into(), json!(self.version));
        meta.insert("Service".into(), json!(self.service));
        meta.insert("Region".into(), json!(REGION));
        meta
    }
}

/// Answers a request the port has received (see `provider_router`).
pub(super) async fn answer(core: &Core, request: SignableRequest) -> Response {
    let mut meta = Meta {
        service: SERVICE,
        request_id: request_id(),
        action: query_param(&request, "Action")
            .unwrap_or_default()
            .to_owned(),
        version: query_param(&request, "Version")
            .unwrap_or_default()
            .to_owned(),
    };
    if scope_service(&request).as_deref() == Some(volcengine_iam::SERVICE) {
        meta.service = volcengine_iam::SERVICE;
    }
    match serve(core, &request, &meta).await {
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
    let account = authenticate(core, request, meta.service)?;
    let admission = core.admit(Provider::Volcengine, &account.name).await.map_err(|r| REFUSALS.error(r))?;
    let result = if meta.service == volcengine_iam::SERVICE {
        dispatch_iam(core, account, request, meta)?
    } else {
        dispatch(core, account, request, meta)?
    };
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

/// The signature checked, for `service` (`billing` or `iam`, which the request's scope named).
fn authenticate<'a>(core: &'a Core, request: &SignableRequest, service: &str) -> Result<&'a SimAccount, ApiError> {
    let key_id = volcengine::verify(
        request,
        core.secret_lookup(Provider::Volcengine),
        Utc::now(),
    )
    .map_err(|e| auth_error(&e))?;
    // The gateway routes by the credential scope's service: only billing and IAM live here.
    if scope_service(request).as_deref() != Some(service) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "SignatureDoesNotMatch",
            format!("The credential scope must name the service {SERVICE} or {}.", volcengine_iam::SERVICE),
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

// --- parameters ------------------------------------------------------------------------------

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "InvalidParam", message)
}

/// The JSON body's fields, plus query parameters (as strings) the body does not set.
pub(super) struct Params(Map<String, Value>);

impl Params {
    /// A parameter as sent (a query parameter as a JSON string).
    pub(super) fn raw(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

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

    pub(super) fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A number or numeric string.
    pub(super) fn integer(&self, name: &str) -> Result<Option<u64>, ApiError> {
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

/// An IAM action (service `iam`), its version checked like billing's.
fn dispatch_iam(core: &Core, account: &SimAccount, request: &SignableRequest, meta: &Meta) -> Result<Value, ApiError> {
    if request.path != "/" || !volcengine_iam::serves(&meta.action, &meta.version) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "InvalidActionOrVersion",
            format!("Could not find operation {} for version {}", meta.action, meta.version),
        ));
    }
    core.iam.answer(account, &meta.action, &Params::of(request)?)
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
    let projects = params.list("Project");
    // Filtered by project, the projects' own stream (simulator/cloud/projects.rs); else the ledger.
    let mut lines = if projects.is_empty() {
        period_lines(core, account, period, &params.list("Product"))
    } else {
        core.projects.lines(&account.name, &projects, period, core.today())
    };
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
mod tests;
