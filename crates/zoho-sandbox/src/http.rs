//! Response helpers shared by both listeners: Zoho's JSON content type, the request-level error
//! envelope (§2.10), body-less 204, and query/form parsing that never fails on bad input.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Zoho's exact content type for JSON answers (§1.5, §2.1); the Python SDK picks its parser from it.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// A JSON answer with Zoho's content type.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    raw_json(status, body.to_string())
}

/// A JSON content-typed answer with a body given as text (also used for the malformed-JSON fault).
pub(crate) fn raw_json(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    response
}

/// "No data": HTTP 204 with an empty body and no content type (§2.1; §5.7 gotcha 2).
pub(crate) fn no_content() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// A request-level Zoho error: `{"code":…,"details":{…},"message":…,"status":"error"}` (§2.10).
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: &str) -> Self {
        ApiError { status, code, message: message.to_string(), details: json!({}) }
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// 400 `INVALID_DATA` about a query parameter.
    pub fn invalid_param(param: &str) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data").details(json!({ "param_name": param }))
    }

    /// 400 `REQUIRED_PARAM_MISSING` (§2.2).
    pub fn missing_param(param: &str) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing")
            .details(json!({ "param_name": param }))
    }

    /// 401 `OAUTH_SCOPE_MISMATCH`: the token lacks a scope the call needs (§2.10).
    pub fn scope_mismatch() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL")
    }

    pub fn body(&self) -> Value {
        json!({
            "code": self.code,
            "details": self.details,
            "message": self.message,
            "status": "error",
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json(self.status, &self.body())
    }
}

/// Query or form parameters in order; the first occurrence of a name wins.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `application/x-www-form-urlencoded` text; malformed escapes are kept literally.
    pub fn parse(text: &str) -> Self {
        Params(url::form_urlencoded::parse(text.as_bytes()).into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// A parameter that is present and not blank.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|value| !value.trim().is_empty())
    }

    /// Adds the pairs of `other` whose names are not present yet.
    pub fn merge(&mut self, other: Params) {
        for (key, value) in other.0 {
            if self.get(&key).is_none() {
                self.0.push((key, value));
            }
        }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}
