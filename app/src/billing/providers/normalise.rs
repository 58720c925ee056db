//! A provider's fields made into the normalised [`BillLine`], [`BalanceSnapshot`] and
//! [`Currency`]: what every client does the same way once it has read its answer.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use super::ProviderError;
use crate::billing::model::{is_ai_product, BalanceSnapshot, BillLine, Currency, Provider};

pub(super) fn parse_currency(provider: Provider, action: &str, code: &str) -> Result<Currency, ProviderError> {
    match code.trim().to_ascii_uppercase().as_str() {
        "CNY" | "RMB" => Ok(Currency::Cny),
        "USD" => Ok(Currency::Usd),
        other => Err(ProviderError::malformed(
            provider,
            action,
            format!("unsupported currency {other:?}"),
        )),
    }
}

/// The currency `code` names, or `fallback` where the answer names none (absent or blank).
pub(super) fn currency_or(
    provider: Provider,
    action: &str,
    code: Option<&str>,
    fallback: Currency,
) -> Result<Currency, ProviderError> {
    match code.filter(|c| !c.trim().is_empty()) {
        Some(code) => parse_currency(provider, action, code),
        None => Ok(fallback),
    }
}

/// One product's cost as a provider's bill states it.
pub(super) struct ProductCost {
    pub(super) code: Option<String>,
    /// Falls back to the code when absent or empty.
    pub(super) name: Option<String>,
    /// Before discounts.
    pub(super) pretax: Decimal,
    /// What is owed.
    pub(super) payable: Decimal,
}

/// Where a bill line belongs: whose it is and which month (and day) it covers.
#[derive(Clone, Copy)]
pub(super) struct LineOf<'a> {
    pub(super) provider: Provider,
    pub(super) account: &'a str,
    pub(super) billing_cycle: NaiveDate,
    pub(super) date: Option<NaiveDate>,
}

impl LineOf<'_> {
    /// The bill line of `cost` in `currency`; the product code decides whether it is an AI
    /// service.
    pub(super) fn line(&self, currency: Currency, cost: ProductCost) -> BillLine {
        let product_code = cost.code.unwrap_or_default();
        let product_name = cost
            .name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| product_code.clone());
        BillLine {
            provider: self.provider,
            account: self.account.to_owned(),
            billing_cycle: self.billing_cycle,
            date: self.date,
            ai_service: is_ai_product(self.provider, &product_code),
            product_code,
            product_name,
            pretax: cost.pretax,
            payable: cost.payable,
            currency,
        }
    }
}

/// A balance taken now that carries no grant/top-up split (every provider but DeepSeek).
pub(super) fn balance_now(
    provider: Provider,
    account: &str,
    currency: Currency,
    available: Decimal,
    credit: Option<Decimal>,
) -> BalanceSnapshot {
    BalanceSnapshot {
        provider,
        account: account.to_owned(),
        taken_at: Utc::now(),
        currency,
        available,
        credit,
        granted: None,
        topped_up: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::providers::ErrorKind;

    #[test]
    fn currencies() {
        assert_eq!(parse_currency(Provider::Aliyun, "A", " rmb ").unwrap(), Currency::Cny);
        assert_eq!(parse_currency(Provider::Aliyun, "A", "usd").unwrap(), Currency::Usd);
        assert_eq!(parse_currency(Provider::Aliyun, "A", "EUR").unwrap_err().kind, ErrorKind::Malformed);
        assert_eq!(currency_or(Provider::Aliyun, "A", Some(" "), Currency::Usd).unwrap(), Currency::Usd);
        assert_eq!(currency_or(Provider::Aliyun, "A", None, Currency::Cny).unwrap(), Currency::Cny);
    }
}
