//! The canonical-request skeleton the four schemes share: the header table, the canonical URI,
//! the canonical query (in each provider's order), the canonical headers with their signed list,
//! and the payload hash. ACS3, TC3 and Volcengine write them in one SigV4-shaped text
//! ([`sigv4_request`]); Baidu assembles the same parts its own way (`bce.rs`).

use std::collections::BTreeMap;

use super::digest::sha256_hex;
use super::{encode, SignableRequest};

/// Lower-cased header names mapped to their values, with `host` from the request's host and
/// `added` replacing any same-named header the request already had.
pub(super) struct HeaderTable {
    values: BTreeMap<String, Vec<String>>,
}

impl HeaderTable {
    pub(super) fn from_request(request: &SignableRequest, added: &[(String, String)]) -> Self {
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

    pub(super) fn get(&self, name: &str) -> Option<String> {
        self.values
            .get(&name.to_ascii_lowercase())
            .map(|v| v.join(","))
    }

    /// Sorted lower-case names.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

/// Lower-case, sorted, de-duplicated names.
pub(super) fn normalized_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = names.into_iter().map(str::to_ascii_lowercase).collect();
    names.sort();
    names.dedup();
    names
}

/// The request's method in upper case and its path encoded with `/` kept.
pub(super) fn method_and_uri(request: &SignableRequest) -> (String, String) {
    (request.method.to_ascii_uppercase(), encode::path(&request.path))
}

/// In what order a scheme writes the `name=value` pairs of its canonical query.
#[derive(Clone, Copy, Debug)]
pub(super) enum QueryOrder {
    /// As given: the query string exactly as sent (Tencent signs it unsorted).
    AsGiven,
    /// Sorted by the raw (unencoded) name, stable for repeats (Alibaba's SDKs).
    RawNames,
    /// Sorted by encoded name, then encoded value (Volcengine's SDK).
    EncodedPairs,
    /// Sorted as encoded `name=value` text (Baidu's Go SDK).
    EncodedText,
}

/// Names and values RFC 3986 encoded, `name=value` (`name=` when empty) in `order`, joined by
/// `&`. The orders differ once a name holds a byte that gets escaped, or is a prefix of another.
pub(super) fn canonical_query(query: &[(String, String)], order: QueryOrder) -> String {
    let mut raw: Vec<&(String, String)> = query.iter().collect();
    if let QueryOrder::RawNames = order {
        raw.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut pairs: Vec<(String, String)> = raw
        .into_iter()
        .map(|(k, v)| (encode::component(k), encode::component(v)))
        .collect();
    if let QueryOrder::EncodedPairs = order {
        pairs.sort();
    }
    let mut items: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if let QueryOrder::EncodedText = order {
        items.sort();
    }
    items.join("&")
}

/// How a scheme writes a signed header's value in the canonical headers.
#[derive(Clone, Copy, Debug)]
pub(super) enum HeaderValues {
    Trimmed,
    /// Tencent: "key and value both lower case".
    TrimmedLowercase,
}

/// `METHOD\nURI\nQUERY\nname:value\n…\n\nsigned;names\nhex(sha256(body))`, the canonical request
/// of ACS3, TC3 and Volcengine. `query` is the scheme's canonical query; `signed` the sorted
/// lower-case names.
pub(super) fn sigv4_request(
    request: &SignableRequest,
    query: &str,
    table: &HeaderTable,
    signed: &[String],
    values: HeaderValues,
) -> String {
    let (method, uri) = method_and_uri(request);
    let canonical_headers: String = signed
        .iter()
        .map(|name| {
            let value = table.get(name).unwrap_or_default();
            let value = value.trim();
            match values {
                HeaderValues::Trimmed => format!("{name}:{value}\n"),
                HeaderValues::TrimmedLowercase => format!("{name}:{}\n", value.to_lowercase()),
            }
        })
        .collect();
    format!(
        "{method}\n{uri}\n{query}\n{canonical_headers}\n{}\n{}",
        signed.join(";"),
        sha256_hex(&request.body)
    )
}

/// `ALGORITHM\nrequest time\ncredential scope\nhex(sha256(canonical request))`: the string to
/// sign of TC3 and Volcengine.
pub(super) fn sigv4_string_to_sign(algorithm: &str, time: &str, scope: &str, canonical_request: &str) -> String {
    format!("{algorithm}\n{time}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_query::raw_query as pairs;

    /// One query, four orders: `é` sorts after `Z` raw but before it encoded, and `a` is a
    /// prefix of `a-b` (`=` sorts after `-` as text, but the shorter name first as a pair).
    #[test]
    fn query_orders_differ_where_the_providers_do() {
        let query = pairs(&[("é", "1"), ("Z", "2"), ("a-b", "3"), ("a", "4")]);
        assert_eq!(canonical_query(&query, QueryOrder::AsGiven), "%C3%A9=1&Z=2&a-b=3&a=4");
        assert_eq!(canonical_query(&query, QueryOrder::RawNames), "Z=2&a=4&a-b=3&%C3%A9=1");
        assert_eq!(canonical_query(&query, QueryOrder::EncodedPairs), "%C3%A9=1&Z=2&a=4&a-b=3");
        assert_eq!(canonical_query(&query, QueryOrder::EncodedText), "%C3%A9=1&Z=2&a-b=3&a=4");
        assert_eq!(canonical_query(&pairs(&[("k", "")]), QueryOrder::AsGiven), "k=");
    }

    /// The providers' SDKs on one more query each: Alibaba's sort raw names (`é` after `Z`),
    /// Volcengine's the encoded pairs (`%C3%A9` before letters).
    #[test]
    fn query_orders_of_the_sdks() {
        let cases = [
            (&[("é", "1"), ("Z", "2"), ("a b", "3"), ("a_b", "4")], QueryOrder::RawNames, "Z=2&a%20b=3&a_b=4&%C3%A9=1"),
            (&[("Z", "2"), ("é", "1"), ("a_b", "4"), ("a b", "3")], QueryOrder::EncodedPairs, "%C3%A9=1&Z=2&a%20b=3&a_b=4"),
        ];
        for (query, order, expected) in cases {
            assert_eq!(canonical_query(&pairs(query), order), expected, "{order:?}");
        }
    }

    #[test]
    fn sigv4_request_lists_signed_headers_in_order() {
        let request = SignableRequest {
            method: "post".into(),
            host: "h.example".into(),
            path: "/a b".into(),
            headers: vec![("X-Z".into(), "  Mixed Case ".into())],
            ..Default::default()
        };
        let table = HeaderTable::from_request(&request, &[]);
        let signed = normalized_names(["X-Z", "host"]);
        let empty_hash = sha256_hex(b"");
        assert_eq!(
            sigv4_request(&request, "q=1", &table, &signed, HeaderValues::Trimmed),
            format!("POST\n/a%20b\nq=1\nhost:h.example\nx-z:Mixed Case\n\nhost;x-z\n{empty_hash}")
        );
        assert!(sigv4_request(&request, "", &table, &signed, HeaderValues::TrimmedLowercase)
            .contains("\nx-z:mixed case\n"));
    }
}
