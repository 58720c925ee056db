//! Volcengine projects and what each one spends: `ListProjects`' demo projects, and the lines
//! `ListBillDetail` answers when it is filtered by `Project`.
//!
//! Project spend is a stream of its own, beside the ledger: an unfiltered `ListBillDetail` answers
//! the ledger exactly as before, so the AI cost page's totals and their tests stay deterministic,
//! while project spend grows with the clock (and the demo speed-up) for the quota checks.
//!
//! Each demo project spends a steady amount per day, spread evenly over the (Asia/Shanghai) day;
//! "live" ones only from the simulator's start, so the demo begins near zero. `speedup` makes
//! spend accrue that many times faster after the start (the calendar stays real): at 60 a live
//! project's day passes in 24 minutes. A test sets a project's month exactly
//! (`POST /__sim/volcengine/project-spend`), which replaces the computed amount.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::ledger::{month_end, shanghai, LedgerLine};
use crate::billing::model::Currency;
use crate::simulator::control::lock;

/// A demo project: name, display name, CNY per day, and whether it spends only since start-up.
pub struct DemoProject {
    pub name: &'static str,
    pub display_name: &'static str,
    pub per_day: i64,
    pub live: bool,
}

/// The projects of every simulated Volcengine account. `ark-rd` is the demo's quota story: it
/// starts at zero and spends 10 CNY an hour (10 a minute at speed-up 60).
pub const DEMO_PROJECTS: [DemoProject; 4] = [
    DemoProject { name: "default", display_name: "默认项目", per_day: 0, live: false },
    DemoProject { name: "ark-customer-service", display_name: "方舟·智能客服", per_day: 96, live: false },
    DemoProject { name: "ark-marketing", display_name: "方舟·营销文案", per_day: 48, live: false },
    DemoProject { name: "ark-rd", display_name: "方舟·研发", per_day: 240, live: true },
];

/// (account, project, first of month) → an amount a test set.
type Overrides = HashMap<(String, String, NaiveDate), Decimal>;

pub(super) struct ProjectBook {
    /// The first day of the simulated books; steady projects spend from then.
    first_day: NaiveDate,
    /// The simulator's clock at start-up and the real instant then.
    started_sim: DateTime<Utc>,
    started_real: DateTime<Utc>,
    speedup: AtomicU32,
    overrides: Mutex<Overrides>,
}

impl ProjectBook {
    /// `started_sim`: the simulator's "now" at start-up (its today at the real time of day).
    pub(super) fn new(first_day: NaiveDate, started_sim: DateTime<Utc>) -> Self {
        ProjectBook { first_day, started_sim, started_real: Utc::now(), speedup: AtomicU32::new(1), overrides: Mutex::default() }
    }

    /// 0 counts as 1.
    pub(super) fn set_speedup(&self, speedup: u32) {
        self.speedup.store(speedup.max(1), Ordering::Relaxed);
    }

    pub(super) fn set(&self, account: &str, project: &str, month: NaiveDate, amount: Decimal) {
        lock(&self.overrides).insert((account.to_owned(), project.to_owned(), month), amount);
    }

    /// The simulator's clock now: it started at `started_sim` and runs at real speed.
    fn now(&self) -> DateTime<Utc> {
        self.started_sim + (Utc::now() - self.started_real)
    }

    /// What `project` of `account` owes for the month starting `month`, now.
    pub(super) fn spend(&self, account: &str, project: &str, month: NaiveDate) -> Decimal {
        if let Some(amount) = lock(&self.overrides).get(&(account.to_owned(), project.to_owned(), month)) {
            return *amount;
        }
        let Some(demo) = DEMO_PROJECTS.iter().find(|p| p.name == project) else {
            return Decimal::ZERO;
        };
        let speedup = self.speedup.load(Ordering::Relaxed);
        accrued(demo, month, (start_of(self.first_day), self.started_sim, self.now()), speedup)
    }

