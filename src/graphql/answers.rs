//! Whole answers to queries, cached per signed-in session: a portal page that asks the same
//! question again gets the bytes it got before, with the same per-user key discipline and org-wide
//! invalidation as the Zoho answers they are made of (`cache.rs`).

use std::sync::Arc;

use async_graphql::{Request, Response};
use bytes::Bytes;

use super::AppSchema;
use super::context::RequestCtx;
use crate::state::AppState;

/// What a query produced: cached (or cacheable) JSON bytes, or a response that may not be cached.
pub enum Answer {
    Cached(Bytes),
    Fresh(Arc<Response>),
}

/// Runs `request`; a query of a signed-in session goes through the answer cache when it is on.
/// The session looked up for the cache key is handed to the resolvers, so it is read once.
pub async fn execute(state: &AppState, schema: &AppSchema, request: Request, ctx: RequestCtx, is_query: bool) -> Answer {
    let view = match ctx.session_id().filter(|_| state.cache.is_enabled() && is_query) {
        Some(id) => state.auth.session(id).await.ok().flatten(),
        None => None,
    };
    let Some(view) = view else {
        return Answer::Fresh(Arc::new(schema.execute(request.data(ctx)).await));
    };
    let scope = view.session.key.clone();
    let key = format!(
        "GQL {} {} {} {}",
        view.session.id_hash,
        request.operation_name.as_deref().unwrap_or_default(),
        request.query,
        serde_json::to_string(&request.variables).unwrap_or_default()
    );
    ctx.set_session(Some(view));
    let fetched = state
        .cache
        .get_or_fetch(&scope, key, async move {
            let response = schema.execute(request.data(ctx)).await;
            // Only clean answers are cached: errors may be passing (Zoho down, rate limits), and
            // an answer that sets headers (cookies) is one user's moment, not a reusable answer.
            match serde_json::to_vec(&response) {
                Ok(body) if response.errors.is_empty() && response.http_headers.is_empty() => Ok(Bytes::from(body)),
                _ => Err(response),
            }
        })
        .await;
    match fetched {
        Ok(body) => Answer::Cached(body),
        Err(response) => Answer::Fresh(response),
    }
}
