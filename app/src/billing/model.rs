//! Types shared by the browser and the server. Amounts are `Decimal` with an explicit currency;
//! billing days are calendar days in Asia/Shanghai.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::money::Currency;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Provider {
    Aliyun,
    Volcengine,
    Tencent,
    Baidu,
    DeepSeek,
}

impl Provider {
    pub const ALL: [Provider; 5] = [Provider::Aliyun, Provider::Volcengine, Provider::Tencent, Provider::Baidu, Provider::DeepSeek];

    pub fn slug(self) -> &'static str {
        match self {
            Provider::Aliyun => "aliyun",
            Provider::Volcengine => "volcengine",
            Provider::Tencent => "tencent",
            Provider::Baidu => "baidu",
            Provider::DeepSeek => "deepseek",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.slug() == s)
    }
}

/// What one request for bills covers; a sync replaces exactly this scope of an account's lines,
/// so pulling it again never counts anything twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// One billing day (providers with daily bills: Alibaba, Baidu).
    Day(NaiveDate),
    /// One billing month, given by its first day (Volcengine's daily detail for a month,
    /// Tencent's monthly summary).
    Month(NaiveDate),
}

impl Scope {
    /// `day` or `month`, as stored.
    pub fn kind(self) -> &'static str {
        match self {
            Scope::Day(_) => "day",
            Scope::Month(_) => "month",
        }
    }

    /// The day, or the month's first day.
    pub fn start(self) -> NaiveDate {
        match self {
            Scope::Day(d) | Scope::Month(d) => d,
        }
    }

    /// The last day the scope covers.
    pub fn last_day(self) -> NaiveDate {
        match self {
            Scope::Day(d) => d,
            Scope::Month(m) => m
                .checked_add_months(chrono::Months::new(1))
                .and_then(|next| next.pred_opt())
                .unwrap_or(m),
        }
    }

    /// First day of the billing month the scope belongs to.
    pub fn month(self) -> NaiveDate {
        use chrono::Datelike;
        let d = self.start();
        d.with_day(1).unwrap_or(d)
    }

    /// As the page shows it: `2026-06-03`, or `2026-06` for a month.
    pub fn label(self) -> String {
        match self {
            Scope::Day(d) => d.format("%Y-%m-%d").to_string(),
            Scope::Month(m) => m.format("%Y-%m").to_string(),
        }
    }

    pub fn from_parts(kind: &str, start: NaiveDate) -> Option<Scope> {
        match kind {
            "day" => Some(Scope::Day(start)),
            "month" => Some(Scope::Month(start)),
            _ => None,
        }
    }
}

/// A scope an account's sync could not pull, and the provider's reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopeFailure {
    pub scope: Scope,
    pub error_code: String,
    pub error_message: String,
}

/// Why part of a period's bills is missing or may be out of date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GapKind {
    /// Never pulled successfully; the last attempt failed.
    Failed,
    /// Inside the synced history but not pulled yet (no sync reached it).
    NotPulled,
    /// Before the history window syncs pull (`SUANPAN_BILLING_HISTORY_MONTHS`).
    BeforeHistory,
    /// Pulled before, but the last attempt failed: the lines shown are from the earlier pull.
    Stale,
}

impl GapKind {
    /// A stale scope still has its earlier lines; the others have none.
    pub fn incomplete(self) -> bool {
        self != GapKind::Stale
    }
}

/// One account's scopes of one billing month with the same gap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageGap {
    pub provider: Provider,
    pub account: String,
    pub display_name: String,
    /// First day of the billing month.
    pub month: NaiveDate,
    pub kind: GapKind,
    /// Days (or, with `monthly`, months) of that month affected.
    pub scopes: u32,
    pub monthly: bool,
    /// The last failure's code and message (Failed, Stale).
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// When the lines shown were pulled (Stale).
    pub pulled_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One normalised bill line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillLine {
    pub provider: Provider,
    /// The account's configured id (not the provider's numeric id).
    pub account: String,
    /// First day of the billing month.
    pub billing_cycle: NaiveDate,
    /// The billing day, when the provider gives one (Tencent's summary is monthly).
    pub date: Option<NaiveDate>,
    pub product_code: String,
    pub product_name: String,
    /// Before discounts and vouchers (pretax gross).
    pub pretax: Decimal,
    /// What is owed after discounts and vouchers (pretax).
    pub payable: Decimal,
    pub currency: Currency,
    /// An AI model service (Model Studio/Qwen, Ark, Hunyuan, Qianfan, DeepSeek).
    pub ai_service: bool,
}

/// An account balance at a moment, as the provider reported it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BalanceSnapshot {
    pub provider: Provider,
    pub account: String,
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub currency: Currency,
    /// Available to spend (may be negative when in arrears).
    pub available: Decimal,
    /// Credit line, when the provider has one.
    pub credit: Option<Decimal>,
    /// DeepSeek: granted (gift) part of the balance.
    pub granted: Option<Decimal>,
    /// DeepSeek: topped-up part of the balance.
    pub topped_up: Option<Decimal>,
}

