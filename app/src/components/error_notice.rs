//! The one way a page shows a failure: the user's message for the error, its HTTP status on the
//! element (tests and styles read it), an optional heading and what the place adds after it.

use leptos::prelude::*;

use crate::error::AppError;

#[component]
pub fn ErrorNotice(
    error: AppError,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] title: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="error" role="alert" data-testid=testid data-status=error.status()>
            {title.map(|t| view! { <h2>{t}</h2> })}
            <p>{error.message()}</p>
            {children.map(|c| c())}
        </div>
    }
}
