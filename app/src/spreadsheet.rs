//! A table as a download (server only): CSV (csv crate) or XLSX (rust_xlsxwriter). Shared by the
//! bill-line export and the sales tables, so both read the same in a spreadsheet: amounts and
//! counts are number cells (SUM works), a bold frozen header with a filter, sized columns and a
//! named sheet.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, Workbook};

use crate::error::AppError;

/// One cell with its kind, so each format writes it properly.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// Money with two places (the currency is a column of its own or in the header).
    Amount(Decimal),
    Int(i64),
    /// A plain decimal shown with `dp` places (lift, days of cover, daily demand).
    Number(Decimal, u32),
    /// A ratio shown as a percentage with two places (0.0095 → 0.95 %).
    Percent(Decimal),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    /// The exact text, for CSV (no float ever touches a CSV amount).
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Amount(d) => {
                let mut d = d.round_dp(2);
                d.rescale(2);
                d.to_string()
            }
            Cell::Int(n) => n.to_string(),
            Cell::Number(d, _) | Cell::Percent(d) => d.normalize().to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

pub struct Sheet {
    /// Sheet name (at most 31 characters, none of `[]:*?/\`).
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// UTF-8 CSV with a BOM so Excel opens the Chinese headers correctly.
pub fn csv(sheet: &Sheet) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(&sheet.headers).map_err(|e| e.to_string())?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(s) => inert(s),
            other => other.text(),
        }))
        .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// Text a spreadsheet would run as a formula (first character `=`, `+`, `-`, `@`, tab or CR)
/// with an apostrophe in front, so a name someone typed (a failed sign-in's user name, a product
/// name from a cloud) stays text when the CSV is opened ("CSV injection", OWASP). Number cells
/// are written by us and left alone; the workbook stores text as text and needs nothing.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// Width in Excel's character units: CJK characters count double.
fn width(text: &str) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 1.0 } else { 2.0 }).sum()
}

fn sheet_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\')).take(31).collect();
    if clean.trim().is_empty() {
        "Sheet1".into()
    } else {
        clean
    }
}

pub fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, String> {
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet_name(&sheet.name)).map_err(e)?;
    let header = Format::new().set_bold().set_background_color("#EEF2F7").set_align(FormatAlign::Center);
    let amount = Format::new().set_num_format("#,##0.00");
    let int = Format::new().set_num_format("#,##0");
    let percent = Format::new().set_num_format("0.00%");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let places: Vec<Format> = (0..=6).map(|dp| Format::new().set_num_format(if dp == 0 { "0".to_string() } else { format!("0.{}", "0".repeat(dp)) })).collect();
    let mut widths: Vec<f64> = sheet.headers.iter().map(|h| width(h) + 4.0).collect();
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &header).map_err(e)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            // A spreadsheet number is a binary double: the exact decimal becomes the nearest one,
            // which two-place money survives; the CSV keeps the exact text.
            let num = |d: &Decimal| d.to_f64().unwrap_or(0.0);
            match cell {
                Cell::Text(s) => ws.write_string(r, col, s).map(|_| ()),
                Cell::Amount(d) => ws.write_number_with_format(r, col, num(d), &amount).map(|_| ()),
                Cell::Int(n) => ws.write_number_with_format(r, col, *n as f64, &int).map(|_| ()),
                Cell::Number(d, dp) => ws.write_number_with_format(r, col, num(d), &places[(*dp as usize).min(6)]).map(|_| ()),
                Cell::Percent(d) => ws.write_number_with_format(r, col, num(d), &percent).map(|_| ()),
                Cell::Date(d) => ws.write_string_with_format(r, col, d.to_string(), &date).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(e)?;
            if let Some(w) = widths.get_mut(c) {
                *w = w.max(width(&cell.text()) + 2.0);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, w.min(60.0)).map_err(e)?;
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    if !sheet.headers.is_empty() {
        ws.autofilter(0, 0, sheet.rows.len() as u32, sheet.headers.len() as u16 - 1).map_err(e)?;
    }
    book.save_to_buffer().map_err(e)
}

