//! Session types of the schema: who is signed in, to which org, until when.

use async_graphql::SimpleObject;
use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::auth::SessionView;

/// A Zoho sign-in in progress: open `url` (Zoho's consent page); Zoho redirects back with `state`.
#[derive(Debug, Clone, SimpleObject)]
pub struct LoginRequest {
    pub url: String,
    pub state: String,
}

/// The signed-in user and org of this browser.
#[derive(Debug, Clone, SimpleObject)]
pub struct Session {
    pub user: CrmUser,
    pub org: CrmOrg,
    /// When this session ends and the user must sign in again.
    pub expires_at: DateTime<FixedOffset>,
}

/// A Zoho CRM user.
#[derive(Debug, Clone, SimpleObject)]
pub struct CrmUser {
    pub id: async_graphql::ID,
    pub name: String,
    pub email: Option<String>,
}

/// A Zoho CRM organisation.
#[derive(Debug, Clone, SimpleObject)]
pub struct CrmOrg {
    pub id: async_graphql::ID,
    pub name: String,
    /// Zoho data-centre code of the org's accounts: `us`, `eu`, `in`, `au`, `cn`, `jp`, `ca`, `sa`.
    pub data_center: String,
}

impl CrmUser {
    /// From a user lookup value such as a lead's `Owner`: `{"name","id","email"}` (zoho-api.md §3.4).
    pub fn from_lookup(v: &Value) -> Option<Self> {
        let id = v.get("id")?.as_str()?.to_owned();
        Some(Self {
            name: v.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            email: v.get("email").and_then(Value::as_str).map(str::to_owned),
            id: async_graphql::ID(id),
        })
    }
}

impl From<&SessionView> for Session {
    fn from(v: &SessionView) -> Self {
        Self {
            user: CrmUser {
                id: async_graphql::ID(v.session.key.user_id.clone()),
                name: v.tokens.user_name.clone(),
                email: v.tokens.user_email.clone(),
            },
            org: CrmOrg {
                id: async_graphql::ID(v.session.key.org_id.clone()),
                name: v.tokens.org_name.clone(),
                data_center: v.tokens.location.clone(),
            },
            expires_at: v.session.expires_at.fixed_offset(),
        }
    }
}
