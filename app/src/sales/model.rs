//! Types shared by the browser and the server: what an analysis is asked for and what it answers.
//! Amounts are `Decimal` with the report's explicit currency; ratios are `Decimal` rounded to
//! [`RATIO_DP`] places so both warehouse backends give identical, exactly comparable numbers.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::calendar::DateRange;
pub use crate::dataset::{Basis, DataSpan};
pub use crate::money::Currency;

/// Decimal places kept for support, confidence, lift and days of cover.
pub const RATIO_DP: u32 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AnalysisKind {
    TopSellers,
    Affinity,
    Inventory,
    Customers,
    Seasonal,
}

impl AnalysisKind {
    pub const ALL: [AnalysisKind; 5] = [
        AnalysisKind::TopSellers,
        AnalysisKind::Affinity,
        AnalysisKind::Inventory,
        AnalysisKind::Customers,
        AnalysisKind::Seasonal,
    ];

    /// The path segment under `/sales/`.
    pub fn slug(self) -> &'static str {
        match self {
            AnalysisKind::TopSellers => "top-sellers",
            AnalysisKind::Affinity => "affinity",
            AnalysisKind::Inventory => "inventory",
            AnalysisKind::Customers => "customers",
            AnalysisKind::Seasonal => "seasonal",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

// ---------------------------------------------------------------- parameters (validated)

/// Direction of a table's sort (`dir=asc|desc`); each sort key has its own default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    pub fn flip(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopSellersSort {
    Revenue,
    Quantity,
    Customers,
    AvgPrice,
    Name,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopSellersParams {
    pub range: DateRange,
    pub top: u32,
    pub sort: TopSellersSort,
    pub dir: SortDir,
    pub basis: Basis,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AffinitySort {
    Lift,
    /// The higher of A→B and B→A (shown as its own column).
    Confidence,
    ConfidenceAb,
    ConfidenceBa,
    Support,
    CoOccurrence,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AffinityParams {
    pub range: DateRange,
    pub top: u32,
    /// Pairs bought together in fewer orders than this are left out.
    pub min_co: u32,
    pub sort: AffinitySort,
    pub dir: SortDir,
    pub basis: Basis,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InventorySort {
    OrderFrequency,
    DaysOfCover,
    Stock,
    Revenue,
    Name,
    ReorderLevel,
    Cost,
    UnitsSold,
    AvgDemand,
    DailyDemand,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InventoryParams {
    /// Window whose sales give the demand rate (always ordered: demand is what was ordered).
    pub range: DateRange,
    pub top: u32,
    /// On hand ≤ this is Critical (seed: 50).
    pub critical_at: i64,
    /// On hand ≤ this (and above critical) is Low (seed: 200).
    pub low_at: i64,
    /// Normal stock lasting more than this many days at the range's demand (or not selling) is
    /// Excess (积压).
    pub excess_days: i64,
    /// Only rows with this status (applied before the top-N cut).
    pub status: Option<StockStatus>,
    pub sort: InventorySort,
    pub dir: SortDir,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerSort {
    Spent,
    Orders,
    Recency,
    Name,
    Region,
    AvgOrderValue,
    Products,
    LastOrder,
}

/// Spend thresholds (strictly above) and recency thresholds (at most, in days).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerThresholds {
    pub vip_above: Decimal,
    pub premium_above: Decimal,
    pub regular_above: Decimal,
    pub active_within_days: i64,
    pub at_risk_within_days: i64,
}

impl Default for CustomerThresholds {
    /// The seed's values.
    fn default() -> Self {
        CustomerThresholds {
            vip_above: Decimal::from(50_000),
            premium_above: Decimal::from(20_000),
            regular_above: Decimal::from(5_000),
            active_within_days: 30,
            at_risk_within_days: 90,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerParams {
    pub range: DateRange,
    pub top: u32,
    pub thresholds: CustomerThresholds,
    /// Only customers with this status / tier (applied before the top-N cut).
    pub status: Option<CustomerStatus>,
    pub tier: Option<CustomerTier>,
    pub sort: CustomerSort,
    pub dir: SortDir,
    pub basis: Basis,
}

/// How the seasonal products are ranked (over the whole range) before the top-N cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeasonalSort {
    Revenue,
    Quantity,
    Name,
}

/// What the cells of the product × month table show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeasonalMeasure {
    Revenue,
    Quantity,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeasonalParams {
    pub range: DateRange,
    /// How many of the range's best sellers get a monthly line.
    pub top: u32,
    pub sort: SeasonalSort,
    pub dir: SortDir,
    pub measure: SeasonalMeasure,
    pub basis: Basis,
}

// ---------------------------------------------------------------- results

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopSellerRow {
    pub stock_item_id: i64,
    pub name: String,
    pub color: String,
    pub brand: Option<String>,
    pub size: Option<String>,
    /// Σ quantity × unit price (ex tax).
    pub revenue: Decimal,
    pub customers: i64,
    /// Revenue ÷ units sold (quantity-weighted).
    pub avg_price: Decimal,
    pub quantity: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AffinityRow {
    pub item_a: i64,
    pub name_a: String,
    pub item_b: i64,
    pub name_b: String,
    /// Purchases (an order with its backorders) holding both items.
    pub co_occurrence: i64,
    /// co / orders in range.
    pub support: Decimal,
    /// co / orders holding A (the seed's SupportScore, but counted within the range).
    pub confidence_ab: Decimal,
    /// co / orders holding B.
    pub confidence_ba: Decimal,
    /// support(A,B) / (support(A) × support(B)).
    pub lift: Decimal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockStatus {
    Critical,
    Low,
    Normal,
    /// Above the low threshold with more cover than the excess threshold (or no sales).
    Excess,
}

impl StockStatus {
    pub const ALL: [StockStatus; 4] = [StockStatus::Critical, StockStatus::Low, StockStatus::Normal, StockStatus::Excess];
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InventoryRow {
    pub stock_item_id: i64,
    pub name: String,
    pub brand: Option<String>,
    pub size: Option<String>,
    pub on_hand: i64,
    pub reorder_level: i64,
    pub last_cost_price: Decimal,
    /// Order lines in the range.
    pub order_frequency: i64,
    /// Units sold in the range.
    pub units_sold: i64,
    /// Mean quantity per order line (None without sales).
    pub avg_demand: Option<Decimal>,
    pub revenue: Decimal,
    /// Units sold per day over the range.
    pub daily_demand: Decimal,
    /// on hand ÷ daily demand; None when nothing sold.
    pub days_of_cover: Option<Decimal>,
    pub status: StockStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerTier {
    Vip,
    Premium,
    Regular,
    Basic,
}

impl CustomerTier {
    pub const ALL: [CustomerTier; 4] =
        [CustomerTier::Vip, CustomerTier::Premium, CustomerTier::Regular, CustomerTier::Basic];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerStatus {
    Active,
    AtRisk,
    Inactive,
}

impl CustomerStatus {
    pub const ALL: [CustomerStatus; 3] =
        [CustomerStatus::Active, CustomerStatus::AtRisk, CustomerStatus::Inactive];
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub customer_id: i64,
    pub name: String,
    /// Sales territory of the delivery city.
    pub region: String,
    pub orders: i64,
    pub spent: Decimal,
    /// spent ÷ orders (the seed averaged order lines instead).
    pub avg_order_value: Decimal,
    pub unique_products: i64,
    pub last_order: NaiveDate,
    /// Days from the last order on or before the range end to the range end.
    pub days_since_last_order: i64,
    pub tier: CustomerTier,
    pub status: CustomerStatus,
}

/// Customers per tier and status, over every customer (not just the top rows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentCount {
    pub tier: CustomerTier,
    pub status: CustomerStatus,
    pub customers: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeasonalRow {
    pub stock_item_id: i64,
    pub name: String,
    /// First day of the month.
    pub month: NaiveDate,
    pub revenue: Decimal,
    pub orders: i64,
    pub avg_quantity: Decimal,
    pub quantity: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report<R> {
    pub range: DateRange,
    pub currency: Currency,
    /// Rows that passed the filters before the top-N cut.
    pub total_rows: usize,
    pub rows: Vec<R>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerReport {
    pub report: Report<CustomerRow>,
    pub segments: Vec<SegmentCount>,
}

/// One product of the seasonal table with its totals over the range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeasonalProduct {
    pub stock_item_id: i64,
    pub name: String,
    pub revenue: Decimal,
    pub quantity: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeasonalReport {
    /// Product × month rows of the chosen products; `total_rows` counts products.
    pub report: Report<SeasonalRow>,
    /// The chosen products in rank order (the table's rows).
    pub products: Vec<SeasonalProduct>,
    /// Every month of the range, so a product without sales in a month shows a zero, not a gap.
    pub months: Vec<NaiveDate>,
}

/// One analysis' answer, whatever the kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AnalysisData {
    TopSellers(Report<TopSellerRow>),
    Affinity(Report<AffinityRow>),
    Inventory(Report<InventoryRow>),
    Customers(CustomerReport),
    Seasonal(SeasonalReport),
}

/// What the page gets: the effective parameters (defaults filled in), the data, and where it
/// came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisResult {
    pub kind: AnalysisKind,
    pub params: super::params::AnalysisParams,
    pub data: AnalysisData,
    pub span: DataSpan,
    /// "SQLite (内置演示数据)" or "SQL Server".
    pub source: String,
    /// SHA-256 of the data, hex: an insight is cached for exactly this data.
    pub fingerprint: String,
}
