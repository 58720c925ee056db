//! `Warehouse.StockItemHoldings` as they stand at the end of the data, sized from the demand the
//! simulation produced.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::catalog::ItemDef;
use super::reference::GROUP_AISLES;
use super::simulate::Sales;
use super::GeneratorSpec;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Holding {
    pub item: i64,
    pub on_hand: i64,
    pub bin: String,
    pub stocktake: i64,
    pub last_cost_cents: i64,
    pub reorder_level: i64,
    pub target_level: i64,
}

/// Normal items hold this many days of their recent demand (uniform) …
const NORMAL_COVER_DAYS: (f64, f64) = (60.0, 150.0);
/// … and never less than this many units (above the Low band).
const NORMAL_MIN_ON_HAND: i64 = 201;
/// Slow movers hold at least this many units.
const SLOW_MIN_ON_HAND: i64 = 1_500;

/// WWI counts stock on Jan 31, Apr 30, Jul 31 and Oct 31: the last such day on or before `end`.
pub(crate) fn last_stocktake(end: NaiveDate) -> NaiveDate {
    let candidates = |y: i32| [(y, 1, 31), (y, 4, 30), (y, 7, 31), (y, 10, 31)];
    candidates(end.year() - 1)
        .into_iter()
        .chain(candidates(end.year()))
        .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .filter(|d| *d <= end)
        .max()
        .unwrap_or(end)
}

/// Rounds `n` up to a whole number of outers.
fn whole_outers(n: i64, per_outer: i64) -> i64 {
    let per_outer = per_outer.max(1);
    (n.max(1) + per_outer - 1) / per_outer * per_outer
}

/// Units sold per item in the last `days` days of the data (index = StockItemID − 1).
struct Demand {
    span_days: i64,
    windows: [(i64, Vec<i64>); 3],
    since_stocktake: Vec<i64>,
}

impl Demand {
    fn new(spec: &GeneratorSpec, items: usize, sales: &Sales) -> Self {
        let span_days = (spec.end - spec.start).num_days() + 1;
        let last_day = span_days - 1;
        let stocktake_day = (last_stocktake(spec.end) - spec.start).num_days();
        let mut windows = [(90, vec![0; items]), (150, vec![0; items]), (365, vec![0; items])];
        let mut since_stocktake = vec![0; items];
        for line in &sales.lines {
            let Some(order) = sales.orders.get(line.order as usize - 1) else {
                continue;
            };
            let day = i64::from(order.day);
            let item = usize::from(line.item) - 1;
            let units = i64::from(line.quantity);
            for (days, sold) in windows.iter_mut() {
                if last_day - day < *days {
                    sold[item] += units;
                }
            }
            if day > stocktake_day {
                since_stocktake[item] += units;
            }
        }
        Demand {
            span_days,
            windows,
            since_stocktake,
        }
    }

    /// Units per day over the last `window` (0, 1 or 2: 90, 150, 365 days).
    fn rate(&self, window: usize, item: usize) -> f64 {
        let (days, sold) = &self.windows[window];
        sold[item] as f64 / (*days).min(self.span_days).max(1) as f64
    }
}

pub(crate) fn holdings(spec: &GeneratorSpec, items: &[ItemDef], sales: &Sales, rng: &mut ChaCha8Rng) -> Vec<Holding> {
    let p = &spec.patterns;
    let demand = Demand::new(spec, items.len(), sales);
    let mut bins = [0u32; GROUP_AISLES.len()];
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let rate = demand.rate(1, i);
            let on_hand = if p.critical.contains(&item.id) {
                let hi = p.critical_max_on_hand.max(0);
                rng.gen_range(hi / 10..=(hi - 2).max(hi / 10))
            } else if p.low_stock.contains(&item.id) {
                rng.gen_range(p.low_stock_on_hand.0..=p.low_stock_on_hand.1)
            } else if p.slow_movers.contains(&item.id) {
                let peak = (0..3).map(|w| demand.rate(w, i)).fold(0.0, f64::max);
                let days = p.slow_mover_min_cover_days + rng.gen_range(0..=400);
                ((peak * days as f64).ceil() as i64).max(SLOW_MIN_ON_HAND + rng.gen_range(0..=1_000))
            } else {
                let cover = rng.gen_range(NORMAL_COVER_DAYS.0..NORMAL_COVER_DAYS.1);
                ((rate * cover).ceil() as i64).max(NORMAL_MIN_ON_HAND + rng.gen_range(0..=150))
            };
            let per_outer = item.quantity_per_outer;
            let reorder_level = whole_outers((rate * (item.lead_time_days + 14) as f64).ceil() as i64, per_outer);
            let target_level = reorder_level + whole_outers((rate * 60.0).ceil() as i64, per_outer);
            let stocktake = (on_hand + demand.since_stocktake[i] + rng.gen_range(-4..=4)).max(0);
            let last_cost_cents = (item.unit_price_cents * rng.gen_range(550..=800) + 500) / 1000;
            let aisle = item
                .groups
                .first()
                .map_or(0, |g| (*g - 1) as usize)
                .min(GROUP_AISLES.len() - 1);
            bins[aisle] += 1;
            Holding {
                item: item.id,
                on_hand,
                bin: format!("{}-{}", GROUP_AISLES[aisle], bins[aisle]),
                stocktake,
                last_cost_cents,
                reorder_level,
                target_level,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::date;
    use super::*;

    #[test]
    fn stocktakes_are_quarterly() {
        // (day, the last stocktake on or before it)
        for (day, stocktake) in
            [("2016-05-31", "2016-04-30"), ("2016-04-30", "2016-04-30"), ("2016-01-15", "2015-10-31"), ("2013-03-01", "2013-01-31")]
        {
            assert_eq!(last_stocktake(date(day)), date(stocktake), "{day}");
        }
    }

    #[test]
    fn reorder_quantities_are_whole_outers() {
        // (units needed, units per outer, units ordered)
        for (need, per_outer, ordered) in [(0, 12, 12), (13, 12, 24), (24, 12, 24), (7, 1, 7)] {
            assert_eq!(whole_outers(need, per_outer), ordered, "{need} by {per_outer}");
        }
    }
}
