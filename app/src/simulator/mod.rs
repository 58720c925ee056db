//! Local simulators of the providers' APIs (like LocalStack for AWS): the same endpoints, wire
//! formats, authentication checks and error bodies, with switches for latency and faults. Tests
//! and the embedded demo talk to them over real HTTP through the same clients as production.

pub mod art;
pub mod cloud;
pub mod dashscope;

/// A random UUID-shaped id, as the providers' request and task ids look (upper case for Alibaba).
pub fn uuid_like(upper: bool) -> String {
    let n = rand::random::<u128>();
    let hex = if upper { format!("{n:032X}") } else { format!("{n:032x}") };
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}
