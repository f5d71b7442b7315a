//! `cargo bench --bench subscriptions`: 1,000 open GraphQL subscriptions on one gateway process and
//! one change made in Zoho: how long until the last subscriber has it, what the change costs in
//! Zoho calls, and how much memory a subscription (and a connection) holds (issue 11).
//!
//! Two shapes of the same 1,000 subscriptions (`leadChanged`), each on a fresh sandbox and a fresh
//! gateway process, so neither inherits the other's heap:
//! - **one session**: the sandbox admin signs in once and opens 50 WebSocket connections of 20
//!   subscriptions each. Every subscription belongs to one user, so each change is re-read once
//!   (the read is shared per user) and fanned out 1,000 times;
//! - **1,000 sessions**: 1,000 sign-ins, each with one connection of one subscription (a browser
//!   tab each), taken in turn by the sandbox's three users (admin, advisor, coordinator). Sessions
//!   of one user share that user's read, so a change costs one read per user, three in all. The
//!   changed lead is the advisor's: a standard user sees only their own leads, so the admin's and
//!   the advisor's subscribers must have it and the coordinator's must hear nothing (checked).
//!
//! What it does, per shape:
//! 1. starts the sandbox in this process (as a library) and one gateway process built from this
//!    tree (`target/release/zoho-gateway`, which Cargo builds with the bench) with
//!    `GATEWAY_PUBLIC_URL` set to its own address, so the sandbox calls it back on every change as
//!    Zoho would; the default store (an SQLite file in a temporary directory), metrics on a free
//!    loopback port (read for `gateway_live_*`), `GATEWAY_MAX_SUBSCRIPTIONS=1000` (the
//!    one-session shape needs 1,000 in one session) and the default `GATEWAY_MAX_LIVE_CONNECTIONS`
//!    (10,000);
//! 2. signs in over HTTP as a browser does, keeping each `zgw_session` cookie, and waits until the
//!    gateway has enabled the org's notification channels;
//! 3. reads the gateway's `VmRSS` (`/proc/<pid>/status`) before any connection, after every
//!    connection is open and acknowledged (graphql-transport-ws `connection_init` →
//!    `connection_ack`, and `gateway_live_connections` shows them all), and after every
//!    subscription is sent and `gateway_live_subscriptions` shows them all: memory per connection
//!    and per subscription are the differences over the counts; and the gateway's CPU time from the
//!    subscribe messages until all are open, and over the two seconds after (everything open,
//!    nothing changing);
//! 4. makes one change with `Sandbox::edit_as_ui` (as if in Zoho's UI), five times over
//!    (`BENCH_CHANGES`), and times each `next` message from just before the edit to its arrival in
//!    this process: p50, p99 and max (the last subscriber), plus the Zoho API calls the change
//!    cost, the gateway's CPU time for it and anything that should not have arrived (a duplicate,
//!    an error such as `SLOW_CONSUMER`, a close, an event for the coordinator). The first changes
//!    are the warm-up, reported apart: the gauge counts a subscription a moment before it listens
//!    for changes, so a change of a lead of each standard user of the shape (the advisor's, then
//!    the coordinator's) is what confirms that every one of the 1,000 hears them (each must have
//!    one of them).
//!
//! Clients, sandbox and gateway share this machine's cores, so the latencies include the clients'
//! own work of reading 1,000 messages. Figures are reported, never asserted: the exit status says
//! only whether the bench could run. `BENCH_CHANGES` sets the number of measured changes per
//! shape (default 5).

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use futures::{SinkExt as _, StreamExt as _, TryStreamExt as _};
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};
#[path = "support/mod.rs"]
mod support;

use support::{cpu_ms, free_port, progress};
use zoho_gateway::sandbox::{DeliveryOutcome, Sandbox, SandboxConfig};

/// What every subscriber subscribes to (the subscription tests' document).
const CHANGED: &str = "subscription { leadChanged { operation id lead { id lastName } } }";

