//! `cargo bench --bench gateway`: the gateway's throughput, latency, Zoho calls per operation and
//! peak memory, measured against the built-in sandbox and printed as one table (issue 4, item 5).
//!
//! What it does, in order:
//! 1. starts the sandbox in this process (as a library) and two gateway processes built from this
//!    tree (`target/release/zoho-gateway`, which Cargo builds with the bench): one with the cache
//!    on (the default) and one with `GATEWAY_CACHE=false` (pass-through);
//! 2. signs in to each as the sandbox admin over HTTP, as a browser does (`login` → the consent URL
//!    with `sandbox_user=admin` → `initialize`), keeping the `zgw_session` cookie;
//! 3. counts the Zoho API calls the sandbox serves for single GraphQL operations (cold cache);
//! 4. arms the **ceiling**: an upstream that costs next to nothing. It is an HTTP proxy in this
//!    process that both gateways use (`HTTP_PROXY`); it forwards everything to the sandbox, except
//!    that, once armed, it answers the 200-lead page the gateways ask for from the bytes the
//!    sandbox sent the first time. So the gateways' upstream costs what the ceiling costs;
//! 5. drives load with `wrk` (Debian package `wrk`) for (a) the portal's list query answered from
//!    the cache, (b) the same with the cache off, (c) the bare REST call straight to the ceiling,
//!    and (s) the same REST call to the sandbox, for reference;
//! 6. reads the store queries each gateway made (`gateway_store_queries_total`), each gateway's
//!    peak RSS (`VmHWM` in `/proc/<pid>/status`) and stops everything.
//!
//! The gateways use the default store, an SQLite file.
//!
//! Targets are measured and reported, never asserted: the exit status says only whether the bench
//! could run. Load: `wrk -t1` (one generator thread leaves the second core to the gateway); (a) and
//! (c) at 32 connections; (b) at 8 (under the gateway's default 10 in-flight Zoho calls, so it
//! measures pass-through, not the gateway's limiter) and at 1 connection, where nothing queues, to
//! show the latency pass-through adds per request against (c) at 1 connection.
//!
//! Settings: `BENCH_SECS`, each run's duration (default 10, at most 300; runs longer than the cache
//! TTL, 30 s, also refetch in (a)); `BENCH_GATEWAY_BIN`, another gateway binary to run (e.g. one
//! built with symbols, to attach `perf record -p <pid>` during a run; the pids are printed).

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use reqwest::header::COOKIE;
use serde_json::{Value, json};
#[path = "support/mod.rs"]
mod support;

use support::{consent, cpu_ms, free_port, progress};
use zoho_gateway::sandbox::{CallCounts, Sandbox, SandboxConfig};

/// The portal's list query, as `playground/app.js` sends it (operation `Students`).
const PORTAL_LIST: &str =
    "query Students($page: Int!, $perPage: Int!, $pageToken: String, $sortBy: LeadSort!, $sortOrder: SortOrder!) {
  leads(page: $page, perPage: $perPage, pageToken: $pageToken, sortBy: $sortBy, sortOrder: $sortOrder) { ...PageFields }
}
fragment PageFields on LeadPage {
  nodes { ...StudentFields }
  pageInfo { page perPage count hasMore nextPageToken }
}
fragment StudentFields on Lead {
  id
  firstName
  lastName
  fullName
  email
  phone
  company
  course
  owner { id name }
  modifiedTime
}";

const OWNERS_PAGE: &str = "query Owners { leads(perPage: 50) { nodes { id lastName owner { id name email } } } }";

const WRK_THREADS: u32 = 1;
const WRK_CONNECTIONS: u32 = 8;
/// Connections of the cached-list and ceiling runs (issue 12's comparison).
const WRK_CACHED_CONNECTIONS: u32 = 32;
/// Times asked of the "repeated within the TTL" operation after its first request.
const REPEATS: u64 = 100;
/// How long a gateway may take to answer `/healthz` after it is spawned.
const START_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> ExitCode {
    support::exit_code(run().await)
}

