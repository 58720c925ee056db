//! Server functions of 额度管理: reading needs `ViewQuota`; changing anything `ManageQuota`
//! (admins). Each checks the caller, calls `actions`, answers.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::{AlertFilter, AlertView, AllocateForm, AllocationView, CheckReport, Delivery, QuotaSettingsView, RegisterForm, SubAccountView};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::actions;
#[cfg(feature = "ssr")]
use crate::auth::Permission;
#[cfg(feature = "ssr")]
use crate::error::respond;

#[cfg(feature = "ssr")]
fn services() -> Result<super::QuotaServices, AppError> {
    crate::context::service()
}

#[server(endpoint = "quota/list", input = Json)]
pub async fn list_sub_accounts() -> Result<Vec<SubAccountView>, AppError> {
    crate::auth::require(Permission::ViewQuota)?;
    respond(actions::list(&services()?).await)
}

#[server(endpoint = "quota/history", input = Json)]
pub async fn allocation_history(sub_account_id: i64) -> Result<Vec<AllocationView>, AppError> {
    crate::auth::require(Permission::ViewQuota)?;
    respond(actions::history(&services()?, sub_account_id).await)
}

#[server(endpoint = "quota/alerts", input = Json)]
pub async fn list_alerts(filter: AlertFilter) -> Result<Vec<AlertView>, AppError> {
    crate::auth::require(Permission::ViewQuota)?;
    respond(actions::alert_list(&services()?, &filter).await)
}

#[server(endpoint = "quota/settings", input = Json)]
pub async fn quota_settings() -> Result<QuotaSettingsView, AppError> {
    crate::auth::require(Permission::ViewQuota)?;
    respond(actions::settings(&services()?).await)
}

/// The Volcengine accounts a sub-account can be registered under.
#[server(endpoint = "quota/accounts", input = Json)]
pub async fn quota_accounts() -> Result<Vec<String>, AppError> {
    crate::auth::require(Permission::ManageQuota)?;
    respond(actions::accounts(&services()?).await)
}

#[server(endpoint = "quota/save_settings", input = Json)]
pub async fn save_quota_settings(interval_seconds: u32, steps: String) -> Result<(), AppError> {
    let caller = crate::auth::require(Permission::ManageQuota)?;
    respond(actions::save_settings(&services()?, &(&caller).into(), interval_seconds, &steps).await)
}

#[server(endpoint = "quota/register", input = Json)]
pub async fn register_sub_account(form: RegisterForm) -> Result<i64, AppError> {
    let caller = crate::auth::require(Permission::ManageQuota)?;
    respond(actions::register(&services()?, &(&caller).into(), &form).await)
}

#[server(endpoint = "quota/update", input = Json)]
pub async fn update_sub_account(id: i64, project: String, steps: String, auto_disable: bool) -> Result<(), AppError> {
    let caller = crate::auth::require(Permission::ManageQuota)?;
    respond(actions::update(&services()?, &(&caller).into(), id, &project, &steps, auto_disable).await)
}

/// An allocation (+) or deduction (−); a deduction below what is consumed is refused.
#[server(endpoint = "quota/allocate", input = Json)]
pub async fn allocate(form: AllocateForm) -> Result<AllocationView, AppError> {
    let caller = crate::auth::require(Permission::ManageQuota)?;
    respond(actions::allocate(&services()?, &(&caller).into(), &form).await)
}

#[server(endpoint = "quota/resend", input = Json)]
pub async fn resend_alert(alert_id: i64) -> Result<Delivery, AppError> {
    let caller = crate::auth::require(Permission::ManageQuota)?;
    respond(actions::resend(&services()?, &(&caller).into(), alert_id).await)
}

/// Runs a check now (unless one is running, here or in another instance).
#[server(endpoint = "quota/check", input = Json)]
pub async fn check_now() -> Result<CheckReport, AppError> {
    let caller = crate::auth::require(Permission::ManageQuota)?;
    respond(actions::check_now(&services()?, &(&caller).into()).await)
}
