//! How the sales feature names its own values (analyses, statuses, tiers, the revenue basis), on
//! top of the string table: `use crate::sales::labels::SalesText;` then `tr().tier(t)`.

use super::model::{AnalysisKind, Basis, CustomerStatus, CustomerTier, StockStatus};
use crate::i18n::{AnalysisText, Strings};

pub trait SalesText {
    fn analysis(&self, kind: AnalysisKind) -> AnalysisText;
    fn stock_status(&self, s: StockStatus) -> &'static str;
    fn tier(&self, t: CustomerTier) -> &'static str;
    fn customer_status(&self, s: CustomerStatus) -> &'static str;
    /// What a stock status means with the page's thresholds.
    fn stock_status_help(&self, s: StockStatus, critical_at: i64, low_at: i64, excess_days: i64) -> String;
    /// What a customer status means with the page's thresholds (days to the range end).
    fn customer_status_help(&self, s: CustomerStatus, active_days: i64, risk_days: i64) -> String;
    fn basis_param(&self) -> &'static str;
    fn basis_name(&self, b: Basis) -> &'static str;
    /// "开票金额（不含税）": the basis as a column or axis label.
    fn basis_label(&self, b: Basis) -> &'static str;
    /// A customer's spend on the basis.
    fn spent_label(&self, b: Basis) -> &'static str;
    /// What the basis counts, beside the switch.
    fn basis_note(&self, b: Basis) -> &'static str;
    fn basis_no_invoices(&self) -> &'static str;
    /// Inventory has no switch: demand is what customers ordered.
    fn inventory_basis_note(&self) -> &'static str;
}

impl SalesText for Strings {
    fn analysis(&self, kind: AnalysisKind) -> AnalysisText {
        match kind {
            AnalysisKind::TopSellers => AnalysisText { name: "热销商品分析", description: "销售额最高的商品及其收入、客户数量、平均价格与销量", icon: "🏆" },
            AnalysisKind::Affinity => AnalysisText { name: "商品关联分析", description: "哪些商品经常被一起购买：支持度、置信度与提升度，用于捆绑销售与推荐", icon: "🔗" },
            AnalysisKind::Inventory => AnalysisText { name: "库存状态分析", description: "当前库存与近期需求对比，按可供天数识别缺货与积压风险", icon: "📦" },
            AnalysisKind::Customers => AnalysisText { name: "客户行为分析", description: "按消费额分层、按最近下单时间判断活跃状态，用于精准营销", icon: "👥" },
            AnalysisKind::Seasonal => AnalysisText { name: "季节性销售趋势", description: "热销商品的逐月销售表现，识别旺季与淡季", icon: "📊" },
        }
    }

    fn stock_status(&self, s: StockStatus) -> &'static str {
        match s {
            StockStatus::Critical => "紧急",
            StockStatus::Low => "偏低",
            StockStatus::Normal => "正常",
            StockStatus::Excess => "积压",
        }
    }

    fn tier(&self, t: CustomerTier) -> &'static str {
        match t {
            CustomerTier::Vip => "VIP",
            CustomerTier::Premium => "高级",
            CustomerTier::Regular => "普通",
            CustomerTier::Basic => "基础",
        }
    }

    fn customer_status(&self, s: CustomerStatus) -> &'static str {
        match s {
            CustomerStatus::Active => "活跃",
            CustomerStatus::AtRisk => "流失风险",
            CustomerStatus::Inactive => "已沉睡",
        }
    }

    fn stock_status_help(&self, s: StockStatus, critical_at: i64, low_at: i64, excess_days: i64) -> String {
        match s {
            StockStatus::Critical => format!("紧急：当前库存 ≤ {critical_at} 件，应立即补货。"),
            StockStatus::Low => format!("偏低：当前库存在 {critical_at} 到 {low_at} 件之间，需要安排补货。"),
            StockStatus::Normal => format!("正常：当前库存 > {low_at} 件，可供天数不超过 {excess_days} 天。"),
            StockStatus::Excess => format!("积压：当前库存 > {low_at} 件，按范围内日均销量可供超过 {excess_days} 天（或范围内没有卖出）。"),
        }
    }

    fn customer_status_help(&self, s: CustomerStatus, active_days: i64, risk_days: i64) -> String {
        match s {
            CustomerStatus::Active => format!("活跃：最近一次下单距范围结束日不超过 {active_days} 天。"),
            CustomerStatus::AtRisk => format!("流失风险：最近一次下单距范围结束日 {active_days} 到 {risk_days} 天。"),
            CustomerStatus::Inactive => format!("已沉睡：超过 {risk_days} 天没有下单。"),
        }
    }

    fn basis_param(&self) -> &'static str {
        self.p_basis
    }

    fn basis_name(&self, b: Basis) -> &'static str {
        match b {
            Basis::Invoiced => self.basis_invoiced,
            Basis::Ordered => self.basis_ordered,
        }
    }

    fn basis_label(&self, b: Basis) -> &'static str {
        match b {
            Basis::Invoiced => "开票金额（不含税）",
            Basis::Ordered => "订单金额（不含税）",
        }
    }

    fn spent_label(&self, b: Basis) -> &'static str {
        match b {
            Basis::Invoiced => "消费总额（开票，不含税）",
            Basis::Ordered => "消费总额（订单，不含税）",
        }
    }

    fn basis_note(&self, b: Basis) -> &'static str {
        match b {
            Basis::Invoiced => "按开票日期统计发票明细；未开票的订单不计入，欠货补发在开票时计入。订单与其欠货补发单合并为一次购买。",
            Basis::Ordered => "按下单日期统计订单明细（含未开票订单）。订单与其欠货补发单合并为一次购买。",
        }
    }

    fn basis_no_invoices(&self) -> &'static str {
        "该数据库没有开票数据，金额按订单统计。"
    }

    fn inventory_basis_note(&self) -> &'static str {
        "需求与金额均按订单统计（订单金额，不含税），与金额口径无关。"
    }
}
