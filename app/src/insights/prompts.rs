//! Versioned prompt templates for the five analyses and the compact data table they carry.
//!
//! The system and user prompts are the seed's (`AIEnhance` in the article the product was specified from), with
//! the affinity prompt naming our measures (lift and confidence instead of SupportScore). Bump a
//! template's `version` whenever its text or its table changes: the version is part of the cache
//! key, so old insights are not shown for a new prompt.

use std::fmt::Write;

use crate::i18n::tr;
use crate::money::Currency;
use crate::sales::model::{AnalysisData, AnalysisKind, AnalysisResult};
use crate::sales::labels::SalesText;

pub struct Template {
    pub version: &'static str,
    pub system: &'static str,
    pub instructions: &'static str,
}

pub fn template(kind: AnalysisKind) -> Template {
    let (version, system, instructions) = match kind {
        AnalysisKind::TopSellers => ("top-sellers.1", "你是一位资深的数据分析师。", "请根据以下热销商品数据，生成一段简洁、深刻的分析报告。\n报告应包括：\n1. 总结关键的销售趋势。\n2. 指出表现最突出的几款商品及其特点。\n3. 基于数据，提出1-2条具体的商业建议。"),
        AnalysisKind::Affinity => ("affinity.1", "你是一位零售策略师，擅长通过购物篮分析提升交叉销售。", "请分析以下商品关联数据（哪些商品经常被一起购买）。\n分析应包括：\n1. 识别出关联性最强的几组商品（基于提升度、置信度和同购订单数）。\n2. 提出具体的营销建议，如商品捆绑、组合折扣或在商品页面进行推荐。\n3. 指出是否有任何非直观的、有趣的商品组合值得关注。"),
        AnalysisKind::Inventory => ("inventory.1", "你是一位供应链和库存管理专家。", "请根据下面的库存状态和销售数据进行分析。\n分析应包括：\n1. 识别出有风险的商品，特别是库存状态为“紧急”且订单频次较高的商品，并建议立即采取行动。\n2. 找出库存积压的商品（库存量大但订单频次低、可供天数很长），并建议处理方式（如促销、清仓）。\n3. 对整体库存健康状况给出一个简要评价。"),
        AnalysisKind::Customers => ("customers.1", "你是一位客户关系管理（CRM）与营销专家。", "请分析以下客户行为和分层数据。\n分析应包括：\n1. 总结客户群体的构成（如VIP、高级客户的占比和特点）。\n2. 为不同客户状态（活跃、流失风险、已沉睡）的客户群体提出差异化的营销策略。\n3. 描述高价值客户的核心特征，为精准营销提供依据。"),
        AnalysisKind::Seasonal => ("seasonal.1", "你是一位市场分析师，精通销售预测和季节性趋势分析。", "请分析以下热销商品的月度销售数据，识别季节性趋势。\n分析应包括：\n1. 指出哪些商品有明显的销售旺季和淡季。\n2. 总结哪些月份是整体销售的高峰期和低谷期。\n3. 基于这些季节性模式，为库存规划和营销活动提供具体建议。"),
    };
    Template { version, system, instructions }
}

/// A prompt ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltPrompt {
    pub version: &'static str,
    pub system: String,
    pub user: String,
    pub rows_in_prompt: usize,
    pub rows_total: usize,
}

/// A rough token count for budgeting: one token per CJK character, one per four other
/// characters. Qwen's tokenizer is close to this for mixed Chinese and figures.
pub fn estimate_tokens(text: &str) -> usize {
    let (mut cjk, mut other) = (0usize, 0usize);
    for c in text.chars() {
        if (c as u32) >= 0x2E80 {
            cjk += 1;
        } else {
            other += 1;
        }
    }
    cjk + other.div_ceil(4)
}

/// A Markdown table cut to fit a token budget.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn cell(s: &str) -> String {
    s.replace('|', "/").replace('\n', " ")
}

impl Table {
    fn new(header: impl IntoIterator<Item = String>) -> Self {
        Table { header: header.into_iter().collect(), rows: Vec::new() }
    }

    fn line(cells: &[String]) -> String {
        let mut s = String::from("|");
        for c in cells {
            let _ = write!(s, " {} |", cell(c));
        }
        s.push('\n');
        s
    }

    /// The header and as many rows as fit in `budget` tokens (at least one).
    fn render(&self, budget: usize) -> (String, usize) {
        let mut out = Self::line(&self.header);
        out.push_str(&Self::line(&vec!["---".to_string(); self.header.len()]));
        let mut used = estimate_tokens(&out);
        let mut n = 0;
        for row in &self.rows {
            let line = Self::line(row);
            let cost = estimate_tokens(&line);
            if n > 0 && used + cost > budget {
                break;
            }
            used += cost;
            out.push_str(&line);
            n += 1;
        }
        (out, n)
    }
}

