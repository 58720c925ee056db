//! Every UI string, in one place. Simplified Chinese first; an English table can follow by
//! adding a second `Strings` value and choosing it in [`tr`].

use crate::sales::model::{AnalysisKind, Basis, CustomerStatus, CustomerTier, StockStatus};
use crate::billing::model::{AccountSyncState, GapKind, Provider, RunState};
use crate::bundle_image::model::ImageProblem;
use crate::error::{BodyProblem, LimitedAction};
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
    pub p_excess_days: &'static str,
    pub p_stock_status: &'static str,
    pub p_customer_status: &'static str,
    pub p_tier: &'static str,
    pub p_measure: &'static str,
    pub p_sort: &'static str,
    pub p_dir: &'static str,
    pub filter_all: &'static str,
    pub sort_asc: &'static str,
    pub sort_desc: &'static str,
    pub segments_title: &'static str,
    pub segments_hint: &'static str,
    pub c_total: &'static str,
    pub c_confidence_max: &'static str,
    pub c_total_quantity: &'static str,
    pub products_shown: &'static str,
    pub partial_month_note: &'static str,
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
    // figures as finance reads them: help, presets, exports, tiers (issue 9 part 3)
    pub h_support: &'static str,
    pub h_confidence: &'static str,
    pub h_lift: &'static str,
    pub h_cover: &'static str,
    pub h_days_since: &'static str,
    pub h_avg_price: &'static str,
    pub help_mark: &'static str,
    pub presets: &'static str,
    pub preset_this_month: &'static str,
    pub preset_last_month: &'static str,
    pub preset_90_days: &'static str,
    pub tiers_scaled: &'static str,
    pub img_prompt_used: &'static str,
    pub img_enlarge: &'static str,
    pub img_close: &'static str,
    pub sheet_bill_lines: &'static str,
    pub chart_pairs: &'static str,
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
    // AI cost page
    pub nav_cost: &'static str,
    pub b_title: &'static str,
    pub b_lead: &'static str,
    pub b_sync: &'static str,
    pub b_syncing: &'static str,
    pub b_sim_notice: &'static str,
    pub b_axis_cny: &'static str,
    pub b_platform: &'static str,
    pub b_account: &'static str,
    pub b_product: &'static str,
    pub b_product_code: &'static str,
    pub b_ai: &'static str,
    pub b_payable: &'static str,
    pub b_pretax: &'static str,
    pub b_lines: &'static str,
    pub b_date: &'static str,
    pub b_cycle: &'static str,
    pub b_source: &'static str,
    pub b_total: &'static str,
    pub b_month: &'static str,
    pub b_today: &'static str,
    pub b_balance: &'static str,
    pub b_scope: &'static str,
    pub b_scope_all: &'static str,
    pub b_scope_ai: &'static str,
    pub b_not_configured: &'static str,
    pub b_simulated: &'static str,
    pub b_accounts: &'static str,
    pub b_trend: &'static str,
    pub b_share: &'static str,
    pub b_products: &'static str,
    pub b_drill: &'static str,
    pub b_drill_all: &'static str,
    pub b_export_csv: &'static str,
    pub b_export_xlsx: &'static str,
    pub b_monthly_note: &'static str,
    pub b_own_usage: &'static str,
    pub b_model: &'static str,
    pub b_calls: &'static str,
    pub b_tokens: &'static str,
    pub b_images: &'static str,
    pub b_estimated: &'static str,
    pub b_billed: &'static str,
    pub b_price_note: &'static str,
    pub b_history: &'static str,
    pub b_run_state: &'static str,
    pub b_started: &'static str,
    pub b_trigger: &'static str,
    pub b_progress: &'static str,
    pub b_state_pending: &'static str,
    pub b_state_running: &'static str,
    pub b_state_ok: &'static str,
    pub b_state_failed: &'static str,
    pub b_state_not_configured: &'static str,
    pub b_run_ok: &'static str,
    pub b_run_partial: &'static str,
    pub b_run_failed: &'static str,
    pub b_run_running: &'static str,
    pub b_no_data: &'static str,
    pub b_usd_note: &'static str,
    pub b_deepseek_note: &'static str,
    pub b_gaps_title: &'static str,
    pub b_gap_failed: &'static str,
    pub b_gap_not_pulled: &'static str,
    pub b_gap_before_history: &'static str,
    pub b_gap_stale: &'static str,
    pub b_gap_more: &'static str,
    pub b_days: &'static str,
    pub b_months: &'static str,
    pub b_retry_sync: &'static str,
    pub b_incomplete: &'static str,
    pub b_joined_here: &'static str,
    pub b_joined_elsewhere: &'static str,
    pub b_scopes_failed: &'static str,
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
    p_excess_days: "积压：可供天数超过",
    p_stock_status: "库存状态",
    p_customer_status: "客户状态",
    p_tier: "客户等级",
    p_measure: "月度数值",
    p_sort: "排序方式",
    p_dir: "排序方向",
    filter_all: "全部",
    sort_asc: "升序",
    sort_desc: "降序",
    segments_title: "客户分层",
    segments_hint: "点击人数列出这些客户",
    c_total: "合计",
    c_confidence_max: "置信度（取高）",
    c_total_quantity: "销量合计",
    products_shown: "商品数",
    partial_month_note: "所选范围只覆盖这些月份的一部分，月度数字不是整月：",
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
    c_cover: "可供天数（按当前库存）",
    c_status: "状态",
    c_customer: "客户",
    c_region: "销售区域",
    c_orders: "订单数",
    c_spent: "消费总额",
    c_aov: "平均订单金额",
    c_unique_products: "购买商品种数",
    c_last_order: "最近下单",
    c_days_since: "距结束日天数",
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
    h_support: "支持度：同时包含这两件商品的订单占范围内全部订单的比例。",
    h_confidence: "置信度：买了前一件商品的订单中，也买了后一件的比例（A→B 以 A 为前提）。",
    h_lift: "提升度：同购的实际比例是两件商品相互独立时预期比例的几倍；大于 1 表示有关联，越大越强。",
    h_cover: "可供天数：按今天的库存（不是范围结束时的库存）÷ 范围内日均销量，估算现有库存还能卖多少天。",
    h_days_since: "距范围结束日：最近一次下单到所选结束日期的天数（不是到今天）。",
    h_avg_price: "平均单价：销售额 ÷ 销量（按数量加权）。",
    help_mark: "说明",
    presets: "快捷范围",
    preset_this_month: "本月",
    preset_last_month: "上月",
    preset_90_days: "近 90 天",
    tiers_scaled: "等级阈值按范围长度折算",
    img_prompt_used: "提示词",
    img_enlarge: "查看大图",
    img_close: "关闭",
    sheet_bill_lines: "账单明细",
    chart_pairs: "个组合",
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
    nav_cost: "AI成本管理",
    b_title: "AI成本管理",
    b_lead: "五个云平台的真实账单：总成本、本月与今日成本、各平台分布，每个数字都可追溯到账单明细。",
    b_sync: "🔄 同步云平台账单",
    b_syncing: "正在同步…",
    b_sim_notice: "模拟器数据：未配置任何云平台凭证，以下账单来自项目自带的云平台模拟器，仅供演示。",
    b_axis_cny: "每日成本（CNY）",
    b_platform: "平台",
    b_account: "账号",
    b_product: "产品",
    b_product_code: "产品代码",
    b_ai: "AI 模型服务",
    b_payable: "应付金额",
    b_pretax: "税前原价",
    b_lines: "明细条数",
    b_date: "日期",
    b_cycle: "账期",
    b_source: "来源",
    b_total: "区间总成本",
    b_month: "本月成本",
    b_today: "今日成本",
    b_balance: "余额",
    b_scope: "范围",
    b_scope_all: "全部云支出",
    b_scope_ai: "仅 AI 模型服务",
    b_not_configured: "待配置",
    b_simulated: "模拟器",
    b_accounts: "个账号",
    b_trend: "每日成本趋势",
    b_share: "平台分布",
    b_products: "按产品",
    b_drill: "账单明细",
    b_drill_all: "全部明细",
    b_export_csv: "导出 CSV",
    b_export_xlsx: "导出 Excel",
    b_monthly_note: "腾讯云账单为月度汇总（无日期），按整月计入所选范围，不计入每日趋势与今日成本。",
    b_own_usage: "本应用自身的 AI 用量（按用量估算）与阿里云百炼账单（已出账）对比",
    b_model: "模型",
    b_calls: "调用次数",
    b_tokens: "Token 输入/输出",
    b_images: "图片张数",
    b_estimated: "按用量估算（CNY）",
    b_billed: "百炼已出账（区间内）",
    b_price_note: "估算按阿里云百炼的公开标价（应用内置价目表）计算；模拟器的调用不产生真实费用。",
    b_history: "同步记录",
    b_run_state: "结果",
    b_started: "开始",
    b_trigger: "触发",
    b_progress: "进度",
    b_state_pending: "等待中",
    b_state_running: "同步中",
    b_state_ok: "成功",
    b_state_failed: "失败",
    b_state_not_configured: "未配置",
    b_run_ok: "全部成功",
    b_run_partial: "部分失败",
    b_run_failed: "失败",
    b_run_running: "进行中",
    b_no_data: "所选范围内还没有账单数据：点击“同步云平台账单”拉取。",
    b_usd_note: "美元账单按汇率折算为人民币显示，括号内为美元原币金额；汇率",
    b_deepseek_note: "无账单接口：由相邻两次余额快照推算（首次同步后为 0）",
    b_gaps_title: "以下账期的账单不完整，相关合计不是最终金额：",
    b_gap_failed: "未同步成功，金额不完整",
    b_gap_not_pulled: "尚未同步，金额不完整",
    b_gap_before_history: "早于同步的历史范围，没有账单（可调大 SUANPAN_BILLING_HISTORY_MONTHS）",
    b_gap_stale: "最近一次同步失败，显示的是上次成功拉取的数据",
    b_gap_more: "另有",
    b_days: "天",
    b_months: "个月",
    b_retry_sync: "重试同步",
    b_incomplete: "金额不完整",
    b_joined_here: "同步已在进行，已加入并显示其进度。",
    b_joined_elsewhere: "另一个进程（命令行或其他实例）正在同步，已加入并显示其进度。",
    b_scopes_failed: "个账期失败，下次同步自动重试",
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
            StockStatus::Excess => "积压",
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

    /// What a stock status means with the page's thresholds.
    pub fn stock_status_help(&self, s: StockStatus, critical_at: i64, low_at: i64, excess_days: i64) -> String {
        match s {
            StockStatus::Critical => format!("紧急：当前库存 ≤ {critical_at} 件，应立即补货。"),
            StockStatus::Low => format!("偏低：当前库存在 {critical_at} 到 {low_at} 件之间，需要安排补货。"),
            StockStatus::Normal => format!("正常：当前库存 > {low_at} 件，可供天数不超过 {excess_days} 天。"),
            StockStatus::Excess => format!("积压：当前库存 > {low_at} 件，按范围内日均销量可供超过 {excess_days} 天（或范围内没有卖出）。"),
        }
    }

    /// What a customer status means with the page's thresholds (days to the range end).
    pub fn customer_status_help(&self, s: CustomerStatus, active_days: i64, risk_days: i64) -> String {
        match s {
            CustomerStatus::Active => format!("活跃：最近一次下单距范围结束日不超过 {active_days} 天。"),
            CustomerStatus::AtRisk => format!("流失风险：最近一次下单距范围结束日 {active_days} 到 {risk_days} 天。"),
            CustomerStatus::Inactive => format!("已沉睡：超过 {risk_days} 天没有下单。"),
        }
    }

    /// Who started a sync (`SyncTrigger::as_str`), as the history shows it.
    pub fn sync_trigger(&self, trigger: &str) -> String {
        match trigger {
            "button" => "手动".into(),
            "cli" => "命令行".into(),
            "schedule" => "定时".into(),
            other => other.to_string(),
        }
    }

    /// Where a bill line came from (the store's `source`).
    pub fn line_source(&self, source: &str) -> String {
        match source {
            "bill" => "账单接口".into(),
            "balance_delta" => "余额差额推算".into(),
            other => other.to_string(),
        }
    }

    pub fn provider(&self, p: Provider) -> &'static str {
        match p {
            Provider::Aliyun => "阿里云",
            Provider::Volcengine => "火山引擎",
            Provider::Tencent => "腾讯云",
            Provider::Baidu => "百度智能云",
            Provider::DeepSeek => "DeepSeek",
        }
    }

    pub fn account_state(&self, s: AccountSyncState) -> &'static str {
        match s {
            AccountSyncState::Pending => self.b_state_pending,
            AccountSyncState::Running => self.b_state_running,
            AccountSyncState::Ok => self.b_state_ok,
            AccountSyncState::Failed => self.b_state_failed,
            AccountSyncState::NotConfigured => self.b_state_not_configured,
        }
    }

    pub fn gap(&self, k: GapKind) -> &'static str {
        match k {
            GapKind::Failed => self.b_gap_failed,
            GapKind::NotPulled => self.b_gap_not_pulled,
            GapKind::BeforeHistory => self.b_gap_before_history,
            GapKind::Stale => self.b_gap_stale,
        }
    }

    pub fn run_state(&self, s: RunState) -> &'static str {
        match s {
            RunState::Running => self.b_run_running,
            RunState::Ok => self.b_run_ok,
            RunState::Partial => self.b_run_partial,
            RunState::Failed => self.b_run_failed,
        }
    }

    pub fn image_problem(&self, p: &ImageProblem) -> String {
        match p {
            ImageProblem::EmptyPrompt => "提示词不能为空。".into(),
            ImageProblem::PromptTooLong { max } => format!("提示词过长：最多 {max} 个字符。"),
            ImageProblem::PromptControlCharacter => "提示词含有不可见的控制字符，请删除后重试。".into(),
            ImageProblem::UnknownSize(v) => format!("不支持的尺寸“{v}”，请从列表中选择。"),
            ImageProblem::NoBundle => "请选择一个商品组合。".into(),
            ImageProblem::UnknownItem(id) => format!("商品组合无效：商品编号 {id} 不在销售数据库中，请从关联分析中重新选择。"),
            ImageProblem::DuplicateItem(id) => format!("商品组合无效：商品编号 {id} 重复出现。"),
        }
    }

    pub fn body_problem(&self, p: &BodyProblem) -> String {
        match p {
            BodyProblem::NotJson => "请求无法识别：内容不是有效的 JSON。请刷新页面后重试。".into(),
            BodyProblem::MissingArgument(name) => format!("请求缺少参数 {name}。请刷新页面后重试。"),
            BodyProblem::WrongArgument => "请求的参数类型或取值不正确。请刷新页面后重试。".into(),
            BodyProblem::TooLarge { max_kib } => format!("请求内容过大：最多 {max_kib} KB。"),
        }
    }

    /// `wait_s` rounded up to whole minutes past a minute, so the user is never told too early.
    pub fn rate_limited(&self, action: LimitedAction, wait_s: u64) -> String {
        let what = match action {
            LimitedAction::Insight => "AI 分析",
            LimitedAction::Image => "营销图生成",
        };
        let wait = if wait_s < 60 { format!("{} 秒", wait_s.max(1)) } else { format!("{} 分钟", wait_s.div_ceil(60)) };
        format!("{what}请求过于频繁，已达到每个客户端的调用上限，请 {wait}后再试。")
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
            "excess" => self.p_excess_days,
            "tier" => self.p_tier,
            "status" => self.c_status,
            "measure" => self.p_measure,
            "dir" => self.p_dir,
            "sort" => self.p_sort,
            "basis" => self.basis_param(),
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
            Problem::NoInvoices => format!(
                "{what}：该销售数据库没有开票数据（Sales.InvoiceLines），无法按{}统计，请改用{}（ordered）。",
                self.basis_name(Basis::Invoiced),
                self.basis_name(Basis::Ordered)
            ),
        }
    }
}

