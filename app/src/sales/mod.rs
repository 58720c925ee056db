//! Sales analysis: the five analyses of the WideWorldImporters warehouse.
#[cfg(feature = "ssr")]
pub mod analysis;
pub mod api;
pub mod basis;
pub mod charts;
pub mod labels;
pub mod links;
#[cfg(feature = "ssr")]
pub mod export;
pub mod model;
pub mod pages;
pub mod params;
#[cfg(feature = "ssr")]
pub mod recent;
#[cfg(feature = "ssr")]
pub mod service;
