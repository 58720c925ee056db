//! Who may do what. Roles and permissions cross the wire (the browser hides what a role can't
//! use); the checks themselves run on the server: every server function and route starts with
//! [`require`], which reads the caller the sign-in middleware resolved for this request.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod caller;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod gate;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod sign_in;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod users;
#[cfg(feature = "ssr")]
pub mod validate;
#[cfg(feature = "ssr")]
pub use caller::{client_address, current_caller, require, require_in, Actor, Caller};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Analyst,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Analyst, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role's name as the pages show it.
    pub fn label(self) -> &'static str {
        let t = crate::i18n::tr().access;
        match self {
            Role::Admin => t.role_admin,
            Role::Analyst => t.role_analyst,
            Role::Viewer => t.role_viewer,
        }
    }

    /// The one table of what each role may do.
    pub fn allows(self, p: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Analyst => !matches!(p, P::ManageUsers | P::ManageApiKeys | P::ManageSettings | P::ViewAudit | P::ManageQuota | P::ManageIam),
            Role::Viewer => matches!(p, P::ViewAnalyses | P::ViewCost | P::ExportSales | P::OwnAccount | P::ViewQuota),
        }
    }
}

/// What a server function or route needs. Each names a kind of action, not a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// The five analyses, stored insights, the image gallery and downloads.
    ViewAnalyses,
    /// Sales tables as CSV/XLSX (read-only data the viewer already sees).
    ExportSales,
    /// The AI cost page: bills, balances, sync progress and history.
    ViewCost,
    /// A model call (AI insight).
    RunModel,
    /// A Wanx image task.
    GenerateImage,
    /// Pulling bills from the clouds.
    SyncBilling,
    /// Bill lines as CSV/XLSX.
    ExportBillLines,
    /// Sign out, change one's own password.
    OwnAccount,
    ManageUsers,
    ManageApiKeys,
    ManageSettings,
    ViewAudit,
    /// The quota page: sub-accounts, ledgers, alerts, settings.
    ViewQuota,
    /// Allocations, quota settings, resending alerts, a check now.
    ManageQuota,
    /// Volcengine IAM: creating sub-accounts, keys, policies, enabling and disabling.
    ManageIam,
}

/// The signed-in user as the page sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl Me {
    pub fn can(&self, p: Permission) -> bool {
        self.role.allows(p)
    }
}

/// A user as the admin page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An API key as the admin page lists it (never the key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Past its expiry when listed (decided on the server: the browser has no clock to trust).
    pub expired: bool,
}

/// What the shell provides in the context: who is signed in, fetched once per page load.
pub type MeResource = leptos::prelude::Resource<Result<Option<Me>, crate::error::AppError>>;

/// The signed-in user, once known (`None` before the answer, when signed out or on failure).
pub fn signed_in() -> Option<Me> {
    use leptos::prelude::*;
    use_context::<MeResource>().and_then(|r| r.get()).and_then(Result::ok).flatten()
}

/// True when the signed-in user's role allows `p`. Pages only hide with it; the server checks.
pub fn can(p: Permission) -> bool {
    signed_in().is_some_and(|me| me.can(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_reads_only() {
        for p in [Permission::RunModel, Permission::GenerateImage, Permission::SyncBilling, Permission::ExportBillLines, Permission::ManageSettings] {
            assert!(!Role::Viewer.allows(p), "{p:?}");
        }
        assert!(Role::Viewer.allows(Permission::ViewCost));
    }

    #[test]
    fn analyst_cannot_administer() {
        for p in [Permission::ManageUsers, Permission::ManageApiKeys, Permission::ManageSettings, Permission::ViewAudit] {
            assert!(!Role::Analyst.allows(p), "{p:?}");
        }
        for p in [Permission::RunModel, Permission::GenerateImage, Permission::SyncBilling, Permission::ExportBillLines] {
            assert!(Role::Analyst.allows(p), "{p:?}");
        }
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
