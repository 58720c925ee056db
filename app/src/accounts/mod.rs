//! Signing in and out, the one-time set-up, one's own password, and the admin pages for users and
//! API keys. The mechanism (sessions, keys, the caller, the gate) is the shared `auth` module;
//! this feature is its pages and server functions.

pub mod api;
pub mod keys_page;
pub mod model;
pub mod sign_in_page;
pub mod users_page;
#[cfg(feature = "ssr")]
pub mod service;
