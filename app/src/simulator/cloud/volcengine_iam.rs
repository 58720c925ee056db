//! Volcengine IAM (service `iam`, Version 2018-01-01; `ListProjects` 2021-08-01) on the
//! Volcengine port: requests signed exactly like billing's but for service `iam` (the port tells
//! them apart by the credential scope), parameters in the query (or a JSON body, as the SDK
//! sends `UpdateLoginProfile`), answers in the same envelope.
//!
//! State per account: users (in creation order), each with its keys, login profile and attached
//! policies. Each Volcengine account starts with three demo users. Errors as
//! https://www.volcengine.com/docs/6257/64992 gives them (code, status); where that page is
//! silent the simulator assumes, and docs/providers.md says so: `LoginProfileNotExist` (404),
//! `PolicyNotExist` (404), `InvalidPolicyType` (400), a limit of 2 keys per user.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::StatusCode;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::accounts::alnum;
use super::projects::DEMO_PROJECTS;
use super::volcengine::Params;
use super::{page, ApiError, SimAccount};
use crate::billing::iam::{KeyStatus, PolicyType, SYSTEM_POLICIES};
use crate::simulator::control::lock;

pub(super) const SERVICE: &str = "iam";
const VERSION: &str = "2018-01-01";
const PROJECTS_VERSION: &str = "2021-08-01";
/// Keys per user ("AccessKeyLimitExceeded … quota"); Volcengine's console allows two.
const KEYS_PER_USER: usize = 2;
const MAX_LIMIT: u64 = 100;
const DEFAULT_LIMIT: u64 = 10;

const ACTIONS: [&str; 11] = [
    "CreateUser",
    "ListUsers",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "GetLoginProfile",
    "UpdateLoginProfile",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "ListAttachedUserPolicies",
    "ListProjects",
];

/// Whether `action` at `version` is an IAM action this port serves.
pub(super) fn serves(action: &str, version: &str) -> bool {
    let wanted = if action == "ListProjects" { PROJECTS_VERSION } else { VERSION };
    version == wanted && ACTIONS.contains(&action)
}

#[derive(Clone, Debug)]
pub(super) struct SimKey {
    pub(super) id: String,
    secret: String,
    pub(super) status: KeyStatus,
    created: String,
}

#[derive(Clone, Debug)]
pub(super) struct SimUser {
    id: u64,
    pub(super) name: String,
    display_name: String,
    description: String,
    created: String,
    /// `Some(allowed)` once the user has a login profile (console access).
    pub(super) login_allowed: Option<bool>,
    pub(super) keys: Vec<SimKey>,
    pub(super) policies: Vec<(String, PolicyType)>,
}

#[derive(Default)]
struct Book {
    users: Vec<SimUser>,
    /// Ids and key material are derived from this counter, so a run is repeatable.
    serial: u64,
}

/// The IAM state of every Volcengine account.
pub(super) struct IamDirectory {
    books: Mutex<HashMap<String, Book>>,
}