/// `attachment` with an ASCII fallback name and the real (Chinese) one as RFC 5987
/// `filename*=UTF-8''…`, which every current browser prefers.
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for b in file_name.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            encoded.push(*b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The two download formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// The sheet in `format`: (content type, file name `stem.csv|xlsx`, bytes). A writer failure is
/// logged here and answered as a store failure.
pub fn encode(sheet: &Sheet, format: FileFormat, stem: &str) -> Result<(&'static str, String, Vec<u8>), AppError> {
    let failed = |e: String| {
        tracing::error!(error = %e, "export failed");
        AppError::StoreFailed
    };
    match format {
        FileFormat::Csv => Ok(("text/csv; charset=utf-8", format!("{stem}.csv"), csv(sheet).map_err(failed)?)),
        FileFormat::Xlsx => Ok((
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{stem}.xlsx"),
            xlsx(sheet).map_err(failed)?,
        )),
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::{Cursor, Read};

    /// The workbook's first sheet: (name, rows of cells) as calamine reads it.
    pub fn read_xlsx(bytes: &[u8]) -> (String, Vec<Vec<Data>>) {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a valid xlsx");
        let name = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&name).expect("first sheet");
        (name, range.rows().map(|r| r.to_vec()).collect())
    }

    /// `sheet` as the XLSX download, read back: (sheet name, rows).
    pub fn download_read_back(sheet: &Sheet) -> (String, Vec<Vec<Data>>) {
        let (content_type, _, bytes) = encode(sheet, FileFormat::Xlsx, "x").expect("encodes");
        assert_eq!(content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        read_xlsx(&bytes)
    }

    /// The first sheet's XML, to check the frozen pane and the filter (calamine does not read them).
    pub fn sheet_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("an xlsx is a zip");
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml").expect("sheet1").read_to_string(&mut xml).expect("utf-8");
        xml
    }

    fn sample() -> Sheet {
        Sheet {
            name: "账单明细".into(),
            headers: vec!["平台".into(), "应付金额".into(), "件数".into(), "支持度".into(), "提升度".into()],
            rows: vec![
                vec![Cell::Text("阿里云".into()), Cell::Amount(Decimal::new(12345, 2)), Cell::Int(3), Cell::Percent(Decimal::new(95, 4)), Cell::Number(Decimal::new(21234, 4), 2)],
                vec![Cell::Text("火山引擎".into()), Cell::Amount(Decimal::new(-50, 2)), Cell::Int(7), Cell::Percent(Decimal::new(6174, 4)), Cell::Empty],
            ],
        }
    }

    #[test]
    fn xlsx_has_number_cells_a_named_sheet_a_frozen_header_and_a_filter() {
        let bytes = xlsx(&sample()).unwrap();
        let (name, rows) = read_xlsx(&bytes);
        assert_eq!(name, "账单明细");
        assert_eq!(rows[0][0], Data::String("平台".into()));
        assert_eq!(rows[1][1], Data::Float(123.45), "amounts are numbers, so SUM works");
        assert_eq!(rows[2][1], Data::Float(-0.5));
        assert_eq!(rows[1][2], Data::Float(3.0));
        assert_eq!(rows[1][3], Data::Float(0.0095));
        assert_eq!(rows[1][0], Data::String("阿里云".into()));
        let xml = sheet_xml(&bytes);
        assert!(xml.contains("state=\"frozen\"") && xml.contains("ySplit=\"1\""), "frozen header: {xml}");
        assert!(xml.contains("<autoFilter ref=\"A1:E3\""), "filter over the table: {xml}");
        assert!(xml.contains("<col "), "column widths are set");
    }

    #[test]
    fn csv_keeps_exact_decimal_text() {
        let text = String::from_utf8(csv(&sample()).unwrap()).unwrap();
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next(), Some("平台,应付金额,件数,支持度,提升度"));
        assert_eq!(lines.next(), Some("阿里云,123.45,3,0.0095,2.1234"));
        assert_eq!(lines.next(), Some("火山引擎,-0.50,7,0.6174,"));
    }

    #[test]
    fn csv_text_that_looks_like_a_formula_stays_text() {
        let sheet = Sheet {
            name: "x".into(),
            headers: vec!["名称".into(), "金额".into()],
            rows: vec![
                vec![Cell::Text("=HYPERLINK(\"http://x\",\"点我\")".into()), Cell::Amount(Decimal::new(-5, 1))],
                vec![Cell::Text("@SUM(A1)".into()), Cell::Int(-3)],
                vec![Cell::Text("a=b, \"c\"".into()), Cell::Empty],
            ],
        };
        let text = String::from_utf8(csv(&sheet).unwrap()).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[1], "\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\",-0.50");
        assert_eq!(lines[2], "'@SUM(A1),-3", "number cells keep their sign");
        assert_eq!(lines[3], "\"a=b, \"\"c\"\"\",", "only the first character counts");
    }

    #[test]
    fn downloads_are_named_after_their_stem_and_format() {
        let (csv_type, csv_name, _) = encode(&sample(), FileFormat::Csv, "bill-lines").unwrap();
        assert_eq!((csv_type, csv_name.as_str()), ("text/csv; charset=utf-8", "bill-lines.csv"));
        let (_, xlsx_name, _) = encode(&sample(), FileFormat::Xlsx, "热销商品分析-2016-01-01").unwrap();
        assert_eq!(xlsx_name, "热销商品分析-2016-01-01.xlsx");
    }

    #[test]
    fn download_names_survive_chinese() {
        assert_eq!(
            content_disposition("热销商品分析-2016-01-01.xlsx"),
            "attachment; filename=\"______-2016-01-01.xlsx\"; filename*=UTF-8''%E7%83%AD%E9%94%80%E5%95%86%E5%93%81%E5%88%86%E6%9E%90-2016-01-01.xlsx"
        );
        assert_eq!(sheet_name("a/b[c]"), "abc");
    }
}
