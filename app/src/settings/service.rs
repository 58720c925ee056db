//! The settings page's work: list what is stored and what comes from the environment, save and
//! delete entries (recorded in the audit log by field name, never value), test connections, and
//! apply a change at once where the app can (cloud accounts are read by every sync; the DashScope
//! client is swapped here; the SQL Server connection is used from the next start; the alert
//! webhook is read by whoever sends an alert, `credentials.single(AlertWebhook)`, before the
//! environment's).

use std::sync::Arc;

use serde_json::json;

use super::model::{CredentialForm, EnvEntry, SecretState, SettingsView, StoredEntry, TestOutcome, TestTarget};
use super::{probe, validate};
use crate::ai_services::AiServices;
use crate::audit::{AuditActor, AuditEvent, AuditLog, Outcome};
use crate::auth::Caller;
use crate::billing::providers::AccountConfig;
use crate::credentials::{Credential, CredentialError, CredentialKind, Credentials, Opened};
use crate::dashscope::DashScopeClient;
use crate::error::AppError;
use crate::feishu::FeishuWebhook;
use crate::i18n::tr;
use crate::warehouse::config::MsSqlSettings;

pub use super::validate::sql_server_label;

/// What the environment (and the simulators standing in for it) configured: listed read-only,
/// testable, and restored when a stored entry that replaced it is deleted.
#[derive(Clone, Debug, Default)]
pub struct EnvSettings {
    /// Cloud accounts from the SDK variables, the accounts file, or the simulator's demo.
    pub accounts: Vec<AccountConfig>,
    /// The client `DASHSCOPE_API_KEY` (or the simulator) gave.
    pub dashscope: Option<DashScopeClient>,
    /// `SUANPAN_FEISHU_WEBHOOK` (or the simulator's); `webhook_simulated` says which.
    pub webhook: Option<FeishuWebhook>,
    pub webhook_simulated: bool,
    /// `SUANPAN_WAREHOUSE_URL`'s SQL Server, if it names one.
    pub warehouse: Option<MsSqlSettings>,
    /// The warehouse this process opened at start, as the page names it.
    pub warehouse_in_use: String,
}

#[derive(Clone)]
pub struct SettingsServices {
    pub credentials: Credentials,
    pub audit: AuditLog,
    pub ai: AiServices,
    pub env: Arc<EnvSettings>,
    /// For connection tests (timeouts like billing's).
    pub http: reqwest::Client,
}

fn store_error(e: CredentialError) -> AppError {
    let t = tr().settings;
    match e {
        CredentialError::Store(e) => AppError::from(e),
        CredentialError::Duplicate => AppError::Invalid { field: "name".into(), message: t.v_name_taken.into() },
        CredentialError::NotFound => AppError::NotFound,
        CredentialError::Missing(field) => AppError::Invalid { field: field.into(), message: format!("{}{}", t.v_secret_needed, t.field(field)) },
        CredentialError::Sealed { .. } => {
            tracing::error!(error = %e, "stored secret does not open");
            AppError::Invalid { field: "key".into(), message: t.t_unopenable.into() }
        }
    }
}

/// `credential:<kind>[/<provider>/<name>]`: what an audit entry names.
fn audit_target(kind: CredentialKind, provider: &str, name: &str) -> String {
    match kind {
        CredentialKind::CloudAccount => format!("credential:{}/{provider}/{name}", kind.as_str()),
        _ => format!("credential:{}", kind.as_str()),
    }
}

fn entry_view(c: Credential, key_id: &str) -> StoredEntry {
    let secrets = c
        .kind
        .secret_fields()
        .iter()
        .map(|f| {
            let stored = c.sealed.get(f.name);
            SecretState { field: f.name.to_string(), set: stored.is_some(), unreadable: stored.is_some_and(|k| k != key_id) }
        })
        .collect();
    StoredEntry {
        id: c.id,
        kind: c.kind,
        provider: c.provider,
        name: c.name,
        display_name: c.display_name,
        access_key_id: c.access_key_id,
        endpoint: c.endpoint,
        region: c.region,
        secrets,
        updated_at: c.updated_at,
        updated_by: c.updated_by,
    }
}

/// The client a stored DashScope entry describes (its endpoint, or the mainland one).
fn stored_dashscope(o: &Opened) -> Result<DashScopeClient, AppError> {
    let key = o.secret("api_key").cloned().ok_or(AppError::AiNotConfigured)?;
    let base = o.credential.endpoint.as_deref().unwrap_or(crate::dashscope::MAINLAND_URL);
    let base = url::Url::parse(base).map_err(|_| AppError::Invalid { field: "endpoint".into(), message: tr().settings.v_url.into() })?;
    DashScopeClient::new(base, key, false).map_err(|e| AppError::from(&e))
}

