//! The CRM as one signed-in user sees it: the Zoho client plus that user's fresh credentials,
//! with the one retry Zoho's token model calls for (refresh once after a 401 `INVALID_TOKEN`).

use std::future::Future;
use std::sync::Arc;

use crate::auth::tokens::TokenManager;
use crate::error::GatewayError;
use crate::store::UserOrg;
use crate::zoho::{Credentials, ZohoClient, ZohoError};

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
    pub async fn call<'a, T, F, Fut>(&'a self, op: F) -> Result<T, GatewayError>
    where
        F: Fn(&'a ZohoClient, Credentials) -> Fut,
        Fut: Future<Output = Result<T, ZohoError>> + 'a,
    {
        let creds = self.tokens.credentials(&self.key).await?;
        let stale = creds.access_token.clone();
        match op(&self.zoho, creds).await {
            Err(ZohoError::InvalidToken(_)) => {
                let creds = self.tokens.refresh(&self.key, &stale).await?;
                op(&self.zoho, creds).await.map_err(GatewayError::from)
            }
            other => other.map_err(GatewayError::from),
        }
    }
}