fn wire_time() -> String {
    Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

/// 64 hex characters derived from `parts`.
fn derived(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}


impl Book {
    fn user(&self, name: &str) -> Result<&SimUser, ApiError> {
        self.users.iter().find(|u| u.name == name).ok_or_else(|| user_not_found(name))
    }

    fn user_mut(&mut self, name: &str) -> Result<&mut SimUser, ApiError> {
        self.users.iter_mut().find(|u| u.name == name).ok_or_else(|| user_not_found(name))
    }

    fn add_user(&mut self, name: &str, display_name: &str, description: &str) -> &mut SimUser {
        self.serial += 1;
        let user = SimUser {
            id: 10_000 + self.serial,
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            description: description.to_owned(),
            created: wire_time(),
            login_allowed: None,
            keys: Vec::new(),
            policies: Vec::new(),
        };
        self.users.push(user);
        let last = self.users.len() - 1;
        &mut self.users[last]
    }

    fn new_key(&mut self, account: &str, user: &str) -> Result<SimKey, ApiError> {
        self.serial += 1;
        let serial = self.serial.to_string();
        let (id, secret) = (derived(&[account, user, &serial, "ak"]), derived(&[account, user, &serial, "sk"]));
        let key = SimKey { id: format!("AKLT{}", alnum(&id, 40)), secret: alnum(&secret, 56), status: KeyStatus::Active, created: wire_time() };
        let holder = self.user_mut(user)?;
        if holder.keys.len() >= KEYS_PER_USER {
            return Err(ApiError::new(StatusCode::CONFLICT, "AccessKeyLimitExceeded", format!("Exceed account accessKey quota: '{KEYS_PER_USER}'")));
        }
        holder.keys.push(key.clone());
        Ok(key)
    }

    /// Three users as an account in use has them: one with console access, one without, one
    /// whose second key an admin turned off by hand.
    fn demo(account: &str) -> Self {
        let mut book = Book::default();
        let users = [
            ("cs-bot", "智能客服机器人", "ark-customer-service", Some(true), &["ArkFullAccess"][..]),
            ("marketing-app", "营销文案应用", "ark-marketing", None, &["ArkFullAccess"][..]),
            ("rd-team", "研发团队", "ark-rd", Some(true), &["ArkFullAccess", "TOSReadOnlyAccess"][..]),
        ];
        for (name, display, project, login, policies) in users {
            let user = book.add_user(name, display, &format!("项目 {project}"));
            user.login_allowed = login;
            user.policies = policies.iter().map(|p| ((*p).to_owned(), PolicyType::System)).collect();
            // Cannot fail: the user was just added and has no key yet.
            let _ = book.new_key(account, name);
        }
        if let Ok(second) = book.new_key(account, "rd-team") {
            if let Ok(user) = book.user_mut("rd-team") {
                if let Some(key) = user.keys.iter_mut().find(|k| k.id == second.id) {
                    key.status = KeyStatus::Inactive;
                }
            }
        }
        book
    }
}

impl IamDirectory {
    pub(super) fn new(accounts: &[SimAccount]) -> Self {
        let books = accounts
            .iter()
            .filter(|a| a.provider == crate::billing::model::Provider::Volcengine)
            .map(|a| (a.name.clone(), Book::demo(&a.name)))
            .collect();
        IamDirectory { books: Mutex::new(books) }
    }

    /// A copy of `user` of `account` (the control API's view).
    pub(super) fn user(&self, account: &str, user: &str) -> Option<SimUser> {
        lock(&self.books).get(account)?.users.iter().find(|u| u.name == user).cloned()
    }

    /// Answers one IAM action for `account`.
    pub(super) fn answer(&self, account: &SimAccount, action: &str, params: &Params) -> Result<Value, ApiError> {
        let mut books = lock(&self.books);
        let book = books.entry(account.name.clone()).or_default();
        match action {
            "CreateUser" => create_user(book, account, params),
            "ListUsers" => list_users(book, account, params),
            "CreateAccessKey" => create_key(book, account, params),
            "ListAccessKeys" => list_keys(book, params),
            "UpdateAccessKey" => update_key(book, params),
            "GetLoginProfile" => login_profile(book, params, None),
            "UpdateLoginProfile" => {
                // "LoginAllowed … 默认为false": an update that leaves it out turns login off.
                let allowed = flag(params, "LoginAllowed")?.unwrap_or(false);
                login_profile(book, params, Some(allowed))
            }
            "AttachUserPolicy" => change_policy(book, params, true),
            "DetachUserPolicy" => change_policy(book, params, false),
            "ListAttachedUserPolicies" => attached(book, account, params),
            _ => list_projects(account, params),
        }
    }
}

// --- errors ----------------------------------------------------------------------------------

fn missing(name: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ParameterNotFound", format!("Parameter '{name}' is required, but not found."))
}

fn user_not_found(name: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "UserNotExist", format!("User '{name}' cannot be found."))
}

fn required(params: &Params, name: &str) -> Result<String, ApiError> {
    params.text(name).ok_or_else(|| missing(name))
}

