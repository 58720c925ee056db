//! bill_coverage: which scopes (account × day or month) a sync must pull, and which parts of a
//! period are missing. A scope is *settled* once it was pulled successfully after its bills stopped
//! changing; until then every sync pulls it again: scopes never pulled, scopes whose last pull
//! failed, this month, and the days within the lookback. This is what makes a failed or
//! interrupted sync heal on the next one instead of losing history.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration as Days, Months, NaiveDate, Utc};

use super::model::{CoverageGap, GapKind, Provider, Scope};
use crate::calendar::first_of_month;

/// What the store knows of one scope of one account.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeRecord {
    pub scope: Scope,
    /// The last attempt failed.
    pub failed: bool,
    /// When, and on which billing day, the scope was last pulled successfully.
    pub ok_at: Option<DateTime<Utc>>,
    pub ok_on: Option<NaiveDate>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Failed pulls since the last success.
    pub attempts: u32,
}


/// The first day of the history every account keeps: `months` before this month.
pub fn history_start(today: NaiveDate, months: u32) -> NaiveDate {
    let month = first_of_month(today);
    month.checked_sub_months(Months::new(months)).unwrap_or(month)
}

/// Providers adjust bills until their month has closed and for `lookback_days` after the
/// scope's last day; a pull on a later billing day is final.
pub fn settled(scope: Scope, pulled_on: NaiveDate, lookback_days: u32) -> bool {
    let last = scope.last_day();
    pulled_on > last + Days::days(i64::from(lookback_days)) && first_of_month(pulled_on) > first_of_month(last)
}

/// The scopes of `all` a sync must pull now, oldest first.
pub fn due(all: &[Scope], records: &HashMap<Scope, ScopeRecord>, lookback_days: u32) -> Vec<Scope> {
    all.iter()
        .copied()
        .filter(|s| !records.get(s).and_then(|r| r.ok_on).is_some_and(|on| settled(*s, on, lookback_days)))
        .collect()
}

/// How a scope of a period stands, or `None` when its lines are current.
pub fn gap_of(scope: Scope, record: Option<&ScopeRecord>, history_from: NaiveDate) -> Option<GapKind> {
    match record {
        Some(r) if r.ok_at.is_some() => r.failed.then_some(GapKind::Stale),
        Some(r) if r.failed => Some(GapKind::Failed),
        _ if scope.last_day() < history_from => Some(GapKind::BeforeHistory),
        _ => Some(GapKind::NotPulled),
    }
}