impl SettingsServices {
    /// Everything the page lists: stored entries (secrets as set/unset only) and the environment's.
    pub async fn overview(&self) -> Result<SettingsView, AppError> {
        let t = tr().settings;
        let key_id = self.credentials.key_id().to_string();
        let stored: Vec<StoredEntry> = self.credentials.list(None).await?.into_iter().map(|c| entry_view(c, &key_id)).collect();
        let has = |k: CredentialKind| stored.iter().any(|e| e.kind == k);
        let mut env: Vec<EnvEntry> = self
            .env
            .accounts
            .iter()
            .map(|a| EnvEntry {
                kind: CredentialKind::CloudAccount,
                provider: a.provider.slug().to_string(),
                name: a.name.clone(),
                display_name: a.display_name.clone(),
                detail: a.endpoint.to_string(),
                source: if a.simulated { t.from_simulator } else { t.from_env }.to_string(),
                simulated: a.simulated,
                replaced: false,
            })
            .collect();
        if let Some(c) = &self.env.dashscope {
            env.push(EnvEntry {
                kind: CredentialKind::DashScope,
                provider: String::new(),
                name: crate::credentials::SINGLE_NAME.into(),
                display_name: t.kind_dashscope.into(),
                detail: c.base().to_string(),
                source: if c.simulated { t.from_simulator.to_string() } else { format!("{} DASHSCOPE_API_KEY", t.from_env) },
                simulated: c.simulated,
                replaced: has(CredentialKind::DashScope),
            });
        }
        if let Some(w) = &self.env.warehouse {
            env.push(EnvEntry {
                kind: CredentialKind::SqlServer,
                provider: String::new(),
                name: crate::credentials::SINGLE_NAME.into(),
                display_name: t.kind_sql.into(),
                detail: validate::sql_server_label(w),
                source: format!("{} SUANPAN_WAREHOUSE_URL", t.from_env),
                simulated: false,
                replaced: has(CredentialKind::SqlServer),
            });
        }
        if let Some(w) = &self.env.webhook {
            let simulated = self.env.webhook_simulated;
            env.push(EnvEntry {
                kind: CredentialKind::AlertWebhook,
                provider: String::new(),
                name: crate::credentials::SINGLE_NAME.into(),
                display_name: t.kind_webhook.into(),
                detail: w.display_url(),
                source: if simulated { t.from_simulator.to_string() } else { format!("{} SUANPAN_FEISHU_WEBHOOK", t.from_env) },
                simulated,
                replaced: has(CredentialKind::AlertWebhook),
            });
        }
        Ok(SettingsView { stored, env, key_id, warehouse_in_use: self.env.warehouse_in_use.clone() })
    }

    /// Adds or edits an entry; the change is applied at once where it can be, and recorded.
    pub async fn save(&self, caller: &Caller, form: CredentialForm) -> Result<StoredEntry, AppError> {
        let before = match form.id {
            Some(id) => Some(self.credentials.get(id).await?.ok_or(AppError::NotFound)?),
            None => None,
        };
        let draft = validate::draft(&form, before.as_ref())?;
        if draft.kind == CredentialKind::CloudAccount && self.env.accounts.iter().any(|a| a.provider.slug() == draft.provider && a.name == draft.name) {
            return Err(AppError::Invalid { field: "name".into(), message: tr().settings.v_name_env.into() });
        }
        let actor = AuditActor::from(caller);
        let what = audit_target(draft.kind, &draft.provider, &draft.name);
        let kind = draft.kind;
        let saved = self.credentials.save(form.id, draft, &actor.name).await.map_err(store_error)?;
        let action = if saved.created { "credential.create" } else { "credential.update" };
        let mut event = AuditEvent::new(action, what).after(json!({ "changed": saved.changed }));
        if let Some(b) = &before {
            // The old name, where a rename moved the entry; fields only, no values.
            event = event.before(json!({ "target": audit_target(b.kind, &b.provider, &b.name) }));
        }
        self.audit.record_or_log(&actor, event).await;
        self.apply(kind).await;
        let entry = self.credentials.get(saved.id).await?.ok_or(AppError::NotFound)?;
        Ok(entry_view(entry, self.credentials.key_id()))
    }

