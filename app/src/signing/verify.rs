//! What every `verify` shares: reading the `Authorization` fields, the time window, the key
//! lookup and the final constant-time comparison.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::canonical::HeaderTable;
use super::digest::hmac_sha256_matches;
use super::SignatureError;
use crate::secret::Secret;

/// `|now - at| <= window`; a request from the future is as suspect as a stale one.
pub(super) fn within_window(at: DateTime<Utc>, now: DateTime<Utc>, window: chrono::Duration) -> bool {
    (now - at).abs() <= window
}

/// The header `name` (lower case) and the time `parse` reads from it; `label` names the header
/// in the error when it is missing or unreadable.
pub(super) fn header_time(
    table: &HeaderTable,
    name: &str,
    label: &'static str,
    parse: impl FnOnce(&str) -> Option<DateTime<Utc>>,
) -> Result<(String, DateTime<Utc>), SignatureError> {
    let text = table.get(name).ok_or(SignatureError::Missing(label))?;
    let at = parse(&text).ok_or(SignatureError::Malformed(label))?;
    Ok((text, at))
}

/// `text` in `format` as a UTC time.
pub(super) fn parse_utc(text: &str, format: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, format)
        .ok()
        .map(|at| at.and_utc())
}

/// `text` split on `separator` into exactly `N` parts.
pub(super) fn split_exact<const N: usize>(text: &str, separator: char) -> Option<[&str; N]> {
    let parts: Vec<&str> = text.split(separator).collect();
    parts.try_into().ok()
}

/// The secret of `access_key_id`, or [`SignatureError::UnknownKey`].
pub(super) fn secret_of(
    secret_for: impl Fn(&str) -> Option<Secret>,
    access_key_id: &str,
) -> Result<Secret, SignatureError> {
    secret_for(access_key_id).ok_or_else(|| SignatureError::UnknownKey(access_key_id.to_owned()))
}

/// `Ok(access_key_id)` when `claimed` is `hex(HMAC-SHA256(key, string_to_sign))`, else a
/// mismatch carrying the server's string to sign.
pub(super) fn compare(
    key: &[u8],
    string_to_sign: String,
    claimed: &str,
    access_key_id: &str,
) -> Result<String, SignatureError> {
    if hmac_sha256_matches(key, string_to_sign.as_bytes(), claimed) {
        Ok(access_key_id.to_owned())
    } else {
        Err(SignatureError::Mismatch {
            server_string_to_sign: string_to_sign,
        })
    }
}

/// `Credential`, `SignedHeaders` and `Signature` of an `Authorization: <ALGORITHM> k=v, k=v, …`
/// header, as Alibaba, Volcengine and Tencent all write it.
pub(super) struct AuthFields {
    pub credential: String,
    pub signed_headers: String,
    pub signature: String,
}

pub(super) fn authorization_fields(
    table: &HeaderTable,
    algorithm: &str,
) -> Result<AuthFields, SignatureError> {
    let authorization = table
        .get("authorization")
        .ok_or(SignatureError::Missing("Authorization"))?;
    let fields = authorization
        .strip_prefix(algorithm)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or(SignatureError::Malformed("Authorization"))?;
    let fields = parse_auth_fields(fields)?;
    let field = |name| {
        fields
            .get(name)
            .map(|v| v.to_string())
            .ok_or(SignatureError::Malformed("Authorization"))
    };
    Ok(AuthFields {
        credential: field("Credential")?,
        signed_headers: field("SignedHeaders")?,
        signature: field("Signature")?,
    })
}

/// Parses `key=value` items separated by `,` (Alibaba) or `, ` (the others) into a map; a
/// repeated or value-less item makes the whole header malformed.
fn parse_auth_fields(fields: &str) -> Result<BTreeMap<&str, &str>, SignatureError> {
    let mut map = BTreeMap::new();
    for item in fields.split(',') {
        let (key, value) = item
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed("Authorization"))?;
        if map.insert(key, value).is_some() {
            return Err(SignatureError::Malformed("Authorization"));
        }
    }
    Ok(map)
}

/// `<ALGORITHM> Credential=…<sep>SignedHeaders=a;b<sep>Signature=…`: Alibaba separates with
/// `,`, Tencent and Volcengine with `, `.
pub(super) fn authorization_header(
    algorithm: &str,
    credential: &str,
    signed: &[String],
    signature: &str,
    separator: &str,
) -> String {
    format!(
        "{algorithm} Credential={credential}{separator}SignedHeaders={}{separator}Signature={signature}",
        signed.join(";")
    )
}
