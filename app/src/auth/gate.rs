//! The middleware in front of every route: resolves the caller (an API key from
//! `Authorization: Bearer`, else the session), refuses cross-site state changes, and lets only
//! the sign-in pages and static files through without a caller. Server functions and routes then
//! check the caller's role themselves (`auth::require`); this layer is the default-deny net
//! under them.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::caller::{Actor, Caller};
use super::keys;
use super::session::{AuthSession, SIGNED_IN_AT};
use super::sign_in::SignInServices;
use crate::audit::{AuditActor, AuditEvent};
use crate::error::AppError;

/// What a path needs when nobody is signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Sign-in and set-up, the compiled app and static files.
    Public,
    /// Server functions, downloads, exports, media: 401.
    Api,
    /// A page: to the sign-in page (or the set-up page before the first user).
    Page,
}

pub const PUBLIC_PATHS: [&str; 5] = ["/login", "/setup", "/api/auth/login", "/api/auth/setup", "/api/auth/me"];

pub fn access(path: &str) -> Access {
    if PUBLIC_PATHS.contains(&path) || path.starts_with("/pkg/") {
        return Access::Public;
    }
    if ["/api/", "/export/", "/download/", "/media/"].iter().any(|p| path.starts_with(p)) {
        return Access::Api;
    }
    // A file at the site root (favicon, ECharts): one segment with an extension.
    let rest = &path[1.min(path.len())..];
    if !rest.is_empty() && !rest.contains('/') && rest.contains('.') {
        return Access::Public;
    }
    Access::Page
}

pub async fn gate(State(services): State<SignInServices>, mut session: AuthSession, mut request: Request, next: Next) -> Response {
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let caller = match bearer(request.headers()) {
        Some(key) => match key_caller(&services, &key, address).await {
            Ok(caller) => Some(caller),
            Err(e) => return refuse(e),
        },
        None => {
            if !same_origin(request.method(), request.headers(), &services.config) {
                tracing::info!(path = %request.uri().path(), "cross-site state change refused");
                return refuse(AppError::CrossSite);
            }
            session_caller(&mut session, address, &services).await
        }
    };
    let path = request.uri().path().to_string();
    match (caller, access(&path)) {
        (Some(caller), _) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        (None, Access::Public) => next.run(request).await,
        (None, Access::Api) => refuse(AppError::SignInRequired),
        (None, Access::Page) => {
            let to = match services.has_users().await {
                Ok(false) => "/setup".to_string(),
                _ => format!("/login?next={}", percent_encoding::utf8_percent_encode(&path_and_query(&request), percent_encoding::NON_ALPHANUMERIC)),
            };
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
    }
}

fn path_and_query(request: &Request) -> String {
    request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim().to_string())
}

async fn key_caller(services: &SignInServices, key: &str, address: Option<IpAddr>) -> Result<Caller, AppError> {
    let found = match keys::check(&services.store, key, chrono::Utc::now()).await? {
        Ok(found) => found,
        Err(refusal) => {
            tracing::info!(?refusal, ?address, "API key refused");
            return Err(AppError::ApiKeyRefused);
        }
    };
    let caller = Caller { actor: Actor::ApiKey { id: found.id, name: found.name.clone() }, role: found.role, address };
    if found.first_use {
        services.audit.record_or_log(&AuditActor::from(&caller), AuditEvent::new("api_key.first_use", format!("api_key:{}", found.id))).await;
    }
    Ok(caller)
}

/// The signed-in user, unless the session outlived its absolute limit (then it ends here).
async fn session_caller(session: &mut AuthSession, address: Option<IpAddr>, services: &SignInServices) -> Option<Caller> {
    let user = session.user.clone()?;
    let signed_in_at = session.session.get::<i64>(SIGNED_IN_AT).await.ok().flatten().unwrap_or(0);
    let age = chrono::Utc::now().timestamp().saturating_sub(signed_in_at);
    if u64::try_from(age).map_or(true, |age| age > services.config.session_absolute.as_secs()) {
        if let Err(e) = session.logout().await {
            tracing::warn!(error = %e, "an expired session could not be ended");
        }
        return None;
    }
    Some(Caller { actor: Actor::User { id: user.id, username: user.username }, role: user.role, address })
}

/// A state-changing request must come from our own pages: `Sec-Fetch-Site: same-origin` (or
/// `none`, typed by the user), else an `Origin` equal to this host or the public URL. Requests
/// with neither header are refused: every browser sends one of them on a POST.
pub fn same_origin(method: &Method, headers: &HeaderMap, config: &super::config::AccessConfig) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).and_then(|o| url::Url::parse(o).ok()) else {
        return false;
    };
    let authority = |u: &url::Url| u.host_str().map(|h| match u.port_or_known_default() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_string(),
    });
    let Some(from) = authority(&origin) else { return false };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(|h| {
        // The Host header omits the default port.
        if h.contains(':') { h.to_string() } else { format!("{h}:{}", origin.port_or_known_default().unwrap_or(80)) }
    });
    host.as_deref() == Some(from.as_str()) || config.public_url.as_ref().and_then(authority).as_deref() == Some(from.as_str())
}

fn refuse(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let body = serde_json::to_string(&e).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> super::super::config::AccessConfig {
        super::super::config::AccessConfig::from_lookup(&|_| None).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn paths_are_denied_unless_listed_public() {
        assert_eq!(access("/login"), Access::Public);
        assert_eq!(access("/pkg/suanpan.wasm"), Access::Public);
        assert_eq!(access("/favicon.svg"), Access::Public);
        assert_eq!(access("/api/sales/run_analysis"), Access::Api);
        assert_eq!(access("/export/bill-lines.csv"), Access::Api);
        assert_eq!(access("/media/bundle-images/x.png"), Access::Api);
        assert_eq!(access("/"), Access::Page);
        assert_eq!(access("/sales/top-sellers"), Access::Page);
        assert_eq!(access("/some/new/page.html"), Access::Page);
        assert_eq!(access("/login/../admin"), Access::Page);
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let c = config();
        let post = Method::POST;
        assert!(same_origin(&post, &headers(&[("sec-fetch-site", "same-origin")]), &c));
        assert!(!same_origin(&post, &headers(&[("sec-fetch-site", "cross-site")]), &c));
        assert!(!same_origin(&post, &headers(&[("sec-fetch-site", "same-site")]), &c));
        assert!(same_origin(&post, &headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), &c));
        assert!(same_origin(&post, &headers(&[("origin", "https://a.example"), ("host", "a.example")]), &c));
        assert!(!same_origin(&post, &headers(&[("origin", "http://evil.example"), ("host", "127.0.0.1:3000")]), &c));
        assert!(!same_origin(&post, &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]), &c));
        assert!(!same_origin(&post, &headers(&[("host", "127.0.0.1:3000")]), &c), "no origin at all");
        assert!(same_origin(&Method::GET, &headers(&[]), &c));
    }

    #[test]
    fn the_public_url_is_an_accepted_origin() {
        let c = super::super::config::AccessConfig::from_lookup(&|n: &str| (n == "SUANPAN_PUBLIC_URL").then(|| "https://suanpan.example.com".to_string())).unwrap();
        assert!(c.secure_cookie());
        assert!(same_origin(&Method::POST, &headers(&[("origin", "https://suanpan.example.com"), ("host", "10.0.0.5:3000")]), &c));
    }
}
