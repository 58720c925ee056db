//! The sales warehouse (server only): where the five analyses get their numbers.
//!
//! Two backends answer the same questions: the customer's SQL Server (WideWorldImporters, through
//! tiberius) and the embedded SQLite default (through sqlx, same schema-qualified names via
//! attached databases). Backends only aggregate (`facts`); ranking, classification and every
//! derived ratio happen once, in `sales::analysis`, so the same data gives the same report on both.
//!
//! Every fact query takes a [`Basis`]: invoiced (invoice lines by invoice date) or ordered (order
//! lines by order date), both ex tax. On both, an order and its backorders (`BackorderOrderID`
//! on the original points at the backorder) are one purchase: baskets, order counts and order
//! values group by the root order, `COALESCE(parent.OrderID, OrderID)`.

pub mod config;
pub mod facts;
pub mod generator;
pub mod mssql;
pub mod sqlite;

use std::sync::OnceLock;

use crate::calendar::DateRange;
use crate::dataset::{Basis, DataSpan};
pub use config::WarehouseConfig;
use facts::{BasketFacts, CustomerFact, ItemSalesFact, MonthlyItemFact};

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("cannot reach the sales database: {0}")]
    Unreachable(String),
    #[error("the sales database query timed out after {0} s")]
    Timeout(u64),
    #[error("sales database query failed: {0}")]
    Query(String),
    #[error("the sales database holds no orders")]
    Empty,
    #[error("unexpected data in the sales database: {0}")]
    BadData(String),
    #[error("invalid warehouse configuration: {0}")]
    Config(String),
}

/// A revenue statement over one basis' line source, the CTE `l`: `rest` follows it (further CTEs
/// after a comma, or the final SELECT). Both backends build their statements this way.
fn over_lines(lines: &str, rest: &str) -> String {
    format!("WITH l AS ({lines}\n){rest}")
}

/// A backend's statements for each basis, built from that basis' line source on first use.
struct ByBasis<T> {
    ordered_lines: &'static str,
    invoiced_lines: &'static str,
    build: fn(&str) -> T,
    ordered: OnceLock<T>,
    invoiced: OnceLock<T>,
}

impl<T> ByBasis<T> {
    const fn new(ordered_lines: &'static str, invoiced_lines: &'static str, build: fn(&str) -> T) -> Self {
        ByBasis { ordered_lines, invoiced_lines, build, ordered: OnceLock::new(), invoiced: OnceLock::new() }
    }

    fn get(&self, basis: Basis) -> &T {
        match basis {
            Basis::Invoiced => self.invoiced.get_or_init(|| (self.build)(self.invoiced_lines)),
            Basis::Ordered => self.ordered.get_or_init(|| (self.build)(self.ordered_lines)),
        }
    }
}

/// The configured backend. An enum rather than a trait object: two variants, async methods,
/// no boxing.
#[derive(Clone)]
pub enum Warehouse {
    Sqlite(sqlite::SqliteWarehouse),
    MsSql(mssql::MsSqlWarehouse),
}

impl Warehouse {
    /// Opens the configured backend; for the embedded default, creates and fills it on first run.
    pub async fn open(config: &WarehouseConfig) -> Result<Self, WarehouseError> {
        match config {
            WarehouseConfig::Embedded { dir, scale, seed } => Ok(Warehouse::Sqlite(
                sqlite::SqliteWarehouse::open_or_generate(dir, *scale, *seed).await?,
            )),
            WarehouseConfig::MsSql(settings) => {
                Ok(Warehouse::MsSql(mssql::MsSqlWarehouse::connect(settings.clone()).await?))
            }
        }
    }

    /// "SQL Server" or "SQLite", for the page footer.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Warehouse::Sqlite(_) => "SQLite",
            Warehouse::MsSql(_) => "SQL Server",
        }
    }

    /// Where the numbers come from, as the page footer shows it.
    pub fn source_label(&self) -> String {
        match self {
            Warehouse::Sqlite(_) => "SQLite（内置演示数据）".to_string(),
            Warehouse::MsSql(_) => "SQL Server".to_string(),
        }
    }

    /// First and last order date, and whether the warehouse holds invoices.
    pub async fn data_span(&self) -> Result<DataSpan, WarehouseError> {
        match self {
            Warehouse::Sqlite(w) => w.data_span().await,
            Warehouse::MsSql(w) => w.data_span().await,
        }
    }

    pub async fn item_sales(&self, range: DateRange, basis: Basis) -> Result<Vec<ItemSalesFact>, WarehouseError> {
        match self {
            Warehouse::Sqlite(w) => w.item_sales(range, basis).await,
            Warehouse::MsSql(w) => w.item_sales(range, basis).await,
        }
    }

    pub async fn baskets(&self, range: DateRange, min_co: u32, basis: Basis) -> Result<BasketFacts, WarehouseError> {
        match self {
            Warehouse::Sqlite(w) => w.baskets(range, min_co, basis).await,
            Warehouse::MsSql(w) => w.baskets(range, min_co, basis).await,
        }
    }

    pub async fn customers(&self, range: DateRange, basis: Basis) -> Result<Vec<CustomerFact>, WarehouseError> {
        match self {
            Warehouse::Sqlite(w) => w.customers(range, basis).await,
            Warehouse::MsSql(w) => w.customers(range, basis).await,
        }
    }

    pub async fn monthly_item_sales(
        &self,
        range: DateRange,
        basis: Basis,
    ) -> Result<Vec<MonthlyItemFact>, WarehouseError> {
        match self {
            Warehouse::Sqlite(w) => w.monthly_item_sales(range, basis).await,
            Warehouse::MsSql(w) => w.monthly_item_sales(range, basis).await,
        }
    }

    /// The names of those of `ids` that are stock items; ids the warehouse lacks are absent.
    pub async fn stock_item_names(&self, ids: &[i64]) -> Result<std::collections::BTreeMap<i64, String>, WarehouseError> {
        match self {
            Warehouse::Sqlite(w) => w.stock_item_names(ids).await,
            Warehouse::MsSql(w) => w.stock_item_names(ids).await,
        }
    }
}
