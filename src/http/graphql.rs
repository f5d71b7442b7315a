//! `/graphql` served by our own handler, following the GraphQL-over-HTTP spec where
//! async-graphql's stock service does not (shared/graphql-notes.md): Accept negotiation, no
//! mutations over GET, JSON only for POST, a body limit, no unbounded batches, and request
//! errors answered with 4xx under `application/graphql-response+json`.

use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use crate::auth::session;
use crate::graphql::Schemas;
use crate::graphql::answers::{self, Answer};
use crate::graphql::context::RequestCtx;
use crate::graphql::documents::{DocumentError, Documents, Named};
use crate::graphql::limits::{self, QueryLimits};
use crate::graphql::operation;
use crate::graphql::parsed::ParsedDocuments;
use crate::http::live;
use crate::state::AppState;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

pub struct GraphqlEndpoint {
    pub schemas: Schemas,
    /// Persisted queries and the trusted-documents list.
    pub documents: Documents,
    /// Documents parsed before, by text.
    pub parsed: ParsedDocuments,
    pub limits: QueryLimits,
    pub costs: limits::Costs,
    pub state: Arc<AppState>,
    /// Origins other than the gateway's own that may open live connections (GATEWAY_CORS_ORIGINS).
    pub origins: Vec<String>,
}

impl GraphqlEndpoint {
    /// Whether a page of `origin` may open a live connection: the gateway's own origin (`host` is
    /// the request's Host header), `GATEWAY_PUBLIC_URL`'s, or a configured CORS origin.
    pub fn origin_allowed(&self, origin: &str, host: &str) -> bool {
        let Ok(parsed) = url::Url::parse(origin) else { return false };
        let authority = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => return false,
        };
        let own = authority.eq_ignore_ascii_case(host);
        let public = self.state.public_origin.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(origin.trim_end_matches('/')));
        own || public || self.origins.iter().any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin.trim_end_matches('/')))
    }
}

/// The media type the client accepts, per the spec's negotiation rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphqlResponseJson,
    Json,
}

/// `application/graphql-response+json` when the client names it; `application/json` when it
/// names that, accepts anything, or says nothing (the spec's advice for legacy clients).
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).filter(|a| !a.trim().is_empty()) else {
        return Some(MediaType::Json);
    };
    let mut json = false;
    for part in accept.split(',') {
        let mut params = part.split(';');
        let media = params.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = params.any(|p| matches!(p.trim().replace(' ', "").as_str(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
        if refused {
            continue;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => return Some(MediaType::GraphqlResponseJson),
            APPLICATION_JSON | "*/*" | "application/*" => json = true,
            _ => {}
        }
    }
    json.then_some(MediaType::Json)
}

/// Whether a JSON type comes before `text/event-stream` in Accept (graphql-sse clients name only
/// the event stream; a client naming both first asks for JSON).
fn prefers_json(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let position = |needle: &str| accept.find(needle);
    match (position(APPLICATION_JSON).or(position(GRAPHQL_RESPONSE_JSON)), position(live::sse::EVENT_STREAM)) {
        (Some(json), Some(events)) => json < events,
        _ => false,
    }
}

/// Headers a browser only sends after a CORS preflight; any of them, non-empty, proves the
/// request is not a cross-site "simple" request (Apollo's CSRF rule).
const PREFLIGHT_HEADERS: &[&str] = &["apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight"];

/// Apollo's CSRF prevention: a request may run only if its content type is one a cross-site form
/// or `fetch` cannot send without a preflight, or it carries a preflight-forcing header.
/// A GET has no content type, so it needs the header; so does a POST without one.
fn csrf_refusal(headers: &HeaderMap) -> Option<Response> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let simple = match essence.as_deref() {
        None | Some("") => true,
        Some(ct) => matches!(ct, "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"),
    };
    let preflighted =
        PREFLIGHT_HEADERS.iter().any(|h| headers.get(*h).is_some_and(|v| !v.as_bytes().iter().all(u8::is_ascii_whitespace)));
    (simple && !preflighted).then(|| {
        plain_error(
            StatusCode::BAD_REQUEST,
            "This request has been blocked as a possible Cross-Site Request Forgery (CSRF). Send it with \
             Content-Type: application/json, or with a non-empty 'apollo-require-preflight' header.",
            "CSRF_ERROR",
        )
    })
}

fn plain_error(status: StatusCode, message: &str, code: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut response = (status, axum::Json(body)).into_response();
    no_store(response.headers_mut());
    response
}

fn no_store(headers: &mut HeaderMap) {
    // Answers carry one user's CRM data: no shared cache may keep them.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Cookie, Accept"));
}

/// GET: a WebSocket for subscriptions (`live::ws`), or a query in the query string.
pub async fn get_or_upgrade(State(endpoint): State<Arc<GraphqlEndpoint>>, request: axum::extract::Request) -> Response {
    let (mut parts, _) = request.into_parts();
    if live::ws::is_upgrade(&parts.headers) {
        use axum::extract::FromRequestParts as _;
        return match axum::extract::ws::WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(upgrade) => live::ws::upgrade(endpoint, parts.headers, upgrade).await,
            Err(rejection) => rejection.into_response(),
        };
    }
    get(endpoint, parts.headers, parts.uri.query().map(str::to_owned)).await
}

