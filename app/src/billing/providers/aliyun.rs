//! Alibaba Cloud BSS OpenAPI (`BssOpenApi`, Version 2017-12-14): RPC style, parameters in the
//! query string of `POST /`, empty body, signed with ACS3-HMAC-SHA256 (docs/providers.md, "Alibaba Cloud").
//!
//! - Signature: https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature
//! - Error shape: https://help.aliyun.com/document_detail/149360.htm
//! - QueryAccountBalance: https://help.aliyun.com/document_detail/87997.html
//! - QueryAccountBill fields: SDK `aliyun/alibabacloud-python-sdk`,
//!   `bssopenapi-20171214/alibabacloud_bssopenapi20171214/models/_query_account_bill_*.py`
//!   (commit bd5e126d064f5bf975f27f0f6c70bfc1b800ddc3).

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

use super::{
    amount, balance_now, currency_or, day_of_scope, first_of_month, month_text, parse_day,
    read_all_pages, read_payload, Answer, CodeKinds, Envelope, ErrorKind, ErrorReport, Failure,
    LineOf, ProductCost, ProviderError, ProviderHttp,
};
use crate::billing::model::{BalanceSnapshot, BillLine, Currency, Provider, Scope};
use crate::signing::acs3;

const PROVIDER: Provider = Provider::Aliyun;
const VERSION: &str = "2017-12-14";
/// The documented maximum (`_query_account_bill_request.py`).
const PAGE_SIZE: u64 = 300;

/// The `Data` of a successful answer; a failure is any non-2xx status, and also
/// `Success: false` on HTTP 200.
const ENVELOPE: Envelope = Envelope {
    provider: PROVIDER,
    payload: "Data",
    failure: Failure::Custom {
        failed: |body| body.get("Success").and_then(Value::as_bool) == Some(false),
        report: error_report,
    },
    // Any `Throttling*` code is throttling (no BSS-specific code is documented:
    // docs/providers.md, "Alibaba Cloud"). BSS documents InternalError with HTTP 400; it is
    // still the server's fault.
    kinds: CodeKinds {
        exact: &[(ErrorKind::Server, &["InternalError", "UndefinedError", "ServiceUnavailable"])],
        prefixes: &[
            (ErrorKind::Throttled, &["Throttling"]),
            (
                ErrorKind::Auth,
                &[
                    "InvalidAccessKeyId",
                    "SignatureDoesNotMatch",
                    "IncompleteSignature",
                    "InvalidSecurityToken",
                    "InvalidTimeStamp",
                    "NotAuthorized",
                    "Forbidden",
                    "NoPermission",
                ],
            ),
        ],
    },
};

/// `QueryAccountBill` with `Granularity=DAILY` and `IsGroupByProduct=true` for one day: one
/// line per product (and subscription type). Only `Scope::Day`.
pub(super) async fn bill_lines(api: &ProviderHttp, scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
    let day = day_of_scope(PROVIDER, scope)?;
    let currency = fallback_currency(api);
    read_all_pages(PROVIDER, "QueryAccountBill", |page_number, _| async move {
        let params = vec![
            ("BillingCycle".to_owned(), month_text(day)),
            ("Granularity".to_owned(), "DAILY".to_owned()),
            ("BillingDate".to_owned(), day.format("%Y-%m-%d").to_string()),
            ("IsGroupByProduct".to_owned(), "true".to_owned()),
            ("PageNum".to_owned(), page_number.to_string()),
            ("PageSize".to_owned(), PAGE_SIZE.to_string()),
        ];
        let read = |data| parse_bill_page(api.name(), day, currency, data);
        let page = call(api, "QueryAccountBill", &params, read).await?;
        Ok((page.total_count, page.lines))
    })
    .await
}

/// `QueryAccountBalance`: available amount (may be negative) and credit line.
pub(super) async fn balance(api: &ProviderHttp) -> Result<BalanceSnapshot, ProviderError> {
    let currency = fallback_currency(api);
    call(api, "QueryAccountBalance", &[], |data| parse_balance(api.name(), currency, data)).await
}

/// A response's `Currency` names it; when absent, the international site bills in USD and
/// the mainland one in CNY (endpoints: docs/providers.md, "Alibaba Cloud").
fn fallback_currency(api: &ProviderHttp) -> Currency {
    let host = api.base().host_str().unwrap_or_default();
    if host.starts_with("business.") && host != "business.aliyuncs.com" {
        Currency::Usd
    } else {
        Currency::Cny
    }
}