async fn run() -> anyhow::Result<()> {
    let secs = bench_secs()?;
    check_wrk()?;
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    progress(&format!("{cpus} CPUs, load average before: {}", loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")));

    let sandbox = Sandbox::start(SandboxConfig {
        // Above wrk's connections, so the sandbox run measures the sandbox, not its 429s.
        concurrency_limit: 64,
        ..SandboxConfig::default()
    })
    .await
    .context("starting the sandbox")?;
    let ceiling = Ceiling::start().await.context("starting the ceiling")?;
    let tmp = tempfile::tempdir().context("creating a temporary directory")?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    progress("starting the gateways (cache on, cache off; SQLite store; upstream through the ceiling)");
    let proxy = [("HTTP_PROXY", ceiling.url.clone())];
    let mut cached = Gateway::spawn("cache on", &sandbox, true, tmp.path(), &proxy)?;
    let mut passthrough = Gateway::spawn("cache off", &sandbox, false, tmp.path(), &proxy)?;
    cached.wait_ready(&http).await?;
    passthrough.wait_ready(&http).await?;
    progress(&format!("peak RSS when ready (cache on): {:.1} MiB", cached.memory()?.0 as f64 / 1024.0));
    progress(&format!(
        "gateway pids: cache on {} at {}, cache off {} at {}",
        cached.child.id(),
        cached.base,
        passthrough.child.id(),
        passthrough.base
    ));
    cached.session =
        support::sign_in(&cached.base, &cached.redirect_url, "admin").await.context("signing in to the cache-on gateway")?;
    passthrough.session = support::sign_in(&passthrough.base, &passthrough.redirect_url, "admin")
        .await
        .context("signing in to the cache-off gateway")?;

    progress(&format!("peak RSS after sign-in (cache on): {:.1} MiB", cached.memory()?.0 as f64 / 1024.0));
    progress("counting Zoho calls per operation");
    let calls_on = count_operations(&http, &sandbox, &cached).await.context("counting calls (cache on)")?;
    let calls_off = count_operations(&http, &sandbox, &passthrough).await.context("counting calls (cache off)")?;
    // Where the peak is reached: before the load (sign-in, the counted operations) or under it.
    let (before_on, before_off) = (cached.memory()?.0, passthrough.memory()?.0);
    progress(&format!(
        "peak RSS before the load (cache on / off): {:.1} / {:.1} MiB",
        before_on as f64 / 1024.0,
        before_off as f64 / 1024.0
    ));

    // The page the gateways ask Zoho for, recorded by the ceiling on its way through.
    let page = passthrough.graphql(&http, PORTAL_LIST, list_variables()).await.context("a pass-through page")?;
    check_page(&page, 200)?;
    let list_path = ceiling.recorded_list().context("the ceiling saw no list request")?;
    ceiling.arm();
    let ceiling_url = format!("{}{list_path}", ceiling.url);
    let sandbox_url = format!("{}{list_path}", sandbox.api_url());
    let token = ceiling_token(&sandbox).await.context("getting an access token for the sandbox run")?;
    let body: Value = http.get(&ceiling_url).send().await?.error_for_status()?.json().await?;
    let records = body["data"].as_array().map_or(0, Vec::len);
    ensure!(records == 200, "the ceiling's page holds {records} leads, not 200");

    let list_body = json!({ "operationName": "Students", "query": PORTAL_LIST, "variables": list_variables() }).to_string();
    // One request first, so (a) is answered from the cache from its first request on.
    let warm = cached.graphql(&http, PORTAL_LIST, list_variables()).await.context("warming the cache")?;
    check_page(&warm, 200)?;
    let auth_header = [format!("Authorization: Zoho-oauthtoken {token}")];
    let store_before = cached.store_queries(&http).await?;
    let a = measure(&sandbox, Some(&cached), "(a) GraphQL list, cached", WRK_CACHED_CONNECTIONS, secs, || {
        wrk_graphql(tmp.path(), "a", &cached, &list_body, WRK_CACHED_CONNECTIONS, secs)
    })
    .await?;
    let store_per_request = (cached.store_queries(&http).await? - store_before) as f64 / a.wrk.requests.max(1) as f64;
    let runs = [
        a,
        measure(&sandbox, None, "(c) REST list, ceiling", WRK_CACHED_CONNECTIONS, secs, || {
            wrk_command(&[], None, &ceiling_url, WRK_CACHED_CONNECTIONS, secs)
        })
        .await?,
        measure(&sandbox, Some(&passthrough), "(b) GraphQL list, pass-through", WRK_CONNECTIONS, secs, || {
            wrk_graphql(tmp.path(), "b", &passthrough, &list_body, WRK_CONNECTIONS, secs)
        })
        .await?,
        // One connection: the latency a request adds when nothing queues (no Little's-law
        // inflation from the lower throughput of (b)).
        measure(&sandbox, Some(&passthrough), "(b) at 1 connection", 1, secs, || {
            wrk_graphql(tmp.path(), "b1", &passthrough, &list_body, 1, secs)
        })
        .await?,
        measure(&sandbox, None, "(c) at 1 connection", 1, secs, || wrk_command(&[], None, &ceiling_url, 1, secs)).await?,
        measure(&sandbox, None, "(s) REST list, sandbox", WRK_CONNECTIONS, secs, || {
            wrk_command(&auth_header, None, &sandbox_url, WRK_CONNECTIONS, secs)
        })
        .await?,
    ];

    let rss_on = cached.memory()?;
    let rss_off = passthrough.memory()?;
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    progress(&format!("load average after: {}", loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")));

    print_report(secs, &runs, &calls_on, &calls_off, [rss_on, rss_off], store_per_request);
    for run in &runs {
        println!("\n--- wrk output {} ---\n{}", run.label, run.wrk.raw.trim_end());
    }
    for gateway in [&cached, &passthrough] {
        gateway.print_log();
    }
    drop((cached, passthrough));
    ceiling.disarm();
    if std::env::var("BENCH_REPLICAS").is_ok_and(|v| v.trim() == "2") {
        replicas(&sandbox, &http, tmp.path(), secs, &list_body).await.context("the two-replica mode")?;
    }
    sandbox.shutdown();
    Ok(())
}

/// The cheapest possible upstream: an HTTP proxy (the gateways' `HTTP_PROXY`) that forwards every
/// request to where it was going, and, once armed, answers the 200-lead page from the bytes it
/// recorded on the way through, without touching the sandbox. wrk's (c) asks it for the same page
/// directly.
struct Ceiling {
    url: String,
    shared: std::sync::Arc<CeilingState>,
}

#[derive(Default)]
struct CeilingState {
    armed: std::sync::atomic::AtomicBool,
    /// The first `GET /crm/v8/Leads?…` with `per_page=200` that went through, and its answer.
    list: std::sync::Mutex<Option<(String, bytes::Bytes)>>,
}

impl Ceiling {
    async fn start() -> anyhow::Result<Ceiling> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = std::sync::Arc::new(CeilingState::default());
        let forward = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build()?;
        let state = (shared.clone(), forward);
        let app = axum::Router::new().fallback(ceiling_handler).with_state(state);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Ceiling { url, shared })
    }

    fn recorded_list(&self) -> Option<String> {
        self.shared.list.lock().ok()?.as_ref().map(|(path, _)| path.clone())
    }

    fn arm(&self) {
        self.shared.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn disarm(&self) {
        self.shared.armed.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn ceiling_handler(
    axum::extract::State((state, forward)): axum::extract::State<(std::sync::Arc<CeilingState>, reqwest::Client)>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    if state.armed.load(std::sync::atomic::Ordering::Relaxed)
        && let Some((recorded, bytes)) = state.list.lock().ok().and_then(|l| l.clone())
        && recorded == path
    {
        return ([(axum::http::header::CONTENT_TYPE, "application/json;charset=UTF-8")], bytes).into_response();
    }
    // A proxied request names its target in absolute form.
    let Some(target) = request.uri().scheme().map(|_| request.uri().to_string()) else {
        return (axum::http::StatusCode::BAD_GATEWAY, "not a proxy request").into_response();
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 16 << 20).await else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    let mut outgoing = forward.request(parts.method.clone(), &target).body(body);
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "proxy-connection" | "connection" | "content-length") {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.send().await else {
        return axum::http::StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let content_type = answer.headers().get(reqwest::header::CONTENT_TYPE).cloned();
    let bytes = answer.bytes().await.unwrap_or_default();
    if parts.method == axum::http::Method::GET
        && status == reqwest::StatusCode::OK
        && path.starts_with("/crm/v8/Leads?")
        && path.contains("per_page=200")
        && let Ok(mut list) = state.list.lock()
        && list.is_none()
    {
        *list = Some((path, bytes.clone()));
    }
    let mut response = (status, bytes).into_response();
    if let Some(ct) = content_type {
        response.headers_mut().insert(axum::http::header::CONTENT_TYPE, ct);
    }
    response
}

/// `BENCH_REPLICAS=2`: two gateway processes sharing one PostgreSQL database (a fresh one,
/// dropped afterwards), signed in once through the first. Measures the portal's list through both
/// at once (wrk on each, half the connections each), cache off and cache on, and how long a write
/// through one takes to show through the other's cache (LISTEN/NOTIFY invalidation).
async fn replicas(sandbox: &Sandbox, http: &reqwest::Client, tmp: &Path, secs: u64, list_body: &str) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    let admin = std::env::var("BENCH_PG_ADMIN_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("zgw_bench_{:016x}", rand::random::<u64>());
    let mut conn =
        sqlx::PgConnection::connect(&admin).await.with_context(|| format!("PostgreSQL at {admin} (BENCH_PG_ADMIN_URL)"))?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
    let mut db_url = url::Url::parse(&admin)?;
    db_url.set_path(&name);
    let key = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
    };
    let env = [("DATABASE_URL", db_url.to_string()), ("GATEWAY_TOKEN_KEY", key), ("GATEWAY_ZOHO_CONCURRENCY", "5".to_owned())];
    let result = replica_runs(sandbox, http, tmp, secs, list_body, &env).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut conn).await?;
    result
}

async fn replica_runs(
    sandbox: &Sandbox,
    http: &reqwest::Client,
    tmp: &Path,
    secs: u64,
    list_body: &str,
    env: &[(&str, String)],
) -> anyhow::Result<()> {
    let half = (WRK_CONNECTIONS / 2).max(1);
    let mut rows = Vec::new();
    for cache in [false, true] {
        let label = if cache { "cache on" } else { "cache off" };
        progress(&format!("two replicas on PostgreSQL, {label}"));
        let mut a = Gateway::spawn("replica A", sandbox, cache, tmp, env)?;
        let mut b = Gateway::spawn("replica B", sandbox, cache, tmp, env)?;
        a.wait_ready(http).await?;
        b.wait_ready(http).await?;
        a.session = support::sign_in(&a.base, &a.redirect_url, "admin").await.context("signing in through replica A")?;
        // Sessions live in the shared store: the cookie from A works on B.
        b.session = a.session.clone();
        let on_b = b.graphql(http, PORTAL_LIST, list_variables()).await?;
        check_page(&on_b, 200).context("replica B serves A's session")?;
        a.graphql(http, PORTAL_LIST, list_variables()).await?;
        sandbox.reset_calls();
        let (name_a, name_b) = (format!("ra{cache}"), format!("rb{cache}"));
        let (ra, rb) = tokio::join!(
            wrk_graphql(tmp, &name_a, &a, list_body, half, secs),
            wrk_graphql(tmp, &name_b, &b, list_body, half, secs)
        );
        let (ra, rb) = (ra?, rb?);
        let zoho_calls = sandbox.calls().api_total();
        let invalidation_ms = if cache { Some(invalidation_latency(http, &a, &b).await?) } else { None };
        let (rss_a, rss_b) = (a.memory()?.0, b.memory()?.0);
        rows.push((label, ra, rb, zoho_calls, invalidation_ms, rss_a.max(rss_b)));
    }
    println!(
        "
two replicas sharing PostgreSQL (wrk -t1 -c{half} on each, {secs}s)"
    );
    println!("{:<26}{:>10}{:>12}{:>12}{:>12}{:>12}{:>12}", "", "req/s A+B", "p50 A", "p50 B", "p99 A", "p99 B", "Zoho calls");
    for (label, ra, rb, calls, _, _) in &rows {
        println!(
            "{:<26}{:>10.0}{:>10.2}ms{:>10.2}ms{:>10.2}ms{:>10.2}ms{:>12}",
            format!("portal list, {label}"),
            ra.requests_per_sec + rb.requests_per_sec,
            ra.p50_ms,
            rb.p50_ms,
            ra.p99_ms,
            rb.p99_ms,
            calls
        );
    }
    for (label, _, _, _, invalidation, rss) in &rows {
        if let Some(ms) = invalidation {
            println!(
                "write through A seen through B's cache after {ms:.0} ms ({label}; target ≤ 1000 ms: {})",
                verdict(*ms <= 1000.0)
            );
        }
        println!("peak RSS of a replica ({label}): {:.1} MiB", *rss as f64 / 1024.0);
    }
    Ok(())
}

/// Reads the newest lead through B (cached), updates it through A, and polls B until it shows.
async fn invalidation_latency(http: &reqwest::Client, a: &Gateway, b: &Gateway) -> anyhow::Result<f64> {
    const NEWEST: &str = "{ leads(perPage: 1, sortBy: MODIFIED_TIME, sortOrder: DESC) { nodes { id course } } }";
    let before = b.graphql(http, NEWEST, json!({})).await?;
    let id = before["data"]["leads"]["nodes"][0]["id"].as_str().context("a lead to edit")?.to_owned();
    let course = format!("Bench {:08x}", rand::random::<u32>());
    let update = "mutation($id: ID!, $c: String) { updateLead(id: $id, input: { course: $c }) { id } }";
    let written = a.graphql(http, update, json!({ "id": id, "c": course })).await?;
    ensure!(written["data"]["updateLead"]["id"].is_string(), "update through A failed: {written}");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let seen = b.graphql(http, NEWEST, json!({})).await?;
        if seen["data"]["leads"]["nodes"][0]["course"] == course.as_str() {
            return Ok(started.elapsed().as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bail!("replica B still served the old lead 5 s after the write through A")
}

fn bench_secs() -> anyhow::Result<u64> {
    match std::env::var("BENCH_SECS") {
        Err(_) => Ok(10),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(s) if (1..=300).contains(&s) => Ok(s),
            _ => bail!("BENCH_SECS must be a whole number of seconds from 1 to 300, not {v:?}"),
        },
    }
}

fn check_wrk() -> anyhow::Result<()> {
    match Command::new("wrk").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu), then run the bench again")
        }
        Err(e) => Err(e).context("running wrk"),
    }
}

/// A gateway process; killed (and reaped) when dropped, also when the bench fails half-way.
struct Gateway {
    name: &'static str,
    child: Child,
    base: String,
    /// Its `/metrics` listener (`GATEWAY_METRICS_BIND`).
    metrics: String,
    redirect_url: String,
    log: PathBuf,
    session: String,
}

impl Gateway {
    /// `env` overrides the defaults (e.g. a shared PostgreSQL for the two-replica mode).
    fn spawn(name: &'static str, sandbox: &Sandbox, cache: bool, tmp: &Path, env: &[(&str, String)]) -> anyhow::Result<Gateway> {
        let port = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let metrics = format!("http://127.0.0.1:{}", free_port()?);
        let redirect_url = format!("{base}/redirect.html");
        sandbox.register_redirect_uri(&redirect_url);
        let log = tmp.join(format!("gateway-{port}.log"));
        let stderr = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        // Cargo builds the binary with the bench (same profile); a build with symbols can be
        // swapped in for profiling.
        let binary = std::env::var_os("BENCH_GATEWAY_BIN")
            .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_zoho-gateway")), PathBuf::from);
        // The default store, as users run it.
        let db = tmp.join(format!("gateway-{port}.db"));
        let mut command = support::gateway_command(&binary, sandbox, port, &redirect_url, &metrics, &db);
        command
            .env("GATEWAY_CACHE", cache.to_string())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let child = command.spawn().with_context(|| format!("starting {}", binary.display()))?;
        Ok(Gateway { name, child, base, metrics, redirect_url, log, session: String::new() })
    }

    /// `gateway_store_queries_total` so far, all operations.
    async fn store_queries(&self, http: &reqwest::Client) -> anyhow::Result<u64> {
        let text = http.get(format!("{}/metrics", self.metrics)).send().await?.text().await?;
        Ok(text
            .lines()
            .filter(|l| l.starts_with("gateway_store_queries_total"))
            .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
            .sum::<f64>() as u64)
    }

    async fn wait_ready(&mut self, http: &reqwest::Client) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                self.print_log();
                bail!("the {} gateway exited at start-up ({status})", self.name);
            }
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                self.print_log();
                bail!("the {} gateway did not answer /healthz within {START_TIMEOUT:?}", self.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// POSTs a query with the session cookie; any GraphQL error is a failure of the bench.
    async fn graphql(&self, http: &reqwest::Client, query: &str, variables: Value) -> anyhow::Result<Value> {
        let response = http
            .post(format!("{}/graphql", self.base))
            .header(COOKIE, format!("zgw_session={}", self.session))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.with_context(|| format!("HTTP {status}: not JSON"))?;
        if body.get("errors").is_some_and(|e| !e.is_null()) {
            bail!("the {} gateway answered with errors (HTTP {status}): {}", self.name, body["errors"]);
        }
        Ok(body)
    }

    /// Peak and current resident set size, in KiB.
    fn memory(&self) -> anyhow::Result<(u64, u64)> {
        support::memory(self.child.id())
    }

    fn print_log(&self) {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
        println!("\ngateway ({}) log: {} line(s) at GATEWAY_LOG=warn", self.name, lines.len());
        for line in lines.iter().take(10) {
            println!("  {line}");
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An access token of the admin, by the authorization-code flow against the sandbox (no
/// `access_type=offline`: no refresh token, so the gateways' tokens are not touched).
async fn ceiling_token(sandbox: &Sandbox) -> anyhow::Result<String> {
    let redirect_uri = "http://127.0.0.1:9/bench-ceiling";
    sandbox.register_redirect_uri(redirect_uri);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(30)).build()?;
    let mut auth = url::Url::parse(&format!("{}/oauth/v2/auth", sandbox.accounts_url()))?;
    auth.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", sandbox.client_id())
        .append_pair("scope", "ZohoCRM.modules.ALL,ZohoCRM.settings.fields.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "bench");
    let params = consent(&http, auth.as_str(), "admin").await?;
    let code = params.get("code").with_context(|| format!("no code on the redirect: {params:?}"))?;
    let token: Value = http
        .post(sandbox.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", sandbox.client_id()),
            ("client_secret", sandbox.client_secret()),
            ("redirect_uri", redirect_uri),
            ("code", code),
        ])
        .send()
        .await?
        .json()
        .await?;
    token["access_token"].as_str().map(str::to_owned).with_context(|| format!("token exchange failed: {token}"))
}

fn list_variables() -> Value {
    json!({ "page": 1, "perPage": 200, "pageToken": null, "sortBy": "MODIFIED_TIME", "sortOrder": "DESC" })
}

fn check_page(body: &Value, expected: usize) -> anyhow::Result<()> {
    let nodes = body["data"]["leads"]["nodes"].as_array().map_or(0, Vec::len);
    ensure!(nodes == expected, "expected {expected} leads, got {nodes}");
    Ok(())
}

/// Zoho API calls (accounts server excluded) for each operation, on one gateway.
struct OperationCalls {
    list: CallCounts,
    ids: CallCounts,
    repeats: CallCounts,
    owners: CallCounts,
}

/// Runs each operation once on a cold cache (each is distinct, so nothing earlier answers it),
/// between a reset and a snapshot of the sandbox's counters.
async fn count_operations(http: &reqwest::Client, sandbox: &Sandbox, gateway: &Gateway) -> anyhow::Result<OperationCalls> {
    sandbox.reset_calls();
    let first = gateway.graphql(http, PORTAL_LIST, list_variables()).await?;
    check_page(&first, 200)?;
    let list = sandbox.calls();

    sandbox.reset_calls();
    for _ in 0..REPEATS {
        gateway.graphql(http, PORTAL_LIST, list_variables()).await?;
    }
    let repeats = sandbox.calls();

    let ids: Vec<String> =
        sandbox.find_leads(|_| true).iter().filter_map(|l| l["id"].as_str().map(str::to_owned)).take(100).collect();
    ensure!(ids.len() == 100, "the sandbox has {} leads, need 100", ids.len());
    let aliases: String =
        ids.iter().enumerate().map(|(i, id)| format!("  l{i}: lead(id: \"{id}\") {{ id lastName email }}\n")).collect();
    sandbox.reset_calls();
    let found = gateway.graphql(http, &format!("query Aliases {{\n{aliases}}}"), json!({})).await?;
    let ids_calls = sandbox.calls();
    let missing = (0..ids.len()).filter(|i| !found["data"][format!("l{i}")]["id"].is_string()).count();
    ensure!(missing == 0, "{missing} of the 100 aliased leads came back null");

    sandbox.reset_calls();
    let owners = gateway.graphql(http, OWNERS_PAGE, json!({})).await?;
    let owners_calls = sandbox.calls();
    check_page(&owners, 50)?;
    let named =
        owners["data"]["leads"]["nodes"].as_array().into_iter().flatten().filter(|n| n["owner"]["name"].is_string()).count();
    ensure!(named == 50, "{named} of 50 leads came with their owner's name");

    Ok(OperationCalls { list, ids: ids_calls, repeats, owners: owners_calls })
}

/// One load run and what it cost.
struct Run {
    label: &'static str,
    connections: u32,
    wrk: WrkResult,
    /// CRM API calls the sandbox served during the run.
    zoho_calls: u64,
    /// CPU time (user + system) the gateway spent per request, if a gateway was in the path.
    gateway_cpu_ms: Option<f64>,
    /// CPU time this process (that is, the sandbox) spent per request.
    sandbox_cpu_ms: f64,
}

async fn measure<F, Fut>(
    sandbox: &Sandbox,
    gateway: Option<&Gateway>,
    label: &'static str,
    connections: u32,
    secs: u64,
    start: F,
) -> anyhow::Result<Run>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = anyhow::Result<WrkResult>>,
{
    progress(&format!("{label}: wrk -t{WRK_THREADS} -c{connections} -d{secs}s"));
    let gateway_pid = gateway.map(|g| g.child.id().to_string());
    let cpu = |pid: &str| cpu_ms(pid);
    let (gateway_before, sandbox_before) = (gateway_pid.as_deref().map(cpu).transpose()?, cpu("self")?);
    sandbox.reset_calls();
    let wrk = start().await.with_context(|| format!("{label}: wrk"))?;
    let zoho_calls = sandbox.calls().api_total();
    let (gateway_after, sandbox_after) = (gateway_pid.as_deref().map(cpu).transpose()?, cpu("self")?);
    let per_request = |before: f64, after: f64| (after - before) / wrk.requests.max(1) as f64;
    Ok(Run {
        label,
        connections,
        gateway_cpu_ms: gateway_before.zip(gateway_after).map(|(b, a)| per_request(b, a)),
        sandbox_cpu_ms: per_request(sandbox_before, sandbox_after),
        wrk,
        zoho_calls,
    })
}

/// wrk against `/graphql` with a POST script carrying the body and the session cookie.
async fn wrk_graphql(
    tmp: &Path,
    name: &str,
    gateway: &Gateway,
    body: &str,
    connections: u32,
    secs: u64,
) -> anyhow::Result<WrkResult> {
    let script = tmp.join(format!("{name}.lua"));
    ensure!(!body.contains("]==]") && !gateway.session.contains("]==]"), "cannot quote the body in Lua");
    let lua = format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n\
         wrk.headers[\"Cookie\"] = [==[zgw_session={}]==]\nwrk.body = [==[{body}]==]\n",
        gateway.session
    );
    File::create(&script)
        .and_then(|mut f| f.write_all(lua.as_bytes()))
        .with_context(|| format!("writing {}", script.display()))?;
    wrk_command(&[], Some(&script), &format!("{}/graphql", gateway.base), connections, secs).await
}

async fn wrk_command(
    headers: &[String],
    script: Option<&Path>,
    url: &str,
    connections: u32,
    secs: u64,
) -> anyhow::Result<WrkResult> {
    let mut command = tokio::process::Command::new("wrk");
    command.args([
        format!("-t{WRK_THREADS}"),
        format!("-c{connections}"),
        format!("-d{secs}s"),
        "--timeout".into(),
        "5s".into(),
        "--latency".into(),
    ]);
    for header in headers {
        command.arg("-H").arg(header);
    }
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    command.arg(url).kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(secs + 30), command.output())
        .await
        .context("wrk did not finish in time")?
        .context("running wrk")?;
    let raw = String::from_utf8_lossy(&output.stdout).into_owned();
    ensure!(output.status.success(), "wrk failed ({}): {}{}", output.status, raw, String::from_utf8_lossy(&output.stderr));
    WrkResult::parse(raw)
}

/// What we read from wrk's report.
struct WrkResult {
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    /// "Non-2xx or 3xx responses" and "Socket errors" lines, when wrk printed them.
    errors: Vec<String>,
    raw: String,
}

impl WrkResult {
    fn parse(raw: String) -> anyhow::Result<WrkResult> {
        let line = |prefix: &str| raw.lines().map(str::trim).find_map(|l| l.strip_prefix(prefix)).map(str::trim);
        let requests_per_sec = line("Requests/sec:").and_then(|v| v.parse().ok()).context("no Requests/sec in wrk's output")?;
        let p50_ms = line("50%").and_then(duration_ms).context("no 50% latency in wrk's output")?;
        let p99_ms = line("99%").and_then(duration_ms).context("no 99% latency in wrk's output")?;
        let requests = raw
            .lines()
            .find(|l| l.contains(" requests in "))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .context("no request count in wrk's output")?;
        let errors = raw
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("Non-2xx") || l.starts_with("Socket errors"))
            .map(str::to_owned)
            .collect();
        Ok(WrkResult { requests_per_sec, p50_ms, p99_ms, requests, errors, raw })
    }
}

/// wrk's durations: a number and a unit (`us`, `ms`, `s`, `m`, `h`), e.g. `1.23ms`.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.trim().parse().ok()?;
    let factor = match unit.trim() {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    Some(number * factor)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// The CRM API labels of a snapshot, e.g. `leads.list×1`; `-` when there were none.
fn labels(calls: &CallCounts) -> String {
    let text: Vec<String> = calls
        .by_endpoint()
        .iter()
        .filter(|(label, _)| *label != "auth" && !label.starts_with("token."))
        .map(|(label, n)| format!("{label}×{n}"))
        .collect();
    if text.is_empty() { "-".into() } else { text.join(" ") }
}

fn print_report(
    secs: u64,
    runs: &[Run; 6],
    on: &OperationCalls,
    off: &OperationCalls,
    rss: [(u64, u64); 2],
    store_per_request: f64,
) {
    let [a, c, _b, b1, c1, _s] = runs;
    println!();
    println!(
        "{:<40}{:>9}{:>10}{:>10}{:>10}{:>8}{:>14}",
        format!("throughput (wrk -t{WRK_THREADS} -cN {secs}s)"),
        "req/s",
        "p50",
        "p99",
        "requests",
        "Zoho",
        "CPU ms/req"
    );
    println!("{:<40}{:>9}{:>10}{:>10}{:>10}{:>8}{:>14}", "", "", "", "", "", "calls", "gw + bench");
    for run in runs {
        let gateway_cpu = run.gateway_cpu_ms.map_or("-".to_owned(), |ms| format!("{ms:.3}"));
        println!(
            "{:<40}{:>9.0}{:>8.2}ms{:>8.2}ms{:>10}{:>8}{:>14}{}",
            format!("{} (-c{})", run.label, run.connections),
            run.wrk.requests_per_sec,
            run.wrk.p50_ms,
            run.wrk.p99_ms,
            run.wrk.requests,
            run.zoho_calls,
            format!("{gateway_cpu} + {:.3}", run.sandbox_cpu_ms),
            if run.label.starts_with("(c) REST") { "  (ceiling)" } else { "" }
        );
        for error in &run.wrk.errors {
            println!("    {error}");
        }
    }
    let ratio = 100.0 * a.wrk.requests_per_sec / c.wrk.requests_per_sec;
    let overhead_1 = b1.wrk.p50_ms - c1.wrk.p50_ms;
    println!("(a)/(c) at -c{WRK_CACHED_CONNECTIONS} = {ratio:.0}%  (target ≥ 70%: {})", verdict(ratio >= 70.0));
    println!(
        "(b)-(c) p50 at -c1 = {overhead_1:.3} ms  (target ≤ 0.35 ms: {});  gateway CPU per pass-through page {}",
        verdict(overhead_1 <= 0.35),
        b1.gateway_cpu_ms.map_or("-".to_owned(), |ms| format!("{ms:.3} ms"))
    );
    println!("store queries per cached request: {store_per_request:.4}  (target 0: {})", verdict(store_per_request == 0.0));

    println!();
    println!(
        "{:<46}{:>9}{:>11}   {:<10}cache on, by endpoint",
        "Zoho calls per GraphQL operation", "cache on", "cache off", "target"
    );
    let total = |calls: &OperationCalls| calls.list.api_total() + calls.repeats.api_total();
    let list_met = on.list.api_total() == 1 && off.list.api_total() == 1;
    let ids_met = on.ids.api_total() == 1 && off.ids.api_total() == 1;
    let repeats_met = on.repeats.api_total() == 0;
    let total_met = total(on) == 1;
    let rows = [
        (
            "200-lead list (portal query, cold)",
            on.list.api_total(),
            off.list.api_total(),
            format!("1  {}", verdict(list_met)),
            labels(&on.list),
        ),
        (
            "100 lead(id:) aliases in one query",
            on.ids.api_total(),
            off.ids.api_total(),
            format!("1  {}", verdict(ids_met)),
            labels(&on.ids),
        ),
        (
            "same list ×100 within the TTL, after the first",
            on.repeats.api_total(),
            off.repeats.api_total(),
            format!("0  {}", verdict(repeats_met)),
            labels(&on.repeats),
        ),
        ("  … including the first", total(on), total(off), format!("1  {}", verdict(total_met)), String::new()),
        ("page of 50 leads with their owners", on.owners.api_total(), off.owners.api_total(), "-".into(), labels(&on.owners)),
    ];
    for (name, calls_on, calls_off, target, detail) in rows {
        println!("{name:<46}{calls_on:>9}{calls_off:>11}   {target:<10}{detail}");
    }

    println!();
    let mib = |kib: u64| kib as f64 / 1024.0;
    let [(peak_on, now_on), (peak_off, now_off)] = rss;
    // MB as the targets say them (10^6 bytes); VmHWM is in KiB.
    let rss_met = peak_on * 1024 <= 40_000_000 && peak_off * 1024 <= 50_000_000;
    println!(
        "gateway peak RSS (cache on / off)  {:.1} MiB / {:.1} MiB  (target ≤ 40 MB / ≤ 50 MB: {}; RSS at the end {:.1} / {:.1} MiB)",
        mib(peak_on),
        mib(peak_off),
        verdict(rss_met),
        mib(now_on),
        mib(now_off)
    );
    let met = [ratio >= 70.0, overhead_1 <= 0.35, store_per_request == 0.0, list_met, ids_met, repeats_met, total_met, rss_met];
    println!("targets met: {} of {}", met.iter().filter(|m| **m).count(), met.len());
}
