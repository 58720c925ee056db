//! Integration tests: the real router on port 0 against a temporary store and the simulators,
//! one binary (one build, one link) with a module per feature. Shared set-up: `helpers`.
#![cfg(feature = "simulators")]
#![recursion_limit = "256"]

mod access;
mod billing;
mod helpers;
mod http;
mod images;
mod insights;
mod quota;
mod sales;
mod settings;
