//! Sub-accounts, the global settings and the monthly consumption snapshots (the ledger is
//! `ledger.rs`, alerts and their outbox `alerts.rs`, the check's lease `lease.rs`). Amounts are
//! decimal text, summed here in Rust: SQLite's SUM would go through floats.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::SqliteConnection;

use super::steps::Steps;
use crate::store::{now_text, parse_time, AppStore, StoreError};

pub fn decimal(text: &str) -> Result<Decimal, StoreError> {
    text.parse().map_err(|_| StoreError::BadRow(format!("amount {text:?} is not a decimal")))
}

fn time(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.as_deref().map(parse_time).transpose()
}

/// Steps as stored: the configured ones without 100 ("50,80,90").
pub fn steps_text(steps: &Steps) -> String {
    steps.configured().iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

pub fn parse_steps(text: &str) -> Result<Steps, StoreError> {
    let values: Result<Vec<u16>, _> = text.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse()).collect();
    let values = values.map_err(|_| StoreError::BadRow(format!("steps {text:?}")))?;
    Steps::new(&values).map_err(|e| StoreError::BadRow(format!("steps {text:?}: {e}")))
}

/// Who has the sub-account disabled, if anyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Active,
    DisabledByApp,
    DisabledByAdmin,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::DisabledByApp => "disabled_by_app",
            State::DisabledByAdmin => "disabled_by_admin",
        }
    }

    fn parse(s: &str) -> Result<State, StoreError> {
        [State::Active, State::DisabledByApp, State::DisabledByAdmin]
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| StoreError::BadRow(format!("sub-account state {s:?}")))
    }
}

/// An IAM change decided in a transaction, done in Volcengine after it commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IamChange {
    Disable,
    Enable,
}

