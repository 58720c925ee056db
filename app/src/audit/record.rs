//! Writing an entry.

use std::net::IpAddr;

use serde_json::Value;

use super::model::{ActorKind, Outcome};
use crate::store::{now_text, AppStore, StoreError};

/// Who acted, as recorded (a copy: the entry outlives renamed or removed users and keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditActor {
    pub kind: ActorKind,
    pub id: Option<i64>,
    pub name: String,
    pub address: Option<IpAddr>,
}

impl AuditActor {
    pub fn anonymous(name: &str, address: Option<IpAddr>) -> Self {
        AuditActor { kind: ActorKind::Anonymous, id: None, name: name.to_string(), address }
    }

    pub fn system(name: &str) -> Self {
        AuditActor { kind: ActorKind::System, id: None, name: name.to_string(), address: None }
    }
}

/// One sensitive action. `before`/`after` hold the changed fields only, secrets already
/// replaced by a marker by the caller (this module never sees a secret's value).
#[derive(Clone, Debug)]
pub struct AuditEvent {
    /// Dotted, stable: `auth.sign_in`, `user.create`, `billing.sync`, …
    pub action: &'static str,
    /// What was acted on: `user:alice`, `api_key:3`, `credential:aliyun/prod`, …
    pub target: String,
    pub outcome: Outcome,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEvent {
    pub fn new(action: &'static str, target: impl Into<String>) -> Self {
        AuditEvent { action, target: target.into(), outcome: Outcome::Ok, before: None, after: None }
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn before(mut self, v: Value) -> Self {
        self.before = Some(v);
        self
    }

    pub fn after(mut self, v: Value) -> Self {
        self.after = Some(v);
        self
    }
}

/// The audit log over the app store; in every request's context.
#[derive(Clone, Debug)]
pub struct AuditLog {
    pub store: AppStore,
}

impl AuditLog {
    pub async fn record(&self, actor: &AuditActor, event: AuditEvent) -> Result<(), StoreError> {
        let mut conn = self.store.pool.acquire().await?;
        record_in(&mut conn, actor, event).await
    }

    /// Records, and only logs a failure: used where the action itself already happened and must
    /// not be reported as failed because its record could not be written.
    pub async fn record_or_log(&self, actor: &AuditActor, event: AuditEvent) {
        let action = event.action;
        if let Err(e) = self.record(actor, event).await {
            tracing::error!(error = %e, action, "audit entry could not be written");
        }
    }
}

/// Records inside the caller's transaction: the entry commits (or not) with the change it is about.
pub async fn record_in(conn: &mut sqlx::SqliteConnection, actor: &AuditActor, event: AuditEvent) -> Result<(), StoreError> {
    let at = now_text();
    let kind = actor.kind.as_str();
    let address = actor.address.map(|a| a.to_string());
    let outcome = event.outcome.as_str();
    let before = event.before.as_ref().map(Value::to_string);
    let after = event.after.as_ref().map(Value::to_string);
    sqlx::query!(
        "INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, address, action, target, outcome, before_json, after_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        at,
        kind,
        actor.id,
        actor.name,
        address,
        event.action,
        event.target,
        outcome,
        before,
        after
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