/// Product codes of AI model services, per provider; everything else is general cloud spend.
pub fn is_ai_product(provider: Provider, product_code: &str) -> bool {
    let code = product_code.to_ascii_lowercase();
    match provider {
        // 百炼 / Model Studio (DashScope) bills as `sfm`; older Qwen bills under `dashscope`.
        Provider::Aliyun => matches!(code.as_str(), "sfm" | "dashscope" | "bailian" | "qwen"),
        Provider::Volcengine => code.starts_with("ark") || code == "doubao",
        Provider::Tencent => code.contains("hunyuan") || code == "p_hunyuan",
        Provider::Baidu => code.contains("qianfan") || code == "wenxin",
        Provider::DeepSeek => true,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncTrigger {
    Button,
    Cli,
    Schedule,
}

impl SyncTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncTrigger::Button => "button",
            SyncTrigger::Cli => "cli",
            SyncTrigger::Schedule => "schedule",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunState {
    Running,
    Ok,
    Partial,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountSyncState {
    Pending,
    Running,
    Ok,
    Failed,
    NotConfigured,
}

impl AccountSyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountSyncState::Pending => "pending",
            AccountSyncState::Running => "running",
            AccountSyncState::Ok => "ok",
            AccountSyncState::Failed => "failed",
            AccountSyncState::NotConfigured => "not_configured",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Running, Self::Ok, Self::Failed, Self::NotConfigured].into_iter().find(|x| x.as_str() == s)
    }
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Ok => "ok",
            RunState::Partial => "partial",
            RunState::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Running, Self::Ok, Self::Partial, Self::Failed].into_iter().find(|x| x.as_str() == s)
    }
}

/// One account's part of a sync run (or a provider without accounts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSyncView {
    pub provider: Provider,
    pub account: String,
    pub display_name: String,
    pub simulated: bool,
    pub state: AccountSyncState,
    pub scopes_total: u32,
    pub scopes_done: u32,
    pub lines: u32,
    /// Scopes that could not be pulled in this run (they stay due for the next).
    #[serde(default)]
    pub scopes_failed: u32,
    /// The provider's own error code and message when it failed.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Which scopes failed and why (the sync history; empty while running).
    #[serde(default)]
    pub failures: Vec<ScopeFailure>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncRunView {
    pub id: i64,
    pub trigger: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub state: RunState,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub accounts: Vec<AccountSyncView>,
    /// Set when a start request joined this run instead of starting one; `elsewhere` when another
    /// process (the CLI, another app instance) runs it.
    #[serde(default)]
    pub joined: Option<JoinedRun>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinedRun {
    /// Already running in this process.
    Here,
    /// Running in another process that holds the sync lease.
    Elsewhere,
}

/// Amounts kept by original currency; shown in CNY at the configured rate, both visible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Mixed {
    pub cny: Decimal,
    pub usd: Decimal,
}

impl Mixed {
    pub fn add(&mut self, currency: Currency, amount: Decimal) {
        match currency {
            Currency::Cny => self.cny += amount,
            Currency::Usd => self.usd += amount,
        }
    }
    pub fn in_cny(&self, usd_cny: Decimal) -> Decimal {
        (self.cny + self.usd * usd_cny).round_dp(2)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CostFilter {
    /// Every cloud product.
    All,
    /// AI model services only.
    Ai,
}

/// What the AI cost page shows: a date range (Asia/Shanghai days) and a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub filter: CostFilter,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlatformCost {
    pub provider: Provider,
    pub configured: bool,
    pub simulated: bool,
    pub accounts: u32,
    pub total: Mixed,
    /// Latest balance per account, summed by currency (available).
    pub balance: Option<Mixed>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyCost {
    pub date: NaiveDate,
    pub provider: Provider,
    /// Converted to CNY.
    pub cny: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductCost {
    pub provider: Provider,
    pub product_code: String,
    pub product_name: String,
    pub ai_service: bool,
    pub payable: Mixed,
    pub pretax: Mixed,
    pub lines: u32,
}

/// The app's own model calls in the range, priced at list price, beside what the bill says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnUsage {
    pub model: String,
    pub calls: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub images: i64,
    /// None when the model's price is unknown.
    pub estimated_cny: Option<Decimal>,
    pub simulated_calls: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostOverview {
    pub query: CostQuery,
    pub today: NaiveDate,
    pub usd_cny: Decimal,
    pub total: Mixed,
    pub this_month: Mixed,
    pub today_cost: Mixed,
    pub platforms: Vec<PlatformCost>,
    pub daily: Vec<DailyCost>,
    pub products: Vec<ProductCost>,
    /// Monthly-only lines (no day) were counted whole for months the range touches.
    pub has_monthly_only: bool,
    pub own_usage: Vec<OwnUsage>,
    /// Alibaba's Model Studio (百炼) lines in the range: what was billed.
    pub model_studio_billed: Mixed,
    pub any_simulated: bool,
    pub last_run: Option<SyncRunView>,
    /// Scopes of the range (and this month) whose bills are missing or out of date.
    #[serde(default)]
    pub gaps: Vec<CoverageGap>,
}

/// One stored line, for the drill-down and the export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillLineView {
    pub line: BillLine,
    pub source: String,
    pub sync_run_id: i64,
    /// The account's name as the sync panel shows it (`阿里云 开发测试`); empty → the account id.
    #[serde(default)]
    pub display_name: String,
}

impl BillLineView {
    pub fn account_label(&self) -> &str {
        if self.display_name.is_empty() {
            &self.line.account
        } else {
            &self.display_name
        }
    }
}