/// One action through the gate, its `Data` object read by `read` inside it: an answer that
/// does not read is asked for again like a 5xx.
async fn call<T>(
    api: &ProviderHttp,
    action: &str,
    params: &[(String, String)],
    read: impl Fn(Value) -> Result<T, ProviderError>,
) -> Result<T, ProviderError> {
    api.run(|| async { read(attempt(api, action, params).await?) }).await
}

/// Signed afresh (date and nonce) on every attempt.
async fn attempt(
    api: &ProviderHttp,
    action: &str,
    params: &[(String, String)],
) -> Result<Value, ProviderError> {
    let method = reqwest::Method::POST;
    let url = api.url("/", params);
    let headers = vec![
        ("x-acs-action".to_owned(), action.to_owned()),
        ("x-acs-version".to_owned(), VERSION.to_owned()),
    ];
    let request = ProviderHttp::signable(&method, &url, params.to_vec(), headers, Vec::new());
    let nonce = format!("{:032x}", rand::random::<u128>());
    let answer = api
        .send_signed(action, method, url, request, |request, key| {
            acs3::sign(request, key, Utc::now(), &nonce)
        })
        .await?;
    api.redacted(interpret(action, &answer))
}

/// The `Data` of a successful answer, or the error it carries: any non-2xx status, and also
/// `Success: false` on HTTP 200. A throttled answer's wait hint is `x-acs-retry-after`.
fn interpret(action: &str, answer: &Answer) -> Result<Value, ProviderError> {
    ENVELOPE.open(action, answer).map_err(|error| {
        let hint = if error.kind == ErrorKind::Throttled {
            retry_after_hint(answer)
        } else {
            None
        };
        error.with_retry_after(hint)
    })
}

/// The SDK reads `Code`/`code`, `Message`/`message`, `RequestId`/`requestId` (docs/providers.md, "Alibaba Cloud").
fn error_report(answer: &Answer, body: Option<&Value>) -> ErrorReport {
    let field = |upper: &str, lower: &str| -> Option<String> {
        let value = body?.get(upper).or_else(|| body?.get(lower))?;
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    };
    ErrorReport {
        code: field("Code", "code"),
        message: field("Message", "message"),
        request_id: field("RequestId", "requestId").or_else(|| answer.header("x-acs-request-id")),
    }
}

/// `x-acs-retry-after` is read as **milliseconds**. The docs say only "a positive integer";
/// the official SDKs treat it as milliseconds (aliyun/darabonba-openapi's Java
/// `ThrottlingBackoffTest`: header `80` → a wait of about 80 ms; its C#
/// `UtilsThrottlingTest`: `"2000"` → 2000), and the project's simulator sends milliseconds.
/// Zero, negative or unparsable values are ignored, as the SDK does.
fn retry_after_hint(answer: &Answer) -> Option<Duration> {
    answer.positive_number("x-acs-retry-after").map(Duration::from_millis)
}

/// One page of `QueryAccountBill`.
#[derive(Debug)]
pub struct BillPage {
    pub total_count: u64,
    pub lines: Vec<BillLine>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BillData {
    #[serde(deserialize_with = "amount::count")]
    total_count: u64,
    #[serde(default)]
    items: Option<BillItems>,
}

#[derive(Deserialize)]
struct BillItems {
    #[serde(rename = "Item", default)]
    item: Option<Vec<BillItem>>,
}

/// Amounts are JSON numbers in the SDK model; read through [`amount`] anyway.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BillItem {
    #[serde(default)]
    billing_date: Option<String>,
    #[serde(default)]
    product_code: Option<String>,
    #[serde(default)]
    product_name: Option<String>,
    /// Before discounts and vouchers.
    #[serde(deserialize_with = "amount::decimal")]
    pretax_gross_amount: Decimal,
    /// After discounts and vouchers, before tax: what is owed.
    #[serde(deserialize_with = "amount::decimal")]
    pretax_amount: Decimal,
    #[serde(default)]
    currency: Option<String>,
}

