//! Issue 11: GraphQL subscriptions over graphql-transport-ws and graphql-sse. A change made in
//! Zoho reaches a subscriber within a second; each event is re-read with the subscriber's own
//! token, so a standard user never hears of records they cannot see; the WebSocket upgrade needs
//! the session and a trusted Origin; a session that ends closes its subscriptions; limits hold.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use zoho_gateway::sandbox::SandboxConfig;

use crate::helpers::{Browser, Options, TestApp, spawn_app_with};

const CHANGED: &str = "subscription { leadChanged { operation id lead { id lastName } } }";

async fn app(public: bool, args: &[&str]) -> TestApp {
    let args = args.iter().map(|s| (*s).to_owned()).collect();
    spawn_app_with(Options { sandbox: SandboxConfig::default(), args, public, ..Options::default() }).await
}

/// Waits until the gateway has enabled the org's channels (its first sign-in starts that).
async fn channel_enabled(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.sandbox.calls().get("notifications.enable") == 0 {
        assert!(Instant::now() < deadline, "no channel enabled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws client, as the graphql-ws library speaks it.
struct Ws {
    socket: Socket,
    /// The text of the last message, as sent.
    raw: String,
}

/// The upgrade request of `browser` (its cookie), with `origin` if given.
fn upgrade_request(browser: &Browser, origin: Option<&str>) -> tungstenite::handshake::client::Request {
    let url = format!("{}/graphql", browser.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("request");
    let headers = request.headers_mut();
    headers.insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let cookie = browser.cookie_header();
    if !cookie.is_empty() {
        headers.insert("Cookie", cookie.parse().unwrap());
    }
    if let Some(origin) = origin {
        headers.insert("Origin", origin.parse().unwrap());
    }
    request
}

impl Ws {
    /// Connects as `browser` and completes the handshake (`connection_init` → `connection_ack`).
    async fn open(browser: &Browser) -> Ws {
        let (socket, response) =
            tokio_tungstenite::connect_async(upgrade_request(browser, Some(&browser.base))).await.expect("upgrade");
        assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
        let mut ws = Ws { socket, raw: String::new() };
        ws.send(json!({ "type": "connection_init" })).await;
        assert_eq!(ws.next_message(Duration::from_secs(5)).await.expect("ack")["type"], "connection_ack");
        ws
    }

    async fn send(&mut self, message: Value) {
        self.socket.send(Message::Text(message.to_string().into())).await.expect("send");
    }

    async fn subscribe(&mut self, id: &str, query: &str) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query } })).await;
    }

    /// The next protocol message (pings answered on the way), or `None` on timeout; a close
    /// frame comes back as `{"type":"close","code":…}`.
    async fn next_message(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let message = tokio::time::timeout_at(deadline, self.socket.next()).await.ok()?;
            match message {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON message");
                    self.raw = text.to_string();
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.map(|f| u16::from(f.code)).unwrap_or(1005);
                    return Some(json!({ "type": "close", "code": code }));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(json!({ "type": "close", "code": 1006 })),
            }
        }
    }

    /// Events of subscription `id` until `within` has passed with none.
    async fn events_for(&mut self, id: &str, within: Duration) -> Vec<Value> {
        let mut events = Vec::new();
        while let Some(m) = self.next_message(within).await {
            assert_eq!(m["id"], id, "{m}");
            events.push(m);
        }
        events
    }
}