/// GET: the request in the query string; queries only.
async fn get(endpoint: Arc<GraphqlEndpoint>, headers: HeaderMap, query: Option<String>) -> Response {
    let Some(media) = negotiate(&headers) else {
        return plain_error(
            StatusCode::NOT_ACCEPTABLE,
            "Accept application/graphql-response+json or application/json.",
            "NOT_ACCEPTABLE",
        );
    };
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct GetParams {
        query: Option<String>,
        variables: Option<String>,
        operation_name: Option<String>,
        extensions: Option<String>,
        document_id: Option<String>,
    }
    let params: GetParams = match serde_urlencoded::from_str(query.as_deref().unwrap_or_default()) {
        Ok(p) => p,
        Err(_) => {
            return plain_error(StatusCode::BAD_REQUEST, "The query string is not a GraphQL request.", "BAD_REQUEST");
        }
    };
    let mut variables = None;
    let mut extensions = None;
    for (raw, is_vars) in [(&params.variables, true), (&params.extensions, false)] {
        let Some(raw) = raw.as_deref().filter(|r| !r.is_empty()) else {
            continue;
        };
        match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(object @ serde_json::Value::Object(_)) if is_vars => variables = Some(object),
            Ok(object @ serde_json::Value::Object(_)) => extensions = Some(object),
            _ => {
                return plain_error(StatusCode::BAD_REQUEST, "variables and extensions must be JSON objects.", "BAD_REQUEST");
            }
        }
    }
    // A persisted query may come by hash alone: the text it names decides what runs.
    let named = Named {
        query: params.query.as_deref(),
        document_id: params.document_id.as_deref(),
        persisted_query: extensions.as_ref().and_then(|e| e.get("persistedQuery")),
    };
    let resolved = match endpoint.documents.resolve(&named) {
        Ok(resolved) => resolved,
        Err(e) => return document_error(media, &e),
    };
    let query = resolved.query;
    let mut request = async_graphql::Request::new(query.clone());
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = variables {
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    if is_mutation(&query, request.operation_name.as_deref()) {
        let mut response = plain_error(StatusCode::METHOD_NOT_ALLOWED, "Mutations must be sent with POST.", "METHOD_NOT_ALLOWED");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if let Some(refusal) = csrf_refusal(&headers) {
        return refusal;
    }
    execute(&endpoint, &headers, request, media, resolved.listed).await
}

/// POST: a JSON body `{query, variables, operationName, extensions}`.
pub async fn post(State(endpoint): State<Arc<GraphqlEndpoint>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refusal) = csrf_refusal(&headers) {
        return refusal;
    }
    let media = negotiate(&headers);
    let events = live::sse::wants_events(&headers);
    if media.is_none() && !events {
        return plain_error(
            StatusCode::NOT_ACCEPTABLE,
            "Accept application/graphql-response+json, application/json, or text/event-stream (subscriptions).",
            "NOT_ACCEPTABLE",
        );
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    // JSON only: a cross-site form can send urlencoded, multipart or text/plain bodies along with
    // the user's cookie without a preflight; it cannot send application/json.
    if essence != APPLICATION_JSON {
        return plain_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the request as application/json.",
            "UNSUPPORTED_MEDIA_TYPE",
        );
    }
    // A client that accepts an event stream but prefers JSON (listed first) still gets JSON.
    let Some(media) = media.filter(|_| !events || prefers_json(&headers)) else {
        return match serde_json::from_slice::<live::Payload>(&body) {
            Ok(payload) => live::sse::stream(endpoint, &headers, payload).await,
            Err(_) => plain_error(
                StatusCode::BAD_REQUEST,
                "The body must be a GraphQL request: {query, variables, operationName}.",
                "BAD_REQUEST",
            ),
        };
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return plain_error(StatusCode::BAD_REQUEST, "The body is not valid JSON.", "BAD_REQUEST"),
    };
    if value.is_array() {
        return plain_error(
            StatusCode::BAD_REQUEST,
            "Batched requests are not supported; send one operation per request.",
            "BAD_REQUEST",
        );
    }
    let document_id = value.get("documentId").and_then(serde_json::Value::as_str).map(str::to_owned);
    let persisted_query = value.pointer("/extensions/persistedQuery").cloned();
    let mut request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(_) => {
            return plain_error(
                StatusCode::BAD_REQUEST,
                "The body must be a GraphQL request: {query, variables, operationName}.",
                "BAD_REQUEST",
            );
        }
    };
    let named = Named {
        query: Some(request.query.as_str()),
        document_id: document_id.as_deref(),
        persisted_query: persisted_query.as_ref(),
    };
    let listed = match endpoint.documents.resolve(&named) {
        Ok(resolved) => {
            request.query = resolved.query;
            resolved.listed
        }
        Err(e) => return document_error(media, &e),
    };
    execute(&endpoint, &headers, request, media, listed).await
}

