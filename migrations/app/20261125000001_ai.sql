-- The app's own store: AI insights, its own AI usage (spend) and generated marketing images.
-- Times are UTC RFC 3339 text; the UI shows them in Asia/Shanghai.

-- Every model call the app makes: the app's own AI spend, shown on the AI cost page.
CREATE TABLE ai_usage (
    id                INTEGER PRIMARY KEY,
    occurred_at       TEXT    NOT NULL,
    provider          TEXT    NOT NULL,              -- 'dashscope'
    simulated         INTEGER NOT NULL,              -- 1 when the local simulator answered
    model             TEXT    NOT NULL,
    purpose           TEXT    NOT NULL,              -- 'insight:<analysis>' or 'bundle_image'
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    image_count       INTEGER NOT NULL DEFAULT 0,
    duration_ms       INTEGER NOT NULL,
    outcome           TEXT    NOT NULL CHECK (outcome IN ('ok', 'incomplete', 'failed')),
    error_code        TEXT,
    request_id        TEXT
);
CREATE INDEX ai_usage_by_time ON ai_usage (occurred_at);

-- Complete insights only; the key covers analysis, parameters, data fingerprint, model, prompt
-- version and whether the simulator wrote it. Regenerating replaces the row.
CREATE TABLE insights (
    id                INTEGER PRIMARY KEY,
    cache_key         TEXT    NOT NULL UNIQUE,
    analysis          TEXT    NOT NULL,
    params_json       TEXT    NOT NULL,
    data_fingerprint  TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    prompt_version    TEXT    NOT NULL,
    simulated         INTEGER NOT NULL,
    text              TEXT    NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    rows_in_prompt    INTEGER NOT NULL,
    rows_total        INTEGER NOT NULL,
    usage_id          INTEGER REFERENCES ai_usage (id)
);

-- One row per click on 生成营销图; the background task moves it along.
CREATE TABLE image_jobs (
    id            INTEGER PRIMARY KEY,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    bundle_json   TEXT    NOT NULL,
    prompt        TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    size          TEXT    NOT NULL,
    simulated     INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('submitting', 'pending', 'running', 'downloading', 'succeeded', 'failed')),
    task_id       TEXT,
    polls         INTEGER NOT NULL DEFAULT 0,
    error_code    TEXT,
    error_message TEXT,
    image_id      INTEGER REFERENCES bundle_images (id)
);

-- Images on disk under <data dir>/media/bundle-images/<sha256>.png; a row exists only once the
-- file is completely written.
CREATE TABLE bundle_images (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT    NOT NULL,
    bytes         INTEGER NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    bundle_json   TEXT    NOT NULL,
    bundle_label  TEXT    NOT NULL,
    prompt        TEXT    NOT NULL,
    actual_prompt TEXT,
    model         TEXT    NOT NULL,
    size          TEXT    NOT NULL,
    task_id       TEXT    NOT NULL UNIQUE,
    simulated     INTEGER NOT NULL,
    created_at    TEXT    NOT NULL
);
CREATE INDEX bundle_images_by_time ON bundle_images (created_at);
