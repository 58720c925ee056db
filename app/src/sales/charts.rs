//! Chart options for the five analyses, built with charming on both sides (the server's unit
//! tests compare them as JSON; the browser hands them to ECharts). Amounts go to ECharts as
//! decimal strings, which it reads as numbers: no money passes through `f64`.

use charming::component::{Axis, Grid, Legend};
use charming::element::{AxisLabel, AxisType, ItemStyle, Label, LabelPosition, LineStyle, Tooltip, Trigger};
use charming::series::{Bar, Graph, GraphCategory, GraphData, GraphLayout, GraphLink, GraphNode, Line, Scatter};
use charming::datatype::{CompositeValue, DataPointItem};
use charming::Chart;
use rust_decimal::prelude::ToPrimitive;

use super::model::*;
use crate::i18n::tr;

const STATUS_COLORS: [(StockStatus, &str); 4] = [
    (StockStatus::Critical, "#d64545"),
    (StockStatus::Low, "#e8a317"),
    (StockStatus::Normal, "#3b9c5a"),
    (StockStatus::Excess, "#6b62c9"),
];

fn category_axis(labels: Vec<String>, rotate: f64) -> Axis {
    Axis::new().type_(AxisType::Category).data(labels).axis_label(AxisLabel::new().rotate(rotate).interval(0))
}

fn value_axis(name: &str) -> Axis {
    Axis::new().type_(AxisType::Value).name(name)
}

fn grid() -> Grid {
    Grid::new().left("3%").right("4%").bottom("3%").contain_label(true)
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
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .x_axis(category_axis(report.rows.iter().map(|r| r.name.clone()).collect(), 30.0))
        .y_axis(value_axis(&format!("{}（{}）", t.c_revenue, report.currency.code())))
        .series(Bar::new().name(t.c_revenue).data(report.rows.iter().map(|r| dec(r.revenue)).collect()))
}

/// The shown pairs as a network on a circle: products are nodes (bigger when in more pairs),
/// pairs are edges labelled with their lift.
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
    let nodes: Vec<GraphNode> = products
        .iter()
        .map(|(id, name, pairs)| GraphNode {
            id: id.to_string(),
            name: name.clone(),
            x: 0.0,
            y: 0.0,
            value: f64::from(*pairs),
            category: 0,
            symbol_size: 10.0 + 4.0 * f64::from(*pairs),
            label: None,
        })
        .collect();
    let links: Vec<GraphLink> = report
        .rows
        .iter()
        .map(|r| GraphLink { source: r.item_a.to_string(), target: r.item_b.to_string(), value: r.lift.to_f64() })
        .collect();
    Chart::new().tooltip(Tooltip::new().trigger(Trigger::Item)).series(
        Graph::new()
            .name(t.c_lift)
            .layout(GraphLayout::Circular)
            .roam(true)
            .label(Label::new().show(true).position(LabelPosition::Right).formatter("{b}"))
            .line_style(LineStyle::new().color("source").curveness(0.2).width(2))
            .data(GraphData { nodes, links, categories: vec![GraphCategory { name: t.c_product.to_string() }] }),
    )
}

/// Stock against demand, one colour per status.
pub fn inventory(report: &Report<InventoryRow>) -> Chart {
    let t = tr();
    let mut chart = base(grid())
        .tooltip(Tooltip::new().trigger(Trigger::Item))
        .legend(Legend::new().top("0"))
        .x_axis(value_axis(t.x_daily_demand))
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
    for status in CustomerStatus::ALL {
        let counts: Vec<i64> = CustomerTier::ALL
            .iter()
            .map(|tier| {
                report.segments.iter().filter(|s| s.tier == *tier && s.status == status).map(|s| s.customers).sum()
            })
            .collect();
        chart = chart.series(Bar::new().name(t.customer_status(status)).stack("customers").data(counts));
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
    let mut chart = base(grid().top("12%"))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
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

    fn json_of(chart: &Chart) -> Value {
        serde_json::from_str(&chart.to_string()).unwrap()
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
        let nodes: Vec<_> = series["data"].as_array().unwrap().iter().map(|n| (n["id"].clone(), n["name"].clone(), n["value"].clone())).collect();
        assert_eq!(nodes, vec![(json!("1"), json!("p1"), json!(1.0)), (json!("2"), json!("p2"), json!(2.0)), (json!("9"), json!("p9"), json!(1.0))]);
        assert_eq!(series["links"], json!([{"source": "1", "target": "2", "value": 3.0}, {"source": "2", "target": "9", "value": 2.0}]));
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
        assert_eq!(v["series"][0], json!({"type": "bar", "name": "活跃", "stack": "customers", "data": [0, 3, 6, 9]}));
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
