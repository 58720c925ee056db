//! DeepSeek `GET /user/balance` with `Authorization: Bearer <API key>`
//! (https://api-docs.deepseek.com/api/get-user-balance.md): balances are strings, in CNY.
//! Errors use the OpenAI-style `{"error":{message,type,param,code}}` body.

use axum::http::StatusCode;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{
    json_response, money, success_response, with_retry_after, Admission, ApiError,
    Core, Refusals, Rejection, SimAccount,
};
use crate::billing::model::Provider;
use crate::signing::SignableRequest;

const BALANCE_PATH: &str = "/user/balance";

/// Answers a request the port has received (see `provider_router`).
pub(super) async fn answer(core: &Core, request: SignableRequest) -> Response {
    match serve(core, &request).await {
        Ok((body, admission)) => success_response(&body, admission),
        Err((error, kind)) => error_response(&error, kind),
    }
}

/// An error and its OpenAI-style `type`.
type Failure = (ApiError, &'static str);

async fn serve(core: &Core, request: &SignableRequest) -> Result<(Value, Admission), Failure> {
    let account = authenticate(core, request)?;
    let admission = core.admit(Provider::DeepSeek, &account.name).await.map_err(rejection_error)?;
    if (request.method.as_str(), request.path.as_str()) != ("GET", BALANCE_PATH) {
        let error = ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not Found");
        return Err((error, "invalid_request_error"));
    }
    Ok((balance(core, account), admission))
}

fn error_response(error: &ApiError, kind: &str) -> Response {
    let body = json!({"error": {"message": error.message, "type": kind, "param": null, "code": error.code}});
    with_retry_after(json_response(error.status, &body), error.retry_after)
}

/// The key is compared with each DeepSeek account's; only its last 4 characters are echoed.
fn authenticate<'a>(core: &'a Core, request: &SignableRequest) -> Result<&'a SimAccount, Failure> {
    let header = request.header("authorization").unwrap_or_default();
    let key = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .unwrap_or_default();
    let account = core
        .accounts_of(Provider::DeepSeek)
        .find(|a| !key.is_empty() && a.secret.expose() == key);
    account.ok_or_else(|| {
        let message = format!(
            "Authentication Fails, Your api key: ****{} is invalid",
            last_four(key)
        );
        let error = ApiError::new(StatusCode::UNAUTHORIZED, "invalid_request_error", message);
        (error, "authentication_error")
    })
}

fn last_four(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// How the provider words a request admission turned away.
const REFUSALS: Refusals = Refusals {
    throttled: (StatusCode::TOO_MANY_REQUESTS, "rate_limit_exceeded", "Rate limit reached"),
    fault_throttled: None,
    server_error: (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "Server Error"),
};

fn rejection_error(rejection: Rejection) -> Failure {
    let kind = match rejection {
        Rejection::Throttled { .. } => "rate_limit_error",
        Rejection::ServerError => "api_error",
    };
    (REFUSALS.error(rejection), kind)
}

/// At the simulator's "now" (see `Core::sim_now`), interpolated within the day.
fn balance(core: &Core, account: &SimAccount) -> Value {
    let (total, granted, topped_up) = core
        .ledger()
        .deepseek_balance(&account.name, core.sim_now());
    json!({
        "is_available": total > Decimal::ZERO,
        "balance_infos": [{
            "currency": "CNY",
            "total_balance": money(total),
            "granted_balance": money(granted),
            "topped_up_balance": money(topped_up),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{CloudFault, CloudSim};
    use super::*;

    async fn get(sim: &CloudSim, path: &str, key: Option<&str>) -> Reply {
        let mut request = SignableRequest {
            method: "GET".into(),
            host: host(sim, Provider::DeepSeek),
            path: path.into(),
            ..SignableRequest::default()
        };
        if let Some(key) = key {
            request
                .headers
                .push(("Authorization".into(), format!("Bearer {key}")));
        }
        send(&request).await
    }

    async fn balance(sim: &CloudSim) -> Reply {
        let key = account(sim, "deepseek-team").secret;
        get(sim, BALANCE_PATH, Some(key.expose())).await
    }

    fn assert_error(reply: &Reply, status: u16, kind: &str) {
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
        assert_eq!(reply.json()["error"]["type"], kind, "{}", reply.text);
    }

    #[tokio::test]
    async fn balance_strings_follow_the_ledger() {
        let sim = start().await;
        let before = sim
            .ledger
            .deepseek_balance("deepseek-team", sim.control.core.sim_now());
        let reply = balance(&sim).await;
        let after = sim
            .ledger
            .deepseek_balance("deepseek-team", sim.control.core.sim_now());
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        assert_eq!(body["is_available"], true);
        let info = &body["balance_infos"][0];
        assert_eq!(info["currency"], "CNY");
        assert!(info["total_balance"].is_string());
        let total = decimal(&info["total_balance"]);
        assert!(
            total <= before.0 && total >= after.0,
            "{total} within {before:?}..{after:?}"
        );
        assert_eq!(
            total,
            decimal(&info["granted_balance"]) + decimal(&info["topped_up_balance"])
        );
    }

    #[tokio::test]
    async fn a_wrong_key_is_refused_with_its_last_four_characters() {
        let sim = start().await;
        let reply = get(&sim, BALANCE_PATH, Some("sk-wrong-abcd")).await;
        assert_error(&reply, 401, "authentication_error");
        let error = &reply.json()["error"];
        assert_eq!(
            error["message"],
            "Authentication Fails, Your api key: ****abcd is invalid"
        );
        assert_eq!(
            (error["code"].as_str(), error["param"].is_null()),
            (Some("invalid_request_error"), true)
        );
        assert_error(
            &get(&sim, BALANCE_PATH, None).await,
            401,
            "authentication_error",
        );
        assert_eq!(last_four("ab"), "ab");
    }

    #[tokio::test]
    async fn unknown_path() {
        let sim = start().await;
        let key = account(&sim, "deepseek-team").secret;
        assert_error(&get(&sim, "/user/balances", Some(key.expose())).await, 404, "invalid_request_error");
    }

    #[tokio::test]
    async fn throttling_and_faults() {
        let sim = start().await;
        let reply = throttled_by_fault(&sim, (Provider::DeepSeek, Some(2)), || balance(&sim)).await;
        assert_error(&reply, 429, "rate_limit_error");
        assert_eq!(reply.json()["error"]["message"], "Rate limit reached");
        assert_eq!(reply.headers["retry-after"], "2");
        queue_faults(&sim, Provider::DeepSeek, [CloudFault::MalformedJson, CloudFault::ServerError]);
        assert!(balance(&sim).await.is_cut_json());
        assert_error(&balance(&sim).await, 500, "api_error");

        let check = |reply: &Reply| assert_error(reply, 429, "rate_limit_error");
        assert_rate_limited(&sim, (Provider::DeepSeek, 1), || balance(&sim), |reply| reply.status == 429, check).await;
    }
}
