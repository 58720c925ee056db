//! Where a server function finds its feature's services: the composition root provides each
//! feature's services in every request's context (`leptos_routes_with_context`), so features
//! never see the whole application state.

use crate::error::AppError;

/// The services of type `T` provided for this request.
pub fn service<T: Clone + Send + Sync + 'static>() -> Result<T, AppError> {
    leptos::prelude::use_context::<T>().ok_or_else(|| {
        tracing::error!(service = std::any::type_name::<T>(), "service missing from the request context");
        AppError::Transport("application state missing".into())
    })
}
