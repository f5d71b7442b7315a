//! Zoho faults (issue 5, item 8): one gateway walks every fault of the sandbox's fault switch in
//! turn. After each: the right `extensions.code` within the configured timeout (plus the read
//! retry budget), `/healthz` and `/readyz` still 200 (also while a slow call is in flight), and
//! a normal query succeeding again as soon as Zoho recovers, with no new sign-in (except after a
//! revoked grant, which only a new sign-in can replace). A panic hook counts panics anywhere in
//! the process (gateway tasks included): the walk ends with none.
//!
//! The panic count is process-wide, so this binary holds this one test.

#[path = "api/helpers.rs"]
#[allow(dead_code)] // shared with tests/api; this binary uses only part of it
mod helpers;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zoho_gateway::sandbox::{Fault, FaultRule, SandboxConfig};

use helpers::{Browser, Options, TestApp, error_code, spawn_app_with};

const ZOHO_TIMEOUT_SECS: u64 = 1;
const RETRY_BUDGET_MS: u64 = 1500;
/// A functional bound, not a benchmark: timeout + retry budget + the scheduling slack of a busy
/// 2-core CI machine.
const WITHIN: Duration = Duration::from_secs(8);
/// No request of the walk may hang longer than this.
const HANG: Duration = Duration::from_secs(30);

const LIST: &str = "{ leads(perPage: 3) { nodes { id } } }";

static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
}

struct Walk {
    app: TestApp,
    browser: Browser,
    http: reqwest::Client,
    /// (fault, what the client got, how long it took), printed at the end.
    log: Vec<(String, String, Duration)>,
}

impl Walk {
    async fn graphql(&self, query: &str, variables: Value) -> (Value, Duration) {
        timed(self.browser.graphql(query, variables)).await
    }

    /// Runs `query` under the fault now set; asserts the code and the time bound.
    async fn expect_code(&mut self, fault: &str, query: &str, variables: Value, code: &str) {
        let (r, took) = self.graphql(query, variables).await;
        assert_eq!(error_code(&r), code, "{fault}: {r}");
        assert!(took < WITHIN, "{fault}: answered after {took:?}");
        assert!(
            !r.to_string().contains("sandbox") && !r.to_string().contains("127.0.0.1"),
            "{fault}: the message leaks Zoho internals: {r}"
        );
        self.log.push((fault.to_owned(), code.to_owned(), took));
        self.assert_healthy(fault).await;
    }

    async fn assert_healthy(&self, when: &str) {
        for probe in ["/healthz", "/readyz"] {
            let (status, took) = timed(async {
                let response = self.http.get(format!("{}{probe}", self.app.base)).send().await;
                response.map(|r| r.status().as_u16()).unwrap_or(0)
            })
            .await;
            assert_eq!(status, 200, "{when}: {probe}");
            assert!(took < Duration::from_secs(2), "{when}: {probe} took {took:?}");
        }
    }

    /// Zoho is well again: a normal query works with the same session.
    async fn expect_recovery(&mut self, fault: &str) {
        self.app.sandbox.set_fault(None);
        let (r, _) = self.graphql(LIST, json!({})).await;
        assert_eq!(r["data"]["leads"]["nodes"].as_array().map(Vec::len), Some(3), "{fault}: no recovery: {r}");
    }
}

