//! Server functions of the AI cost page: check input, call the service, map errors.

use leptos::prelude::*;
use server_fn::codec::{ByteStream, Json, Streaming};

use super::model::{BillLineView, CostOverview, SyncRunView};
use crate::error::AppError;
use crate::url_query::RawQuery;

#[cfg(feature = "ssr")]
use crate::error::respond;

#[cfg(feature = "ssr")]
fn services() -> Result<super::sync::BillingServices, AppError> {
    crate::context::service()
}

/// The most lines a drill-down shows (the export has them all).
pub const DRILL_LIMIT: usize = 2000;

#[server(endpoint = "billing/overview", input = Json)]
pub async fn load_cost_overview(query: RawQuery) -> Result<CostOverview, AppError> {
    crate::auth::require(crate::auth::Permission::ViewCost)?;
    let billing = services()?;
    let run = async {
        let p = super::params::parse(&query, crate::calendar::shanghai_today())?;
        super::overview::overview(&billing, p.query).await
    };
    respond(run.await)
}

/// The stored lines behind a number (first [`DRILL_LIMIT`]).
#[server(endpoint = "billing/lines", input = Json)]
pub async fn bill_lines(query: RawQuery) -> Result<Vec<BillLineView>, AppError> {
    crate::auth::require(crate::auth::Permission::ViewCost)?;
    let billing = services()?;
    let run = async {
        let p = super::params::parse(&query, crate::calendar::shanghai_today())?;
        let mut lines = super::overview::lines(&billing, p.query, p.provider, p.product.as_deref()).await?;
        lines.truncate(DRILL_LIMIT);
        Ok(lines)
    };
    respond(run.await)
}

/// Starts a sync (or joins the running one) and answers its first state.
#[server(endpoint = "billing/sync", input = Json)]
pub async fn start_billing_sync() -> Result<SyncRunView, AppError> {
    let caller = crate::auth::require(crate::auth::Permission::SyncBilling)?;
    let billing = services()?;
    let audit: crate::audit::AuditLog = crate::context::service()?;
    let run = async {
        let trigger = super::model::SyncTrigger::Button;
        let started = super::sync::start(&billing, trigger).await?;
        // The run is going: a failed write of its record is logged, not reported as a failed sync.
        audit.record_or_log(&(&caller).into(), started.audit_event(trigger)).await;
        let mut view = super::store::run(&billing.store, started.run()).await?.ok_or(AppError::NotFound)?;
        if let super::sync::Started::Joined(_, how) = started {
            view.joined = Some(how);
        }
        Ok(view)
    };
    respond(run.await)
}

/// The run as newline-delimited JSON, one line per change, until it ends.
#[server(endpoint = "billing/watch", input = Json, output = Streaming)]
pub async fn watch_billing_sync(run: i64) -> Result<ByteStream<AppError>, AppError> {
    crate::auth::require(crate::auth::Permission::ViewCost)?;
    let billing = services()?;
    let first = respond(super::store::run(&billing.store, run).await.map_err(AppError::from).and_then(|v| v.ok_or(AppError::NotFound)))?;
    let mut polls = 0u32;
    let next = move || {
        polls += 1;
        let billing = billing.clone();
        async move {
            // A run whose process stopped is closed once its lease expires, so the watcher sees
            // it end (checked every 2 s: it writes).
            if polls % 8 == 0 {
                if let Err(e) = super::store::close_abandoned_runs(&billing.store, chrono::Utc::now()).await {
                    tracing::warn!(error = %e, "abandoned runs not closed");
                }
            }
            super::store::run(&billing.store, run).await?.ok_or(AppError::NotFound)
        }
    };
    let ended = |v: &SyncRunView| v.state != super::model::RunState::Running;
    Ok(crate::ndjson::follow(first, std::time::Duration::from_millis(250), next, ended))
}

/// The run going on now, if any (this process's or another's holding the live lease), so a page
/// opened or reloaded mid-sync shows its progress.
#[server(endpoint = "billing/current", input = Json)]
pub async fn current_billing_sync() -> Result<Option<SyncRunView>, AppError> {
    crate::auth::require(crate::auth::Permission::ViewCost)?;
    use super::model::RunState;
    let billing = services()?;
    let run = async {
        let Some(id) = super::store::live_lease(&billing.store, chrono::Utc::now()).await? else {
            return Ok(None);
        };
        let view = super::store::run(&billing.store, id).await?;
        Ok(view.filter(|v| v.state == RunState::Running))
    };
    respond(run.await)
}

#[server(endpoint = "billing/history", input = Json)]
pub async fn sync_history() -> Result<Vec<SyncRunView>, AppError> {
    crate::auth::require(crate::auth::Permission::ViewCost)?;
    let billing = services()?;
    respond(super::store::recent_runs(&billing.store, 10).await.map_err(AppError::from))
}
