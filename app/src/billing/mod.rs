//! AI and cloud cost: bills pulled from five clouds, normalised, stored, and shown on the AI cost
//! page. Provider clients, the sync and the store are server only.

#[cfg(feature = "ssr")]
pub mod accounts;
pub mod api;
#[cfg(feature = "ssr")]
pub mod balance_spend;
pub mod charts;
pub mod labels;
#[cfg(feature = "ssr")]
pub mod coverage;
#[cfg(feature = "ssr")]
pub mod export;
pub mod iam;
pub mod model;
#[cfg(feature = "ssr")]
pub mod overview;
pub mod page;
#[cfg(feature = "ssr")]
pub mod params;
#[cfg(feature = "ssr")]
pub mod pricing;
#[cfg(feature = "ssr")]
pub mod providers;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod sync;
