//! Volcengine IAM as the pages see it (browser and server): sub-accounts, their access keys,
//! login profiles, attached policies and projects, the System policies the UI offers, and the
//! kinds of failure a page names. The client is `providers::volcengine_iam` (server only).

use serde::{Deserialize, Serialize};

/// An access key's `Status` on the wire: `active` | `inactive` (docs/6257/65003).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    pub fn as_wire(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Inactive => "inactive",
        }
    }

    /// The wire text, case-insensitively (the console shows `Active`).
    pub fn from_wire(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "active" => Some(KeyStatus::Active),
            "inactive" => Some(KeyStatus::Inactive),
            _ => None,
        }
    }
}

/// `PolicyType` of Attach/DetachUserPolicy: `System` | `Custom` (the SDK validates the enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyType {
    System,
    Custom,
}

impl PolicyType {
    pub fn as_wire(self) -> &'static str {
        match self {
            PolicyType::System => "System",
            PolicyType::Custom => "Custom",
        }
    }

    pub fn from_wire(text: &str) -> Option<Self> {
        match text {
            "System" => Some(PolicyType::System),
            "Custom" => Some(PolicyType::Custom),
            _ => None,
        }
    }
}

/// The System policies the UI offers in its picker: Ark (火山方舟) for the model sub-accounts and
/// TOS for their files, full or read-only. Only names a source gives (docs/providers.md,
/// "Volcengine IAM"); the simulator knows exactly these.
pub const SYSTEM_POLICIES: [&str; 4] = ["ArkFullAccess", "ArkReadOnlyAccess", "TOSFullAccess", "TOSReadOnlyAccess"];

/// An IAM user (sub-account) as `CreateUser` and `ListUsers` describe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamUser {
    /// Volcengine's numeric id.
    pub id: u64,
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// `trn:iam::<account>:user/<name>`, when given.
    pub trn: Option<String>,
    /// As sent (`20240813T053809Z`), when given.
    pub created: Option<String>,
}

/// One key of a user, as `ListAccessKeys` describes it (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyInfo {
    pub id: String,
    pub status: KeyStatus,
    pub created: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfile {
    pub login_allowed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedPolicy {
    pub name: String,
    pub policy_type: PolicyType,
}

/// A project of `ListProjects` (Version 2021-08-01): the unit bills are filtered by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub name: String,
    pub display_name: String,
    /// As sent (`active`, …).
    pub status: String,
}

/// What went wrong with an IAM call, as a page names it: the IAM error codes of
/// https://www.volcengine.com/docs/6257/64992 a page can explain, else the billing client's kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IamErrorKind {
    /// `UserAlreadyExists` (409).
    UserAlreadyExists,
    /// `UserNotExist` (404).
    UserNotFound,
    /// `AccessKeyNotExist` (404).
    AccessKeyNotFound,
    /// `InvalidAccessKeyStatus` (400).
    InvalidAccessKeyStatus,
    /// `InvalidAccessKeyId` (400).
    InvalidAccessKeyId,
    /// `PolicyNotExist` (404).
    PolicyNotFound,
    /// `AccessKeyLimitExceeded` (409) and the other `…LimitExceeded` quota codes.
    LimitExceeded,
    /// Credentials refused or no permission.
    Auth,
    /// Throttled after the retries.
    Throttled,
    /// Volcengine failed or could not be reached.
    Unavailable,
    /// Anything else the request itself caused.
    Invalid,
}
