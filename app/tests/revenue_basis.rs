//! Invoiced and ordered figures, and backorders merged into their order, checked against an
//! independent computation: plain `SELECT *`-style reads of the raw rows of a freshly generated
//! warehouse, tallied here in Rust (no production query, no shared code but the generator).
#![cfg(feature = "ssr")]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use app::sales::model::*;
use app::sales::analysis;
use app::warehouse::generator::{self, ids, GeneratorSpec};
use app::warehouse::sqlite::SqliteWarehouse;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sqlx::Row;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// One line as an analysis sees it.
#[derive(Clone, Debug)]
struct Line {
    purchase: i64,
    order: i64,
    customer: i64,
    day: NaiveDate,
    item: i64,
    quantity: i64,
    price_cents: i64,
    amount_cents: i64,
}

/// The raw rows, read with the simplest SQL (cents read back from the stored values).
struct Raw {
    /// OrderID → (CustomerID, BackorderOrderID, OrderDate).
    orders: BTreeMap<i64, (i64, Option<i64>, NaiveDate)>,
    ordered: Vec<Line>,
    invoiced: Vec<Line>,
    /// (InvoiceID, OrderID, InvoiceDate).
    invoices: Vec<(i64, i64, NaiveDate)>,
}

async fn raw(w: &SqliteWarehouse) -> Raw {
    let pool = w.pool();
    let mut orders = BTreeMap::new();
    for r in sqlx::query("SELECT OrderID, CustomerID, BackorderOrderID, OrderDate FROM Sales.Orders").fetch_all(pool).await.unwrap() {
        orders.insert(r.get::<i64, _>(0), (r.get::<i64, _>(1), r.get::<Option<i64>, _>(2), day(&r.get::<String, _>(3))));
    }
    // Backorder → the order it was split from.
    let parent: HashMap<i64, i64> = orders.iter().filter_map(|(id, (_, b, _))| b.map(|b| (b, *id))).collect();
    let root = |order: i64| parent.get(&order).copied().unwrap_or(order);
    let mut ordered = Vec::new();
    // DECIMAL(18,2) is stored as REAL (or INTEGER when whole): read back as cents.
    for r in sqlx::query("SELECT OrderID, StockItemID, Quantity, CAST(ROUND(UnitPrice * 100) AS INTEGER) FROM Sales.OrderLines")
        .fetch_all(pool)
        .await
        .unwrap()
    {
        let order: i64 = r.get(0);
        let (customer, _, date) = orders[&order];
        let quantity: i64 = r.get(2);
        let price_cents: i64 = r.get(3);
        ordered.push(Line { purchase: root(order), order, customer, day: date, item: r.get(1), quantity, price_cents, amount_cents: quantity * price_cents });
    }
    let mut invoices = Vec::new();
    let mut invoice_of = HashMap::new();
    for r in sqlx::query("SELECT InvoiceID, CustomerID, OrderID, InvoiceDate FROM Sales.Invoices").fetch_all(pool).await.unwrap() {
        let (id, customer, order, date): (i64, i64, i64, NaiveDate) = (r.get(0), r.get(1), r.get(2), day(&r.get::<String, _>(3)));
        invoices.push((id, order, date));
        invoice_of.insert(id, (customer, order, date));
    }
    let mut invoiced = Vec::new();
    for r in sqlx::query(
        "SELECT InvoiceID, StockItemID, Quantity, CAST(ROUND(UnitPrice * 100) AS INTEGER),
                CAST(ROUND(ExtendedPrice * 100) AS INTEGER), CAST(ROUND(TaxAmount * 100) AS INTEGER)
         FROM Sales.InvoiceLines",
    )
        .fetch_all(pool)
        .await
        .unwrap()
    {
        let (customer, order, date) = invoice_of[&r.get::<i64, _>(0)];
        let cents = |i: usize| r.get::<i64, _>(i);
        invoiced.push(Line {
            purchase: root(order),
            order,
            customer,
            day: date,
            item: r.get(1),
            quantity: r.get(2),
            price_cents: cents(3),
            amount_cents: cents(4) - cents(5),
        });
    }
    Raw { orders, ordered, invoiced, invoices }
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn in_range(lines: &[Line], range: DateRange) -> Vec<&Line> {
    lines.iter().filter(|l| l.day >= range.from && l.day <= range.to).collect()
}

/// Baskets: (purchases, item → purchases holding it, pair → purchases holding both), grouped by `key`.
fn baskets(lines: &[&Line], key: impl Fn(&Line) -> i64) -> (i64, BTreeMap<i64, i64>, BTreeMap<(i64, i64), i64>) {
    let mut by: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for l in lines {
        by.entry(key(l)).or_default().insert(l.item);
    }
    let mut items = BTreeMap::new();
    let mut pairs = BTreeMap::new();
    for basket in by.values() {
        let v: Vec<i64> = basket.iter().copied().collect();
        for (i, a) in v.iter().enumerate() {
            *items.entry(*a).or_insert(0) += 1;
            for b in &v[i + 1..] {
                *pairs.entry((*a, *b)).or_insert(0) += 1;
            }
        }
    }
    (by.len() as i64, items, pairs)
}

async fn generated() -> (tempfile::TempDir, SqliteWarehouse, generator::GeneratedSummary) {
    let dir = tempfile::tempdir().unwrap();
    let w = SqliteWarehouse::open(dir.path()).await.unwrap();
    let spec = GeneratorSpec { start: day("2015-12-01"), end: day("2016-03-31"), ..GeneratorSpec::default() };
    let summary = generator::generate(w.pool(), &spec).await.unwrap();
    (dir, w, summary)
}

#[tokio::test]
async fn both_bases_agree_with_an_independent_computation() {
    let (_dir, w, summary) = generated().await;
    assert!(w.data_span().await.unwrap().invoices, "a generated warehouse has invoices");
    let raw = raw(&w).await;
    // A range cut mid-month on both ends, so orders invoiced after it and backorders invoiced
    // weeks later fall on either side.
    let range = DateRange { from: day("2016-01-11"), to: day("2016-03-20") };
    let min_co = 3;
    let mut totals = Vec::new();
    for (basis, all) in [(Basis::Ordered, &raw.ordered), (Basis::Invoiced, &raw.invoiced)] {
        let lines = in_range(all, range);
        assert!(lines.len() > 1000, "{basis:?}: {} lines", lines.len());

        // Item sales: revenue, quantity, lines, price sum, distinct customers.
        let facts = w.item_sales(range, basis).await.unwrap();
        assert_eq!(facts.len(), 227);
        for f in &facts {
            let mine: Vec<&&Line> = lines.iter().filter(|l| l.item == f.stock_item_id).collect();
            let customers: BTreeSet<i64> = mine.iter().map(|l| l.customer).collect();
            assert_eq!(f.revenue, money(mine.iter().map(|l| l.amount_cents).sum()), "{basis:?} item {}", f.stock_item_id);
            assert_eq!(f.unit_price_sum, money(mine.iter().map(|l| l.price_cents).sum()), "{basis:?}");
            assert_eq!((f.lines, f.quantity, f.customers), (mine.len() as i64, mine.iter().map(|l| l.quantity).sum(), customers.len() as i64), "{basis:?} item {}", f.stock_item_id);
        }
        let revenue: Decimal = facts.iter().map(|f| f.revenue).sum();

        // Baskets: one per purchase (an order with its backorder).
        let (purchases, items, pairs) = baskets(&lines, |l| l.purchase);
        let b = w.baskets(range, min_co, basis).await.unwrap();
        assert_eq!(b.orders, purchases, "{basis:?}");
        assert_eq!(b.items.iter().map(|(id, _, n)| (*id, *n)).collect::<BTreeMap<_, _>>(), items, "{basis:?}");
        let want: Vec<(i64, i64, i64)> = pairs.iter().filter(|(_, n)| **n >= i64::from(min_co)).map(|((a, b), n)| (*a, *b, *n)).collect();
        assert_eq!(b.pairs, want, "{basis:?}");

        // Customers: purchases, spend, distinct products; AOV through the analysis.
        let facts = w.customers(range, basis).await.unwrap();
        let mut per: BTreeMap<i64, (BTreeSet<i64>, i64, BTreeSet<i64>)> = BTreeMap::new();
        for l in &lines {
            let e = per.entry(l.customer).or_default();
            e.0.insert(l.purchase);
            e.1 += l.amount_cents;
            e.2.insert(l.item);
        }
        for f in &facts {
            let (orders, spent, products) = per.get(&f.customer_id).map(|(o, s, p)| (o.len() as i64, *s, p.len() as i64)).unwrap_or_default();
            assert_eq!((f.orders, f.spent, f.unique_products), (orders, money(spent), products), "{basis:?} customer {}", f.customer_id);
            // Recency is on orders for both bases.
            let last = raw.orders.values().filter(|(c, _, d)| *c == f.customer_id && *d <= range.to).map(|(_, _, d)| *d).max();
            assert_eq!(Some(f.last_order), last, "{basis:?} customer {}", f.customer_id);
        }
        assert!(per.keys().all(|c| facts.iter().any(|f| f.customer_id == *c)), "{basis:?}: every buyer listed");
        let p = CustomerParams { range, top: 1000, thresholds: CustomerThresholds::default(), status: None, tier: None, sort: CustomerSort::Spent, dir: SortDir::Desc, basis };
        let report = analysis::customers(facts, &p, Currency::Usd);
        for row in report.report.rows.iter().filter(|r| r.orders > 0) {
            let (o, s, _) = &per[&row.customer_id];
            let aov = (money(*s) / Decimal::from(o.len() as i64)).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            assert_eq!(row.avg_order_value, aov, "{basis:?} customer {}", row.customer_id);
        }

        // Monthly item sales, by the basis' own date.
        let facts = w.monthly_item_sales(range, basis).await.unwrap();
        let mut months: BTreeMap<(i64, NaiveDate), (i64, BTreeSet<i64>, i64, i64)> = BTreeMap::new();
        for l in &lines {
            let e = months.entry((l.item, l.day.with_day(1).unwrap())).or_default();
            e.0 += l.amount_cents;
            e.1.insert(l.purchase);
            e.2 += 1;
            e.3 += l.quantity;
        }
        let got: BTreeMap<(i64, NaiveDate), (Decimal, i64, i64, i64)> =
            facts.iter().map(|f| ((f.stock_item_id, f.month), (f.revenue, f.orders, f.lines, f.quantity))).collect();
        let want: BTreeMap<(i64, NaiveDate), (Decimal, i64, i64, i64)> =
            months.into_iter().map(|(k, (a, p, n, q))| (k, (money(a), p.len() as i64, n, q))).collect();
        assert_eq!(got, want, "{basis:?}");
        totals.push((revenue, purchases));
    }

    // The two bases really differ: some orders of the range are never invoiced or invoiced after
    // it, some invoices of the range are for earlier orders.
    assert_ne!(totals[0].0, totals[1].0);
    let invoiced_orders: BTreeSet<i64> = raw.invoices.iter().map(|(_, o, _)| *o).collect();
    let uninvoiced = raw.orders.keys().filter(|o| !invoiced_orders.contains(o)).count();
    assert!(summary.never_invoiced > 0 && uninvoiced as i64 >= summary.never_invoiced, "{summary:?}");
    println!("ordered {} in {} purchases; invoiced {} in {} purchases", totals[0].0, totals[0].1, totals[1].0, totals[1].1);
}

#[tokio::test]
async fn backorders_are_one_purchase_with_their_order() {
    let (_dir, w, _) = generated().await;
    let raw = raw(&w).await;
    let range = DateRange { from: day("2016-01-01"), to: day("2016-03-31") };
    let lines = in_range(&raw.ordered, range);
    let (split_orders, _, split_pairs) = baskets(&lines, |l| l.order);
    let (purchases, _, merged_pairs) = baskets(&lines, |l| l.purchase);
    let backorders_in_range = raw
        .orders
        .values()
        .filter(|(_, b, d)| b.is_some() && *d >= range.from && *d <= range.to)
        .count() as i64;
    assert!(backorders_in_range > 100, "the generator plants backorders: {backorders_in_range}");
    // Each backorder shares its original's date, so merging removes exactly one basket per backorder.
    assert_eq!(split_orders - purchases, backorders_in_range);
    let b = w.baskets(range, 1, Basis::Ordered).await.unwrap();
    assert_eq!(b.orders, purchases);

    // Order counts and AOV per customer: spend unchanged, fewer orders, higher AOV.
    let facts = w.customers(range, Basis::Ordered).await.unwrap();
    let orders: i64 = facts.iter().map(|f| f.orders).sum();
    let spent: Decimal = facts.iter().map(|f| f.spent).sum();
    assert_eq!(orders, purchases, "every purchase belongs to one customer");
    let aov_merged = spent / Decimal::from(purchases);
    let aov_split = spent / Decimal::from(split_orders);
    assert!(aov_merged > aov_split);
    println!("orders {split_orders} → purchases {purchases}; AOV {:.2} → {:.2}", aov_split, aov_merged);

    // A planted pair bought together more often once backorders are merged, and exactly as often
    // as the independent count says.
    let planted = [
        (ids::LIGHTHOUSE_MUG_WHITE, ids::LIGHTHOUSE_TSHIRT_WHITE_M),
        (ids::USB_C_CABLE_1M, ids::WIRELESS_CHARGING_PAD),
        (ids::GIFT_WRAP_STARRY_NIGHT, ids::GIFT_TAG_PACK),
        (ids::AA_BATTERIES_8_PACK, ids::RC_STUNT_CAR_RED),
    ];
    let mut gained = 0;
    for pair in planted {
        let co = b.pairs.iter().find(|(a, bb, _)| (*a, *bb) == pair).map(|p| p.2).unwrap();
        assert_eq!(co, merged_pairs[&pair], "{pair:?}");
        assert!(co >= split_pairs.get(&pair).copied().unwrap_or(0), "{pair:?}");
        gained += co - split_pairs.get(&pair).copied().unwrap_or(0);
        println!("pair {pair:?}: {} split, {co} merged", split_pairs.get(&pair).copied().unwrap_or(0));
    }
    assert!(gained > 0, "merging backorders joins split bundles");
}

#[tokio::test]
async fn invoices_follow_their_orders() {
    let (_dir, w, summary) = generated().await;
    let raw = raw(&w).await;
    let end = day("2016-03-31");
    let backorders: BTreeSet<i64> = raw.orders.values().filter_map(|(_, b, _)| *b).collect();
    let mut per_order = BTreeMap::new();
    for (_, order, date) in &raw.invoices {
        assert!(per_order.insert(*order, *date).is_none(), "one invoice per order");
        let (_, _, ordered) = raw.orders[order];
        let delay = (*date - ordered).num_days();
        assert!(*date <= end, "no invoice after the data end");
        assert_ne!(date.weekday(), chrono::Weekday::Sun);
        if backorders.contains(order) {
            assert!((7..=21).contains(&delay), "backorder {order} invoiced after {delay} days");
        } else {
            assert!((0..=3).contains(&delay), "order {order} invoiced after {delay} days");
        }
    }
    // Invoice lines repeat their order's lines, ex tax equal to quantity × unit price.
    let key = |l: &Line| (l.order, l.item, l.quantity, l.price_cents, l.amount_cents);
    let mut want: Vec<_> = raw.ordered.iter().filter(|l| per_order.contains_key(&l.order)).map(key).collect();
    let mut got: Vec<_> = raw.invoiced.iter().map(key).collect();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want);
    // The planted share never invoiced: about 2 % of purchases (an original with its backorder).
    let originals = raw.orders.len() as i64 - backorders.len() as i64;
    let share = summary.never_invoiced as f64 / originals as f64;
    assert!((0.01..0.03).contains(&share), "{share}");
    for (order, (_, backorder, _)) in &raw.orders {
        if let Some(b) = backorder {
            if !per_order.contains_key(order) && raw.orders[order].2 + chrono::Days::new(4) <= end {
                assert!(!per_order.contains_key(b), "a cancelled order's backorder is not invoiced either");
            }
        }
    }
}
