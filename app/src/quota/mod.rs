//! Quota control of LLM sub-accounts (issue 12): a company gives each team or app a Volcengine
//! IAM sub-account tied to a project and a prepaid amount; the app watches each one's spend,
//! alerts in Feishu at steps, and disables it in IAM when the amount is used up.
//!
//! - [`steps`]: the pure rule deciding which alert a check raises (exact Decimal).
//! - `store` (sub-accounts, settings, consumption snapshots), `ledger` (allocations, one
//!   `BEGIN IMMEDIATE` transaction each), `usage` (the one place alerts are recorded, with their
//!   outbox row and audit entry), `alerts` (the list, the outbox claims), `lease` (one check at a
//!   time across processes), `check` (a check run and the IAM changes), `deliver` (the outbox to
//!   Feishu), [`schedule`] (when the next check runs), `card` (the alert card), `volc` (the
//!   Volcengine calls, through the billing clients), `validate`, `actions` (what the server
//!   functions do), `service` (`QuotaServices`).
//! - [`model`]: what the pages and server functions exchange; `api` the server functions.
//! - Pages: [`page`] (`/quota`, with [`allocate_dialog`], [`register_form`], [`alerts_view`],
//!   [`settings_form`]) and [`iam_page`] (`/quota/iam`, with [`iam_create`]).

pub mod api;
pub mod iam_api;
pub mod model;
pub mod schedule;
pub mod steps;

// The pages: 额度管理 (`page`, with its dialogs, alert list and settings) and IAM 子账号.
pub mod alerts_view;
pub mod allocate_dialog;
pub mod iam_create;
pub mod iam_page;
pub mod page;
pub mod register_form;
pub mod settings_form;

#[cfg(feature = "ssr")]
pub mod actions;
#[cfg(feature = "ssr")]
pub mod alerts;
#[cfg(feature = "ssr")]
pub mod card;
#[cfg(feature = "ssr")]
pub mod check;
#[cfg(feature = "ssr")]
pub mod deliver;
#[cfg(feature = "ssr")]
pub mod iam_actions;
#[cfg(feature = "ssr")]
pub mod lease;
#[cfg(feature = "ssr")]
pub mod ledger;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod usage;
#[cfg(feature = "ssr")]
pub mod validate;
#[cfg(feature = "ssr")]
pub mod volc;

#[cfg(feature = "ssr")]
pub use service::QuotaServices;
