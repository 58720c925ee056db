//! How the billing feature names its own values (providers, sync and coverage states, bill-line
//! sources), on top of the string table: `use crate::billing::labels::BillingText;`.

use super::model::{AccountSyncState, GapKind, Provider, RunState};
use crate::i18n::Strings;

pub trait BillingText {
    /// Who started a sync (`SyncTrigger::as_str`), as the history shows it.
    fn sync_trigger(&self, trigger: &str) -> String;
    /// Where a bill line came from (the store's `source`).
    fn line_source(&self, source: &str) -> String;
    fn provider(&self, p: Provider) -> &'static str;
    fn account_state(&self, s: AccountSyncState) -> &'static str;
    fn gap(&self, k: GapKind) -> &'static str;
    fn run_state(&self, s: RunState) -> &'static str;
}

impl BillingText for Strings {
    fn sync_trigger(&self, trigger: &str) -> String {
        match trigger {
            "button" => "手动".into(),
            "cli" => "命令行".into(),
            "schedule" => "定时".into(),
            other => other.to_string(),
        }
    }

    fn line_source(&self, source: &str) -> String {
        match source {
            "bill" => "账单接口".into(),
            "balance_delta" => "余额差额推算".into(),
            other => other.to_string(),
        }
    }

    fn provider(&self, p: Provider) -> &'static str {
        match p {
            Provider::Aliyun => "阿里云",
            Provider::Volcengine => "火山引擎",
            Provider::Tencent => "腾讯云",
            Provider::Baidu => "百度智能云",
            Provider::DeepSeek => "DeepSeek",
        }
    }

    fn account_state(&self, s: AccountSyncState) -> &'static str {
        match s {
            AccountSyncState::Pending => self.b_state_pending,
            AccountSyncState::Running => self.b_state_running,
            AccountSyncState::Ok => self.b_state_ok,
            AccountSyncState::Failed => self.b_state_failed,
            AccountSyncState::NotConfigured => self.b_state_not_configured,
        }
    }

    fn gap(&self, k: GapKind) -> &'static str {
        match k {
            GapKind::Failed => self.b_gap_failed,
            GapKind::NotPulled => self.b_gap_not_pulled,
            GapKind::BeforeHistory => self.b_gap_before_history,
            GapKind::Stale => self.b_gap_stale,
        }
    }

    fn run_state(&self, s: RunState) -> &'static str {
        match s {
            RunState::Running => self.b_run_running,
            RunState::Ok => self.b_run_ok,
            RunState::Partial => self.b_run_partial,
            RunState::Failed => self.b_run_failed,
        }
    }
}
