//! Access tokens that stay fresh: refreshed shortly before they expire and once after Zoho
//! rejects one, with a single refresh per user-org however many requests need it at once.
//!
//! Why single flight: a refresh token mints at most 10 access tokens per 10 minutes
//! (zoho-api.md §1.8); a page that fires 50 queries on an expired token would otherwise burn
//! the whole allowance and lock the user out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;

use super::oauth::{AuthError, OAuthClient};
use crate::secret::AccessToken;
use crate::store::{Store, TokenRecord, UserOrg};
use crate::zoho::Credentials;

pub struct TokenManager {
    store: Arc<dyn Store>,
    oauth: Arc<OAuthClient>,
    /// One async lock per user-org that is refreshing: the first caller refreshes, the others
    /// wait and then find the new token in the store.
    flights: Mutex<HashMap<UserOrg, Arc<tokio::sync::Mutex<()>>>>,
    /// Refresh this long before Zoho's expiry, so a token never expires in flight.
    margin: chrono::Duration,
}

impl TokenManager {
    pub fn new(store: Arc<dyn Store>, oauth: Arc<OAuthClient>, margin: std::time::Duration) -> Self {
        let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::seconds(60));
        Self { store, oauth, flights: Mutex::default(), margin }
    }

    /// Credentials for a call, refreshing first if the access token is (nearly) expired.
    pub async fn credentials(&self, key: &UserOrg) -> Result<Credentials, AuthError> {
        let record = self.load(key).await?;
        if record.access_expires_at - self.margin > Utc::now() {
            return Ok(credentials(&record));
        }
        self.refresh(key, &record.access_token).await
    }

    /// Replaces `stale` with a new access token, unless another request already did.
    pub async fn refresh(&self, key: &UserOrg, stale: &AccessToken) -> Result<Credentials, AuthError> {
        let flight = self.flight(key);
        let result = {
            let _guard = flight.lock().await;
            // Replicas sharing a store serialise here, so the new token is minted once for all.
            let store_lock = self.store.lock_refresh(key).await?;
            let result = self.refresh_locked(key, stale).await;
            store_lock.release().await?;
            result
        };
        drop(flight);
        self.lock_flights().retain(|_, f| Arc::strong_count(f) > 1);
        result
    }

    async fn refresh_locked(&self, key: &UserOrg, stale: &AccessToken) -> Result<Credentials, AuthError> {
        let record = self.load(key).await?;
        // Someone refreshed while we waited: use theirs rather than spend another refresh,
        // even inside the margin, as long as Zoho still accepts it.
        if &record.access_token != stale && record.access_expires_at > Utc::now() {
            return Ok(credentials(&record));
        }
        match self.oauth.refresh(&record.accounts_server, &record.refresh_token).await {
            Ok(refreshed) => {
                crate::telemetry::token_refresh("ok");
                self.store.update_access_token(key, &record.refresh_token, &refreshed.access_token, refreshed.expires_at).await?;
                tracing::info!(user = %key.user_id, org = %key.org_id, "access token refreshed");
                Ok(Credentials { api_domain: record.api_domain, access_token: refreshed.access_token, scope: Some(key.clone()) })
            }
            Err(AuthError::GrantRejected) => {
                crate::telemetry::token_refresh("revoked");
                // The user revoked the grant in Zoho (or it was evicted): nothing can revive it.
                tracing::info!(user = %key.user_id, org = %key.org_id, "refresh token rejected; signing out");
                self.store.delete_tokens(key).await?;
                Err(AuthError::SignedOut)
            }
            Err(e) => {
                crate::telemetry::token_refresh("failed");
                Err(e)
            }
        }
    }

    async fn load(&self, key: &UserOrg) -> Result<TokenRecord, AuthError> {
        self.store.get_tokens(key).await?.ok_or(AuthError::SignedOut)
    }

    fn flight(&self, key: &UserOrg) -> Arc<tokio::sync::Mutex<()>> {
        self.lock_flights().entry(key.clone()).or_default().clone()
    }

    fn lock_flights(&self) -> std::sync::MutexGuard<'_, HashMap<UserOrg, Arc<tokio::sync::Mutex<()>>>> {
        self.flights.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn credentials(record: &TokenRecord) -> Credentials {
    Credentials {
        api_domain: record.api_domain.clone(),
        access_token: record.access_token.clone(),
        scope: Some(record.key.clone()),
    }
}
