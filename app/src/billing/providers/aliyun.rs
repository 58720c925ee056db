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
    amount, body_excerpt, first_of_month, kind_from_status, month_text, parse_currency, parse_day,
    read_all_pages, Answer, ErrorKind, ProviderError, ProviderHttp,
};
use crate::billing::model::{is_ai_product, BalanceSnapshot, BillLine, Currency, Provider, Scope};
use crate::signing::acs3;

const PROVIDER: Provider = Provider::Aliyun;
const VERSION: &str = "2017-12-14";
/// The documented maximum (`_query_account_bill_request.py`).
const PAGE_SIZE: u64 = 300;

#[derive(Clone, Debug)]
pub struct Client {
    pub(super) api: ProviderHttp,
}

impl Client {
    /// `QueryAccountBill` with `Granularity=DAILY` and `IsGroupByProduct=true` for one day: one
    /// line per product (and subscription type). Only `Scope::Day`.
    pub async fn bill_lines(&self, scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
        let Scope::Day(day) = scope else {
            return Err(ProviderError::unsupported_scope(PROVIDER, scope));
        };
        read_all_pages(PROVIDER, "QueryAccountBill", |page_number, _| {
            self.bill_page(day, page_number)
        })
        .await
    }

    async fn bill_page(
        &self,
        day: NaiveDate,
        page_number: u64,
    ) -> Result<(u64, Vec<BillLine>), ProviderError> {
        let params = vec![
            ("BillingCycle".to_owned(), month_text(day)),
            ("Granularity".to_owned(), "DAILY".to_owned()),
            ("BillingDate".to_owned(), day.format("%Y-%m-%d").to_string()),
            ("IsGroupByProduct".to_owned(), "true".to_owned()),
            ("PageNum".to_owned(), page_number.to_string()),
            ("PageSize".to_owned(), PAGE_SIZE.to_string()),
        ];
        let currency = self.fallback_currency();
        let page = self.call("QueryAccountBill", &params, |data| parse_bill_page(self.api.name(), day, currency, data)).await?;
        Ok((page.total_count, page.lines))
    }

    /// `QueryAccountBalance`: available amount (may be negative) and credit line.
    pub async fn balance(&self) -> Result<BalanceSnapshot, ProviderError> {
        let currency = self.fallback_currency();
        self.call("QueryAccountBalance", &[], |data| parse_balance(self.api.name(), currency, data)).await
    }

    /// A response's `Currency` names it; when absent, the international site bills in USD and
    /// the mainland one in CNY (endpoints: docs/providers.md, "Alibaba Cloud").
    fn fallback_currency(&self) -> Currency {
        let host = self.api.base().host_str().unwrap_or_default();
        if host.starts_with("business.") && host != "business.aliyuncs.com" {
            Currency::Usd
        } else {
            Currency::Cny
        }
    }

    /// One action through the gate, its `Data` object read by `read` inside it: an answer that
    /// does not read is asked for again like a 5xx.
    async fn call<T>(
        &self,
        action: &str,
        params: &[(String, String)],
        read: impl Fn(Value) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        self.api.run(|| async { read(self.attempt(action, params).await?) }).await
    }

    /// Signed afresh (date and nonce) on every attempt.
    async fn attempt(
        &self,
        action: &str,
        params: &[(String, String)],
    ) -> Result<Value, ProviderError> {
        let method = reqwest::Method::POST;
        let url = self.api.url("/", params);
        let headers = vec![
            ("x-acs-action".to_owned(), action.to_owned()),
            ("x-acs-version".to_owned(), VERSION.to_owned()),
        ];
        let mut request = ProviderHttp::signable(&method, &url, params.to_vec(), headers, Vec::new());
        let nonce = format!("{:032x}", rand::random::<u128>());
        let signature = acs3::sign(&request, self.api.key(), Utc::now(), &nonce);
        request.apply(&signature);
        let answer = self.api.send_signed(action, method, url, request).await?;
        self.api.redacted(interpret(action, &answer))
    }
}

/// The `Data` of a successful answer, or the error it carries: any non-2xx status, and also
/// `Success: false` on HTTP 200.
fn interpret(action: &str, answer: &Answer) -> Result<Value, ProviderError> {
    let parsed: Result<Value, _> = serde_json::from_slice(&answer.body);
    let success_status = (200..300).contains(&answer.status);
    let body = match parsed {
        Ok(body @ Value::Object(_)) => body,
        _ if success_status => {
            return Err(ProviderError::malformed(
                PROVIDER,
                action,
                format!("not a JSON object: {}", body_excerpt(&answer.body)),
            ))
        }
        _ => return Err(error_from(answer, None)),
    };
    if !success_status || body.get("Success").and_then(Value::as_bool) == Some(false) {
        return Err(error_from(answer, Some(&body)));
    }
    match body.get("Data") {
        Some(data @ Value::Object(_)) => Ok(data.clone()),
        _ => Err(ProviderError::malformed(PROVIDER, action, "no Data object")),
    }
}

