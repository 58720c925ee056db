//! Components shared by the pages.
pub mod chart_format;
pub mod echart;
pub mod error_notice;
pub mod markdown;
pub mod format;
pub mod interactive;
