//! Strings of the audit log page and its export, with the Chinese names of the recorded actions.

use crate::audit::{ActorKind, Outcome};

pub struct AuditText {
    pub title: &'static str,
    pub lead: &'static str,
    pub actor: &'static str,
    pub actor_placeholder: &'static str,
    pub action: &'static str,
    pub all_actions: &'static str,
    pub all_of_family: &'static str,
    pub outcome: &'static str,
    pub all_outcomes: &'static str,
    pub target: &'static str,
    pub target_placeholder: &'static str,
    pub page_size: &'static str,
    pub export_csv: &'static str,
    // columns
    pub c_time: &'static str,
    pub c_actor_kind: &'static str,
    pub c_actor: &'static str,
    pub c_address: &'static str,
    pub c_action: &'static str,
    pub c_action_code: &'static str,
    pub c_target: &'static str,
    pub c_outcome: &'static str,
    pub c_changes: &'static str,
    pub c_before: &'static str,
    pub c_after: &'static str,
    // the list
    pub empty: &'static str,
    pub total: &'static str,
    pub showing: &'static str,
    pub newest: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    pub append_only: &'static str,
    pub sheet: &'static str,
    pub export_too_many: &'static str,
    /// The action families (the part before the dot), for the filter's groups.
    pub families: &'static [(&'static str, &'static str)],
    /// Every action the app records, by family, with its name on the page.
    pub actions: &'static [(&'static str, &'static str)],
}

pub const ZH: AuditText = AuditText {
    title: "审计日志",
    lead: "登录、用户与权限、API 密钥、凭据与设置、账单同步和图片生成等敏感操作的记录，只可查看和导出，不能修改或删除。",
    actor: "操作者",
    actor_placeholder: "用户名或密钥名称",
    action: "操作",
    all_actions: "全部操作",
    all_of_family: "全部",
    outcome: "结果",
    all_outcomes: "全部结果",
    target: "对象",
    target_placeholder: "如 user:alice",
    page_size: "每页条数",
    export_csv: "导出 CSV",
    c_time: "时间（北京时间）",
    c_actor_kind: "操作者类型",
    c_actor: "操作者",
    c_address: "地址",
    c_action: "操作",
    c_action_code: "操作代码",
    c_target: "对象",
    c_outcome: "结果",
    c_changes: "变更",
    c_before: "变更前",
    c_after: "变更后",
    empty: "没有符合条件的记录。",
    total: "共",
    showing: "条，当前显示第",
    newest: "« 最新",
    newer: "‹ 较新",
    older: "较早 ›",
    append_only: "审计记录只追加，任何人都不能在应用中修改或删除。",
    sheet: "审计日志",
    export_too_many: "符合条件的记录过多，无法一次导出，请缩小时间范围或增加筛选条件。",
    families: &[
        ("auth.", "登录"),
        ("user.", "用户"),
        ("api_key.", "API 密钥"),
        ("credential.", "凭据与设置"),
        ("billing.", "账单"),
        ("image.", "图片"),
    ],
    actions: &[
        ("auth.sign_in", "登录"),
        ("auth.sign_in_failed", "登录失败"),
        ("auth.sign_out", "退出登录"),
        ("auth.setup", "初始化管理员"),
        ("user.create", "创建用户"),
        ("user.update", "修改用户（角色/停用/启用）"),
        ("user.reset_password", "重置密码"),
        ("user.change_password", "修改自己的密码"),
        ("api_key.create", "创建 API 密钥"),
        ("api_key.first_use", "API 密钥首次使用"),
        ("api_key.revoke", "吊销 API 密钥"),
        ("credential.create", "添加凭据"),
        ("credential.update", "修改凭据"),
        ("credential.delete", "删除凭据"),
        ("credential.test", "测试连接"),
        ("billing.sync", "触发账单同步"),
        ("image.generate", "生成图片"),
    ],
};

impl AuditText {
    /// The action's Chinese name; an action without one (recorded by a newer feature) as recorded.
    pub fn action_label<'a>(&self, action: &'a str) -> &'a str {
        self.actions.iter().find(|(code, _)| *code == action).map(|(_, label)| *label).unwrap_or(action)
    }

    pub fn actor_kind(&self, k: ActorKind) -> &'static str {
        match k {
            ActorKind::User => "用户",
            ActorKind::ApiKey => "API 密钥",
            ActorKind::Anonymous => "未登录",
            ActorKind::System => "系统",
        }
    }

    pub fn outcome_label(&self, o: Outcome) -> &'static str {
        match o {
            Outcome::Ok => "成功",
            Outcome::Denied => "拒绝",
            Outcome::Failed => "失败",
        }
    }

    /// The label of one of the page's URL parameters, for error messages.
    pub fn param_label(&self, param: &str) -> Option<&'static str> {
        Some(match param {
            "actor" => self.actor,
            "action" => self.action,
            "outcome" => self.outcome,
            "target" => self.target,
            "size" => self.page_size,
            "before" | "after" => "分页位置",
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_family_and_unknown_ones_show_as_recorded() {
        for (code, _) in ZH.actions {
            assert!(ZH.families.iter().any(|(f, _)| code.starts_with(f)), "{code} has no family");
        }
        assert_eq!(ZH.action_label("user.update"), "修改用户（角色/停用/启用）");
        assert_eq!(ZH.action_label("quota.allocate"), "quota.allocate");
    }
}
