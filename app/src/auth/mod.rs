//! Who may do what. Roles and permissions cross the wire (the browser hides what a role can't
//! use); the checks themselves run on the server: every server function and route starts with
//! [`require`], which reads the caller the sign-in middleware resolved for this request.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod caller;
#[cfg(feature = "ssr")]
pub use caller::{current_caller, require, require_in, Actor, Caller};

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

    /// The one table of what each role may do.
    pub fn allows(self, p: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Analyst => !matches!(p, P::ManageUsers | P::ManageApiKeys | P::ManageSettings | P::ViewAudit),
            Role::Viewer => matches!(p, P::ViewAnalyses | P::ViewCost | P::ExportSales | P::OwnAccount),
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
