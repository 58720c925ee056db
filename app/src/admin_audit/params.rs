//! The audit page's URL: `from`, `to` (Asia/Shanghai days), `actor` and `target` (contains),
//! `action` (one action, or a family ending in a dot: `user.`), `outcome`, and the page: `size`,
//! `before` or `after` (an entry id). The export reads the same filter.

use serde::{Deserialize, Serialize};

use crate::audit::{ActionFilter, AuditFilter, Cursor, Outcome};
use crate::url_query::{err, ParamError, Problem, Query};

pub const DEFAULT_SIZE: u32 = 50;
pub const MAX_SIZE: u32 = 500;
/// Longest text filter kept (a pasted paragraph is cut, not refused).
const MAX_NEEDLE: usize = 100;

/// The paging keys: the export and the filter links drop them.
pub const PAGING: [&str; 3] = ["size", "before", "after"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditParams {
    pub filter: AuditFilter,
    pub cursor: Cursor,
    pub size: u32,
}

pub fn parse(raw: &[(String, String)]) -> Result<AuditParams, ParamError> {
    let q = Query(raw);
    let (from, to) = (q.date("from")?, q.date("to")?);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(err("from", Problem::FromAfterTo { from, to }));
        }
    }
    let text = |key: &str| q.get(key).map(|v| v.chars().take(MAX_NEEDLE).collect::<String>());
    let outcomes: Vec<(&str, Outcome)> = Outcome::ALL.iter().map(|o| (o.as_str(), *o)).collect();
    let filter = AuditFilter {
        from,
        to,
        actor: text("actor"),
        action: text("action").map(|a| ActionFilter::from_text(&a)),
        outcome: q.optional_choice("outcome", &outcomes)?,
        target: text("target"),
    };
    let size = q.int("size", i64::from(DEFAULT_SIZE), 1, i64::from(MAX_SIZE))? as u32;
    let id = |key: &str| q.int(key, 0, 1, i64::MAX).map(|n| (n > 0).then_some(n));
    // Both given (a hand-made link): the older page wins, as "before" is what the pager writes most.
    let cursor = match (id("before")?, id("after")?) {
        (Some(b), _) => Cursor::Before(b),
        (None, Some(a)) => Cursor::After(a),
        (None, None) => Cursor::Newest,
    };
    Ok(AuditParams { filter, cursor, size })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_query::raw_query as raw;
    use chrono::NaiveDate;

    #[test]
    fn absent_is_everything_newest_first() {
        let p = parse(&[]).unwrap();
        assert_eq!(p, AuditParams { filter: AuditFilter::default(), cursor: Cursor::Newest, size: DEFAULT_SIZE });
    }

    #[test]
    fn filters_and_cursor_are_read() {
        let p = parse(&raw(&[
            ("from", "2026-12-01"),
            ("to", "2026-12-07"),
            ("actor", " 管理员 "),
            ("action", "user."),
            ("outcome", "failed"),
            ("target", "user:alice"),
            ("size", "20"),
            ("before", "120"),
        ]))
        .unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(p.filter.from, Some(day("2026-12-01")));
        assert_eq!(p.filter.to, Some(day("2026-12-07")));
        assert_eq!(p.filter.actor.as_deref(), Some("管理员"));
        assert_eq!(p.filter.action, Some(ActionFilter::Prefix("user.".into())));
        assert_eq!(p.filter.outcome, Some(Outcome::Failed));
        assert_eq!(p.filter.target.as_deref(), Some("user:alice"));
        assert_eq!((p.cursor, p.size), (Cursor::Before(120), 20));
        assert_eq!(parse(&raw(&[("after", "7")])).unwrap().cursor, Cursor::After(7));
        assert_eq!(parse(&raw(&[("action", "billing.sync")])).unwrap().filter.action, Some(ActionFilter::Exact("billing.sync".into())));
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (key, value) in [("from", "2026-13-01"), ("outcome", "maybe"), ("size", "0"), ("size", "501"), ("before", "x"), ("after", "-3")] {
            assert_eq!(parse(&raw(&[(key, value)])).unwrap_err().param, key, "{key}={value}");
        }
        let swapped = parse(&raw(&[("from", "2026-12-08"), ("to", "2026-12-01")])).unwrap_err();
        assert!(matches!(swapped.problem, Problem::FromAfterTo { .. }));
        assert_eq!(parse(&raw(&[("actor", &"长".repeat(300))])).unwrap().filter.actor.unwrap().chars().count(), MAX_NEEDLE);
    }
}
