//! A callback receiver for the notification tests: a real HTTP server on port 0 that keeps every
//! request it gets (URI, content type, JSON body) and answers with a chosen status after a chosen
//! delay, as a gateway's `/zoho/notifications` would.

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use serde_json::Value;
use tokio::sync::mpsc;

/// Waiting longer than this for a callback fails the test.
const PATIENCE: Duration = Duration::from_secs(5);

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// Path and query, e.g. `/hook?org=zylker`.
    pub uri: String,
    pub content_type: Option<String>,
    pub body: Value,
}

pub(crate) struct Receiver {
    base: String,
    received: mpsc::UnboundedReceiver<Received>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Receiver {
    /// Answers 200 at once.
    pub async fn start() -> Receiver {
        Receiver::answering(StatusCode::OK, Duration::ZERO).await
    }

    /// Records each request as it arrives, then waits `delay` and answers `status`.
    pub async fn answering(status: StatusCode, delay: Duration) -> Receiver {
        let (sender, received) = mpsc::unbounded_channel();
        let app = Router::new().fallback(move |request: Request| {
            let sender = sender.clone();
            async move {
                let uri = request.uri().to_string();
                let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
                let bytes = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap_or_default();
                let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let _ = sender.send(Received { uri, content_type, body });
                tokio::time::sleep(delay).await;
                status
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("receiver binds");
        let base = format!("http://{}", listener.local_addr().expect("receiver address"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { base, received, server }
    }

    /// The URL of `path_and_query` on this receiver.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// The next callback (fails the test after a few seconds without one).
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(PATIENCE, self.received.recv()).await.ok().flatten().expect("a callback arrives")
    }

    /// Whether nothing arrives for `quiet`.
    pub async fn nothing_for(&mut self, quiet: Duration) -> bool {
        tokio::time::timeout(quiet, self.received.recv()).await.is_err()
    }
}
