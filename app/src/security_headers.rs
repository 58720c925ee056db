//! The security headers every answer carries (the router adds them, `server/src/lib.rs`), and the
//! Content-Security-Policy a page gets with its own nonce (the shell sets it while rendering).
//!
//! Pages: scripts only from our origin or inline with this answer's nonce (Leptos puts the nonce
//! on every inline script it writes: the hydration loader and the streamed resources), WASM
//! compiled from our own `/pkg` (`'wasm-unsafe-eval'`), ECharts from our own `/echarts.min.js`,
//! and `'unsafe-eval'` because charming builds the charts' tooltip formatters with
//! `new Function` (`JsFunction::new_with_args`) — their text is ours, with data only as JSON
//! literals; moving them into a static script would let this go (see docs/architecture.md), styles from our stylesheet, images from us and
//! `data:` URLs (a chart saved as an image), fetches to us only, no plugins, no framing.
//! Every other answer (server functions, files, downloads) gets a policy that allows nothing:
//! none of them is a document that should run anything.

/// Headers for every answer, whatever it is.
pub const HEADERS: [(&str, &str); 6] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    // Features the app never uses, off for it and anything it might embed.
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// The policy of an answer that is not a page (kept when a page set its own).
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of a page whose inline scripts carry `nonce`. `dev_reload`: `cargo leptos watch`
/// is running, whose reload script talks to its own WebSocket port.
pub fn page_policy(nonce: &str, dev_reload: bool) -> String {
    let connect = if dev_reload { "'self' ws: wss:" } else { "'self'" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'unsafe-eval' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src {connect}; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets this page's policy on the answer being rendered, with the nonce leptos_axum made for it.
/// Called by the shell; outside a request (no answer to set) it does nothing.
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = page_policy(&nonce, std::env::var_os("LEPTOS_WATCH").is_some());
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_our_scripts_by_nonce_and_nothing_inline_or_foreign() {
        let policy = page_policy("abc123", false);
        let directive = |name: &str| {
            policy.split(';').map(str::trim).find(|d| d.split(' ').next() == Some(name)).unwrap_or_else(|| panic!("{name} in {policy}")).to_owned()
        };
        assert_eq!(directive("script-src"), "script-src 'self' 'nonce-abc123' 'unsafe-eval' 'wasm-unsafe-eval'");
        assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'");
        assert_eq!(directive("connect-src"), "connect-src 'self'");
        assert_eq!(directive("img-src"), "img-src 'self' data:");
        assert!(!policy.contains("unsafe-inline") && !policy.contains('*'), "{policy}");
        assert!(page_policy("n", true).contains("connect-src 'self' ws: wss:"));
    }
}
