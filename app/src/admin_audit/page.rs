//! The audit log page (审计日志): a filter form whose values are the URL (a filtered view is a
//! link), the matching entries newest first with their changed fields, a pager by entry id, and
//! the CSV export of the same filter. Nothing on it changes an entry.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

use super::api::{audit_entries, AuditView};
use super::params::{AuditParams, DEFAULT_SIZE};
use crate::audit::{AuditEntry, AuditFilter, Outcome};
use crate::calendar::beijing_time_seconds;
use crate::components::error_notice::ErrorNotice;
use crate::components::format::count;
use crate::i18n::tr;
use crate::url_query::RawQuery;

const PATH: &str = "/admin/audit";
const SIZES: [u32; 4] = [20, 50, 100, 200];

/// The filter as URL pairs (the pager's links and the export keep it).
fn filter_pairs(f: &AuditFilter) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    let mut add = |key: &'static str, v: Option<String>| {
        if let Some(v) = v {
            pairs.push((key, v));
        }
    };
    add("from", f.from.map(|d| d.to_string()));
    add("to", f.to.map(|d| d.to_string()));
    add("actor", f.actor.clone());
    add("action", f.action.as_ref().map(|a| a.text().to_string()));
    add("outcome", f.outcome.map(|o| o.as_str().to_string()));
    add("target", f.target.clone());
    pairs
}

/// `path` with the filter, the page size when not the default, and `extra`.
fn link(path: &str, p: &AuditParams, extra: Option<(&'static str, String)>) -> String {
    let mut pairs = filter_pairs(&p.filter);
    if p.size != DEFAULT_SIZE && path == PATH {
        pairs.push(("size", p.size.to_string()));
    }
    pairs.extend(extra);
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        query.append_pair(k, v);
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let t = tr().audit;
    let query = use_query_map();
    let raw = move || -> RawQuery { (&*query.read()).into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let entries = Resource::new(raw, audit_entries);
    view! {
        <Title text=format!("{} · {}", t.title, tr().app_name)/>
        <section class="analysis audit" data-testid="audit-page">
            <h1>"🛡 "{t.title}</h1>
            <p class="lead">{t.lead}</p>
            <Suspense fallback=move || view! { <p class="loading" role="status">{tr().loading}</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(v) => view! { <AuditForm raw=raw() valid=Some(v.params.clone())/><Entries view=v/> }.into_any(),
                        // The form stays with what was entered, so the value can be corrected.
                        Err(e) => view! { <AuditForm raw=raw() valid=None/><ErrorNotice error=e testid="error"/> }.into_any(),
                    }
                })}
            </Suspense>
            <p class="summary">{t.append_only}</p>
        </section>
    }
}

/// The filter form, filled with what the URL says; the export link only for a valid filter.
#[component]
fn AuditForm(raw: RawQuery, valid: Option<AuditParams>) -> impl IntoView {
    let t = tr().audit;
    let entered = |key: &str| raw.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let action = entered("action");
    let known = t.families.iter().any(|(f, _)| *f == action) || t.actions.iter().any(|(a, _)| *a == action);
    // An action without a label (typed into the URL, or recorded by a newer feature) stays selectable.
    let other = (!action.is_empty() && !known).then(|| view! { <option value=action.clone() selected=true>{action.clone()}</option> });
    let groups = t
        .families
        .iter()
        .map(|(family, name)| {
            let members = t
                .actions
                .iter()
                .filter(|(a, _)| a.starts_with(family))
                .map(|(a, label)| view! { <option value=*a selected=action == *a>{*label}</option> })
                .collect_view();
            view! {
                <optgroup label=*name>
                    <option value=*family selected=action == *family>{format!("{name}（{}）", t.all_of_family)}</option>
                    {members}
                </optgroup>
            }
        })
        .collect_view();
    let outcome = entered("outcome");
    let outcomes = Outcome::ALL
        .into_iter()
        .map(|o| view! { <option value=o.as_str() selected=outcome == o.as_str()>{t.outcome_label(o)}</option> })
        .collect_view();
    let (from, to, actor, target) = (entered("from"), entered("to"), entered("actor"), entered("target"));
    let size = valid.as_ref().map(|p| p.size).unwrap_or(DEFAULT_SIZE);
    let sizes = SIZES.into_iter().chain((!SIZES.contains(&size)).then_some(size)).map(|n| view! { <option value=n.to_string() selected=n == size>{n}</option> }).collect_view();
    // rel=external and download: the router must leave this to the browser (a download, not a page).
    let export = valid.map(|p| view! {
        <span class="exports">
            <a href=link("/export/audit.csv", &p, None) rel="external" download="" data-testid="audit-export-csv">{t.export_csv}</a>
        </span>
    });
    view! {
        <Form method="GET" action=PATH attr:class="params" attr:data-testid="audit-filter"
            on_form_data=std::sync::Arc::new(crate::components::interactive::drop_nameless)>
            <label><span>{tr().p_from}</span><input type="date" name="from" value=from/></label>
            <label><span>{tr().p_to}</span><input type="date" name="to" value=to/></label>
            <label><span>{t.actor}</span><input type="search" name="actor" value=actor placeholder=t.actor_placeholder/></label>
            <label><span>{t.action}</span><select name="action"><option value="">{t.all_actions}</option>{other}{groups}</select></label>
            <label><span>{t.outcome}</span><select name="outcome"><option value="">{t.all_outcomes}</option>{outcomes}</select></label>
            <label><span>{t.target}</span><input type="search" name="target" value=target placeholder=t.target_placeholder/></label>
            <label><span>{t.page_size}</span><select name="size">{sizes}</select></label>
            <button type="submit">{tr().apply}</button>
            <A href=PATH attr:class="reset">{tr().reset}</A>
            {export}
        </Form>
    }
}

