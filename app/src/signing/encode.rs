//! RFC 3986 percent-encoding as all four providers specify it, on the `percent-encoding` crate:
//! `A-Z a-z 0-9 - _ . ~` stay, every other UTF-8 byte becomes `%XY` with upper-case hex, space
//! is `%20` (never `+`: `url`'s form encoder writes `+`, so it does not fit).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Query names and values, header names and values (Baidu): everything but RFC 3986's
/// unreserved characters is escaped, `/` included.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Paths: [`UNRESERVED`] with `/` kept (Alibaba's CanonicalURI, Baidu's `UriEncodeExceptSlash`,
/// the SigV4 canonical URI of Tencent and Volcengine).
pub const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// `input` encoded with [`UNRESERVED`], or with [`PATH`] when `keep_slash`.
pub fn rfc3986_encode(input: &str, keep_slash: bool) -> String {
    let set = if keep_slash { PATH } else { UNRESERVED };
    utf8_percent_encode(input, set).to_string()
}

/// A path as the signers encode it.
pub(super) fn path(input: &str) -> String {
    utf8_percent_encode(input, PATH).to_string()
}

/// A query name or value, or a header name or value (Baidu), as the signers encode it.
pub(super) fn component(input: &str) -> String {
    utf8_percent_encode(input, UNRESERVED).to_string()
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

    /// Every ASCII byte: exactly the unreserved ones (and `/` in a path) pass unchanged.
    #[test]
    fn escapes_every_reserved_ascii_byte() {
        for byte in 0u8..=127 {
            let text = char::from(byte).to_string();
            let unreserved = byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte);
            let expected = if unreserved { text.clone() } else { format!("%{byte:02X}") };
            assert_eq!(component(&text), expected, "byte {byte}");
            let in_path = if byte == b'/' { text.clone() } else { expected };
            assert_eq!(path(&text), in_path, "byte {byte} in a path");
        }
    }
}
