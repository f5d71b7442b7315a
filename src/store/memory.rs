//! In-process store: a mutex around three maps. For tests and throwaway demos; nothing
//! survives a restart.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{NoLock, OAuthState, RefreshLock, SessionRecord, Store, StoreError, TokenRecord, UserOrg};
use crate::secret::{AccessToken, RefreshToken};

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    states: HashMap<String, OAuthState>,
    tokens: HashMap<UserOrg, TokenRecord>,
    sessions: HashMap<String, SessionRecord>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked mid-update of plain maps; the maps
        // are still usable, and refusing every later request would be worse.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let now = Utc::now();
        inner.states.retain(|_, s| s.expires_at > now);
        inner.states.insert(state.state_hash.clone(), state.clone());
        Ok(())
    }

    async fn take_oauth_state(&self, state_hash: &str, browser_hash: &str) -> Result<Option<OAuthState>, StoreError> {
        let mut inner = self.lock();
        if inner.states.get(state_hash).is_some_and(|s| s.browser_hash == browser_hash) {
            return Ok(inner.states.remove(state_hash));
        }
        Ok(None)
    }

    async fn put_tokens(&self, tokens: &TokenRecord) -> Result<(), StoreError> {
        self.lock().tokens.insert(tokens.key.clone(), tokens.clone());
        Ok(())
    }

    async fn get_tokens(&self, key: &UserOrg) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self.lock().tokens.get(key).cloned())
    }

    async fn token_keys_by_email(&self, email: &str) -> Result<Vec<UserOrg>, StoreError> {
        let mut keys: Vec<UserOrg> = self
            .lock()
            .tokens
            .values()
            .filter(|t| t.user_email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)))
            .map(|t| t.key.clone())
            .collect();
        keys.sort_by(|a, b| (&a.org_id, &a.user_id).cmp(&(&b.org_id, &b.user_id)));
        Ok(keys)
    }

    async fn update_access_token(
        &self,
        key: &UserOrg,
        refresh_token: &RefreshToken,
        access_token: &AccessToken,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        match inner.tokens.get_mut(key) {
            Some(t) if &t.refresh_token == refresh_token => {
                t.access_token = access_token.clone();
                t.access_expires_at = expires_at;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete_tokens(&self, key: &UserOrg) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.tokens.remove(key);
        inner.sessions.retain(|_, s| &s.key != key);
        Ok(())
    }

    async fn put_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let now = Utc::now();
        inner.sessions.retain(|_, s| s.expires_at > now);
        inner.sessions.insert(session.id_hash.clone(), session.clone());
        Ok(())
    }

    async fn get_session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.lock().sessions.get(id_hash).cloned())
    }

    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some(s) = self.lock().sessions.get_mut(id_hash) {
            s.last_seen_at = at;
        }
        Ok(())
    }

    async fn lock_refresh(&self, _key: &UserOrg) -> Result<Box<dyn RefreshLock>, StoreError> {
        Ok(Box::new(NoLock))
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        self.lock().sessions.remove(id_hash);
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