/// The page's entries, where they stand among all matching ones, and the pager.
#[component]
fn Entries(view: AuditView) -> impl IntoView {
    let t = tr().audit;
    let AuditView { params, page } = view;
    if page.entries.is_empty() && page.newer == 0 {
        return view! { <p class="empty" data-testid="audit-empty">{t.empty}</p> }.into_any();
    }
    let (first, last) = (page.newer + 1, page.newer + page.entries.len() as i64);
    let summary = format!("{} {} {} {}–{}", t.total, count(page.total), t.showing, count(first), count(last.max(first)));
    let newest = (page.newer > 0).then(|| view! { <A href=link(PATH, &params, None) attr:data-testid="audit-newest">{t.newest}</A> });
    let newer = (page.newer > 0)
        .then(|| page.entries.first().map(|e| view! { <A href=link(PATH, &params, Some(("after", e.id.to_string()))) attr:data-testid="audit-newer" attr:rel="prev">{t.newer}</A> }))
        .flatten();
    let older = (page.older() > 0)
        .then(|| page.entries.last().map(|e| view! { <A href=link(PATH, &params, Some(("before", e.id.to_string()))) attr:data-testid="audit-older" attr:rel="next">{t.older}</A> }))
        .flatten();
    let rows = page.entries.iter().map(|e| view! { <EntryRow e=e.clone()/> }).collect_view();
    view! {
        <p class="summary" data-testid="audit-summary" data-total=page.total>{summary}</p>
        <table class="data audit-table" data-testid="audit-table"><thead><tr>
            <th>{t.c_time}</th><th>{t.c_actor}</th><th>{t.c_address}</th><th>{t.c_action}</th>
            <th>{t.c_target}</th><th>{t.c_outcome}</th><th>{t.c_changes}</th>
        </tr></thead><tbody>{rows}</tbody></table>
        <nav class="pager" data-testid="audit-pager">{newest}{newer}{older}</nav>
    }
    .into_any()
}

#[component]
fn EntryRow(e: AuditEntry) -> impl IntoView {
    let t = tr().audit;
    let changes = e
        .changes()
        .into_iter()
        .map(|c| {
            let field = (!c.field.is_empty()).then(|| view! { <code>{c.field.clone()}</code>": " });
            view! {
                <li>{field}<del>{c.before.unwrap_or_default()}</del>" → "<ins>{c.after.unwrap_or_default()}</ins></li>
            }
        })
        .collect_view();
    let label = t.action_label(&e.action).to_string();
    let code = (label != e.action).then(|| view! { <small><code>{e.action.clone()}</code></small> });
    view! {
        <tr data-testid="audit-row" data-id=e.id data-action=e.action.clone() data-outcome=e.outcome.as_str()>
            <td class="time">{beijing_time_seconds(e.at)}</td>
            <td>{e.actor_name.clone()}" "<span class=format!("kind {}", e.actor_kind.as_str())>{t.actor_kind(e.actor_kind)}</span></td>
            <td>{e.address.clone().unwrap_or_default()}</td>
            <td>{label}" "{code}</td>
            <td class="target">{e.target.clone()}</td>
            <td><span class=format!("outcome {}", e.outcome.as_str())>{t.outcome_label(e.outcome)}</span></td>
            <td><ul class="changes">{changes}</ul></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{ActionFilter, Cursor};

    #[test]
    fn links_keep_the_filter_and_the_export_drops_the_paging() {
        let p = AuditParams {
            filter: AuditFilter { actor: Some("管理 员".into()), action: Some(ActionFilter::Prefix("user.".into())), ..AuditFilter::default() },
            cursor: Cursor::Before(9),
            size: 20,
        };
        assert_eq!(link(PATH, &p, Some(("before", "5".into()))), "/admin/audit?actor=%E7%AE%A1%E7%90%86+%E5%91%98&action=user.&size=20&before=5");
        assert_eq!(link("/export/audit.csv", &p, None), "/export/audit.csv?actor=%E7%AE%A1%E7%90%86+%E5%91%98&action=user.");
        assert_eq!(link(PATH, &AuditParams { filter: AuditFilter::default(), cursor: Cursor::Newest, size: DEFAULT_SIZE }, None), PATH);
    }
}
