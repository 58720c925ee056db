//! Volcengine billing OpenAPI (Service `billing`, Version 2022-01-01): `POST /?Action=…&Version=…`
//! with a JSON body, signed with Volcengine's HMAC-SHA256 (docs/providers.md, "Volcengine").
//!
//! - Signature: https://www.volcengine.com/docs/6469/1121980, https://volcengine.com/docs/6369/67270
//! - Response and error shape: https://volcengine.com/docs/6460/79674,
//!   https://www.volcengine.com/docs/6469/1121981; public error codes https://volcengine.com/docs/6448/76370
//! - ListBillDetail: https://volcengine.com/docs/6269/1127842
//! - QueryBalanceAcct: https://volcengine.com/docs/6269/1223898
//! - Rate limit (5 QPS for ListBill*): https://www.volcengine.com/docs/6269/1165275

use chrono::{Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    amount, balance_now, currency_or, month_of_scope, month_text, parse_day, read_all_pages,
    read_payload, CodeKinds, Envelope, ErrorKind, Failure, LineOf, ProductCost, ProviderError,
    ProviderHttp,
};
use crate::billing::model::{BalanceSnapshot, BillLine, Currency, Provider, Scope};
use crate::signing::{volcengine, HeadersToSign};

const PROVIDER: Provider = Provider::Volcengine;
const VERSION: &str = "2022-01-01";
const SERVICE: &str = "billing";
/// The billing docs' examples sign for `cn-beijing`.
pub const DEFAULT_REGION: &str = "cn-beijing";
/// The documented maximum `Limit`.
const PAGE_SIZE: u64 = 300;
/// As the billing docs' request examples write it.
const CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// The `Result` of a successful answer, or the error in `ResponseMetadata.Error`, which the SDK
/// treats as a failure even on HTTP 200 (docs/providers.md, "Volcengine"). A value given as a
/// number is read as its text.
const ENVELOPE: Envelope = Envelope {
    provider: PROVIDER,
    payload: "Result",
    failure: Failure::ErrorIn { metadata: "/ResponseMetadata", numbers: true },
    kinds: CodeKinds {
        exact: &[
            (ErrorKind::Throttled, &["FlowLimitExceeded", "RequestLimitExceeded"]),
            (
                ErrorKind::Auth,
                &[
                    "SignatureDoesNotMatch",
                    "InvalidClientTokenId",
                    "MissingSignature",
                    "InvalidTimestamp",
                    "AccessDenied",
                    "InvalidAccessKey",
                    "InvalidCredential",
                    "InvalidAuthorization",
                    "MissingAuthenticationToken",
                ],
            ),
            (ErrorKind::Server, &["InternalError", "ServiceUnavailableTemp", "ServiceUnavailable"]),
        ],
        prefixes: &[],
    },
};

/// `GroupTerm` 2 = by product, `GroupPeriod` 1 = by day: one line per product per day.
/// `Project` filters by the bill's project (empty: every project, and the field is left out).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListBillDetailRequest {
    bill_period: String,
    limit: u64,
    offset: u64,
    group_term: u8,
    group_period: u8,
    need_record_num: u8,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    project: Vec<String>,
}

/// `ListBillDetail` for one month, by product and day, all pages. Only `Scope::Month`.
pub(super) async fn bill_lines(api: &ProviderHttp, scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
    let month = month_of_scope(PROVIDER, scope)?;
    month_lines(api, month, Vec::new()).await
}

/// The month's lines of `projects` (all of them when empty), all pages.
async fn month_lines(api: &ProviderHttp, month: NaiveDate, projects: Vec<String>) -> Result<Vec<BillLine>, ProviderError> {
    let projects = &projects;
    read_all_pages(PROVIDER, "ListBillDetail", |_, offset| async move {
        let request = ListBillDetailRequest {
            bill_period: month_text(month),
            limit: PAGE_SIZE,
            offset,
            group_term: 2,
            group_period: 1,
            need_record_num: 1,
            project: projects.clone(),
        };
        let body = serde_json::to_vec(&request)
            .map_err(|e| ProviderError::malformed(PROVIDER, "ListBillDetail", e))?;
        let read = |result| parse_bill_page(api.name(), month, result);
        let page = call(api, &Action::billing("ListBillDetail", body), read).await?;
        Ok((page.total, page.lines))
    })
    .await
}

