//! The SQLite backend plus the shared analysis against a handcrafted warehouse whose every
//! expected number was worked out by hand (see the comments).
#![cfg(feature = "ssr")]

use std::str::FromStr;

use app::sales::model::*;
use app::sales::analysis;
use app::warehouse::sqlite::SqliteWarehouse;
use chrono::NaiveDate;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}
fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn jan() -> DateRange {
    DateRange { from: day("2016-01-01"), to: day("2016-01-31") }
}

const FIXTURE: &str = include_str!("fixtures/tiny_warehouse.sql");

async fn warehouse() -> (tempfile::TempDir, SqliteWarehouse) {
    let dir = tempfile::tempdir().unwrap();
    let w = SqliteWarehouse::open(dir.path()).await.unwrap();
    sqlx::raw_sql(FIXTURE).execute(w.pool()).await.unwrap();
    (dir, w)
}

#[tokio::test]
async fn fixture_answers_every_analysis_exactly() {
    let (_dir, w) = warehouse().await;
    assert_eq!(w.data_span().await.unwrap(), DataSpan { first: day("2015-12-15"), last: day("2016-02-02"), invoices: false });

    // Top sellers in January: Shirt 1×25.50 + 2×25.50 + 1×25.50 = 102.00; Mug (2+1+4)×10 = 70.00;
    // Toy (3+1)×3.33 = 13.32.
    let p = TopSellersParams { range: jan(), top: 10, sort: TopSellersSort::Revenue, dir: SortDir::Desc, basis: Basis::Ordered };
    let r = analysis::top_sellers(w.item_sales(jan(), Basis::Ordered).await.unwrap(), &p, Currency::Usd);
    let got: Vec<_> = r.rows.iter().map(|x| (x.name.as_str(), x.revenue, x.quantity, x.customers, x.avg_price)).collect();
    assert_eq!(got, vec![
        ("Shirt", d("102.00"), 4, 2, d("25.50")),
        ("Mug", d("70.00"), 7, 2, d("10.00")),
        ("Toy", d("13.32"), 4, 2, d("3.33")),
    ]);
    assert_eq!((r.rows[1].color.as_str(), r.rows[0].color.as_str()), ("Red", "Default"));
    assert_eq!(r.rows[2].revenue.to_string(), "13.32");

    // Baskets in January: orders 1–4 (order 7 has no lines). Mug in 3, Shirt in 3, Toy in 2.
    // Mug+Shirt in orders 1,2; Mug+Toy in 2,3; Shirt+Toy in 2 only (dropped by min_co 2).
    let p = AffinityParams { range: jan(), top: 10, min_co: 2, sort: AffinitySort::Lift, dir: SortDir::Desc, basis: Basis::Ordered };
    let r = analysis::affinity(w.baskets(jan(), 2, Basis::Ordered).await.unwrap(), &p, Currency::Usd);
    let got: Vec<_> = r.rows.iter().map(|x| (x.item_a, x.item_b, x.co_occurrence, x.support, x.confidence_ab, x.confidence_ba, x.lift)).collect();
    assert_eq!(got, vec![
        // lift 2·4/(3·2) = 1.3333; confidence Mug→Toy 2/3, Toy→Mug 2/2.
        (1, 3, 2, d("0.5"), d("0.6667"), d("1"), d("1.3333")),
        // lift 2·4/(3·3) = 0.8889.
        (1, 2, 2, d("0.5"), d("0.6667"), d("0.6667"), d("0.8889")),
    ]);

    // Inventory over January's 31 days: Mug 7 units → 0.2258/day, 40 on hand → 40·31/7 = 177.1
    // days, Critical; Shirt 4 units → 150·31/4 = 1162.5 days, Low; Toy 900·31/4 = 6975 days, more
    // than a year: Excess.
    let p = InventoryParams {
        range: jan(),
        top: 10,
        critical_at: 50,
        low_at: 200,
        excess_days: 365,
        status: None,
        sort: InventorySort::DaysOfCover,
        dir: SortDir::Asc,
    };
    let r = analysis::inventory(w.item_sales(jan(), Basis::Ordered).await.unwrap(), &p, Currency::Usd);
    let got: Vec<_> = r.rows.iter().map(|x| (x.stock_item_id, x.daily_demand, x.days_of_cover, x.avg_demand, x.status, x.order_frequency)).collect();
    assert_eq!(got, vec![
        (1, d("0.2258"), Some(d("177.1")), Some(d("2.33")), StockStatus::Critical, 3),
        (2, d("0.1290"), Some(d("1162.5")), Some(d("1.33")), StockStatus::Low, 3),
        (3, d("0.1290"), Some(d("6975")), Some(d("2")), StockStatus::Excess, 2),
    ]);
    assert_eq!(r.rows[0].last_cost_price.to_string(), "6.50");

    // Customers at 2016-01-31: One spent 2×10 + 25.50 + 10 + 2×25.50 + 3×3.33 = 116.49 in 2
    // orders (AOV 58.245 → 58.25), last ordered 01-10 (21 days; the February order is after the
    // range end); Two spent 40 + 3.33 + 25.50 = 68.83, last 01-31 (0 days); Three only ordered
    // 2015-12-15: 47 days, At Risk, no spend, region unknown (its city is missing).
    let thresholds = CustomerThresholds {
        vip_above: d("100"),
        premium_above: d("50"),
        regular_above: d("10"),
        active_within_days: 30,
        at_risk_within_days: 90,
    };
    let p = CustomerParams { range: jan(), top: 10, thresholds, status: None, tier: None, sort: CustomerSort::Spent, dir: SortDir::Desc, basis: Basis::Ordered };
    let r = analysis::customers(w.customers(jan(), Basis::Ordered).await.unwrap(), &p, Currency::Usd);
    let got: Vec<_> = r.report.rows.iter()
        .map(|x| (x.customer_id, x.orders, x.spent, x.avg_order_value, x.unique_products, x.days_since_last_order, x.tier, x.status, x.region.as_str()))
        .collect();
    assert_eq!(got, vec![
        (1, 2, d("116.49"), d("58.25"), 3, 21, CustomerTier::Vip, CustomerStatus::Active, "Far West"),
        (2, 2, d("68.83"), d("34.42"), 3, 0, CustomerTier::Premium, CustomerStatus::Active, "Far West"),
        (3, 0, d("0"), d("0"), 0, 47, CustomerTier::Basic, CustomerStatus::AtRisk, ""),
    ]);

    // Seasonal, Dec–Feb, top 2 by revenue over the range: Mug 100 + 70 = 170, Shirt 102
    // (Toy 13.32 + 16.65 = 29.97 is third).
    let range = DateRange { from: day("2015-12-01"), to: day("2016-02-29") };
    let p = SeasonalParams { range, top: 2, sort: SeasonalSort::Revenue, dir: SortDir::Desc, measure: SeasonalMeasure::Revenue, basis: Basis::Ordered };
    let r = analysis::seasonal(w.monthly_item_sales(range, Basis::Ordered).await.unwrap(), &p, Currency::Usd);
    let got: Vec<_> = r.report.rows.iter().map(|x| (x.month, x.name.as_str(), x.revenue, x.orders, x.quantity, x.avg_quantity)).collect();
    assert_eq!(got, vec![
        (day("2015-12-01"), "Mug", d("100.00"), 1, 10, d("10")),
        (day("2016-01-01"), "Shirt", d("102.00"), 3, 4, d("1.33")),
        (day("2016-01-01"), "Mug", d("70.00"), 3, 7, d("2.33")),
    ]);
    assert_eq!(r.months, vec![day("2015-12-01"), day("2016-01-01"), day("2016-02-01")]);
    assert_eq!(r.report.total_rows, 3);
}

#[tokio::test]
async fn an_empty_warehouse_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let w = SqliteWarehouse::open(dir.path()).await.unwrap();
    assert!(matches!(w.data_span().await, Err(app::warehouse::WarehouseError::Empty)));
}
