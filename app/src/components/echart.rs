//! A chart container: the server renders an empty box; in the browser ECharts (loaded from
//! `/echarts.min.js`, copied from the npm package at build time) draws the charming options.

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
            if let Err(e) = charming::WasmRenderer::new_opt(None, None).render(&id, &chart) {
                leptos::logging::error!("chart {id}: {e:?}");
            }
            true
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! { <div class="chart" role="img" aria-label=label node_ref=node></div> }
}