    pub async fn delete(&self, caller: &Caller, id: i64) -> Result<(), AppError> {
        let gone = self.credentials.delete(id).await?.ok_or(AppError::NotFound)?;
        let fields: Vec<&String> = gone.sealed.keys().collect();
        let event = AuditEvent::new("credential.delete", audit_target(gone.kind, &gone.provider, &gone.name)).before(json!({ "secrets": fields }));
        self.audit.record_or_log(&AuditActor::from(caller), event).await;
        self.apply(gone.kind).await;
        Ok(())
    }

    /// One cheap real call with the entry's settings; the provider's answer.
    pub async fn test(&self, caller: &Caller, target: TestTarget) -> Result<TestOutcome, AppError> {
        let (what, outcome) = match &target {
            TestTarget::Stored { id } => {
                let c = self.credentials.get(*id).await?.ok_or(AppError::NotFound)?;
                let outcome = match self.credentials.open(*id).await {
                    Ok(Some(o)) => self.test_stored(&o).await?,
                    Ok(None) => return Err(AppError::NotFound),
                    Err(CredentialError::Store(e)) => return Err(e.into()),
                    Err(e) => {
                        tracing::error!(error = %e, "stored secret does not open");
                        TestOutcome { ok: false, answer: tr().settings.t_unopenable.into() }
                    }
                };
                (audit_target(c.kind, &c.provider, &c.name), outcome)
            }
            TestTarget::Environment { kind, provider, name } => {
                let what = format!("{}/env", audit_target(*kind, provider, name));
                (what, self.test_env(*kind, provider, name).await?)
            }
        };
        let event = AuditEvent::new("credential.test", what).after(json!({ "ok": outcome.ok }));
        let event = if outcome.ok { event } else { event.outcome(Outcome::Failed) };
        self.audit.record_or_log(&AuditActor::from(caller), event).await;
        Ok(outcome)
    }

    async fn test_stored(&self, o: &Opened) -> Result<TestOutcome, AppError> {
        match o.credential.kind {
            CredentialKind::CloudAccount => {
                let account = crate::billing::accounts::from_stored(o)
                    .map_err(|e| AppError::Invalid { field: "provider".into(), message: e.problem })?;
                Ok(probe::cloud(account, &self.http).await)
            }
            CredentialKind::DashScope => Ok(probe::dashscope(&stored_dashscope(o)?).await),
            CredentialKind::SqlServer => {
                let connection = o.secret("connection").ok_or(AppError::NotFound)?;
                Ok(probe::sql_server(validate::sql_server(connection)?).await)
            }
            CredentialKind::AlertWebhook => {
                let url = o.secret("url").ok_or(AppError::NotFound)?;
                let hook = validate::webhook(url, o.secret("signing_secret").cloned())?;
                Ok(probe::webhook(&hook, &self.http).await)
            }
        }
    }

    async fn test_env(&self, kind: CredentialKind, provider: &str, name: &str) -> Result<TestOutcome, AppError> {
        match kind {
            CredentialKind::CloudAccount => {
                let account = self.env.accounts.iter().find(|a| a.provider.slug() == provider && a.name == name).ok_or(AppError::NotFound)?;
                Ok(probe::cloud(account.clone(), &self.http).await)
            }
            CredentialKind::DashScope => Ok(probe::dashscope(self.env.dashscope.as_ref().ok_or(AppError::NotFound)?).await),
            CredentialKind::SqlServer => Ok(probe::sql_server(self.env.warehouse.clone().ok_or(AppError::NotFound)?).await),
            CredentialKind::AlertWebhook => Ok(probe::webhook(self.env.webhook.as_ref().ok_or(AppError::NotFound)?, &self.http).await),
        }
    }

    /// Puts a change into effect: the DashScope client is replaced (or the environment's
    /// restored). Cloud accounts need nothing (every sync reads them); the SQL Server connection
    /// is read at the next start.
    pub async fn apply(&self, kind: CredentialKind) {
        if kind == CredentialKind::DashScope {
            if let Err(e) = self.apply_dashscope().await {
                tracing::error!(error = %e, "stored DashScope settings not applied; the previous client stays");
            }
        }
    }

    /// The stored DashScope key and endpoint replace the environment's; without them, the
    /// environment's client is used again.
    pub async fn apply_dashscope(&self) -> Result<(), AppError> {
        let client = match self.credentials.single(CredentialKind::DashScope).await? {
            Some(o) => Some(stored_dashscope(&o)?),
            None => self.env.dashscope.clone(),
        };
        tracing::info!(endpoint = ?client.as_ref().map(|c| c.base().as_str().to_owned()), "DashScope client set");
        self.ai.set_client(client);
        Ok(())
    }
}
