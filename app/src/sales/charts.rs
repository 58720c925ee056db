//! Chart options for the five analyses, built with charming on both sides (the server's unit
//! tests compare them as JSON; the browser hands them to ECharts). Amounts go to ECharts as
//! decimal strings, which it reads as numbers: no money passes through `f64`.

use charming::component::{Axis, Grid, Legend};
use charming::element::{
    AxisLabel, AxisType, Formatter, ItemStyle, JsFunction, Label, LabelLayout, LabelPosition, LineStyle, NameLocation, Tooltip, Trigger,
};
use charming::series::{Bar, Graph, GraphCategory, GraphData, GraphLayout, GraphLayoutCircular, GraphLink, GraphNode, Line, Scatter};
use charming::datatype::{CompositeValue, DataPointItem};
use charming::Chart;
use rust_decimal::prelude::ToPrimitive;

use super::model::*;
use crate::components::chart_format::{js, money_formatter};
use crate::i18n::tr;
use crate::sales::labels::SalesText;

const STATUS_COLORS: [(StockStatus, &str); 4] = [
    (StockStatus::Critical, "#d64545"),
    (StockStatus::Low, "#e8a317"),
    (StockStatus::Normal, "#3b9c5a"),
    (StockStatus::Excess, "#6b62c9"),
];

/// Good → bad: active green, at risk amber, inactive grey (never green for a warning).
const CUSTOMER_STATUS_COLORS: [(CustomerStatus, &str); 3] =
    [(CustomerStatus::Active, "#3b9c5a"), (CustomerStatus::AtRisk, "#e8a317"), (CustomerStatus::Inactive, "#8c93a3")];

fn money_tooltip(c: Currency) -> Tooltip {
    Tooltip::new().trigger(Trigger::Axis).value_formatter(money_formatter(c))
}

fn category_axis(labels: Vec<String>, rotate: f64) -> Axis {
    Axis::new().type_(AxisType::Category).data(labels).axis_label(AxisLabel::new().rotate(rotate).interval(0))
}

/// A vertical value axis: its name above the axis, inside the grid's top margin.
fn value_axis(name: &str) -> Axis {
    Axis::new().type_(AxisType::Value).name(name).name_location(NameLocation::End).name_gap(12)
}

/// A horizontal value axis: its name centred under the labels, inside the bottom margin.
fn x_value_axis(name: &str) -> Axis {
    Axis::new().type_(AxisType::Value).name(name).name_location(NameLocation::Middle).name_gap(28)
}

/// `containLabel` keeps axis labels inside; the margins leave room for the axis names, which
/// it does not count.
fn grid() -> Grid {
    Grid::new().left(24).right(32).top(48).bottom(36).contain_label(true)
}

fn base(grid: Grid) -> Chart {
    Chart::new().grid(grid)
}

fn dec(d: rust_decimal::Decimal) -> CompositeValue {
    CompositeValue::String(d.normalize().to_string())
}

pub fn top_sellers(report: &Report<TopSellerRow>) -> Chart {
    let t = tr();
    base(grid())
        .tooltip(money_tooltip(report.currency))
        .x_axis(category_axis(report.rows.iter().map(|r| r.name.clone()).collect(), 30.0))
        .y_axis(value_axis(&format!("{}（{}）", t.c_revenue, report.currency.code())))
        .series(Bar::new().name(t.c_revenue).data(report.rows.iter().map(|r| dec(r.revenue)).collect()))
}

/// Lift bands of the network's edges: (lower bound, line width, colour). Wider and darker is a
/// stronger pair, so lift is visible without reading the table.
const LIFT_BANDS: [(i64, f64, &str); 3] = [(3, 5.0, "#8a2f1d"), (2, 3.0, "#d2704f"), (0, 1.5, "#e9b8a6")];

