//! What the quota page's server functions do, past the access check: read the views, register,
//! allocate (and enable a sub-account the allocation brings back), save settings, resend, check.

use chrono::Utc;
use serde_json::json;

use super::card::usage_percent;
use super::ledger::{self, Allocated, Allocation, LedgerError};
use super::model::{AlertFilter, AlertView, AllocateForm, AllocationView, CheckReport, Delivery, QuotaSettingsView, RegisterForm, Status, SubAccountView};
use super::schedule::next_run;
use super::service::QuotaServices;
use super::store::{self, NewSubAccount, State};
use super::steps::EXHAUSTED;
use super::{alerts, check, lease, usage, validate, volc};
use crate::audit::{AuditActor, AuditEvent};
use crate::components::format::money;
use crate::error::AppError;
use crate::i18n::tr;

fn status(state: State, fired: &[u8]) -> Status {
    match state {
        State::DisabledByApp => Status::DisabledByApp,
        State::DisabledByAdmin => Status::DisabledByAdmin,
        State::Active if fired.contains(&EXHAUSTED) => Status::Exhausted,
        State::Active if !fired.is_empty() => Status::Warning,
        State::Active => Status::Normal,
    }
}

/// Every sub-account under quota control, with its figures.
pub async fn list(q: &QuotaServices) -> Result<Vec<SubAccountView>, AppError> {
    let settings = store::settings(&q.store).await?;
    let counts = ledger::counts(&q.store).await?;
    let mut conn = q.store.pool.acquire().await.map_err(crate::store::StoreError::from)?;
    let subs = store::sub_accounts(&mut conn).await?;
    let mut out = Vec::with_capacity(subs.len());
    for s in subs {
        let allocated = store::allocated(&mut conn, s.id).await?;
        let consumed = store::consumed(&mut conn, s.id).await?;
        let fired = usage::fired(&mut conn, s.id, s.cycle).await?;
        let steps = s.steps.clone().unwrap_or_else(|| settings.default_steps.clone());
        out.push(SubAccountView {
            id: s.id,
            account: s.account,
            user_name: s.user_name,
            display_name: s.display_name,
            project: s.project,
            allocated,
            consumed,
            remaining: allocated - consumed,
            usage_percent: if s.first_allocated_on.is_some() { usage_percent(consumed, allocated) } else { None },
            steps: steps.all().to_vec(),
            own_steps: s.steps.is_some(),
            highest_fired: fired.iter().copied().max(),
            status: status(s.state, &fired),
            fired,
            auto_disable: s.auto_disable,
            allocations: counts.iter().find(|(id, _)| *id == s.id).map_or(0, |(_, n)| *n),
            checked_at: s.checked_at,
            check_error: s.check_error,
            iam_pending: s.iam_pending.map(|c| c.as_str().to_string()),
            iam_error: s.iam_error,
        });
    }
    Ok(out)
}

pub async fn history(q: &QuotaServices, sub: i64) -> Result<Vec<AllocationView>, AppError> {
    Ok(ledger::history(&q.store, sub).await?)
}

pub async fn alert_list(q: &QuotaServices, filter: &AlertFilter) -> Result<Vec<AlertView>, AppError> {
    Ok(alerts::list(&q.store, filter, 500).await?)
}

/// The Volcengine accounts a sub-account can belong to.
pub async fn accounts(q: &QuotaServices) -> Result<Vec<String>, AppError> {
    Ok(volc::clients(&q.billing).await?.iter().map(|c| c.account().name.clone()).collect())
}

pub async fn register(q: &QuotaServices, actor: &AuditActor, form: &RegisterForm) -> Result<i64, AppError> {
    let (user_name, display_name, project, steps) = validate::registration(form)?;
    let account = form.account.trim().to_string();
    if !accounts(q).await?.contains(&account) {
        return Err(AppError::Invalid { field: "account".into(), message: tr().quota.e_unknown_account.into() });
    }
    let new = NewSubAccount { account, user_name, display_name, project, steps, auto_disable: form.auto_disable };
    let id = store::register(&q.store, &new, &actor.name).await?.ok_or_else(|| AppError::Invalid { field: "user_name".into(), message: tr().quota.e_registered.into() })?;
    let event = AuditEvent::new("quota.register", format!("sub_account:{}/{}", new.account, new.user_name))
        .after(json!({"project": new.project, "steps": form.steps.trim(), "auto_disable": new.auto_disable}));
    q.audit.record_or_log(actor, event).await;
    Ok(id)
}

