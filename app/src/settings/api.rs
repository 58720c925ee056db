//! Server functions of the settings page: admins only; each checks, calls the service, answers.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::{CredentialForm, SettingsView, StoredEntry, TestOutcome, TestTarget};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::auth::Permission;
#[cfg(feature = "ssr")]
use crate::error::respond;

#[cfg(feature = "ssr")]
fn services() -> Result<super::service::SettingsServices, AppError> {
    crate::context::service()
}

/// Every stored entry (secrets as set or not, never their values) and the environment's settings.
#[server(endpoint = "settings/list", input = Json)]
pub async fn load_settings() -> Result<SettingsView, AppError> {
    crate::auth::require(Permission::ManageSettings)?;
    let settings = services()?;
    respond(settings.overview().await)
}

/// Adds (`form.id` None) or edits an entry; answers it as listed.
#[server(endpoint = "settings/save", input = Json)]
pub async fn save_credential(form: CredentialForm) -> Result<StoredEntry, AppError> {
    let caller = crate::auth::require(Permission::ManageSettings)?;
    let settings = services()?;
    respond(settings.save(&caller, form).await)
}

#[server(endpoint = "settings/delete", input = Json)]
pub async fn delete_credential(id: i64) -> Result<(), AppError> {
    let caller = crate::auth::require(Permission::ManageSettings)?;
    let settings = services()?;
    respond(settings.delete(&caller, id).await)
}

/// One cheap real call with an entry's settings; the provider's answer.
#[server(endpoint = "settings/test", input = Json)]
pub async fn test_credential(target: TestTarget) -> Result<TestOutcome, AppError> {
    let caller = crate::auth::require(Permission::ManageSettings)?;
    let settings = services()?;
    respond(settings.test(&caller, target).await)
}
