//! Bill lines as CSV or XLSX (see [`crate::spreadsheet`]): every line of the page's range and
//! filter (and platform/product when drilled down). Names as the page shows them (阿里云, the
//! account's display name, 账单接口); amounts exact in the CSV and number cells in the workbook.

use super::model::BillLineView;
use super::params;
use crate::error::AppError;
use crate::i18n::tr;
use crate::spreadsheet::{encode, Cell, FileFormat, Sheet};
use super::sync::BillingServices;
use crate::billing::labels::BillingText;

fn sheet(lines: &[BillLineView]) -> Sheet {
    let t = tr();
    let headers = [t.b_platform, t.b_account, t.b_cycle, t.b_date, t.b_product_code, t.b_product, t.b_ai, t.b_pretax, t.b_payable, t.currency, t.b_source];
    let rows = lines
        .iter()
        .map(|v| {
            let l = &v.line;
            vec![
                Cell::Text(t.provider(l.provider).to_string()),
                Cell::Text(v.account_label().to_string()),
                Cell::Text(l.billing_cycle.format("%Y-%m").to_string()),
                l.date.map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::Text(l.product_code.clone()),
                Cell::Text(l.product_name.clone()),
                Cell::Text(if l.ai_service { "是" } else { "否" }.to_string()),
                Cell::Amount(l.pretax),
                Cell::Amount(l.payable),
                Cell::Text(l.currency.code().to_string()),
                Cell::Text(t.line_source(&v.source)),
            ]
        })
        .collect();
    Sheet { name: t.sheet_bill_lines.to_string(), headers: headers.iter().map(|h| h.to_string()).collect(), rows }
}

/// (content type, file name, bytes)
pub async fn export(billing: &BillingServices, format: FileFormat, raw: &[(String, String)]) -> Result<(&'static str, String, Vec<u8>), AppError> {
    let today = crate::calendar::shanghai_today();
    let p = params::parse(raw, today)?;
    let lines = super::overview::lines(billing, p.query, p.provider, p.product.as_deref()).await?;
    let stem = format!("bill-lines-{}-{}", p.query.from, p.query.to);
    encode(&sheet(&lines), format, &stem)
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::model::{BillLine, Currency, Provider};
    use calamine::Data;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    #[test]
    fn bill_lines_read_as_the_page_shows_them_with_numeric_amounts() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        let v = BillLineView {
            line: BillLine {
                provider: Provider::Aliyun,
                account: "aliyun-dev".into(),
                billing_cycle: d,
                date: Some(d),
                product_code: "sfm".into(),
                product_name: "百炼".into(),
                pretax: Decimal::new(1050, 2),
                payable: Decimal::new(999, 2),
                currency: Currency::Cny,
                ai_service: true,
            },
            source: "balance_delta".into(),
            sync_run_id: 1,
            display_name: "阿里云 开发测试".into(),
        };
        let (sheet_name, rows) = crate::spreadsheet::tests::download_read_back(&sheet(&[v.clone(), v]));
        assert_eq!(sheet_name, "账单明细");
        assert_eq!(rows[1][0], Data::String("阿里云".into()));
        assert_eq!(rows[1][1], Data::String("阿里云 开发测试".into()));
        assert_eq!(rows[1][8], Data::Float(9.99));
        assert_eq!(rows[1][10], Data::String("余额差额推算".into()));
    }
}
