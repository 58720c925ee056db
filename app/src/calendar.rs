//! Dates every feature shares: inclusive day ranges, months, and the one Asia/Shanghai offset
//! (billing days and months are Shanghai days; Beijing time is what the pages show).

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, Offset, Utc};
use serde::{Deserialize, Serialize};

/// Asia/Shanghai: UTC+8 without daylight saving since 1991, so a fixed offset is exact for every
/// date this app handles.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The Shanghai day of an instant.
pub fn shanghai_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

/// Today in Shanghai: the current billing day.
pub fn shanghai_today() -> NaiveDate {
    shanghai_day(Utc::now())
}

/// The UTC instant at which a Shanghai day begins.
pub fn shanghai_midnight(day: NaiveDate) -> DateTime<Utc> {
    let t = day.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8);
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)
}

/// An instant as Beijing time, `2026-11-25 18:05`.
pub fn beijing_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

/// An instant as Beijing time to the second, `2026-11-25 18:05:09` (the audit log's entries).
pub fn beijing_time_seconds(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

pub fn last_of_month(day: NaiveDate) -> NaiveDate {
    first_of_month(day).checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(day)
}

/// Inclusive range of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// Number of calendar days in the range, both ends counted.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// First days of the months the range touches without covering them from first to last day
    /// (at most the first and the last month), so a monthly figure there is not a full month's.
    pub fn partial_months(&self) -> Vec<NaiveDate> {
        let mut months = Vec::new();
        for m in [first_of_month(self.from), first_of_month(self.to)] {
            let covered = self.from <= m && last_of_month(m) <= self.to;
            if !covered && !months.contains(&m) {
                months.push(m);
            }
        }
        months
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn shanghai_days_begin_at_16_utc() {
        let t = "2026-11-30T16:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(shanghai_day(t), day("2026-12-01"));
        assert_eq!(shanghai_day(t - chrono::Duration::seconds(1)), day("2026-11-30"));
        assert_eq!(shanghai_midnight(day("2026-12-01")), t);
        assert_eq!(beijing_time(t), "2026-12-01 00:00");
        assert_eq!(beijing_time_seconds(t - chrono::Duration::seconds(1)), "2026-11-30 23:59:59");
    }

    #[test]
    fn months_and_ranges() {
        assert_eq!(first_of_month(day("2024-02-29")), day("2024-02-01"));
        assert_eq!(last_of_month(day("2024-02-10")), day("2024-02-29"));
        let r = DateRange { from: day("2016-01-15"), to: day("2016-03-02") };
        assert_eq!(r.days(), 48);
        assert_eq!(r.partial_months(), vec![day("2016-01-01"), day("2016-03-01")]);
        assert_eq!(DateRange { from: day("2016-02-01"), to: day("2016-02-29") }.partial_months(), vec![]);
    }
}
