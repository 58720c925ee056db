//! Charts of the AI cost page (charming; compared as JSON in tests). Amounts go to ECharts as
//! decimal strings, never through `f64`.

use charming::component::{Axis, Grid, Legend};
use charming::datatype::{CompositeValue, DataPointItem};
use charming::element::{AxisType, Formatter, JsFunction, Label, NameLocation, Tooltip, Trigger};
use charming::series::{Bar, Pie};
use charming::Chart;

use super::model::{CostOverview, Currency, Provider};
use crate::i18n::tr;
use crate::billing::labels::BillingText;

fn dec(d: rust_decimal::Decimal) -> CompositeValue {
    CompositeValue::String(d.round_dp(2).normalize().to_string())
}

/// Daily spend in CNY, one stacked bar series per platform, every day of the range on the axis.
pub fn daily_trend(o: &CostOverview) -> Chart {
    let t = tr();
    let days: Vec<chrono::NaiveDate> = o.query.from.iter_days().take_while(|d| *d <= o.query.to).collect();
    let mut chart = Chart::new()
        .grid(Grid::new().left(24).right(32).top(56).bottom(16).contain_label(true))
        .tooltip(Tooltip::new().trigger(Trigger::Axis).value_formatter(crate::components::chart_format::money_formatter(Currency::Cny)))
        .legend(Legend::new().top("0"))
        .x_axis(Axis::new().type_(AxisType::Category).data(days.iter().map(|d| d.format("%m-%d").to_string()).collect()))
        .y_axis(Axis::new().type_(AxisType::Value).name(t.b_axis_cny).name_location(NameLocation::End).name_gap(12));
    for p in Provider::ALL {
        if !o.daily.iter().any(|d| d.provider == p) {
            continue;
        }
        let data = days
            .iter()
            .map(|day| dec(o.daily.iter().filter(|d| d.provider == p && d.date == *day).map(|d| d.cny).sum()))
            .collect();
        chart = chart.series(Bar::new().name(t.provider(p)).stack("cost").data(data));
    }
    chart
}

/// Share of each platform in the range, in CNY.
pub fn platform_pie(o: &CostOverview) -> Chart {
    let data: Vec<DataPointItem> = o
        .platforms
        .iter()
        .filter(|p| !p.total.in_cny(o.usd_cny).is_zero())
        .map(|p| DataPointItem::new(dec(p.total.in_cny(o.usd_cny))).name(tr().provider(p.provider)))
        .collect();
    // Labels outside a smaller ring, name and share on two lines, so none is cut at the box edge.
    let tooltip = Tooltip::new().trigger(Trigger::Item).formatter(Formatter::Function(JsFunction::new_with_args(
        "p",
        "return p.marker + p.name + '：¥' + Number(p.value).toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2}) + '（' + p.percent + '%）';",
    )));
    Chart::new()
        .tooltip(tooltip)
        .legend(Legend::new().bottom("0"))
        .series(
            Pie::new()
                .name(tr().b_platform)
                .radius(vec!["30%", "52%"])
                .center(vec!["50%", "45%"])
                .avoid_label_overlap(true)
                .label(Label::new().show(true).formatter("{b}\n{d}%"))
                .data(data),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::model::*;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use serde_json::{json, Value};

    fn overview() -> CostOverview {
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        let mixed = |cny: i64, usd: i64| Mixed { cny: Decimal::new(cny, 2), usd: Decimal::new(usd, 2) };
        let platform = |provider, total| PlatformCost { provider, configured: true, simulated: true, accounts: 1, total, balance: None };
        CostOverview {
            query: CostQuery { from: d(1), to: d(3), filter: CostFilter::All },
            today: d(3),
            usd_cny: Decimal::new(710, 2),
            total: mixed(30000, 100),
            this_month: mixed(30000, 100),
            today_cost: Mixed::default(),
            platforms: vec![platform(Provider::Aliyun, mixed(20000, 0)), platform(Provider::Volcengine, mixed(10000, 100)), platform(Provider::Tencent, Mixed::default())],
            daily: vec![
                DailyCost { date: d(1), provider: Provider::Aliyun, cny: Decimal::new(12050, 2) },
                DailyCost { date: d(3), provider: Provider::Aliyun, cny: Decimal::new(7950, 2) },
                DailyCost { date: d(2), provider: Provider::Volcengine, cny: Decimal::new(10710, 2) },
            ],
            products: vec![],
            has_monthly_only: false,
            own_usage: vec![],
            model_studio_billed: Mixed::default(),
            any_simulated: true,
            last_run: None,
            gaps: vec![],
        }
    }

    fn json_of(c: &Chart) -> Value {
        serde_json::to_value(c).unwrap()
    }

    #[test]
    fn trend_stacks_platforms_over_every_day_with_zeros() {
        let v = json_of(&daily_trend(&overview()));
        assert_eq!(v["xAxis"]["data"], json!(["11-01", "11-02", "11-03"]));
        assert_eq!(v["series"][0], json!({"type": "bar", "name": "阿里云", "stack": "cost", "data": ["120.5", "0", "79.5"]}));
        assert_eq!(v["series"][1]["data"], json!(["0", "107.1", "0"]));
        assert_eq!(v["series"].as_array().unwrap().len(), 2, "platforms without days are left out");
    }

    #[test]
    fn pie_converts_usd_and_skips_zero_platforms() {
        let v = json_of(&platform_pie(&overview()));
        assert_eq!(v["series"][0]["data"], json!([{"value": "200", "name": "阿里云"}, {"value": "107.1", "name": "火山引擎"}]));
        assert_eq!(v["series"][0]["label"]["formatter"], json!("{b}\n{d}%"));
        assert!(v["tooltip"]["formatter"].as_str().unwrap().contains("¥"), "tooltips carry the currency");
    }
}
