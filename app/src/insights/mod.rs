//! AI-written insights for the five analyses (Qwen through DashScope): versioned prompts fed
//! with a compact table, streamed into the page, cached by analysis, parameters, data, model and
//! prompt version.

pub mod api;
pub mod model;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod prompts;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