/// The gaps among `scopes` of one account, one entry per billing month and kind.
pub fn gaps(
    provider: Provider,
    account: &str,
    display_name: &str,
    scopes: &[Scope],
    records: &HashMap<Scope, ScopeRecord>,
    history_from: NaiveDate,
) -> Vec<CoverageGap> {
    let mut grouped: BTreeMap<(NaiveDate, GapKind), CoverageGap> = BTreeMap::new();
    for scope in scopes {
        let record = records.get(scope);
        let Some(kind) = gap_of(*scope, record, history_from) else { continue };
        let gap = grouped.entry((scope.month(), kind)).or_insert_with(|| CoverageGap {
            provider,
            account: account.to_string(),
            display_name: display_name.to_string(),
            month: scope.month(),
            kind,
            scopes: 0,
            monthly: matches!(scope, Scope::Month(_)),
            error_code: None,
            error_message: None,
            pulled_at: None,
        });
        gap.scopes += 1;
        if let Some(r) = record {
            // The last reason seen stands for the group; the oldest pull says how old the data is.
            if r.error_code.is_some() {
                gap.error_code.clone_from(&r.error_code);
                gap.error_message.clone_from(&r.error_message);
            }
            if r.ok_at.is_some() && (gap.pulled_at.is_none() || r.ok_at < gap.pulled_at) {
                gap.pulled_at = r.ok_at;
            }
        }
    }
    grouped.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ok(scope: Scope, on: &str) -> ScopeRecord {
        ScopeRecord {
            scope,
            failed: false,
            ok_at: Some(Utc::now()),
            ok_on: Some(d(on)),
            error_code: None,
            error_message: None,
            attempts: 0,
        }
    }

    fn failed(scope: Scope) -> ScopeRecord {
        ScopeRecord {
            scope,
            failed: true,
            ok_at: None,
            ok_on: None,
            error_code: Some("InternalError".into()),
            error_message: Some("boom".into()),
            attempts: 1,
        }
    }

    #[test]
    fn a_day_settles_after_its_month_closes_and_the_lookback_passes() {
        let day = Scope::Day(d("2026-05-30"));
        assert!(!settled(day, d("2026-05-31"), 3), "pulled the next day");
        assert!(!settled(day, d("2026-06-02"), 3), "still within the lookback");
        assert!(settled(day, d("2026-06-03"), 3));
        assert!(settled(day, d("2026-06-01"), 0), "no lookback: the next month is final");
        assert!(settled(Scope::Day(d("2026-05-28")), d("2026-06-01"), 3));
        // Early in a month, the month is still open however old the day is.
        assert!(!settled(Scope::Day(d("2026-05-01")), d("2026-05-20"), 3));
    }

    #[test]
    fn a_month_settles_after_its_last_day_and_the_lookback() {
        let month = Scope::Month(d("2026-05-01"));
        assert_eq!(month.last_day(), d("2026-05-31"));
        assert!(!settled(month, d("2026-05-31"), 3));
        assert!(!settled(month, d("2026-06-03"), 3));
        assert!(settled(month, d("2026-06-04"), 3));
        assert_eq!(Scope::Month(d("2024-02-01")).last_day(), d("2024-02-29"));
    }

    #[test]
    fn due_is_everything_not_settled_never_pulled_or_failed() {
        let days: Vec<Scope> = d("2026-05-29").iter_days().take(10).map(Scope::Day).collect();
        let mut records = HashMap::new();
        // 05-29 settled; 05-30 failed; 05-31 pulled ok but only on 06-01 (lookback); the rest never.
        records.insert(days[0], ok(days[0], "2026-06-07"));
        records.insert(days[1], failed(days[1]));
        records.insert(days[2], ok(days[2], "2026-06-01"));
        let due = due(&days, &records, 3);
        assert_eq!(due.len(), 9);
        assert_eq!(due[0], days[1]);
        assert!(!due.contains(&days[0]));
        // Once pulled after it settled, nothing of the first month is due.
        records.insert(days[1], ok(days[1], "2026-06-07"));
        records.insert(days[2], ok(days[2], "2026-06-07"));
        let later = super::due(&days, &records, 3);
        assert!(later.iter().all(|s| s.month() == d("2026-06-01")), "{later:?}");
    }

    #[test]
    fn history_start_counts_whole_months_back() {
        assert_eq!(history_start(d("2026-12-03"), 6), d("2026-06-01"));
        assert_eq!(history_start(d("2026-03-31"), 3), d("2025-12-01"));
        assert_eq!(history_start(d("2026-03-31"), 0), d("2026-03-01"));
    }

    #[test]
    fn gaps_group_by_month_and_kind_and_name_the_reason() {
        let scopes: Vec<Scope> = d("2026-05-30").iter_days().take(4).map(Scope::Day).collect();
        let mut records = HashMap::new();
        records.insert(scopes[0], failed(scopes[0]));
        records.insert(scopes[1], failed(scopes[1]));
        records.insert(scopes[2], ok(scopes[2], "2026-06-02"));
        let mut stale = ok(scopes[3], "2026-06-02");
        stale.failed = true;
        stale.error_code = Some("Throttling".into());
        records.insert(scopes[3], stale);
        let gaps = gaps(Provider::Aliyun, "aliyun-main", "阿里云 主账号", &scopes, &records, d("2026-01-01"));
        assert_eq!(gaps.len(), 2, "{gaps:?}");
        assert_eq!((gaps[0].month, gaps[0].kind, gaps[0].scopes), (d("2026-05-01"), GapKind::Failed, 2));
        assert_eq!(gaps[0].error_code.as_deref(), Some("InternalError"));
        assert_eq!((gaps[1].month, gaps[1].kind, gaps[1].scopes), (d("2026-06-01"), GapKind::Stale, 1));
        assert!(gaps[1].pulled_at.is_some());
        assert!(!GapKind::Stale.incomplete() && GapKind::Failed.incomplete());
    }

    #[test]
    fn scopes_never_pulled_are_missing_inside_the_history_and_before_it() {
        let scopes = [Scope::Month(d("2025-12-01")), Scope::Month(d("2026-06-01"))];
        let gaps = gaps(Provider::Tencent, "tencent", "腾讯云", &scopes, &HashMap::new(), d("2026-01-01"));
        assert_eq!(gaps.iter().map(|g| g.kind).collect::<Vec<_>>(), [GapKind::BeforeHistory, GapKind::NotPulled]);
    }
}
