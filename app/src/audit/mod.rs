//! The audit log: who did what sensitive thing, when, from where, to what — appended, never
//! changed (the table's triggers refuse updates and deletes). Shared by every feature that does
//! something sensitive; it knows nothing of them, each names its own action.

#[cfg(feature = "ssr")]
mod record;
#[cfg(feature = "ssr")]
pub use record::{ActorKind, AuditActor, AuditEvent, AuditLog, Outcome};
