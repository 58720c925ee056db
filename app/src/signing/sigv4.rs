//! The signing and verification skeleton of the SigV4-shaped schemes (ACS3, TC3, Volcengine):
//! the header table, the signed list, the canonical request, the HMAC and the
//! `ALGORITHM Credential=…, SignedHeaders=…, Signature=…` header, and on the server side the
//! same steps with the window, key lookup and comparison. A scheme ([`Sigv4Scheme`]) supplies
//! only its query order, string to sign, signing key and credential.

use chrono::{DateTime, Utc};

use super::canonical::{normalized_names, sigv4_request, HeaderTable, HeaderValues};
use super::digest::hmac_sha256_hex;
use super::verify::{authorization_fields, authorization_header, compare, secret_of, within_window};
use super::{AccessKey, RequestSignature, SignableRequest, SignatureError};
use crate::secret::Secret;

/// How a scheme writes its fixed parts.
pub(super) struct Sigv4Format {
    algorithm: &'static str,
    /// Between the Authorization's fields: `,` (Alibaba) or `, ` (Tencent, Volcengine).
    field_separator: &'static str,
    header_values: HeaderValues,
}

impl Sigv4Format {
    pub(super) const fn new(algorithm: &'static str, field_separator: &'static str, header_values: HeaderValues) -> Self {
        Sigv4Format {
            algorithm,
            field_separator,
            header_values,
        }
    }
}

/// What one SigV4-shaped scheme decides, for one request (its time, region, service).
pub(super) trait Sigv4Scheme {
    const FORMAT: Sigv4Format;

    /// The canonical query of `request`, in the scheme's order.
    fn canonical_query(&self, request: &SignableRequest) -> String;

    /// The text the final HMAC signs.
    fn string_to_sign(&self, canonical_request: &str) -> String;

    /// The final HMAC's key.
    fn signing_key(&self, secret: &Secret) -> Vec<u8>;

    /// The Authorization's `Credential` of `access_key_id`.
    fn credential(&self, access_key_id: &str) -> String;

    fn canonical_request(&self, request: &SignableRequest, table: &HeaderTable, signed: &[String]) -> String {
        let query = self.canonical_query(request);
        sigv4_request(request, &query, table, signed, Self::FORMAT.header_values)
    }
}

/// Signs `request` with `added` set (replacing same-named headers) and the headers
/// `signed_names` picks from the resulting table (lower-case, sorted) covered.
pub(super) fn sign<S: Sigv4Scheme>(
    scheme: &S,
    request: &SignableRequest,
    key: AccessKey<'_>,
    added: Vec<(String, String)>,
    signed_names: impl FnOnce(&HeaderTable) -> Vec<String>,
) -> RequestSignature {
    let table = HeaderTable::from_request(request, &added);
    let signed = signed_names(&table);
    let canonical_request = scheme.canonical_request(request, &table, &signed);
    let string_to_sign = scheme.string_to_sign(&canonical_request);
    let signature = hmac_sha256_hex(&scheme.signing_key(key.secret), string_to_sign.as_bytes());
    let credential = scheme.credential(key.id);
    let Sigv4Format {
        algorithm,
        field_separator,
        ..
    } = S::FORMAT;
    let authorization = authorization_header(algorithm, &credential, &signed, &signature, field_separator);
    RequestSignature::new(added, canonical_request, string_to_sign, signature, authorization)
}

/// What a scheme reads from a received request (its credential and date headers) before the
/// common checks.
pub(super) struct Received<S> {
    pub(super) scheme: S,
    pub(super) access_key_id: String,
    /// When the client says it signed.
    pub(super) at: DateTime<Utc>,
}

/// The server's side of [`sign`]: `read` takes the scheme's parts from the header table and the
/// Authorization's `Credential`; `signed_ok` checks the signed list (sorted, lower-case) covers
/// what the scheme requires. Then the window, the key and the signature, in that order.
/// Returns the access key id.
pub(super) fn verify<S: Sigv4Scheme>(
    request: &SignableRequest,
    secret_for: impl Fn(&str) -> Option<Secret>,
    now: DateTime<Utc>,
    allowed_skew: chrono::Duration,
    read: impl FnOnce(&HeaderTable, &str) -> Result<Received<S>, SignatureError>,
    signed_ok: impl FnOnce(&HeaderTable, &[String]) -> bool,
) -> Result<String, SignatureError> {
    let table = HeaderTable::from_request(request, &[]);
    let fields = authorization_fields(&table, S::FORMAT.algorithm)?;
    let Received {
        scheme,
        access_key_id,
        at,
    } = read(&table, fields.credential.as_str())?;
    let signed = normalized_names(fields.signed_headers.split(';'));
    if !signed_ok(&table, signed.as_slice()) {
        return Err(SignatureError::Malformed("SignedHeaders"));
    }
    if !within_window(at, now, allowed_skew) {
        return Err(SignatureError::Expired);
    }
    let secret = secret_of(secret_for, &access_key_id)?;
    let string_to_sign = scheme.string_to_sign(&scheme.canonical_request(request, &table, &signed));
    compare(&scheme.signing_key(&secret), string_to_sign, &fields.signature, &access_key_id)
}

/// Whether `signed` lists every one of `required`.
pub(super) fn signs_all(signed: &[String], required: &[&str]) -> bool {
    required
        .iter()
        .all(|required| signed.iter().any(|s| s == required))
}
