-- What every sync pulled, per account and scope (a billing day or month), so that a scope that
-- failed, or was never reached because a sync was interrupted, is pulled again by the next sync
-- instead of being lost. No row: never pulled.

CREATE TABLE bill_scope_coverage (
    provider       TEXT NOT NULL,
    account        TEXT NOT NULL,
    scope_kind     TEXT NOT NULL CHECK (scope_kind IN ('day', 'month')),
    scope_start    TEXT NOT NULL,           -- YYYY-MM-DD: the day, or the month's first day
    -- The last attempt's outcome; a failure after an earlier success keeps that success's lines.
    state          TEXT NOT NULL CHECK (state IN ('ok', 'failed')),
    ok_at          TEXT,                    -- last successful pull (UTC RFC 3339)
    ok_on          TEXT,                    -- its billing day (Asia/Shanghai), to tell settled scopes
    ok_run_id      INTEGER REFERENCES sync_runs (id),
    lines          INTEGER NOT NULL DEFAULT 0,
    payable_cny    TEXT NOT NULL DEFAULT '0',
    payable_usd    TEXT NOT NULL DEFAULT '0',
    failed_at      TEXT,
    failed_run_id  INTEGER REFERENCES sync_runs (id),
    error_code     TEXT,
    error_message  TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0, -- failed pulls since the last success
    PRIMARY KEY (provider, account, scope_kind, scope_start)
);

-- Which scopes of a run failed and why, for the sync history.
CREATE TABLE sync_run_scope_failures (
    run_id        INTEGER NOT NULL REFERENCES sync_runs (id),
    provider      TEXT NOT NULL,
    account       TEXT NOT NULL,
    scope_kind    TEXT NOT NULL CHECK (scope_kind IN ('day', 'month')),
    scope_start   TEXT NOT NULL,
    error_code    TEXT NOT NULL,
    error_message TEXT NOT NULL,
    PRIMARY KEY (run_id, provider, account, scope_kind, scope_start)
);

ALTER TABLE sync_run_accounts ADD COLUMN scopes_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN owner TEXT;

-- One sync at a time across processes: the holder renews `expires_at` while it runs; a lease
-- past its expiry belongs to a process that stopped, and its run may be closed.
CREATE TABLE sync_lease (
    name         TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    run_id       INTEGER NOT NULL REFERENCES sync_runs (id),
    acquired_at  TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
