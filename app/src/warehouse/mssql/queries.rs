//! The five analyses' aggregations in T-SQL, mirroring `sqlite/queries.rs` column for column.
//!
//! Parameters are always bound, never formatted into the text: @P1 = first day (DATE), @P2 = last
//! day (DATE, inclusive), @P3 = minimum co-occurrence (BIGINT). Money is summed exactly as
//! DECIMAL (`Quantity * UnitPrice` of a DECIMAL(18,2) is DECIMAL(29,2), its SUM DECIMAL(38,2));
//! counts are COUNT_BIG and quantity sums are widened to BIGINT, so every count is read as i64.

use chrono::NaiveDate;
use tiberius::Query;

use crate::calendar::DateRange;
use crate::dataset::Basis;
use crate::warehouse::{over_lines, ByBasis};

/// The revenue statements of one basis.
pub struct BasisQueries {
    pub item_sales: String,
    pub basket_orders: String,
    pub basket_items: String,
    pub basket_pairs: String,
    pub customers: String,
    pub monthly_item_sales: String,
}

pub const DATA_SPAN: &str = "SELECT MIN(o.OrderDate), MAX(o.OrderDate) FROM Sales.Orders o";

/// 1 when the database has invoice lines, else 0 (also when it has no `Sales.InvoiceLines`: the
/// table is only named inside the branch that runs when it exists).
pub const HAS_INVOICES: &str = "
IF OBJECT_ID(N'Sales.InvoiceLines', N'U') IS NULL
    SELECT CAST(0 AS BIGINT)
ELSE
    SELECT CASE WHEN EXISTS (SELECT 1 FROM Sales.InvoiceLines) THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END";

/// Order lines of the range as (Purchase, CustomerID, Day, StockItemID, Quantity, UnitPrice,
/// Amount = Quantity × UnitPrice, ex tax). Purchase is the root order: the original order's
/// `BackorderOrderID` points at its backorder, and both count as one purchase.
const ORDERED_LINES: &str = "
    SELECT COALESCE(p.OrderID, o.OrderID) AS Purchase, o.CustomerID, o.OrderDate AS Day, ol.StockItemID,
           ol.Quantity, ol.UnitPrice, ol.Quantity * ol.UnitPrice AS Amount
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    LEFT JOIN Sales.Orders p ON p.BackorderOrderID = o.OrderID
    WHERE o.OrderDate BETWEEN @P1 AND @P2";

/// Invoice lines of the range by invoice date, same columns; Amount = ExtendedPrice − TaxAmount
/// (WWI's "Total Excluding Tax"). An invoice without an order is a purchase of its own.
const INVOICED_LINES: &str = "
    SELECT COALESCE(p.OrderID, i.OrderID, -i.InvoiceID) AS Purchase, i.CustomerID, i.InvoiceDate AS Day,
           il.StockItemID, il.Quantity, il.UnitPrice, il.ExtendedPrice - il.TaxAmount AS Amount
    FROM Sales.Invoices i
    JOIN Sales.InvoiceLines il ON il.InvoiceID = i.InvoiceID
    LEFT JOIN Sales.Orders p ON p.BackorderOrderID = i.OrderID
    WHERE i.InvoiceDate BETWEEN @P1 AND @P2";

/// Every stock item, sold in the range or not, with its current holding.
const ITEM_SALES: &str = ",
s AS (
    SELECT l.StockItemID,
           SUM(l.Amount)                    AS Revenue,
           SUM(l.UnitPrice)                 AS PriceSum,
           COUNT_BIG(*)                     AS Lines,
           SUM(CAST(l.Quantity AS BIGINT))  AS Quantity,
           COUNT_BIG(DISTINCT l.CustomerID) AS Customers
    FROM l
    GROUP BY l.StockItemID
)
SELECT si.StockItemID, si.StockItemName, c.ColorName, si.Brand, si.Size,
       COALESCE(s.Revenue, 0), COALESCE(s.PriceSum, 0), COALESCE(s.Lines, 0),
       COALESCE(s.Quantity, 0), COALESCE(s.Customers, 0),
       COALESCE(h.QuantityOnHand, 0), COALESCE(h.ReorderLevel, 0),
       COALESCE(h.LastCostPrice, 0)
