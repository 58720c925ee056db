//! What the IAM page's server functions do (admins only, each change audited): list and read
//! users live from Volcengine, create one with its access key (the secret answered once, never
//! kept), attach and detach System policies, enable and disable by hand, list projects.

use serde_json::json;

use super::model::{CreateUserForm, CreatedUser, IamUserDetail, IamUserRow, RegisterForm};
use super::service::QuotaServices;
use super::store::{self, State};
use super::{actions, validate, volc};
use crate::audit::{AuditActor, AuditEvent, Outcome};
use crate::billing::iam::{KeyStatus, PolicyType, Project, SYSTEM_POLICIES};
use crate::billing::providers::volcengine_iam::IamClient;
use crate::error::AppError;
use crate::i18n::tr;

/// A Volcengine failure as the page shows it; the cause is logged.
fn refused(e: volc::VolcError) -> AppError {
    tracing::warn!(error = %e, "Volcengine IAM call failed");
    match e {
        volc::VolcError::Store(e) => e.into(),
        other => AppError::Invalid { field: "volcengine".into(), message: other.shown() },
    }
}

async fn iam(q: &QuotaServices, account: &str) -> Result<IamClient, AppError> {
    let client = volc::client(&q.billing, account.trim()).await.map_err(refused)?;
    client.volcengine_iam().ok_or_else(|| refused(volc::VolcError::UnknownAccount(account.to_string())))
}

fn policy(name: &str) -> Result<&'static str, AppError> {
    SYSTEM_POLICIES
        .iter()
        .copied()
        .find(|p| *p == name)
        .ok_or_else(|| AppError::Invalid { field: "policy".into(), message: tr().quota.e_policy.into() })
}

pub async fn users(q: &QuotaServices, account: &str) -> Result<Vec<IamUserRow>, AppError> {
    let client = iam(q, account).await?;
    let users = client.list_users().await.map_err(|e| refused(e.into()))?;
    let mut conn = q.store.pool.acquire().await.map_err(crate::store::StoreError::from)?;
    let registered = store::sub_accounts(&mut conn).await?;
    Ok(users
        .into_iter()
        .map(|user| {
            let sub = registered.iter().find(|s| s.account == account && s.user_name == user.name);
            IamUserRow { account: account.to_string(), quota_id: sub.map(|s| s.id), quota_project: sub.map(|s| s.project.clone()), user }
        })
        .collect())
}

pub async fn detail(q: &QuotaServices, account: &str, name: &str) -> Result<IamUserDetail, AppError> {
    let client = iam(q, account).await?;
    let e = |e| refused(volc::VolcError::from(e));
    let login = client.login_profile(name).await.map_err(e)?;
    let keys = client.list_access_keys(name).await.map_err(e)?;
    let policies = client.list_attached_user_policies(name).await.map_err(e)?;
    Ok(IamUserDetail { account: account.to_string(), name: name.to_string(), login_allowed: login.map(|l| l.login_allowed), keys, policies })
}

pub async fn projects(q: &QuotaServices, account: &str) -> Result<Vec<Project>, AppError> {
    iam(q, account).await?.list_projects().await.map_err(|e| refused(e.into()))
}

