//! The HTML shell, the router and the home page.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use crate::accounts::keys_page::KeysPage;
use crate::accounts::sign_in_page::{AccountPage, LoginPage, SetupPage};
use crate::accounts::users_page::UsersPage;
use crate::auth::{can, signed_in, Permission};
use crate::admin_audit::page::AuditLogPage;
use crate::billing::page::CostPage;
use crate::bundle_image::panel::{BundleImagePanel, GalleryPage};
use crate::i18n::tr;
use crate::insights::panel::InsightPanel;
use crate::quota::iam_page::IamPage;
use crate::quota::page::QuotaPage;
use crate::sales::model::{AnalysisData, AnalysisKind, AnalysisResult};
use crate::sales::pages::AnalysisPage;
use crate::sales::labels::SalesText;
use crate::settings::page::SettingsPage;
use crate::url_query::RawQuery;

/// Under every analysis: the AI insight on its figures, and for affinity the bundle images.
fn analysis_extras(result: &AnalysisResult, raw: &RawQuery) -> AnyView {
    let images = match &result.data {
        AnalysisData::Affinity(r) => Some(view! { <BundleImagePanel rows=r.rows.clone()/> }),
        _ => None,
    };
    view! {
        <InsightPanel kind=result.kind raw=raw.clone() fingerprint=result.fingerprint.clone()/>
        {images}
    }
    .into_any()
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The page's Content-Security-Policy, allowing the inline scripts below by this answer's nonce.
    #[cfg(feature = "ssr")]
    crate::security_headers::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // ECharts (from our own public/ folder, never a CDN) is added by the first chart.
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let t = tr();
    // Tells the tests (and anything else watching) that the app has taken over the page.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/suanpan.css"/>
        <Title text=t.app_name/>
        <Router>
            <Frame/>
        </Router>
    }
}

/// Header and pages, inside the router: who is signed in is asked again on every navigation, so
/// signing in or out (a client-side redirect) shows at once in the header and the pages.
#[component]
fn Frame() -> impl IntoView {
    let t = tr();
    let path = leptos_router::hooks::use_location().pathname;
    // Every route renders in `SsrMode::Async`: the header's who-am-I is in the HTML itself, also
    // without JavaScript (out of order, a part that resolves late is streamed in by a script).
    let me: crate::auth::MeResource = Resource::new(move || path.get(), |_| crate::accounts::api::who_am_i());
    provide_context(me);
    view! {
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="logo">"算"</span>
                    <span>{t.app_name}</span>
                </A>
                <nav>
                    <SalesNavLink/>
                    <A href="/images">{t.nav_images}</A>
                    <A href="/ai-cost">{t.nav_cost}</A>
                    <QuotaLinks/>
                    <AdminLinks/>
                </nav>
                <span class="tagline">{t.app_tagline}</span>
                <UserMenu/>
            </header>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home ssr=SsrMode::Async/>
                    // Async: the status code (400 bad parameter, 404 unknown analysis, 503 database down) is
                    // known only once the analysis has run, so the page is sent whole.
                    <Route path=path!("/sales/:kind") view=|| view! { <AnalysisPage extras=analysis_extras/> } ssr=SsrMode::Async/>
                    <Route path=path!("/images") view=GalleryPage ssr=SsrMode::Async/>
                    <Route path=path!("/ai-cost") view=CostPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/keys") view=KeysPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AuditLogPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/quota") view=QuotaPage ssr=SsrMode::Async/>
                    <Route path=path!("/quota/iam") view=IamPage ssr=SsrMode::Async/>
                </Routes>
            </main>
    }
}

#[component]
fn AdminLinks() -> impl IntoView {
    let t = tr().access;
    view! {
        <Transition fallback=|| ()>
            {move || can(Permission::ManageUsers).then(|| view! {
                <A href="/admin/users">{t.nav_users}</A>
                <A href="/admin/keys">{t.nav_keys}</A>
                <A href="/admin/audit">{tr().audit.title}</A>
                <A href="/admin/settings">{tr().settings.title}</A>
            })}
        </Transition>
    }
}

/// 额度管理 for whoever may view quota, IAM 子账号 for whoever may manage IAM.
#[component]
fn QuotaLinks() -> impl IntoView {
    let q = tr().quota;
    view! {
        <Transition fallback=|| ()>
            {move || can(Permission::ViewQuota).then(|| view! { <A href="/quota" exact=true>{q.nav}</A> })}
            {move || can(Permission::ManageIam).then(|| view! { <A href="/quota/iam">{q.page.iam_title}</A> })}
        </Transition>
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let t = tr().access;
    let sign_out = ServerAction::<crate::accounts::api::SignOut>::new();
    view! {
        <Transition fallback=|| ()>
            {move || signed_in().map(|me| view! {
                <span class="user-menu" data-role=me.role.as_str()>
                    <A href="/account" attr:class="user-name">{me.display_name.clone()}" · "{me.role.label()}</A>
                    <leptos::form::ActionForm action=sign_out attr:class="sign-out">
                        <button type="submit">{t.sign_out}</button>
                    </leptos::form::ActionForm>
                </span>
            })}
        </Transition>
    }
}

/// 销售分析 covers the home page and every `/sales/*` page; `<A>` would mark only `/`.
#[component]
fn SalesNavLink() -> impl IntoView {
    let path = leptos_router::hooks::use_location().pathname;
    let current = move || path.with(|p| p == "/" || p.starts_with("/sales/")).then_some("page");
    view! { <a href="/" aria-current=current>{tr().nav_sales}</a> }
}

#[component]
fn Home() -> impl IntoView {
    let t = tr();
    let cards = AnalysisKind::ALL
        .into_iter()
        .map(|kind| {
            let a = t.analysis(kind);
            view! {
                <A href=format!("/sales/{}", kind.slug()) attr:class="card" attr:data-kind=kind.slug()>
                    <span class="icon">{a.icon}</span>
                    <h2>{a.name}</h2>
                    <p>{a.description}</p>
                    <span class="more">{t.open_analysis}" →"</span>
                </A>
            }
        })
        .collect_view();
    view! {
        <section class="hero">
            <h1>{t.home_title}</h1>
            <p>{t.home_intro}</p>
        </section>
        <section class="cards">{cards}</section>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let t = tr();
    view! {
        <div class="error" role="alert">
            <h2>{t.not_found}</h2>
            <A href="/">{t.back_home}</A>
        </div>
    }
}