/// Waits until the gateway counts `n` open subscriptions (`gateway_live_subscriptions`): from then
/// on they hear every change.
async fn subscribed(app: &TestApp, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let wanted = format!("gateway_live_subscriptions {n}\n");
    loop {
        let metrics = reqwest::get(format!("{}/metrics", app.metrics)).await.unwrap().text().await.unwrap();
        if metrics.contains(&wanted) {
            return;
        }
        assert!(Instant::now() < deadline, "never {n} subscriptions: {metrics}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The first lead's id as `browser` sees the list.
async fn first_lead(browser: &Browser) -> String {
    let r = browser.graphql("{ leads(perPage: 1) { nodes { id } } }", json!({})).await;
    r["data"]["leads"]["nodes"][0]["id"].as_str().expect("a lead").to_owned()
}

#[tokio::test]
async fn a_change_made_in_zoho_reaches_a_subscriber_within_a_second() {
    let app = app(true, &[]).await;
    let admin = app.signed_in("admin").await;
    channel_enabled(&app).await;
    let id = first_lead(&admin).await;
    let mut ws = Ws::open(&admin).await;
    ws.subscribe("1", CHANGED).await;
    subscribed(&app, 1).await;

    let started = Instant::now();
    app.sandbox.edit_as_ui("Leads", &id, json!({ "Last_Name": "Changed In Zoho" })).expect("UI edit");
    let event = ws.next_message(Duration::from_secs(1)).await.expect("an event within 1 s");
    eprintln!("the UI edit reached the subscriber after {:?}", started.elapsed());
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(event["id"], "1");
    assert_eq!(
        event["payload"]["data"]["leadChanged"],
        json!({ "operation": "UPDATED", "id": id, "lead": { "id": id, "lastName": "Changed In Zoho" } })
    );

    // A creation and a deletion "in Zoho" too; the deleted lead was shown to this user.
    let created = app.sandbox.create_as_ui("Leads", json!({ "Last_Name": "Made In Zoho" })).expect("UI create");
    let event = ws.next_message(Duration::from_secs(1)).await.expect("creation");
    assert_eq!(event["payload"]["data"]["leadChanged"]["operation"], "CREATED", "{event}");
    assert_eq!(event["payload"]["data"]["leadChanged"]["lead"]["lastName"], "Made In Zoho");
    app.sandbox.delete_as_ui("Leads", &created).expect("UI delete");
    let event = ws.next_message(Duration::from_secs(1)).await.expect("deletion");
    assert_eq!(
        event["payload"]["data"]["leadChanged"],
        json!({ "operation": "DELETED", "id": created, "lead": null }),
        "{event}"
    );

    // The client ends it: nothing more arrives, not even `complete` (the protocol says so).
    ws.send(json!({ "id": "1", "type": "complete" })).await;
    subscribed(&app, 0).await;
    app.sandbox.edit_as_ui("Leads", &id, json!({ "Last_Name": "Unheard" })).expect("UI edit");
    assert_eq!(ws.next_message(Duration::from_millis(500)).await, None);
}

#[tokio::test]
async fn a_standard_user_never_gets_events_for_records_they_cannot_see() {
    let app = app(true, &[]).await;
    let admin = app.signed_in("admin").await;
    let advisor = app.signed_in("advisor").await;
    channel_enabled(&app).await;
    let everyone = |r: &Value| -> Vec<String> {
        r["data"]["leads"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
    };
    let theirs = everyone(&advisor.graphql("{ leads(perPage: 200) { nodes { id } } }", json!({})).await);
    let all = everyone(&admin.graphql("{ leads(perPage: 200) { nodes { id } } }", json!({})).await);
    let visible = theirs.first().expect("the advisor owns leads").clone();
    let hidden: Vec<&String> = all.iter().filter(|id| !theirs.contains(id)).take(2).collect();
    assert_eq!(hidden.len(), 2, "the admin sees leads the advisor does not");

    let mut advisor_ws = Ws::open(&advisor).await;
    let mut admin_ws = Ws::open(&admin).await;
    advisor_ws.subscribe("a", CHANGED).await;
    admin_ws.subscribe("b", CHANGED).await;
    subscribed(&app, 2).await;

    // Hidden from the advisor: an edit and a deletion; then an edit of their own lead.
    app.sandbox.edit_as_ui("Leads", hidden[0], json!({ "Last_Name": "Not For Advisors" })).expect("edit");
    app.sandbox.delete_as_ui("Leads", hidden[1]).expect("delete");
    app.sandbox.edit_as_ui("Leads", &visible, json!({ "Last_Name": "Advisor's Own" })).expect("edit");

    let seen = advisor_ws.events_for("a", Duration::from_millis(1500)).await;
    let changes: Vec<&Value> = seen.iter().map(|e| &e["payload"]["data"]["leadChanged"]).collect();
    assert_eq!(
        changes,
        [&json!({ "operation": "UPDATED", "id": visible, "lead": { "id": visible, "lastName": "Advisor's Own" } })]
    );
    let seen = admin_ws.events_for("b", Duration::from_millis(1500)).await;
    let ids: Vec<(&Value, &Value)> = seen
        .iter()
        .map(|e| (&e["payload"]["data"]["leadChanged"]["operation"], &e["payload"]["data"]["leadChanged"]["id"]))
        .collect();
    assert_eq!(
        ids,
        [(&json!("UPDATED"), &json!(hidden[0])), (&json!("DELETED"), &json!(hidden[1])), (&json!("UPDATED"), &json!(visible))],
        "the admin hears of all three"
    );
}

#[tokio::test]
async fn a_cross_origin_websocket_is_refused_and_so_is_one_without_a_session() {
    let app = app(false, &["--cors-origins", "https://portal.example.org"]).await;
    let admin = app.signed_in("admin").await;
    let refused = |r: Result<_, tungstenite::Error>| match r {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => 101,
    };
    // Cross-site WebSocket hijacking: another site's page opens the socket with the user's cookie.
    let evil = tokio_tungstenite::connect_async(upgrade_request(&admin, Some("https://evil.example"))).await;
    assert_eq!(refused(evil), 403);
    let lookalike = tokio_tungstenite::connect_async(upgrade_request(&admin, Some("http://127.0.0.1.evil.example"))).await;
    assert_eq!(refused(lookalike), 403);
    // No session, own origin: 401.
    let stranger = app.browser();
    let anonymous = tokio_tungstenite::connect_async(upgrade_request(&stranger, Some(&app.base))).await;
    assert_eq!(refused(anonymous), 401);
    // The configured origin and the gateway's own are let in; so is a client that is no browser.
    for origin in [Some("https://portal.example.org"), Some(app.base.as_str()), None] {
        let ok = tokio_tungstenite::connect_async(upgrade_request(&admin, origin)).await;
        assert_eq!(refused(ok), 101, "{origin:?}");
    }
}

#[tokio::test]
async fn signing_out_closes_the_sessions_subscriptions() {
    let app = app(false, &[]).await;
    let admin = app.signed_in("admin").await;
    let mut ws = Ws::open(&admin).await;
    ws.subscribe("1", CHANGED).await;
    subscribed(&app, 1).await;
    let out = admin.graphql("mutation { logout }", json!({})).await;
    assert!(out["errors"].is_null(), "{out}");
    let closed = ws.next_message(Duration::from_secs(3)).await.expect("closed");
    // 4401: the graphql-ws client does not reconnect after it.
    assert_eq!(closed, json!({ "type": "close", "code": 4401 }));
}

#[tokio::test]
async fn the_gateways_own_writes_reach_subscribers_when_zoho_does_not_call_back() {
    let app = app(false, &[]).await;
    let admin = app.signed_in("admin").await;
    let coordinator = app.signed_in("coordinator").await;
    let mut ws = Ws::open(&admin).await;
    ws.subscribe("1", "subscription { leadChanged(operations: [CREATED]) { operation lead { lastName id } } }").await;
    subscribed(&app, 1).await;
    let made = coordinator.graphql("mutation { createLead(input: { lastName: \"Written Here\" }) { id } }", json!({})).await;
    assert!(made["errors"].is_null(), "{made}");
    let event = ws.next_message(Duration::from_secs(1)).await.expect("an event");
    let id = made["data"]["createLead"]["id"].as_str().unwrap();
    assert_eq!(
        event["payload"]["data"]["leadChanged"],
        json!({ "operation": "CREATED", "lead": { "lastName": "Written Here", "id": id } }),
        "{event}"
    );
    // Keys in selection order, as over HTTP (`lastName` before `id`).
    let raw = &ws.raw;
    assert!(raw.find("\"operation\"") < raw.find("\"lead\"") && raw.find("\"lastName\"") < raw.find("\"id\":\"6"), "{raw}");
    // `operations: [CREATED]` leaves out the update.
    let updated = coordinator
        .graphql(&format!("mutation {{ updateLead(id: \"{id}\", input: {{ lastName: \"Again\" }}) {{ id }} }}"), json!({}))
        .await;
    assert!(updated["errors"].is_null(), "{updated}");
    assert_eq!(ws.next_message(Duration::from_millis(500)).await, None);
}

#[tokio::test]
async fn the_protocol_is_kept_and_the_limits_hold() {
    let app = app(false, &["--max-subscriptions", "2"]).await;
    let admin = app.signed_in("admin").await;
    let mut ws = Ws::open(&admin).await;
    ws.subscribe("1", CHANGED).await;
    ws.subscribe("2", CHANGED).await;
    ws.subscribe("3", CHANGED).await;
    let refused = ws.next_message(Duration::from_secs(2)).await.expect("refusal");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "3");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS", "{refused}");
    let metrics = reqwest::get(format!("{}/metrics", app.metrics)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("gateway_live_subscriptions 2\n"), "two open: {metrics}");
    assert!(metrics.contains("gateway_live_connections 1\n"), "one socket: {metrics}");
    // Queries go over HTTP; a bad document is an `error` with its code; neither closes the socket.
    ws.subscribe("4", "{ me { user { name } } }").await;
    let refused = ws.next_message(Duration::from_secs(2)).await.expect("refusal");
    assert_eq!((&refused["type"], &refused["payload"][0]["extensions"]["code"]), (&json!("error"), &json!("BAD_REQUEST")));
    ws.subscribe("5", "subscription { leadChanged { nope } }").await;
    let refused = ws.next_message(Duration::from_secs(2)).await.expect("refusal");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{refused}");
    ws.subscribe("6", "subscription { leadChanged(ids: [\"abc\"]) { id } }").await;
    let refused = ws.next_message(Duration::from_secs(2)).await.expect("refusal");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
    // A second subscription under a running id closes the connection (4409).
    ws.subscribe("1", CHANGED).await;
    assert_eq!(ws.next_message(Duration::from_secs(2)).await, Some(json!({ "type": "close", "code": 4409 })));

    // Subscribing before `connection_init` is 4401; a second `connection_init` is 4429.
    let (socket, _) = tokio_tungstenite::connect_async(upgrade_request(&admin, None)).await.expect("upgrade");
    let mut early = Ws { socket, raw: String::new() };
    early.subscribe("1", CHANGED).await;
    assert_eq!(early.next_message(Duration::from_secs(2)).await, Some(json!({ "type": "close", "code": 4401 })));
    let mut twice = Ws::open(&admin).await;
    twice.send(json!({ "type": "connection_init" })).await;
    assert_eq!(twice.next_message(Duration::from_secs(2)).await, Some(json!({ "type": "close", "code": 4429 })));
    // The first socket's subscriptions ended with it: the session may open two again.
    let mut again = Ws::open(&admin).await;
    again.subscribe("x", CHANGED).await;
    again.subscribe("y", CHANGED).await;
    assert_eq!(again.next_message(Duration::from_millis(500)).await, None, "both accepted");
}

#[tokio::test]
async fn server_sent_events_carry_the_same_subscription() {
    let app = app(true, &[]).await;
    let admin = app.signed_in("admin").await;
    channel_enabled(&app).await;
    let id = first_lead(&admin).await;
    let response = admin
        .client
        .post(format!("{}/graphql", app.base))
        .header("accept", "text/event-stream")
        .json(&json!({ "query": CHANGED }))
        .send()
        .await
        .expect("stream opens");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut body = response.bytes_stream();
    subscribed(&app, 1).await;
    let started = Instant::now();
    app.sandbox.edit_as_ui("Leads", &id, json!({ "Last_Name": "Streamed" })).expect("UI edit");
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(1), body.next()).await.expect("an event within 1 s");
        text.push_str(std::str::from_utf8(&chunk.expect("stream").expect("bytes")).unwrap());
    }
    eprintln!("the UI edit reached the SSE subscriber after {:?}", started.elapsed());
    let event = text.split("\n\n").find(|e| e.contains("event: next")).expect("a next event");
    let data: Value = serde_json::from_str(event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap()).unwrap();
    assert_eq!(data["data"]["leadChanged"]["lead"]["lastName"], "Streamed", "{data}");

    // Without a session: 401 before any stream.
    let stranger = app.browser();
    let refused = stranger
        .client
        .post(format!("{}/graphql", app.base))
        .header("accept", "text/event-stream")
        .json(&json!({ "query": CHANGED }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    // A subscription sent as an ordinary request is told where subscriptions are served.
    let r = admin.graphql(CHANGED, json!({})).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{r}");

    // Signing out ends the stream with an error and `complete` (a bare close would make
    // graphql-sse's client retry).
    let out = admin.graphql("mutation { logout }", json!({})).await;
    assert!(out["errors"].is_null(), "{out}");
    let mut rest = String::new();
    while !rest.contains("event: complete") {
        match tokio::time::timeout(Duration::from_secs(3), body.next()).await.expect("ended within 3 s") {
            Some(chunk) => rest.push_str(std::str::from_utf8(&chunk.expect("bytes")).unwrap()),
            None => panic!("closed without complete: {rest:?}"),
        }
    }
    assert!(rest.contains("UNAUTHENTICATED"), "{rest}");
}
