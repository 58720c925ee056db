//! The rules for user names, display names and new passwords, answered in the user's words.

use crate::error::AppError;

pub const MAX_NAME: usize = 64;

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid { field: field.into(), message: message.into() }
}

/// A user name (letters, digits, `._-@`, 2–64 characters) and a display name (defaults to the
/// user name; no control characters).
pub fn names(username: &str, display_name: &str) -> Result<(String, String), AppError> {
    let t = crate::i18n::tr().access;
    let username = username.trim();
    let n = username.chars().count();
    if !(2..=MAX_NAME).contains(&n) || !username.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
        return Err(invalid("username", t.bad_username));
    }
    let display = display_name.trim();
    let display = if display.is_empty() { username } else { display };
    if display.chars().count() > MAX_NAME || display.chars().any(char::is_control) {
        return Err(invalid("display_name", t.bad_display_name));
    }
    Ok((username.to_string(), display.to_string()))
}

pub fn new_password(password: &str, username: &str) -> Result<(), AppError> {
    match super::password::problem(password, username) {
        Some(message) => Err(invalid("password", message)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_display_defaults_to_the_user_name() {
        assert_eq!(names(" alice ", "").unwrap(), ("alice".to_string(), "alice".to_string()));
        assert_eq!(names("张三", "财务 张三").unwrap().1, "财务 张三");
        assert!(matches!(names("a", ""), Err(AppError::Invalid { field, .. }) if field == "username"));
        assert!(names("a b", "").is_err());
        assert!(names("<script>", "").is_err());
        assert!(matches!(names("bob", "x\u{7}"), Err(AppError::Invalid { field, .. }) if field == "display_name"));
    }
}
