//! DeepSeek account balance: `GET /user/balance` with the API key as Bearer token (docs/providers.md, "DeepSeek").
//! Doc: https://api-docs.deepseek.com/api/get-user-balance.md (current: amounts are strings);
//! an older copy, https://platform.deepseek.com/api-docs/zh-cn/api/get-user-balance, typed them
//! as numbers, so both are read. DeepSeek has no bill API: its spend is the fall in balance.

use chrono::Utc;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{
    amount, parse_currency, parse_json, Answer, ErrorKind, ErrorReport, ProviderError, ProviderHttp,
};
use crate::billing::model::{BalanceSnapshot, BillLine, Provider, Scope};

const PROVIDER: Provider = Provider::DeepSeek;
const ACTION: &str = "GetUserBalance";
const PATH: &str = "/user/balance";

/// DeepSeek publishes no bills: every scope is a bad request.
pub(super) fn bill_lines(scope: Scope) -> Result<Vec<BillLine>, ProviderError> {
    Err(ProviderError::unsupported_scope(PROVIDER, scope))
}

/// The CNY balance (else the first listed); `None` when the account lists no balance.
/// `is_available: false` (nothing left to spend) is a balance like any other.
pub(super) async fn balance(api: &ProviderHttp) -> Result<Option<BalanceSnapshot>, ProviderError> {
    // Read inside the gate: an answer that does not read is asked for again like a 5xx.
    api.run(|| async { parse_balance(api.name(), &attempt(api).await?.body) }).await
}

async fn attempt(api: &ProviderHttp) -> Result<Answer, ProviderError> {
    let url = api.url(PATH, &[]);
    let headers = vec![
        (
            "Authorization".to_owned(),
            format!("Bearer {}", api.account().secret.expose()),
        ),
        ("Accept".to_owned(), "application/json".to_owned()),
    ];
    let answer = api
        .send(ACTION, reqwest::Method::GET, url, &headers, Vec::new())
        .await?;
    // DeepSeek echoes the key's last four characters when refusing it; should an answer
    // ever echo the whole key, it must not reach a log.
    api.successful(answer, error_from)
}

