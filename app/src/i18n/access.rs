//! Strings of sign-in, users and API keys.

pub struct AccessText {
    pub e_sign_in_required: &'static str,
    pub e_forbidden: &'static str,
    pub e_sign_in_failed: &'static str,
    pub e_throttled: &'static str,
    pub e_cross_site: &'static str,
    pub e_setup_done: &'static str,
}

pub const ZH: AccessText = AccessText {
    e_sign_in_required: "请先登录。",
    e_forbidden: "当前账号的角色无权执行此操作，如需权限请联系管理员。",
    e_sign_in_failed: "用户名或密码错误。",
    e_throttled: "登录失败次数过多，已暂时锁定，请 ",
    e_cross_site: "请求来自其他站点，已拒绝。请在本应用的页面中操作。",
    e_setup_done: "初始设置已完成：管理员账号已存在，请直接登录。",
};
