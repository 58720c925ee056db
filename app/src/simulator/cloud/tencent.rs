//! Tencent Cloud billing API 3.0 (`billing`, Version 2018-07-09): `POST /` with a JSON body and
//! the action in `X-TC-Action`, signed with TC3-HMAC-SHA256
//! (https://www.tencentcloud.com/document/product/1271/71919). Only DescribeBillSummaryByProduct
//! (https://tencentcloud.com/document/api/555/32374) is served.
//!
//! Answers are `{"Response":{...,"RequestId"}}`; errors are `{"Response":{"Error":{Code,Message},
//! "RequestId"}}` with HTTP 200, as Tencent's gateway does
//! (https://www.tencentcloud.com/document/product/1150/49458). The ServerError fault alone uses
//! HTTP 500 (with the same body), standing in for a failing gateway.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::ledger::month_end;
use super::{
    aggregate, json_response, money, parse_month, request_id,
    success_response, Admission, ApiError, Core, Refusals, Row, SimAccount,
};
use crate::billing::model::Provider;
use crate::signing::{tc3, SignableRequest, SignatureError};

/// How the provider words a request admission turned away.
const REFUSALS: Refusals = Refusals {
    // The SDK's rate-limit retry keys on this code (`ratelimitretry.go`); inside an HTTP 200.
    throttled: (
        StatusCode::OK,
        "RequestLimitExceeded",
        "Your current request times exceeds the frequency limit. Please reduce the frequency of calls.",
    ),
    fault_throttled: None,
    server_error: (StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "An internal error has occurred. Retry your request."),
};

const ACTION: &str = "DescribeBillSummaryByProduct";
const VERSION: &str = "2018-07-09";
/// The TC3 credential scope's service, fixed for this API whatever host the request came to.
const SERVICE: &str = "billing";

/// Answers a request the port has received (see `provider_router`); a GET signs `raw_query`, its
/// query string as sent.
pub(super) async fn answer(core: &Core, request: SignableRequest, raw_query: &str) -> Response {
    let request_id = request_id().to_ascii_lowercase();
    let response = match serve(core, &request, raw_query).await {
        Ok((mut response, admission)) => {
            response.insert("RequestId".into(), json!(request_id));
            success_response(&json!({"Response": response}), admission)
        }
        Err(error) => error_response(&error, &request_id),
    };
    with_tencent_content_type(response)
}

/// Tencent answers exactly `application/json`; the Python SDK reads an error body only for that
/// exact value (any `;charset=` suffix turns every error into an empty model).
fn with_tencent_content_type(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn serve(
    core: &Core,
    request: &SignableRequest,
    raw_query: &str,
) -> Result<(Map<String, Value>, Admission), ApiError> {
    let account = authenticate(core, request, raw_query)?;
    let admission = core.admit(Provider::Tencent, &account.name).await.map_err(|r| REFUSALS.error(r))?;
    check_action(request)?;
    let query = SummaryQuery::parse(&parameters(request)?)?;
    Ok((summary(core, account, &query, admission), admission))
}

fn error_response(error: &ApiError, request_id: &str) -> Response {
    let body = json!({"Response": {
        "Error": {"Code": error.code, "Message": error.message},
        "RequestId": request_id,
    }});
    json_response(error.status, &body)
}

/// A GET carries the parameters in the query string (form-encoded, as the SDKs send them); a
/// POST in a JSON body.
fn parameters(request: &SignableRequest) -> Result<Map<String, Value>, ApiError> {
    if request.method.eq_ignore_ascii_case("GET") {
        return Ok(request
            .query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect());
    }
    match serde_json::from_slice(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(error(
            "InvalidParameter",
            "The request body is not a JSON object.",
        )),
    }
}

/// Tencent reports errors inside an HTTP 200.
fn error(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::OK, code, message)
}

fn authenticate<'a>(
    core: &'a Core,
    request: &SignableRequest,
    raw_query: &str,
) -> Result<&'a SimAccount, ApiError> {
    let secret_id = tc3::verify(
        request,
        raw_query,
        SERVICE,
        core.secret_lookup(Provider::Tencent),
        Utc::now(),
    )
    .map_err(|e| auth_error(&e))?;
    core.account_by_key(Provider::Tencent, &secret_id)
        .ok_or_else(|| auth_error(&SignatureError::UnknownKey(secret_id)))
}

