//! Metrics, request ids and structured logs.

use std::io::BufRead as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use zoho_gateway::sandbox::Fault;

use crate::helpers::{Options, error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn metrics_count_operations_zoho_calls_cache_and_refreshes() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    admin.graphql("{ leads(perPage: 3) { nodes { id } } }", json!({})).await;
    admin.graphql("{ leads(perPage: 3) { nodes { id } } }", json!({})).await;
    app.sandbox.expire_access_tokens();
    admin.graphql("{ leads(perPage: 4) { nodes { id } } }", json!({})).await;
    let text = reqwest::get(format!("{}/metrics", app.metrics)).await.unwrap().text().await.unwrap();
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
        .env("GATEWAY_METRICS_BIND", "127.0.0.1:0")
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
        .env("GATEWAY_METRICS_BIND", "127.0.0.1:0")
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

/// Formatted log lines, kept in memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Lines;

    fn make_writer(&'a self) -> Lines {
        self.clone()
    }
}

#[tokio::test]
async fn a_zoho_failure_is_logged_once_with_its_cause() {
    // The test's runtime has one thread, so this thread's subscriber sees the gateway's lines.
    let lines = Lines::default();
    let subscriber = tracing_subscriber::fmt().with_writer(lines.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let args = ["--retry-budget-ms", "0", "--cache", "false"].map(str::to_owned).to_vec();
    let app = spawn_app_with(Options { args, ..Options::default() }).await;
    let admin = app.signed_in("admin").await;
    let before = lines.text().len();

    app.sandbox.set_fault(Some(Fault::Status(500)));
    let r = admin.graphql("{ leads(perPage: 2) { nodes { id } } }", json!({})).await;

    assert_eq!(error_code(&r), "UPSTREAM_UNAVAILABLE", "{r}");
    let text = lines.text();
    let warnings: Vec<&str> = text[before..].lines().filter(|l| l.contains("WARN") && l.contains("zoho_gateway")).collect();
    assert_eq!(warnings.len(), 1, "one line per failure: {warnings:#?}");
    assert!(warnings[0].contains("500"), "the line names the cause: {}", warnings[0]);
    assert!(!r.to_string().contains("500"), "the client is not told Zoho's internals: {r}");
}
