//! Marketing images for product bundles (Wanx): pick a bundle from the affinity analysis, edit
//! the generated prompt, generate asynchronously with progress, keep the image and its record.

pub mod api;
pub mod model;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
