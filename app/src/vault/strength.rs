//! The rule a secret key must meet to protect stored credentials beyond localhost: long, varied,
//! and not a value copied from an example.

use std::collections::BTreeSet;

/// At least this many characters (a random base64 key of 24 bytes has 32).
pub const MIN_LEN: usize = 32;
/// At least this many different characters: `aaaa…` or `1212…` are long but guessable.
pub const MIN_DISTINCT: usize = 12;
/// Words that mark a value copied from documentation or a template, not generated.
const PLACEHOLDERS: [&str; 12] = [
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "replaceme",
    "replace-me",
    "placeholder",
    "your-secret",
    "yoursecret",
    "your_secret",
    "example",
    "secretkey",
];

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Weakness {
    #[error("it has {0} characters; at least {min} are needed", min = MIN_LEN)]
    Short(usize),
    #[error("it has only {0} different characters; at least {min} are needed", min = MIN_DISTINCT)]
    Repetitive(usize),
    #[error("it contains {0:?}, a placeholder; generate a random value")]
    Placeholder(&'static str),
}

/// `Ok` when `key` is strong enough (see the constants); else why not.
pub fn check_strength(key: &str) -> Result<(), Weakness> {
    let lower = key.to_lowercase();
    if let Some(word) = PLACEHOLDERS.iter().find(|w| lower.contains(*w)) {
        return Err(Weakness::Placeholder(word));
    }
    let len = key.chars().count();
    if len < MIN_LEN {
        return Err(Weakness::Short(len));
    }
    let distinct = key.chars().collect::<BTreeSet<_>>().len();
    if distinct < MIN_DISTINCT {
        return Err(Weakness::Repetitive(distinct));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_keys_pass() {
        assert_eq!(check_strength("q3VZ8d0cJtX1r9mYbE2kLh7uPw5sNf4A"), Ok(()));
        assert_eq!(check_strength(&"0123456789abcdef".repeat(4)), Ok(()));
    }

    #[test]
    fn short_repetitive_and_placeholder_keys_fail() {
        assert_eq!(check_strength("s3cr3t"), Err(Weakness::Short(6)));
        assert_eq!(check_strength(&"q3VZ8d0cJtX1r9mYbE2kLh7uPw5sNf4".to_string()), Err(Weakness::Short(31)));
        assert_eq!(check_strength(&"ab".repeat(20)), Err(Weakness::Repetitive(2)));
        assert_eq!(check_strength("changeme"), Err(Weakness::Placeholder("changeme")));
        assert_eq!(check_strength("ChangeMe-please-1234567890-abcdefghijkl"), Err(Weakness::Placeholder("changeme")));
        assert_eq!(check_strength("your-secret-key-here-0123456789-ABCDEF"), Err(Weakness::Placeholder("your-secret")));
        assert_eq!(check_strength(""), Err(Weakness::Short(0)));
    }
}
