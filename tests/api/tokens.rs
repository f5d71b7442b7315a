//! Access tokens that expire or are revoked mid-session.

use std::time::Duration;

use serde_json::json;
use zoho_gateway::sandbox::SandboxConfig;

use crate::helpers::{Options, error_code, spawn_app, spawn_app_with};

const PAGE: &str = "{ leads(perPage: 2) { nodes { id lastName } } }";

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_for_fifty_concurrent_requests() {
    let app = spawn_app_with(Options {
        sandbox: SandboxConfig { access_token_ttl: Duration::from_secs(2), ..SandboxConfig::default() },
        // With the cache on, the repeated page would be served without Zoho (and without a token).
        args: vec!["--cache".into(), "false".into()],
        ..Options::default()
    })
    .await;
    let admin = std::sync::Arc::new(app.signed_in("admin").await);
    assert!(admin.graphql(PAGE, json!({})).await["data"]["leads"]["nodes"][0]["id"].is_string());
    assert_eq!(app.sandbox.calls().get("token.refresh_token"), 0);

    tokio::time::sleep(Duration::from_millis(2200)).await;
    let requests = (0..50).map(|_| {
        let admin = admin.clone();
        tokio::spawn(async move { admin.graphql(PAGE, json!({})).await })
    });
    for r in futures::future::join_all(requests).await {
        let r = r.unwrap();
        assert!(r["data"]["leads"]["nodes"][0]["id"].is_string(), "{r}");
    }
    assert_eq!(app.sandbox.calls().get("token.refresh_token"), 1, "one refresh for all fifty requests");
}

#[tokio::test]
async fn a_token_that_zoho_rejects_early_is_refreshed_once_and_the_call_retried() {
    let app = spawn_app().await;
    let admin = app.signed_in("advisor").await;
    app.sandbox.expire_access_tokens();
    let r = admin.graphql(PAGE, json!({})).await;
    assert!(r["data"]["leads"]["nodes"][0]["id"].is_string(), "{r}");
    assert_eq!(app.sandbox.calls().get("token.refresh_token"), 1);
    assert_eq!(app.sandbox.calls().get("leads.list"), 2, "the rejected call and its retry");
}

#[tokio::test]
async fn a_revoked_grant_yields_unauthenticated_and_ends_the_session() {
    let app = spawn_app().await;
    let coordinator = app.signed_in("coordinator").await;
    let email = app.sandbox.users()[1].email.clone();
    app.sandbox.revoke_all_tokens_of(&email);

    let r = coordinator.graphql(PAGE, json!({})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED", "{r}");
    assert_eq!(coordinator.graphql("{ me { user { id } } }", json!({})).await["data"]["me"], serde_json::Value::Null);
    // Signing in again works.
    let again = app.signed_in("coordinator").await;
    assert!(again.graphql(PAGE, json!({})).await["data"]["leads"]["nodes"].is_array());
}

#[tokio::test]
async fn a_throttled_refresh_is_rate_limited_not_a_sign_out() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    app.sandbox.expire_access_tokens();
    app.sandbox.set_fault(Some(zoho_gateway::sandbox::Fault::RefreshThrottled));
    let r = admin.graphql(PAGE, json!({})).await;
    assert_eq!(error_code(&r), "RATE_LIMITED", "{r}");
    app.sandbox.set_fault(None);
    let r = admin.graphql(PAGE, json!({})).await;
    assert!(r["data"]["leads"]["nodes"][0]["id"].is_string(), "recovers once Zoho does: {r}");
}
