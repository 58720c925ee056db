//! What the quota pages and server functions exchange. Amounts are CNY (`Currency::Cny`), exact
//! decimals; times are UTC instants the page shows in Beijing time.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Currency;

/// Every quota amount is in yuan: Volcengine bills the sub-accounts' projects in CNY.
pub const CURRENCY: Currency = Currency::Cny;

/// Where a sub-account stands, as the list shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Under every step (or nothing allocated yet).
    Normal,
    /// A step below 100 % reached.
    Warning,
    /// 100 % reached, the sub-account still enabled (auto-disable off, or the disable pending).
    Exhausted,
    /// Disabled by the app at 100 %: a new allocation enables it again.
    DisabledByApp,
    /// Disabled by an admin: stays so until an admin enables it.
    DisabledByAdmin,
}

/// One row of 额度管理.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubAccountView {
    pub id: i64,
    /// The Volcengine main account (a billing account's name).
    pub account: String,
    pub user_name: String,
    pub display_name: String,
    pub project: String,
    pub allocated: Decimal,
    pub consumed: Decimal,
    /// `allocated − consumed`; negative when spend ran past the allocation.
    pub remaining: Decimal,
    /// Usage in percent, one decimal, rounded down (so 99.96 % never shows as 100 %); `None`
    /// before anything is allocated.
    pub usage_percent: Option<Decimal>,
    /// The steps in force (100 last) and whether they are this sub-account's own.
    pub steps: Vec<u8>,
    pub own_steps: bool,
    /// Steps reached in the current cycle (sent, passed together or carried).
    pub fired: Vec<u8>,
    /// The highest step reached, for the usage bar's colour.
    pub highest_fired: Option<u8>,
    pub status: Status,
    pub auto_disable: bool,
    pub allocations: u32,
    pub checked_at: Option<DateTime<Utc>>,
    /// The last check's failure for this sub-account (its consumption is then as of `checked_at`).
    pub check_error: Option<String>,
    /// An IAM change decided but not yet done in Volcengine, and why the last try failed.
    pub iam_pending: Option<String>,
    pub iam_error: Option<String>,
}

/// One ledger entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllocationView {
    pub id: i64,
    pub amount: Decimal,
    pub balance_before: Decimal,
    pub balance_after: Decimal,
    pub consumed: Decimal,
    pub operator: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// An alert (the kind that is sent), with its delivery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: i64,
    pub sub_account_id: i64,
    pub user_name: String,
    pub project: String,
    pub step: u8,
    pub consumed: Decimal,
    pub allocated: Decimal,
    /// The exhausted alert that disabled the sub-account.
    pub disables: bool,
    pub at: DateTime<Utc>,
    pub delivery: Delivery,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// The alert list's filter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertFilter {
    pub sub_account_id: Option<i64>,
    /// Only alerts whose delivery failed so far.
    pub undelivered: bool,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

/// The global settings of the check, as the settings form shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuotaSettingsView {
    pub interval_seconds: u32,
    /// Without the 100 % step, which is always there.
    pub default_steps: Vec<u8>,
    /// `None`: the defaults, never changed.
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
    pub last_check_at: Option<DateTime<Utc>>,
    pub next_check_at: Option<DateTime<Utc>>,
    /// Where alerts go (the webhook's URL with its token hidden), `None` when none is set.
    pub webhook: Option<String>,
    pub webhook_simulated: bool,
}

/// A sub-account taken under quota control.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterForm {
    pub account: String,
    pub user_name: String,
    pub display_name: String,
    pub project: String,
    /// Empty: the global default; else "50,80,90".
    pub steps: String,
    pub auto_disable: bool,
}

/// An allocation (+) or deduction (−).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AllocateForm {
    pub sub_account_id: i64,
    /// As typed: "500", "-120.50".
    pub amount: String,
    pub reason: String,
    /// Made once per opened dialog: submitting the same form twice makes one entry.
    pub request_key: String,
}

/// The outcome of a check started from the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// False when another check (here or in another instance) was running: nothing was done.
    pub ran: bool,
    pub checked: u32,
    pub failed: u32,
    pub alerts: u32,
    pub delivered: u32,
    pub disabled: u32,
    pub enabled: u32,
}

/// A Volcengine IAM user as the IAM page lists it, with its place under quota control.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IamUserRow {
    pub account: String,
    pub user: crate::billing::iam::IamUser,
    /// The quota sub-account it is, if registered.
    pub quota_id: Option<i64>,
    pub quota_project: Option<String>,
}

/// One user's keys, console login and policies, read live from Volcengine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IamUserDetail {
    pub account: String,
    pub name: String,
    /// `None`: the user has no console login profile.
    pub login_allowed: Option<bool>,
    pub keys: Vec<crate::billing::iam::AccessKeyInfo>,
    pub policies: Vec<crate::billing::iam::AttachedPolicy>,
}

/// A sub-account to create in Volcengine (and, with a project, to take under quota control).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateUserForm {
    pub account: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// System policies to attach, from the picker.
    pub policies: Vec<String>,
    /// Empty: not under quota control (yet).
    pub project: String,
}

/// What creating a sub-account did. The secret is in this answer only: never stored, never
/// logged; the dialog shows it once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub account: String,
    pub user: crate::billing::iam::IamUser,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub policies: Vec<String>,
    /// Policies that could not be attached, with Volcengine's words (the user exists regardless).
    pub policy_errors: Vec<String>,
    pub quota_id: Option<i64>,
}
