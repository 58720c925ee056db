//! The AI cost page (AI成本管理): sync button with per-platform progress, cards, trend and share
//! charts, per-product table, the app's own AI usage against the bill, drill-down to bill lines,
//! export, sync history. Everything but the sync is driven by the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

use super::api::{bill_lines, current_billing_sync, load_cost_overview, start_billing_sync, sync_history, watch_billing_sync};
use super::charts;
use super::model::*;
use crate::components::error_notice::ErrorNotice;
use crate::components::echart::EChart;
use crate::components::format::{amount, beijing_time, count, money};
use crate::error::AppError;
use crate::i18n::tr;
use crate::url_query::RawQuery;
use crate::billing::labels::BillingText;

fn cny(m: &Mixed, rate: rust_decimal::Decimal) -> String {
    let main = money(m.in_cny(rate), Currency::Cny);
    if m.usd.is_zero() {
        main
    } else {
        format!("{main}（含 {}）", money(m.usd, Currency::Usd))
    }
}

/// The page's URL with some keys replaced (None removes the key).
fn href(raw: &RawQuery, set: &[(&str, Option<&str>)]) -> String {
    let mut pairs: Vec<(String, String)> = raw.iter().filter(|(k, _)| !set.iter().any(|(s, _)| s == k)).cloned().collect();
    for (k, v) in set {
        if let Some(v) = v {
            pairs.push((k.to_string(), v.to_string()));
        }
    }
    let map: leptos_router::params::ParamsMap = pairs.into_iter().collect();
    format!("/ai-cost{}", map.to_query_string())
}

fn export_href(raw: &RawQuery, ext: &str) -> String {
    href(raw, &[]).replacen("/ai-cost", &format!("/export/bill-lines.{ext}"), 1)
}