impl IamChange {
    pub fn as_str(self) -> &'static str {
        match self {
            IamChange::Disable => "disable",
            IamChange::Enable => "enable",
        }
    }

    fn parse(s: &str) -> Result<IamChange, StoreError> {
        match s {
            "disable" => Ok(IamChange::Disable),
            "enable" => Ok(IamChange::Enable),
            _ => Err(StoreError::BadRow(format!("IAM change {s:?}"))),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SubAccount {
    pub id: i64,
    pub account: String,
    pub user_name: String,
    pub display_name: String,
    pub project: String,
    /// `None`: the global default.
    pub steps: Option<Steps>,
    pub auto_disable: bool,
    pub state: State,
    pub iam_pending: Option<IamChange>,
    pub iam_error: Option<String>,
    /// The access keys the app deactivated (an enable reactivates exactly these).
    pub disabled_keys: Vec<String>,
    pub cycle: i64,
    pub first_allocated_on: Option<NaiveDate>,
    pub checked_at: Option<DateTime<Utc>>,
    pub check_error: Option<String>,
}

struct Row {
    id: i64,
    account: String,
    user_name: String,
    display_name: String,
    project: String,
    steps: Option<String>,
    auto_disable: i64,
    state: String,
    iam_pending: Option<String>,
    iam_error: Option<String>,
    disabled_keys: String,
    cycle: i64,
    first_allocated_on: Option<String>,
    checked_at: Option<String>,
    check_error: Option<String>,
}

impl Row {
    fn into_sub_account(self) -> Result<SubAccount, StoreError> {
        let first = self
            .first_allocated_on
            .as_deref()
            .map(|d| d.parse::<NaiveDate>().map_err(|_| StoreError::BadRow(format!("date {d:?}"))))
            .transpose()?;
        Ok(SubAccount {
            id: self.id,
            account: self.account,
            user_name: self.user_name,
            display_name: self.display_name,
            project: self.project,
            steps: self.steps.as_deref().map(parse_steps).transpose()?,
            auto_disable: self.auto_disable != 0,
            state: State::parse(&self.state)?,
            iam_pending: self.iam_pending.as_deref().map(IamChange::parse).transpose()?,
            iam_error: self.iam_error,
            disabled_keys: serde_json::from_str(&self.disabled_keys).map_err(|e| StoreError::BadRow(format!("disabled_keys: {e}")))?,
            cycle: self.cycle,
            first_allocated_on: first,
            checked_at: time(self.checked_at)?,
            check_error: self.check_error,
        })
    }
}

/// A sub-account to take under quota control, already checked.
#[derive(Clone, Debug)]
pub struct NewSubAccount {
    pub account: String,
    pub user_name: String,
    pub display_name: String,
    pub project: String,
    pub steps: Option<Steps>,
    pub auto_disable: bool,
}

/// `None` when the main account already has a sub-account of that name.
pub async fn register(store: &AppStore, new: &NewSubAccount, by: &str) -> Result<Option<i64>, StoreError> {
    let (now, steps) = (now_text(), new.steps.as_ref().map(steps_text));
    let id = sqlx::query_scalar!(
        r#"INSERT INTO quota_sub_accounts (account, user_name, display_name, project, steps, auto_disable, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (account, user_name) DO NOTHING RETURNING id AS "id!: i64""#,
        new.account,
        new.user_name,
        new.display_name,
        new.project,
        steps,
        new.auto_disable,
        now,
        by,
    )
    .fetch_optional(&store.pool)
    .await?;
    Ok(id)
}

/// Changes what an admin may change after registering: project, steps, auto-disable.
pub async fn update(store: &AppStore, id: i64, project: &str, steps: Option<&Steps>, auto_disable: bool) -> Result<bool, StoreError> {
    let steps = steps.map(steps_text);
    let done = sqlx::query!(
        "UPDATE quota_sub_accounts SET project = ?2, steps = ?3, auto_disable = ?4 WHERE id = ?1",
        id,
        project,
        steps,
        auto_disable
    )
    .execute(&store.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn sub_accounts(conn: &mut SqliteConnection) -> Result<Vec<SubAccount>, StoreError> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id AS "id!: i64", account, user_name, display_name, project, steps, auto_disable AS "auto_disable!: i64", state,
                  iam_pending, iam_error, disabled_keys, cycle AS "cycle!: i64", first_allocated_on, checked_at, check_error
           FROM quota_sub_accounts ORDER BY account, user_name"#
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(Row::into_sub_account).collect()
}

pub async fn sub_account(conn: &mut SqliteConnection, id: i64) -> Result<Option<SubAccount>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT id AS "id!: i64", account, user_name, display_name, project, steps, auto_disable AS "auto_disable!: i64", state,
                  iam_pending, iam_error, disabled_keys, cycle AS "cycle!: i64", first_allocated_on, checked_at, check_error
           FROM quota_sub_accounts WHERE id = ?1"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(Row::into_sub_account).transpose()
}

/// The allocated total: the sum of the ledger.
pub async fn allocated(conn: &mut SqliteConnection, id: i64) -> Result<Decimal, StoreError> {
    let rows = sqlx::query_scalar!("SELECT amount FROM quota_allocations WHERE sub_account_id = ?1", id).fetch_all(&mut *conn).await?;
    rows.iter().try_fold(Decimal::ZERO, |sum, a| Ok(sum + decimal(a)?))
}

/// Cumulative consumption: the sum of the monthly snapshots (kept from the first allocation's month).
pub async fn consumed(conn: &mut SqliteConnection, id: i64) -> Result<Decimal, StoreError> {
    let rows = sqlx::query_scalar!("SELECT amount FROM quota_consumption WHERE sub_account_id = ?1", id).fetch_all(&mut *conn).await?;
    rows.iter().try_fold(Decimal::ZERO, |sum, a| Ok(sum + decimal(a)?))
}

/// The months already snapshotted ("YYYY-MM").
pub async fn snapshot_months(conn: &mut SqliteConnection, id: i64) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar!("SELECT month FROM quota_consumption WHERE sub_account_id = ?1 ORDER BY month", id).fetch_all(&mut *conn).await?)
}

