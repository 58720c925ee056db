//! The Volcengine port's own control endpoints (no auth; the simulator binds localhost only), so
//! an end-to-end test can fix what it checks:
//! - `POST /__sim/volcengine/project-spend` with `{"account","project","month":"2026-12","amount":"123.45"}`
//!   sets what that project owes for that month, exactly (replacing the demo's growth);
//! - `GET /__sim/volcengine/iam/users/{name}?account=…` (the first Volcengine account when left
//!   out) → `{"account","user","login_allowed","keys":[{"id","status"}],"policies":[{"name","type"}]}`,
//!   404 when there is no such user.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use super::admission::Core;
use super::volcengine_iam::SimUser;
use super::{parse_month, JSON};
use crate::billing::model::Provider;

#[derive(Deserialize)]
struct SetSpend {
    account: String,
    project: String,
    /// `YYYY-MM`.
    month: String,
    /// A decimal string, exact.
    amount: String,
}

pub(super) fn routes(core: Arc<Core>) -> Router {
    Router::new()
        .route("/__sim/volcengine/project-spend", post(set_spend))
        .route("/__sim/volcengine/iam/users/{name}", get(iam_user))
        .with_state(core)
}

/// A Volcengine account by name, or the first one.
fn account_name(core: &Core, wanted: Option<&String>) -> Option<String> {
    core.accounts_of(Provider::Volcengine).find(|a| wanted.is_none_or(|w| *w == a.name)).map(|a| a.name.clone())
}

async fn set_spend(State(core): State<Arc<Core>>, body: Bytes) -> Response {
    let request: SetSpend = match JSON.parse(&body, "project spend") {
        Ok(request) => request,
        Err(response) => return response,
    };
    let Some(account) = account_name(&core, Some(&request.account)) else {
        return JSON.control_error(format!("no Volcengine account {:?}", request.account));
    };
    let Some(month) = parse_month(&request.month) else {
        return JSON.control_error(format!("month {:?} is not YYYY-MM", request.month));
    };
    let Ok(amount) = request.amount.trim().parse::<Decimal>() else {
        return JSON.control_error(format!("amount {:?} is not a decimal", request.amount));
    };
    core.projects.set(&account, &request.project, month, amount);
    let answer = json!({"account": account, "project": request.project, "month": request.month, "amount": amount.to_string()});
    JSON.response(StatusCode::OK, &answer)
}

/// What an end-to-end test checks of a user.
pub fn user_view(account: &str, user: &SimUser) -> serde_json::Value {
    let keys: Vec<_> = user.keys.iter().map(|k| json!({"id": k.id, "status": k.status.as_wire()})).collect();
    let policies: Vec<_> = user.policies.iter().map(|(name, kind)| json!({"name": name, "type": kind.as_wire()})).collect();
    json!({"account": account, "user": user.name, "login_allowed": user.login_allowed, "keys": keys, "policies": policies})
}

async fn iam_user(State(core): State<Arc<Core>>, Path(name): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(account) = account_name(&core, query.get("account")) else {
        return JSON.response(StatusCode::NOT_FOUND, &json!({"error": "no such Volcengine account"}));
    };
    match core.iam.user(&account, &name) {
        Some(user) => JSON.response(StatusCode::OK, &user_view(&account, &user)),
        None => JSON.response(StatusCode::NOT_FOUND, &json!({"error": format!("no user {name:?} in {account}")})),
    }
}