fn auth_error(e: &SignatureError) -> ApiError {
    match e {
        SignatureError::Missing(_) | SignatureError::Malformed(_) | SignatureError::Mismatch { .. } => error(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ),
        SignatureError::UnknownKey(_) => error(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        ),
        SignatureError::Expired => error(
            "AuthFailure.SignatureExpire",
            "Signature expired. Timestamp must be within 5 minutes of server time.",
        ),
    }
}

fn check_action(request: &SignableRequest) -> Result<(), ApiError> {
    let action = request.header("x-tc-action").unwrap_or_default();
    if action.is_empty() {
        return Err(error(
            "MissingParameter",
            "The request is missing a required parameter `X-TC-Action`.",
        ));
    }
    if action != ACTION || request.path != "/" {
        return Err(error(
            "InvalidAction",
            format!("The requested action `{action}` does not exist."),
        ));
    }
    let version = request.header("x-tc-version").unwrap_or_default();
    if version != VERSION {
        return Err(error(
            "NoSuchVersion",
            format!("The requested version `{version}` of service `billing` does not exist."),
        ));
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PayType {
    All,
    Consume,
    Refund,
    Adjustment,
}

struct SummaryQuery {
    month: NaiveDate,
    pay_type: PayType,
}

impl SummaryQuery {
    /// BeginTime and EndTime: required, the same month (`YYYY-MM`; a `YYYY-MM-DD…` time is
    /// read as its month); the whole month is summarised.
    fn parse(params: &Map<String, Value>) -> Result<Self, ApiError> {
        let begin = month_param(params, "BeginTime")?;
        let end = month_param(params, "EndTime")?;
        if begin != end {
            return Err(error(
                "InvalidParameterValue",
                "BeginTime and EndTime must be in the same month.",
            ));
        }
        let pay_type = match params.get("PayType").and_then(Value::as_str) {
            None | Some("") => PayType::All,
            Some("consume") => PayType::Consume,
            Some("refund") => PayType::Refund,
            Some("adjustment") => PayType::Adjustment,
            Some(_) => {
                return Err(error(
                    "InvalidParameterValue",
                    "PayType must be consume, refund or adjustment.",
                ))
            }
        };
        Ok(SummaryQuery {
            month: begin,
            pay_type,
        })
    }
}

fn month_param(params: &Map<String, Value>, name: &str) -> Result<NaiveDate, ApiError> {
    let text = params
        .get(name)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            error(
                "MissingParameter",
                format!("The request is missing a required parameter `{name}`."),
            )
        })?;
    text.get(..7)
        .filter(|_| text.len() == 7 || text.as_bytes().get(7) == Some(&b'-'))
        .and_then(parse_month)
        .ok_or_else(|| {
            error(
                "InvalidParameterValue",
                format!("The value of `{name}` is invalid (YYYY-MM)."),
            )
        })
}

/// All amounts are strings. RealTotalCost = payable (what is owed), TotalCost = pretax (before
/// discounts), CashPayAmount = payable; vouchers, incentives and transfers are 0.
fn summary(
    core: &Core,
    account: &SimAccount,
    query: &SummaryQuery,
    admission: Admission,
) -> Map<String, Value> {
    let mut response = Map::new();
    if admission.not_ready {
        response.insert("Ready".into(), json!(0));
        response.insert("SummaryTotal".into(), Value::Null);
        response.insert("SummaryOverview".into(), json!([]));
        return response;
    }
    let mut lines = core.reported_lines(&account.name, query.month, month_end(query.month));
    lines.retain(|l| match query.pay_type {
        PayType::All => true,
        PayType::Consume => l.payable >= Decimal::ZERO,
        PayType::Refund => l.payable < Decimal::ZERO,
        PayType::Adjustment => false,
    });
    let rows = aggregate(&lines, false, true);
    let total_payable: Decimal = rows.iter().map(|r| r.payable).sum();
    let total_pretax: Decimal = rows.iter().map(|r| r.pretax).sum();
    let month = query.month.format("%Y-%m").to_string();
    let overview: Vec<Value> = rows
        .iter()
        .map(|r| overview_item(r, total_payable, &month))
        .collect();
    response.insert("Ready".into(), json!(1));
    response.insert("SummaryTotal".into(), amounts(total_payable, total_pretax));
    response.insert("SummaryOverview".into(), Value::Array(overview));
    response
}

