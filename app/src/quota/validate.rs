//! The quota forms, checked: each problem a field and the user's words.

use rust_decimal::Decimal;

use super::model::{AllocateForm, RegisterForm};
use super::steps::Steps;
use crate::error::AppError;
use crate::i18n::tr;

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid { field: field.into(), message: message.into() }
}

/// The largest amount one entry may move (a typo guard, not a business rule).
const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// "500", "+500", "-120.50", "1,000.5": yuan to the fen, not zero.
pub fn amount(text: &str) -> Result<Decimal, AppError> {
    let t = &tr().quota;
    let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != '，' && !c.is_whitespace()).collect();
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    let shaped = !digits.is_empty() && digits.trim_start_matches('-').chars().all(|c| c.is_ascii_digit() || c == '.');
    let value: Decimal = if shaped { digits.parse().map_err(|_| invalid("amount", t.e_amount))? } else { return Err(invalid("amount", t.e_amount)) };
    if value.scale() > 2 && value.normalize().scale() > 2 {
        return Err(invalid("amount", t.e_amount_fen));
    }
    if value.is_zero() {
        return Err(invalid("amount", t.e_amount_zero));
    }
    if value.abs() > MAX_AMOUNT {
        return Err(invalid("amount", t.e_amount_large));
    }
    Ok(value.normalize())
}

pub fn reason(text: &str) -> Result<String, AppError> {
    let r = text.trim();
    if r.is_empty() {
        return Err(invalid("reason", tr().quota.e_reason));
    }
    if r.chars().count() > 200 {
        return Err(invalid("reason", tr().quota.e_reason_long));
    }
    Ok(r.to_string())
}

/// The dialog's one-time key: letters, digits and '-', up to 64; empty means none.
pub fn request_key(text: &str) -> Result<Option<String>, AppError> {
    let k = text.trim();
    if k.is_empty() {
        return Ok(None);
    }
    if k.len() > 64 || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(invalid("request_key", tr().e_transport));
    }
    Ok(Some(k.to_string()))
}

/// Checked allocation fields: amount, reason, key.
pub fn allocation(form: &AllocateForm) -> Result<(Decimal, String, Option<String>), AppError> {
    Ok((amount(&form.amount)?, reason(&form.reason)?, request_key(&form.request_key)?))
}

/// "50,80,90" (any order, Chinese comma too); empty: `None`, the global default.
pub fn steps(text: &str) -> Result<Option<Steps>, AppError> {
    let t = &tr().quota;
    let parts: Vec<&str> = text.split([',', '，', ' ', '/']).map(str::trim).filter(|s| !s.is_empty()).map(|s| s.trim_end_matches('%')).collect();
    if parts.is_empty() {
        return Ok(None);
    }
    let values: Result<Vec<u16>, _> = parts.iter().map(|p| p.parse::<u16>()).collect();
    let values = values.map_err(|_| invalid("steps", t.e_steps))?;
    Steps::new(&values).map(Some).map_err(|e| invalid("steps", e.to_string()))
}

/// Volcengine IAM user names: 1–64 of letters, digits and `-_.@` (docs/providers.md).
pub fn user_name(text: &str) -> Result<String, AppError> {
    let n = text.trim();
    let ok = !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c));
    if !ok {
        return Err(invalid("user_name", tr().quota.e_user_name));
    }
    Ok(n.to_string())
}

pub fn project(text: &str) -> Result<String, AppError> {
    let p = text.trim();
    if p.is_empty() || p.chars().count() > 64 {
        return Err(invalid("project", tr().quota.e_project));
    }
    Ok(p.to_string())
}

pub fn display_name(text: &str) -> Result<String, AppError> {
    let d = text.trim();
    if d.chars().count() > 64 {
        return Err(invalid("display_name", tr().quota.e_display_name));
    }
    Ok(d.to_string())
}

/// The check interval in seconds: a minute to a day.
pub fn interval(seconds: u32) -> Result<u32, AppError> {
    if !(60..=86_400).contains(&seconds) {
        return Err(invalid("interval_seconds", tr().quota.e_interval));
    }
    Ok(seconds)
}

/// Checked registration fields (the account is checked against the configured ones by the caller).
pub fn registration(form: &RegisterForm) -> Result<(String, String, String, Option<Steps>), AppError> {
    Ok((user_name(&form.user_name)?, display_name(&form.display_name)?, project(&form.project)?, steps(&form.steps)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: AppError) -> String {
        match e {
            AppError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn amounts_in_yuan_to_the_fen() {
        assert_eq!(amount("500").unwrap(), Decimal::from(500));
        assert_eq!(amount(" +1,000.50 ").unwrap(), "1000.5".parse().unwrap());
        assert_eq!(amount("-120.5").unwrap(), "-120.5".parse().unwrap());
        assert_eq!(amount("2.100").unwrap(), "2.1".parse().unwrap(), "trailing zeros are fine");
        for bad in ["", "abc", "1e3", "0", "-0.00", "1.005", "NaN", "--5", "5-", "10000000000"] {
            assert_eq!(field(amount(bad).unwrap_err()), "amount", "{bad:?}");
        }
    }

    #[test]
    fn steps_reason_names_and_interval() {
        assert_eq!(steps("").unwrap(), None);
        assert_eq!(steps("80，50%").unwrap().unwrap().all(), &[50, 80, 100]);
        assert_eq!(field(steps("50,150").unwrap_err()), "steps");
        assert_eq!(field(steps("x").unwrap_err()), "steps");
        assert_eq!(field(reason("  ").unwrap_err()), "reason");
        assert_eq!(reason(" 月度预算 ").unwrap(), "月度预算");
        assert_eq!(user_name("cs-bot_01").unwrap(), "cs-bot_01");
        assert_eq!(field(user_name("客服").unwrap_err()), "user_name");
        assert_eq!(field(interval(59).unwrap_err()), "interval_seconds");
        assert_eq!(interval(600).unwrap(), 600);
        assert_eq!(request_key("").unwrap(), None);
        assert_eq!(field(request_key("a b").unwrap_err()), "request_key");
    }
}