/// The shown pairs as a network on a circle: products are nodes (bigger when in more pairs,
/// labels radial so they do not overlap), pairs are edges drawn by lift band (a legend entry
/// each); the tooltip names both products and the lift with two places.
pub fn affinity(report: &Report<AffinityRow>) -> Chart {
    let t = tr();
    let mut products: Vec<(i64, String, u32)> = Vec::new();
    for r in &report.rows {
        for (id, name) in [(r.item_a, &r.name_a), (r.item_b, &r.name_b)] {
            match products.iter_mut().find(|(p, _, _)| *p == id) {
                Some(p) => p.2 += 1,
                None => products.push((id, name.clone(), 1)),
            }
        }
    }
    let nodes = |visible: bool| -> Vec<GraphNode> {
        products
            .iter()
            .map(|(id, name, pairs)| GraphNode {
                id: id.to_string(),
                name: name.clone(),
                x: 0.0,
                y: 0.0,
                value: f64::from(*pairs),
                category: 0,
                symbol_size: if visible { 10.0 + 4.0 * f64::from(*pairs) } else { 0.0 },
                label: None,
            })
            .collect()
    };
    let names: serde_json::Map<String, serde_json::Value> =
        products.iter().map(|(id, name, _)| (id.to_string(), serde_json::Value::String(name.clone()))).collect();
    let tooltip = Tooltip::new().trigger(Trigger::Item).formatter(Formatter::Function(JsFunction::new_with_args(
        "p",
        &format!(
            "var n = {}; if (p.dataType === 'edge') {{ return n[p.data.source] + ' ⇄ ' + n[p.data.target] + '<br/>' + {} + ' ' + Number(p.data.value).toFixed(2); }} \
             return p.marker + p.name + '：' + p.value + ' ' + {};",
            serde_json::Value::Object(names),
            js(t.c_lift),
            js(t.chart_pairs),
        ),
    )));
    let graph = |name: String, visible: bool, links: Vec<GraphLink>, width: f64, color: &str| {
        Graph::new()
            .name(name)
            .layout(GraphLayout::Circular)
            .circular(GraphLayoutCircular::new().rotate_label(true))
            .label(Label::new().show(visible).position(LabelPosition::Right).formatter("{b}").font_size(11))
            .label_layout(LabelLayout::new().hide_overlap(true))
            .line_style(LineStyle::new().color(color).curveness(0.2).width(width).opacity(0.85))
            .tooltip(tooltip.clone())
            .data(GraphData { nodes: nodes(visible), links, categories: vec![GraphCategory { name: t.c_product.to_string() }] })
    };
    // The first series draws the products; one series per band draws its pairs over the same
    // circle (same nodes in the same order, so the same positions).
    let mut chart = Chart::new().legend(Legend::new().top("0")).series(graph(t.c_product.to_string(), true, vec![], 0.0, "#999"));
    let mut upper: Option<i64> = None;
    for (low, width, color) in LIFT_BANDS {
        let links: Vec<GraphLink> = report
            .rows
            .iter()
            .filter(|r| r.lift >= rust_decimal::Decimal::from(low) && upper.is_none_or(|u| r.lift < rust_decimal::Decimal::from(u)))
            .map(|r| GraphLink { source: r.item_a.to_string(), target: r.item_b.to_string(), value: r.lift.to_f64() })
            .collect();
        let name = match upper {
            None => format!("{} ≥ {low}", t.c_lift),
            Some(u) => format!("{} {low}–{u}", t.c_lift),
        };
        upper = Some(low);
        if !links.is_empty() {
            chart = chart.series(graph(name, false, links, width, color));
        }
    }
    chart
}

/// Stock against demand, one colour per status.
pub fn inventory(report: &Report<InventoryRow>) -> Chart {
    let t = tr();
    let tooltip = Tooltip::new().trigger(Trigger::Item).formatter(Formatter::Function(JsFunction::new_with_args(
        "p",
        &format!(
            "return p.marker + p.name + '<br/>' + {} + ' ' + Number(p.value[0]).toFixed(2) + '<br/>' + {} + ' ' + Number(p.value[1]).toLocaleString('en-US');",
            js(t.x_daily_demand),
            js(t.y_on_hand)
        ),
    )));
    let mut chart = base(grid())
        .tooltip(tooltip)
        .legend(Legend::new().top("0"))
        .x_axis(x_value_axis(t.x_daily_demand))
        .y_axis(value_axis(t.y_on_hand));
    for (status, color) in STATUS_COLORS {
        let points: Vec<DataPointItem> = report
            .rows
            .iter()
            .filter(|r| r.status == status)
            .map(|r| DataPointItem::new(vec![dec(r.daily_demand), CompositeValue::from(r.on_hand)]).name(r.name.clone()))
            .collect();
        chart = chart.series(
            Scatter::new().name(t.stock_status(status)).symbol_size(12.0).item_style(ItemStyle::new().color(color)).data(points),
        );
    }
    chart
}

