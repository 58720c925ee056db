//! Number formatting for tables: thousands separators, fixed decimals, no floats.

use rust_decimal::Decimal;

use crate::money::Currency;

fn group(int_part: &str) -> String {
    let digits: Vec<char> = int_part.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    out
}

/// `1234567.5` → `1,234,567.50`.
pub fn amount(d: Decimal) -> String {
    let mut d = d.round_dp(2);
    d.rescale(2);
    let s = d.abs().to_string();
    let (int_part, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let sign = if d.is_sign_negative() && !d.is_zero() { "-" } else { "" };
    format!("{sign}{}.{frac}", group(int_part))
}

pub fn money(d: Decimal, c: Currency) -> String {
    format!("{}{}", c.symbol(), amount(d))
}

pub fn count(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    format!("{}{}", if n < 0 { "-" } else { "" }, group(&s))
}

/// `d` with exactly `dp` decimals and thousands separators, so a column never mixes precisions
/// (`181.5` and `162.6316` both become two-place figures).
pub fn fixed(d: Decimal, dp: u32) -> String {
    let mut d = d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    d.rescale(dp);
    let s = d.abs().to_string();
    let (int_part, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let sign = if d.is_sign_negative() && !d.is_zero() { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{}.{f}", group(int_part)),
        None => format!("{sign}{}", group(int_part)),
    }
}

/// A ratio as a percentage with two places: `0.0095` → `0.95 %`, `0.6174` → `61.74 %`.
pub fn percent(ratio: Decimal) -> String {
    format!("{} %", fixed(ratio * Decimal::ONE_HUNDRED, 2))
}

/// Lift: two places (`1.2345` → `1.23`).
pub fn lift(d: Decimal) -> String {
    fixed(d, 2)
}

/// Days of cover with one place; stock that lasts less than a tenth of a day reads `< 0.1`
/// rather than a misleading `0.0`, an empty shelf reads `0`, nothing sold reads `—`.
pub fn cover(days: Option<Decimal>, on_hand: i64) -> String {
    match days {
        None => "—".into(),
        Some(_) if on_hand <= 0 => "0".into(),
        Some(d) if d < Decimal::new(1, 1) => "< 0.1".into(),
        Some(d) => fixed(d, 1),
    }
}

/// Money, or `—` when there is nothing to average (a customer without orders in the range).
pub fn money_or_dash(d: Decimal, c: Currency, defined: bool) -> String {
    if defined {
        money(d, c)
    } else {
        "—".into()
    }
}

/// A UTC instant as Beijing time, `2026-11-25 18:05`. Asia/Shanghai has kept UTC+8 without
/// daylight saving since 1991, so a fixed offset is exact for every stored time.
pub fn beijing_time(t: chrono::DateTime<chrono::Utc>) -> String {
    crate::calendar::beijing_time(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_and_keeps_cents() {
        assert_eq!(amount(Decimal::new(12345675, 1)), "1,234,567.50");
        assert_eq!(amount(Decimal::new(-5, 2)), "-0.05");
        assert_eq!(money(Decimal::new(100, 0), Currency::Usd), "$100.00");
        assert_eq!(count(1234), "1,234");
        assert_eq!(count(-999), "-999");
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn ratios_read_as_percentages_and_lift_has_two_places() {
        assert_eq!(percent(d("0.0095")), "0.95 %");
        assert_eq!(percent(d("0.6174")), "61.74 %");
        assert_eq!(percent(d("1")), "100.00 %");
        assert_eq!(percent(d("0")), "0.00 %");
        assert_eq!(lift(d("12.3456")), "12.35");
        assert_eq!(lift(d("3")), "3.00");
    }

    #[test]
    fn one_precision_per_column() {
        assert_eq!(fixed(d("181.5"), 2), "181.50");
        assert_eq!(fixed(d("162.6316"), 2), "162.63");
        assert_eq!(fixed(d("1234.5"), 1), "1,234.5");
        assert_eq!(fixed(d("-0.004"), 2), "0.00");
        assert_eq!(fixed(d("7"), 0), "7");
    }

    #[test]
    fn cover_never_shows_a_misleading_zero() {
        assert_eq!(cover(Some(d("0.0")), 3), "< 0.1");
        assert_eq!(cover(Some(d("0.04")), 1), "< 0.1");
        assert_eq!(cover(Some(d("0")), 0), "0");
        assert_eq!(cover(Some(d("12.25")), 40), "12.3");
        assert_eq!(cover(None, 40), "—");
        assert_eq!(money_or_dash(Decimal::ZERO, Currency::Usd, false), "—");
        assert_eq!(money_or_dash(Decimal::new(5, 0), Currency::Usd, true), "$5.00");
    }
}
