//! Few Zoho calls: caching, invalidation, coalescing, batching, the per-org limiter, retries,
//! single-flight refresh. Counted with the sandbox's own counters.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use zoho_gateway::sandbox::{Fault, FaultRule, SandboxConfig};

use crate::helpers::{Options, error_code, spawn_app, spawn_app_with};

const LIST: &str = "{ leads(perPage: 200) { nodes { id lastName email company course owner { name } } pageInfo { count } } }";

#[tokio::test]
async fn a_list_repeated_within_the_ttl_costs_one_zoho_call() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    app.sandbox.reset_calls();
    let first = admin.graphql(LIST, json!({})).await;
    assert_eq!(first["data"]["leads"]["pageInfo"]["count"], 200, "{first}");
    for _ in 0..99 {
        assert_eq!(admin.graphql(LIST, json!({})).await, first);
    }
    assert_eq!(app.sandbox.calls().api_total(), 1);
}

#[tokio::test]
async fn a_user_reads_their_own_write_at_once() {
    let app = spawn_app().await;
    let coordinator = app.signed_in("coordinator").await;
    let newest = "{ leads(perPage: 5, sortBy: MODIFIED_TIME, sortOrder: DESC) { nodes { id lastName course } } }";
    let before = coordinator.graphql(newest, json!({})).await;
    let target = before["data"]["leads"]["nodes"][3]["id"].as_str().unwrap().to_owned();

    let r = coordinator
        .graphql(
            "mutation($id: ID!) { updateLead(id: $id, input: { course: \"Responsive CSS\" }) { id } }",
            json!({ "id": target }),
        )
        .await;
    assert!(r["data"]["updateLead"]["id"].is_string(), "{r}");
    let after = coordinator.graphql(newest, json!({})).await;
    assert_eq!(after["data"]["leads"]["nodes"][0]["id"], target.as_str(), "the edited lead is now the newest: {after}");
    assert_eq!(after["data"]["leads"]["nodes"][0]["course"], "Responsive CSS");

    let created = coordinator.graphql("mutation { createLead(input: { lastName: \"Fresh\" }) { id } }", json!({})).await;
    let id = created["data"]["createLead"]["id"].as_str().unwrap();
    let after = coordinator.graphql(newest, json!({})).await;
    assert_eq!(after["data"]["leads"]["nodes"][0]["id"], id);
    coordinator.graphql("mutation($id: ID!) { deleteLead(id: $id) }", json!({ "id": id })).await;
    let after = coordinator.graphql(newest, json!({})).await;
    assert_ne!(after["data"]["leads"]["nodes"][0]["id"], id);
}

#[tokio::test]
async fn identical_concurrent_reads_of_one_user_share_one_call() {
    let app = spawn_app().await;
    let admin = Arc::new(app.signed_in("admin").await);
    app.sandbox.add_fault_rule(FaultRule::from(Fault::Latency(Duration::from_millis(300))));
    app.sandbox.reset_calls();
    let requests = (0..20).map(|_| {
        let admin = admin.clone();
        tokio::spawn(async move { admin.graphql(LIST, json!({})).await })
    });
    for r in futures::future::join_all(requests).await {
        assert_eq!(r.unwrap()["data"]["leads"]["pageInfo"]["count"], 200);
    }
    assert_eq!(app.sandbox.calls().get("leads.list"), 1);
}

