//! Issue 11: Zoho's Notification API drops what changed in Zoho (in its own UI too) from the
//! cache at once; forged callbacks change nothing; channels are renewed, and a restart renews the
//! same channels instead of adding new ones.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zoho_gateway::sandbox::SandboxConfig;

use crate::helpers::{Options, TestApp, spawn_app_with};

const LIST: &str = "{ leads(perPage: 5) { nodes { id lastName } } }";

async fn app(sandbox: SandboxConfig, args: &[&str]) -> TestApp {
    let args = args.iter().map(|s| (*s).to_owned()).collect();
    spawn_app_with(Options { sandbox, args, public: true, ..Options::default() }).await
}

/// Waits until the gateway has enabled its channel (the org's first sign-in starts it).
async fn channel_enabled(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while enables(app) == 0 {
        assert!(Instant::now() < deadline, "no channel enabled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn enables(app: &TestApp) -> u64 {
    app.sandbox.calls().get("notifications.enable")
}

/// Polls `LIST` until the first lead's last name is `name`; returns how long it took.
async fn wait_for_name(browser: &crate::helpers::Browser, name: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let r = browser.graphql(LIST, json!({})).await;
        if r["data"]["leads"]["nodes"][0]["lastName"] == name {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "still {r} after {limit:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_change_made_in_zoho_reaches_a_cached_list_within_a_second() {
    let app = app(SandboxConfig::default(), &[]).await;
    let admin = app.signed_in("admin").await;
    channel_enabled(&app).await;
    let first = admin.graphql(LIST, json!({})).await;
    let id = first["data"]["leads"]["nodes"][0]["id"].as_str().expect("a lead").to_owned();
    // Cached: asking again costs Zoho nothing.
    let calls = app.sandbox.calls().api_total();
    assert_eq!(admin.graphql(LIST, json!({})).await, first);
    assert_eq!(app.sandbox.calls().api_total(), calls, "served from the cache");

    // A counsellor edits the lead in Zoho's own UI: no API call of ours, only Zoho's callback.
    app.sandbox.edit_as_ui("Leads", &id, json!({ "Last_Name": "Edited In Zoho" })).expect("UI edit");
    let took = wait_for_name(&admin, "Edited In Zoho", Duration::from_secs(1)).await;
    eprintln!("the UI edit reached the cached list after {took:?}");
    let delivered = app.sandbox.notification_deliveries();
    assert_eq!(delivered.len(), 1, "one channel, one callback: {delivered:?}");
}

#[tokio::test]
async fn forged_callbacks_are_refused_and_change_nothing() {
    let app = app(SandboxConfig::default(), &[]).await;
    let admin = app.signed_in("admin").await;
    channel_enabled(&app).await;
    let first = admin.graphql(LIST, json!({})).await;
    let calls = app.sandbox.calls().api_total();
    let me = admin.graphql("{ me { org { id } } }", json!({})).await;
    let org = me["data"]["me"]["org"]["id"].as_str().expect("org id").to_owned();
    let http = reqwest::Client::new();
    let url = format!("{}/zoho/notifications", app.base);
    let forged = |channel: Value, token: &str, module: &str| {
        json!({ "server_time": 1, "query_params": { "org": org }, "module": module, "ids": ["1"],
                "operation": "update", "channel_id": channel, "token": token })
    };
    let bodies = [
        forged(json!("1"), "abc", "Leads"),
        forged(json!(zoho_gateway::notifications::Notifications::channel_id(&org, "Leads").to_string()), "abc", "Leads"),
        forged(json!(zoho_gateway::notifications::Notifications::channel_id(&org, "Leads")), "", "Leads"),
        forged(json!("1"), "abc", "Invoices"),
        json!({ "nothing": true }),
    ];
    for body in bodies {
        let r = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 401, "{body}");
    }
    let r = http.post(&url).body(vec![b'x'; 100 * 1024]).send().await.unwrap();
    assert_eq!(r.status(), 413, "bounded body");
    // Nothing was dropped: the same answer, still without a Zoho call.
    assert_eq!(admin.graphql(LIST, json!({})).await, first);
    assert_eq!(app.sandbox.calls().api_total(), calls);
}

#[tokio::test]
async fn channels_are_renewed_before_they_expire_and_a_restart_renews_the_same_ones() {
    // Zoho's channels here live at most 3 s; the gateway asks for 2 s and renews at a third left.
    let sandbox = SandboxConfig { max_channel_expiry: Duration::from_secs(3), ..SandboxConfig::default() };
    // Sessions in a file, so that they outlive the process.
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("gateway.db").display());
    let app = app(sandbox, &["--channel-ttl-secs", "2", "--database-url", &db]).await;
    let admin = app.signed_in("admin").await;
    channel_enabled(&app).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let renewals = enables(&app);
    assert!(renewals >= 2, "renewed: {renewals} enables");
    // Past the first channel's expiry, a UI edit still reaches the cached list.
    let first = admin.graphql(LIST, json!({})).await;
    let id = first["data"]["leads"]["nodes"][0]["id"].as_str().expect("a lead").to_owned();
    app.sandbox.edit_as_ui("Leads", &id, json!({ "Last_Name": "Still Watched" })).expect("UI edit");
    wait_for_name(&admin, "Still Watched", Duration::from_secs(1)).await;

    // A new gateway process on the same Zoho and store (a restart). Nobody signs in again: the
    // first use of a kept session renews the same channel, so one edit still makes one callback.
    let sandbox = app.stop().await;
    let before = sandbox.calls().get("notifications.enable");
    let again = spawn_app_with(Options {
        existing_sandbox: Some(sandbox),
        public: true,
        args: vec!["--channel-ttl-secs".into(), "2".into(), "--database-url".into(), db.clone()],
        ..Options::default()
    })
    .await;
    let admin = admin.at(&again);
    let me = admin.graphql("{ me { user { name } } }", json!({})).await;
    assert!(me["data"]["me"]["user"]["name"].is_string(), "the session outlived the restart: {me}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while enables(&again) == before {
        assert!(Instant::now() < deadline, "the restarted gateway enabled no channel");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = again.sandbox.notification_deliveries().len();
    again.sandbox.edit_as_ui("Leads", &id, json!({ "Last_Name": "After Restart" })).expect("UI edit");
    wait_for_name(&admin, "After Restart", Duration::from_secs(1)).await;
    let deliveries = again.sandbox.wait_for_notification_deliveries(delivered as u64 + 1, Duration::from_secs(1)).await;
    let after: Vec<_> = deliveries.iter().skip(delivered).collect();
    assert_eq!(after.len(), 1, "one channel after the restart, not two: {after:?}");
}

/// Any request of a signed-in user may start an enable (that is how a restart finds its orgs
/// again), so a failed enable must wait before the next attempt: each one costs an API call.
#[tokio::test]
async fn a_failed_enable_is_not_retried_by_every_request() {
    use zoho_gateway::sandbox::{Fault, FaultRule};
    let app = app(SandboxConfig::default(), &[]).await;
    app.sandbox.add_fault_rule(FaultRule::from(Fault::Status(500)).on("notifications.enable"));
    let admin = app.signed_in("admin").await;
    channel_enabled(&app).await;
    // The first attempt (and the client's own retries of it) is over.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let attempts = enables(&app);
    for i in 0..20 {
        // A new document each time: a repeated one is answered from the answer cache.
        let r = admin.graphql(&format!("{{ me{i}: me {{ user {{ name }} }} }}"), json!({})).await;
        assert!(r["data"][format!("me{i}")]["user"]["name"].is_string(), "{r}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(enables(&app), attempts, "no new attempt within the retry delay, however many requests");
}
