//! Baidu AI Cloud billing API, signed with `bce-auth-v1` (docs/providers.md, "Baidu").
//!
//! - Signature: https://cloud.baidu.com/doc/Reference/s/njwvz1yfu (生成认证字符串)
//! - Cash balance: https://cloud.baidu.com/doc/Finance/s/Skhtyytwu
//! - Resource month bill, fields and error shape: SDK `baidubce/bce-sdk-go`,
//!   `services/billing/{billing.go,model.go}`, `bce/response.go`, `bce/error.go`
//!
//! Only `host` and `x-bce-date` are signed: the HTTP client sets `Content-Length` itself, and
//! a header the signer did not see must not be in the signed set (see `signing::bce::sign`).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{
    amount, balance_now, day_of_scope, first_of_month, month_text, parse_json, read_all_pages,
    Answer, CodeKinds, ErrorKind, ErrorReport, LineOf, ProductCost, ProviderError, ProviderHttp,
};
use crate::billing::model::{BalanceSnapshot, BillLine, Currency, Provider, Scope};
use crate::signing::{bce, HeadersToSign};

const PROVIDER: Provider = Provider::Baidu;
const BILL_PATH: &str = "/v1/bill/resource/month";
const BALANCE_PATH: &str = "/v1/finance/cash/balance";
const BILL_ACTION: &str = "ResourceMonthBill";
const BALANCE_ACTION: &str = "CashBalance";
/// The documented maximum `pageSize`.
const PAGE_SIZE: u64 = 100;
/// `productType` is required and takes one value; a day's spend is both.
const PRODUCT_TYPES: [&str; 2] = ["postpay", "prepay"];
const SIGNED_HEADERS: &[&str] = &["host", "x-bce-date"];

/// The resource bill for one day (`beginTime` = `endTime` = the day), pay-as-you-go and
/// prepaid, all pages, summed per product (`serviceType`): the API answers per resource
/// and charge item, and one line per product and day is what the other providers give.
/// Only `Scope::Day`.
pub(super) async fn bill_lines(api: &ProviderHttp, scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
    let day = day_of_scope(PROVIDER, scope)?;
    let mut bills = Vec::new();
    for product_type in PRODUCT_TYPES {
        bills.extend(bills_of_type(api, day, product_type).await?);
    }
    Ok(sum_per_product(api.name(), day, bills))
}

async fn bills_of_type(
    api: &ProviderHttp,
    day: NaiveDate,
    product_type: &str,
) -> Result<Vec<ResourceBill>, ProviderError> {
    read_all_pages(PROVIDER, BILL_ACTION, |page_number, _| {
        bill_page(api, day, product_type, page_number)
    })
    .await
}

async fn bill_page(
    api: &ProviderHttp,
    day: NaiveDate,
    product_type: &str,
    page_number: u64,
) -> Result<(u64, Vec<ResourceBill>), ProviderError> {
    let day_text = day.format("%Y-%m-%d").to_string();
    let query = vec![
        ("month".to_owned(), month_text(day)),
        ("beginTime".to_owned(), day_text.clone()),
        ("endTime".to_owned(), day_text),
        ("productType".to_owned(), product_type.to_owned()),
        ("pageNo".to_owned(), page_number.to_string()),
        ("pageSize".to_owned(), PAGE_SIZE.to_string()),
    ];
    // Read inside the gate: an answer that does not read is asked for again like a 5xx.
    let page: BillPage = api
        .run(|| async {
            let answer = attempt(api, BILL_ACTION, reqwest::Method::GET, BILL_PATH, &query).await?;
            parse_json(PROVIDER, BILL_ACTION, &answer.body)
        })
        .await?;
    Ok((page.total_count, page.bills.unwrap_or_default()))
}

/// `POST /v1/finance/cash/balance`: the cash balance, CNY.
pub(super) async fn balance(api: &ProviderHttp) -> Result<BalanceSnapshot, ProviderError> {
    api.run(|| async {
        let answer = attempt(api, BALANCE_ACTION, reqwest::Method::POST, BALANCE_PATH, &[]).await?;
        parse_balance(api.name(), &answer.body)
    })
    .await
}