/// A malformed document reference is a bad request; an unknown or refused one is a GraphQL
/// request error with its code (Apollo's clients resend the query on `PERSISTED_QUERY_NOT_FOUND`).
fn document_error(media: MediaType, error: &DocumentError) -> Response {
    match error {
        DocumentError::BadRequest(message) => plain_error(StatusCode::BAD_REQUEST, message, error.code()),
        _ => request_error(media, &error.to_string(), error.code()),
    }
}

fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    async_graphql::parser::parse_query(query).is_ok_and(|doc| operation::is_mutation(&doc, operation_name))
}

/// Executes and records the request's metrics under its operation's label.
/// `listed`: the trusted-documents list has this document (see `documents.rs`).
async fn execute(
    endpoint: &GraphqlEndpoint,
    headers: &HeaderMap,
    request: async_graphql::Request,
    media: MediaType,
    listed: bool,
) -> Response {
    let started = std::time::Instant::now();
    let mut label = String::from("invalid");
    let response = execute_labelled(endpoint, headers, request, media, listed, &mut label).await;
    let outcome =
        if response.status().is_success() && response.extensions().get::<HadErrors>().is_none() { "ok" } else { "error" };
    crate::telemetry::graphql_request(&label, outcome, started.elapsed());
    response
}

/// Marks a 200 answer that carries GraphQL errors.
#[derive(Clone, Copy)]
struct HadErrors;