fn money_header(label: &str, c: Currency) -> String {
    format!("{label}({})", c.code())
}

/// The analysis as compact tables (no JSON dump): (caption, table) pairs, the main one last.
fn tables(data: &AnalysisData) -> Vec<(String, Table)> {
    let t = tr();
    let s = |v: &str| v.to_string();
    match data {
        AnalysisData::TopSellers(r) => {
            let mut tb = Table::new([s(t.c_product), s(t.c_brand), money_header(t.c_revenue, r.currency), s(t.c_customers), money_header(t.c_avg_price, r.currency), s(t.c_quantity)]);
            for x in &r.rows {
                tb.rows.push(vec![x.name.clone(), x.brand.clone().unwrap_or_default(), x.revenue.to_string(), x.customers.to_string(), x.avg_price.to_string(), x.quantity.to_string()]);
            }
            vec![(s("热销商品（按所选排序）"), tb)]
        }
        AnalysisData::Affinity(r) => {
            let mut tb = Table::new([s(t.c_product_a), s(t.c_product_b), s(t.c_co), s(t.c_support), s(t.c_confidence_ab), s(t.c_confidence_ba), s(t.c_lift)]);
            for x in &r.rows {
                tb.rows.push(vec![x.name_a.clone(), x.name_b.clone(), x.co_occurrence.to_string(), x.support.to_string(), x.confidence_ab.to_string(), x.confidence_ba.to_string(), x.lift.to_string()]);
            }
            vec![(s("商品关联（按所选排序）"), tb)]
        }
        AnalysisData::Inventory(r) => {
            let mut tb = Table::new([s(t.c_product), s(t.c_on_hand), s(t.c_reorder_level), s(t.c_frequency), s(t.c_units_sold), s(t.c_daily_demand), s(t.c_cover), money_header(t.c_revenue, r.currency), s(t.c_status)]);
            for x in &r.rows {
                let cover = x.days_of_cover.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
                tb.rows.push(vec![x.name.clone(), x.on_hand.to_string(), x.reorder_level.to_string(), x.order_frequency.to_string(), x.units_sold.to_string(), x.daily_demand.to_string(), cover, x.revenue.to_string(), s(t.stock_status(x.status))]);
            }
            vec![(s("库存与需求"), tb)]
        }
        AnalysisData::Customers(r) => {
            let mut seg = Table::new([s(t.c_tier), s(t.c_status), s(t.customers_unit)]);
            for x in &r.segments {
                seg.rows.push(vec![s(t.tier(x.tier)), s(t.customer_status(x.status)), x.customers.to_string()]);
            }
            let c = r.report.currency;
            let mut tb = Table::new([s(t.c_customer), s(t.c_region), s(t.c_orders), money_header(t.c_spent, c), money_header(t.c_aov, c), s(t.c_unique_products), s(t.c_days_since), s(t.c_tier), s(t.c_status)]);
            for x in &r.report.rows {
                tb.rows.push(vec![x.name.clone(), x.region.clone(), x.orders.to_string(), x.spent.to_string(), x.avg_order_value.to_string(), x.unique_products.to_string(), x.days_since_last_order.to_string(), s(t.tier(x.tier)), s(t.customer_status(x.status))]);
            }
            vec![(s("全部客户的分层（等级 × 状态）"), seg), (s("客户明细"), tb)]
        }
        AnalysisData::Seasonal(r) => {
            // Pivoted: one row per product, one column per month — far fewer tokens than
            // one row per (product, month).
            let months = &r.months;
            let mut header = vec![s(t.c_product)];
            header.extend(months.iter().map(|m| m.format("%Y-%m").to_string()));
            let mut tb = Table::new(header);
            let mut order: Vec<(i64, String)> = Vec::new();
            for x in &r.report.rows {
                if !order.iter().any(|(id, _)| *id == x.stock_item_id) {
                    order.push((x.stock_item_id, x.name.clone()));
                }
            }
            for (id, name) in order {
                let mut row = vec![name];
                for m in months {
                    let v = r.report.rows.iter().find(|x| x.stock_item_id == id && x.month == *m).map(|x| x.revenue.to_string());
                    row.push(v.unwrap_or_else(|| "0".into()));
                }
                tb.rows.push(row);
            }
            vec![(format!("逐月销售额({})", r.report.currency.code()), tb)]
        }
    }
}

