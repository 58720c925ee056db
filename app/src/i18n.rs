//! Every UI string, in one place. Simplified Chinese first; an English table can follow by
//! adding a second `Strings` value and choosing it in [`tr`].

use crate::sales::model::{AnalysisKind, CustomerStatus, CustomerTier, StockStatus};
use crate::bundle_image::model::ImageProblem;
use crate::sales::params::{ParamError, Problem};

pub struct AnalysisText {
    pub name: &'static str,
    pub description: &'static str,
    pub icon: &'static str,
}

pub struct Strings {
    pub app_name: &'static str,
    pub app_tagline: &'static str,
    pub nav_sales: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub open_analysis: &'static str,
    pub loading: &'static str,
    pub apply: &'static str,
    pub reset: &'static str,
    pub not_found: &'static str,
    pub back_home: &'static str,
    pub error_title: &'static str,
    pub no_rows: &'static str,
    pub data_source: &'static str,
    pub currency: &'static str,
    // parameters
    pub p_from: &'static str,
    pub p_to: &'static str,
    pub p_top: &'static str,
    pub p_min_co: &'static str,
    pub p_critical: &'static str,
    pub p_low: &'static str,
    pub p_vip: &'static str,
    pub p_premium: &'static str,
    pub p_regular: &'static str,
    pub p_active_days: &'static str,
    pub p_risk_days: &'static str,
    // columns
    pub c_product: &'static str,
    pub c_color: &'static str,
    pub c_brand: &'static str,
    pub c_size: &'static str,
    pub c_revenue: &'static str,
    pub c_customers: &'static str,
    pub c_avg_price: &'static str,
    pub c_quantity: &'static str,
    pub c_product_a: &'static str,
    pub c_product_b: &'static str,
    pub c_co: &'static str,
    pub c_support: &'static str,
    pub c_confidence_ab: &'static str,
    pub c_confidence_ba: &'static str,
    pub c_lift: &'static str,
    pub c_on_hand: &'static str,
    pub c_reorder_level: &'static str,
    pub c_cost: &'static str,
    pub c_frequency: &'static str,
    pub c_units_sold: &'static str,
    pub c_avg_demand: &'static str,
    pub c_daily_demand: &'static str,
    pub c_cover: &'static str,
    pub c_status: &'static str,
    pub c_customer: &'static str,
    pub c_region: &'static str,
    pub c_orders: &'static str,
    pub c_spent: &'static str,
    pub c_aov: &'static str,
    pub c_unique_products: &'static str,
    pub c_last_order: &'static str,
    pub c_days_since: &'static str,
    pub c_tier: &'static str,
    pub c_month: &'static str,
    pub c_avg_quantity: &'static str,
    // chart axes
    pub x_daily_demand: &'static str,
    pub y_on_hand: &'static str,
    pub customers_unit: &'static str,
    // errors
    pub e_unknown_analysis: &'static str,
    pub e_unreachable: &'static str,
    pub e_timeout: &'static str,
    pub e_query: &'static str,
    pub e_empty: &'static str,
    pub e_transport: &'static str,
    // AI insights and marketing images
    pub nav_images: &'static str,
    pub ai_title: &'static str,
    pub ai_generate: &'static str,
    pub ai_regenerate: &'static str,
    pub ai_generating: &'static str,
    pub ai_waiting: &'static str,
    pub ai_from_simulator: &'static str,
    pub ai_not_configured_hint: &'static str,
    pub ai_incomplete: &'static str,
    pub ai_meta_model: &'static str,
    pub ai_meta_time: &'static str,
    pub ai_meta_prompt: &'static str,
    pub ai_meta_tokens: &'static str,
    pub ai_meta_rows: &'static str,
    pub ai_cached: &'static str,
    pub ai_simulated_badge: &'static str,
    pub img_title: &'static str,
    pub img_bundle: &'static str,
    pub img_prompt: &'static str,
    pub img_size: &'static str,
    pub img_generate: &'static str,
    pub img_state_submitting: &'static str,
    pub img_state_pending: &'static str,
    pub img_state_running: &'static str,
    pub img_state_downloading: &'static str,
    pub img_state_succeeded: &'static str,
    pub img_state_failed: &'static str,
    pub img_polls: &'static str,
    pub img_gallery: &'static str,
    pub img_gallery_empty: &'static str,
    pub img_download: &'static str,
    pub img_from_simulator: &'static str,
    pub img_no_bundles: &'static str,
    pub img_prompt_chars: &'static str,
    pub e_ai_not_configured: &'static str,
    pub e_ai_key_rejected: &'static str,
    pub e_ai_throttled: &'static str,
    pub e_ai_content_filtered: &'static str,
    pub e_ai_provider: &'static str,
    pub e_ai_unavailable: &'static str,
    pub e_ai_stream_cut: &'static str,
    pub e_image_failed: &'static str,
    pub e_image_expired: &'static str,
    pub e_image_timeout: &'static str,
    pub e_not_found: &'static str,
    pub e_store: &'static str,
}