/// Signed afresh (x-bce-date) on every attempt; answers the successful HTTP answer.
async fn attempt(
    api: &ProviderHttp,
    action: &str,
    method: reqwest::Method,
    path: &str,
    query: &[(String, String)],
) -> Result<Answer, ProviderError> {
    let url = api.url(path, query);
    let request = ProviderHttp::signable(&method, &url, query.to_vec(), Vec::new(), Vec::new());
    let answer = api
        .send_signed(action, method, url, request, |request, key| {
            let expires = bce::DEFAULT_EXPIRATION_SECONDS;
            bce::sign(request, key, Utc::now(), expires, HeadersToSign::Only(SIGNED_HEADERS))
        })
        .await?;
    api.successful(answer, error_from)
}

/// `{"code","message","requestId"}`, the request id also in `x-bce-request-id`.
fn error_from(answer: &Answer) -> ProviderError {
    let mut report: ErrorReport = serde_json::from_slice(&answer.body).unwrap_or_default();
    report.request_id = report.request_id.or_else(|| answer.header("x-bce-request-id"));
    report.into_error(PROVIDER, answer, |code| CODE_KINDS.kind_of(code))
}

/// No BCE-wide throttling code is documented (docs/providers.md, "Baidu"): HTTP 429 is the signal, plus a few
/// names a gateway might use.
const CODE_KINDS: CodeKinds = CodeKinds {
    exact: &[
        (
            ErrorKind::Auth,
            &[
                "AccessDenied",
                "InvalidAccessKeyId",
                "SignatureDoesNotMatch",
                "RequestExpired",
                "InvalidAuthorization",
                "InvalidHTTPAuthHeader",
            ],
        ),
        (ErrorKind::Throttled, &["TooManyRequests", "RequestRateLimitExceeded"]),
        (ErrorKind::Server, &["InternalError", "ServiceUnavailable"]),
    ],
    prefixes: &[(ErrorKind::Throttled, &["Throttling"])],
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BillPage {
    #[serde(deserialize_with = "amount::count")]
    total_count: u64,
    #[serde(default)]
    bills: Option<Vec<ResourceBill>>,
}

/// Float numbers in the SDK model; read through [`amount`], never as `f64`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ResourceBill {
    #[serde(default)]
    service_type: Option<String>,
    #[serde(default)]
    service_type_name: Option<String>,
    /// 财务价: what is owed after discounts (paid by cash, rebate, coupons or still due).
    #[serde(deserialize_with = "amount::decimal")]
    finance_price: Decimal,
    /// 目录价: the list price, before discounts.
    #[serde(default, deserialize_with = "amount::optional_decimal")]
    catalog_price: Option<Decimal>,
    /// 原价: the original price; used as pretax when `catalogPrice` is absent.
    #[serde(default, deserialize_with = "amount::optional_decimal")]
    origin_price: Option<Decimal>,
}

/// Sums resource bills per product, in first-seen order. payable = `financePrice`; pretax =
/// `catalogPrice`, else `originPrice`, else `financePrice`.
pub fn sum_per_product(account: &str, day: NaiveDate, bills: Vec<ResourceBill>) -> Vec<BillLine> {
    let mut lines: Vec<BillLine> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let line_of = LineOf {
        provider: PROVIDER,
        account,
        billing_cycle: first_of_month(day),
        date: Some(day),
    };
    for bill in bills {
        let product_code = bill.service_type.unwrap_or_default();
        let pretax = bill
            .catalog_price
            .or(bill.origin_price)
            .unwrap_or(bill.finance_price);
        match index_of.get(&product_code) {
            Some(&at) => {
                lines[at].pretax += pretax;
                lines[at].payable += bill.finance_price;
            }
            None => {
                index_of.insert(product_code.clone(), lines.len());
                let cost = ProductCost {
                    code: Some(product_code),
                    name: bill.service_type_name,
                    pretax,
                    payable: bill.finance_price,
                };
                lines.push(line_of.line(Currency::Cny, cost));
            }
        }
    }
    lines
}

