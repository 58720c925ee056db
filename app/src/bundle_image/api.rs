//! Server functions of the marketing-image panel and gallery.

use leptos::prelude::*;
use server_fn::codec::{ByteStream, Json, Streaming};

use super::model::{Bundle, BundleImage, ImageJob};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::error::respond;

#[cfg(feature = "ssr")]
fn services() -> Result<super::service::ImageServices, AppError> {
    crate::context::service()
}

/// Starts generating an image for `bundle` with the (possibly edited) `prompt`.
#[server(endpoint = "images/start", input = Json)]
pub async fn start_bundle_image(bundle: Bundle, prompt: String, size: String) -> Result<ImageJob, AppError> {
    let caller = crate::auth::require(crate::auth::Permission::GenerateImage)?;
    let images = services()?;
    let audit: crate::audit::AuditLog = crate::context::service()?;
    let prompt_chars = prompt.trim().chars().count();
    let job = respond(super::service::start(&images, &crate::limits::Caller::current(), bundle, prompt, size).await)?;
    // The job is submitted: a failed write of its record is logged, not reported as a failed start.
    audit.record_or_log(&(&caller).into(), super::service::audit_event(&job, prompt_chars)).await;
    Ok(job)
}

/// The job as newline-delimited JSON, one line per change, until it succeeds or fails.
#[server(endpoint = "images/watch", input = Json, output = Streaming)]
pub async fn watch_image_job(id: i64) -> Result<ByteStream<AppError>, AppError> {
    crate::auth::require(crate::auth::Permission::GenerateImage)?;
    let images = services()?;
    let first = respond(super::service::job(&images, id).await)?;
    let next = move || {
        let images = images.clone();
        async move { super::service::job(&images, id).await }
    };
    Ok(crate::ndjson::follow(first, std::time::Duration::from_millis(200), next, |job: &ImageJob| job.state.is_terminal()))
}

#[server(endpoint = "images/gallery", input = Json)]
pub async fn bundle_images() -> Result<Vec<BundleImage>, AppError> {
    crate::auth::require(crate::auth::Permission::ViewAnalyses)?;
    respond(super::service::gallery(&services()?).await)
}
