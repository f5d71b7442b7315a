//! No token, secret, code or session id reaches the logs, at any level (issue 5, item 4).
//!
//! One global subscriber records everything at TRACE, dependencies included (hyper, reqwest, sqlx,
//! h2, rustls…, and `log` records through tracing-log), with span openings and closings. A full
//! session then runs against an in-process gateway: sign-in, list, read, create, update, search,
//! delete, a refresh after Zoho expired the token, Zoho faults (5xx, malformed JSON, throttled
//! refresh, connection refused), refused sign-ins, a second sign-in (session rotation) and sign-out.
//! The captured text must contain none of the secrets that went by.
//!
//! Only the gateway's logs are captured: the sandbox (Zoho) and the test's own HTTP client run on
//! separate runtimes whose threads have a thread-local "no subscriber", since the same crates
//! (reqwest, hyper) run there and their lines would otherwise be indistinguishable from the
//! gateway's.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser as _;
use reqwest::cookie::{CookieStore as _, Jar};
use serde_json::{Value, json};
use tracing::subscriber::NoSubscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use zoho_gateway::app::Application;
use zoho_gateway::config::Config;
use zoho_gateway::sandbox::{Fault, FaultRule, Sandbox, SandboxConfig};

/// Every formatted line, in order.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A runtime whose threads log nothing (a thread-local default that drops everything).
fn quiet_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .on_thread_start(|| std::mem::forget(tracing::subscriber::set_default(NoSubscriber::default())))
        .build()
        .expect("runtime")
}

/// A browser against the gateway: one cookie jar, every GraphQL call as the portal makes it.
struct Browser {
    http: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
    redirect: String,
}

impl Browser {
    fn new(base: &str, redirect: &str) -> Browser {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Browser { http, jar, base: base.to_owned(), redirect: redirect.to_owned() }
    }

    async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("gateway answers");
        response.json().await.expect("JSON")
    }

    /// `login`, then Zoho's consent page: (state, code, the redirect's other parameters).
    async fn authorize(&self, user: &str) -> (String, String, Vec<(String, String)>) {
        let login =
            self.graphql("mutation($r: String!) { login(redirectUrl: $r) { url state } }", json!({ "r": self.redirect })).await;
        let url = login["data"]["login"]["url"].as_str().unwrap_or_else(|| panic!("{login}"));
        let mut url = url::Url::parse(url).expect("url");
        url.query_pairs_mut().append_pair("sandbox_user", user);
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .get(url)
            .send()
            .await
            .expect("consent");
        let location = response.headers()["location"].to_str().expect("location").to_owned();
        let params: Vec<(String, String)> = url::Url::parse(&location).expect("url").query_pairs().into_owned().collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        (get("state"), get("code"), params)
    }

    async fn initialize(&self, state: &str, code: &str, params: &[(String, String)]) -> Value {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        self.graphql(
            "mutation($c: String!, $s: String!, $r: String!, $l: String, $a: String) {
               initialize(code: $c, state: $s, redirectUrl: $r, location: $l, accountsServer: $a) { user { id } } }",
            json!({ "c": code, "s": state, "r": self.redirect, "l": get("location"), "a": get("accounts-server") }),
        )
        .await
    }

    /// Adds the values of the gateway's cookies in the jar now.
    fn collect_cookies(&self, secrets: &mut Secrets) {
        let Some(header) = self.jar.cookies(&self.base.parse().expect("url")) else {
            return;
        };
        for (name, value) in header.to_str().unwrap_or_default().split("; ").filter_map(|c| c.split_once('=')) {
            match name {
                "zgw_session" => secrets.add("session cookie", value),
                "zgw_login" => secrets.add("login cookie", value),
                _ => {}
            }
        }
    }
}

/// Everything secret that went by during the session.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        if !value.is_empty() && !self.0.iter().any(|(_, v)| v == value) {
            self.0.push((what.to_owned(), value.to_owned()));
        }
    }
}

