//! Components shared by the pages.
pub mod echart;
pub mod format;