/// OpenAI-style `{"error":{"message","type","code"}}`; anything else keeps the status as code.
fn error_from(answer: &Answer) -> ProviderError {
    #[derive(Deserialize)]
    struct Detail {
        message: Option<String>,
        #[serde(rename = "type")]
        kind: Option<String>,
        code: Option<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct ErrorBody {
        error: Option<Detail>,
    }
    let detail = serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .and_then(|b| b.error);
    let (code, kind_name, message) = match detail {
        Some(d) => {
            let code = match d.code {
                Some(serde_json::Value::String(text)) => Some(text),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            (code, d.kind, d.message)
        }
        None => (None, None, None),
    };
    let auth = kind_name.as_deref() == Some("authentication_error");
    let report = ErrorReport {
        code: code.or(kind_name),
        message,
        request_id: None,
    };
    report.into_error(PROVIDER, answer, |_| auth.then_some(ErrorKind::Auth))
}

#[derive(Deserialize)]
struct BalanceAnswer {
    #[serde(default)]
    is_available: Option<bool>,
    #[serde(default)]
    balance_infos: Vec<BalanceInfo>,
}

#[derive(Deserialize)]
struct BalanceInfo {
    currency: String,
    /// Granted plus topped-up: what can be spent.
    #[serde(deserialize_with = "amount::decimal")]
    total_balance: Decimal,
    #[serde(default, deserialize_with = "amount::optional_decimal")]
    granted_balance: Option<Decimal>,
    #[serde(default, deserialize_with = "amount::optional_decimal")]
    topped_up_balance: Option<Decimal>,
}

/// Reads a `/user/balance` answer.
pub fn parse_balance(account: &str, body: &[u8]) -> Result<Option<BalanceSnapshot>, ProviderError> {
    let answer: BalanceAnswer = parse_json(PROVIDER, ACTION, body)?;
    if answer.is_available == Some(false) {
        tracing::info!(
            account,
            "DeepSeek reports no balance available for API calls"
        );
    }
    let mut infos = answer.balance_infos;
    let chosen = match infos
        .iter()
        .position(|i| i.currency.eq_ignore_ascii_case("CNY"))
    {
        Some(at) => infos.swap_remove(at),
        None if infos.is_empty() => return Ok(None),
        None => infos.swap_remove(0),
    };
    Ok(Some(BalanceSnapshot {
        provider: PROVIDER,
        account: account.to_owned(),
        taken_at: Utc::now(),
        currency: parse_currency(PROVIDER, ACTION, &chosen.currency)?,
        available: chosen.total_balance,
        credit: None,
        granted: chosen.granted_balance,
        topped_up: chosen.topped_up_balance,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::model::Currency;
    use crate::billing::providers::test_support::{answer, dec};
    use crate::secret::Secret;

    #[test]
    fn documented_example_as_strings_and_as_numbers() {
        let strings = br#"{"is_available": true,
            "balance_infos": [{"currency": "CNY", "total_balance": "110.00", "granted_balance": "10.00", "topped_up_balance": "100.00"}]}"#;
        let numbers = br#"{"is_available": true,
            "balance_infos": [{"currency": "CNY", "total_balance": 110.00, "granted_balance": 10.00, "topped_up_balance": 100.00}]}"#;
        for body in [&strings[..], &numbers[..]] {
            let balance = parse_balance("acct", body).unwrap().unwrap();
            assert_eq!(balance.currency, Currency::Cny);
            assert_eq!(balance.available, dec("110"));
            assert_eq!(balance.granted, Some(dec("10")));
            assert_eq!(balance.topped_up, Some(dec("100")));
            assert_eq!(balance.credit, None);
        }
    }

    #[test]
    fn prefers_cny_and_tolerates_unavailable() {
        let body = br#"{"is_available": false, "balance_infos": [
            {"currency": "USD", "total_balance": "1.00", "granted_balance": "0.00", "topped_up_balance": "1.00"},
            {"currency": "CNY", "total_balance": "0.00", "granted_balance": "0.00", "topped_up_balance": "0.00"}]}"#;
        let balance = parse_balance("acct", body).unwrap().unwrap();
        assert_eq!(
            (balance.currency, balance.available),
            (Currency::Cny, dec("0"))
        );
        let usd = br#"{"is_available": true, "balance_infos": [{"currency": "USD", "total_balance": "2.5"}]}"#;
        let balance = parse_balance("acct", usd).unwrap().unwrap();
        assert_eq!((balance.currency, balance.granted), (Currency::Usd, None));
        assert_eq!(
            parse_balance("acct", br#"{"is_available": false, "balance_infos": []}"#).unwrap(),
            None
        );
        assert_eq!(
            parse_balance("acct", b"<html>").unwrap_err().kind,
            ErrorKind::Malformed
        );
    }

    #[test]
    fn errors() {
        let answer = |status: u16, body: &str| answer(status, &[], body);
        let body = r#"{"error":{"message":"Authentication Fails (no such user)","type":"authentication_error","param":null,"code":"invalid_request_error"}}"#;
        let e = error_from(&answer(401, body));
        assert_eq!(
            (e.kind, e.code.as_str()),
            (ErrorKind::Auth, "invalid_request_error")
        );
        let echoed = r#"{"error":{"message":"Your api key sk-abc123 is invalid","type":"authentication_error"}}"#;
        let e = error_from(&answer(401, echoed)).redacting(&Secret::new("sk-abc123"));
        assert_eq!(e.message, "Your api key *** is invalid");
        assert_eq!(error_from(&answer(429, "")).kind, ErrorKind::Throttled);
        assert_eq!(error_from(&answer(503, "busy")).kind, ErrorKind::Server);
    }
}
