//! Tencent Cloud billing API 3.0 (`billing`, Version 2018-07-09): `DescribeBillSummaryByProduct`,
//! `POST /` with a JSON body, signed with TC3-HMAC-SHA256 (docs/providers.md, "Tencent Cloud"). This
//! API has no balance action, so this client reads bills only.
//!
//! - Signature: https://www.tencentcloud.com/ko/document/product/1271/71919
//! - Common errors: https://www.tencentcloud.com/document/product/1150/49458; throttling code
//!   `RequestLimitExceeded` from SDK `tencentcloud-sdk-go/tencentcloud/common/ratelimitretry.go`
//! - DescribeBillSummaryByProduct: https://tencentcloud.com/document/api/555/32374

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    amount, month_of_scope, month_text, read_payload, CodeKinds, Envelope, ErrorKind, Failure,
    LineOf, ProductCost, ProviderError, ProviderHttp,
};
use crate::billing::model::{BillLine, Currency, Provider, Scope};
use crate::signing::{tc3, HeadersToSign};

const PROVIDER: Provider = Provider::Tencent;
const ACTION: &str = "DescribeBillSummaryByProduct";
const VERSION: &str = "2018-07-09";
/// The TC3 credential scope's service, fixed per API as the SDKs fix it: a custom endpoint (a
/// proxy, the simulator on 127.0.0.1) must not change what is signed.
const SERVICE: &str = "billing";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// The doc: while `Ready` is 0, retry in about 10 minutes.
pub const NOT_READY_RETRY: Duration = Duration::from_secs(600);
/// The international site's host; it bills in USD (the mainland one in CNY).
const INTL_HOST: &str = "billing.intl.tencentcloudapi.com";

/// The `Response` object of a successful answer. Errors come as `Response.Error` on HTTP 200.
const ENVELOPE: Envelope = Envelope {
    provider: PROVIDER,
    payload: "Response",
    failure: Failure::ErrorIn { metadata: "/Response", numbers: false },
    kinds: CodeKinds {
        exact: &[],
        prefixes: &[
            (ErrorKind::Throttled, &["RequestLimitExceeded"]),
            (ErrorKind::Auth, &["AuthFailure"]),
            (ErrorKind::Server, &["InternalError"]),
        ],
    },
};

/// `BeginTime` and `EndTime` name the same month; the answer covers all of it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SummaryRequest {
    begin_time: String,
    end_time: String,
}

/// One line per product for the month (no day). `Ready: 0` is [`ErrorKind::NotReady`] with
/// a 10-minute hint, and is not retried here. Only `Scope::Month`.
pub(super) async fn bill_lines(api: &ProviderHttp, scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
    let month = month_of_scope(PROVIDER, scope)?;
    let request = SummaryRequest {
        begin_time: month_text(month),
        end_time: month_text(month),
    };
    let body = serde_json::to_vec(&request)
        .map_err(|e| ProviderError::malformed(PROVIDER, ACTION, e))?;
    let currency = currency(api);
    // Read inside the gate: an answer that does not read is asked for again like a 5xx.
    api.run(|| async { parse_summary(api.name(), month, currency, attempt(api, body.clone()).await?) })
        .await
}

fn currency(api: &ProviderHttp) -> Currency {
    if api.base().host_str() == Some(INTL_HOST) {
        Currency::Usd
    } else {
        Currency::Cny
    }
}

