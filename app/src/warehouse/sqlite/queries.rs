//! The five analyses' aggregations in SQLite. Parameters: ?1 = first day, ?2 = last day
//! (inclusive, ISO dates), ?3 = minimum co-occurrence. DECIMAL(18,2) values are summed as
//! integer cents (`CENTS(x)` below, spelled out) so no amount ever passes through a float sum.
//!
//! Each revenue analysis reads one of two line sources, same columns (`l` below): order lines by
//! order date, or invoice lines by invoice date, amounts ex tax. `Purchase` is the root order: an
//! order and its backorder (the original's `BackorderOrderID` points at it) are one purchase.

use crate::warehouse::{over_lines, ByBasis};

/// The four revenue queries of one basis.
pub struct BasisQueries {
    pub item_sales: String,
    pub basket_lines: String,
    pub customers: String,
    pub monthly_item_sales: String,
}

/// Two subqueries, not `SELECT MIN(..), MAX(..)`: SQLite answers a lone MIN or MAX from the index
/// in one step, but scans the whole index for the pair (9 ms at scale 1, on every page view).
pub const DATA_SPAN: &str = "SELECT (SELECT MIN(OrderDate) FROM Sales.Orders), (SELECT MAX(OrderDate) FROM Sales.Orders),
       EXISTS (SELECT 1 FROM Sales.InvoiceLines)";

/// Order lines of the range: (Purchase, CustomerID, Day, StockItemID, Quantity, PriceCents,
/// AmountCents = Quantity × UnitPrice).
const ORDERED_LINES: &str = "
    SELECT COALESCE(p.OrderID, o.OrderID) AS Purchase, o.CustomerID, o.OrderDate AS Day, ol.StockItemID,
           ol.Quantity, CAST(ROUND(ol.UnitPrice * 100) AS INTEGER) AS PriceCents,
           ol.Quantity * CAST(ROUND(ol.UnitPrice * 100) AS INTEGER) AS AmountCents
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    LEFT JOIN Sales.Orders p ON p.BackorderOrderID = o.OrderID
    WHERE o.OrderDate BETWEEN ?1 AND ?2";

/// Invoice lines of the range, same columns; the amount ex tax is ExtendedPrice − TaxAmount (as
/// WWI's "Total Excluding Tax"). An invoice without an order is a purchase of its own.
const INVOICED_LINES: &str = "
    SELECT COALESCE(p.OrderID, i.OrderID, -i.InvoiceID) AS Purchase, i.CustomerID, i.InvoiceDate AS Day,
           il.StockItemID, il.Quantity, CAST(ROUND(il.UnitPrice * 100) AS INTEGER) AS PriceCents,
           CAST(ROUND(il.ExtendedPrice * 100) AS INTEGER) - CAST(ROUND(il.TaxAmount * 100) AS INTEGER) AS AmountCents
    FROM Sales.Invoices i
    JOIN Sales.InvoiceLines il ON il.InvoiceID = i.InvoiceID
    LEFT JOIN Sales.Orders p ON p.BackorderOrderID = i.OrderID
    WHERE i.InvoiceDate BETWEEN ?1 AND ?2";

const ITEM_SALES: &str = ",
s AS (
    SELECT StockItemID, SUM(AmountCents) AS RevenueCents, SUM(PriceCents) AS PriceCents, COUNT(*) AS Lines,
           SUM(Quantity) AS Quantity, COUNT(DISTINCT CustomerID) AS Customers
    FROM l
    GROUP BY StockItemID
)
SELECT si.StockItemID, si.StockItemName, c.ColorName, si.Brand, si.Size,
       COALESCE(s.RevenueCents, 0), COALESCE(s.PriceCents, 0), COALESCE(s.Lines, 0),
       COALESCE(s.Quantity, 0), COALESCE(s.Customers, 0),
       COALESCE(h.QuantityOnHand, 0), COALESCE(h.ReorderLevel, 0),
       COALESCE(CAST(ROUND(h.LastCostPrice * 100) AS INTEGER), 0)
FROM Warehouse.StockItems si
LEFT JOIN Warehouse.Colors c ON c.ColorID = si.ColorID
LEFT JOIN Warehouse.StockItemHoldings h ON h.StockItemID = si.StockItemID
LEFT JOIN s ON s.StockItemID = si.StockItemID
ORDER BY si.StockItemID";

/// Every (purchase, item) of the range, each purchase's rows together: baskets, item counts and
/// pair counts are tallied in Rust in one pass, several times faster than a self-join in SQLite.
const BASKET_LINES: &str = "\nSELECT Purchase, StockItemID FROM l ORDER BY Purchase";

/// Every customer with an order on or before the range end; spend and counts within the range,
/// recency up to the range end (not a literal date as in the seed), on orders for both bases.
const CUSTOMERS: &str = ",
r AS (
    SELECT CustomerID, COUNT(DISTINCT Purchase) AS Orders, SUM(AmountCents) AS SpentCents,
           COUNT(DISTINCT StockItemID) AS Products
    FROM l
    GROUP BY CustomerID
),
last AS (
    SELECT CustomerID, MAX(OrderDate) AS LastOrder
    FROM Sales.Orders
    WHERE OrderDate <= ?2
    GROUP BY CustomerID
)
SELECT c.CustomerID, c.CustomerName, COALESCE(sp.SalesTerritory, ''),
       COALESCE(r.Orders, 0), COALESCE(r.SpentCents, 0), COALESCE(r.Products, 0), last.LastOrder
FROM last
JOIN Sales.Customers c ON c.CustomerID = last.CustomerID
LEFT JOIN r ON r.CustomerID = last.CustomerID
LEFT JOIN Application.Cities ci ON ci.CityID = c.DeliveryCityID
LEFT JOIN Application.StateProvinces sp ON sp.StateProvinceID = ci.StateProvinceID
ORDER BY c.CustomerID";

/// Per item and calendar month (the seed grouped by MONTH() alone, merging years). Names are
/// joined after the aggregation, on a few thousand rows instead of every line.
const MONTHLY_ITEM_SALES: &str = ",
m AS (
    SELECT StockItemID, substr(Day, 1, 7) AS Month, COALESCE(SUM(AmountCents), 0) AS RevenueCents,
           COUNT(DISTINCT Purchase) AS Orders, COUNT(*) AS Lines, SUM(Quantity) AS Quantity
    FROM l
    GROUP BY StockItemID, Month
)
SELECT m.StockItemID, si.StockItemName, m.Month, m.RevenueCents, m.Orders, m.Lines, m.Quantity
FROM m
JOIN Warehouse.StockItems si ON si.StockItemID = m.StockItemID
ORDER BY m.StockItemID, m.Month";

pub(super) static QUERIES: ByBasis<BasisQueries> = ByBasis::new(ORDERED_LINES, INVOICED_LINES, |lines| BasisQueries {
    item_sales: over_lines(lines, ITEM_SALES),
    basket_lines: over_lines(lines, BASKET_LINES),
    customers: over_lines(lines, CUSTOMERS),
    monthly_item_sales: over_lines(lines, MONTHLY_ITEM_SALES),
});

pub const ITEM_NAMES: &str = "SELECT StockItemID, StockItemName FROM Warehouse.StockItems";

pub const STOCK_ITEM_NAME: &str = "SELECT StockItemID, StockItemName FROM Warehouse.StockItems WHERE StockItemID = ?1";
