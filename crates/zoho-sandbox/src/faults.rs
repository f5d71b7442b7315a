//! The fault switch: tests make the sandbox fail as told (error statuses, latency, truncated JSON,
//! a throttled token endpoint) to exercise the gateway's retries, timeouts and error mapping.

use std::time::Duration;

/// A failure to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The call answers this HTTP status with Zoho's request-level error envelope (§2.10), e.g. 429
    /// `TOO_MANY_REQUESTS`, 500 `INTERNAL_ERROR`. On the token endpoint (only when a rule names a
    /// `token.*` label) the body is `{"error":"…"}` instead.
    Status(u16),
    /// Waits this long (while counted as in flight) and then answers normally.
    Latency(Duration),
    /// Answers 200 with a JSON content type and a truncated JSON body.
    MalformedJson,
    /// The refresh grant answers Zoho's `Access Denied` throttle body (§1.5), as if the limit was hit.
    RefreshThrottled,
    /// The token endpoint answers HTTP 200 `{"error":"<this>"}` (e.g. `invalid_code`) for any grant.
    TokenError(String),
}

/// A fault with limits: how many times it fires and for which endpoint label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// What to inject.
    pub fault: Fault,
    /// Fire this many times, then disappear; `None` = until cleared.
    pub times: Option<u32>,
    /// Only calls with this label (see [`super::CallCounts`]); `None` = every call the fault applies
    /// to by default: API calls for `Status`/`Latency`/`MalformedJson`, the token endpoint for the
    /// token faults.
    pub endpoint: Option<String>,
}

impl From<Fault> for FaultRule {
    fn from(fault: Fault) -> Self {
        FaultRule { fault, times: None, endpoint: None }
    }
}

impl FaultRule {
    /// A rule that fires `times` times on every call it applies to.
    pub fn times(fault: Fault, times: u32) -> Self {
        FaultRule { fault, times: Some(times), endpoint: None }
    }

    /// Restricts the rule to one endpoint label.
    pub fn on(mut self, endpoint: &str) -> Self {
        self.endpoint = Some(endpoint.to_string());
        self
    }

    /// Whether this rule fires for a call with `label` on the API (`api == true`) or accounts listener.
    fn applies(&self, label: &str, api: bool) -> bool {
        if self.times == Some(0) {
            return false;
        }
        match &self.endpoint {
            Some(endpoint) => endpoint == label && self.fault.fits(label, api),
            None => match self.fault {
                Fault::Status(_) | Fault::Latency(_) | Fault::MalformedJson => api,
                Fault::RefreshThrottled => label == "token.refresh_token",
                Fault::TokenError(_) => label.starts_with("token.") && label != "token.revoke",
            },
        }
    }
}

impl Fault {
    /// Whether the fault makes sense for the endpoint at all (a named endpoint may still not fit).
    fn fits(&self, label: &str, api: bool) -> bool {
        match self {
            Fault::Status(_) | Fault::Latency(_) | Fault::MalformedJson => true,
            Fault::RefreshThrottled => label == "token.refresh_token",
            Fault::TokenError(_) => !api && label.starts_with("token."),
        }
    }
}

/// Takes the first rule that applies, counting one use of it; used rules with `times` run out.
pub(crate) fn take(rules: &mut Vec<FaultRule>, label: &str, api: bool) -> Option<Fault> {
    let index = rules.iter().position(|rule| rule.applies(label, api))?;
    let rule = &mut rules[index];
    let fault = rule.fault.clone();
    if let Some(times) = rule.times.as_mut() {
        *times = times.saturating_sub(1);
        if *times == 0 {
            rules.remove(index);
        }
    }
    Some(fault)
}

/// Zoho's error code and message for an injected status (§2.10).
pub(crate) fn status_code_text(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("INVALID_DATA", "invalid data"),
        401 => ("INVALID_TOKEN", "invalid oauth token"),
        403 => ("NO_PERMISSION", "permission denied"),
        404 => ("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"),
        429 => ("TOO_MANY_REQUESTS", "too many requests"),
        503 => ("SERVICE_UNAVAILABLE", "Service temporarily unavailable"),
        _ => ("INTERNAL_ERROR", "Internal Server Error"),
    }
}
