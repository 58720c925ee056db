//! Suanpan (算盘): pages, components, shared types and thin server functions.
//! Server-only services (warehouse backends, data generator) sit behind the `ssr` feature.
#![recursion_limit = "256"]

pub mod accounts;
pub mod admin_audit;
pub mod ai_usage;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod bundle_image;
pub mod calendar;
pub mod components;
pub mod credentials;
pub mod dataset;
pub mod error;
pub mod i18n;
pub mod insights;
pub mod money;
pub mod ndjson;
pub mod quota;
pub mod sales;
pub mod settings;
pub mod shell;
pub mod url_query;

#[cfg(feature = "ssr")]
pub mod ai_services;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod dashscope;
#[cfg(feature = "ssr")]
pub mod feishu;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod retry;
#[cfg(feature = "ssr")]
pub mod secret;
#[cfg(feature = "ssr")]
pub mod security_headers;
/// Local simulators of the providers' APIs; only the composition root (`state`) starts them.
#[cfg(feature = "simulators")]
pub mod simulator;
#[cfg(feature = "ssr")]
pub mod spreadsheet;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod vault;
#[cfg(feature = "ssr")]
pub mod warehouse;

pub use shell::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
