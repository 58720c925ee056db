//! The settings feature (admin): credentials and connections entered in the app — cloud
//! accounts, the DashScope key, the SQL Server connection, the alert webhook — stored through
//! `credentials` (secrets sealed by the `vault`), listed beside the environment's read-only
//! settings, each with a connection test. Page at `/admin/settings`.

pub mod api;
pub mod model;
pub mod page;
mod form;

#[cfg(feature = "ssr")]
mod probe;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod validate;