/// The two shapes of the 1,000 subscriptions.
const SHAPES: [Shape; 2] = [
    Shape { label: "one session", users: &["admin"], sessions: 1, connections: 50, per_connection: 20 },
    Shape {
        label: "1000 sessions",
        users: &["admin", "advisor", "coordinator"],
        sessions: 1000,
        connections: 1000,
        per_connection: 1,
    },
];
/// The standard user whose lead is changed (the admin sees it too, the coordinator does not).
const OWNER: &str = "advisor";
/// Sign-ins at once: each costs the sandbox a token exchange and two API calls; its default
/// concurrency limit is 10.
const SIGN_IN_CONCURRENCY: usize = 4;
/// WebSocket handshakes at once.
const CONNECT_CONCURRENCY: usize = 32;
/// How long the gateway may take to count every connection or subscription open
/// (`gateway_live_connections`, `gateway_live_subscriptions`).
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Once all are counted, before the RSS is read: what each one allocates right after it is
/// counted (its change receiver, its first session check) has settled by then.
const SETTLE: Duration = Duration::from_millis(500);
/// After the settle: the gateway's CPU time with everything open and nothing changing.
const IDLE: Duration = Duration::from_secs(2);
/// How long a change may take to reach every subscriber before the missing ones are counted.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Listening on after the last expected event: whatever arrives then is a duplicate or a leak.
const QUIET: Duration = Duration::from_millis(500);
/// How long the gateway may take to answer `/healthz`, and to enable the org's channels.
const START_TIMEOUT: Duration = Duration::from_secs(30);

struct Shape {
    label: &'static str,
    /// Session `i` signs in as `users[i % users.len()]`.
    users: &'static [&'static str],
    sessions: usize,
    /// Connection `c` belongs to session `c % sessions`.
    connections: usize,
    per_connection: usize,
}

impl Shape {
    fn subscriptions(&self) -> usize {
        self.connections * self.per_connection
    }

    fn user_of_connection(&self, c: usize) -> &'static str {
        self.users[(c % self.sessions) % self.users.len()]
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    support::exit_code(run().await)
}

