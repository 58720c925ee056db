//! Cities and customers, and when each customer may order.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::reference::*;
use super::GeneratorSpec;

#[derive(Clone, Debug)]
pub(crate) struct City {
    pub id: i64,
    pub name: String,
    /// StateProvinceID (1–53).
    pub state: i64,
    pub population: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Customer {
    pub id: i64,
    pub name: String,
    pub bill_to: i64,
    pub category: i64,
    pub buying_group: Option<i64>,
    pub delivery_city: i64,
    pub postal_city: i64,
    /// None = unlimited (buying-group members).
    pub credit_limit_cents: Option<i64>,
    pub opened: NaiveDate,
    pub payment_days: i64,
    pub phone: String,
    pub website: String,
    pub address1: String,
    pub address2: Option<String>,
    pub postal_code: String,
}

/// When a customer may order, as day indexes from `spec.start` (both inclusive).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CustomerPlan {
    pub id: i64,
    pub first_day: i64,
    pub last_day: i64,
    /// A drifting customer's last order, placed on this day whatever the deal.
    pub farewell: Option<i64>,
}

impl CustomerPlan {
    pub fn may_order(&self, day: i64) -> bool {
        self.first_day <= day && day <= self.last_day
    }
}

/// Branches per buying group (plus one head office each).
const BRANCHES: usize = 200;
/// Individual customers (IDs 801–1061).
const INDIVIDUALS: usize = 261;
/// The last this many individuals open their account during the data period.
const LATE_JOINERS: usize = 50;

/// Head office ID of buying group `g` (0 or 1): 1 and 401; branches follow it.
fn head_office(g: usize) -> i64 {
    1 + 400 * g as i64
}

/// IDs used by [`customers`]: 1–201, 401–601 and 801–1061.
pub(crate) fn is_customer_id(id: i64) -> bool {
    (1..=201).contains(&id) || (401..=601).contains(&id) || (801..=1061).contains(&id)
}

/// `CITIES_PER_STATE` invented cities per state province, names unique within the state.
pub(crate) fn cities(rng: &mut ChaCha8Rng) -> Vec<City> {
    let combos = CITY_PREFIXES.len() * CITY_SUFFIXES.len();
    let mut out = Vec::with_capacity(STATE_PROVINCES.len() * CITIES_PER_STATE);
    for state in 1..=STATE_PROVINCES.len() as i64 {
        for pick in rand::seq::index::sample(rng, combos, CITIES_PER_STATE).into_vec() {
            let name = format!(
                "{}{}",
                CITY_PREFIXES[pick / CITY_SUFFIXES.len()],
                CITY_SUFFIXES[pick % CITY_SUFFIXES.len()]
            );
            // Log-uniform between 800 and 1.2 million people.
            let population = (800f64.ln() + rng.gen::<f64>() * (1.2e6f64.ln() - 800f64.ln()))
                .exp()
                .round() as i64;
            out.push(City {
                id: out.len() as i64 + 1,
                name,
                state,
                population,
            });
        }
    }
    out
}

fn state_code(city: &City) -> &'static str {
    STATE_PROVINCES
        .get((city.state - 1) as usize)
        .map(|s| s.0)
        .unwrap_or("")
}

fn slug(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn phone(rng: &mut ChaCha8Rng) -> String {
    format!("({}) 555-0{:03}", rng.gen_range(201..=989), rng.gen_range(100..=999))
}

fn address(rng: &mut ChaCha8Rng) -> (String, String, String) {
    let line1 = format!(
        "{} {}",
        PREMISES[rng.gen_range(0..PREMISES.len())],
        rng.gen_range(1..=250)
    );
    let line2 = format!(
        "{} {} {}",
        rng.gen_range(1..=9999),
        STREET_NAMES[rng.gen_range(0..STREET_NAMES.len())],
        STREET_KINDS[rng.gen_range(0..STREET_KINDS.len())]
    );
    let postal = format!("{:05}", rng.gen_range(10_000..=99_950));
    (line1, line2, postal)
}

fn days_before(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days)).unwrap_or(date)
}