/// What `project` owes for the month starting `month` (Asia/Shanghai billing month): the sum of
/// `PayableAmount` over its `ListBillDetail` lines, all pages. Lines are in CNY; another
/// currency is an error rather than a sum of two currencies.
pub(super) async fn project_spend(api: &ProviderHttp, month: NaiveDate, project: &str) -> Result<Decimal, ProviderError> {
    let month = month_of_scope(PROVIDER, Scope::Month(month))?;
    let lines = month_lines(api, month, vec![project.to_owned()]).await?;
    sum_in_cny(&lines)
}

fn sum_in_cny(lines: &[BillLine]) -> Result<Decimal, ProviderError> {
    match lines.iter().find(|l| l.currency != Currency::Cny) {
        Some(line) => Err(ProviderError::new(
            PROVIDER,
            ErrorKind::BadRequest,
            "UnexpectedCurrency",
            format!("ListBillDetail: a project line in {:?}, expected CNY", line.currency),
        )),
        None => Ok(lines.iter().map(|l| l.payable).sum()),
    }
}

/// `QueryBalanceAcct`: available balance and credit limit.
pub(super) async fn balance(api: &ProviderHttp) -> Result<BalanceSnapshot, ProviderError> {
    let action = Action::billing("QueryBalanceAcct", b"{}".to_vec());
    call(api, &action, |result| parse_balance(api.name(), result)).await
}

fn region(api: &ProviderHttp) -> &str {
    api.account()
        .region
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION)
}

/// One Volcengine OpenAPI action: billing's are POSTs with a JSON body, IAM's GETs with their
/// parameters in the query (`Action` and `Version` always there).
pub(super) struct Action<'a> {
    pub(super) name: &'a str,
    pub(super) version: &'a str,
    pub(super) service: &'a str,
    /// Query parameters after `Action` and `Version`.
    pub(super) params: Vec<(String, String)>,
    /// `Some`: a POST with this JSON body; `None`: a GET.
    pub(super) body: Option<Vec<u8>>,
}

impl<'a> Action<'a> {
    fn billing(name: &'a str, body: Vec<u8>) -> Self {
        Action { name, version: VERSION, service: SERVICE, params: Vec::new(), body: Some(body) }
    }
}

/// One action through the gate, its `Result` object read by `read` inside it: an answer that
/// does not read is asked for again like a 5xx.
pub(super) async fn call<T>(api: &ProviderHttp, action: &Action<'_>, read: impl Fn(Value) -> Result<T, ProviderError>) -> Result<T, ProviderError> {
    api.run(|| async { read(attempt(api, action).await?) }).await
}

/// Signed afresh (X-Date) on every attempt.
pub(super) async fn attempt(api: &ProviderHttp, action: &Action<'_>) -> Result<Value, ProviderError> {
    let mut query = vec![
        ("Action".to_owned(), action.name.to_owned()),
        ("Version".to_owned(), action.version.to_owned()),
    ];
    query.extend(action.params.iter().cloned());
    let (method, headers, body) = match &action.body {
        Some(body) => (reqwest::Method::POST, vec![("Content-Type".to_owned(), CONTENT_TYPE.to_owned())], body.clone()),
        None => (reqwest::Method::GET, Vec::new(), Vec::new()),
    };
    let url = api.url("/", &query);
    let request = ProviderHttp::signable(&method, &url, query, headers, body);
    // The SDK's default set: host, content-type and every x-* header.
    let answer = api
        .send_signed(action.name, method, url, request, |request, key| {
            let default = HeadersToSign::ProviderDefault;
            volcengine::sign(request, key, Utc::now(), region(api), action.service, default)
        })
        .await?;
    api.redacted(ENVELOPE.open(action.name, &answer))
}

