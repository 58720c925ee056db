//! The Volcengine IAM client and per-project spend against the cloud simulator over real HTTP:
//! every action, paging, each IAM error code, disable/enable restoring exactly the keys it turned
//! off, project spend by project and month, and signatures refused.
#![cfg(feature = "simulators")]

use std::time::Duration;

use app::billing::iam::{IamErrorKind, KeyStatus, PolicyType, SYSTEM_POLICIES};
use app::billing::model::{Provider, Scope};
use app::billing::providers::volcengine_iam::IamClient;
use app::billing::providers::{AccountConfig, ErrorKind, ProviderClient, RequestGate, RetryPolicy};
use app::secret::Secret;
use app::signing::{encoded_query, volcengine, AccessKey, HeadersToSign, SignableRequest};
use app::simulator::cloud::{spawn, CloudFault, CloudSim, CloudSimSettings, SimAccount};
use chrono::{Datelike, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

const SEED: u64 = 42;
const VOLC: Provider = Provider::Volcengine;

fn fast_retry() -> RetryPolicy {
    RetryPolicy { attempts: 4, min_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50), max_hint: Duration::from_millis(200) }
}

fn config(sim: &CloudSim, account: &SimAccount) -> AccountConfig {
    AccountConfig {
        provider: account.provider,
        name: account.name.clone(),
        display_name: account.display_name.clone(),
        endpoint: url::Url::parse(&format!("http://{}/", sim.endpoints[&account.provider])).unwrap(),
        access_key_id: account.access_key_id.clone(),
        secret: account.secret.clone(),
        region: account.region.clone(),
        simulated: true,
    }
}

fn client(config: AccountConfig) -> ProviderClient {
    ProviderClient::new(config, reqwest::Client::new(), RequestGate::new(1000, fast_retry()))
}

fn volc(sim: &CloudSim) -> SimAccount {
    sim.accounts.iter().find(|a| a.provider == VOLC).unwrap().clone()
}

/// A simulator without Volcengine's 5/s limit (these tests send many requests), its account and
/// that account's IAM client.
async fn start() -> (CloudSim, SimAccount, IamClient) {
    let sim = spawn(CloudSimSettings::fast(SEED)).await.unwrap();
    sim.control.set_rate_limit(VOLC, 10_000);
    let account = volc(&sim);
    let iam = client(config(&sim, &account)).volcengine_iam().expect("a Volcengine account has IAM");
    (sim, account, iam)
}

