//! Concurrency limit, fault switch, call counters and shutdown.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::TestSandbox;
use crate::{Fault, FaultRule, SandboxConfig};

#[tokio::test]
async fn concurrency_above_the_limit_gets_429_and_the_peak_is_recorded() {
    let t = TestSandbox::with(SandboxConfig { concurrency_limit: 2, ..Default::default() }).await;
    let token = t.login("admin").await;
    t.sandbox.set_fault(Some(Fault::Latency(Duration::from_millis(300))));
    let calls = (0..5).map(|_| t.get(&token, "/crm/v8/org"));
    let answers = futures::future::join_all(calls).await;
    let ok = answers.iter().filter(|a| a.status == StatusCode::OK).count();
    let limited: Vec<_> = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert_eq!((ok, limited.len()), (2, 3));
    assert_eq!(limited[0].code(), "TOO_MANY_REQUESTS");
    assert_eq!(limited[0].json()["status"], "error");
    // Rejected calls leave at once, so the peak is the two held slots plus one being turned away.
    assert!(t.sandbox.max_concurrency_seen() > 2, "peak {}", t.sandbox.max_concurrency_seen());
    t.sandbox.set_fault(None);
    assert_eq!(t.get(&token, "/crm/v8/org").await.status, StatusCode::OK, "slots are released");
    assert_eq!(t.sandbox.calls().get("org"), 6);
}

#[tokio::test]
async fn status_faults_use_zoho_envelopes_and_can_be_limited_in_count_and_endpoint() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    t.sandbox.set_fault(Some(Fault::Status(500)));
    let failed = t.get(&token, "/crm/v8/org").await;
    assert_eq!((failed.status, failed.code()), (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"));
    assert_eq!(failed.content_type.as_deref(), Some("application/json;charset=UTF-8"));
    t.sandbox.set_fault(None);
    t.sandbox.add_fault_rule(FaultRule::times(Fault::Status(429), 2).on("leads.list"));
    assert_eq!(t.get(&token, "/crm/v8/org").await.status, StatusCode::OK, "other endpoints unaffected");
    for _ in 0..2 {
        assert_eq!(t.get(&token, "/crm/v8/Leads?fields=Last_Name").await.code(), "TOO_MANY_REQUESTS");
    }
    assert_eq!(t.get(&token, "/crm/v8/Leads?fields=Last_Name").await.status, StatusCode::OK, "rule used up");
    assert_eq!(t.sandbox.calls().get("leads.list"), 3, "faulted calls are counted");
}

#[tokio::test]
async fn latency_and_malformed_json_faults() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    t.sandbox.set_fault(Some(Fault::Latency(Duration::from_millis(250))));
    let started = Instant::now();
    assert_eq!(t.get(&token, "/crm/v8/org").await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(250));
    t.sandbox.set_fault(Some(Fault::MalformedJson));
    let broken = t.get(&token, "/crm/v8/org").await;
    assert_eq!(broken.status, StatusCode::OK);
    assert!(broken.body.is_none() && !broken.text.is_empty(), "body is not valid JSON");
    t.sandbox.set_fault(None);
    assert_eq!(t.get(&token, "/crm/v8/org").await.status, StatusCode::OK);
}

#[tokio::test]
async fn token_endpoint_faults() {
    let t = TestSandbox::start().await;
    let tokens = t.login_with("admin", super::ALL_SCOPES).await;
    let refresh = tokens.refresh.expect("refresh");
    t.sandbox.set_fault(Some(Fault::RefreshThrottled));
    assert_eq!(t.get(&tokens.access, "/crm/v8/org").await.status, StatusCode::OK, "API unaffected");
    assert_eq!(t.refresh(&refresh).await["error"], "Access Denied");
    t.sandbox.set_fault(None);
    t.sandbox.add_fault_rule(FaultRule::times(Fault::TokenError("invalid_code".into()), 1));
    assert_eq!(t.refresh(&refresh).await["error"], "invalid_code");
    assert!(t.refresh(&refresh).await["access_token"].is_string());
    t.sandbox.add_fault_rule(FaultRule::times(Fault::Status(503), 1).on("token.refresh_token"));
    let response = t
        .http
        .post(t.sandbox.token_url())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn call_counts_split_accounts_and_api_and_reset() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    t.get(&token, "/crm/v8/org").await;
    t.get(&token, "/crm/v8/Leads?fields=Email").await;
    let calls = t.sandbox.calls();
    assert_eq!((calls.get("auth"), calls.get("token.authorization_code")), (1, 1));
    assert_eq!((calls.api_total(), calls.total()), (2, 4));
    assert_eq!(calls.get("never.called"), 0);
    t.sandbox.reset_calls();
    assert_eq!(t.sandbox.calls().total(), 0);
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_listeners() {
    let t = TestSandbox::start().await;
    let api = t.sandbox.api_url();
    t.sandbox.shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let fresh = reqwest::Client::new();
    assert!(fresh.get(format!("{api}/crm/v8/org")).send().await.is_err());

    let other = crate::Sandbox::start(SandboxConfig::default()).await.expect("start");
    let accounts = other.accounts_url();
    drop(other);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(fresh.get(format!("{accounts}/oauth/v2/auth")).send().await.is_err());
}

#[tokio::test]
async fn the_http_fault_switch_exists_only_when_enabled_and_adds_and_clears_rules() {
    let http = reqwest::Client::new();
    let off = TestSandbox::start().await;
    let r = http.post(format!("{}/sandbox/faults", off.sandbox.accounts_url())).body(r#"{"status":503}"#).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not served unless enabled");

    let t = TestSandbox::with(SandboxConfig { http_fault_switch: true, ..Default::default() }).await;
    let token = t.login("admin").await;
    let switch = format!("{}/sandbox/faults", t.sandbox.accounts_url());
    let r = http.post(&switch).body(r#"{"status":503,"endpoint":"org"}"#).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(t.get(&token, "/crm/v8/org").await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(t.get(&token, "/crm/v8/users?type=CurrentUser").await.status, StatusCode::OK, "only the named endpoint");
    let r = http.post(&switch).body(r#"{"status":200}"#).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "only error statuses");
    let r = http.delete(&switch).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(t.get(&token, "/crm/v8/org").await.status, StatusCode::OK, "cleared");
}
