//! Alibaba Cloud V3 signature, `ACS3-HMAC-SHA256`.
//! Doc: https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature
//! (English: https://alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature).

use chrono::{DateTime, Utc};

use super::canonical::{canonical_query, HeaderTable, HeaderValues, QueryOrder};
use super::digest::sha256_hex;
use super::sigv4::{self, Received, Sigv4Format, Sigv4Scheme};
use super::verify::{header_time, parse_utc};
use super::{AccessKey, RequestSignature, SignableRequest, SignatureError};
use crate::secret::Secret;

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
const DATE_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// No V3 validity window is published; Alibaba's RPC timestamps are valid for 15 minutes, and
/// the same is assumed here (docs/providers.md, "Alibaba Cloud").
pub const ALLOWED_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// Signs `request` at time `at` with `nonce` as `x-acs-signature-nonce`.
///
/// Adds `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256` and `Authorization`.
/// Signs `host` and every other header of the request (the doc requires every common header
/// except Authorization to be signed; the official SDK signs all it sends), so the caller
/// should put `x-acs-action`, `x-acs-version` and any `content-type` into `request.headers`.
pub fn sign(request: &SignableRequest, key: AccessKey<'_>, at: DateTime<Utc>, nonce: &str) -> RequestSignature {
    let added = vec![
        ("x-acs-date".to_owned(), at.format(DATE_FORMAT).to_string()),
        ("x-acs-signature-nonce".to_owned(), nonce.to_owned()),
        ("x-acs-content-sha256".to_owned(), sha256_hex(&request.body)),
    ];
    sigv4::sign(&Acs3, request, key, added, |table| {
        table
            .names()
            .filter(|name| *name != "authorization")
            .map(str::to_owned)
            .collect()
    })
}

/// Checks a received request as Alibaba's gateway does. `secret_for` looks up the secret of
/// an access key id. Returns the access key id.
pub fn verify(request: &SignableRequest, secret_for: impl Fn(&str) -> Option<Secret>, now: DateTime<Utc>) -> Result<String, SignatureError> {
    sigv4::verify(request, secret_for, now, ALLOWED_SKEW, read_received, |table, signed| {
        // Every common header present must be signed: host and all x-acs-* headers.
        let unsigned_common = table
            .names()
            .filter(|name| *name == "host" || name.starts_with("x-acs-"))
            .any(|name| !signed.iter().any(|s| s == name));
        !unsigned_common && !signed.iter().any(|s| s == "authorization")
    })
}

/// The credential is the bare access key id; the time is `x-acs-date`, and a nonce is required.
fn read_received(table: &HeaderTable, credential: &str) -> Result<Received<Acs3>, SignatureError> {
    let (_, at) = header_time(table, "x-acs-date", "x-acs-date", |text| parse_utc(text, DATE_FORMAT))?;
    if table.get("x-acs-signature-nonce").is_none() {
        return Err(SignatureError::Missing("x-acs-signature-nonce"));
    }
    Ok(Received {
        scheme: Acs3,
        access_key_id: credential.to_owned(),
        at,
    })
}

/// ACS3 has no credential scope: the secret signs `ALGORITHM\nhex(sha256(canonical request))`.
struct Acs3;

impl Sigv4Scheme for Acs3 {
    const FORMAT: Sigv4Format = Sigv4Format::new(ALGORITHM, ",", HeaderValues::Trimmed);

    /// Sorted by the raw (unencoded) name, then names and values RFC 3986 encoded, `k=v` joined
    /// by `&`; an empty value is written `k=` (doc, "CanonicalQueryString"). The official SDKs
    /// sort the names before encoding them (darabonba-openapi `get_canonical_query_string`),
    /// which differs from sorting encoded names once a name holds a byte that gets escaped.
    fn canonical_query(&self, request: &SignableRequest) -> String {
        canonical_query(&request.query, QueryOrder::RawNames)
    }

