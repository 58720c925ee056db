//! A chart container: the server renders an empty box; in the browser ECharts (loaded from
//! `/echarts.min.js`, copied from the npm package at build time) draws the charming options.
//! ECharts (333 KB gzip) is fetched the first time a chart is shown, not with every page, so
//! pages without charts stay light.

use charming::Chart;
use leptos::html::Div;
use leptos::prelude::*;

#[component]
pub fn EChart(chart: Chart, #[prop(into)] label: String) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    #[cfg(feature = "hydrate")]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT_ID: AtomicUsize = AtomicUsize::new(0);
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) {
                return true;
            }
            let Some(el) = node.get() else { return false };
            // charming finds its element by id; ids are given here so server and browser never
            // disagree about them.
            let id = format!("echart-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
            el.set_id(&id);
            let chart = chart.clone();
            with_echarts(move || {
                if let Err(e) = charming::WasmRenderer::new_opt(None, None).render(&id, &chart) {
                    leptos::logging::error!("chart {id}: {e:?}");
                }
            });
            true
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! { <div class="chart" role="img" aria-label=label node_ref=node></div> }
}

/// Runs `draw` once `window.echarts` exists, adding the script to the page the first time.
#[cfg(feature = "hydrate")]
fn with_echarts(draw: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    const SCRIPT_ID: &str = "echarts-js";
    let Some(window) = web_sys::window() else { return };
    if window.get("echarts").is_some() {
        draw();
        return;
    }
    let Some(document) = window.document() else { return };
    let script = match document.get_element_by_id(SCRIPT_ID) {
        Some(existing) => existing,
        None => {
            let Ok(created) = document.create_element("script") else { return };
            created.set_id(SCRIPT_ID);
            let _ = created.set_attribute("src", "/echarts.min.js");
            if let Some(head) = document.head() {
                let _ = head.append_child(&created);
            }
            created
        }
    };
    let on_load = wasm_bindgen::closure::Closure::once_into_js(draw);
    let _ = script.add_event_listener_with_callback("load", on_load.unchecked_ref());
}
