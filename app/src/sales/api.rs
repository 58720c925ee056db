//! Server functions of the sales pages: check input, call the service, map errors.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::AnalysisResult;
use super::params::RawQuery;
use crate::error::AppError;

/// Runs one analysis with the parameters of the page URL. Bad input answers 400 (unknown
/// analysis 404), an unreachable database 503, each with a message for the page.
#[server(endpoint = "sales/run_analysis", input = Json)]
pub async fn run_analysis(kind: String, query: RawQuery) -> Result<AnalysisResult, AppError> {
    crate::auth::require(crate::auth::Permission::ViewAnalyses)?;
    let sales = crate::context::service::<super::service::SalesService>()?;
    crate::error::respond(super::service::run(&sales, &kind, &query).await)
}