/// `true`/`false`, as a JSON boolean or query text.
fn flag(params: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match params.raw(name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "InvalidParameter", format!("Invalid {name}."))),
    }
}

/// `(Limit, Offset)`: Limit 1–100, default 10.
fn window(params: &Params) -> Result<(usize, usize), ApiError> {
    let limit = params.integer("Limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "InvalidLimit", format!("Invalid Limit {limit}, err: out of range 1-{MAX_LIMIT}")));
    }
    let offset = params.integer("Offset")?.unwrap_or(0);
    Ok((usize::try_from(limit).unwrap_or(1), usize::try_from(offset).unwrap_or(usize::MAX)))
}

// --- actions ---------------------------------------------------------------------------------

fn user_json(account: &SimAccount, user: &SimUser) -> Value {
    json!({
        "AccountId": account.provider_account_id.parse::<u64>().unwrap_or(0),
        "Id": user.id,
        "UserName": user.name,
        "DisplayName": user.display_name,
        "Description": user.description,
        "Email": "",
        "EmailIsVerify": false,
        "MobilePhone": "",
        "MobilePhoneIsVerify": false,
        "Trn": format!("trn:iam::{}:user/{}", account.provider_account_id, user.name),
        "CreateDate": user.created,
        "UpdateDate": user.created,
    })
}

fn create_user(book: &mut Book, account: &SimAccount, params: &Params) -> Result<Value, ApiError> {
    let name = required(params, "UserName")?;
    let valid = name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
    if !valid {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "InvalidUserName", format!("Invalid UserName '{name}', err: 'illegal characters or too long'.")));
    }
    if book.users.iter().any(|u| u.name == name) {
        return Err(ApiError::new(StatusCode::CONFLICT, "UserAlreadyExists", format!("User '{name}' already exists.")));
    }
    let display = params.text("DisplayName").unwrap_or_default();
    let description = params.text("Description").unwrap_or_default();
    let user = book.add_user(&name, &display, &description).clone();
    Ok(json!({"User": user_json(account, &user)}))
}

fn list_users(book: &Book, account: &SimAccount, params: &Params) -> Result<Value, ApiError> {
    let (limit, offset) = window(params)?;
    let query = params.text("Query").unwrap_or_default();
    let matching: Vec<&SimUser> =
        book.users.iter().filter(|u| query.is_empty() || [&u.name, &u.display_name, &u.description].iter().any(|f| f.contains(&query))).collect();
    let listed: Vec<Value> = page(&matching, offset, limit).iter().map(|u| user_json(account, u)).collect();
    Ok(json!({"UserMetadata": listed, "Total": matching.len(), "Limit": limit, "Offset": offset}))
}

fn key_json(user: &str, key: &SimKey, with_secret: bool) -> Value {
    let mut value = json!({"AccessKeyId": key.id, "Status": key.status.as_wire(), "UserName": user, "CreateDate": key.created, "UpdateDate": key.created});
    if with_secret {
        value["SecretAccessKey"] = json!(key.secret);
    }
    value
}

fn create_key(book: &mut Book, account: &SimAccount, params: &Params) -> Result<Value, ApiError> {
    let user = required(params, "UserName")?;
    book.user(&user)?;
    let key = book.new_key(&account.name, &user)?;
    Ok(json!({"AccessKey": key_json(&user, &key, true)}))
}

fn list_keys(book: &Book, params: &Params) -> Result<Value, ApiError> {
    let user = required(params, "UserName")?;
    let holder = book.user(&user)?;
    let keys: Vec<Value> = holder.keys.iter().map(|k| key_json(&user, k, false)).collect();
    Ok(json!({"AccessKeyMetadata": keys}))
}

