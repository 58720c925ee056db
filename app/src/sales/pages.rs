//! One page per analysis: parameter form, chart, sortable table. Everything the page shows is
//! driven by its URL, so a view can be bookmarked and shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::run_analysis;
use super::charts;
use super::model::*;
use super::params::{
    presets, AnalysisParams, RawQuery, AFFINITY_SORTS, CUSTOMER_SORTS, INVENTORY_SORTS, TOP_SELLERS_SORTS,
};
use crate::bundle_image::panel::BundleImagePanel;
use crate::components::echart::EChart;
use crate::insights::panel::InsightPanel;
use crate::components::format::{count, cover, fixed, lift, money, money_or_dash, percent};
use crate::error::AppError;
use crate::i18n::{tr, Strings};

#[component]
pub fn AnalysisPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("kind").unwrap_or_default();
    let raw = move || -> RawQuery { (&*query.read()).into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let result = Resource::new(move || (slug(), raw()), |(kind, q)| run_analysis(kind, q));

    let t = tr();
    let heading = move || {
        AnalysisKind::from_slug(&slug()).map(|k| {
            let a = t.analysis(k);
            view! {
                <Title text=format!("{} · {}", a.name, t.app_name)/>
                <h1><span class="icon">{a.icon}</span>{a.name}</h1>
                <p class="lead">{a.description}</p>
            }
        })
    };

    view! {
        <section class="analysis" data-kind=slug>
            <A href="/" attr:class="back">"← "{t.nav_sales}</A>
            {heading}
            <Suspense fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(r) => view! { <Loaded result=r raw=raw()/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ErrorPanel(error: AppError) -> impl IntoView {
    let t = tr();
    view! {
        <div class="error" role="alert" data-testid="error" data-status=error.status()>
            <h2>{t.error_title}</h2>
            <p>{error.message()}</p>
            <A href="/">{t.back_home}</A>
        </div>
    }
}

#[component]
fn Loaded(result: AnalysisResult, raw: RawQuery) -> impl IntoView {
    let t = tr();
    let slug = result.kind.slug();
    let range = result.params.range();
    let (shown, total, currency) = match &result.data {
        AnalysisData::TopSellers(r) => (r.rows.len(), r.total_rows, r.currency),
        AnalysisData::Affinity(r) => (r.rows.len(), r.total_rows, r.currency),
        AnalysisData::Inventory(r) => (r.rows.len(), r.total_rows, r.currency),
        AnalysisData::Customers(r) => (r.report.rows.len(), r.report.total_rows, r.report.currency),
        AnalysisData::Seasonal(r) => (r.report.rows.len(), r.report.total_rows, r.report.currency),
    };
    let chart = charts::for_data(&result.data);
    let table = table(&result.data, &result.params, &raw, slug);
    let insight = view! { <InsightPanel kind=result.kind raw=raw.clone() fingerprint=result.fingerprint.clone()/> };
    let images = match &result.data {
        AnalysisData::Affinity(r) => Some(view! { <BundleImagePanel rows=r.rows.clone()/> }),
        _ => None,
    };
    view! {
        <ParamForm params=result.params.clone() slug=slug span=result.span raw=raw.clone()/>
        <p class="summary" data-testid="summary">
            {format!("{} {} ~ {} · ", t.p_from, range.from, range.to)}
            {format!("{} {} / {} · ", t.p_top, shown, total)}
            {format!("{} {} · ", t.currency, currency.code())}
            {format!("{} {}（{} ~ {}）", t.data_source, result.source, result.span.first, result.span.last)}
            <span class="exports">
                <a href=export_href(slug, &raw, "csv") rel="external" download data-testid="sales-export-csv">{t.b_export_csv}</a>
                <a href=export_href(slug, &raw, "xlsx") rel="external" download data-testid="sales-export-xlsx">{t.b_export_xlsx}</a>
            </span>
        </p>
        {tier_note(&result.params, currency)}
        {if shown == 0 {
            view! { <p class="empty" data-testid="empty">{t.no_rows}</p> }.into_any()
        } else {
            view! {
                <EChart chart=chart label=t.analysis(result.kind).name/>
                {insight}
                {images}
                {table}
            }
            .into_any()
        }}
    }
}

/// (URL key, label, input type) of every parameter of one analysis, with its effective value.
fn fields(p: &AnalysisParams, t: &Strings) -> Vec<(&'static str, &'static str, &'static str, String)> {
    let range = p.range();
    let mut f = vec![("from", t.p_from, "date", range.from.to_string()), ("to", t.p_to, "date", range.to.to_string())];
    match p {
        AnalysisParams::TopSellers(p) => f.push(("top", t.p_top, "number", p.top.to_string())),
        AnalysisParams::Affinity(p) => {
            f.push(("top", t.p_top, "number", p.top.to_string()));
            f.push(("min_co", t.p_min_co, "number", p.min_co.to_string()));
        }
        AnalysisParams::Inventory(p) => {
            f.push(("top", t.p_top, "number", p.top.to_string()));
            f.push(("critical", t.p_critical, "number", p.critical_at.to_string()));
            f.push(("low", t.p_low, "number", p.low_at.to_string()));
        }
        AnalysisParams::Customers(p) => {
            let th = &p.thresholds;
            f.push(("top", t.p_top, "number", p.top.to_string()));
            f.push(("vip", t.p_vip, "text", th.vip_above.to_string()));
            f.push(("premium", t.p_premium, "text", th.premium_above.to_string()));
            f.push(("regular", t.p_regular, "text", th.regular_above.to_string()));
            f.push(("active_days", t.p_active_days, "number", th.active_within_days.to_string()));
            f.push(("risk_days", t.p_risk_days, "number", th.at_risk_within_days.to_string()));
        }
        AnalysisParams::Seasonal(p) => f.push(("top", t.p_top, "number", p.top.to_string())),
    }
    f
}

fn sort_key(p: &AnalysisParams) -> Option<&'static str> {
    fn key<T: PartialEq + Copy>(choices: &[(&'static str, T)], v: T) -> Option<&'static str> {
        choices.iter().find(|(_, c)| *c == v).map(|(k, _)| *k)
    }
    match p {
        AnalysisParams::TopSellers(p) => key(&TOP_SELLERS_SORTS, p.sort),
        AnalysisParams::Affinity(p) => key(&AFFINITY_SORTS, p.sort),
        AnalysisParams::Inventory(p) => key(&INVENTORY_SORTS, p.sort),
        AnalysisParams::Customers(p) => key(&CUSTOMER_SORTS, p.sort),
        AnalysisParams::Seasonal(_) => None,
    }
}

/// The table as a download: the same query as the page, served by `/export/sales/…`.
fn export_href(slug: &str, raw: &RawQuery, ext: &str) -> String {
    let map: leptos_router::params::ParamsMap = raw.iter().cloned().collect();
    format!("/export/sales/{slug}.{ext}{}", map.to_query_string())
}

/// The spend tiers in effect (scaled to the range length unless given in the URL).
fn tier_note(params: &AnalysisParams, c: Currency) -> Option<impl IntoView> {
    let AnalysisParams::Customers(p) = params else { return None };
    let t = tr();
    let th = &p.thresholds;
    let text = format!(
        "{}（{} 天）：{} > {} · {} > {} · {} > {} · {} ≤ {}",
        t.tiers_scaled,
        p.range.days(),
        t.tier(CustomerTier::Vip),
        money(th.vip_above, c),
        t.tier(CustomerTier::Premium),
        money(th.premium_above, c),
        t.tier(CustomerTier::Regular),
        money(th.regular_above, c),
        t.tier(CustomerTier::Basic),
        money(th.regular_above, c),
    );
    Some(view! { <p class="summary" data-testid="tier-thresholds">{text}</p> })
}

/// A small ⓘ whose explanation shows on hover and is read by screen readers.
fn help(text: String) -> impl IntoView {
    let t = tr();
    view! { <span class="help" tabindex="0" role="note" title=text.clone() aria-label=format!("{}：{text}", t.help_mark)>"ⓘ"</span> }
}

/// The explanation of a column header, if it has one.
fn header_help(label: &str) -> Option<&'static str> {
    let t = tr();
    [
        (t.c_support, t.h_support),
        (t.c_confidence_ab, t.h_confidence),
        (t.c_confidence_ba, t.h_confidence),
        (t.c_lift, t.h_lift),
        (t.c_cover, t.h_cover),
        (t.c_days_since, t.h_days_since),
        (t.c_avg_price, t.h_avg_price),
    ]
    .into_iter()
    .find(|(l, _)| *l == label)
    .map(|(_, h)| h)
}

/// A header cell that does not sort, with its explanation when it has one.
fn plain_th(label: &'static str) -> AnyView {
    view! { <th>{label}{header_help(label).map(|h| help(h.to_string()))}</th> }.into_any()
}

#[component]
fn ParamForm(params: AnalysisParams, slug: &'static str, span: DataSpan, raw: RawQuery) -> impl IntoView {
    let t = tr();
    let inputs = fields(&params, t)
        .into_iter()
        .map(|(key, label, kind, value)| {
            view! {
                <label>
                    <span>{label}</span>
                    <input type=kind name=key value=value inputmode=if kind == "text" { "decimal" } else { "" }/>
                </label>
            }
        })
        .collect_view();
    let sort = sort_key(&params).map(|s| view! { <input type="hidden" name="sort" value=s/> });
    view! {
        <Form method="GET" action=format!("/sales/{slug}") attr:class="params">
            {inputs}
            {sort}
            <button type="submit">{t.apply}</button>
            <A href=format!("/sales/{slug}") attr:class="reset">{t.reset}</A>
            <span class="presets" role="group" aria-label=t.presets>{preset_links(slug, &raw, span)}</span>
        </Form>
    }
}

/// 本月 / 上月 / 近 90 天: the current view with only the dates replaced.
fn preset_links(slug: &str, raw: &RawQuery, span: DataSpan) -> impl IntoView {
    let t = tr();
    presets(span)
        .into_iter()
        .map(|(key, range)| {
            let label = match key {
                "this_month" => t.preset_this_month,
                "last_month" => t.preset_last_month,
                _ => t.preset_90_days,
            };
            let mut pairs: Vec<(String, String)> = raw.iter().filter(|(k, _)| k != "from" && k != "to").cloned().collect();
            pairs.push(("from".into(), range.from.to_string()));
            pairs.push(("to".into(), range.to.to_string()));
            let map: leptos_router::params::ParamsMap = pairs.into_iter().collect();
            let title = format!("{} ~ {}", range.from, range.to);
            view! { <A href=format!("/sales/{slug}{}", map.to_query_string()) attr:data-preset=key attr:title=title>{label}</A> }
        })
        .collect_view()
}

/// The current URL with `sort` replaced.
fn sort_href(slug: &str, raw: &RawQuery, sort: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw.iter().filter(|(k, _)| k != "sort").cloned().collect();
    pairs.push(("sort".into(), sort.into()));
    let map: leptos_router::params::ParamsMap = pairs.into_iter().collect();
    format!("/sales/{slug}{}", map.to_query_string())
}

/// A header cell; sortable ones link to the same view sorted by them.
fn th(label: &'static str, sort: Option<&'static str>, current: Option<&'static str>, slug: &str, raw: &RawQuery) -> AnyView {
    match sort {
        Some(key) => {
            let active = current == Some(key);
            view! {
                <th class:sorted=active aria-sort=if active { "descending" } else { "none" }>
                    <a href=sort_href(slug, raw, key) data-sort=key>{label}{if active { " ▼" } else { "" }}</a>
                    {header_help(label).map(|h| help(h.to_string()))}
                </th>
            }
            .into_any()
        }
        None => view! { <th>{label}</th> }.into_any(),
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn table(data: &AnalysisData, params: &AnalysisParams, raw: &RawQuery, slug: &str) -> AnyView {
    let t = tr();
    let current = raw.iter().rev().find(|(k, _)| k == "sort").map(|(_, v)| v.as_str());
    // Only known keys can be "current"; the default sort is the first choice of each analysis.
    let cur = |choices: &[&'static str]| -> Option<&'static str> {
        current.and_then(|c| choices.iter().find(|k| **k == c).copied()).or(choices.first().copied())
    };
    match data {
        AnalysisData::TopSellers(r) => {
            let cur = cur(&["revenue", "quantity", "customers"]);
            let c = r.currency;
            let rows = r.rows.iter().enumerate().map(|(i, x)| view! {
                <tr>
                    <td class="num">{i + 1}</td><td>{x.name.clone()}</td><td>{x.color.clone()}</td>
                    <td>{opt(&x.brand)}</td><td>{opt(&x.size)}</td>
                    <td class="num">{money(x.revenue, c)}</td><td class="num">{count(x.customers)}</td>
                    <td class="num">{money(x.avg_price, c)}</td><td class="num">{count(x.quantity)}</td>
                </tr>
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>"#"</th><th>{t.c_product}</th><th>{t.c_color}</th><th>{t.c_brand}</th><th>{t.c_size}</th>
                    {th(t.c_revenue, Some("revenue"), cur, slug, raw)}
                    {th(t.c_customers, Some("customers"), cur, slug, raw)}
                    {plain_th(t.c_avg_price)}
                    {th(t.c_quantity, Some("quantity"), cur, slug, raw)}
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Affinity(r) => {
            let cur = cur(&["lift", "confidence", "support", "co"]);
            let rows = r.rows.iter().enumerate().map(|(i, x)| view! {
                <tr>
                    <td class="num">{i + 1}</td><td>{x.name_a.clone()}</td><td>{x.name_b.clone()}</td>
                    <td class="num">{count(x.co_occurrence)}</td><td class="num">{percent(x.support)}</td>
                    <td class="num">{percent(x.confidence_ab)}</td><td class="num">{percent(x.confidence_ba)}</td>
                    <td class="num">{lift(x.lift)}</td>
                </tr>
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>"#"</th><th>{t.c_product_a}</th><th>{t.c_product_b}</th>
                    {th(t.c_co, Some("co"), cur, slug, raw)}
                    {th(t.c_support, Some("support"), cur, slug, raw)}
                    {th(t.c_confidence_ab, Some("confidence"), cur, slug, raw)}
                    {plain_th(t.c_confidence_ba)}
                    {th(t.c_lift, Some("lift"), cur, slug, raw)}
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Inventory(r) => {
            let cur = cur(&["frequency", "cover", "stock", "revenue"]);
            let c = r.currency;
            let (critical_at, low_at) = match params {
                AnalysisParams::Inventory(p) => (p.critical_at, p.low_at),
                _ => (0, 0),
            };
            let rows = r.rows.iter().enumerate().map(|(i, x)| {
                let status_class = format!("badge {:?}", x.status).to_lowercase();
                let status_help = t.stock_status_help(x.status, critical_at, low_at);
                view! {
                    <tr>
                        <td class="num">{i + 1}</td><td>{x.name.clone()}</td><td>{opt(&x.brand)}</td><td>{opt(&x.size)}</td>
                        <td class="num">{count(x.on_hand)}</td><td class="num">{count(x.reorder_level)}</td>
                        <td class="num">{money(x.last_cost_price, c)}</td><td class="num">{count(x.order_frequency)}</td>
                        <td class="num">{count(x.units_sold)}</td>
                        <td class="num">{x.avg_demand.map(|d| fixed(d, 2)).unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{fixed(x.daily_demand, 2)}</td>
                        <td class="num">{cover(x.days_of_cover, x.on_hand)}</td>
                        <td class="num">{money(x.revenue, c)}</td>
                        <td><span class=status_class title=status_help>{t.stock_status(x.status)}</span></td>
                    </tr>
                }
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>"#"</th><th>{t.c_product}</th><th>{t.c_brand}</th><th>{t.c_size}</th>
                    {th(t.c_on_hand, Some("stock"), cur, slug, raw)}
                    <th>{t.c_reorder_level}</th><th>{t.c_cost}</th>
                    {th(t.c_frequency, Some("frequency"), cur, slug, raw)}
                    <th>{t.c_units_sold}</th><th>{t.c_avg_demand}</th><th>{t.c_daily_demand}</th>
                    {th(t.c_cover, Some("cover"), cur, slug, raw)}
                    {th(t.c_revenue, Some("revenue"), cur, slug, raw)}
                    <th>{t.c_status}</th>
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Customers(r) => {
            let cur = cur(&["spent", "orders", "recency"]);
            let c = r.report.currency;
            let (active_days, risk_days) = match params {
                AnalysisParams::Customers(p) => (p.thresholds.active_within_days, p.thresholds.at_risk_within_days),
                _ => (0, 0),
            };
            let rows = r.report.rows.iter().enumerate().map(|(i, x)| view! {
                <tr>
                    <td class="num">{i + 1}</td><td>{x.name.clone()}</td><td>{x.region.clone()}</td>
                    <td class="num">{count(x.orders)}</td><td class="num">{money(x.spent, c)}</td>
                    <td class="num">{money_or_dash(x.avg_order_value, c, x.orders > 0)}</td><td class="num">{count(x.unique_products)}</td>
                    <td>{x.last_order.to_string()}</td><td class="num">{count(x.days_since_last_order)}</td>
                    <td>{t.tier(x.tier)}</td>
                    <td><span class=format!("status {}", status_slug(x.status)) title=t.customer_status_help(x.status, active_days, risk_days)>{t.customer_status(x.status)}</span></td>
                </tr>
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>"#"</th><th>{t.c_customer}</th><th>{t.c_region}</th>
                    {th(t.c_orders, Some("orders"), cur, slug, raw)}
                    {th(t.c_spent, Some("spent"), cur, slug, raw)}
                    <th>{t.c_aov}</th><th>{t.c_unique_products}</th><th>{t.c_last_order}</th>
                    {th(t.c_days_since, Some("recency"), cur, slug, raw)}
                    <th>{t.c_tier}</th><th>{t.c_status}</th>
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Seasonal(r) => {
            let c = r.report.currency;
            let rows = r.report.rows.iter().map(|x| view! {
                <tr>
                    <td>{x.month.format("%Y-%m").to_string()}</td><td>{x.name.clone()}</td>
                    <td class="num">{money(x.revenue, c)}</td><td class="num">{count(x.orders)}</td>
                    <td class="num">{fixed(x.avg_quantity, 2)}</td><td class="num">{count(x.quantity)}</td>
                </tr>
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>{t.c_month}</th><th>{t.c_product}</th><th>{t.c_revenue}</th><th>{t.c_orders}</th>
                    <th>{t.c_avg_quantity}</th><th>{t.c_quantity}</th>
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
    }
}

/// A CSS class per customer status, so the colours say good (active) → bad (inactive).
fn status_slug(s: CustomerStatus) -> &'static str {
    match s {
        CustomerStatus::Active => "active",
        CustomerStatus::AtRisk => "at-risk",
        CustomerStatus::Inactive => "inactive",
    }
}
