//! Deterministic WideWorldImporters-shaped data generator (being written).
use sqlx::SqlitePool;
use super::WarehouseError;

#[derive(Clone, Debug, Default)]
pub struct GeneratorSpec { pub scale: u32, pub seed: u64 }

#[derive(Clone, Debug)]
pub struct GeneratedSummary;

pub async fn is_generated(_pool: &SqlitePool) -> Result<bool, WarehouseError> { todo!() }
pub async fn generate(_pool: &SqlitePool, _spec: &GeneratorSpec) -> Result<GeneratedSummary, WarehouseError> { todo!() }
