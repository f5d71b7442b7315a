//! Tokens and sessions on the embedded SQLite store survive a restart.

use serde_json::json;

use crate::helpers::{Options, spawn_app_with};

#[tokio::test]
async fn sessions_and_tokens_survive_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("gateway.db").display());
    let args = || vec!["--database-url".to_owned(), db.clone()];

    let first = spawn_app_with(Options { args: args(), ..Options::default() }).await;
    let browser = first.signed_in("coordinator").await;
    let before = browser.graphql("{ me { user { id name } org { id } } leads(perPage: 3) { nodes { id } } }", json!({})).await;
    assert!(before["data"]["me"]["user"]["id"].is_string(), "{before}");
    let exchanges = first.sandbox.calls().get("token.authorization_code");

    let sandbox = first.stop().await;
    let second = spawn_app_with(Options { args: args(), existing_sandbox: Some(sandbox), ..Options::default() }).await;
    let same_browser = browser.at(&second);
    let after =
        same_browser.graphql("{ me { user { id name } org { id } } leads(perPage: 3) { nodes { id } } }", json!({})).await;
    assert_eq!(after["data"]["me"], before["data"]["me"], "{after}");
    assert_eq!(after["data"]["leads"], before["data"]["leads"]);
    assert_eq!(second.sandbox.calls().get("token.authorization_code"), exchanges, "no new sign-in was needed");
}

#[tokio::test]
async fn the_sqlite_file_stores_no_session_id_or_state_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.db");
    let app = spawn_app_with(Options {
        args: vec!["--database-url".into(), format!("sqlite://{}", path.display())],
        ..Options::default()
    })
    .await;
    let browser = app.browser();
    let login =
        browser.graphql("mutation($r: String!) { login(redirectUrl: $r) { state } }", json!({ "r": app.redirect_url })).await;
    let state = login["data"]["login"]["state"].as_str().unwrap().to_owned();
    let _ = app.signed_in("admin").await;
    let bytes = std::fs::read(&path).unwrap();
    let mut all = bytes.clone();
    for ext in ["-wal", "-shm"] {
        if let Ok(more) = std::fs::read(format!("{}{ext}", path.display())) {
            all.extend(more);
        }
    }
    let text = String::from_utf8_lossy(&all);
    assert!(!text.contains(&state), "states are stored hashed");
}
