//! Request signing for the cloud billing APIs, and the matching verification a simulator runs.
//!
//! Every signer is a pure function: the caller passes the time (and nonce) explicitly, so the
//! providers' published worked examples can be reproduced byte for byte in the tests.
//! Each `verify` recomputes the signature from the received request the way the provider's
//! server does, and answers with the access key id or a [`SignatureError`].
//!
//! Alibaba's older RPC signature (V1, HMAC-SHA1) is not implemented: it needs SHA-1, which is
//! not a dependency of this crate. The V3 signature ([`acs3`]) replaces it.

pub mod acs3;
pub mod bce;
pub mod tc3;
pub mod volcengine;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// The parts of an HTTP request that the signatures cover.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignableRequest {
    /// HTTP method; canonicalised to upper case.
    pub method: String,
    /// The `Host` header value. It is always the value signed as `host`; a `host` entry in
    /// `headers` is ignored, so a verifier may copy the received headers as they are.
    pub host: String,
    /// The path, percent-decoded (the signers encode it).
    pub path: String,
    /// Query parameters, percent-decoded, in the order they appear in the URL.
    pub query: Vec<(String, String)>,
    /// Header names in any case. Repeated names are joined with `,` when signed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SignableRequest {
    /// The value of a header (case-insensitive name), repeated values joined with `,`;
    /// `host` comes from [`SignableRequest::host`].
    pub fn header(&self, name: &str) -> Option<String> {
        HeaderTable::from_request(self, &[]).get(name)
    }

    /// Sets the signature's headers, replacing same-named ones (case-insensitive) as the
    /// signer did when it computed them.
    pub fn apply(&mut self, signature: &RequestSignature) {
        let added = &signature.headers_to_add;
        self.headers
            .retain(|(name, _)| !added.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
        self.headers.extend(added.iter().cloned());
    }
}

/// An access key: its public id and its secret.
#[derive(Debug, Clone, Copy)]
pub struct AccessKey<'a> {
    pub id: &'a str,
    pub secret: &'a Secret,
}

/// Which headers a signer covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadersToSign<'a> {
    /// The provider's default set; each module's `sign` documents it.
    ProviderDefault,
    /// Exactly these header names (any case).
    Only(&'a [&'a str]),
}

/// A computed signature: the headers to add to the request, and the intermediate strings
/// (for tests and for diagnosing a rejected request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSignature {
    /// The provider's date and content-hash headers, then `Authorization`.
    pub headers_to_add: Vec<(String, String)>,
    pub canonical_request: String,
    /// The text the final HMAC signs.
    pub string_to_sign: String,
    /// Lowercase hex.
    pub signature: String,
    pub authorization: String,
}

/// Why a received request's signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("unknown access key id {0:?}")]
    UnknownKey(String),
    /// Carries the server's string to sign, as Alibaba's error message does, to help a client
    /// find its mistake. It holds no secret.
    #[error("signature does not match; server string to sign: {server_string_to_sign:?}")]
    Mismatch { server_string_to_sign: String },
    #[error("request timestamp is outside the allowed window")]
    Expired,
}

