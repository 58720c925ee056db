//! The five analyses' aggregations in SQLite. Parameters: ?1 = first day, ?2 = last day
//! (inclusive, ISO dates), ?3 = minimum co-occurrence. DECIMAL(18,2) values are summed as
//! integer cents (`CENTS(x)` below, spelled out) so no amount ever passes through a float sum.

pub const DATA_SPAN: &str = "SELECT MIN(OrderDate), MAX(OrderDate) FROM Sales.Orders";

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

pub const BASKET_ORDERS: &str = "
SELECT COUNT(*) FROM Sales.Orders o
WHERE o.OrderDate BETWEEN ?1 AND ?2
  AND EXISTS (SELECT 1 FROM Sales.OrderLines ol WHERE ol.OrderID = o.OrderID)";

pub const BASKET_ITEMS: &str = "
SELECT ol.StockItemID, si.StockItemName, COUNT(DISTINCT ol.OrderID)
FROM Sales.Orders o
JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
JOIN Warehouse.StockItems si ON si.StockItemID = ol.StockItemID
WHERE o.OrderDate BETWEEN ?1 AND ?2
GROUP BY ol.StockItemID, si.StockItemName
ORDER BY ol.StockItemID";

/// Pairs counted once per order (an item on two lines of one order is one basket entry).
pub const BASKET_PAIRS: &str = "
WITH l AS MATERIALIZED (
    SELECT DISTINCT ol.OrderID, ol.StockItemID
    FROM Sales.Orders o
    JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
    WHERE o.OrderDate BETWEEN ?1 AND ?2
)
SELECT a.StockItemID, b.StockItemID, COUNT(*) AS CoOccurrence
FROM l a
JOIN l b ON b.OrderID = a.OrderID AND a.StockItemID < b.StockItemID
GROUP BY a.StockItemID, b.StockItemID
HAVING COUNT(*) >= ?3
ORDER BY a.StockItemID, b.StockItemID";

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

/// Per item and calendar month (the seed grouped by MONTH() alone, merging years).
pub const MONTHLY_ITEM_SALES: &str = "
SELECT ol.StockItemID, si.StockItemName, substr(o.OrderDate, 1, 7) AS Month,
       COALESCE(SUM(ol.Quantity * CAST(ROUND(ol.UnitPrice * 100) AS INTEGER)), 0),
       COUNT(DISTINCT o.OrderID), COUNT(*), SUM(ol.Quantity)
FROM Sales.Orders o
JOIN Sales.OrderLines ol ON ol.OrderID = o.OrderID
JOIN Warehouse.StockItems si ON si.StockItemID = ol.StockItemID
WHERE o.OrderDate BETWEEN ?1 AND ?2
GROUP BY ol.StockItemID, si.StockItemName, Month
ORDER BY ol.StockItemID, Month";
