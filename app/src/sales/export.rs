//! A sales table as CSV or XLSX (server only): the same query as the page (same validation, same
//! rows, same order), every column the page shows, amounts and ratios as numbers.

use super::model::*;
use super::params::AnalysisParams;
use crate::error::AppError;
use crate::i18n::tr;
use crate::spreadsheet::{encode, Cell, FileFormat, Sheet};
use super::service::SalesService;
use crate::sales::labels::SalesText;

fn opt(s: &Option<String>) -> Cell {
    s.clone().map(Cell::Text).unwrap_or(Cell::Empty)
}

/// One row per item in the page's order, each led by its rank (`#`, from 1).
fn ranked<T>(items: &[T], cells: impl Fn(&T) -> Vec<Cell>) -> Vec<Vec<Cell>> {
    items.iter().enumerate().map(|(i, x)| [Cell::Int(i as i64 + 1)].into_iter().chain(cells(x)).collect()).collect()
}

fn money_header(label: &str, c: Currency) -> String {
    format!("{label}（{}）", c.code())
}

/// The page's table as a sheet named after the analysis.
pub fn sheet(result: &AnalysisResult) -> Sheet {
    let t = tr();
    // Inventory has no basis: its demand is always on orders.
    let basis = result.params.basis().unwrap_or(Basis::Ordered);
    let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (headers, rows): (Vec<String>, Vec<Vec<Cell>>) = match &result.data {
        AnalysisData::TopSellers(r) => {
            let c = r.currency;
            let mut headers = h(&["#", t.c_product, t.c_color, t.c_brand, t.c_size]);
            headers.extend([money_header(t.basis_label(basis), c), t.c_customers.into(), money_header(t.c_avg_price, c), t.c_quantity.into()]);
            let rows = ranked(&r.rows, |x| {
                vec![
                    Cell::Text(x.name.clone()),
                    Cell::Text(x.color.clone()),
                    opt(&x.brand),
                    opt(&x.size),
                    Cell::Amount(x.revenue),
                    Cell::Int(x.customers),
                    Cell::Amount(x.avg_price),
                    Cell::Int(x.quantity),
                ]
            });
            (headers, rows)
        }
        AnalysisData::Affinity(r) => {
            let headers = h(&["#", t.c_product_a, t.c_product_b, t.c_co, t.c_support, t.c_confidence_max, t.c_confidence_ab, t.c_confidence_ba, t.c_lift]);
            let rows = ranked(&r.rows, |x| {
                vec![
                    Cell::Text(x.name_a.clone()),
                    Cell::Text(x.name_b.clone()),
                    Cell::Int(x.co_occurrence),
                    Cell::Percent(x.support),
                    Cell::Percent(x.confidence_ab.max(x.confidence_ba)),
                    Cell::Percent(x.confidence_ab),
                    Cell::Percent(x.confidence_ba),
                    Cell::Number(x.lift, 2),
                ]
            });
            (headers, rows)
        }
        AnalysisData::Inventory(r) => {
            let c = r.currency;
            let mut headers = h(&["#", t.c_product, t.c_brand, t.c_size, t.c_on_hand, t.c_reorder_level]);
            headers.extend([money_header(t.c_cost, c), t.c_frequency.into(), t.c_units_sold.into(), t.c_avg_demand.into(), t.c_daily_demand.into(), t.c_cover.into(), money_header(t.basis_label(basis), c), t.c_status.into()]);
            let rows = ranked(&r.rows, |x| {
                vec![
                    Cell::Text(x.name.clone()),
                    opt(&x.brand),
                    opt(&x.size),
                    Cell::Int(x.on_hand),
                    Cell::Int(x.reorder_level),
                    Cell::Amount(x.last_cost_price),
                    Cell::Int(x.order_frequency),
                    Cell::Int(x.units_sold),
                    x.avg_demand.map(|d| Cell::Number(d, 2)).unwrap_or(Cell::Empty),
                    Cell::Number(x.daily_demand, 2),
                    x.days_of_cover.map(|d| Cell::Number(d, 1)).unwrap_or(Cell::Empty),
                    Cell::Amount(x.revenue),
                    Cell::Text(t.stock_status(x.status).to_string()),
                ]
            });
            (headers, rows)
        }
        AnalysisData::Customers(r) => {
            let c = r.report.currency;
            let mut headers = h(&["#", t.c_customer, t.c_region, t.c_orders]);
            headers.extend([money_header(t.spent_label(basis), c), money_header(t.c_aov, c), t.c_unique_products.into(), t.c_last_order.into(), t.c_days_since.into(), t.c_tier.into(), t.c_status.into()]);
            let rows = ranked(&r.report.rows, |x| {
                vec![
                    Cell::Text(x.name.clone()),
                    Cell::Text(x.region.clone()),
                    Cell::Int(x.orders),
                    Cell::Amount(x.spent),
                    if x.orders > 0 { Cell::Amount(x.avg_order_value) } else { Cell::Empty },
                    Cell::Int(x.unique_products),
                    Cell::Date(x.last_order),
                    Cell::Int(x.days_since_last_order),
                    Cell::Text(t.tier(x.tier).to_string()),
                    Cell::Text(t.customer_status(x.status).to_string()),
                ]
            });
            (headers, rows)
        }
        AnalysisData::Seasonal(r) => {
            // The page's pivot: products in rank order, one column per month in the chosen measure.
            let c = r.report.currency;
            let measure = match &result.params {
                AnalysisParams::Seasonal(p) => p.measure,
                _ => SeasonalMeasure::Revenue,
            };
            let mut headers = h(&["#", t.c_product]);
            headers.extend(r.months.iter().map(|m| match measure {
                SeasonalMeasure::Revenue => money_header(&m.format("%Y-%m").to_string(), c),
                SeasonalMeasure::Quantity => m.format("%Y-%m").to_string(),
            }));
            headers.extend([money_header(t.basis_label(basis), c), t.c_total_quantity.into()]);
            let rows = ranked(&r.products, |p| {
                let cells = r.months.iter().map(|m| {
                    let row = r.report.rows.iter().find(|x| x.stock_item_id == p.stock_item_id && x.month == *m);
                    match measure {
                        SeasonalMeasure::Revenue => Cell::Amount(row.map(|x| x.revenue).unwrap_or_default()),
                        SeasonalMeasure::Quantity => Cell::Int(row.map(|x| x.quantity).unwrap_or_default()),
                    }
                });
                [Cell::Text(p.name.clone())].into_iter().chain(cells).chain([Cell::Amount(p.revenue), Cell::Int(p.quantity)]).collect()
            });
            (headers, rows)
        }
    };
    Sheet { name: t.analysis(result.kind).name.to_string(), headers, rows }
}

