//! Sessions and token pairs from memory: every request reads its session and its user's token
//! pair, and with SQLite or PostgreSQL that was two queries (and a decryption) per request, even
//! for an answer served from the cache. This store in front of the database keeps both, decrypted,
//! for a short bounded time, so a steady stream of requests on one session makes no store query.
//!
//! Whatever changes them goes through here and drops (or replaces) the entry at once: logout,
//! rotation and expiry (`delete_session`), sign-in (`put_tokens`), refresh (`update_access_token`)
//! and revoke (`delete_tokens`). Other replicas are told through the store's invalidation channel
//! (PostgreSQL `NOTIFY`, as for cached CRM answers) and drop theirs within milliseconds; if a notice
//! is lost (the listening connection was down) the entry still ends with its TTL.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{OAuthState, RefreshLock, SessionRecord, Store, StoreError, TokenRecord, UserOrg};
use crate::secret::{AccessToken, RefreshToken};

/// How long an entry may be served from memory: the bound on how late another replica learns of
/// a change whose notice it missed.
const TTL: Duration = Duration::from_secs(30);
const CAPACITY: u64 = 100_000;

/// What another replica must forget. Written on the invalidation channel next to the org ids of
/// CRM writes, which carry no prefix (so replicas of the previous release still understand them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// An org's CRM data changed (the answer cache's notice).
    Org(String),
    /// A session ended (by hash of its id).
    Session(String),
    /// A user-org's token pair changed or is gone (and with it, perhaps, its sessions).
    Tokens(UserOrg),
}

impl Notice {
    pub fn encode(&self) -> String {
        match self {
            Self::Org(org) => org.clone(),
            Self::Session(hash) => format!("session:{hash}"),
            Self::Tokens(key) => format!("tokens:{}:{}", key.user_id, key.org_id),
        }
    }

    pub fn decode(text: &str) -> Self {
        if let Some(hash) = text.strip_prefix("session:") {
            return Self::Session(hash.to_owned());
        }
        if let Some((user_id, org_id)) = text.strip_prefix("tokens:").and_then(|rest| rest.split_once(':')) {
            return Self::Tokens(UserOrg { user_id: user_id.to_owned(), org_id: org_id.to_owned() });
        }
        Self::Org(text.to_owned())
    }
}

pub struct CachedStore {
    inner: Arc<dyn Store>,
    sessions: moka::sync::Cache<String, SessionRecord>,
    tokens: moka::sync::Cache<UserOrg, TokenRecord>,
}

impl CachedStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            sessions: moka::sync::Cache::builder().time_to_live(TTL).max_capacity(CAPACITY).build(),
            tokens: moka::sync::Cache::builder().time_to_live(TTL).max_capacity(CAPACITY).build(),
        }
    }

    fn forget_tokens(&self, key: &UserOrg) {
        self.tokens.invalidate(key);
        // Deleting a pair deletes its sessions in the store; their cached copies go too.
        let stale: Vec<Arc<String>> = self.sessions.iter().filter(|(_, s)| &s.key == key).map(|(k, _)| k).collect();
        for hash in stale {
            self.sessions.invalidate(hash.as_str());
        }
    }

    async fn tell_others(&self, notice: Notice) {
        if let Err(e) = self.inner.publish_invalidation(&notice.encode()).await {
            // The others' copies still end with the TTL.
            tracing::warn!(error = %e, "could not announce a session or token change to the other replicas");
        }
    }

    fn query(op: &'static str) {
        crate::telemetry::store_query(op);
    }
}

#[async_trait]
impl Store for CachedStore {
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<(), StoreError> {
        Self::query("put_oauth_state");
        self.inner.put_oauth_state(state).await
    }

    async fn take_oauth_state(&self, state_hash: &str, browser_hash: &str) -> Result<Option<OAuthState>, StoreError> {
        Self::query("take_oauth_state");
        self.inner.take_oauth_state(state_hash, browser_hash).await
    }

    async fn put_tokens(&self, tokens: &TokenRecord) -> Result<(), StoreError> {
        Self::query("put_tokens");
        self.inner.put_tokens(tokens).await?;
        self.tokens.insert(tokens.key.clone(), tokens.clone());
        self.tell_others(Notice::Tokens(tokens.key.clone())).await;
        Ok(())
    }

