//! Subscriptions over `/graphql`: WebSocket with the graphql-transport-ws protocol (`ws`) and
//! Server-Sent Events in graphql-sse's distinct-connections mode (`sse`). Both bind one session
//! (the cookie) to the connection, check each document as HTTP does (`graphql::admit`: limits and
//! the trusted-documents list), accept subscriptions only, and end when the session ends (sign-out,
//! expiry, revoke: checked every `SESSION_CHECK`).

pub mod sse;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use async_graphql::{Response, ServerError};
use axum::http::{HeaderMap, StatusCode, header};
use futures::StreamExt;
use futures::stream::BoxStream;

use super::graphql::{GraphqlEndpoint, admit};
use crate::auth::SessionView;
use crate::auth::session;
use crate::graphql::context::RequestCtx;
use crate::graphql::documents::Named;
use crate::secret::SessionId;

/// How often a live connection checks that its session still stands.
const SESSION_CHECK: Duration = Duration::from_secs(1);

/// The signed-in session of a live connection.
pub struct LiveSession {
    pub id: SessionId,
    pub view: SessionView,
}

/// The session named by the request's cookie, if it stands.
pub async fn session(endpoint: &GraphqlEndpoint, headers: &HeaderMap) -> Option<LiveSession> {
    let id = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(session::from_cookie_header)?;
    let view = endpoint.state.auth.session(&id).await.ok().flatten()?;
    Some(LiveSession { id, view })
}

/// A live connection of the request's session, within the connection limit; or the refusal (401, 503).
pub async fn connect(
    endpoint: &GraphqlEndpoint,
    headers: &HeaderMap,
) -> Result<(LiveSession, crate::live::ConnectionGuard), axum::response::Response> {
    let Some(live) = session(endpoint, headers).await else {
        return Err(http_refusal(StatusCode::UNAUTHORIZED, "Sign in with Zoho first.", "UNAUTHENTICATED"));
    };
    let Ok(guard) = endpoint.state.live.connect() else {
        return Err(http_refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many live connections; try again later.",
            "TOO_MANY_CONNECTIONS",
        ));
    };
    Ok((live, guard))
}

/// Whether the session still stands (a store that fails to answer keeps it: the next check decides).
async fn still_signed_in(endpoint: &GraphqlEndpoint, id: &SessionId) -> bool {
    !matches!(endpoint.state.auth.session(id).await, Ok(None))
}

/// A subscription request as both protocols carry it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub operation_name: Option<String>,
    #[serde(default)]
    pub variables: Option<serde_json::Value>,
    #[serde(default)]
    pub extensions: Option<serde_json::Value>,
    #[serde(default)]
    pub document_id: Option<String>,
}

/// An error before a subscription starts, as GraphQL errors with a code.
fn refused(message: &str, code: &str) -> Vec<ServerError> {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    vec![error]
}

/// Checks `payload` and starts its subscription for `live`'s session: a stream of answers, each
/// in selection order; or the errors that refuse it.
pub fn start(
    endpoint: &Arc<GraphqlEndpoint>,
    live: &LiveSession,
    payload: Payload,
) -> Result<BoxStream<'static, Response>, Vec<ServerError>> {
    let named = Named {
        query: payload.query.as_deref(),
        document_id: payload.document_id.as_deref(),
        persisted_query: payload.extensions.as_ref().and_then(|e| e.get("persistedQuery")),
    };
    let resolved = endpoint.documents.resolve(&named).map_err(|e| refused(&e.to_string(), e.code()))?;
    let mut request = async_graphql::Request::new(resolved.query);
    if let Some(name) = payload.operation_name.filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    match payload.variables {
        None | Some(serde_json::Value::Null) => {}
        Some(object @ serde_json::Value::Object(_)) => {
            request = request.variables(async_graphql::Variables::from_json(object));
        }
        Some(_) => return Err(refused("variables must be a JSON object.", "BAD_REQUEST")),
    }
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let doc = request.parsed_query().map_err(|e| refused(&e.message, "GRAPHQL_PARSE_FAILED"))?.clone();
    let (schema, ty) =
        admit(endpoint, &doc, operation_name.as_deref(), &variables, resolved.listed).map_err(|r| refused(&r.message, r.code))?;
    if ty != OperationType::Subscription {
        return Err(refused(
            "Only subscriptions are served over this connection; send queries and mutations over HTTP.",
            "BAD_REQUEST",
        ));
    }
    let ctx = RequestCtx::new(Some(live.id.clone()), None);
    ctx.set_session(Some(live.view.clone()));
    let answers = schema.execute_stream(request.data(ctx)).map(move |mut response| {
        crate::graphql::order::restore(&mut response.data, &doc, operation_name.as_deref());
        response
    });
    Ok(answers.boxed())
}

/// A refusal before the connection opens: a GraphQL error body with its code.
fn http_refusal(status: StatusCode, message: &str, code: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// An answer whose errors came before execution (validation, arguments, sign-in): no data at all.
fn is_refusal(response: &Response) -> bool {
    response.data == async_graphql::Value::Null && !response.errors.is_empty()
}
