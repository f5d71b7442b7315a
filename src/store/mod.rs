//! Persistence of OAuth states, token pairs and sessions, behind one trait with a real
//! implementation per backend: `memory` (tests, demos), `sqlite` (the embedded default) and
//! `postgres` (shared by several gateway replicas).
//! The store knows nothing of Zoho or HTTP; it keeps what the auth module hands it.

mod cached;
pub mod cipher;
mod memory;
mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::config::DatabaseUrl;
use crate::secret::{AccessToken, RefreshToken};
pub use cached::{CachedStore, Notice};

pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Tokens are per (user, org): one person can use several CRM orgs with different grants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserOrg {
    pub user_id: String,
    pub org_id: String,
}

/// A pending `login`: the hash of its state, the hash of the browser nonce it is bound to,
/// where Zoho will redirect, and until when.
#[derive(Debug, Clone)]
pub struct OAuthState {
    pub state_hash: String,
    pub browser_hash: String,
    pub redirect_uri: String,
    pub expires_at: DateTime<Utc>,
}

/// A user-org's Zoho grant plus what we learnt about them at sign-in.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub key: UserOrg,
    pub refresh_token: RefreshToken,
    pub access_token: AccessToken,
    pub access_expires_at: DateTime<Utc>,
    /// CRM host for this user's data centre, e.g. `https://www.zohoapis.eu`.
    pub api_domain: String,
    /// Accounts server for refresh and revoke (the one that issued the pair).
    pub accounts_server: String,
    /// Zoho's data-centre code (`us`, `eu`, …).
    pub location: String,
    pub user_name: String,
    pub user_email: Option<String>,
    pub org_name: String,
}

/// A signed-in browser. The id itself lives only in the browser's cookie.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id_hash: String,
    pub key: UserOrg,
    pub created_at: DateTime<Utc>,
    /// Absolute end of the session.
    pub expires_at: DateTime<Utc>,
    /// Last use, for the idle timeout (updated at most once a minute).
    pub last_seen_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not prepare the database file: {0}")]
    Io(#[from] std::io::Error),
    #[error("token encryption: {0}")]
    Key(String),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Remember a pending login; also sweeps expired ones.
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<(), StoreError>;
    /// Remove and return a pending login if it was started by this browser: a state can be taken
    /// once only, even by racing requests, and another browser's attempt does not consume it.
    async fn take_oauth_state(&self, state_hash: &str, browser_hash: &str) -> Result<Option<OAuthState>, StoreError>;

    /// Insert or replace the user-org's token pair.
    async fn put_tokens(&self, tokens: &TokenRecord) -> Result<(), StoreError>;
    async fn get_tokens(&self, key: &UserOrg) -> Result<Option<TokenRecord>, StoreError>;
    /// Record a refreshed access token, only if the pair still holds `refresh_token` (a newer
    /// sign-in may have replaced it meanwhile). Returns whether a row changed.
    async fn update_access_token(
        &self,
        key: &UserOrg,
        refresh_token: &RefreshToken,
        access_token: &AccessToken,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Forget the pair and every session that used it.
    async fn delete_tokens(&self, key: &UserOrg) -> Result<(), StoreError>;
    /// The user-orgs whose stored user email is `email` (case-insensitive), for `schema pull`.
    async fn token_keys_by_email(&self, email: &str) -> Result<Vec<UserOrg>, StoreError>;

    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    async fn get_session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;

    /// Held while refreshing a user-org's access token, so that replicas sharing this store
    /// refresh once between them. Stores used by one process may return a no-op lock: the
    /// token manager already refreshes once per process.
    async fn lock_refresh(&self, key: &UserOrg) -> Result<Box<dyn RefreshLock>, StoreError>;

    /// Cheap reachability check for readiness probes.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Tells the other replicas sharing this store that an org's CRM data changed, so they drop
    /// what they cached for it. Stores used by one process have no one to tell.
    async fn publish_invalidation(&self, _org_id: &str) -> Result<(), StoreError> {
        Ok(())
    }

    /// Org ids whose data changed through another replica (including, harmlessly, this one's own
    /// notices). `None` for stores used by one process.
    async fn invalidations(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>, StoreError> {
        Ok(None)
    }

    /// Drops what another replica says changed, where this store keeps copies in memory.
    fn forget(&self, _notice: &Notice) {}
}

/// See [`Store::lock_refresh`]; released explicitly, or on drop by the backend's own means.
#[async_trait]
pub trait RefreshLock: Send {
    async fn release(self: Box<Self>) -> Result<(), StoreError>;
}

/// The lock of a store used by a single process.
pub struct NoLock;

#[async_trait]
impl RefreshLock for NoLock {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Opens the store named by `DATABASE_URL`, running migrations where there are any. Tokens
/// are sealed with `token_key` (base64, 32 bytes) or, for SQLite without one, with a key kept
/// in a 0600 file beside the database (`<file>.key`). PostgreSQL needs `token_key`: every
/// replica must open what the others sealed. `pool_size` bounds PostgreSQL's query connections.
pub async fn open(url: &DatabaseUrl, token_key: Option<&str>, pool_size: u32) -> Result<Arc<dyn Store>, StoreError> {
    let cipher = |fallback: &dyn Fn() -> Result<cipher::TokenCipher, StoreError>| match token_key {
        Some(k) => cipher::TokenCipher::from_base64(k).map_err(StoreError::Key),
        None => fallback(),
    };
    Ok(match url {
        // Memory never leaves the process; nothing to seal.
        DatabaseUrl::Memory => Arc::new(MemoryStore::default()),
        DatabaseUrl::Sqlite(path) => {
            let key_file = {
                let mut p = path.clone().into_os_string();
                p.push(".key");
                std::path::PathBuf::from(p)
            };
            let cipher = cipher(&|| cipher::TokenCipher::from_key_file(&key_file))?;
            Arc::new(CachedStore::new(Arc::new(SqliteStore::open(path, cipher).await?)))
        }
        DatabaseUrl::Postgres(url) => {
            let cipher = cipher(&|| {
                Err(StoreError::Key(
                    "a PostgreSQL store needs GATEWAY_TOKEN_KEY, the same on every replica: 32 random bytes, base64 \
                     (make one with `openssl rand -base64 32`)"
                        .into(),
                ))
            })?;
            Arc::new(CachedStore::new(Arc::new(PostgresStore::open(url, pool_size, cipher).await?)))
        }
    })
}

pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}