    async fn get_tokens(&self, key: &UserOrg) -> Result<Option<TokenRecord>, StoreError> {
        if let Some(tokens) = self.tokens.get(key) {
            return Ok(Some(tokens));
        }
        Self::query("get_tokens");
        let tokens = self.inner.get_tokens(key).await?;
        if let Some(t) = &tokens {
            self.tokens.insert(key.clone(), t.clone());
        }
        Ok(tokens)
    }

    async fn update_access_token(
        &self,
        key: &UserOrg,
        refresh_token: &RefreshToken,
        access_token: &AccessToken,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Self::query("update_access_token");
        let changed = self.inner.update_access_token(key, refresh_token, access_token, expires_at).await?;
        // Read back on next use rather than patched here: the store decides whether it changed.
        self.tokens.invalidate(key);
        self.tell_others(Notice::Tokens(key.clone())).await;
        Ok(changed)
    }

    async fn delete_tokens(&self, key: &UserOrg) -> Result<(), StoreError> {
        Self::query("delete_tokens");
        self.inner.delete_tokens(key).await?;
        self.forget_tokens(key);
        self.tell_others(Notice::Tokens(key.clone())).await;
        Ok(())
    }

    async fn token_keys_by_email(&self, email: &str) -> Result<Vec<UserOrg>, StoreError> {
        Self::query("token_keys_by_email");
        self.inner.token_keys_by_email(email).await
    }

    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        Self::query("put_session");
        self.inner.put_session(session).await?;
        // A new id: nobody else can have it cached.
        self.sessions.insert(session.id_hash.clone(), session.clone());
        Ok(())
    }

    async fn get_session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        if let Some(session) = self.sessions.get(id_hash) {
            // The stores sweep expired sessions; a copy here must not outlive that.
            return Ok((session.expires_at > Utc::now()).then_some(session));
        }
        Self::query("get_session");
        let session = self.inner.get_session(id_hash).await?;
        if let Some(s) = &session {
            self.sessions.insert(id_hash.to_owned(), s.clone());
        }
        Ok(session)
    }

    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        // Idle time is tracked coarsely (auth::AuthService::session): one write per interval. Other
        // replicas' copies may show an older time for at most the TTL, far below any idle limit.
        Self::query("touch_session");
        self.inner.touch_session(id_hash, at).await?;
        if let Some(mut s) = self.sessions.get(id_hash) {
            s.last_seen_at = at;
            self.sessions.insert(id_hash.to_owned(), s);
        }
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        Self::query("delete_session");
        self.inner.delete_session(id_hash).await?;
        self.sessions.invalidate(id_hash);
        self.tell_others(Notice::Session(id_hash.to_owned())).await;
        Ok(())
    }

    async fn lock_refresh(&self, key: &UserOrg) -> Result<Box<dyn RefreshLock>, StoreError> {
        Self::query("lock_refresh");
        let lock = self.inner.lock_refresh(key).await?;
        // Under the lock the token manager must see what the replica before it stored, not a copy
        // from before that refresh (or it would spend another one).
        self.tokens.invalidate(key);
        Ok(lock)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }

    async fn publish_invalidation(&self, org_id: &str) -> Result<(), StoreError> {
        self.inner.publish_invalidation(org_id).await
    }

    async fn invalidations(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>, StoreError> {
        self.inner.invalidations().await
    }

    fn forget(&self, notice: &Notice) {
        match notice {
            Notice::Org(_) => {}
            Notice::Session(hash) => self.sessions.invalidate(hash),
            Notice::Tokens(key) => self.forget_tokens(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_and_bare_org_ids_stay_org_notices() {
        let key = UserOrg { user_id: "11".into(), org_id: "22".into() };
        for notice in [Notice::Org("22".into()), Notice::Session("abc".into()), Notice::Tokens(key)] {
            assert_eq!(Notice::decode(&notice.encode()), notice);
        }
        assert_eq!(Notice::decode("6180428"), Notice::Org("6180428".into()));
    }
}
