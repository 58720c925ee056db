//! Image jobs and stored images in the app store.

use super::model::{Bundle, BundleImage, ImageJob, JobState};
use crate::error::AppError;
use crate::store::{now_text, parse_time, AppStore, StoreError};

/// Images are served under this path from `<data dir>/media/bundle-images`.
pub const URL_PREFIX: &str = "/media/bundle-images/";

pub async fn create_job(store: &AppStore, bundle: &Bundle, prompt: &str, model: &str, size: &str, simulated: bool) -> Result<i64, StoreError> {
    let now = now_text();
    let bundle_json = serde_json::to_string(bundle).map_err(|e| StoreError::BadRow(e.to_string()))?;
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO image_jobs (created_at, updated_at, bundle_json, prompt, model, size, simulated, state)
         VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, 'submitting') RETURNING id AS "id!: i64""#,
        now,
        bundle_json,
        prompt,
        model,
        size,
        simulated,
    )
    .fetch_one(&store.pool)
    .await?)
}

/// Moves a job along; `None` keeps the stored task id or poll count.
pub async fn set_state(store: &AppStore, id: i64, state: JobState, task_id: Option<&str>, polls: Option<u32>) -> Result<(), StoreError> {
    // The query borrows its arguments (sqlx::query!), so computed ones are bound first.
    let (state, polls, now) = (state.as_str(), polls.map(i64::from), now_text());
    sqlx::query!(
        "UPDATE image_jobs SET state = ?2, task_id = COALESCE(?3, task_id), polls = COALESCE(?4, polls), updated_at = ?5 WHERE id = ?1",
        id,
        state,
        task_id,
        polls,
        now,
    )
    .execute(&store.pool)
    .await?;
    Ok(())
}

pub async fn fail(store: &AppStore, id: i64, error: &AppError) -> Result<(), StoreError> {
    let json = serde_json::to_string(error).map_err(|e| StoreError::BadRow(e.to_string()))?;
    let (code, now) = (error.status().to_string(), now_text());
    sqlx::query!(
        "UPDATE image_jobs SET state = 'failed', error_code = ?2, error_message = ?3, updated_at = ?4 WHERE id = ?1",
        id,
        code,
        json,
        now,
    )
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
    let job = sqlx::query!(
        r#"SELECT bundle_json, prompt, model, size, simulated AS "simulated: bool" FROM image_jobs WHERE id = ?1"#,
        img.job_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    let label = serde_json::from_str::<Bundle>(&job.bundle_json).map(|b| b.label()).unwrap_or_default();
    let (width, height, now) = (i64::from(img.width), i64::from(img.height), now_text());
    let image_id = sqlx::query_scalar!(
        r#"INSERT INTO bundle_images (sha256, bytes, width, height, bundle_json, bundle_label, prompt, actual_prompt, model, size,
             task_id, simulated, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (task_id) DO UPDATE SET sha256 = excluded.sha256 RETURNING id AS "id!: i64""#,
        img.sha256,
        img.bytes,
        width,
        height,
        job.bundle_json,
        label,
        job.prompt,
        img.actual_prompt,
        job.model,
        job.size,
        img.task_id,
        job.simulated,
        now,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE image_jobs SET state = 'succeeded', image_id = ?2, updated_at = ?3 WHERE id = ?1",
        img.job_id,
        image_id,
        now,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(image_id)
}

/// A `bundle_images` row as the queries below select it (`query_as!` fills it by column name).
struct ImageRow {
    id: i64,
    sha256: String,
    bytes: i64,
    bundle_label: String,
    prompt: String,
    actual_prompt: Option<String>,
    model: String,
    size: String,
    task_id: String,
    simulated: bool,
    created_at: String,
}

fn image(row: ImageRow) -> Result<BundleImage, StoreError> {
    let ImageRow { id, sha256, bytes, bundle_label, prompt, actual_prompt, model, size, task_id, simulated, created_at } = row;
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
    let row = image_row(store, id).await?;
    row.map(|r| {
        let sha = r.sha256.clone();
        image(r).map(|img| (img, sha))
    })
    .transpose()
}

async fn image_row(store: &AppStore, id: i64) -> Result<Option<ImageRow>, StoreError> {
    Ok(sqlx::query_as!(
        ImageRow,
        r#"SELECT id AS "id!", sha256, bytes, bundle_label, prompt, actual_prompt, model, size, task_id, simulated AS "simulated: bool",
             created_at
         FROM bundle_images WHERE id = ?1"#,
        id,
    )
    .fetch_optional(&store.pool)
    .await?)
}

pub async fn images(store: &AppStore, limit: u32) -> Result<Vec<BundleImage>, StoreError> {
    let rows = sqlx::query_as!(
        ImageRow,
        r#"SELECT id AS "id!", sha256, bytes, bundle_label, prompt, actual_prompt, model, size, task_id, simulated AS "simulated: bool",
             created_at
         FROM bundle_images ORDER BY created_at DESC, id DESC LIMIT ?1"#,
        limit,
    )
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(image).collect()
}

pub async fn job(store: &AppStore, id: i64) -> Result<Option<ImageJob>, StoreError> {
    let row = sqlx::query!(
        r#"SELECT id, state, polls, bundle_json, size, simulated AS "simulated: bool", error_message, image_id
         FROM image_jobs WHERE id = ?1"#,
        id,
    )
    .fetch_optional(&store.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let state = JobState::parse(&row.state).ok_or_else(|| StoreError::BadRow(format!("job state {:?}", row.state)))?;
    let image = match row.image_id {
        Some(image_id) => image_row(store, image_id).await?.map(image).transpose()?,
        None => None,
    };
    Ok(Some(ImageJob {
        id: row.id,
        state,
        polls: row.polls.max(0) as u32,
        bundle_label: serde_json::from_str::<Bundle>(&row.bundle_json).map(|b| b.label()).unwrap_or_default(),
        size: row.size,
        simulated: row.simulated,
        error: row.error_message.and_then(|j| serde_json::from_str(&j).ok()),
        image,
    }))
}

/// Jobs a restart interrupted: (id, state, task id, prompt and model for the usage record).
pub async fn unfinished(store: &AppStore) -> Result<Vec<(i64, JobState, Option<String>)>, StoreError> {
    let rows = sqlx::query!("SELECT id, state, task_id FROM image_jobs WHERE state NOT IN ('succeeded', 'failed') ORDER BY id")
        .fetch_all(&store.pool)
        .await?;
    Ok(rows.into_iter().filter_map(|r| JobState::parse(&r.state).map(|s| (r.id, s, r.task_id))).collect())
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
