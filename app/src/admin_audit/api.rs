//! The audit page's one server function: a page of entries for the URL's filter.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

use super::params::AuditParams;
use crate::audit::AuditPage;
use crate::error::AppError;
use crate::url_query::RawQuery;

/// A page of entries and the parameters it was read with (the form and the pager show them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    pub params: AuditParams,
    pub page: AuditPage,
}

#[server(endpoint = "audit/entries", input = Json)]
pub async fn audit_entries(query: RawQuery) -> Result<AuditView, AppError> {
    crate::auth::require(crate::auth::Permission::ViewAudit)?;
    let audit: crate::audit::AuditLog = crate::context::service()?;
    let run = async {
        let params = super::params::parse(&query)?;
        let page = audit.page(&params.filter, params.cursor, params.size).await?;
        Ok(AuditView { params, page })
    };
    crate::error::respond(run.await)
}