/// Customers per tier, stacked by status, over every customer of the range.
pub fn customers(report: &CustomerReport) -> Chart {
    let t = tr();
    let mut chart = base(grid())
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("0"))
        .x_axis(category_axis(CustomerTier::ALL.iter().map(|x| t.tier(*x).to_string()).collect(), 0.0))
        .y_axis(value_axis(t.customers_unit));
    for (status, color) in CUSTOMER_STATUS_COLORS {
        let counts: Vec<i64> = CustomerTier::ALL
            .iter()
            .map(|tier| {
                report.segments.iter().filter(|s| s.tier == *tier && s.status == status).map(|s| s.customers).sum()
            })
            .collect();
        chart = chart.series(
            Bar::new().name(t.customer_status(status)).stack("customers").item_style(ItemStyle::new().color(color)).data(counts),
        );
    }
    chart
}

/// One line per product over every month of the range (zero when it did not sell that month).
pub fn seasonal(report: &SeasonalReport) -> Chart {
    let t = tr();
    let mut items: Vec<(i64, String)> = Vec::new();
    for r in &report.report.rows {
        if !items.iter().any(|(id, _)| *id == r.stock_item_id) {
            items.push((r.stock_item_id, r.name.clone()));
        }
    }
    let mut chart = base(grid().top(64))
        .tooltip(money_tooltip(report.report.currency))
        .legend(Legend::new().type_(charming::component::LegendType::Scroll).top("0"))
        .x_axis(category_axis(report.months.iter().map(|m| m.format("%Y-%m").to_string()).collect(), 0.0))
        .y_axis(value_axis(&format!("{}（{}）", t.c_revenue, report.report.currency.code())));
    for (id, name) in items {
        let values: Vec<CompositeValue> = report
            .months
            .iter()
            .map(|m| {
                report
                    .report
                    .rows
                    .iter()
                    .find(|r| r.stock_item_id == id && r.month == *m)
                    .map(|r| dec(r.revenue))
                    .unwrap_or_else(|| CompositeValue::from(0))
            })
            .collect();
        chart = chart.series(Line::new().name(name).data(values));
    }
    chart
}

