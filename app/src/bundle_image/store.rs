//! Image jobs and stored images in the app store.

use super::model::{Bundle, BundleImage, ImageJob, JobState};
use crate::error::AppError;
use crate::store::{now_text, parse_time, AppStore, StoreError};

/// Images are served under this path from `<data dir>/media/bundle-images`.
pub const URL_PREFIX: &str = "/media/bundle-images/";

pub async fn create_job(store: &AppStore, bundle: &Bundle, prompt: &str, model: &str, size: &str, simulated: bool) -> Result<i64, StoreError> {
    let now = now_text();
    let bundle_json = serde_json::to_string(bundle).map_err(|e| StoreError::BadRow(e.to_string()))?;
    Ok(sqlx::query_scalar(
        "INSERT INTO image_jobs (created_at, updated_at, bundle_json, prompt, model, size, simulated, state)
         VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'submitting') RETURNING id",
    )
    .bind(&now)
    .bind(bundle_json)
    .bind(prompt)
    .bind(model)
    .bind(size)
    .bind(simulated)
    .fetch_one(&store.pool)
    .await?)
}

/// Moves a job along; `None` keeps the stored task id or poll count.
pub async fn set_state(store: &AppStore, id: i64, state: JobState, task_id: Option<&str>, polls: Option<u32>) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE image_jobs SET state = ?2, task_id = COALESCE(?3, task_id), polls = COALESCE(?4, polls), updated_at = ?5 WHERE id = ?1",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(task_id)
    .bind(polls.map(i64::from))
    .bind(now_text())
    .execute(&store.pool)
    .await?;
    Ok(())
}

pub async fn fail(store: &AppStore, id: i64, error: &AppError) -> Result<(), StoreError> {
    let json = serde_json::to_string(error).map_err(|e| StoreError::BadRow(e.to_string()))?;
    sqlx::query("UPDATE image_jobs SET state = 'failed', error_code = ?2, error_message = ?3, updated_at = ?4 WHERE id = ?1")
        .bind(id)
        .bind(format!("{}", error.status()))
        .bind(json)
        .bind(now_text())
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// What a finished download is recorded with.
pub struct NewImage<'a> {
    pub job_id: i64,
    pub sha256: &'a str,
    pub bytes: i64,
    pub width: u32,
    pub height: u32,
    pub actual_prompt: Option<&'a str>,
    pub task_id: &'a str,
}

/// Records the image and finishes the job in one transaction: a job is never `succeeded`
/// without its image, nor an image stored without its job.
pub async fn finish(store: &AppStore, img: &NewImage<'_>) -> Result<i64, StoreError> {
    let mut tx = store.pool.begin().await?;
    let (bundle_json, prompt, model, size, simulated): (String, String, String, String, bool) =
        sqlx::query_as("SELECT bundle_json, prompt, model, size, simulated FROM image_jobs WHERE id = ?1")
            .bind(img.job_id)
            .fetch_one(&mut *tx)
            .await?;
    let label = serde_json::from_str::<Bundle>(&bundle_json).map(|b| b.label()).unwrap_or_default();
    let image_id: i64 = sqlx::query_scalar(
        "INSERT INTO bundle_images (sha256, bytes, width, height, bundle_json, bundle_label, prompt, actual_prompt, model, size,
             task_id, simulated, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (task_id) DO UPDATE SET sha256 = excluded.sha256 RETURNING id",
    )
    .bind(img.sha256)
    .bind(img.bytes)
    .bind(img.width as i64)
    .bind(img.height as i64)
    .bind(&bundle_json)
    .bind(label)
    .bind(prompt)
    .bind(img.actual_prompt)
    .bind(model)
    .bind(size)
    .bind(img.task_id)
    .bind(simulated)
    .bind(now_text())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE image_jobs SET state = 'succeeded', image_id = ?2, updated_at = ?3 WHERE id = ?1")
        .bind(img.job_id)
        .bind(image_id)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(image_id)
}

type ImageRow = (i64, String, i64, String, String, Option<String>, String, String, String, bool, String);

const IMAGE_COLUMNS: &str =
    "i.id, i.sha256, i.bytes, i.bundle_label, i.prompt, i.actual_prompt, i.model, i.size, i.task_id, i.simulated, i.created_at";

