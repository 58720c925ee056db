//! The five analyses' aggregations in T-SQL, mirroring `sqlite/queries.rs` column for column.
//!
//! Parameters are always bound, never formatted into the text: @P1 = first day (DATE), @P2 = last
//! day (DATE, inclusive), @P3 = minimum co-occurrence (BIGINT). Money is summed exactly as
//! DECIMAL (`Quantity * UnitPrice` of a DECIMAL(18,2) is DECIMAL(29,2), its SUM DECIMAL(38,2));
//! counts are COUNT_BIG and quantity sums are widened to BIGINT, so every count is read as i64.

use chrono::NaiveDate;
use tiberius::Query;

use crate::sales::model::DateRange;

pub const DATA_SPAN: &str = "SELECT MIN(o.OrderDate), MAX(o.OrderDate) FROM Sales.Orders o";

/// Every stock item, sold in the range or not, with its current holding.
pub const ITEM_SALES: &str = "
WITH s AS (
    SELECT ol.StockItemID,
           SUM(ol.Quantity * ol.UnitPrice)  AS Revenue,
           SUM(ol.UnitPrice)                AS PriceSum,
           COUNT_BIG(*)                     AS Lines,
           SUM(CAST(ol.Quantity AS BIGINT)) AS Quantity,
           COUNT_BIG(DISTINCT o.CustomerID) AS Customers
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.OrderDate BETWEEN @P1 AND @P2
    GROUP BY ol.StockItemID
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

/// Orders in the range that have at least one line (an order without lines is no basket).
pub const BASKET_ORDERS: &str = "
SELECT COUNT_BIG(*) FROM Sales.Orders o
WHERE o.OrderDate BETWEEN @P1 AND @P2
  AND EXISTS (SELECT 1 FROM Sales.OrderLines ol WHERE ol.OrderID = o.OrderID)";

pub const BASKET_ITEMS: &str = "
SELECT ol.StockItemID, si.StockItemName, COUNT_BIG(DISTINCT ol.OrderID)
FROM Sales.Orders o
JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
JOIN Warehouse.StockItems si ON si.StockItemID = ol.StockItemID
WHERE o.OrderDate BETWEEN @P1 AND @P2
GROUP BY ol.StockItemID, si.StockItemName
ORDER BY ol.StockItemID";

/// Pairs counted once per order (an item on two lines of one order is one basket entry).
pub const BASKET_PAIRS: &str = "
WITH l AS (
    SELECT DISTINCT ol.OrderID, ol.StockItemID
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.OrderDate BETWEEN @P1 AND @P2
)
SELECT a.StockItemID, b.StockItemID, COUNT_BIG(*) AS CoOccurrence
FROM l a
JOIN l b ON b.OrderID = a.OrderID AND a.StockItemID < b.StockItemID
GROUP BY a.StockItemID, b.StockItemID
HAVING COUNT_BIG(*) >= @P3
ORDER BY a.StockItemID, b.StockItemID";

/// Every customer with an order on or before the range end; spend and counts within the range,
/// recency up to the range end. Region: delivery city → state/province → sales territory.
pub const CUSTOMERS: &str = "
WITH r AS (
    SELECT o.CustomerID,
           COUNT_BIG(DISTINCT o.OrderID)      AS Orders,
           SUM(ol.Quantity * ol.UnitPrice)    AS Spent,
           COUNT_BIG(DISTINCT ol.StockItemID) AS Products
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.OrderDate BETWEEN @P1 AND @P2
    GROUP BY o.CustomerID
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
pub const MONTHLY_ITEM_SALES: &str = "
SELECT m.StockItemID, si.StockItemName, m.OrderMonth,
       COALESCE(SUM(m.Quantity * m.UnitPrice), 0),
       COUNT_BIG(DISTINCT m.OrderID), COUNT_BIG(*), SUM(CAST(m.Quantity AS BIGINT))
FROM (
    SELECT ol.StockItemID, o.OrderID, ol.Quantity, ol.UnitPrice,
           DATEFROMPARTS(YEAR(o.OrderDate), MONTH(o.OrderDate), 1) AS OrderMonth
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.OrderDate BETWEEN @P1 AND @P2
) m
JOIN Warehouse.StockItems si ON si.StockItemID = m.StockItemID
GROUP BY m.StockItemID, si.StockItemName, m.OrderMonth
ORDER BY m.StockItemID, m.OrderMonth";

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

pub fn data_span() -> Statement {
    Statement { sql: DATA_SPAN, params: Vec::new() }
}

pub fn item_sales(range: DateRange) -> Statement {
    Statement { sql: ITEM_SALES, params: bind_range(range) }
}

pub fn basket_orders(range: DateRange) -> Statement {
    Statement { sql: BASKET_ORDERS, params: bind_range(range) }
}

pub fn basket_items(range: DateRange) -> Statement {
    Statement { sql: BASKET_ITEMS, params: bind_range(range) }
}

pub fn basket_pairs(range: DateRange, min_co: u32) -> Statement {
    Statement { sql: BASKET_PAIRS, params: bind_pairs(range, min_co) }
}

pub fn customers(range: DateRange) -> Statement {
    Statement { sql: CUSTOMERS, params: bind_range(range) }
}

pub fn monthly_item_sales(range: DateRange) -> Statement {
    Statement { sql: MONTHLY_ITEM_SALES, params: bind_range(range) }
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

    /// Every statement the backend runs, with the parameter count its text must use.
    fn all_statements() -> Vec<(&'static str, Statement)> {
        let r = range();
        vec![
            ("data_span", data_span()),
            ("item_sales", item_sales(r)),
            ("basket_orders", basket_orders(r)),
            ("basket_items", basket_items(r)),
            ("basket_pairs", basket_pairs(r, 3)),
            ("customers", customers(r)),
            ("monthly_item_sales", monthly_item_sales(r)),
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
        for (name, stmt) in all_statements().into_iter().skip(1) {
            assert!(stmt.sql.contains("@P1"), "{name} lacks @P1");
            assert!(stmt.sql.contains("@P2"), "{name} lacks @P2");
        }
        assert!(BASKET_PAIRS.contains("HAVING COUNT_BIG(*) >= @P3"));
        assert!(CUSTOMERS.contains("o.OrderDate <= @P2"), "recency must stop at the range end");
        assert!(!DATA_SPAN.contains("@P"));
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
        for (name, sql) in
            [("item_sales", ITEM_SALES), ("customers", CUSTOMERS), ("monthly", MONTHLY_ITEM_SALES)]
        {
            assert!(sql.contains("Quantity * ") && sql.contains("UnitPrice)"), "{name}");
            assert!(!sql.contains("FLOAT") && !sql.contains("REAL"), "{name} sums money through a float");
            assert!(!sql.contains("COUNT("), "{name}: COUNT returns INT, use COUNT_BIG");
        }
        for sql in [BASKET_ORDERS, BASKET_ITEMS, BASKET_PAIRS] {
            assert!(!sql.contains("COUNT("));
        }
        assert!(BASKET_PAIRS.contains("SELECT DISTINCT ol.OrderID, ol.StockItemID"));
        assert!(BASKET_ORDERS.contains("EXISTS"), "orders without lines are not baskets");
        assert!(MONTHLY_ITEM_SALES.contains("DATEFROMPARTS(YEAR(o.OrderDate), MONTH(o.OrderDate), 1)"));
        assert!(CUSTOMERS.contains("c.DeliveryCityID") && CUSTOMERS.contains("sp.SalesTerritory"));
    }

    #[test]
    fn range_values_are_bound_in_order() {
        let r = DateRange { from: day(2016, 1, 1), to: day(2016, 5, 31) };
        let expected = vec![Param::Date(day(2016, 1, 1)), Param::Date(day(2016, 5, 31))];
        assert_eq!(bind_range(r), expected);
        for stmt in [item_sales(r), basket_orders(r), basket_items(r), customers(r), monthly_item_sales(r)] {
            assert_eq!(stmt.params, expected, "{}", stmt.sql);
        }
        // Swapped ends stay swapped: binding never reorders or "fixes" a range.
        let backwards = DateRange { from: day(2016, 5, 31), to: day(2016, 1, 1) };
        assert_eq!(bind_range(backwards), vec![Param::Date(day(2016, 5, 31)), Param::Date(day(2016, 1, 1))]);
    }

    #[test]
    fn pair_values_are_bound_in_order_with_the_minimum_last() {
        let r = range();
        let stmt = basket_pairs(r, 7);
        assert_eq!(stmt.sql, BASKET_PAIRS);
        assert_eq!(
            stmt.params,
            vec![Param::Date(day(2016, 1, 1)), Param::Date(day(2016, 5, 31)), Param::Int(7)]
        );
        assert_eq!(bind_pairs(r, u32::MAX)[2], Param::Int(i64::from(u32::MAX)));
        assert_eq!(data_span().params, Vec::new());
    }
}
