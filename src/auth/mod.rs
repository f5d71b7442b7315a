//! Login with Zoho: `dc` (data centres, allowlists), `oauth` (authorization URL, code exchange,
//! refresh, revoke), `session` (cookies), `tokens` (fresh access tokens, single-flight refresh).
//! `AuthService` ties them to the store for the `login`, `initialize`, `me` and `logout` operations.

pub mod dc;
pub mod oauth;
pub mod session;
pub mod tokens;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::secret::{self, AuthCode, SessionId, StateToken};
use crate::store::{OAuthState, SessionRecord, Store, TokenRecord, UserOrg};
use crate::zoho::{Credentials, ZohoClient};
use oauth::{AuthError, OAuthClient};

/// How long a `login` may wait for its `initialize`.
const STATE_TTL: chrono::Duration = chrono::Duration::minutes(10);

pub struct AuthService {
    oauth: Arc<OAuthClient>,
    store: Arc<dyn Store>,
    zoho: ZohoClient,
    session_ttl: chrono::Duration,
    session_idle: chrono::Duration,
}

/// What `login` hands the portal, and the browser nonce for the login cookie.
pub struct LoginStart {
    pub url: String,
    pub state: StateToken,
    pub browser_nonce: String,
}

/// What Zoho put on the redirect, as the portal passes it to `initialize`.
pub struct Callback {
    pub code: AuthCode,
    pub state: StateToken,
    pub redirect_url: String,
    pub location: Option<String>,
    pub accounts_server: Option<String>,
    /// The login cookie's nonce: the state must have been issued to this browser.
    pub browser_nonce: Option<String>,
    /// A session this browser already had: replaced (the id is rotated at every sign-in).
    pub previous_session: Option<SessionId>,
}

/// A signed-in session as the API shows it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: SessionRecord,
    pub tokens: TokenRecord,
}

impl AuthService {
    pub fn new(
        oauth: Arc<OAuthClient>,
        store: Arc<dyn Store>,
        zoho: ZohoClient,
        session_ttl: Duration,
        session_idle: Duration,
    ) -> Self {
        let session_ttl = chrono::Duration::from_std(session_ttl).unwrap_or(chrono::Duration::days(7));
        let session_idle = chrono::Duration::from_std(session_idle).unwrap_or(chrono::Duration::hours(12));
        Self { oauth, store, zoho, session_ttl, session_idle }
    }

    pub fn session_ttl_secs(&self) -> i64 {
        self.session_ttl.num_seconds()
    }

    /// Starts a sign-in: a fresh single-use state bound to the redirect URL, and Zoho's consent URL.
    /// `browser_nonce` is the login cookie's value if the browser has one (several tabs may
    /// sign in at once); a new one is made otherwise.
    pub async fn login(&self, redirect_url: &str, browser_nonce: Option<String>) -> Result<LoginStart, AuthError> {
        let redirect = self.oauth.check_redirect_uri(redirect_url)?;
        let state = StateToken::new(secret::random_token());
        let browser_nonce = browser_nonce.unwrap_or_else(secret::random_token);
        self.store
            .put_oauth_state(&OAuthState {
                state_hash: secret::hash(state.expose()),
                browser_hash: secret::hash(&browser_nonce),
                redirect_uri: redirect.to_string(),
                expires_at: Utc::now() + STATE_TTL,
            })
            .await?;
        Ok(LoginStart { url: self.oauth.authorization_url(&redirect, &state).to_string(), state, browser_nonce })
    }

