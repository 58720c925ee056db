//! Writing a [`Dataset`] into the attached WWI schemas, and the completion mark.
//!
//! Money is held in integer cents and bound as `cents / 100` (SQLite stores DECIMAL(18,2) as
//! REAL; every value has at most two decimals and the queries re-round to cents).

use chrono::Days;
use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::reference::*;
use super::simulate::next_weekday;
use super::{Dataset, GeneratorSpec, GENERATOR_VERSION};
use crate::warehouse::WarehouseError;

/// Rows per multi-row INSERT (at most 17 columns × 500 = 8,500 parameters per statement).
const ROWS_PER_STATEMENT: usize = 500;

const CREATE_RUNS: &str = "
CREATE TABLE IF NOT EXISTS main.GeneratorRuns (
    RunID       INTEGER PRIMARY KEY,
    Version     INTEGER NOT NULL,
    Scale       INTEGER NOT NULL,
    Seed        TEXT    NOT NULL,
    StartDate   TEXT    NOT NULL,
    EndDate     TEXT    NOT NULL,
    Orders      INTEGER NOT NULL,
    OrderLines  INTEGER NOT NULL,
    Customers   INTEGER NOT NULL,
    StockItems  INTEGER NOT NULL,
    GeneratedAt TEXT    NOT NULL
)";

/// Children before parents (foreign keys are enforced).
const TABLES_CHILD_FIRST: [&str; 17] = [
    "main.GeneratorRuns",
    "Sales.InvoiceLines",
    "Sales.Invoices",
    "Sales.OrderLines",
    "Sales.Orders",
    "Sales.Customers",
    "Sales.BuyingGroups",
    "Sales.CustomerCategories",
    "Warehouse.StockItemStockGroups",
    "Warehouse.StockItemHoldings",
    "Warehouse.StockItems",
    "Warehouse.StockGroups",
    "Warehouse.PackageTypes",
    "Warehouse.Colors",
    "Purchasing.Suppliers",
    "Application.Cities",
    "Application.StateProvinces",
];

const TABLE_COUNTS: &str = "SELECT (SELECT COUNT(*) FROM Sales.Orders), (SELECT COUNT(*) FROM Sales.OrderLines),
       (SELECT COUNT(*) FROM Sales.Customers), (SELECT COUNT(*) FROM Warehouse.StockItems)";

/// The value bound into a DECIMAL(18,2) column. SQLite has no decimal type: with NUMERIC
/// affinity it stores '12.50' as the REAL 12.5 whatever is bound, so the amount is bound as that
/// REAL here; every query reads it back as exact integer cents (ROUND(x * 100)), and nothing is
/// ever summed in floating point. Amounts are generated as integer cents.
fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

