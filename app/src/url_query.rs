//! A page's URL query, read into validated values: the raw pairs, the reader every feature's
//! parameter parser uses, and the one error a refused parameter gives (shown on the page, answered
//! as 400 by the server function).

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calendar::DateRange;

/// Raw `key=value` pairs as they came in the URL.
pub type RawQuery = Vec<(String, String)>;

/// `pairs` as a [`RawQuery`], the way tests write one.
#[cfg(test)]
pub fn raw_query(pairs: &[(&str, &str)]) -> RawQuery {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Longest range accepted (days), so a typo like year 20016 is caught.
pub const MAX_RANGE_DAYS: i64 = 366 * 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("parameter {param}: {problem:?}")]
pub struct ParamError {
    pub param: String,
    pub problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    NotADate(String),
    NotAWholeNumber(String),
    NotAnAmount(String),
    OutOfRange { min: i64, max: i64 },
    FromAfterTo { from: NaiveDate, to: NaiveDate },
    RangeTooLong { max_days: i64 },
    UnknownChoice { value: String, allowed: Vec<String> },
    /// This threshold must be below the named one.
    MustBeBelow { other: String },
    /// `basis=invoiced` on a warehouse without invoice lines.
    NoInvoices,
}

pub fn err(param: &str, problem: Problem) -> ParamError {
    ParamError { param: param.to_string(), problem }
}

/// Reads validated values from a URL query.
pub struct Query<'a>(pub &'a [(String, String)]);

impl Query<'_> {
    /// The last value given for `key`, trimmed; empty counts as absent.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    pub fn date(&self, key: &str) -> Result<Option<NaiveDate>, ParamError> {
        self.get(key)
            .map(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| err(key, Problem::NotADate(v.to_string()))))
            .transpose()
    }

    pub fn int(&self, key: &str, default: i64, min: i64, max: i64) -> Result<i64, ParamError> {
        let Some(v) = self.get(key) else { return Ok(default) };
        let n: i64 = v.parse().map_err(|_| err(key, Problem::NotAWholeNumber(v.to_string())))?;
        if n < min || n > max {
            return Err(err(key, Problem::OutOfRange { min, max }));
        }
        Ok(n)
    }

    pub fn amount(&self, key: &str, default: Decimal) -> Result<Decimal, ParamError> {
        let Some(v) = self.get(key) else { return Ok(default) };
        let plain = v.chars().all(|c| c.is_ascii_digit() || c == '.');
        let a = Decimal::from_str(v)
            .ok()
            .filter(|_| plain)
            .ok_or_else(|| err(key, Problem::NotAnAmount(v.to_string())))?;
        if a.is_sign_negative() || a.scale() > 2 || a > Decimal::from(1_000_000_000_000i64) {
            return Err(err(key, Problem::NotAnAmount(v.to_string())));
        }
        Ok(a)
    }

    pub fn choice<T: Copy>(&self, key: &str, choices: &[(&str, T)]) -> Result<T, ParamError> {
        let Some(v) = self.get(key) else { return Ok(choices[0].1) };
        choices.iter().find(|(name, _)| *name == v).map(|(_, t)| *t).ok_or_else(|| {
            err(
                key,
                Problem::UnknownChoice {
                    value: v.to_string(),
                    allowed: choices.iter().map(|(n, _)| n.to_string()).collect(),
                },
            )
        })
    }

    /// Like [`Self::choice`], but absent means "none chosen" (a filter that is off).
    pub fn optional_choice<T: Copy>(&self, key: &str, choices: &[(&str, T)]) -> Result<Option<T>, ParamError> {
        self.get(key).map(|_| self.choice(key, choices)).transpose()
    }

    pub fn range(&self, default: DateRange) -> Result<DateRange, ParamError> {
        let from = self.date("from")?.unwrap_or(default.from);
        let to = self.date("to")?.unwrap_or(default.to);
        if from > to {
            return Err(err(if self.get("from").is_some() { "from" } else { "to" }, Problem::FromAfterTo { from, to }));
        }
        if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
            return Err(err("to", Problem::RangeTooLong { max_days: MAX_RANGE_DAYS }));
        }
        Ok(DateRange { from, to })
    }

}

#[cfg(test)]
mod tests {
    use super::*;
    use super::raw_query as q;

    #[test]
    fn the_last_value_counts_and_blank_is_absent() {
        let raw = q(&[("top", "5"), ("top", " 7 "), ("from", "")]);
        let r = Query(&raw);
        assert_eq!(r.get("top"), Some("7"));
        assert_eq!(r.get("from"), None);
        assert_eq!(r.int("top", 1, 1, 10), Ok(7));
        assert_eq!(r.int("top", 1, 1, 5).unwrap_err().problem, Problem::OutOfRange { min: 1, max: 5 });
    }

    #[test]
    fn amounts_dates_and_ranges_are_checked() {
        let raw = q(&[("a", "12.50"), ("b", "-1"), ("c", "1e3"), ("from", "2026-02-30")]);
        let r = Query(&raw);
        assert_eq!(r.amount("a", Decimal::ZERO), Ok(Decimal::new(1250, 2)));
        assert_eq!(r.amount("b", Decimal::ZERO).unwrap_err().problem, Problem::NotAnAmount("-1".into()));
        assert!(r.amount("c", Decimal::ZERO).is_err());
        assert_eq!(r.date("from").unwrap_err().param, "from");
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let default = DateRange { from: day("2026-01-01"), to: day("2026-01-31") };
        let swapped = q(&[("from", "2026-03-01"), ("to", "2026-02-01")]);
        assert!(matches!(Query(&swapped).range(default).unwrap_err().problem, Problem::FromAfterTo { .. }));
        let long = q(&[("from", "1900-01-01")]);
        assert_eq!(Query(&long).range(default).unwrap_err().problem, Problem::RangeTooLong { max_days: MAX_RANGE_DAYS });
        assert_eq!(Query(&[]).range(default), Ok(default));
    }
}