    fn string_to_sign(&self, canonical_request: &str) -> String {
        format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()))
    }

    fn signing_key(&self, secret: &Secret) -> Vec<u8> {
        secret.expose().as_bytes().to_vec()
    }

    fn credential(&self, access_key_id: &str) -> String {
        access_key_id.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::test_support::{
        assert_all_mismatch, assert_common_refusals, lookup, signed_with_test_key,
        request, with_authorization,
    };
    use chrono::TimeZone;

    fn example_request() -> SignableRequest {
        request(
            "POST",
            "ecs.cn-shanghai.aliyuncs.com",
            "/",
            &[
                ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
                ("RegionId", "cn-shanghai"),
            ],
            &[("x-acs-action", "RunInstances"), ("x-acs-version", "2014-05-26")],
            b"",
        )
    }

    fn example_time() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2023, 10, 26, 10, 22, 32).unwrap()
    }

    /// ECS RunInstances, from the V3 doc's "固定参数值" example:
    /// https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature
    /// The doc publishes the Authorization; the canonical request is the doc's algorithm applied
    /// to its inputs, and its SHA-256 an independent computation. The doc's header
    /// table shows another date and nonce (09:01:01Z / d410180a…) that do not produce this
    /// signature; the values below (10:22:32Z / 3156853…) do.
    #[test]
    fn reproduces_published_run_instances_example() {
        let secret = Secret::new("YourAccessKeySecret");
        let key = AccessKey {
            id: "YourAccessKeyId",
            secret: &secret,
        };
        let signed = sign(
            &example_request(),
            key,
            example_time(),
            "3156853299f313e23d1673dc12e1703d",
        );

        assert_eq!(
            signed.canonical_request,
            "POST\n\
             /\n\
             ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\n\
             x-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\n\
             x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\
             \n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signed.string_to_sign,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signed.signature,
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(
            signed.authorization,
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;\
             x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(
            signed.headers_to_add,
            vec![
                ("x-acs-date".to_owned(), "2023-10-26T10:22:32Z".to_owned()),
                (
                    "x-acs-signature-nonce".to_owned(),
                    "3156853299f313e23d1673dc12e1703d".to_owned()
                ),
                (
                    "x-acs-content-sha256".to_owned(),
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned()
                ),
                ("Authorization".to_owned(), signed.authorization.clone()),
            ]
        );
    }

    fn signed_request(body: &[u8]) -> SignableRequest {
        let mut request = example_request();
        request.query.push(("Name".into(), "a b*~/未".into()));
        request.headers.push((
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        ));
        request.body = body.to_vec();
        signed_with_test_key(request, |request, key| sign(request, key, example_time(), "n-1"))
    }

    #[test]
    fn verifies_its_own_signature() {
        let request = signed_request(br#"{"a":1}"#);
        let later = example_time() + chrono::Duration::minutes(14);
        assert_eq!(verify(&request, lookup, later), Ok("ak1".to_owned()));
    }

    #[test]
    fn rejects_tampering() {
        let mut body = signed_request(br#"{"a":1}"#);
        body.body = br#"{"a":2}"#.to_vec();
        let mut query = signed_request(b"");
        query.query[0].1 = "other".into();
        let mut header = signed_request(b"");
        header.headers[0].1 = "DeleteInstance".into();
        let mut host = signed_request(b"");
        host.host = "ecs.cn-beijing.aliyuncs.com".into();
        assert_all_mismatch(
            |request| verify(request, lookup, example_time()),
            [body, query, header, host],
        );
    }

    #[test]
    fn rejects_stale_unknown_missing_and_unsigned() {
        let request = signed_request(b"");
        let skew = chrono::Duration::minutes(16);
        assert_common_refusals(
            &|request, secrets, now| verify(request, secrets, now),
            &request,
            example_time(),
            (example_time() + skew, Some(example_time() - skew)),
            ("Authorization", "Authorization"),
        );

        let mut extra = request.clone();
        extra
            .headers
            .push(("x-acs-security-token".into(), "t".into()));
        assert_eq!(
            verify(&extra, lookup, example_time()),
            Err(SignatureError::Malformed("SignedHeaders"))
        );

        let garbled = with_authorization(request, |_| "ACS3-HMAC-SHA256 Credential=ak1".into());
        assert_eq!(
            verify(&garbled, lookup, example_time()),
            Err(SignatureError::Malformed("Authorization"))
        );
    }
}
