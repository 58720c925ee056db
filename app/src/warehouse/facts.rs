//! What a backend answers: plain aggregates over the warehouse, before any ranking or ratio.
//! Money is `Decimal` (scale 2, the warehouse's DECIMAL(18,2)); counts are `i64`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One row per stock item (every item, sold in the range or not) with its sales in the range
/// and its current holding.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemSalesFact {
    pub stock_item_id: i64,
    pub name: String,
    /// `Warehouse.Colors.ColorName`, None when the item has no colour.
    pub color: Option<String>,
    pub brand: Option<String>,
    pub size: Option<String>,
    /// Σ Quantity × UnitPrice (ex tax) over the range's order lines, or Σ ExtendedPrice −
    /// TaxAmount over its invoice lines (by basis).
    pub revenue: Decimal,
    /// Σ UnitPrice over those lines (for the mean price).
    pub unit_price_sum: Decimal,
    /// Order (or invoice) lines in the range.
    pub lines: i64,
    /// Σ Quantity.
    pub quantity: i64,
    /// Distinct customers who ordered it in the range.
    pub customers: i64,
    /// `StockItemHoldings`; 0 / 0 / 0.00 when the item has no holding row.
    pub on_hand: i64,
    pub reorder_level: i64,
    pub last_cost_price: Decimal,
}

/// Market-basket counts over the orders of a range.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BasketFacts {
    /// Purchases in the range (the baskets): an order together with its backorders.
    pub orders: i64,
    /// (stock item id, name, orders holding it) for every item sold in the range.
    pub items: Vec<(i64, String, i64)>,
    /// (item a, item b, orders holding both) with a < b and count ≥ min_co.
    pub pairs: Vec<(i64, i64, i64)>,
}

/// One row per customer with at least one order on or before the range end.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerFact {
    pub customer_id: i64,
    pub name: String,
    /// Sales territory of the delivery city ("" when unknown).
    pub region: String,
    /// Purchases in the range (an order with its backorders counts once).
    pub orders: i64,
    /// Σ amount ex tax in the range, on the report's basis.
    pub spent: Decimal,
    /// Distinct stock items bought in the range.
    pub unique_products: i64,
    /// Last order date on or before the range end (possibly before the range start); order-based
    /// on both bases, since recency is about when the customer last ordered.
    pub last_order: NaiveDate,
}

/// Sales of one stock item in one calendar month of the range (months without sales absent).
#[derive(Clone, Debug, PartialEq)]
pub struct MonthlyItemFact {
    pub stock_item_id: i64,
    pub name: String,
    /// First day of the month.
    pub month: NaiveDate,
    pub revenue: Decimal,
    pub orders: i64,
    pub lines: i64,
    pub quantity: i64,
}

/// A result row read by column position. Each backend reads its own cell types; the facts are
/// built here once, from the column order both backends' SELECT lists share.
pub trait ResultRow {
    type Error;
    /// Fails unless the row has exactly `n` columns. By default no check: a missing column
    /// fails its own read.
    fn expect_columns(&self, _n: usize) -> Result<(), Self::Error> {
        Ok(())
    }
    fn int(&self, idx: usize) -> Result<i64, Self::Error>;
    fn text(&self, idx: usize) -> Result<String, Self::Error>;
    fn opt_text(&self, idx: usize) -> Result<Option<String>, Self::Error>;
    /// An amount at scale 2.
    fn money(&self, idx: usize) -> Result<Decimal, Self::Error>;
    fn date(&self, idx: usize) -> Result<NaiveDate, Self::Error>;
    /// A calendar month, as its first day.
    fn month(&self, idx: usize) -> Result<NaiveDate, Self::Error>;
}

impl ItemSalesFact {
    /// (StockItemID, name, colour, brand, size, revenue, Σ unit price, lines, quantity,
    /// customers, on hand, reorder level, last cost price)
    pub fn from_row<R: ResultRow>(r: &R) -> Result<Self, R::Error> {
        r.expect_columns(13)?;
        Ok(ItemSalesFact {
            stock_item_id: r.int(0)?,
            name: r.text(1)?,
            color: r.opt_text(2)?,
            brand: r.opt_text(3)?,
            size: r.opt_text(4)?,
            revenue: r.money(5)?,
            unit_price_sum: r.money(6)?,
            lines: r.int(7)?,
            quantity: r.int(8)?,
            customers: r.int(9)?,
            on_hand: r.int(10)?,
            reorder_level: r.int(11)?,
            last_cost_price: r.money(12)?,
        })
    }
}

