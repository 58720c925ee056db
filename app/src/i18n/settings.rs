//! Strings of the settings area (credentials and connections).

pub struct SettingsText {
    pub title: &'static str,
}

pub const ZH: SettingsText = SettingsText { title: "设置" };