pub const ZH: Strings = Strings {
    app_name: "算盘",
    app_tagline: "销售分析 · AI 与云成本 · 配额管控",
    nav_sales: "销售分析",
    home_title: "智能销售分析",
    home_intro: "基于 WideWorldImporters 销售库的五项分析：每项都可调整日期范围与阈值，结果可排序、可分享链接。",
    open_analysis: "查看分析",
    loading: "正在加载数据…",
    apply: "应用",
    reset: "恢复默认",
    not_found: "页面不存在",
    back_home: "返回首页",
    error_title: "无法完成分析",
    no_rows: "所选范围内没有数据",
    data_source: "数据来源",
    currency: "币种",
    p_from: "开始日期",
    p_to: "结束日期",
    p_top: "显示条数",
    p_min_co: "最少同购次数",
    p_critical: "紧急库存上限",
    p_low: "低库存上限",
    p_vip: "VIP 消费额高于",
    p_premium: "高级客户消费额高于",
    p_regular: "普通客户消费额高于",
    p_active_days: "活跃：距上次下单天数不超过",
    p_risk_days: "流失风险：天数不超过",
    c_product: "商品",
    c_color: "颜色",
    c_brand: "品牌",
    c_size: "规格",
    c_revenue: "销售额",
    c_customers: "客户数",
    c_avg_price: "平均单价",
    c_quantity: "销量",
    c_product_a: "商品 A",
    c_product_b: "商品 B",
    c_co: "同购订单数",
    c_support: "支持度",
    c_confidence_ab: "置信度 A→B",
    c_confidence_ba: "置信度 B→A",
    c_lift: "提升度",
    c_on_hand: "当前库存",
    c_reorder_level: "再订货点",
    c_cost: "最近成本价",
    c_frequency: "订单频次",
    c_units_sold: "售出数量",
    c_avg_demand: "平均每单需求",
    c_daily_demand: "日均需求",
    c_cover: "可供天数",
    c_status: "状态",
    c_customer: "客户",
    c_region: "销售区域",
    c_orders: "订单数",
    c_spent: "消费总额",
    c_aov: "平均订单金额",
    c_unique_products: "购买商品种数",
    c_last_order: "最近下单",
    c_days_since: "距今天数",
    c_tier: "客户等级",
    c_month: "月份",
    c_avg_quantity: "平均每单数量",
    x_daily_demand: "日均需求（件/天）",
    y_on_hand: "当前库存（件）",
    customers_unit: "客户数",
    e_unknown_analysis: "未知的分析类型",
    e_unreachable: "无法连接销售数据库，请检查数据库地址、账号与网络后重试。",
    e_timeout: "销售数据库响应超时，请缩小日期范围或稍后重试。",
    e_query: "销售数据库查询失败，详情已记录在服务器日志中。",
    e_empty: "销售数据库中没有订单数据。",
    e_transport: "与服务器通信失败，请刷新页面重试。",
    nav_images: "营销图库",
    ai_title: "AI 分析洞察",
    ai_generate: "AI 分析",
    ai_regenerate: "重新生成",
    ai_generating: "AI 正在分析…",
    ai_waiting: "等待模型响应…",
    ai_from_simulator: "本地模拟器输出：未配置 DASHSCOPE_API_KEY，以下内容由项目自带的 DashScope 模拟器生成，仅供演示。",
    ai_not_configured_hint: "AI 未配置：设置环境变量 DASHSCOPE_API_KEY（百炼 API Key）后重启服务；演示时可设 SUANPAN_AI_SIMULATOR=on 使用本地模拟器。",
    ai_incomplete: "不完整：回答中途中断，以下为已收到的部分，未缓存。",
    ai_meta_model: "模型",
    ai_meta_time: "生成于",
    ai_meta_prompt: "提示词版本",
    ai_meta_tokens: "Token 输入/输出",
    ai_meta_rows: "提示中的数据行",
    ai_cached: "已缓存，重新打开不消耗 Token",
    ai_simulated_badge: "模拟器",
    img_title: "生成营销图",
    img_bundle: "商品组合",
    img_prompt: "提示词（可编辑）",
    img_size: "尺寸",
    img_generate: "生成营销图",
    img_state_submitting: "正在提交任务…",
    img_state_pending: "排队中（PENDING）",
    img_state_running: "生成中（RUNNING）",
    img_state_downloading: "正在下载图片…",
    img_state_succeeded: "已完成",
    img_state_failed: "失败",
    img_polls: "次查询",
    img_gallery: "已生成的营销图",
    img_gallery_empty: "还没有生成过营销图。",
    img_download: "下载",
    img_from_simulator: "模拟器生成的示意图",
    img_no_bundles: "当前条件下没有商品组合，请放宽日期范围或降低最少同购次数。",
    img_prompt_chars: "字",
    e_ai_not_configured: "未配置 AI 服务：请设置环境变量 DASHSCOPE_API_KEY（阿里云百炼 API Key）后重启；演示环境可设 SUANPAN_AI_SIMULATOR=on 使用本地模拟器。",
    e_ai_key_rejected: "DashScope 拒绝了配置的 API Key（InvalidApiKey），请检查 DASHSCOPE_API_KEY 与所选地域（国内/国际）是否匹配。",
    e_ai_throttled: "模型服务限流，已按提示自动退避重试仍未成功，请稍后再试",
    e_ai_content_filtered: "内容安全检查未通过，服务方说明：",
    e_ai_provider: "模型服务返回错误",
    e_ai_unavailable: "无法连接模型服务或响应超时，请稍后重试。",
    e_ai_stream_cut: "回答中途中断：已收到的部分标记为不完整，未缓存，可点击重新生成。",
    e_image_failed: "图片生成任务失败",
    e_image_expired: "图片任务已过期或不存在（任务结果只保留 24 小时），请重新生成。",
    e_image_timeout: "图片生成超时，任务未在规定时间内完成，请稍后重试。",
    e_not_found: "要找的记录不存在。",
    e_store: "保存数据失败，详情已记录在服务器日志中。",
};

