//! The image service (server only): validate, record the job, then submit, poll and download in
//! a background task that survives the page closing and resumes after a restart.

use std::path::Path;
use std::time::Instant;

use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::model::{check_request, Bundle, BundleImage, ImageJob, ImageProblem, JobState};
use super::store::{self, NewImage};
use crate::ai_usage::store::{record, UsageRecord};
use crate::ai_usage::{Outcome, TokenUsage};
use crate::dashscope::image::{ImageInput, ImageParameters, ImageRequest, TaskStatus};
use crate::dashscope::{DashScopeClient, DashScopeError};
use crate::error::{AppError, LimitedAction};
use crate::limits::Caller;
use crate::ai_services::AiServices;
use crate::store::{AppStore, StoreError};
use crate::warehouse::Warehouse;

/// What the image feature needs: the warehouse (to check a bundle's items), the model, the store.
#[derive(Clone)]
pub struct ImageServices {
    pub warehouse: Warehouse,
    pub ai: AiServices,
    pub store: AppStore,
}

/// Larger downloads are refused (a 1440×1440 PNG is a few MB).
const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

#[tracing::instrument(skip(state, bundle, prompt), fields(items = bundle.items.len()))]
pub async fn start(state: &ImageServices, caller: &Caller, bundle: Bundle, prompt: String, size: String) -> Result<ImageJob, AppError> {
    let prompt = prompt.trim().to_string();
    check_request(&bundle, &prompt, &size).map_err(AppError::BadImageRequest)?;
    let bundle = checked_against_warehouse(state, bundle).await?;
    let client = state.ai.client().ok_or(AppError::AiNotConfigured)?;
    // Counted only for a request that would be generated: a typo costs the user nothing.
    state.ai.limits.check(LimitedAction::Image, caller)?;
    let model = state.ai.image_model.clone();
    let id = store::create_job(&state.store, &bundle, &prompt, &model, &size, client.simulated).await?;
    let request = ImageRequest {
        model,
        input: ImageInput { prompt, negative_prompt: Some("文字，水印，模糊，低质量，变形".into()) },
        parameters: ImageParameters { size, n: 1, seed: None, prompt_extend: true, watermark: false },
    };
    spawn(state, client, id, Start::Submit(Box::new(request)));
    job(state, id).await
}

/// The audit entry of a started image job: the bundle and size, and the prompt's length (its
/// text is the user's and stays in the job, not in the audit log).
pub fn audit_event(job: &ImageJob, prompt_chars: usize) -> crate::audit::AuditEvent {
    crate::audit::AuditEvent::new("image.generate", format!("image_job:{}", job.id)).after(serde_json::json!({
        "job": job.id,
        "bundle": job.bundle_label,
        "size": job.size,
        "prompt_chars": prompt_chars,
        "simulated": job.simulated,
    }))
}

/// The bundle with every item one the warehouse has, named as the warehouse names it (the names
/// are shown in the gallery and were sent by the browser).
async fn checked_against_warehouse(state: &ImageServices, mut bundle: Bundle) -> Result<Bundle, AppError> {
    let w = &state.warehouse;
    let ids: Vec<i64> = bundle.items.iter().map(|i| i.stock_item_id).collect();
    let names = w.stock_item_names(&ids).await.map_err(|e| AppError::from_warehouse(w.backend_name(), e))?;
    for item in &mut bundle.items {
        match names.get(&item.stock_item_id) {
            Some(name) => item.name = name.clone(),
            None => return Err(AppError::BadImageRequest(ImageProblem::UnknownItem(item.stock_item_id))),
        }
    }
    Ok(bundle)
}

pub async fn job(state: &ImageServices, id: i64) -> Result<ImageJob, AppError> {
    store::job(&state.store, id).await?.ok_or(AppError::NotFound)
}

/// A stored image as a download: (content type, readable file name, bytes).
pub async fn download(state: &ImageServices, id: &str) -> Result<(&'static str, String, Vec<u8>), AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (img, sha) = store::image_by_id(&state.store, id).await?.ok_or(AppError::NotFound)?;
    let bytes = tokio::fs::read(state.ai.image_dir.join(format!("{sha}.png"))).await.map_err(|e| {
        tracing::error!(error = %e, id, "stored image unreadable");
        AppError::NotFound
    })?;
    Ok(("image/png", img.file_name, bytes))
}

pub async fn gallery(state: &ImageServices) -> Result<Vec<BundleImage>, AppError> {
    Ok(store::images(&state.store, 200).await?)
}

