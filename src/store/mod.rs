//! Persistence of OAuth states, token pairs and sessions, behind one trait with a real
//! implementation per backend: `memory` (tests, demos) and `sqlite` (the embedded default).
//! The store knows nothing of Zoho or HTTP; it keeps what the auth module hands it.

mod memory;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::config::DatabaseUrl;
use crate::secret::{AccessToken, RefreshToken};

pub use memory::MemoryStore;
pub use sqlite::SqliteStore;

/// Tokens are per (user, org): one person can use several CRM orgs with different grants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserOrg {
    pub user_id: String,
    pub org_id: String,
}

/// A pending `login`: the hash of its state, where Zoho will redirect, and until when.
#[derive(Debug, Clone)]
pub struct OAuthState {
    pub state_hash: String,
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
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not prepare the database file: {0}")]
    Io(#[from] std::io::Error),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Remember a pending login; also sweeps expired ones.
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<(), StoreError>;
    /// Remove and return a pending login: a state can be taken once only, even by racing requests.
    async fn take_oauth_state(&self, state_hash: &str) -> Result<Option<OAuthState>, StoreError>;

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

    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    async fn get_session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;

    /// Cheap reachability check for readiness probes.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Opens the store named by `DATABASE_URL`, running migrations where there are any.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match url {
        DatabaseUrl::Memory => Arc::new(MemoryStore::default()),
        DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
    })
}

pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}
