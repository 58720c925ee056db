//! SQL Server backend (the customer's WideWorldImporters, e.g. on Alibaba Cloud RDS for SQL
//! Server) through tiberius and a bb8 pool. Answers the same facts as the SQLite backend: same
//! rows, same order, money as `Decimal` at scale 2, counts as `i64`.
//!
//! The pool is built lazily, so the app starts while the server is down; each query then reports
//! why it cannot get a connection (refused, timed out, login failed) as soon as the attempt fails.

mod pool;
mod queries;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use tiberius::error::{Error as TdsError, IoErrorKind};
use tiberius::{ColumnData, Row};
use tokio::sync::broadcast;

use self::pool::{ConnectFailure, FailureSink, PoolError, TdsConnection, TdsManager};
use self::queries::Statement;
use super::config::MsSqlSettings;
use super::facts::{BasketFacts, CustomerFact, ItemSalesFact, MonthlyItemFact, ResultRow};
use super::WarehouseError;
use crate::calendar::DateRange;
use crate::dataset::{Basis, DataSpan};

/// How long a pooled connection may sit idle before the pool closes it (RDS drops idle
/// sessions on its own schedule; a checked-out connection is tested with `SELECT 1` anyway).
const IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

#[derive(Clone)]
pub struct MsSqlWarehouse {
    pool: bb8::Pool<TdsManager>,
    /// Connection failures, from the pool's error sink to the queries waiting for a connection.
    failures: broadcast::Sender<ConnectFailure>,
    query_timeout: Duration,
    /// Longest wait for a pooled connection: one connect plus one query ahead of us.
    checkout_timeout: Duration,
    /// "host:port/Database", for Debug and logs; never the credentials.
    target: Arc<str>,
}

impl fmt::Debug for MsSqlWarehouse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsSqlWarehouse").field("target", &self.target).finish_non_exhaustive()
    }
}

