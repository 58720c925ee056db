//! The sales-analysis service (server only): validate, ask the warehouse for facts, build the
//! report. Server functions stay thin and call [`run`].

use super::model::*;
use super::params::{self, AnalysisParams};
use crate::error::AppError;
use super::analysis;
use super::recent::RecentResults;
use crate::warehouse::{Warehouse, WarehouseError};

/// What the sales analyses need: the warehouse, the amounts' currency, and the results shown
/// lately (for the insights that describe them).
#[derive(Clone)]
pub struct SalesService {
    pub warehouse: Warehouse,
    pub recent: RecentResults,
    pub currency: Currency,
}

/// The warehouse's data span, its failure mapped for the user (and logged).
pub async fn data_span(w: &Warehouse) -> Result<crate::dataset::DataSpan, AppError> {
    w.data_span().await.map_err(|e| AppError::from_warehouse(w.backend_name(), e))
}

#[tracing::instrument(skip(sales, raw), fields(query = raw.len()))]
pub async fn run(sales: &SalesService, kind: &str, raw: &[(String, String)]) -> Result<AnalysisResult, AppError> {
    let kind = AnalysisKind::from_slug(kind).ok_or_else(|| AppError::UnknownAnalysis(kind.chars().take(64).collect()))?;
    let w = &sales.warehouse;
    let span = data_span(w).await?;
    let params = params::parse(kind, raw, span)?;
    let data = fetch(w, &params, sales.currency).await.map_err(|e| AppError::from_warehouse(w.backend_name(), e))?;
    let fingerprint = fingerprint(&data);
    let result = AnalysisResult { kind, params, data, span, source: w.source_label(), fingerprint };
    sales.recent.put(&result);
    Ok(result)
}

/// The result the page showed in the last `max_age`, else a fresh run.
pub async fn recent_or_run(sales: &SalesService, kind: &str, raw: &[(String, String)], max_age: std::time::Duration) -> Result<AnalysisResult, AppError> {
    let k = AnalysisKind::from_slug(kind).ok_or_else(|| AppError::UnknownAnalysis(kind.chars().take(64).collect()))?;
    let span = data_span(&sales.warehouse).await?;
    let params = params::parse(k, raw, span)?;
    match sales.recent.get(&params, max_age) {
        Some(result) => Ok(result),
        None => run(sales, kind, raw).await,
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
