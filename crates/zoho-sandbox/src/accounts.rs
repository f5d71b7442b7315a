//! The simulated Zoho accounts server (§1): `GET /oauth/v2/auth` (consent page or direct redirect
//! with a code), `POST /oauth/v2/token` (authorization_code and refresh_token grants, always HTTP 200
//! with JSON, errors as `{"error":…}`), `POST /oauth/v2/token/revoke`. One router per data
//! centre (`dc`, an index into `Shared::data_centres`). With the HTTP switch on, also the sandbox's
//! own controls: `/sandbox/faults` and `/sandbox/ui-edit`.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::consent;
use super::faults::{self, Fault};
use super::http::{Params, json as json_response, raw_json};
use super::state::{Grant, Shared};
use super::token::{token, token_error};

/// Largest token/revoke request body read; real ones are a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;

pub(crate) fn router(shared: Arc<Shared>, dc: usize) -> Router {
    Router::new().fallback(entry).with_state((shared, dc))
}

async fn entry(State((shared, dc)): State<(Arc<Shared>, usize)>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let query = Params::parse(parts.uri.query().unwrap_or(""));
    let path = parts.uri.path().trim_end_matches('/');
    match (path, &parts.method) {
        ("/oauth/v2/auth", &Method::GET) => authorize(&shared, &query),
        ("/oauth/v2/token", &Method::POST) | ("/oauth/v2/token/revoke", &Method::POST) => {
            let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
                return token_error("invalid_request");
            };
            let mut params = Params::parse(&String::from_utf8_lossy(&body_form(&parts.headers, &body)));
            // Zoho takes the parameters from the query string or the body (§1.5).
            params.merge(query);
            if path == "/oauth/v2/token" {
                token(&shared, dc, &parts.headers, &params).await
            } else {
                revoke(&shared, dc, &params).await
            }
        }
        ("/sandbox/faults", &Method::POST | &Method::DELETE) if shared.config.http_fault_switch => {
            let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
                return (StatusCode::PAYLOAD_TOO_LARGE, "too large").into_response();
            };
            fault_switch(&shared, &parts.method, &body)
        }
        // A change "made in Zoho's UI", for browser tests and demos (see `crm/ui.rs`).
        ("/sandbox/ui-edit", &Method::POST) if shared.config.http_fault_switch => {
            let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
                return (StatusCode::PAYLOAD_TOO_LARGE, "too large").into_response();
            };
            super::crm::ui::http(&shared, &body)
        }
        ("/oauth/v2/auth" | "/oauth/v2/token" | "/oauth/v2/token/revoke", _) => {
            (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response()
        }
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The HTTP fault switch (only with `SandboxConfig::http_fault_switch`): `POST` a JSON body
/// `{"status": 429, "latency_ms": 0, "times": null, "endpoint": "leads.list"}` to add a rule
/// (`status` or `latency_ms`; `times` and `endpoint` optional), `DELETE` to clear every rule.
fn fault_switch(shared: &Shared, method: &Method, body: &Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Rule {
        status: Option<u16>,
        latency_ms: Option<u64>,
        times: Option<u32>,
        endpoint: Option<String>,
    }
    if method == Method::DELETE {
        shared.lock().faults.clear();
        return (StatusCode::OK, "cleared").into_response();
    }
    let Ok(rule) = serde_json::from_slice::<Rule>(body) else {
        return (StatusCode::BAD_REQUEST, "expected {\"status\": 429} or {\"latency_ms\": 1000}").into_response();
    };
    let fault = match (rule.status, rule.latency_ms) {
        (Some(status), None) if (400..=599).contains(&status) => super::Fault::Status(status),
        (None, Some(ms)) if ms <= 60_000 => super::Fault::Latency(std::time::Duration::from_millis(ms)),
        _ => return (StatusCode::BAD_REQUEST, "give either a 4xx/5xx status or latency_ms ≤ 60000").into_response(),
    };
    shared.lock().faults.push(super::FaultRule { fault, times: rule.times, endpoint: rule.endpoint });
    (StatusCode::OK, "added").into_response()
}

/// Only a form body carries parameters; multipart bodies (which Zoho also accepts) are not parsed.
fn body_form(headers: &HeaderMap, body: &Bytes) -> Bytes {
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/x-www-form-urlencoded");
    if content_type.to_ascii_lowercase().starts_with("multipart/") { Bytes::new() } else { body.clone() }
}

/// `GET /oauth/v2/auth` (§1.2, §1.4, §1.11).
fn authorize(shared: &Shared, params: &Params) -> Response {
    shared.lock().calls.record("auth");
    let config = &shared.config;
    if params.get("client_id") != Some(config.client_id.as_str()) {
        return consent::error_page("Invalid client", "The client_id is not registered with this sandbox.");
    }
    let Some(redirect_uri) = params.non_empty("redirect_uri") else {
        return consent::error_page("Invalid redirect URI", "The redirect_uri parameter is missing.");
    };
    if !shared.lock().redirect_uris.iter().any(|uri| uri == redirect_uri) {
        return consent::error_page(
            "Invalid redirect URI",
            &format!("{redirect_uri} is not a registered redirect URI of this client."),
        );
    }
    if params.get("response_type") != Some("code") {
        return consent::error_page("Invalid response type", "response_type must be code.");
    }
    let scope_text = params.get("scope").unwrap_or("");
    let scopes = super::scopes::parse_scopes(scope_text);
    if scopes.is_empty() {
        return consent::error_page("Invalid scope", "The scope parameter is missing.");
    }
    // Zoho's scope list is comma-separated (§1.2) and every scope must exist (§1.10).
    if scope_text.contains(char::is_whitespace) {
        return consent::error_page("Invalid OAuth scope", "Scopes are separated by commas, not spaces.");
    }
    let org_modules: Vec<String> = shared.lock().org.modules.iter().map(|m| m.api_name.clone()).collect();
    if let Some(unknown) = scopes.iter().find(|scope| !super::scopes::is_known(scope, &org_modules)) {
        return consent::error_page("Invalid OAuth scope", &format!("The scope {unknown} does not exist."));
    }
    let state = params.get("state");
    if params.get("sandbox_action") == Some("deny") {
        // The denial redirect's form is UNCONFIRMED for Zoho; RFC 6749's `error=access_denied` (§1.4).
        return redirect(redirect_uri, &[("error", "access_denied")], state);
    }
    let Some(wanted) = params.non_empty("sandbox_user") else {
        return consent::choose_user_page(params, &shared.users);
    };
    let Some(user) = shared.user_index(wanted) else {
        return consent::error_page("Unknown user", "sandbox_user must be admin, coordinator, advisor or one of their emails.");
    };
    let pkce = params.non_empty("code_challenge").map(|challenge| {
        let method = params.get("code_challenge_method").unwrap_or("plain");
        (method.to_string(), challenge.to_string())
    });
    let offline = params.get("access_type").is_some_and(|v| v.eq_ignore_ascii_case("offline"));
    let prompt_consent = params.get("prompt").is_some_and(|v| v.eq_ignore_ascii_case("consent"));
    // Whichever accounts server the user started on, the redirect names the data centre they live
    // in; the client must exchange the code there (§1.4, §1.9).
    let home = shared.home_dc(user);
    let code = {
        let mut inner = shared.lock();
        let now = Instant::now();
        let ttl = config.code_ttl;
        inner.codes.retain(|_, grant| now.duration_since(grant.issued) < ttl);
        // A refresh token comes only with offline access, and only on the first consent unless the
        // app forces the consent screen again (§1.5).
        let first_consent = inner.consented.insert((user, config.client_id.clone()));
        let code = super::state::new_token();
        inner.record.code(&code);
        inner.codes.insert(
            code.clone(),
            Grant {
                user,
                dc: home,
                client_id: config.client_id.clone(),
                redirect_uri: redirect_uri.to_string(),
                scopes,
                issued: now,
                with_refresh_token: offline && (first_consent || prompt_consent),
                pkce,
            },
        );
        code
    };
    let Some(dc) = shared.data_centres.get(home) else {
        return consent::error_page("Unknown data centre", "The user's data centre is not running.");
    };
    redirect(redirect_uri, &[("code", &code), ("location", &dc.location), ("accounts-server", &dc.accounts_url)], state)
}

fn redirect(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return consent::error_page("Invalid redirect URI", "The redirect_uri is not a valid URL.");
    };
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in pairs {
            query.append_pair(key, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(url.as_str()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// `POST /oauth/v2/token/revoke?token=…` (§1.7): `{"status":"success"}`; an unknown token answers
/// HTTP 400 `{"error":"invalid_token","status":"failure"}` (the exact body is our choice).
async fn revoke(shared: &Shared, dc: usize, params: &Params) -> Response {
    let fault = {
        let mut inner = shared.lock();
        inner.calls.record("token.revoke");
        faults::take(&mut inner.faults, "token.revoke", false)
    };
    match fault {
        Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return json_response(status, &json!({ "status": "failure" }));
        }
        Some(Fault::MalformedJson) => {
            return raw_json(StatusCode::OK, r#"{"status":"succ"#.to_string());
        }
        _ => {}
    }
    // Tokens live in the data centre that issued them (§1.8): another one does not know them.
    let revoked = params.non_empty("token").is_some_and(|token| {
        let mut inner = shared.lock();
        let here = inner.refresh_tokens.get(token).map(|t| t.dc).or_else(|| inner.access_tokens.get(token).map(|t| t.dc));
        here == Some(dc) && inner.revoke(token)
    });
    if revoked {
        json_response(StatusCode::OK, &json!({ "status": "success" }))
    } else {
        json_response(StatusCode::BAD_REQUEST, &json!({ "error": "invalid_token", "status": "failure" }))
    }
}
