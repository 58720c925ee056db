//! How the billing feature names its own values (providers, sync and coverage states, bill-line
//! sources), on top of the string table: `use crate::billing::labels::BillingText;`.

use super::iam::IamErrorKind;
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
    /// What a failed Volcengine IAM call means, for the admin.
    fn iam_error(&self, k: IamErrorKind) -> &'static str;
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

    fn iam_error(&self, k: IamErrorKind) -> &'static str {
        match k {
            IamErrorKind::UserAlreadyExists => "该子账号名已存在",
            IamErrorKind::UserNotFound => "子账号不存在",
            IamErrorKind::AccessKeyNotFound => "访问密钥不存在",
            IamErrorKind::InvalidAccessKeyStatus => "访问密钥状态无效",
            IamErrorKind::InvalidAccessKeyId => "访问密钥 ID 无效",
            IamErrorKind::PolicyNotFound => "权限策略不存在",
            IamErrorKind::LimitExceeded => "已达火山引擎的数量上限（如每个子账号的密钥数）",
            IamErrorKind::Auth => "火山引擎拒绝了主账号的密钥或权限不足",
            IamErrorKind::Throttled => "火山引擎限流，请稍后重试",
            IamErrorKind::Unavailable => "火山引擎暂时不可用，请稍后重试",
            IamErrorKind::Invalid => "火山引擎拒绝了该请求",
        }
    }
}
