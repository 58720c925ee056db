//! One page per analysis: parameter form, chart, sortable table. Everything the page shows is
//! driven by its URL, so a view can be bookmarked and shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::run_analysis;
use super::basis::BasisSwitch;
use super::charts;
use super::links::{href_with, with_query};
use super::model::*;
use super::params::{
    basis_key, choice_key, presets, AnalysisParams, RawQuery, AFFINITY_SORTS, CUSTOMER_SORTS, CUSTOMER_STATUSES,
    CUSTOMER_TIERS, INVENTORY_SORTS, MAX_TOP, SEASONAL_MEASURES, SEASONAL_SORTS, SORT_DIRS, STOCK_STATUSES,
    TOP_SELLERS_SORTS,
};
use crate::components::error_notice::ErrorNotice;
use crate::components::echart::EChart;
use crate::components::format::{count, cover, fixed, lift, money, money_or_dash, percent};
use crate::error::AppError;
use crate::i18n::{tr, Strings};
use crate::sales::labels::SalesText;

/// What other features show under an analysis's chart (the AI insight, bundle images). The
/// composition root supplies it, so sales knows none of them.
pub type Extras = fn(&AnalysisResult, &RawQuery) -> AnyView;

#[component]
pub fn AnalysisPage(extras: Extras) -> impl IntoView {
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
                        Ok(r) => view! { <Loaded result=r raw=raw() extras=extras/> }.into_any(),
                        // The form stays, with what was entered, so the value can be corrected.
                        Err(e) => view! {
                            {AnalysisKind::from_slug(&slug()).map(|k| entered_form(k, &raw()))}
                            <ErrorPanel error=e/>
                        }.into_any(),
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
        <ErrorNotice error=error testid="error" title=t.error_title>
            <A href="/">{t.back_home}</A>
        </ErrorNotice>
    }
}

