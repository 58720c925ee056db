//! Baidu AI Cloud billing (host `billing.baidubce.com`), signed with bce-auth-v1
//! (https://cloud.baidu.com/doc/Reference/s/njwvz1yfu; both the listed-headers form and the
//! `//` default-headers form are accepted, as `bce::verify` does).
//!
//! - `POST /v1/finance/cash/balance` → `{"cashBalance": 850.0}` (https://cloud.baidu.com/doc/Finance/s/Skhtyytwu)
//! - `GET /v1/bill/resource/month` (`bce-sdk-go/services/billing`): one bill per (service, day);
//!   the day is in `startTime`/`endTime` (`YYYY-MM-DD 00:00:00` / `YYYY-MM-DD 23:59:59`,
//!   Beijing time).
//!
//! Errors are `{"code","message","requestId"}` with the id also in `x-bce-request-id`
//! (`bce-sdk-go/bce/error.go`). Parameter errors use `InvalidParameter` and throttling
//! `RequestRateLimitExceeded` (429): neither code is verified, BCE publishes none for these.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::ledger::month_end;
use super::{
    aggregate, json_response, money_number, page, parse_day, parse_month,
    query_param, request_id, success_response, with_retry_after, Admission, ApiError,
    Core, Refusals, Row, SimAccount,
};
use crate::billing::model::Provider;
use crate::signing::{bce, SignableRequest, SignatureError};

/// How the provider words a request admission turned away.
const REFUSALS: Refusals = Refusals {
    throttled: (StatusCode::TOO_MANY_REQUESTS, "RequestRateLimitExceeded", "Request rate limit exceeded."),
    fault_throttled: None,
    server_error: (StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "We encountered an internal error. Please try again."),
};

const BALANCE_PATH: &str = "/v1/finance/cash/balance";
const BILL_PATH: &str = "/v1/bill/resource/month";
const MAX_PAGE_SIZE: usize = 100;
const DEFAULT_PAGE_SIZE: usize = 20;
/// The only prepaid (subscription) product of the demo data.
const PREPAY_SERVICE: &str = "bcc";

/// Answers a request the port has received (see `provider_router`).
pub(super) async fn answer(core: &Core, request: SignableRequest) -> Response {
    let request_id = request_id().to_ascii_lowercase();
    let mut response = match serve(core, &request).await {
        Ok((body, admission)) => success_response(&body, admission),
        Err(error) => error_response(&error, &request_id),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-bce-request-id", value);
    }
    response
}

async fn serve(core: &Core, request: &SignableRequest) -> Result<(Value, Admission), ApiError> {
    let account = authenticate(core, request)?;
    let admission = core.admit(Provider::Baidu, &account.name).await.map_err(|r| REFUSALS.error(r))?;
    let body = match (request.method.as_str(), request.path.as_str()) {
        ("POST", BALANCE_PATH) => balance(core, account),
        ("GET", BILL_PATH) => resource_month(core, account, request)?,
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidURI",
                "Requested URI does not represent any resource on server.",
            ))
        }
    };
    Ok((body, admission))
}

fn error_response(error: &ApiError, request_id: &str) -> Response {
    let body = json!({"code": error.code, "message": error.message, "requestId": request_id});
    with_retry_after(json_response(error.status, &body), error.retry_after)
}

fn authenticate<'a>(core: &'a Core, request: &SignableRequest) -> Result<&'a SimAccount, ApiError> {
    let key_id = bce::verify(request, core.secret_lookup(Provider::Baidu), Utc::now())
        .map_err(|e| auth_error(&e))?;
    core.account_by_key(Provider::Baidu, &key_id)
        .ok_or_else(|| auth_error(&SignatureError::UnknownKey(key_id)))
}

