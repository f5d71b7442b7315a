//! Two real gateway processes (the built binary) sharing one PostgreSQL database, in front of one
//! in-process sandbox: an expired access token is refreshed once between them, a write through
//! one evicts the other's cached answers within a second (LISTEN/NOTIFY), and sessions served
//! from memory (no store query per request) still end at once on both when one signs out.
//!
//! Needs the PostgreSQL server of `ZGW_TEST_PG_ADMIN_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test makes and drops its own database.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use zoho_gateway::sandbox::{Sandbox, SandboxConfig};

/// The tests start two gateways each and one of them counts refreshes against a short token
/// lifetime: run them one at a time so that neither slows the other into a second refresh.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const LIST: &str = "{ leads(page: 1, perPage: 20) { nodes { id lastName company } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_requests_over_two_replicas_refresh_an_expired_token_once() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let ttl = Duration::from_secs(3);
    // With the cache on, repeated pages would be answered without Zoho, hence without a token.
    let Some(cluster) = Cluster::start(ttl, &[("GATEWAY_CACHE", "false")]).await else { return };
    let session = cluster.sign_in_through_a("admin").await;
    for replica in [&cluster.a, &cluster.b] {
        let r = cluster.graphql(replica, &session, LIST).await;
        assert!(r["data"]["leads"]["nodes"][0]["id"].is_string(), "the shared session works on both: {r}");
    }
    assert_eq!(cluster.sandbox.calls().get("token.refresh_token"), 0);

    // Past the token's expiry as both the sandbox and the gateways reckon it.
    tokio::time::sleep(ttl + Duration::from_secs(1)).await;
    let started = Instant::now();
    let requests = (0..200).map(|i| {
        let replica = if i % 2 == 0 { cluster.a.base.clone() } else { cluster.b.base.clone() };
        let (http, session) = (cluster.http.clone(), session.clone());
        tokio::spawn(async move { graphql(&http, &replica, &session, LIST).await })
    });
    let answers = futures::future::join_all(requests).await;
    let took = started.elapsed();
    eprintln!("200 requests over two replicas took {took:?}");
    for r in answers {
        let r = r.expect("request task");
        assert!(r["data"]["leads"]["nodes"][0]["id"].is_string(), "{r}");
    }
    assert!(took < ttl, "the burst took {took:?}, longer than a token lives: a second refresh would be legitimate");
    assert_eq!(cluster.sandbox.calls().get("token.refresh_token"), 1, "one refresh at Zoho for 200 requests over two replicas");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_replica_evicts_the_others_cached_answers_within_a_second() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let Some(cluster) =
        Cluster::start(Duration::from_secs(3600), &[("GATEWAY_CACHE", "true"), ("GATEWAY_CACHE_TTL_SECS", "30")]).await
    else {
        return;
    };
    let session = cluster.sign_in_through_a("admin").await;

    let before = cluster.graphql(&cluster.b, &session, LIST).await;
    let lead = before["data"]["leads"]["nodes"][0].clone();
    let id = lead["id"].as_str().unwrap_or_else(|| panic!("a lead to change: {before}")).to_owned();
    let lists = cluster.sandbox.calls().get("leads.list");
    assert_eq!(cluster.graphql(&cluster.b, &session, LIST).await, before, "B answers the same list again");
    assert_eq!(cluster.sandbox.calls().get("leads.list"), lists, "from its cache, without Zoho");

    let company = format!("Replicated Company {:08x}", rand::random::<u32>());
    let updated = cluster
        .graphql_vars(
            &cluster.a,
            &session,
            "mutation($id: ID!, $c: String) { updateLead(id: $id, input: { company: $c }) { id company } }",
            json!({ "id": id, "c": company }),
        )
        .await;
    assert_eq!(updated["data"]["updateLead"]["company"], company.as_str(), "{updated}");

    let written = Instant::now();
    let seen = loop {
        let r = cluster.graphql(&cluster.b, &session, LIST).await;
        let nodes = r["data"]["leads"]["nodes"].as_array().cloned().unwrap_or_default();
        if nodes.iter().any(|n| n["id"] == id.as_str() && n["company"] == company.as_str()) {
            break written.elapsed();
        }
        assert!(written.elapsed() < Duration::from_secs(1), "B still answers from its cache a second after A's write: {r}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    eprintln!("replica B showed replica A's write after {seen:?}");
}

/// Issue 11: a change made in Zoho's own UI reaches both replicas' cached lists, and a subscriber
/// on each, within a second. Zoho calls back replica A only; A drops its cache, tells its own
/// subscribers, and announces the change over PostgreSQL to B, which does the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_in_zoho_reaches_both_replicas_cached_lists_within_a_second() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let extra = [("GATEWAY_CACHE", "true"), ("GATEWAY_CACHE_TTL_SECS", "30"), ("GATEWAY_PUBLIC_URL", "A")];
    let Some(cluster) = Cluster::start(Duration::from_secs(3600), &extra).await else { return };
    let session = cluster.sign_in_through_a("admin").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while cluster.sandbox.calls().get("notifications.enable") == 0 {
        assert!(Instant::now() < deadline, "replica A enabled no notification channel");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = cluster.graphql(&cluster.b, &session, LIST).await;
    let id = first["data"]["leads"]["nodes"][0]["id"].as_str().expect("a lead").to_owned();
    for replica in [&cluster.a, &cluster.b] {
        cluster.graphql(replica, &session, LIST).await;
    }
    let calls = cluster.sandbox.calls().api_total();
    for replica in [&cluster.a, &cluster.b] {
        cluster.graphql(replica, &session, LIST).await;
    }
    assert_eq!(cluster.sandbox.calls().api_total(), calls, "both replicas answer from their caches");
    // A subscriber on each replica (graphql-sse).
    let mut streams = Vec::new();
    for replica in [&cluster.a, &cluster.b] {
        let response = cluster
            .http
            .post(format!("{}/graphql", replica.base))
            .header(reqwest::header::COOKIE, &session)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(&json!({ "query": "subscription { leadChanged { operation lead { lastName } } }" }))
            .send()
            .await
            .expect("stream opens");
        assert_eq!(response.status(), 200, "replica {}", replica.name);
        streams.push((replica.name, response.bytes_stream()));
    }
    // Listening once counted (`gateway_live_subscriptions`).
    for replica in [&cluster.a, &cluster.b] {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = cluster.http.get(format!("{}/metrics", replica.metrics)).send().await.unwrap().text().await.unwrap();
            if text.contains("gateway_live_subscriptions 1\n") {
                break;
            }
            assert!(Instant::now() < deadline, "replica {} never counted its subscriber", replica.name);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    cluster.sandbox.edit_as_ui("Leads", &id, json!({ "Last_Name": "Edited In Zoho" })).expect("UI edit");
    let edited = Instant::now();
    for (name, stream) in &mut streams {
        let mut text = String::new();
        while !text.contains("Edited In Zoho") {
            let left = Duration::from_secs(1).saturating_sub(edited.elapsed());
            let chunk = tokio::time::timeout(left, futures::StreamExt::next(stream))
                .await
                .unwrap_or_else(|_| panic!("replica {name}'s subscriber heard nothing within 1 s: {text:?}"));
            text.push_str(&String::from_utf8_lossy(&chunk.expect("stream open").expect("bytes")));
        }
        assert!(text.contains("event: next") && text.contains("UPDATED"), "{text}");
    }
    eprintln!("the UI edit reached both replicas' subscribers after {:?}", edited.elapsed());
    for replica in [&cluster.b, &cluster.a] {
        loop {
            let r = cluster.graphql(replica, &session, LIST).await;
            if r["data"]["leads"]["nodes"][0]["lastName"] == "Edited In Zoho" {
                break;
            }
            assert!(edited.elapsed() < Duration::from_secs(1), "replica {} still answers {r}", replica.name);
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    eprintln!("the UI edit reached both replicas after {:?}", edited.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Two gateways, one sandbox, one database

/// The store queries a replica has made so far (`gateway_store_queries_total`, all operations).
async fn store_queries(http: &reqwest::Client, replica: &Replica) -> u64 {
    let text = http.get(format!("{}/metrics", replica.metrics)).send().await.expect("metrics").text().await.expect("text");
    text.lines()
        .filter(|l| l.starts_with("gateway_store_queries_total"))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum::<f64>() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_come_from_memory_and_sign_out_ends_them_at_once_on_both_replicas() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let Some(cluster) = Cluster::start(Duration::from_secs(3600), &[("GATEWAY_CACHE", "true")]).await else { return };
    let session = cluster.sign_in_through_a("admin").await;
    let me = "{ me { user { name } } }";
    for replica in [&cluster.a, &cluster.b] {
        // The first request of a session on a replica reads it (and the token pair) once.
        for query in [me, LIST] {
            let r = cluster.graphql(replica, &session, query).await;
            assert!(r.get("errors").is_none(), "{r}");
        }
    }
    for replica in [&cluster.a, &cluster.b] {
        let before = store_queries(&cluster.http, replica).await;
        for i in 0..50 {
            let r = cluster.graphql(replica, &session, if i % 2 == 0 { me } else { LIST }).await;
            assert!(r["data"]["me"]["user"]["name"].is_string() || r["data"]["leads"].is_object(), "{r}");
        }
        assert_eq!(store_queries(&cluster.http, replica).await, before, "50 requests of a live session made no store query");
    }

    // Sign out through A: B, which holds the session in memory, refuses it at once.
    let out = cluster.graphql(&cluster.a, &session, "mutation { logout }").await;
    assert_eq!(out["data"]["logout"], true, "{out}");
    let signed_out = Instant::now();
    loop {
        let r = cluster.graphql(&cluster.b, &session, me).await;
        if r["data"]["me"].is_null() {
            break;
        }
        assert!(signed_out.elapsed() < Duration::from_secs(1), "B still serves the signed-out session: {r}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("B saw the sign-out after {:?}", signed_out.elapsed());
    let r = cluster.graphql(&cluster.b, &session, LIST).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{r}");
}

struct Cluster {
    a: Replica,
    b: Replica,
    sandbox: Sandbox,
    http: reqwest::Client,
    /// Dropped after the replicas (fields drop in order): no gateway outlives its database.
    _db: pg::TestDatabase,
    _logs: tempfile::TempDir,
}

impl Cluster {
    /// `None` when no PostgreSQL can be had here (the test is then skipped; see support/pg.rs).
    async fn start(access_token_ttl: Duration, extra_env: &[(&str, &str)]) -> Option<Self> {
        let sandbox =
            Sandbox::start(SandboxConfig { access_token_ttl, ..SandboxConfig::default() }).await.expect("sandbox starts");
        let db = pg::TestDatabase::create().await?;
        let logs = tempfile::tempdir().expect("temp dir");
        let key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());
        let (port_a, port_b) = (free_port(), free_port());
        let redirects = [port_a, port_b].map(|p| format!("http://127.0.0.1:{p}/redirect.html"));
        for uri in &redirects {
            sandbox.register_redirect_uri(uri);
        }
        let env = |port: u16| -> Vec<(String, String)> {
            let mut env: Vec<(String, String)> = [
                ("ZOHO_CLIENT_ID", sandbox.client_id().to_owned()),
                ("ZOHO_CLIENT_SECRET", sandbox.client_secret().to_owned()),
                ("ZOHO_ACCOUNTS_URL", sandbox.accounts_url()),
                ("ZOHO_ACCOUNTS_SERVERS", sandbox.accounts_url()),
                ("ZOHO_API_DOMAINS", sandbox.api_url()),
                ("ZOHO_REDIRECT_URIS", redirects.join(",")),
                ("GATEWAY_BIND", format!("127.0.0.1:{port}")),
                ("GATEWAY_METRICS_BIND", format!("127.0.0.1:{}", free_port())),
                ("DATABASE_URL", db.url.clone()),
                ("DATABASE_POOL_SIZE", "5".to_owned()),
                ("GATEWAY_TOKEN_KEY", key.clone()),
                ("ZOHO_REFRESH_MARGIN_SECS", "0".to_owned()),
                // The sandbox allows Zoho's default of 10 concurrent calls per org: split them.
                ("GATEWAY_ZOHO_CONCURRENCY", "5".to_owned()),
                ("GATEWAY_LOG", "warn".to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            // `GATEWAY_PUBLIC_URL=A`: replica A's address (Zoho's notifications call it back).
            env.extend(extra_env.iter().map(|(k, v)| {
                let v =
                    if *k == "GATEWAY_PUBLIC_URL" && *v == "A" { format!("http://127.0.0.1:{port_a}") } else { (*v).to_owned() };
                ((*k).to_owned(), v)
            }));
            env
        };
        let a = Replica::spawn("a", port_a, redirects[0].clone(), env(port_a), logs.path().join("a.log"));
        let b = Replica::spawn("b", port_b, redirects[1].clone(), env(port_b), logs.path().join("b.log"));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        a.wait_ready(&http).await;
        b.wait_ready(&http).await;
        Some(Cluster { a, b, sandbox, http, _db: db, _logs: logs })
    }

    /// Signs in through replica A as a browser would (login, consent, initialize) and returns
    /// the `Cookie` header value of the session, which B accepts too: the session is shared.
    async fn sign_in_through_a(&self, user: &str) -> String {
        let login = self
            .http
            .post(format!("{}/graphql", self.a.base))
            .json(&json!({
                "query": "mutation($r: String!) { login(redirectUrl: $r) { url state } }",
                "variables": { "r": self.a.redirect },
            }))
            .send()
            .await
            .expect("login answers");
        let login_cookie = cookie_pair(&login, "zgw_login");
        let login: Value = login.json().await.expect("login JSON");
        let url = login["data"]["login"]["url"].as_str().unwrap_or_else(|| panic!("login failed: {login}"));

        let mut url = url::Url::parse(url).expect("authorization URL");
        url.query_pairs_mut().append_pair("sandbox_user", user);
        let consent = self.http.get(url).send().await.expect("consent answers");
        assert!(consent.status().is_redirection(), "consent did not redirect: {}", consent.status());
        let location = consent.headers()["location"].to_str().expect("location header");
        let redirect: std::collections::HashMap<String, String> =
            url::Url::parse(location).expect("redirect URL").query_pairs().into_owned().collect();

        let init = self
            .http
            .post(format!("{}/graphql", self.a.base))
            .header(reqwest::header::COOKIE, login_cookie)
            .json(&json!({
                "query": "mutation($c: String!, $s: String!, $r: String!, $l: String, $a: String) {
                    initialize(code: $c, state: $s, redirectUrl: $r, location: $l, accountsServer: $a) { user { id } } }",
                "variables": {
                    "c": redirect.get("code"), "s": redirect.get("state"), "r": self.a.redirect,
                    "l": redirect.get("location"), "a": redirect.get("accounts-server"),
                },
            }))
            .send()
            .await
            .expect("initialize answers");
        let session = cookie_pair(&init, "zgw_session");
        let init: Value = init.json().await.expect("initialize JSON");
        assert!(init["data"]["initialize"]["user"]["id"].is_string(), "sign-in failed: {init}");
        session
    }

    async fn graphql(&self, replica: &Replica, session: &str, query: &str) -> Value {
        graphql(&self.http, &replica.base, session, query).await
    }

    async fn graphql_vars(&self, replica: &Replica, session: &str, query: &str, variables: Value) -> Value {
        post_graphql(&self.http, &replica.base, session, json!({ "query": query, "variables": variables })).await
    }
}

async fn graphql(http: &reqwest::Client, base: &str, session: &str, query: &str) -> Value {
    post_graphql(http, base, session, json!({ "query": query })).await
}

async fn post_graphql(http: &reqwest::Client, base: &str, session: &str, body: Value) -> Value {
    http.post(format!("{base}/graphql"))
        .header(reqwest::header::COOKIE, session)
        .json(&body)
        .send()
        .await
        .expect("gateway answers")
        .json()
        .await
        .expect("JSON answer")
}

/// `name=value` of the cookie that the response sets.
fn cookie_pair(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie set"))
        .to_owned()
}

/// A port that was free a moment ago (the gateway binds it itself, as in production).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// One gateway process, killed when dropped; its log is printed if a test fails.
struct Replica {
    name: &'static str,
    base: String,
    /// Where its `/metrics` is served (`GATEWAY_METRICS_BIND`).
    metrics: String,
    redirect: String,
    child: Child,
    log: PathBuf,
}

impl Replica {
    fn spawn(name: &'static str, port: u16, redirect: String, env: Vec<(String, String)>, log: PathBuf) -> Self {
        let log_file = std::fs::File::create(&log).expect("log file");
        let metrics =
            env.iter().find(|(k, _)| k == "GATEWAY_METRICS_BIND").map(|(_, v)| format!("http://{v}")).unwrap_or_default();
        let child = Command::new(env!("CARGO_BIN_EXE_zoho-gateway"))
            // Only what the test sets: a DATABASE_URL or GATEWAY_SANDBOX of the caller must not leak in.
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("the gateway binary starts");
        Replica { name, base: format!("http://127.0.0.1:{port}"), metrics, redirect, child, log }
    }

    /// Waits until the gateway answers `/readyz` (its store reachable).
    async fn wait_ready(&self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "replica {} not ready after 30 s; its log:\n{}",
                self.name,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- replica {} log:\n{}", self.name, std::fs::read_to_string(&self.log).unwrap_or_default());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A throwaway PostgreSQL database (the same helper as in tests/store.rs)

#[path = "support/pg.rs"]
mod pg;
