//! Request signing for the cloud billing APIs, and the matching verification a simulator runs.
//!
//! Every signer is a pure function: the caller passes the time (and nonce) explicitly, so the
//! providers' published worked examples can be reproduced byte for byte in the tests.
//! Each `verify` recomputes the signature from the received request the way the provider's
//! server does, and answers with the access key id or a [`SignatureError`].
//!
//! The four schemes share one skeleton (`canonical`: canonical URI, query, headers and signed
//! list, payload hash; `digest`: HMAC-SHA256 and SHA-256; `encode`: RFC 3986 encoding;
//! `verify`: the Authorization fields and the final comparison); the three SigV4-shaped ones
//! (ACS3, TC3, Volcengine) also share the whole sign and verify sequence (`sigv4`). Each
//! provider's module keeps only what differs: its added headers, query order, string to sign,
//! signing key and credential.
//!
//! [`feishu`] signs a webhook body rather than a request: a timestamp and secret, no request parts.
//!
//! Alibaba's older RPC signature (V1, HMAC-SHA1) is not implemented: it needs SHA-1, which is
//! not a dependency of this crate. The V3 signature ([`acs3`]) replaces it.

pub mod acs3;
pub mod bce;
mod canonical;
mod digest;
mod encode;
pub mod feishu;
mod sigv4;
pub mod tc3;
mod verify;
pub mod volcengine;

#[cfg(test)]
mod test_support;

pub use digest::{hmac_sha256, sha256_hex};
pub use encode::rfc3986_encode;

/// The query string a client sends for `query`: names and values RFC 3986 encoded, `k=v` in the
/// order given, joined by `&`. Tencent signs exactly these bytes; the other schemes' canonical
/// queries decode to the same pairs.
pub fn encoded_query(query: &[(String, String)]) -> String {
    canonical::canonical_query(query, canonical::QueryOrder::AsGiven)
}

use crate::secret::Secret;
use canonical::HeaderTable;

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

impl HeadersToSign<'_> {
    /// The lower-case, sorted names to sign; `default` computes the provider's set.
    fn resolve(self, default: impl FnOnce() -> Vec<String>) -> Vec<String> {
        match self {
            HeadersToSign::ProviderDefault => default(),
            HeadersToSign::Only(names) => canonical::normalized_names(names.iter().copied()),
        }
    }
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

impl RequestSignature {
    /// The signature with `Authorization` appended to the provider's other headers.
    fn new(
        mut headers_to_add: Vec<(String, String)>,
        canonical_request: String,
        string_to_sign: String,
        signature: String,
        authorization: String,
    ) -> Self {
        headers_to_add.push(("Authorization".to_owned(), authorization.clone()));
        RequestSignature {
            headers_to_add,
            canonical_request,
            string_to_sign,
            signature,
            authorization,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