#[component]
pub fn CostPage() -> impl IntoView {
    let t = tr();
    let query = use_query_map();
    let raw = move || -> RawQuery { (&*query.read()).into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let syncer = Syncer::new(RwSignal::new(0));
    let synced = syncer.synced;
    let overview = Resource::new(move || (raw(), synced.get()), |(q, _)| load_cost_overview(q));
    view! {
        <Title text=format!("{} · {}", t.b_title, t.app_name)/>
        <section class="analysis cost" data-testid="cost-page">
            <header class="cost-head">
                <div>
                    <h1>"💰 "{t.b_title}</h1>
                    <p class="lead">{t.b_lead}</p>
                </div>
                <SyncButton syncer=syncer/>
            </header>
            <SyncProgress syncer=syncer/>
            <Suspense fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! { <Overview o=o raw=raw() syncer=syncer/> }.into_any(),
                        // The form stays, with what was entered, so the value can be corrected.
                        Err(e) => view! {
                            <CostForm raw=raw() values=None/>
                            <ErrorNotice error=e testid="error"/>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <History synced=synced/>
        </section>
    }
}

/// The sync a button on the page starts (the sync button, a gap's retry), followed to its end.
/// Starting and following is one action; a run already going on when the page opens is joined
/// through the same action.
#[derive(Clone, Copy)]
struct Syncer {
    run: RwSignal<Option<SyncRunView>>,
    error: RwSignal<Option<AppError>>,
    /// Bumped when a run ends, so the numbers reload.
    synced: RwSignal<u32>,
    action: Action<SyncRequest, ()>,
}

#[derive(Clone, Copy)]
enum SyncRequest {
    /// Start a run (or join the one going on).
    Start,
    /// Show and follow a run already going on when the page opens (a reload, another tab, the
    /// CLI or the schedule), as if this page had started it.
    Rejoin,
}

impl Syncer {
    fn new(synced: RwSignal<u32>) -> Self {
        let run = RwSignal::new(None::<SyncRunView>);
        let error = RwSignal::new(None::<AppError>);
        let action = Action::new_local(move |request: &SyncRequest| {
            let request = *request;
            async move {
                let first = match request {
                    SyncRequest::Start => {
                        error.set(None);
                        match start_billing_sync().await {
                            Ok(v) => v,
                            Err(e) => {
                                error.try_set(Some(e));
                                return;
                            }
                        }
                    }
                    SyncRequest::Rejoin => {
                        let Ok(Some(v)) = current_billing_sync().await else { return };
                        if run.try_with_untracked(|r| r.is_some()).unwrap_or(true) {
                            return;
                        }
                        v
                    }
                };
                let id = first.id;
                run.try_set(Some(first));
                follow(id, run, error).await;
                synced.try_update(|n| *n += 1);
            }
        });
        Syncer { run, error, synced, action }
    }

    fn busy(self) -> bool {
        self.run.with(|r| r.as_ref().is_some_and(|r| r.state == RunState::Running))
    }

    fn rejoin(self) {
        self.action.dispatch_local(SyncRequest::Rejoin);
    }

    fn start(self) {
        self.action.dispatch_local(SyncRequest::Start);
    }
}

/// The sync button, at the top right of the page whether or not a sync runs.
#[component]
fn SyncButton(syncer: Syncer) -> impl IntoView {
    let t = tr();
    let interactive = crate::components::interactive::use_interactive();
    let busy = move || syncer.busy();
    Effect::new(move |_| syncer.rejoin());
    view! {
        <button type="button" class="sync-button" data-testid="sync-button" disabled=move || busy() || !interactive.get() || !crate::auth::can(crate::auth::Permission::SyncBilling)
            on:click=move |_| syncer.start()>
            {move || if busy() { t.b_syncing } else { t.b_sync }}
        </button>
    }
}

/// The followed run's progress per account, full width under the page header.
#[component]
fn SyncProgress(syncer: Syncer) -> impl IntoView {
    view! {
        <div class="sync">
            {move || syncer.error.get().map(|e| view! { <ErrorNotice error=e/> })}
            {move || syncer.run.get().map(|r| view! { <RunTable run=r/> })}
        </div>
    }
}

async fn follow(id: i64, run: RwSignal<Option<SyncRunView>>, error: RwSignal<Option<AppError>>) {
    let stream = match watch_billing_sync(id).await {
        Ok(s) => s,
        Err(e) => {
            error.try_set(Some(e));
            return;
        }
    };
    // The start answer said whether it joined a run; the watched views don't carry it.
    let joined = run.with_untracked(|r| r.as_ref().and_then(|r| r.joined));
    crate::ndjson::read_lines::<SyncRunView>(stream, |line| {
        if let Ok(mut v) = line {
            v.joined = joined;
            run.try_set(Some(v));
        }
    })
    .await;
}

/// One row per account (and per platform without accounts): progress while running, then the
/// result with the provider's own error code and message.
#[component]
fn RunTable(run: SyncRunView) -> impl IntoView {
    let t = tr();
    let rows = run
        .accounts
        .into_iter()
        .map(|a| {
            let pct = (a.scopes_done * 100).checked_div(a.scopes_total).unwrap_or(0);
            let failed_scopes = (a.scopes_failed > 0).then(|| format!(" · {} {}", a.scopes_failed, t.b_scopes_failed)).unwrap_or_default();
            let detail = match (&a.state, &a.error_code) {
                (AccountSyncState::Failed, Some(code)) => format!("{code}：{}{failed_scopes}", a.error_message.clone().unwrap_or_default()),
                (AccountSyncState::NotConfigured, _) => t.b_not_configured.to_string(),
                _ => format!("{} / {} · {} {}", a.scopes_done, a.scopes_total, count(a.lines as i64), t.b_lines),
            };
            view! {
                <tr data-testid="sync-row" data-provider=a.provider.slug() data-account=a.account.clone() data-state=a.state_str()>
                    <td>{t.provider(a.provider)}</td>
                    <td>{a.display_name.clone()}{a.simulated.then(|| view! { <span class="badge sim">{t.b_simulated}</span> })}</td>
                    <td><span class=format!("state {}", a.state_str())>{t.account_state(a.state)}</span></td>
                    <td class="bar"><progress max="100" value=pct.to_string()></progress></td>
                    <td class="detail">{detail}</td>
                </tr>
            }
        })
        .collect_view();
    let joined = run.joined.map(|j| match j {
        JoinedRun::Here => t.b_joined_here,
        JoinedRun::Elsewhere => t.b_joined_elsewhere,
    });
    view! {
        {joined.map(|note| view! { <p class="notice" data-testid="sync-joined">{note}</p> })}
        <table class="data sync-table" data-testid="sync-panel" data-run-state=run.state.as_str()>
            <caption>{format!("#{} · {} · {}", run.id, t.run_state(run.state), beijing_time(run.started_at))}</caption>
            <tbody>{rows}</tbody>
        </table>
    }
}

impl AccountSyncView {
    fn state_str(&self) -> &'static str {
        self.state.as_str()
    }
}

/// The periods whose bills are missing or out of date, with a retry.
#[component]
fn Gaps(gaps: Vec<CoverageGap>, syncer: Syncer) -> impl IntoView {
    const SHOWN: usize = 8;
    let t = tr();
    let interactive = crate::components::interactive::use_interactive();
    let more = gaps.len().saturating_sub(SHOWN);
    let items = gaps
        .into_iter()
        .take(SHOWN)
        .map(|g| {
            let unit = if g.monthly { t.b_months } else { t.b_days };
            let reason = match (&g.error_code, &g.error_message) {
                (Some(c), Some(m)) => format!("：{c} {m}"),
                (Some(c), None) => format!("：{c}"),
                _ => String::new(),
            };
            let pulled = g.pulled_at.map(|at| format!("（{}）", beijing_time(at))).unwrap_or_default();
            view! {
                <li data-testid="coverage-gap" data-provider=g.provider.slug() data-account=g.account.clone()
                    data-month=g.month.format("%Y-%m").to_string() data-kind=format!("{:?}", g.kind)>
                    {format!("{} {} {}{pulled}（{} {unit}）{reason}", g.display_name, g.month.format("%Y-%m"), t.gap(g.kind), g.scopes)}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="notice gaps" role="status" data-testid="coverage-gaps">
            <p>{t.b_gaps_title}</p>
            <ul>{items}{(more > 0).then(|| view! { <li>{format!("{} {more} 项", t.b_gap_more)}</li> })}</ul>
            <button type="button" data-testid="gap-retry" disabled=move || syncer.busy() || !interactive.get() on:click=move |_| syncer.start()>{t.b_retry_sync}</button>
        </div>
    }
}

#[component]
fn Overview(o: CostOverview, raw: RawQuery, syncer: Syncer) -> impl IntoView {
    let t = tr();
    let rate = o.usd_cny;
    let q = o.query;
    let selected_provider = raw.iter().rev().find(|(k, _)| k == "provider").map(|(_, v)| v.clone());
    let platforms = o
        .platforms
        .clone()
        .into_iter()
        .map(|p| {
            let link = href(&raw, &[("provider", Some(p.provider.slug())), ("product", None)]);
            let selected = selected_provider.as_deref() == Some(p.provider.slug());
            let badge = if !p.configured {
                Some(view! { <span class="badge off">{t.b_not_configured}</span> }.into_any())
            } else if p.simulated {
                Some(view! { <span class="badge sim">{t.b_simulated}</span> }.into_any())
            } else {
                None
            };
            view! {
                // A plain link: <A> marks every card current (same path); data-noscroll keeps the
                // router from scrolling to the top, the drill-down scrolls itself into view.
                <a href=link class="card platform" class:selected=selected aria-current=selected.then_some("true")
                    data-noscroll="" data-testid="platform-card" data-provider=p.provider.slug()>
                    <h3>{t.provider(p.provider)}{badge}</h3>
                    <strong>{cny(&p.total, rate)}</strong>
                    <small>{format!("{} {}", p.accounts, t.b_accounts)}{p.balance.map(|b| format!(" · {} {}", t.b_balance, cny(&b, rate)))}</small>
                    {(p.provider == Provider::DeepSeek && p.configured).then(|| view! { <small class="note">{t.b_deepseek_note}</small> })}
                </a>
            }
        })
        .collect_view();
    let products = o
        .products
        .clone()
        .into_iter()
        .map(|p| {
            let link = href(&raw, &[("provider", Some(p.provider.slug())), ("product", Some(&p.product_code))]);
            view! {
                <tr data-testid="product-row">
                    <td>{t.provider(p.provider)}</td>
                    <td><A href=link>{p.product_name.clone()}</A></td>
                    <td><code>{p.product_code.clone()}</code></td>
                    <td>{if p.ai_service { "✔" } else { "" }}</td>
                    <td class="num">{cny(&p.payable, rate)}</td>
                    <td class="num">{cny(&p.pretax, rate)}</td>
                    <td class="num">{p.lines}</td>
                </tr>
            }
        })
        .collect_view();
    let usage = o
        .own_usage
        .clone()
        .into_iter()
        .map(|u| view! {
            <tr>
                <td>{u.model.clone()}</td><td class="num">{u.calls}</td>
                <td class="num">{format!("{} / {}", count(u.prompt_tokens), count(u.completion_tokens))}</td>
                <td class="num">{u.images}</td>
                <td class="num">{u.estimated_cny.map(|e| format!("¥{}", amount(e))).unwrap_or_else(|| "—".into())}
                    {(u.simulated_calls > 0).then(|| view! { <span class="badge sim">{t.b_simulated}</span> })}</td>
            </tr>
        })
        .collect_view();
    let drill = (raw.iter().any(|(k, _)| k == "provider" || k == "product")).then(|| view! { <DrillDown raw=raw.clone()/> });
    let month_of = |d: chrono::NaiveDate| chrono::Datelike::with_day(&d, 1).unwrap_or(d);
    let incomplete_in = |from: chrono::NaiveDate, to: chrono::NaiveDate| {
        o.gaps.iter().any(|g| g.kind.incomplete() && g.month >= month_of(from) && g.month <= to)
    };
    let mark = |incomplete: bool| incomplete.then(|| view! { <em class="incomplete" data-testid="card-incomplete">{t.b_incomplete}</em> });
    let (range_mark, month_mark, today_mark) =
        (mark(incomplete_in(q.from, q.to)), mark(incomplete_in(o.today, o.today)), mark(incomplete_in(o.today, o.today)));
    let gaps = (!o.gaps.is_empty()).then(|| view! { <Gaps gaps=o.gaps.clone() syncer=syncer/> });
    let empty = o.products.is_empty();
    view! {
        {o.any_simulated.then(|| view! { <p class="notice sim" data-testid="cost-sim-notice">{t.b_sim_notice}</p> })}
        <CostForm raw=raw.clone() values=Some((q.from.to_string(), q.to.to_string(), q.filter))/>
        <div class="cards totals">
            <div class="card total" data-testid="card-total"><h3>{t.b_total}{range_mark}</h3><strong>{cny(&o.total, rate)}</strong><small>{format!("{} ~ {}", q.from, q.to)}</small></div>
            <div class="card total" data-testid="card-month"><h3>{t.b_month}{month_mark}</h3><strong>{cny(&o.this_month, rate)}</strong><small>{o.today.format("%Y-%m").to_string()}</small></div>
            <div class="card total" data-testid="card-today"><h3>{t.b_today}{today_mark}</h3><strong>{cny(&o.today_cost, rate)}</strong><small>{o.today.to_string()}</small></div>
        </div>
        {gaps}
        <div class="cards platforms">{platforms}</div>
        <p class="summary">{format!("{} {}", t.b_usd_note, rate)}{o.has_monthly_only.then(|| format!(" · {}", t.b_monthly_note))}</p>
        {if empty {
            view! { <p class="empty" data-testid="cost-empty">{t.b_no_data}</p> }.into_any()
        } else {
            view! {
                <div class="chart-row">
                    <div class="chart-box wide"><h2>{t.b_trend}</h2><EChart chart=charts::daily_trend(&o) label=t.b_trend/></div>
                    <div class="chart-box"><h2>{t.b_share}</h2><EChart chart=charts::platform_pie(&o) label=t.b_share/></div>
                </div>
            }.into_any()
        }}
        {drill}
        <h2>{t.b_products}</h2>
        <table class="data" data-testid="product-table"><thead><tr>
            <th>{t.b_platform}</th><th>{t.b_product}</th><th>{t.b_product_code}</th><th>{t.b_ai}</th>
            <th>{t.b_payable}</th><th>{t.b_pretax}</th><th>{t.b_lines}</th>
        </tr></thead><tbody>{products}</tbody></table>
        <h2>{t.b_own_usage}</h2>
        <table class="data" data-testid="own-usage"><thead><tr>
            <th>{t.b_model}</th><th>{t.b_calls}</th><th>{t.b_tokens}</th><th>{t.b_images}</th><th>{t.b_estimated}</th>
        </tr></thead><tbody>{usage}</tbody>
        <tfoot><tr><td colspan="4">{t.b_billed}</td><td class="num" data-testid="studio-billed">{cny(&o.model_studio_billed, rate)}</td></tr></tfoot></table>
        <p class="summary">{t.b_price_note}</p>
    }
}

/// The page's parameters: the values in effect, or (`values` None, after a refused query) the
/// values as entered. Exports only for a valid query.
#[component]
fn CostForm(raw: RawQuery, values: Option<(String, String, CostFilter)>) -> impl IntoView {
    let t = tr();
    let entered = |key: &str| raw.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let valid = values.is_some();
    let (from, to, filter) = values.unwrap_or_else(|| {
        let filter = if entered("scope") == "ai" { CostFilter::Ai } else { CostFilter::All };
        (entered("from"), entered("to"), filter)
    });
    let scope_options = [("all", t.b_scope_all, CostFilter::All), ("ai", t.b_scope_ai, CostFilter::Ai)]
        .into_iter()
        .map(|(v, label, f)| view! { <option value=v selected=filter == f>{label}</option> })
        .collect_view();
    // rel=external and download: the router must leave these to the browser (a download, not a page).
    let exports = valid.then(|| view! {
        <span class="exports">
            <a href=export_href(&raw, "csv") rel="external" download="" data-testid="export-csv">{t.b_export_csv}</a>
            <a href=export_href(&raw, "xlsx") rel="external" download="" data-testid="export-xlsx">{t.b_export_xlsx}</a>
        </span>
    });
    view! {
        <Form method="GET" action="/ai-cost" attr:class="params"
            on_form_data=std::sync::Arc::new(crate::components::interactive::drop_nameless)>
            <label><span>{t.p_from}</span><input type="date" name="from" value=from/></label>
            <label><span>{t.p_to}</span><input type="date" name="to" value=to/></label>
            <label><span>{t.b_scope}</span><select name="scope">{scope_options}</select></label>
            <button type="submit">{t.apply}</button>
            <A href="/ai-cost" attr:class="reset">{t.reset}</A>
            {exports}
        </Form>
    }
}

#[component]
fn DrillDown(raw: RawQuery) -> impl IntoView {
    let t = tr();
    let section = NodeRef::<leptos::html::Section>::new();
    // Opened from a card or a product far above: bring the lines into view.
    #[cfg(feature = "hydrate")]
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(el) = section.get() else { return false };
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Start);
        el.scroll_into_view_with_scroll_into_view_options(&options);
        true
    });
    let q = raw.clone();
    let lines = Resource::new(|| (), move |_| bill_lines(q.clone()));
    let back = href(&raw, &[("provider", None), ("product", None)]);
    let csv = export_href(&raw, "csv");
    view! {
        <section class="drill" data-testid="drill" node_ref=section>
            <h2>{t.b_drill}" "<A href=back>"✕"</A>" "<a href=csv rel="external" download="" data-testid="drill-export-csv">{t.b_export_csv}</a></h2>
            <Suspense fallback=move || view! { <p class="loading">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match lines.await {
                        Ok(list) => {
                            let total: Mixed = list.iter().fold(Mixed::default(), |mut m, v| { m.add(v.line.currency, v.line.payable); m });
                            let rows = list.into_iter().map(|v| {
                                let (account, source) = (v.account_label().to_string(), t.line_source(&v.source));
                                let l = v.line;
                                view! {
                                    <tr data-testid="drill-row">
                                        <td>{t.provider(l.provider)}</td><td>{account}</td><td>{l.billing_cycle.format("%Y-%m").to_string()}</td>
                                        <td>{l.date.map(|d| d.to_string()).unwrap_or_default()}</td>
                                        <td>{l.product_name}</td><td class="num">{money(l.pretax, l.currency)}</td>
                                        <td class="num">{money(l.payable, l.currency)}</td><td>{source}</td>
                                    </tr>
                                }
                            }).collect_view();
                            view! {
                                <p class="summary" data-testid="drill-total">{format!("{} CNY {} · USD {}", t.b_payable, amount(total.cny), amount(total.usd))}</p>
                                <table class="data"><thead><tr>
                                    <th>{t.b_platform}</th><th>{t.b_account}</th><th>{t.b_cycle}</th><th>{t.b_date}</th><th>{t.b_product}</th>
                                    <th>{t.b_pretax}</th><th>{t.b_payable}</th><th>{t.b_source}</th>
                                </tr></thead><tbody>{rows}</tbody></table>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn History(synced: RwSignal<u32>) -> impl IntoView {
    let t = tr();
    let runs = Resource::new(move || synced.get(), |_| sync_history());
    view! {
        <h2>{t.b_history}</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok(list) => {
                        let rows = list.into_iter().map(|r| {
                            let failed = r.accounts.iter()
                                .filter(|a| a.state == AccountSyncState::Failed)
                                .map(|a| {
                                    let scopes = a.failures.iter()
                                        .map(|f| view! { <li>{format!("{}：{} {}", f.scope.label(), f.error_code, f.error_message)}</li> })
                                        .collect_view();
                                    let head = format!("{} {}", a.display_name, a.error_code.clone().unwrap_or_default());
                                    if a.failures.is_empty() {
                                        view! { <div data-testid="history-failure">{head}</div> }.into_any()
                                    } else {
                                        view! {
                                            <details data-testid="history-failure">
                                                <summary>{format!("{head} · {} {}", a.failures.len(), t.b_scopes_failed)}</summary>
                                                <ul>{scopes}</ul>
                                            </details>
                                        }.into_any()
                                    }
                                })
                                .collect_view();
                            view! {
                                <tr data-testid="history-row">
                                    <td>{format!("#{}", r.id)}</td><td>{beijing_time(r.started_at)}</td><td data-testid="history-trigger">{t.sync_trigger(&r.trigger)}</td>
                                    <td>{t.run_state(r.state)}</td><td>{format!("{} ~ {}", r.window_from, r.window_to)}</td>
                                    <td>{failed}</td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <table class="data" data-testid="history"><thead><tr>
                                <th>"#"</th><th>{t.b_started}</th><th>{t.b_trigger}</th><th>{t.b_run_state}</th><th>{t.b_cycle}</th><th>{t.b_state_failed}</th>
                            </tr></thead><tbody>{rows}</tbody></table>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