pub fn tr() -> &'static Strings {
    &ZH
}

impl Strings {
    pub fn analysis(&self, kind: AnalysisKind) -> AnalysisText {
        match kind {
            AnalysisKind::TopSellers => AnalysisText {
                name: "热销商品分析",
                description: "销售额最高的商品及其收入、客户数量、平均价格与销量",
                icon: "🏆",
            },
            AnalysisKind::Affinity => AnalysisText {
                name: "商品关联分析",
                description: "哪些商品经常被一起购买：支持度、置信度与提升度，用于捆绑销售与推荐",
                icon: "🔗",
            },
            AnalysisKind::Inventory => AnalysisText {
                name: "库存状态分析",
                description: "当前库存与近期需求对比，按可供天数识别缺货与积压风险",
                icon: "📦",
            },
            AnalysisKind::Customers => AnalysisText {
                name: "客户行为分析",
                description: "按消费额分层、按最近下单时间判断活跃状态，用于精准营销",
                icon: "👥",
            },
            AnalysisKind::Seasonal => AnalysisText {
                name: "季节性销售趋势",
                description: "热销商品的逐月销售表现，识别旺季与淡季",
                icon: "📊",
            },
        }
    }

    pub fn stock_status(&self, s: StockStatus) -> &'static str {
        match s {
            StockStatus::Critical => "紧急",
            StockStatus::Low => "偏低",
            StockStatus::Normal => "正常",
        }
    }

    pub fn tier(&self, t: CustomerTier) -> &'static str {
        match t {
            CustomerTier::Vip => "VIP",
            CustomerTier::Premium => "高级",
            CustomerTier::Regular => "普通",
            CustomerTier::Basic => "基础",
        }
    }

    pub fn customer_status(&self, s: CustomerStatus) -> &'static str {
        match s {
            CustomerStatus::Active => "活跃",
            CustomerStatus::AtRisk => "流失风险",
            CustomerStatus::Inactive => "已沉睡",
        }
    }

    pub fn image_problem(&self, p: &ImageProblem) -> String {
        match p {
            ImageProblem::EmptyPrompt => "提示词不能为空。".into(),
            ImageProblem::PromptTooLong { max } => format!("提示词过长：最多 {max} 个字符。"),
            ImageProblem::UnknownSize(v) => format!("不支持的尺寸“{v}”，请从列表中选择。"),
            ImageProblem::NoBundle => "请选择一个商品组合。".into(),
        }
    }

    /// The label of a URL parameter, for error messages.
    pub fn param_label(&self, param: &str) -> String {
        let label = match param {
            "from" => self.p_from,
            "to" => self.p_to,
            "top" => self.p_top,
            "min_co" => self.p_min_co,
            "critical" => self.p_critical,
            "low" => self.p_low,
            "vip" => self.p_vip,
            "premium" => self.p_premium,
            "regular" => self.p_regular,
            "active_days" => self.p_active_days,
            "risk_days" => self.p_risk_days,
            "sort" => "排序方式",
            _ => return format!("参数 {param}"),
        };
        format!("{label}（{param}）")
    }

    pub fn param_error(&self, e: &ParamError) -> String {
        let what = self.param_label(&e.param);
        match &e.problem {
            Problem::NotADate(v) => format!("{what}：“{v}”不是有效日期，请使用 YYYY-MM-DD 格式。"),
            Problem::NotAWholeNumber(v) => format!("{what}：“{v}”不是有效的整数。"),
            Problem::NotAnAmount(v) => format!("{what}：“{v}”不是有效金额（非负数，最多两位小数）。"),
            Problem::OutOfRange { min, max } => format!("{what}：必须在 {min} 到 {max} 之间。"),
            Problem::FromAfterTo { from, to } => format!("日期范围无效：开始日期 {from} 晚于结束日期 {to}。"),
            Problem::RangeTooLong { max_days } => format!("日期范围过长：最多 {max_days} 天。"),
            Problem::UnknownChoice { value, allowed } => {
                format!("{what}：不支持“{value}”，可选值为 {}。", allowed.join("、"))
            }
            Problem::MustBeBelow { other } => format!("{what}：必须小于{}。", self.param_label(other)),
        }
    }
}
