//! Passwords: argon2id hashes in PHC format (the `argon2` crate's defaults, OWASP's minimum
//! parameters: 19 MiB, 2 passes, 1 lane), and the rules a new password must meet.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::secret::Secret;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

pub fn hash(password: &Secret) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.expose().as_bytes(), &salt)?.to_string())
}

/// True when `password` matches `stored`. A stored value that does not parse never matches.
pub fn verify(password: &Secret, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "a stored password hash does not parse");
            false
        }
    }
}

/// Spends the time of one verification, so an unknown user name answers as slowly as a known
/// one with a wrong password (the answer must not tell which half was wrong).
pub fn verify_nothing(password: &Secret) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash(&Secret::new("suanpan-dummy-password")).unwrap_or_default());
    let _ = verify(password, stored);
}

/// Why a new password is refused, in the user's words; `None` when it is acceptable.
pub fn problem(password: &str, username: &str) -> Option<&'static str> {
    let t = crate::i18n::tr().access;
    let chars = password.chars().count();
    if chars < MIN_LEN {
        Some(t.pw_too_short)
    } else if chars > MAX_LEN {
        Some(t.pw_too_long)
    } else if password.eq_ignore_ascii_case(username) {
        Some(t.pw_is_username)
    } else if password.chars().collect::<std::collections::HashSet<_>>().len() < 4 {
        Some(t.pw_too_simple)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let pw = Secret::new("correct horse battery");
        let a = hash(&pw).unwrap();
        let b = hash(&pw).unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify(&pw, &a));
        assert!(!verify(&Secret::new("correct horse battery!"), &a));
        assert!(!verify(&pw, "not a hash"));
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(problem("short", "alice").is_some());
        assert!(problem("alicealice", "ALICEALICE").is_some());
        assert!(problem("aaaaaaaaaa", "bob").is_some());
        assert!(problem(&"x1y2".repeat(40), "bob").is_some());
        assert_eq!(problem("账本安全口令2026", "bob"), None);
    }
}
