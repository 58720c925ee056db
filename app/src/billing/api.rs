//! Server functions of the AI cost page: check input, call the service, map errors.

use leptos::prelude::*;
use server_fn::codec::{ByteStream, Json, Streaming};

use super::model::{BillLineView, CostOverview, SyncRunView};
use crate::error::AppError;
use crate::url_query::RawQuery;

#[cfg(feature = "ssr")]
use crate::state::current as state;

#[cfg(feature = "ssr")]
fn answer<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        crate::error::set_response_status(e);
    }
    result
}

/// The most lines a drill-down shows (the export has them all).
pub const DRILL_LIMIT: usize = 2000;

#[server(endpoint = "billing/overview", input = Json)]
pub async fn load_cost_overview(query: RawQuery) -> Result<CostOverview, AppError> {
    let state = state()?;
    let run = async {
        let p = super::params::parse(&query, crate::calendar::shanghai_today())?;
        super::overview::overview(&state, p.query).await
    };
    answer(run.await)
}

/// The stored lines behind a number (first [`DRILL_LIMIT`]).
#[server(endpoint = "billing/lines", input = Json)]
pub async fn bill_lines(query: RawQuery) -> Result<Vec<BillLineView>, AppError> {
    let state = state()?;
    let run = async {
        let p = super::params::parse(&query, crate::calendar::shanghai_today())?;
        let mut lines = super::overview::lines(&state, p.query, p.provider, p.product.as_deref()).await?;
        lines.truncate(DRILL_LIMIT);
        Ok(lines)
    };
    answer(run.await)
}

/// Starts a sync (or joins the running one) and answers its first state.
#[server(endpoint = "billing/sync", input = Json)]
pub async fn start_billing_sync() -> Result<SyncRunView, AppError> {
    let state = state()?;
    let run = async {
        let started = super::sync::start(&state, super::model::SyncTrigger::Button).await?;
        let mut view = super::store::run(&state.store, started.run()).await.map_err(|_| AppError::StoreFailed)?.ok_or(AppError::NotFound)?;
        if let super::sync::Started::Joined(_, how) = started {
            view.joined = Some(how);
        }
        Ok(view)
    };
    answer(run.await)
}

/// The run as newline-delimited JSON, one line per change, until it ends.
#[server(endpoint = "billing/watch", input = Json, output = Streaming)]
pub async fn watch_billing_sync(run: i64) -> Result<ByteStream<AppError>, AppError> {
    use super::model::RunState;
    let state = state()?;
    let first = answer(super::store::run(&state.store, run).await.map_err(|_| AppError::StoreFailed)?.ok_or(AppError::NotFound))?;
    let lines = futures::stream::unfold((state, Some(first), None::<SyncRunView>), move |(state, next, last)| async move {
        let mut polls = 0u32;
        let view = match next {
            Some(v) => v,
            None => {
                let previous = last.as_ref()?;
                if previous.state != RunState::Running {
                    return None;
                }
                loop {
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                    polls += 1;
                    // A run whose process stopped is closed once its lease expires, so the
                    // watcher sees it end (checked every 2 s: it writes).
                    if polls % 8 == 0 {
                        if let Err(e) = super::store::close_abandoned_runs(&state.store, chrono::Utc::now()).await {
                            tracing::warn!(error = %e, "abandoned runs not closed");
                        }
                    }
                    match super::store::run(&state.store, run).await {
                        Ok(Some(v)) if Some(&v) != last.as_ref() => break v,
                        Ok(_) => continue,
                        Err(_) => return Some((Err(AppError::StoreFailed), (state, None, None))),
                    }
                }
            }
        };
        let line = crate::ndjson::to_line(&view);
        Some((Ok::<_, AppError>(line), (state, None, Some(view))))
    });
    Ok(ByteStream::new(lines))
}

/// The run going on now, if any (this process's or another's holding the live lease), so a page
/// opened or reloaded mid-sync shows its progress.
#[server(endpoint = "billing/current", input = Json)]
pub async fn current_billing_sync() -> Result<Option<SyncRunView>, AppError> {
    use super::model::RunState;
    let state = state()?;
    let run = async {
        let Some(id) = super::store::live_lease(&state.store, chrono::Utc::now()).await.map_err(|_| AppError::StoreFailed)? else {
            return Ok(None);
        };
        let view = super::store::run(&state.store, id).await.map_err(|_| AppError::StoreFailed)?;
        Ok(view.filter(|v| v.state == RunState::Running))
    };
    answer(run.await)
}

#[server(endpoint = "billing/history", input = Json)]
pub async fn sync_history() -> Result<Vec<SyncRunView>, AppError> {
    let state = state()?;
    answer(super::store::recent_runs(&state.store, 10).await.map_err(|_| AppError::StoreFailed))
}
