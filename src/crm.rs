//! The CRM as one signed-in user sees it: the Zoho client plus that user's fresh credentials,
//! with the one retry Zoho's token model calls for (refresh once after a 401 `INVALID_TOKEN`).

use std::future::Future;
use std::sync::Arc;

use crate::auth::oauth::AuthError;
use crate::auth::tokens::TokenManager;
use crate::store::UserOrg;
use crate::zoho::{Credentials, ZohoClient, ZohoError};

/// What a call on the user's behalf can fail with: their grant, or Zoho's answer.
#[derive(Debug, thiserror::Error)]
pub enum CrmError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Zoho(#[from] ZohoError),
}

#[derive(Clone)]
pub struct UserCrm {
    pub key: UserOrg,
    tokens: Arc<TokenManager>,
    zoho: ZohoClient,
}

impl UserCrm {
    pub fn new(key: UserOrg, tokens: Arc<TokenManager>, zoho: ZohoClient) -> Self {
        Self { key, tokens, zoho }
    }

    /// Runs `op` with the user's credentials. An access token can be revoked or expire early
    /// (e.g. a newer one evicted it, zoho-api.md §1.8): then refresh once and try again.
    pub async fn call<'a, T, F, Fut>(&'a self, op: F) -> Result<T, CrmError>
    where
        F: Fn(&'a ZohoClient, Credentials) -> Fut,
        Fut: Future<Output = Result<T, ZohoError>> + 'a,
    {
        let creds = self.tokens.credentials(&self.key).await?;
        let stale = creds.access_token.clone();
        match op(&self.zoho, creds).await {
            Err(ZohoError::InvalidToken(_)) => {
                let creds = self.tokens.refresh(&self.key, &stale).await?;
                Ok(op(&self.zoho, creds).await?)
            }
            other => Ok(other?),
        }
    }
}
