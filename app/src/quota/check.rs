//! One quota check: under the store's lease (one at a time across processes), every
//! sub-account with an allocation gets its project's spend from Volcengine billing for each month
//! since its first allocation (months never fetched, and always the current and previous month,
//! which can still change), the snapshots replaced and the steps applied in one transaction; then
//! the IAM changes decided are done, and the outbox delivered.

use std::time::Duration;

use chrono::{Datelike, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use rust_decimal::Decimal;
use serde_json::json;

use super::model::CheckReport;
use super::service::QuotaServices;
use super::store::{self, IamChange, Settings, State, SubAccount};
use super::usage::{self, Applied};
use super::{deliver, lease, volc};
use crate::audit::{AuditActor, AuditEvent, Outcome};
use crate::billing::providers::ProviderClient;
use crate::calendar::{first_of_month, shanghai_day};
use crate::store::StoreError;

/// A check that outlives this was stopped (crash, kill): another may take over.
const LEASE_TTL: Duration = Duration::from_secs(30 * 60);
/// Sub-accounts checked at once; each account's rate limit still paces its requests.
const AT_ONCE: usize = 8;

/// The months whose spend a check asks for: from the first allocation's month to this month,
/// those without a snapshot, plus this month and the previous (still being billed or adjusted).
pub fn months_to_fetch(first_allocated: NaiveDate, today: NaiveDate, have: &[String]) -> Vec<NaiveDate> {
    let (first, this) = (first_of_month(first_allocated), first_of_month(today));
    let previous = first_of_month(this.pred_opt().unwrap_or(this));
    let mut out = Vec::new();
    let mut m = first;
    while m <= this {
        let label = m.format("%Y-%m").to_string();
        if m >= previous || !have.contains(&label) {
            out.push(m);
        }
        m = next_month(m);
    }
    out
}

fn next_month(m: NaiveDate) -> NaiveDate {
    let (y, mo) = if m.month() == 12 { (m.year() + 1, 1) } else { (m.year(), m.month() + 1) };
    NaiveDate::from_ymd_opt(y, mo, 1).unwrap_or(m)
}

/// Runs a check unless one is running (here or in another process): `ran` false then.
pub async fn run(q: &QuotaServices) -> Result<CheckReport, StoreError> {
    let owner = format!("{}-{:08x}", q.instance, rand::random::<u32>());
    if !lease::acquire(&q.store, &owner, Utc::now(), LEASE_TTL).await? {
        return Ok(CheckReport { ran: false, checked: 0, failed: 0, alerts: 0, delivered: 0, disabled: 0, enabled: 0 });
    }
    let report = run_held(q).await;
    if let Err(e) = lease::release(&q.store, &owner, Utc::now()).await {
        tracing::error!(error = %e, "quota check lease not released; it expires by itself");
    }
    report
}

enum Outcome1 {
    Skipped,
    Failed,
    Checked(Applied),
}

async fn run_held(q: &QuotaServices) -> Result<CheckReport, StoreError> {
    let settings = store::settings(&q.store).await?;
    let subs = {
        let mut conn = q.store.pool.acquire().await?;
        store::sub_accounts(&mut conn).await?
    };
    let clients = volc::clients(&q.billing).await?;
    let today = shanghai_day(Utc::now());
    let outcomes: Vec<Result<Outcome1, StoreError>> =
        stream::iter(subs).map(|sub| check_one(q, &clients, sub, &settings, today)).buffer_unordered(AT_ONCE).collect().await;
    let mut report = CheckReport { ran: true, checked: 0, failed: 0, alerts: 0, delivered: 0, disabled: 0, enabled: 0 };
    for outcome in outcomes {
        match outcome? {
            Outcome1::Skipped => {}
            Outcome1::Failed => report.failed += 1,
            Outcome1::Checked(applied) => {
                report.checked += 1;
                report.alerts += u32::from(applied.alert.is_some());
            }
        }
    }
    let (disabled, enabled) = settle_pending(q, &clients).await?;
    report.disabled = disabled;
    report.enabled = enabled;
    report.delivered = deliver::due(q).await?;
    tracing::info!(?report, "quota check done");
    Ok(report)
}

async fn check_one(q: &QuotaServices, clients: &[ProviderClient], sub: SubAccount, settings: &Settings, today: NaiveDate) -> Result<Outcome1, StoreError> {
    let Some(first) = sub.first_allocated_on else { return Ok(Outcome1::Skipped) };
    let Some(client) = clients.iter().find(|c| c.account().name == sub.account) else {
        let problem = volc::VolcError::UnknownAccount(sub.account.clone()).shown();
        store::record_check(&q.store, sub.id, Some(&problem)).await?;
        return Ok(Outcome1::Failed);
    };
    let have = {
        let mut conn = q.store.pool.acquire().await?;
        store::snapshot_months(&mut conn, sub.id).await?
    };
    let mut fetched: Vec<(NaiveDate, Decimal)> = Vec::new();
    for month in months_to_fetch(first, today, &have) {
        match volc::spend(client, month, &sub.project).await {
            Ok(amount) => fetched.push((month, amount)),
            Err(e) => {
                tracing::warn!(account = %sub.account, user = %sub.user_name, error = %e, "quota check: spend not read");
                store::record_check(&q.store, sub.id, Some(&e.shown())).await?;
                return Ok(Outcome1::Failed);
            }
        }
    }
    let now = Utc::now();
    let mut tx = q.store.pool.begin_with("BEGIN IMMEDIATE").await?;
    store::replace_snapshots(&mut tx, sub.id, &fetched, &crate::store::now_text()).await?;
    // Read again inside the transaction: an allocation may have come in meanwhile.
    let Some(sub) = store::sub_account(&mut tx, sub.id).await? else { return Ok(Outcome1::Skipped) };
    let consumed = store::consumed(&mut tx, sub.id).await?;
    let allocated = store::allocated(&mut tx, sub.id).await?;
    let steps = sub.steps.clone().unwrap_or_else(|| settings.default_steps.clone());
    let ctx = usage::Context { page_url: q.page_url.as_deref() };
    let applied = usage::apply(&mut tx, &sub, &steps, (consumed, allocated), now, ctx).await?;
    let at = crate::store::now_text();
    sqlx::query!("UPDATE quota_sub_accounts SET checked_at = ?2, check_error = NULL WHERE id = ?1", sub.id, at).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(Outcome1::Checked(applied))
}

/// Does every IAM change decided and not yet done (including ones that failed before).
pub async fn settle_pending(q: &QuotaServices, clients: &[ProviderClient]) -> Result<(u32, u32), StoreError> {
    let subs = {
        let mut conn = q.store.pool.acquire().await?;
        store::sub_accounts(&mut conn).await?
    };
    let (mut disabled, mut enabled) = (0, 0);
    for sub in subs.into_iter().filter(|s| s.iam_pending.is_some()) {
        match settle(q, clients, sub.id).await? {
            Some(IamChange::Disable) => disabled += 1,
            Some(IamChange::Enable) => enabled += 1,
            None => {}
        }
    }
    Ok((disabled, enabled))
}

/// Does the pending IAM change of one sub-account, if any; the change done.
pub async fn settle(q: &QuotaServices, clients: &[ProviderClient], id: i64) -> Result<Option<IamChange>, StoreError> {
    let _one = q.iam_lock.lock().await;
    let sub = {
        let mut conn = q.store.pool.acquire().await?;
        store::sub_account(&mut conn, id).await?
    };
    let Some(sub) = sub else { return Ok(None) };
    let Some(change) = sub.iam_pending else { return Ok(None) };
    let target = format!("sub_account:{}/{}", sub.account, sub.user_name);
    let actor = AuditActor::system("quota-check");
    let result = match clients.iter().find(|c| c.account().name == sub.account) {
        None => Err(volc::VolcError::UnknownAccount(sub.account.clone())),
        Some(client) => match change {
            IamChange::Disable => volc::disable(client, &sub.user_name).await.map(Some),
            IamChange::Enable => volc::enable(client, &sub.user_name, &sub.disabled_keys).await.map(|()| None),
        },
    };
    let action = match change {
        IamChange::Disable => "quota.disable",
        IamChange::Enable => "quota.enable",
    };
    match result {
        Ok(keys) => {
            let (state, keys) = match change {
                IamChange::Disable => (State::DisabledByApp, keys.unwrap_or_default()),
                IamChange::Enable => (State::Active, Vec::new()),
            };
            store::iam_done(&q.store, sub.id, change, state, &keys).await?;
            q.audit.record_or_log(&actor, AuditEvent::new(action, target).after(json!({"keys": keys}))).await;
            Ok(Some(change))
        }
        Err(e) => {
            let shown = e.shown();
            tracing::warn!(user = %sub.user_name, error = %e, action, "quota IAM change failed; retried by the next check");
            store::iam_failed(&q.store, sub.id, &shown).await?;
            q.audit.record_or_log(&actor, AuditEvent::new(action, target).outcome(Outcome::Failed).after(json!({"error": shown}))).await;
            Ok(None)
        }
    }
}

/// How often the schedule looks at the store again: an interval changed on the page (in any
/// instance) applies within this.
const POLL: Duration = Duration::from_secs(30);

/// The scheduled checks: wakes at the next run (or every [`POLL`]), reads the interval and the
/// last start from the store, and runs a check when due.
pub fn spawn_schedule(q: QuotaServices) {
    tokio::spawn(async move {
        loop {
            let due = async {
                let settings = store::settings(&q.store).await?;
                let (last, _) = lease::last_times(&q.store).await?;
                let interval = Duration::from_secs(u64::from(settings.interval_seconds));
                Ok::<_, StoreError>(super::schedule::next_run(last, interval, Utc::now()))
            };
            let wait = match due.await {
                Ok(next) => (next - Utc::now()).to_std().unwrap_or(Duration::ZERO),
                Err(e) => {
                    tracing::error!(error = %e, "quota schedule could not read the store");
                    POLL
                }
            };
            if wait.is_zero() {
                match run(&q).await {
                    Ok(report) if report.ran => continue,
                    // Another holder's lease (maybe a stopped process's, until it expires).
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "scheduled quota check failed"),
                }
                tokio::time::sleep(POLL).await;
                continue;
            }
            tokio::time::sleep(wait.min(POLL)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn months_from_the_first_allocation_refetching_the_last_two() {
        let have: Vec<String> = ["2026-09", "2026-10", "2026-11"].map(String::from).to_vec();
        assert_eq!(months_to_fetch(d("2026-09-20"), d("2026-12-08"), &have), vec![d("2026-11-01"), d("2026-12-01")]);
        assert_eq!(months_to_fetch(d("2026-09-20"), d("2026-12-08"), &[]), vec![d("2026-09-01"), d("2026-10-01"), d("2026-11-01"), d("2026-12-01")]);
        assert_eq!(months_to_fetch(d("2026-12-08"), d("2026-12-08"), &[]), vec![d("2026-12-01")], "only months since the first allocation");
        assert_eq!(months_to_fetch(d("2025-12-31"), d("2026-01-01"), &[]), vec![d("2025-12-01"), d("2026-01-01")], "across the year");
    }
}
