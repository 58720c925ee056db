-- Credentials and connection settings entered in the app (the settings page). Plain fields here,
-- every secret in `credential_secrets`, sealed with AES-256-GCM (app/src/vault): nothing in this
-- file's tables is readable without the secret key.

CREATE TABLE credentials (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('cloud_account', 'dashscope', 'sql_server', 'alert_webhook')),
    -- cloud accounts: aliyun, volcengine, tencent, baidu, deepseek; '' for the other kinds
    provider      TEXT NOT NULL DEFAULT '',
    -- cloud accounts: the account name bills carry; 'default' for the one entry of the other kinds
    name          TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    -- cloud accounts: the access key id (Tencent's SecretId); not a secret
    access_key_id TEXT NOT NULL DEFAULT '',
    -- the API's base URL (NULL: the provider's default); for SQL Server and the webhook, the host
    -- part only, for display (the full connection and URL are sealed)
    endpoint      TEXT,
    region        TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    -- who saved it last (user name), for the list; the audit log has the full history
    updated_by    TEXT NOT NULL,
    UNIQUE (kind, provider, name)
);

-- One sealed value per secret field of a credential. The associated data binds it to
-- (credential_id, field): copied to another row or field it no longer opens.
CREATE TABLE credential_secrets (
    credential_id INTEGER NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    -- secret, api_key, connection, url, signing_secret
    field         TEXT NOT NULL,
    -- fingerprint of the key that sealed it (never the key); `suanpan rotate-key` re-encrypts
    key_id        TEXT NOT NULL,
    nonce         BLOB NOT NULL,
    ciphertext    BLOB NOT NULL,
    PRIMARY KEY (credential_id, field)
);