impl MsSqlWarehouse {
    /// Prepares the pool without connecting: succeeds while the server is down.
    #[tracing::instrument(
        skip(settings),
        fields(server = %settings.host, port = settings.port, database = %settings.database)
    )]
    pub async fn connect(settings: MsSqlSettings) -> Result<Self, WarehouseError> {
        if settings.pool_max == 0 {
            return Err(WarehouseError::Config("pool_max must be at least 1".into()));
        }
        if settings.connect_timeout.is_zero() || settings.query_timeout.is_zero() {
            return Err(WarehouseError::Config("timeouts must be at least 1 s".into()));
        }
        let (failures, _) = broadcast::channel(16);
        let checkout_timeout = settings.connect_timeout + settings.query_timeout;
        let pool = bb8::Pool::builder()
            .max_size(settings.pool_max)
            .min_idle(None)
            .test_on_check_out(true)
            .idle_timeout(Some(IDLE_TIMEOUT))
            .connection_timeout(checkout_timeout)
            // A failed connect goes straight to the waiting query; the next query tries again.
            .retry_connection(false)
            .error_sink(Box::new(FailureSink(failures.clone())))
            .build_unchecked(TdsManager::new(&settings));
        let target = format!("{}:{}/{}", settings.host, settings.port, settings.database);
        Ok(MsSqlWarehouse {
            pool,
            failures,
            query_timeout: settings.query_timeout,
            checkout_timeout,
            target: target.into(),
        })
    }

    /// `SELECT 1` over a fresh connection: whether the server takes these settings (the settings
    /// page's connection test). Answers the server's reply, `1`.
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn ping(&self) -> Result<i64, WarehouseError> {
        let rows = self.fetch_one(queries::select_one()).await?;
        let row = rows.first().ok_or_else(|| WarehouseError::BadData("SELECT 1 answered no row".into()))?;
        row.int(0).map_err(|e| bad("SELECT 1", e))
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn data_span(&self) -> Result<DataSpan, WarehouseError> {
        let mut results = self.fetch(&[queries::data_span(), queries::has_invoices()]).await?.into_iter();
        let (span, invoices) = (results.next().unwrap_or_default(), results.next().unwrap_or_default());
        let Some(row) = span.first() else { return Err(WarehouseError::Empty) };
        let span = data_span_row(row).map_err(|e| bad("data span", e))?.ok_or(WarehouseError::Empty)?;
        let invoices = match invoices.first() {
            Some(row) => row.int(0).map_err(|e| bad("invoice check", e))? != 0,
            None => false,
        };
        Ok(DataSpan { invoices, ..span })
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn item_sales(&self, range: DateRange, basis: Basis) -> Result<Vec<ItemSalesFact>, WarehouseError> {
        let rows = self.fetch_one(queries::item_sales(range, basis)).await?;
        rows.iter().map(|r| ItemSalesFact::from_row(r).map_err(|e| bad("item sales", e))).collect()
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn baskets(&self, range: DateRange, min_co: u32, basis: Basis) -> Result<BasketFacts, WarehouseError> {
        let statements = [
            queries::basket_orders(range, basis),
            queries::basket_items(range, basis),
            queries::basket_pairs(range, min_co, basis),
        ];
        let mut results = self.fetch(&statements).await?.into_iter();
        let (orders, items, pairs) = (
            results.next().unwrap_or_default(),
            results.next().unwrap_or_default(),
            results.next().unwrap_or_default(),
        );
        let orders = match orders.first() {
            Some(row) => row.int(0).map_err(|e| bad("basket orders", e))?,
            None => 0,
        };
        let items = items
            .iter()
            .map(|r| Ok((r.int(0)?, r.text(1)?, r.int(2)?)))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| bad("basket items", e))?;
        let pairs = pairs
            .iter()
            .map(|r| Ok((r.int(0)?, r.int(1)?, r.int(2)?)))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| bad("basket pairs", e))?;
        Ok(BasketFacts { orders, items, pairs })
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn customers(&self, range: DateRange, basis: Basis) -> Result<Vec<CustomerFact>, WarehouseError> {
        let rows = self.fetch_one(queries::customers(range, basis)).await?;
        rows.iter().map(|r| CustomerFact::from_row(r).map_err(|e| bad("customers", e))).collect()
    }

    #[tracing::instrument(skip(self), err(Display))]
    pub async fn monthly_item_sales(&self, range: DateRange, basis: Basis) -> Result<Vec<MonthlyItemFact>, WarehouseError> {
        let rows = self.fetch_one(queries::monthly_item_sales(range, basis)).await?;
        rows.iter().map(|r| MonthlyItemFact::from_row(r).map_err(|e| bad("monthly item sales", e))).collect()
    }

    /// One statement per id, on one connection: callers ask for a handful.
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn stock_item_names(&self, ids: &[i64]) -> Result<BTreeMap<i64, String>, WarehouseError> {
        let statements: Vec<Statement> = ids.iter().map(|&id| queries::stock_item_name(id)).collect();
        let results = self.fetch(&statements).await?;
        let mut names = BTreeMap::new();
        for row in results.iter().flatten() {
            let (id, name) = (row.int(0), row.text(1));
            names.insert(id.map_err(|e| bad("stock item", e))?, name.map_err(|e| bad("stock item", e))?);
        }
        Ok(names)
    }

    async fn fetch_one(&self, statement: Statement) -> Result<Vec<Row>, WarehouseError> {
        let mut results = self.fetch(std::slice::from_ref(&statement)).await?;
        Ok(results.pop().unwrap_or_default())
    }

    /// Runs `statements` one after another on one pooled connection, all within one query
    /// timeout, and returns each one's rows.
    async fn fetch(&self, statements: &[Statement]) -> Result<Vec<Vec<Row>>, WarehouseError> {
        let mut pooled = self.checkout().await?;
        let conn: &mut TdsConnection = &mut pooled;
        // Until the last row is read the connection is mid-response: if this future errs, times
        // out or is dropped, the pool must discard it (see `has_broken`).
        conn.dirty = true;
        let client = &mut conn.client;
        let run = async {
            let mut results = Vec::with_capacity(statements.len());
            for statement in statements {
                let rows = statement.query().query(client).await?.into_first_result().await?;
                results.push(rows);
            }
            Ok::<_, TdsError>(results)
        };
        let results = match tokio::time::timeout(self.query_timeout, run).await {
            Ok(Ok(results)) => results,
            Ok(Err(e)) => return Err(query_error(e, self.query_timeout)),
            Err(_) => return Err(WarehouseError::Timeout(self.query_timeout.as_secs())),
        };
        conn.dirty = false;
        Ok(results)
    }

    /// A pooled connection, or the reason none can be opened as soon as an attempt fails.
    async fn checkout(&self) -> Result<bb8::PooledConnection<'_, TdsManager>, WarehouseError> {
        // Subscribe before asking: the attempt `get` starts must not fail unheard.
        let mut failures = self.failures.subscribe();
        tokio::select! {
            got = self.pool.get() => got.map_err(|e| match e {
                bb8::RunError::User(PoolError::Connect(failure)) => failure.into(),
                bb8::RunError::User(PoolError::Invalid(why)) => WarehouseError::Unreachable(why),
                bb8::RunError::TimedOut => WarehouseError::Timeout(self.checkout_timeout.as_secs()),
            }),
            failure = next_failure(&mut failures) => {
                tracing::debug!(target = %self.target, ?failure, "no SQL Server connection");
                Err(failure.into())
            }
        }
    }
}

