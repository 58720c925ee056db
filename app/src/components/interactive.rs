//! Whether the page can act on a click yet. Before the WASM has loaded and hydrated the page, a
//! click on an action button would do nothing; such buttons render disabled until then.

use leptos::prelude::*;

/// False on the server and until this component has hydrated (or mounted) in the browser.
/// One signal per component, so its effect runs after that component's own hydration and the
/// server's `disabled` is removed by a real change, not assumed.
pub fn use_interactive() -> ReadSignal<bool> {
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    ready.read_only()
}

/// Drops the nameless entry a `<Form>` adds for its submit button (leptos appends the
/// submitter's name and value even when it has no name, which put `&=` in the URL).
pub fn drop_nameless(data: &leptos::web_sys::FormData) {
    data.delete("");
}
