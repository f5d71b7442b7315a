//! Login with Zoho end to end: state handling, allowlists, sessions, logout.

use serde_json::json;
use tokio::io::AsyncReadExt as _;

use crate::helpers::{Options, error_code, error_field, follow_consent, spawn_app, spawn_app_with};

const ME: &str = "{ me { user { id name email } org { id name dataCenter } expiresAt } }";

#[tokio::test]
async fn a_user_signs_in_through_zoho_and_the_session_knows_them() {
    let app = spawn_app().await;
    let browser = app.browser();
    assert_eq!(browser.graphql(ME, json!({})).await["data"]["me"], serde_json::Value::Null);

    let login =
        browser.graphql("mutation($r: String!) { login(redirectUrl: $r) { url state } }", json!({ "r": app.redirect_url })).await;
    let url = url::Url::parse(login["data"]["login"]["url"].as_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), "/oauth/v2/auth");
    assert_eq!(q["client_id"], app.sandbox.client_id());
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["redirect_uri"], app.redirect_url);
    assert_eq!(q["state"], login["data"]["login"]["state"].as_str().unwrap());
    // The least the served schema needs (issue 13): its module's records, not every module's.
    assert_eq!(
        q["scope"],
        "ZohoCRM.modules.leads.ALL,ZohoCRM.settings.fields.READ,ZohoCRM.settings.modules.READ,ZohoCRM.coql.READ,\
         ZohoCRM.users.READ,ZohoCRM.org.READ,ZohoSearch.securesearch.READ"
    );

    let redirect = follow_consent(url.as_str(), "admin").await;
    assert_eq!(redirect.get("state"), Some(q["state"].as_str()));
    assert!(redirect.get("code").is_some() && redirect.get("location").is_some() && redirect.get("accounts-server").is_some());

    let session = browser.initialize(&app, &redirect).await;
    let admin = &app.sandbox.users()[0];
    assert_eq!(session["data"]["initialize"]["user"]["name"], admin.name.as_str(), "{session}");
    assert_eq!(session["data"]["initialize"]["user"]["email"], admin.email.as_str());
    assert_eq!(session["data"]["initialize"]["org"]["dataCenter"], "us");

    let me = browser.graphql(ME, json!({})).await;
    assert_eq!(me["data"]["me"]["user"]["id"], admin.id.as_str());
    assert_eq!(me["data"]["me"]["org"], session["data"]["initialize"]["org"]);
    // Another browser has no session.
    assert_eq!(app.browser().graphql(ME, json!({})).await["data"]["me"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_session_cookie_is_httponly_and_lax() {
    let app = spawn_app().await;
    let browser = app.browser();
    let redirect = browser.authorize(&app, "coordinator").await;
    let response = browser
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({
            "query": "mutation($c: String!, $s: String!, $r: String!, $a: String) { initialize(code: $c, state: $s, redirectUrl: $r, accountsServer: $a) { user { id } } }",
            "variables": { "c": redirect.get("code"), "s": redirect.get("state"), "r": app.redirect_url, "a": redirect.get("accounts-server") }
        }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers().get("set-cookie").expect("a session cookie").to_str().unwrap().to_owned();
    assert!(cookie.starts_with("zgw_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http must not set Secure: {cookie}");
}

#[tokio::test]
async fn a_forged_or_replayed_state_is_refused() {
    let app = spawn_app().await;
    let browser = app.browser();
    let redirect = browser.authorize(&app, "admin").await;

    let mut forged = crate::helpers::Redirect { params: redirect.params.clone() };
    forged.params.insert("state".into(), "forged-state-value".into());
    let refused = browser.initialize(&app, &forged).await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT");
    assert_eq!(error_field(&refused), Some("state"));

    let ok = browser.initialize(&app, &redirect).await;
    assert!(ok["data"]["initialize"]["user"]["id"].is_string(), "{ok}");
    let replay = app.browser().initialize(&app, &redirect).await;
    assert_eq!(error_code(&replay), "BAD_USER_INPUT");
    assert_eq!(error_field(&replay), Some("state"));
}

#[tokio::test]
async fn a_code_cannot_be_used_twice() {
    let app = spawn_app().await;
    let browser = app.browser();
    let first = browser.authorize(&app, "admin").await;
    assert!(browser.initialize(&app, &first).await["data"]["initialize"].is_object());
    // A fresh state, but the old (already exchanged) code: Zoho answers invalid_code with HTTP 200.
    let mut second = browser.authorize(&app, "admin").await;
    second.params.insert("code".into(), first.get("code").unwrap().to_owned());
    let refused = browser.initialize(&app, &second).await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT");
    assert_eq!(error_field(&refused), Some("code"));
}

#[tokio::test]
async fn an_unregistered_redirect_url_is_refused() {
    let app = spawn_app().await;
    let r = app
        .browser()
        .graphql("mutation { login(redirectUrl: \"https://evil.example/redirect.html\") { url state } }", json!({}))
        .await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT");
    assert_eq!(error_field(&r), Some("redirectUrl"));
    // The message says what to change: the URL it got and the setting.
    let message = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("https://evil.example/redirect.html") && message.contains("ZOHO_REDIRECT_URIS"), "{r}");
}

#[tokio::test]
async fn an_accounts_server_outside_the_allowlist_is_refused_without_contacting_it() {
    let app = spawn_app().await;
    // A server that would receive the code and the client secret if the gateway trusted it.
    let evil = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let evil_url = format!("http://{}", evil.local_addr().unwrap());
    let contacted = tokio::spawn(async move {
        if let Ok((mut socket, _)) = evil.accept().await {
            let mut buf = vec![0u8; 4096];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            return Some(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        None
    });

    let browser = app.browser();
    for hostile in [evil_url.as_str(), "https://accounts.zoho.com.evil.example", "javascript:alert(1)"] {
        let mut redirect = browser.authorize(&app, "admin").await;
        redirect.params.insert("accounts-server".into(), hostile.to_owned());
        let r = browser.initialize(&app, &redirect).await;
        assert_eq!(error_code(&r), "BAD_USER_INPUT", "{hostile}: {r}");
        assert_eq!(error_field(&r), Some("accountsServer"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!contacted.is_finished(), "the gateway connected to a server outside the allowlist");
    contacted.abort();
}

#[tokio::test]
async fn a_missing_accounts_server_defaults_from_location() {
    let app = spawn_app().await;
    let browser = app.browser();
    let mut redirect = browser.authorize(&app, "admin").await;
    // The sandbox's accounts server is the configured one; without accounts-server and location
    // the gateway falls back to it.
    redirect.params.remove("accounts-server");
    redirect.params.remove("location");
    let r = browser.initialize(&app, &redirect).await;
    assert!(r["data"]["initialize"]["user"]["id"].is_string(), "{r}");

    // An official location whose accounts server is not on this gateway's allowlist is refused.
    let mut redirect = browser.authorize(&app, "admin").await;
    redirect.params.remove("accounts-server");
    redirect.params.insert("location".into(), "eu".into());
    let r = browser.initialize(&app, &redirect).await;
    assert_eq!(error_field(&r), Some("accountsServer"), "{r}");
}

#[tokio::test]
async fn logout_ends_this_session_only() {
    let app = spawn_app().await;
    let laptop = app.signed_in("coordinator").await;
    let phone = app.signed_in("coordinator").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let revokes_before = app.sandbox.calls().get("token.revoke");
    let r = laptop.graphql("mutation { logout }", json!({})).await;
    assert_eq!(r["data"]["logout"], true, "{r}");
    assert_eq!(laptop.graphql(ME, json!({})).await["data"]["me"], serde_json::Value::Null);
    assert!(phone.graphql(ME, json!({})).await["data"]["me"]["user"]["id"].is_string(), "the phone stays signed in");
    let r = phone.graphql("{ leads(perPage: 1) { nodes { id } } }", json!({})).await;
    assert!(r.get("errors").is_none(), "and its grant still works: {r}");
    assert_eq!(app.sandbox.calls().get("token.revoke"), revokes_before, "nothing revoked at Zoho");
}

#[tokio::test]
async fn logout_everywhere_revokes_the_grant_and_ends_every_session_of_that_user() {
    let app = spawn_app().await;
    let laptop = app.signed_in("coordinator").await;
    let phone = app.signed_in("coordinator").await;
    let other = app.signed_in("advisor").await;

    // The second sign-in replaced (and revoked, in the background) the first one's pair.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let revokes_before = app.sandbox.calls().get("token.revoke");
    let r = laptop.graphql("mutation { logout(everywhere: true) }", json!({})).await;
    assert_eq!(r["data"]["logout"], true, "{r}");
    assert_eq!(app.sandbox.calls().get("token.revoke"), revokes_before + 1);
    assert_eq!(laptop.graphql(ME, json!({})).await["data"]["me"], serde_json::Value::Null);
    assert_eq!(phone.graphql(ME, json!({})).await["data"]["me"], serde_json::Value::Null);
    let r = phone.graphql("{ leads(perPage: 1) { nodes { id } } }", json!({})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
    // Other users are not affected.
    assert!(other.graphql(ME, json!({})).await["data"]["me"]["user"]["id"].is_string());
    // Logging out again is harmless.
    assert_eq!(laptop.graphql("mutation { logout }", json!({})).await["data"]["logout"], false);
}

#[tokio::test]
async fn a_code_captured_in_another_browser_cannot_be_injected() {
    let app = spawn_app().await;
    let victim = app.browser();
    let attacker = app.browser();
    // The attacker starts a sign-in in their own browser and gets Zoho's redirect (code + state)…
    let captured = attacker.authorize(&app, "advisor").await;
    // …and makes the victim's browser complete it (login CSRF): refused, the state is not theirs.
    let r = victim.initialize(&app, &captured).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(error_field(&r), Some("state"));
    assert_eq!(victim.graphql(ME, json!({})).await["data"]["me"], serde_json::Value::Null);
    // The failed attempt did not consume the attacker's own pending sign-in.
    assert!(attacker.initialize(&app, &captured).await["data"]["initialize"]["user"]["id"].is_string());
}

#[tokio::test]
async fn signing_in_again_rotates_the_session_id() {
    let app = spawn_app().await;
    let first = sign_in_raw(&app, None, "coordinator").await;
    assert!(me_with(&app, &first).await["data"]["me"]["user"]["id"].is_string());
    // The same browser signs in again, presenting its old cookie: it gets a new id and the old
    // one (which may have leaked) stops working.
    let second = sign_in_raw(&app, Some(&first), "coordinator").await;
    assert_ne!(first, second);
    assert_eq!(me_with(&app, &first).await["data"]["me"], serde_json::Value::Null);
    assert!(me_with(&app, &second).await["data"]["me"]["user"]["id"].is_string());
}

#[tokio::test]
async fn sessions_end_after_their_idle_and_absolute_timeouts() {
    let idle = spawn_app_with(Options { args: vec!["--session-idle-secs".into(), "2".into()], ..Options::default() }).await;
    let browser = idle.signed_in("admin").await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert!(browser.graphql(ME, json!({})).await["data"]["me"].is_object(), "used within the idle time");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert!(browser.graphql(ME, json!({})).await["data"]["me"].is_object(), "the last use counts, not the sign-in");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(browser.graphql(ME, json!({})).await["data"]["me"], serde_json::Value::Null, "idle too long");

    let absolute = spawn_app_with(Options { args: vec!["--session-ttl-secs".into(), "2".into()], ..Options::default() }).await;
    let browser = absolute.signed_in("admin").await;
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        browser.graphql(ME, json!({})).await;
    }
    assert_eq!(browser.graphql(ME, json!({})).await["data"]["me"], serde_json::Value::Null, "past the absolute lifetime");
}

/// Signs in with explicit cookies (no jar), returning the new session id.
async fn sign_in_raw(app: &crate::helpers::TestApp, previous: Option<&str>, user: &str) -> String {
    let client = reqwest::Client::new();
    let session = previous.map(|p| format!("zgw_session={p}")).unwrap_or_default();
    let response = client
        .post(format!("{}/graphql", app.base))
        .header("cookie", session.clone())
        .json(&json!({ "query": "mutation($r: String!) { login(redirectUrl: $r) { url } }", "variables": { "r": app.redirect_url } }))
        .send()
        .await
        .unwrap();
    let nonce = cookie_value(&response, "zgw_login");
    let body: serde_json::Value = response.json().await.unwrap();
    let redirect = follow_consent(body["data"]["login"]["url"].as_str().unwrap(), user).await;
    let response = client
        .post(format!("{}/graphql", app.base))
        .header("cookie", format!("zgw_login={nonce}; {session}"))
        .json(&json!({
            "query": "mutation($c: String!, $s: String!, $r: String!, $a: String) { initialize(code: $c, state: $s, redirectUrl: $r, accountsServer: $a) { user { id } } }",
            "variables": { "c": redirect.get("code"), "s": redirect.get("state"), "r": app.redirect_url, "a": redirect.get("accounts-server") }
        }))
        .send()
        .await
        .unwrap();
    cookie_value(&response, "zgw_session")
}

fn cookie_value(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or_default().to_owned()))
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

async fn me_with(app: &crate::helpers::TestApp, session: &str) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .header("cookie", format!("zgw_session={session}"))
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
