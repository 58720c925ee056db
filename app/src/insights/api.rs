//! Server functions of the insight panel: check input, call the service, map errors.

use leptos::prelude::*;
use server_fn::codec::{ByteStream, Json, Streaming};

use super::model::InsightView;
use crate::error::AppError;
use crate::url_query::RawQuery;

#[cfg(feature = "ssr")]
fn services() -> Result<super::service::InsightServices, AppError> {
    crate::context::service()
}

/// Who answers and the cached insight for this exact view, if any. Never calls the model.
#[server(endpoint = "insights/view", input = Json)]
pub async fn load_insight(kind: String, query: RawQuery, fingerprint: String) -> Result<InsightView, AppError> {
    crate::auth::require(crate::auth::Permission::ViewAnalyses)?;
    crate::error::respond(super::service::view(&services()?, &kind, &query, &fingerprint).await)
}

/// The insight as newline-delimited JSON [`super::model::InsightEvent`]s, streamed while the
/// model writes. `regenerate` skips the cache.
#[server(endpoint = "insights/stream", input = Json, output = Streaming)]
pub async fn stream_insight(kind: String, query: RawQuery, regenerate: bool) -> Result<ByteStream<AppError>, AppError> {
    crate::auth::require(crate::auth::Permission::RunModel)?;
    let rx = crate::error::respond(super::service::open(&services()?, &crate::limits::Caller::current(), &kind, &query, regenerate).await)?;
    let lines = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok::<_, AppError>(crate::ndjson::to_line(&event)), rx))
    });
    Ok(ByteStream::new(lines))
}