#[test]
fn no_secret_reaches_the_logs_at_trace_level() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("trace"))
        .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .init();
    // This thread drives the client: it must not log either.
    let _quiet = tracing::subscriber::set_default(NoSubscriber::default());

    let zoho = quiet_runtime();
    let client = quiet_runtime();
    let gateway = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");

    let sandbox =
        zoho.block_on(Sandbox::start(SandboxConfig { refresh_limit: 100, ..SandboxConfig::default() })).expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}", dir.path().join("gw.db").display());
    let (base, redirect) = gateway
        .block_on(gateway.spawn({
            let sandbox = sandbox.clone();
            let database = database.clone();
            async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("addr");
                let redirect = format!("http://{addr}/redirect.html");
                sandbox.register_redirect_uri(&redirect);
                let config = Config::try_parse_from([
                    "zoho-gateway",
                    "--client-id",
                    sandbox.client_id(),
                    "--client-secret",
                    sandbox.client_secret(),
                    "--accounts-url",
                    &sandbox.accounts_url(),
                    "--accounts-servers",
                    &sandbox.accounts_url(),
                    "--api-domains",
                    &sandbox.api_url(),
                    "--redirect-uris",
                    &redirect,
                    "--database-url",
                    &database,
                    "--refresh-margin-secs",
                    "0",
                    "--zoho-timeout-secs",
                    "1",
                    "--retry-budget-ms",
                    "300",
                    "--metrics-bind",
                    "127.0.0.1:0",
                ])
                .expect("config");
                let app = Application::with_listener(config, listener).await.expect("app");
                tokio::spawn(app.run_until_stopped());
                // The canary proves that this runtime's lines are captured (and the search works).
                tracing::info!(secret = "canary-5f1d2e", "a line the test must find");
                (format!("http://{addr}"), redirect)
            }
        }))
        .expect("gateway starts");

    let mut secrets = Secrets::default();
    secrets.add("client secret", sandbox.client_secret());
    client.block_on(full_session(&sandbox, &base, &redirect, &mut secrets));
    // Let the gateway's background work (the revoke of a replaced token) finish and log.
    std::thread::sleep(Duration::from_millis(300));

    for code in sandbox.issued_secrets().codes {
        secrets.add("authorization code", &code);
    }
    for token in sandbox.issued_secrets().access_tokens {
        secrets.add("access token", &token);
    }
    for token in sandbox.issued_secrets().refresh_tokens {
        secrets.add("refresh token", &token);
    }
    // Tokens are `1000.<hex>.<hex>`: each random half alone is secret too.
    let halves: Vec<(String, String)> = secrets
        .0
        .iter()
        .filter(|(what, _)| what.ends_with("token") || what.ends_with("code"))
        .flat_map(|(what, v)| v.split('.').skip(1).map(move |half| (format!("{what} (half)"), half.to_owned())))
        .collect();
    halves.iter().for_each(|(what, v)| secrets.add(what, v));

    let logs = capture.text();
    if let Ok(path) = std::env::var("ZGW_LOG_DUMP") {
        std::fs::write(path, &logs).expect("dump");
    }
    assert!(logs.contains("canary-5f1d2e"), "the capture works");
    for wanted in [" TRACE ", "zoho_gateway", "sqlx", "hyper", "signed in", "access token refreshed", "zoho call failed"] {
        assert!(logs.contains(wanted), "the capture has {wanted:?} lines: the session really ran at TRACE");
    }
    let kinds: Vec<&str> = secrets.0.iter().map(|(what, _)| what.as_str()).collect();
    for kind in
        ["client secret", "authorization code", "access token", "refresh token", "state", "session cookie", "login cookie"]
    {
        assert!(kinds.contains(&kind), "no {kind} was collected: {kinds:?}");
    }
    let leaks: Vec<String> = secrets
        .0
        .iter()
        .filter_map(|(what, value)| {
            let line = logs.lines().find(|line| line.contains(value.as_str()))?;
            Some(format!("{what} in: {line}"))
        })
        .collect();
    println!("{} log lines captured, {} secrets searched for", logs.lines().count(), secrets.0.len());
    assert!(leaks.is_empty(), "secrets in the logs:\n{}", leaks.join("\n"));
    gateway.shutdown_background();
}

