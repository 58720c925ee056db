//! The signers' shared verification-test skeleton: one test key and its lookup, signing a
//! request with it, and the tamperings every scheme's tests apply.

use super::{AccessKey, RequestSignature, SignableRequest, SignatureError};
use crate::secret::Secret;

/// The test key's id; its secret is [`TEST_SECRET`].
pub const TEST_ID: &str = "ak1";
const TEST_SECRET: &str = "s3cret";

/// The test key's secret for `id`, as a gateway's key store answers.
pub fn lookup(id: &str) -> Option<Secret> {
    (id == TEST_ID).then(|| Secret::new(TEST_SECRET))
}

/// `request` signed by `sign` with the test key, the signature's headers added.
pub fn signed_with_test_key(
    mut request: SignableRequest,
    sign: impl FnOnce(&SignableRequest, AccessKey<'_>) -> RequestSignature,
) -> SignableRequest {
    let secret = Secret::new(TEST_SECRET);
    let key = AccessKey {
        id: TEST_ID,
        secret: &secret,
    };
    let signature = sign(&request, key);
    request.apply(&signature);
    request
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
