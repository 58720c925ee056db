//! The Feishu card of a quota alert: orange below 90 %, red from 90 % and for exhaustion, the
//! figures exact (two decimals of yuan), the time in Beijing time. Built when the alert is
//! recorded and kept in the outbox, so a resend is the same card.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::model::CURRENCY;
use super::steps::EXHAUSTED;
use crate::components::format::{beijing_time, money};
use crate::feishu::{Card, Template};
use crate::i18n::tr;

/// What an alert card says.
pub struct AlertFacts<'a> {
    pub user_name: &'a str,
    pub display_name: &'a str,
    pub project: &'a str,
    pub step: u8,
    pub consumed: Decimal,
    pub allocated: Decimal,
    pub disables: bool,
    pub at: DateTime<Utc>,
    /// The app's address, for a button to the quota page (none: no button).
    pub page_url: Option<&'a str>,
}

pub fn template(step: u8) -> Template {
    if step < 90 {
        Template::Orange
    } else {
        Template::Red
    }
}

/// Usage in percent, one decimal, rounded down: 99.96 % must not read as 100 %.
pub fn usage_percent(consumed: Decimal, allocated: Decimal) -> Option<Decimal> {
    if allocated <= Decimal::ZERO {
        return None;
    }
    Some((consumed * Decimal::ONE_HUNDRED / allocated).round_dp_with_strategy(1, rust_decimal::RoundingStrategy::ToNegativeInfinity))
}

pub fn alert_card(f: &AlertFacts<'_>) -> Card {
    let t = &tr().quota;
    let who = if f.display_name.is_empty() || f.display_name == f.user_name {
        f.user_name.to_string()
    } else {
        format!("{}（{}）", f.display_name, f.user_name)
    };
    let title = match (f.step, f.disables) {
        (EXHAUSTED, true) => format!("🚨 {who} {}", t.card_exhausted_disabled),
        (EXHAUSTED, false) => format!("🚨 {who} {}", t.card_exhausted),
        (step, _) => format!("⚠️ {who} {} {step}%", t.card_reached),
    };
    let usage = usage_percent(f.consumed, f.allocated).map(|p| format!("{p}%")).unwrap_or_else(|| "—".into());
    let mut body = format!(
        "**{}**：{}\n**{}**：{}\n**{}**：{}\n**{}**：{}\n**{}**：{}\n**{}**：{}",
        t.card_user,
        f.user_name,
        t.card_project,
        f.project,
        t.card_consumed,
        money(f.consumed, CURRENCY),
        t.card_allocated,
        money(f.allocated, CURRENCY),
        t.card_remaining,
        money(f.allocated - f.consumed, CURRENCY),
        t.card_usage,
        usage,
    );
    if f.step == EXHAUSTED {
        body.push_str("\n\n");
        body.push_str(if f.disables { t.card_disabled_note } else { t.card_exhausted_note });
    }
    let mut card = Card::new(title, template(f.step)).markdown(body).divider().markdown(format!("{}：{}", t.card_time, beijing_time(f.at)));
    if let Some(url) = f.page_url {
        card = card.link_button(t.card_open, format!("{}/quota", url.trim_end_matches('/')), true);
    }
    card
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(step: u8, disables: bool) -> AlertFacts<'static> {
        AlertFacts {
            user_name: "cs-bot",
            display_name: "客服机器人",
            project: "ark-customer-service",
            step,
            consumed: "80.005".parse().unwrap(),
            allocated: "100".parse().unwrap(),
            disables,
            at: "2026-12-08T02:15:00Z".parse().unwrap(),
            page_url: Some("https://suanpan.example.com/"),
        }
    }

    #[test]
    fn colour_by_step_and_exhaustion_says_what_happened() {
        assert_eq!(alert_card(&facts(50, false)).template, Template::Orange);
        assert_eq!(alert_card(&facts(80, false)).template, Template::Orange);
        assert_eq!(alert_card(&facts(90, false)).template, Template::Red);
        let done = alert_card(&facts(100, true));
        assert_eq!(done.template, Template::Red);
        assert!(done.title.contains("额度用尽") && done.title.contains("停用"), "{}", done.title);
        let json = done.to_json().to_string();
        assert!(json.contains("https://suanpan.example.com/quota"), "{json}");
        assert!(json.contains("10:15"), "Beijing time: {json}");
        assert!(!alert_card(&facts(100, false)).title.contains("停用"));
    }

    #[test]
    fn usage_is_rounded_down() {
        let p = |c: &str, a: &str| usage_percent(c.parse().unwrap(), a.parse().unwrap());
        assert_eq!(p("99.96", "100"), Some("99.9".parse().unwrap()));
        assert_eq!(p("1", "3"), Some("33.3".parse().unwrap()));
        assert_eq!(p("1", "0"), None);
    }
}
