//! Money shared by every feature: amounts are `rust_decimal::Decimal` and always travel with an
//! explicit [`Currency`] (never `f64`).

use serde::{Deserialize, Serialize};

/// ISO 4217 code of an amount (WideWorldImporters trades in US dollars; the clouds bill in yuan).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Currency {
    Usd,
    Cny,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Cny => "CNY",
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Usd => "$",
            Currency::Cny => "¥",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_symbols() {
        assert_eq!((Currency::Usd.code(), Currency::Usd.symbol()), ("USD", "$"));
        assert_eq!((Currency::Cny.code(), Currency::Cny.symbol()), ("CNY", "¥"));
    }
}