impl CustomerFact {
    /// (CustomerID, name, region, orders, spent, products, last order)
    pub fn from_row<R: ResultRow>(r: &R) -> Result<Self, R::Error> {
        r.expect_columns(7)?;
        Ok(CustomerFact {
            customer_id: r.int(0)?,
            name: r.text(1)?,
            region: r.text(2)?,
            orders: r.int(3)?,
            spent: r.money(4)?,
            unique_products: r.int(5)?,
            last_order: r.date(6)?,
        })
    }
}

impl MonthlyItemFact {
    /// (StockItemID, name, month, revenue, orders, lines, quantity)
    pub fn from_row<R: ResultRow>(r: &R) -> Result<Self, R::Error> {
        r.expect_columns(7)?;
        Ok(MonthlyItemFact {
            stock_item_id: r.int(0)?,
            name: r.text(1)?,
            month: r.month(2)?,
            revenue: r.money(3)?,
            orders: r.int(4)?,
            lines: r.int(5)?,
            quantity: r.int(6)?,
        })
    }
}

impl BasketFacts {
    /// Counts baskets, items and pairs from (purchase id, stock item id) rows in which each
    /// purchase's rows are contiguous. An item on two lines of one order counts once. Items without a name
    /// in `names` are skipped (an order line pointing at a missing stock item).
    pub fn from_order_items(
        rows: impl IntoIterator<Item = (i64, i64)>,
        names: &std::collections::BTreeMap<i64, String>,
        min_co: u32,
    ) -> Self {
        use std::collections::{BTreeMap, HashMap};
        let mut orders = 0i64;
        let mut item_orders: BTreeMap<i64, i64> = BTreeMap::new();
        let mut pair_orders: HashMap<(i64, i64), i64> = HashMap::new();
        let mut basket: Vec<i64> = Vec::new();
        let mut flush = |basket: &mut Vec<i64>| {
            basket.sort_unstable();
            basket.dedup();
            if basket.is_empty() {
                return;
            }
            orders += 1;
            for (i, a) in basket.iter().enumerate() {
                *item_orders.entry(*a).or_default() += 1;
                for b in &basket[i + 1..] {
                    *pair_orders.entry((*a, *b)).or_default() += 1;
                }
            }
            basket.clear();
        };
        let mut current = None;
        for (order, item) in rows {
            if current != Some(order) {
                flush(&mut basket);
                current = Some(order);
            }
            if names.contains_key(&item) {
                basket.push(item);
            }
        }
        flush(&mut basket);
        let items = item_orders.into_iter().map(|(id, n)| (id, names[&id].clone(), n)).collect();
        let mut pairs: Vec<(i64, i64, i64)> =
            pair_orders.into_iter().filter(|(_, co)| *co >= i64::from(min_co)).map(|((a, b), co)| (a, b, co)).collect();
        pairs.sort_unstable();
        BasketFacts { orders, items, pairs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn baskets_count_orders_items_and_pairs_once_per_order() {
        let names: BTreeMap<i64, String> = [(1, "A"), (2, "B"), (3, "C")].into_iter().map(|(i, n)| (i, n.to_string())).collect();
        // Order 10: A, B, A again (one basket entry); order 11: B, C; order 12: A, B; order 13: an
        // unknown item only (not a basket).
        let rows = [(10, 1), (10, 2), (10, 1), (11, 3), (11, 2), (12, 2), (12, 1), (13, 99)];
        let f = BasketFacts::from_order_items(rows, &names, 1);
        assert_eq!(f.orders, 3);
        assert_eq!(f.items, vec![(1, "A".into(), 2), (2, "B".into(), 3), (3, "C".into(), 1)]);
        assert_eq!(f.pairs, vec![(1, 2, 2), (2, 3, 1)]);
        let f = BasketFacts::from_order_items(rows, &names, 2);
        assert_eq!(f.pairs, vec![(1, 2, 2)]);
    }
}
