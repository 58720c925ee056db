//! Everything a server function needs, built once at start-up and handed to the routes through
//! `leptos_routes_with_context`.

use std::sync::Arc;

use crate::config::AppConfig;
use crate::warehouse::{Warehouse, WarehouseError};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<AppConfig>,
    pub warehouse: Warehouse,
}

impl AppState {
    pub async fn build(config: AppConfig) -> Result<Self, WarehouseError> {
        let warehouse = Warehouse::open(&config.warehouse).await?;
        Ok(AppState { config: Arc::new(config), warehouse })
    }
}