/// A GET to the Volcengine port, signed with `secret` for `service`, exactly as sent: (status, body).
async fn raw(sim: &CloudSim, account: &SimAccount, secret: &Secret, service: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let host = sim.endpoints[&VOLC].to_string();
    let query: Vec<(String, String)> = query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let mut request = SignableRequest { method: "GET".into(), host: host.clone(), path: "/".into(), query: query.clone(), ..SignableRequest::default() };
    let key = AccessKey { id: &account.access_key_id, secret };
    let signature = volcengine::sign(&request, key, Utc::now(), "cn-beijing", service, HeadersToSign::ProviderDefault);
    request.apply(&signature);
    let mut builder = reqwest::Client::new().get(format!("http://{host}/?{}", encoded_query(&query)));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = builder.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn error_code(body: &Value) -> &str {
    body["ResponseMetadata"]["Error"]["Code"].as_str().unwrap_or("")
}

async fn sim_user(sim: &CloudSim, name: &str) -> (u16, Value) {
    let url = format!("{}/__sim/volcengine/iam/users/{name}", sim.base_url(VOLC).unwrap());
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn every_action_against_the_simulator() {
    let (sim, _, iam) = start().await;
    let names: Vec<String> = iam.list_users().await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["cs-bot", "marketing-app", "rd-team"], "the demo users");

    let user = iam.create_user("app-x", "应用 X", "额度测试").await.unwrap();
    assert_eq!((user.name.as_str(), user.display_name.as_str(), user.description.as_str()), ("app-x", "应用 X", "额度测试"));
    assert!(user.id > 0 && user.trn.as_deref().is_some_and(|t| t.ends_with(":user/app-x")));

    let key = iam.create_access_key("app-x").await.unwrap();
    assert!(key.id.starts_with("AKLT") && key.secret.expose().len() == 56 && key.status == KeyStatus::Active);
    let keys = iam.list_access_keys("app-x").await.unwrap();
    assert_eq!(keys.iter().map(|k| (k.id.as_str(), k.status)).collect::<Vec<_>>(), [(key.id.as_str(), KeyStatus::Active)]);
    for _ in 0..2 {
        // Setting the status a key already has is fine.
        iam.update_access_key("app-x", &key.id, KeyStatus::Inactive).await.unwrap();
    }
    assert_eq!(iam.list_access_keys("app-x").await.unwrap()[0].status, KeyStatus::Inactive);

    assert_eq!(iam.login_profile("app-x").await.unwrap(), None, "a new user has no console access");
    assert_eq!(iam.login_profile("cs-bot").await.unwrap().map(|p| p.login_allowed), Some(true));
    iam.set_login_allowed("cs-bot", false).await.unwrap();
    assert_eq!(iam.login_profile("cs-bot").await.unwrap().map(|p| p.login_allowed), Some(false));
    iam.set_login_allowed("cs-bot", true).await.unwrap();
    assert_eq!(iam.login_profile("cs-bot").await.unwrap().map(|p| p.login_allowed), Some(true));

    for _ in 0..2 {
        iam.attach_user_policy("app-x", "ArkFullAccess", PolicyType::System).await.unwrap();
    }
    iam.attach_user_policy("app-x", "TOSReadOnlyAccess", PolicyType::System).await.unwrap();
    let attached: Vec<(String, PolicyType)> = iam.list_attached_user_policies("app-x").await.unwrap().into_iter().map(|p| (p.name, p.policy_type)).collect();
    assert_eq!(attached, [("ArkFullAccess".to_owned(), PolicyType::System), ("TOSReadOnlyAccess".to_owned(), PolicyType::System)]);
    iam.detach_user_policy("app-x", "ArkFullAccess", PolicyType::System).await.unwrap();
    assert_eq!(iam.list_attached_user_policies("app-x").await.unwrap().len(), 1);
    for policy in SYSTEM_POLICIES {
        iam.attach_user_policy("marketing-app", policy, PolicyType::System).await.unwrap();
    }

    let projects: Vec<String> = iam.list_projects().await.unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(projects, ["default", "ark-customer-service", "ark-marketing", "ark-rd"]);

    let (status, view) = sim_user(&sim, "app-x").await;
    assert_eq!(status, 200);
    assert_eq!(view["login_allowed"], Value::Null);
    assert_eq!(view["keys"], json!([{"id": key.id, "status": "inactive"}]));
    assert_eq!(view["policies"], json!([{"name": "TOSReadOnlyAccess", "type": "System"}]));
    assert_eq!(sim_user(&sim, "nobody").await.0, 404);
    assert!(!format!("{iam:?}").contains(volc(&sim).secret.expose()), "Debug shows no secret");
    sim.shutdown();
}

#[tokio::test]
async fn lists_read_every_page() {
    let (sim, account, iam) = start().await;
    for i in 0..57 {
        iam.create_user(&format!("user-{i:02}"), "", "").await.unwrap();
    }
    let before = sim.control.requests(VOLC);
    let users = iam.list_users().await.unwrap();
    assert_eq!(sim.control.requests(VOLC) - before, 2, "60 users at 50 a page");
    assert_eq!(users.len(), 60);
    assert_eq!(users[3].name, "user-00");
    assert_eq!(users[59].name, "user-56");

    // The simulator's own paging: Limit/Offset/Total, Limit 1–100 (default 10).
    let secret = account.secret.clone();
    let (status, body) = raw(&sim, &account, &secret, "iam", &[("Action", "ListUsers"), ("Version", "2018-01-01"), ("Limit", "7"), ("Offset", "56")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["Result"]["Total"].as_u64(), body["Result"]["UserMetadata"].as_array().map(Vec::len)), (Some(60), Some(4)));
    let (_, body) = raw(&sim, &account, &secret, "iam", &[("Action", "ListUsers"), ("Version", "2018-01-01")]).await;
    assert_eq!(body["Result"]["Limit"], 10);
    let (status, body) = raw(&sim, &account, &secret, "iam", &[("Action", "ListUsers"), ("Version", "2018-01-01"), ("Limit", "101")]).await;
    assert_eq!((status, error_code(&body)), (400, "InvalidLimit"));
    let (_, body) = raw(&sim, &account, &secret, "iam", &[("Action", "ListProjects"), ("Version", "2021-08-01"), ("Limit", "3"), ("Offset", "3")]).await;
    assert_eq!(body["Result"]["Projects"][0]["ProjectName"], "ark-rd");
    assert_eq!(body["Result"]["Total"], 4);
    sim.shutdown();
}

#[tokio::test]
async fn iam_error_codes_are_typed() {
    let (sim, account, iam) = start().await;
    let kind = |r: Result<(), app::billing::providers::volcengine_iam::IamError>| r.unwrap_err().kind;
    iam.create_user("dup", "", "").await.unwrap();
    assert_eq!(kind(iam.create_user("dup", "", "").await.map(drop)), IamErrorKind::UserAlreadyExists);
    assert_eq!(kind(iam.list_access_keys("nobody").await.map(drop)), IamErrorKind::UserNotFound);
    assert_eq!(kind(iam.disable_user("nobody").await.map(drop)), IamErrorKind::UserNotFound);
    assert_eq!(kind(iam.update_access_key("cs-bot", "AKLTnotthere", KeyStatus::Active).await), IamErrorKind::AccessKeyNotFound);
    assert_eq!(kind(iam.update_access_key("cs-bot", "not-a-key", KeyStatus::Active).await), IamErrorKind::InvalidAccessKeyId);
    assert_eq!(kind(iam.attach_user_policy("cs-bot", "NoSuchPolicy", PolicyType::System).await), IamErrorKind::PolicyNotFound);
    assert_eq!(kind(iam.attach_user_policy("cs-bot", "ArkFullAccess", PolicyType::Custom).await), IamErrorKind::PolicyNotFound);
    // rd-team has its two keys already.
    let e = iam.create_access_key("rd-team").await.unwrap_err();
    assert_eq!((e.kind, e.cause.code.as_str()), (IamErrorKind::LimitExceeded, "AccessKeyLimitExceeded"));

    // A status the typed client cannot send, straight to the simulator.
    let key = iam.list_access_keys("cs-bot").await.unwrap().remove(0).id;
    let (status, body) =
        raw(&sim, &account, &account.secret, "iam", &[("Action", "UpdateAccessKey"), ("Version", "2018-01-01"), ("UserName", "cs-bot"), ("AccessKeyId", &key), ("Status", "paused")]).await;
    assert_eq!((status, error_code(&body)), (400, "InvalidAccessKeyStatus"));
    let (status, body) = raw(&sim, &account, &account.secret, "iam", &[("Action", "CreateUser"), ("Version", "2018-01-01")]).await;
    assert_eq!((status, error_code(&body)), (400, "ParameterNotFound"));

    // Throttling is retried, also for a create; a 5xx is not repeated for a create (it may have
    // happened), but is for a read.
    sim.control.push_fault(VOLC, CloudFault::Throttle { retry_after_s: None });
    iam.create_user("after-throttle", "", "").await.unwrap();
    sim.control.push_fault(VOLC, CloudFault::ServerError);
    let before = sim.control.requests(VOLC);
    assert_eq!(kind(iam.create_user("after-5xx", "", "").await.map(drop)), IamErrorKind::Unavailable);
    assert_eq!(sim.control.requests(VOLC) - before, 1, "a create is sent once");
    sim.control.push_fault(VOLC, CloudFault::ServerError);
    assert_eq!(iam.list_access_keys("cs-bot").await.unwrap().len(), 1, "a read is retried");

    let mut wrong = config(&sim, &account);
    wrong.secret = Secret::new("not-the-secret");
    let e = client(wrong).volcengine_iam().unwrap().list_users().await.unwrap_err();
    assert_eq!((e.kind, e.cause.code.as_str()), (IamErrorKind::Auth, "SignatureDoesNotMatch"));
    sim.shutdown();
}

#[tokio::test]
async fn disable_then_enable_restores_exactly_the_keys_it_turned_off() {
    let (sim, _, iam) = start().await;
    // rd-team: console login on, one key active and one an admin turned off by hand.
    let keys = iam.list_access_keys("rd-team").await.unwrap();
    let (on, off): (Vec<_>, Vec<_>) = keys.iter().partition(|k| k.status == KeyStatus::Active);
    let (on, off) = (on[0].id.clone(), off[0].id.clone());

    let disabled = iam.disable_user("rd-team").await.unwrap();
    assert_eq!(disabled.keys_deactivated, [on.clone()]);
    let (_, view) = sim_user(&sim, "rd-team").await;
    assert_eq!(view["login_allowed"], false);
    assert_eq!(view["keys"], json!([{"id": on, "status": "inactive"}, {"id": off, "status": "inactive"}]));
    assert!(iam.disable_user("rd-team").await.unwrap().keys_deactivated.is_empty(), "disabling twice is harmless");

    iam.enable_user("rd-team", &disabled.keys_deactivated).await.unwrap();
    let (_, view) = sim_user(&sim, "rd-team").await;
    assert_eq!(view["login_allowed"], true);
    assert_eq!(view["keys"], json!([{"id": on, "status": "active"}, {"id": off, "status": "inactive"}]), "the hand-disabled key stays off");

    // Without a login profile only the keys change.
    let disabled = iam.disable_user("marketing-app").await.unwrap();
    assert_eq!(disabled.keys_deactivated.len(), 1);
    assert_eq!(sim_user(&sim, "marketing-app").await.1["login_allowed"], Value::Null);
    iam.enable_user("marketing-app", &disabled.keys_deactivated).await.unwrap();
    assert_eq!(sim.control.iam_user("volc-ark", "marketing-app").unwrap()["keys"][0]["status"], "active");
    sim.shutdown();
}

#[tokio::test]
async fn update_login_profile_without_login_allowed_turns_login_off() {
    let (sim, account, iam) = start().await;
    let (status, _) = raw(&sim, &account, &account.secret, "iam", &[("Action", "UpdateLoginProfile"), ("Version", "2018-01-01"), ("UserName", "cs-bot")]).await;
    assert_eq!(status, 200);
    assert_eq!(iam.login_profile("cs-bot").await.unwrap().map(|p| p.login_allowed), Some(false), "the documented default");
    sim.shutdown();
}

#[tokio::test]
async fn project_spend_sums_only_that_project_and_month() {
    let (sim, account, _) = start().await;
    let volc = client(config(&sim, &account));
    let this_month = sim.ledger.today().with_day(1).unwrap();
    let last_month = this_month.checked_sub_months(Months::new(1)).unwrap();
    let month_text = |m: NaiveDate| m.format("%Y-%m").to_string();
    let unfiltered = |lines: Vec<app::billing::model::BillLine>| lines.iter().map(|l| l.payable).sum::<Decimal>();
    let before = unfiltered(volc.bill_lines(Scope::Month(this_month)).await.unwrap());

    let control = format!("{}/__sim/volcengine/project-spend", sim.base_url(VOLC).unwrap());
    for (project, month, amount) in [("ark-rd", this_month, "123.45"), ("ark-marketing", this_month, "50"), ("ark-rd", last_month, "7.01")] {
        let body = json!({"account": account.name, "project": project, "month": month_text(month), "amount": amount});
        let response = reqwest::Client::new().post(&control).json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    let bad = json!({"account": account.name, "project": "ark-rd", "month": "2026-13", "amount": "1"});
    assert_eq!(reqwest::Client::new().post(&control).json(&bad).send().await.unwrap().status().as_u16(), 400);

    assert_eq!(volc.project_spend(this_month, "ark-rd").await.unwrap(), Decimal::new(12_345, 2));
    assert_eq!(volc.project_spend(this_month, "ark-marketing").await.unwrap(), Decimal::from(50));
    assert_eq!(volc.project_spend(last_month, "ark-rd").await.unwrap(), Decimal::new(701, 2));
    assert_eq!(volc.project_spend(this_month, "no-such-project").await.unwrap(), Decimal::ZERO);
    sim.control.set_project_spend(&account.name, "ark-rd", this_month, Decimal::new(9, 1));
    assert_eq!(volc.project_spend(this_month, "ark-rd").await.unwrap(), Decimal::new(9, 1), "set again, replaced");
    // The account's own bills are a separate stream: unchanged.
    assert_eq!(unfiltered(volc.bill_lines(Scope::Month(this_month)).await.unwrap()), before);

    let mid_month = this_month.with_day(2).unwrap();
    assert_eq!(volc.project_spend(mid_month, "ark-rd").await.unwrap_err().kind, ErrorKind::BadRequest);
    let tencent = sim.accounts.iter().find(|a| a.provider == Provider::Tencent).unwrap();
    let tencent = client(config(&sim, tencent));
    assert_eq!(tencent.project_spend(this_month, "ark-rd").await.unwrap_err().kind, ErrorKind::BadRequest);
    assert!(tencent.volcengine_iam().is_none());
    sim.shutdown();
}

#[tokio::test]
async fn a_wrong_signature_is_refused() {
    let sim = spawn(CloudSimSettings::fast(SEED)).await.unwrap();
    let account = volc(&sim);
    let list = [("Action", "ListUsers"), ("Version", "2018-01-01")];
    let (status, body) = raw(&sim, &account, &Secret::new("wrong"), "iam", &list).await;
    assert_eq!((status, error_code(&body)), (401, "SignatureDoesNotMatch"));
    let (status, body) = raw(&sim, &account, &account.secret, "iam", &list).await;
    assert_eq!((status, body["ResponseMetadata"]["Service"].as_str()), (200, Some("iam")));
    // Signed for another service: refused; IAM's action under billing's scope: not billing's.
    let (status, body) = raw(&sim, &account, &account.secret, "tos", &list).await;
    assert_eq!((status, error_code(&body)), (401, "SignatureDoesNotMatch"));
    let (status, body) = raw(&sim, &account, &account.secret, "billing", &list).await;
    assert_eq!((status, error_code(&body)), (404, "InvalidActionOrVersion"));
    let (status, body) = raw(&sim, &account, &account.secret, "iam", &[("Action", "ListProjects"), ("Version", "2018-01-01")]).await;
    assert_eq!((status, error_code(&body)), (404, "InvalidActionOrVersion"), "ListProjects is 2021-08-01");
    sim.shutdown();
}
