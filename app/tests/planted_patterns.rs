//! The generator's planted patterns are found by the analyses themselves (parameters parsed from
//! a URL query, SQL on the embedded store, the shared analysis), at scale 1 with the default seed.
#![cfg(feature = "ssr")]

use std::collections::BTreeSet;

use app::config::AppConfig;
use app::sales::model::*;
use app::sales::params::AnalysisParams;
use app::sales::analysis;
use app::sales::service;
use app::state::AppState;
use app::warehouse::generator::{self, ids, GeneratorSpec};
use app::warehouse::sqlite::SqliteWarehouse;
use app::warehouse::Warehouse;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

async fn run(state: &AppState, kind: &str, query: &[(&str, &str)]) -> AnalysisData {
    let raw: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    service::run(&state.sales, kind, &raw).await.unwrap().data
}

#[tokio::test]
async fn analyses_find_what_the_generator_planted() {
    let dir = tempfile::tempdir().unwrap();
    let w = SqliteWarehouse::open(dir.path()).await.unwrap();
    generator::generate(w.pool(), &GeneratorSpec::default()).await.unwrap();
    let data_dir = dir.path().display().to_string();
    let config = AppConfig::from_lookup(|n| match n {
        "SUANPAN_DATA_DIR" => Some(data_dir.clone()),
        "SUANPAN_AI_SIMULATOR" => Some("off".into()),
        _ => None,
    })
    .unwrap();
    let state = AppState::with_warehouse(config, Warehouse::Sqlite(w)).await.unwrap();

    // Bundles: with the defaults (last five full months, ≥ 5 orders together, by lift) the eight
    // planted pairs are the eight strongest.
    let AnalysisData::Affinity(r) = run(&state, "affinity", &[]).await else { panic!("affinity") };
    assert_eq!(r.range, DateRange { from: NaiveDate::from_ymd_opt(2016, 1, 1).unwrap(), to: NaiveDate::from_ymd_opt(2016, 5, 31).unwrap() });
    let top8: BTreeSet<(i64, i64)> = r.rows.iter().take(8).map(|x| (x.item_a, x.item_b)).collect();
    let pair = |a: i64, b: i64| (a.min(b), a.max(b));
    let planted: BTreeSet<(i64, i64)> = [
        pair(ids::LIGHTHOUSE_MUG_WHITE, ids::LIGHTHOUSE_TSHIRT_WHITE_M),
        pair(ids::WIRELESS_CHARGING_PAD, ids::USB_C_CABLE_1M),
        pair(ids::GIFT_WRAP_STARRY_NIGHT, ids::GIFT_TAG_PACK),
        pair(ids::GIFT_WRAP_STARRY_NIGHT, ids::SATIN_RIBBON_GOLD),
        pair(ids::GIFT_TAG_PACK, ids::SATIN_RIBBON_GOLD),
        pair(ids::RC_STUNT_CAR_RED, ids::AA_BATTERIES_8_PACK),
        pair(ids::RC_STUNT_CAR_RED, ids::RC_STUNT_RAMP_SET),
        pair(ids::AA_BATTERIES_8_PACK, ids::RC_STUNT_RAMP_SET),
    ]
    .into();
    assert_eq!(top8, planted);
    assert!(r.rows[8].lift < r.rows[7].lift && r.rows[7].lift > Decimal::from(5));

    // Inventory: the critical items are Critical and among the most ordered; slow movers hold more
    // than a year of cover.
    let AnalysisData::Inventory(r) = run(&state, "inventory", &[("top", "500")]).await else { panic!("inventory") };
    let most_ordered: Vec<i64> = r.rows.iter().take(10).map(|x| x.stock_item_id).collect();
    for id in ids::CRITICAL {
        let row = r.rows.iter().find(|x| x.stock_item_id == id).unwrap();
        assert_eq!(row.status, StockStatus::Critical, "item {id}");
        assert!(most_ordered.contains(&id), "critical item {id} is in high demand");
    }
    for id in ids::LOW_STOCK {
        assert_eq!(r.rows.iter().find(|x| x.stock_item_id == id).unwrap().status, StockStatus::Low, "item {id}");
    }
    for id in ids::SLOW_MOVERS {
        let cover = r.rows.iter().find(|x| x.stock_item_id == id).unwrap().days_of_cover;
        assert!(cover.is_none_or(|c| c > Decimal::from(365)), "slow mover {id}: {cover:?}");
    }

    // Slow movers are found through the excess filter (default threshold: a year of cover),
    // longest cover first: the six planted ones lead.
    let AnalysisData::Inventory(r) =
        run(&state, "inventory", &[("status", "excess"), ("sort", "cover"), ("dir", "desc")]).await
    else {
        panic!("inventory")
    };
    let first6: BTreeSet<i64> = r.rows.iter().take(6).map(|x| x.stock_item_id).collect();
    assert_eq!(first6, ids::SLOW_MOVERS.into_iter().collect(), "{:?}", r.rows.iter().map(|x| (x.stock_item_id, x.days_of_cover)).collect::<Vec<_>>());
    assert!(r.rows.iter().all(|x| x.status == StockStatus::Excess));
    let days = Decimal::from(r.range.days());
    // Cover compared exactly (on hand × days ÷ units; unsold stock counts as endless).
    let cover = |x: &InventoryRow| (x.units_sold > 0).then(|| Decimal::from(x.on_hand) * days / Decimal::from(x.units_sold));
    let covers: Vec<Option<Decimal>> = r.rows.iter().map(cover).collect();
    assert!(covers.windows(2).all(|w| match (w[0], w[1]) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => a >= b,
    }), "cover descending: {covers:?}");
    // Ascending shows the other end of the same list (sorted before the top-3 cut).
    let AnalysisData::Inventory(asc) =
        run(&state, "inventory", &[("status", "excess"), ("sort", "cover"), ("dir", "asc"), ("top", "3")]).await
    else {
        panic!("inventory")
    };
    assert_eq!(asc.total_rows, r.total_rows);
    assert_eq!(cover(&asc.rows[0]), covers.iter().flatten().min().copied());

    // Customers drifting away: exactly the planted ones are At Risk / Inactive at the data's end
    // (the segment counts say so for all 663; the rows name them).
    let AnalysisData::Customers(r) = run(&state, "customers", &[]).await else { panic!("customers") };
    let count = |s: CustomerStatus| r.segments.iter().filter(|x| x.status == s).map(|x| x.customers).sum::<i64>();
    assert_eq!((count(CustomerStatus::AtRisk), count(CustomerStatus::Inactive)), (20, 25));
    assert_eq!(r.report.total_rows, 663);
    let AnalysisParams::Customers(p) = app::sales::params::parse(AnalysisKind::Customers, &[], state.sales.warehouse.data_span().await.unwrap()).unwrap() else { panic!() };
    assert_eq!(p.basis, Basis::Invoiced, "the generated warehouse has invoices: invoiced by default");
    let all = analysis::customers(state.sales.warehouse.customers(p.range, p.basis).await.unwrap(), &CustomerParams { top: 1000, ..p }, Currency::Usd);
    let with = |s: CustomerStatus| -> BTreeSet<i64> {
        all.report.rows.iter().filter(|x| x.status == s).map(|x| x.customer_id).collect()
    };
    assert_eq!(with(CustomerStatus::AtRisk), ids::AT_RISK_CUSTOMERS.into_iter().collect());
    assert_eq!(with(CustomerStatus::Inactive), ids::INACTIVE_CUSTOMERS.into_iter().collect());

    // … and the page lists them through the status filter (what a segment count links to).
    for (status, planted) in [("at_risk", &ids::AT_RISK_CUSTOMERS[..]), ("inactive", &ids::INACTIVE_CUSTOMERS[..])] {
        let AnalysisData::Customers(r) = run(&state, "customers", &[("status", status), ("top", "500")]).await else { panic!("customers") };
        let listed: BTreeSet<i64> = r.report.rows.iter().map(|x| x.customer_id).collect();
        assert_eq!(listed, planted.iter().copied().collect(), "{status}");
        assert_eq!(r.report.total_rows, planted.len(), "{status}");
    }
    // Longest absence first puts the inactive ones at the top even without a filter.
    let AnalysisData::Customers(r) = run(&state, "customers", &[("sort", "recency"), ("dir", "desc"), ("top", "25")]).await else { panic!("customers") };
    let stale: BTreeSet<i64> = r.report.rows.iter().map(|x| x.customer_id).collect();
    assert_eq!(stale, ids::INACTIVE_CUSTOMERS.into_iter().collect());
    assert_eq!(r.report.total_rows, 663);

    // Seasonal products peak in their season: the pumpkin lantern sells most in October, the pool
    // float in summer.
    let year = DateRange { from: NaiveDate::from_ymd_opt(2014, 1, 1).unwrap(), to: NaiveDate::from_ymd_opt(2014, 12, 31).unwrap() };
    for basis in [Basis::Invoiced, Basis::Ordered] {
        let facts = state.sales.warehouse.monthly_item_sales(year, basis).await.unwrap();
        let peak = |id: i64| facts.iter().filter(|f| f.stock_item_id == id).max_by_key(|f| f.revenue).unwrap().month.month();
        assert_eq!(peak(ids::PUMPKIN_LANTERN), 10, "{basis:?}");
        assert!((6..=8).contains(&peak(ids::FLAMINGO_POOL_FLOAT)), "{basis:?}");
        assert!([11, 12, 1].contains(&peak(ids::FLEECE_SLIPPERS_NAVY_M)), "{basis:?}");
    }

    // The bundles hold on the ordered basis too.
    let AnalysisData::Affinity(r) = run(&state, "affinity", &[("basis", "ordered")]).await else { panic!("affinity") };
    let top8: BTreeSet<(i64, i64)> = r.rows.iter().take(8).map(|x| (x.item_a, x.item_b)).collect();
    assert_eq!(top8, planted);
}