/// The 663 customers, in ID order.
pub(crate) fn customers(rng: &mut ChaCha8Rng, cities: &[City], spec: &GeneratorSpec) -> Vec<Customer> {
    let mut out = Vec::with_capacity(2 * (BRANCHES + 1) + INDIVIDUALS);
    let opened_before_start = |rng: &mut ChaCha8Rng| days_before(spec.start, rng.gen_range(30..=2000));
    for (g, (group_id, group, domain)) in BUYING_GROUPS.iter().enumerate() {
        let head = head_office(g);
        let head_city = &cities[rng.gen_range(0..cities.len())];
        let (a1, a2, postal) = address(rng);
        out.push(Customer {
            id: head,
            name: format!("{group} (Head Office)"),
            bill_to: head,
            category: CAT_CORPORATE,
            buying_group: Some(*group_id),
            delivery_city: head_city.id,
            postal_city: head_city.id,
            credit_limit_cents: None,
            opened: opened_before_start(rng),
            payment_days: 30,
            phone: phone(rng),
            website: format!("http://www.{domain}/"),
            address1: a1,
            address2: Some(a2),
            postal_code: postal,
        });
        // Distinct cities, so "Group (City, ST)" names are unique.
        for (b, pick) in rand::seq::index::sample(rng, cities.len(), BRANCHES)
            .into_vec()
            .into_iter()
            .enumerate()
        {
            let city = &cities[pick];
            let (a1, a2, postal) = address(rng);
            out.push(Customer {
                id: head + 1 + b as i64,
                name: format!("{group} ({}, {})", city.name, state_code(city)),
                bill_to: head,
                category: BRANCH_CATEGORIES[rng.gen_range(0..BRANCH_CATEGORIES.len())],
                buying_group: Some(*group_id),
                delivery_city: city.id,
                postal_city: city.id,
                credit_limit_cents: None,
                opened: opened_before_start(rng),
                payment_days: 30,
                phone: phone(rng),
                website: format!("http://www.{domain}/{}-{}", slug(&city.name), slug(state_code(city))),
                address1: a1,
                address2: Some(a2),
                postal_code: postal,
            });
        }
    }
    let span = (spec.end - spec.start).num_days();
    let names = rand::seq::index::sample(rng, FIRST_NAMES.len() * LAST_NAMES.len(), INDIVIDUALS).into_vec();
    for (i, pick) in names.into_iter().enumerate() {
        let (first, last) = (
            FIRST_NAMES[pick / LAST_NAMES.len()],
            LAST_NAMES[pick % LAST_NAMES.len()],
        );
        let id = 801 + i as i64;
        let city = &cities[rng.gen_range(0..cities.len())];
        let late = i >= INDIVIDUALS - LATE_JOINERS && span >= 240;
        let opened = if late {
            spec.start
                .checked_add_days(Days::new(rng.gen_range(30..=span - 120) as u64))
                .unwrap_or(spec.start)
        } else {
            opened_before_start(rng)
        };
        let (a1, a2, postal) = address(rng);
        out.push(Customer {
            id,
            name: format!("{first} {last}"),
            bill_to: id,
            category: INDIVIDUAL_CATEGORIES[rng.gen_range(0..INDIVIDUAL_CATEGORIES.len())],
            buying_group: None,
            delivery_city: city.id,
            postal_city: city.id,
            credit_limit_cents: Some(rng.gen_range(11..=40) * 100 * 100),
            opened,
            payment_days: 7,
            phone: phone(rng),
            website: format!("http://www.{}{}.example/", slug(first), slug(last)),
            address1: a1,
            address2: (rng.gen_range(0..4) > 0).then_some(a2),
            postal_code: postal,
        });
    }
    out
}

/// The weekday on or before `date` (Saturday and Sunday move back to Friday).
pub(crate) fn weekday_on_or_before(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => days_before(date, 1),
        Weekday::Sun => days_before(date, 2),
        _ => date,
    }
}

/// When each customer may order; drifting customers get their farewell day.
pub(crate) fn plans(rng: &mut ChaCha8Rng, customers: &[Customer], spec: &GeneratorSpec) -> Vec<CustomerPlan> {
    let span = (spec.end - spec.start).num_days();
    let p = &spec.patterns;
    let mut plans: Vec<CustomerPlan> = customers
        .iter()
        .map(|c| CustomerPlan {
            id: c.id,
            first_day: (c.opened - spec.start).num_days().max(0),
            last_day: span,
            farewell: None,
        })
        .collect();
    let drifting = p
        .at_risk_customers
        .iter()
        .map(|id| (*id, p.at_risk_days))
        .chain(p.inactive_customers.iter().map(|id| (*id, p.inactive_days)));
    for (id, (lo, hi)) in drifting {
        let before = rng.gen_range(lo..=hi) as u64;
        let last = weekday_on_or_before(days_before(spec.end, before));
        let day = (last - spec.start).num_days();
        if let Some(plan) = plans.iter_mut().find(|p| p.id == id) {
            if day >= plan.first_day {
                plan.last_day = day;
                plan.farewell = Some(day);
            } else {
                plan.last_day = -1; // gone before the data starts: no orders at all
            }
        }
    }
    plans
}