async fn next_failure(failures: &mut broadcast::Receiver<ConnectFailure>) -> ConnectFailure {
    loop {
        match failures.recv().await {
            Ok(failure) => return failure,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            // Cannot happen while `self` holds the sender; wait for the pool instead.
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}

/// An error while running a statement on an open connection.
fn query_error(e: TdsError, query_timeout: Duration) -> WarehouseError {
    match e {
        TdsError::Server(token) => {
            WarehouseError::Query(format!("{} (SQL Server error {})", token.message(), token.code()))
        }
        TdsError::Io { kind: IoErrorKind::TimedOut, .. } => WarehouseError::Timeout(query_timeout.as_secs()),
        TdsError::Io { message, .. } => WarehouseError::Unreachable(format!("connection lost: {message}")),
        other => WarehouseError::Query(other.to_string()),
    }
}

fn bad(what: &str, e: String) -> WarehouseError {
    WarehouseError::BadData(format!("{what}: {e}"))
}

// --- rows → facts ------------------------------------------------------------------------------
// Column positions follow the SELECT lists in `queries.rs` (and `sqlite/queries.rs`).

fn cell(row: &Row, idx: usize) -> Result<&ColumnData<'static>, String> {
    row.get_column_data(idx).map_err(|e| format!("column {}: {e}", idx + 1))
}

fn opt_date(row: &Row, idx: usize) -> Result<Option<NaiveDate>, String> {
    row.try_get::<NaiveDate, _>(idx).map_err(|e| format!("column {}: expected a DATE ({e})", idx + 1))
}

/// Rounds half away from zero (as SQL's ROUND) to two places and fixes the scale at two.
fn cents(value: Decimal) -> Decimal {
    let mut value = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    value.rescale(2);
    value
}

impl ResultRow for Row {
    type Error = String;

    fn expect_columns(&self, n: usize) -> Result<(), String> {
        if self.len() == n {
            Ok(())
        } else {
            Err(format!("expected {n} columns, got {}", self.len()))
        }
    }

    /// Any SQL Server integer (TINYINT … BIGINT) widened to i64; NULL is an error.
    fn int(&self, idx: usize) -> Result<i64, String> {
        let value = match cell(self, idx)? {
            ColumnData::U8(v) => v.map(i64::from),
            ColumnData::I16(v) => v.map(i64::from),
            ColumnData::I32(v) => v.map(i64::from),
            ColumnData::I64(v) => *v,
            other => return Err(format!("column {}: expected an integer, got {other:?}", idx + 1)),
        };
        value.ok_or_else(|| format!("column {}: unexpected NULL", idx + 1))
    }

    fn text(&self, idx: usize) -> Result<String, String> {
        self.opt_text(idx)?.ok_or_else(|| format!("column {}: unexpected NULL", idx + 1))
    }

    fn opt_text(&self, idx: usize) -> Result<Option<String>, String> {
        match cell(self, idx)? {
            ColumnData::String(s) => Ok(s.as_ref().map(|s| s.to_string())),
            other => Err(format!("column {}: expected text, got {other:?}", idx + 1)),
        }
    }

    /// An exact DECIMAL (or integer) amount, normalised to two decimal places so it prints like
    /// the SQLite backend's cents (`1234.50`, `0.00`).
    fn money(&self, idx: usize) -> Result<Decimal, String> {
        let value = match cell(self, idx)? {
            ColumnData::Numeric(Some(n)) => Decimal::try_from_i128_with_scale(n.value(), u32::from(n.scale()))
                .map_err(|e| format!("column {}: amount out of range ({e})", idx + 1))?,
            ColumnData::Numeric(None) => return Err(format!("column {}: unexpected NULL", idx + 1)),
            ColumnData::U8(_) | ColumnData::I16(_) | ColumnData::I32(_) | ColumnData::I64(_) => {
                Decimal::from(self.int(idx)?)
            }
            other => return Err(format!("column {}: expected a DECIMAL amount, got {other:?}", idx + 1)),
        };
        Ok(cents(value))
    }

    fn date(&self, idx: usize) -> Result<NaiveDate, String> {
        opt_date(self, idx)?.ok_or_else(|| format!("column {}: unexpected NULL", idx + 1))
    }

    /// A DATE, the month's first day.
    fn month(&self, idx: usize) -> Result<NaiveDate, String> {
        self.date(idx)
    }
}

/// None when the warehouse holds no orders (MIN/MAX of nothing). `invoices` is false here; the
/// caller sets it from its own statement.
fn data_span_row(row: &Row) -> Result<Option<DataSpan>, String> {
    row.expect_columns(2)?;
    Ok(match (opt_date(row, 0)?, opt_date(row, 1)?) {
        (Some(first), Some(last)) => Some(DataSpan { first, last, invoices: false }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tiberius::numeric::Numeric;
    use tiberius::{ColumnType, IntoSql};
    use tokio::net::TcpListener;

    use super::*;
    use crate::secret::Secret;
    use crate::warehouse::config::TlsMode;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dec(value: i128, scale: u8) -> ColumnData<'static> {
        ColumnData::Numeric(Some(Numeric::new_with_scale(value, scale)))
    }

    fn s(v: &str) -> ColumnData<'static> {
        ColumnData::String(Some(v.to_string().into()))
    }

    fn row(cells: Vec<ColumnData<'static>>) -> Row {
        cells
            .into_iter()
            .enumerate()
            .fold(Row::builder(), |b, (i, c)| b.column(format!("c{i}"), ColumnType::Null, c))
            .build()
    }

    #[test]
    fn item_rows_read_exact_money_at_scale_two_and_widen_ints() {
        let r = row(vec![
            ColumnData::I32(Some(7)),
            s("USB rocket launcher (Gray)"),
            ColumnData::String(None), // no colour: LEFT JOIN miss
            s("Northwind"),
            ColumnData::String(None),
            dec(123_450, 2),           // DECIMAL(38,2) 1234.50
            dec(5, 0),                 // COALESCE(NULL, 0) typed as DECIMAL(38,0)
            ColumnData::I64(Some(12)), // COUNT_BIG
            ColumnData::I64(Some(40)),
            ColumnData::I64(Some(9)),
            ColumnData::I32(Some(250)), // QuantityOnHand INT
            ColumnData::I32(Some(20)),
            dec(1_234_567, 4), // 123.4567 → 123.46
        ]);
        let f = ItemSalesFact::from_row(&r).unwrap();
        assert_eq!(f.stock_item_id, 7);
        assert_eq!(f.color, None);
        assert_eq!(f.brand.as_deref(), Some("Northwind"));
        assert_eq!(f.revenue.to_string(), "1234.50");
        assert_eq!(f.revenue, Decimal::new(123_450, 2));
        assert_eq!(f.unit_price_sum.to_string(), "5.00");
        assert_eq!((f.lines, f.quantity, f.customers, f.on_hand, f.reorder_level), (12, 40, 9, 250, 20));
        assert_eq!(f.last_cost_price.to_string(), "123.46");
    }

    #[test]
    fn money_rounds_half_away_from_zero_and_keeps_two_places() {
        assert_eq!(cents(Decimal::new(1_005, 3)).to_string(), "1.01");
        assert_eq!(cents(Decimal::new(-1_005, 3)).to_string(), "-1.01");
        assert_eq!(cents(Decimal::ZERO).to_string(), "0.00");
        assert_eq!(cents(Decimal::new(42, 0)).to_string(), "42.00");
        // A sum near the top of DECIMAL(38,2) that does not fit rust_decimal is bad data, not a panic.
        let huge = row(vec![dec(i128::MAX / 10, 2)]);
        assert!(huge.money(0).unwrap_err().contains("out of range"));
    }

    #[test]
    fn nulls_and_wrong_types_are_bad_data_not_panics() {
        let r = row(vec![ColumnData::I32(None), ColumnData::F64(Some(1.5)), ColumnData::Numeric(None)]);
        assert!(r.int(0).unwrap_err().contains("NULL"));
        assert!(r.int(1).unwrap_err().contains("expected an integer"));
        assert!(r.money(1).unwrap_err().contains("expected a DECIMAL"));
        assert!(r.money(2).unwrap_err().contains("NULL"));
        assert!(r.int(5).is_err(), "missing column");
        let short = row(vec![ColumnData::I32(Some(1))]);
        assert!(ItemSalesFact::from_row(&short).unwrap_err().contains("expected 13 columns"));
        assert!(matches!(bad("x", "y".into()), WarehouseError::BadData(m) if m == "x: y"));
    }

    #[test]
    fn customer_and_monthly_rows_read_dates() {
        let c = row(vec![
            ColumnData::I32(Some(1)),
            s("Tailspin Toys (Head Office)"),
            s("Plains"),
            ColumnData::I64(Some(0)),
            dec(0, 2),
            ColumnData::I64(Some(0)),
            day(2015, 12, 30).into_sql(),
        ]);
        let f = CustomerFact::from_row(&c).unwrap();
        assert_eq!(f.region, "Plains");
        assert_eq!(f.spent.to_string(), "0.00");
        assert_eq!(f.last_order, day(2015, 12, 30));

        let m = row(vec![
            ColumnData::I32(Some(3)),
            s("Chocolate frogs 250g"),
            day(2016, 2, 1).into_sql(),
            dec(99_900, 2),
            ColumnData::I64(Some(4)),
            ColumnData::I64(Some(5)),
            ColumnData::I64(Some(60)),
        ]);
        let f = MonthlyItemFact::from_row(&m).unwrap();
        assert_eq!(f.month, day(2016, 2, 1));
        assert_eq!(f.revenue.to_string(), "999.00");
        assert_eq!((f.orders, f.lines, f.quantity), (4, 5, 60));
    }

    #[test]
    fn data_span_of_no_orders_is_none() {
        let none = row(vec![ColumnData::Date(None), ColumnData::Date(None)]);
        assert_eq!(data_span_row(&none).unwrap(), None);
        let some = row(vec![day(2013, 1, 1).into_sql(), day(2016, 5, 31).into_sql()]);
        assert_eq!(
            data_span_row(&some).unwrap(),
            Some(DataSpan { first: day(2013, 1, 1), last: day(2016, 5, 31), invoices: false })
        );
    }

    #[test]
    fn statement_errors_map_to_warehouse_errors() {
        let t = Duration::from_secs(30);
        let timed_out = TdsError::Io { kind: IoErrorKind::TimedOut, message: "deadline".into() };
        assert!(matches!(query_error(timed_out, t), WarehouseError::Timeout(30)));
        let reset = TdsError::Io { kind: IoErrorKind::ConnectionReset, message: "reset by peer".into() };
        assert!(
            matches!(query_error(reset, t), WarehouseError::Unreachable(m) if m.contains("reset by peer"))
        );
        let conv = TdsError::Conversion("bad".into());
        assert!(matches!(query_error(conv, t), WarehouseError::Query(_)));
    }

    // --- real sockets ---------------------------------------------------------------------------

    fn local(port: u16, connect_timeout: Duration) -> MsSqlSettings {
        MsSqlSettings {
            host: "127.0.0.1".into(),
            port,
            database: "WideWorldImporters".into(),
            user: "reader".into(),
            password: Secret::new("hunter2-topsecret"),
            tls: TlsMode::Required,
            trust_server_certificate: false,
            pool_max: 4,
            connect_timeout,
            query_timeout: Duration::from_secs(30),
        }
    }

    /// A port that was just bound and released: nothing listens there.
    async fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        port
    }

    fn range() -> DateRange {
        DateRange { from: day(2016, 1, 1), to: day(2016, 5, 31) }
    }

    #[tokio::test]
    async fn refused_connection_is_unreachable_at_once_and_every_time() {
        let port = closed_port().await;
        let started = Instant::now();
        // Starting the app with the server down must work.
        let w = MsSqlWarehouse::connect(local(port, Duration::from_secs(10))).await.unwrap();
        for _ in 0..2 {
            let err = w.item_sales(range(), Basis::Invoiced).await.unwrap_err();
            let WarehouseError::Unreachable(why) = &err else { panic!("expected Unreachable, got {err:?}") };
            assert!(why.contains(&format!("127.0.0.1:{port}")), "{why}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
        // Concurrent queries each get the reason too (not a pool timeout).
        let (a, b, c) = tokio::join!(w.data_span(), w.baskets(range(), 3, Basis::Invoiced), w.customers(range(), Basis::Ordered));
        assert!(matches!(a, Err(WarehouseError::Unreachable(_))), "{a:?}");
        assert!(matches!(b, Err(WarehouseError::Unreachable(_))), "{b:?}");
        assert!(matches!(c, Err(WarehouseError::Unreachable(_))), "{c:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        assert!(!format!("{w:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn silent_server_times_out_after_the_connect_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accept every connection and never say a word.
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let w = MsSqlWarehouse::connect(local(port, Duration::from_secs(1))).await.unwrap();
        let started = Instant::now();
        let err = w.monthly_item_sales(range(), Basis::Ordered).await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(err, WarehouseError::Timeout(1)), "expected Timeout(1), got {err:?}");
        assert!(elapsed >= Duration::from_millis(900), "gave up early: {elapsed:?}");
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
        silent.abort();
    }

    #[tokio::test]
    async fn invalid_pool_settings_are_config_errors() {
        let mut s = local(1433, Duration::from_secs(1));
        s.pool_max = 0;
        assert!(matches!(MsSqlWarehouse::connect(s).await, Err(WarehouseError::Config(_))));
        let mut s = local(1433, Duration::ZERO);
        s.pool_max = 1;
        assert!(matches!(MsSqlWarehouse::connect(s).await, Err(WarehouseError::Config(_))));
    }
}