#[component]
fn Loaded(result: AnalysisResult, raw: RawQuery, extras: Extras) -> impl IntoView {
    let t = tr();
    let slug = result.kind.slug();
    let range = result.params.range();
    let (shown, total, currency) = match &result.data {
        AnalysisData::TopSellers(r) => (r.rows.len(), r.total_rows, r.currency),
        AnalysisData::Affinity(r) => (r.rows.len(), r.total_rows, r.currency),
        AnalysisData::Inventory(r) => (r.rows.len(), r.total_rows, r.currency),
        AnalysisData::Customers(r) => (r.report.rows.len(), r.report.total_rows, r.report.currency),
        // The seasonal table has one row per product (the report's rows are product × month).
        AnalysisData::Seasonal(r) => (r.products.len(), r.report.total_rows, r.report.currency),
    };
    let shown_label = if result.kind == AnalysisKind::Seasonal { t.products_shown } else { t.p_top };
    let chart = charts::for_data(&result.data);
    let basis = result.params.basis();
    let (sort, dir) = sort_state(&result.params);
    let sorting = Sorting { slug, raw: &raw, sort, dir };
    let table = table(&result.data, &result.params, &sorting);
    let segments = match (&result.data, &result.params) {
        (AnalysisData::Customers(r), AnalysisParams::Customers(p)) => Some(segment_table(r, p, &sorting)),
        _ => None,
    };
    let extras = extras(&result, &raw);
    view! {
        {
            let (sort, dir) = sort_state(&result.params);
            let selects = selects(&result.params, t).into_iter().map(|(k, l, o, v)| (k, l, o, v.to_string())).collect();
            let presets = Some((raw.clone(), result.span));
            view! {
                <ParamForm fields=fields(&result.params, t) selects=selects sort=Some(sort.to_string())
                    dir=Some(choice_key(&SORT_DIRS, dir).to_string()) basis=basis.map(|b| basis_key(b).to_string())
                    slug=slug presets=presets/>
            }
        }
        <BasisSwitch slug=slug raw=raw.clone() basis=basis invoices=result.span.invoices/>
        <p class="summary" data-testid="summary">
            {format!("{} {} ~ {} · ", t.p_from, range.from, range.to)}
            {format!("{} {} / {} · ", shown_label, shown, total)}
            {format!("{} {} · ", t.currency, currency.code())}
            {format!("{} {}（{} ~ {}）", t.data_source, result.source, result.span.first, result.span.last)}
            <span class="exports">
                <a href=export_href(slug, &raw, "csv") rel="external" download data-testid="sales-export-csv">{t.b_export_csv}</a>
                <a href=export_href(slug, &raw, "xlsx") rel="external" download data-testid="sales-export-xlsx">{t.b_export_xlsx}</a>
            </span>
        </p>
        {tier_note(&result.params, currency)}
        {segments}
        {if shown == 0 {
            view! { <p class="empty" data-testid="empty">{t.no_rows}</p> }.into_any()
        } else {
            view! {
                <EChart chart=chart label=t.analysis(result.kind).name/>
                {extras}
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
            f.push(("excess", t.p_excess_days, "number", p.excess_days.to_string()));
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

/// A drop-down parameter: URL key, label, (value, label) options, selected value.
type Select = (&'static str, &'static str, Vec<(&'static str, &'static str)>, &'static str);

/// The options of a choice list; `all` adds a first, empty option (the filter off).
fn options<T: Copy>(choices: &[(&'static str, T)], label: impl Fn(T) -> &'static str, all: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    all.map(|a| ("", a)).into_iter().chain(choices.iter().map(|(k, v)| (*k, label(*v)))).collect()
}

fn selects(p: &AnalysisParams, t: &'static Strings) -> Vec<Select> {
    let all = Some(t.filter_all);
    let chosen = |k: Option<&'static str>| k.unwrap_or_default();
    match p {
        AnalysisParams::Inventory(p) => vec![(
            "status",
            t.p_stock_status,
            options(&STOCK_STATUSES, |s| t.stock_status(s), all),
            chosen(p.status.map(|s| choice_key(&STOCK_STATUSES, s))),
        )],
        AnalysisParams::Customers(p) => vec![
            ("status", t.p_customer_status, options(&CUSTOMER_STATUSES, |s| t.customer_status(s), all), chosen(p.status.map(|s| choice_key(&CUSTOMER_STATUSES, s)))),
            ("tier", t.p_tier, options(&CUSTOMER_TIERS, |x| t.tier(x), all), chosen(p.tier.map(|x| choice_key(&CUSTOMER_TIERS, x)))),
        ],
        AnalysisParams::Seasonal(p) => {
            let label = |m: SeasonalMeasure| if m == SeasonalMeasure::Revenue { t.c_revenue } else { t.c_quantity };
            vec![("measure", t.p_measure, options(&SEASONAL_MEASURES, label, None), choice_key(&SEASONAL_MEASURES, p.measure))]
        }
        _ => vec![],
    }
}

/// The view's effective sort key (as in the URL) and direction.
fn sort_state(p: &AnalysisParams) -> (&'static str, SortDir) {
    match p {
        AnalysisParams::TopSellers(p) => (choice_key(&TOP_SELLERS_SORTS, p.sort), p.dir),
        AnalysisParams::Affinity(p) => (choice_key(&AFFINITY_SORTS, p.sort), p.dir),
        AnalysisParams::Inventory(p) => (choice_key(&INVENTORY_SORTS, p.sort), p.dir),
        AnalysisParams::Customers(p) => (choice_key(&CUSTOMER_SORTS, p.sort), p.dir),
        AnalysisParams::Seasonal(p) => (choice_key(&SEASONAL_SORTS, p.sort), p.dir),
    }
}

/// The form of a query the server refused: every value as entered (absent dates left empty, so
/// the data's default range applies), an entered sort kept only when it is a known choice.
fn entered_form(kind: AnalysisKind, raw: &RawQuery) -> impl IntoView {
    let any = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    // Without invoices an entered `basis=invoiced` is not kept: the default basis applies again.
    let span = DataSpan { first: any, last: any, invoices: false };
    let entered = |key: &str| raw.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let defaults = super::params::parse(kind, &[], span).ok();
    let list: Vec<_> = defaults
        .as_ref()
        .map(|d| fields(d, tr()))
        .unwrap_or_default()
        .into_iter()
        .map(|(key, label, input, default)| {
            let value = entered(key).unwrap_or(if input == "date" { String::new() } else { default });
            (key, label, input, value)
        })
        .collect();
    let valid = |key: &str| entered(key).filter(|v| super::params::parse(kind, &[(key.into(), v.clone())], span).is_ok());
    let chosen: Vec<_> = defaults
        .as_ref()
        .map(|d| selects(d, tr()))
        .unwrap_or_default()
        .into_iter()
        .map(|(key, label, opts, default)| (key, label, opts, valid(key).unwrap_or_else(|| default.to_string())))
        .collect();
    view! { <ParamForm fields=list selects=chosen sort=valid("sort") dir=valid("dir") basis=valid("basis") slug=kind.slug() presets=None/> }
}

/// The table as a download: the same query as the page, served by `/export/sales/…`.
fn export_href(slug: &str, raw: &RawQuery, ext: &str) -> String {
    with_query(format!("/export/sales/{slug}.{ext}"), raw, &[], &[])
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
        (t.c_confidence_max, t.h_confidence),
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

#[component]
fn ParamForm(
    fields: Vec<(&'static str, &'static str, &'static str, String)>,
    selects: Vec<(&'static str, &'static str, Vec<(&'static str, &'static str)>, String)>,
    sort: Option<String>,
    dir: Option<String>,
    basis: Option<String>,
    slug: &'static str,
    /// The page's query and data span, for the quick date ranges (none on a refused query).
    presets: Option<(RawQuery, DataSpan)>,
) -> impl IntoView {
    let t = tr();
    let inputs = fields
        .into_iter()
        .map(|(key, label, kind, value)| {
            view! {
                <label>
                    <span>{label}</span>
                    <input type=kind name=key value=value inputmode=if kind == "text" { "decimal" } else { "" }/>
                </label>
            }
            .into_any()
        });
    let selects = selects
        .into_iter()
        .map(|(key, label, opts, selected)| {
            let opts = opts
                .into_iter()
                .map(|(value, text)| view! { <option value=value selected={value == selected}>{text}</option> })
                .collect_view();
            view! {
                <label>
                    <span>{label}</span>
                    <select name=key>{opts}</select>
                </label>
            }
            .into_any()
        });
    // One list of controls: an empty list of selects before static elements breaks hydration.
    let controls = inputs.chain(selects).collect_view();
    // The table's sort and the basis switch's choice survive a form submit.
    let sort = sort.map(|s| view! { <input type="hidden" name="sort" value=s/> });
    let dir = dir.map(|d| view! { <input type="hidden" name="dir" value=d/> });
    let basis = basis.map(|b| view! { <input type="hidden" name="basis" value=b/> });
    view! {
        <Form method="GET" action=format!("/sales/{slug}") attr:class="params"
            on_form_data=std::sync::Arc::new(crate::components::interactive::drop_nameless)>
            {controls}
            {sort}
            {dir}
            {basis}
            <button type="submit">{t.apply}</button>
            <A href=format!("/sales/{slug}") attr:class="reset">{t.reset}</A>
            {presets.map(|(raw, span)| view! {
                <span class="presets" role="group" aria-label=t.presets>{preset_links(slug, &raw, span)}</span>
            })}
        </Form>
    }
}

/// 本月 / 上月 / 近 90 天: the current view with only the dates replaced.
fn preset_links(slug: &'static str, raw: &RawQuery, span: DataSpan) -> impl IntoView {
    let t = tr();
    presets(span)
        .into_iter()
        .map(|(key, range)| {
            let label = match key {
                "this_month" => t.preset_this_month,
                "last_month" => t.preset_last_month,
                _ => t.preset_90_days,
            };
            let href = href_with(slug, raw, &["from", "to"], &[("from", range.from.to_string()), ("to", range.to.to_string())]);
            let title = format!("{} ~ {}", range.from, range.to);
            view! { <A href=href attr:data-preset=key attr:title=title>{label}</A> }
        })
        .collect_view()
}
/// What the table headers need: the page's URL and its effective sort.
struct Sorting<'a> {
    slug: &'static str,
    raw: &'a RawQuery,
    sort: &'static str,
    dir: SortDir,
}

impl Sorting<'_> {
    /// A sortable header: the active one shows its real direction and flips it when clicked;
    /// another one sorts by its column in that column's default direction.
    fn th(&self, label: &'static str, key: &'static str) -> AnyView {
        let active = self.sort == key;
        let (aria, arrow) = match (active, self.dir) {
            (false, _) => ("none", ""),
            (true, SortDir::Asc) => ("ascending", " ▲"),
            (true, SortDir::Desc) => ("descending", " ▼"),
        };
        let href = if active {
            href_with(self.slug, self.raw, &["sort", "dir"], &[("sort", key.into()), ("dir", choice_key(&SORT_DIRS, self.dir.flip()).into())])
        } else {
            href_with(self.slug, self.raw, &["sort", "dir"], &[("sort", key.into())])
        };
        view! {
            <th class:sorted=active aria-sort=aria>
                <a href=href data-sort=key>{label}{arrow}</a>
                {header_help(label).map(|h| help(h.to_string()))}
            </th>
        }
        .into_any()
    }

    /// Sortable headers in a row: (label, sort key) each.
    fn ths(&self, columns: &[(&'static str, &'static str)]) -> AnyView {
        columns.iter().map(|&(label, key)| self.th(label, key)).collect_view().into_any()
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// Customers per tier × status; every count links to the list of those customers (a filter),
/// with `top` raised so the whole segment fits.
fn segment_table(r: &CustomerReport, p: &CustomerParams, s: &Sorting) -> AnyView {
    let t = tr();
    let n = |tier: Option<CustomerTier>, status: Option<CustomerStatus>| -> i64 {
        r.segments
            .iter()
            .filter(|x| tier.is_none_or(|v| x.tier == v) && status.is_none_or(|v| x.status == v))
            .map(|x| x.customers)
            .sum()
    };
    let cell = |tier: Option<CustomerTier>, status: Option<CustomerStatus>| {
        let members = n(tier, status);
        let top = u32::try_from(members).unwrap_or(MAX_TOP).clamp(p.top, MAX_TOP);
        let mut set = vec![("top", top.to_string())];
        if let Some(v) = status {
            set.push(("status", choice_key(&CUSTOMER_STATUSES, v).to_string()));
        }
        if let Some(v) = tier {
            set.push(("tier", choice_key(&CUSTOMER_TIERS, v).to_string()));
        }
        let href = href_with(s.slug, s.raw, &["status", "tier", "top"], &set);
        let current = p.tier == tier && p.status == status;
        let status_key = status.map(|v| choice_key(&CUSTOMER_STATUSES, v)).unwrap_or("all");
        let tier_key = tier.map(|v| choice_key(&CUSTOMER_TIERS, v)).unwrap_or("all");
        view! {
            <td class="num" class:current=current>
                <a href=href data-status=status_key data-tier=tier_key aria-current={current.then_some("true")}>{count(members)}</a>
            </td>
        }
    };
    let rows = CustomerTier::ALL
        .into_iter()
        .map(Some)
        .chain([None])
        .map(|tier| {
            let cells = CustomerStatus::ALL.into_iter().map(|st| cell(tier, Some(st))).collect_view();
            view! {
                <tr>
                    <th scope="row">{tier.map(|x| t.tier(x)).unwrap_or(t.c_total)}</th>
                    {cells}
                    {cell(tier, None)}
                </tr>
            }
        })
        .collect_view();
    let heads = CustomerStatus::ALL.into_iter().map(|st| view! { <th class="num">{t.customer_status(st)}</th> }).collect_view();
    view! {
        <table class="data segments" data-testid="segments">
            <caption>{t.segments_title}" · "{t.segments_hint}</caption>
            <thead><tr><th>{t.c_tier}</th>{heads}<th class="num">{t.c_total}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn table(data: &AnalysisData, params: &AnalysisParams, s: &Sorting) -> AnyView {
    let t = tr();
    // Inventory has no basis: its demand is always on orders.
    let basis = params.basis().unwrap_or(Basis::Ordered);
    match data {
        AnalysisData::TopSellers(r) => {
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
                    <th>"#"</th>{s.th(t.c_product, "name")}<th>{t.c_color}</th><th>{t.c_brand}</th><th>{t.c_size}</th>
                    {s.ths(&[(t.basis_label(basis), "revenue"), (t.c_customers, "customers"),
                        (t.c_avg_price, "avg_price"), (t.c_quantity, "quantity")])}
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Affinity(r) => {
            let rows = r.rows.iter().enumerate().map(|(i, x)| view! {
                <tr>
                    <td class="num">{i + 1}</td><td>{x.name_a.clone()}</td><td>{x.name_b.clone()}</td>
                    <td class="num">{count(x.co_occurrence)}</td><td class="num">{percent(x.support)}</td>
                    <td class="num">{percent(x.confidence_ab.max(x.confidence_ba))}</td>
                    <td class="num">{percent(x.confidence_ab)}</td><td class="num">{percent(x.confidence_ba)}</td>
                    <td class="num">{lift(x.lift)}</td>
                </tr>
            }).collect_view();
            view! {
                <table class="data" data-testid="table"><thead><tr>
                    <th>"#"</th><th>{t.c_product_a}</th><th>{t.c_product_b}</th>
                    {s.ths(&[(t.c_co, "co"), (t.c_support, "support"), (t.c_confidence_max, "confidence"),
                        (t.c_confidence_ab, "confidence_ab"), (t.c_confidence_ba, "confidence_ba"),
                        (t.c_lift, "lift")])}
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Inventory(r) => {
            let c = r.currency;
            let (critical_at, low_at, excess_days) = match params {
                AnalysisParams::Inventory(p) => (p.critical_at, p.low_at, p.excess_days),
                _ => (0, 0, 0),
            };
            let rows = r.rows.iter().enumerate().map(|(i, x)| {
                let status_class = format!("badge {:?}", x.status).to_lowercase();
                let status_help = t.stock_status_help(x.status, critical_at, low_at, excess_days);
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
                    <th>"#"</th>{s.th(t.c_product, "name")}<th>{t.c_brand}</th><th>{t.c_size}</th>
                    {s.ths(&[(t.c_on_hand, "stock"), (t.c_reorder_level, "reorder"), (t.c_cost, "cost"),
                        (t.c_frequency, "frequency"), (t.c_units_sold, "units"), (t.c_avg_demand, "avg_demand"),
                        (t.c_daily_demand, "daily"), (t.c_cover, "cover"), (t.basis_label(basis), "revenue")])}
                    <th>{t.c_status}</th>
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Customers(r) => {
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
                    <th>"#"</th>{s.th(t.c_customer, "name")}{s.th(t.c_region, "region")}
                    {s.ths(&[(t.c_orders, "orders"), (t.spent_label(basis), "spent"), (t.c_aov, "aov"),
                        (t.c_unique_products, "products"), (t.c_last_order, "last_order"),
                        (t.c_days_since, "recency")])}
                    <th>{t.c_tier}</th><th>{t.c_status}</th>
                </tr></thead><tbody>{rows}</tbody></table>
            }.into_any()
        }
        AnalysisData::Seasonal(r) => {
            let measure = match params {
                AnalysisParams::Seasonal(p) => p.measure,
                _ => SeasonalMeasure::Revenue,
            };
            seasonal_pivot(r, measure, basis, s)
        }
    }
}

/// Products as rows, months as columns (revenue or quantity as the form chooses); months the
/// range covers only in part are starred and explained below the table.
fn seasonal_pivot(r: &SeasonalReport, measure: SeasonalMeasure, basis: Basis, s: &Sorting) -> AnyView {
    let t = tr();
    let c = r.report.currency;
    let range = r.report.range;
    let partial = range.partial_months();
    let heads = r
        .months
        .iter()
        .map(|m| {
            let is_partial = partial.contains(m);
            view! {
                <th class="num" class:partial=is_partial data-month={m.format("%Y-%m").to_string()}>
                    {m.format("%Y-%m").to_string()}{is_partial.then_some("*")}
                </th>
            }
        })
        .collect_view();
    let rows = r
        .products
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let cells = r
                .months
                .iter()
                .map(|m| {
                    let row = r.report.rows.iter().find(|x| x.stock_item_id == p.stock_item_id && x.month == *m);
                    let v = match measure {
                        SeasonalMeasure::Revenue => money(row.map(|x| x.revenue).unwrap_or_default(), c),
                        SeasonalMeasure::Quantity => count(row.map(|x| x.quantity).unwrap_or_default()),
                    };
                    view! { <td class="num">{v}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <td class="num">{i + 1}</td><td>{p.name.clone()}</td>{cells}
                    <td class="num">{money(p.revenue, c)}</td><td class="num">{count(p.quantity)}</td>
                </tr>
            }
        })
        .collect_view();
    let note = (!partial.is_empty()).then(|| {
        let spans: Vec<String> = partial
            .iter()
            .map(|m| {
                let end = m.checked_add_months(chrono::Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(*m);
                let (a, b) = (range.from.max(*m), range.to.min(end));
                format!("{}*（{} ~ {}）", m.format("%Y-%m"), a.format("%m-%d"), b.format("%m-%d"))
            })
            .collect();
        view! { <p class="note" data-testid="partial-months">{t.partial_month_note}{spans.join("，")}</p> }
    });
    view! {
        <table class="data pivot" data-testid="table"><thead><tr>
            <th>"#"</th>{s.th(t.c_product, "name")}{heads}
            {s.ths(&[(t.basis_label(basis), "revenue"), (t.c_total_quantity, "quantity")])}
        </tr></thead><tbody>{rows}</tbody></table>
        {note}
    }
    .into_any()
}

/// A CSS class per customer status, so the colours say good (active) → bad (inactive).
fn status_slug(s: CustomerStatus) -> &'static str {
    match s {
        CustomerStatus::Active => "active",
        CustomerStatus::AtRisk => "at-risk",
        CustomerStatus::Inactive => "inactive",
    }
}
