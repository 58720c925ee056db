//! Sign-in settings from the environment.

use std::time::Duration;

use crate::secret::Secret;

#[derive(Clone, Debug)]
pub struct AccessConfig {
    /// `SUANPAN_ADMIN_USER` / `SUANPAN_ADMIN_PASSWORD`: the first admin, created at start when no
    /// user exists (ignored once there is one: the password is never reset from here).
    pub admin_user: Option<String>,
    pub admin_password: Option<Secret>,
    /// `SUANPAN_PUBLIC_URL` (e.g. `https://suanpan.example.com`): the address browsers use. An
    /// https one marks the session cookie Secure; its origin is accepted for state-changing
    /// requests beside the request's own Host.
    pub public_url: Option<url::Url>,
    /// `SUANPAN_SESSION_IDLE_MINUTES` (default 480): a session unused this long ends.
    pub session_idle: Duration,
    /// `SUANPAN_SESSION_MAX_HOURS` (default 168): a session ends this long after sign-in, used or not.
    pub session_absolute: Duration,
}

impl AccessConfig {
    /// The settings, or the variable that is wrong and why (the configuration names it).
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, (&'static str, String)> {
        let invalid = |name: &'static str, problem: &str| (name, problem.to_string());
        let public_url = match get("SUANPAN_PUBLIC_URL") {
            None => None,
            Some(v) => Some(
                url::Url::parse(&v)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| invalid("SUANPAN_PUBLIC_URL", "an http(s) URL such as https://suanpan.example.com"))?,
            ),
        };
        let span = |name: &'static str, default: u64, max: u64, unit_s: u64| -> Result<Duration, (&'static str, String)> {
            match get(name) {
                None => Ok(Duration::from_secs(default * unit_s)),
                Some(v) => v.parse::<u64>().ok().filter(|n| (1..=max).contains(n)).map(|n| Duration::from_secs(n * unit_s))
                    .ok_or_else(|| invalid(name, &format!("a whole number from 1 to {max}"))),
            }
        };
        let admin_user = get("SUANPAN_ADMIN_USER").map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
        let admin_password = get("SUANPAN_ADMIN_PASSWORD").filter(|p| !p.is_empty()).map(Secret::new);
        if admin_user.is_some() != admin_password.is_some() {
            return Err(invalid("SUANPAN_ADMIN_PASSWORD", "SUANPAN_ADMIN_USER and SUANPAN_ADMIN_PASSWORD are set together"));
        }
        Ok(AccessConfig {
            admin_user,
            admin_password,
            public_url,
            session_idle: span("SUANPAN_SESSION_IDLE_MINUTES", 480, 60 * 24 * 30, 60)?,
            session_absolute: span("SUANPAN_SESSION_MAX_HOURS", 168, 24 * 90, 3600)?,
        })
    }

    pub fn secure_cookie(&self) -> bool {
        self.public_url.as_ref().is_some_and(|u| u.scheme() == "https")
    }
}
