//! The edge error: what a GraphQL client is told when something fails, with a stable
//! `extensions.code`. Inner errors (`ZohoError`, `StoreError`, `AuthError`, `CrmError`) convert into it once;
//! it converts into an `async_graphql::Error` once. Messages say what the client can act on and
//! never carry tokens, secrets, codes or Zoho internals; the cause is logged here, at the edge.

use async_graphql::ErrorExtensions as _;

/// Stable error codes, part of the API contract (README lists them).
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const UPSTREAM_UNAVAILABLE: &str = "UPSTREAM_UNAVAILABLE";
    pub const INTERNAL: &str = "INTERNAL";
    pub const SCHEMA_DRIFT: &str = "SCHEMA_DRIFT";
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    pub const TOO_MANY_SUBSCRIPTIONS: &str = "TOO_MANY_SUBSCRIPTIONS";
    pub const SLOW_CONSUMER: &str = "SLOW_CONSUMER";
}

/// Deliberately not `Display`: async-graphql turns any `Display` error into a code-less error,
/// so this type can only leave through `From<GatewayError> for async_graphql::Error`.
#[derive(Debug, Clone)]
pub enum GatewayError {
    /// No session, an expired one, or Zoho no longer honours the user's grant.
    Unauthenticated(&'static str),
    /// Zoho says the user's role may not do this (`NO_PERMISSION`).
    Forbidden,
    /// The record does not exist, or is not visible to this user.
    NotFound,
    /// The input is wrong; `field` names the GraphQL input field when one is to blame.
    BadUserInput { field: Option<String>, message: String },
    /// Zoho's API limits were hit (HTTP 429, or the token refresh throttle).
    RateLimited,
    /// The org's daily API credits are spent (a 429 that waiting seconds will not cure).
    CreditsExhausted,
    /// Zoho could not be reached, timed out or failed (5xx, malformed answers); the cause is
    /// logged at the edge, never sent.
    UpstreamUnavailable(String),
    /// A fault of ours; the cause is logged, the client gets a generic message.
    Internal(String),
    /// A field of the schema snapshot that Zoho no longer has (metadata drift): `field` is its
    /// GraphQL name, `api_name` Zoho's.
    SchemaDrift { module: String, field: String, api_name: String },
    /// The operation asks more of Zoho than one call can give (e.g. COQL's 50 columns).
    TooComplex(String),
    /// A session asked for more open subscriptions than allowed (the limit).
    TooManySubscriptions(usize),
    /// A subscriber fell too far behind the changes; its subscription ended.
    SlowConsumer,
}

impl GatewayError {
    pub fn bad_input(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::BadUserInput { field: field.map(str::to_owned), message: message.into() }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Forbidden => code::FORBIDDEN,
            Self::NotFound => code::NOT_FOUND,
            Self::BadUserInput { .. } => code::BAD_USER_INPUT,
            Self::RateLimited | Self::CreditsExhausted => code::RATE_LIMITED,
            Self::UpstreamUnavailable(_) => code::UPSTREAM_UNAVAILABLE,
            Self::Internal(_) => code::INTERNAL,
            Self::SchemaDrift { .. } => code::SCHEMA_DRIFT,
            Self::TooComplex(_) => code::QUERY_TOO_COMPLEX,
            Self::TooManySubscriptions(_) => code::TOO_MANY_SUBSCRIPTIONS,
            Self::SlowConsumer => code::SLOW_CONSUMER,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Unauthenticated(why) => (*why).to_owned(),
            Self::Forbidden => "Your CRM role does not allow this.".into(),
            Self::NotFound => "No such record, or it is not visible to you.".into(),
            Self::BadUserInput { message, .. } | Self::TooComplex(message) => message.clone(),
            Self::RateLimited => "Zoho CRM's API limit was reached; try again shortly.".into(),
            Self::CreditsExhausted => "Zoho CRM's API credits for this organisation are used up; they free up over the next \
                                       24 hours (or buy more in Zoho's admin console)."
                .into(),
            Self::UpstreamUnavailable(_) => "Zoho CRM is unavailable right now; try again shortly.".into(),
            Self::Internal(_) => "Internal error.".into(),
            Self::SchemaDrift { module, field, api_name } => format!(
                "The field {field} ({module}.{api_name}) no longer exists in this Zoho CRM org; the gateway's schema \
                 snapshot is out of date (run `zoho-gateway schema pull`)."
            ),
            Self::TooManySubscriptions(limit) => {
                format!("This session already has {limit} open subscriptions, the most allowed; end one first.")
            }
            Self::SlowConsumer => "This subscription fell too far behind the changes and was ended; subscribe again \
                                   and re-read what you show."
                .into(),
        }
    }
}

