//! DeepSeek has no bill API: spend is derived from successive balance snapshots.
//!
//! Method: between two snapshots of one account, the granted (gift) part and the topped-up part
//! are compared separately. A part that went down was spent; a part that went up was a grant or
//! a top-up, and is not spend. Spend goes to the Asia/Shanghai day of the later snapshot. When a
//! top-up and spending fall between the same two snapshots, the spending from the topped-up part
//! in that interval cannot be seen (it hides inside the increase), so frequent snapshots (each
//! sync takes one) keep this under-count small. Without the split (total only), the same rule
//! applies to the total.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::model::BalanceSnapshot;
use crate::calendar::shanghai_day;


fn used(before: Decimal, after: Decimal) -> Decimal {
    (before - after).max(Decimal::ZERO)
}

/// Spend of one interval.
pub fn spent_between(a: &BalanceSnapshot, b: &BalanceSnapshot) -> Decimal {
    if a.currency != b.currency {
        return Decimal::ZERO;
    }
    match (a.granted, a.topped_up, b.granted, b.topped_up) {
        (Some(ga), Some(ta), Some(gb), Some(tb)) => used(ga, gb) + used(ta, tb),
        _ => used(a.available, b.available),
    }
}

/// Spend per day over `snapshots` (oldest first), each interval starting at the previous one;
/// `before` is the last snapshot preceding them, if any.
pub fn daily_spend(before: Option<&BalanceSnapshot>, snapshots: &[BalanceSnapshot]) -> BTreeMap<NaiveDate, Decimal> {
    let mut out = BTreeMap::new();
    let mut prev = before;
    for s in snapshots {
        let entry = out.entry(shanghai_day(s.taken_at)).or_insert(Decimal::ZERO);
        if let Some(p) = prev {
            *entry += spent_between(p, s);
        }
        prev = Some(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::model::{Currency, Provider};
    use chrono::TimeZone;

    fn snap(hour_utc: u32, day: u32, granted: i64, topped: i64) -> BalanceSnapshot {
        BalanceSnapshot {
            provider: Provider::DeepSeek,
            account: "ds".into(),
            taken_at: chrono::Utc.with_ymd_and_hms(2026, 11, day, hour_utc, 0, 0).unwrap(),
            currency: Currency::Cny,
            available: Decimal::from(granted + topped),
            credit: None,
            granted: Some(Decimal::from(granted)),
            topped_up: Some(Decimal::from(topped)),
        }
    }

    #[test]
    fn spending_is_counted_and_top_ups_are_not() {
        let s = vec![
            snap(1, 20, 10, 100), // 09:00 Shanghai, 20th
            snap(5, 20, 4, 100),  // grant used: 6
            snap(9, 20, 0, 90),   // grant 4 + topped 10
            snap(13, 20, 0, 1090), // top-up of 1000: not spend
            snap(17, 20, 0, 1075), // 01:00 Shanghai on the 21st: 15
        ];
        let d = daily_spend(None, &s);
        let day = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        assert_eq!(d[&day(20)], Decimal::from(20));
        assert_eq!(d[&day(21)], Decimal::from(15));
        assert_eq!(d.values().copied().sum::<Decimal>(), Decimal::from(35));
    }

    #[test]
    fn the_snapshot_before_the_day_starts_the_first_interval() {
        let before = snap(15, 19, 0, 500); // 23:00 Shanghai on the 19th
        let d = daily_spend(Some(&before), &[snap(2, 20, 0, 470)]);
        assert_eq!(d[&NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()], Decimal::from(30));
    }

    #[test]
    fn total_only_balances_use_the_total() {
        let mut a = snap(1, 20, 0, 0);
        a.granted = None;
        a.topped_up = None;
        a.available = Decimal::new(10050, 2);
        let mut b = a.clone();
        b.taken_at += chrono::Duration::hours(2);
        b.available = Decimal::new(9025, 2);
        assert_eq!(spent_between(&a, &b), Decimal::new(1025, 2));
        b.available = Decimal::from(600);
        assert_eq!(spent_between(&a, &b), Decimal::ZERO, "a top-up is not spend");
    }
}
