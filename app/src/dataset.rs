//! What the sales warehouse holds, in the words both the warehouse and the sales analyses use:
//! the span of its data and the revenue bases it can count (browser and server).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// First and last order date held by the warehouse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The warehouse holds invoice lines (`Sales.InvoiceLines`), so the invoiced basis exists.
    #[serde(default)]
    pub invoices: bool,
}

/// What "revenue" counts. Amounts are ex tax on both bases; an order and its backorders are one
/// purchase on both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Basis {
    /// Invoice lines by invoice date (WWI's own reporting): orders never invoiced are left out,
    /// backorders count when they are invoiced.
    #[default]
    Invoiced,
    /// Order lines by order date.
    Ordered,
}
