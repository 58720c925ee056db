//! Deterministic demo spend behind the cloud simulator: daily bill lines per account and
//! product, a few surprises for the dashboards to find, and a DeepSeek balance over time.
//!
//! Everything is a pure function of `(seed, today, history_months, accounts)`: each value comes
//! from its own ChaCha stream keyed by what it describes (account, product, day), so adding an
//! account or changing the window never reshuffles the others.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Timelike, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::SimAccount;
use crate::billing::model::{is_ai_product, Currency, Provider};

/// Bills settle late: lines this many days old or newer are reported at 90 %.
const UNSETTLED_DAYS: i64 = 2;
const DEEPSEEK_GRANTED: i64 = 10;
const DEEPSEEK_TOP_UP: i64 = 1000;

/// One day of one product on one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerLine {
    pub account: String,
    pub date: NaiveDate,
    pub product_code: String,
    pub product_name: String,
    /// Before discounts and vouchers.
    pub pretax: Decimal,
    /// Owed after discounts and vouchers; never above `pretax`.
    pub payable: Decimal,
    pub currency: Currency,
}

/// Where the demo data hides its surprises (each absent when outside the window).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Surprises {
    /// `(account, product, day)`: one AI product costs 6–8× its usual on one day.
    pub spike: Option<(String, String, NaiveDate)>,
    /// `(account, product, day)`: a negative line.
    pub refund: Option<(String, String, NaiveDate)>,
    /// `(account, product, first day of month)`: no lines that month.
    pub idle: Option<(String, String, NaiveDate)>,
}

/// The simulated books of every account. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Ledger {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    seed: u64,
    today: NaiveDate,
    start: NaiveDate,
    /// Per account, sorted by `(date, product_code)`.
    lines: BTreeMap<String, Vec<LedgerLine>>,
    deepseek: Vec<String>,
    surprises: Surprises,
}

impl Ledger {
    pub fn new(seed: u64, today: NaiveDate, history_months: u32, accounts: &[SimAccount]) -> Self {
        let start = month_start(today)
            .checked_sub_months(Months::new(history_months))
            .unwrap_or(today);
        let surprises = plan_surprises(today, start, accounts);
        let lines = accounts
            .iter()
            .map(|account| {
                let lines = account_lines(seed, account, start, today, &surprises);
                (account.name.clone(), lines)
            })
            .collect();
        let deepseek = accounts
            .iter()
            .filter(|a| a.provider == Provider::DeepSeek)
            .map(|a| a.name.clone())
            .collect();
        let inner = Inner {
            seed,
            today,
            start,
            lines,
            deepseek,
            surprises,
        };
        Ledger {
            inner: Arc::new(inner),
        }
    }

    /// The last day with bills.
    pub fn today(&self) -> NaiveDate {
        self.inner.today
    }

    /// The first day with bills (first day of `today`'s month minus `history_months`).
    pub fn start(&self) -> NaiveDate {
        self.inner.start
    }

    pub fn surprises(&self) -> &Surprises {
        &self.inner.surprises
    }

