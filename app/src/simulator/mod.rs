//! Local simulators of the providers' APIs (like LocalStack for AWS): the same endpoints, wire
//! formats, authentication checks and error bodies, with switches for latency and faults. Tests
//! and the embedded demo talk to them over real HTTP through the same clients as production.

pub mod art;
pub mod cloud;
pub mod dashscope;
