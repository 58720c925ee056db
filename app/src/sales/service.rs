//! The sales-analysis service (server only): validate, ask the warehouse for facts, build the
//! report. Server functions stay thin and call [`run`].

use super::model::*;
use super::params::{self, AnalysisParams};
use crate::error::AppError;
use crate::state::AppState;
use super::analysis;
use crate::warehouse::{Warehouse, WarehouseError};

pub(crate) fn map_err(w: &Warehouse, e: WarehouseError) -> AppError {
    tracing::error!(backend = w.backend_name(), error = %e, "warehouse query failed");
    let backend = w.backend_name().to_string();
    match e {
        WarehouseError::Unreachable(_) | WarehouseError::Config(_) => AppError::WarehouseUnreachable { backend },
        WarehouseError::Timeout(_) => AppError::WarehouseTimeout { backend },
        WarehouseError::Empty => AppError::WarehouseEmpty,
        WarehouseError::Query(_) | WarehouseError::BadData(_) => AppError::WarehouseQuery { backend },
    }
}

#[tracing::instrument(skip(state, raw), fields(query = raw.len()))]
pub async fn run(state: &AppState, kind: &str, raw: &[(String, String)]) -> Result<AnalysisResult, AppError> {
    let kind = AnalysisKind::from_slug(kind).ok_or_else(|| AppError::UnknownAnalysis(kind.chars().take(64).collect()))?;
    let w = &state.warehouse;
    let span = w.data_span().await.map_err(|e| map_err(w, e))?;
    let params = params::parse(kind, raw, span)?;
    let currency = state.config.warehouse_currency;
    let data = fetch(w, &params, currency).await.map_err(|e| map_err(w, e))?;
    let fingerprint = fingerprint(&data);
    let result = AnalysisResult { kind, params, data, span, source: w.source_label(), fingerprint };
    state.recent.put(&result);
    Ok(result)
}

/// The result the page showed in the last `max_age`, else a fresh run.
pub async fn recent_or_run(state: &AppState, kind: &str, raw: &[(String, String)], max_age: std::time::Duration) -> Result<AnalysisResult, AppError> {
    let k = AnalysisKind::from_slug(kind).ok_or_else(|| AppError::UnknownAnalysis(kind.chars().take(64).collect()))?;
    let w = &state.warehouse;
    let span = w.data_span().await.map_err(|e| map_err(w, e))?;
    let params = params::parse(k, raw, span)?;
    match state.recent.get(&params, max_age) {
        Some(result) => Ok(result),
        None => run(state, kind, raw).await,
    }
}

/// SHA-256 of the data's JSON (amounts are decimal strings, so the text is stable).
pub fn fingerprint(data: &AnalysisData) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(serde_json::to_vec(data).unwrap_or_default()))
}

async fn fetch(w: &Warehouse, params: &AnalysisParams, currency: Currency) -> Result<AnalysisData, WarehouseError> {
    Ok(match params {
        AnalysisParams::TopSellers(p) => {
            AnalysisData::TopSellers(analysis::top_sellers(w.item_sales(p.range, p.basis).await?, p, currency))
        }
        AnalysisParams::Affinity(p) => {
            AnalysisData::Affinity(analysis::affinity(w.baskets(p.range, p.min_co, p.basis).await?, p, currency))
        }
        // Demand (and so cover and the reorder view) is what customers ordered, invoiced or not.
        AnalysisParams::Inventory(p) => {
            AnalysisData::Inventory(analysis::inventory(w.item_sales(p.range, Basis::Ordered).await?, p, currency))
        }
        AnalysisParams::Customers(p) => {
            AnalysisData::Customers(analysis::customers(w.customers(p.range, p.basis).await?, p, currency))
        }
        AnalysisParams::Seasonal(p) => {
            AnalysisData::Seasonal(analysis::seasonal(w.monthly_item_sales(p.range, p.basis).await?, p, currency))
        }
    })
}
