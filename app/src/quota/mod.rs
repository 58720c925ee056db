//! Quota control of LLM sub-accounts (issue 12): prepaid allocations as a ledger, consumption from
//! Volcengine billing by project, stepped alerts, auto-disable through IAM.
//!
//! So far: [`steps`], the pure rule deciding which alert a check raises.

pub mod steps;