FROM Warehouse.StockItems si
LEFT JOIN Warehouse.Colors c ON c.ColorID = si.ColorID
LEFT JOIN Warehouse.StockItemHoldings h ON h.StockItemID = si.StockItemID
LEFT JOIN s ON s.StockItemID = si.StockItemID
ORDER BY si.StockItemID";

/// Purchases in the range that have at least one line (the inner join): the baskets.
const BASKET_ORDERS: &str = "\nSELECT COUNT_BIG(DISTINCT l.Purchase) FROM l";

const BASKET_ITEMS: &str = "
SELECT l.StockItemID, si.StockItemName, COUNT_BIG(DISTINCT l.Purchase)
FROM l
JOIN Warehouse.StockItems si ON si.StockItemID = l.StockItemID
GROUP BY l.StockItemID, si.StockItemName
ORDER BY l.StockItemID";

/// Pairs counted once per purchase (an item on two lines of one purchase is one basket entry).
const BASKET_PAIRS: &str = ",
d AS (SELECT DISTINCT l.Purchase, l.StockItemID FROM l)
SELECT a.StockItemID, b.StockItemID, COUNT_BIG(*) AS CoOccurrence
FROM d a
JOIN d b ON b.Purchase = a.Purchase AND a.StockItemID < b.StockItemID
GROUP BY a.StockItemID, b.StockItemID
HAVING COUNT_BIG(*) >= @P3
ORDER BY a.StockItemID, b.StockItemID";

/// Every customer with an order on or before the range end; spend and counts within the range,
/// recency up to the range end (on orders, for both bases). Region: delivery city →
/// state/province → sales territory.
const CUSTOMERS: &str = ",
r AS (
    SELECT l.CustomerID,
           COUNT_BIG(DISTINCT l.Purchase)    AS Orders,
           SUM(l.Amount)                     AS Spent,
           COUNT_BIG(DISTINCT l.StockItemID) AS Products
    FROM l
    GROUP BY l.CustomerID
),
lo AS (
    SELECT o.CustomerID, MAX(o.OrderDate) AS LastOrder
    FROM Sales.Orders o
    WHERE o.OrderDate <= @P2
    GROUP BY o.CustomerID
)
SELECT c.CustomerID, c.CustomerName, COALESCE(sp.SalesTerritory, N''),
       COALESCE(r.Orders, 0), COALESCE(r.Spent, 0), COALESCE(r.Products, 0), lo.LastOrder
FROM lo
JOIN Sales.Customers c ON c.CustomerID = lo.CustomerID
LEFT JOIN r ON r.CustomerID = lo.CustomerID
LEFT JOIN Application.Cities ci ON ci.CityID = c.DeliveryCityID
LEFT JOIN Application.StateProvinces sp ON sp.StateProvinceID = ci.StateProvinceID
ORDER BY c.CustomerID";

/// Per item and calendar month, the month as its first day (the seed grouped by MONTH() alone,
/// merging years).
const MONTHLY_ITEM_SALES: &str = "
SELECT m.StockItemID, si.StockItemName, m.SalesMonth,
       COALESCE(SUM(m.Amount), 0),
       COUNT_BIG(DISTINCT m.Purchase), COUNT_BIG(*), SUM(CAST(m.Quantity AS BIGINT))
FROM (
    SELECT l.StockItemID, l.Purchase, l.Quantity, l.Amount,
           DATEFROMPARTS(YEAR(l.Day), MONTH(l.Day), 1) AS SalesMonth
    FROM l
) m
JOIN Warehouse.StockItems si ON si.StockItemID = m.StockItemID
GROUP BY m.StockItemID, si.StockItemName, m.SalesMonth
ORDER BY m.StockItemID, m.SalesMonth";

pub(super) static QUERIES: ByBasis<BasisQueries> = ByBasis::new(ORDERED_LINES, INVOICED_LINES, |lines| BasisQueries {
    item_sales: over_lines(lines, ITEM_SALES),
    basket_orders: over_lines(lines, BASKET_ORDERS),
    basket_items: over_lines(lines, BASKET_ITEMS),
    basket_pairs: over_lines(lines, BASKET_PAIRS),
    customers: over_lines(lines, CUSTOMERS),
    monthly_item_sales: over_lines(lines, MONTHLY_ITEM_SALES),
});

