//! Tencent Cloud API 3.0 signature, `TC3-HMAC-SHA256`.
//! Doc: "Signature v3", e.g. https://www.tencentcloud.com/ko/document/product/1271/71919;
//! SDK `tencentcloud-sdk-go/tencentcloud/common/client.go` (`sendWithSignatureV3`).

use chrono::{DateTime, Utc};

use super::canonical::{normalized_names, sigv4_string_to_sign, HeaderTable, HeaderValues};
use super::digest::hmac_sha256;
use super::sigv4::{self, signs_all, Received, Sigv4Format, Sigv4Scheme};
use super::verify::{header_time, split_exact};
use super::{AccessKey, HeadersToSign, RequestSignature, SignableRequest, SignatureError};
use crate::secret::Secret;

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
const SCOPE_TERMINATOR: &str = "tc3_request";
/// The doc requires these two to be signed.
const REQUIRED_SIGNED: [&str; 2] = ["content-type", "host"];

/// The doc: `X-TC-Timestamp` must be within 5 minutes of server time.
pub const ALLOWED_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Signs `request` at time `at` for `service` (`billing`). The service is fixed per API, as the
/// SDKs fix it, never read from the host: a custom endpoint (a proxy, 127.0.0.1) must still sign
/// `…/billing/tc3_request`.
///
/// Adds `X-TC-Timestamp` and `Authorization`. The caller puts `Content-Type`, `X-TC-Action`,
/// `X-TC-Version` (and `X-TC-Region` where needed) into `request.headers`. The default signed
/// set is the Go SDK's, `content-type;host`; the server also accepts more (e.g. `x-tc-action`).
pub fn sign(request: &SignableRequest, key: AccessKey<'_>, at: DateTime<Utc>, service: &str, headers_to_sign: HeadersToSign<'_>) -> RequestSignature {
    let query = encoded_query(&request.query);
    sign_sent_query(request, &query, key, at, service, headers_to_sign)
}

/// [`sign`] for a GET whose query string is sent as `sent_query` rather than as
/// [`encoded_query`] writes it (the Python SDK form-encodes: space as `+`).
pub fn sign_sent_query(
    request: &SignableRequest,
    sent_query: &str,
    key: AccessKey<'_>,
    at: DateTime<Utc>,
    service: &str,
    headers_to_sign: HeadersToSign<'_>,
) -> RequestSignature {
    let scheme = Tc3::new(at.timestamp().to_string(), at, service, sent_query);
    let added = vec![("X-TC-Timestamp".to_owned(), scheme.timestamp.clone())];
    sigv4::sign(&scheme, request, key, added, |_| {
        headers_to_sign.resolve(|| normalized_names(REQUIRED_SIGNED))
    })
}

/// Checks a received request as Tencent's gateway does. The date and service in the string to
/// sign are the server's own (from `X-TC-Timestamp` and the API's `service`), so a credential
/// scope that disagrees with them ends in `Mismatch`. `raw_query` is the query string exactly as
/// received (what follows `?`): a GET signs it as sent, and decoding and re-encoding it would
/// turn the SDK's `+` into `%20`. Returns the SecretId.
pub fn verify(
    request: &SignableRequest,
    raw_query: &str,
    service: &str,
    secret_for: impl Fn(&str) -> Option<Secret>,
    now: DateTime<Utc>,
) -> Result<String, SignatureError> {
    let read = |table: &HeaderTable, credential: &str| read_received(table, credential, service, raw_query);
    sigv4::verify(request, secret_for, now, ALLOWED_SKEW, read, |_, signed| {
        signs_all(signed, &REQUIRED_SIGNED)
    })
}

/// The credential's first part is the SecretId (its date and service are not trusted: the
/// server's own go into the string to sign); the time is `X-TC-Timestamp`, signed as received.
fn read_received<'a>(
    table: &HeaderTable,
    credential: &str,
    service: &'a str,
    raw_query: &'a str,
) -> Result<Received<Tc3<'a>>, SignatureError> {
    let [secret_id, _, _, _] =
        split_exact(credential, '/').ok_or(SignatureError::Malformed("Credential"))?;
    let (timestamp, at) = header_time(table, "x-tc-timestamp", "X-TC-Timestamp", |text| {
        DateTime::from_timestamp(text.parse::<i64>().ok()?, 0)
    })?;
    Ok(Received {
        scheme: Tc3::new(timestamp, at, service, raw_query),
        access_key_id: secret_id.to_owned(),
        at,
    })
}

/// The doc signs the URL's query string as sent, not sorted: the caller must send exactly
/// what [`encoded_query`] writes.
pub use super::encoded_query;

/// One request's scope: its timestamp, that day, the API's service and the query as sent.
struct Tc3<'a> {
    timestamp: String,
    date: String,
    service: &'a str,
    query: &'a str,
}

