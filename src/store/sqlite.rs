//! The embedded default: one SQLite file, WAL journal, migrations at open, tokens sealed with
//! AES-256-GCM. Nothing to install. Meant for one gateway process per file.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::cipher::TokenCipher;
use super::sql::{positional, sql_store};
use super::{NoLock, RefreshLock, StoreError, UserOrg};

pub struct SqliteStore {
    pool: SqlitePool,
    cipher: TokenCipher,
}

impl SqliteStore {
    pub async fn open(path: &Path, cipher: TokenCipher) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            // WAL lets readers proceed during a write, and with synchronous=NORMAL a commit
            // survives a process kill (only an OS crash can lose the last transactions).
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool, cipher })
    }
}

sql_store!(SqliteStore, positional, {
    async fn lock_refresh(&self, _key: &UserOrg) -> Result<Box<dyn RefreshLock>, StoreError> {
        // One process per SQLite file: the token manager's in-process single flight suffices.
        Ok(Box::new(NoLock))
    }
});
