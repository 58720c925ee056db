//! `Sales.Invoices` and `Sales.InvoiceLines`, consistent with the simulated orders.
//!
//! Every order is invoiced in full, one invoice per order, unless its purchase (the original
//! order with its backorder) is one of the planted never-invoiced ones (`Patterns::uninvoiced_share`,
//! cancelled after ordering). An original order is invoiced on its order date or one or two days
//! later; a backorder when its stock arrives, 7–20 days later. Sundays move to the Monday. An
//! invoice that would fall after the data end is not issued yet. Amounts: TaxAmount = Quantity ×
//! UnitPrice × TaxRate rounded to cents, ExtendedPrice = Quantity × UnitPrice + TaxAmount (so the
//! amount ex tax equals the order line's), LineProfit against the item's last cost price.

use chrono::{Datelike, Days, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::catalog::ItemDef;
use super::holdings::Holding;
use super::simulate::Sales;
use super::GeneratorSpec;

/// Share of original orders invoiced on the order date, one day later, two days later (the rest).
const SAME_DAY: f64 = 0.5;
const NEXT_DAY: f64 = 0.35;
/// Days from a backorder's order date to its invoice (inclusive).
pub(crate) const BACKORDER_INVOICE_DAYS: (u32, u32) = (7, 20);

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Invoice {
    pub id: u32,
    pub order: u32,
    pub customer: u32,
    pub salesperson: u8,
    /// Days since `spec.start`.
    pub day: u32,
    pub purchase_order: u16,
    pub dry_items: i64,
    pub chiller_items: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct InvoiceLine {
    pub id: u32,
    pub invoice: u32,
    pub item: u16,
    pub quantity: u32,
    pub unit_price_cents: i64,
    pub tax_rate_milli: i64,
    pub tax_cents: i64,
    pub profit_cents: i64,
    pub extended_cents: i64,
}

/// Invoices in InvoiceID order (by invoice date, then order); lines in InvoiceLineID order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Invoices {
    pub invoices: Vec<Invoice>,
    pub lines: Vec<InvoiceLine>,
    /// Purchases (original orders with their backorders) planted as never invoiced.
    pub never_invoiced: u32,
}

/// Tax on an amount, rounded half up to cents: `tax_rate_milli` is percent × 1000.
fn tax(amount_cents: i64, tax_rate_milli: i64) -> i64 {
    (amount_cents * tax_rate_milli + 50_000).div_euclid(100_000)
}

/// Moves an invoice day off a Sunday (no invoicing on Sundays, as no orders).
fn skip_sunday(spec: &GeneratorSpec, day: u32) -> u32 {
    let sunday = spec
        .start
        .checked_add_days(Days::new(u64::from(day)))
        .is_some_and(|d| d.weekday() == Weekday::Sun);
    day + u32::from(sunday)
}

pub(crate) fn invoices(
    spec: &GeneratorSpec,
    items: &[ItemDef],
    sales: &Sales,
    holdings: &[Holding],
    rng: &mut ChaCha8Rng,
) -> Invoices {
    let span = (spec.end - spec.start).num_days().max(0) as u32;
    let n = sales.orders.len();
    // Order index → its line indexes (a moved line points at its backorder).
    let mut lines_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, line) in sales.lines.iter().enumerate() {
        if let Some(slot) = lines_of.get_mut(line.order as usize - 1) {
            slot.push(i);
        }
    }
    let mut is_backorder = vec![false; n];
    for o in &sales.orders {
        if let Some(b) = o.backorder {
            is_backorder[b as usize - 1] = true;
        }
    }
    let cost: Vec<i64> = {
        let mut c: Vec<i64> = items.iter().map(|i| i.unit_price_cents).collect();
        for h in holdings {
            if let Some(slot) = c.get_mut(h.item as usize - 1) {
                *slot = h.last_cost_cents;
            }
        }
        c
    };
    // (invoice day, order index), drawn in order-id order so the result is deterministic.
    let mut due: Vec<(u32, usize)> = Vec::with_capacity(n);
    let mut out = Invoices::default();
    for (i, order) in sales.orders.iter().enumerate() {
        if is_backorder[i] {
            continue; // drawn with its original
        }
        if rng.gen_bool(spec.patterns.uninvoiced_share) {
            out.never_invoiced += 1;
            continue;
        }
        let u: f64 = rng.gen();
        let delay = if u < SAME_DAY {
            0
        } else if u < SAME_DAY + NEXT_DAY {
            1
        } else {
            2
        };
        due.push((skip_sunday(spec, order.day + delay), i));
        if let Some(b) = order.backorder {
            let b = b as usize - 1;
            let delay = rng.gen_range(BACKORDER_INVOICE_DAYS.0..=BACKORDER_INVOICE_DAYS.1);
            due.push((skip_sunday(spec, sales.orders[b].day + delay), b));
        }
    }
    due.retain(|(day, _)| *day <= span);
    due.sort_unstable();
    for (day, i) in due {
        let order = &sales.orders[i];
        let id = out.invoices.len() as u32 + 1;
        let (mut dry, mut chiller) = (0, 0);
        for &l in &lines_of[i] {
            let line = &sales.lines[l];
            let item = &items[usize::from(line.item) - 1];
            let amount = i64::from(line.quantity) * item.unit_price_cents;
            let tax_cents = tax(amount, item.tax_rate_milli);
            if item.chiller {
                chiller += 1;
            } else {
                dry += 1;
            }
            out.lines.push(InvoiceLine {
                id: out.lines.len() as u32 + 1,
                invoice: id,
                item: line.item,
                quantity: line.quantity,
                unit_price_cents: item.unit_price_cents,
                tax_rate_milli: item.tax_rate_milli,
                tax_cents,
                profit_cents: i64::from(line.quantity) * (item.unit_price_cents - cost[usize::from(line.item) - 1]),
                extended_cents: amount + tax_cents,
            });
        }
        out.invoices.push(Invoice {
            id,
            order: order.id,
            customer: order.customer,
            salesperson: order.salesperson,
            day,
            purchase_order: order.purchase_order,
            dry_items: dry,
            chiller_items: chiller,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_rounds_half_up_to_cents() {
        // 15 % of 10.01 = 1.5015 → 1.50; of 10.03 = 1.5045 → 1.50; of 10.10 = 1.515 → 1.52.
        assert_eq!(tax(1_001, 15_000), 150);
        assert_eq!(tax(1_010, 15_000), 152);
        assert_eq!(tax(0, 15_000), 0);
        assert_eq!(tax(12_345, 0), 0);
    }
}
