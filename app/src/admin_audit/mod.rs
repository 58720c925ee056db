//! The audit log's admin page (`/admin/audit`): browse and filter the recorded entries, download
//! them as CSV. Read only: nothing here changes or removes an entry.

pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
pub mod page;
pub mod params;