/// The SDK reads `Code`/`code`, `Message`/`message`, `RequestId`/`requestId` (docs/providers.md, "Alibaba Cloud").
fn error_from(answer: &Answer, body: Option<&Value>) -> ProviderError {
    let field = |upper: &str, lower: &str| -> Option<String> {
        let value = body?.get(upper).or_else(|| body?.get(lower))?;
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    };
    let code = field("Code", "code")
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| format!("HTTP{}", answer.status));
    let message = field("Message", "message").unwrap_or_else(|| body_excerpt(&answer.body));
    let request_id = field("RequestId", "requestId").or_else(|| answer.header("x-acs-request-id"));
    let kind = error_kind(answer.status, &code);
    let hint = if kind == ErrorKind::Throttled {
        retry_after_hint(answer)
    } else {
        None
    };
    ProviderError::new(PROVIDER, kind, code, message)
        .with_request_id(request_id)
        .with_retry_after(hint)
}

/// Any `Throttling*` code is throttling (no BSS-specific code is documented: docs/providers.md,
/// "Alibaba Cloud").
fn error_kind(status: u16, code: &str) -> ErrorKind {
    const AUTH_PREFIXES: [&str; 8] = [
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "InvalidSecurityToken",
        "InvalidTimeStamp",
        "NotAuthorized",
        "Forbidden",
        "NoPermission",
    ];
    if code.starts_with("Throttling") {
        ErrorKind::Throttled
    } else if AUTH_PREFIXES.iter().any(|prefix| code.starts_with(prefix)) {
        ErrorKind::Auth
    } else if matches!(
        code,
        "InternalError" | "UndefinedError" | "ServiceUnavailable"
    ) {
        // BSS documents InternalError with HTTP 400; it is still the server's fault.
        ErrorKind::Server
    } else {
        kind_from_status(status)
    }
}

/// `x-acs-retry-after` is read as **milliseconds**. The docs say only "a positive integer";
/// the official SDKs treat it as milliseconds (aliyun/darabonba-openapi's Java
/// `ThrottlingBackoffTest`: header `80` → a wait of about 80 ms; its C#
/// `UtilsThrottlingTest`: `"2000"` → 2000), and the project's simulator sends milliseconds.
/// Zero, negative or unparsable values are ignored, as the SDK does.
fn retry_after_hint(answer: &Answer) -> Option<Duration> {
    answer
        .header("x-acs-retry-after")?
        .parse::<u64>()
        .ok()
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
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
        serde_json::from_value(data).map_err(|e| ProviderError::malformed(PROVIDER, ACTION, e))?;
    let items = data.items.and_then(|items| items.item).unwrap_or_default();
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
        let currency = match item.currency.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(code) => parse_currency(PROVIDER, ACTION, code)?,
            None => fallback_currency,
        };
        let product_code = item.product_code.unwrap_or_default();
        let product_name = item
            .product_name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| product_code.clone());
        lines.push(BillLine {
            provider: PROVIDER,
            account: account.to_owned(),
            billing_cycle: first_of_month(day),
            date: Some(day),
            ai_service: is_ai_product(PROVIDER, &product_code),
            product_code,
            product_name,
            pretax: item.pretax_gross_amount,
            payable: item.pretax_amount,
            currency,
        });
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
        serde_json::from_value(data).map_err(|e| ProviderError::malformed(PROVIDER, ACTION, e))?;
    let currency = match data.currency.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(code) => parse_currency(PROVIDER, ACTION, code)?,
        None => fallback_currency,
    };
    Ok(BalanceSnapshot {
        provider: PROVIDER,
        account: account.to_owned(),
        taken_at: Utc::now(),
        currency,
        available: data.available_amount,
        credit: data.credit_amount,
        granted: None,
        topped_up: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        Answer {
            status,
            headers: map,
            body: bytes::Bytes::from(body.to_owned()),
        }
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

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

        let wrong_day = r#"{"TotalCount":1,"Items":{"Item":[{"BillingDate":"2024-05-04","ProductCode":"ecs","PretaxGrossAmount":1,"PretaxAmount":1}]}}"#;
        let e = parse_bill_page(
            "acct",
            day,
            Currency::Cny,
            serde_json::from_str(wrong_day).unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);

        let empty = r#"{"TotalCount":0,"Items":{"Item":[]}}"#;
        let page = parse_bill_page(
            "acct",
            day,
            Currency::Cny,
            serde_json::from_str(empty).unwrap(),
        )
        .unwrap();
        assert!(page.lines.is_empty());
        let no_items = r#"{"TotalCount":0}"#;
        assert!(parse_bill_page(
            "acct",
            day,
            Currency::Cny,
            serde_json::from_str(no_items).unwrap()
        )
        .is_ok());

        let bad_amount = r#"{"TotalCount":1,"Items":{"Item":[{"ProductCode":"ecs","PretaxGrossAmount":"x","PretaxAmount":1}]}}"#;
        let e = parse_bill_page(
            "acct",
            day,
            Currency::Cny,
            serde_json::from_str(bad_amount).unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
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