/// The seed's prompts with the analysis as compact tables that fit in `budget` tokens.
pub fn build(result: &AnalysisResult, budget: usize) -> BuiltPrompt {
    let tpl = template(result.kind);
    let range = result.params.range();
    let mut user = format!("{}\n\n数据范围：{} 至 {}。\n", tpl.instructions, range.from, range.to);
    let tables = tables(&result.data);
    let mut left = budget.saturating_sub(estimate_tokens(&user));
    let (mut shown, mut total) = (0, 0);
    let last = tables.len().saturating_sub(1);
    for (i, (caption, table)) in tables.iter().enumerate() {
        let (text, n) = table.render(left);
        left = left.saturating_sub(estimate_tokens(&text));
        if i == last {
            shown = n;
            total = table.rows.len();
        }
        let note = if n < table.rows.len() { format!("（共 {} 行，以下为前 {n} 行）", table.rows.len()) } else { String::new() };
        let _ = write!(user, "\n{caption}{note}：\n{text}");
    }
    BuiltPrompt { version: tpl.version, system: tpl.system.to_string(), user, rows_in_prompt: shown, rows_total: total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sales::model::*;
    use crate::sales::params::AnalysisParams;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    fn range() -> DateRange {
        DateRange { from: NaiveDate::from_ymd_opt(2016, 1, 1).unwrap(), to: NaiveDate::from_ymd_opt(2016, 5, 31).unwrap() }
    }

    fn top_sellers(n: usize) -> AnalysisResult {
        let rows = (0..n)
            .map(|i| TopSellerRow {
                stock_item_id: i as i64,
                name: format!("USB 火箭形 U 盘 ({i}) | 蓝"),
                color: "Blue".into(),
                brand: Some("Northwind".into()),
                size: None,
                revenue: Decimal::new(123_456 + i as i64, 2),
                customers: 10,
                avg_price: Decimal::new(2500, 2),
                quantity: 48,
            })
            .collect();
        let range = range();
        AnalysisResult {
            kind: AnalysisKind::TopSellers,
            params: AnalysisParams::TopSellers(TopSellersParams { range, top: n as u32, sort: TopSellersSort::Revenue, dir: SortDir::Desc, basis: Basis::Invoiced }),
            data: AnalysisData::TopSellers(Report { range, currency: Currency::Usd, total_rows: n, rows }),
            span: DataSpan { first: range.from, last: range.to, invoices: true },
            source: "test".into(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn the_seed_prompt_carries_a_table_not_json() {
        let p = build(&top_sellers(3), 2000);
        assert_eq!(p.system, "你是一位资深的数据分析师。");
        assert!(p.user.starts_with("请根据以下热销商品数据，生成一段简洁、深刻的分析报告。"));
        assert!(p.user.contains("| 商品 | 品牌 | 销售额(USD) | 客户数 | 平均单价(USD) | 销量 |\n| --- |"));
        // A pipe inside a name would break the table.
        assert!(p.user.contains("| USB 火箭形 U 盘 (0) / 蓝 | Northwind | 1234.56 | 10 | 25.00 | 48 |"));
        assert!(!p.user.contains('{'));
        assert_eq!((p.rows_in_prompt, p.rows_total), (3, 3));
    }

    #[test]
    fn rows_are_cut_to_the_token_budget() {
        let big = build(&top_sellers(200), 800);
        assert!(big.rows_in_prompt < 200 && big.rows_in_prompt > 5, "{}", big.rows_in_prompt);
        assert!(estimate_tokens(&big.user) <= 800 + 40, "{}", estimate_tokens(&big.user));
        assert!(big.user.contains(&format!("（共 200 行，以下为前 {} 行）", big.rows_in_prompt)));
        // Never an empty table, however small the budget.
        assert_eq!(build(&top_sellers(5), 1).rows_in_prompt, 1);
    }

    #[test]
    fn token_estimate_counts_cjk_per_character() {
        assert_eq!(estimate_tokens("销售额"), 3);
        assert_eq!(estimate_tokens("abcdefgh"), 2);
        assert_eq!(estimate_tokens("销售 abcd"), 2 + 2);
    }

    #[test]
    fn each_analysis_has_its_own_versioned_template() {
        let versions: Vec<_> = AnalysisKind::ALL.iter().map(|k| template(*k).version).collect();
        for (i, v) in versions.iter().enumerate() {
            assert!(v.starts_with(AnalysisKind::ALL[i].slug()));
            assert_eq!(versions.iter().filter(|w| *w == v).count(), 1);
        }
        assert!(template(AnalysisKind::Affinity).instructions.contains("提升度"));
    }
}
