//! Wanx text-to-image through the native async task API: submit with `X-DashScope-Async: enable`,
//! poll `GET /api/v1/tasks/{id}`, download the result at once (URLs expire after 24 hours).
//! https://help.aliyun.com/document_detail/2975674.html

use std::time::{Duration, Instant};

use backon::Retryable;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::error::retry_after;
use super::{DashScopeClient, DashScopeError};

const SUBMIT_PATH: &str = "api/v1/services/aigc/text2image/image-synthesis";

#[derive(Clone, Debug, Serialize)]
pub struct ImageRequest {
    pub model: String,
    pub input: ImageInput,
    pub parameters: ImageParameters,
}

#[derive(Clone, Debug, Serialize)]
pub struct ImageInput {
    pub prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ImageParameters {
    /// `W*H` — the separator is `*`.
    pub size: String,
    /// Always sent: the provider's default is 4 images (4× the cost).
    pub n: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
    pub prompt_extend: bool,
    pub watermark: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    Pending,
    Running,
    Suspended,
    Succeeded,
    Failed,
    Canceled,
    Unknown,
}

impl TaskStatus {
    /// Terminal states, as in the SDK's `wait`.
    pub fn is_terminal(self) -> bool {
        matches!(self, TaskStatus::Succeeded | TaskStatus::Failed | TaskStatus::Canceled | TaskStatus::Unknown)
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct TaskResult {
    pub url: Option<String>,
    pub actual_prompt: Option<String>,
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TaskOutput {
    pub task_id: String,
    pub task_status: TaskStatus,
    #[serde(default)]
    pub results: Vec<TaskResult>,
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TaskUsage {
    #[serde(default)]
    pub image_count: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TaskAnswer {
    pub request_id: Option<String>,
    pub output: TaskOutput,
    pub usage: Option<TaskUsage>,
}

/// A finished, successful task: the first image's URL and what the provider made of the prompt.
#[derive(Clone, Debug)]
pub struct FinishedImage {
    pub task_id: String,
    pub url: String,
    pub actual_prompt: Option<String>,
    pub image_count: u32,
}

impl DashScopeClient {
    async fn send_json<T: for<'de> Deserialize<'de>>(&self, req: reqwest::RequestBuilder) -> Result<T, DashScopeError> {
        let resp = self.authorized(req).send().await.map_err(DashScopeError::from_reqwest)?;
        let status = resp.status().as_u16();
        let hint = retry_after(resp.headers());
        let bytes = resp.bytes().await.map_err(DashScopeError::from_reqwest)?;
        if status != 200 {
            return Err(self.refused(status, hint, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| DashScopeError::Malformed(format!("task answer is not the documented JSON ({e})")))
    }

    /// Creates the task; retried on throttling, 5xx and timeouts.
    #[tracing::instrument(skip(self, req), fields(model = %req.model, size = %req.parameters.size))]
    pub async fn submit_image(&self, req: &ImageRequest) -> Result<TaskAnswer, DashScopeError> {
        let url = self.url(SUBMIT_PATH)?;
        (|| async { self.send_json::<TaskAnswer>(self.http.post(url.clone()).header("X-DashScope-Async", "enable").json(req)).await })
            .retry(self.retry.backoff())
            .when(DashScopeError::is_retryable)
            .adjust(|e, d| self.retry.adjust(e, d))
            .notify(|e, d| tracing::warn!(error = %e, wait_ms = d.as_millis() as u64, "image submit retried"))
            .await
    }

    #[tracing::instrument(skip(self))]
    pub async fn poll_task(&self, task_id: &str) -> Result<TaskAnswer, DashScopeError> {
        if task_id.is_empty() || !task_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(DashScopeError::Malformed(format!("task id {task_id:?}")));
        }
        let url = self.url(&format!("api/v1/tasks/{task_id}"))?;
        (|| async { self.send_json::<TaskAnswer>(self.http.get(url.clone())).await })
            .retry(self.retry.backoff())
            .when(DashScopeError::is_retryable)
            .adjust(|e, d| self.retry.adjust(e, d))
            .await
    }

    /// Polls until the task ends or `timeout` passes, calling `progress` after every poll. The
    /// interval starts at `retry.poll_start` and doubles every 3 polls up to `retry.poll_max`.
    pub async fn wait_for_image<F, Fut>(&self, task_id: &str, timeout: Duration, mut progress: F) -> Result<FinishedImage, DashScopeError>
    where
        F: FnMut(TaskStatus, u32) -> Fut + Send,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let started = Instant::now();
        let mut interval = self.retry.poll_start;
        let mut polls = 0u32;
        loop {
            let answer = self.poll_task(task_id).await?;
            polls += 1;
            let out = answer.output;
            progress(out.task_status, polls).await;
            match out.task_status {
                TaskStatus::Succeeded => return finished(out, answer.usage).map_err(|e| self.redacted(e)),
                TaskStatus::Failed | TaskStatus::Canceled => {
                    return Err(self.redacted(DashScopeError::TaskFailed {
                        task_id: task_id.to_string(),
                        code: out.code.unwrap_or_else(|| format!("{:?}", out.task_status)),
                        message: out.message.unwrap_or_default(),
                    }))
                }
                TaskStatus::Unknown => return Err(DashScopeError::TaskExpired { task_id: task_id.to_string() }),
                TaskStatus::Pending | TaskStatus::Running | TaskStatus::Suspended => {}
            }
            let waited = started.elapsed();
            if waited + interval > timeout {
                return Err(DashScopeError::TaskTimeout { task_id: task_id.to_string(), waited });
            }
            tokio::time::sleep(interval).await;
            if polls.is_multiple_of(3) {
                interval = (interval * 2).min(self.retry.poll_max);
            }
        }
    }

    /// Fetches a result image. The URL is pre-signed, so no key is sent with it (it would leak
    /// the API key to the storage host). Bodies over `max_bytes` are refused.
    #[tracing::instrument(skip(self, url))]
    pub async fn download_image(&self, url: &str, max_bytes: usize) -> Result<Bytes, DashScopeError> {
        let url = reqwest::Url::parse(url).map_err(|e| DashScopeError::Malformed(format!("image URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(DashScopeError::Malformed("image URL is not http(s)".into()));
        }
        let fetch = || async {
            let resp = self.http.get(url.clone()).send().await.map_err(DashScopeError::from_reqwest)?;
            let status = resp.status().as_u16();
            if status != 200 {
                let hint = retry_after(resp.headers());
                let body = resp.bytes().await.unwrap_or_default();
                return Err(match status {
                    403 | 404 => DashScopeError::TaskExpired { task_id: "download".into() },
                    _ => self.refused(status, hint, &body),
                });
            }
            if resp.content_length().is_some_and(|n| n as usize > max_bytes) {
                return Err(DashScopeError::Malformed(format!("image larger than {max_bytes} bytes")));
            }
            let bytes = resp.bytes().await.map_err(DashScopeError::from_reqwest)?;
            if bytes.len() > max_bytes {
                return Err(DashScopeError::Malformed(format!("image larger than {max_bytes} bytes")));
            }
            Ok(bytes)
        };
        fetch.retry(self.retry.backoff()).when(DashScopeError::is_retryable).await
    }
}

fn finished(out: TaskOutput, usage: Option<TaskUsage>) -> Result<FinishedImage, DashScopeError> {
    let first_ok = out.results.iter().find(|r| r.url.is_some());
    match first_ok {
        Some(r) => Ok(FinishedImage {
            task_id: out.task_id.clone(),
            url: r.url.clone().unwrap_or_default(),
            actual_prompt: r.actual_prompt.clone(),
            image_count: usage.map(|u| u.image_count).unwrap_or(1),
        }),
        // Every image of the task failed: each result carries code/message instead of a URL.
        None => {
            let failed = out.results.first();
            Err(DashScopeError::TaskFailed {
                task_id: out.task_id.clone(),
                code: failed.and_then(|r| r.code.clone()).unwrap_or_else(|| "NoImage".into()),
                message: failed.and_then(|r| r.message.clone()).unwrap_or_else(|| "task succeeded without an image".into()),
            })
        }
    }
}
