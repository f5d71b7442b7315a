//! HTTP routes: `/graphql` (our spec-following handler), `/playground` (GraphiQL), health
//! probes, and the student portal's static files at `/`.

pub mod graphql;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

use crate::app::AppState;
use crate::graphql::AppSchema;

/// GraphQL bodies above this are refused with 413 (a portal query is a few KiB).
const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: Arc<AppState>, schema: AppSchema) -> Router {
    let endpoint = Arc::new(graphql::GraphqlEndpoint {
        schema,
        state: state.clone(),
    });
    let graphql_routes = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(endpoint);
    let portal = ServeDir::new(&state.portal_dir).append_index_html_on_directories(true);
    Router::new()
        .route("/playground", get(playground))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state)
        .merge(graphql_routes)
        .fallback_service(portal)
}

/// GraphiQL: the portal folder's page (local assets from npm), or async-graphql's CDN page
/// when the portal folder has none.
async fn playground(State(state): State<Arc<AppState>>) -> Response {
    match tokio::fs::read_to_string(state.portal_dir.join("graphiql.html")).await {
        Ok(page) => Html(page).into_response(),
        Err(_) => Html(async_graphql::http::GraphiQLSource::build().endpoint("/graphql").finish()).into_response(),
    }
}

/// Ready when the store answers.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "store not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "store unreachable",
            )
                .into_response()
        }
    }
}