/// Replaces the snapshots of the months given (first days of Asia/Shanghai billing months).
pub async fn replace_snapshots(conn: &mut SqliteConnection, id: i64, months: &[(NaiveDate, Decimal)], now: &str) -> Result<(), StoreError> {
    for (month, amount) in months {
        let (month, amount) = (month.format("%Y-%m").to_string(), amount.to_string());
        sqlx::query!(
            "INSERT INTO quota_consumption (sub_account_id, month, amount, fetched_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (sub_account_id, month) DO UPDATE SET amount = excluded.amount, fetched_at = excluded.fetched_at",
            id,
            month,
            amount,
            now,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The check's outcome for one sub-account: when, and its failure if any.
pub async fn record_check(store: &AppStore, id: i64, error: Option<&str>) -> Result<(), StoreError> {
    let now = now_text();
    sqlx::query!("UPDATE quota_sub_accounts SET checked_at = ?2, check_error = ?3 WHERE id = ?1", id, now, error)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// Decides an IAM change (inside the caller's transaction).
pub async fn set_pending(conn: &mut SqliteConnection, id: i64, change: Option<IamChange>) -> Result<(), StoreError> {
    let change = change.map(IamChange::as_str);
    sqlx::query!("UPDATE quota_sub_accounts SET iam_pending = ?2, iam_error = NULL WHERE id = ?1", id, change)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The IAM change `done` is done: the new state and the keys the app has deactivated. Had the
/// decision been reversed meanwhile (an allocation cancelling a pending disable), the reverse is
/// left pending, so the next settle puts Volcengine where the ledger says.
pub async fn iam_done(store: &AppStore, id: i64, done: IamChange, state: State, keys: &[String]) -> Result<(), StoreError> {
    let reverse = match done {
        IamChange::Disable => IamChange::Enable,
        IamChange::Enable => IamChange::Disable,
    };
    let (done, reverse) = (done.as_str(), reverse.as_str());
    let (state, keys) = (state.as_str(), serde_json::to_string(keys).unwrap_or_else(|_| "[]".into()));
    sqlx::query!(
        "UPDATE quota_sub_accounts SET state = ?2, disabled_keys = ?3, iam_error = NULL,
             iam_pending = CASE WHEN iam_pending = ?4 THEN NULL WHEN iam_pending IS NULL THEN ?5 ELSE iam_pending END
         WHERE id = ?1",
        id,
        state,
        keys,
        done,
        reverse
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// The IAM change failed; it stays pending and the next check tries again.
pub async fn iam_failed(store: &AppStore, id: i64, error: &str) -> Result<(), StoreError> {
    sqlx::query!("UPDATE quota_sub_accounts SET iam_error = ?2 WHERE id = ?1", id, error).execute(&store.pool).await?;
    Ok(())
}

/// The global settings of the check.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub interval_seconds: u32,
    pub default_steps: Steps,
    /// `None`: the defaults, never changed.
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

pub async fn settings(store: &AppStore) -> Result<Settings, StoreError> {
    let mut conn = store.pool.acquire().await?;
    settings_in(&mut conn).await
}

pub async fn settings_in(conn: &mut SqliteConnection) -> Result<Settings, StoreError> {
    let row = sqlx::query!(r#"SELECT interval_seconds AS "interval_seconds!: i64", default_steps, updated_at, updated_by FROM quota_settings WHERE id = 1"#)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Settings {
        interval_seconds: u32::try_from(row.interval_seconds).map_err(|_| StoreError::BadRow("interval".into()))?,
        default_steps: parse_steps(&row.default_steps)?,
        updated_at: time(row.updated_at)?,
        updated_by: row.updated_by,
    })
}

pub async fn save_settings(store: &AppStore, interval_seconds: u32, steps: &Steps, by: &str) -> Result<(), StoreError> {
    let (now, steps, interval) = (now_text(), steps_text(steps), i64::from(interval_seconds));
    sqlx::query!(
        "UPDATE quota_settings SET interval_seconds = ?1, default_steps = ?2, updated_at = ?3, updated_by = ?4 WHERE id = 1",
        interval,
        steps,
        now,
        by
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// An admin enabled or disabled the sub-account by hand: any pending change of the app's is void.
pub async fn set_by_admin(store: &AppStore, id: i64, state: State, keys: &[String]) -> Result<(), StoreError> {
    let (state, keys) = (state.as_str(), serde_json::to_string(keys).unwrap_or_else(|_| "[]".into()));
    sqlx::query!(
        "UPDATE quota_sub_accounts SET state = ?2, disabled_keys = ?3, iam_pending = NULL, iam_error = NULL WHERE id = ?1",
        id,
        state,
        keys
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}