/// The revenue basis (开票金额 / 订单金额): kept together so the switch, the labels and the
/// error message name it the same way.
impl Strings {
    pub fn basis_param(&self) -> &'static str {
        "金额口径"
    }

    pub fn basis_name(&self, b: Basis) -> &'static str {
        match b {
            Basis::Invoiced => "开票金额",
            Basis::Ordered => "订单金额",
        }
    }

    /// "开票金额（不含税）": the basis as a column or axis label.
    pub fn basis_label(&self, b: Basis) -> &'static str {
        match b {
            Basis::Invoiced => "开票金额（不含税）",
            Basis::Ordered => "订单金额（不含税）",
        }
    }

    /// A customer's spend on the basis.
    pub fn spent_label(&self, b: Basis) -> &'static str {
        match b {
            Basis::Invoiced => "消费总额（开票，不含税）",
            Basis::Ordered => "消费总额（订单，不含税）",
        }
    }

    /// What the basis counts, beside the switch.
    pub fn basis_note(&self, b: Basis) -> &'static str {
        match b {
            Basis::Invoiced => "按开票日期统计发票明细；未开票的订单不计入，欠货补发在开票时计入。订单与其欠货补发单合并为一次购买。",
            Basis::Ordered => "按下单日期统计订单明细（含未开票订单）。订单与其欠货补发单合并为一次购买。",
        }
    }

    pub fn basis_no_invoices(&self) -> &'static str {
        "该数据库没有开票数据，金额按订单统计。"
    }

    /// Inventory has no switch: demand is what customers ordered.
    pub fn inventory_basis_note(&self) -> &'static str {
        "需求与金额均按订单统计（订单金额，不含税），与金额口径无关。"
    }
}
