//! Result images at URLs like OSS signed URLs: rendered on first download (the art module),
//! cached per task, gone with the task; OSS-style XML errors.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::images::{ImageSpec, Status};
use super::{uuid_like, with_retry_after, Endpoint, Fault, Gate, SimControl};
use crate::simulator::art;
use crate::simulator::control::lock;

fn oss_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{code}</Code>\n  <Message>{message}</Message>\n  \
         <RequestId>{}</RequestId>\n  <HostId>dashscope-result-sim.local</HostId>\n  <ServerTime>{}</ServerTime>\n</Error>\n",
        uuid_like().replace('-', "").to_uppercase(),
        Utc::now().format("%Y-%m-%dT%H:%M:%S.000Z"),
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

/// What a download finds before rendering.
enum Lookup {
    Ready(Bytes),
    Render(ImageSpec),
    Expired,
    Missing,
}

/// Result URLs are pre-signed: no key asked for.
const GATE: Gate = Gate {
    endpoint: Endpoint::ImageDownload,
    unauthorized: None,
    precondition: |_| None,
    fault_answer: download_fault_response,
};

pub(super) async fn download(
    State(sim): State<SimControl>,
    Path((task_id, file)): Path<(String, String)>,
) -> Response {
    let fault = match sim.enter(&GATE, &HeaderMap::new()) {
        Ok(fault) => fault,
        Err(answer) => return answer,
    };
    let Some(index) = file
        .strip_suffix(".png")
        .and_then(|i| i.parse::<u32>().ok())
    else {
        return oss_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    let png = match sim.lookup_image(&task_id, index) {
        Lookup::Ready(png) => png,
        Lookup::Render(spec) => match render(&spec, index).await {
            Some(png) => sim.cache_image(&task_id, index, png),
            None => {
                return oss_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "Render failed.",
                )
            }
        },
        Lookup::Expired => {
            return oss_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired.",
            )
        }
        Lookup::Missing => {
            return oss_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            )
        }
    };
    png_response(png, fault)
}

/// Faults at the object store: S3/OSS-style codes (not from the DashScope docs).
fn download_fault_response(fault: &Fault) -> Option<Response> {
    match fault {
        Fault::Throttle { retry_after_s } => Some(with_retry_after(
            oss_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SlowDown",
                "Please reduce your request rate.",
            ),
            *retry_after_s,
        )),
        Fault::ServerError => Some(oss_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "Internal error.",
        )),
        Fault::TaskExpired => Some(oss_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired.",
        )),
        _ => None,
    }
}

fn png_response(png: Bytes, fault: Option<Fault>) -> Response {
    let half = png.slice(..png.len() / 2);
    let (frames, length) = match fault {
        Some(Fault::MalformedJson) => (vec![Ok(half.clone())], half.len()),
        Some(Fault::CutStream { .. }) => (
            vec![Ok(half), Err(std::io::Error::other("simulated cut"))],
            png.len(),
        ),
        _ => (vec![Ok(png.clone())], png.len()),
    };
    let headers = [
        (header::CONTENT_TYPE, "image/png".to_owned()),
        (header::CONTENT_LENGTH, length.to_string()),
    ];
    (
        StatusCode::OK,
        headers,
        Body::from_stream(futures::stream::iter(frames)),
    )
        .into_response()
}

async fn render(spec: &ImageSpec, index: u32) -> Option<Bytes> {
    let spec = spec.clone();
    let seed = spec.seed + u64::from(index);
    let job = tokio::task::spawn_blocking(move || {
        art::bundle_poster(&spec.prompt, spec.width, spec.height, seed)
    });
    job.await
        .ok()
        .filter(|png| !png.is_empty())
        .map(Bytes::from)
}

