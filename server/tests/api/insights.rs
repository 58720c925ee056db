//! Insights through the real router and the DashScope simulator: streamed, stored, served
//! from the cache, cut answers marked, and what the page says when no model is configured.

use crate::helpers::*;

#[tokio::test]
async fn an_insight_streams_is_stored_and_then_served_without_the_model() {
    let app = spawn_app().await;
    let body = serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": false });
    let (status, events) = post_lines(&app, "insights/stream", body.clone()).await;
    assert_eq!(status, 200, "{events:?}");
    assert_eq!(events[0]["Started"]["from_cache"], false);
    assert_eq!(events[0]["Started"]["simulated"], true);
    let deltas: String = events.iter().filter_map(|e| e["Delta"]["text"].as_str()).collect();
    assert!(events.len() > 5 && deltas.contains("Shirt"), "the answer is about the data: {deltas}");
    let done = &events.last().unwrap()["Done"]["insight"];
    assert_eq!(done["text"], deltas.as_str());
    assert!(done["tokens"]["prompt_tokens"].as_u64().unwrap() > 0);
    assert_eq!(dashscope_sim(&app).stats().chat_requests, 1);

    // Again: from the cache, no model call, same text.
    let (_, again) = post_lines(&app, "insights/stream", body).await;
    assert_eq!(again[0]["Started"]["from_cache"], true);
    assert_eq!(again[1]["Done"]["insight"]["text"], deltas.as_str());
    assert_eq!(dashscope_sim(&app).stats().chat_requests, 1);

    // The page's lookup finds it by the analysis' fingerprint.
    let (_, analysis) = post_lines(&app, "sales/run_analysis", serde_json::json!({ "kind": "top-sellers", "query": JAN })).await;
    let fingerprint = analysis[0]["fingerprint"].as_str().unwrap().to_string();
    let (status, view) = post_lines(&app, "insights/view", serde_json::json!({ "kind": "top-sellers", "query": JAN, "fingerprint": fingerprint })).await;
    assert_eq!(status, 200);
    assert_eq!(view[0]["source"], "Simulator");
    assert_eq!(view[0]["cached"]["text"], deltas.as_str());
    let (_, other) = post_lines(&app, "insights/view", serde_json::json!({ "kind": "top-sellers", "query": JAN, "fingerprint": "0" })).await;
    assert!(other[0]["cached"].is_null());

    // Regenerating calls the model again and replaces the stored insight.
    let (_, regen) = post_lines(&app, "insights/stream", serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": true })).await;
    assert!(regen.last().unwrap()["Done"].is_object());
    assert_eq!(dashscope_sim(&app).stats().chat_requests, 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM insights").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ai_usage WHERE outcome = 'ok' AND purpose = 'insight:top-sellers'").await, 2);
}

#[tokio::test]
async fn a_cut_answer_is_marked_partial_and_not_cached() {
    use app::simulator::dashscope::{Endpoint, Fault};
    let app = spawn_app().await;
    dashscope_sim(&app).push_fault(Endpoint::Chat, Fault::CutStream { after_chunks: 4 });
    let body = serde_json::json!({ "kind": "inventory", "query": JAN, "regenerate": false });
    let (_, events) = post_lines(&app, "insights/stream", body.clone()).await;
    let last = events.last().unwrap();
    assert_eq!(last["Failed"]["partial"], true, "{events:?}");
    assert_eq!(last["Failed"]["error"], "AiStreamCut");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM insights").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ai_usage WHERE outcome = 'incomplete'").await, 1);

    // Content inspection: the provider's reason reaches the page.
    dashscope_sim(&app).push_fault(Endpoint::Chat, Fault::ContentFilter);
    let (_, events) = post_lines(&app, "insights/stream", body).await;
    let reason = events.last().unwrap()["Failed"]["error"]["AiContentFiltered"]["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("inappropriate") && reason.contains("data_inspection_failed"), "{reason}");
}

#[tokio::test]
async fn without_key_or_simulator_the_page_is_told_how_to_configure() {
    let app = spawn_app_with(&[("SUANPAN_AI_SIMULATOR", "off")]).await;
    let (status, body) = post_lines(&app, "insights/stream", serde_json::json!({ "kind": "top-sellers", "query": JAN, "regenerate": false })).await;
    assert_eq!(status, 503);
    assert_eq!(body[0], "AiNotConfigured");
    let (_, view) = post_lines(&app, "insights/view", serde_json::json!({ "kind": "top-sellers", "query": JAN, "fingerprint": "x" })).await;
    assert_eq!(view[0]["source"], "NotConfigured");
}

/// Both simulators off: what a build without the `simulators` feature sees without credentials.
/// Nothing is started, the services get no endpoints, and the pages say what is not configured.
#[tokio::test]
async fn with_both_simulators_off_nothing_is_started_and_the_pages_say_not_configured() {
    let app = spawn_app_with(&[("SUANPAN_AI_SIMULATOR", "off"), ("SUANPAN_CLOUD_SIMULATOR", "off")]).await;
    assert!(app.state.simulators.cloud.is_none() && app.state.simulators.dashscope.is_none());
    assert!(app.state.billing.clients().await.unwrap().is_empty());
    assert!(app.state.ai.client().is_none() && !app.state.config.ai.simulated);
    let res = app.client.get(format!("{}/ai-cost", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("待配置"), "platforms are marked not configured");
    assert!(!html.contains("cost-sim-notice"), "no simulator notice without a simulator");
}
