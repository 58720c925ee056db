//! Alibaba Cloud BSS OpenAPI (`BssOpenApi`, Version 2017-12-14): RPC style, `POST /` with the
//! parameters in the query string (a form-urlencoded body is also read), signed with
//! ACS3-HMAC-SHA256 (https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature).
//! The action is the `x-acs-action` header, the version `x-acs-version`.
//!
//! Envelope `{"Code":"200","Message","RequestId","Success":true,"Data"}`; errors
//! `{"RequestId","Message","Recommend","HostId","Code"}` (https://help.aliyun.com/document_detail/149360.htm).
//! Field lists follow `alibabacloud-python-sdk/bssopenapi-20171214` models (docs/providers.md, "Alibaba Cloud").

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::ledger::month_end;
use super::{
    aggregate, json_response, money, money_number, page, parse_day, parse_month,
    request_id, success_response, Admission, ApiError, Core, Refusals, Row,
    SimAccount,
};
use crate::billing::model::Provider;
use crate::signing::{acs3, SignableRequest, SignatureError};

/// How the provider words a request admission turned away.
const REFUSALS: Refusals = Refusals {
    throttled: (StatusCode::BAD_REQUEST, "Throttling.User", "Request was denied due to user flow control."),
    fault_throttled: None,
    // QueryAccountBalance documents UndefinedError as its HTTP 500.
    server_error: (StatusCode::INTERNAL_SERVER_ERROR, "UndefinedError", "The request processing has failed due to some unknown error."),
};

const VERSION: &str = "2017-12-14";
const MAX_PAGE_SIZE: usize = 300;
const DEFAULT_PAGE_SIZE: usize = 20;

/// Answers a request the port has received (see `provider_router`).
pub(super) async fn answer(core: &Core, request: SignableRequest) -> Response {
    let request_id = request_id();
    match serve(core, &request).await {
        Ok((data, admission)) => success_response(&envelope(data, &request_id), admission),
        Err(error) => error_response(&error, &request_id, &request.host),
    }
}

async fn serve(core: &Core, request: &SignableRequest) -> Result<(Value, Admission), ApiError> {
    let account = authenticate(core, request)?;
    let admission = core.admit(Provider::Aliyun, &account.name).await.map_err(|r| REFUSALS.error(r))?;
    let params = Params::of(request);
    let data = dispatch(core, account, request, &params)?;
    Ok((data, admission))
}

fn envelope(data: Value, request_id: &str) -> Value {
    json!({"Code": "200", "Message": "success", "RequestId": request_id, "Success": true, "Data": data})
}

fn error_response(error: &ApiError, request_id: &str, host: &str) -> Response {
    let body = json!({
        "RequestId": request_id,
        "Message": error.message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product=BssOpenApi", error.code),
        "HostId": host,
        "Code": error.code,
    });
    let mut response = json_response(error.status, &body);
    // The SDK reads `x-acs-retry-after` as the wait in milliseconds (docs/providers.md,
    // "Alibaba Cloud").
    if let Some(wait) = error.retry_after {
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        response
            .headers_mut()
            .insert("x-acs-retry-after", HeaderValue::from(ms));
    }
    response
}

// --- authentication ------------------------------------------------------------------------

fn authenticate<'a>(core: &'a Core, request: &SignableRequest) -> Result<&'a SimAccount, ApiError> {
    let key_id = acs3::verify(request, core.secret_lookup(Provider::Aliyun), Utc::now())
        .map_err(|e| auth_error(&e))?;
    let nonce = request.header("x-acs-signature-nonce").unwrap_or_default();
    // A nonce may be replayed anywhere in the ± skew window, so remember it twice as long.
    let window = acs3::ALLOWED_SKEW
        .to_std()
        .unwrap_or(Duration::from_secs(900))
        * 2;
    if !core.fresh_nonce(&key_id, &nonce, window) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    core.account_by_key(Provider::Aliyun, &key_id)
        .ok_or_else(|| auth_error(&SignatureError::UnknownKey(key_id)))
}