async fn full_session(sandbox: &Sandbox, base: &str, redirect: &str, secrets: &mut Secrets) {
    let browser = Browser::new(base, redirect);
    let (state, code, params) = browser.authorize("coordinator").await;
    secrets.add("state", &state);
    browser.collect_cookies(secrets);
    let r = browser.initialize(&state, &code, &params).await;
    assert!(r["data"]["initialize"]["user"]["id"].is_string(), "{r}");
    browser.collect_cookies(secrets);
    // The same code and state again: refused (and logged as refused).
    let again = browser.initialize(&state, &code, &params).await;
    assert!(again["errors"].is_array(), "{again}");

    let ok = |r: &Value| assert!(r.get("errors").is_none(), "{r}");
    ok(&browser.graphql("{ me { user { id name } org { name } } }", json!({})).await);
    let page = browser.graphql("{ leads(perPage: 5) { nodes { id lastName } } }", json!({})).await;
    ok(&page);
    let id = page["data"]["leads"]["nodes"][0]["id"].as_str().expect("a lead").to_owned();
    ok(&browser.graphql("query($id: ID!) { lead(id: $id) { id email owner { name } } }", json!({ "id": id })).await);
    let created = browser
        .graphql(
            "mutation { createLead(input: { firstName: \"Asha\", lastName: \"Verma\", email: \"asha.log@students.example\", course: \"Web Design\" }) { id fullName } }",
            json!({}),
        )
        .await;
    ok(&created);
    let new_id = created["data"]["createLead"]["id"].as_str().expect("id").to_owned();
    ok(&browser
        .graphql(
            "mutation($id: ID!) { updateLead(id: $id, input: { course: \"React in Depth\", phone: null }) { id course } }",
            json!({ "id": new_id }),
        )
        .await);
    for by in [
        json!({ "lastName": "Ver", "course": "React" }),
        json!({ "email": "asha.log@students.example" }),
        json!({ "word": "Verma" }),
    ] {
        ok(&browser.graphql("query($by: LeadSearch!) { searchLeads(by: $by) { nodes { id } } }", json!({ "by": by })).await);
    }
    let get = browser
        .http
        .get(format!("{base}/graphql"))
        .query(&[("query", "{ me { user { id } } }")])
        .header("apollo-require-preflight", "1")
        .send()
        .await
        .expect("GET");
    assert_eq!(get.status(), 200);

    // Zoho expired the token: refresh on the 401, then go on.
    sandbox.expire_access_tokens();
    ok(&browser.graphql("{ leads(perPage: 3, page: 2) { nodes { id } } }", json!({})).await);

    // Faults, which log warnings with their causes.
    sandbox.add_fault_rule(FaultRule::times(Fault::Status(500), 10).on("leads.list"));
    let failed = browser.graphql("{ leads(perPage: 3, page: 3) { nodes { id } } }", json!({})).await;
    assert!(failed["errors"].is_array(), "{failed}");
    sandbox.set_fault(Some(Fault::MalformedJson));
    let failed = browser.graphql("{ leads(perPage: 3, page: 4) { nodes { id } } }", json!({})).await;
    assert!(failed["errors"].is_array(), "{failed}");
    sandbox.set_fault(Some(Fault::RefreshThrottled));
    sandbox.expire_access_tokens();
    let failed = browser.graphql("{ leads(perPage: 3, page: 5) { nodes { id } } }", json!({})).await;
    assert!(failed["errors"].is_array(), "{failed}");
    sandbox.set_fault(None);
    sandbox.go_offline().await;
    let failed = browser.graphql("{ leads(perPage: 3, page: 6) { nodes { id } } }", json!({})).await;
    assert!(failed["errors"].is_array(), "{failed}");
    sandbox.go_online().await.expect("online");
    ok(&browser.graphql("mutation($id: ID!) { deleteLead(id: $id) }", json!({ "id": new_id })).await);

    // A second sign-in of the same browser: the session id rotates, the replaced grant is revoked.
    let (state, code, params) = browser.authorize("coordinator").await;
    secrets.add("state", &state);
    browser.collect_cookies(secrets);
    let r = browser.initialize(&state, &code, &params).await;
    assert!(r["data"]["initialize"]["user"]["id"].is_string(), "{r}");
    browser.collect_cookies(secrets);
    // Another browser completes with a state that is not its own: refused.
    let (state, code, params) = browser.authorize("advisor").await;
    secrets.add("state", &state);
    let stranger = Browser::new(base, redirect);
    let refused = stranger.initialize(&state, &code, &params).await;
    assert!(refused["errors"].is_array(), "{refused}");

    ok(&browser.graphql("mutation { logout }", json!({})).await);
    let me = browser.graphql("{ me { user { id } } }", json!({})).await;
    assert!(me["data"]["me"].is_null(), "{me}");
}
