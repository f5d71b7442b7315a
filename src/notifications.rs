//! Zoho's Notification API (zoho-api.md §10): a channel per org and exposed module tells the
//! gateway of every create, edit and delete made in Zoho, also in Zoho's own UI and by workflows;
//! each callback drops the org's cached answers here and, through the store's `NOTIFY`, on every
//! replica.
//!
//! Replicas share nothing for this beyond their configuration:
//! - a channel's id is derived from (org, module), so enabling it again, from any replica or after
//!   a restart, renews the one channel instead of adding another;
//! - its token is an HMAC of (org, module, channel id) under the client secret, so any replica can
//!   check a callback (in constant time) without a table of tokens;
//! - the org's id rides in `notify_url`'s query, which Zoho echoes back in `query_params`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ring::hmac;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::auth::tokens::TokenManager;
use crate::cache::ResponseCache;
use crate::live::{Change, Live, Operation};
use crate::store::UserOrg;
use crate::zoho::{ZohoClient, ZohoError};

/// The path Zoho calls back.
pub const CALLBACK_PATH: &str = "/zoho/notifications";
/// Users of an org whose tokens may renew its channels, most recent first.
const USERS_PER_ORG: usize = 5;

pub struct Notifications {
    callback_url: url::Url,
    key: hmac::Key,
    ttl: Duration,
    modules: Vec<String>,
    zoho: ZohoClient,
    tokens: Arc<TokenManager>,
    cache: Arc<ResponseCache>,
    live: Arc<Live>,
    orgs: Mutex<HashMap<String, OrgChannels>>,
}

#[derive(Default)]
struct OrgChannels {
    /// When Zoho said the org's channels expire; `None` until enabled.
    expires_at: Option<DateTime<Utc>>,
    users: Vec<UserOrg>,
    /// An enable or renewal is under way.
    busy: bool,
    /// After a failed attempt, no other before this: every request of the org's users would
    /// otherwise try again (and spend an API credit each time).
    retry_after: Option<std::time::Instant>,
}

/// Why a callback was refused (answered 401 and logged; nothing is dropped).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("not a notification body")]
    Malformed,
    #[error("module is not served")]
    UnknownModule,
    #[error("channel id does not match the org and module")]
    WrongChannel,
    #[error("token does not match")]
    WrongToken,
}

/// The parts of Zoho's callback body the gateway reads (zoho-api.md §10).
#[derive(Debug, Deserialize)]
pub struct Callback {
    channel_id: Value,
    token: String,
    pub module: String,
    #[serde(default)]
    query_params: HashMap<String, Value>,
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub ids: Vec<String>,
}

/// What the channels act with: renewals call Zoho with a signed-in user's token; callbacks drop
/// cached answers and tell subscribers.
pub struct Handles {
    pub zoho: ZohoClient,
    pub tokens: Arc<TokenManager>,
    pub cache: Arc<ResponseCache>,
    pub live: Arc<Live>,
}

impl Notifications {
    pub fn new(
        public_url: &url::Url,
        client_secret: &str,
        ttl: Duration,
        modules: Vec<String>,
        handles: Handles,
    ) -> anyhow::Result<Arc<Self>> {
        let Handles { zoho, tokens, cache, live } = handles;
        let callback_url = public_url.join(CALLBACK_PATH.trim_start_matches('/'))?;
        let key = hmac::Key::new(hmac::HMAC_SHA256, format!("zoho-gateway notifications\n{client_secret}").as_bytes());
        Ok(Arc::new(Self { callback_url, key, ttl, modules, zoho, tokens, cache, live, orgs: Mutex::default() }))
    }

    /// Zoho's channel id for (org, module): a positive 63-bit number (Zoho wants a long).
    pub fn channel_id(org: &str, module: &str) -> u64 {
        let digest = Sha256::digest(format!("{org}\n{module}").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(first) >> 1).max(1)
    }

