//! Tests of the sandbox over real HTTP: each test starts its own sandbox on port 0 and talks to it
//! with reqwest, as the gateway and the Python SDK do.

mod accounts;
mod auth;
mod callbacks;
mod coql;
mod coql_errors;
mod count;
mod inspect;
mod limits;
mod meta;
mod modules;
mod notifications;
mod orgs;
mod receiver;
mod records;
mod robustness;
mod search;
mod strict;
mod tokens;
mod writes;

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use serde_json::Value;

use super::{Sandbox, SandboxConfig};

pub(crate) const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth/callback";
pub(crate) const ALL_SCOPES: &str =
    "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ,ZohoSearch.securesearch.READ";

/// A running sandbox plus an HTTP client that does not follow redirects.
pub(crate) struct TestSandbox {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
}

/// What the token endpoint answered for a code exchange.
#[derive(Debug, Clone)]
pub(crate) struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    pub body: Value,
}

/// A parsed API answer: status, content type and JSON body (None for an empty body).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Option<Value>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> &Value {
        self.body.as_ref().unwrap_or(&Value::Null)
    }

    pub fn code(&self) -> &str {
        self.json()["code"].as_str().unwrap_or("")
    }

    pub fn data(&self) -> Vec<Value> {
        self.json()["data"].as_array().cloned().unwrap_or_default()
    }
}

impl TestSandbox {
    pub async fn start() -> TestSandbox {
        TestSandbox::with(SandboxConfig::default()).await
    }

    pub async fn with(config: SandboxConfig) -> TestSandbox {
        let config = SandboxConfig { redirect_uris: vec![REDIRECT_URI.to_string()], ..config };
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        TestSandbox { sandbox, http }
    }

    /// `GET /oauth/v2/auth` with `sandbox_user` and extra parameters; returns the redirect's query.
    pub async fn authorize(&self, user: &str, scope: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut query = vec![
            ("client_id", self.sandbox.client_id().to_string()),
            ("response_type", "code".to_string()),
            ("redirect_uri", REDIRECT_URI.to_string()),
            ("scope", scope.to_string()),
            ("access_type", "offline".to_string()),
            ("sandbox_user", user.to_string()),
        ];
        // Extra parameters replace the defaults of the same name.
        query.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
        query.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let response = self
            .http
            .get(format!("{}/oauth/v2/auth", self.sandbox.accounts_url()))
            .query(&query)
            .send()
            .await
            .expect("auth request");
        assert_eq!(response.status(), StatusCode::FOUND, "auth redirects");
        let location = response.headers()[LOCATION].to_str().expect("location").to_string();
        assert!(location.starts_with(REDIRECT_URI), "{location}");
        let url = url::Url::parse(&location).expect("redirect url");
        url.query_pairs().into_owned().collect()
    }

    pub async fn code_for(&self, user: &str, scope: &str) -> String {
        let query = self.authorize(user, scope, &[("prompt", "consent")]).await;
        query.iter().find(|(k, _)| k == "code").map(|(_, v)| v.clone()).expect("code on redirect")
    }

    /// POSTs a form to the token endpoint and returns the JSON (asserting HTTP 200 + JSON type).
    pub async fn token_request(&self, form: &[(&str, &str)]) -> Value {
        let response = self.http.post(self.sandbox.token_url()).form(form).send().await.expect("token request");
        assert_eq!(response.status(), StatusCode::OK, "token endpoint always answers 200");
        assert_eq!(response.headers()[CONTENT_TYPE].to_str().unwrap_or(""), "application/json;charset=UTF-8");
        response.json().await.expect("token JSON")
    }

    pub async fn exchange(&self, code: &str) -> Value {
        let client_id = self.sandbox.client_id().to_string();
        let secret = self.sandbox.client_secret().to_string();
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("redirect_uri", REDIRECT_URI),
            ("code", code),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Value {
        let client_id = self.sandbox.client_id().to_string();
        let secret = self.sandbox.client_secret().to_string();
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Signs `user` in with `scope` and returns the tokens.
    pub async fn login_with(&self, user: &str, scope: &str) -> Tokens {
        let code = self.code_for(user, scope).await;
        let body = self.exchange(&code).await;
        let access = body["access_token"].as_str().expect("access token").to_string();
        let refresh = body["refresh_token"].as_str().map(str::to_string);
        Tokens { access, refresh, body }
    }

    pub async fn login(&self, user: &str) -> String {
        self.login_with(user, ALL_SCOPES).await.access
    }

    pub async fn call(&self, method: reqwest::Method, token: Option<&str>, path_and_query: &str, body: Option<&Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{}", self.sandbox.api_url(), path_and_query));
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Zoho-oauthtoken {token}"));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("API request");
        answer(response).await
    }

    pub async fn get(&self, token: &str, path_and_query: &str) -> Answer {
        self.call(reqwest::Method::GET, Some(token), path_and_query, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.call(reqwest::Method::POST, Some(token), path, Some(body)).await
    }

    pub async fn put(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.call(reqwest::Method::PUT, Some(token), path, Some(body)).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Answer {
        self.call(reqwest::Method::DELETE, Some(token), path, None).await
    }

    pub fn user_id(&self, key: &str) -> String {
        self.sandbox.users().into_iter().find(|u| u.key == key).map(|u| u.id).expect("user")
    }
}

pub(crate) async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let text = response.text().await.unwrap_or_default();
    let body = if text.is_empty() { None } else { serde_json::from_str(&text).ok() };
    Answer { status, content_type, body, text }
}

/// Percent-encodes a query parameter value.
pub(crate) fn enc(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