async fn run() -> anyhow::Result<()> {
    let changes = bench_changes()?;
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    progress(&format!("{cpus} CPUs, load average before: {}", loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")));
    let tmp = tempfile::tempdir().context("creating a temporary directory")?;
    let mut reports = Vec::new();
    for shape in &SHAPES {
        let report = measure_shape(shape, changes, tmp.path()).await.with_context(|| format!("the {} shape", shape.label))?;
        report.print();
        reports.push(report);
    }
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    progress(&format!("load average after: {}", loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")));
    print_summary(cpus, &reports);
    Ok(())
}

/// Everything measured for one shape.
struct Report {
    shape: &'static Shape,
    pid: u32,
    /// Subscribers whose user may see the changed lead (the ones that must have each change).
    expected: usize,
    /// Subscribers that had a warm-up change (all of them, when every one listens).
    confirmed: usize,
    /// VmRSS in KiB: before any connection, with every connection open, with every subscription.
    rss: [u64; 3],
    /// VmRSS and VmHWM at the end.
    end: (u64, u64),
    /// From the subscribe messages until the gateway counted every subscription open: how long,
    /// and its CPU time (`None` when the count never got there; the warm-up then tells).
    registering: Option<Duration>,
    registering_cpu_ms: f64,
    /// `gateway_live_connections` and `gateway_live_subscriptions` when the RSS was read with all open.
    live_gauges: (f64, f64),
    /// `gateway_live_slow_consumers_total` at the end.
    slow_consumers: f64,
    /// Gateway CPU time over `IDLE` after it, everything open and nothing changing.
    idle_cpu_ms: f64,
    /// Messages that arrived while subscribing (refusals, say).
    before_changes: Vec<String>,
    /// The warm-up changes, by the owner of the changed lead.
    warm_ups: Vec<(&'static str, ChangeResult)>,
    changes: Vec<ChangeResult>,
    log: Vec<String>,
}

async fn measure_shape(shape: &'static Shape, changes: usize, tmp: &Path) -> anyhow::Result<Report> {
    progress(&format!(
        "{}: {} sign-in(s), {} connection(s) × {} subscription(s)",
        shape.label, shape.sessions, shape.connections, shape.per_connection
    ));
    let sandbox = Sandbox::start(SandboxConfig::default()).await.context("starting the sandbox")?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut gateway = Gateway::spawn(&sandbox, tmp)?;
    gateway.wait_ready(&http).await?;
    progress(&format!("gateway pid {} at {}", gateway.child.id(), gateway.base));

    let started = Instant::now();
    let sessions: Vec<String> = futures::stream::iter(0..shape.sessions)
        .map(|i| support::sign_in(&gateway.base, &gateway.redirect_url, shape.users[i % shape.users.len()]))
        .buffered(SIGN_IN_CONCURRENCY)
        .try_collect()
        .await
        .context("signing in")?;
    progress(&format!("{} sign-in(s) in {:.1} s", sessions.len(), started.elapsed().as_secs_f64()));
    channel_enabled(&sandbox).await?;

    let users = sandbox.users();
    // A lead of standard user `owner`, and whether user `key` sees it (admins see every lead).
    let lead_of = |owner: &str| -> anyhow::Result<String> {
        let id = &users.iter().find(|u| u.key == owner).with_context(|| format!("the sandbox has no {owner}"))?.id;
        let leads = sandbox.find_leads(|l| l["Owner"]["id"] == id.as_str());
        leads.first().and_then(|l| l["id"].as_str().map(str::to_owned)).with_context(|| format!("{owner} owns no lead"))
    };
    let is_admin = |key: &str| users.iter().any(|u| u.key == key && u.is_admin());
    let sees = |key: &str, owner: &str| key == owner || is_admin(key);
    // One query per user first, so the baseline already holds what every session needs anyway
    // (the org's model, each user's token), not only what the subscriptions add.
    for (i, user) in shape.users.iter().enumerate() {
        gateway
            .graphql(&http, &sessions[i], "{ leads(perPage: 1) { nodes { id } } }")
            .await
            .with_context(|| format!("a first query as {user}"))?;
    }
    // A moment for whatever those requests left behind (the channels' enabling, a token's
    // revocation) before the baseline is read.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = gateway.memory()?.1;

    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel();
    let clients: Vec<Client> = futures::stream::iter(0..shape.connections)
        .map(|c| Client::open(&gateway.base, &sessions[c % shape.sessions], c, arrivals_tx.clone()))
        .buffered(CONNECT_CONCURRENCY)
        .try_collect()
        .await
        .context("opening the WebSocket connections")?;
    drop(arrivals_tx);
    gateway.wait_for_gauge(&http, "gateway_live_connections", shape.connections).await?;
    tokio::time::sleep(SETTLE).await;
    let rss_connected = gateway.memory()?.1;

    for client in &clients {
        for s in 0..shape.per_connection {
            client.send(json!({ "id": format!("s{s}"), "type": "subscribe", "payload": { "query": CHANGED } }))?;
        }
    }
    // (connection, subscription id) of every subscriber that must have a change of `owner`'s lead.
    let expected_for = |owner: &str| -> HashSet<(usize, String)> {
        (0..shape.connections)
            .filter(|c| sees(shape.user_of_connection(*c), owner))
            .flat_map(|c| (0..shape.per_connection).map(move |s| (c, format!("s{s}"))))
            .collect()
    };
    let pid = gateway.child.id().to_string();
    let cpu_before = cpu_ms(&pid)?;
    let registering = gateway.wait_for_gauge(&http, "gateway_live_subscriptions", shape.subscriptions()).await?;
    let registering_cpu_ms = cpu_ms(&pid)? - cpu_before;
    tokio::time::sleep(SETTLE).await;
    let rss_subscribed = gateway.memory()?.1;
    let live_gauges =
        (gateway.metric(&http, "gateway_live_connections").await?, gateway.metric(&http, "gateway_live_subscriptions").await?);
    // What keeping them open costs (keep-alive pings, each connection's session check every
    // second), apart from starting them.
    let cpu_before = cpu_ms(&pid)?;
    tokio::time::sleep(IDLE).await;
    let idle_cpu_ms = cpu_ms(&pid)? - cpu_before;
    let mut before_changes = Vec::new();
    while let Ok(arrival) = arrivals.try_recv() {
        before_changes.push(arrival.describe());
    }

    // The warm-up: a change of a lead of each standard user of the shape, so that every
    // subscriber, a coordinator's too, must have one of them: that shows each one listening
    // (the gauge counts it a moment before).
    let mut change = Change { sandbox: &sandbox, gateway: &gateway, arrivals: &mut arrivals };
    let mut warm_ups = Vec::new();
    let mut confirmed = HashSet::new();
    let owners = std::iter::once(OWNER).chain(shape.users.iter().copied().filter(|u| *u != OWNER && !is_admin(u)));
    for owner in owners {
        let result = change.make(&lead_of(owner)?, &expected_for(owner), &format!("Bench warm-up {owner}")).await?;
        confirmed.extend(result.heard.iter().cloned());
        warm_ups.push((owner, result));
    }
    let (lead, expected) = (lead_of(OWNER)?, expected_for(OWNER));
    progress(&format!(
        "{} subscriptions open, {} confirmed by the warm-up; {} must have each change",
        shape.subscriptions(),
        confirmed.len(),
        expected.len()
    ));
    let mut results = Vec::new();
    for n in 1..=changes {
        results.push(change.make(&lead, &expected, &format!("Bench change {n}")).await?);
    }
    let end = gateway.memory()?;
    let slow_consumers = gateway.metric(&http, "gateway_live_slow_consumers_total").await?;
    drop(clients);
    let log = gateway.log();
    Ok(Report {
        shape,
        pid: gateway.child.id(),
        expected: expected.len(),
        confirmed: confirmed.len(),
        rss: [rss_before, rss_connected, rss_subscribed],
        end,
        registering,
        registering_cpu_ms,
        live_gauges,
        slow_consumers,
        idle_cpu_ms,
        before_changes,
        warm_ups,
        changes: results,
        log,
    })
}

/// Waits until the gateway has enabled the org's notification channels (its first sign-in starts
/// that); before then, a change in Zoho reaches nobody.
async fn channel_enabled(sandbox: &Sandbox) -> anyhow::Result<()> {
    let started = Instant::now();
    while sandbox.calls().get("notifications.enable") == 0 {
        ensure!(started.elapsed() < START_TIMEOUT, "the gateway enabled no notification channel within {START_TIMEOUT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// One change and who heard of it.
struct ChangeResult {
    /// Milliseconds from just before the edit to each expected subscriber's `next`, sorted.
    latencies_ms: Vec<f64>,
    /// The expected subscribers that had it.
    heard: HashSet<(usize, String)>,
    /// Expected subscribers that had nothing within `DELIVERY_TIMEOUT`.
    missing: usize,
    /// Anything else that arrived (described), up to the end of the quiet window.
    unexpected: Vec<String>,
    /// CRM API calls the sandbox served for the change, by endpoint label.
    zoho_calls: BTreeMap<String, u64>,
    /// The gateway's CPU time from the edit to the last expected event.
    gateway_cpu_ms: f64,
    /// The outcome of each callback the sandbox sent for the change.
    callbacks: Vec<String>,
}

impl ChangeResult {
    fn percentile(&self, p: f64) -> Option<f64> {
        let n = self.latencies_ms.len();
        // Nearest rank: the smallest value at or above p of the samples.
        (n > 0).then(|| self.latencies_ms[((p * n as f64).ceil() as usize).clamp(1, n) - 1])
    }

    fn zoho_total(&self) -> u64 {
        self.zoho_calls.values().sum()
    }
}

struct Change<'a> {
    sandbox: &'a Sandbox,
    gateway: &'a Gateway,
    arrivals: &'a mut mpsc::UnboundedReceiver<Arrival>,
}

impl Change<'_> {
    /// Sets `lead`'s last name to `last_name` "in Zoho's UI" and waits for the `next` of each
    /// subscriber in `expected` (connection, subscription id).
    async fn make(&mut self, lead: &str, expected: &HashSet<(usize, String)>, last_name: &str) -> anyhow::Result<ChangeResult> {
        let mut unexpected = Vec::new();
        // Whatever came in between changes (a late duplicate, a close) belongs to no change's timing.
        while let Ok(arrival) = self.arrivals.try_recv() {
            unexpected.push(format!("between changes: {}", arrival.describe()));
        }
        let pid = self.gateway.child.id().to_string();
        let calls_before = self.sandbox.calls();
        let callbacks_before = self.sandbox.notification_deliveries().len();
        let mut pending = expected.clone();
        let mut heard = HashSet::with_capacity(pending.len());
        let mut latencies_ms = Vec::with_capacity(pending.len());
        let cpu_before = cpu_ms(&pid)?;
        let started = Instant::now();
        self.sandbox.edit_as_ui("Leads", lead, json!({ "Last_Name": last_name })).context("the UI edit")?;
        let deadline = tokio::time::Instant::from_std(started + DELIVERY_TIMEOUT);
        while !pending.is_empty() {
            let Ok(arrival) = tokio::time::timeout_at(deadline, self.arrivals.recv()).await else { break };
            let arrival = arrival.context("every connection's reader ended")?;
            let change = &arrival.message["payload"]["data"]["leadChanged"];
            let as_expected = arrival.message["type"] == "next"
                && change["operation"] == "UPDATED"
                && change["lead"]["id"] == lead
                && change["lead"]["lastName"] == last_name;
            let key = (arrival.connection, arrival.message["id"].as_str().unwrap_or_default().to_owned());
            if as_expected && pending.remove(&key) {
                latencies_ms.push(arrival.at.duration_since(started).as_secs_f64() * 1000.0);
                heard.insert(key);
            } else {
                unexpected.push(arrival.describe());
            }
        }
        let gateway_cpu_ms = cpu_ms(&pid)? - cpu_before;
        let quiet_until = tokio::time::Instant::now() + QUIET;
        while let Ok(Some(arrival)) = tokio::time::timeout_at(quiet_until, self.arrivals.recv()).await {
            unexpected.push(arrival.describe());
        }
        let calls_after = self.sandbox.calls();
        // CRM API calls only, as `CallCounts::api_total` counts them (not the accounts server's).
        let mut zoho_calls = BTreeMap::new();
        for (label, n) in calls_after.by_endpoint() {
            let before = calls_before.get(label);
            if *n > before && label != "auth" && !label.starts_with("token.") {
                zoho_calls.insert(label.clone(), n - before);
            }
        }
        let callbacks = self
            .sandbox
            .notification_deliveries()
            .iter()
            .skip(callbacks_before)
            .map(|d| match &d.outcome {
                DeliveryOutcome::Status(status) => format!("HTTP {status}"),
                DeliveryOutcome::TimedOut => "timed out".to_owned(),
                DeliveryOutcome::Failed(e) => format!("failed: {e}"),
            })
            .collect();
        latencies_ms.sort_by(f64::total_cmp);
        Ok(ChangeResult { latencies_ms, heard, missing: pending.len(), unexpected, zoho_calls, gateway_cpu_ms, callbacks })
    }
}

/// A message one connection received, stamped on arrival.
struct Arrival {
    at: Instant,
    connection: usize,
    /// The protocol message; a close comes as `{"type":"close","code":…}`.
    message: Value,
}

impl Arrival {
    fn describe(&self) -> String {
        let mut text = self.message.to_string();
        if text.len() > 200 {
            let cut = (0..=200).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            text.truncate(cut);
            text.push('…');
        }
        format!("connection {}: {text}", self.connection)
    }
}

/// One graphql-transport-ws connection: a task owns the socket, answers pings, stamps and hands
/// on everything else, and sends what `send` queues.
struct Client {
    outgoing: mpsc::UnboundedSender<String>,
    _reader: AbortOnDrop,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Client {
    /// Connects with `session`'s cookie and completes the handshake (`connection_init` →
    /// `connection_ack`).
    async fn open(
        base: &str,
        session: &str,
        connection: usize,
        arrivals: mpsc::UnboundedSender<Arrival>,
    ) -> anyhow::Result<Client> {
        let mut request = format!("{}/graphql", base.replacen("http", "ws", 1)).into_client_request()?;
        let headers = request.headers_mut();
        headers.insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
        headers.insert("Cookie", format!("zgw_session={session}").parse()?);
        // As a browser on the gateway's own page sends it.
        headers.insert("Origin", base.parse()?);
        let (mut socket, response) =
            tokio_tungstenite::connect_async(request).await.with_context(|| format!("connection {connection}: upgrade"))?;
        ensure!(
            response.headers().get("sec-websocket-protocol").is_some_and(|p| p == "graphql-transport-ws"),
            "connection {connection}: the gateway did not agree to graphql-transport-ws"
        );
        socket.send(Message::Text(json!({ "type": "connection_init" }).to_string().into())).await?;
        let ack = tokio::time::timeout(Duration::from_secs(10), next_message(&mut socket))
            .await
            .with_context(|| format!("connection {connection}: no connection_ack within 10 s"))?;
        ensure!(ack["type"] == "connection_ack", "connection {connection}: expected connection_ack, got {ack}");
        let (outgoing, commands) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read(socket, connection, commands, arrivals));
        Ok(Client { outgoing, _reader: AbortOnDrop(reader) })
    }

    fn send(&self, message: Value) -> anyhow::Result<()> {
        self.outgoing.send(message.to_string()).ok().context("the connection's task ended")
    }
}

/// The next protocol message before the reader task runs (pings are not expected yet).
async fn next_message(socket: &mut Socket) -> Value {
    loop {
        if let Some(message) = decode(socket.next().await) {
            return message;
        }
    }
}

/// A frame as a protocol message: text as JSON, a close (or the connection's end) as
/// `{"type":"close","code":…}`; `None` for frames the protocol leaves to WebSocket (its pings).
fn decode(frame: Option<Result<Message, tungstenite::Error>>) -> Option<Value> {
    match frame {
        Some(Ok(Message::Text(text))) => {
            Some(serde_json::from_str(&text).unwrap_or_else(|_| json!({ "type": "not JSON", "text": text.as_str() })))
        }
        Some(Ok(Message::Close(frame))) => Some(json!({ "type": "close", "code": frame.map_or(1005, |f| u16::from(f.code)) })),
        Some(Ok(_)) => None,
        Some(Err(_)) | None => Some(json!({ "type": "close", "code": 1006 })),
    }
}

async fn read(
    mut socket: Socket,
    connection: usize,
    mut commands: mpsc::UnboundedReceiver<String>,
    arrivals: mpsc::UnboundedSender<Arrival>,
) {
    let pong = || Message::Text(json!({ "type": "pong" }).to_string().into());
    loop {
        tokio::select! {
            command = commands.recv() => {
                let Some(text) = command else { break };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            frame = socket.next() => {
                let at = Instant::now();
                let Some(message) = decode(frame) else { continue };
                // The protocol asks for a pong; the gateway's keep-alive pings come every 25 s.
                if message["type"] == "ping" {
                    if socket.send(pong()).await.is_err() {
                        break;
                    }
                    continue;
                }
                let closed = message["type"] == "close";
                if arrivals.send(Arrival { at, connection, message }).is_err() || closed {
                    break;
                }
            }
        }
    }
}

fn print_row(label: &str, result: &ChangeResult) {
    let expected = result.heard.len() + result.missing;
    let ms = |p: f64| result.percentile(p).map_or("-".to_owned(), |v| format!("{v:.1}"));
    let calls: Vec<String> = result.zoho_calls.iter().map(|(label, n)| format!("{label}×{n}")).collect();
    println!(
        "{label:<23}{:>11}{:>9}{:>9}{:>9}{:>9}{:>8}  {:<24}{:>9.0}{:>12}  {}",
        format!("{}/{expected}", result.latencies_ms.len()),
        ms(0.0),
        ms(0.5),
        ms(0.99),
        ms(1.0),
        result.zoho_total(),
        if calls.is_empty() { "-".to_owned() } else { calls.join(" ") },
        result.gateway_cpu_ms,
        result.unexpected.len(),
        result.callbacks.join(", ")
    );
}

impl Report {
    fn kib_per(&self, from: usize, to: usize, count: usize) -> f64 {
        (self.rss[to] as f64 - self.rss[from] as f64) / count.max(1) as f64
    }

    /// Every change made, warm-ups first, with its label.
    fn all_changes(&self) -> impl Iterator<Item = (String, &ChangeResult)> {
        let warm_ups = self.warm_ups.iter().map(|(owner, r)| (format!("warm-up, {owner}'s"), r));
        warm_ups.chain(self.changes.iter().enumerate().map(|(n, r)| (format!("change {}", n + 1), r)))
    }

    fn print(&self) {
        let shape = self.shape;
        let mib = |kib: u64| kib as f64 / 1024.0;
        println!();
        println!(
            "== {}: {} session(s) of {}, {} WebSocket connection(s) × {} subscription(s) = {} open; gateway pid {}",
            shape.label,
            shape.sessions,
            shape.users.join(", "),
            shape.connections,
            shape.per_connection,
            shape.subscriptions(),
            self.pid
        );
        println!(
            "gateway VmRSS: {:.1} MiB before connections, {:.1} MiB with {} connections, {:.1} MiB with {} subscriptions \
             ({:.1} MiB at the end, peak VmHWM {:.1} MiB)",
            mib(self.rss[0]),
            mib(self.rss[1]),
            shape.connections,
            mib(self.rss[2]),
            shape.subscriptions(),
            mib(self.end.1),
            mib(self.end.0)
        );
        println!(
            "per connection {:.1} KiB (its handshake only); per subscription {:.1} KiB on top; both together {:.1} KiB per \
             subscription",
            self.kib_per(0, 1, shape.connections),
            self.kib_per(1, 2, shape.subscriptions()),
            self.kib_per(0, 2, shape.subscriptions())
        );
        let registering = self.registering.map_or_else(
            || format!("not all counted within {OPEN_TIMEOUT:?}"),
            |d| format!("{:.0} ms, {:.0} ms of gateway CPU", d.as_secs_f64() * 1000.0, self.registering_cpu_ms),
        );
        println!(
            "from the subscribe messages until the gateway counted all {} open: {registering}; then {:.0} ms of gateway CPU \
             over {:.0} s with everything open and nothing changing",
            shape.subscriptions(),
            self.idle_cpu_ms,
            IDLE.as_secs_f64()
        );
        println!(
            "gateway_live_connections {} and gateway_live_subscriptions {} with all open; \
             gateway_live_slow_consumers_total {} at the end",
            self.live_gauges.0, self.live_gauges.1, self.slow_consumers
        );
        for message in &self.before_changes {
            println!("  while subscribing: {message}");
        }
        println!(
            "listening: {} of {} subscriptions had a warm-up change; each measured change is of the {OWNER}'s lead, \
             which {} of them may see",
            self.confirmed,
            shape.subscriptions(),
            self.expected
        );
        println!(
            "{:<23}{:>11}{:>9}{:>9}{:>9}{:>9}{:>8}  {:<24}{:>9}{:>12}  callbacks",
            "change", "received", "first", "p50", "p99", "max", "Zoho", "(by endpoint)", "gw CPU", "unexpected"
        );
        println!("{:<23}{:>11}{:>9}{:>9}{:>9}{:>9}{:>8}  {:<24}{:>9}", "", "", "ms", "ms", "ms", "ms", "calls", "", "ms");
        for (label, result) in self.all_changes() {
            print_row(&label, result);
        }
        for (label, result) in self.all_changes() {
            if result.missing > 0 {
                println!(
                    "  {label}: {} of {} subscribers had nothing within {DELIVERY_TIMEOUT:?}",
                    result.missing,
                    result.missing + result.heard.len()
                );
            }
            for message in result.unexpected.iter().take(3) {
                println!("  {label}, unexpected: {message}");
            }
            if result.unexpected.len() > 3 {
                println!("  {label}: {} more unexpected message(s)", result.unexpected.len() - 3);
            }
        }
        println!("gateway log: {} line(s) at GATEWAY_LOG=warn", self.log.len());
        for line in self.log.iter().take(10) {
            println!("  {line}");
        }
    }
}

fn print_summary(cpus: usize, reports: &[Report]) {
    println!();
    println!("summary ({cpus} CPUs; one gateway process per shape, SQLite store; measured changes only, not the warm-up)");
    println!(
        "{:<16}{:>8}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}{:>12}{:>12}",
        "shape", "subs", "conns", "users", "p50 ms", "p99 ms", "max ms", "Zoho", "KiB/sub", "KiB/conn"
    );
    println!(
        "{:<16}{:>8}{:>8}{:>10}{:>10}{:>10}{:>10}{:>10}{:>12}{:>12}",
        "", "", "", "", "(median", "of runs)", "(worst)", "/change", "(+conn)", ""
    );
    for report in reports {
        let shape = report.shape;
        let median = |p: f64| median(report.changes.iter().filter_map(|r| r.percentile(p)).collect());
        let worst = report.changes.iter().filter_map(|r| r.percentile(1.0)).fold(f64::NAN, f64::max);
        let calls: Vec<String> = {
            let mut counts: Vec<u64> = report.changes.iter().map(ChangeResult::zoho_total).collect();
            counts.dedup();
            counts.iter().map(u64::to_string).collect()
        };
        println!(
            "{:<16}{:>8}{:>8}{:>10}{:>10.1}{:>10.1}{:>10.1}{:>10}{:>12.2}{:>12.1}",
            shape.label,
            shape.subscriptions(),
            shape.connections,
            shape.users.len(),
            median(0.5),
            median(0.99),
            worst,
            calls.join("/"),
            report.kib_per(0, 2, shape.subscriptions()),
            report.kib_per(0, 1, shape.connections)
        );
    }
    let problems: usize =
        reports.iter().flat_map(Report::all_changes).map(|(_, c)| c.missing + c.unexpected.len()).sum::<usize>()
            + reports.iter().map(|r| r.before_changes.len()).sum::<usize>();
    println!("missing or unexpected messages, all shapes and changes: {problems}");
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn bench_changes() -> anyhow::Result<usize> {
    match std::env::var("BENCH_CHANGES") {
        Err(_) => Ok(5),
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => Ok(n),
            _ => bail!("BENCH_CHANGES must be a whole number from 1 to 100, not {v:?}"),
        },
    }
}

/// The gateway process; killed (and reaped) when dropped, also when the bench fails half-way.
struct Gateway {
    child: Child,
    base: String,
    /// Its `/metrics` listener (`GATEWAY_METRICS_BIND`).
    metrics: String,
    redirect_url: String,
    log: PathBuf,
}

impl Gateway {
    fn spawn(sandbox: &Sandbox, tmp: &Path) -> anyhow::Result<Gateway> {
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let redirect_url = format!("{base}/redirect.html");
        let metrics = format!("http://127.0.0.1:{}", free_port()?);
        sandbox.register_redirect_uri(&redirect_url);
        let log = tmp.join(format!("gateway-{port}.log"));
        let stderr = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_zoho-gateway"));
        // A port known here (the metrics), to read the open connections and subscriptions.
        let db = tmp.join(format!("gateway-{port}.db"));
        let mut command = support::gateway_command(&binary, sandbox, port, &redirect_url, &metrics, &db);
        command
            // Its own address: the sandbox calls back there on every change, as Zoho would.
            .env("GATEWAY_PUBLIC_URL", &base)
            // The one-session shape holds all 1,000 in one session (the default allows 20).
            .env("GATEWAY_MAX_SUBSCRIPTIONS", "1000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let child = command.spawn().with_context(|| format!("starting {}", binary.display()))?;
        Ok(Gateway { child, base, metrics, redirect_url, log })
    }

    async fn wait_ready(&mut self, http: &reqwest::Client) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the gateway exited at start-up ({status}): {}", self.log().join("\n"));
            }
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            ensure!(
                started.elapsed() < START_TIMEOUT,
                "the gateway did not answer /healthz within {START_TIMEOUT:?}: {}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// POSTs a query with a session cookie; any GraphQL error is a failure of the bench.
    async fn graphql(&self, http: &reqwest::Client, session: &str, query: &str) -> anyhow::Result<Value> {
        let response = http
            .post(format!("{}/graphql", self.base))
            .header(COOKIE, format!("zgw_session={session}"))
            .json(&json!({ "query": query }))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.with_context(|| format!("HTTP {status}: not JSON"))?;
        if body.get("errors").is_some_and(|e| !e.is_null()) {
            bail!("the gateway answered with errors (HTTP {status}): {}", body["errors"]);
        }
        Ok(body)
    }

    /// The value of an unlabelled metric (0 when not reported yet, as a counter never incremented).
    async fn metric(&self, http: &reqwest::Client, name: &str) -> anyhow::Result<f64> {
        let text = http.get(format!("{}/metrics", self.metrics)).send().await?.error_for_status()?.text().await?;
        Ok(text
            .lines()
            .filter_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .filter_map(|v| v.trim().parse::<f64>().ok())
            .next()
            .unwrap_or(0.0))
    }

    /// Waits until gauge `name` shows `count`; how long that took, or `None` after `OPEN_TIMEOUT`
    /// (the bench goes on: the warm-up change then shows who is missing).
    async fn wait_for_gauge(&self, http: &reqwest::Client, name: &str, count: usize) -> anyhow::Result<Option<Duration>> {
        let started = Instant::now();
        while started.elapsed() < OPEN_TIMEOUT {
            let value = self.metric(http, name).await?;
            if value == count as f64 {
                return Ok(Some(started.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        progress(&format!("{name} did not reach {count} within {OPEN_TIMEOUT:?}"));
        Ok(None)
    }

    /// Peak and current resident set size, in KiB.
    fn memory(&self) -> anyhow::Result<(u64, u64)> {
        support::memory(self.child.id())
    }

    /// The non-empty lines of its log so far.
    fn log(&self) -> Vec<String> {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
