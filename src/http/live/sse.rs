//! graphql-sse's distinct-connections mode (github.com/enisdenjo/graphql-sse, PROTOCOL.md): a
//! `POST /graphql` that accepts `text/event-stream` gets one subscription as a stream of `next`
//! events and a final `complete`. It passes the same CSRF rule as any POST (JSON body only).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::{Payload, connect, start, still_signed_in};
use crate::error::GatewayError;
use crate::http::graphql::GraphqlEndpoint;

pub const EVENT_STREAM: &str = "text/event-stream";

/// Whether the client asks for an event stream.
pub fn wants_events(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.split(',').any(|part| part.split(';').next().unwrap_or_default().trim() == EVENT_STREAM))
}

/// One subscription as a stream of events; refusals before it starts come as one `next` with the
/// errors, then `complete` (as graphql-sse's reference server answers them).
pub async fn stream(endpoint: Arc<GraphqlEndpoint>, headers: &HeaderMap, payload: Payload) -> Response {
    let (live, guard) = match connect(&endpoint, headers).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    let answers = match start(&endpoint, &live, payload) {
        Ok(answers) => answers,
        Err(errors) => {
            let refusal = async_graphql::Response::from_errors(errors);
            let events = futures::stream::iter([next(&refusal), complete()]);
            return respond(events.boxed());
        }
    };
    let events = async_stream::stream! {
        let _guard = guard;
        let mut answers = answers;
        let mut session_check = tokio::time::interval(super::SESSION_CHECK);
        loop {
            tokio::select! {
                _ = session_check.tick() => {
                    if !still_signed_in(&endpoint, &live.id).await {
                        // Said, then `complete`: a stream that just closed would look like a network
                        // failure to graphql-sse's client, which retries (into 401s).
                        let ended = GatewayError::Unauthenticated("Your session ended; sign in again.");
                        let errors = vec![async_graphql::Error::from(ended).into_server_error(Default::default())];
                        yield next(&async_graphql::Response::from_errors(errors));
                        yield complete();
                        break;
                    }
                }
                answer = answers.next() => match answer {
                    Some(answer) => yield next(&answer),
                    None => {
                        yield complete();
                        break;
                    }
                },
            }
        }
    };
    respond(events.boxed())
}

fn next(answer: &async_graphql::Response) -> Result<Event, Infallible> {
    let data = serde_json::to_string(answer).unwrap_or_else(|_| r#"{"errors":[{"message":"Internal error."}]}"#.to_owned());
    Ok(Event::default().event("next").data(data))
}

fn complete() -> Result<Event, Infallible> {
    Ok(Event::default().event("complete").data(""))
}

fn respond(events: futures::stream::BoxStream<'static, Result<Event, Infallible>>) -> Response {
    let mut response = Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    // Proxies such as nginx buffer responses unless told not to; events must not wait.
    headers.insert("x-accel-buffering", header::HeaderValue::from_static("no"));
    response
}
