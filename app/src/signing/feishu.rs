//! Feishu (Lark) custom-bot webhook signature ("签名校验").
//! Doc: https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot ("把 timestamp + "\n" +
//! 密钥当做签名字符串，使用 HmacSHA256 算法计算签名，再进行 Base64 编码"), and the official
//! SignDemo (docs/providers.md, "Feishu").
//!
//! Unlike every other scheme here (and unlike DingTalk's), the string `"{timestamp}\n{secret}"`
//! is the HMAC **key** and the message is **empty**; the timestamp is in seconds and must lie
//! within an hour of the receiver's clock. The body carries both as top-level fields beside
//! `msg_type`: `"timestamp": "<secs>"`, `"sign": "<base64>"`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};

use super::digest::{hmac_sha256, hmac_sha256_equals};
use super::verify::within_window;
use super::SignatureError;
use crate::secret::Secret;

/// "距当前时间不超过 1 小时（3600 秒）", either way.
pub const WINDOW: TimeDelta = TimeDelta::hours(1);

/// The HMAC key: `"{timestamp}\n{secret}"`.
pub fn string_to_sign(timestamp: i64, secret: &Secret) -> String {
    format!("{timestamp}\n{}", secret.expose())
}

/// `base64(HMAC-SHA256(key = "{timestamp}\n{secret}", message = ""))`, `timestamp` in seconds.
pub fn sign(timestamp: i64, secret: &Secret) -> String {
    STANDARD.encode(hmac_sha256(string_to_sign(timestamp, secret).as_bytes(), b""))
}

/// Checks a received `timestamp` (seconds, as text or a JSON number's digits) and `sign` as
/// Feishu does: within [`WINDOW`] of `now`, and the signature matching in constant time.
pub fn verify(timestamp: &str, sign: &str, secret: &Secret, now: DateTime<Utc>) -> Result<(), SignatureError> {
    let seconds: i64 = timestamp.trim().parse().map_err(|_| SignatureError::Malformed("timestamp"))?;
    let at = DateTime::from_timestamp(seconds, 0).ok_or(SignatureError::Malformed("timestamp"))?;
    if !within_window(at, now, WINDOW) {
        return Err(SignatureError::Expired);
    }
    let claimed = STANDARD.decode(sign.trim()).map_err(|_| SignatureError::Malformed("sign"))?;
    if hmac_sha256_equals(string_to_sign(seconds, secret).as_bytes(), b"", &claimed) {
        Ok(())
    } else {
        // The string to sign holds the secret, so unlike the other schemes' mismatch it is not
        // carried in the error.
        Err(SignatureError::Mismatch { server_string_to_sign: String::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feishu publishes the algorithm but no input/output pair. This one is third-party
    /// (lonelyman0108/cfst-ddns, `internal/notify` test, computed with openssl) and was
    /// reproduced independently while writing this test:
    ///   python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
    ///     b'1700000000\nSECtest', b'', hashlib.sha256).digest()).decode())"
    ///   printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\nSECtest')" -binary | base64
    /// both print G7XpBpG8NgG02fJOAhX6FRAObIljmFoxVReo8I62pEk=.
    #[test]
    fn reproduces_the_worked_example() {
        let secret = Secret::new("SECtest");
        assert_eq!(string_to_sign(1_700_000_000, &secret), "1700000000\nSECtest");
        assert_eq!(sign(1_700_000_000, &secret), "G7XpBpG8NgG02fJOAhX6FRAObIljmFoxVReo8I62pEk=");
    }

    /// The doc's own timestamp with a second secret (Python's hmac, as above): a signer that
    /// swapped key and message (DingTalk's order) would give another value.
    #[test]
    fn key_is_the_string_and_message_is_empty() {
        let secret = Secret::new("demo-secret");
        assert_eq!(sign(1_599_360_473, &secret), "3/MaVZ8JLIy4TUG+7KSFJqvUkTKd+HWY8g+56DZWq8s=");
        let swapped = STANDARD.encode(hmac_sha256(b"demo-secret", b"1599360473\ndemo-secret"));
        assert_ne!(sign(1_599_360_473, &secret), swapped);
    }

    #[test]
    fn verify_accepts_within_the_hour_and_refuses_the_rest() {
        let secret = Secret::new("SECtest");
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let good = sign(1_700_000_000, &secret);
        assert_eq!(verify("1700000000", &good, &secret, at + TimeDelta::minutes(59)), Ok(()));
        assert_eq!(verify("1700000000", &good, &secret, at - TimeDelta::minutes(59)), Ok(()));
        assert_eq!(verify("1700000000", &good, &secret, at + TimeDelta::minutes(61)), Err(SignatureError::Expired));
        assert_eq!(verify("1700000000", &good, &secret, at - TimeDelta::minutes(61)), Err(SignatureError::Expired));
        assert!(matches!(verify("1700000000", &good, &Secret::new("other"), at), Err(SignatureError::Mismatch { .. })));
        assert!(matches!(verify("1700000001", &good, &secret, at), Err(SignatureError::Mismatch { .. })));
        assert_eq!(verify("17e8", &good, &secret, at), Err(SignatureError::Malformed("timestamp")));
        assert_eq!(verify("1700000000", "not base64!", &secret, at), Err(SignatureError::Malformed("sign")));
    }
}
