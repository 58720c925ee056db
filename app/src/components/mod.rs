//! Components shared by the pages.
pub mod echart;
pub mod markdown;
pub mod format;
pub mod interactive;