async fn execute_labelled(
    endpoint: &GraphqlEndpoint,
    headers: &HeaderMap,
    mut request: async_graphql::Request,
    media: MediaType,
    listed: bool,
    label: &mut String,
) -> Response {
    let cookies = || headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
    let ctx = RequestCtx::new(
        cookies().find_map(session::from_cookie_header),
        cookies().find_map(session::login_nonce_from_cookie_header),
    );
    // A repeated query of a signed-in session is answered from the cache before any parsing.
    let mut slot = answers::slot(&endpoint.state, &request, &ctx).await;
    if let Some(found) = &slot
        && let Some((stored_label, body)) = answers::lookup(&endpoint.state, found).await
    {
        *label = stored_label;
        return respond_body(StatusCode::OK, body, media, &HeaderMap::new());
    }
    // Parsed once per distinct text; async-graphql runs on the request's copy.
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let doc = match endpoint.parsed.parse(&mut request) {
        Err(e) => return request_error(media, &e.message, "GRAPHQL_PARSE_FAILED"),
        Ok(doc) => doc,
    };
    *label = operation::label(&doc, operation_name.as_deref());
    let (schema, is_query) = match admit(endpoint, &doc, operation_name.as_deref(), &variables, listed) {
        Err(refusal) => return request_error(media, &refusal.message, refusal.code),
        Ok((_, OperationType::Subscription)) => {
            return request_error(
                media,
                "Subscriptions are served over WebSocket (graphql-transport-ws) or Server-Sent Events \
                 (POST with Accept: text/event-stream) at /graphql.",
                "BAD_REQUEST",
            );
        }
        Ok((schema, ty)) => (schema.clone(), ty == OperationType::Query),
    };
    if !is_query {
        slot = None;
    }
    match answers::execute(&endpoint.state, &schema, request, &doc, ctx, slot, label).await {
        // The cached bytes go to the socket as they are: no parse, no copy.
        Answer::Cached(body) => respond_body(StatusCode::OK, body, media, &HeaderMap::new()),
        Answer::Fresh(response) => respond(&response, media),
    }
}

/// Why a document may not run, before any work.
pub struct Refusal {
    pub message: String,
    pub code: &'static str,
}

impl Refusal {
    fn new(message: impl Into<String>, code: &'static str) -> Self {
        Self { message: message.into(), code }
    }
}

/// The checks every transport (HTTP, WebSocket, SSE) applies to a parsed document before it runs:
/// the limits, the trusted-documents list, and which schema runs it. Returns that schema and the
/// operation's type.
pub fn admit<'e>(
    endpoint: &'e GraphqlEndpoint,
    doc: &async_graphql::parser::types::ExecutableDocument,
    operation_name: Option<&str>,
    variables: &async_graphql::Variables,
    listed: bool,
) -> Result<(&'e crate::graphql::AppSchema, OperationType), Refusal> {
    // No such operation: async-graphql's validation says so, in its words.
    let ty = operation::chosen(doc, operation_name).map_or(OperationType::Query, |op| op.node.ty);
    let counts = limits::counts(doc, operation_name, &endpoint.costs, variables);
    if counts.aliases > endpoint.limits.max_aliases {
        let message = format!("This query uses {} aliases; at most {} are allowed.", counts.aliases, endpoint.limits.max_aliases);
        return Err(Refusal::new(message, "QUERY_TOO_COMPLEX"));
    }
    if counts.lead_lookups > endpoint.limits.max_lead_ids {
        let message = format!(
            "This query looks up {} records by id; at most {} are allowed.",
            counts.lead_lookups, endpoint.limits.max_lead_ids
        );
        return Err(Refusal::new(message, "QUERY_TOO_COMPLEX"));
    }
    let introspection_only = limits::is_introspection_only(doc);
    // Trusted documents: what is not listed does not run (pure introspection only when allowed).
    if endpoint.documents.trusted_only() && !listed && !(introspection_only && endpoint.limits.introspection) {
        return Err(Refusal::new(DocumentError::NotInList.to_string(), DocumentError::NotInList.code()));
    }
    if counts.complexity > endpoint.limits.max_complexity && !introspection_only {
        let message = format!(
            "Query is too complex: it costs {}, at most {} is allowed (a list of N records costs N × its selection).",
            counts.complexity, endpoint.limits.max_complexity
        );
        return Err(Refusal::new(message, "QUERY_TOO_COMPLEX"));
    }
    let schema = if introspection_only { &endpoint.schemas.introspection } else { &endpoint.schemas.limited };
    Ok((schema, ty))
}