/// `GET /export/sales/<slug>.csv|xlsx?<the page's query>`: (content type, file name, bytes).
pub async fn export(sales: &SalesService, file: &str, raw: &[(String, String)]) -> Result<(&'static str, String, Vec<u8>), AppError> {
    let (slug, format) = match file.rsplit_once('.') {
        Some((slug, "csv")) => (slug, FileFormat::Csv),
        Some((slug, "xlsx")) => (slug, FileFormat::Xlsx),
        _ => return Err(AppError::UnknownAnalysis(file.chars().take(64).collect())),
    };
    let result = super::service::run(sales, slug, raw).await?;
    let range = result.params.range();
    let stem = format!("{}-{}-{}", tr().analysis(result.kind).name, range.from, range.to);
    encode(&sheet(&result), format, &stem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Data;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    #[test]
    fn affinity_sheet_has_percent_and_lift_as_numbers() {
        let d = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
        let range = DateRange { from: d, to: d };
        let row = AffinityRow {
            item_a: 1,
            name_a: "A".into(),
            item_b: 2,
            name_b: "B".into(),
            co_occurrence: 7,
            support: Decimal::new(95, 4),
            confidence_ab: Decimal::new(6174, 4),
            confidence_ba: Decimal::new(5, 1),
            lift: Decimal::new(32156, 4),
        };
        let result = AnalysisResult {
            kind: AnalysisKind::Affinity,
            params: AnalysisParams::Affinity(AffinityParams { range, top: 20, min_co: 5, sort: AffinitySort::Lift, dir: SortDir::Desc, basis: Basis::Invoiced }),
            data: AnalysisData::Affinity(Report { range, currency: Currency::Usd, total_rows: 1, rows: vec![row] }),
            span: DataSpan { first: d, last: d, invoices: true },
            source: "test".into(),
            fingerprint: String::new(),
        };
        let (sheet_name, rows) = crate::spreadsheet::tests::download_read_back(&sheet(&result));
        assert_eq!(sheet_name, "商品关联分析");
        assert_eq!(rows[0][4], Data::String("支持度".into()));
        assert_eq!(rows[1][3], Data::Float(7.0));
        assert_eq!(rows[1][4], Data::Float(0.0095));
        // The higher confidence has a column of its own, as on the page.
        assert_eq!(rows[0][5], Data::String("置信度（取高）".into()));
        assert_eq!(rows[1][5], Data::Float(0.6174));
        assert_eq!(rows[1][8], Data::Float(3.2156));
    }
}
