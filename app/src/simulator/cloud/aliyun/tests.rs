//! The Alibaba BSS simulator over HTTP: envelopes, paging, parameter checks, signature codes,
//! throttling and faults.

use super::super::testkit::*;
use super::super::{CloudFault, CloudSim};
use super::*;
use crate::secret::Secret;
use chrono::DateTime;

/// The amount fields before discounts and payable.
const AMOUNTS: (&str, &str) = ("PretaxGrossAmount", "PretaxAmount");

fn nonce() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn signed_with(
    sim: &CloudSim,
    secret: &Secret,
    action: &str,
    query: &[(&str, &str)],
    at: DateTime<Utc>,
) -> SignableRequest {
    let headers = [("x-acs-action", action), ("x-acs-version", VERSION)];
    let request = SignableRequest {
        query: pairs(query),
        headers: pairs(&headers),
        ..post_root(sim, Provider::Aliyun)
    };
    signed_by(&account(sim, "aliyun-main"), secret, request, |request, key| {
        acs3::sign(request, key, at, &nonce())
    })
}

fn signed(sim: &CloudSim, action: &str, query: &[(&str, &str)]) -> SignableRequest {
    let secret = account(sim, "aliyun-main").secret;
    signed_with(sim, &secret, action, query, Utc::now())
}

async fn call(sim: &CloudSim, action: &str, query: &[(&str, &str)]) -> Reply {
    send(&signed(sim, action, query)).await
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    assert_eq!(reply.json()["Code"], code, "{}", reply.text);
    assert!(reply.json()["RequestId"].is_string());
}

#[tokio::test]
async fn balance_answers_string_amounts_in_the_envelope() {
    let sim = start().await;
    let reply = call(&sim, "QueryAccountBalance", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    assert_eq!(
        (body["Code"].as_str(), body["Success"].as_bool()),
        (Some("200"), Some(true))
    );
    let data = &body["Data"];
    assert!(data["AvailableAmount"].is_string() && data["CreditAmount"] == "0.00");
    let expected = sim.ledger.cash_balance("aliyun-main", today());
    assert_eq!(decimal(&data["AvailableAmount"]), expected.round_dp(2));
    assert_eq!(data["Currency"], "CNY");
    assert_eq!(sim.control.requests(Provider::Aliyun), 1);
}

async fn all_pages(
    sim: &CloudSim,
    query: &[(&str, &str)],
    page_size: usize,
) -> (usize, Vec<Value>) {
    let mut items = Vec::new();
    let size = page_size.to_string();
    for page in 1.. {
        let page = page.to_string();
        let mut q = query.to_vec();
        q.extend([("PageNum", page.as_str()), ("PageSize", size.as_str())]);
        let body = call(sim, "QueryAccountBill", &q).await.json();
        let data = &body["Data"];
        let batch = data["Items"]["Item"].as_array().expect("items").clone();
        if batch.is_empty() {
            return (data["TotalCount"].as_u64().expect("total") as usize, items);
        }
        assert!(batch.len() <= page_size);
        items.extend(batch);
    }
    unreachable!()
}

#[tokio::test]
async fn daily_bill_pages_add_up_to_the_ledger_month() {
    let sim = start_for_paging(Provider::Aliyun).await;
    for cycle in ["2026-10", "2026-11", "2026-09"] {
        let query = [
            ("BillingCycle", cycle),
            ("Granularity", "DAILY"),
            ("IsGroupByProduct", "true"),
        ];
        let (total, items) = all_pages(&sim, &query, 37).await;
        assert_eq!(total, items.len());
        let first = parse_month(cycle).expect("month");
        assert_eq!(
            sums(&items, AMOUNTS),
            reported_month(&sim, "aliyun-main", first),
            "{cycle}"
        );
        let mut keys: Vec<(String, String)> = items
            .iter()
            .map(|i| {
                (
                    i["BillingDate"].as_str().expect("date").to_owned(),
                    i["ProductCode"].as_str().expect("code").to_owned(),
                )
            })
            .collect();
        let len = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), len, "pages do not overlap");
        assert!(items
            .iter()
            .all(|i| i["PretaxAmount"].is_number() && i["Currency"] == "CNY"));
    }
    let sept: Vec<Value> = all_pages(
        &sim,
        &[
            ("BillingCycle", "2026-09"),
            ("Granularity", "DAILY"),
            ("IsGroupByProduct", "true"),
        ],
        300,
    )
    .await
    .1;
    assert!(
        sept.iter()
            .any(|i| decimal(&i["PretaxAmount"]) < Decimal::ZERO),
        "refund shows"
    );

    let one_day = [
        ("BillingCycle", "2026-11"),
        ("Granularity", "DAILY"),
        ("BillingDate", "2026-11-17"),
        ("IsGroupByProduct", "true"),
    ];
    let (total, items) = all_pages(&sim, &one_day, 20).await;
    assert_eq!((total, items.len()), (4, 4));
    let settled = sim.ledger.lines(
        "aliyun-main",
        today() - chrono::Duration::days(1),
        today() - chrono::Duration::days(1),
    );
    let final_gross: Decimal = settled.iter().map(|l| l.pretax).sum();
    assert!(
        sums(&items, AMOUNTS).0 < final_gross,
        "yesterday is reported at 90 %"
    );

    let overview = call(&sim, "QueryBillOverview", &[("BillingCycle", "2026-10")])
        .await
        .json();
    let items = overview["Data"]["Items"]["Item"]
        .as_array()
        .expect("items")
        .clone();
    assert_eq!(items.len(), 4);
    let first = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
    assert_eq!(sums(&items, AMOUNTS), reported_month(&sim, "aliyun-main", first));
    assert_eq!(items[0]["Item"], "PayAsYouGoBill");
}

