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
        let slot = browser::Slot::default();
        let kept = leptos::__reexports::send_wrapper::SendWrapper::new(slot.clone());
        on_cleanup(move || browser::release(&kept));
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) {
                return true;
            }
            let Some(el) = node.get() else { return false };
            let (chart, slot) = (chart.clone(), slot.clone());
            with_echarts(move || browser::attach(el.into(), chart, &slot));
            true
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! { <div class="chart" role="img" aria-label=label node_ref=node></div> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use charming::{Chart, Echarts, WasmRenderer};
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = echarts, js_name = init)]
        fn init(el: &web_sys::Element) -> JsValue;
        #[wasm_bindgen(js_namespace = echarts, js_name = dispose)]
        fn dispose(el: &web_sys::Element);
    }

    /// What one chart box holds in the browser, shared by its effect and its cleanup.
    #[derive(Default)]
    pub enum State {
        /// ECharts is still loading.
        #[default]
        Waiting,
        Attached { observer: web_sys::ResizeObserver, _on_size: Closure<dyn FnMut()>, el: web_sys::Element, drawn: Rc<RefCell<Option<Echarts>>> },
        /// The view was removed.
        Gone,
    }

    pub type Slot = Rc<RefCell<State>>;

    /// Draws into the element itself (never looked up by id: after an in-app navigation the
    /// element is not in the document yet when the effect runs). A ResizeObserver draws once the
    /// box has a size and follows every later size change (window resizes included).
    pub fn attach(el: web_sys::Element, chart: Chart, slot: &Slot) {
        if !matches!(*slot.borrow(), State::Waiting) {
            return;
        }
        let drawn: Rc<RefCell<Option<Echarts>>> = Rc::default();
        let on_size = {
            let (el, drawn) = (el.clone(), drawn.clone());
            Closure::<dyn FnMut()>::new(move || {
                if el.client_width() == 0 || !el.is_connected() {
                    return;
                }
                let mut drawn = drawn.borrow_mut();
                match drawn.as_ref() {
                    Some(c) => c.resize(JsValue::UNDEFINED),
                    None => {
                        let c: Echarts = init(&el).unchecked_into();
                        WasmRenderer::update(&c, &chart);
                        *drawn = Some(c);
                    }
                }
            })
        };
        let Ok(observer) = web_sys::ResizeObserver::new(on_size.as_ref().unchecked_ref()) else { return };
        observer.observe(&el);
        *slot.borrow_mut() = State::Attached { observer, _on_size: on_size, el, drawn };
    }

    /// Stops observing and disposes the ECharts instance with its view.
    pub fn release(slot: &Slot) {
        if let State::Attached { observer, el, drawn, .. } = slot.replace(State::Gone) {
            observer.disconnect();
            if drawn.borrow_mut().take().is_some() {
                dispose(&el);
            }
        }
    }
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
