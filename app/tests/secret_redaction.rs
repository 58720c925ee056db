//! Every provider client against an endpoint that echoes the credential back in its error
//! answers (a misbehaving provider, proxy or gateway): the secret must not survive into the
//! error's Display, Debug, code or message — they go to the log, the store and the page.
#![cfg(feature = "ssr")]

use std::net::SocketAddr;
use std::time::Duration;

use app::billing::model::{Provider, Scope};
use app::billing::providers::{AccountConfig, ProviderClient, ProviderError, RequestGate, RetryPolicy};
use app::dashscope::chat::ChatMessage;
use app::dashscope::image::{ImageInput, ImageParameters, ImageRequest};
use app::dashscope::{DashScopeClient, DashScopeError};
use app::secret::Secret;
use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;

/// Characters a signing secret may hold, `/`, `+` and `=` included (escaped differently in JSON,
/// query strings and form bodies).
const SECRET: &str = "Zx9/Q+secretVALUE=42";
const API_KEY: &str = "sk-live-0123456789abcdef";

/// Answers every request with `status` and `body`, where `{SECRET}` is [`SECRET`] and `{AUTH}` is
/// the request's Authorization header as sent.
async fn echoing(status: u16, body: &'static str) -> url::Url {
    let handler = move |headers: HeaderMap| async move {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let text = body.replace("{SECRET}", SECRET).replace("{AUTH}", &auth);
        (StatusCode::from_u16(status).unwrap(), [("content-type", "application/json")], text)
    };
    let app = axum::Router::new().fallback(handler);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url::Url::parse(&format!("http://{addr}/")).unwrap()
}

/// No trace of `secret`: whole, or its first 8 characters (a quote cut inside it).
fn assert_clean(what: &str, text: &str, secret: &str) {
    assert!(!text.contains(secret) && !text.contains(&secret[..8]), "{what} leaks the secret: {text}");
}

fn billing_client(provider: Provider, endpoint: url::Url) -> ProviderClient {
    let account = AccountConfig {
        provider,
        name: "echo".into(),
        display_name: "Echo".into(),
        endpoint,
        access_key_id: "AKIDechoid".into(),
        secret: Secret::new(SECRET),
        region: None,
        simulated: false,
    };
    // One attempt: the refusal itself is what is examined.
    let retry = RetryPolicy { attempts: 1, min_delay: Duration::from_millis(1), max_delay: Duration::from_millis(1), max_hint: Duration::from_millis(1) };
    ProviderClient::new(account, reqwest::Client::new(), RequestGate::new(100, retry))
}

fn check_provider_error(provider: Provider, e: &ProviderError, secret: &str) {
    let what = format!("{provider:?}");
    assert_clean(&what, &format!("{e} {e:?}"), secret);
    assert_clean(&what, &e.code, secret);
    assert_clean(&what, &e.message, secret);
    assert!(e.message.contains("***"), "{what}: the echo was expected to be masked: {e:?}");
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
}