/// Codes as Alibaba's gateway uses them; no primary page lists them (docs/providers.md,
/// "Alibaba Cloud").
fn auth_error(error: &SignatureError) -> ApiError {
    match error {
        SignatureError::Missing(_) | SignatureError::Malformed(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards. ({error})"),
        ),
        SignatureError::Mismatch { server_string_to_sign } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
            format!("Specified signature does not match our calculation. server string to sign is:{server_string_to_sign}"),
        ),
        SignatureError::UnknownKey(_) => ApiError::new(StatusCode::NOT_FOUND, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
        SignatureError::Expired => ApiError::new(StatusCode::BAD_REQUEST, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
    }
}

// --- parameters ------------------------------------------------------------------------------

/// Query parameters, then form-body parameters (RPC lets either carry them).
struct Params(Vec<(String, String)>);

impl Params {
    fn of(request: &SignableRequest) -> Self {
        let mut pairs = request.query.clone();
        let form = request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if form {
            pairs.extend(url::form_urlencoded::parse(&request.body).into_owned());
        }
        Params(pairs)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| missing(name))
    }

    fn month(&self, name: &str) -> Result<NaiveDate, ApiError> {
        parse_month(self.required(name)?).ok_or_else(|| invalid(name))
    }

    fn number(&self, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| invalid(name)),
        }
    }
}

fn missing(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "MissingParameter",
        format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
    )
}

fn invalid(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "InvalidParameter",
        format!("The specified parameter \"{name}\" is not valid."),
    )
}

// --- actions -----------------------------------------------------------------------------------

fn dispatch(
    core: &Core,
    account: &SimAccount,
    request: &SignableRequest,
    params: &Params,
) -> Result<Value, ApiError> {
    let action = request.header("x-acs-action").unwrap_or_default();
    let known = [
        "QueryAccountBalance",
        "QueryAccountBill",
        "QueryBillOverview",
    ];
    if request.path != "/" || !known.contains(&action.as_str()) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ));
    }
    if request.header("x-acs-version").as_deref() != Some(VERSION) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        ));
    }
    match action.as_str() {
        "QueryAccountBalance" => Ok(account_balance(core, account)),
        "QueryAccountBill" => account_bill(core, account, params),
        _ => bill_overview(core, account, params),
    }
}

/// QueryAccountBalance, https://help.aliyun.com/document_detail/87997.html: amounts are strings.
fn account_balance(core: &Core, account: &SimAccount) -> Value {
    let available = money(core.ledger().cash_balance(&account.name, core.today()));
    json!({
        "AvailableAmount": available,
        "AvailableCashAmount": available,
        "CreditAmount": "0.00",
        "MybankCreditAmount": "0.00",
        "Currency": "CNY",
        "QuotaLimit": "0.00",
    })
}

struct BillQuery {
    cycle: NaiveDate,
    daily: bool,
    date: Option<NaiveDate>,
    by_product: bool,
    product: Option<String>,
    page_num: usize,
    page_size: usize,
}

