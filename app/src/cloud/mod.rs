//! Cloud billing providers (server only).

pub mod signing;
