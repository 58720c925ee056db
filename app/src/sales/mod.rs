//! Sales analysis: the five analyses of the WideWorldImporters warehouse.
pub mod api;
pub mod basis;
pub mod charts;
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
