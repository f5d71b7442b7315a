//! The shared state every request may use: handles only (auth, tokens, the Zoho client, the
//! store, caches, the model of the org's modules). The entry point (`app`) builds it; the GraphQL
//! and HTTP layers receive it. No per-user data lives here except in caches keyed by user-org.

use std::path::PathBuf;
use std::sync::Arc;

use crate::auth::AuthService;
use crate::auth::tokens::TokenManager;
use crate::cache::ResponseCache;
use crate::meta::CrmModel;
use crate::meta::drift::Drift;
use crate::store::Store;
use crate::zoho::ZohoClient;

impl AppState {
    /// A request uses a signed-in session: the org's notification channels may be (re)enabled
    /// with its user's token, e.g. after a restart, before anyone signs in again.
    pub fn session_used(&self, view: &crate::auth::SessionView) {
        if let Some(notifications) = &self.notifications {
            notifications.on_sign_in(&view.session.key);
        }
    }
}

pub struct AppState {
    pub auth: AuthService,
    pub tokens: Arc<TokenManager>,
    pub zoho: ZohoClient,
    pub store: Arc<dyn Store>,
    /// The exposed modules, from the snapshot.
    pub model: Arc<CrmModel>,
    /// What changed in each org's metadata since the snapshot (checked at most hourly).
    pub drift: Drift,
    /// Per-user cache of Zoho answers and of whole query answers.
    pub cache: Arc<ResponseCache>,
    pub secure_cookies: bool,
    /// Zoho's notification channels, when `GATEWAY_PUBLIC_URL` is set.
    pub notifications: Option<Arc<crate::notifications::Notifications>>,
    /// Changes for GraphQL subscriptions, on every replica.
    pub live: Arc<crate::live::Live>,
    /// `GATEWAY_PUBLIC_URL`'s origin (`https://host[:port]`): pages there may open live connections.
    pub public_origin: Option<String>,
    pub portal_dir: Option<PathBuf>,
}
