//! Serde helpers for the providers' amounts and counts. The same field is a JSON number in one
//! API and a string in another (Alibaba BSS bills use numbers, its balance strings; DeepSeek's
//! docs have shown both), so every amount accepts either form.
//!
//! Numbers never become a Rust `f64` here: the JSON number is read through
//! `serde_json::Value` and its `to_string()` form is parsed as a decimal. (Without serde_json's
//! `arbitrary_precision` the parser holds the number as its shortest round-trip form, which for
//! the amounts these APIs send, far below 15 significant digits, is the digits that were sent.)

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Parses `-12.5`, `"1,234.50"`, `" 7 "`, `1e-7`. A comma is taken only as a thousands separator
/// in correctly grouped digits (`1,234,567.8`), so a decimal comma (`1,5`) is refused rather than
/// misread as fifteen.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (negative, unsigned) = match mantissa.as_bytes().first() {
        Some(b'-') => (true, &mantissa[1..]),
        Some(b'+') => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, f),
        None => (unsigned, ""),
    };
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || (integer.is_empty() && fraction.is_empty())
    {
        return None;
    }
    let integer = strip_thousands_separators(integer)?;
    let integer = if integer.is_empty() {
        "0".to_owned()
    } else {
        integer
    };
    let sign = if negative { "-" } else { "" };
    let plain = if fraction.is_empty() {
        format!("{sign}{integer}")
    } else {
        format!("{sign}{integer}.{fraction}")
    };
    match exponent {
        None => Decimal::from_str(&plain).ok(),
        Some(exp) => {
            let digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Decimal::from_scientific(&format!("{plain}e{exp}")).ok()
        }
    }
}

/// Digits, or digits grouped by threes with commas; returns the bare digits.
fn strip_thousands_separators(integer: &str) -> Option<String> {
    if !integer.contains(',') {
        return integer
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| integer.to_owned());
    }
    let groups: Vec<&str> = integer.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let digits_ok = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    (first_ok && rest_ok && digits_ok).then(|| groups.concat())
}

/// A decimal from a JSON number or string.
pub fn decimal_from_value(value: &Value) -> Result<Decimal, String> {
    let text = match value {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.clone(),
        other => return Err(format!("expected an amount, found {other}")),
    };
    parse_decimal(&text).ok_or_else(|| format!("{text:?} is not an amount"))
}

/// `#[serde(deserialize_with = "amount::decimal")]`: a required amount.
pub fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let value = Value::deserialize(deserializer)?;
    decimal_from_value(&value).map_err(serde::de::Error::custom)
}

/// `#[serde(default, deserialize_with = "amount::optional_decimal")]`: an amount that may be
/// absent. `null`, `""` and `"-"` (Tencent's "no value", e.g. `TotalCost` under contract prices,
/// https://tencentcloud.com/document/api/555/32374) read as `None`.
pub fn optional_decimal<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    match &value {
        Value::Null => Ok(None),
        Value::String(text) if matches!(text.trim(), "" | "-") => Ok(None),
        _ => decimal_from_value(&value)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// `#[serde(deserialize_with = "amount::count")]`: a non-negative integer (a total or a page
/// number) sent as a JSON number or a string.
pub fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let parsed = match &value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse::<u64>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| serde::de::Error::custom(format!("expected a count, found {value}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::test_support::dec;

    #[derive(Deserialize, Debug)]
    struct Row {
        #[serde(deserialize_with = "decimal")]
        amount: Decimal,
        #[serde(default, deserialize_with = "optional_decimal")]
        maybe: Option<Decimal>,
        #[serde(default, deserialize_with = "count")]
        total: u64,
    }

    fn row(json: &str) -> Result<Row, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn numbers_and_strings_give_the_same_decimal() {
        assert_eq!(row(r#"{"amount": 850.0000}"#).unwrap().amount, dec("850"));
        assert_eq!(row(r#"{"amount": "850.0000"}"#).unwrap().amount, dec("850"));
        assert_eq!(row(r#"{"amount": 0.1}"#).unwrap().amount, dec("0.1"));
        assert_eq!(row(r#"{"amount": 12}"#).unwrap().amount, dec("12"));
        assert_eq!(
            row(r#"{"amount": 1.23456789}"#).unwrap().amount,
            dec("1.23456789")
        );
        assert_eq!(row(r#"{"amount": 1e-7}"#).unwrap().amount, dec("0.0000001"));
    }

    #[test]
    fn negatives_and_thousands_separators() {
        assert_eq!(
            row(r#"{"amount": "-11.19"}"#).unwrap().amount,
            dec("-11.19")
        );
        assert_eq!(row(r#"{"amount": -3.5}"#).unwrap().amount, dec("-3.5"));
        assert_eq!(
            row(r#"{"amount": "1,234.50"}"#).unwrap().amount,
            dec("1234.50")
        );
        assert_eq!(
            row(r#"{"amount": "-1,234,567"}"#).unwrap().amount,
            dec("-1234567")
        );
        assert_eq!(row(r#"{"amount": " 7 "}"#).unwrap().amount, dec("7"));
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            r#""abc""#,
            r#""""#,
            r#""1,5""#,
            r#""12,34.5""#,
            r#""1.2.3""#,
            r#""--1""#,
            "true",
            "null",
            "[1]",
            r#""1e""#,
            r#""NaN""#,
        ] {
            assert!(
                row(&format!(r#"{{"amount": {bad}}}"#)).is_err(),
                "{bad} was accepted"
            );
        }
        assert!(row("{}").is_err(), "a missing required amount was accepted");
    }

    #[test]
    fn optional_amounts_and_counts() {
        let r = row(r#"{"amount": 1, "maybe": "-", "total": "42"}"#).unwrap();
        assert_eq!((r.maybe, r.total), (None, 42));
        let r = row(r#"{"amount": 1, "maybe": "2.50", "total": 7}"#).unwrap();
        assert_eq!((r.maybe, r.total), (Some(dec("2.5")), 7));
        assert_eq!(row(r#"{"amount": 1, "maybe": null}"#).unwrap().maybe, None);
        assert!(row(r#"{"amount": 1, "maybe": "x"}"#).is_err());
        assert!(row(r#"{"amount": 1, "total": -1}"#).is_err());
    }
}
