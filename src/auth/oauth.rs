//! The OAuth 2.0 authorization-code flow against Zoho Accounts: the authorization URL, the code
//! exchange, refresh and revoke. Every request goes to an allowlisted accounts server through
//! the one shared HTTP client (redirects off, so a 307 can never re-post the client secret).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthorizationCode, ClientId, EndpointNotSet, EndpointSet, ExtraTokenFields, HttpClientError, RedirectUrl,
    RequestTokenError, StandardRevocableToken, StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::dc::{self, Allowlist};
use crate::secret::{AccessToken, AuthCode, ClientSecret, RefreshToken, StateToken};

/// Zoho's token response carries the CRM host for the user's data centre (zoho-api.md §1.5),
/// and older responses `expires_in_sec` next to an `expires_in` in milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZohoTokenFields {
    pub api_domain: Option<String>,
    pub expires_in_sec: Option<u64>,
}
impl ExtraTokenFields for ZohoTokenFields {}

type ZohoTokenResponse = StandardTokenResponse<ZohoTokenFields, BasicTokenType>;
type TokenClient = oauth2::Client<
    BasicErrorResponse,
    ZohoTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The URL as given (at most 200 characters), to name it in the answer.
    #[error("redirect URI is not registered")]
    RedirectUriNotAllowed(String),
    #[error("accounts server is not allowed")]
    AccountsServerNotAllowed,
    #[error("api_domain is not allowed")]
    ApiDomainNotAllowed,
    #[error("state is unknown, used or expired")]
    InvalidState,
    /// The code or refresh token is no longer honoured (`invalid_code`): used, expired or revoked.
    #[error("grant rejected by Zoho")]
    GrantRejected,
    /// `Access Denied`: more than 10 refreshes per refresh token in 10 minutes (zoho-api.md §1.8).
    #[error("token endpoint throttled us")]
    Throttled,
    /// `invalid_client`, `invalid_client_secret`, `invalid_redirect_uri`: our configuration is wrong.
    #[error("Zoho refused the client configuration: {0}")]
    ClientRejected(String),
    #[error("accounts server unreachable: {0}")]
    Transport(String),
    #[error("unexpected answer from the accounts server: {0}")]
    Protocol(String),
    /// A code exchange without `access_type=offline` semantics: no refresh token came back.
    #[error("no refresh token in the token response")]
    NoRefreshToken,
    /// The user-org's tokens are gone (signed out, revoked at Zoho, or never stored).
    #[error("no usable grant for this user")]
    SignedOut,
    /// Learning who signed in (`users?type=CurrentUser`, `org`) failed.
    #[error("reading the signed-in user: {0}")]
    Zoho(#[from] crate::zoho::ZohoError),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// What a successful code exchange yields.
#[derive(Debug)]
pub struct Grant {
    pub access_token: AccessToken,
    pub refresh_token: RefreshToken,
    pub expires_at: DateTime<Utc>,
    pub api_domain: String,
}

/// What a successful refresh yields; Zoho keeps the refresh token (zoho-api.md §1.6).
#[derive(Debug)]
pub struct Refreshed {
    pub access_token: AccessToken,
    pub expires_at: DateTime<Utc>,
}

pub struct OAuthClient {
    client_id: ClientId,
    client_secret: ClientSecret,
    accounts_url: Url,
    scope: String,
    redirect_uris: Vec<Url>,
    accounts_servers: Allowlist,
    api_domains: Allowlist,
    http: reqwest::Client,
}

pub struct OAuthSettings {
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub accounts_url: Url,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<Url>,
    pub accounts_servers: Vec<Url>,
    pub api_domains: Vec<Url>,
}

impl OAuthClient {
    pub fn new(settings: OAuthSettings, http: reqwest::Client) -> Self {
        Self {
            client_id: ClientId::new(settings.client_id),
            client_secret: settings.client_secret,
            accounts_url: settings.accounts_url,
            // Zoho documents a comma-separated scope list (zoho-api.md §1.2); oauth2 would join with spaces.
            scope: settings.scopes.join(","),
            redirect_uris: settings.redirect_uris,
            accounts_servers: Allowlist::new(&settings.accounts_servers),
            api_domains: Allowlist::new(&settings.api_domains),
            http,
        }
    }

    /// The redirect URI as registered, if `candidate` is exactly one of them.
    pub fn check_redirect_uri(&self, candidate: &str) -> Result<Url, AuthError> {
        self.redirect_uris
            .iter()
            .find(|u| u.as_str() == candidate || u.as_str().trim_end_matches('/') == candidate)
            .cloned()
            .ok_or_else(|| AuthError::RedirectUriNotAllowed(candidate.chars().take(200).collect()))
    }

    /// Zoho's consent URL for this redirect and state (zoho-api.md §1.2). `access_type=offline`
    /// returns a refresh token; `prompt=consent` makes Zoho issue one on every sign-in, not only the first.
    pub fn authorization_url(&self, redirect_uri: &Url, state: &StateToken) -> Url {
        let mut url = self.accounts_url.clone();
        url.set_path("/oauth/v2/auth");
        url.query_pairs_mut()
            .append_pair("client_id", self.client_id.as_str())
            .append_pair("response_type", "code")
            .append_pair("scope", &self.scope)
            .append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent")
            .append_pair("state", state.expose());
        url
    }

    /// Where to exchange the code: the redirect's `accounts-server` if allowed, else the
    /// accounts server of its `location`, else the configured one (zoho-api.md §1.4).
    pub fn resolve_accounts_server(&self, accounts_server: Option<&str>, location: Option<&str>) -> Result<String, AuthError> {
        if let Some(server) = accounts_server.filter(|s| !s.trim().is_empty()) {
            return self.accounts_servers.check(server).ok_or(AuthError::AccountsServerNotAllowed);
        }
        let fallback = match location.filter(|l| !l.trim().is_empty()) {
            Some(loc) => dc::by_location(loc).ok_or(AuthError::AccountsServerNotAllowed)?.accounts_server.to_owned(),
            None => self.accounts_url.as_str().to_owned(),
        };
        self.accounts_servers.check(&fallback).ok_or(AuthError::AccountsServerNotAllowed)
    }

    fn token_client(&self, accounts_server: &str) -> Result<TokenClient, AuthError> {
        let token_url =
            TokenUrl::new(format!("{accounts_server}/oauth/v2/token")).map_err(|e| AuthError::Protocol(e.to_string()))?;
        Ok(oauth2::Client::new(self.client_id.clone())
            .set_client_secret(oauth2::ClientSecret::new(self.client_secret.expose().to_owned()))
            // Zoho documents the credentials as form parameters, not HTTP Basic.
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token_url))
    }

    pub async fn exchange_code(&self, accounts_server: &str, code: &AuthCode, redirect_uri: &Url) -> Result<Grant, AuthError> {
        let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(|e| AuthError::Protocol(e.to_string()))?;
        let client = self.token_client(accounts_server)?.set_redirect_uri(redirect);
        let http = self.zoho_http();
        let response = client
            .exchange_code(AuthorizationCode::new(code.expose().to_owned()))
            .request_async(&http)
            .await
            .map_err(map_token_error)?;
        let api_domain =
            response.extra_fields().api_domain.as_deref().ok_or_else(|| AuthError::Protocol("no api_domain".into()))?;
        let api_domain = self.api_domains.check(api_domain).ok_or(AuthError::ApiDomainNotAllowed)?;
        let refresh_token = response.refresh_token().ok_or(AuthError::NoRefreshToken)?;
        Ok(Grant {
            access_token: AccessToken::new(response.access_token().secret().clone()),
            refresh_token: RefreshToken::new(refresh_token.secret().clone()),
            expires_at: expiry(&response),
            api_domain,
        })
    }

    pub async fn refresh(&self, accounts_server: &str, refresh_token: &RefreshToken) -> Result<Refreshed, AuthError> {
        let client = self.token_client(accounts_server)?;
        let http = self.zoho_http();
        let token = oauth2::RefreshToken::new(refresh_token.expose().to_owned());
        let response = client.exchange_refresh_token(&token).request_async(&http).await.map_err(map_token_error)?;
        Ok(Refreshed { access_token: AccessToken::new(response.access_token().secret().clone()), expires_at: expiry(&response) })
    }

    /// Revokes a refresh token and every access token minted from it (zoho-api.md §1.7).
    pub async fn revoke(&self, accounts_server: &str, refresh_token: &RefreshToken) -> Result<(), AuthError> {
        let response = self
            .http
            .post(format!("{accounts_server}/oauth/v2/token/revoke"))
            .form(&[("token", refresh_token.expose())])
            .send()
            .await
            .map_err(|e| AuthError::Transport(e.without_url().to_string()))?;
        match response.status().as_u16() {
            200 => Ok(()),
            // Zoho answers 400 for a token it does not know: it is revoked either way.
            400 => Ok(()),
            s => Err(AuthError::Protocol(format!("revoke answered HTTP {s}"))),
        }
    }

    fn zoho_http(&self) -> ZohoHttp<'_> {
        ZohoHttp(&self.http)
    }
}