fn auth_error(e: &SignatureError) -> ApiError {
    match e {
        // The Finance doc: an anonymous request gets 403 AccessDenied.
        SignatureError::Missing(_) => ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", "Access denied."),
        // BCE's common error codes (docs/providers.md, "Baidu"): a bad header 400, a signature
        // mismatch 400, an unknown key 403.
        SignatureError::Malformed(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidHTTPAuthHeader",
            "The HTTP authorization header is invalid. Consult the service documentation for details.",
        ),
        SignatureError::Mismatch { .. } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your Secret Access Key and signing method. Consult the service documentation for details.",
        ),
        SignatureError::UnknownKey(_) => ApiError::new(StatusCode::FORBIDDEN, "InvalidAccessKeyId", "The Access Key ID you provided does not exist in our records."),
        SignatureError::Expired => ApiError::new(StatusCode::BAD_REQUEST, "RequestExpired", "Request has expired."),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "InvalidParameter", message)
}

/// `cashBalance` is a JSON number (BigDecimal in the doc).
fn balance(core: &Core, account: &SimAccount) -> Value {
    json!({"cashBalance": money_number(core.ledger().cash_balance(&account.name, core.today()))})
}

struct BillQuery {
    month: NaiveDate,
    begin: NaiveDate,
    end: NaiveDate,
    prepay: bool,
    service: Option<String>,
    page_no: usize,
    page_size: usize,
}

fn param<'a>(request: &'a SignableRequest, name: &str) -> Option<&'a str> {
    query_param(request, name).filter(|v| !v.is_empty())
}

/// Parameter `name` as `read` takes it, or `default` when absent; 400 "`name` `must`" when `read`
/// refuses it.
fn param_or<T>(
    request: &SignableRequest,
    (name, default): (&str, T),
    read: impl FnOnce(&str) -> Option<T>,
    must: &str,
) -> Result<T, ApiError> {
    match param(request, name) {
        None => Ok(default),
        Some(text) => read(text).ok_or_else(|| invalid(format!("{name} {must}"))),
    }
}

/// A day of `month` (`yyyy-MM-dd`), or `default` when absent.
fn day_param(request: &SignableRequest, name: &str, month: NaiveDate, default: NaiveDate) -> Result<NaiveDate, ApiError> {
    let in_month = |text: &str| parse_day(text).filter(|d| *d >= month && *d <= month_end(month));
    param_or(request, (name, default), in_month, "must be a day of month (yyyy-MM-dd).")
}

fn number_param(request: &SignableRequest, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    let in_range = |text: &str| text.parse::<usize>().ok().filter(|n| (1..=max).contains(n));
    param_or(request, (name, default), in_range, &format!("must be 1-{max}."))
}