/// Deals customers like cards: every active customer once per shuffled deck.
pub(crate) struct Deck {
    cards: Vec<usize>,
    next: usize,
}

impl Deck {
    pub fn new() -> Self {
        Deck {
            cards: Vec::new(),
            next: 0,
        }
    }

    /// Index into `plans` of the next customer who may order on `day`; None when nobody may.
    pub fn deal(&mut self, rng: &mut ChaCha8Rng, plans: &[CustomerPlan], day: i64) -> Option<usize> {
        loop {
            if self.next >= self.cards.len() {
                self.cards = (0..plans.len()).filter(|i| plans[*i].may_order(day)).collect();
                self.cards.shuffle(rng);
                self.next = 0;
                if self.cards.is_empty() {
                    return None;
                }
            }
            let card = self.cards[self.next];
            self.next += 1;
            if plans[card].may_order(day) {
                return Some(card);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::BTreeSet;

    fn world() -> (Vec<City>, Vec<Customer>, Vec<CustomerPlan>) {
        let spec = GeneratorSpec::default();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let cities = cities(&mut rng);
        let customers = customers(&mut rng, &cities, &spec);
        let plans = plans(&mut rng, &customers, &spec);
        (cities, customers, plans)
    }

    #[test]
    fn customers_have_the_wwi_shape() {
        let (cities, customers, _) = world();
        assert_eq!(cities.len(), 53 * CITIES_PER_STATE);
        assert_eq!(customers.len(), 663);
        assert!(customers.iter().all(|c| is_customer_id(c.id)));
        let names: BTreeSet<&str> = customers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 663);
        assert_eq!(customers.iter().filter(|c| c.buying_group == Some(1)).count(), 201);
        assert_eq!(customers.iter().filter(|c| c.buying_group == Some(2)).count(), 201);
        assert_eq!(customers.iter().filter(|c| c.credit_limit_cents.is_some()).count(), 261);
        let bill_to: BTreeSet<i64> = customers.iter().map(|c| c.bill_to).collect();
        assert_eq!(bill_to.len(), 263);
        assert_eq!(customers[0].name, "Harbor Toys (Head Office)");
        assert_eq!(customers[201].id, 401);
        assert!(customers[202].name.starts_with("Lantern Gifts ("));
        let city_names: BTreeSet<(i64, &str)> = cities.iter().map(|c| (c.state, c.name.as_str())).collect();
        assert_eq!(city_names.len(), cities.len());
    }

    #[test]
    fn drifting_customers_stop_in_their_window() {
        let (_, _, plans) = world();
        let spec = GeneratorSpec::default();
        let end = (spec.end - spec.start).num_days();
        for p in &plans {
            let at_risk = spec.patterns.at_risk_customers.contains(&p.id);
            let inactive = spec.patterns.inactive_customers.contains(&p.id);
            match p.farewell {
                Some(day) => {
                    let since = end - day;
                    assert!(at_risk || inactive);
                    assert!(
                        if at_risk {
                            (31..=90).contains(&since)
                        } else {
                            since > 90
                        },
                        "{p:?}"
                    );
                    let date = spec.start + chrono::Duration::days(day);
                    assert!(date.weekday().num_days_from_monday() < 5);
                }
                None => assert!(!at_risk && !inactive && p.last_day == end),
            }
        }
    }

    #[test]
    fn the_deck_deals_everyone_once_per_round() {
        let plans: Vec<CustomerPlan> = (0..10)
            .map(|i| CustomerPlan {
                id: i,
                first_day: 0,
                last_day: if i == 3 { 0 } else { 100 },
                farewell: None,
            })
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut deck = Deck::new();
        let round: BTreeSet<usize> = (0..10).filter_map(|_| deck.deal(&mut rng, &plans, 0)).collect();
        assert_eq!(round.len(), 10);
        let later: Vec<usize> = (0..90).filter_map(|_| deck.deal(&mut rng, &plans, 5)).collect();
        assert!(!later.contains(&3), "a customer past their last day is never dealt");
        assert_eq!(later.len(), 90);
    }

    #[test]
    fn weekends_move_back_to_friday() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(weekday_on_or_before(d("2016-05-28")), d("2016-05-27"));
        assert_eq!(weekday_on_or_before(d("2016-05-29")), d("2016-05-27"));
        assert_eq!(weekday_on_or_before(d("2016-05-31")), d("2016-05-31"));
    }
}
