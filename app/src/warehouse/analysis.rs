//! Facts → reports: ranking, classification and every derived ratio, computed once for both
//! backends. Pure functions; the hand-computed fixtures in the tests pin the arithmetic.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::facts::{BasketFacts, CustomerFact, ItemSalesFact, MonthlyItemFact};
use crate::sales::model::*;

fn round(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// n ÷ d rounded to `dp` places; None when d is zero.
fn ratio(n: impl Into<Decimal>, d: impl Into<Decimal>, dp: u32) -> Option<Decimal> {
    let (n, d) = (n.into(), d.into());
    if d.is_zero() {
        return None;
    }
    n.checked_div(d).map(|q| round(q, dp))
}

fn money(d: Decimal) -> Decimal {
    let mut d = round(d, 2);
    d.rescale(2);
    d
}

/// Sorts by `key` (descending unless `asc`), ties by `id` ascending, and keeps the first `top`.
fn rank<R, K: PartialOrd>(rows: &mut Vec<R>, top: u32, key: impl Fn(&R) -> K, id: impl Fn(&R) -> i64, asc: bool) {
    rows.sort_by(|a, b| {
        let by_key = key(a).partial_cmp(&key(b)).unwrap_or(Ordering::Equal);
        let by_key = if asc { by_key } else { by_key.reverse() };
        by_key.then_with(|| id(a).cmp(&id(b)))
    });
    rows.truncate(top as usize);
}

pub fn top_sellers(facts: Vec<ItemSalesFact>, p: &TopSellersParams, currency: Currency) -> Report<TopSellerRow> {
    let mut rows: Vec<TopSellerRow> = facts
        .into_iter()
        .filter(|f| f.revenue > Decimal::ZERO)
        .map(|f| TopSellerRow {
            // Quantity-weighted (revenue ÷ units), what finance means by average price; the
            // mean of line prices let a one-unit line weigh as much as a pallet.
            avg_price: money(ratio(f.revenue, f.quantity, 2).unwrap_or_default()),
            stock_item_id: f.stock_item_id,
            color: f.color.unwrap_or_else(|| "Default".to_string()),
            name: f.name,
            brand: f.brand,
            size: f.size,
            revenue: money(f.revenue),
            customers: f.customers,
            quantity: f.quantity,
        })
        .collect();
    let total_rows = rows.len();
    let id = |r: &TopSellerRow| r.stock_item_id;
    match p.sort {
        TopSellersSort::Revenue => rank(&mut rows, p.top, |r| r.revenue, id, false),
        TopSellersSort::Quantity => rank(&mut rows, p.top, |r| r.quantity, id, false),
        TopSellersSort::Customers => rank(&mut rows, p.top, |r| r.customers, id, false),
    }
    Report { range: p.range, currency, total_rows, rows }
}

pub fn affinity(facts: BasketFacts, p: &AffinityParams, currency: Currency) -> Report<AffinityRow> {
    let n = facts.orders;
    let items: BTreeMap<i64, (String, i64)> =
        facts.items.into_iter().map(|(id, name, count)| (id, (name, count))).collect();
    let mut rows: Vec<AffinityRow> = facts
        .pairs
        .into_iter()
        .filter(|&(_, _, co)| co >= i64::from(p.min_co))
        .filter_map(|(a, b, co)| {
            let (name_a, n_a) = items.get(&a)?.clone();
            let (name_b, n_b) = items.get(&b)?.clone();
            Some(AffinityRow {
                item_a: a,
                name_a,
                item_b: b,
                name_b,
                co_occurrence: co,
                support: ratio(co, n, RATIO_DP)?,
                confidence_ab: ratio(co, n_a, RATIO_DP)?,
                confidence_ba: ratio(co, n_b, RATIO_DP)?,
                lift: ratio(Decimal::from(co) * Decimal::from(n), Decimal::from(n_a) * Decimal::from(n_b), RATIO_DP)?,
            })
        })
        .collect();
    let total_rows = rows.len();
    let id = |r: &AffinityRow| r.item_a * 1_000_000 + r.item_b;
    match p.sort {
        AffinitySort::Lift => rank(&mut rows, p.top, |r| (r.lift, r.co_occurrence), id, false),
        AffinitySort::Confidence => {
            rank(&mut rows, p.top, |r| (r.confidence_ab.max(r.confidence_ba), r.co_occurrence), id, false)
        }
        AffinitySort::Support | AffinitySort::CoOccurrence => {
            rank(&mut rows, p.top, |r| (r.co_occurrence, r.lift), id, false)
        }
    }
    Report { range: p.range, currency, total_rows, rows }
}

pub fn stock_status(on_hand: i64, critical_at: i64, low_at: i64) -> StockStatus {
    if on_hand <= critical_at {
        StockStatus::Critical
    } else if on_hand <= low_at {
        StockStatus::Low
    } else {
        StockStatus::Normal
    }
}

pub fn inventory(facts: Vec<ItemSalesFact>, p: &InventoryParams, currency: Currency) -> Report<InventoryRow> {
    let days = p.range.days();
    let mut rows: Vec<InventoryRow> = facts
        .into_iter()
        .map(|f| InventoryRow {
            status: stock_status(f.on_hand, p.critical_at, p.low_at),
            avg_demand: ratio(f.quantity, f.lines, 2),
            daily_demand: ratio(f.quantity, days, RATIO_DP).unwrap_or_default(),
            days_of_cover: (f.quantity > 0)
                .then(|| ratio(Decimal::from(f.on_hand) * Decimal::from(days), f.quantity, 1))
                .flatten(),
            stock_item_id: f.stock_item_id,
            name: f.name,
            brand: f.brand,
            size: f.size,
            on_hand: f.on_hand,
            reorder_level: f.reorder_level,
            last_cost_price: money(f.last_cost_price),
            order_frequency: f.lines,
            units_sold: f.quantity,
            revenue: money(f.revenue),
        })
        .collect();
    let total_rows = rows.len();
    let id = |r: &InventoryRow| r.stock_item_id;
    match p.sort {
        InventorySort::OrderFrequency => rank(&mut rows, p.top, |r| r.order_frequency, id, false),
        // Shortest cover first; items that did not sell (no cover figure) last.
        InventorySort::DaysOfCover => {
            rank(&mut rows, p.top, |r| (r.days_of_cover.is_none(), r.days_of_cover), id, true)
        }
        InventorySort::Stock => rank(&mut rows, p.top, |r| r.on_hand, id, true),
        InventorySort::Revenue => rank(&mut rows, p.top, |r| r.revenue, id, false),
    }
    Report { range: p.range, currency, total_rows, rows }
}

pub fn customer_tier(spent: Decimal, t: &CustomerThresholds) -> CustomerTier {
    if spent > t.vip_above {
        CustomerTier::Vip
    } else if spent > t.premium_above {
        CustomerTier::Premium
    } else if spent > t.regular_above {
        CustomerTier::Regular
    } else {
        CustomerTier::Basic
    }
}

pub fn customer_status(days_since_last_order: i64, t: &CustomerThresholds) -> CustomerStatus {
    if days_since_last_order <= t.active_within_days {
        CustomerStatus::Active
    } else if days_since_last_order <= t.at_risk_within_days {
        CustomerStatus::AtRisk
    } else {
        CustomerStatus::Inactive
    }
}

pub fn customers(facts: Vec<CustomerFact>, p: &CustomerParams, currency: Currency) -> CustomerReport {
    let t = &p.thresholds;
    let mut rows: Vec<CustomerRow> = facts
        .into_iter()
        .map(|f| {
            let days = (p.range.to - f.last_order).num_days();
            CustomerRow {
                tier: customer_tier(f.spent, t),
                status: customer_status(days, t),
                avg_order_value: money(ratio(f.spent, f.orders, 2).unwrap_or_default()),
                customer_id: f.customer_id,
                name: f.name,
                region: f.region,
                orders: f.orders,
                spent: money(f.spent),
                unique_products: f.unique_products,
                last_order: f.last_order,
                days_since_last_order: days,
            }
        })
        .collect();
    let mut segments = Vec::with_capacity(12);
    for tier in CustomerTier::ALL {
        for status in CustomerStatus::ALL {
            let customers = rows.iter().filter(|r| r.tier == tier && r.status == status).count() as i64;
            segments.push(SegmentCount { tier, status, customers });
        }
    }
    let total_rows = rows.len();
    let id = |r: &CustomerRow| r.customer_id;
    match p.sort {
        CustomerSort::Spent => rank(&mut rows, p.top, |r| r.spent, id, false),
        CustomerSort::Orders => rank(&mut rows, p.top, |r| (r.orders, r.spent), id, false),
        CustomerSort::Recency => rank(&mut rows, p.top, |r| r.days_since_last_order, id, true),
    }
    CustomerReport { report: Report { range: p.range, currency, total_rows, rows }, segments }
}

/// First days of every calendar month the range touches.
pub fn months_of(range: DateRange) -> Vec<NaiveDate> {
    let mut months = Vec::new();
    let mut m = range.from.with_day(1);
    while let Some(month) = m.filter(|m| *m <= range.to) {
        months.push(month);
        m = month.checked_add_months(chrono::Months::new(1));
    }
    months
}

pub fn seasonal(facts: Vec<MonthlyItemFact>, p: &SeasonalParams, currency: Currency) -> SeasonalReport {
    let mut totals: BTreeMap<i64, Decimal> = BTreeMap::new();
    for f in &facts {
        *totals.entry(f.stock_item_id).or_default() += f.revenue;
    }
    let mut ranked: Vec<(i64, Decimal)> = totals.into_iter().filter(|(_, r)| *r > Decimal::ZERO).collect();
    let total_rows = ranked.len();
    rank(&mut ranked, p.top, |r| r.1, |r| r.0, false);
    let chosen: Vec<i64> = ranked.iter().map(|r| r.0).collect();
    let mut rows: Vec<SeasonalRow> = facts
        .into_iter()
        .filter(|f| chosen.contains(&f.stock_item_id))
        .map(|f| SeasonalRow {
            avg_quantity: ratio(f.quantity, f.lines, 2).unwrap_or_default(),
            stock_item_id: f.stock_item_id,
            name: f.name,
            month: f.month,
            revenue: money(f.revenue),
            orders: f.orders,
            quantity: f.quantity,
        })
        .collect();
    rows.sort_by(|a, b| {
        a.month.cmp(&b.month).then(b.revenue.cmp(&a.revenue)).then(a.stock_item_id.cmp(&b.stock_item_id))
    });
    SeasonalReport { report: Report { range: p.range, currency, total_rows, rows }, months: months_of(p.range) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn range() -> DateRange {
        DateRange { from: day("2016-01-01"), to: day("2016-01-31") }
    }

    #[test]
    fn affinity_support_confidence_lift_by_hand() {
        // 10 baskets; A in 4, B in 5, C in 2; A&B together in 3, B&C in 2.
        let facts = BasketFacts {
            orders: 10,
            items: vec![(1, "A".into(), 4), (2, "B".into(), 5), (3, "C".into(), 2)],
            pairs: vec![(1, 2, 3), (2, 3, 2)],
        };
        let p = AffinityParams { range: range(), top: 10, min_co: 2, sort: AffinitySort::Lift };
        let r = affinity(facts, &p, Currency::Usd);
        assert_eq!(r.total_rows, 2);
        // B&C: support 2/10 = 0.2; conf B→C 2/5 = 0.4, C→B 2/2 = 1; lift 2·10/(5·2) = 2.
        let bc = &r.rows[0];
        assert_eq!((bc.item_a, bc.item_b), (2, 3));
        assert_eq!((bc.support, bc.confidence_ab, bc.confidence_ba, bc.lift), (d("0.2"), d("0.4"), d("1"), d("2")));
        // A&B: support 0.3; conf A→B 3/4 = 0.75, B→A 3/5 = 0.6; lift 3·10/(4·5) = 1.5.
        let ab = &r.rows[1];
        assert_eq!((ab.support, ab.confidence_ab, ab.confidence_ba, ab.lift), (d("0.3"), d("0.75"), d("0.6"), d("1.5")));
    }

    #[test]
    fn affinity_min_co_and_sorts() {
        let facts = BasketFacts {
            orders: 9,
            items: vec![(1, "A".into(), 3), (2, "B".into(), 6), (3, "C".into(), 3)],
            pairs: vec![(1, 2, 3), (1, 3, 1), (2, 3, 2)],
        };
        let mut p = AffinityParams { range: range(), top: 10, min_co: 2, sort: AffinitySort::CoOccurrence };
        let r = affinity(facts.clone(), &p, Currency::Usd);
        assert_eq!(r.rows.iter().map(|r| (r.item_a, r.item_b)).collect::<Vec<_>>(), vec![(1, 2), (2, 3)]);
        // A→B confidence 3/3 = 1 beats B→C max(2/6, 2/3) = 0.6667 (rounded to 4 places).
        p.sort = AffinitySort::Confidence;
        let r = affinity(facts.clone(), &p, Currency::Usd);
        assert_eq!(r.rows[0].confidence_ab, d("1"));
        assert_eq!(r.rows[1].confidence_ba, d("0.6667"));
        p.min_co = 1;
        p.top = 1;
        let r = affinity(facts, &p, Currency::Usd);
        assert_eq!((r.total_rows, r.rows.len()), (3, 1));
    }

    fn item(id: i64, revenue: &str, lines: i64, qty: i64, on_hand: i64) -> ItemSalesFact {
        ItemSalesFact {
            stock_item_id: id,
            name: format!("item {id}"),
            color: None,
            brand: None,
            size: None,
            revenue: d(revenue),
            unit_price_sum: d(revenue) / Decimal::from(qty.max(1)) * Decimal::from(lines),
            lines,
            quantity: qty,
            customers: lines,
            on_hand,
            reorder_level: 10,
            last_cost_price: d("1.5"),
        }
    }

    #[test]
    fn top_sellers_drop_unsold_and_rank() {
        let facts = vec![item(1, "100.00", 2, 10, 0), item(2, "0", 0, 0, 0), item(3, "250.50", 1, 5, 0)];
        let p = TopSellersParams { range: range(), top: 5, sort: TopSellersSort::Revenue };
        let r = top_sellers(facts.clone(), &p, Currency::Usd);
        assert_eq!(r.total_rows, 2);
        assert_eq!(r.rows[0].stock_item_id, 3);
        assert_eq!(r.rows[0].revenue.to_string(), "250.50");
        assert_eq!(r.rows[0].color, "Default");
        // Item 1: unit price 10.00 on each of 2 lines → mean 10.00.
        assert_eq!(r.rows[1].avg_price.to_string(), "10.00");
        // 1 unit at 10.00 and 9 units at 20.00: the line mean is 15.00, the weighted price 19.00.
        let mixed = ItemSalesFact { unit_price_sum: d("30.00"), ..item(4, "190.00", 2, 10, 0) };
        let r4 = top_sellers(vec![mixed], &p, Currency::Usd);
        assert_eq!(r4.rows[0].avg_price.to_string(), "19.00");
        let by_qty = top_sellers(facts, &TopSellersParams { sort: TopSellersSort::Quantity, top: 1, ..p }, Currency::Usd);
        assert_eq!(by_qty.rows.iter().map(|r| r.stock_item_id).collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn inventory_status_cover_and_order() {
        // January: 31 days. Item 1 sold 62 units → 2/day; 40 on hand → 20 days of cover, Critical.
        let facts = vec![item(1, "62", 4, 62, 40), item(2, "10", 1, 31, 150), item(3, "0", 0, 0, 900)];
        let p = InventoryParams { range: range(), top: 10, critical_at: 50, low_at: 200, sort: InventorySort::DaysOfCover };
        let r = inventory(facts, &p, Currency::Usd);
        let one = &r.rows[0];
        assert_eq!((one.stock_item_id, one.status), (1, StockStatus::Critical));
        assert_eq!(one.daily_demand, d("2"));
        assert_eq!(one.days_of_cover, Some(d("20")));
        assert_eq!(one.avg_demand, Some(d("15.5")));
        // Item 2: 1/day, 150 on hand → 150 days, Low. Item 3: unsold → no cover, last, Normal.
        assert_eq!((r.rows[1].stock_item_id, r.rows[1].status, r.rows[1].days_of_cover), (2, StockStatus::Low, Some(d("150"))));
        assert_eq!((r.rows[2].stock_item_id, r.rows[2].status, r.rows[2].days_of_cover), (3, StockStatus::Normal, None));
        assert_eq!(r.rows[2].avg_demand, None);
    }

    #[test]
    fn customer_tiers_status_and_segments() {
        let fact = |id: i64, spent: &str, orders: i64, last: &str| CustomerFact {
            customer_id: id,
            name: format!("c{id}"),
            region: "Plains".into(),
            orders,
            spent: d(spent),
            unique_products: 1,
            last_order: day(last),
        };
        let facts = vec![
            fact(1, "50000.01", 4, "2016-01-31"), // VIP, 0 days → Active
            fact(2, "50000.00", 2, "2016-01-01"), // Premium (not strictly above 50000), 30 days → Active
            fact(3, "5000.00", 1, "2015-12-31"),  // Basic, 31 days → At Risk
            fact(4, "0", 0, "2015-11-01"),        // Basic, 91 days → Inactive
        ];
        let p = CustomerParams { range: range(), top: 3, thresholds: CustomerThresholds::default(), sort: CustomerSort::Spent };
        let r = customers(facts, &p, Currency::Usd);
        let got: Vec<_> = r.report.rows.iter().map(|c| (c.customer_id, c.tier, c.status, c.days_since_last_order)).collect();
        assert_eq!(got, vec![
            (1, CustomerTier::Vip, CustomerStatus::Active, 0),
            (2, CustomerTier::Premium, CustomerStatus::Active, 30),
            (3, CustomerTier::Basic, CustomerStatus::AtRisk, 31),
        ]);
        assert_eq!(r.report.rows[1].avg_order_value.to_string(), "25000.00");
        assert_eq!(r.report.total_rows, 4);
        let count = |t, s| r.segments.iter().find(|x| x.tier == t && x.status == s).unwrap().customers;
        assert_eq!(r.segments.len(), 12);
        assert_eq!(count(CustomerTier::Basic, CustomerStatus::Inactive), 1);
        assert_eq!(count(CustomerTier::Basic, CustomerStatus::AtRisk), 1);
        assert_eq!(r.segments.iter().map(|s| s.customers).sum::<i64>(), 4);
    }

    #[test]
    fn seasonal_picks_top_items_over_the_range() {
        let f = |id: i64, month: &str, revenue: &str| MonthlyItemFact {
            stock_item_id: id,
            name: format!("i{id}"),
            month: day(month),
            revenue: d(revenue),
            orders: 2,
            lines: 2,
            quantity: 5,
        };
        let facts = vec![f(1, "2016-01-01", "10"), f(1, "2016-02-01", "10"), f(2, "2016-01-01", "15"), f(3, "2016-02-01", "30")];
        let p = SeasonalParams { range: DateRange { from: day("2016-01-15"), to: day("2016-03-02") }, top: 2 };
        let r = seasonal(facts, &p, Currency::Usd);
        assert_eq!(r.months, vec![day("2016-01-01"), day("2016-02-01"), day("2016-03-01")]);
        // Totals: item 3 = 30, item 1 = 20, item 2 = 15 → items 3 and 1.
        let got: Vec<_> = r.report.rows.iter().map(|x| (x.month.month(), x.stock_item_id)).collect();
        assert_eq!(got, vec![(1, 1), (2, 3), (2, 1)]);
        assert_eq!(r.report.rows[0].avg_quantity, d("2.5"));
        assert_eq!(r.report.total_rows, 3);
    }
}