/// One page of `ListBillDetail`.
#[derive(Debug)]
pub struct BillPage {
    pub total: u64,
    pub lines: Vec<BillLine>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BillResult {
    #[serde(default)]
    list: Option<Vec<BillItem>>,
    #[serde(deserialize_with = "amount::count")]
    total: u64,
}

/// All strings in the docs; read through [`amount`].
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BillItem {
    #[serde(default)]
    expense_date: Option<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    product_zh: Option<String>,
    /// Before discounts and coupons.
    #[serde(deserialize_with = "amount::decimal")]
    original_bill_amount: Decimal,
    /// After discounts and coupons: what is owed.
    #[serde(deserialize_with = "amount::decimal")]
    payable_amount: Decimal,
    #[serde(default)]
    currency: Option<String>,
}

/// Reads one `ListBillDetail` `Result` for the month starting `month`. Every line must be
/// dated inside that month.
pub fn parse_bill_page(
    account: &str,
    month: NaiveDate,
    result: Value,
) -> Result<BillPage, ProviderError> {
    const ACTION: &str = "ListBillDetail";
    let result: BillResult = read_payload(PROVIDER, ACTION, result)?;
    let items = result.list.unwrap_or_default();
    let line_of = |date| LineOf {
        provider: PROVIDER,
        account,
        billing_cycle: month,
        date,
    };
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let date = match item
            .expense_date
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            None => None,
            Some(text) => {
                let day = parse_day(text).ok_or_else(|| {
                    ProviderError::malformed(PROVIDER, ACTION, format!("ExpenseDate {text:?}"))
                })?;
                if (day.year(), day.month()) != (month.year(), month.month()) {
                    return Err(ProviderError::malformed(
                        PROVIDER,
                        ACTION,
                        format!("asked for {}, got a line dated {day}", month_text(month)),
                    ));
                }
                Some(day)
            }
        };
        let currency = currency_or(PROVIDER, ACTION, item.currency.as_deref(), Currency::Cny)?;
        lines.push(line_of(date).line(
            currency,
            ProductCost {
                code: item.product,
                name: item.product_zh,
                pretax: item.original_bill_amount,
                payable: item.payable_amount,
            },
        ));
    }
    Ok(BillPage {
        total: result.total,
        lines,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BalanceResult {
    #[serde(deserialize_with = "amount::decimal")]
    available_balance: Decimal,
    #[serde(default, deserialize_with = "amount::optional_decimal")]
    credit_limit: Option<Decimal>,
}

/// Reads a `QueryBalanceAcct` `Result`. It names no currency; Volcengine (China) keeps
/// accounts in CNY.
pub fn parse_balance(account: &str, result: Value) -> Result<BalanceSnapshot, ProviderError> {
    let result: BalanceResult = read_payload(PROVIDER, "QueryBalanceAcct", result)?;
    Ok(balance_now(PROVIDER, account, Currency::Cny, result.available_balance, result.credit_limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::test_support::{answer, dec};
    use std::time::Duration;

    #[test]
    fn documented_balance_example() {
        // Result from https://volcengine.com/docs/6269/1223898 (AccountID anonymised there).
        let body = r#"{"ResponseMetadata":{"RequestId":"202401011200000000","Action":"QueryBalanceAcct","Version":"2022-01-01","Service":"billing","Region":"cn-beijing"},
            "Result":{"AccountID":2100000000,"ArrearsBalance":"1.01","AvailableBalance":"77.01","CashBalance":"83.01","CreditLimit":"0.01","FreezeAmount":"5.01"}}"#;
        let result = ENVELOPE.open("QueryBalanceAcct", &answer(200, &[], body)).unwrap();
        let balance = parse_balance("acct", result).unwrap();
        assert_eq!(balance.available, dec("77.01"));
        assert_eq!(balance.credit, Some(dec("0.01")));
        assert_eq!(balance.currency, Currency::Cny);
    }

    #[test]
    fn errors_even_on_http_200() {
        let body = r#"{"ResponseMetadata":{"RequestId":"r1","Action":"ListBillDetail","Version":"2022-01-01","Service":"billing","Region":"cn-beijing",
            "Error":{"CodeN":100010,"Code":"SignatureDoesNotMatch","Message":"The request signature we calculated does not match"}}}"#;
        let e = ENVELOPE.open("ListBillDetail", &answer(200, &[], body)).unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_str(), e.request_id.as_deref()),
            (ErrorKind::Auth, "SignatureDoesNotMatch", Some("r1"))
        );

        // The common-error pages' codes: an unknown key 100009, a mismatch 100010, a stale
        // timestamp 400; all are authentication failures whatever the status.
        for (status, code) in [
            (401, r#""CodeN":100009,"Code":"InvalidAccessKey""#),
            (401, r#""CodeN":100010,"Code":"SignatureDoesNotMatch""#),
            (400, r#""Code":"InvalidTimestamp""#),
        ] {
            let body = format!(
                r#"{{"ResponseMetadata":{{"RequestId":"r","Error":{{{code},"Message":"m"}}}}}}"#
            );
            let e = ENVELOPE.open("QueryBalanceAcct", &answer(status, &[], &body)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Auth, "{code}");
        }

        let limited = r#"{"ResponseMetadata":{"RequestId":"r2","Error":{"Code":"FlowLimitExceeded","Message":"请求过于频繁，超出了基本限速"}}}"#;
        let e = ENVELOPE.open(
            "ListBillDetail",
            &answer(429, &[("retry-after", "2")], limited),
        )
        .unwrap_err();
        assert_eq!(
            (e.kind, e.retry_after),
            (ErrorKind::Throttled, Some(Duration::from_secs(2)))
        );
        let limited = r#"{"ResponseMetadata":{"Error":{"Code":"RequestLimitExceeded","Message":"请求被限流"}}}"#;
        let invalid =
            r#"{"ResponseMetadata":{"Error":{"Code":"InvalidParam","Message":"BillPeriod"}}}"#;
        for (status, body, kind) in [
            (429, limited, ErrorKind::Throttled),
            (429, "", ErrorKind::Throttled),
            (400, invalid, ErrorKind::BadRequest),
            (503, "busy", ErrorKind::Server),
        ] {
            let e = ENVELOPE.open("x", &answer(status, &[], body)).unwrap_err();
            assert_eq!(e.kind, kind, "{status} {body}");
        }
        let e = ENVELOPE.open("ListBillDetail", &answer(200, &[], "{\"Result\":")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(e.message.contains("ListBillDetail"));
    }

    #[test]
    fn bill_page_shaped_per_the_docs() {
        let body = r#"{"ResponseMetadata":{"RequestId":"r","Action":"ListBillDetail","Version":"2022-01-01","Service":"billing","Region":"cn-beijing"},
            "Result":{"Total":3,"Limit":300,"Offset":0,"List":[
              {"BillPeriod":"2024-05","ExpenseDate":"2024-05-01","Product":"ark","ProductZh":"火山方舟","BillingMode":"2","OriginalBillAmount":"12.50","PayableAmount":"10.00","Currency":"CNY","RoundAmount":0.0},
              {"BillPeriod":"2024-05","ExpenseDate":"2024-05-02","Product":"ECS","ProductZh":"云服务器","OriginalBillAmount":"1,200.00","PayableAmount":"1,100.00","Currency":"CNY"},
              {"BillPeriod":"2024-05","ExpenseDate":"2024-05-02","Product":"ECS","ProductZh":"云服务器","OriginalBillAmount":"-5","PayableAmount":"-5","Currency":"CNY"}]}}"#;
        let month = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let result = ENVELOPE.open("ListBillDetail", &answer(200, &[], body)).unwrap();
        let page = parse_bill_page("acct", month, result).unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(page.lines.len(), 3);
        assert!(page.lines[0].ai_service && !page.lines[1].ai_service);
        assert_eq!(page.lines[0].date, NaiveDate::from_ymd_opt(2024, 5, 1));
        assert_eq!(
            (page.lines[1].pretax, page.lines[1].payable),
            (dec("1200"), dec("1100"))
        );
        assert_eq!(page.lines[2].billing_cycle, month);

        let outside = r#"{"Total":1,"List":[{"ExpenseDate":"2024-06-01","Product":"ECS","OriginalBillAmount":"1","PayableAmount":"1"}]}"#;
        let e = parse_bill_page("acct", month, serde_json::from_str(outside).unwrap()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
    }

    #[test]
    fn request_body_is_as_documented() {
        let request = ListBillDetailRequest {
            bill_period: "2024-05".into(),
            limit: 300,
            offset: 600,
            group_term: 2,
            group_period: 1,
            need_record_num: 1,
            project: Vec::new(),
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"BillPeriod":"2024-05","Limit":300,"Offset":600,"GroupTerm":2,"GroupPeriod":1,"NeedRecordNum":1}"#
        );
        let filtered = ListBillDetailRequest { project: vec!["ark-rd".into()], ..request };
        assert!(serde_json::to_string(&filtered).unwrap().ends_with(r#""NeedRecordNum":1,"Project":["ark-rd"]}"#));
    }

    #[test]
    fn project_spend_refuses_to_add_currencies() {
        let month = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let result = serde_json::json!({"Total": 2, "List": [
            {"ExpenseDate": "2024-05-01", "Product": "ark", "OriginalBillAmount": "2", "PayableAmount": "1.25", "Currency": "CNY"},
            {"ExpenseDate": "2024-05-02", "Product": "ark", "OriginalBillAmount": "2", "PayableAmount": "2.50"}]});
        let lines = parse_bill_page("acct", month, result).unwrap().lines;
        assert_eq!(sum_in_cny(&lines).unwrap(), dec("3.75"));
        let usd = serde_json::json!({"Total": 1, "List": [{"Product": "ark", "OriginalBillAmount": "1", "PayableAmount": "1", "Currency": "USD"}]});
        let lines = parse_bill_page("acct", month, usd).unwrap().lines;
        assert_eq!(sum_in_cny(&lines).unwrap_err().code, "UnexpectedCurrency");
    }
}