/// One stock item's name, @P1 = its id.
pub const STOCK_ITEM_NAME: &str = "SELECT si.StockItemID, si.StockItemName FROM Warehouse.StockItems si WHERE si.StockItemID = @P1";

/// A value bound to a placeholder: DATE or BIGINT on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Date(NaiveDate),
    Int(i64),
}

/// One statement: constant text plus the values for @P1, @P2, … in that order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub sql: &'static str,
    pub params: Vec<Param>,
}

impl Statement {
    /// The tiberius query, parameters bound in order (`@P1` first).
    pub fn query(&self) -> Query<'static> {
        let mut query = Query::new(self.sql);
        for param in &self.params {
            match *param {
                Param::Date(day) => query.bind(day),
                Param::Int(n) => query.bind(n),
            }
        }
        query
    }
}

/// @P1 = first day, @P2 = last day.
pub fn bind_range(range: DateRange) -> Vec<Param> {
    vec![Param::Date(range.from), Param::Date(range.to)]
}

/// @P1 = first day, @P2 = last day, @P3 = minimum co-occurrence.
pub fn bind_pairs(range: DateRange, min_co: u32) -> Vec<Param> {
    let mut params = bind_range(range);
    params.push(Param::Int(i64::from(min_co)));
    params
}

/// The connection test's `SELECT 1`.
pub fn select_one() -> Statement {
    Statement { sql: "SELECT 1", params: Vec::new() }
}

pub fn data_span() -> Statement {
    Statement { sql: DATA_SPAN, params: Vec::new() }
}

pub fn has_invoices() -> Statement {
    Statement { sql: HAS_INVOICES, params: Vec::new() }
}

pub fn item_sales(range: DateRange, basis: Basis) -> Statement {
    Statement { sql: &QUERIES.get(basis).item_sales, params: bind_range(range) }
}

pub fn basket_orders(range: DateRange, basis: Basis) -> Statement {
    Statement { sql: &QUERIES.get(basis).basket_orders, params: bind_range(range) }
}

pub fn basket_items(range: DateRange, basis: Basis) -> Statement {
    Statement { sql: &QUERIES.get(basis).basket_items, params: bind_range(range) }
}

pub fn basket_pairs(range: DateRange, min_co: u32, basis: Basis) -> Statement {
    Statement { sql: &QUERIES.get(basis).basket_pairs, params: bind_pairs(range, min_co) }
}

pub fn customers(range: DateRange, basis: Basis) -> Statement {
    Statement { sql: &QUERIES.get(basis).customers, params: bind_range(range) }
}

pub fn monthly_item_sales(range: DateRange, basis: Basis) -> Statement {
    Statement { sql: &QUERIES.get(basis).monthly_item_sales, params: bind_range(range) }
}