fn image(row: ImageRow) -> Result<BundleImage, StoreError> {
    let (id, sha256, bytes, bundle_label, prompt, actual_prompt, model, size, task_id, simulated, created_at) = row;
    let created_at = parse_time(&created_at)?;
    Ok(BundleImage {
        id,
        url: format!("{URL_PREFIX}{sha256}.png"),
        file_name: readable_name(&bundle_label, created_at),
        bundle_label,
        prompt,
        actual_prompt,
        model,
        size,
        task_id,
        simulated,
        created_at,
        bytes,
    })
}

/// `<bundle>-<Beijing date>.png`, with what file systems refuse replaced: what a download is
/// saved as (the stored file is content-addressed).
pub fn readable_name(bundle_label: &str, created_at: chrono::DateTime<chrono::Utc>) -> String {
    let day = created_at.with_timezone(&crate::calendar::shanghai()).format("%Y%m%d");
    let label: String = bundle_label
        .chars()
        .map(|c| if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .take(80)
        .collect();
    let label = label.trim();
    format!("{}-{day}.png", if label.is_empty() { "bundle" } else { label })
}

/// One stored image and its content address.
pub async fn image_by_id(store: &AppStore, id: i64) -> Result<Option<(BundleImage, String)>, StoreError> {
    let row = sqlx::query_as::<_, ImageRow>(&format!("SELECT {IMAGE_COLUMNS} FROM bundle_images i WHERE i.id = ?1"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    row.map(|r| {
        let sha = r.1.clone();
        image(r).map(|img| (img, sha))
    })
    .transpose()
}

pub async fn images(store: &AppStore, limit: u32) -> Result<Vec<BundleImage>, StoreError> {
    let rows = sqlx::query_as::<_, ImageRow>(&format!(
        "SELECT {IMAGE_COLUMNS} FROM bundle_images i ORDER BY i.created_at DESC, i.id DESC LIMIT ?1"
    ))
    .bind(limit as i64)
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(image).collect()
}

pub async fn job(store: &AppStore, id: i64) -> Result<Option<ImageJob>, StoreError> {
    let row = sqlx::query_as::<_, (i64, String, i64, String, String, bool, Option<String>, Option<i64>)>(
        "SELECT id, state, polls, bundle_json, size, simulated, error_message, image_id FROM image_jobs WHERE id = ?1",
    )
    .bind(id)
    .fetch_optional(&store.pool)
    .await?;
    let Some((id, state, polls, bundle_json, size, simulated, error_json, image_id)) = row else { return Ok(None) };
    let state = JobState::parse(&state).ok_or_else(|| StoreError::BadRow(format!("job state {state:?}")))?;
    let image = match image_id {
        Some(image_id) => sqlx::query_as::<_, ImageRow>(&format!("SELECT {IMAGE_COLUMNS} FROM bundle_images i WHERE i.id = ?1"))
            .bind(image_id)
            .fetch_optional(&store.pool)
            .await?
            .map(image)
            .transpose()?,
        None => None,
    };
    Ok(Some(ImageJob {
        id,
        state,
        polls: polls.max(0) as u32,
        bundle_label: serde_json::from_str::<Bundle>(&bundle_json).map(|b| b.label()).unwrap_or_default(),
        size,
        simulated,
        error: error_json.and_then(|j| serde_json::from_str(&j).ok()),
        image,
    }))
}

/// Jobs a restart interrupted: (id, state, task id, prompt and model for the usage record).
pub async fn unfinished(store: &AppStore) -> Result<Vec<(i64, JobState, Option<String>)>, StoreError> {
    let rows = sqlx::query_as::<_, (i64, String, Option<String>)>(
        "SELECT id, state, task_id FROM image_jobs WHERE state NOT IN ('succeeded', 'failed') ORDER BY id",
    )
    .fetch_all(&store.pool)
    .await?;
    Ok(rows.into_iter().filter_map(|(id, s, t)| JobState::parse(&s).map(|s| (id, s, t))).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn downloads_are_named_after_the_bundle_and_the_beijing_date() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T17:30:00Z").unwrap().to_utc();
        assert_eq!(super::readable_name("USB 火箭 U 盘 + 杯子/蓝", at), "USB 火箭 U 盘 + 杯子_蓝-20261207.png");
        assert_eq!(super::readable_name("  ", at), "bundle-20261207.png");
    }
}
