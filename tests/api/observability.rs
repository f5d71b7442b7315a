//! Metrics, request ids and structured logs.

use std::io::BufRead as _;
use std::time::Duration;

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn metrics_count_operations_zoho_calls_cache_and_refreshes() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    admin.graphql("{ leads(perPage: 3) { nodes { id } } }", json!({})).await;
    admin.graphql("{ leads(perPage: 3) { nodes { id } } }", json!({})).await;
    app.sandbox.expire_access_tokens();
    admin.graphql("{ leads(perPage: 4) { nodes { id } } }", json!({})).await;
    let text = reqwest::get(format!("{}/metrics", app.base)).await.unwrap().text().await.unwrap();
    for needle in [
        r#"gateway_graphql_requests_total{operation="query leads",outcome="ok"}"#,
        r#"gateway_graphql_requests_total{operation="mutation initialize",outcome="ok"}"#,
        r#"gateway_zoho_calls_total{endpoint="GET /crm/v8/Leads",status="200"}"#,
        r#"gateway_zoho_calls_total{endpoint="GET /crm/v8/Leads",status="401"}"#,
        r#"gateway_token_refreshes_total{outcome="ok"}"#,
        "gateway_cache_hits_total",
        "gateway_cache_misses_total",
        "gateway_graphql_request_duration_seconds_bucket",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    assert!(!text.contains(app.sandbox.client_secret()));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let r = client.post(format!("{}/graphql", app.base)).json(&json!({ "query": "{ me { expiresAt } }" })).send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let r2 = client.get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_ne!(r2.headers()["x-request-id"].to_str().unwrap(), id);
    let r3 = client.get(format!("{}/healthz", app.base)).header("x-request-id", "from-the-proxy-1").send().await.unwrap();
    assert_eq!(r3.headers()["x-request-id"], "from-the-proxy-1", "a proxy's id is kept");
}

#[tokio::test]
async fn json_logs_carry_the_request_id() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zoho-gateway"))
        .arg("--sandbox")
        .env("GATEWAY_BIND", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", "memory:")
        .env("GATEWAY_LOG_FORMAT", "json")
        .env("GATEWAY_LOG", "zoho_gateway=debug,tower_http=debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the gateway started");
    let r = client.post(format!("{base}/graphql")).json(&json!({ "query": "{ leads { nodes { id } } }" })).send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.kill();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let lines: Vec<serde_json::Value> = out.lines().map_while(Result::ok).filter_map(|l| serde_json::from_str(&l).ok()).collect();
    let _ = child.wait();
    assert!(!lines.is_empty(), "JSON log lines");
    assert!(
        lines.iter().any(|l| l["span"]["request_id"] == id.as_str()),
        "a log line of that request carries its id {id}: {lines:?}"
    );
}

#[tokio::test]
async fn sandbox_mode_keeps_its_state_in_memory_unless_told_otherwise() {
    // A new sandbox starts at every run, so tokens kept from an earlier run would point at a Zoho
    // that is gone: the demo must not leave a database file behind.
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zoho-gateway"))
        .arg("--sandbox")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("GATEWAY_BIND", format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "the gateway started");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert!(files.is_empty(), "no store files in sandbox mode: {files:?}");
}