    /// The month's lines of `projects` as the ledger would hold them: one per project with
    /// spend, dated the last day it covers so far.
    pub(super) fn lines(&self, account: &str, projects: &[String], month: NaiveDate, today: NaiveDate) -> Vec<LedgerLine> {
        let last = month_end(month).min(today.max(month));
        projects
            .iter()
            .filter_map(|project| {
                let amount = self.spend(account, project, month);
                (!amount.is_zero()).then(|| LedgerLine {
                    account: account.to_owned(),
                    date: last,
                    product_code: "ark".to_owned(),
                    product_name: "火山方舟".to_owned(),
                    pretax: amount,
                    payable: amount,
                    currency: Currency::Cny,
                })
            })
            .collect()
    }
}

/// Midnight in Asia/Shanghai at the start of `day`.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(shanghai()).single())
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

/// Seconds of `[from, to)` inside `[lo, hi)`.
fn overlap_seconds((from, to): (DateTime<Utc>, DateTime<Utc>), (lo, hi): (DateTime<Utc>, DateTime<Utc>)) -> i64 {
    (to.min(hi) - from.max(lo)).num_seconds().max(0)
}

/// `demo`'s spend in the month starting `month`, at `now`: per day × (days before start-up, for a
/// steady project, + `speedup` × days since), counted inside the month, to the cent.
fn accrued(demo: &DemoProject, month: NaiveDate, (first, started, now): (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>), speedup: u32) -> Decimal {
    let next = month_end(month).succ_opt().unwrap_or(month);
    let window = (start_of(month), start_of(next));
    let before = if demo.live { 0 } else { overlap_seconds((first, started.min(now)), window) };
    let since = overlap_seconds((started, now), window);
    let seconds = Decimal::from(before) + Decimal::from(since) * Decimal::from(speedup);
    (Decimal::from(demo.per_day) * seconds / Decimal::from(86_400)).round_dp(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        shanghai().with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
    }

    fn nov() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    #[test]
    fn steady_projects_grow_through_the_shanghai_day() {
        let steady = &DEMO_PROJECTS[1];
        let first = at(2026, 6, 1, 0);
        let started = at(2026, 11, 18, 0);
        // 17 whole days of November before start-up, then half a day: 17.5 × 96.
        assert_eq!(accrued(steady, nov(), (first, started, at(2026, 11, 18, 12)), 1), Decimal::from(1680));
        // Speed-up 10 counts the half day since start-up ten times: (17 + 5) × 96.
        assert_eq!(accrued(steady, nov(), (first, started, at(2026, 11, 18, 12)), 10), Decimal::from(2112));
        // October is whole; December has not begun.
        assert_eq!(accrued(steady, NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), (first, started, at(2026, 11, 18, 12)), 1), Decimal::from(31 * 96));
        assert_eq!(accrued(steady, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), (first, started, at(2026, 11, 18, 12)), 1), Decimal::ZERO);
    }

    #[test]
    fn a_live_project_starts_at_zero_and_the_speed_up_crosses_steps_in_minutes() {
        let live = &DEMO_PROJECTS[3];
        let started = at(2026, 11, 18, 9);
        let later = |minutes: i64| started + chrono::TimeDelta::minutes(minutes);
        let first = at(2026, 6, 1, 0);
        assert_eq!(accrued(live, nov(), (first, started, started), 60), Decimal::ZERO);
        // 240 a day is 10 an hour; at 60× a real minute is an hour: 50 CNY after 5 minutes.
        assert_eq!(accrued(live, nov(), (first, started, later(5)), 60), Decimal::from(50));
        assert_eq!(accrued(live, nov(), (first, started, later(5)), 1), Decimal::new(83, 2));
    }

    #[test]
    fn a_set_amount_wins_and_unknown_projects_spend_nothing() {
        let book = ProjectBook::new(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(), at(2026, 11, 18, 12));
        book.set("volc-ark", "ark-rd", nov(), Decimal::new(12_345, 2));
        assert_eq!(book.spend("volc-ark", "ark-rd", nov()), Decimal::new(12_345, 2));
        assert_eq!(book.spend("volc-ark", "nowhere", nov()), Decimal::ZERO);
        assert_eq!(book.spend("volc-ark", "default", nov()), Decimal::ZERO);
        let lines = book.lines("volc-ark", &["ark-rd".into(), "default".into()], nov(), NaiveDate::from_ymd_opt(2026, 11, 18).unwrap());
        assert_eq!(lines.len(), 1, "no line for a project without spend");
        assert_eq!((lines[0].payable, lines[0].date), (Decimal::new(12_345, 2), NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()));
    }
}
