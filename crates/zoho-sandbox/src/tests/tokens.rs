//! Token life: access-token expiry, refresh, the refresh throttle, revocation, the refresh-token cap.

use std::time::Duration;

use reqwest::StatusCode;

use super::{ALL_SCOPES, TestSandbox};
use crate::SandboxConfig;

#[tokio::test]
async fn access_tokens_expire_and_refresh_gives_a_new_one_without_refresh_token() {
    let t = TestSandbox::with(SandboxConfig { access_token_ttl: Duration::from_secs(1), ..Default::default() }).await;
    let tokens = t.login_with("coordinator", ALL_SCOPES).await;
    assert_eq!(tokens.body["expires_in"], 1);
    assert_eq!(t.get(&tokens.access, "/crm/v8/org").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = t.get(&tokens.access, "/crm/v8/org").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.json(),
        &serde_json::json!({"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"})
    );
    let refreshed = t.refresh(tokens.refresh.as_deref().expect("refresh token")).await;
    assert!(refreshed.get("refresh_token").is_none());
    assert_eq!(refreshed["api_domain"], t.sandbox.api_url().as_str());
    let access = refreshed["access_token"].as_str().expect("access");
    assert_eq!(t.get(access, "/crm/v8/users?type=CurrentUser").await.status, StatusCode::OK);
    assert_eq!(t.sandbox.calls().get("token.refresh_token"), 1);
}

#[tokio::test]
async fn refresh_is_throttled_per_refresh_token_per_window() {
    let t = TestSandbox::with(SandboxConfig { refresh_limit: 3, ..Default::default() }).await;
    let tokens = t.login_with("admin", ALL_SCOPES).await;
    let refresh = tokens.refresh.expect("refresh");
    for _ in 0..3 {
        assert!(t.refresh(&refresh).await["access_token"].is_string());
    }
    let denied = t.refresh(&refresh).await;
    assert_eq!(
        denied,
        serde_json::json!({
            "error": "Access Denied",
            "error_description": "You have made too many requests continuously. Please try again after some time.",
            "status": "failure",
        })
    );
    // Another refresh token of the same user has its own budget.
    let other = t.login_with("admin", ALL_SCOPES).await.refresh.expect("refresh");
    assert!(t.refresh(&other).await["access_token"].is_string());
    assert_eq!(t.refresh("1000.unknown").await["error"], "invalid_code");
}

#[tokio::test]
async fn the_refresh_window_slides() {
    let t =
        TestSandbox::with(SandboxConfig { refresh_limit: 1, refresh_window: Duration::from_millis(300), ..Default::default() })
            .await;
    let refresh = t.login_with("admin", ALL_SCOPES).await.refresh.expect("refresh");
    assert!(t.refresh(&refresh).await["access_token"].is_string());
    assert_eq!(t.refresh(&refresh).await["error"], "Access Denied");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(t.refresh(&refresh).await["access_token"].is_string());
}

#[tokio::test]
async fn revoking_a_refresh_token_kills_its_access_tokens() {
    let t = TestSandbox::start().await;
    let tokens = t.login_with("advisor", ALL_SCOPES).await;
    let refresh = tokens.refresh.clone().expect("refresh");
    let revoke = |token: String| {
        let http = t.http.clone();
        let url = format!("{}/oauth/v2/token/revoke", t.sandbox.accounts_url());
        async move { http.post(url).form(&[("token", token)]).send().await.expect("revoke") }
    };
    let response = revoke(refresh.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<serde_json::Value>().await.expect("json"), serde_json::json!({"status":"success"}));
    assert_eq!(t.get(&tokens.access, "/crm/v8/org").await.code(), "INVALID_TOKEN");
    assert_eq!(t.refresh(&refresh).await["error"], "invalid_code");
    let again = revoke(refresh).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(again.json::<serde_json::Value>().await.expect("json")["status"], "failure");
    assert_eq!(t.sandbox.calls().get("token.revoke"), 2);
}

#[tokio::test]
async fn revoke_all_tokens_of_and_expire_access_tokens_simulate_zoho_side_events() {
    let t = TestSandbox::start().await;
    let mei = t.login_with("advisor", ALL_SCOPES).await;
    let priya = t.login_with("admin", ALL_SCOPES).await;
    t.sandbox.revoke_all_tokens_of("mei.tanaka@zylker-academy.example");
    assert_eq!(t.get(&mei.access, "/crm/v8/org").await.code(), "INVALID_TOKEN");
    assert_eq!(t.refresh(mei.refresh.as_deref().expect("refresh")).await["error"], "invalid_code");
    assert_eq!(t.get(&priya.access, "/crm/v8/org").await.status, StatusCode::OK);
    t.sandbox.expire_access_tokens();
    assert_eq!(t.get(&priya.access, "/crm/v8/org").await.code(), "INVALID_TOKEN");
    assert!(t.refresh(priya.refresh.as_deref().expect("refresh")).await["access_token"].is_string());
}

#[tokio::test]
async fn the_21st_refresh_token_evicts_the_oldest() {
    let t = TestSandbox::start().await;
    let mut refresh_tokens = Vec::new();
    for _ in 0..21 {
        refresh_tokens.push(t.login_with("admin", "ZohoCRM.org.READ").await.refresh.expect("refresh"));
    }
    assert_eq!(t.refresh(&refresh_tokens[0]).await["error"], "invalid_code");
    assert!(t.refresh(&refresh_tokens[1]).await["access_token"].is_string());
    assert!(t.refresh(&refresh_tokens[20]).await["access_token"].is_string());
}
