//! One page per analysis: parameter form, chart, sortable table. Everything the page shows is
//! driven by its URL, so a view can be bookmarked and shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::run_analysis;
use super::basis::BasisSwitch;
use super::charts;
use super::model::*;
use super::params::{
    basis_key, AnalysisParams, RawQuery, AFFINITY_SORTS, CUSTOMER_SORTS, INVENTORY_SORTS, TOP_SELLERS_SORTS,
};
use crate::bundle_image::panel::BundleImagePanel;
use crate::components::echart::EChart;
use crate::insights::panel::InsightPanel;
use crate::components::format::{amount, count, money};
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
    let basis = result.params.basis();
    let table = table(&result.data, &raw, slug, basis.unwrap_or(Basis::Ordered));
    let insight = view! { <InsightPanel kind=result.kind raw=raw.clone() fingerprint=result.fingerprint.clone()/> };
    let images = match &result.data {
        AnalysisData::Affinity(r) => Some(view! { <BundleImagePanel rows=r.rows.clone()/> }),
        _ => None,
    };
    view! {
        <ParamForm params=result.params.clone() slug=slug/>
        <BasisSwitch slug=slug raw=raw.clone() basis=basis invoices=result.span.invoices/>
        <p class="summary" data-testid="summary">
            {format!("{} {} ~ {} · ", t.p_from, range.from, range.to)}
            {format!("{} {} / {} · ", t.p_top, shown, total)}
            {format!("{} {} · ", t.currency, currency.code())}
            {format!("{} {}（{} ~ {}）", t.data_source, result.source, result.span.first, result.span.last)}
        </p>
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

#[component]
fn ParamForm(params: AnalysisParams, slug: &'static str) -> impl IntoView {
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
    let basis = params.basis().map(|b| view! { <input type="hidden" name="basis" value=basis_key(b)/> });
    view! {
        <Form method="GET" action=format!("/sales/{slug}") attr:class="params">
            {inputs}
            {sort}
            {basis}
            <button type="submit">{t.apply}</button>
            <A href=format!("/sales/{slug}") attr:class="reset">{t.reset}</A>
        </Form>
    }
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

/// `basis` names the amount columns (inventory passes Ordered: its demand is on orders).
fn table(data: &AnalysisData, raw: &RawQuery, slug: &str, basis: Basis) -> AnyView {
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
                    {th(t.basis_label(basis), Some("revenue"), cur, slug, raw)}
                    {th(t.c_customers, Some("customers"), cur, slug, raw)}
                    <th>{t.c_avg_price}</th>
                    {th(t.c_quantity, Some("quantity"), cur, slug, raw)}
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Affinity(r) => {
            let cur = cur(&["lift", "confidence", "support", "co"]);
            let rows = r.rows.iter().enumerate().map(|(i, x)| view! {
                <tr>
                    <td class="num">{i + 1}</td><td>{x.name_a.clone()}</td><td>{x.name_b.clone()}</td>
                    <td class="num">{count(x.co_occurrence)}</td><td class="num">{format!("{:.4}", x.support)}</td>
                    <td class="num">{format!("{:.4}", x.confidence_ab)}</td><td class="num">{format!("{:.4}", x.confidence_ba)}</td>
                    <td class="num">{format!("{:.4}", x.lift)}</td>
                </tr>
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>"#"</th><th>{t.c_product_a}</th><th>{t.c_product_b}</th>
                    {th(t.c_co, Some("co"), cur, slug, raw)}
                    {th(t.c_support, Some("support"), cur, slug, raw)}
                    {th(t.c_confidence_ab, Some("confidence"), cur, slug, raw)}
                    <th>{t.c_confidence_ba}</th>
                    {th(t.c_lift, Some("lift"), cur, slug, raw)}
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Inventory(r) => {
            let cur = cur(&["frequency", "cover", "stock", "revenue"]);
            let c = r.currency;
            let rows = r.rows.iter().enumerate().map(|(i, x)| {
                let status_class = format!("badge {:?}", x.status).to_lowercase();
                view! {
                    <tr>
                        <td class="num">{i + 1}</td><td>{x.name.clone()}</td><td>{opt(&x.brand)}</td><td>{opt(&x.size)}</td>
                        <td class="num">{count(x.on_hand)}</td><td class="num">{count(x.reorder_level)}</td>
                        <td class="num">{money(x.last_cost_price, c)}</td><td class="num">{count(x.order_frequency)}</td>
                        <td class="num">{count(x.units_sold)}</td>
                        <td class="num">{x.avg_demand.map(amount).unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{x.daily_demand.to_string()}</td>
                        <td class="num">{x.days_of_cover.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{money(x.revenue, c)}</td>
                        <td><span class=status_class>{t.stock_status(x.status)}</span></td>
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
                    {th(t.basis_label(basis), Some("revenue"), cur, slug, raw)}
                    <th>{t.c_status}</th>
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Customers(r) => {
            let cur = cur(&["spent", "orders", "recency"]);
            let c = r.report.currency;
            let rows = r.report.rows.iter().enumerate().map(|(i, x)| view! {
                <tr>
                    <td class="num">{i + 1}</td><td>{x.name.clone()}</td><td>{x.region.clone()}</td>
                    <td class="num">{count(x.orders)}</td><td class="num">{money(x.spent, c)}</td>
                    <td class="num">{money(x.avg_order_value, c)}</td><td class="num">{count(x.unique_products)}</td>
                    <td>{x.last_order.to_string()}</td><td class="num">{count(x.days_since_last_order)}</td>
                    <td>{t.tier(x.tier)}</td><td>{t.customer_status(x.status)}</td>
                </tr>
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>"#"</th><th>{t.c_customer}</th><th>{t.c_region}</th>
                    {th(t.c_orders, Some("orders"), cur, slug, raw)}
                    {th(t.spent_label(basis), Some("spent"), cur, slug, raw)}
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
                    <td class="num">{x.avg_quantity.to_string()}</td><td class="num">{count(x.quantity)}</td>
                </tr>
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>{t.c_month}</th><th>{t.c_product}</th><th>{t.basis_label(basis)}</th><th>{t.c_orders}</th>
                    <th>{t.c_avg_quantity}</th><th>{t.c_quantity}</th>
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
    }
}