/// Reads `{"cashBalance": 850.0000}` (a number; a string is accepted too).
pub fn parse_balance(account: &str, body: &[u8]) -> Result<BalanceSnapshot, ProviderError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct CashBalance {
        #[serde(deserialize_with = "amount::decimal")]
        cash_balance: Decimal,
    }
    let balance: CashBalance = parse_json(PROVIDER, BALANCE_ACTION, body)?;
    Ok(balance_now(PROVIDER, account, Currency::Cny, balance.cash_balance, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::test_support::{answer, dec};

    #[test]
    fn documented_balance_example() {
        // https://cloud.baidu.com/doc/Finance/s/Skhtyytwu
        let balance = parse_balance("acct", br#"{"cashBalance": 850.0000}"#).unwrap();
        assert_eq!(balance.available, dec("850"));
        assert_eq!(balance.currency, Currency::Cny);
        assert_eq!(
            parse_balance("acct", br#"{"cashBalance": "-1.25"}"#)
                .unwrap()
                .available,
            dec("-1.25")
        );
        assert_eq!(
            parse_balance("acct", b"{\"cash").unwrap_err().kind,
            ErrorKind::Malformed
        );
    }

    #[test]
    fn bill_page_shaped_per_the_sdk_model() {
        let body = r#"{"billMonth":"2024-05","beginTime":"2024-05-03","endTime":"2024-05-03","accountId":"a1","loginName":"l","pageNo":1,"pageSize":100,"totalCount":3,
          "bills":[
            {"serviceType":"QIANFAN","serviceTypeName":"千帆大模型平台","productType":"postpay","chargeItem":"tokens","originPrice":12.5,"catalogPrice":12.5,"financePrice":10.1,"cash":10.1},
            {"serviceType":"QIANFAN","serviceTypeName":"千帆大模型平台","productType":"postpay","chargeItem":"tokens","originPrice":0.3,"catalogPrice":0.3,"financePrice":0.2},
            {"serviceType":"BCC","serviceTypeName":"云服务器","productType":"postpay","originPrice":3.0,"financePrice":2.75}]}"#;
        let page: BillPage = parse_json(PROVIDER, BILL_ACTION, body.as_bytes()).unwrap();
        assert_eq!(page.total_count, 3);
        let day = NaiveDate::from_ymd_opt(2024, 5, 3).unwrap();
        let lines = sum_per_product("acct", day, page.bills.unwrap());
        let [qianfan, bcc] = &lines[..] else {
            panic!("{lines:?}")
        };
        assert_eq!(
            (qianfan.pretax, qianfan.payable),
            (dec("12.8"), dec("10.3"))
        );
        assert!(qianfan.ai_service && !bcc.ai_service);
        // No catalogPrice: pretax is originPrice.
        assert_eq!((bcc.pretax, bcc.payable), (dec("3"), dec("2.75")));
        assert_eq!(
            (bcc.date, bcc.billing_cycle),
            (Some(day), NaiveDate::from_ymd_opt(2024, 5, 1).unwrap())
        );
    }

    #[test]
    fn errors() {
        let body = r#"{"code":"SignatureDoesNotMatch","message":"The request signature we calculated does not match","requestId":"b1"}"#;
        // BCE documents SignatureDoesNotMatch and InvalidHTTPAuthHeader as HTTP 400: the code,
        // not the status, makes them authentication failures.
        let e = error_from(&answer(400, &[], body));
        assert_eq!(
            (e.kind, e.code.as_str(), e.request_id.as_deref()),
            (ErrorKind::Auth, "SignatureDoesNotMatch", Some("b1"))
        );
        for (status, code) in [
            (400, "InvalidHTTPAuthHeader"),
            (400, "RequestExpired"),
            (403, "InvalidAccessKeyId"),
            (403, "AccessDenied"),
        ] {
            let body = format!(r#"{{"code":"{code}","message":"m","requestId":"b"}}"#);
            assert_eq!(
                error_from(&answer(status, &[], &body)).kind,
                ErrorKind::Auth,
                "{code}"
            );
        }
        let e = error_from(&answer(
            429,
            &[("x-bce-request-id", "h2"), ("retry-after", "3")],
            "",
        ));
        assert_eq!(
            (e.kind, e.request_id.as_deref()),
            (ErrorKind::Throttled, Some("h2"))
        );
        assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(3)));
        let e = error_from(&answer(
            500,
            &[],
            r#"{"code":"InternalError","message":"m","requestId":"b3"}"#,
        ));
        assert!(e.kind == ErrorKind::Server && e.is_retryable());
        let e = error_from(&answer(
            400,
            &[],
            r#"{"code":"InvalidParameter","message":"month","requestId":"b4"}"#,
        ));
        assert_eq!(e.kind, ErrorKind::BadRequest);
    }
}