#[tokio::test]
async fn billing_clients_redact_an_echoed_secret() {
    let cases: [(Provider, u16, &'static str, Scope); 4] = [
        (
            Provider::Aliyun,
            400,
            r#"{"Code":"InvalidAccessKeySecret.{SECRET}","Message":"The secret {SECRET} does not match","RequestId":"{SECRET}"}"#,
            Scope::Day(day()),
        ),
        (
            Provider::Volcengine,
            401,
            r#"{"ResponseMetadata":{"RequestId":"{SECRET}","Error":{"Code":"InvalidSecret{SECRET}","Message":"signature with {SECRET} refused"}}}"#,
            Scope::Month(day()),
        ),
        (
            Provider::Tencent,
            200,
            r#"{"Response":{"Error":{"Code":"AuthFailure.{SECRET}","Message":"SecretKey {SECRET} is invalid"},"RequestId":"{SECRET}"}}"#,
            Scope::Month(day()),
        ),
        (
            Provider::Baidu,
            403,
            r#"{"code":"SignatureDoesNotMatch{SECRET}","message":"secret {SECRET} refused","requestId":"{SECRET}"}"#,
            Scope::Day(day()),
        ),
    ];
    for (provider, status, body, scope) in cases {
        let client = billing_client(provider, echoing(status, body).await);
        let e = client.bill_lines(scope).await.unwrap_err();
        check_provider_error(provider, &e, SECRET);
        if let Some(id) = &e.request_id {
            assert_clean(&format!("{provider:?} request id"), id, SECRET);
        }
    }
}

#[tokio::test]
async fn billing_clients_redact_a_secret_cut_off_in_an_unreadable_answer() {
    // Not JSON: the message quotes the first 200 bytes, which end inside the secret.
    let body: &'static str = Box::leak(format!("{}{{SECRET}}", "x".repeat(190)).into_boxed_str());
    for (provider, scope) in [
        (Provider::Aliyun, Scope::Day(day())),
        (Provider::Volcengine, Scope::Month(day())),
        (Provider::Tencent, Scope::Month(day())),
        (Provider::Baidu, Scope::Day(day())),
    ] {
        let client = billing_client(provider, echoing(400, body).await);
        let e = client.bill_lines(scope).await.unwrap_err();
        check_provider_error(provider, &e, SECRET);
    }
}

#[tokio::test]
async fn deepseek_redacts_its_echoed_key() {
    let url = echoing(401, r#"{"error":{"message":"Authorization {AUTH} is not valid","type":"authentication_error","code":"{AUTH}"}}"#).await;
    let e = billing_client(Provider::DeepSeek, url).balance().await.unwrap_err();
    check_provider_error(Provider::DeepSeek, &e, SECRET);
}

fn dashscope(url: url::Url) -> DashScopeClient {
    let retry = app::dashscope::DashScopeRetryPolicy { attempts: 1, poll_start: Duration::from_millis(5), ..Default::default() };
    DashScopeClient::new(url, Secret::new(API_KEY), false).unwrap().with_retry(retry)
}

fn check_dashscope_error(what: &str, e: &DashScopeError) {
    assert_clean(what, &format!("{e} {e:?}"), API_KEY);
    let shown = app::error::AppError::from(e);
    assert_clean(what, &format!("{shown:?} {}", shown.message()), API_KEY);
    assert_clean(what, &serde_json::to_string(&shown).unwrap(), API_KEY);
}

#[tokio::test]
async fn dashscope_redacts_an_echoed_key_on_every_call() {
    let url = echoing(400, r#"{"code":"InvalidParameter","message":"request with {AUTH} refused","request_id":"{AUTH}"}"#).await;
    let client = dashscope(url);

    let e = client.chat_stream("qwen-max", &[ChatMessage::user("hi")]).await.err().expect("refused");
    assert!(matches!(&e, DashScopeError::Provider(p) if p.message.contains("***")), "{e:?}");
    check_dashscope_error("chat", &e);

    let request = ImageRequest {
        model: "wanx2.1-t2i-plus".into(),
        input: ImageInput { prompt: "海报".into(), negative_prompt: None },
        parameters: ImageParameters { size: "1024*1024".into(), n: 1, seed: None, prompt_extend: false, watermark: false },
    };
    let e = client.submit_image(&request).await.unwrap_err();
    check_dashscope_error("image submit", &e);
    let e = client.poll_task("task-1").await.unwrap_err();
    check_dashscope_error("task poll", &e);

    // Compatible-mode errors, and a 401 (shown as "key rejected", still logged in full).
    let url = echoing(401, r#"{"error":{"code":"invalid_api_key","message":"Incorrect API key provided: {AUTH}"}}"#).await;
    let e = dashscope(url).chat_stream("qwen-max", &[ChatMessage::user("hi")]).await.err().expect("refused");
    assert!(matches!(e, DashScopeError::InvalidApiKey(_)), "{e:?}");
    check_dashscope_error("chat 401", &e);
}

#[tokio::test]
async fn dashscope_redacts_a_failed_task_that_names_the_key() {
    let url = echoing(
        200,
        r#"{"request_id":"r","output":{"task_id":"t1","task_status":"FAILED","code":"InternalError","message":"worker used key {AUTH}"}}"#,
    )
    .await;
    let e = dashscope(url).wait_for_image("t1", Duration::from_secs(5), |_, _| async {}).await.unwrap_err();
    assert!(matches!(&e, DashScopeError::TaskFailed { message, .. } if message.contains("***")), "{e:?}");
    check_dashscope_error("task", &e);
}