/// Wraps the shared client so that Zoho's HTTP-200 error answers (`{"error":"invalid_code"}`,
/// zoho-api.md §1.5) reach oauth2 as a 400, where they parse as an error response with its code
/// instead of failing as "missing field access_token".
struct ZohoHttp<'a>(&'a reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for ZohoHttp<'_> {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut response = self.0.call(request).await?;
            if response.status() == oauth2::http::StatusCode::OK && is_error_body(response.body()) {
                *response.status_mut() = oauth2::http::StatusCode::BAD_REQUEST;
            }
            Ok(response)
        })
    }
}

fn is_error_body(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        error: Option<serde_json::Value>,
        access_token: Option<serde_json::Value>,
    }
    serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.error.is_some() && p.access_token.is_none())
}

fn expiry(response: &ZohoTokenResponse) -> DateTime<Utc> {
    // An `expires_in_sec` means the legacy format, where `expires_in` is in milliseconds.
    let secs = response
        .extra_fields()
        .expires_in_sec
        .map(Duration::from_secs)
        .or_else(|| response.expires_in())
        .unwrap_or(Duration::from_secs(3600));
    Utc::now() + chrono::Duration::from_std(secs).unwrap_or(chrono::Duration::hours(1))
}

fn map_token_error(err: RequestTokenError<HttpClientError<reqwest::Error>, BasicErrorResponse>) -> AuthError {
    match err {
        RequestTokenError::ServerResponse(resp) => match resp.error() {
            BasicErrorResponseType::InvalidClient => AuthError::ClientRejected("invalid_client".into()),
            BasicErrorResponseType::InvalidGrant => AuthError::GrantRejected,
            BasicErrorResponseType::Extension(code) => match code.as_str() {
                "invalid_code" | "invalid_token" => AuthError::GrantRejected,
                "Access Denied" | "access_denied" => AuthError::Throttled,
                "invalid_client_secret" | "invalid_redirect_uri" => AuthError::ClientRejected(code.clone()),
                other => AuthError::Protocol(format!("token endpoint error {other}")),
            },
            other => AuthError::Protocol(format!("token endpoint error {other:?}")),
        },
        RequestTokenError::Request(e) => AuthError::Transport(match e {
            HttpClientError::Reqwest(r) => r.without_url().to_string(),
            other => other.to_string(),
        }),
        RequestTokenError::Parse(e, _) => AuthError::Protocol(format!("token response did not parse: {}", e.path())),
        RequestTokenError::Other(e) => AuthError::Protocol(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(servers: Vec<Url>) -> OAuthClient {
        OAuthClient::new(
            OAuthSettings {
                client_id: "1000.ABC".into(),
                client_secret: ClientSecret::new("s3cret"),
                accounts_url: Url::parse("https://accounts.zoho.com").unwrap(),
                scopes: vec!["ZohoCRM.modules.ALL".into(), "ZohoCRM.users.READ".into()],
                redirect_uris: vec![Url::parse("http://127.0.0.1:8085/redirect.html").unwrap()],
                accounts_servers: servers,
                api_domains: dc::official_api_domains(),
            },
            reqwest::Client::new(),
        )
    }

    #[test]
    fn authorization_url_has_what_zoho_needs() {
        let c = client(dc::official_accounts_servers());
        let redirect = c.check_redirect_uri("http://127.0.0.1:8085/redirect.html").unwrap();
        let url = c.authorization_url(&redirect, &StateToken::new("st4te"));
        assert!(url.as_str().starts_with("https://accounts.zoho.com/oauth/v2/auth?"));
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "1000.ABC");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["scope"], "ZohoCRM.modules.ALL,ZohoCRM.users.READ");
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["state"], "st4te");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8085/redirect.html");
        assert!(c.check_redirect_uri("http://127.0.0.1:8085/evil.html").is_err());
        assert!(c.check_redirect_uri("http://127.0.0.1:8085/redirect.html?x=1").is_err());
    }

    #[test]
    fn accounts_server_comes_from_allowlist_or_location() {
        let c = client(dc::official_accounts_servers());
        assert_eq!(c.resolve_accounts_server(Some("https://accounts.zoho.eu"), Some("eu")).unwrap(), "https://accounts.zoho.eu");
        assert_eq!(c.resolve_accounts_server(None, Some("in")).unwrap(), "https://accounts.zoho.in");
        assert_eq!(c.resolve_accounts_server(None, None).unwrap(), "https://accounts.zoho.com");
        assert!(c.resolve_accounts_server(Some("https://evil.example"), Some("us")).is_err());
        assert!(c.resolve_accounts_server(None, Some("zz")).is_err());
    }

    #[test]
    fn zoho_200_errors_are_recognised() {
        assert!(is_error_body(br#"{"error":"invalid_code"}"#));
        assert!(is_error_body(br#"{"error":"Access Denied","error_description":"x","status":"failure"}"#));
        assert!(!is_error_body(br#"{"access_token":"a","expires_in":3600}"#));
        assert!(!is_error_body(b"not json"));
    }
}