/// RFC 3986 percent-encoding as all four providers specify it: `A-Z a-z 0-9 - _ . ~` stay,
/// every other UTF-8 byte becomes `%XY` with upper-case hex, space is `%20` (never `+`).
/// `keep_slash` leaves `/` alone for paths (Alibaba's CanonicalURI, Baidu's
/// `UriEncodeExceptSlash`). `url`'s form encoder writes `+` for space, so it does not fit.
pub fn rfc3986_encode(input: &str, keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &byte in input.as_bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
    out
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = new_hmac(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn new_hmac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length (long ones are hashed), so this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// Compares `HMAC-SHA256(key, message)` with a claimed lowercase-hex signature in constant
/// time. A claim that is not hex simply does not match.
fn hmac_sha256_matches(key: &[u8], message: &[u8], claimed_hex: &str) -> bool {
    let Ok(claimed) = hex::decode(claimed_hex) else {
        return false;
    };
    let mut mac = new_hmac(key);
    mac.update(message);
    mac.verify_slice(&claimed).is_ok()
}

/// Lower-cased header names mapped to their values, with `host` from the request's host and
/// `added` replacing any same-named header the request already had.
struct HeaderTable {
    values: BTreeMap<String, Vec<String>>,
}

impl HeaderTable {
    fn from_request(request: &SignableRequest, added: &[(String, String)]) -> Self {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let replaced = |name: &str| added.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        for (name, value) in &request.headers {
            let name = name.to_ascii_lowercase();
            if name != "host" && !replaced(&name) {
                values.entry(name).or_default().push(value.clone());
            }
        }
        for (name, value) in added {
            values
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(value.clone());
        }
        values.insert("host".to_owned(), vec![request.host.clone()]);
        HeaderTable { values }
    }

    fn get(&self, name: &str) -> Option<String> {
        self.values
            .get(&name.to_ascii_lowercase())
            .map(|v| v.join(","))
    }

    /// Sorted lower-case names.
    fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

/// Lower-case, sorted, de-duplicated names.
fn normalized_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = names.into_iter().map(str::to_ascii_lowercase).collect();
    names.sort();
    names.dedup();
    names
}

/// `|now - at| <= window`; a request from the future is as suspect as a stale one.
fn within_window(at: DateTime<Utc>, now: DateTime<Utc>, window: chrono::Duration) -> bool {
    (now - at).abs() <= window
}

/// `text` split on `separator` into exactly `N` parts.
fn split_exact<const N: usize>(text: &str, separator: char) -> Option<[&str; N]> {
    let parts: Vec<&str> = text.split(separator).collect();
    parts.try_into().ok()
}

/// Parses `key=value` items separated by `,` (Alibaba) or `, ` (the others) into a map; a
/// repeated or value-less item makes the whole header malformed.
/// `Credential`, `SignedHeaders` and `Signature` of an `Authorization: <ALGORITHM> k=v, k=v, …`
/// header, as Alibaba, Volcengine and Tencent all write it.
struct AuthFields {
    credential: String,
    signed_headers: String,
    signature: String,
}

fn authorization_fields(table: &HeaderTable, algorithm: &str) -> Result<AuthFields, SignatureError> {
    let authorization = table.get("authorization").ok_or(SignatureError::Missing("Authorization"))?;
    let fields = authorization
        .strip_prefix(algorithm)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or(SignatureError::Malformed("Authorization"))?;
    let fields = parse_auth_fields(fields)?;
    let field = |name| fields.get(name).map(|v| v.to_string()).ok_or(SignatureError::Malformed("Authorization"));
    Ok(AuthFields { credential: field("Credential")?, signed_headers: field("SignedHeaders")?, signature: field("Signature")? })
}

impl RequestSignature {
    /// The signature with `Authorization` appended to the provider's other headers.
    fn new(mut headers_to_add: Vec<(String, String)>, canonical_request: String, string_to_sign: String, signature: String, authorization: String) -> Self {
        headers_to_add.push(("Authorization".to_owned(), authorization.clone()));
        RequestSignature { headers_to_add, canonical_request, string_to_sign, signature, authorization }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_encoding_keeps_only_unreserved_bytes() {
        assert_eq!(rfc3986_encode("a b+c*d~e/f", false), "a%20b%2Bc%2Ad~e%2Ff");
        assert_eq!(rfc3986_encode("/v1/a b", true), "/v1/a%20b");
        assert_eq!(
            rfc3986_encode("未命名", false),
            "%E6%9C%AA%E5%91%BD%E5%90%8D"
        );
        assert_eq!(
            rfc3986_encode("2016-02-23T12:46:24Z", false),
            "2016-02-23T12%3A46%3A24Z"
        );
    }

    #[test]
    fn sha256_of_empty_body() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn header_lookup_uses_host_field_and_joins_repeats() {
        let request = SignableRequest {
            host: "a.example".into(),
            headers: vec![
                ("Host".into(), "ignored".into()),
                ("X-A".into(), "1".into()),
                ("x-a".into(), "2".into()),
            ],
            ..Default::default()
        };
        assert_eq!(request.header("HOST").as_deref(), Some("a.example"));
        assert_eq!(request.header("x-a").as_deref(), Some("1,2"));
        assert_eq!(request.header("x-b"), None);
    }

    #[test]
    fn hmac_comparison_rejects_non_hex_claims() {
        let good = hex::encode(hmac_sha256(b"k", b"m"));
        assert!(hmac_sha256_matches(b"k", b"m", &good));
        assert!(!hmac_sha256_matches(b"k", b"m", "zz"));
        assert!(!hmac_sha256_matches(b"k", b"n", &good));
    }
}