fn amounts(payable: Decimal, pretax: Decimal) -> Value {
    json!({
        "RealTotalCost": money(payable),
        "VoucherPayAmount": "0.00",
        "IncentivePayAmount": "0.00",
        "CashPayAmount": money(payable),
        "TransferPayAmount": "0.00",
        "TotalCost": money(pretax),
    })
}

fn overview_item(row: &Row, total_payable: Decimal, month: &str) -> Value {
    let ratio = if total_payable.is_zero() {
        Decimal::ZERO
    } else {
        row.payable * Decimal::from(100) / total_payable
    };
    let mut item = amounts(row.payable, row.pretax);
    if let Value::Object(map) = &mut item {
        map.insert(
            "BusinessCode".into(),
            json!(row.product_code.clone().unwrap_or_default()),
        );
        map.insert("BusinessCodeName".into(), json!(row.product_name));
        map.insert("RealTotalCostRatio".into(), json!(money(ratio)));
        map.insert("BillMonth".into(), json!(month));
    }
    item
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{CloudFault, CloudSim};
    use super::*;
    use crate::signing::HeadersToSign;
    use crate::secret::Secret;
    use chrono::DateTime;

    fn signed_with(sim: &CloudSim, secret: &Secret, action: &str, body: &Value, at: DateTime<Utc>) -> SignableRequest {
        let headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("X-TC-Action", action),
            ("X-TC-Version", VERSION),
        ];
        let request = SignableRequest {
            headers: pairs(&headers),
            body: body.to_string().into_bytes(),
            ..post_root(sim, Provider::Tencent)
        };
        signed_by(&account(sim, "tencent-prod"), secret, request, |request, key| {
            tc3::sign(request, key, at, SERVICE, HeadersToSign::ProviderDefault)
        })
    }

    async fn call(sim: &CloudSim, body: Value) -> Reply {
        let secret = account(sim, "tencent-prod").secret;
        send(&signed_with(sim, &secret, ACTION, &body, Utc::now())).await
    }

    fn month(m: &str) -> Value {
        json!({"BeginTime": m, "EndTime": m})
    }

    fn assert_error(reply: &Reply, status: u16, code: &str) {
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
        let response = &reply.json()["Response"];
        assert_eq!(response["Error"]["Code"], code, "{}", reply.text);
        assert!(response["RequestId"].is_string());
    }

    #[tokio::test]
    async fn summary_matches_the_ledger_month() {
        let sim = start().await;
        for m in ["2026-10", "2026-11"] {
            let reply = call(&sim, month(m)).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            let response = reply.json()["Response"].clone();
            assert_eq!(response["Ready"], 1);
            let items = response["SummaryOverview"]
                .as_array()
                .expect("overview")
                .clone();
            assert_eq!(items.len(), 3);
            let sum = |field: &str| total(&items, field);
            let (pretax, payable) =
                reported_month(&sim, "tencent-prod", parse_month(m).expect("month"));
            assert_eq!(
                (sum("TotalCost"), sum("RealTotalCost")),
                (pretax, payable),
                "{m}"
            );
            assert_eq!(decimal(&response["SummaryTotal"]["RealTotalCost"]), payable);
            assert!(items
                .iter()
                .all(|i| i["BillMonth"] == m && i["CashPayAmount"].is_string()));
            let ratios = sum("RealTotalCostRatio");
            assert!(
                (ratios - Decimal::from(100)).abs() < Decimal::new(5, 2),
                "{ratios}"
            );
        }
        let items =
            call(&sim, month("2026-10")).await.json()["Response"]["SummaryOverview"].clone();
        assert_eq!(items[0]["BusinessCode"], "p_cos");
        assert_eq!(items[1]["BusinessCodeName"], "云服务器");
    }

    #[tokio::test]
    async fn parameters_are_checked() {
        let sim = start().await;
        let apart = json!({"BeginTime": "2026-10", "EndTime": "2026-11"});
        assert_error(&call(&sim, apart).await, 200, "InvalidParameterValue");
        assert_error(
            &call(&sim, json!({"EndTime": "2026-11"})).await,
            200,
            "MissingParameter",
        );
        assert_error(
            &call(&sim, month("2026/11")).await,
            200,
            "InvalidParameterValue",
        );
        let refunds = call(
            &sim,
            json!({"BeginTime": "2026-10", "EndTime": "2026-10", "PayType": "refund"}),
        )
        .await;
        assert_eq!(refunds.json()["Response"]["SummaryOverview"], json!([]));
    }

    #[tokio::test]
    async fn signature_problems_use_tencent_codes() {
        let sim = start().await;
        let wrong = Secret::new("not-the-secret");
        let reply = send(&signed_with(&sim, &wrong, ACTION, &month("2026-11"), Utc::now())).await;
        assert_error(&reply, 200, "AuthFailure.SignatureFailure");
        let secret = account(&sim, "tencent-prod").secret;
        let stale = Utc::now() - chrono::Duration::hours(1);
        let reply = send(&signed_with(&sim, &secret, ACTION, &month("2026-11"), stale)).await;
        assert_error(&reply, 200, "AuthFailure.SignatureExpire");
        let mut unknown = signed_with(&sim, &secret, ACTION, &month("2026-11"), Utc::now());
        rewrite_authorization(&mut unknown, "Credential=AKID", "Credential=AKIX");
        assert_error(&send(&unknown).await, 200, "AuthFailure.SecretIdNotFound");
    }

    #[tokio::test]
    async fn unknown_action() {
        let sim = start().await;
        let secret = account(&sim, "tencent-prod").secret;
        let reply = send(&signed_with(
            &sim,
            &secret,
            "DescribeBillList",
            &month("2026-11"),
            Utc::now(),
        ))
        .await;
        assert_error(&reply, 200, "InvalidAction");
    }

    #[tokio::test]
    async fn throttling_not_ready_and_other_faults() {
        let sim = start().await;
        let reply = throttled_by_fault(&sim, (Provider::Tencent, Some(1)), || call(&sim, month("2026-11"))).await;
        assert_error(&reply, 200, "RequestLimitExceeded");

        sim.control
            .push_fault(Provider::Tencent, CloudFault::NotReady);
        let response = call(&sim, month("2026-11")).await.json()["Response"].clone();
        assert_eq!(
            (
                response["Ready"].clone(),
                response["SummaryOverview"].clone()
            ),
            (json!(0), json!([]))
        );

        queue_faults(&sim, Provider::Tencent, [CloudFault::MalformedJson, CloudFault::ServerError]);
        assert!(call(&sim, month("2026-11")).await.is_cut_json());
        assert_error(&call(&sim, month("2026-11")).await, 500, "InternalError");

        let is_throttled = |reply: &Reply| reply.json()["Response"].get("Error").is_some();
        let check = |reply: &Reply| assert_error(reply, 200, "RequestLimitExceeded");
        assert_rate_limited(&sim, (Provider::Tencent, 1), || call(&sim, month("2026-11")), is_throttled, check).await;
    }

    #[tokio::test]
    async fn answers_exactly_application_json() {
        let sim = start().await;
        let ok = call(&sim, month("2026-11")).await;
        let wrong = call(&sim, json!({"EndTime": "2026-11"})).await;
        for reply in [ok, wrong] {
            assert_eq!(
                reply.headers[reqwest::header::CONTENT_TYPE],
                "application/json",
                "{}",
                reply.text
            );
        }
    }

    /// A GET as the Python SDK sends one: parameters form-encoded in the query (space as `+`),
    /// that string signed as sent, the endpoint a bare address (service still `billing`).
    #[tokio::test]
    async fn a_get_with_query_parameters_is_verified_as_sent() {
        let sim = start().await;
        let account = account(&sim, "tencent-prod");
        let raw = "BeginTime=2026-10-01+00%3A00%3A00&EndTime=2026-10";
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-TC-Action", ACTION),
            ("X-TC-Version", VERSION),
        ];
        let request = SignableRequest {
            method: "GET".into(),
            query: url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect(),
            headers: pairs(&headers),
            ..post_root(&sim, Provider::Tencent)
        };
        let request = signed_by(&account, &account.secret, request, |request, key| {
            tc3::sign_sent_query(request, raw, key, Utc::now(), SERVICE, HeadersToSign::ProviderDefault)
        });
        let mut builder = reqwest::Client::new().get(format!("http://{}/?{raw}", request.host));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let response = builder.send().await.expect("simulator answers");
        let body: Value = response.json().await.expect("JSON");
        let response = &body["Response"];
        assert!(response.get("Error").is_none(), "{body}");
        assert_eq!(response["SummaryOverview"][0]["BillMonth"], "2026-10");
    }
}
