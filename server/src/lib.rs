#![recursion_limit = "256"]
//! The axum application: Leptos pages, server functions and static files, with the shared
//! [`AppState`] handed to every server function through `leptos_routes_with_context`.

mod external_api;

use std::net::SocketAddr;

use app::auth::{require_in, Permission};
use app::error::{AppError, BodyProblem};
use app::state::AppState;
use app::{shell, App};
use axum::extract::connect_info::{ConnectInfo, IntoMakeServiceWithConnectInfo};
use axum::middleware::AddExtension;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};

pub fn leptos_options(addr: SocketAddr, site_root: &str) -> LeptosOptions {
    LeptosOptions::builder().output_name("suanpan").site_root(site_root).site_pkg_dir("pkg").site_addr(addr).build()
}

pub fn router(options: LeptosOptions, state: AppState) -> Router {
    let routes = generate_route_list(App);
    // Generated images, content-addressed under the data folder (never from the site root).
    let media = tower_http::services::ServeDir::new(state.config.data_dir.join("media"));
    let mut exports = Router::new();
    for (path, route) in plain_routes() {
        exports = exports.route(path, route);
    }
    let exports = exports.with_state(state.clone());
    let sessions = state.sessions.clone();
    let gate = axum::middleware::from_fn_with_state(state.sign_in.clone(), app::auth::gate::gate);
    let router = Router::new()
        .nest_service("/media", media)
        .merge(exports)
        .leptos_routes_with_context(&options, routes, move || state.provide(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        // Static files: the .br/.gz beside them when the build made them (`make build`), else
        // compressed by the layer below.
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(compression())
        // Every route: the caller resolved (key or session) and cross-site changes refused, so
        // only sign-in and static files answer without one.
        .layer(gate)
        .layer(sessions)
        .layer(axum::middleware::from_fn(limit_body))
        .layer(tower_http::trace::TraceLayer::new_for_http());
    // Outermost, so refusals made by the layers inside (413, …) carry them too.
    with_security_headers(router).with_state(options)
}

/// The headers of `app::security_headers` on every answer: the fixed ones always, and the
/// nothing-allowed Content-Security-Policy where the answer has none (a page sets its own, with
/// its nonce, while rendering).
fn with_security_headers<S: Clone + Send + Sync + 'static>(mut router: Router<S>) -> Router<S> {
    use axum::http::{header, HeaderName, HeaderValue};
    use tower_http::set_header::SetResponseHeaderLayer;
    for (name, value) in app::security_headers::HEADERS {
        router = router.layer(SetResponseHeaderLayer::overriding(HeaderName::from_static(name), HeaderValue::from_static(value)));
    }
    let policy = HeaderValue::from_static(app::security_headers::NON_PAGE_POLICY);
    router.layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, policy))
}

/// The routes beside Leptos' pages and server functions, each checking its permission itself.
/// One table, read by the router and by the test that walks every route by role.
pub fn plain_routes() -> Vec<(&'static str, axum::routing::MethodRouter<AppState>)> {
    use axum::routing::get;
    vec![
        ("/export/{file}", get(export)),
        ("/export/sales/{file}", get(sales_export)),
        ("/download/image/{id}", get(image_download)),
        ("/export/audit.csv", get(audit_export)),
        ("/api/v1/billing/summary", get(external_api::billing_summary)),
        ("/api/v1/billing/sync", axum::routing::post(external_api::billing_sync)),
        ("/api/v1/sales/{kind}", get(external_api::sales_analysis)),
    ]
}

/// Brotli or gzip for what the client accepts, except streams: server functions' byte streams
/// (insight text, sync and image progress; `application/octet-stream`) must reach the page line
/// by line, and an encoder would hold them back until its buffer fills. Images, SSE and bodies
/// already encoded (precompressed files) are left alone by the default predicate.
fn compression() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    tower_http::compression::CompressionLayer::new().compress_when(
        DefaultPredicate::new()
            .and(NotForContentType::const_new("application/octet-stream"))
            // Already a zip archive.
            .and(NotForContentType::const_new("application/vnd.openxmlformats")),
    )
}

