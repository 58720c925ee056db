//! SQL Server backend through tiberius (being written).
use super::{config::MsSqlSettings, facts::*, WarehouseError};
use crate::sales::model::{DataSpan, DateRange};

#[derive(Clone)]
pub struct MsSqlWarehouse;

impl MsSqlWarehouse {
    pub async fn connect(_s: MsSqlSettings) -> Result<Self, WarehouseError> { todo!() }
    pub async fn data_span(&self) -> Result<DataSpan, WarehouseError> { todo!() }
    pub async fn item_sales(&self, _r: DateRange) -> Result<Vec<ItemSalesFact>, WarehouseError> { todo!() }
    pub async fn baskets(&self, _r: DateRange, _m: u32) -> Result<BasketFacts, WarehouseError> { todo!() }
    pub async fn customers(&self, _r: DateRange) -> Result<Vec<CustomerFact>, WarehouseError> { todo!() }
    pub async fn monthly_item_sales(&self, _r: DateRange) -> Result<Vec<MonthlyItemFact>, WarehouseError> { todo!() }
}
