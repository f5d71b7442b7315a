//! The student portal and GraphiQL: the files of `playground/`, built into the binary, so a release
//! binary moved anywhere serves them with no npm step and no network (GraphiQL's assets are vendored
//! in `playground/vendor/`). `GATEWAY_PORTAL_DIR` names a folder whose files take precedence, file by
//! file, for portal development or a portal of one's own.

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "playground/"]
// What npm and the vendoring script need, not what a browser should get.
#[exclude = "node_modules/*"]
#[exclude = "package.json"]
#[exclude = "package-lock.json"]
#[exclude = "vendor.mjs"]
#[exclude = "trusted-documents.*"]
struct Embedded;

/// GraphiQL's page, served at `/playground`.
pub const GRAPHIQL_PAGE: &str = "graphiql.html";

/// The files under `/`: the folder's first (when configured), then the built-in ones.
pub fn attach(router: axum::Router, dir: Option<&Path>) -> axum::Router {
    let embedded = axum::handler::HandlerWithoutStateExt::into_service(serve_embedded);
    match dir {
        Some(dir) => router
            .fallback_service(tower_http::services::ServeDir::new(dir).append_index_html_on_directories(true).fallback(embedded)),
        None => router.fallback_service(embedded),
    }
}

/// GraphiQL's page: the folder's copy when it has one, else the built-in one.
pub async fn graphiql(dir: Option<&Path>, headers: &HeaderMap) -> Response {
    if let Some(dir) = dir
        && let Ok(page) = tokio::fs::read(dir.join(GRAPHIQL_PAGE)).await
    {
        return ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response();
    }
    embedded_file(GRAPHIQL_PAGE, headers)
}

async fn serve_embedded(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.to_owned() };
    embedded_file(&path, &headers)
}

/// One built-in file, revalidated by its content hash: browsers keep it and ask again with
/// `If-None-Match`, so a new binary's portal is picked up at once and an unchanged one costs a 304.
fn embedded_file(path: &str, headers: &HeaderMap) -> Response {
    let Some(file) = Embedded::get(path) else {
        return super::not_found_page();
    };
    let etag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(file.metadata.sha256_hash()));
    let cache = [(header::ETAG, etag.clone()), (header::CACHE_CONTROL, "no-cache".to_owned())];
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let mime = file.metadata.mimetype();
    let content_type = if mime.starts_with("text/") || mime.ends_with("javascript") || mime.ends_with("json") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    };
    let body = match file.data {
        std::borrow::Cow::Borrowed(bytes) => Body::from(bytes),
        std::borrow::Cow::Owned(bytes) => Body::from(bytes),
    };
    let mut response = (cache, body).into_response();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}