/// CreateUser, then CreateAccessKey, then the policies; with a project, registered under quota.
pub async fn create(q: &QuotaServices, actor: &AuditActor, form: &CreateUserForm) -> Result<CreatedUser, AppError> {
    let name = validate::user_name(&form.name)?;
    let display_name = validate::display_name(&form.display_name)?;
    let policies: Vec<&str> = form.policies.iter().map(|p| policy(p)).collect::<Result<_, _>>()?;
    let account = form.account.trim().to_string();
    let client = iam(q, &account).await?;
    let target = format!("iam_user:{account}/{name}");
    let user = match client.create_user(&name, &display_name, form.description.trim()).await {
        Ok(u) => u,
        Err(e) => {
            let event = AuditEvent::new("iam.create_user", target).outcome(Outcome::Failed).after(json!({"error": e.cause.code}));
            q.audit.record_or_log(actor, event).await;
            return Err(refused(e.into()));
        }
    };
    let key = client.create_access_key(&name).await.map_err(|e| refused(e.into()))?;
    let mut attached = Vec::new();
    let mut policy_errors = Vec::new();
    for p in policies {
        match client.attach_user_policy(&name, p, PolicyType::System).await {
            Ok(()) => attached.push(p.to_string()),
            Err(e) => policy_errors.push(format!("{p}：{}", volc::VolcError::from(e).shown())),
        }
    }
    // Never the secret: only which key was made.
    let event = AuditEvent::new("iam.create_user", target).after(json!({"access_key_id": key.id, "policies": attached, "display_name": display_name}));
    q.audit.record_or_log(actor, event).await;
    let quota_id = if form.project.trim().is_empty() {
        None
    } else {
        let register = RegisterForm { account: account.clone(), user_name: name.clone(), display_name, project: form.project.clone(), steps: String::new(), auto_disable: true };
        Some(actions::register(q, actor, &register).await?)
    };
    Ok(CreatedUser {
        account,
        user,
        access_key_id: key.id,
        secret_access_key: key.secret.expose().to_string(),
        policies: attached,
        policy_errors,
        quota_id,
    })
}

/// Attaches (`attach`) or detaches a System policy; the user's state after.
pub async fn set_policy(q: &QuotaServices, actor: &AuditActor, account: &str, name: &str, policy_name: &str, attach: bool) -> Result<IamUserDetail, AppError> {
    let p = policy(policy_name)?;
    let client = iam(q, account).await?;
    let done = if attach { client.attach_user_policy(name, p, PolicyType::System).await } else { client.detach_user_policy(name, p, PolicyType::System).await };
    let action = if attach { "iam.attach_policy" } else { "iam.detach_policy" };
    let outcome = if done.is_ok() { Outcome::Ok } else { Outcome::Failed };
    q.audit.record_or_log(actor, AuditEvent::new(action, format!("iam_user:{account}/{name}")).outcome(outcome).after(json!({"policy": p}))).await;
    done.map_err(|e| refused(e.into()))?;
    detail(q, account, name).await
}

/// An admin's enable or disable. Disabling a sub-account under quota control marks it disabled by
/// an admin (an allocation never enables it); enabling reactivates the keys the last disable
/// turned off (all inactive keys when that is not known).
pub async fn set_enabled(q: &QuotaServices, actor: &AuditActor, account: &str, name: &str, enabled: bool) -> Result<IamUserDetail, AppError> {
    let client = iam(q, account).await?;
    let sub = {
        let mut conn = q.store.pool.acquire().await.map_err(crate::store::StoreError::from)?;
        store::sub_accounts(&mut conn).await?.into_iter().find(|s| s.account == account && s.user_name == name)
    };
    let _one = q.iam_lock.lock().await;
    let target = format!("iam_user:{account}/{name}");
    let e = |e| refused(volc::VolcError::from(e));
    if enabled {
        let mut keys = sub.as_ref().map(|s| s.disabled_keys.clone()).unwrap_or_default();
        if keys.is_empty() {
            keys = client.list_access_keys(name).await.map_err(e)?.into_iter().filter(|k| k.status == KeyStatus::Inactive).map(|k| k.id).collect();
        }
        client.enable_user(name, &keys).await.map_err(e)?;
        if let Some(s) = &sub {
            store::set_by_admin(&q.store, s.id, State::Active, &[]).await?;
        }
        q.audit.record_or_log(actor, AuditEvent::new("iam.enable", target).after(json!({"keys": keys}))).await;
    } else {
        let done = client.disable_user(name).await.map_err(e)?;
        if let Some(s) = &sub {
            // Keys the app had turned off stay on the list, so an enable brings them back too.
            let mut keys = s.disabled_keys.clone();
            keys.extend(done.keys_deactivated.iter().cloned());
            store::set_by_admin(&q.store, s.id, State::DisabledByAdmin, &keys).await?;
        }
        q.audit.record_or_log(actor, AuditEvent::new("iam.disable", target).after(json!({"keys": done.keys_deactivated}))).await;
    }
    detail(q, account, name).await
}
