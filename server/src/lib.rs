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
    Router::new()
        .nest_service("/media", media)
        .leptos_routes_with_context(&options, routes, move || leptos::prelude::provide_context(state.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(options)
}
