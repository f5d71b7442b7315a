//! The graphql-transport-ws protocol (the graphql-ws library's, used by Apollo Client and urql:
//! github.com/enisdenjo/graphql-ws, PROTOCOL.md) at `GET /graphql` with `Upgrade: websocket`.
//!
//! The upgrade itself is checked first: a browser always sends `Origin` on a WebSocket handshake
//! and the cookie rides along whatever page opened it, so a foreign `Origin` is refused (403,
//! cross-site WebSocket hijacking); no session is 401; the live-connection limit is 503. Non-browser
//! clients send no `Origin` and are let through on their cookie alone.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::ServerError;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use super::{LiveSession, Payload, connect, http_refusal, is_refusal, start, still_signed_in};
use crate::http::graphql::GraphqlEndpoint;
use crate::live::ConnectionGuard;

pub const PROTOCOL: &str = "graphql-transport-ws";
/// The client must send `connection_init` within this (the protocol's 4408 otherwise).
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A ping now and then keeps proxies from closing a quiet connection.
const PING_EVERY: Duration = Duration::from_secs(25);
/// Messages a connection may have waiting for its socket; a full queue holds the subscriptions
/// back, which then fall behind the changes and end as slow consumers.
const OUT_QUEUE: usize = 64;
/// The socket's initial read buffer.
const READ_BUFFER: usize = 4 * 1024;
/// Subscribe messages carry a document and variables: 64 KiB is plenty.
const MAX_MESSAGE: usize = 64 * 1024;

/// Whether this request asks for a WebSocket.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Checks the handshake, then hands the socket to `serve`.
pub async fn upgrade(endpoint: Arc<GraphqlEndpoint>, headers: HeaderMap, upgrade: WebSocketUpgrade) -> Response {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        let origin = origin.to_str().unwrap_or_default();
        if !endpoint.origin_allowed(origin, own) {
            tracing::warn!(origin, "refused a WebSocket from another origin");
            return http_refusal(
                StatusCode::FORBIDDEN,
                "WebSocket connections are accepted only from this gateway's own origin or GATEWAY_CORS_ORIGINS.",
                "FORBIDDEN",
            );
        }
    }
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|p| p.trim() == PROTOCOL));
    if !offered {
        return http_refusal(
            StatusCode::BAD_REQUEST,
            "Use the graphql-transport-ws subprotocol (the graphql-ws library's); subscriptions-transport-ws is not served.",
            "BAD_REQUEST",
        );
    }
    let (live, guard) = match connect(&endpoint, &headers).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(MAX_MESSAGE)
        // tungstenite reserves 128 KiB per connection by default; portal messages are a few hundred
        // bytes (the buffer grows for a larger one). Measured: 136 KiB → 9 KiB per connection.
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| serve(socket, endpoint, live, guard))
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit,
    Ping,
    Pong,
    Subscribe { id: String, payload: Payload },
    Complete { id: String },
}

/// What a subscription task hands the connection.
enum Out {
    /// A protocol message to send.
    Send(String),
    /// The subscription `id` is over (its last message was sent before); `complete` says whether
    /// the protocol's `complete` goes to the client (not after an `error`).
    Done { id: String, complete: bool },
}

