//! What the clients' unit tests share: a canned answer and decimals from text.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::Answer;

/// An answer with `status`, `headers` and `body`.
pub fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    Answer {
        status,
        headers: map,
        body: bytes::Bytes::from(body.to_owned()),
    }
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}
