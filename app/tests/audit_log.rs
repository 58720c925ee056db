//! The audit log over a real app store: reading back by filter (Shanghai days, actor, action or
//! family, outcome, target), pages by entry id that stay put while entries arrive, the filter's
//! count, the database refusing changes and removals, and the CSV export the download route sends.
#![cfg(feature = "ssr")]

use app::audit::{ActionFilter, ActorKind, AuditActor, AuditEvent, AuditFilter, AuditLog, Cursor, Outcome};
use app::store::AppStore;
use chrono::NaiveDate;
use serde_json::json;

async fn log() -> (tempfile::TempDir, AuditLog) {
    let dir = tempfile::tempdir().unwrap();
    let store = AppStore::open(dir.path()).await.unwrap();
    (dir, AuditLog { store })
}

fn user(name: &str) -> AuditActor {
    AuditActor { kind: ActorKind::User, id: Some(1), name: name.into(), address: Some("10.0.0.7".parse().unwrap()) }
}

async fn record(log: &AuditLog, actor: &AuditActor, action: &'static str, target: &str, outcome: Outcome) {
    log.record(actor, AuditEvent::new(action, target).outcome(outcome)).await.unwrap();
}

/// An entry at a chosen instant (the recorder stamps "now"), as stored: UTC text.
async fn record_at(log: &AuditLog, at: &str, action: &str) {
    sqlx::query("INSERT INTO audit_log (at, actor_kind, actor_name, action, target, outcome) VALUES (?1, 'system', 'cron', ?2, 't', 'ok')")
        .bind(at)
        .bind(action)
        .execute(&log.store.pool)
        .await
        .unwrap();
}

fn day(s: &str) -> Option<NaiveDate> {
    Some(s.parse().unwrap())
}

async fn ids(log: &AuditLog, filter: AuditFilter) -> Vec<i64> {
    log.page(&filter, Cursor::Newest, 100).await.unwrap().entries.iter().map(|e| e.id).collect()
}

#[tokio::test]
async fn entries_read_back_as_recorded() {
    let (_dir, log) = log().await;
    let event = AuditEvent::new("user.update", "user:alice").before(json!({"role": "viewer"})).after(json!({"role": "analyst"}));
    log.record(&user("管理员"), event).await.unwrap();
    let page = log.page(&AuditFilter::default(), Cursor::Newest, 10).await.unwrap();
    assert_eq!((page.total, page.newer, page.older()), (1, 0, 0));
    let e = &page.entries[0];
    assert_eq!((e.actor_kind, e.actor_id, e.actor_name.as_str(), e.address.as_deref()), (ActorKind::User, Some(1), "管理员", Some("10.0.0.7")));
    assert_eq!((e.action.as_str(), e.target.as_str(), e.outcome), ("user.update", "user:alice", Outcome::Ok));
    assert_eq!((e.before.clone(), e.after.clone()), (Some(json!({"role": "viewer"})), Some(json!({"role": "analyst"}))));
    assert!((chrono::Utc::now() - e.at).num_seconds().abs() < 60, "stamped now: {}", e.at);
}

#[tokio::test]
async fn days_are_shanghai_days() {
    let (_dir, log) = log().await;
    // 23:59:59.999 on 30 November and 00:00 on 1 December in Shanghai.
    record_at(&log, "2026-11-30T15:59:59.999Z", "a").await;
    record_at(&log, "2026-11-30T16:00:00.000Z", "b").await;
    record_at(&log, "2026-12-01T15:59:59.999Z", "c").await;
    record_at(&log, "2026-12-01T16:00:00.000Z", "d").await;
    let actions = |f: AuditFilter| {
        let log = log.clone();
        async move { log.page(&f, Cursor::Newest, 10).await.unwrap().entries.into_iter().map(|e| e.action).collect::<Vec<_>>() }
    };
    assert_eq!(actions(AuditFilter { from: day("2026-12-01"), to: day("2026-12-01"), ..Default::default() }).await, ["c", "b"]);
    assert_eq!(actions(AuditFilter { to: day("2026-11-30"), ..Default::default() }).await, ["a"]);
    assert_eq!(actions(AuditFilter { from: day("2026-12-02"), ..Default::default() }).await, ["d"]);
}

