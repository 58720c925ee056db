//! The audit log as CSV (see [`crate::spreadsheet`]): every entry the page's filter matches,
//! newest first, times in Beijing time, actions with their Chinese name beside the recorded code,
//! the changed fields as `field: before → after` and the recorded before/after JSON as it is.

use crate::audit::{AuditEntry, AuditLog};
use crate::calendar::beijing_time_seconds;
use crate::error::AppError;
use crate::i18n::tr;
use crate::spreadsheet::{encode, Cell, FileFormat, Sheet};

/// The most entries one download holds; a filter matching more is refused with a message (a
/// silently cut audit export would mislead).
pub const EXPORT_LIMIT: i64 = 100_000;

/// The changed fields on one line: `role: viewer → analyst；disabled: false → true`.
pub fn changes_text(e: &AuditEntry) -> String {
    e.changes()
        .into_iter()
        .map(|c| {
            let side = |v: Option<String>| v.unwrap_or_else(|| "∅".into());
            let field = if c.field.is_empty() { String::new() } else { format!("{}: ", c.field) };
            format!("{field}{} → {}", side(c.before), side(c.after))
        })
        .collect::<Vec<_>>()
        .join("；")
}

pub fn sheet(entries: &[AuditEntry]) -> Sheet {
    let t = tr().audit;
    let headers = [t.c_time, t.c_actor_kind, t.c_actor, t.c_address, t.c_action, t.c_action_code, t.c_target, t.c_outcome, t.c_changes, t.c_before, t.c_after];
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| Cell::Text(v.to_string())).unwrap_or(Cell::Empty);
    let rows = entries
        .iter()
        .map(|e| {
            vec![
                Cell::Text(beijing_time_seconds(e.at)),
                Cell::Text(t.actor_kind(e.actor_kind).to_string()),
                Cell::Text(e.actor_name.clone()),
                e.address.clone().map(Cell::Text).unwrap_or(Cell::Empty),
                Cell::Text(t.action_label(&e.action).to_string()),
                Cell::Text(e.action.clone()),
                Cell::Text(e.target.clone()),
                Cell::Text(t.outcome_label(e.outcome).to_string()),
                Cell::Text(changes_text(e)),
                json(&e.before),
                json(&e.after),
            ]
        })
        .collect();
    Sheet { name: t.sheet.to_string(), headers: headers.iter().map(|h| h.to_string()).collect(), rows }
}

/// `GET /export/audit.csv?<the page's filter>`: (content type, file name, bytes). Paging keys
/// are ignored: the download holds every matching entry.
pub async fn export(audit: &AuditLog, raw: &[(String, String)]) -> Result<(&'static str, String, Vec<u8>), AppError> {
    let params = super::params::parse(raw)?;
    let entries = audit.all(&params.filter, EXPORT_LIMIT + 1).await?;
    if entries.len() as i64 > EXPORT_LIMIT {
        return Err(AppError::Invalid { field: "from".into(), message: tr().audit.export_too_many.to_string() });
    }
    let stem = format!("audit-log-{}", crate::calendar::shanghai_today());
    encode(&sheet(&entries), FileFormat::Csv, &stem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{ActorKind, Outcome};
    use serde_json::json;

    fn entry() -> AuditEntry {
        AuditEntry {
            id: 7,
            at: "2026-12-07T02:03:04.500Z".parse().unwrap(),
            actor_kind: ActorKind::User,
            actor_id: Some(1),
            actor_name: "管理员".into(),
            address: Some("127.0.0.1".into()),
            action: "user.update".into(),
            target: "user:alice".into(),
            outcome: Outcome::Ok,
            before: Some(json!({"role": "viewer"})),
            after: Some(json!({"role": "analyst"})),
        }
    }

    #[test]
    fn rows_read_in_beijing_time_with_chinese_labels_and_the_diff() {
        let s = sheet(&[entry()]);
        assert_eq!(s.headers[0], "时间（北京时间）");
        let texts: Vec<String> = s.rows[0].iter().map(|c| match c {
            Cell::Text(t) => t.clone(),
            _ => String::new(),
        }).collect();
        assert_eq!(texts[0], "2026-12-07 10:03:04");
        assert_eq!(&texts[1..8], ["用户", "管理员", "127.0.0.1", "修改用户（角色/停用/启用）", "user.update", "user:alice", "成功"]);
        assert_eq!(texts[8], "role: viewer → analyst");
        assert_eq!(texts[9], r#"{"role":"viewer"}"#);
    }

    #[test]
    fn unknown_actions_and_one_sided_changes() {
        let mut e = entry();
        e.action = "quota.allocate".into();
        e.before = None;
        e.after = Some(json!({"size": "1024*1024", "prompt_chars": 12}));
        let s = sheet(&[e]);
        assert_eq!(s.rows[0][4], Cell::Text("quota.allocate".into()));
        assert_eq!(s.rows[0][8], Cell::Text("prompt_chars: ∅ → 12；size: ∅ → 1024*1024".into()));
        assert_eq!(s.rows[0][9], Cell::Empty);
    }
}
