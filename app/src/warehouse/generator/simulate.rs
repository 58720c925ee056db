//! The day-by-day order simulation (WWI's `DailyProcessToCreateHistory`, orders part).

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::catalog::ItemDef;
use super::world::{CustomerPlan, Deck};
use super::{GeneratorSpec, Patterns};

/// Share of orders with three or more lines that get one line moved into a backorder.
pub(crate) const BACKORDER_RATE: f64 = 0.15;
/// In the last this many days customers are dealt from a shuffled deck instead of drawn with
/// replacement, so every customer still active orders at least once in the final month.
pub(crate) const FINAL_DEAL_DAYS: u32 = 30;
/// Salespeople are `Application.People` IDs 1..=SALESPEOPLE (the People table is not part of
/// the embedded warehouse).
const SALESPEOPLE: u8 = 10;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Order {
    pub id: u32,
    pub customer: u32,
    pub salesperson: u8,
    pub backorder: Option<u32>,
    /// Days since `spec.start`.
    pub day: u32,
    pub purchase_order: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Line {
    pub id: u32,
    pub order: u32,
    pub item: u16,
    pub quantity: u32,
}

/// Orders in ID order (ID = index + 1); lines in OrderLineID order (ID = index + 1).
#[derive(Clone, Debug, Default)]
pub(crate) struct Sales {
    pub orders: Vec<Order>,
    pub lines: Vec<Line>,
    pub backorders: u32,
}

/// WWI's yearly growth of the order volume.
pub(crate) fn year_factor(year: i32) -> f64 {
    match year {
        ..=2013 => 1.00,
        2014 => 1.12,
        2015 => 1.21,
        _ => 1.23,
    }
}

/// Orders on a day whose base volume is `base` (31..=90).
pub(crate) fn orders_on(date: NaiveDate, base: u32, scale: u32) -> u32 {
    // Truncated, like the integer arithmetic of WWI's simulation.
    let full = (f64::from(base) * year_factor(date.year()) * f64::from(scale) + 1e-9).floor() as u32;
    match date.weekday() {
        Weekday::Sun => 0,
        Weekday::Sat => full / 2,
        _ => full,
    }
}

/// The next Monday-to-Friday day after `date`.
pub(crate) fn next_weekday(date: NaiveDate) -> NaiveDate {
    let ahead = match date.weekday() {
        Weekday::Fri => 3,
        Weekday::Sat => 2,
        _ => 1,
    };
    date.checked_add_days(Days::new(ahead)).unwrap_or(date)
}

/// Base daily volume 30 + k, k uniform in 1..=60. Days of one kind (weekday / Saturday) in one
/// year come in antithetic pairs (k, 61 − k): every day stays uniform, the yearly mean is exact.
pub(crate) struct Volume {
    year: i32,
    pending: [Option<u32>; 2],
}

impl Volume {
    pub fn new() -> Self {
        Volume {
            year: i32::MIN,
            pending: [None, None],
        }
    }

    pub fn base(&mut self, rng: &mut ChaCha8Rng, date: NaiveDate) -> u32 {
        if date.year() != self.year {
            self.year = date.year();
            self.pending = [None, None];
        }
        let kind = usize::from(date.weekday() == Weekday::Sat);
        let k = match self.pending[kind].take() {
            Some(k) => 61 - k,
            None => {
                let k = rng.gen_range(1..=60);
                self.pending[kind] = Some(k);
                k
            }
        };
        30 + k
    }
}

/// Draw weight of every item on `date` (0 before an item is added).
pub(crate) fn weights(items: &[ItemDef], patterns: &Patterns, date: NaiveDate) -> Vec<f64> {
    let month = date.month0() as usize;
    let mut w: Vec<f64> = items
        .iter()
        .map(|i| if i.added.is_some_and(|a| a > date) { 0.0 } else { 1.0 })
        .collect();
    let mut set = |id: i64, value: f64| {
        if let Some(slot) = w.get_mut((id - 1) as usize) {
            if *slot > 0.0 {
                *slot = value;
            }
        }
    };
    for id in &patterns.slow_movers {
        set(*id, patterns.slow_mover_weight);
    }
    for id in &patterns.critical {
        set(*id, patterns.critical_weight);
    }
    for s in &patterns.seasonal {
        set(s.item, s.month_weights[month]);
    }
    w
}

/// Cumulative weights for drawing an index with probability proportional to its weight.
pub(crate) struct WeightedTable {
    cumulative: Vec<f64>,
    positive: usize,
}

impl WeightedTable {
    pub fn new(weights: &[f64]) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        WeightedTable {
            cumulative,
            positive: weights.iter().filter(|w| **w > 0.0).count(),
        }
    }

    /// How many indexes can be drawn at all.
    pub fn positive(&self) -> usize {
        self.positive
    }

    pub fn draw(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let u = rng.gen::<f64>() * total;
        self.cumulative
            .partition_point(|c| *c <= u)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

pub(crate) fn simulate(spec: &GeneratorSpec, items: &[ItemDef], plans: &[CustomerPlan], rng: &mut ChaCha8Rng) -> Sales {
    let patterns = &spec.patterns;
    let span = (spec.end - spec.start).num_days().max(0) as u32;
    // Bundles by anchor index.
    let mut bundle_of: Vec<Option<usize>> = vec![None; items.len()];
    for (b, bundle) in patterns.bundles.iter().enumerate() {
        if let Some(slot) = bundle_of.get_mut((bundle.anchor - 1) as usize) {
            *slot = Some(b);
        }
    }
    let mut farewells: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, plan) in plans.iter().enumerate() {
        if let Some(day) = plan.farewell {
            farewells.entry(day).or_default().push(i);
        }
    }
    let mut sales = Sales::default();
    let mut volume = Volume::new();
    let mut deck = Deck::new();
    let mut eligible: Vec<usize> = Vec::with_capacity(plans.len());
    let mut basket: Vec<usize> = Vec::with_capacity(8);
    // (order index, first line index, line count) of the day's new orders.
    let mut today: Vec<(usize, usize, usize)> = Vec::new();
    for day in 0..=span {
        let Some(date) = spec.start.checked_add_days(Days::new(u64::from(day))) else {
            break;
        };
        if date.weekday() == Weekday::Sun {
            continue;
        }
        let base = volume.base(rng, date);
        let forced = farewells.get(&i64::from(day)).map(Vec::as_slice).unwrap_or(&[]);
        let n = (orders_on(date, base, spec.scale) as usize).max(forced.len());
        let weights = weights(items, patterns, date);
        let table = WeightedTable::new(&weights);
        if table.positive() == 0 {
            continue;
        }
        let available = |i: usize| weights.get(i).is_some_and(|w| *w > 0.0);
        today.clear();
        let final_month = span - day < FINAL_DEAL_DAYS;
        if !final_month {
            eligible.clear();
            eligible.extend((0..plans.len()).filter(|i| plans[*i].may_order(i64::from(day))));
        }
        for o in 0..n {
            let customer = if let Some(c) = forced.get(o) {
                *c
            } else if final_month {
                match deck.deal(rng, plans, i64::from(day)) {
                    Some(c) => c,
                    None => break,
                }
            } else if eligible.is_empty() {
                break;
            } else {
                eligible[rng.gen_range(0..eligible.len())]
            };
            let lines_wanted = rng.gen_range(2..=5usize).min(table.positive());
            basket.clear();
            while basket.len() < lines_wanted {
                let item = table.draw(rng);
                if basket.contains(&item) {
                    continue;
                }
                basket.push(item);
                if let Some(bundle) = bundle_of[item].map(|b| &patterns.bundles[b]) {
                    if rng.gen_bool(bundle.probability) {
                        for member in &bundle.members {
                            let m = (*member - 1) as usize;
                            if available(m) && !basket.contains(&m) {
                                basket.push(m);
                            }
                        }
                    }
                }
            }
            let id = sales.orders.len() as u32 + 1;
            sales.orders.push(Order {
                id,
                customer: plans[customer].id as u32,
                salesperson: rng.gen_range(1..=SALESPEOPLE),
                backorder: None,
                day,
                purchase_order: rng.gen_range(10_001..=20_000),
            });
            today.push((sales.orders.len() - 1, sales.lines.len(), basket.len()));
            for &item in &basket {
                let per_outer = items[item].quantity_per_outer as u32;
                sales.lines.push(Line {
                    id: sales.lines.len() as u32 + 1,
                    order: id,
                    item: items[item].id as u16,
                    quantity: per_outer * rng.gen_range(1..=10u32),
                });
            }
        }
        // Undersupplied lines move into backorders, created after the day's new orders.
        for &(order, first_line, count) in &today {
            if count < 3 || !rng.gen_bool(BACKORDER_RATE) {
                continue;
            }
            let moved = first_line + rng.gen_range(0..count);
            let id = sales.orders.len() as u32 + 1;
            let original = sales.orders[order].clone();
            sales.orders[order].backorder = Some(id);
            sales.orders.push(Order {
                id,
                backorder: None,
                ..original
            });
            sales.lines[moved].order = id;
            sales.backorders += 1;
        }
    }
    sales
}

#[cfg(test)]
mod tests {
    use super::super::catalog::catalog;
    use super::super::tests::date;
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn daily_volume_follows_weekday_and_year() {
        assert_eq!(orders_on(date("2016-05-29"), 90, 1), 0); // Sunday
        assert_eq!(orders_on(date("2016-05-28"), 90, 1), 55); // Saturday: 110 / 2
        assert_eq!(orders_on(date("2016-05-27"), 90, 1), 110); // 90 × 1.23 = 110.7
        assert_eq!(orders_on(date("2013-01-01"), 31, 1), 31);
        assert_eq!(orders_on(date("2014-03-03"), 50, 10), 560);
        assert_eq!(orders_on(date("2015-03-03"), 100, 1), 121); // 1.21 × 100 is 120.999… in binary
        assert!(year_factor(2013) < year_factor(2014) && year_factor(2015) < year_factor(2016));
    }

    #[test]
    fn antithetic_volumes_stay_uniform_and_balanced() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut v = Volume::new();
        let days: Vec<u32> = (0..200)
            .map(|i| v.base(&mut rng, date("2015-01-05") + chrono::Duration::weeks(i % 50)))
            .collect();
        assert!(days.iter().all(|b| (31..=90).contains(b)));
        assert!(days.chunks(2).all(|p| p[0] + p[1] == 121));
    }

    #[test]
    fn expected_delivery_is_the_next_weekday() {
        assert_eq!(next_weekday(date("2016-05-27")), date("2016-05-30"));
        assert_eq!(next_weekday(date("2016-05-28")), date("2016-05-30"));
        assert_eq!(next_weekday(date("2016-05-30")), date("2016-05-31"));
    }

    #[test]
    fn weighted_draws_follow_the_weights() {
        let table = WeightedTable::new(&[0.0, 1.0, 3.0, 0.0]);
        assert_eq!(table.positive(), 2);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut counts = [0u32; 4];
        for _ in 0..40_000 {
            counts[table.draw(&mut rng)] += 1;
        }
        assert_eq!((counts[0], counts[3]), (0, 0));
        let ratio = f64::from(counts[2]) / f64::from(counts[1]);
        assert!((2.8..3.2).contains(&ratio), "{ratio}");
    }

    #[test]
    fn chilled_items_have_no_weight_before_they_are_added() {
        let items = catalog();
        let p = Patterns::default();
        let before = weights(&items, &p, date("2015-12-31"));
        assert!(before[219..].iter().all(|w| *w == 0.0));
        let jan2 = weights(&items, &p, date("2016-01-02"));
        assert_eq!(jan2[219..].iter().filter(|w| **w > 0.0).count(), 4);
        let oct = weights(&items, &p, date("2015-10-15"));
        let may = weights(&items, &p, date("2016-05-15"));
        let pumpkin = (super::super::ids::PUMPKIN_LANTERN - 1) as usize;
        assert!(oct[pumpkin] >= 3.0 * may[pumpkin]);
        assert_eq!(may[(super::super::ids::CRITICAL[0] - 1) as usize], 3.0);
    }
}