#[tokio::test]
async fn filters_by_actor_action_outcome_and_target() {
    let (_dir, log) = log().await;
    let (admin, ops) = (user("Admin"), user("运维小王"));
    let key = AuditActor { kind: ActorKind::ApiKey, id: Some(3), name: "erp-sync".into(), address: None };
    record(&log, &admin, "user.create", "user:alice", Outcome::Ok).await; // 1
    record(&log, &admin, "user.update", "user:Alice", Outcome::Ok).await; // 2
    record(&log, &ops, "auth.sign_in", "user:运维小王", Outcome::Ok).await; // 3
    record(&log, &AuditActor::anonymous("mallory", None), "auth.sign_in_failed", "user:mallory", Outcome::Failed).await; // 4
    record(&log, &key, "billing.sync", "sync_run:9", Outcome::Ok).await; // 5
    record(&log, &ops, "users.export", "x", Outcome::Ok).await; // 6: another family sharing the letters
    let f = AuditFilter::default;
    assert_eq!(ids(&log, f()).await, [6, 5, 4, 3, 2, 1]);
    assert_eq!(ids(&log, AuditFilter { actor: Some("admin".into()), ..f() }).await, [2, 1], "Latin letters in any case");
    assert_eq!(ids(&log, AuditFilter { actor: Some("小王".into()), ..f() }).await, [6, 3]);
    assert_eq!(ids(&log, AuditFilter { action: Some(ActionFilter::Prefix("user.".into())), ..f() }).await, [2, 1]);
    assert_eq!(ids(&log, AuditFilter { action: Some(ActionFilter::Exact("user.update".into())), ..f() }).await, [2]);
    assert_eq!(ids(&log, AuditFilter { action: Some(ActionFilter::Exact("user.".into())), ..f() }).await, Vec::<i64>::new());
    assert_eq!(ids(&log, AuditFilter { outcome: Some(Outcome::Failed), ..f() }).await, [4]);
    assert_eq!(ids(&log, AuditFilter { target: Some("ALICE".into()), ..f() }).await, [2, 1]);
    assert_eq!(ids(&log, AuditFilter { target: Some("sync_run:".into()), actor: Some("erp".into()), ..f() }).await, [5]);
    // Needles are text, not patterns.
    assert_eq!(ids(&log, AuditFilter { target: Some("%".into()), ..f() }).await, Vec::<i64>::new());
    let counted = log.page(&AuditFilter { actor: Some("admin".into()), ..f() }, Cursor::Newest, 1).await.unwrap();
    assert_eq!((counted.entries.len(), counted.total, counted.newer, counted.older()), (1, 2, 0, 1));
}