fn update_key(book: &mut Book, params: &Params) -> Result<Value, ApiError> {
    let id = required(params, "AccessKeyId")?;
    let status_text = required(params, "Status")?;
    if !id.starts_with("AKLT") || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "InvalidAccessKeyId", format!("Invalid accessKeyId '{id}', err: 'malformed'")));
    }
    // The wire values are lower case exactly (the SDK sends `active` / `inactive`).
    let status = KeyStatus::from_wire(&status_text)
        .filter(|s| s.as_wire() == status_text)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "InvalidAccessKeyStatus", format!("Invalid accessKey status: '{status_text}', err: 'must be active or inactive'")))?;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "AccessKeyNotExist", format!("The accessKey '{id}' can not be found"));
    let key = match params.text("UserName") {
        Some(user) => book.user_mut(&user)?.keys.iter_mut().find(|k| k.id == id),
        None => book.users.iter_mut().flat_map(|u| u.keys.iter_mut()).find(|k| k.id == id),
    };
    key.ok_or_else(not_found)?.status = status;
    Ok(json!({}))
}

/// GetLoginProfile (`set` None) or UpdateLoginProfile (`set` the new LoginAllowed).
fn login_profile(book: &mut Book, params: &Params, set: Option<bool>) -> Result<Value, ApiError> {
    let name = required(params, "UserName")?;
    let user = book.user_mut(&name)?;
    let Some(allowed) = user.login_allowed.as_mut() else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "LoginProfileNotExist", format!("The login profile of user '{name}' cannot be found.")));
    };
    if let Some(new) = set {
        *allowed = new;
    }
    let profile = json!({"UserName": name, "LoginAllowed": *allowed, "PasswordResetRequired": false, "SafeAuthFlag": false, "CreateDate": user.created, "UpdateDate": wire_time()});
    Ok(json!({"LoginProfile": profile}))
}

/// Attach (`attach`) or detach a policy; both are idempotent.
fn change_policy(book: &mut Book, params: &Params, attach: bool) -> Result<Value, ApiError> {
    let name = required(params, "UserName")?;
    let policy = required(params, "PolicyName")?;
    let type_text = required(params, "PolicyType")?;
    let policy_type = PolicyType::from_wire(&type_text)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "InvalidPolicyType", format!("Invalid PolicyType '{type_text}', err: 'must be System or Custom'.")))?;
    let user = book.user_mut(&name)?;
    // The simulated account has no custom policies.
    if policy_type == PolicyType::Custom || !SYSTEM_POLICIES.contains(&policy.as_str()) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "PolicyNotExist", format!("Policy '{policy}' of type {type_text} cannot be found.")));
    }
    let entry = (policy, policy_type);
    let present = user.policies.contains(&entry);
    if attach && !present {
        user.policies.push(entry);
    } else if !attach {
        user.policies.retain(|p| *p != entry);
    }
    Ok(json!({}))
}

fn attached(book: &Book, account: &SimAccount, params: &Params) -> Result<Value, ApiError> {
    let user = book.user(&required(params, "UserName")?)?;
    let policies: Vec<Value> = user
        .policies
        .iter()
        .map(|(name, kind)| {
            json!({"PolicyName": name, "PolicyType": kind.as_wire(), "PolicyTrn": format!("trn:iam::{}:policy/{name}", account.provider_account_id),
                "Description": "", "AttachDate": user.created})
        })
        .collect();
    Ok(json!({"AttachedPolicyMetadata": policies}))
}

/// ListProjects (Version 2021-08-01): the demo projects.
fn list_projects(account: &SimAccount, params: &Params) -> Result<Value, ApiError> {
    let (limit, offset) = window(params)?;
    let all: Vec<Value> = DEMO_PROJECTS
        .iter()
        .map(|p| {
            json!({"AccountID": account.provider_account_id.parse::<u64>().unwrap_or(0), "ProjectName": p.name, "DisplayName": p.display_name,
                "Description": "", "ParentProjectName": "", "Path": format!("/{}", p.name), "Status": "active", "HasPermission": true,
                "CreateDate": "20260101T000000Z", "UpdateDate": "20260101T000000Z"})
        })
        .collect();
    Ok(json!({"Projects": page(&all, offset, limit), "Total": all.len(), "Limit": limit, "Offset": offset}))
}
