//! Embedded warehouse: SQLite files through sqlx. The main file holds only bookkeeping; each WWI
//! schema is its own attached database file, so `Sales.Orders` means what it means on SQL Server.

mod queries;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Executor, Row, SqlitePool};

use super::facts::{BasketFacts, CustomerFact, ItemSalesFact, MonthlyItemFact, ResultRow};
use super::generator::{self, GeneratorSpec};
use super::WarehouseError;
use crate::calendar::DateRange;
use crate::dataset::{Basis, DataSpan};

/// The WWI schemas, each an attached database file `<Schema>.sqlite` beside the main file.
pub const SCHEMAS: [&str; 4] = ["Application", "Purchasing", "Warehouse", "Sales"];

const MAIN_FILE: &str = "WideWorldImporters.sqlite";

#[derive(Clone, Debug)]
pub struct SqliteWarehouse {
    pool: SqlitePool,
    dir: PathBuf,
}

impl From<sqlx::Error> for WarehouseError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut => WarehouseError::Timeout(30),
            sqlx::Error::Io(io) => WarehouseError::Unreachable(io.to_string()),
            other => WarehouseError::Query(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for WarehouseError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        WarehouseError::Query(format!("schema migration failed: {e}"))
    }
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

fn date(text: &str) -> Result<NaiveDate, WarehouseError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| WarehouseError::BadData(format!("order date {text:?} is not yyyy-mm-dd")))
}

/// Integers and text as stored; amounts as integer cents, dates as ISO text, months as `yyyy-mm`
/// (the SELECT lists in `queries.rs`).
impl ResultRow for SqliteRow {
    type Error = WarehouseError;

    fn int(&self, idx: usize) -> Result<i64, WarehouseError> {
        Ok(self.try_get(idx)?)
    }

    fn text(&self, idx: usize) -> Result<String, WarehouseError> {
        Ok(self.try_get(idx)?)
    }

    fn opt_text(&self, idx: usize) -> Result<Option<String>, WarehouseError> {
        Ok(self.try_get(idx)?)
    }

    fn money(&self, idx: usize) -> Result<Decimal, WarehouseError> {
        Ok(cents(self.try_get(idx)?))
    }

    fn date(&self, idx: usize) -> Result<NaiveDate, WarehouseError> {
        date(&self.try_get::<String, _>(idx)?)
    }

    fn month(&self, idx: usize) -> Result<NaiveDate, WarehouseError> {
        let month: String = self.try_get(idx)?;
        date(&format!("{month}-01"))
    }
}

impl SqliteWarehouse {
    /// Opens the warehouse in `dir`, creating the files and applying the migrations; does not
    /// generate data.
    pub async fn open(dir: &Path) -> Result<Self, WarehouseError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            WarehouseError::Unreachable(format!("cannot create {}: {e}", dir.display()))
        })?;
        let main = dir.join(MAIN_FILE);
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&main)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(10));
        let attach_dir = dir.to_path_buf();
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                let dir = attach_dir.clone();
                Box::pin(async move {
                    for schema in SCHEMAS {
                        let file = dir.join(format!("{schema}.sqlite"));
                        // The schema name is one of our constants, never user input.
                        sqlx::query(&format!("ATTACH DATABASE ?1 AS {schema}"))
                            .bind(file.to_string_lossy().into_owned())
                            .execute(&mut *conn)
                            .await?;
                        conn.execute(format!("PRAGMA {schema}.journal_mode = WAL").as_str()).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("../migrations/wwi").run(&pool).await?;
        Ok(SqliteWarehouse { pool, dir: dir.to_path_buf() })
    }

    /// Opens the warehouse and, when it holds no generated data yet, generates it.
    pub async fn open_or_generate(dir: &Path, scale: u32, seed: u64) -> Result<Self, WarehouseError> {
        let w = Self::open(dir).await?;
        if !generator::is_generated(&w.pool).await? {
            let spec = GeneratorSpec { scale, seed, ..GeneratorSpec::default() };
            tracing::info!(dir = %dir.display(), scale, seed, "generating the embedded warehouse");
            let summary = generator::generate(&w.pool, &spec).await?;
            tracing::info!(?summary, "embedded warehouse ready");
        }
        Ok(w)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs a query whose ?1 and ?2 are the first and last day of `range`.
    async fn fetch_range(&self, sql: &'static str, range: DateRange) -> Result<Vec<SqliteRow>, sqlx::Error> {
        sqlx::query(sql).bind(range.from.to_string()).bind(range.to.to_string()).fetch_all(&self.pool).await
    }

    pub async fn data_span(&self) -> Result<DataSpan, WarehouseError> {
        let row = sqlx::query(queries::DATA_SPAN).fetch_one(&self.pool).await?;
        let first: Option<String> = row.try_get(0)?;
        let last: Option<String> = row.try_get(1)?;
        let invoices = row.try_get::<i64, _>(2)? != 0;
        match (first, last) {
            (Some(f), Some(l)) => Ok(DataSpan { first: date(&f)?, last: date(&l)?, invoices }),
            _ => Err(WarehouseError::Empty),
        }
    }

    pub async fn item_sales(&self, range: DateRange, basis: Basis) -> Result<Vec<ItemSalesFact>, WarehouseError> {
        let rows = self.fetch_range(&queries::QUERIES.get(basis).item_sales, range).await?;
        rows.iter().map(ItemSalesFact::from_row).collect()
    }

    pub async fn baskets(&self, range: DateRange, min_co: u32, basis: Basis) -> Result<BasketFacts, WarehouseError> {
        let names: BTreeMap<i64, String> = sqlx::query_as(queries::ITEM_NAMES).fetch_all(&self.pool).await?.into_iter().collect();
        let rows = self.fetch_range(&queries::QUERIES.get(basis).basket_lines, range).await?;
        let lines = rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<Vec<(i64, i64)>, sqlx::Error>>()?;
        Ok(BasketFacts::from_order_items(lines, &names, min_co))
    }

    pub async fn customers(&self, range: DateRange, basis: Basis) -> Result<Vec<CustomerFact>, WarehouseError> {
        let rows = self.fetch_range(&queries::QUERIES.get(basis).customers, range).await?;
        rows.iter().map(CustomerFact::from_row).collect()
    }

    /// One lookup per id: callers ask for a handful (a bundle has at most four items).
    pub async fn stock_item_names(&self, ids: &[i64]) -> Result<BTreeMap<i64, String>, WarehouseError> {
        let mut names = BTreeMap::new();
        for &id in ids {
            let row: Option<(i64, String)> = sqlx::query_as(queries::STOCK_ITEM_NAME).bind(id).fetch_optional(&self.pool).await?;
            names.extend(row);
        }
        Ok(names)
    }

    pub async fn monthly_item_sales(&self, range: DateRange, basis: Basis) -> Result<Vec<MonthlyItemFact>, WarehouseError> {
        let rows = self.fetch_range(&queries::QUERIES.get(basis).monthly_item_sales, range).await?;
        rows.iter().map(MonthlyItemFact::from_row).collect()
    }
}
