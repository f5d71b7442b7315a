//! Whole answers to queries, cached per signed-in session: a portal page that asks the same
//! question again gets the bytes it got before, with the same per-user key discipline and org-wide
//! invalidation as the Zoho answers they are made of (`cache.rs`).

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response};
use bytes::Bytes;

use super::AppSchema;
use super::context::RequestCtx;
use crate::auth::SessionView;
use crate::state::AppState;

/// What a query produced: cached (or cacheable) JSON bytes, or a response that may not be cached.
pub enum Answer {
    Cached(Bytes),
    Fresh(Arc<Response>),
}

/// Where a signed-in session's answer to this request lives in the cache.
pub struct Slot {
    view: SessionView,
    key: String,
}

/// The cache slot of `request`, when the cache is on and the browser has a live session.
pub async fn slot(state: &AppState, request: &Request, ctx: &RequestCtx) -> Option<Slot> {
    let id = ctx.session_id().filter(|_| state.cache.is_enabled())?;
    let view = state.auth.session(id).await.ok().flatten()?;
    let key = format!(
        "GQL {} {} {} {}",
        view.session.id_hash,
        request.operation_name.as_deref().unwrap_or_default(),
        request.query,
        serde_json::to_string(&request.variables).unwrap_or_default()
    );
    Some(Slot { view, key })
}

/// A cached answer to exactly this request text, before it is even parsed: only queries that
/// passed the limits (fixed for the life of the process) were ever stored. Returns the metrics
/// label it was stored with and the answer's bytes.
pub async fn lookup(state: &AppState, slot: &Slot) -> Option<(String, Bytes)> {
    let stored = state.cache.peek(&slot.view.session.key, slot.key.clone()).await?;
    Some(split_label(stored))
}

/// Stored answers are `<label>\n<JSON>`: the label (`query leads`) keeps per-operation metrics
/// right for answers served without parsing.
fn split_label(stored: Bytes) -> (String, Bytes) {
    match stored.iter().position(|b| *b == b'\n') {
        Some(at) => (String::from_utf8_lossy(&stored[..at]).into_owned(), stored.slice(at + 1..)),
        None => (String::new(), stored),
    }
}

/// Runs `request`; a query with a cache slot goes through the answer cache. The session looked
/// up for the slot is handed to the resolvers, so it is read once.
pub async fn execute(
    state: &AppState,
    schema: &AppSchema,
    request: Request,
    doc: &ExecutableDocument,
    ctx: RequestCtx,
    slot: Option<Slot>,
    label: &str,
) -> Answer {
    let Some(Slot { view, key }) = slot else {
        return Answer::Fresh(Arc::new(run(schema, request, doc, ctx).await));
    };
    let scope = view.session.key.clone();
    state.session_used(&view);
    ctx.set_session(Some(view));
    let label = label.to_owned();
    let fetched = state
        .cache
        .get_or_fetch(&scope, key, async move {
            let response = run(schema, request, doc, ctx).await;
            // Only clean answers are cached: errors may be passing (Zoho down, rate limits), and
            // an answer that sets headers (cookies) is one user's moment, not a reusable answer.
            match serde_json::to_vec(&response) {
                Ok(body) if response.errors.is_empty() && response.http_headers.is_empty() => {
                    let mut stored = Vec::with_capacity(label.len() + 1 + body.len());
                    stored.extend_from_slice(label.as_bytes());
                    stored.push(b'\n');
                    stored.extend_from_slice(&body);
                    Ok(Bytes::from(stored))
                }
                _ => Err(response),
            }
        })
        .await;
    match fetched {
        Ok(stored) => Answer::Cached(split_label(stored).1),
        Err(response) => Answer::Fresh(response),
    }
}

/// Executes `request` (parsed already: `doc` is its document), its answer in selection order
/// (see `order.rs`).
async fn run(schema: &AppSchema, request: Request, doc: &ExecutableDocument, ctx: RequestCtx) -> Response {
    let operation_name = request.operation_name.clone();
    let mut response = schema.execute(request.data(ctx)).await;
    super::order::restore(&mut response.data, doc, operation_name.as_deref());
    response
}
