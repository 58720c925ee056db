//! The audit log's types that cross the wire: who acted and how it ended, an entry as read back,
//! the filter a reader asks for, and a page of entries.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiKey,
    /// Not signed in (a failed sign-in, the one-time setup).
    Anonymous,
    /// The server itself (start-up, the schedule, the command line).
    System,
}

impl ActorKind {
    pub const ALL: [ActorKind; 4] = [ActorKind::User, ActorKind::ApiKey, ActorKind::Anonymous, ActorKind::System];

    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
            ActorKind::Anonymous => "anonymous",
            ActorKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<ActorKind> {
        ActorKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Ok, Outcome::Denied, Outcome::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One recorded entry as read back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub address: Option<String>,
    pub action: String,
    pub target: String,
    pub outcome: Outcome,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// One field of an entry's before/after that differs (a field only after: set; only before:
/// removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditEntry {
    /// The fields whose values differ between before and after, by name. A value that is not an
    /// object counts as one unnamed field.
    pub fn changes(&self) -> Vec<FieldChange> {
        let fields = |v: &Option<Value>| -> Vec<(String, Value)> {
            match v {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                Some(other) => vec![(String::new(), other.clone())],
            }
        };
        let (before, after) = (fields(&self.before), fields(&self.after));
        let find = |list: &[(String, Value)], key: &str| list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let names: std::collections::BTreeSet<&String> = before.iter().chain(after.iter()).map(|(k, _)| k).collect();
        names
            .into_iter()
            .filter_map(|name| {
                let (b, a) = (find(&before, name), find(&after, name));
                (b != a).then(|| FieldChange { field: name.clone(), before: b.as_ref().map(shown), after: a.as_ref().map(shown) })
            })
            .collect()
    }
}

/// A JSON value as a reader reads it: text without quotes, everything else compact JSON.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Which actions: one by its exact name, or a family by its prefix (`user.`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionFilter {
    Exact(String),
    Prefix(String),
}

impl ActionFilter {
    /// `user.` (ending in a dot) is the family, anything else one action.
    pub fn from_text(text: &str) -> ActionFilter {
        if text.ends_with('.') {
            ActionFilter::Prefix(text.to_string())
        } else {
            ActionFilter::Exact(text.to_string())
        }
    }

    pub fn text(&self) -> &str {
        match self {
            ActionFilter::Exact(s) | ActionFilter::Prefix(s) => s,
        }
    }
}

/// What a reader asks for; every part optional (None: no condition).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Asia/Shanghai days, both ends included.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The actor's name contains this (case-insensitive for Latin letters).
    pub actor: Option<String>,
    pub action: Option<ActionFilter>,
    pub outcome: Option<Outcome>,
    /// The target contains this (case-insensitive for Latin letters).
    pub target: Option<String>,
}

/// Where a page starts, by entry id (keyset: new entries never shift a page already linked).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cursor {
    /// The newest entries.
    #[default]
    Newest,
    /// The entries just older than this id.
    Before(i64),
    /// The entries just newer than this id.
    After(i64),
}

/// One page of entries, newest first, with where it stands in the filter's entries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Entries matching the filter.
    pub total: i64,
    /// Matching entries newer than this page's first.
    pub newer: i64,
}

impl AuditPage {
    /// Matching entries older than this page's last.
    pub fn older(&self) -> i64 {
        (self.total - self.newer - self.entries.len() as i64).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(before: Option<Value>, after: Option<Value>) -> AuditEntry {
        AuditEntry {
            id: 1,
            at: Utc::now(),
            actor_kind: ActorKind::User,
            actor_id: Some(1),
            actor_name: "admin".into(),
            address: None,
            action: "user.update".into(),
            target: "user:alice".into(),
            outcome: Outcome::Ok,
            before,
            after,
        }
    }

    fn change(field: &str, before: Option<&str>, after: Option<&str>) -> FieldChange {
        FieldChange { field: field.into(), before: before.map(String::from), after: after.map(String::from) }
    }

    #[test]
    fn changes_list_only_differing_fields() {
        let e = entry(Some(json!({"role": "viewer", "disabled": false, "name": "A"})), Some(json!({"role": "analyst", "disabled": true, "name": "A", "note": "新"})));
        assert_eq!(
            e.changes(),
            vec![change("disabled", Some("false"), Some("true")), change("note", None, Some("新")), change("role", Some("viewer"), Some("analyst"))]
        );
        assert_eq!(entry(Some(json!({"secret": "已设置"})), None).changes(), vec![change("secret", Some("已设置"), None)]);
        assert_eq!(entry(None, Some(json!(3))).changes(), vec![change("", None, Some("3"))]);
        assert_eq!(entry(None, None).changes(), vec![]);
    }

    #[test]
    fn kinds_and_outcomes_round_trip() {
        for k in ActorKind::ALL {
            assert_eq!(ActorKind::parse(k.as_str()), Some(k));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("maybe"), None);
        assert_eq!(ActionFilter::from_text("user."), ActionFilter::Prefix("user.".into()));
        assert_eq!(ActionFilter::from_text("user.create"), ActionFilter::Exact("user.create".into()));
    }
}
