//! The DashScope client against the project's simulator over real HTTP: streaming, usage,
//! every error code, retries, the image task lifecycle and the download.
#![cfg(feature = "simulators")]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use app::dashscope::chat::{ChatEvent, ChatMessage};
use app::dashscope::image::{ImageInput, ImageParameters, ImageRequest, TaskStatus};
use app::dashscope::{DashScopeClient, DashScopeError, DashScopeRetryPolicy};
use app::secret::Secret;
use app::simulator::dashscope::{spawn, Endpoint, Fault, RunningSim, SimSettings};
use futures::StreamExt;

const KEY: &str = "sk-test-0123456789";

async fn sim() -> RunningSim {
    spawn(SocketAddr::from(([127, 0, 0, 1], 0)), SimSettings::fast(KEY)).await.unwrap()
}

fn fast_retry() -> DashScopeRetryPolicy {
    DashScopeRetryPolicy {
        attempts: 3,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_hint: Duration::from_millis(1500),
        poll_start: Duration::from_millis(10),
        poll_max: Duration::from_millis(40),
    }
}

fn client(s: &RunningSim, key: &str) -> DashScopeClient {
    let base = url::Url::parse(&format!("http://{}/", s.addr)).unwrap();
    DashScopeClient::new(base, Secret::new(key), true).unwrap().with_retry(fast_retry())
}

fn prompt() -> Vec<ChatMessage> {
    vec![
        ChatMessage::system("你是一位资深的数据分析师。"),
        ChatMessage::user("请分析：\n1. 总结关键的销售趋势。\n2. 指出表现最突出的商品。\n\n| 商品 | 销售额(USD) |\n| --- | --- |\n| 火箭U盘 | 1200.00 |\n| 恐龙拖鞋 | 800.00 |\n"),
    ]
}

/// Collects a stream: text, usage, the error that ended it (if any), and when the first text came.
async fn drain(c: &DashScopeClient) -> Result<(String, Option<app::ai_usage::TokenUsage>, Option<DashScopeError>, Duration, Duration), DashScopeError> {
    let started = Instant::now();
    let opened = c.chat_stream("qwen-max", &prompt()).await?;
    let mut events = opened.events;
    let (mut text, mut usage, mut first) = (String::new(), None, None);
    while let Some(e) = events.next().await {
        match e {
            Ok(ChatEvent::Delta(d)) => {
                first.get_or_insert_with(|| started.elapsed());
                text.push_str(&d);
            }
            Ok(ChatEvent::Usage(u)) => usage = Some(u),
            Ok(ChatEvent::Finished { .. }) => {}
            Err(e) => return Ok((text, usage, Some(e), first.unwrap_or_default(), started.elapsed())),
        }
    }
    Ok((text, usage, None, first.unwrap_or_default(), started.elapsed()))
}

