-- WideWorldImporters invoices: what was billed, by invoice date. WWI's own reporting counts sales
-- from these (ex tax: ExtendedPrice - TaxAmount); an order may never be invoiced and a backorder
-- is invoiced when it ships. Columns as in WWI (SSDT definitions); delivery, people and audit
-- columns the analyses do not read are left out.

CREATE TABLE Sales.Invoices (
    InvoiceID                   INTEGER PRIMARY KEY,
    CustomerID                  INTEGER NOT NULL REFERENCES Customers(CustomerID),
    BillToCustomerID            INTEGER NOT NULL,
    OrderID                     INTEGER REFERENCES Orders(OrderID),
    SalespersonPersonID         INTEGER NOT NULL,
    InvoiceDate                 TEXT NOT NULL,  -- DATE, ISO yyyy-mm-dd
    CustomerPurchaseOrderNumber TEXT,
    IsCreditNote                INTEGER NOT NULL,
    TotalDryItems               INTEGER NOT NULL,
    TotalChillerItems           INTEGER NOT NULL
);
CREATE INDEX Sales.IX_Invoices_InvoiceDate ON Invoices (InvoiceDate, InvoiceID, CustomerID, OrderID);
CREATE INDEX Sales.IX_Invoices_OrderID ON Invoices (OrderID);

CREATE TABLE Sales.InvoiceLines (
    InvoiceLineID INTEGER PRIMARY KEY,
    InvoiceID     INTEGER NOT NULL REFERENCES Invoices(InvoiceID),
    StockItemID   INTEGER NOT NULL,
    Description   TEXT NOT NULL,
    PackageTypeID INTEGER NOT NULL,
    Quantity      INTEGER NOT NULL,
    UnitPrice     DECIMAL(18,2),
    TaxRate       DECIMAL(18,3) NOT NULL,
    TaxAmount     DECIMAL(18,2) NOT NULL,
    LineProfit    DECIMAL(18,2) NOT NULL,
    ExtendedPrice DECIMAL(18,2) NOT NULL
);
-- Covering index: the invoiced analyses read (InvoiceID → item, quantity, prices).
CREATE INDEX Sales.IX_InvoiceLines_Invoice ON InvoiceLines (InvoiceID, StockItemID, Quantity, UnitPrice, ExtendedPrice, TaxAmount);

-- An order and its backorder are one purchase: the analyses look the parent up by backorder.
CREATE INDEX Sales.IX_Orders_BackorderOrderID ON Orders (BackorderOrderID);
