//! The Feishu webhook client against the project's webhook simulator over real HTTP: a signed
//! card arrives and is kept; a wrong secret, a stale timestamp, a wrong token, a missing keyword
//! and an oversized card each surface as their typed error; throttling is retried.
#![cfg(feature = "simulators")]

use std::time::Duration;

use app::feishu::{send_card_with, send_test_card, Card, FeishuError, FeishuRetry, FeishuWebhook, SendOptions, Template};
use app::secret::Secret;
use app::simulator::feishu::{spawn, Fault, FeishuSimSettings, RunningFeishuSim};
use chrono::{TimeDelta, Utc};

fn fast(attempts: usize) -> SendOptions {
    SendOptions { at: None, retry: FeishuRetry { attempts, min_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) } }
}

async fn signed_bot() -> (RunningFeishuSim, FeishuWebhook) {
    let sim = spawn(FeishuSimSettings::demo()).await.expect("simulator");
    let webhook = FeishuWebhook::parse(&sim.webhook_url(), sim.secret().cloned()).expect("the simulator's URL parses");
    (sim, webhook)
}

fn card() -> Card {
    Card::new("子账号额度已用 80%", Template::Orange).markdown("**team-a** 已用 ¥8,000 / ¥10,000")
}

/// No text of `e` holds the token or the secret.
fn assert_clean(e: &FeishuError, webhook: &FeishuWebhook) {
    let printed = format!("{e} {e:?}");
    let token = webhook.url.path().rsplit('/').next().expect("a token");
    assert!(!printed.contains(token), "{printed}");
    if let Some(secret) = &webhook.secret {
        assert!(!printed.contains(secret.expose()), "{printed}");
    }
}

#[tokio::test]
async fn a_signed_test_card_is_accepted_and_kept() {
    let (sim, webhook) = signed_bot().await;
    let answer = send_test_card(&reqwest::Client::new(), &webhook).await.expect("accepted");
    assert_eq!((answer.status, answer.code, answer.msg.as_str()), (200, 0, "success"));
    let received = sim.control.received();
    assert_eq!(received.len(), 1);
    let card = received[0].card.as_ref().expect("an interactive card");
    assert_eq!(received[0].msg_type, "interactive");
    assert_eq!(card["header"]["title"]["content"], "算盘告警测试");
    assert_eq!(card["schema"], "2.0");
    let signed_at: i64 = received[0].timestamp.as_deref().expect("signed").parse().expect("seconds");
    assert!((Utc::now().timestamp() - signed_at).abs() < 60);
}

#[tokio::test]
async fn a_wrong_secret_is_a_bad_signature() {
    let (sim, webhook) = signed_bot().await;
    let wrong = FeishuWebhook { secret: Some(Secret::new("SECnot-the-bots")), ..webhook.clone() };
    let e = send_card_with(&reqwest::Client::new(), &wrong, &card(), &fast(3)).await.expect_err("refused");
    assert!(matches!(&e, FeishuError::BadSignature(a) if a.code == 19021 && a.status == 200), "{e:?}");
    assert_clean(&e, &wrong);
    assert_eq!(sim.control.stats().requests, 1, "a bad signature is not retried");
    let unsigned = FeishuWebhook { secret: None, ..webhook };
    let e = send_card_with(&reqwest::Client::new(), &unsigned, &card(), &fast(3)).await.expect_err("refused");
    assert!(matches!(e, FeishuError::BadSignature(_)), "{e:?}");
    assert!(sim.control.received().is_empty());
}