    /// Final (settled) lines of `account` with `from <= date <= to`, by date then product code.
    pub fn lines(&self, account: &str, from: NaiveDate, to: NaiveDate) -> Vec<LedgerLine> {
        self.inner
            .lines
            .get(account)
            .map(|lines| {
                lines
                    .iter()
                    .filter(|l| l.date >= from && l.date <= to)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The line as the provider shows it on `now_day`: days up to [`UNSETTLED_DAYS`] old are
    /// not settled yet and show 90 % of the final amounts, so a later re-sync changes them.
    pub fn as_reported(&self, line: &LedgerLine, now_day: NaiveDate) -> LedgerLine {
        let age = (now_day - line.date).num_days();
        if !(0..=UNSETTLED_DAYS).contains(&age) {
            return line.clone();
        }
        let part = Decimal::new(9, 1);
        LedgerLine {
            pretax: (line.pretax * part).round_dp(2),
            payable: (line.payable * part).round_dp(2),
            ..line.clone()
        }
    }

    /// Cash balance of a cloud account on `now_day`: a seeded opening amount, topped back up on
    /// the first of each month, minus the month's payable spend so far (may go negative).
    pub fn cash_balance(&self, account: &str, now_day: NaiveDate) -> Decimal {
        let mut rng = rng_for(self.inner.seed, &[account, "cash"]);
        let opening = Decimal::new(rng.gen_range(800_000..=3_000_000), 2);
        let spent: Decimal = self
            .lines(account, month_start(now_day), now_day)
            .iter()
            .map(|l| self.as_reported(l, now_day).payable)
            .sum();
        opening - spent
    }

    /// `(total, granted, topped_up)` of a DeepSeek account at `at`: 10 CNY granted at the start,
    /// +1000 CNY topped up every 9–11 days, a daily spend of 20–80 CNY taken from the granted
    /// part first and spread evenly over the (Asia/Shanghai) day. Zeros for other accounts.
    pub fn deepseek_balance(
        &self,
        account: &str,
        at: DateTime<Utc>,
    ) -> (Decimal, Decimal, Decimal) {
        if !self.inner.deepseek.iter().any(|a| a == account) {
            return (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        }
        let local = at.with_timezone(&shanghai());
        // Far-future instants are clamped so the walk below stays short.
        let day = local
            .date_naive()
            .min(self.inner.today + Duration::days(3660));
        let elapsed = i64::from(local.time().num_seconds_from_midnight());
        let fraction = Decimal::from(elapsed) / Decimal::from(86_400);
        let (granted, topped_up) = self.walk_deepseek(account, day, fraction);
        let (granted, topped_up) = (granted.round_dp(2), topped_up.round_dp(2));
        (granted + topped_up, granted, topped_up)
    }

    fn walk_deepseek(
        &self,
        account: &str,
        day: NaiveDate,
        fraction: Decimal,
    ) -> (Decimal, Decimal) {
        let mut granted = Decimal::from(DEEPSEEK_GRANTED);
        let mut topped_up = Decimal::ZERO;
        let mut next_top_up = self.inner.start;
        let mut current = self.inner.start;
        while current <= day {
            let mut rng = rng_for(
                self.inner.seed,
                &[account, "deepseek", &current.to_string()],
            );
            if current == next_top_up {
                topped_up += Decimal::from(DEEPSEEK_TOP_UP);
                next_top_up = current + Duration::days(rng.gen_range(9..=11));
            }
            let spend = Decimal::new(rng.gen_range(2_000..=8_000), 2);
            let spend = if current == day {
                spend * fraction
            } else {
                spend
            };
            let from_granted = spend.min(granted);
            granted -= from_granted;
            topped_up = (topped_up - (spend - from_granted)).max(Decimal::ZERO);
            current += Duration::days(1);
        }
        (granted, topped_up)
    }
}

/// Billing days are calendar days in Asia/Shanghai.
pub use crate::calendar::shanghai;

pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Last day of the month starting at `first`.
pub fn month_end(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(first)
}

/// A ChaCha stream keyed by `seed` and `parts`, stable across runs and platforms.
fn rng_for(seed: u64, parts: &[&str]) -> ChaCha8Rng {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    ChaCha8Rng::from_seed(hasher.finalize().into())
}

/// The demo products of each demo account: `(code, Chinese name)`.
fn catalog(account: &str) -> &'static [(&'static str, &'static str)] {
    match account {
        "aliyun-main" => &[
            ("sfm", "大模型服务平台百炼"),
            ("ecs", "云服务器 ECS"),
            ("oss", "对象存储 OSS"),
            ("rds", "云数据库 RDS"),
        ],
        "aliyun-dev" => &[("sfm", "大模型服务平台百炼"), ("ecs", "云服务器 ECS")],
        "aliyun-spare" => &[("sfm", "大模型服务平台百炼"), ("oss", "对象存储 OSS")],
        "volc-ark" => &[
            ("ark", "火山方舟"),
            ("ecs", "云服务器"),
            ("tos", "对象存储"),
        ],
        "tencent-prod" => &[
            ("p_hunyuan", "腾讯混元大模型"),
            ("p_cvm", "云服务器"),
            ("p_cos", "对象存储"),
        ],
        "baidu-qianfan" => &[("qianfan", "千帆大模型平台"), ("bcc", "云服务器 BCC")],
        _ => &[],
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Ai,
    Compute,
    Storage,
}

impl Kind {
    fn of(provider: Provider, code: &str) -> Self {
        if is_ai_product(provider, code) {
            Kind::Ai
        } else if matches!(code, "oss" | "tos" | "p_cos" | "bos") {
            Kind::Storage
        } else {
            Kind::Compute
        }
    }
}

/// How one product's daily cost behaves, drawn once per (account, product). Floats only shape
/// the demo curve; every amount is rounded into a 2-dp `Decimal` before it is stored or served.
struct Profile {
    /// CNY per day at the start of the window.
    base: f64,
    weekly_growth: f64,
    weekend_factor: f64,
    noise: f64,
    /// Share taken off by discounts and vouchers, 0–10 %.
    discount: f64,
}

impl Profile {
    fn draw(seed: u64, account: &str, code: &str, kind: Kind) -> Self {
        let mut rng = rng_for(seed, &[account, code, "profile"]);
        let (base, growth, weekend, noise) = match kind {
            Kind::Ai => (
                rng.gen_range(50.0..150.0),
                rng.gen_range(0.02..0.04),
                0.7,
                0.08,
            ),
            Kind::Compute => (
                rng.gen_range(80.0..400.0),
                rng.gen_range(0.0..0.003),
                0.97,
                0.03,
            ),
            Kind::Storage => (
                rng.gen_range(10.0..60.0),
                rng.gen_range(0.002..0.006),
                1.0,
                0.02,
            ),
        };
        Profile {
            base,
            weekly_growth: growth,
            weekend_factor: weekend,
            noise,
            discount: rng.gen_range(0.0..0.10),
        }
    }

    /// Pretax cost on a day `days` after the window start.
    fn pretax(&self, rng: &mut ChaCha8Rng, days: i64, weekend: bool) -> f64 {
        let weeks = days / 7;
        let mut trend = 1.0;
        for _ in 0..weeks {
            trend *= 1.0 + self.weekly_growth;
        }
        // Between whole weeks, interpolate so the trend has no weekly steps.
        trend *= 1.0 + self.weekly_growth * (days % 7) as f64 / 7.0;
        let week_factor = if weekend { self.weekend_factor } else { 1.0 };
        let noise = 1.0 + rng.gen_range(-self.noise..=self.noise);
        self.base * trend * week_factor * noise
    }
}

fn plan_surprises(today: NaiveDate, start: NaiveDate, accounts: &[SimAccount]) -> Surprises {
    let has = |name: &str| accounts.iter().any(|a| a.name == name);
    let in_window = |day: NaiveDate| day >= start && day <= today;
    let spike_day = today - Duration::days(20);
    let refund_day = month_start(today)
        .checked_sub_months(Months::new(2))
        .and_then(|m| m.with_day(15));
    let idle_month = month_start(today).checked_sub_months(Months::new(3));
    let entry = |account: &str, product: &str, day: Option<NaiveDate>| {
        day.filter(|d| has(account) && in_window(*d))
            .map(|d| (account.to_owned(), product.to_owned(), d))
    };
    Surprises {
        spike: entry("aliyun-main", "sfm", Some(spike_day)),
        refund: entry("aliyun-main", "ecs", refund_day),
        idle: entry("aliyun-dev", "ecs", idle_month),
    }
}

fn account_lines(
    seed: u64,
    account: &SimAccount,
    start: NaiveDate,
    today: NaiveDate,
    surprises: &Surprises,
) -> Vec<LedgerLine> {
    let products = catalog(&account.name);
    let profiles: Vec<Profile> = products
        .iter()
        .map(|(code, _)| {
            let kind = Kind::of(account.provider, code);
            Profile::draw(seed, &account.name, code, kind)
        })
        .collect();
    let mut lines = Vec::new();
    let mut day = start;
    while day <= today {
        for ((code, name), profile) in products.iter().zip(&profiles) {
            if let Some(line) =
                day_line(seed, account, day, (code, name), profile, start, surprises)
            {
                lines.push(line);
            }
        }
        day += Duration::days(1);
    }
    lines.sort_by(|a, b| (a.date, &a.product_code).cmp(&(b.date, &b.product_code)));
    lines
}

fn day_line(
    seed: u64,
    account: &SimAccount,
    day: NaiveDate,
    (code, name): (&str, &str),
    profile: &Profile,
    start: NaiveDate,
    surprises: &Surprises,
) -> Option<LedgerLine> {
    // The surprise's day (or month) when it concerns this account and product.
    let hit = |s: &Option<(String, String, NaiveDate)>| match s {
        Some((a, p, day)) if *a == account.name && p == code => Some(*day),
        _ => None,
    };
    if hit(&surprises.idle).is_some_and(|month| month_start(day) == month) {
        return None;
    }
    let mut rng = rng_for(seed, &[&account.name, code, &day.to_string()]);
    let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
    let mut pretax = profile.pretax(&mut rng, (day - start).num_days(), weekend);
    let mut discount = profile.discount;
    if hit(&surprises.spike) == Some(day) {
        pretax *= rng.gen_range(6.0..=8.0);
    }
    if hit(&surprises.refund) == Some(day) {
        // A refund of an earlier prepaid order outweighs the day's usage; no discount on it.
        pretax = -pretax * 3.0;
        discount = 0.0;
    }
    let pretax = to_money(pretax);
    let payable = to_money(to_f64(pretax) * (1.0 - discount)).min(pretax);
    Some(LedgerLine {
        account: account.name.clone(),
        date: day,
        product_code: code.to_owned(),
        product_name: name.to_owned(),
        pretax,
        payable,
        currency: Currency::Cny,
    })
}

fn to_money(value: f64) -> Decimal {
    Decimal::from_f64(value).unwrap_or_default().round_dp(2)
}

fn to_f64(value: Decimal) -> f64 {
    rust_decimal::prelude::ToPrimitive::to_f64(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::cloud::demo_accounts;
    use chrono::TimeZone;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 18).expect("date")
    }

    fn ledger(seed: u64) -> Ledger {
        Ledger::new(seed, today(), 6, &demo_accounts(seed))
    }

    fn all(ledger: &Ledger, account: &str) -> Vec<LedgerLine> {
        ledger.lines(account, ledger.start(), ledger.today())
    }

    fn month_total(ledger: &Ledger, account: &str, code: &str, first: NaiveDate) -> Decimal {
        ledger
            .lines(account, first, month_end(first))
            .iter()
            .filter(|l| l.product_code == code)
            .map(|l| l.pretax)
            .sum()
    }

    #[test]
    fn is_deterministic_and_seed_dependent() {
        let (a, b, c) = (ledger(7), ledger(7), ledger(8));
        assert_eq!(all(&a, "aliyun-main"), all(&b, "aliyun-main"));
        assert_ne!(all(&a, "aliyun-main"), all(&c, "aliyun-main"));
        let at = Utc.with_ymd_and_hms(2026, 11, 10, 3, 0, 0).unwrap();
        assert_eq!(
            a.deepseek_balance("deepseek-team", at),
            b.deepseek_balance("deepseek-team", at)
        );
    }

    #[test]
    fn covers_every_day_from_the_window_start() {
        let ledger = ledger(7);
        assert_eq!(
            ledger.start(),
            NaiveDate::from_ymd_opt(2026, 5, 1).expect("date")
        );
        let lines = all(&ledger, "volc-ark");
        assert_eq!(lines.first().map(|l| l.date), Some(ledger.start()));
        assert_eq!(lines.last().map(|l| l.date), Some(today()));
        let days = (today() - ledger.start()).num_days() + 1;
        assert_eq!(lines.len() as i64, days * 3);
        assert!(all(&ledger, "deepseek-team").is_empty());
        assert!(all(&ledger, "nobody").is_empty());
    }

    #[test]
    fn pretax_is_never_below_payable_and_all_in_cny() {
        let ledger = ledger(3);
        for account in demo_accounts(3) {
            for line in all(&ledger, &account.name) {
                assert!(line.pretax >= line.payable, "{line:?}");
                assert_eq!(line.currency, Currency::Cny);
                assert_eq!(line.pretax, line.pretax.round_dp(2));
            }
        }
    }

    #[test]
    fn ai_products_trend_upwards() {
        let ledger = ledger(7);
        let first = ledger.start();
        let last_full = month_start(today())
            .checked_sub_months(Months::new(1))
            .expect("month");
        for (account, code) in [
            ("aliyun-main", "sfm"),
            ("volc-ark", "ark"),
            ("tencent-prod", "p_hunyuan"),
            ("baidu-qianfan", "qianfan"),
        ] {
            let early = month_total(&ledger, account, code, first);
            let late = month_total(&ledger, account, code, last_full);
            assert!(
                late > early * Decimal::new(13, 1),
                "{account}/{code}: {early} -> {late}"
            );
        }
        let daily: Vec<Decimal> = all(&ledger, "aliyun-main")
            .iter()
            .filter(|l| l.product_code == "sfm")
            .map(|l| l.pretax)
            .collect();
        assert!(daily
            .iter()
            .all(|d| *d >= Decimal::from(25) && *d <= Decimal::from(5000)));
    }

    #[test]
    fn has_a_spike_a_refund_and_an_idle_month() {
        let ledger = ledger(7);
        let surprises = ledger.surprises().clone();
        let (account, code, day) = surprises.spike.expect("spike");
        assert_eq!(day, today() - Duration::days(20));
        let around: Vec<Decimal> = ledger
            .lines(&account, day - Duration::days(7), day + Duration::days(7))
            .into_iter()
            .filter(|l| l.product_code == code && l.date != day)
            .map(|l| l.pretax)
            .collect();
        let peak = ledger
            .lines(&account, day, day)
            .into_iter()
            .find(|l| l.product_code == code)
            .expect("line")
            .pretax;
        let max_other = around.iter().copied().max().expect("neighbours");
        assert!(peak > max_other * Decimal::from(4), "{peak} vs {max_other}");

        let (account, code, day) = surprises.refund.expect("refund");
        let negatives: Vec<LedgerLine> = all(&ledger, &account)
            .into_iter()
            .filter(|l| l.pretax < Decimal::ZERO)
            .collect();
        assert_eq!(negatives.len(), 1);
        assert_eq!(
            (negatives[0].product_code.as_str(), negatives[0].date),
            (code.as_str(), day)
        );
        assert!(day < month_start(today()));

        let (account, code, month) = surprises.idle.expect("idle");
        assert!(ledger
            .lines(&account, month, month_end(month))
            .iter()
            .all(|l| l.product_code != code));
        let before = month.checked_sub_months(Months::new(1)).expect("month");
        assert!(ledger
            .lines(&account, before, month_end(before))
            .iter()
            .any(|l| l.product_code == code));
    }

    #[test]
    fn recent_days_are_reported_at_ninety_percent() {
        let ledger = ledger(7);
        for line in ledger.lines("tencent-prod", today() - Duration::days(5), today()) {
            let reported = ledger.as_reported(&line, today());
            if (today() - line.date).num_days() <= 2 {
                assert_eq!(
                    reported.pretax,
                    (line.pretax * Decimal::new(9, 1)).round_dp(2)
                );
                assert_eq!(
                    reported.payable,
                    (line.payable * Decimal::new(9, 1)).round_dp(2)
                );
                assert!(reported.pretax >= reported.payable);
            } else {
                assert_eq!(reported, line);
            }
            // Once settled, the final amounts show.
            assert_eq!(ledger.as_reported(&line, today() + Duration::days(3)), line);
        }
    }

    #[test]
    fn deepseek_balance_spends_granted_first_and_gets_topped_up() {
        let ledger = ledger(7);
        let at = |d: NaiveDate, h: u32| {
            shanghai()
                .from_local_datetime(&d.and_hms_opt(h, 0, 0).expect("time"))
                .single()
                .expect("time")
                .with_timezone(&Utc)
        };
        let start = ledger.start();
        let (total, granted, topped) = ledger.deepseek_balance("deepseek-team", at(start, 0));
        assert_eq!(
            (total, granted, topped),
            (Decimal::from(1010), Decimal::from(10), Decimal::from(1000))
        );
        let (_, granted, topped) = ledger.deepseek_balance("deepseek-team", at(start, 23));
        assert_eq!(
            granted,
            Decimal::ZERO,
            "a day's spend (≥ 20) uses up the 10 granted"
        );
        assert!(topped < Decimal::from(1000));

        // Within a day the balance falls smoothly; over weeks it is topped up again.
        let day = today() - Duration::days(3);
        let morning = ledger.deepseek_balance("deepseek-team", at(day, 9)).0;
        let evening = ledger.deepseek_balance("deepseek-team", at(day, 21)).0;
        assert!(evening < morning && morning - evening < Decimal::from(80));
        let mut rises = 0;
        let mut previous = ledger.deepseek_balance("deepseek-team", at(start, 12)).0;
        let mut d = start + Duration::days(1);
        while d <= today() {
            let now = ledger.deepseek_balance("deepseek-team", at(d, 12)).0;
            assert!(now > Decimal::ZERO);
            if now > previous {
                rises += 1;
            }
            previous = now;
            d += Duration::days(1);
        }
        assert!((15..=22).contains(&rises), "{rises} top-ups");
        assert_eq!(
            ledger.deepseek_balance("aliyun-main", at(day, 9)),
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO)
        );
    }
}