/// Serves `router` on `listener` with each request's peer address (the per-client call limits
/// key on it).
pub fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
) -> axum::serve::Serve<tokio::net::TcpListener, IntoMakeServiceWithConnectInfo<Router, SocketAddr>, AddExtension<Router, ConnectInfo<SocketAddr>>> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
}

/// The largest request body accepted. Server-function arguments are small JSON (the largest, an
/// image request with an 800-character prompt and a four-item bundle, is under 5 KB), so 256 KiB
/// leaves ample room for growth while a flood is refused before anything parses it.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Reads the body up to [`MAX_BODY_BYTES`] and answers 413 beyond, whether the size is announced
/// (Content-Length) or not (chunked). Done here rather than with `DefaultBodyLimit`, which
/// leptos_axum's server-function handler does honour, but by failing the decode, so the answer
/// could not tell "too large" from "malformed".
async fn limit_body(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let announced = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Err(e) if std::error::Error::source(&e).is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>()) => too_large(),
        // The client broke off sending: nothing readable arrived.
        Err(_) => refused(BodyProblem::NotJson),
    }
}

fn too_large() -> axum::response::Response {
    refused(BodyProblem::TooLarge { max_kib: (MAX_BODY_BYTES / 1024) as u32 })
}

/// The refusal as a server function's error answer, so the page can show its message.
fn refused(problem: BodyProblem) -> axum::response::Response {
    use axum::response::IntoResponse;
    let error = AppError::BadRequestBody(problem);
    let status = axum::http::StatusCode::from_u16(error.status()).unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    let body = serde_json::to_string(&error).unwrap_or_default();
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /export/bill-lines.csv|xlsx?<the AI cost page's query>`: the bill lines as a download.
async fn export(
    axum::extract::State(state): axum::extract::State<AppState>,
    extensions: axum::http::Extensions,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
) -> axum::response::Response {
    use app::billing::export::export;
    use app::spreadsheet::FileFormat as Format;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let format = match file.as_str() {
        "bill-lines.csv" => Format::Csv,
        "bill-lines.xlsx" => Format::Xlsx,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if let Err(e) = require_in(&extensions, Permission::ExportBillLines) {
        return download(Err(e));
    }
    download(export(&state.billing, format, &query).await)
}

/// A file answer (`attachment`, a Chinese-safe name) or the error's status and message.
fn download(answer: Result<(&'static str, String, Vec<u8>), AppError>) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    match answer {
        Ok((content_type, name, bytes)) => (
            [(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, app::spreadsheet::content_disposition(&name))],
            bytes,
        )
            .into_response(),
        Err(e) => (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.message()).into_response(),
    }
}

/// `GET /export/sales/<analysis>.csv|xlsx?<the page's query>`: the page's table as a download.
async fn sales_export(
    axum::extract::State(state): axum::extract::State<AppState>,
    extensions: axum::http::Extensions,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
) -> axum::response::Response {
    if let Err(e) = require_in(&extensions, Permission::ExportSales) {
        return download(Err(e));
    }
    download(app::sales::export::export(&state.sales, &file, &query).await)
}

/// `GET /export/audit.csv?<the audit page's filter>`: every matching audit entry (admins).
async fn audit_export(
    axum::extract::State(state): axum::extract::State<AppState>,
    extensions: axum::http::Extensions,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
) -> axum::response::Response {
    if let Err(e) = require_in(&extensions, Permission::ViewAudit) {
        return download(Err(e));
    }
    download(app::admin_audit::export::export(&state.audit, &query).await)
}

/// `GET /download/image/<id>`: a stored marketing image under a readable name (bundle + date).
async fn image_download(
    axum::extract::State(state): axum::extract::State<AppState>,
    extensions: axum::http::Extensions,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    if let Err(e) = require_in(&extensions, Permission::ViewAnalyses) {
        return download(Err(e));
    }
    download(app::bundle_image::service::download(&state.images, &id).await)
}

