//! The accounts server: authorization redirect and page, code exchange, refresh, limits, revocation.

use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use sha2::{Digest, Sha256};

use super::{ALL_SCOPES, REDIRECT_URI, TestSandbox};
use crate::SandboxConfig;

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn authorize_redirects_with_code_location_accounts_server_and_state() {
    let t = TestSandbox::start().await;
    let query = t.authorize("coordinator", ALL_SCOPES, &[("state", "xyz 1/2&3")]).await;
    assert!(param(&query, "code").is_some_and(|c| c.starts_with("1000.")));
    assert_eq!(param(&query, "location"), Some("us"));
    assert_eq!(param(&query, "accounts-server"), Some(t.sandbox.accounts_url().as_str()));
    assert_eq!(param(&query, "state"), Some("xyz 1/2&3"));
    assert_eq!(t.sandbox.calls().get("auth"), 1);
}

#[tokio::test]
async fn authorize_without_user_shows_a_self_contained_choice_page() {
    let t = TestSandbox::start().await;
    let url = format!(
        "{}/oauth/v2/auth?client_id={}&response_type=code&redirect_uri={}&scope=ZohoCRM.modules.ALL&state=s1",
        t.sandbox.accounts_url(),
        t.sandbox.client_id(),
        super::enc(REDIRECT_URI)
    );
    let response = t.http.get(&url).send().await.expect("page");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap_or("").starts_with("text/html"));
    let html = response.text().await.expect("html");
    assert!(html.contains("Sign in to Zylker Academy (sandbox)"));
    for key in ["admin", "coordinator", "advisor"] {
        assert!(html.contains(&format!(r#"name="sandbox_user" value="{key}""#)), "{key}");
    }
    assert!(html.contains("Priya Sharma") && html.contains("mei.tanaka@zylker-academy.example"));
    for external in ["<link", "<script", "src=", "url("] {
        assert!(!html.contains(external), "no external assets: {external}");
    }
    assert!(html.contains(r#"name="state" value="s1""#), "the form keeps the request's parameters");

    let deny = t.http.get(format!("{url}&sandbox_action=deny")).send().await.expect("deny");
    assert_eq!(deny.status(), StatusCode::FOUND);
    let location = deny.headers()[LOCATION].to_str().expect("location");
    assert_eq!(location, format!("{REDIRECT_URI}?error=access_denied&state=s1"));
}

#[tokio::test]
async fn authorize_rejects_bad_clients_and_unregistered_redirects_without_redirecting() {
    let t = TestSandbox::start().await;
    let base = format!("{}/oauth/v2/auth", t.sandbox.accounts_url());
    let cases = [
        ("1000.OTHER", REDIRECT_URI, "code", "ZohoCRM.modules.ALL"),
        (t.sandbox.client_id(), "http://evil.example/cb", "code", "ZohoCRM.modules.ALL"),
        (t.sandbox.client_id(), REDIRECT_URI, "token", "ZohoCRM.modules.ALL"),
        (t.sandbox.client_id(), REDIRECT_URI, "code", ""),
    ];
    for (client, redirect, response_type, scope) in cases {
        let response = t
            .http
            .get(&base)
            .query(&[
                ("client_id", client),
                ("redirect_uri", redirect),
                ("response_type", response_type),
                ("scope", scope),
                ("sandbox_user", "admin"),
            ])
            .send()
            .await
            .expect("auth");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{client} {redirect} {response_type} {scope}");
        assert!(response.headers().get(LOCATION).is_none());
    }
    // A URI registered after start-up (the gateway binds port 0 first) is accepted.
    t.sandbox.register_redirect_uri("http://127.0.0.1:4321/cb");
    let response = t
        .http
        .get(&base)
        .query(&[
            ("client_id", t.sandbox.client_id()),
            ("redirect_uri", "http://127.0.0.1:4321/cb"),
            ("response_type", "code"),
            ("scope", "ZohoCRM.modules.ALL"),
            ("sandbox_user", "mei.tanaka@zylker-academy.example"),
        ])
        .send()
        .await
        .expect("auth");
    assert_eq!(response.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn code_exchange_answers_zoho_shape_and_codes_are_single_use() {
    let t = TestSandbox::start().await;
    let code = t.code_for("admin", ALL_SCOPES).await;
    let body = t.exchange(&code).await;
    assert!(body["access_token"].as_str().is_some_and(|s| s.starts_with("1000.")));
    assert!(body["refresh_token"].as_str().is_some_and(|s| s.starts_with("1000.")));
    assert_eq!(body["api_domain"], t.sandbox.api_url().as_str());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(t.exchange(&code).await, serde_json::json!({ "error": "invalid_code" }));
    assert_eq!(t.exchange("1000.nope").await["error"], "invalid_code");
    assert_eq!(t.sandbox.calls().get("token.authorization_code"), 3);
}

#[tokio::test]
async fn code_exchange_validates_client_secret_and_redirect_uri() {
    let t = TestSandbox::start().await;
    let code = t.code_for("admin", ALL_SCOPES).await;
    let id = t.sandbox.client_id().to_string();
    let secret = t.sandbox.client_secret().to_string();
    let attempt = |client: &str, secret: &str, redirect: &str| {
        vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("client_id".to_string(), client.to_string()),
            ("client_secret".to_string(), secret.to_string()),
            ("redirect_uri".to_string(), redirect.to_string()),
            ("code".to_string(), code.clone()),
        ]
    };
    let cases = [
        (attempt("1000.OTHER", &secret, REDIRECT_URI), "invalid_client"),
        (attempt(&id, "nope", REDIRECT_URI), "invalid_client_secret"),
        (attempt(&id, &secret, "http://127.0.0.1:9/other"), "invalid_redirect_uri"),
    ];
    for (form, error) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(t.token_request(&form).await["error"], error);
    }
    // Query-string parameters and HTTP Basic client credentials are accepted too (§1.5).
    let response = t
        .http
        .post(format!(
            "{}?grant_type=authorization_code&redirect_uri={}&code={}",
            t.sandbox.token_url(),
            super::enc(REDIRECT_URI),
            super::enc(&code)
        ))
        .basic_auth(&id, Some(&secret))
        .send()
        .await
        .expect("token");
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(body["access_token"].is_string(), "{body}");
}

#[tokio::test]
async fn codes_expire_after_their_ttl() {
    let t = TestSandbox::with(SandboxConfig { code_ttl: Duration::from_millis(300), ..Default::default() }).await;
    let code = t.code_for("advisor", ALL_SCOPES).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(t.exchange(&code).await["error"], "invalid_code");
}

#[tokio::test]
async fn refresh_token_only_on_first_consent_unless_prompt_consent_and_only_offline() {
    let t = TestSandbox::start().await;
    let first = t.authorize("coordinator", ALL_SCOPES, &[]).await;
    let body = t.exchange(param(&first, "code").expect("code")).await;
    assert!(body["refresh_token"].is_string());
    let second = t.authorize("coordinator", ALL_SCOPES, &[]).await;
    let body = t.exchange(param(&second, "code").expect("code")).await;
    assert!(body["access_token"].is_string() && body.get("refresh_token").is_none(), "{body}");
    let forced = t.authorize("coordinator", ALL_SCOPES, &[("prompt", "consent")]).await;
    assert!(t.exchange(param(&forced, "code").expect("code")).await["refresh_token"].is_string());
    let online = t.authorize("admin", ALL_SCOPES, &[("access_type", "online")]).await;
    let body = t.exchange(param(&online, "code").expect("code")).await;
    assert!(body["access_token"].is_string() && body.get("refresh_token").is_none(), "{body}");
}

#[tokio::test]
async fn pkce_s256_is_enforced_when_a_challenge_was_sent() {
    let t = TestSandbox::start().await;
    let verifier = "a-long-random-verifier-string-of-43-characters-or-more";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let query = t.authorize("admin", ALL_SCOPES, &[("code_challenge", &challenge), ("code_challenge_method", "S256")]).await;
    let code = param(&query, "code").expect("code").to_string();
    let id = t.sandbox.client_id().to_string();
    let secret = t.sandbox.client_secret().to_string();
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code", code.as_str()),
    ];
    let mut wrong = base.to_vec();
    wrong.push(("code_verifier", "wrong"));
    assert_eq!(t.token_request(&wrong).await["error"], "invalid_code");
    let mut right = base.to_vec();
    right.push(("code_verifier", verifier));
    assert!(t.token_request(&right).await["access_token"].is_string());
}

#[tokio::test]
async fn unknown_grant_type_and_missing_code_are_json_errors() {
    let t = TestSandbox::start().await;
    let id = t.sandbox.client_id().to_string();
    let secret = t.sandbox.client_secret().to_string();
    let body = t.token_request(&[("grant_type", "password"), ("client_id", &id), ("client_secret", &secret)]).await;
    assert_eq!(body["error"], "unsupported_grant_type");
    let body = t.token_request(&[("grant_type", "authorization_code"), ("client_id", &id), ("client_secret", &secret)]).await;
    assert_eq!(body["error"], "invalid_code");
    assert_eq!(t.sandbox.calls().get("token.other"), 1);
}