/// Ends a task when dropped: a subscription ends with its connection or its `complete`.
struct Task(tokio::task::JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn serve(socket: WebSocket, endpoint: Arc<GraphqlEndpoint>, live: LiveSession, _guard: ConnectionGuard) {
    let (mut sink, mut incoming) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Out>(OUT_QUEUE);
    let mut running: HashMap<String, Task> = HashMap::new();
    let mut acknowledged = false;
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(init_deadline);
    let mut session_check = tokio::time::interval(super::SESSION_CHECK);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let live = Arc::new(live);
    let close = loop {
        tokio::select! {
            () = &mut init_deadline, if !acknowledged => break Some((4408, "Connection initialisation timeout")),
            _ = session_check.tick() => {
                if !still_signed_in(&endpoint, &live.id).await {
                    break Some((4401, "Unauthorized: the session ended"));
                }
            }
            _ = ping.tick(), if acknowledged => {
                if sink.send(text_of(json!({ "type": "ping" }))).await.is_err() {
                    break None;
                }
            }
            Some(out) = out_rx.recv() => {
                let message = match out {
                    Out::Send(message) => message,
                    Out::Done { id, complete } => {
                        running.remove(&id);
                        if !complete {
                            continue;
                        }
                        json!({ "id": id, "type": "complete" }).to_string()
                    }
                };
                if sink.send(Message::Text(message.into())).await.is_err() {
                    break None;
                }
            }
            message = incoming.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(_))) => break Some((4400, "Binary messages are not part of the protocol")),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break None,
                };
                let Ok(message) = serde_json::from_str::<ClientMessage>(&text) else {
                    break Some((4400, "Invalid message received"));
                };
                match message {
                    ClientMessage::ConnectionInit => {
                        if acknowledged {
                            break Some((4429, "Too many initialisation requests"));
                        }
                        acknowledged = true;
                        if sink.send(text_of(json!({ "type": "connection_ack" }))).await.is_err() {
                            break None;
                        }
                    }
                    ClientMessage::Ping => {
                        if sink.send(text_of(json!({ "type": "pong" }))).await.is_err() {
                            break None;
                        }
                    }
                    ClientMessage::Pong => {}
                    ClientMessage::Subscribe { id, payload } => {
                        if !acknowledged {
                            break Some((4401, "Unauthorized"));
                        }
                        if running.contains_key(&id) {
                            break Some((4409, "Subscriber for this id already exists"));
                        }
                        match start(&endpoint, &live, payload) {
                            Err(errors) => {
                                if sink.send(Message::Text(error_message(&id, &errors).into())).await.is_err() {
                                    break None;
                                }
                            }
                            Ok(answers) => {
                                let task = tokio::spawn(forward(id.clone(), answers, out_tx.clone()));
                                running.insert(id, Task(task));
                            }
                        }
                    }
                    ClientMessage::Complete { id } => {
                        // The client ends it: no `complete` goes back (the protocol says so).
                        running.remove(&id);
                    }
                }
            }
        }
    };
    drop(running);
    if let Some((code, reason)) = close {
        let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from(reason) }))).await;
    }
}

/// Passes a subscription's answers to the connection: `error` for a refusal before it starts,
/// else `next` per answer and `complete` at the end.
async fn forward(id: String, mut answers: futures::stream::BoxStream<'static, async_graphql::Response>, out: mpsc::Sender<Out>) {
    let mut first = true;
    while let Some(answer) = answers.next().await {
        let message = if first && is_refusal(&answer) {
            let mut errors = answer.errors;
            for error in &mut errors {
                // async-graphql's validation errors carry no code; HTTP gives them this one.
                let extensions = error.extensions.get_or_insert_with(Default::default);
                if extensions.get("code").is_none() {
                    extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
                }
            }
            let message = error_message(&id, &errors);
            let _ = out.send(Out::Send(message)).await;
            // `error` ends the operation: no `complete` follows.
            let _ = out.send(Out::Done { id, complete: false }).await;
            return;
        } else {
            // Serialised from the answer itself: through `serde_json::Value` its keys would be
            // sorted, not in selection order.
            serde_json::to_string(&Envelope { id: &id, kind: "next", payload: &answer }).unwrap_or_default()
        };
        first = false;
        if out.send(Out::Send(message)).await.is_err() {
            return;
        }
    }
    let _ = out.send(Out::Done { id, complete: true }).await;
}

/// A protocol message with a payload.
#[derive(serde::Serialize)]
struct Envelope<'a, T: serde::Serialize> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    payload: &'a T,
}

fn error_message(id: &str, errors: &[ServerError]) -> String {
    serde_json::to_string(&Envelope { id, kind: "error", payload: &errors }).unwrap_or_default()
}

fn text_of(value: serde_json::Value) -> Message {
    Message::Text(value.to_string().into())
}