#[tokio::test]
async fn a_timestamp_outside_the_hour_is_refused_and_inside_it_accepted() {
    let (sim, webhook) = signed_bot().await;
    let http = reqwest::Client::new();
    let stale = SendOptions { at: Some(Utc::now() - TimeDelta::minutes(61)), ..fast(1) };
    let e = send_card_with(&http, &webhook, &card(), &stale).await.expect_err("stale");
    assert!(matches!(e, FeishuError::BadSignature(_)), "{e:?}");
    let ahead = SendOptions { at: Some(Utc::now() + TimeDelta::minutes(61)), ..fast(1) };
    assert!(matches!(send_card_with(&http, &webhook, &card(), &ahead).await, Err(FeishuError::BadSignature(_))));
    let recent = SendOptions { at: Some(Utc::now() - TimeDelta::minutes(50)), ..fast(1) };
    send_card_with(&http, &webhook, &card(), &recent).await.expect("within the hour");
    assert_eq!(sim.control.received().len(), 1);
}

#[tokio::test]
async fn throttling_is_retried_until_the_attempts_run_out() {
    let (sim, webhook) = signed_bot().await;
    let http = reqwest::Client::new();
    sim.control.push_fault(Fault::Throttle);
    sim.control.push_fault(Fault::TooManyRequests);
    let answer = send_card_with(&http, &webhook, &card(), &fast(3)).await.expect("the third try lands");
    assert_eq!(answer.code, 0);
    assert_eq!((sim.control.stats().requests, sim.control.received().len()), (3, 1));

    sim.control.push_fault(Fault::Throttle);
    sim.control.push_fault(Fault::Throttle);
    let e = send_card_with(&http, &webhook, &card(), &fast(2)).await.expect_err("still throttled");
    assert!(matches!(&e, FeishuError::Throttled { answer, attempts: 2 } if answer.code == 11232), "{e:?}");

    sim.control.push_fault(Fault::ServerError);
    sim.control.push_fault(Fault::MalformedJson);
    let e = send_card_with(&http, &webhook, &card(), &fast(3)).await.expect_err("unreadable");
    assert!(matches!(e, FeishuError::Malformed { status: 200, .. }), "a 500 is retried, a cut answer is not: {e:?}");
}

#[tokio::test]
async fn wrong_token_missing_keyword_and_oversized_cards_are_told_apart() {
    let settings = FeishuSimSettings { keywords: vec!["算盘".into()], ..FeishuSimSettings::demo() };
    let sim = spawn(settings).await.expect("simulator");
    let http = reqwest::Client::new();
    let webhook = FeishuWebhook::parse(&sim.webhook_url(), sim.secret().cloned()).expect("a hook");

    let e = send_card_with(&http, &webhook, &card(), &fast(3)).await.expect_err("no keyword");
    assert!(matches!(e, FeishuError::KeywordMissing(ref a) if a.code == 19024), "{e:?}");
    send_test_card(&http, &webhook).await.expect("the test card names 算盘");

    let wrong_token = FeishuWebhook::parse(&format!("{}/open-apis/bot/v2/hook/not-a-bot", sim.base_url()), webhook.secret.clone()).expect("a hook");
    let e = send_card_with(&http, &wrong_token, &card(), &fast(3)).await.expect_err("unknown bot");
    assert!(matches!(e, FeishuError::NotFound(ref a) if a.code == 19001), "{e:?}");
    assert_clean(&e, &wrong_token);

    let before = sim.control.stats().requests;
    let huge = Card::new("算盘", Template::Red).markdown("很长".repeat(4000));
    let e = send_card_with(&http, &webhook, &huge, &fast(3)).await.expect_err("too large");
    assert!(matches!(e, FeishuError::TooLarge { bytes, limit: 20_480 } if bytes > 20_480), "{e:?}");
    assert_eq!(sim.control.stats().requests, before, "refused before sending");
}

#[tokio::test]
async fn an_unreachable_webhook_says_so_without_its_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    let webhook = FeishuWebhook::parse(&format!("http://127.0.0.1:{port}/open-apis/bot/v2/hook/secret-token-xyz"), None).expect("a hook");
    let e = send_card_with(&reqwest::Client::new(), &webhook, &card(), &fast(2)).await.expect_err("nobody listens");
    assert!(matches!(e, FeishuError::Transport(_)), "{e:?}");
    assert_clean(&e, &webhook);
}