impl<'a> Tc3<'a> {
    /// `timestamp` is the `X-TC-Timestamp` text, `at` the time it names.
    fn new(timestamp: String, at: DateTime<Utc>, service: &'a str, query: &'a str) -> Self {
        Tc3 {
            timestamp,
            date: at.format("%Y-%m-%d").to_string(),
            service,
            query,
        }
    }

    fn credential_scope(&self) -> String {
        format!("{}/{}/{SCOPE_TERMINATOR}", self.date, self.service)
    }
}

impl Sigv4Scheme for Tc3<'_> {
    /// Header values are lower-cased as well as names (the doc: "key and value both lower
    /// case").
    const FORMAT: Sigv4Format = Sigv4Format::new(ALGORITHM, ", ", HeaderValues::TrimmedLowercase);

    /// The query string as sent; POST signs an empty one.
    fn canonical_query(&self, request: &SignableRequest) -> String {
        if request.method.eq_ignore_ascii_case("POST") {
            String::new()
        } else {
            self.query.to_owned()
        }
    }

    fn string_to_sign(&self, canonical_request: &str) -> String {
        sigv4_string_to_sign(ALGORITHM, &self.timestamp, &self.credential_scope(), canonical_request)
    }

    fn signing_key(&self, secret: &Secret) -> Vec<u8> {
        let secret_date = hmac_sha256(
            format!("TC3{}", secret.expose()).as_bytes(),
            self.date.as_bytes(),
        );
        let secret_service = hmac_sha256(&secret_date, self.service.as_bytes());
        hmac_sha256(&secret_service, SCOPE_TERMINATOR.as_bytes()).to_vec()
    }

    fn credential(&self, access_key_id: &str) -> String {
        format!("{access_key_id}/{}", self.credential_scope())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::sha256_hex;
    use crate::signing::test_support::{
        assert_all_mismatch, assert_common_refusals, key_store, lookup, sign_with_key,
        request, signed_with_key, signed_with_test_key, with_authorization, TEST_ID,
    };

    const EXAMPLE_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    const EXAMPLE_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    /// The doc's exact body bytes: the `\u` escapes are literal text, not UTF-8.
    const EXAMPLE_BODY: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn example_request() -> SignableRequest {
        request(
            "POST",
            "cvm.tencentcloudapi.com",
            "/",
            &[],
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Host", "cvm.tencentcloudapi.com"),
                ("X-TC-Action", "DescribeInstances"),
                ("X-TC-Version", "2017-03-12"),
                ("X-TC-Region", "ap-guangzhou"),
            ],
            EXAMPLE_BODY.as_bytes(),
        )
    }

    fn example_time() -> DateTime<Utc> {
        DateTime::from_timestamp(1_551_113_065, 0).unwrap()
    }

    /// The published example request signed with its key for `cvm`.
    fn sign_example(headers_to_sign: HeadersToSign<'_>) -> RequestSignature {
        sign_with_key(EXAMPLE_ID, EXAMPLE_KEY, |key| {
            sign(&example_request(), key, example_time(), "cvm", headers_to_sign)
        })
    }

    /// CVM DescribeInstances, Tencent "Signature v3" doc
    /// (https://www.tencentcloud.com/ko/document/product/1271/71919), read from a repository
    /// copy of its text.
    #[test]
    fn reproduces_published_describe_instances_example() {
        let signed = sign_example(HeadersToSign::ProviderDefault);

        assert_eq!(
            sha256_hex(EXAMPLE_BODY.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            signed.canonical_request,
            "POST\n\
             /\n\
             \n\
             content-type:application/json; charset=utf-8\n\
             host:cvm.tencentcloudapi.com\n\
             \n\
             content-type;host\n\
             35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            signed.string_to_sign,
            "TC3-HMAC-SHA256\n\
             1551113065\n\
             2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            signed.signature,
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        assert_eq!(
            signed.authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/\
             tc3_request, SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        assert_eq!(
            signed.headers_to_add[0],
            ("X-TC-Timestamp".to_owned(), "1551113065".to_owned())
        );
    }

    /// Not published: an independent computation of the same request also signing
    /// `x-tc-action` (value lower-cased), as Tencent's signature-process-demo does.
    #[test]
    fn reproduces_unpublished_variant_signing_action() {
        let signed = sign_example(HeadersToSign::Only(&["content-type", "host", "x-tc-action"]));
        assert!(signed
            .canonical_request
            .contains("x-tc-action:describeinstances\n"));
        assert_eq!(
            signed.signature,
            "644be983de9a8a3f00db8eadaba61467c3b429e2215758ba897b738ca469fd26"
        );
    }

    fn signed_request(body: &[u8]) -> SignableRequest {
        let mut request = example_request();
        request.host = "billing.tencentcloudapi.com".into();
        request.body = body.to_vec();
        if body.is_empty() {
            request.method = "GET".into();
            request.query = vec![
                ("Limit".into(), "10".into()),
                ("Name".into(), "a b*~/未".into()),
            ];
            request.headers[0].1 = "application/x-www-form-urlencoded".into();
        }
        signed_with_test_key(request, |request, key| {
            sign(
                request,
                key,
                example_time(),
                "billing",
                HeadersToSign::Only(&["content-type", "host", "x-tc-action"]),
            )
        })
    }

    /// Verifies a test request for `billing`, its query as the client sends it.
    fn check(
        request: &SignableRequest,
        secret_for: impl Fn(&str) -> Option<Secret>,
        now: DateTime<Utc>,
    ) -> Result<String, SignatureError> {
        verify(request, &encoded_query(&request.query), "billing", secret_for, now)
    }

    #[test]
    fn verifies_its_own_signature_and_the_published_example() {
        let later = example_time() + chrono::Duration::minutes(4);
        for body in [&br#"{"BeginTime":"2024-05","EndTime":"2024-05"}"#[..], b""] {
            assert_eq!(
                check(&signed_request(body), lookup, later),
                Ok(TEST_ID.to_owned())
            );
        }

        let example = signed_with_key(EXAMPLE_ID, EXAMPLE_KEY, example_request(), |request, key| {
            sign(request, key, example_time(), "cvm", HeadersToSign::ProviderDefault)
        });
        assert_eq!(
            verify(&example, "", "cvm", key_store(EXAMPLE_ID, EXAMPLE_KEY), example_time()),
            Ok(EXAMPLE_ID.to_owned())
        );
    }

    #[test]
    fn rejects_tampering() {
        let mut body = signed_request(br#"{"BeginTime":"2024-05"}"#);
        body.body = br#"{"BeginTime":"2024-04"}"#.to_vec();
        let mut header = signed_request(b"");
        header.headers[2].1 = "DescribeBillDetail".into();
        let mut host = signed_request(b"");
        host.host = "cvm.tencentcloudapi.com".into();
        let mut query = signed_request(b"");
        query.query[0].1 = "100".into();
        assert_all_mismatch(
            |request| check(request, lookup, example_time()),
            [body, header, host, query],
        );
    }

    #[test]
    fn rejects_stale_unknown_missing_and_malformed() {
        let request = signed_request(b"");
        assert_common_refusals(
            &|request, secrets, now| check(request, secrets, now),
            &request,
            example_time(),
            (example_time() + chrono::Duration::minutes(6), None),
            ("X-TC-Timestamp", "X-TC-Timestamp"),
        );

        let unsigned_host = with_authorization(request, |value| {
            value.replace("SignedHeaders=content-type;host;", "SignedHeaders=content-type;")
        });
        assert_eq!(
            check(&unsigned_host, lookup, example_time()),
            Err(SignatureError::Malformed("SignedHeaders"))
        );
    }

    #[test]
    fn the_service_is_the_apis_not_the_hosts_first_label() {
        let mut request = signed_request(br#"{"BeginTime":"2024-05"}"#);
        request.headers.retain(|(n, _)| n != "Authorization" && n != "X-TC-Timestamp");
        request.host = "127.0.0.1:8080".into();
        let request = signed_with_test_key(request, |request, key| {
            let signed = sign(request, key, example_time(), "billing", HeadersToSign::ProviderDefault);
            assert!(signed.string_to_sign.contains("/billing/tc3_request\n"));
            assert!(signed.authorization.contains("/2019-02-25/billing/tc3_request, "));
            signed
        });
        assert_eq!(check(&request, lookup, example_time()), Ok(TEST_ID.to_owned()));
        assert!(matches!(
            verify(&request, "", "cvm", lookup, example_time()),
            Err(SignatureError::Mismatch { .. })
        ));
    }

    /// The Python SDK sends a GET's parameters form-encoded (`urlencode`: space as `+`) and signs
    /// that very string; the server must verify the bytes received, not a re-encoding.
    #[test]
    fn a_get_is_verified_against_the_query_as_received() {
        let mut request = signed_request(b"");
        request.headers.retain(|(n, _)| n != "Authorization" && n != "X-TC-Timestamp");
        request.query = vec![("Name".into(), "a b".into()), ("Limit".into(), "10".into())];
        let raw = "Name=a+b&Limit=10";
        let request = signed_with_test_key(request, |request, key| {
            let signed = sign_sent_query(
                request,
                raw,
                key,
                example_time(),
                "billing",
                HeadersToSign::ProviderDefault,
            );
            assert!(signed.canonical_request.starts_with("GET\n/\nName=a+b&Limit=10\n"));
            signed
        });
        assert_eq!(
            verify(&request, raw, "billing", lookup, example_time()),
            Ok(TEST_ID.to_owned())
        );
        // Re-encoding the decoded pairs gives `a%20b`, which is not what was signed.
        assert!(matches!(
            check(&request, lookup, example_time()),
            Err(SignatureError::Mismatch { .. })
        ));
    }
}
