//! The five analyses' aggregations in SQLite. Parameters: ?1 = first day, ?2 = last day
//! (inclusive, ISO dates), ?3 = minimum co-occurrence. DECIMAL(18,2) values are summed as
//! integer cents (`CENTS(x)` below, spelled out) so no amount ever passes through a float sum.

/// Two subqueries, not `SELECT MIN(..), MAX(..)`: SQLite answers a lone MIN or MAX from the index
/// in one step, but scans the whole index for the pair (9 ms at scale 1, on every page view).
pub const DATA_SPAN: &str =
    "SELECT (SELECT MIN(OrderDate) FROM Sales.Orders), (SELECT MAX(OrderDate) FROM Sales.Orders)";

pub const ITEM_SALES: &str = "
WITH s AS (
    SELECT ol.StockItemID,
           SUM(ol.Quantity * CAST(ROUND(ol.UnitPrice * 100) AS INTEGER)) AS RevenueCents,
           SUM(CAST(ROUND(ol.UnitPrice * 100) AS INTEGER))               AS PriceCents,
           COUNT(*)                                                       AS Lines,
           SUM(ol.Quantity)                                               AS Quantity,
           COUNT(DISTINCT o.CustomerID)                                   AS Customers
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.OrderDate BETWEEN ?1 AND ?2
    GROUP BY ol.StockItemID
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

/// Every (order, item) of the range, each order's rows together (index order, no sort):
/// baskets, item counts and pair counts are tallied in Rust in one pass, several times faster
/// than a self-join in SQLite.
pub const BASKET_LINES: &str = "
SELECT o.OrderID, ol.StockItemID
FROM Sales.Orders o
JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
WHERE o.OrderDate BETWEEN ?1 AND ?2
ORDER BY o.OrderDate, o.OrderID";

pub const ITEM_NAMES: &str = "SELECT StockItemID, StockItemName FROM Warehouse.StockItems";

pub const STOCK_ITEM_NAME: &str = "SELECT StockItemID, StockItemName FROM Warehouse.StockItems WHERE StockItemID = ?1";

/// Every customer with an order on or before the range end; spend and counts within the range,
/// recency up to the range end (not a literal date as in the seed).
pub const CUSTOMERS: &str = "
WITH r AS (
    SELECT o.CustomerID,
           COUNT(DISTINCT o.OrderID)                                     AS Orders,
           SUM(ol.Quantity * CAST(ROUND(ol.UnitPrice * 100) AS INTEGER)) AS SpentCents,
           COUNT(DISTINCT ol.StockItemID)                                AS Products
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.OrderDate BETWEEN ?1 AND ?2
    GROUP BY o.CustomerID
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
pub const MONTHLY_ITEM_SALES: &str = "
WITH m AS (
    SELECT ol.StockItemID, substr(o.OrderDate, 1, 7) AS Month,
           COALESCE(SUM(ol.Quantity * CAST(ROUND(ol.UnitPrice * 100) AS INTEGER)), 0) AS RevenueCents,
           COUNT(DISTINCT o.OrderID) AS Orders, COUNT(*) AS Lines, SUM(ol.Quantity) AS Quantity
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.OrderDate BETWEEN ?1 AND ?2
    GROUP BY ol.StockItemID, Month
)
SELECT m.StockItemID, si.StockItemName, m.Month, m.RevenueCents, m.Orders, m.Lines, m.Quantity
FROM m
JOIN Warehouse.StockItems si ON si.StockItemID = m.StockItemID
ORDER BY m.StockItemID, m.Month";
