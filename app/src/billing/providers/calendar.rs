//! Billing days and months: the Asia/Shanghai day, day and month scopes, and the providers'
//! date texts.

use chrono::{Datelike, NaiveDate};

use super::ProviderError;
use crate::billing::model::{Provider, Scope};

pub use crate::calendar::{first_of_month, shanghai, shanghai_today};

pub(super) fn day_scopes(from: NaiveDate, to: NaiveDate) -> Vec<Scope> {
    from.iter_days()
        .take_while(|day| *day <= to)
        .map(Scope::Day)
        .collect()
}

pub(super) fn month_scopes(from: NaiveDate, to: NaiveDate) -> Vec<Scope> {
    let mut scopes = Vec::new();
    let mut month = first_of_month(from);
    while month <= to {
        scopes.push(Scope::Month(month));
        match next_month(month) {
            Some(next) => month = next,
            None => break,
        }
    }
    scopes
}

fn next_month(first: NaiveDate) -> Option<NaiveDate> {
    first.checked_add_months(chrono::Months::new(1))
}

/// The day of a `Scope::Day`.
pub(super) fn day_of_scope(provider: Provider, scope: Scope) -> Result<NaiveDate, ProviderError> {
    match scope {
        Scope::Day(day) => Ok(day),
        Scope::Month(_) => Err(ProviderError::unsupported_scope(provider, scope)),
    }
}

/// The month of a `Scope::Month`, which must be given by its first day.
pub(super) fn month_of_scope(provider: Provider, scope: Scope) -> Result<NaiveDate, ProviderError> {
    match scope {
        Scope::Month(first) if first.day() == 1 => Ok(first),
        _ => Err(ProviderError::unsupported_scope(provider, scope)),
    }
}

/// `YYYY-MM`.
pub(super) fn month_text(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// Reads a provider's date (`YYYY-MM-DD`, possibly followed by a time).
pub(super) fn parse_day(text: &str) -> Option<NaiveDate> {
    let head = text.trim().get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_and_days_of_scopes_and_texts() {
        assert_eq!(month_of_scope(Provider::Tencent, Scope::Month(day(2024, 2, 1))).unwrap(), day(2024, 2, 1));
        assert!(month_of_scope(Provider::Tencent, Scope::Month(day(2024, 2, 3))).is_err());
        assert!(month_of_scope(Provider::Tencent, Scope::Day(day(2024, 2, 1))).is_err());
        assert_eq!(month_text(day(2024, 2, 29)), "2024-02");
        assert_eq!(first_of_month(day(2024, 2, 29)), day(2024, 2, 1));
        assert_eq!(parse_day(" 2024-05-06 12:00:00"), Some(day(2024, 5, 6)));
        assert_eq!(parse_day("2024-5-6"), None);
        assert_eq!(day_scopes(day(2024, 1, 31), day(2024, 2, 1)), vec![Scope::Day(day(2024, 1, 31)), Scope::Day(day(2024, 2, 1))]);
        assert_eq!(month_scopes(day(2024, 12, 31), day(2025, 1, 1)), vec![Scope::Month(day(2024, 12, 1)), Scope::Month(day(2025, 1, 1))]);
    }
}
