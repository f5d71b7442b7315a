//! HTTP routes: `/graphql` (our spec-following handler), `/playground` (GraphiQL), health
//! probes, and the student portal's static files at `/`.

pub mod graphql;
pub mod live;
mod portal;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::graphql::Schemas;
use crate::graphql::limits::QueryLimits;
use crate::state::AppState;

/// GraphQL bodies above this are refused with 413 (a portal query is a few KiB).
const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(
    state: Arc<AppState>,
    schemas: Schemas,
    documents: crate::graphql::documents::Documents,
    limits: QueryLimits,
    cors_origins: &[String],
) -> Router {
    let costs = crate::graphql::limits::Costs::new(&state.model);
    let origins = cors_origins.to_vec();
    let endpoint = Arc::new(graphql::GraphqlEndpoint {
        schemas,
        documents,
        parsed: Default::default(),
        limits,
        costs,
        state: state.clone(),
        origins,
    });
    let graphql_routes = Router::new()
        .route("/graphql", get(graphql::get_or_upgrade).post(graphql::post))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(endpoint);
    let portal_dir = state.portal_dir.clone();
    let callbacks = Router::new()
        .route(crate::notifications::CALLBACK_PATH, axum::routing::post(notification))
        .layer(DefaultBodyLimit::max(CALLBACK_BODY_LIMIT))
        .with_state(state.clone());
    let routes = Router::new()
        .route("/playground", get(playground))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state)
        .merge(graphql_routes)
        .merge(callbacks);
    portal::attach(routes, portal_dir.as_deref())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        // No MIME sniffing, and no referrer beyond this origin.
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(cors(cors_origins))
        // Outermost: every request gets an id (kept if a proxy sent one), carried by its log
        // span and returned as `x-request-id`.
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
}

/// Browser hardening for the portal and GraphiQL (harmless on JSON answers): scripts only from this
/// origin, never inline; no framing; no plugins. Inline styles stay allowed: GraphiQL's React
/// components set them.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    // The path only: a query string may carry a GraphQL document with user data.
    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
}

/// Any path that is neither a route nor a portal file: say what exists instead of an empty body.
/// The path is not echoed back (it is the client's input).
fn not_found_page() -> Response {
    const ROUTES: &str = "Not found. This gateway serves:\n  \
        /graphql     the GraphQL API (POST JSON, or GET for queries; subscriptions over WebSocket or SSE)\n  \
        /playground  GraphiQL, to explore the schema\n  \
        /            the student portal\n  \
        /healthz     liveness probe\n  \
        /readyz      readiness probe (the store answers)\n\
        (Prometheus metrics are served on GATEWAY_METRICS_BIND, not here.)\n";
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], ROUTES).into_response()
}

/// `/metrics` alone, for its own listener (`GATEWAY_METRICS_BIND`).
pub fn metrics_router() -> Router {
    Router::new().route("/metrics", get(metrics)).fallback(|| async { StatusCode::NOT_FOUND })
}

/// Prometheus text format.
async fn metrics() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::telemetry::metrics_handle().render()).into_response()
}

/// CORS only for configured origins, with credentials (the session cookie) only for them.
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        // No Access-Control-* headers at all: browsers keep other origins out.
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("apollo-require-preflight"),
            HeaderName::from_static("x-apollo-operation-name"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// GraphiQL, with its assets from this gateway (never a CDN).
async fn playground(State(state): State<Arc<AppState>>, headers: axum::http::HeaderMap) -> Response {
    portal::graphiql(state.portal_dir.as_deref(), &headers).await
}

/// Zoho's callbacks carry ids, not records: a few KiB at most.
const CALLBACK_BODY_LIMIT: usize = 64 * 1024;

/// `POST /zoho/notifications`: Zoho says records of an org changed. Checked against the channel
/// it names (401 and a log line otherwise, nothing dropped); answered at once, since Zoho does not
/// wait for the receiver's work.
async fn notification(State(state): State<Arc<AppState>>, body: axum::body::Bytes) -> Response {
    let Some(live) = &state.notifications else {
        return not_found_page();
    };
    let verified = serde_json::from_slice::<crate::notifications::Callback>(&body)
        .map_err(|_| crate::notifications::Refused::Malformed)
        .and_then(|callback| live.verify(&callback).map(|org| (org, callback)));
    match verified {
        Ok((org, callback)) => {
            tracing::debug!(
                org,
                operation = callback.operation.as_deref().unwrap_or_default(),
                ids = callback.ids.len(),
                "Zoho notification"
            );
            live.changed(&org, &callback);
            (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], "ok").into_response()
        }
        Err(refused) => {
            tracing::warn!(reason = %refused, "refused a notification callback");
            (StatusCode::UNAUTHORIZED, [(header::CACHE_CONTROL, "no-store")], "not a notification of this gateway")
                .into_response()
        }
    }
}

/// Ready when the store answers.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "store not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, [(header::CACHE_CONTROL, "no-store")], "store unreachable").into_response()
        }
    }
}
