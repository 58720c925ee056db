//! Strings of the audit log page.

pub struct AuditText {
    pub title: &'static str,
}

pub const ZH: AuditText = AuditText { title: "审计日志" };