#[tokio::test]
async fn parameters_are_checked() {
    let sim = start().await;
    let outside = [("BillingCycle", "2026-10"), ("Granularity", "DAILY"), ("BillingDate", "2026-11-01")];
    let refused: [(&str, &[(&str, &str)], &str); 6] = [
        ("QueryAccountBill", &[], "MissingParameter"),
        ("QueryAccountBill", &[("BillingCycle", "2026/10")], "InvalidParameter"),
        ("QueryAccountBill", &[("BillingCycle", "2026-10"), ("PageSize", "301")], "InvalidParameter"),
        ("QueryAccountBill", &outside, "InvalidParameter"),
        ("QueryBillOverview", &[], "MissingParameter"),
        // Booleans are read case-insensitively, but only true and false.
        ("QueryAccountBill", &[("BillingCycle", "2026-10"), ("IsGroupByProduct", "yes")], "InvalidParameter"),
    ];
    for (action, query, code) in refused {
        assert_error(&call(&sim, action, query).await, 400, code);
    }
    let monthly = call(&sim, "QueryAccountBill", &[("BillingCycle", "2026-10")])
        .await
        .json();
    let item = &monthly["Data"]["Items"]["Item"][0];
    assert_eq!(monthly["Data"]["TotalCount"], 1);
    assert!(item.get("ProductCode").is_none() && item.get("BillingDate").is_none());

    // Booleans as the service reads them: the Python SDK's `True` as well as `true`.
    for spelling in ["True", "true", "TRUE"] {
        let grouped = call(
            &sim,
            "QueryAccountBill",
            &[("BillingCycle", "2026-10"), ("IsGroupByProduct", spelling)],
        )
        .await
        .json();
        assert!(
            grouped["Data"]["Items"]["Item"][0]["ProductCode"].is_string(),
            "{spelling}"
        );
    }
}

#[tokio::test]
async fn signature_problems_use_alibaba_codes() {
    let sim = start().await;
    let wrong = Secret::new("not-the-secret");
    let reply = send(&signed_with(&sim, &wrong, "QueryAccountBalance", &[], Utc::now())).await;
    assert_error(&reply, 400, "SignatureDoesNotMatch");
    assert!(reply.json()["Message"]
        .as_str()
        .expect("message")
        .contains("ACS3-HMAC-SHA256"));

    let secret = account(&sim, "aliyun-main").secret;
    let stale = Utc::now() - chrono::Duration::hours(1);
    let reply = send(&signed_with(&sim, &secret, "QueryAccountBalance", &[], stale)).await;
    assert_error(&reply, 400, "InvalidTimeStamp.Expired");

    let mut unknown = signed(&sim, "QueryAccountBalance", &[]);
    rewrite_authorization(&mut unknown, "Credential=LTAI5t", "Credential=LTAI5x");
    assert_error(&send(&unknown).await, 404, "InvalidAccessKeyId.NotFound");

    let mut unsigned = signed(&sim, "QueryAccountBalance", &[]);
    unsigned.headers.retain(|(n, _)| n != "Authorization");
    assert_error(&send(&unsigned).await, 400, "IncompleteSignature");

    let request = signed(&sim, "QueryAccountBalance", &[]);
    assert_eq!(send(&request).await.status, 200);
    assert_error(&send(&request).await, 400, "SignatureNonceUsed");
}

#[tokio::test]
async fn unknown_action_and_version() {
    let sim = start().await;
    let reply = call(&sim, "DescribeInstances", &[]).await;
    assert_error(&reply, 404, "InvalidAction.NotFound");
    assert_eq!(
        reply.json()["Message"],
        "Specified api is not found, please check your url and method."
    );
}

#[tokio::test]
async fn throttling_by_fault_and_by_rate_limit() {
    let sim = start().await;
    let reply = throttled_by_fault(&sim, (Provider::Aliyun, Some(2)), || call(&sim, "QueryAccountBalance", &[])).await;
    assert_error(&reply, 400, "Throttling.User");
    assert_eq!(reply.headers["x-acs-retry-after"], "2000");

    let balance = || call(&sim, "QueryAccountBalance", &[]);
    let check = |reply: &Reply| {
        assert_error(reply, 400, "Throttling.User");
        let wait: u64 = reply.headers["x-acs-retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("ms");
        assert!((1..=1000).contains(&wait));
    };
    assert_rate_limited(&sim, (Provider::Aliyun, 1), balance, |reply| reply.status == 400, check).await;
}

#[tokio::test]
async fn other_faults() {
    let sim = start().await;
    let faults = [CloudFault::MalformedJson, CloudFault::ServerError, CloudFault::Timeout { ms: 80 }, CloudFault::NotReady];
    queue_faults(&sim, Provider::Aliyun, faults);
    assert!(call(&sim, "QueryAccountBalance", &[]).await.is_cut_json());
    assert_error(
        &call(&sim, "QueryAccountBalance", &[]).await,
        500,
        "UndefinedError",
    );
    let started = std::time::Instant::now();
    assert_eq!(call(&sim, "QueryAccountBalance", &[]).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(80));
    assert_eq!(
        call(&sim, "QueryAccountBalance", &[]).await.status,
        200,
        "NotReady is ignored"
    );
}
