//! Strings of quota control (额度管理) and its Feishu cards.

pub struct QuotaText {
    pub title: &'static str,
    pub nav: &'static str,
    // cards
    pub card_reached: &'static str,
    pub card_exhausted: &'static str,
    pub card_exhausted_disabled: &'static str,
    pub card_user: &'static str,
    pub card_project: &'static str,
    pub card_consumed: &'static str,
    pub card_allocated: &'static str,
    pub card_remaining: &'static str,
    pub card_usage: &'static str,
    pub card_time: &'static str,
    pub card_disabled_note: &'static str,
    pub card_exhausted_note: &'static str,
    pub card_open: &'static str,
    // errors
    pub e_unknown_account: &'static str,
    pub e_no_webhook: &'static str,
    pub e_amount: &'static str,
    pub e_amount_fen: &'static str,
    pub e_amount_zero: &'static str,
    pub e_amount_large: &'static str,
    pub e_reason: &'static str,
    pub e_reason_long: &'static str,
    pub e_steps: &'static str,
    pub e_user_name: &'static str,
    pub e_project: &'static str,
    pub e_display_name: &'static str,
    pub e_interval: &'static str,
    pub e_registered: &'static str,
    pub e_policy: &'static str,
}

impl QuotaText {
    /// A deduction refused: what is allocated, what is consumed, how much could go.
    pub fn underflow(&self, allocated: &str, consumed: &str, most: &str) -> String {
        format!("扣减后已划拨额度将低于已消耗金额：已划拨 {allocated}，已消耗 {consumed}，本次最多可扣减 {most}。")
    }
}

pub const ZH: QuotaText = QuotaText {
    title: "额度管理",
    nav: "额度管理",
    card_reached: "消费达到额度",
    card_exhausted: "额度用尽",
    card_exhausted_disabled: "额度用尽，已自动停用",
    card_user: "子账号",
    card_project: "项目",
    card_consumed: "累计消费",
    card_allocated: "已划拨额度",
    card_remaining: "剩余额度",
    card_usage: "使用率",
    card_time: "检查时间（北京时间）",
    card_disabled_note: "额度已用尽，子账号已停用（禁止控制台登录、访问密钥已禁用）。划拨新额度后将自动恢复。",
    card_exhausted_note: "额度已用尽；该子账号未开启自动停用，请尽快处理。",
    card_open: "打开额度管理",
    e_unknown_account: "未找到该火山引擎主账号：请先在设置中添加",
    e_no_webhook: "未配置飞书机器人：请在设置中添加告警 Webhook",
    e_amount: "金额格式不正确：请输入数字，如 500 或 -120.50。",
    e_amount_fen: "金额最多保留两位小数（精确到分）。",
    e_amount_zero: "金额不能为 0：划拨填正数，扣减填负数。",
    e_amount_large: "单笔金额不能超过 10 亿元。",
    e_reason: "请填写划拨原因。",
    e_reason_long: "原因最多 200 个字符。",
    e_steps: "预警阈值格式不正确：请输入 1–99 之间的整数，用逗号分隔，如 50,80,90。",
    e_user_name: "子账号用户名需为 1–64 个字符，只能包含字母、数字和 - _ . @。",
    e_project: "请填写项目名称（最多 64 个字符）。",
    e_display_name: "显示名称最多 64 个字符。",
    e_interval: "检查间隔需在 60 秒到 86400 秒（1 天）之间。",
    e_registered: "该主账号下的这个子账号已在额度管理中。",
    e_policy: "请从列表中选择系统策略。",
};