/// Reads one `QueryAccountBill` `Data` object for `day`.
pub fn parse_bill_page(
    account: &str,
    day: NaiveDate,
    fallback_currency: Currency,
    data: Value,
) -> Result<BillPage, ProviderError> {
    const ACTION: &str = "QueryAccountBill";
    let data: BillData =
        read_payload(PROVIDER, ACTION, data)?;
    let items = data.items.and_then(|items| items.item).unwrap_or_default();
    let line_of = LineOf {
        provider: PROVIDER,
        account,
        billing_cycle: first_of_month(day),
        date: Some(day),
    };
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        if let Some(text) = item
            .billing_date
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            let dated = parse_day(text).ok_or_else(|| {
                ProviderError::malformed(PROVIDER, ACTION, format!("BillingDate {text:?}"))
            })?;
            if dated != day {
                return Err(ProviderError::malformed(
                    PROVIDER,
                    ACTION,
                    format!("asked for {day}, got a line dated {dated}"),
                ));
            }
        }
        let currency = currency_or(PROVIDER, ACTION, item.currency.as_deref(), fallback_currency)?;
        lines.push(line_of.line(
            currency,
            ProductCost {
                code: item.product_code,
                name: item.product_name,
                pretax: item.pretax_gross_amount,
                payable: item.pretax_amount,
            },
        ));
    }
    Ok(BillPage {
        total_count: data.total_count,
        lines,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BalanceData {
    #[serde(deserialize_with = "amount::decimal")]
    available_amount: Decimal,
    #[serde(default, deserialize_with = "amount::optional_decimal")]
    credit_amount: Option<Decimal>,
    #[serde(default)]
    currency: Option<String>,
}

/// Reads a `QueryAccountBalance` `Data` object (all amounts strings).
pub fn parse_balance(
    account: &str,
    fallback_currency: Currency,
    data: Value,
) -> Result<BalanceSnapshot, ProviderError> {
    const ACTION: &str = "QueryAccountBalance";
    let data: BalanceData =
        read_payload(PROVIDER, ACTION, data)?;
    let currency = currency_or(PROVIDER, ACTION, data.currency.as_deref(), fallback_currency)?;
    Ok(balance_now(PROVIDER, account, currency, data.available_amount, data.credit_amount))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::test_support::{answer, dec};

    /// The docs' example, https://help.aliyun.com/document_detail/87997.html
    const BALANCE_EXAMPLE: &str = r#"{"Code":"200","Message":"success","RequestId":"16176743-6DC7-4CB3-BB25-A13982D8DFAD","Success":true,
 "Data":{"AvailableAmount":"10000.00","CreditAmount":"0.00","MybankCreditAmount":"0.00","Currency":"CNY","AvailableCashAmount":"10000.00","QuotaLimit":"10000.00"}}"#;

    #[test]
    fn documented_balance_example() {
        let data = interpret("QueryAccountBalance", &answer(200, &[], BALANCE_EXAMPLE)).unwrap();
        let balance = parse_balance("acct", Currency::Usd, data).unwrap();
        assert_eq!(balance.available, dec("10000"));
        assert_eq!(balance.credit, Some(dec("0")));
        assert_eq!(balance.currency, Currency::Cny);
        assert_eq!(
            (balance.provider, balance.account.as_str()),
            (PROVIDER, "acct")
        );

        let negative = r#"{"Success":true,"Data":{"AvailableAmount":"-11.19","Currency":"CNY"}}"#;
        let data = interpret("QueryAccountBalance", &answer(200, &[], negative)).unwrap();
        assert_eq!(
            parse_balance("acct", Currency::Cny, data)
                .unwrap()
                .available,
            dec("-11.19")
        );
    }

    #[test]
    fn documented_throttling_body_with_millisecond_hint() {
        // https://help.aliyun.com/document_detail/149360.htm
        let body = r#"{"RequestId":"7A3B","Message":"Request was denied due to user flow control.","Recommend":"https://next.api.aliyun.com/troubleshoot?q=Throttling.User&product=sae","HostId":"sae.cn-hangzhou.aliyuncs.com","Code":"Throttling.User"}"#;
        let e = interpret(
            "QueryAccountBill",
            &answer(400, &[("x-acs-retry-after", "1500")], body),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Throttled);
        assert_eq!(e.code, "Throttling.User");
        assert_eq!(e.request_id.as_deref(), Some("7A3B"));
        assert_eq!(e.retry_after, Some(Duration::from_millis(1500)));
        assert!(e.is_retryable());
    }

    #[test]
    fn errors_in_both_cases_and_on_http_200() {
        let lower = r#"{"code":"InvalidAccessKeyId.NotFound","message":"Specified access key is not found.","requestId":"r1"}"#;
        let e = interpret("QueryAccountBalance", &answer(404, &[], lower)).unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_str(), e.request_id.as_deref()),
            (ErrorKind::Auth, "InvalidAccessKeyId.NotFound", Some("r1"))
        );

        let refused =
            r#"{"Code":"SignatureDoesNotMatch","Message":"bad","RequestId":"r2","Success":false}"#;
        assert_eq!(
            interpret("x", &answer(400, &[], refused)).unwrap_err().kind,
            ErrorKind::Auth
        );

        let soft = r#"{"Code":"InvalidParameter","Message":"BillingDate","RequestId":"r3","Success":false,"Data":{}}"#;
        let e = interpret("QueryAccountBill", &answer(200, &[], soft)).unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_str()),
            (ErrorKind::BadRequest, "InvalidParameter")
        );

        let e = interpret(
            "x",
            &answer(400, &[], r#"{"Code":"InternalError","Message":"m"}"#),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Server);
        let e = interpret(
            "x",
            &answer(
                502,
                &[("x-acs-request-id", "h1")],
                "<html>bad gateway</html>",
            ),
        )
        .unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_str(), e.request_id.as_deref()),
            (ErrorKind::Server, "HTTP502", Some("h1"))
        );
        let e = interpret("QueryAccountBill", &answer(200, &[], "{\"Data\": [")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(e.message.contains("QueryAccountBill"), "{}", e.message);
    }

    #[test]
    fn bill_page_shaped_per_the_sdk_model() {
        let body = r#"{"Code":"200","Message":"Successful!","RequestId":"r","Success":true,"Data":{
            "AccountID":"1234","AccountName":"acct@example","BillingCycle":"2024-05","PageNum":1,"PageSize":300,"TotalCount":2,
            "Items":{"Item":[
              {"BillingDate":"2024-05-03","ProductCode":"sfm","ProductName":"大模型服务平台百炼","SubscriptionType":"PayAsYouGo",
               "PretaxGrossAmount":12.5,"PretaxAmount":10.25,"PaymentAmount":10.25,"Currency":"CNY"},
              {"BillingDate":"2024-05-03","ProductCode":"ecs","ProductName":"云服务器 ECS","SubscriptionType":"Subscription",
               "PretaxGrossAmount":100,"PretaxAmount":-3.3,"Currency":"CNY"}]}}}"#;
        let day = NaiveDate::from_ymd_opt(2024, 5, 3).unwrap();
        let data = interpret("QueryAccountBill", &answer(200, &[], body)).unwrap();
        let page = parse_bill_page("acct", day, Currency::Cny, data).unwrap();
        assert_eq!(page.total_count, 2);
        let [qwen, ecs] = &page.lines[..] else {
            panic!("{:?}", page.lines)
        };
        assert_eq!(qwen.pretax, dec("12.5"));
        assert_eq!(qwen.payable, dec("10.25"));
        assert!(qwen.ai_service && !ecs.ai_service);
        assert_eq!(ecs.payable, dec("-3.3"));
        assert_eq!(qwen.date, Some(day));
        assert_eq!(
            qwen.billing_cycle,
            NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
        );
        assert_eq!(ecs.product_name, "云服务器 ECS");

        let page_of = |data: &str| parse_bill_page("acct", day, Currency::Cny, serde_json::from_str(data).unwrap());
        let wrong_day = r#"{"TotalCount":1,"Items":{"Item":[{"BillingDate":"2024-05-04","ProductCode":"ecs","PretaxGrossAmount":1,"PretaxAmount":1}]}}"#;
        assert_eq!(page_of(wrong_day).unwrap_err().kind, ErrorKind::Malformed);

        let empty = r#"{"TotalCount":0,"Items":{"Item":[]}}"#;
        assert!(page_of(empty).unwrap().lines.is_empty());
        let no_items = r#"{"TotalCount":0}"#;
        assert!(page_of(no_items).is_ok());

        let bad_amount = r#"{"TotalCount":1,"Items":{"Item":[{"ProductCode":"ecs","PretaxGrossAmount":"x","PretaxAmount":1}]}}"#;
        assert_eq!(page_of(bad_amount).unwrap_err().kind, ErrorKind::Malformed);
    }

    #[test]
    fn hint_is_ignored_unless_positive() {
        let body = r#"{"Code":"Throttling","Message":"m"}"#;
        for value in ["0", "-5", "soon"] {
            let e =
                interpret("x", &answer(400, &[("x-acs-retry-after", value)], body)).unwrap_err();
            assert_eq!(
                (e.kind, e.retry_after),
                (ErrorKind::Throttled, None),
                "{value}"
            );
        }
    }
}
