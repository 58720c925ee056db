//! Server functions of the marketing-image panel and gallery.

use leptos::prelude::*;
use server_fn::codec::{ByteStream, Json, Streaming};

use super::model::{Bundle, BundleImage, ImageJob};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::state::current as state;

#[cfg(feature = "ssr")]
fn answer<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        crate::error::set_response_status(e);
    }
    result
}

/// Starts generating an image for `bundle` with the (possibly edited) `prompt`.
#[server(endpoint = "images/start", input = Json)]
pub async fn start_bundle_image(bundle: Bundle, prompt: String, size: String) -> Result<ImageJob, AppError> {
    answer(super::service::start(&state()?, &crate::limits::Caller::current(), bundle, prompt, size).await)
}

/// The job as newline-delimited JSON, one line per change, until it succeeds or fails.
#[server(endpoint = "images/watch", input = Json, output = Streaming)]
pub async fn watch_image_job(id: i64) -> Result<ByteStream<AppError>, AppError> {
    let state = state()?;
    let first = answer(super::service::job(&state, id).await)?;
    let lines = futures::stream::unfold((state, Some(first), None::<ImageJob>), move |(state, next, last)| async move {
        let job = match next {
            Some(job) => job,
            None => {
                let previous = last.as_ref()?;
                if previous.state.is_terminal() {
                    return None;
                }
                loop {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    match super::service::job(&state, id).await {
                        Ok(job) if Some(&job) != last.as_ref() => break job,
                        Ok(_) => continue,
                        Err(e) => return Some((Err(e), (state, None, None))),
                    }
                }
            }
        };
        let line = crate::ndjson::to_line(&job);
        Some((Ok::<_, AppError>(line), (state, None, Some(job))))
    });
    Ok(ByteStream::new(lines))
}

#[server(endpoint = "images/gallery", input = Json)]
pub async fn bundle_images() -> Result<Vec<BundleImage>, AppError> {
    answer(super::service::gallery(&state()?).await)
}