fn thousandths(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

/// `head` is `INSERT INTO table (columns) `; `bind` pushes one row's values.
async fn insert_rows<'a, T: 'a>(
    conn: &mut SqliteConnection,
    head: &str,
    rows: &'a [T],
    mut bind: impl FnMut(Separated<'_, 'a, Sqlite, &'static str>, &'a T),
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<'a, Sqlite> = QueryBuilder::new(head);
        qb.push_values(chunk, &mut bind);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The columns order and invoice lines start with: (line ID, order or invoice ID, StockItemID,
/// Description, PackageTypeID, Quantity).
fn push_line_head<'r, 'q, 'a>(
    r: &'r mut Separated<'q, 'a, Sqlite, &'static str>,
    id: u32,
    parent: u32,
    item: &'a super::catalog::ItemDef,
    quantity: u32,
) -> &'r mut Separated<'q, 'a, Sqlite, &'static str> {
    r.push_bind(i64::from(id))
        .push_bind(i64::from(parent))
        .push_bind(item.id)
        .push_bind(item.name.as_str())
        .push_bind(item.unit_package)
        .push_bind(i64::from(quantity))
}

pub(crate) async fn is_generated(pool: &SqlitePool) -> Result<bool, WarehouseError> {
    let table: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'GeneratorRuns'")
            .fetch_optional(pool)
            .await?;
    if table.is_none() {
        return Ok(false);
    }
    let run = sqlx::query(
        "SELECT Version, Orders, OrderLines, Customers, StockItems FROM main.GeneratorRuns ORDER BY RunID DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    let Some(run) = run else { return Ok(false) };
    if run.try_get::<i64, _>(0)? != GENERATOR_VERSION {
        return Ok(false);
    }
    let counts = sqlx::query(TABLE_COUNTS).fetch_one(pool).await?;
    for i in 0..4 {
        if run.try_get::<i64, _>(i + 1)? != counts.try_get::<i64, _>(i)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Replaces every generated table's rows with `data` and records the run, in one transaction.
pub(crate) async fn write(pool: &SqlitePool, spec: &GeneratorSpec, data: &Dataset) -> Result<(), WarehouseError> {
    let mut tx = pool.begin().await?;
    sqlx::query(CREATE_RUNS).execute(&mut *tx).await?;
    for table in TABLES_CHILD_FIRST {
        // Table names are our constants, never input.
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
    }
    write_reference(&mut tx, data).await?;
    write_items(&mut tx, data).await?;
    write_customers(&mut tx, data).await?;
    write_sales(&mut tx, spec, data).await?;
    write_invoices(&mut tx, spec, data).await?;
    sqlx::query(
        "INSERT INTO main.GeneratorRuns (Version, Scale, Seed, StartDate, EndDate, Orders, OrderLines, Customers,
                                         StockItems, GeneratedAt)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(GENERATOR_VERSION)
    .bind(i64::from(spec.scale))
    .bind(spec.seed.to_string())
    .bind(spec.start.to_string())
    .bind(spec.end.to_string())
    .bind(data.sales.orders.len() as i64)
    .bind(data.sales.lines.len() as i64)
    .bind(data.customers.len() as i64)
    .bind(data.items.len() as i64)
    .bind(chrono::Utc::now().to_rfc3339())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn write_reference(conn: &mut SqliteConnection, data: &Dataset) -> Result<(), sqlx::Error> {
    let states: Vec<(i64, &(&str, &str, &str))> = STATE_PROVINCES
        .iter()
        .enumerate()
        .map(|(i, s)| (i as i64 + 1, s))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO Application.StateProvinces (StateProvinceID, StateProvinceCode, StateProvinceName, CountryID, SalesTerritory) ",
        &states,
        |mut r, (id, (code, name, territory))| {
            r.push_bind(*id).push_bind(*code).push_bind(*name).push_bind(COUNTRY_ID).push_bind(*territory);
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO Application.Cities (CityID, CityName, StateProvinceID, LatestRecordedPopulation) ",
        &data.cities,
        |mut r, c| {
            r.push_bind(c.id)
                .push_bind(c.name.as_str())
                .push_bind(c.state)
                .push_bind(c.population);
        },
    )
    .await?;
    let named = |names: &'static [&'static str]| -> Vec<(i64, &'static str)> {
        names.iter().enumerate().map(|(i, n)| (i as i64 + 1, *n)).collect()
    };
    for (head, rows) in [
        (
            "INSERT INTO Purchasing.Suppliers (SupplierID, SupplierName) ",
            named(&SUPPLIERS),
        ),
        ("INSERT INTO Warehouse.Colors (ColorID, ColorName) ", named(&COLORS)),
        (
            "INSERT INTO Warehouse.PackageTypes (PackageTypeID, PackageTypeName) ",
            named(&PACKAGE_TYPES),
        ),
        (
            "INSERT INTO Warehouse.StockGroups (StockGroupID, StockGroupName) ",
            named(&STOCK_GROUPS),
        ),
        (
            "INSERT INTO Sales.CustomerCategories (CustomerCategoryID, CustomerCategoryName) ",
            named(&CUSTOMER_CATEGORIES),
        ),
    ] {
        insert_rows(conn, head, &rows, |mut r, (id, name)| {
            r.push_bind(*id).push_bind(*name);
        })
        .await?;
    }
    insert_rows(
        conn,
        "INSERT INTO Sales.BuyingGroups (BuyingGroupID, BuyingGroupName) ",
        &BUYING_GROUPS,
        |mut r, g| {
            r.push_bind(g.0).push_bind(g.1);
        },
    )
    .await
}

async fn write_items(conn: &mut SqliteConnection, data: &Dataset) -> Result<(), sqlx::Error> {
    insert_rows(
        conn,
        "INSERT INTO Warehouse.StockItems (StockItemID, StockItemName, SupplierID, ColorID, UnitPackageID,
             OuterPackageID, Brand, Size, LeadTimeDays, QuantityPerOuter, IsChillerStock, Barcode, TaxRate,
             UnitPrice, RecommendedRetailPrice, TypicalWeightPerUnit, MarketingComments, InternalComments,
             CustomFields) ",
        &data.items,
        |mut r, it| {
            r.push_bind(it.id)
                .push_bind(it.name.as_str())
                .push_bind(it.supplier)
                .push_bind(it.color_id())
                .push_bind(it.unit_package)
                .push_bind(it.outer_package)
                .push_bind(it.brand)
                .push_bind(it.size.as_deref())
                .push_bind(it.lead_time_days)
                .push_bind(it.quantity_per_outer)
                .push_bind(i64::from(it.chiller))
                .push_bind(it.barcode_text())
                .push_bind(thousandths(it.tax_rate_milli))
                .push_bind(money(it.unit_price_cents))
                .push_bind(money(it.rrp_cents()))
                .push_bind(thousandths(it.weight_grams))
                .push_bind(it.marketing)
                .push_bind(it.added.map(|d| format!("Added to the range on {d}.")))
                .push_bind(it.custom_fields());
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO Warehouse.StockItemHoldings (StockItemID, QuantityOnHand, BinLocation, LastStocktakeQuantity,
             LastCostPrice, ReorderLevel, TargetStockLevel) ",
        &data.holdings,
        |mut r, h| {
            r.push_bind(h.item)
                .push_bind(h.on_hand)
                .push_bind(h.bin.as_str())
                .push_bind(h.stocktake)
                .push_bind(money(h.last_cost_cents))
                .push_bind(h.reorder_level)
                .push_bind(h.target_level);
        },
    )
    .await?;
    let links: Vec<(i64, i64)> = data
        .items
        .iter()
        .flat_map(|it| it.groups.iter().map(move |g| (it.id, *g)))
        .collect();
    let links: Vec<(i64, i64, i64)> = links
        .into_iter()
        .enumerate()
        .map(|(i, (item, g))| (i as i64 + 1, item, g))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO Warehouse.StockItemStockGroups (StockItemStockGroupID, StockItemID, StockGroupID) ",
        &links,
        |mut r, (id, item, group)| {
            r.push_bind(*id).push_bind(*item).push_bind(*group);
        },
    )
    .await
}

async fn write_customers(conn: &mut SqliteConnection, data: &Dataset) -> Result<(), sqlx::Error> {
    insert_rows(
        conn,
        "INSERT INTO Sales.Customers (CustomerID, CustomerName, BillToCustomerID, CustomerCategoryID, BuyingGroupID,
             DeliveryCityID, PostalCityID, CreditLimit, AccountOpenedDate, StandardDiscountPercentage,
             IsOnCreditHold, PaymentDays, PhoneNumber, WebsiteURL, DeliveryAddressLine1, DeliveryAddressLine2,
             DeliveryPostalCode) ",
        &data.customers,
        |mut r, c| {
            r.push_bind(c.id)
                .push_bind(c.name.as_str())
                .push_bind(c.bill_to)
                .push_bind(c.category)
                .push_bind(c.buying_group)
                .push_bind(c.delivery_city)
                .push_bind(c.postal_city)
                .push_bind(c.credit_limit_cents.map(money))
                .push_bind(c.opened.to_string())
                .push_bind(0.0f64)
                .push_bind(0i64)
                .push_bind(c.payment_days)
                .push_bind(c.phone.as_str())
                .push_bind(c.website.as_str())
                .push_bind(c.address1.as_str())
                .push_bind(c.address2.as_deref())
                .push_bind(c.postal_code.as_str());
        },
    )
    .await
}

async fn write_sales(conn: &mut SqliteConnection, spec: &GeneratorSpec, data: &Dataset) -> Result<(), sqlx::Error> {
    let sales = &data.sales;
    let last_day = sales.orders.iter().map(|o| o.day).max().unwrap_or(0);
    let days: Vec<(String, String)> = (0..=u64::from(last_day))
        .map(|d| {
            let date = spec.start.checked_add_days(Days::new(d)).unwrap_or(spec.start);
            (date.to_string(), next_weekday(date).to_string())
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO Sales.Orders (OrderID, CustomerID, SalespersonPersonID, BackorderOrderID, OrderDate,
             ExpectedDeliveryDate, CustomerPurchaseOrderNumber, IsUndersupplyBackordered) ",
        &sales.orders,
        |mut r, o| {
            let (date, expected) = &days[o.day as usize];
            r.push_bind(i64::from(o.id))
                .push_bind(i64::from(o.customer))
                .push_bind(i64::from(o.salesperson))
                .push_bind(o.backorder.map(i64::from))
                .push_bind(date.as_str())
                .push_bind(expected.as_str())
                .push_bind(o.purchase_order.to_string())
                .push_bind(1i64);
        },
    )
    .await?;
    let items = &data.items;
    insert_rows(
        conn,
        "INSERT INTO Sales.OrderLines (OrderLineID, OrderID, StockItemID, Description, PackageTypeID, Quantity,
             UnitPrice, TaxRate, PickedQuantity) ",
        &sales.lines,
        |mut r, l| {
            let it = &items[usize::from(l.item) - 1];
            push_line_head(&mut r, l.id, l.order, it, l.quantity)
                .push_bind(money(it.unit_price_cents))
                .push_bind(thousandths(it.tax_rate_milli))
                .push_bind(i64::from(l.quantity));
        },
    )
    .await
}

async fn write_invoices(conn: &mut SqliteConnection, spec: &GeneratorSpec, data: &Dataset) -> Result<(), sqlx::Error> {
    let inv = &data.invoices;
    let bill_to: std::collections::HashMap<i64, i64> = data.customers.iter().map(|c| (c.id, c.bill_to)).collect();
    insert_rows(
        conn,
        "INSERT INTO Sales.Invoices (InvoiceID, CustomerID, BillToCustomerID, OrderID, SalespersonPersonID, InvoiceDate,
             CustomerPurchaseOrderNumber, IsCreditNote, TotalDryItems, TotalChillerItems) ",
        &inv.invoices,
        |mut r, i| {
            let customer = i64::from(i.customer);
            let date = spec.start.checked_add_days(Days::new(u64::from(i.day))).unwrap_or(spec.start);
            r.push_bind(i64::from(i.id))
                .push_bind(customer)
                .push_bind(bill_to.get(&customer).copied().unwrap_or(customer))
                .push_bind(i64::from(i.order))
                .push_bind(i64::from(i.salesperson))
                .push_bind(date.to_string())
                .push_bind(i.purchase_order.to_string())
                .push_bind(0i64)
                .push_bind(i.dry_items)
                .push_bind(i.chiller_items);
        },
    )
    .await?;
    let items = &data.items;
    insert_rows(
        conn,
        "INSERT INTO Sales.InvoiceLines (InvoiceLineID, InvoiceID, StockItemID, Description, PackageTypeID, Quantity,
             UnitPrice, TaxRate, TaxAmount, LineProfit, ExtendedPrice) ",
        &inv.lines,
        |mut r, l| {
            let it = &items[usize::from(l.item) - 1];
            push_line_head(&mut r, l.id, l.invoice, it, l.quantity)
                .push_bind(money(l.unit_price_cents))
                .push_bind(thousandths(l.tax_rate_milli))
                .push_bind(money(l.tax_cents))
                .push_bind(money(l.profit_cents))
                .push_bind(money(l.extended_cents));
        },
    )
    .await
}
