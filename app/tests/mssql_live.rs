#![cfg(feature = "ssr")]
//! The SQL Server backend against a real server, when one is given:
//!
//! ```text
//! SUANPAN_TEST_MSSQL_URL='mssql://user:password@host:1433/WideWorldImporters?trust_server_certificate=true' \
//!     cargo test -p app --features ssr --test mssql_live -- --ignored --nocapture
//! ```
//!
//! Ignored by default (no SQL Server here); run with `--ignored`, it fails without the variable
//! rather than pass without checking anything. The URL is never printed.

use std::collections::BTreeMap;
use std::path::Path;

use app::sales::model::{Basis, DateRange};
use app::warehouse::config::{WarehouseConfig, DEFAULT_SEED};
use app::warehouse::mssql::MsSqlWarehouse;
use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

const URL_VAR: &str = "SUANPAN_TEST_MSSQL_URL";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
#[ignore = "needs a real SQL Server: set SUANPAN_TEST_MSSQL_URL and run with --ignored"]
async fn all_five_fact_queries_against_a_real_sql_server() {
    let Some(url) = std::env::var(URL_VAR).ok().filter(|u| !u.trim().is_empty()) else {
        panic!("{URL_VAR} is not set: this test checks the queries against a real SQL Server");
    };
    let settings = match WarehouseConfig::parse(Some(&url), Path::new("."), 1, DEFAULT_SEED) {
        Ok(WarehouseConfig::MsSql(settings)) => settings,
        Ok(_) => panic!("{URL_VAR} must be an mssql:// URL"),
        Err(e) => panic!("{URL_VAR}: {e}"),
    };
    let is_wwi = settings.database.eq_ignore_ascii_case("WideWorldImporters");
    let w = MsSqlWarehouse::connect(settings).await.expect("pool");

    // 1. Data span.
    let span = w.data_span().await.expect("data span");
    assert!(span.first <= span.last, "{span:?}");
    println!("data span {} .. {}, invoices: {}", span.first, span.last, span.invoices);
    // WWI has invoices: the invoiced basis is the default there; the checks hold on either basis.
    let basis = if span.invoices { Basis::Invoiced } else { Basis::Ordered };

    // The published WWI ends on 2016-05-31; a re-dated copy gets its own last five months.
    let wanted = DateRange { from: day(2016, 1, 1), to: day(2016, 5, 31) };
    let range = if span.first <= wanted.from && span.last >= wanted.to {
        wanted
    } else {
        let from = (span.last - Duration::days(150)).max(span.first);
        println!("note: the data does not cover {wanted:?}; using {from} .. {}", span.last);
        DateRange { from, to: span.last }
    };

    // 2. Item sales (top sellers, inventory): every stock item, in id order. Two at once to use
    //    two pooled connections.
    let (items, items_again) = tokio::join!(w.item_sales(range, basis), w.item_sales(range, Basis::Ordered));
    let items = items.expect("item sales");
    let ordered_items = items_again.expect("item sales (ordered, second connection)");
    assert_eq!(items.len(), ordered_items.len());
    if is_wwi {
        assert_eq!(items.len(), 227, "WideWorldImporters has 227 stock items");
    }
    assert!(!items.is_empty());
    assert!(items.windows(2).all(|p| p[0].stock_item_id < p[1].stock_item_id), "sorted by id");
    for f in &items {
        assert!(!f.name.is_empty());
        for money in [f.revenue, f.unit_price_sum, f.last_cost_price] {
            assert_eq!(money.scale(), 2, "{f:?}");
            assert!(money >= Decimal::ZERO, "{f:?}");
        }
        assert!(f.lines >= 0 && f.quantity >= 0 && f.customers >= 0, "{f:?}");
        assert!(f.customers <= f.lines, "{f:?}");
        assert!(f.lines == 0 || f.quantity >= f.lines, "every line holds at least one unit: {f:?}");
        assert!(f.on_hand >= 0 && f.reorder_level >= 0, "{f:?}");
    }
    let item_revenue: Decimal = items.iter().map(|f| f.revenue).sum();
    let item_lines: i64 = items.iter().map(|f| f.lines).sum();
    let item_quantity: i64 = items.iter().map(|f| f.quantity).sum();
    assert!(item_lines > 0, "no order lines in {range:?}");
    assert!(items.iter().any(|f| f.color.is_some()));
    println!("{} items, {item_lines} lines, revenue {item_revenue}", items.len());

    // 3. Baskets (affinity).
    let min_co = 2;
    let baskets = w.baskets(range, min_co, basis).await.expect("baskets");
    assert!(baskets.orders > 0, "{range:?}");
    let holding: BTreeMap<i64, i64> = baskets.items.iter().map(|(id, _, n)| (*id, *n)).collect();
    assert_eq!(holding.len(), baskets.items.len(), "items listed once");
    assert!(baskets.items.windows(2).all(|p| p[0].0 < p[1].0));
    for (id, name, n) in &baskets.items {
        assert!(!name.is_empty());
        assert!(*n > 0 && *n <= baskets.orders, "item {id}: {n} of {}", baskets.orders);
    }
    assert_eq!(
        holding.len(),
        items.iter().filter(|f| f.lines > 0).count(),
        "the items sold are the items with lines"
    );
    for (a, b, co) in &baskets.pairs {
        assert!(a < b, "pair ({a}, {b})");
        assert!(*co >= i64::from(min_co), "pair ({a}, {b}) has {co}");
        assert!(*co <= holding[a].min(holding[b]), "pair ({a}, {b}) has {co}");
    }
    assert!(baskets.pairs.windows(2).all(|p| (p[0].0, p[0].1) < (p[1].0, p[1].1)), "pairs sorted");
    println!(
        "{} baskets, {} items, {} pairs with ≥ {min_co}",
        baskets.orders,
        holding.len(),
        baskets.pairs.len()
    );

    // 4. Customers.
    let customers = w.customers(range, basis).await.expect("customers");
    assert!(!customers.is_empty());
    assert!(customers.windows(2).all(|p| p[0].customer_id < p[1].customer_id));
    for c in &customers {
        assert!(!c.name.is_empty());
        assert!(c.last_order <= range.to, "{c:?}");
        assert_eq!(c.spent.scale(), 2);
        assert!(c.spent >= Decimal::ZERO && c.orders >= 0 && c.unique_products >= 0, "{c:?}");
        if c.orders == 0 {
            assert!(c.spent.is_zero() && c.unique_products == 0, "{c:?}");
        } else {
            assert!(c.last_order >= range.from, "{c:?}");
        }
    }
    if is_wwi {
        assert!(customers.iter().all(|c| !c.region.is_empty()), "every WWI customer has a territory");
    }
    let customer_orders: i64 = customers.iter().map(|c| c.orders).sum();
    let customer_spend: Decimal = customers.iter().map(|c| c.spent).sum();
    assert_eq!(customer_orders, baskets.orders, "orders with lines, counted two ways");
    assert_eq!(customer_spend, item_revenue, "revenue, summed two ways");

    // 5. Monthly item sales (seasonal).
    let monthly = w.monthly_item_sales(range, basis).await.expect("monthly item sales");
    assert!(!monthly.is_empty());
    assert!(monthly.windows(2).all(|p| (p[0].stock_item_id, p[0].month) < (p[1].stock_item_id, p[1].month)));
    let first_month = day(range.from.year(), range.from.month(), 1);
    for m in &monthly {
        assert_eq!(m.month.day(), 1, "{m:?}");
        assert!(m.month >= first_month && m.month <= range.to, "{m:?}");
        assert_eq!(m.revenue.scale(), 2);
        assert!(m.orders > 0 && m.lines >= m.orders && m.quantity >= m.lines, "{m:?}");
    }
    assert_eq!(monthly.iter().map(|m| m.revenue).sum::<Decimal>(), item_revenue);
    assert_eq!(monthly.iter().map(|m| m.lines).sum::<i64>(), item_lines);
    assert_eq!(monthly.iter().map(|m| m.quantity).sum::<i64>(), item_quantity);
    println!("{} item-months; all five fact queries agree", monthly.len());
}
