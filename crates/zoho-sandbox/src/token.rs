//! The token endpoint `POST /oauth/v2/token` (§1.5, §1.6): the authorization_code and refresh_token
//! grants, always HTTP 200 with JSON, errors as `{"error":…}`, the refresh throttle, client
//! credentials from the form, the query string or HTTP Basic.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::faults::{self, Fault};
use super::http::{Params, json as json_response, raw_json};
use super::state::Shared;

/// `POST /oauth/v2/token` (§1.5, §1.6): always HTTP 200 + JSON, errors as `{"error":"…"}`.
pub(crate) async fn token(shared: &Shared, dc: usize, headers: &HeaderMap, params: &Params) -> Response {
    let label = match params.get("grant_type") {
        Some("authorization_code") => "token.authorization_code",
        Some("refresh_token") => "token.refresh_token",
        _ => "token.other",
    };
    let fault = {
        let mut inner = shared.lock();
        inner.calls.record(label);
        faults::take(&mut inner.faults, label, false)
    };
    match fault {
        Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (code, _) = faults::status_code_text(status.as_u16());
            return json_response(status, &json!({ "error": code.to_ascii_lowercase() }));
        }
        Some(Fault::MalformedJson) => {
            return raw_json(StatusCode::OK, r#"{"access_token":"1000.3f2a"#.to_string());
        }
        Some(Fault::RefreshThrottled) => return access_denied(),
        Some(Fault::TokenError(error)) => return token_error(&error),
        None => {}
    }

    let (client_id, client_secret) = client_credentials(headers, params);
    let config = &shared.config;
    if client_id.as_deref() != Some(config.client_id.as_str()) {
        return token_error("invalid_client");
    }
    if client_secret.as_deref() != Some(config.client_secret.as_str()) {
        return token_error("invalid_client_secret");
    }
    match label {
        "token.authorization_code" => exchange_code(shared, dc, params),
        "token.refresh_token" => refresh(shared, dc, params),
        // Zoho's answer to an unknown grant type is UNCONFIRMED; this is RFC 6749's name.
        _ => token_error("unsupported_grant_type"),
    }
}

fn exchange_code(shared: &Shared, dc: usize, params: &Params) -> Response {
    let config = &shared.config;
    let mut inner = shared.lock();
    let Some(code) = params.non_empty("code") else {
        return token_error("invalid_code");
    };
    let Some(grant) = inner.codes.get(code) else {
        return token_error("invalid_code");
    };
    // A code is only known to the accounts server of the user's data centre (§1.4).
    if grant.dc != dc {
        return token_error("invalid_code");
    }
    if grant.issued.elapsed() >= config.code_ttl {
        inner.codes.remove(code);
        return token_error("invalid_code");
    }
    if grant.client_id != config.client_id {
        return token_error("invalid_client");
    }
    if params.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return token_error("invalid_redirect_uri");
    }
    if let Some((method, challenge)) = &grant.pkce {
        // PKCE is optional for web apps (§1.3); when the code carries a challenge it is enforced.
        let verified = params.get("code_verifier").is_some_and(|verifier| match method.as_str() {
            "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == *challenge,
            _ => verifier == challenge,
        });
        if !verified {
            return token_error("invalid_code");
        }
    }
    // Single use: the code is gone once exchanged (§1.4).
    let Some(grant) = inner.codes.remove(code) else {
        return token_error("invalid_code");
    };
    let refresh_token =
        grant.with_refresh_token.then(|| inner.add_refresh_token(grant.user, dc, &grant.client_id, &grant.scopes));
    let expires = Instant::now() + config.access_token_ttl;
    let access_token = inner.mint_access_token(
        grant.user,
        dc,
        &grant.scopes,
        refresh_token.as_deref(),
        expires,
        config.max_access_tokens_per_refresh_token,
    );
    drop(inner);
    token_success(shared, dc, &access_token, refresh_token.as_deref(), &grant.scopes)
}

fn refresh(shared: &Shared, dc: usize, params: &Params) -> Response {
    let config = &shared.config;
    let mut inner = shared.lock();
    let Some(refresh_token) = params.non_empty("refresh_token") else {
        return token_error("invalid_code");
    };
    // An unknown or revoked refresh token answers `invalid_code` (§1.5 table).
    let Some(state) = inner.refresh_tokens.get_mut(refresh_token) else {
        return token_error("invalid_code");
    };
    // Refresh tokens are bound to their data centre (§1.8): another one does not know them.
    if state.dc != dc {
        return token_error("invalid_code");
    }
    if state.client_id != config.client_id {
        return token_error("invalid_client");
    }
    let now = Instant::now();
    let window = config.refresh_window;
    while state.minted.front().is_some_and(|t| now.duration_since(*t) >= window) {
        state.minted.pop_front();
    }
    // Only refresh grants count toward "10 access tokens per refresh token per 10 minutes" (§1.8).
    if state.minted.len() >= config.refresh_limit as usize {
        return access_denied();
    }
    state.minted.push_back(now);
    let (user, scopes) = (state.user, state.scopes.clone());
    let access_token = inner.mint_access_token(
        user,
        dc,
        &scopes,
        Some(refresh_token),
        now + config.access_token_ttl,
        config.max_access_tokens_per_refresh_token,
    );
    drop(inner);
    // No refresh_token in a refresh answer: the old one stays valid (§1.6).
    token_success(shared, dc, &access_token, None, &scopes)
}

fn token_success(shared: &Shared, dc: usize, access_token: &str, refresh_token: Option<&str>, scopes: &[String]) -> Response {
    // The API domain of the data centre that issued the token (§1.5, §5.7 gotcha 1).
    let api_domain = shared.data_centres.get(dc).map_or(shared.api_url.as_str(), |d| d.api_url.as_str());
    let mut body = json!({
        "access_token": access_token,
        // The optional `scope` member is space-separated in Zoho's examples (§1.5).
        "scope": scopes.join(" "),
        "api_domain": api_domain,
        "token_type": "Bearer",
        "expires_in": whole_seconds(shared.config.access_token_ttl),
    });
    if let (Some(refresh_token), Value::Object(map)) = (refresh_token, &mut body) {
        map.insert("refresh_token".into(), json!(refresh_token));
    }
    json_response(StatusCode::OK, &body)
}

fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// Client id and secret from HTTP Basic (if present) or the parameters (§1.5).
fn client_credentials(headers: &HeaderMap, params: &Params) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .and_then(|text| text.split_once(':').map(|(id, secret)| (id.to_string(), secret.to_string())));
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (params.get("client_id").map(str::to_string), params.get("client_secret").map(str::to_string)),
    }
}

/// Token-endpoint errors are HTTP 200 with `{"error":"…"}` (§1.5, confirmed quirk).
pub(crate) fn token_error(error: &str) -> Response {
    json_response(StatusCode::OK, &json!({ "error": error }))
}

/// The refresh throttle's body (§1.5); its HTTP status is UNCONFIRMED, 200 like the other errors.
fn access_denied() -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "error": "Access Denied",
            "error_description": "You have made too many requests continuously. Please try again after some time.",
            "status": "failure",
        }),
    )
}
