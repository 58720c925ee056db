//! Links between views of one analysis: the current URL with some parameters replaced.

use super::params::RawQuery;

/// `/sales/{slug}` with the current query minus the `drop` keys, plus `set`.
pub fn href_with(slug: &str, raw: &RawQuery, drop: &[&str], set: &[(&str, String)]) -> String {
    with_query(format!("/sales/{slug}"), raw, drop, set)
}

/// `path` with the current query minus the `drop` keys, plus `set`.
pub fn with_query(path: String, raw: &RawQuery, drop: &[&str], set: &[(&str, String)]) -> String {
    let pairs = raw.iter().filter(|(k, _)| !drop.contains(&k.as_str())).map(|(k, v)| (k.as_str(), v.as_str()));
    let set = set.iter().map(|(k, v)| (*k, v.as_str()));
    // form_urlencoded writes what the browser's own GET form writes (`at_risk`, not `at%5Frisk`).
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.chain(set)).finish();
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keys_and_writes_the_query_as_a_form_does() {
        let raw: RawQuery = vec![("from".into(), "2016-01-01".into()), ("sort".into(), "name".into()), ("q".into(), "a b&c".into())];
        assert_eq!(
            href_with("customers", &raw, &["sort", "status"], &[("status", "at_risk".into())]),
            "/sales/customers?from=2016-01-01&q=a+b%26c&status=at_risk"
        );
        assert_eq!(href_with("seasonal", &vec![("top".into(), "5".into())], &["top"], &[]), "/sales/seasonal");
    }
}