async fn timed<T>(future: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let value = tokio::time::timeout(HANG, future).await.expect("the gateway answered");
    (value, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_zoho_fault_gives_its_code_in_time_and_the_gateway_recovers() {
    count_panics();
    let app = spawn_app_with(Options {
        // Refreshes in this walk must never meet the real throttle by accident; its fault is walked.
        sandbox: SandboxConfig { refresh_limit: 100, ..SandboxConfig::default() },
        args: [
            "--zoho-timeout-secs",
            &ZOHO_TIMEOUT_SECS.to_string(),
            "--retry-budget-ms",
            &RETRY_BUDGET_MS.to_string(),
            // Every query must reach Zoho; a cached answer would hide the fault.
            "--cache",
            "false",
        ]
        .map(str::to_owned)
        .to_vec(),
        ..Options::default()
    })
    .await;
    let browser = app.signed_in("admin").await;
    let mut walk = Walk { app, browser, http: reqwest::Client::new(), log: Vec::new() };
    walk.expect_recovery("start").await;
    let sandbox = walk.app.sandbox.clone();

    // A 429 storm: 20 concurrent reads, each retried with backoff inside the budget, then RATE_LIMITED.
    sandbox.set_fault(Some(Fault::Status(429)));
    sandbox.reset_calls();
    let storm = (0..20).map(|i| {
        let client = walk.browser.client.clone();
        let base = walk.app.base.clone();
        tokio::spawn(timed(async move {
            let r = client
                .post(format!("{base}/graphql"))
                .json(&json!({ "query": format!("{{ leads(page: {}, perPage: 3) {{ nodes {{ id }} }} }}", i % 5 + 1) }))
                .send()
                .await
                .expect("gateway answers");
            r.json::<Value>().await.expect("JSON")
        }))
    });
    let mut slowest = Duration::ZERO;
    for result in futures::future::join_all(storm).await {
        let (r, took) = result.expect("no task panicked");
        assert_eq!(error_code(&r), "RATE_LIMITED", "429 storm: {r}");
        slowest = slowest.max(took);
    }
    assert!(slowest < WITHIN, "429 storm: slowest answer after {slowest:?}");
    assert!(sandbox.calls().get("leads.list") > 20, "reads were retried before giving up");
    walk.log.push(("429 storm (20 concurrent reads)".into(), "RATE_LIMITED".into(), slowest));
    walk.assert_healthy("429 storm").await;
    walk.expect_recovery("429 storm").await;

    for (status, code) in [(500, "UPSTREAM_UNAVAILABLE"), (503, "UPSTREAM_UNAVAILABLE"), (403, "FORBIDDEN")] {
        let name = format!("HTTP {status} on every API call");
        sandbox.set_fault(Some(Fault::Status(status)));
        walk.expect_code(&name, LIST, json!({}), code).await;
        walk.expect_recovery(&name).await;
    }

    // A write under a 503 is not retried (it may have happened) and says so with the same code.
    sandbox.set_fault(Some(Fault::Status(503)));
    sandbox.reset_calls();
    walk.expect_code(
        "HTTP 503 on createLead",
        "mutation { createLead(input: { lastName: \"Fault\" }) { id } }",
        json!({}),
        "UPSTREAM_UNAVAILABLE",
    )
    .await;
    assert_eq!(sandbox.calls().get("leads.create"), 1, "a write is never retried blindly");
    walk.expect_recovery("HTTP 503 on createLead").await;

    // A 429 on a write is RATE_LIMITED at once, also without a retry.
    sandbox.set_fault(Some(Fault::Status(429)));
    sandbox.reset_calls();
    walk.expect_code(
        "HTTP 429 on createLead",
        "mutation { createLead(input: { lastName: \"Fault\" }) { id } }",
        json!({}),
        "RATE_LIMITED",
    )
    .await;
    assert_eq!(sandbox.calls().get("leads.create"), 1, "a write is never retried blindly");
    walk.expect_recovery("HTTP 429 on createLead").await;

    // A write that outlives the timeout: UPSTREAM_UNAVAILABLE in time, not retried.
    sandbox.set_fault(None);
    sandbox.add_fault_rule(FaultRule::from(Fault::Latency(Duration::from_secs(10))).on("leads.create"));
    sandbox.reset_calls();
    walk.expect_code(
        "10 s latency on createLead (timeout 1 s)",
        "mutation { createLead(input: { lastName: \"Slow\" }) { id } }",
        json!({}),
        "UPSTREAM_UNAVAILABLE",
    )
    .await;
    assert_eq!(sandbox.calls().get("leads.create"), 1, "a write is never retried blindly");
    walk.expect_recovery("10 s latency on createLead").await;

    // 10 seconds of latency against a 1-second timeout; health stays instant meanwhile.
    sandbox.set_fault(Some(Fault::Latency(Duration::from_secs(10))));
    let slow = {
        let client = walk.browser.client.clone();
        let base = walk.app.base.clone();
        tokio::spawn(timed(async move {
            let r = client.post(format!("{base}/graphql")).json(&json!({ "query": LIST })).send().await;
            r.expect("gateway answers").json::<Value>().await.expect("JSON")
        }))
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    walk.assert_healthy("10 s latency, call in flight").await;
    let (r, took) = slow.await.expect("no task panicked");
    assert_eq!(error_code(&r), "UPSTREAM_UNAVAILABLE", "10 s latency: {r}");
    assert!(took >= Duration::from_secs(ZOHO_TIMEOUT_SECS), "the timeout, not an early failure: {took:?}");
    assert!(took < WITHIN, "10 s latency: answered after {took:?}");
    walk.log.push(("10 s latency on every API call (timeout 1 s)".into(), "UPSTREAM_UNAVAILABLE".into(), took));
    walk.expect_recovery("10 s latency").await;

    sandbox.set_fault(Some(Fault::MalformedJson));
    walk.expect_code("malformed JSON (HTTP 200, truncated body)", LIST, json!({}), "UPSTREAM_UNAVAILABLE").await;
    walk.expect_recovery("malformed JSON").await;

    // Connection refused: both of Zoho's listeners closed, then back on the same ports.
    sandbox.go_offline().await;
    walk.expect_code("connection refused (API and accounts down)", LIST, json!({}), "UPSTREAM_UNAVAILABLE").await;
    sandbox.go_online().await.expect("the sandbox listens again");
    walk.expect_recovery("connection refused").await;

    // Token endpoint faults, met by a refresh (Zoho says the access token expired).
    let token_faults: [(&str, FaultRule, &str); 5] = [
        ("refresh throttled (Access Denied)", FaultRule::from(Fault::RefreshThrottled), "RATE_LIMITED"),
        ("refresh answers HTTP 500", FaultRule::from(Fault::Status(500)).on("token.refresh_token"), "UPSTREAM_UNAVAILABLE"),
        (
            "refresh answers malformed JSON",
            FaultRule::from(Fault::MalformedJson).on("token.refresh_token"),
            "UPSTREAM_UNAVAILABLE",
        ),
        (
            "refresh takes 10 s (timeout 1 s)",
            FaultRule::from(Fault::Latency(Duration::from_secs(10))).on("token.refresh_token"),
            "UPSTREAM_UNAVAILABLE",
        ),
        ("refresh answers an unknown error", FaultRule::from(Fault::TokenError("general_error".into())), "UPSTREAM_UNAVAILABLE"),
    ];
    for (name, rule, code) in token_faults {
        sandbox.expire_access_tokens();
        sandbox.set_fault(None);
        sandbox.add_fault_rule(rule);
        walk.expect_code(name, LIST, json!({}), code).await;
        let (me, _) = walk.graphql("{ me { user { id } } }", json!({})).await;
        assert!(me["data"]["me"]["user"]["id"].is_string(), "{name}: the session survives: {me}");
        walk.expect_recovery(name).await;
    }

    // A 401 that a refresh cannot cure (Zoho keeps refusing the new token): UNAUTHENTICATED, but
    // the grant is kept, so the session works again once Zoho does.
    sandbox.set_fault(Some(Fault::Status(401)));
    walk.expect_code("HTTP 401 INVALID_TOKEN on every API call", LIST, json!({}), "UNAUTHENTICATED").await;
    walk.expect_recovery("HTTP 401 on every API call").await;

    // Sign-in while Zoho's accounts server is down: UPSTREAM_UNAVAILABLE; the state was spent, so
    // the user starts again and gets in.
    let newcomer = walk.app.browser();
    let redirect = newcomer.authorize(&walk.app, "coordinator").await;
    sandbox.go_offline().await;
    let (r, took) = timed(newcomer.initialize(&walk.app, &redirect)).await;
    assert_eq!(error_code(&r), "UPSTREAM_UNAVAILABLE", "sign-in while Zoho is down: {r}");
    walk.log.push(("sign-in (code exchange) while Zoho is down".into(), "UPSTREAM_UNAVAILABLE".into(), took));
    walk.assert_healthy("sign-in while Zoho is down").await;
    sandbox.go_online().await.expect("the sandbox listens again");
    let again = newcomer.login_as(&walk.app, "coordinator").await;
    assert!(again["data"]["initialize"]["user"]["id"].is_string(), "{again}");

    // Signing out while Zoho is down still signs out here (the revoke is best effort).
    sandbox.go_offline().await;
    let (out, took) = timed(newcomer.graphql("mutation { logout(everywhere: true) }", json!({}))).await;
    assert_eq!(out["data"]["logout"], true, "logout while Zoho is down: {out}");
    walk.log.push(("logout (revoke) while Zoho is down".into(), "ok: signed out".into(), took));
    let (me, _) = timed(newcomer.graphql("{ me { user { id } } }", json!({}))).await;
    assert!(me["data"]["me"].is_null(), "{me}");
    sandbox.go_online().await.expect("the sandbox listens again");
    walk.expect_recovery("logout while Zoho is down").await;

    // The user revokes the app in Zoho mid-session: UNAUTHENTICATED, the session ends, and a new
    // sign-in works.
    sandbox.revoke_all_tokens_of("admin");
    walk.expect_code("grant revoked mid-session", LIST, json!({}), "UNAUTHENTICATED").await;
    let (me, _) = walk.graphql("{ me { user { id } } }", json!({})).await;
    assert!(me["data"]["me"].is_null(), "the revoked session is gone: {me}");
    let back = walk.browser.login_as(&walk.app, "admin").await;
    assert!(back["data"]["initialize"]["user"]["id"].is_string(), "{back}");
    walk.expect_recovery("grant revoked").await;

    println!("\n{:<48} {:<22} {:>8}", "fault", "code", "took");
    for (fault, code, took) in &walk.log {
        println!("{fault:<48} {code:<22} {:>7.2}s", took.as_secs_f64());
    }
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a panic happened during the walk (see above)");
}
