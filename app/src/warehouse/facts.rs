//! What a backend answers: plain aggregates over the warehouse, before any ranking or ratio.
//! Money is `Decimal` (scale 2, the warehouse's DECIMAL(18,2)); counts are `i64`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One row per stock item (every item, sold in the range or not) with its sales in the range
/// and its current holding.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemSalesFact {
    pub stock_item_id: i64,
    pub name: String,
    /// `Warehouse.Colors.ColorName`, None when the item has no colour.
    pub color: Option<String>,
    pub brand: Option<String>,
    pub size: Option<String>,
    /// Σ Quantity × UnitPrice over the range's order lines.
    pub revenue: Decimal,
    /// Σ UnitPrice over the range's order lines (for the mean price).
    pub unit_price_sum: Decimal,
    /// Order lines in the range.
    pub lines: i64,
    /// Σ Quantity.
    pub quantity: i64,
    /// Distinct customers who ordered it in the range.
    pub customers: i64,
    /// `StockItemHoldings`; 0 / 0 / 0.00 when the item has no holding row.
    pub on_hand: i64,
    pub reorder_level: i64,
    pub last_cost_price: Decimal,
}

/// Market-basket counts over the orders of a range.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BasketFacts {
    /// Orders in the range (the baskets).
    pub orders: i64,
    /// (stock item id, name, orders holding it) for every item sold in the range.
    pub items: Vec<(i64, String, i64)>,
    /// (item a, item b, orders holding both) with a < b and count ≥ min_co.
    pub pairs: Vec<(i64, i64, i64)>,
}

/// One row per customer with at least one order on or before the range end.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerFact {
    pub customer_id: i64,
    pub name: String,
    /// Sales territory of the delivery city ("" when unknown).
    pub region: String,
    /// Orders in the range.
    pub orders: i64,
    /// Σ Quantity × UnitPrice in the range.
    pub spent: Decimal,
    /// Distinct stock items bought in the range.
    pub unique_products: i64,
    /// Last order date on or before the range end (possibly before the range start).
    pub last_order: NaiveDate,
}

/// Sales of one stock item in one calendar month of the range (months without sales absent).
#[derive(Clone, Debug, PartialEq)]
pub struct MonthlyItemFact {
    pub stock_item_id: i64,
    pub name: String,
    /// First day of the month.
    pub month: NaiveDate,
    pub revenue: Decimal,
    pub orders: i64,
    pub lines: i64,
    pub quantity: i64,
}