pub fn for_data(data: &AnalysisData) -> Chart {
    match data {
        AnalysisData::TopSellers(r) => top_sellers(r),
        AnalysisData::Affinity(r) => affinity(r),
        AnalysisData::Inventory(r) => inventory(r),
        AnalysisData::Customers(r) => customers(r),
        AnalysisData::Seasonal(r) => seasonal(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use serde_json::{json, Value};

    /// The options as JSON (formatter functions appear as marked strings).
    fn json_of(chart: &Chart) -> Value {
        serde_json::to_value(chart).unwrap()
    }
    fn range() -> DateRange {
        let d = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
        DateRange { from: d, to: d }
    }

    #[test]
    fn top_sellers_bars_carry_exact_amounts() {
        let row = TopSellerRow {
            stock_item_id: 1,
            name: "Lantern mug".into(),
            color: "Red".into(),
            brand: None,
            size: None,
            revenue: Decimal::new(123450, 2),
            customers: 3,
            avg_price: Decimal::new(1300, 2),
            quantity: 95,
        };
        let report = Report { range: range(), currency: Currency::Usd, total_rows: 1, rows: vec![row] };
        let v = json_of(&top_sellers(&report));
        assert_eq!(v["xAxis"]["data"], json!(["Lantern mug"]));
        assert_eq!(v["yAxis"]["name"], json!("销售额（USD）"));
        assert_eq!(v["series"][0], json!({"type": "bar", "name": "销售额", "data": ["1234.5"]}));
        assert!(v["tooltip"]["valueFormatter"].as_str().unwrap().contains("minimumFractionDigits: 2"), "tooltips carry decimals");
        assert!(v["tooltip"]["valueFormatter"].as_str().unwrap().contains("\"$\""), "and the currency");
        assert_eq!(v["grid"][0]["containLabel"], json!(true));
    }

    #[test]
    fn affinity_network_links_pairs_with_their_lift() {
        let row = |a: i64, b: i64, lift: i64| AffinityRow {
            item_a: a,
            name_a: format!("p{a}"),
            item_b: b,
            name_b: format!("p{b}"),
            co_occurrence: 5,
            support: Decimal::ONE,
            confidence_ab: Decimal::ONE,
            confidence_ba: Decimal::ONE,
            lift: Decimal::from(lift),
        };
        let report = Report { range: range(), currency: Currency::Usd, total_rows: 2, rows: vec![row(1, 2, 3), row(2, 9, 2)] };
        let v = json_of(&affinity(&report));
        let series = &v["series"][0];
        assert_eq!(series["type"], "graph");
        assert_eq!(series["layout"], "circular");
        assert_eq!(series["circular"]["rotateLabel"], json!(true), "radial labels do not overlap");
        assert_eq!(series["labelLayout"]["hideOverlap"], json!(true));
        let nodes: Vec<_> = series["data"].as_array().unwrap().iter().map(|n| (n["id"].clone(), n["name"].clone(), n["value"].clone())).collect();
        assert_eq!(nodes, vec![(json!("1"), json!("p1"), json!(1.0)), (json!("2"), json!("p2"), json!(2.0)), (json!("9"), json!("p9"), json!(1.0))]);
        // Lift 3 is in the strongest band (widest line), lift 2 in the next.
        assert_eq!(v["series"][1]["name"], json!("提升度 ≥ 3"));
        assert_eq!(v["series"][1]["links"], json!([{"source": "1", "target": "2", "value": 3.0}]));
        assert_eq!(v["series"][2]["name"], json!("提升度 2–3"));
        assert_eq!(v["series"][2]["links"], json!([{"source": "2", "target": "9", "value": 2.0}]));
        assert!(v["series"][1]["lineStyle"]["width"].as_f64() > v["series"][2]["lineStyle"]["width"].as_f64());
        assert_eq!(v["series"].as_array().unwrap().len(), 3, "empty bands are left out");
    }

    #[test]
    fn customers_stack_every_status_per_tier() {
        let segments = CustomerTier::ALL
            .iter()
            .flat_map(|tier| CustomerStatus::ALL.iter().map(move |status| (*tier, *status)))
            .enumerate()
            .map(|(i, (tier, status))| SegmentCount { tier, status, customers: i as i64 })
            .collect();
        let report = CustomerReport {
            report: Report { range: range(), currency: Currency::Usd, total_rows: 0, rows: vec![] },
            segments,
        };
        let v = json_of(&customers(&report));
        assert_eq!(v["xAxis"]["data"], json!(["VIP", "高级", "普通", "基础"]));
        // Segments are tier-major: Active counts are 0, 3, 6, 9.
        assert_eq!(v["series"][0], json!({"type": "bar", "name": "活跃", "stack": "customers", "itemStyle": {"color": "#3b9c5a"}, "data": [0, 3, 6, 9]}));
        assert_eq!(v["series"][1]["name"], json!("流失风险"));
        assert_ne!(v["series"][1]["itemStyle"]["color"], json!("#3b9c5a"), "a warning is not green");
        assert_eq!(v["series"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn seasonal_fills_months_without_sales_with_zero() {
        let jan = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
        let feb = NaiveDate::from_ymd_opt(2016, 2, 1).unwrap();
        let row = SeasonalRow {
            stock_item_id: 7,
            name: "Slippers".into(),
            month: feb,
            revenue: Decimal::new(1000, 2),
            orders: 1,
            avg_quantity: Decimal::ONE,
            quantity: 1,
        };
        let report = SeasonalReport {
            report: Report { range: range(), currency: Currency::Usd, total_rows: 1, rows: vec![row] },
            products: vec![],
            months: vec![jan, feb],
        };
        let v = json_of(&seasonal(&report));
        assert_eq!(v["xAxis"]["data"], json!(["2016-01", "2016-02"]));
        assert_eq!(v["series"][0]["data"], json!([0, "10"]));
    }
}