/// A request refused before execution, shaped as the spec says for the negotiated media type.
fn request_error(media: MediaType, message: &str, code: &'static str) -> Response {
    let response = async_graphql::Response::from_errors(vec![async_graphql::ServerError::new(message, None)]);
    respond_labelled(&response, media, code)
}

/// Request errors from async-graphql carry no code; give them the ones Apollo uses.
fn request_error_code(message: &str, default_code: &'static str) -> &'static str {
    if message.starts_with("Query is too complex") || message.starts_with("Query is nested too deep") {
        "QUERY_TOO_COMPLEX"
    } else {
        default_code
    }
}

/// `async_graphql::Response`'s JSON shape, with the errors labelled and `data` optional.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

fn respond(response: &async_graphql::Response, media: MediaType) -> Response {
    respond_labelled(response, media, "GRAPHQL_VALIDATION_FAILED")
}

/// The body is always serialised from the response itself (never through `serde_json::Value`,
/// whose maps sort their keys): the answer's keys keep the order of the selection set.
fn respond_labelled(response: &async_graphql::Response, media: MediaType, default_code: &'static str) -> Response {
    // Errors before execution (parse, validation, variable coercion) carry no path and leave no data.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let (status, bytes) = if response.errors.iter().all(|e| !e.path.is_empty()) {
        // The common case (data, maybe field errors): serialised once, straight to bytes.
        (StatusCode::OK, serde_json::to_vec(response))
    } else {
        let mut errors = response.errors.clone();
        for error in errors.iter_mut().filter(|e| e.path.is_empty()) {
            let extensions = error.extensions.get_or_insert_with(Default::default);
            if extensions.get("code").is_none() {
                extensions.set("code", request_error_code(&error.message, default_code));
            }
        }
        // The spec's request error (graphql-response+json): 400, and no `data` key at all.
        let refused = request_error && media == MediaType::GraphqlResponseJson;
        let body = Body { data: (!refused).then_some(&response.data), errors: &errors, extensions: &response.extensions };
        (if refused { StatusCode::BAD_REQUEST } else { StatusCode::OK }, serde_json::to_vec(&body))
    };
    let bytes = bytes.unwrap_or_else(|_| br#"{"errors":[{"message":"Internal error."}]}"#.to_vec());
    let mut http = respond_body(status, Bytes::from(bytes), media, &response.http_headers);
    if !response.errors.is_empty() {
        // Read by `execute` for the metrics outcome; extensions never leave the process.
        http.extensions_mut().insert(HadErrors);
    }
    http
}

fn respond_body(status: StatusCode, body: Bytes, media: MediaType, extra: &HeaderMap) -> Response {
    let content_type = match media {
        MediaType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        MediaType::Json => "application/json; charset=utf-8",
    };
    let mut http = (status, body).into_response();
    http.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    no_store(http.headers_mut());
    for (name, value) in extra.iter() {
        http.headers_mut().append(name, value.clone());
    }
    http
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("application/json")), Some(MediaType::Json));
        assert_eq!(
            negotiate(&accept("application/graphql-response+json, application/json;q=0.9")),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
    }

    #[test]
    fn mutations_are_recognised() {
        assert!(is_mutation("mutation { logout }", None));
        assert!(!is_mutation("{ me { expiresAt } }", None));
        assert!(is_mutation("query A { me { expiresAt } } mutation B { logout }", Some("B")));
        assert!(!is_mutation("query A { me { expiresAt } } mutation B { logout }", Some("A")));
    }
}