#[tokio::test]
async fn cached_answers_are_never_shared_between_users() {
    let app = spawn_app().await;
    let coordinator = Arc::new(app.signed_in("coordinator").await);
    let advisor = Arc::new(app.signed_in("advisor").await);
    let users = app.sandbox.users();
    let query = "{ leads(perPage: 50) { nodes { owner { id } } } }";
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (browser, expected) =
            if i % 2 == 0 { (coordinator.clone(), users[1].id.clone()) } else { (advisor.clone(), users[2].id.clone()) };
        tasks.push(tokio::spawn(async move {
            let r = browser.graphql(query, json!({})).await;
            let nodes = r["data"]["leads"]["nodes"].as_array().cloned().unwrap_or_default();
            assert!(!nodes.is_empty(), "{r}");
            assert!(nodes.iter().all(|n| n["owner"]["id"] == expected.as_str()), "a user saw another user's lead");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn with_the_cache_off_every_read_reaches_zoho() {
    let app = spawn_app_with(Options { args: vec!["--cache".into(), "false".into()], ..Options::default() }).await;
    let admin = app.signed_in("admin").await;
    app.sandbox.reset_calls();
    for _ in 0..5 {
        admin.graphql(LIST, json!({})).await;
    }
    assert_eq!(app.sandbox.calls().get("leads.list"), 5);
}

#[tokio::test]
async fn a_hundred_and_fifty_ids_cost_two_calls() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let ids: Vec<String> =
        app.sandbox.find_leads(|_| true).iter().take(150).map(|l| l["id"].as_str().unwrap().to_owned()).collect();
    let query = format!(
        "{{ {} }}",
        ids.iter().enumerate().map(|(i, id)| format!("l{i}: lead(id: \"{id}\") {{ id email }}")).collect::<Vec<_>>().join(" ")
    );
    app.sandbox.reset_calls();
    let r = admin.graphql(&query, json!({})).await;
    assert_eq!(r["data"]["l149"]["id"], ids[149].as_str(), "{r}");
    assert_eq!(app.sandbox.calls().get("leads.get_by_ids"), 2);
    assert_eq!(app.sandbox.calls().api_total(), 2);
}

#[tokio::test]
async fn the_per_org_limiter_keeps_zoho_below_its_concurrency_cap() {
    let app = spawn_app_with(Options {
        sandbox: SandboxConfig { concurrency_limit: 4, ..SandboxConfig::default() },
        args: vec!["--zoho-concurrency".into(), "3".into(), "--cache".into(), "false".into()],
        ..Options::default()
    })
    .await;
    let admin = Arc::new(app.signed_in("admin").await);
    app.sandbox.add_fault_rule(FaultRule::from(Fault::Latency(Duration::from_millis(50))));
    let requests = (1..=30).map(|page| {
        let admin = admin.clone();
        tokio::spawn(async move {
            admin.graphql(&format!("{{ leads(page: {page}, perPage: 5) {{ nodes {{ id }} }} }}"), json!({})).await
        })
    });
    for r in futures::future::join_all(requests).await {
        let r = r.unwrap();
        assert!(r["data"]["leads"]["nodes"].is_array(), "no 429 reached the client: {r}");
    }
    assert!(app.sandbox.max_concurrency_seen() <= 3, "peak {} above the limiter's 3", app.sandbox.max_concurrency_seen());
    assert_eq!(app.sandbox.calls().get("leads.list"), 30);
}

#[tokio::test]
async fn reads_back_off_and_retry_on_429_but_writes_are_not_retried() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    app.sandbox.reset_calls();
    app.sandbox.add_fault_rule(FaultRule::times(Fault::Status(429), 2).on("leads.list"));
    let r = admin.graphql(LIST, json!({})).await;
    assert_eq!(r["data"]["leads"]["pageInfo"]["count"], 200, "{r}");
    assert_eq!(app.sandbox.calls().get("leads.list"), 3, "two 429s, then success");

    app.sandbox.add_fault_rule(FaultRule::times(Fault::Status(500), 1).on("leads.create"));
    let r = admin.graphql("mutation { createLead(input: { lastName: \"Once\" }) { id } }", json!({})).await;
    assert_eq!(error_code(&r), "UPSTREAM_UNAVAILABLE");
    assert_eq!(app.sandbox.calls().get("leads.create"), 1, "a write is never retried blindly");
}

#[tokio::test]
async fn two_hundred_concurrent_requests_on_an_expired_token_cause_one_refresh() {
    let app = spawn_app_with(Options {
        sandbox: SandboxConfig { access_token_ttl: Duration::from_secs(2), ..SandboxConfig::default() },
        args: vec!["--cache".into(), "false".into()],
        ..Options::default()
    })
    .await;
    let admin = Arc::new(app.signed_in("admin").await);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let requests = (0..200).map(|i| {
        let admin = admin.clone();
        tokio::spawn(async move {
            admin.graphql(&format!("{{ leads(page: {}, perPage: 2) {{ nodes {{ id }} }} }}", i % 10 + 1), json!({})).await
        })
    });
    for r in futures::future::join_all(requests).await {
        let r = r.unwrap();
        assert!(r["data"]["leads"]["nodes"].is_array(), "{r}");
    }
    assert_eq!(app.sandbox.calls().get("token.refresh_token"), 1);
}

/// A latency storm wider than the per-org limiter (100 concurrent reads, 10 slots, Zoho answering
/// after 10 s, a 1 s timeout): waiting for a limiter slot is bounded too, so every answer still
/// comes within the timeout and retry budget (plus slack) instead of queueing for many timeouts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latency_storm_wider_than_the_limiter_still_answers_in_time() {
    let app = spawn_app_with(Options {
        args: ["--zoho-timeout-secs", "1", "--retry-budget-ms", "1500", "--cache", "false"].map(str::to_owned).to_vec(),
        ..Options::default()
    })
    .await;
    let browser = app.signed_in("admin").await;
    app.sandbox.set_fault(Some(Fault::Latency(Duration::from_secs(10))));
    let storm = (0..100).map(|i| {
        let (client, base) = (browser.client.clone(), app.base.clone());
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let query = format!("{{ leads(page: {}, perPage: 2) {{ nodes {{ id }} }} }}", i % 9 + 1);
            let r = client.post(format!("{base}/graphql")).json(&json!({ "query": query })).send().await;
            let r = r.expect("gateway answers").json::<serde_json::Value>().await.expect("JSON");
            (r, started.elapsed())
        })
    });
    let mut slowest = Duration::ZERO;
    for result in futures::future::join_all(storm).await {
        let (r, took) = result.expect("no task panicked");
        // Zoho still counts the calls the gateway gave up on, so some meet its concurrency limit.
        assert!(["UPSTREAM_UNAVAILABLE", "RATE_LIMITED"].contains(&error_code(&r)), "{r}");
        slowest = slowest.max(took);
    }
    assert!(slowest < Duration::from_secs(8), "the slowest of 100 answered after {slowest:?}");
}
