//! Number formatting for tables: thousands separators, fixed decimals, no floats.

use rust_decimal::Decimal;

use crate::sales::model::Currency;

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

/// A UTC instant as Beijing time, `2026-11-25 18:05`. Asia/Shanghai has kept UTC+8 without
/// daylight saving since 1991, so a fixed offset is exact for every stored time.
pub fn beijing_time(t: chrono::DateTime<chrono::Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::FixedOffset::east_opt(0).unwrap());
    t.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string()
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
}
