//! The Volcengine billing simulator over HTTP: envelopes, paging, parameter checks, signature
//! codes, throttling and faults.

use super::super::testkit::*;
use super::super::{CloudFault, CloudSim};
use super::*;
use crate::signing::HeadersToSign;
use crate::secret::Secret;
use chrono::DateTime;

/// The amount fields before discounts and payable.
const AMOUNTS: (&str, &str) = ("OriginalBillAmount", "PayableAmount");

fn signed_with(sim: &CloudSim, secret: &Secret, action: &str, body: &Value, at: DateTime<Utc>) -> SignableRequest {
    let account = account(sim, "volc-ark");
    let request = SignableRequest {
        query: pairs(&[("Action", action), ("Version", VERSION)]),
        headers: pairs(&[("Content-Type", "application/json; charset=UTF-8")]),
        body: body.to_string().into_bytes(),
        ..post_root(sim, Provider::Volcengine)
    };
    let region = account.region.as_deref().unwrap_or(REGION);
    signed_by(&account, secret, request, |request, key| {
        volcengine::sign(request, key, at, region, SERVICE, HeadersToSign::ProviderDefault)
    })
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

#[tokio::test]
async fn daily_detail_pages_add_up_to_the_ledger_month() {
    let sim = start_for_paging(Provider::Volcengine).await;
    for period in ["2026-10", "2026-11"] {
        let body = json!({"BillPeriod": period, "GroupTerm": 2, "GroupPeriod": 1});
        let (total, items) = all_pages(&sim, "ListBillDetail", body, 40).await;
        assert_eq!(total as usize, items.len());
        let first = parse_month(period).expect("month");
        assert_eq!(
            sums(&items, AMOUNTS),
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
        assert_eq!(sums(&overview, AMOUNTS), reported_month(&sim, "volc-ark", first));
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
    rewrite_authorization(&mut unknown, "Credential=AKLT", "Credential=AKLX");
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
    let reply = throttled_by_fault(&sim, (Provider::Volcengine, None), || call(&sim, "QueryBalanceAcct", json!({}))).await;
    assert_error(&reply, 429, "FlowLimitExceeded");
    let balance = || call(&sim, "QueryBalanceAcct", json!({}));
    let check = |reply: &Reply| assert_error(reply, 429, "RequestLimitExceeded");
    assert_rate_limited(&sim, (Provider::Volcengine, 1), balance, |reply| reply.status == 429, check).await;
}

#[tokio::test]
async fn malformed_json_and_server_error() {
    let sim = start().await;
    queue_faults(&sim, Provider::Volcengine, [CloudFault::MalformedJson, CloudFault::ServerError]);
    assert!(call(&sim, "QueryBalanceAcct", json!({})).await.is_cut_json());
    assert_error(
        &call(&sim, "QueryBalanceAcct", json!({})).await,
        500,
        "InternalError",
    );
}