    /// Completes a sign-in: checks the state, exchanges the code at the user's data centre,
    /// learns who the user and org are, keeps the token pair and opens a session.
    pub async fn initialize(&self, cb: Callback) -> Result<(SessionId, SessionView), AuthError> {
        // Taking the state first makes it single-use even when this sign-in fails later.
        let browser_hash = secret::hash(cb.browser_nonce.as_deref().unwrap_or_default());
        let pending = self.store.take_oauth_state(&secret::hash(cb.state.expose()), &browser_hash).await?;
        let pending = pending.filter(|p| p.expires_at > Utc::now()).ok_or(AuthError::InvalidState)?;
        let redirect = self.oauth.check_redirect_uri(&cb.redirect_url)?;
        if pending.redirect_uri != redirect.as_str() {
            return Err(AuthError::InvalidState);
        }
        let accounts_server = self.oauth.resolve_accounts_server(cb.accounts_server.as_deref(), cb.location.as_deref())?;
        let grant = self.oauth.exchange_code(&accounts_server, &cb.code, &redirect).await?;

        let creds = Credentials { api_domain: grant.api_domain.clone(), access_token: grant.access_token.clone(), scope: None };
        let (user, org) = tokio::try_join!(self.zoho.current_user(&creds), self.zoho.org(&creds))?;
        let location = cb
            .location
            .filter(|l| dc::by_location(l).is_some())
            .or_else(|| {
                url::Url::parse(&accounts_server).ok().and_then(|u| dc::by_accounts_server(&u)).map(|d| d.location.to_owned())
            })
            .unwrap_or_else(|| "us".to_owned());
        let key = UserOrg { user_id: user.id.clone(), org_id: org.id.clone() };

        let tokens = TokenRecord {
            key: key.clone(),
            refresh_token: grant.refresh_token,
            access_token: grant.access_token,
            access_expires_at: grant.expires_at,
            api_domain: grant.api_domain,
            accounts_server,
            location,
            user_name: user.full_name.clone().unwrap_or_else(|| user.email.clone().unwrap_or_else(|| user.id.clone())),
            user_email: user.email,
            org_name: org.company_name.unwrap_or_else(|| org.id.clone()),
        };
        let previous = self.store.get_tokens(&key).await?;
        self.store.put_tokens(&tokens).await?;
        if let Some(old) = previous.filter(|old| old.refresh_token != tokens.refresh_token) {
            // A user keeps at most 20 refresh tokens per client (zoho-api.md §1.8); release the
            // replaced one rather than let it count against the user until Zoho evicts it.
            let oauth = self.oauth.clone();
            tokio::spawn(async move {
                if let Err(e) = oauth.revoke(&old.accounts_server, &old.refresh_token).await {
                    tracing::warn!(error = %e, "could not revoke a replaced refresh token");
                }
            });
        }

        if let Some(previous) = &cb.previous_session {
            // Rotation: the id a browser had before signing in never becomes a signed-in id.
            self.store.delete_session(&secret::hash(previous.expose())).await?;
        }
        let id = SessionId::new(secret::random_token());
        let now = Utc::now();
        let session = SessionRecord {
            id_hash: secret::hash(id.expose()),
            key,
            created_at: now,
            expires_at: now + self.session_ttl,
            last_seen_at: now,
        };
        self.store.put_session(&session).await?;
        tracing::info!(user = %session.key.user_id, org = %session.key.org_id, "signed in");
        Ok((id, SessionView { session, tokens }))
    }

    /// The live session behind a cookie, if any. Expired sessions are removed on sight.
    pub async fn session(&self, id: &SessionId) -> Result<Option<SessionView>, AuthError> {
        let hash = secret::hash(id.expose());
        let Some(mut session) = self.store.get_session(&hash).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        if session.expires_at <= now || session.last_seen_at + self.session_idle <= now {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        // Idle time is tracked coarsely (to a minute, or a quarter of the idle limit if shorter):
        // one store write per interval of use, not one per request.
        if now - session.last_seen_at > (self.session_idle / 4).min(chrono::Duration::minutes(1)) {
            self.store.touch_session(&hash, now).await?;
            session.last_seen_at = now;
        }
        let Some(tokens) = self.store.get_tokens(&session.key).await? else {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        };
        Ok(Some(SessionView { session, tokens }))
    }

    /// Ends this session only; the grant and the user's other sessions stay.
    pub async fn end_session(&self, view: &SessionView) -> Result<(), AuthError> {
        self.store.delete_session(&view.session.id_hash).await?;
        tracing::info!(user = %view.session.key.user_id, org = %view.session.key.org_id, "session ended");
        Ok(())
    }

    /// Revokes the user-org's grant at Zoho and forgets it and every session using it.
    pub async fn logout(&self, view: &SessionView) -> Result<(), AuthError> {
        let t = &view.tokens;
        if let Err(e) = self.oauth.revoke(&t.accounts_server, &t.refresh_token).await {
            // Signing out locally must not depend on Zoho being up; the token is forgotten anyway.
            tracing::warn!(error = %e, "could not revoke the refresh token at logout");
        }
        self.store.delete_tokens(&view.session.key).await?;
        self.store.delete_session(&view.session.id_hash).await?;
        tracing::info!(user = %view.session.key.user_id, org = %view.session.key.org_id, "signed out");
        Ok(())
    }
}
