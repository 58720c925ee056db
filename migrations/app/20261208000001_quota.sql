-- Quota control of LLM sub-accounts (issue 12): prepaid allocations as an append-only ledger,
-- monthly consumption snapshots, stepped alerts recorded once per (sub-account, cycle, step), an
-- outbox that delivers them to Feishu, and the settings and lease of the scheduled check.
-- Amounts are decimal text in CNY (summed in Rust, never by SQLite's float SUM); times UTC RFC 3339.

-- One row: read by the scheduler on every loop, so a change applies without a restart.
CREATE TABLE quota_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    interval_seconds INTEGER NOT NULL CHECK (interval_seconds BETWEEN 60 AND 86400),
    default_steps    TEXT NOT NULL,             -- "50,80,90"; 100 % is always a step
    updated_at       TEXT,                      -- NULL: the defaults, never changed
    updated_by       TEXT
);
INSERT INTO quota_settings (id, interval_seconds, default_steps) VALUES (1, 3600, '50,80,90');

CREATE TABLE quota_sub_accounts (
    id            INTEGER PRIMARY KEY,
    account       TEXT NOT NULL,                -- the Volcengine main account (a billing account's name)
    user_name     TEXT NOT NULL,                -- the IAM UserName
    display_name  TEXT NOT NULL DEFAULT '',
    project       TEXT NOT NULL,                -- the Volcengine project its spend is billed to
    steps         TEXT,                         -- NULL: the global default
    auto_disable  INTEGER NOT NULL DEFAULT 1 CHECK (auto_disable IN (0, 1)),
    -- Who disabled it: only one the app disabled is enabled again by a new allocation.
    state         TEXT NOT NULL DEFAULT 'active'
                  CHECK (state IN ('active', 'disabled_by_app', 'disabled_by_admin')),
    -- An IAM change decided in a transaction and not yet done in Volcengine (retried by the check).
    iam_pending   TEXT CHECK (iam_pending IN ('disable', 'enable')),
    iam_error     TEXT,
    disabled_keys TEXT NOT NULL DEFAULT '[]',   -- JSON: the access keys the app deactivated
    -- The alert cycle: a re-arm (an allocation bringing usage back under a step) opens the next.
    cycle         INTEGER NOT NULL DEFAULT 0,
    first_allocated_on TEXT,                    -- YYYY-MM-DD (Asia/Shanghai): consumption counts from its month
    checked_at    TEXT,
    check_error   TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    UNIQUE (account, user_name)
);

-- Append-only: the allocated total is the sum of these rows.
CREATE TABLE quota_allocations (
    id             INTEGER PRIMARY KEY,
    sub_account_id INTEGER NOT NULL REFERENCES quota_sub_accounts (id),
    amount         TEXT NOT NULL,               -- signed
    balance_before TEXT NOT NULL,               -- allocated total before and after this entry
    balance_after  TEXT NOT NULL,
    consumed       TEXT NOT NULL,               -- consumption when it was made (the underflow check's)
    operator       TEXT NOT NULL,
    reason         TEXT NOT NULL,
    at             TEXT NOT NULL,
    request_key    TEXT UNIQUE                  -- the form's one-time key: a resubmission is not a second entry
);
CREATE INDEX quota_allocations_by_sub ON quota_allocations (sub_account_id, id);
CREATE TRIGGER quota_allocations_no_update BEFORE UPDATE ON quota_allocations
BEGIN SELECT RAISE(ABORT, 'quota_allocations is append-only'); END;
CREATE TRIGGER quota_allocations_no_delete BEFORE DELETE ON quota_allocations
BEGIN SELECT RAISE(ABORT, 'quota_allocations is append-only'); END;

-- Spend per billing month (Asia/Shanghai), replaced by each check.
CREATE TABLE quota_consumption (
    sub_account_id INTEGER NOT NULL REFERENCES quota_sub_accounts (id),
    month          TEXT NOT NULL,               -- YYYY-MM
    amount         TEXT NOT NULL,
    fetched_at     TEXT NOT NULL,
    PRIMARY KEY (sub_account_id, month)
);

-- A step reached in a cycle, once: 'alert' is the one sent, 'passed' a lower step crossed in the
-- same check (recorded so it never arrives late), 'carried' a step still reached when a re-arm
-- opened the next cycle.
CREATE TABLE quota_alerts (
    id             INTEGER PRIMARY KEY,
    sub_account_id INTEGER NOT NULL REFERENCES quota_sub_accounts (id),
    cycle          INTEGER NOT NULL,
    step           INTEGER NOT NULL CHECK (step BETWEEN 1 AND 100),
    kind           TEXT NOT NULL CHECK (kind IN ('alert', 'passed', 'carried')),
    consumed       TEXT NOT NULL,
    allocated      TEXT NOT NULL,
    disables       INTEGER NOT NULL DEFAULT 0,  -- the exhausted alert of an auto-disabled sub-account
    at             TEXT NOT NULL,
    UNIQUE (sub_account_id, cycle, step)
);
CREATE INDEX quota_alerts_by_time ON quota_alerts (kind, id);

-- Delivery of each 'alert' to Feishu, written in the same transaction as the alert.
CREATE TABLE quota_outbox (
    alert_id        INTEGER PRIMARY KEY REFERENCES quota_alerts (id),
    card            TEXT NOT NULL,              -- the card JSON as recorded: a resend is the same card
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,                       -- an instance sending it now, until claimed_until
    claimed_until   TEXT,
    last_error      TEXT,
    delivered_at    TEXT
);
CREATE INDEX quota_outbox_due ON quota_outbox (delivered_at, next_attempt_at);

-- One check at a time across processes; `last_started_at` is when the last check began, the
-- schedule's reference for every instance.
CREATE TABLE quota_lease (
    name            TEXT PRIMARY KEY,
    owner           TEXT,
    expires_at      TEXT,
    last_started_at TEXT,
    last_finished_at TEXT
);
INSERT INTO quota_lease (name) VALUES ('quota.check');
