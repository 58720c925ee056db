-- Cloud bills, sync runs and balances. Amounts are decimal TEXT (exact; summed in Rust with
-- rust_decimal, never as floating point); days are Asia/Shanghai calendar days.

CREATE TABLE sync_runs (
    id           INTEGER PRIMARY KEY,
    trigger      TEXT NOT NULL CHECK (trigger IN ('button', 'cli', 'schedule')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    state        TEXT NOT NULL CHECK (state IN ('running', 'ok', 'partial', 'failed')),
    window_from  TEXT NOT NULL,
    window_to    TEXT NOT NULL
);

-- One row per account (or per provider without accounts: 'not_configured') and run.
CREATE TABLE sync_run_accounts (
    run_id        INTEGER NOT NULL REFERENCES sync_runs (id),
    provider      TEXT NOT NULL,
    account       TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    simulated     INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'running', 'ok', 'failed', 'not_configured')),
    scopes_total  INTEGER NOT NULL DEFAULT 0,
    scopes_done   INTEGER NOT NULL DEFAULT 0,
    lines         INTEGER NOT NULL DEFAULT 0,
    error_code    TEXT,
    error_message TEXT,
    finished_at   TEXT,
    PRIMARY KEY (run_id, provider, account)
);

-- Normalised bill lines. A sync replaces one scope (account × day, or account × month) at a
-- time in a transaction, so re-pulling never double-counts and a failure loses nothing.
CREATE TABLE bill_lines (
    id            INTEGER PRIMARY KEY,
    provider      TEXT NOT NULL,
    account       TEXT NOT NULL,
    billing_cycle TEXT NOT NULL,          -- first day of the month, YYYY-MM-DD
    bill_date     TEXT,                   -- YYYY-MM-DD, NULL for monthly summaries
    product_code  TEXT NOT NULL,
    product_name  TEXT NOT NULL,
    pretax        TEXT NOT NULL,
    payable       TEXT NOT NULL,
    currency      TEXT NOT NULL,
    ai_service    INTEGER NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('bill', 'balance_delta')),
    sync_run_id   INTEGER NOT NULL REFERENCES sync_runs (id)
);
CREATE INDEX bill_lines_by_scope ON bill_lines (provider, account, billing_cycle, bill_date);
CREATE INDEX bill_lines_by_date ON bill_lines (bill_date);

CREATE TABLE balance_snapshots (
    id          INTEGER PRIMARY KEY,
    provider    TEXT NOT NULL,
    account     TEXT NOT NULL,
    taken_at    TEXT NOT NULL,
    currency    TEXT NOT NULL,
    available   TEXT NOT NULL,
    credit      TEXT,
    granted     TEXT,
    topped_up   TEXT,
    sync_run_id INTEGER REFERENCES sync_runs (id)
);
CREATE INDEX balance_snapshots_by_account ON balance_snapshots (provider, account, taken_at);
