//! Typed access to what a resolver may use: the shared state, this request's session, and
//! the per-request CRM handle and DataLoader (never shared between requests, so never between users).

use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use tokio::sync::OnceCell;

use super::loaders::RecordLoader;
use crate::auth::SessionView;
use crate::crm::UserCrm;
use crate::error::GatewayError;
use crate::meta::drift::OrgDrift;
use crate::secret::SessionId;
use crate::state::AppState;

/// Per-request data, inserted by the HTTP handler.
pub struct RequestCtx {
    session_id: Option<SessionId>,
    login_nonce: Option<String>,
    session: OnceCell<Option<SessionView>>,
    crm: OnceCell<UserCrm>,
    record_loader: OnceCell<DataLoader<RecordLoader>>,
    drift: OnceCell<Arc<OrgDrift>>,
}

impl RequestCtx {
    /// Hands over a session the HTTP layer already looked up.
    pub fn set_session(&self, view: Option<SessionView>) {
        let _ = self.session.set(view);
    }

    pub fn session_id(&self) -> Option<&SessionId> {
        self.session_id.as_ref()
    }

    pub fn new(session_id: Option<SessionId>, login_nonce: Option<String>) -> Self {
        Self {
            session_id,
            login_nonce,
            session: OnceCell::new(),
            crm: OnceCell::new(),
            record_loader: OnceCell::new(),
            drift: OnceCell::new(),
        }
    }
}

pub fn state<'a>(ctx: &Context<'a>) -> &'a Arc<AppState> {
    // The schema is always built with the state (graphql::build_schema); a missing one is a bug
    // that the first test would catch, so a panic here cannot be reached by input.
    ctx.data_unchecked::<Arc<AppState>>()
}

fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestCtx, GatewayError> {
    ctx.data::<RequestCtx>().map_err(|_| GatewayError::Internal("request context missing".into()))
}

/// The browser nonce from the login cookie, if any.
pub fn login_nonce(ctx: &Context<'_>) -> Option<String> {
    request(ctx).ok().and_then(|r| r.login_nonce.clone())
}

pub fn session_id<'a>(ctx: &Context<'a>) -> Option<&'a SessionId> {
    request(ctx).ok().and_then(|r| r.session_id.as_ref())
}

/// The signed-in session of this request, looked up once.
pub async fn session<'a>(ctx: &Context<'a>) -> Result<Option<&'a SessionView>, GatewayError> {
    let req = request(ctx)?;
    let Some(id) = req.session_id.as_ref() else { return Ok(None) };
    let state = state(ctx);
    let view = req
        .session
        .get_or_try_init(|| async {
            let view = state.auth.session(id).await?;
            if let Some(v) = &view {
                state.session_used(v);
            }
            Ok::<_, crate::auth::oauth::AuthError>(view)
        })
        .await?;
    Ok(view.as_ref())
}

/// The session, or UNAUTHENTICATED.
pub async fn signed_in<'a>(ctx: &Context<'a>) -> Result<&'a SessionView, GatewayError> {
    session(ctx).await?.ok_or(GatewayError::Unauthenticated("Sign in with Zoho first."))
}

/// The CRM as the signed-in user sees it.
pub async fn crm<'a>(ctx: &Context<'a>) -> Result<&'a UserCrm, GatewayError> {
    let req = request(ctx)?;
    let view = signed_in(ctx).await?;
    let state = state(ctx);
    Ok(req.crm.get_or_init(|| async { UserCrm::new(view.session.key.clone(), state.tokens.clone(), state.zoho.clone()) }).await)
}

/// This request's record loader, bound to the signed-in user.
pub async fn record_loader<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<RecordLoader>, GatewayError> {
    let req = request(ctx)?;
    let crm = crm(ctx).await?.clone();
    Ok(req.record_loader.get_or_init(|| async { DataLoader::new(RecordLoader::new(crm), tokio::spawn) }).await)
}

/// Names of the fields selected under the current field (or under its `nodes`, for pages).
pub fn selected_fields(ctx: &Context<'_>, under_nodes: bool) -> Vec<String> {
    let field = ctx.field();
    let mut names = Vec::new();
    for f in field.selection_set() {
        if !under_nodes {
            names.push(f.name().to_owned());
        } else if f.name() == "nodes" {
            names.extend(f.selection_set().map(|n| n.name().to_owned()));
        }
    }
    names
}

/// The signed-in user's org drift, looked up once per request.
pub async fn drift<'a>(ctx: &Context<'a>) -> Result<&'a Arc<OrgDrift>, GatewayError> {
    let req = request(ctx)?;
    let crm = crm(ctx).await?;
    let state = state(ctx);
    Ok(req.drift.get_or_init(|| state.drift.for_org(crm)).await)
}

/// The drift this request already looked up, if any (leaf fields never wait for it).
pub fn known_drift<'a>(ctx: &Context<'a>) -> Option<&'a Arc<OrgDrift>> {
    request(ctx).ok().and_then(|r| r.drift.get())
}
