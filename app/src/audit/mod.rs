//! The audit log: who did what sensitive thing, when, from where, to what — appended, never
//! changed (the table's triggers refuse updates and deletes). Shared by every feature that does
//! something sensitive; it knows nothing of them, each names its own action.

mod model;
#[cfg(feature = "ssr")]
mod query;
#[cfg(feature = "ssr")]
mod record;

pub use model::{ActionFilter, ActorKind, AuditEntry, AuditFilter, AuditPage, Cursor, FieldChange, Outcome};
#[cfg(feature = "ssr")]
pub use record::{record_in, AuditActor, AuditEvent, AuditLog};
