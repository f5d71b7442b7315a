//! What can go wrong talking to the CRM API, classified from Zoho's two error envelopes
//! (request-level `{code, details, message, status}` and per-record `data[i]`, zoho-api.md §2.10).

use serde::Deserialize;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ZohoError {
    /// 401 `INVALID_TOKEN` / `AUTHENTICATION_FAILURE`: the access token is expired or revoked.
    #[error("access token rejected ({0})")]
    InvalidToken(String),
    /// 401 `OAUTH_SCOPE_MISMATCH`: the grant lacks a scope this call needs.
    #[error("grant lacks a scope for this call")]
    ScopeMismatch,
    /// 403 `NO_PERMISSION`: the user's role may not do this.
    #[error("no permission")]
    NoPermission,
    /// 429 `TOO_MANY_REQUESTS`: credits or concurrency exhausted.
    #[error("rate limited")]
    RateLimited,
    /// 429 once the org's API credits are spent (the last `X-API-CREDITS-REMAINING` was about
    /// zero, or Zoho's message says so): they free up over 24 hours, so retrying is pointless.
    #[error("API credits exhausted")]
    CreditsExhausted,
    /// A 4xx with a Zoho error code, request-level or for one record.
    #[error("zoho error {code} (api_name {api_name:?})")]
    Api { status: u16, code: String, api_name: Option<String>, message: String },
    /// 5xx from Zoho.
    #[error("zoho answered HTTP {0}")]
    Server(u16),
    /// Could not reach Zoho, or it did not answer in time.
    #[error("transport: {0}")]
    Transport(String),
    /// Zoho answered something we cannot read.
    #[error("unexpected response: {0}")]
    Protocol(String),
}

/// Zoho's error envelope, at the top level or inside `data[i]`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub code: Option<String>,
    #[serde(default)]
    pub details: serde_json::Value,
    #[serde(default)]
    pub message: Option<String>,
}

impl ZohoError {
    /// Classifies a non-success response from its status and (possibly empty) body.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        if status >= 500 {
            return Self::Server(status);
        }
        if status == 429 {
            return Self::RateLimited;
        }
        let parsed: Option<ErrorBody> = serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| {
            // Errors arrive top-level or as the first element of `data`.
            let inner = v.get("data").and_then(|d| d.get(0)).cloned().unwrap_or(v);
            serde_json::from_value(inner).ok()
        });
        match parsed {
            Some(body) => Self::from_body(status, body),
            None => match status {
                401 => Self::InvalidToken("no body".into()),
                403 => Self::NoPermission,
                _ => Self::Protocol(format!("HTTP {status} without a Zoho error body")),
            },
        }
    }

    pub fn from_body(status: u16, body: ErrorBody) -> Self {
        let code = body.code.unwrap_or_default();
        match code.as_str() {
            "INVALID_TOKEN" | "AUTHENTICATION_FAILURE" | "AUTHENTICATION_FAILED" | "INVALID_OAUTHTOKEN" => {
                Self::InvalidToken(code)
            }
            "OAUTH_SCOPE_MISMATCH" => Self::ScopeMismatch,
            "NO_PERMISSION" => Self::NoPermission,
            "TOO_MANY_REQUESTS" => Self::RateLimited,
            "INTERNAL_ERROR" => Self::Server(status.max(500)),
            _ => Self::Api {
                status,
                api_name: body.details.get("api_name").and_then(|v| v.as_str()).map(str::to_owned),
                message: body.message.unwrap_or_default(),
                code,
            },
        }
    }

    /// "The id given seems to be invalid": Zoho's way of saying a record does not exist (§2.5).
    pub fn is_unknown_id(&self) -> bool {
        matches!(self, Self::Api { code, api_name, message, .. }
            if code == "INVALID_DATA" && (api_name.as_deref() == Some("id") || message.contains("id given") || message.contains("not deleted")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_both_envelopes() {
        let e = ZohoError::from_response(
            401,
            br#"{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}"#,
        );
        assert!(matches!(e, ZohoError::InvalidToken(_)));
        let e = ZohoError::from_response(
            400,
            br#"{"data":[{"code":"MANDATORY_NOT_FOUND","details":{"api_name":"Last_Name","json_path":"$.data[0].Last_Name"},"message":"required field not found","status":"error"}]}"#,
        );
        assert!(
            matches!(e, ZohoError::Api { ref code, ref api_name, .. } if code == "MANDATORY_NOT_FOUND" && api_name.as_deref() == Some("Last_Name"))
        );
        assert!(matches!(
            ZohoError::from_response(
                403,
                br#"{"code":"NO_PERMISSION","details":{},"message":"permission denied","status":"error"}"#
            ),
            ZohoError::NoPermission
        ));
        assert!(matches!(ZohoError::from_response(429, b""), ZohoError::RateLimited));
        assert!(matches!(ZohoError::from_response(503, b"<html>"), ZohoError::Server(503)));
        assert!(matches!(ZohoError::from_response(400, b"{oops"), ZohoError::Protocol(_)));
        let e = ZohoError::from_response(400, br#"{"data":[{"code":"INVALID_DATA","details":{"id":"1"},"message":"the id given seems to be invalid","status":"error"}]}"#);
        assert!(e.is_unknown_id());
    }
}
