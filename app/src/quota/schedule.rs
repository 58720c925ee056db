//! When the next quota check runs: the interval comes from the store (the quota page's
//! settings) on every loop, so a change applies without a restart and in every instance; the
//! reference is the last check any instance started (the lease row). Feishu asks bots not to
//! post at the exact hour and half hour, so a run due near one moves past it.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How far from :00 and :30 (Beijing time) a run keeps.
pub const MARGIN_SECONDS: i64 = 120;
const HALF_HOUR: i64 = 1800;

/// `t`, or the first instant `MARGIN_SECONDS` after the :00 or :30 mark it is near. Beijing
/// time is UTC+8 (whole hours, no daylight saving), so its marks are the UTC marks.
pub fn avoid_marks(t: DateTime<Utc>) -> DateTime<Utc> {
    let since_mark = t.timestamp().rem_euclid(HALF_HOUR);
    let shift = if since_mark < MARGIN_SECONDS {
        MARGIN_SECONDS - since_mark
    } else if since_mark > HALF_HOUR - MARGIN_SECONDS {
        HALF_HOUR - since_mark + MARGIN_SECONDS
    } else {
        0
    };
    t + chrono::Duration::seconds(shift)
}

/// The next run after the last one started at `last`, every `interval`; never before `now`
/// (an overdue check runs now), never at a mark.
pub fn next_run(last: Option<DateTime<Utc>>, interval: Duration, now: DateTime<Utc>) -> DateTime<Utc> {
    let interval = chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::hours(1));
    let due = last.map_or(now, |l| (l + interval).max(now));
    avoid_marks(due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn runs_keep_away_from_the_hour_and_half_hour_in_beijing_time() {
        // 10:00 Beijing is 02:00 UTC.
        assert_eq!(avoid_marks(t("2026-12-08T02:00:00Z")), t("2026-12-08T02:02:00Z"));
        assert_eq!(avoid_marks(t("2026-12-08T01:59:30Z")), t("2026-12-08T02:02:00Z"));
        assert_eq!(avoid_marks(t("2026-12-08T09:29:00Z")), t("2026-12-08T09:32:00Z"), "17:29 → 17:32");
        assert_eq!(avoid_marks(t("2026-12-08T02:17:05Z")), t("2026-12-08T02:17:05Z"));
        assert_eq!(avoid_marks(t("2026-12-08T02:02:00Z")), t("2026-12-08T02:02:00Z"));
    }

    #[test]
    fn next_run_follows_the_interval_from_the_last_start() {
        let now = t("2026-12-08T03:10:00Z");
        assert_eq!(next_run(None, Duration::from_secs(3600), now), now, "never ran: now");
        let last = t("2026-12-08T02:40:00Z");
        assert_eq!(next_run(Some(last), Duration::from_secs(600), now), now, "overdue: now");
        assert_eq!(next_run(Some(last), Duration::from_secs(3600), now), t("2026-12-08T03:40:00Z"));
        // 02:40 + 20 min = 03:00 UTC (11:00 Beijing): moved past the hour.
        assert_eq!(next_run(Some(last), Duration::from_secs(1200), t("2026-12-08T02:45:00Z")), t("2026-12-08T03:02:00Z"));
    }
}