#[tokio::test]
async fn streams_text_progressively_with_usage_last() {
    let s = sim().await;
    s.control.set_latency(Duration::from_millis(5), Duration::from_millis(4), Duration::from_millis(10));
    let (text, usage, err, first, total) = drain(&client(&s, KEY)).await.unwrap();
    assert!(err.is_none(), "{err:?}");
    // The answer is about the table it was given.
    assert!(text.contains("火箭U盘"), "{text}");
    let usage = usage.expect("usage in the final chunk");
    assert!(usage.prompt_tokens > 20 && usage.completion_tokens > 5);
    assert_eq!(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    // Text arrived well before the end: it was streamed, not buffered.
    assert!(first * 3 < total, "first {first:?} of {total:?}");
}

#[tokio::test]
async fn a_wrong_key_is_rejected_without_retry() {
    let s = sim().await;
    let e = client(&s, "sk-wrong").chat_stream("qwen-max", &prompt()).await.err().unwrap();
    assert!(matches!(&e, DashScopeError::InvalidApiKey(p) if p.code == "invalid_api_key"), "{e:?}");
    assert_eq!(s.control.stats().chat_requests, 1);
}

#[tokio::test]
async fn throttling_is_retried_honouring_retry_after() {
    let s = sim().await;
    s.control.push_fault(Endpoint::Chat, Fault::Throttle { retry_after_s: Some(1) });
    s.control.push_fault(Endpoint::Chat, Fault::ServerError);
    let started = Instant::now();
    let (text, _, err, _, _) = drain(&client(&s, KEY)).await.unwrap();
    assert!(err.is_none() && !text.is_empty());
    assert_eq!(s.control.stats().chat_requests, 3);
    // The 1 s hint was waited for, not the 10 ms backoff.
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
}

#[tokio::test]
async fn persistent_throttling_ends_in_a_clear_error() {
    let s = sim().await;
    for _ in 0..5 {
        s.control.push_fault(Endpoint::Chat, Fault::Throttle { retry_after_s: None });
    }
    let e = client(&s, KEY).chat_stream("qwen-max", &prompt()).await.err().unwrap();
    assert!(matches!(&e, DashScopeError::Throttled(p) if p.status == 429), "{e:?}");
    assert_eq!(s.control.stats().chat_requests, 3, "attempts = 3");
}

#[tokio::test]
async fn content_inspection_failure_carries_the_reason() {
    let s = sim().await;
    s.control.push_fault(Endpoint::Chat, Fault::ContentFilter);
    let e = client(&s, KEY).chat_stream("qwen-max", &prompt()).await.err().unwrap();
    assert!(matches!(&e, DashScopeError::ContentFiltered(p) if p.message.contains("inappropriate")), "{e:?}");
    assert_eq!(s.control.stats().chat_requests, 1, "not retried");
}

#[tokio::test]
async fn a_cut_stream_keeps_what_arrived_and_reports_the_cut() {
    let s = sim().await;
    s.control.push_fault(Endpoint::Chat, Fault::CutStream { after_chunks: 5 });
    let (text, usage, err, _, _) = drain(&client(&s, KEY)).await.unwrap();
    assert!(!text.is_empty());
    assert!(usage.is_none());
    assert!(matches!(err, Some(DashScopeError::StreamCut(_))), "{err:?}");
}

#[tokio::test]
async fn malformed_chunks_are_reported() {
    let s = sim().await;
    s.control.push_fault(Endpoint::Chat, Fault::MalformedJson);
    let (_, _, err, _, _) = drain(&client(&s, KEY)).await.unwrap();
    assert!(matches!(err, Some(DashScopeError::Malformed(_))), "{err:?}");
}

fn image_request(size: &str) -> ImageRequest {
    ImageRequest {
        model: "wanx2.1-t2i-plus".into(),
        input: ImageInput { prompt: "电商营销海报：“火箭U盘”、“恐龙拖鞋”组合套装".into(), negative_prompt: None },
        parameters: ImageParameters { size: size.into(), n: 1, seed: Some(7), prompt_extend: true, watermark: false },
    }
}

#[tokio::test]
async fn an_image_task_goes_pending_running_succeeded_and_downloads() {
    let s = sim().await;
    let c = client(&s, KEY);
    let task = c.submit_image(&image_request("1280*720")).await.unwrap();
    assert_eq!(task.output.task_status, TaskStatus::Pending);
    let mut seen = Vec::new();
    let done = c
        .wait_for_image(&task.output.task_id, Duration::from_secs(10), |status, _| {
            seen.push(status);
            async {}
        })
        .await
        .unwrap();
    assert!(seen.contains(&TaskStatus::Pending) || seen.contains(&TaskStatus::Running), "{seen:?}");
    assert_eq!(seen.last(), Some(&TaskStatus::Succeeded));
    assert_eq!(done.image_count, 1, "n = 1 was sent");
    let bytes = c.download_image(&done.url, 20 << 20).await.unwrap();
    let info = png::Decoder::new(std::io::Cursor::new(&bytes[..])).read_info().unwrap().info().clone();
    assert_eq!((info.width, info.height), (1280, 720));
}

#[tokio::test]
async fn failed_and_expired_tasks_are_told_apart() {
    let s = sim().await;
    let c = client(&s, KEY);
    let t = c.submit_image(&image_request("1024*1024")).await.unwrap().output.task_id;
    s.control.push_fault(Endpoint::TaskPoll, Fault::TaskFailed);
    let e = c.wait_for_image(&t, Duration::from_secs(10), |_, _| async {}).await.err().unwrap();
    assert!(matches!(e, DashScopeError::TaskFailed { .. }), "{e:?}");

    let t = c.submit_image(&image_request("1024*1024")).await.unwrap().output.task_id;
    s.control.push_fault(Endpoint::TaskPoll, Fault::TaskExpired);
    let e = c.wait_for_image(&t, Duration::from_secs(10), |_, _| async {}).await.err().unwrap();
    assert!(matches!(e, DashScopeError::TaskExpired { .. }), "{e:?}");
}

#[tokio::test]
async fn a_throttled_submit_is_retried_and_a_bad_one_is_not() {
    let s = sim().await;
    let c = client(&s, KEY);
    s.control.push_fault(Endpoint::ImageSubmit, Fault::Throttle { retry_after_s: None });
    c.submit_image(&image_request("1024*1024")).await.unwrap();
    assert_eq!(s.control.stats().image_submits, 2);
    let e = c.submit_image(&image_request("4000*4000")).await.err().unwrap();
    assert!(matches!(&e, DashScopeError::Provider(p) if p.code == "InvalidParameter" && p.status == 400), "{e:?}");
    s.control.push_fault(Endpoint::ImageSubmit, Fault::ContentFilter);
    let e = c.submit_image(&image_request("1024*1024")).await.err().unwrap();
    assert!(matches!(&e, DashScopeError::ContentFiltered(p) if p.code == "DataInspectionFailed"), "{e:?}");
}