#[tokio::test]
async fn pages_by_id_stay_put_while_entries_arrive() {
    let (_dir, log) = log().await;
    let admin = user("admin");
    for _ in 0..25 {
        record(&log, &admin, "auth.sign_in", "user:admin", Outcome::Ok).await;
    }
    let page_ids = |p: &app::audit::AuditPage| p.entries.iter().map(|e| e.id).collect::<Vec<_>>();
    let f = AuditFilter::default();
    let first = log.page(&f, Cursor::Newest, 10).await.unwrap();
    assert_eq!(page_ids(&first), (16..=25).rev().collect::<Vec<_>>());
    assert_eq!((first.total, first.newer, first.older()), (25, 0, 15));
    let second = log.page(&f, Cursor::Before(16), 10).await.unwrap();
    assert_eq!(page_ids(&second), (6..=15).rev().collect::<Vec<_>>());

    for _ in 0..5 {
        record(&log, &admin, "auth.sign_out", "user:admin", Outcome::Ok).await;
    }
    let again = log.page(&f, Cursor::Before(16), 10).await.unwrap();
    assert_eq!(page_ids(&again), page_ids(&second), "the linked page is the same page");
    assert_eq!((again.total, again.newer, again.older()), (30, 15, 5));
    let back = log.page(&f, Cursor::After(15), 10).await.unwrap();
    assert_eq!(page_ids(&back), (16..=25).rev().collect::<Vec<_>>(), "the page just newer, newest first");
    assert_eq!((back.newer, back.older()), (5, 15));
    let last = log.page(&f, Cursor::Before(6), 10).await.unwrap();
    assert_eq!(page_ids(&last), [5, 4, 3, 2, 1]);
    assert_eq!(last.older(), 0);
    let past_the_end = log.page(&f, Cursor::Before(1), 10).await.unwrap();
    assert_eq!((past_the_end.entries.len(), past_the_end.newer, past_the_end.older()), (0, 30, 0));
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_an_entry() {
    let (_dir, log) = log().await;
    record(&log, &user("admin"), "user.create", "user:alice", Outcome::Ok).await;
    for sql in ["UPDATE audit_log SET target = 'user:nobody'", "DELETE FROM audit_log", "UPDATE audit_log SET outcome = 'failed' WHERE id = 1"] {
        let e = sqlx::query(sql).execute(&log.store.pool).await.expect_err(sql);
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    let page = log.page(&AuditFilter::default(), Cursor::Newest, 10).await.unwrap();
    assert_eq!((page.total, page.entries[0].target.as_str(), page.entries[0].outcome), (1, "user:alice", Outcome::Ok));
}

#[tokio::test]
async fn the_csv_export_is_excel_ready_and_inert() {
    let (_dir, log) = log().await;
    let event = AuditEvent::new("credential.update", "credential:aliyun/生产, \"主\"账号")
        .before(json!({"secret": "已设置", "region": "cn-hangzhou"}))
        .after(json!({"secret": "已更换", "region": "cn-shanghai"}));
    log.record(&user("管理员"), event).await.unwrap();
    let attacker = AuditActor::anonymous("=HYPERLINK(\"http://evil\",\"点我\")", Some("203.0.113.9".parse().unwrap()));
    record(&log, &attacker, "auth.sign_in_failed", "user:=1+1", Outcome::Failed).await;
    record(&log, &user("viewer"), "auth.sign_out", "user:viewer", Outcome::Ok).await;

    let raw = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    let (content_type, name, bytes) = app::admin_audit::export::export(&log, &raw(&[("action", "auth.sign_in_failed"), ("before", "99")])).await.unwrap();
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert!(name.starts_with("audit-log-") && name.ends_with(".csv"), "{name}");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM, so Excel reads UTF-8");
    let rows = read_csv(&bytes[3..]);
    assert_eq!(rows[0], ["时间（北京时间）", "操作者类型", "操作者", "地址", "操作", "操作代码", "对象", "结果", "变更", "变更前", "变更后"]);
    assert_eq!(rows.len(), 2, "the filter applies, the paging key does not: {rows:?}");
    assert_eq!(&rows[1][1..8], ["未登录", "'=HYPERLINK(\"http://evil\",\"点我\")", "203.0.113.9", "登录失败", "auth.sign_in_failed", "user:=1+1", "失败"]);
    assert!(rows[1][2].starts_with('\''), "a formula typed as a user name stays text");

    let (_, _, bytes) = app::admin_audit::export::export(&log, &[]).await.unwrap();
    let rows = read_csv(&bytes[3..]);
    assert_eq!(rows.len(), 4);
    let changed = &rows[3];
    assert_eq!((changed[2].as_str(), changed[4].as_str()), ("管理员", "修改凭据"));
    assert_eq!(changed[6], "credential:aliyun/生产, \"主\"账号", "a comma and quotes survive the quoting");
    assert_eq!(changed[8], "region: cn-hangzhou → cn-shanghai；secret: 已设置 → 已更换");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("\"credential:aliyun/生产, \"\"主\"\"账号\""), "quoted as RFC 4180: {text}");

    let refused = app::admin_audit::export::export(&log, &raw(&[("outcome", "maybe")])).await.unwrap_err();
    assert_eq!(refused.status(), 400);
}

fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[tokio::test]
async fn a_triggered_sync_and_a_generated_image_are_recorded_without_the_prompt() {
    use app::billing::model::{JoinedRun, SyncTrigger};
    use app::bundle_image::model::{ImageJob, JobState};
    let (_dir, log) = log().await;
    let analyst = user("analyst");
    let joined = app::billing::sync::Started::Joined(12, JoinedRun::Elsewhere);
    log.record(&analyst, joined.audit_event(SyncTrigger::Button)).await.unwrap();
    let job = ImageJob {
        id: 4,
        state: JobState::Submitting,
        polls: 0,
        bundle_label: "咖啡杯 + 马克杯".into(),
        size: "1024*1024".into(),
        simulated: true,
        error: None,
        image: None,
    };
    log.record(&analyst, app::bundle_image::service::audit_event(&job, 37)).await.unwrap();
    let page = log.page(&AuditFilter::default(), Cursor::Newest, 10).await.unwrap();
    let (image, sync) = (&page.entries[0], &page.entries[1]);
    assert_eq!((sync.action.as_str(), sync.target.as_str()), ("billing.sync", "sync_run:12"));
    assert_eq!(sync.after, Some(json!({"run": 12, "trigger": "button", "start": "joined_elsewhere"})));
    assert_eq!((image.action.as_str(), image.target.as_str()), ("image.generate", "image_job:4"));
    assert_eq!(image.after.as_ref().unwrap()["prompt_chars"], json!(37));
    assert_eq!(image.after.as_ref().unwrap()["bundle"], json!("咖啡杯 + 马克杯"));
    assert!(image.after.as_ref().unwrap().get("prompt").is_none());
}