/// Picks up jobs a restart interrupted: polling resumes for submitted tasks (results live 24 h);
/// a job that never got a task id cannot be known to exist and is marked failed.
pub async fn resume(state: &ImageServices) -> Result<usize, StoreError> {
    let jobs = store::unfinished(&state.store).await?;
    let n = jobs.len();
    for (id, job_state, task_id) in jobs {
        match (task_id, &state.ai.client()) {
            (Some(task_id), Some(client)) if job_state != JobState::Submitting => {
                spawn(state, client.clone(), id, Start::Poll(task_id));
            }
            _ => {
                let e = AppError::ImageTaskFailed { code: "Interrupted".into(), message: "服务重启时任务尚未提交".into() };
                store::fail(&state.store, id, &e).await?;
            }
        }
    }
    Ok(n)
}

enum Start {
    Submit(Box<ImageRequest>),
    Poll(String),
}

fn spawn(state: &ImageServices, client: DashScopeClient, id: i64, start: Start) {
    let span = tracing::info_span!("image_job", job = id, simulated = client.simulated);
    let state = state.clone();
    tokio::spawn(
        async move {
            let started = Instant::now();
            let outcome = run(&state, &client, id, start).await;
            let (result, images, code) = match &outcome {
                Ok(n) => (Outcome::Ok, *n, None),
                Err(e) => (Outcome::Failed, 0, e.code().map(str::to_string)),
            };
            if let Err(e) = &outcome {
                tracing::warn!(error = %e, "image job failed");
                let shown = AppError::from(e);
                if let Err(se) = store::fail(&state.store, id, &shown).await {
                    tracing::error!(error = %se, "job failure not recorded");
                }
            }
            let usage = UsageRecord {
                simulated: client.simulated,
                model: &state.ai.image_model,
                purpose: "bundle_image",
                tokens: TokenUsage::default(),
                image_count: images,
                duration: started.elapsed(),
                outcome: result,
                error_code: code.as_deref(),
                request_id: None,
            };
            if let Err(e) = record(&state.store, &usage).await {
                tracing::error!(error = %e, "usage not recorded");
            }
        }
        .instrument(span),
    );
}

/// Submits (or resumes), polls, downloads, stores. Returns the number of images billed.
async fn run(state: &ImageServices, client: &DashScopeClient, id: i64, start: Start) -> Result<u32, DashScopeError> {
    let st = &state.store;
    let save = |e: StoreError| DashScopeError::Transport(format!("store: {e}"));
    // Wanx allows 2 concurrent tasks: wait for a slot before submitting. The semaphore is never
    // closed, so acquiring cannot fail.
    let _slot = state.ai.image_slots.acquire().await.map_err(|e| DashScopeError::Transport(e.to_string()))?;
    let task_id = match start {
        Start::Submit(req) => client.submit_image(&req).await?.output.task_id,
        Start::Poll(task_id) => task_id,
    };
    store::set_state(st, id, JobState::Pending, Some(&task_id), Some(0)).await.map_err(save)?;
    let finished = client
        .wait_for_image(&task_id, state.ai.image_timeout, |status, polls| async move {
            let state_now = match status {
                TaskStatus::Pending => JobState::Pending,
                TaskStatus::Running | TaskStatus::Suspended => JobState::Running,
                // Terminal states are recorded by the caller.
                _ => return,
            };
            if let Err(e) = store::set_state(st, id, state_now, None, Some(polls)).await {
                tracing::warn!(error = %e, "job progress not recorded");
            }
        })
        .await?;
    store::set_state(st, id, JobState::Downloading, None, None).await.map_err(save)?;
    let bytes = client.download_image(&finished.url, MAX_IMAGE_BYTES).await?;
    let (width, height) = png_size(&bytes)?;
    let sha = hex::encode(Sha256::digest(&bytes));
    write_file(&state.ai.image_dir, &sha, &bytes).await.map_err(|e| DashScopeError::Transport(format!("writing image: {e}")))?;
    let image = NewImage {
        job_id: id,
        sha256: &sha,
        bytes: bytes.len() as i64,
        width,
        height,
        actual_prompt: finished.actual_prompt.as_deref(),
        task_id: &task_id,
    };
    store::finish(st, &image).await.map_err(save)?;
    tracing::info!(task_id, bytes = bytes.len(), "image stored");
    Ok(finished.image_count.max(1))
}

/// The image must be a PNG we can read; its size is recorded.
fn png_size(bytes: &[u8]) -> Result<(u32, u32), DashScopeError> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().map_err(|e| DashScopeError::Malformed(format!("result is not a PNG image ({e})")))?;
    let info = reader.info();
    Ok((info.width, info.height))
}

/// Content-addressed: `<sha256>.png`, written to a temporary name and renamed, so a file with
/// that name is always complete.
async fn write_file(dir: &Path, sha: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let target = dir.join(format!("{sha}.png"));
    if tokio::fs::try_exists(&target).await.unwrap_or(false) {
        return Ok(());
    }
    let tmp = dir.join(format!(".{sha}.{}.part", rand::random::<u32>()));
    tokio::fs::write(&tmp, bytes).await?;
    match tokio::fs::rename(&tmp, &target).await {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            Err(e)
        }
    }
}