/// Signed afresh (X-TC-Timestamp) on every attempt; answers the `Response` object.
async fn attempt(api: &ProviderHttp, body: Vec<u8>) -> Result<Value, ProviderError> {
    let method = reqwest::Method::POST;
    let url = api.url("/", &[]);
    let headers = vec![
        ("Content-Type".to_owned(), CONTENT_TYPE.to_owned()),
        ("X-TC-Action".to_owned(), ACTION.to_owned()),
        ("X-TC-Version".to_owned(), VERSION.to_owned()),
    ];
    let request = ProviderHttp::signable(&method, &url, Vec::new(), headers, body);
    // The Go SDK's set, `content-type;host`.
    let answer = api
        .send_signed(ACTION, method, url, request, |request, key| {
            tc3::sign(request, key, Utc::now(), SERVICE, HeadersToSign::ProviderDefault)
        })
        .await?;
    api.redacted(ENVELOPE.open(ACTION, &answer))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SummaryResponse {
    #[serde(default)]
    ready: Option<Value>,
    #[serde(default)]
    summary_overview: Option<Vec<ProductSummary>>,
    #[serde(default)]
    request_id: Option<String>,
}

/// All strings in the docs; read through [`amount`].
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProductSummary {
    #[serde(default)]
    business_code: Option<String>,
    #[serde(default)]
    business_code_name: Option<String>,
    /// What is owed, after discounts.
    #[serde(deserialize_with = "amount::decimal")]
    real_total_cost: Decimal,
    /// Before discounts; "-" before bill 3.0 (2021-05) and under contract prices.
    #[serde(default, deserialize_with = "amount::optional_decimal")]
    total_cost: Option<Decimal>,
}

/// Reads a `DescribeBillSummaryByProduct` `Response` for the month starting `month`.
pub fn parse_summary(
    account: &str,
    month: NaiveDate,
    currency: Currency,
    response: Value,
) -> Result<Vec<BillLine>, ProviderError> {
    let response: SummaryResponse = read_payload(PROVIDER, ACTION, response)?;
    // `Ready` is a uint64: 0 preparing, 1 ready. Read leniently; absent means ready.
    let ready = match &response.ready {
        None | Some(Value::Null) => true,
        Some(Value::Number(n)) => n.as_u64() != Some(0),
        Some(Value::String(s)) => s.trim() != "0",
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ProviderError::malformed(
                PROVIDER,
                ACTION,
                format!("Ready is {other}"),
            ))
        }
    };
    if !ready {
        return Err(ProviderError::new(
            PROVIDER,
            ErrorKind::NotReady,
            "BillNotReady",
            format!(
                "the bill for {} is still being prepared (Ready: 0)",
                month_text(month)
            ),
        )
        .with_request_id(response.request_id)
        .with_retry_after(Some(NOT_READY_RETRY)));
    }
    let line_of = LineOf {
        provider: PROVIDER,
        account,
        billing_cycle: month,
        date: None,
    };
    let lines = response
        .summary_overview
        .unwrap_or_default()
        .into_iter()
        .map(|product| {
            line_of.line(
                currency,
                ProductCost {
                    code: product.business_code,
                    name: product.business_code_name,
                    pretax: product.total_cost.unwrap_or(product.real_total_cost),
                    payable: product.real_total_cost,
                },
            )
        })
        .collect();
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::test_support::{answer, dec};

    /// The envelope opened as the client opens it, on an answer without headers.
    fn interpret(status: u16, body: &str) -> Result<Value, ProviderError> {
        ENVELOPE.open(ACTION, &answer(status, &[], body))
    }

    fn may() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
    }

    #[test]
    fn documented_error_shape() {
        // https://www.tencentcloud.com/document/product/1150/49458
        let body = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated. Please check your signature is correct."},"RequestId":"ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}}"#;
        let e = interpret(200, body).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth);
        assert_eq!(e.code, "AuthFailure.SignatureFailure");
        assert_eq!(
            e.request_id.as_deref(),
            Some("ed93f3cb-f35e-473f-b9f3-0d451b8b79c6")
        );
        assert!(!e.is_retryable());

        let limited = r#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"Your current request times equals to `21` in a second"},"RequestId":"r"}}"#;
        let e = interpret(200, limited).unwrap_err();
        assert!(e.kind == ErrorKind::Throttled && e.is_retryable());
        let internal = r#"{"Response":{"Error":{"Code":"InternalError.GatewayError","Message":"m"},"RequestId":"r"}}"#;
        assert_eq!(
            interpret(200, internal).unwrap_err().kind,
            ErrorKind::Server
        );
        let invalid = r#"{"Response":{"Error":{"Code":"InvalidParameter","Message":"BeginTime"},"RequestId":"r"}}"#;
        assert_eq!(
            interpret(200, invalid).unwrap_err().kind,
            ErrorKind::BadRequest
        );
        assert_eq!(
            interpret(502, "gateway").unwrap_err().kind,
            ErrorKind::Server
        );
        let e = interpret(200, "{\"Response\": {").unwrap_err();
        assert!(e.kind == ErrorKind::Malformed && e.message.contains(ACTION));
    }

    #[test]
    fn summary_shaped_per_the_docs() {
        let body = r#"{"Response":{"Ready":1,
            "SummaryTotal":{"RealTotalCost":"1110.50","VoucherPayAmount":"0","IncentivePayAmount":"0","CashPayAmount":"1110.50","TransferPayAmount":"0","TotalCost":"1300.00"},
            "SummaryOverview":[
              {"BusinessCode":"p_hunyuan","BusinessCodeName":"腾讯混元大模型","RealTotalCostRatio":"9.96","RealTotalCost":"110.50","CashPayAmount":"110.50","IncentivePayAmount":"0","VoucherPayAmount":"0","TransferPayAmount":"0","BillMonth":"2024-05","TotalCost":"150.00"},
              {"BusinessCode":"p_cvm","BusinessCodeName":"云服务器","RealTotalCostRatio":"90.04","RealTotalCost":"1,000.00","CashPayAmount":"1000","IncentivePayAmount":"0","VoucherPayAmount":"0","TransferPayAmount":"0","BillMonth":"2024-05","TotalCost":"-"}],
            "RequestId":"r"}}"#;
        let response = interpret(200, body).unwrap();
        let lines = parse_summary("acct", may(), Currency::Cny, response).unwrap();
        let [hunyuan, cvm] = &lines[..] else {
            panic!("{lines:?}")
        };
        assert_eq!(
            (hunyuan.pretax, hunyuan.payable),
            (dec("150"), dec("110.5"))
        );
        assert!(hunyuan.ai_service && !cvm.ai_service);
        // TotalCost "-": pretax falls back to RealTotalCost.
        assert_eq!((cvm.pretax, cvm.payable), (dec("1000"), dec("1000")));
        assert_eq!((cvm.date, cvm.billing_cycle), (None, may()));
        assert_eq!(cvm.product_name, "云服务器");
    }

    #[test]
    fn not_ready_is_its_own_kind() {
        let body = r#"{"Response":{"Ready":0,"SummaryOverview":[],"RequestId":"r9"}}"#;
        let response = interpret(200, body).unwrap();
        let e = parse_summary("acct", may(), Currency::Cny, response).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotReady);
        assert_eq!(e.retry_after, Some(NOT_READY_RETRY));
        assert_eq!(e.request_id.as_deref(), Some("r9"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn request_body_is_as_documented() {
        let request = SummaryRequest {
            begin_time: "2024-05".into(),
            end_time: "2024-05".into(),
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"BeginTime":"2024-05","EndTime":"2024-05"}"#
        );
    }
}
