//! Bill lines as CSV (csv crate) or XLSX (rust_xlsxwriter): every line of the page's range and
//! filter (and platform/product when drilled down), amounts as exact decimal text.

use super::model::BillLineView;
use super::params;
use crate::error::AppError;
use crate::state::AppState;

pub enum Format {
    Csv,
    Xlsx,
}

const HEADER: [&str; 11] = ["平台", "账号", "账期", "日期", "产品代码", "产品名称", "AI 模型服务", "税前原价", "应付金额", "币种", "来源"];

fn row(v: &BillLineView) -> [String; 11] {
    let l = &v.line;
    [
        l.provider.slug().to_string(),
        l.account.clone(),
        l.billing_cycle.format("%Y-%m").to_string(),
        l.date.map(|d| d.to_string()).unwrap_or_default(),
        l.product_code.clone(),
        l.product_name.clone(),
        if l.ai_service { "是" } else { "否" }.to_string(),
        l.pretax.to_string(),
        l.payable.to_string(),
        l.currency.code().to_string(),
        v.source.clone(),
    ]
}

/// (content type, file name, bytes)
pub async fn export(state: &AppState, format: Format, raw: &[(String, String)]) -> Result<(&'static str, String, Vec<u8>), AppError> {
    let today = super::sync::today_in_shanghai();
    let p = params::parse(raw, today)?;
    let lines = super::overview::lines(state, p.query, p.provider, p.product.as_deref()).await?;
    let stem = format!("bill-lines-{}-{}", p.query.from, p.query.to);
    let failed = |e: String| {
        tracing::error!(error = %e, "export failed");
        AppError::StoreFailed
    };
    match format {
        Format::Csv => {
            // A BOM so Excel opens the UTF-8 Chinese headers correctly.
            let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
            w.write_record(HEADER).map_err(|e| failed(e.to_string()))?;
            for v in &lines {
                w.write_record(row(v)).map_err(|e| failed(e.to_string()))?;
            }
            let bytes = w.into_inner().map_err(|e| failed(e.to_string()))?;
            Ok(("text/csv; charset=utf-8", format!("{stem}.csv"), bytes))
        }
        Format::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (c, h) in HEADER.iter().enumerate() {
                sheet.write_string(0, c as u16, *h).map_err(|e| failed(e.to_string()))?;
            }
            for (r, v) in lines.iter().enumerate() {
                for (c, cell) in row(v).iter().enumerate() {
                    // Amounts stay text: a spreadsheet number is a float.
                    sheet.write_string(r as u32 + 1, c as u16, cell).map_err(|e| failed(e.to_string()))?;
                }
            }
            let bytes = book.save_to_buffer().map_err(|e| failed(e.to_string()))?;
            Ok(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", format!("{stem}.xlsx"), bytes))
        }
    }
}