    fn token(&self, org: &str, module: &str, channel: u64) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, format!("{org}\n{module}\n{channel}").as_bytes()).as_ref())
    }

    fn notify_url(&self, org: &str) -> String {
        let mut url = self.callback_url.clone();
        url.query_pairs_mut().append_pair("org", org);
        url.to_string()
    }

    /// A user of `key.org_id` signed in, or used a session (after a restart, the first use of a
    /// session is how the gateway learns of the org again): their token may enable (or later renew)
    /// the org's channels. Cheap when nothing changes: one lock and a comparison.
    pub fn on_sign_in(self: &Arc<Self>, key: &UserOrg) {
        let start = {
            let mut orgs = self.lock();
            let org = orgs.entry(key.org_id.clone()).or_default();
            if org.users.first() != Some(key) {
                org.users.retain(|u| u != key);
                org.users.insert(0, key.clone());
                org.users.truncate(USERS_PER_ORG);
            }
            let live = org.expires_at.is_some_and(|at| at - self.renew_margin() > Utc::now());
            let waiting = org.retry_after.is_some_and(|t| std::time::Instant::now() < t);
            let start = !live && !org.busy && !waiting;
            org.busy |= start;
            start
        };
        if start {
            let this = self.clone();
            let org = key.org_id.clone();
            tokio::spawn(async move { this.enable(&org).await });
        }
    }

    /// Renews channels that expire within the margin, until the process ends.
    pub fn spawn_renewals(self: &Arc<Self>) {
        let this = Arc::downgrade(self);
        let tick = (self.ttl / 6).clamp(Duration::from_millis(200), Duration::from_secs(60));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(tick).await;
                let Some(this) = this.upgrade() else { return };
                let due: Vec<String> = {
                    let mut orgs = this.lock();
                    let soon = Utc::now() + this.renew_margin();
                    orgs.iter_mut()
                        .filter(|(_, o)| {
                            let waiting = o.retry_after.is_some_and(|t| std::time::Instant::now() < t);
                            !o.busy && !waiting && o.expires_at.is_some_and(|at| at <= soon)
                        })
                        .map(|(org, o)| {
                            o.busy = true;
                            org.clone()
                        })
                        .collect()
                };
                for org in due {
                    this.enable(&org).await;
                }
            }
        });
    }

    /// How long a failed enable waits before the next attempt.
    fn retry_delay(&self) -> Duration {
        (self.ttl / 6).clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    /// Renewal starts this long before expiry: a third of the lifetime.
    fn renew_margin(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.ttl / 3).unwrap_or_default()
    }

    /// Enables (or renews: the same ids) every served module's channel of `org`, with the token of
    /// its most recent signed-in user whose grant still works; an org with none left is forgotten
    /// and its channels expire.
    async fn enable(&self, org: &str) {
        loop {
            let Some(user) = self.lock().get(org).and_then(|o| o.users.first().cloned()) else {
                if let Some(o) = self.lock().get_mut(org) {
                    // Kept, not removed: the next request of a user of the org must not retry at once.
                    o.busy = false;
                    o.expires_at = None;
                    o.retry_after = Some(std::time::Instant::now() + self.retry_delay());
                }
                tracing::warn!(org, "no signed-in user of this org can renew its notification channels; they will expire");
                return;
            };
            match self.enable_as(org, &user).await {
                Ok(expires_at) => {
                    if let Some(o) = self.lock().get_mut(org) {
                        o.expires_at = Some(expires_at);
                        o.busy = false;
                        o.retry_after = None;
                    }
                    tracing::debug!(org, %expires_at, "notification channels enabled");
                    return;
                }
                Err(Failure::Grant) => {
                    if let Some(o) = self.lock().get_mut(org) {
                        o.users.retain(|u| *u != user);
                    }
                }
                Err(Failure::Zoho(e)) => {
                    tracing::warn!(org, error = %e, "could not enable notification channels; retrying at the next renewal");
                    if let Some(o) = self.lock().get_mut(org) {
                        // Retry soon, not in a tight loop: at the renewal after the delay.
                        o.expires_at = Some(Utc::now());
                        o.busy = false;
                        o.retry_after = Some(std::time::Instant::now() + self.retry_delay());
                    }
                    return;
                }
            }
        }
    }

    async fn enable_as(&self, org: &str, user: &UserOrg) -> Result<DateTime<Utc>, Failure> {
        let creds = self.tokens.credentials(user).await.map_err(|_| Failure::Grant)?;
        let wanted = Utc::now() + chrono::Duration::from_std(self.ttl).unwrap_or_default();
        let expiry = wanted.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        let watch: Vec<Value> = self
            .modules
            .iter()
            .map(|module| {
                let channel = Self::channel_id(org, module);
                json!({
                    "channel_id": channel,
                    "events": [format!("{module}.all")],
                    "notify_url": self.notify_url(org),
                    "token": self.token(org, module, channel),
                    "channel_expiry": expiry,
                })
            })
            .collect();
        let granted = self.zoho.watch(&creds, &json!({ "watch": watch })).await.map_err(|e| match e {
            ZohoError::InvalidToken(_) | ZohoError::ScopeMismatch => Failure::Grant,
            other => Failure::Zoho(other),
        })?;
        // Renew by the earliest expiry Zoho granted (it may grant less than asked).
        Ok(granted.into_iter().min().unwrap_or(wanted))
    }

    /// Checks a callback; returns the org whose data changed.
    pub fn verify(&self, callback: &Callback) -> Result<String, Refused> {
        let org = callback.query_params.get("org").and_then(Value::as_str).ok_or(Refused::Malformed)?;
        if !self.modules.contains(&callback.module) {
            return Err(Refused::UnknownModule);
        }
        let channel = match &callback.channel_id {
            Value::String(s) => s.parse::<u64>().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
        .ok_or(Refused::Malformed)?;
        if channel != Self::channel_id(org, &callback.module) {
            return Err(Refused::WrongChannel);
        }
        let sent = URL_SAFE_NO_PAD.decode(callback.token.as_bytes()).map_err(|_| Refused::WrongToken)?;
        hmac::verify(&self.key, format!("{org}\n{}\n{channel}", callback.module).as_bytes(), &sent)
            .map_err(|_| Refused::WrongToken)?;
        Ok(org.to_owned())
    }

    /// A verified change: the org's cached answers go, here and on every replica, and its
    /// subscribers hear of it.
    pub fn changed(&self, org: &str, callback: &Callback) {
        self.cache.invalidate_org(org);
        let operation = Operation::from_zoho(callback.operation.as_deref().unwrap_or_default());
        // Ids go into queries and notices: numbers only, even from a verified callback.
        let ids: Vec<String> = callback.ids.iter().filter(|id| crate::meta::validate::is_record_id(id)).cloned().collect();
        if !ids.is_empty() {
            self.live.publish(Change::new(org, &callback.module, operation, ids));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, OrgChannels>> {
        self.orgs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

enum Failure {
    /// The user's grant no longer works for this: try another user of the org.
    Grant,
    Zoho(ZohoError),
}