fn bill_query(request: &SignableRequest) -> Result<BillQuery, ApiError> {
    let month = param(request, "month")
        .and_then(parse_month)
        .ok_or_else(|| invalid("month is required (yyyy-MM)."))?;
    let begin = day_param(request, "beginTime", month, month)?;
    let end = day_param(request, "endTime", month, month_end(month))?;
    if begin > end {
        return Err(invalid("beginTime is after endTime."));
    }
    let prepay = match param(request, "productType") {
        Some("prepay") => true,
        Some("postpay") => false,
        _ => return Err(invalid("productType is required (postpay or prepay).")),
    };
    Ok(BillQuery {
        month,
        begin,
        end,
        prepay,
        service: param(request, "serviceType").map(str::to_owned),
        page_no: number_param(request, "pageNo", 1, usize::MAX)?,
        page_size: number_param(request, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
    })
}

/// `bcc` bills are prepay, the rest postpay; `serviceType` filters (any case).
fn resource_month(
    core: &Core,
    account: &SimAccount,
    request: &SignableRequest,
) -> Result<Value, ApiError> {
    let q = bill_query(request)?;
    let mut lines = core.reported_lines(&account.name, q.begin, q.end);
    lines.retain(|l| (l.product_code == PREPAY_SERVICE) == q.prepay);
    if let Some(service) = &q.service {
        lines.retain(|l| l.product_code.eq_ignore_ascii_case(service));
    }
    let rows = aggregate(&lines, true, true);
    let offset = (q.page_no - 1).saturating_mul(q.page_size);
    let product_type = if q.prepay { "prepay" } else { "postpay" };
    let bills: Vec<Value> = page(&rows, offset, q.page_size)
        .iter()
        .map(|row| bill(account, row, product_type))
        .collect();
    Ok(json!({
        "billMonth": q.month.format("%Y-%m").to_string(),
        "beginTime": q.begin.format("%Y-%m-%d").to_string(),
        "endTime": q.end.format("%Y-%m-%d").to_string(),
        "accountId": account.provider_account_id,
        "loginName": account.display_name,
        "subAccountId": "",
        "subLoginName": "",
        "ouName": "",
        "pageNo": q.page_no,
        "pageSize": q.page_size,
        "totalCount": rows.len(),
        "bills": bills,
    }))
}

/// Float amounts: catalogPrice = originPrice = before discounts; financePrice = cash = payable;
/// discountPrice = the difference; coupons, rebates and debt are 0.
fn bill(account: &SimAccount, row: &Row, product_type: &str) -> Value {
    let code = row.product_code.clone().unwrap_or_default();
    let day = row
        .date
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let charge = if product_type == "prepay" {
        "包年包月"
    } else {
        "按量计费"
    };
    let strings = [
        ("vendor", "BCE".to_owned()),
        ("accountId", account.provider_account_id.clone()),
        ("serviceType", code.clone()),
        ("serviceTypeName", row.product_name.clone()),
        ("productType", product_type.to_owned()),
        ("region", "bj".to_owned()),
        (
            "instanceId",
            format!(
                "{code}-{}",
                account.provider_account_id.get(..8).unwrap_or_default()
            ),
        ),
        ("startTime", format!("{day} 00:00:00")),
        ("endTime", format!("{day} 23:59:59")),
        ("chargeItem", charge.to_owned()),
        ("chargeItemDesc", charge.to_owned()),
        ("amount", "1".to_owned()),
    ];
    let mut item: Map<String, Value> = strings
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
    let zero = money_number(Decimal::ZERO);
    let numbers = [
        ("catalogPrice", money_number(row.pretax)),
        ("originPrice", money_number(row.pretax)),
        ("financePrice", money_number(row.payable)),
        ("cash", money_number(row.payable)),
        ("discountPrice", money_number(row.pretax - row.payable)),
        ("couponPrice", zero.clone()),
        ("rebate", zero.clone()),
        ("debt", zero.clone()),
        ("noPaidPrice", zero.clone()),
        ("tex", zero),
    ];
    item.extend(numbers.into_iter().map(|(k, v)| (k.to_owned(), v)));
    Value::Object(item)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{CloudFault, CloudSim};
    use super::*;
    use crate::signing::HeadersToSign;
    use crate::secret::Secret;
    use chrono::DateTime;

    fn signed_with(
        sim: &CloudSim,
        secret: &Secret,
        (method, path): (&str, &str),
        query: &[(&str, &str)],
        at: DateTime<Utc>,
        headers: HeadersToSign<'_>,
    ) -> SignableRequest {
        let request = SignableRequest {
            method: method.into(),
            host: host(sim, Provider::Baidu),
            path: path.into(),
            query: pairs(query),
            ..SignableRequest::default()
        };
        signed_by(&account(sim, "baidu-qianfan"), secret, request, |request, key| {
            bce::sign(request, key, at, bce::DEFAULT_EXPIRATION_SECONDS, headers)
        })
    }

    /// The Go SDK form: the signed headers are listed.
    fn listed() -> HeadersToSign<'static> {
        HeadersToSign::Only(&["host", "x-bce-date"])
    }

    async fn call(sim: &CloudSim, route: (&str, &str), query: &[(&str, &str)]) -> Reply {
        let secret = account(sim, "baidu-qianfan").secret;
        send(&signed_with(
            sim,
            &secret,
            route,
            query,
            Utc::now(),
            listed(),
        ))
        .await
    }

    async fn balance(sim: &CloudSim) -> Reply {
        call(sim, ("POST", BALANCE_PATH), &[]).await
    }

    fn assert_error(reply: &Reply, status: u16, code: &str) {
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
        let body = reply.json();
        assert_eq!(body["code"], code, "{}", reply.text);
        assert_eq!(
            reply.headers["x-bce-request-id"].to_str().ok(),
            body["requestId"].as_str()
        );
    }

    #[tokio::test]
    async fn balance_is_a_number() {
        let sim = start().await;
        let reply = balance(&sim).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert!(reply.headers.contains_key("x-bce-request-id"));
        let body = reply.json();
        assert!(body["cashBalance"].is_number());
        assert_eq!(
            decimal(&body["cashBalance"]),
            sim.ledger.cash_balance("baidu-qianfan", today())
        );
    }

    async fn all_pages(sim: &CloudSim, month: &str, product_type: &str) -> (u64, Vec<Value>) {
        let mut bills = Vec::new();
        for page in 1.. {
            let page = page.to_string();
            let query = [
                ("month", month),
                ("productType", product_type),
                ("pageNo", page.as_str()),
                ("pageSize", "25"),
            ];
            let body = call(sim, ("GET", BILL_PATH), &query).await.json();
            let batch = body["bills"].as_array().expect("bills").clone();
            if batch.is_empty() {
                return (body["totalCount"].as_u64().expect("total"), bills);
            }
            bills.extend(batch);
        }
        unreachable!()
    }

    #[tokio::test]
    async fn monthly_bill_pages_add_up_to_the_ledger_month() {
        let sim = start_for_paging(Provider::Baidu).await;
        for month in ["2026-10", "2026-11"] {
            let (post_total, post) = all_pages(&sim, month, "postpay").await;
            let (pre_total, pre) = all_pages(&sim, month, "prepay").await;
            assert_eq!(
                (post_total as usize, pre_total as usize),
                (post.len(), pre.len())
            );
            assert!(post
                .iter()
                .all(|b| b["serviceType"] == "qianfan" && b["productType"] == "postpay"));
            assert!(pre
                .iter()
                .all(|b| b["serviceType"] == "bcc" && b["productType"] == "prepay"));
            let all: Vec<&Value> = post.iter().chain(&pre).collect();
            let first = parse_month(month).expect("month");
            assert_eq!(
                (total(all.iter().copied(), "originPrice"), total(all.iter().copied(), "financePrice")),
                reported_month(&sim, "baidu-qianfan", first),
                "{month}"
            );
            assert!(all.iter().all(|b| b["startTime"]
                .as_str()
                .is_some_and(|t| t.starts_with(month))));
        }
        let days = [
            ("month", "2026-10"),
            ("beginTime", "2026-10-03"),
            ("endTime", "2026-10-04"),
            ("productType", "postpay"),
        ];
        let body = call(&sim, ("GET", BILL_PATH), &days).await.json();
        assert_eq!(body["totalCount"], 2);
        assert_eq!(body["bills"][1]["startTime"], "2026-10-04 00:00:00");
    }

    #[tokio::test]
    async fn default_headers_form_is_accepted() {
        let sim = start().await;
        let secret = account(&sim, "baidu-qianfan").secret;
        let query = [
            ("month", "2026-10"),
            ("productType", "prepay"),
            ("pageSize", "100"),
        ];
        let request = signed_with(
            &sim,
            &secret,
            ("GET", BILL_PATH),
            &query,
            Utc::now(),
            HeadersToSign::ProviderDefault,
        );
        assert!(request
            .header("authorization")
            .is_some_and(|a| a.contains("/1800//")));
        let reply = send(&request).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.json()["totalCount"], 31);

        // `Content-Length: 0` (sent with every empty POST, as the SDKs send it) is covered by
        // the default set: signed, it passes; sent but not signed, the signature fails.
        let route = ("POST", BALANCE_PATH);
        let with_length = SignableRequest {
            method: route.0.into(),
            host: host(&sim, Provider::Baidu),
            path: route.1.into(),
            headers: vec![("Content-Length".into(), "0".into())],
            ..SignableRequest::default()
        };
        let with_length = signed_by(&account(&sim, "baidu-qianfan"), &secret, with_length, |request, key| {
            bce::sign(request, key, Utc::now(), 1800, HeadersToSign::ProviderDefault)
        });
        assert_eq!(send(&with_length).await.status, 200);
        let unsigned_length = signed_with(
            &sim,
            &secret,
            route,
            &[],
            Utc::now(),
            HeadersToSign::ProviderDefault,
        );
        assert_eq!(send(&unsigned_length).await.status, 400);

        // A POST stating no length at all is refused before authentication, as some gateways do.
        let bare = reqwest::Client::new()
            .post(format!("http://{}{BALANCE_PATH}", host(&sim, Provider::Baidu)))
            .send()
            .await
            .expect("simulator answers");
        assert_eq!(bare.status(), 411);
    }

    #[tokio::test]
    async fn parameters_are_checked() {
        let sim = start().await;
        let route = ("GET", BILL_PATH);
        assert_error(
            &call(&sim, route, &[("month", "2026-10")]).await,
            400,
            "InvalidParameter",
        );
        assert_error(
            &call(&sim, route, &[("productType", "postpay")]).await,
            400,
            "InvalidParameter",
        );
        let big = [
            ("month", "2026-10"),
            ("productType", "postpay"),
            ("pageSize", "101"),
        ];
        assert_error(&call(&sim, route, &big).await, 400, "InvalidParameter");
        let outside = [
            ("month", "2026-10"),
            ("productType", "postpay"),
            ("beginTime", "2026-09-30"),
        ];
        assert_error(&call(&sim, route, &outside).await, 400, "InvalidParameter");
    }

    #[tokio::test]
    async fn signature_problems_and_unknown_uri_use_baidu_codes() {
        let sim = start().await;
        let wrong = Secret::new("not-the-secret");
        let route = ("POST", BALANCE_PATH);
        assert_error(
            &send(&signed_with(&sim, &wrong, route, &[], Utc::now(), listed())).await,
            400,
            "SignatureDoesNotMatch",
        );
        let secret = account(&sim, "baidu-qianfan").secret;
        let stale = Utc::now() - chrono::Duration::hours(1);
        assert_error(
            &send(&signed_with(&sim, &secret, route, &[], stale, listed())).await,
            400,
            "RequestExpired",
        );
        let mut unknown = signed_with(&sim, &secret, route, &[], Utc::now(), listed());
        rewrite_authorization(&mut unknown, "bce-auth-v1/", "bce-auth-v1/0");
        assert_error(&send(&unknown).await, 403, "InvalidAccessKeyId");
        unknown.headers.retain(|(n, _)| n != "Authorization");
        let mut garbled = unknown.clone();
        garbled.headers.push((
            "Authorization".into(),
            "bce-auth-v1/only-three/parts".into(),
        ));
        assert_error(&send(&garbled).await, 400, "InvalidHTTPAuthHeader");
        assert_error(&send(&unknown).await, 403, "AccessDenied");
        assert_error(&call(&sim, ("GET", "/v1/bill/resource/day"), &[]).await, 400, "InvalidURI");
    }

    #[tokio::test]
    async fn throttling_and_faults() {
        let sim = start().await;
        let reply = throttled_by_fault(&sim, (Provider::Baidu, Some(3)), || balance(&sim)).await;
        assert_error(&reply, 429, "RequestRateLimitExceeded");
        queue_faults(&sim, Provider::Baidu, [CloudFault::MalformedJson, CloudFault::ServerError]);
        assert!(balance(&sim).await.is_cut_json());
        assert_error(&balance(&sim).await, 500, "InternalError");

        let check = |reply: &Reply| assert_error(reply, 429, "RequestRateLimitExceeded");
        assert_rate_limited(&sim, (Provider::Baidu, 1), || balance(&sim), |reply| reply.status == 429, check).await;
    }
}
