//! Bundle images through the real router and the DashScope simulator: generated, downloaded,
//! stored and listed; failed tasks and bad requests store nothing.

use crate::helpers::*;

#[tokio::test]
async fn an_image_is_generated_downloaded_stored_and_listed() {
    let app = spawn_app().await;
    let (status, job) = post_lines(&app, "images/start", serde_json::json!({ "bundle": bundle(), "prompt": "电商营销海报：Shirt 与 Mug 组合", "size": "1280*720" })).await;
    assert_eq!(status, 200, "{job:?}");
    let id = job[0]["id"].as_i64().unwrap();
    let (_, updates) = post_lines(&app, "images/watch", serde_json::json!({ "id": id })).await;
    let states: Vec<&str> = updates.iter().map(|u| u["state"].as_str().unwrap()).collect();
    assert_eq!(states.last(), Some(&"Succeeded"), "{updates:?}");
    // The watch samples the job, so on a busy machine it may see any ordered subset of the
    // states; what must hold is their order and that the task was polled (progress recorded).
    const ORDER: [&str; 5] = ["Submitting", "Pending", "Running", "Downloading", "Succeeded"];
    let ranks: Vec<usize> = states.iter().map(|s| ORDER.iter().position(|o| o == s).expect("a known state")).collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "states out of order or repeated: {states:?}");
    assert!(count(&app, &format!("SELECT polls FROM image_jobs WHERE id = {id}")).await >= 1, "the task was polled");
    assert!(updates.last().unwrap()["polls"].as_u64().unwrap() >= 1, "{updates:?}");
    let image = &updates.last().unwrap()["image"];
    let url = image["url"].as_str().unwrap();
    assert!(url.starts_with("/media/bundle-images/") && url.ends_with(".png"));

    let res = app.client.get(format!("{}{url}", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    use sha2::Digest;
    assert_eq!(url, format!("/media/bundle-images/{}.png", hex::encode(sha2::Sha256::digest(&bytes))), "content-addressed");

    let (_, gallery) = post_lines(&app, "images/gallery", serde_json::json!({})).await;
    assert_eq!(gallery[0].as_array().unwrap().len(), 1);
    assert_eq!(gallery[0][0]["bundle_label"], "Shirt + Mug");
    assert!(std::path::Path::new(&app.state.ai.image_dir).join(url.trim_start_matches("/media/bundle-images/")).is_file(), "stored file");
    assert_eq!(gallery[0][0]["size"], "1280*720");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ai_usage WHERE purpose = 'bundle_image' AND image_count = 1").await, 1);
}

#[tokio::test]
async fn failed_image_tasks_store_nothing_and_bad_requests_are_refused() {
    use app::simulator::dashscope::{Endpoint, Fault};
    let app = spawn_app().await;
    let (status, body) = post_lines(&app, "images/start", serde_json::json!({ "bundle": bundle(), "prompt": "x", "size": "9999*9999" })).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["BadImageRequest"]["UnknownSize"], "9999*9999");

    dashscope_sim(&app).push_fault(Endpoint::TaskPoll, Fault::TaskFailed);
    let (_, job) = post_lines(&app, "images/start", serde_json::json!({ "bundle": bundle(), "prompt": "海报", "size": "1024*1024" })).await;
    let (_, updates) = post_lines(&app, "images/watch", serde_json::json!({ "id": job[0]["id"] })).await;
    let last = updates.last().unwrap();
    assert_eq!(last["state"], "Failed", "{updates:?}");
    assert!(last["error"].is_object() || last["error"].is_string(), "{last}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bundle_images").await, 0);
    let files = std::fs::read_dir(app.state.ai.image_dir.clone()).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "no half-written file");
}

#[tokio::test]
async fn images_start_refuses_made_up_bundles_and_bad_prompts() {
    let app = spawn_app().await;
    let start = |bundle: serde_json::Value, prompt: String| {
        let body = serde_json::json!({ "bundle": bundle, "prompt": prompt, "size": "1024*1024" });
        let app = &app;
        async move { post_lines(app, "images/start", body).await }
    };
    let items = |ids: &[i64]| {
        let items: Vec<_> = ids.iter().map(|id| serde_json::json!({ "stock_item_id": id, "name": "X" })).collect();
        serde_json::json!({ "items": items, "lift": "2.5", "co_occurrence": 3 })
    };
    let ok_prompt = "电商营销海报".to_string();
    let (status, body) = start(items(&[i64::MIN, 1]), ok_prompt.clone()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]["UnknownItem"]), (400, &serde_json::json!(i64::MIN)), "{body:?}");
    let (status, body) = start(items(&[1, 424242]), ok_prompt.clone()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]["UnknownItem"]), (400, &serde_json::json!(424242)), "{body:?}");
    let (status, body) = start(items(&[1, 2, 1]), ok_prompt.clone()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]["DuplicateItem"]), (400, &serde_json::json!(1)), "{body:?}");
    let (status, body) = start(items(&[1, 2, 3, 1, 2]), ok_prompt.clone()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]), (400, &serde_json::json!("NoBundle")), "{body:?}");
    let (status, body) = start(items(&[1, 2]), "海报\u{1b}[31m\u{0}".into()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]), (400, &serde_json::json!("PromptControlCharacter")), "{body:?}");
    let (status, body) = start(items(&[1, 2]), "字".repeat(801)).await;
    assert_eq!((status, &body[0]["BadImageRequest"]["PromptTooLong"]["max"]), (400, &serde_json::json!(800)), "{body:?}");
    let (status, body) = start(items(&[1, 2]), " \n\t ".into()).await;
    assert_eq!((status, &body[0]["BadImageRequest"]), (400, &serde_json::json!("EmptyPrompt")), "{body:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM image_jobs").await, 0, "nothing recorded");
    assert_eq!(dashscope_sim(&app).stats().image_submits, 0, "nothing sent to the model");

    // A real bundle: the names stored are the warehouse's, not the ones sent.
    let (status, job) = start(serde_json::json!({ "items": [ { "stock_item_id": 1, "name": "<b>Fake</b>" }, { "stock_item_id": 3, "name": "Y" } ], "lift": "2", "co_occurrence": 2 }), ok_prompt).await;
    assert_eq!(status, 200, "{job:?}");
    assert_eq!(job[0]["bundle_label"], "Mug + Toy");
}