impl From<GatewayError> for async_graphql::Error {
    fn from(err: GatewayError) -> Self {
        match &err {
            // The one log line of a failure: the conversions into `GatewayError` log nothing.
            GatewayError::Internal(cause) => tracing::error!(%cause, "internal error"),
            GatewayError::UpstreamUnavailable(cause) => tracing::warn!(code = err.code(), %cause, "zoho call failed"),
            GatewayError::RateLimited | GatewayError::CreditsExhausted => tracing::warn!(code = err.code(), "zoho call failed"),
            _ => tracing::debug!(code = err.code(), "request refused"),
        }
        let code = err.code();
        let field = match &err {
            GatewayError::BadUserInput { field, .. } => field.clone(),
            GatewayError::SchemaDrift { field, .. } => Some(field.clone()),
            _ => None,
        };
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

impl From<crate::store::StoreError> for GatewayError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Internal(format!("store: {e}"))
    }
}

impl From<crate::auth::oauth::AuthError> for GatewayError {
    fn from(e: crate::auth::oauth::AuthError) -> Self {
        use crate::auth::oauth::AuthError as A;
        match e {
            A::RedirectUriNotAllowed(url) => Self::bad_input(
                Some("redirectUrl"),
                format!(
                    "The redirect URL {url} is not registered with the gateway: add it to ZOHO_REDIRECT_URIS (and to the \
                     client's Authorized Redirect URIs in Zoho's API console), or open the portal at a registered address."
                ),
            ),
            A::AccountsServerNotAllowed => {
                Self::bad_input(Some("accountsServer"), "This accounts server is not one the gateway trusts.")
            }
            A::InvalidState => {
                Self::bad_input(Some("state"), "This sign-in is unknown, expired or already completed; sign in again.")
            }
            A::GrantRejected => Self::bad_input(Some("code"), "Zoho did not accept the authorization code; sign in again."),
            A::Throttled => Self::RateLimited,
            A::Transport(_) | A::Protocol(_) => Self::UpstreamUnavailable(e.to_string()),
            A::SignedOut => Self::Unauthenticated("Your Zoho sign-in is no longer valid; sign in again."),
            A::Zoho(z) => z.into(),
            A::Store(s) => s.into(),
            A::ApiDomainNotAllowed | A::ClientRejected(_) | A::NoRefreshToken => Self::Internal(e.to_string()),
        }
    }
}

impl From<crate::crm::CrmError> for GatewayError {
    fn from(e: crate::crm::CrmError) -> Self {
        match e {
            crate::crm::CrmError::Auth(a) => a.into(),
            crate::crm::CrmError::Zoho(z) => z.into(),
        }
    }
}

impl From<crate::zoho::ZohoError> for GatewayError {
    fn from(e: crate::zoho::ZohoError) -> Self {
        use crate::zoho::ZohoError as Z;
        if e.is_unknown_id() {
            return Self::NotFound;
        }
        match e {
            Z::InvalidToken(_) => Self::Unauthenticated("Your Zoho sign-in is no longer valid; sign in again."),
            Z::ScopeMismatch => Self::Forbidden,
            Z::NoPermission => Self::Forbidden,
            Z::RateLimited => Self::RateLimited,
            Z::CreditsExhausted => Self::CreditsExhausted,
            Z::Api { code, api_name, message, .. } => match code.as_str() {
                "MANDATORY_NOT_FOUND" | "INVALID_DATA" | "DUPLICATE_DATA" | "LIMIT_REACHED" | "LIMIT_EXCEEDED" => {
                    let text = match code.as_str() {
                        "MANDATORY_NOT_FOUND" => "This field is required.".to_owned(),
                        "DUPLICATE_DATA" => "A record with this value already exists.".to_owned(),
                        "LIMIT_REACHED" | "LIMIT_EXCEEDED" => "This request goes past what Zoho CRM allows.".to_owned(),
                        _ => "This value is not valid for Zoho CRM.".to_owned(),
                    };
                    Self::BadUserInput { field: api_name, message: text }
                }
                _ => Self::Internal(format!("zoho {code}: {message}")),
            },
            Z::Server(_) | Z::Transport(_) | Z::Protocol(_) => Self::UpstreamUnavailable(e.to_string()),
        }
    }
}
