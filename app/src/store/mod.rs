//! The app's own embedded store (server only): one SQLite file under the data folder, schema by
//! sqlx migrations in `migrations/app/`. Feature modules own their queries (`insights::store`,
//! `bundle_image::store`, `ai_usage`); this module opens the pool.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

pub const FILE: &str = "suanpan.sqlite";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored row is not valid: {0}")]
    BadRow(String),
    #[error("file: {0}")]
    File(#[from] std::io::Error),
}

#[derive(Clone, Debug)]
pub struct AppStore {
    pub pool: SqlitePool,
}

impl AppStore {
    pub async fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder { path: dir.display().to_string(), source })?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(dir.join(FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(4).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?;
        sqlx::migrate!("../migrations/app").run(&pool).await?;
        Ok(AppStore { pool })
    }
}

/// Now, as stored: UTC RFC 3339 with milliseconds, so text order is time order.
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| StoreError::BadRow(format!("time {text:?} is not RFC 3339")))
}
