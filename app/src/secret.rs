//! A secret (password, access key, API key) that never prints: not in logs, not in Debug output,
//! not in error messages. Read it with [`Secret::expose`] only where it is sent to its service.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with this secret replaced by `***` wherever a provider's error answer may echo it:
    /// as is, JSON-escaped or percent-encoded, and a cut-off start of it at the very end (error
    /// bodies are quoted cut to a few hundred bytes, which can split the secret).
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if self.0.is_empty() {
            return out;
        }
        let mut forms = vec![self.0.clone(), json_escaped(&self.0), percent_encoded(&self.0, false), percent_encoded(&self.0, true)];
        forms.dedup();
        for form in &forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), MASK);
            }
        }
        for form in &forms {
            let cut = (MIN_TAIL..form.len()).rev().find(|&k| form.is_char_boundary(k) && out.ends_with(&form[..k]));
            if let Some(k) = cut {
                out.truncate(out.len() - k);
                out.push_str(MASK);
                break;
            }
        }
        out
    }
}

const MASK: &str = "***";
/// A shorter cut-off start is left: it would match ordinary text too often to mean anything.
const MIN_TAIL: usize = 6;

/// As a JSON string carries it (`/` may be sent as `\/`).
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted.trim_matches('"').replace('/', "\\/")
}

/// RFC 3986 percent-encoding, as a query string or form body carries it.
fn percent_encoded(s: &str, lower_hex: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &byte in s.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else if lower_hex {
            out.push_str(&format!("%{byte:02x}"));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn redacts_the_secret_however_it_is_echoed() {
        let s = Secret::new("ab/cd+ef=gh12");
        assert_eq!(s.redact("key ab/cd+ef=gh12 refused"), "key *** refused");
        assert_eq!(s.redact(r#"{"k":"ab\/cd+ef=gh12"}"#), r#"{"k":"***"}"#);
        assert_eq!(s.redact("k=ab%2Fcd%2Bef%3Dgh12&x=1"), "k=***&x=1");
        assert_eq!(s.redact("k=ab%2fcd%2bef%3dgh12"), "k=***");
        // A quote cut off inside the secret.
        assert_eq!(s.redact("your key is ab/cd+e"), "your key is ***");
        // Short common starts are left alone; nothing else changes.
        assert_eq!(s.redact("ab/c and more"), "ab/c and more");
        assert_eq!(Secret::new("").redact("text"), "text");
    }
}