impl SimControl {
    fn lookup_image(&self, task_id: &str, index: u32) -> Lookup {
        let tasks = lock(&self.shared.tasks);
        let Some(task) = tasks.get(task_id) else {
            return Lookup::Missing;
        };
        if task.expired(self.shared.result_ttl) {
            return Lookup::Expired;
        }
        if task.status(self.shared.result_ttl) != Status::Succeeded || index >= task.spec.n {
            return Lookup::Missing;
        }
        match task.images.get(&index) {
            Some(png) => Lookup::Ready(png.clone()),
            None => Lookup::Render(task.spec.clone()),
        }
    }

    fn cache_image(&self, task_id: &str, index: u32, png: Bytes) -> Bytes {
        if let Some(task) = lock(&self.shared.tasks).get_mut(task_id) {
            task.images.entry(index).or_insert_with(|| png.clone());
        }
        png
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::*;
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn image_task_runs_to_success_and_downloads() {
        let sim = start(SimSettings::fast(KEY)).await;
        let mut request = image_request("茶叶、茶杯和茶壶组合", "768*512", Some(2));
        request["parameters"]["prompt_extend"] = json!(true);
        let task_id = submit_ok(&sim, &request).await;
        let (seen, body) = poll_until_done(&sim, &task_id).await;
        assert_eq!(seen, ["PENDING", "RUNNING", "SUCCEEDED"]);
        let output = &body["output"];
        assert_eq!(output["task_id"], json!(task_id));
        for field in ["submit_time", "scheduled_time", "end_time"] {
            let time = output[field].as_str().expect(field);
            assert!(
                chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S%.3f").is_ok(),
                "{time}"
            );
        }
        assert_eq!(
            output["task_metrics"],
            json!({"TOTAL": 2, "SUCCEEDED": 2, "FAILED": 0})
        );
        assert_eq!(body["usage"]["image_count"], 2);
        let results = output["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["orig_prompt"], "茶叶、茶杯和茶壶组合");
        assert!(results[0]["actual_prompt"]
            .as_str()
            .is_some_and(|p| p.len() > 30));

        let url = results[1]["url"].as_str().expect("url");
        assert_eq!(url, format!("{}/results/{task_id}/1.png", sim.base_url()));
        let response = reqwest::get(url).await.expect("download");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
        let png = response.bytes().await.expect("bytes");
        assert_eq!(decode_png(&png), (768, 512));
        // Cached: the same bytes again; the other image differs (seed + index).
        assert_eq!(
            reqwest::get(url)
                .await
                .expect("again")
                .bytes()
                .await
                .expect("bytes"),
            png
        );
        let first = reqwest::get(results[0]["url"].as_str().expect("url"))
            .await
            .expect("first");
        assert_ne!(first.bytes().await.expect("bytes"), png);
        let stats = sim.control.stats();
        assert_eq!((stats.image_submits, stats.downloads), (1, 3));
        assert!(stats.task_polls >= 3);
    }

    #[tokio::test]
    async fn expired_task_is_unknown_and_its_image_403() {
        let mut settings = SimSettings::fast(KEY);
        settings.task_step = Duration::from_millis(5);
        settings.result_ttl = Duration::from_millis(400);
        let sim = start(settings).await;
        let task_id = submit_ok(&sim, &image_request("猫", "512*512", Some(1))).await;
        let (_, body) = poll_until_done(&sim, &task_id).await;
        assert_eq!(body["output"]["task_status"], "SUCCEEDED");
        let url = body["output"]["results"][0]["url"]
            .as_str()
            .expect("url")
            .to_owned();
        assert_eq!(reqwest::get(&url).await.expect("download").status(), 200);
        tokio::time::sleep(Duration::from_millis(450)).await;
        let (status, body) = poll(&sim, &task_id).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["output"]["task_status"], "UNKNOWN");
        let response = reqwest::get(&url).await.expect("download");
        assert_eq!(response.status(), 403);
        let xml = response.text().await.expect("xml");
        assert!(
            xml.contains("<Code>AccessDenied</Code>") && xml.contains("Request has expired."),
            "{xml}"
        );
        let (_, body) = poll(&sim, "no-such-task").await;
        assert_eq!(body["output"]["task_status"], "UNKNOWN");
    }
}
