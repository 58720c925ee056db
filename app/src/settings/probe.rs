//! Connection tests: one cheap real call per kind (a balance, a model list, `SELECT 1`, a signed
//! test card), through the same clients the app uses, and the
//! provider's answer in its own words. Bounded: a test that gets no answer says so after 30 s.

use std::time::Duration;

use super::model::TestOutcome;
use crate::billing::model::{Provider, Scope};
use crate::billing::providers::{default_rate_per_second, AccountConfig, ProviderClient, ProviderError, RequestGate, RetryPolicy};
use crate::dashscope::{DashScopeClient, DashScopeError};
use crate::feishu::FeishuWebhook;
use crate::i18n::tr;
use crate::warehouse::config::MsSqlSettings;
use crate::warehouse::mssql::MsSqlWarehouse;

const TIMEOUT: Duration = Duration::from_secs(30);

fn ok(answer: String) -> TestOutcome {
    TestOutcome { ok: true, answer }
}

fn failed(answer: String) -> TestOutcome {
    TestOutcome { ok: false, answer: format!("{}：{answer}", tr().settings.t_failed) }
}

async fn bounded(test: impl std::future::Future<Output = TestOutcome>) -> TestOutcome {
    tokio::time::timeout(TIMEOUT, test).await.unwrap_or_else(|_| failed(tr().settings.t_timeout.to_string()))
}

/// A cloud account: its balance (Tencent has no balance API: this month's bill instead). One
/// attempt, no retries: the test shows the first answer.
pub async fn cloud(account: AccountConfig, http: &reqwest::Client) -> TestOutcome {
    let once = RetryPolicy { attempts: 1, ..RetryPolicy::default() };
    let gate = RequestGate::new(default_rate_per_second(account.provider), once);
    let client = ProviderClient::new(account, http.clone(), gate);
    let t = tr().settings;
    bounded(async {
        if client.account().provider == Provider::Tencent {
            let month = Scope::Month(crate::calendar::first_of_month(crate::calendar::shanghai_today()));
            return match client.bill_lines(month).await {
                Ok(lines) => ok(format!("{} {}", t.t_tencent_bills, lines.len())),
                Err(e) => failed(provider_error(&e)),
            };
        }
        match client.balance().await {
            Ok(Some(b)) => {
                let mut answer = format!("{} {} {}", t.t_balance, b.available, b.currency.code());
                if let Some(credit) = b.credit {
                    answer.push_str(&format!("（{} {credit}）", t.t_credit));
                }
                ok(answer)
            }
            Ok(None) => ok(t.t_balance.to_string()),
            Err(e) => failed(provider_error(&e)),
        }
    })
    .await
}

/// The provider's code and message, and its request id when it gave one (never a secret: the
/// clients redact answers that echo the key).
fn provider_error(e: &ProviderError) -> String {
    let mut text = format!("{} {}", e.code, e.message);
    if let Some(id) = &e.request_id {
        text.push_str(&format!("（{} {id}）", tr().settings.t_request_id));
    }
    text
}

/// DashScope: the model list (no tokens billed).
pub async fn dashscope(client: &DashScopeClient) -> TestOutcome {
    let t = tr().settings;
    bounded(async {
        match client.list_models().await {
            Ok(models) => {
                let shown: Vec<&str> = models.iter().take(5).map(String::as_str).collect();
                let more = if models.len() > shown.len() { "…" } else { "" };
                ok(format!("{} {} 个：{}{more}", t.t_models, models.len(), shown.join("、")))
            }
            Err(e) => failed(dashscope_error(&e)),
        }
    })
    .await
}

fn dashscope_error(e: &DashScopeError) -> String {
    match e {
        DashScopeError::InvalidApiKey(a) => format!("{}（HTTP {} {}）{}", tr().settings.t_key_rejected, a.status, a.code, a.message),
        DashScopeError::Throttled(a) | DashScopeError::ContentFiltered(a) | DashScopeError::Provider(a) => {
            format!("HTTP {} {} {}", a.status, a.code, a.message)
        }
        other => other.to_string(),
    }
}

/// SQL Server: `SELECT 1` over a fresh single connection.
pub async fn sql_server(mut settings: MsSqlSettings) -> TestOutcome {
    let t = tr().settings;
    settings.pool_max = 1;
    let target = super::validate::sql_server_label(&settings);
    bounded(async {
        let answer = match MsSqlWarehouse::connect(settings).await {
            Ok(w) => w.ping().await,
            Err(e) => Err(e),
        };
        match answer {
            Ok(one) => ok(format!("{} {one}（{target}）", t.t_select_one)),
            Err(e) => failed(format!("{e}（{target}）")),
        }
    })
    .await
}

/// The alert webhook: a signed test card ("算盘告警测试") to the group; Feishu's code and message.
pub async fn webhook(webhook: &FeishuWebhook, http: &reqwest::Client) -> TestOutcome {
    let t = tr().settings;
    bounded(async {
        match crate::feishu::send_test_card(http, webhook).await {
            Ok(a) => ok(format!("{} code {} {}", t.t_card_sent, a.code, a.msg)),
            Err(e) => failed(e.detail()),
        }
    })
    .await
}

