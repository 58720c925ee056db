-- WideWorldImporters, the tables the sales analyses read, in SQLite.
-- Each WWI schema is an attached database (Sales, Warehouse, Application, Purchasing), so the
-- queries keep SQL Server's schema-qualified names: Sales.Orders, Warehouse.StockItems, ...
-- Column names and meanings follow Microsoft's SSDT definitions (see ../shared/research/wwi-facts.md §3);
-- SQL Server-only columns (geography, temporal periods, photos) are left out.
-- DECIMAL(18,2) columns hold values with at most two decimals; queries sum them in integer cents.

CREATE TABLE Application.StateProvinces (
    StateProvinceID   INTEGER PRIMARY KEY,
    StateProvinceCode TEXT NOT NULL,
    StateProvinceName TEXT NOT NULL UNIQUE,
    CountryID         INTEGER NOT NULL,
    SalesTerritory    TEXT NOT NULL
);

CREATE TABLE Application.Cities (
    CityID                   INTEGER PRIMARY KEY,
    CityName                 TEXT NOT NULL,
    StateProvinceID          INTEGER NOT NULL REFERENCES StateProvinces(StateProvinceID),
    LatestRecordedPopulation INTEGER
);

CREATE TABLE Purchasing.Suppliers (
    SupplierID   INTEGER PRIMARY KEY,
    SupplierName TEXT NOT NULL UNIQUE
);

CREATE TABLE Warehouse.Colors (
    ColorID   INTEGER PRIMARY KEY,
    ColorName TEXT NOT NULL UNIQUE
);

CREATE TABLE Warehouse.PackageTypes (
    PackageTypeID   INTEGER PRIMARY KEY,
    PackageTypeName TEXT NOT NULL UNIQUE
);

CREATE TABLE Warehouse.StockGroups (
    StockGroupID   INTEGER PRIMARY KEY,
    StockGroupName TEXT NOT NULL UNIQUE
);

CREATE TABLE Warehouse.StockItems (
    StockItemID            INTEGER PRIMARY KEY,
    StockItemName          TEXT NOT NULL UNIQUE,
    SupplierID             INTEGER NOT NULL,
    ColorID                INTEGER REFERENCES Colors(ColorID),
    UnitPackageID          INTEGER NOT NULL REFERENCES PackageTypes(PackageTypeID),
    OuterPackageID         INTEGER NOT NULL REFERENCES PackageTypes(PackageTypeID),
    Brand                  TEXT,
    Size                   TEXT,
    LeadTimeDays           INTEGER NOT NULL,
    QuantityPerOuter       INTEGER NOT NULL,
    IsChillerStock         INTEGER NOT NULL,
    Barcode                TEXT,
    TaxRate                DECIMAL(18,3) NOT NULL,
    UnitPrice              DECIMAL(18,2) NOT NULL,
    RecommendedRetailPrice DECIMAL(18,2),
    TypicalWeightPerUnit   DECIMAL(18,3) NOT NULL,
    MarketingComments      TEXT,
    InternalComments       TEXT,
    CustomFields           TEXT,
    -- SQL Server: CONCAT(StockItemName, N' ', MarketingComments), NULL read as ''.
    SearchDetails          TEXT GENERATED ALWAYS AS (StockItemName || ' ' || COALESCE(MarketingComments, '')) VIRTUAL
);

CREATE TABLE Warehouse.StockItemHoldings (
    StockItemID           INTEGER PRIMARY KEY REFERENCES StockItems(StockItemID),
    QuantityOnHand        INTEGER NOT NULL,
    BinLocation           TEXT NOT NULL,
    LastStocktakeQuantity INTEGER NOT NULL,
    LastCostPrice         DECIMAL(18,2) NOT NULL,
    ReorderLevel          INTEGER NOT NULL,
    TargetStockLevel      INTEGER NOT NULL
);

CREATE TABLE Warehouse.StockItemStockGroups (
    StockItemStockGroupID INTEGER PRIMARY KEY,
    StockItemID           INTEGER NOT NULL REFERENCES StockItems(StockItemID),
    StockGroupID          INTEGER NOT NULL REFERENCES StockGroups(StockGroupID),
    UNIQUE (StockItemID, StockGroupID)
);

CREATE TABLE Sales.CustomerCategories (
    CustomerCategoryID   INTEGER PRIMARY KEY,
    CustomerCategoryName TEXT NOT NULL UNIQUE
);

CREATE TABLE Sales.BuyingGroups (
    BuyingGroupID   INTEGER PRIMARY KEY,
    BuyingGroupName TEXT NOT NULL UNIQUE
);

CREATE TABLE Sales.Customers (
    CustomerID                 INTEGER PRIMARY KEY,
    CustomerName               TEXT NOT NULL UNIQUE,
    BillToCustomerID           INTEGER NOT NULL,
    CustomerCategoryID         INTEGER NOT NULL REFERENCES CustomerCategories(CustomerCategoryID),
    BuyingGroupID              INTEGER REFERENCES BuyingGroups(BuyingGroupID),
    DeliveryCityID             INTEGER NOT NULL,
    PostalCityID               INTEGER NOT NULL,
    CreditLimit                DECIMAL(18,2),
    AccountOpenedDate          TEXT NOT NULL,   -- DATE, ISO yyyy-mm-dd
    StandardDiscountPercentage DECIMAL(18,3) NOT NULL,
    IsOnCreditHold             INTEGER NOT NULL,
    PaymentDays                INTEGER NOT NULL,
    PhoneNumber                TEXT NOT NULL,
    WebsiteURL                 TEXT NOT NULL,
    DeliveryAddressLine1       TEXT NOT NULL,
    DeliveryAddressLine2       TEXT,
    DeliveryPostalCode         TEXT NOT NULL
);

CREATE TABLE Sales.Orders (
    OrderID                     INTEGER PRIMARY KEY,
    CustomerID                  INTEGER NOT NULL REFERENCES Customers(CustomerID),
    SalespersonPersonID         INTEGER NOT NULL,
    BackorderOrderID            INTEGER,
    OrderDate                   TEXT NOT NULL,  -- DATE, ISO yyyy-mm-dd
    ExpectedDeliveryDate        TEXT NOT NULL,
    CustomerPurchaseOrderNumber TEXT,
    IsUndersupplyBackordered    INTEGER NOT NULL
);
CREATE INDEX Sales.IX_Orders_OrderDate ON Orders (OrderDate, OrderID, CustomerID);
CREATE INDEX Sales.IX_Orders_CustomerID ON Orders (CustomerID, OrderDate);

CREATE TABLE Sales.OrderLines (
    OrderLineID    INTEGER PRIMARY KEY,
    OrderID        INTEGER NOT NULL REFERENCES Orders(OrderID),
    StockItemID    INTEGER NOT NULL,
    Description    TEXT NOT NULL,
    PackageTypeID  INTEGER NOT NULL,
    Quantity       INTEGER NOT NULL,
    UnitPrice      DECIMAL(18,2),
    TaxRate        DECIMAL(18,3) NOT NULL,
    PickedQuantity INTEGER NOT NULL
);
-- Covering index: every analysis reads (OrderID → StockItemID, Quantity, UnitPrice).
CREATE INDEX Sales.IX_OrderLines_Order ON OrderLines (OrderID, StockItemID, Quantity, UnitPrice);
CREATE INDEX Sales.IX_OrderLines_StockItemID ON OrderLines (StockItemID);