pub async fn update(q: &QuotaServices, actor: &AuditActor, id: i64, project: &str, steps: &str, auto_disable: bool) -> Result<(), AppError> {
    let (project, steps_parsed) = (validate::project(project)?, validate::steps(steps)?);
    if !store::update(&q.store, id, &project, steps_parsed.as_ref(), auto_disable).await? {
        return Err(AppError::NotFound);
    }
    let event = AuditEvent::new("quota.update", format!("sub_account:{id}")).after(json!({"project": project, "steps": steps.trim(), "auto_disable": auto_disable}));
    q.audit.record_or_log(actor, event).await;
    Ok(())
}

/// Records an allocation; when it brings a sub-account the app disabled back under 100 %, enables
/// it in Volcengine right away (left pending for the next check if Volcengine fails now).
pub async fn allocate(q: &QuotaServices, actor: &AuditActor, form: &AllocateForm) -> Result<AllocationView, AppError> {
    let (amount, reason, request_key) = validate::allocation(form)?;
    let a = Allocation { sub_account_id: form.sub_account_id, amount, reason, request_key };
    let ctx = usage::Context { page_url: q.page_url.as_deref() };
    match ledger::allocate(&q.store, &a, actor, Utc::now(), ctx).await {
        Ok(Allocated::Repeated(entry)) => Ok(entry),
        Ok(Allocated::Made { entry, applied, .. }) => {
            if applied.change.is_some() {
                let clients = volc::clients(&q.billing).await?;
                check::settle(q, &clients, a.sub_account_id).await?;
            }
            if applied.alert.is_some() {
                super::deliver::due(q).await?;
            }
            Ok(entry)
        }
        Err(LedgerError::NotFound) => Err(AppError::NotFound),
        Err(LedgerError::Underflow { allocated, consumed }) => {
            let c = crate::money::Currency::Cny;
            let most = (allocated - consumed).max(rust_decimal::Decimal::ZERO);
            let message = tr().quota.underflow(&money(allocated, c), &money(consumed, c), &money(most, c));
            Err(AppError::Invalid { field: "amount".into(), message })
        }
        Err(LedgerError::KeyReused) => Err(AppError::Invalid { field: "request_key".into(), message: tr().e_transport.into() }),
        Err(LedgerError::Store(e)) => Err(e.into()),
    }
}

pub async fn settings(q: &QuotaServices) -> Result<QuotaSettingsView, AppError> {
    let s = store::settings(&q.store).await?;
    let (last, _) = lease::last_times(&q.store).await?;
    let hook = q.webhook().await?;
    let interval = std::time::Duration::from_secs(u64::from(s.interval_seconds));
    Ok(QuotaSettingsView {
        interval_seconds: s.interval_seconds,
        default_steps: s.default_steps.configured().to_vec(),
        updated_at: s.updated_at,
        updated_by: s.updated_by,
        last_check_at: last,
        next_check_at: q.scheduled.then(|| next_run(last, interval, Utc::now())),
        webhook: hook.as_ref().map(|h| h.webhook.display_url()),
        webhook_simulated: hook.is_some_and(|h| h.simulated),
    })
}

pub async fn save_settings(q: &QuotaServices, actor: &AuditActor, interval_seconds: u32, steps: &str) -> Result<(), AppError> {
    let interval = validate::interval(interval_seconds)?;
    let steps = validate::steps(steps)?.ok_or_else(|| AppError::Invalid { field: "steps".into(), message: tr().quota.e_steps.into() })?;
    let before = store::settings(&q.store).await?;
    store::save_settings(&q.store, interval, &steps, &actor.name).await?;
    let event = AuditEvent::new("quota.settings", "quota:settings")
        .before(json!({"interval_seconds": before.interval_seconds, "steps": store::steps_text(&before.default_steps)}))
        .after(json!({"interval_seconds": interval, "steps": store::steps_text(&steps)}));
    q.audit.record_or_log(actor, event).await;
    Ok(())
}

/// An admin's resend of one alert, delivered now.
pub async fn resend(q: &QuotaServices, actor: &AuditActor, alert: i64) -> Result<Delivery, AppError> {
    if !alerts::resend(&q.store, alert, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    q.audit.record_or_log(actor, AuditEvent::new("quota.resend", format!("alert:{alert}"))).await;
    super::deliver::due(q).await?;
    alerts::delivery(&q.store, alert).await?.ok_or(AppError::NotFound)
}

pub async fn check_now(q: &QuotaServices, actor: &AuditActor) -> Result<CheckReport, AppError> {
    let report = check::run(q).await?;
    let event = AuditEvent::new("quota.check", "quota:check").after(json!({"ran": report.ran, "checked": report.checked, "alerts": report.alerts}));
    q.audit.record_or_log(actor, event).await;
    Ok(report)
}
