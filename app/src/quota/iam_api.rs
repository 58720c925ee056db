//! Server functions of IAM 子账号: admins only (`ManageIam`), each checks, calls `iam_actions`,
//! answers.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::{CreateUserForm, CreatedUser, IamUserDetail, IamUserRow};
use crate::billing::iam::Project;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::iam_actions;
#[cfg(feature = "ssr")]
use crate::auth::Permission;
#[cfg(feature = "ssr")]
use crate::error::respond;

#[cfg(feature = "ssr")]
fn services() -> Result<super::QuotaServices, AppError> {
    crate::context::service()
}

/// The account's IAM users, read from Volcengine now (ListUsers, every page).
#[server(endpoint = "iam/users", input = Json)]
pub async fn iam_users(account: String) -> Result<Vec<IamUserRow>, AppError> {
    crate::auth::require(Permission::ManageIam)?;
    respond(iam_actions::users(&services()?, &account).await)
}

#[server(endpoint = "iam/user", input = Json)]
pub async fn iam_user(account: String, name: String) -> Result<IamUserDetail, AppError> {
    crate::auth::require(Permission::ManageIam)?;
    respond(iam_actions::detail(&services()?, &account, &name).await)
}

#[server(endpoint = "iam/projects", input = Json)]
pub async fn iam_projects(account: String) -> Result<Vec<Project>, AppError> {
    crate::auth::require(Permission::ManageIam)?;
    respond(iam_actions::projects(&services()?, &account).await)
}

/// Creates the sub-account and its access key; the secret is in this answer only.
#[server(endpoint = "iam/create", input = Json)]
pub async fn create_iam_user(form: CreateUserForm) -> Result<CreatedUser, AppError> {
    let caller = crate::auth::require(Permission::ManageIam)?;
    respond(iam_actions::create(&services()?, &(&caller).into(), &form).await)
}

#[server(endpoint = "iam/policy", input = Json)]
pub async fn set_iam_policy(account: String, name: String, policy: String, attach: bool) -> Result<IamUserDetail, AppError> {
    let caller = crate::auth::require(Permission::ManageIam)?;
    respond(iam_actions::set_policy(&services()?, &(&caller).into(), &account, &name, &policy, attach).await)
}

#[server(endpoint = "iam/enabled", input = Json)]
pub async fn set_iam_enabled(account: String, name: String, enabled: bool) -> Result<IamUserDetail, AppError> {
    let caller = crate::auth::require(Permission::ManageIam)?;
    respond(iam_actions::set_enabled(&services()?, &(&caller).into(), &account, &name, enabled).await)
}
