#![recursion_limit = "256"]
//! The axum application: Leptos pages, server functions and static files, with the shared
//! [`AppState`] handed to every server function through `leptos_routes_with_context`.

use std::net::SocketAddr;

use app::state::AppState;
use app::{shell, App};
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
    let exports = Router::new().route("/export/{file}", axum::routing::get(export)).with_state(state.clone());
    Router::new()
        .nest_service("/media", media)
        .merge(exports)
        .leptos_routes_with_context(&options, routes, move || leptos::prelude::provide_context(state.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(options)
}

/// `GET /export/bill-lines.csv|xlsx?<the AI cost page's query>`: the bill lines as a download.
async fn export(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
) -> axum::response::Response {
    use app::billing::export::{export, Format};
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let format = match file.as_str() {
        "bill-lines.csv" => Format::Csv,
        "bill-lines.xlsx" => Format::Xlsx,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match export(&state, format, &query).await {
        Ok((content_type, name, bytes)) => (
            [(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))],
            bytes,
        )
            .into_response(),
        Err(e) => (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.message()).into_response(),
    }
}
