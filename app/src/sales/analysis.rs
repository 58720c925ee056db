//! Facts → reports: ranking, classification and every derived ratio, computed once for both
//! backends. Pure functions; the hand-computed fixtures in the tests pin the arithmetic.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::model::*;
use crate::warehouse::facts::{BasketFacts, CustomerFact, ItemSalesFact, MonthlyItemFact};

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

/// An exact ratio n ÷ d (d > 0) for ranking: compared by cross-multiplication, so two ratios
/// that round to the same shown figure still rank in their true order.
#[derive(Clone, Copy, Debug)]
struct Exact {
    n: Decimal,
    d: Decimal,
}

fn exact(n: impl Into<Decimal>, d: impl Into<Decimal>) -> Option<Exact> {
    let (n, d) = (n.into(), d.into());
    (d > Decimal::ZERO).then_some(Exact { n, d })
}

impl Ord for Exact {
    fn cmp(&self, o: &Self) -> Ordering {
        match (self.n.checked_mul(o.d), o.n.checked_mul(self.d)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Beyond 96 bits: the quotients' 28 significant digits still decide.
            _ => (self.n / self.d).cmp(&(o.n / o.d)),
        }
    }
}
impl PartialOrd for Exact {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Exact {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Exact {}

/// Text sorts ignore case.
fn text(s: &str) -> String {
    s.to_lowercase()
}

/// Sorts by `key` in `dir` (rows without a key, e.g. no cover figure, last either way), ties
/// by `id` ascending, and keeps the first `top`. Runs before the cut, so ascending shows the
/// other end of the data, not the same rows reversed.
fn rank<R, K: Ord>(rows: &mut Vec<R>, top: u32, dir: SortDir, key: impl Fn(&R) -> Option<K>, id: impl Fn(&R) -> i64) {
    rows.sort_by(|a, b| {
        let by_key = match (key(a), key(b)) {
            (Some(x), Some(y)) if dir == SortDir::Asc => x.cmp(&y),
            (Some(x), Some(y)) => y.cmp(&x),
            (x, y) => x.is_none().cmp(&y.is_none()),
        };
        by_key.then_with(|| id(a).cmp(&id(b)))
    });
    rows.truncate(top as usize);
}

pub fn top_sellers(facts: Vec<ItemSalesFact>, p: &TopSellersParams, currency: Currency) -> Report<TopSellerRow> {
    // Each row keeps its exact mean price for ranking.
    let mut rows: Vec<(Option<Exact>, TopSellerRow)> = facts
        .into_iter()
        .filter(|f| f.revenue > Decimal::ZERO)
        // Quantity-weighted (revenue ÷ units), what finance means by average price; the
        // mean of line prices let a one-unit line weigh as much as a pallet.
        .map(|f| (exact(f.revenue, f.quantity), TopSellerRow {
            avg_price: money(ratio(f.revenue, f.quantity, 2).unwrap_or_default()),
            stock_item_id: f.stock_item_id,
            color: f.color.unwrap_or_else(|| "Default".to_string()),
            name: f.name,
            brand: f.brand,
            size: f.size,
            revenue: money(f.revenue),
            customers: f.customers,
            quantity: f.quantity,
        }))
        .collect();
    let total_rows = rows.len();
    let id = |r: &(Option<Exact>, TopSellerRow)| r.1.stock_item_id;
    let (top, dir) = (p.top, p.dir);
    match p.sort {
        TopSellersSort::Revenue => rank(&mut rows, top, dir, |r| Some(r.1.revenue), id),
        TopSellersSort::Quantity => rank(&mut rows, top, dir, |r| Some(r.1.quantity), id),
        TopSellersSort::Customers => rank(&mut rows, top, dir, |r| Some(r.1.customers), id),
        TopSellersSort::AvgPrice => rank(&mut rows, top, dir, |r| r.0, id),
        TopSellersSort::Name => rank(&mut rows, top, dir, |r| Some(text(&r.1.name)), id),
    }
    Report { range: p.range, currency, total_rows, rows: rows.into_iter().map(|r| r.1).collect() }
}

pub fn affinity(facts: BasketFacts, p: &AffinityParams, currency: Currency) -> Report<AffinityRow> {
    let n = facts.orders;
    let items: BTreeMap<i64, (String, i64)> =
        facts.items.into_iter().map(|(id, name, count)| (id, (name, count))).collect();
    // Pairs are ranked on their counts (exact ratios), and only the kept ones are rounded.
    struct Pair {
        a: i64,
        b: i64,
        co: i64,
        n_a: i64,
        n_b: i64,
    }
    impl Pair {
        fn conf_ab(&self) -> Option<Exact> {
            exact(self.co, self.n_a)
        }
        fn conf_ba(&self) -> Option<Exact> {
            exact(self.co, self.n_b)
        }
        fn lift(&self, n: i64) -> Option<Exact> {
            exact(Decimal::from(self.co) * Decimal::from(n), Decimal::from(self.n_a) * Decimal::from(self.n_b))
        }
    }
    let mut pairs: Vec<Pair> = facts
        .pairs
        .into_iter()
        .filter(|&(_, _, co)| co >= i64::from(p.min_co))
        .filter_map(|(a, b, co)| Some(Pair { a, b, co, n_a: items.get(&a)?.1, n_b: items.get(&b)?.1 }))
        .filter(|x| n > 0 && x.n_a > 0 && x.n_b > 0)
        .collect();
    let total_rows = pairs.len();
    let id = |r: &Pair| r.a * 1_000_000 + r.b;
    let (top, dir) = (p.top, p.dir);
    match p.sort {
        AffinitySort::Lift => rank(&mut pairs, top, dir, |r| Some((r.lift(n)?, r.co)), id),
        AffinitySort::Confidence => rank(&mut pairs, top, dir, |r| Some((r.conf_ab()?.max(r.conf_ba()?), r.co)), id),
        AffinitySort::ConfidenceAb => rank(&mut pairs, top, dir, |r| Some((r.conf_ab()?, r.co)), id),
        AffinitySort::ConfidenceBa => rank(&mut pairs, top, dir, |r| Some((r.conf_ba()?, r.co)), id),
        AffinitySort::Support | AffinitySort::CoOccurrence => rank(&mut pairs, top, dir, |r| Some((r.co, r.lift(n)?)), id),
    }
    let rows = pairs
        .into_iter()
        .filter_map(|x| {
            Some(AffinityRow {
                item_a: x.a,
                name_a: items.get(&x.a)?.0.clone(),
                item_b: x.b,
                name_b: items.get(&x.b)?.0.clone(),
                co_occurrence: x.co,
                support: ratio(x.co, n, RATIO_DP)?,
                confidence_ab: ratio(x.co, x.n_a, RATIO_DP)?,
                confidence_ba: ratio(x.co, x.n_b, RATIO_DP)?,
                lift: ratio(Decimal::from(x.co) * Decimal::from(n), Decimal::from(x.n_a) * Decimal::from(x.n_b), RATIO_DP)?,
            })
        })
        .collect();
    Report { range: p.range, currency, total_rows, rows }
}

/// Critical / Low by stock on hand; above that, Excess when the stock outlasts `excess_days` at
/// the range's demand (`units_sold` over `days`; nothing sold counts as outlasting it).
pub fn stock_status(on_hand: i64, units_sold: i64, days: i64, p: &InventoryParams) -> StockStatus {
    if on_hand <= p.critical_at {
        StockStatus::Critical
    } else if on_hand <= p.low_at {
        StockStatus::Low
    } else if i128::from(on_hand) * i128::from(days) > i128::from(p.excess_days) * i128::from(units_sold) {
        StockStatus::Excess
    } else {
        StockStatus::Normal
    }
}

/// Days of cover for ranking: exact, and infinite for stock that did not sell; None for an
/// item with neither stock nor sales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cover {
    Days(Exact),
    Unsold,
}

fn cover(r: &InventoryRow, days: i64) -> Option<Cover> {
    match exact(Decimal::from(r.on_hand) * Decimal::from(days), r.units_sold) {
        Some(c) => Some(Cover::Days(c)),
        None => (r.on_hand > 0).then_some(Cover::Unsold),
    }
}

pub fn inventory(facts: Vec<ItemSalesFact>, p: &InventoryParams, currency: Currency) -> Report<InventoryRow> {
    let days = p.range.days();
    let mut rows: Vec<InventoryRow> = facts
        .into_iter()
        .map(|f| InventoryRow {
            status: stock_status(f.on_hand, f.quantity, days, p),
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
        .filter(|r| p.status.is_none_or(|s| r.status == s))
        .collect();
    let total_rows = rows.len();
    let id = |r: &InventoryRow| r.stock_item_id;
    let (top, dir) = (p.top, p.dir);
    match p.sort {
        InventorySort::OrderFrequency => rank(&mut rows, top, dir, |r| Some(r.order_frequency), id),
        // Unsold stock has endless cover: last when ascending, first when descending.
        InventorySort::DaysOfCover => rank(&mut rows, top, dir, |r| cover(r, days), id),
        InventorySort::Stock => rank(&mut rows, top, dir, |r| Some(r.on_hand), id),
        InventorySort::Revenue => rank(&mut rows, top, dir, |r| Some(r.revenue), id),
        InventorySort::Name => rank(&mut rows, top, dir, |r| Some(text(&r.name)), id),
        InventorySort::ReorderLevel => rank(&mut rows, top, dir, |r| Some(r.reorder_level), id),
        InventorySort::Cost => rank(&mut rows, top, dir, |r| Some(r.last_cost_price), id),
        // Daily demand is units sold over the same number of days for every row.
        InventorySort::UnitsSold | InventorySort::DailyDemand => rank(&mut rows, top, dir, |r| Some(r.units_sold), id),
        InventorySort::AvgDemand => rank(&mut rows, top, dir, |r| exact(r.units_sold, r.order_frequency), id),
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
    rows.retain(|r| p.status.is_none_or(|s| r.status == s) && p.tier.is_none_or(|t| r.tier == t));
    let total_rows = rows.len();
    let id = |r: &CustomerRow| r.customer_id;
    let (top, dir) = (p.top, p.dir);
    match p.sort {
        CustomerSort::Spent => rank(&mut rows, top, dir, |r| Some(r.spent), id),
        CustomerSort::Orders => rank(&mut rows, top, dir, |r| Some((r.orders, r.spent)), id),
        CustomerSort::Recency => rank(&mut rows, top, dir, |r| Some(r.days_since_last_order), id),
        CustomerSort::LastOrder => rank(&mut rows, top, dir, |r| Some(r.last_order), id),
        CustomerSort::Name => rank(&mut rows, top, dir, |r| Some(text(&r.name)), id),
        CustomerSort::Region => rank(&mut rows, top, dir, |r| Some((text(&r.region), r.customer_id)), id),
        CustomerSort::AvgOrderValue => rank(&mut rows, top, dir, |r| exact(r.spent, r.orders), id),
        CustomerSort::Products => rank(&mut rows, top, dir, |r| Some(r.unique_products), id),
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
    let mut totals: BTreeMap<i64, SeasonalProduct> = BTreeMap::new();
    for f in &facts {
        let t = totals.entry(f.stock_item_id).or_insert_with(|| SeasonalProduct {
            stock_item_id: f.stock_item_id,
            name: f.name.clone(),
            revenue: Decimal::ZERO,
            quantity: 0,
        });
        t.revenue += f.revenue;
        t.quantity += f.quantity;
    }
    let mut ranked: Vec<SeasonalProduct> = totals.into_values().filter(|t| t.revenue > Decimal::ZERO).collect();
    let total_rows = ranked.len();
    let id = |r: &SeasonalProduct| r.stock_item_id;
    let (top, dir) = (p.top, p.dir);
    match p.sort {
        SeasonalSort::Revenue => rank(&mut ranked, top, dir, |r| Some(r.revenue), id),
        SeasonalSort::Quantity => rank(&mut ranked, top, dir, |r| Some(r.quantity), id),
        SeasonalSort::Name => rank(&mut ranked, top, dir, |r| Some(text(&r.name)), id),
    }
    for t in &mut ranked {
        t.revenue = money(t.revenue);
    }
    let chosen: Vec<i64> = ranked.iter().map(|r| r.stock_item_id).collect();
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
    SeasonalReport {
        report: Report { range: p.range, currency, total_rows, rows },
        products: ranked,
        months: months_of(p.range),
    }
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
        let p = AffinityParams { range: range(), top: 10, min_co: 2, sort: AffinitySort::Lift, dir: SortDir::Desc, basis: Basis::Invoiced };
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
        let mut p = AffinityParams { range: range(), top: 10, min_co: 2, sort: AffinitySort::CoOccurrence, dir: SortDir::Desc, basis: Basis::Invoiced };
        let r = affinity(facts.clone(), &p, Currency::Usd);
        assert_eq!(r.rows.iter().map(|r| (r.item_a, r.item_b)).collect::<Vec<_>>(), vec![(1, 2), (2, 3)]);
        // A→B confidence 3/3 = 1 beats B→C max(2/6, 2/3) = 0.6667 (rounded to 4 places).
        p.sort = AffinitySort::Confidence;
        let r = affinity(facts.clone(), &p, Currency::Usd);
        assert_eq!(r.rows[0].confidence_ab, d("1"));
        assert_eq!(r.rows[1].confidence_ba, d("0.6667"));
        p.min_co = 1;
        p.top = 1;
        let r = affinity(facts.clone(), &p, Currency::Usd);
        assert_eq!((r.total_rows, r.rows.len()), (3, 1));
        // Ascending ranks before the cut: the weakest pair, A&C (max confidence 1/3).
        p.dir = SortDir::Asc;
        let r = affinity(facts.clone(), &p, Currency::Usd);
        assert_eq!((r.rows[0].item_a, r.rows[0].item_b), (1, 3));
        // Sorting by B→A marks and ranks that column: B→C 2/3 and A→B 3/6 … A&C 1/3.
        p.top = 10;
        p.sort = AffinitySort::ConfidenceBa;
        p.dir = SortDir::Desc;
        let r = affinity(facts, &p, Currency::Usd);
        let ba: Vec<Decimal> = r.rows.iter().map(|x| x.confidence_ba).collect();
        assert_eq!(ba, vec![d("0.6667"), d("0.5"), d("0.3333")]);
    }

    #[test]
    fn confidence_ranks_on_exact_ratios_not_rounded_ones() {
        // A→C 17/303 = 0.056106 and B→D 18/321 = 0.056075 both show as 0.0561; the first is
        // higher, although B&D were bought together more often (the old tie-break).
        let facts = BasketFacts {
            orders: 10_000,
            items: vec![(1, "A".into(), 303), (2, "B".into(), 321), (3, "C".into(), 5_000), (4, "D".into(), 5_000)],
            pairs: vec![(1, 3, 17), (2, 4, 18)],
        };
        let mut p = AffinityParams { range: range(), top: 10, min_co: 1, sort: AffinitySort::Confidence, dir: SortDir::Desc, basis: Basis::Invoiced };
        let r = affinity(facts.clone(), &p, Currency::Usd);
        assert_eq!(r.rows.iter().map(|x| x.item_a).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!((r.rows[0].confidence_ab, r.rows[1].confidence_ab), (d("0.0561"), d("0.0561")));
        p.sort = AffinitySort::ConfidenceAb;
        p.dir = SortDir::Asc;
        let r = affinity(facts, &p, Currency::Usd);
        assert_eq!(r.rows.iter().map(|x| x.item_a).collect::<Vec<_>>(), vec![2, 1]);
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
        let p = TopSellersParams { range: range(), top: 5, sort: TopSellersSort::Revenue, dir: SortDir::Desc, basis: Basis::Invoiced };
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
        let by_qty = top_sellers(facts.clone(), &TopSellersParams { sort: TopSellersSort::Quantity, top: 1, ..p }, Currency::Usd);
        assert_eq!(by_qty.rows.iter().map(|r| r.stock_item_id).collect::<Vec<_>>(), vec![1]);
        // Ascending, cut to one row: the other end (5 units), not the first row reversed.
        let fewest = TopSellersParams { sort: TopSellersSort::Quantity, top: 1, dir: SortDir::Asc, ..p };
        assert_eq!(top_sellers(facts, &fewest, Currency::Usd).rows[0].stock_item_id, 3);
    }

    #[test]
    fn inventory_status_cover_and_order() {
        // January: 31 days. Item 1 sold 62 units → 2/day; 40 on hand → 20 days of cover, Critical.
        let facts = vec![item(1, "62", 4, 62, 40), item(2, "10", 1, 31, 150), item(3, "0", 0, 0, 900)];
        let p = InventoryParams {
            range: range(),
            top: 10,
            critical_at: 50,
            low_at: 200,
            excess_days: 365,
            status: None,
            sort: InventorySort::DaysOfCover,
            dir: SortDir::Asc,
        };
        let r = inventory(facts.clone(), &p, Currency::Usd);
        let one = &r.rows[0];
        assert_eq!((one.stock_item_id, one.status), (1, StockStatus::Critical));
        assert_eq!(one.daily_demand, d("2"));
        assert_eq!(one.days_of_cover, Some(d("20")));
        assert_eq!(one.avg_demand, Some(d("15.5")));
        // Item 2: 1/day, 150 on hand → 150 days, Low. Item 3: unsold stock → no cover figure,
        // last when ascending, and Excess (it outlasts any threshold).
        assert_eq!((r.rows[1].stock_item_id, r.rows[1].status, r.rows[1].days_of_cover), (2, StockStatus::Low, Some(d("150"))));
        assert_eq!((r.rows[2].stock_item_id, r.rows[2].status, r.rows[2].days_of_cover), (3, StockStatus::Excess, None));
        assert_eq!(r.rows[2].avg_demand, None);
        // Descending: endless cover first.
        let desc = inventory(facts.clone(), &InventoryParams { dir: SortDir::Desc, ..p.clone() }, Currency::Usd);
        assert_eq!(desc.rows.iter().map(|x| x.stock_item_id).collect::<Vec<_>>(), vec![3, 2, 1]);
        // The status filter applies before the cut and the count says so.
        let excess = inventory(facts, &InventoryParams { status: Some(StockStatus::Excess), top: 1, ..p }, Currency::Usd);
        assert_eq!((excess.total_rows, excess.rows[0].stock_item_id), (1, 3));
    }

    #[test]
    fn excess_needs_more_cover_than_the_threshold() {
        let p = InventoryParams {
            range: range(),
            top: 10,
            critical_at: 50,
            low_at: 200,
            excess_days: 100,
            status: None,
            sort: InventorySort::Stock,
            dir: SortDir::Asc,
        };
        // 93 units in 31 days = 3/day: 300 on hand is 100 days of cover, not above 100; 303 is
        // 101 days. Unsold stock outlasts any threshold, but 40 on hand stays Critical.
        assert_eq!(stock_status(300, 93, 31, &p), StockStatus::Normal);
        assert_eq!(stock_status(303, 93, 31, &p), StockStatus::Excess);
        assert_eq!(stock_status(40, 0, 31, &p), StockStatus::Critical);
        assert_eq!(stock_status(201, 0, 31, &p), StockStatus::Excess);
        assert_eq!(stock_status(150, 0, 31, &p), StockStatus::Low);
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
        let p = CustomerParams {
            range: range(),
            top: 3,
            thresholds: CustomerThresholds::default(),
            status: None,
            tier: None,
            sort: CustomerSort::Spent,
            dir: SortDir::Desc,
            basis: Basis::Invoiced,
        };
        let r = customers(facts.clone(), &p, Currency::Usd);
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
        // Longest absence first, then filters before the cut (segments still count everyone).
        let by = |p: &CustomerParams| customers(facts.clone(), p, Currency::Usd);
        let ids = |r: &CustomerReport| r.report.rows.iter().map(|c| c.customer_id).collect::<Vec<_>>();
        let stale = by(&CustomerParams { sort: CustomerSort::Recency, dir: SortDir::Desc, top: 2, ..p.clone() });
        assert_eq!(ids(&stale), vec![4, 3]);
        let basic = by(&CustomerParams { tier: Some(CustomerTier::Basic), top: 1, ..p.clone() });
        assert_eq!((ids(&basic), basic.report.total_rows, basic.segments.len()), (vec![3], 2, 12));
        let gone = by(&CustomerParams { status: Some(CustomerStatus::Inactive), tier: Some(CustomerTier::Basic), ..p.clone() });
        assert_eq!((ids(&gone), gone.report.total_rows), (vec![4], 1));
        let none = by(&CustomerParams { status: Some(CustomerStatus::Inactive), tier: Some(CustomerTier::Vip), ..p });
        assert_eq!(none.report.total_rows, 0);
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
        let p = SeasonalParams {
            range: DateRange { from: day("2016-01-15"), to: day("2016-03-02") },
            top: 2,
            sort: SeasonalSort::Revenue,
            dir: SortDir::Desc,
            measure: SeasonalMeasure::Revenue,
            basis: Basis::Invoiced,
        };
        let r = seasonal(facts.clone(), &p, Currency::Usd);
        assert_eq!(r.products.iter().map(|x| (x.stock_item_id, x.revenue.to_string(), x.quantity)).collect::<Vec<_>>(), vec![
            (3, "30.00".to_string(), 5),
            (1, "20.00".to_string(), 10),
        ]);
        // January from the 15th and March to the 2nd are partial; February is whole.
        assert_eq!(p.range.partial_months(), vec![day("2016-01-01"), day("2016-03-01")]);
        assert_eq!(DateRange { from: day("2016-01-01"), to: day("2016-05-31") }.partial_months(), vec![]);
        assert_eq!(DateRange { from: day("2016-02-03"), to: day("2016-02-20") }.partial_months(), vec![day("2016-02-01")]);
        assert_eq!(DateRange { from: day("2016-02-01"), to: day("2016-02-29") }.partial_months(), vec![]);
        let least = seasonal(facts, &SeasonalParams { dir: SortDir::Asc, top: 1, ..p.clone() }, Currency::Usd);
        assert_eq!(least.products.iter().map(|x| x.stock_item_id).collect::<Vec<_>>(), vec![2]);
        assert_eq!(r.months, vec![day("2016-01-01"), day("2016-02-01"), day("2016-03-01")]);
        // Totals: item 3 = 30, item 1 = 20, item 2 = 15 → items 3 and 1.
        let got: Vec<_> = r.report.rows.iter().map(|x| (x.month.month(), x.stock_item_id)).collect();
        assert_eq!(got, vec![(1, 1), (2, 3), (2, 1)]);
        assert_eq!(r.report.rows[0].avg_quantity, d("2.5"));
        assert_eq!(r.report.total_rows, 3);
    }
}
