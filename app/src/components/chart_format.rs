//! Chart text shared by every page's charts: JS formatter functions handed to ECharts.

use charming::element::{Formatter, JsFunction};

use crate::money::Currency;

/// A JS string literal (JSON is valid JS), for text put into formatter functions.
pub fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Tooltip values as money: currency symbol, thousands separators, two places.
pub fn money_formatter(c: Currency) -> Formatter {
    Formatter::Function(JsFunction::new_with_args(
        "v",
        &format!(
            "if (v === null || v === undefined || v === '') return '-'; var n = Number(v); \
             return isNaN(n) ? String(v) : {} + n.toLocaleString('en-US', {{minimumFractionDigits: 2, maximumFractionDigits: 2}});",
            js(c.symbol())
        ),
    ))
}