fn bill_query(params: &Params) -> Result<BillQuery, ApiError> {
    let cycle = params.month("BillingCycle")?;
    let daily = match params.get("Granularity").unwrap_or("MONTHLY") {
        "MONTHLY" | "" => false,
        "DAILY" => true,
        _ => return Err(invalid("Granularity")),
    };
    let date = match params.get("BillingDate").filter(|d| daily && !d.is_empty()) {
        None => None,
        Some(text) => Some(
            parse_day(text)
                .filter(|d| *d >= cycle && *d <= month_end(cycle))
                .ok_or_else(|| invalid("BillingDate"))?,
        ),
    };
    // The service reads booleans case-insensitively: the Python SDK sends `True`/`False`
    // (Python's `str(bool)`), the others `true`/`false`.
    let by_product = match params.get("IsGroupByProduct").unwrap_or("false") {
        text if text.eq_ignore_ascii_case("true") => true,
        text if text.eq_ignore_ascii_case("false") || text.is_empty() => false,
        _ => return Err(invalid("IsGroupByProduct")),
    };
    Ok(BillQuery {
        cycle,
        daily,
        date,
        by_product,
        product: params
            .get("ProductCode")
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        page_num: params.number("PageNum", 1, usize::MAX)?,
        page_size: params.number("PageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
    })
}

/// QueryAccountBill (SDK `_query_account_bill_request.py`): monthly or daily, optionally per
/// product. With DAILY and no BillingDate every day of the cycle is listed (one item per day).
fn account_bill(core: &Core, account: &SimAccount, params: &Params) -> Result<Value, ApiError> {
    let q = bill_query(params)?;
    let (from, to) = q.date.map_or((q.cycle, month_end(q.cycle)), |d| (d, d));
    let mut lines = core.reported_lines(&account.name, from, to);
    if let Some(code) = &q.product {
        lines.retain(|l| l.product_code.eq_ignore_ascii_case(code));
    }
    let rows = aggregate(&lines, q.daily, q.by_product);
    let offset = (q.page_num - 1).saturating_mul(q.page_size);
    let items: Vec<Value> = page(&rows, offset, q.page_size)
        .iter()
        .map(|row| bill_item(account, row, q.by_product))
        .collect();
    Ok(json!({
        "AccountID": account.provider_account_id,
        "AccountName": account.display_name,
        "BillingCycle": q.cycle.format("%Y-%m").to_string(),
        "PageNum": q.page_num,
        "PageSize": q.page_size,
        "TotalCount": rows.len(),
        "Items": {"Item": items},
    }))
}

/// Amounts are JSON numbers here. PretaxGrossAmount = before discounts, InvoiceDiscount = the
/// discount, PretaxAmount = PaymentAmount = CashAmount = payable.
fn bill_item(account: &SimAccount, row: &Row, by_product: bool) -> Value {
    let mut item = Map::new();
    if let Some(date) = row.date {
        item.insert(
            "BillingDate".into(),
            json!(date.format("%Y-%m-%d").to_string()),
        );
    }
    if let (true, Some(code)) = (by_product, &row.product_code) {
        item.insert("ProductCode".into(), json!(code));
        item.insert("ProductName".into(), json!(row.product_name));
        item.insert("SubscriptionType".into(), json!("PayAsYouGo"));
        item.insert("PipCode".into(), json!(code));
    }
    let owner = [
        ("OwnerID", &account.provider_account_id),
        ("OwnerName", &account.display_name),
        ("BillAccountID", &account.provider_account_id),
        ("BillAccountName", &account.display_name),
    ];
    for (key, value) in owner {
        item.insert(key.into(), json!(value));
    }
    item.insert("Currency".into(), json!("CNY"));
    item.insert("CostUnit".into(), json!("未分配"));
    item.insert("BizType".into(), json!(""));
    amounts(&mut item, row.pretax, row.payable);
    Value::Object(item)
}

fn amounts(item: &mut Map<String, Value>, pretax: Decimal, payable: Decimal) {
    let zero = money_number(Decimal::ZERO);
    let fields = [
        ("PretaxGrossAmount", money_number(pretax)),
        ("InvoiceDiscount", money_number(pretax - payable)),
        ("DeductedByCoupons", zero.clone()),
        ("DeductedByCashCoupons", zero.clone()),
        ("DeductedByPrepaidCard", zero.clone()),
        ("PretaxAmount", money_number(payable)),
        ("PaymentAmount", money_number(payable)),
        ("CashAmount", money_number(payable)),
        ("OutstandingAmount", zero.clone()),
        ("AdjustAmount", zero),
    ];
    for (key, value) in fields {
        item.insert(key.into(), value);
    }
}

/// QueryBillOverview (SDK `_query_bill_overview_response_body.py`): one item per product for
/// the cycle, not paged.
fn bill_overview(core: &Core, account: &SimAccount, params: &Params) -> Result<Value, ApiError> {
    let cycle = params.month("BillingCycle")?;
    let mut lines = core.reported_lines(&account.name, cycle, month_end(cycle));
    if let Some(code) = params.get("ProductCode").filter(|p| !p.is_empty()) {
        lines.retain(|l| l.product_code.eq_ignore_ascii_case(code));
    }
    let items: Vec<Value> = aggregate(&lines, false, true)
        .iter()
        .map(|row| overview_item(account, row))
        .collect();
    Ok(json!({
        "AccountID": account.provider_account_id,
        "AccountName": account.display_name,
        "BillingCycle": cycle.format("%Y-%m").to_string(),
        "Items": {"Item": items},
    }))
}

fn overview_item(account: &SimAccount, row: &Row) -> Value {
    let code = row.product_code.clone().unwrap_or_default();
    let mut item = Map::new();
    let strings = [
        ("ProductCode", code.clone()),
        ("ProductName", row.product_name.clone()),
        ("ProductDetail", row.product_name.clone()),
        ("CommodityCode", code.clone()),
        ("PipCode", code),
        ("ProductType", String::new()),
        ("SubscriptionType", "PayAsYouGo".to_owned()),
        ("Item", "PayAsYouGoBill".to_owned()),
        ("BizType", String::new()),
        ("Currency", "CNY".to_owned()),
        ("PaymentCurrency", "CNY".to_owned()),
        ("RoundDownDiscount", "0.00".to_owned()),
        ("OwnerID", account.provider_account_id.clone()),
        ("BillAccountID", account.provider_account_id.clone()),
        ("BillAccountName", account.display_name.clone()),
    ];
    for (key, value) in strings {
        item.insert(key.into(), json!(value));
    }
    amounts(&mut item, row.pretax, row.payable);
    item.insert("AfterTaxAmount".into(), money_number(row.payable));
    item.insert("PretaxAmountLocal".into(), money_number(row.payable));
    item.insert("Tax".into(), money_number(Decimal::ZERO));
    Value::Object(item)
}

#[cfg(test)]
mod tests;