pub fn stock_item_name(id: i64) -> Statement {
    Statement { sql: STOCK_ITEM_NAME, params: vec![Param::Int(id)] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn range() -> DateRange {
        DateRange { from: day(2016, 1, 1), to: day(2016, 5, 31) }
    }

    /// Every statement the backend runs, with the parameter count its text must use: the two
    /// parameterless ones first, then each range statement of both bases.
    fn all_statements() -> Vec<(&'static str, Statement)> {
        let r = range();
        let mut all = vec![("data_span", data_span()), ("has_invoices", has_invoices())];
        for b in [Basis::Ordered, Basis::Invoiced] {
            all.extend([
                ("item_sales", item_sales(r, b)),
                ("basket_orders", basket_orders(r, b)),
                ("basket_items", basket_items(r, b)),
                ("basket_pairs", basket_pairs(r, 3, b)),
                ("customers", customers(r, b)),
                ("monthly_item_sales", monthly_item_sales(r, b)),
            ]);
        }
        all
    }

    fn range_statements(b: Basis) -> Vec<Statement> {
        let r = range();
        vec![
            item_sales(r, b),
            basket_orders(r, b),
            basket_items(r, b),
            basket_pairs(r, 3, b),
            customers(r, b),
            monthly_item_sales(r, b),
        ]
    }

    #[test]
    fn the_stock_item_lookup_binds_its_id() {
        let stmt = stock_item_name(-9_223_372_036_854_775_808);
        assert_eq!(stmt.params, vec![Param::Int(i64::MIN)]);
        assert_eq!(stmt.query().param_count(), 1);
        assert!(stmt.sql.contains("= @P1") && !stmt.sql.contains("@P2"));
    }

    /// The placeholder numbers in `sql` (`@P12` → 12), in order of appearance.
    fn placeholders(sql: &str) -> Vec<usize> {
        let mut found = Vec::new();
        let mut rest = sql;
        while let Some(at) = rest.find("@P") {
            let digits: String = rest[at + 2..].chars().take_while(char::is_ascii_digit).collect();
            assert!(!digits.is_empty(), "bare @P in {sql}");
            found.push(digits.parse().unwrap());
            rest = &rest[at + 2 + digits.len()..];
        }
        found
    }

    #[test]
    fn every_placeholder_has_exactly_one_bound_value() {
        for (name, stmt) in all_statements() {
            let used = placeholders(stmt.sql);
            let highest = used.iter().copied().max().unwrap_or(0);
            assert_eq!(
                highest,
                stmt.params.len(),
                "{name}: @P1..@P{highest} vs {} values",
                stmt.params.len()
            );
            for n in 1..=highest {
                assert!(used.contains(&n), "{name} never uses @P{n}");
            }
            assert_eq!(stmt.query().param_count(), stmt.params.len(), "{name}");
        }
    }

    #[test]
    fn range_queries_filter_on_both_ends_and_pairs_on_the_minimum() {
        for (name, stmt) in all_statements().into_iter().skip(2) {
            assert!(stmt.sql.contains("@P1"), "{name} lacks @P1");
            assert!(stmt.sql.contains("@P2"), "{name} lacks @P2");
        }
        for q in [QUERIES.get(Basis::Ordered), QUERIES.get(Basis::Invoiced)] {
            assert!(q.basket_pairs.contains("HAVING COUNT_BIG(*) >= @P3"));
            assert!(q.customers.contains("o.OrderDate <= @P2"), "recency must stop at the range end");
        }
        assert!(!DATA_SPAN.contains("@P") && !HAS_INVOICES.contains("@P"));
    }

    #[test]
    fn no_literal_dates_or_format_placeholders_in_the_text() {
        for (name, stmt) in all_statements() {
            let sql = stmt.sql;
            assert!(!sql.contains("'20") && !sql.contains("'19"), "{name} holds a literal date");
            assert!(!sql.contains('{') && !sql.contains('}'), "{name} holds a format placeholder");
            assert!(!sql.contains('?'), "{name} holds a SQLite placeholder");
            assert!(!sql.contains("$1") && !sql.contains(":from"), "{name} holds a foreign placeholder");
            assert!(!sql.contains("GETDATE") && !sql.contains("SYSDATETIME"), "{name} depends on the clock");
        }
    }

    #[test]
    fn money_is_summed_exactly_and_counts_are_bigint() {
        for q in [QUERIES.get(Basis::Ordered), QUERIES.get(Basis::Invoiced)] {
            for (name, sql) in [("item_sales", &q.item_sales), ("customers", &q.customers), ("monthly", &q.monthly_item_sales)] {
                assert!(sql.contains("SUM(l.Amount)") || sql.contains("SUM(m.Amount)"), "{name}");
                assert!(!sql.contains("FLOAT") && !sql.contains("REAL"), "{name} sums money through a float");
                assert!(!sql.contains("COUNT("), "{name}: COUNT returns INT, use COUNT_BIG");
            }
            for sql in [&q.basket_orders, &q.basket_items, &q.basket_pairs] {
                assert!(!sql.contains("COUNT("));
            }
            assert!(q.basket_pairs.contains("SELECT DISTINCT l.Purchase, l.StockItemID"));
            assert!(q.monthly_item_sales.contains("DATEFROMPARTS(YEAR(l.Day), MONTH(l.Day), 1)"));
            assert!(q.customers.contains("c.DeliveryCityID") && q.customers.contains("sp.SalesTerritory"));
        }
        assert!(QUERIES.get(Basis::Ordered).item_sales.contains("ol.Quantity * ol.UnitPrice AS Amount"));
        assert!(QUERIES.get(Basis::Invoiced).item_sales.contains("il.ExtendedPrice - il.TaxAmount AS Amount"), "ex tax");
    }

    #[test]
    fn each_basis_reads_its_own_lines_by_its_own_date() {
        for stmt in range_statements(Basis::Ordered) {
            assert!(stmt.sql.contains("JOIN Sales.OrderLines ol") && stmt.sql.contains("o.OrderDate BETWEEN @P1 AND @P2"));
            assert!(!stmt.sql.contains("Invoice"), "{}", stmt.sql);
        }
        for stmt in range_statements(Basis::Invoiced) {
            assert!(stmt.sql.contains("JOIN Sales.InvoiceLines il") && stmt.sql.contains("i.InvoiceDate BETWEEN @P1 AND @P2"));
            assert!(!stmt.sql.contains("Sales.OrderLines"), "{}", stmt.sql);
        }
        assert!(HAS_INVOICES.contains("OBJECT_ID(N'Sales.InvoiceLines', N'U') IS NULL"));
    }

    #[test]
    fn backorders_join_their_original_order_on_both_bases() {
        for b in [Basis::Ordered, Basis::Invoiced] {
            for stmt in range_statements(b) {
                assert!(stmt.sql.contains("LEFT JOIN Sales.Orders p ON p.BackorderOrderID = "), "{}", stmt.sql);
            }
            let q = QUERIES.get(b);
            for sql in [&q.basket_orders, &q.basket_items, &q.customers, &q.monthly_item_sales] {
                assert!(sql.contains("COUNT_BIG(DISTINCT l.Purchase)") || sql.contains("COUNT_BIG(DISTINCT m.Purchase)"), "{sql}");
                assert!(!sql.contains("DISTINCT o.OrderID") && !sql.contains("DISTINCT ol.OrderID"), "{sql}");
            }
        }
        assert!(QUERIES.get(Basis::Ordered).item_sales.contains("COALESCE(p.OrderID, o.OrderID) AS Purchase"));
        assert!(QUERIES.get(Basis::Invoiced).item_sales.contains("COALESCE(p.OrderID, i.OrderID, -i.InvoiceID) AS Purchase"));
    }

    #[test]
    fn range_values_are_bound_in_order() {
        let r = DateRange { from: day(2016, 1, 1), to: day(2016, 5, 31) };
        let expected = vec![Param::Date(day(2016, 1, 1)), Param::Date(day(2016, 5, 31))];
        assert_eq!(bind_range(r), expected);
        for b in [Basis::Ordered, Basis::Invoiced] {
            for stmt in [item_sales(r, b), basket_orders(r, b), basket_items(r, b), customers(r, b), monthly_item_sales(r, b)] {
                assert_eq!(stmt.params, expected, "{}", stmt.sql);
            }
        }
        // Swapped ends stay swapped: binding never reorders or "fixes" a range.
        let backwards = DateRange { from: day(2016, 5, 31), to: day(2016, 1, 1) };
        assert_eq!(bind_range(backwards), vec![Param::Date(day(2016, 5, 31)), Param::Date(day(2016, 1, 1))]);
    }

    #[test]
    fn pair_values_are_bound_in_order_with_the_minimum_last() {
        let r = range();
        for b in [Basis::Ordered, Basis::Invoiced] {
            let stmt = basket_pairs(r, 7, b);
            assert_eq!(stmt.sql, QUERIES.get(b).basket_pairs);
            assert_eq!(
                stmt.params,
                vec![Param::Date(day(2016, 1, 1)), Param::Date(day(2016, 5, 31)), Param::Int(7)]
            );
        }
        assert_eq!(bind_pairs(r, u32::MAX)[2], Param::Int(i64::from(u32::MAX)));
        assert_eq!(data_span().params, Vec::new());
        assert_eq!(has_invoices().params, Vec::new());
    }
}
