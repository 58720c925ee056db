//! The signers' shared verification-test skeleton: one test key and its lookup, signing a
//! request with it, and the tamperings every scheme's tests apply.

use chrono::{DateTime, Utc};

use super::{AccessKey, RequestSignature, SignableRequest, SignatureError};
use crate::secret::Secret;
use crate::url_query::raw_query;

/// The test key's id; its secret is [`TEST_SECRET`].
pub const TEST_ID: &str = "ak1";
const TEST_SECRET: &str = "s3cret";

/// The test key's secret for `id`, as a gateway's key store answers.
pub fn lookup(id: &str) -> Option<Secret> {
    key_store(TEST_ID, TEST_SECRET)(id)
}

/// A gateway's key store that knows one key (a published example's).
pub fn key_store(known_id: &'static str, secret: &'static str) -> impl Fn(&str) -> Option<Secret> {
    move |id| (id == known_id).then(|| Secret::new(secret))
}

/// What `sign` computes with the key `id` whose secret is `secret`.
pub fn sign_with_key(
    id: &str,
    secret: &str,
    sign: impl FnOnce(AccessKey<'_>) -> RequestSignature,
) -> RequestSignature {
    let secret = Secret::new(secret);
    sign(AccessKey {
        id,
        secret: &secret,
    })
}

/// `request` signed by `sign` with the key `id`, the signature's headers added.
pub fn signed_with_key(
    id: &str,
    secret: &str,
    mut request: SignableRequest,
    sign: impl FnOnce(&SignableRequest, AccessKey<'_>) -> RequestSignature,
) -> SignableRequest {
    let signature = sign_with_key(id, secret, |key| sign(&request, key));
    request.apply(&signature);
    request
}

/// `request` signed by `sign` with the test key, the signature's headers added.
pub fn signed_with_test_key(
    request: SignableRequest,
    sign: impl FnOnce(&SignableRequest, AccessKey<'_>) -> RequestSignature,
) -> SignableRequest {
    signed_with_key(TEST_ID, TEST_SECRET, request, sign)
}

/// A scheme's `verify` with the key store and the time as arguments.
pub type Verifier<'a> = &'a dyn Fn(
    &SignableRequest,
    &dyn Fn(&str) -> Option<Secret>,
    DateTime<Utc>,
) -> Result<String, SignatureError>;

/// The refusals every scheme makes of a `request` signed with the test key at `at`: verified
/// at `late` (and at `early`, where the scheme bounds the future), it has expired; a gateway
/// without the key does not know it; without the header `required.0` it is missing `required.1`.
pub fn assert_common_refusals(
    verify: Verifier<'_>,
    request: &SignableRequest,
    at: DateTime<Utc>,
    (late, early): (DateTime<Utc>, Option<DateTime<Utc>>),
    required: (&str, &'static str),
) {
    assert_eq!(verify(request, &lookup, late), Err(SignatureError::Expired));
    if let Some(early) = early {
        assert_eq!(verify(request, &lookup, early), Err(SignatureError::Expired));
    }
    assert_eq!(
        verify(request, &|_| None, at),
        Err(SignatureError::UnknownKey(TEST_ID.into()))
    );
    let (name, label) = required;
    assert_eq!(
        verify(&without_header(request.clone(), name), &lookup, at),
        Err(SignatureError::Missing(label))
    );
}

/// Asserts that `verify` refuses every one of `requests` as a signature mismatch.
pub fn assert_all_mismatch(
    verify: impl Fn(&SignableRequest) -> Result<String, SignatureError>,
    requests: impl IntoIterator<Item = SignableRequest>,
) {
    for (index, request) in requests.into_iter().enumerate() {
        let verdict = verify(&request);
        assert!(
            matches!(verdict, Err(SignatureError::Mismatch { .. })),
            "tampered request {index}: {verdict:?}"
        );
    }
}

/// `request` with its `Authorization` value replaced by `edit(old value)`.
pub fn with_authorization(
    mut request: SignableRequest,
    edit: impl Fn(&str) -> String,
) -> SignableRequest {
    for (name, value) in &mut request.headers {
        if name == "Authorization" {
            *value = edit(value);
        }
    }
    request
}

/// `request` without the header `name` (exact spelling).
pub fn without_header(mut request: SignableRequest, name: &str) -> SignableRequest {
    request.headers.retain(|(n, _)| n != name);
    request
}

/// A request from its parts, the pairs as `(name, value)`.
pub fn request(
    method: &str,
    host: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: &[u8],
) -> SignableRequest {
    SignableRequest {
        method: method.into(),
        host: host.into(),
        path: path.into(),
        query: raw_query(query),
        headers: raw_query(headers),
        body: body.to_vec(),
    }
}
