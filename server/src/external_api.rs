//! The JSON API for external systems (`docs/api.md`): what an integration needs first — the
//! billing summary, a sync, an analysis — under `/api/v1/`, with `Authorization: Bearer <key>`
//! (a session works too). The same services and checks as the pages' server functions.

use app::auth::{require_in, Permission};
use app::error::AppError;
use app::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

type RawQuery = Query<Vec<(String, String)>>;

fn answer<T: serde::Serialize>(result: Result<T, AppError>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(e)).into_response(),
    }
}

/// `GET /api/v1/billing/summary?<the AI cost page's query>`: totals, balances and gaps.
pub async fn billing_summary(State(state): State<AppState>, extensions: Extensions, Query(query): RawQuery) -> Response {
    let run = async {
        require_in(&extensions, Permission::ViewCost)?;
        let p = app::billing::params::parse(&query, app::calendar::shanghai_today())?;
        app::billing::overview::overview(&state.billing, p.query).await
    };
    answer(run.await)
}

/// `POST /api/v1/billing/sync`: starts a sync (or joins the running one); answers the run, whose
/// progress `GET /api/v1/billing/summary` then reflects.
pub async fn billing_sync(State(state): State<AppState>, extensions: Extensions) -> Response {
    let run = async {
        let caller = require_in(&extensions, Permission::SyncBilling)?;
        let started = app::billing::sync::start(&state.billing, app::billing::model::SyncTrigger::Button).await?;
        let id = started.run();
        let event = app::audit::AuditEvent::new("billing.sync", format!("sync_run:{id}")).after(serde_json::json!({"via": "api"}));
        state.audit.record_or_log(&app::audit::AuditActor::from(&caller), event).await;
        app::billing::store::run(&state.billing.store, id).await?.ok_or(AppError::NotFound)
    };
    answer(run.await)
}

/// `GET /api/v1/sales/<analysis>?<the page's query>`: one analysis's result.
pub async fn sales_analysis(State(state): State<AppState>, extensions: Extensions, Path(kind): Path<String>, Query(query): RawQuery) -> Response {
    let run = async {
        require_in(&extensions, Permission::ViewAnalyses)?;
        app::sales::service::run(&state.sales, &kind, &query).await
    };
    answer(run.await)
}
