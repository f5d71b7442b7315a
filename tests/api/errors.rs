//! Every error code of the contract, produced by a real situation.

use serde_json::json;
use zoho_gateway::sandbox::Fault;

use crate::helpers::{Options, error_code, error_field, spawn_app, spawn_app_with};

const PAGE: &str = "{ leads(perPage: 2) { nodes { id } } }";

#[tokio::test]
async fn unauthenticated_without_a_session() {
    let app = spawn_app().await;
    let r = app.browser().graphql(PAGE, json!({})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
    let r = app.browser().graphql("mutation { deleteLead(id: \"1\") }", json!({})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn not_found_for_an_unknown_lead() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let r =
        admin.graphql("mutation { updateLead(id: \"4242424242424242424\", input: { lastName: \"X\" }) { id } }", json!({})).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let r = admin.graphql("mutation { deleteLead(id: \"4242424242424242424\") }", json!({})).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
}

#[tokio::test]
async fn bad_user_input_names_the_field() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let create = "mutation($i: LeadInput!) { createLead(input: $i) { id } }";
    for (input, field) in [
        (json!({ "lastName": "  " }), "lastName"),
        (json!({ "lastName": "Rao", "email": "not an email" }), "email"),
        (json!({ "lastName": "Rao", "company": "x".repeat(201) }), "company"),
    ] {
        let r = admin.graphql(create, json!({ "i": input })).await;
        assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
        assert_eq!(error_field(&r), Some(field), "{r}");
    }
    assert_eq!(app.sandbox.calls().get("leads.create"), 0, "our own validation stops these");

    // Zoho's own refusal (a duplicate email) is mapped to the input field it names.
    let taken = app.sandbox.find_leads(|_| true)[0]["Email"].as_str().unwrap().to_owned();
    let r = admin.graphql(create, json!({ "i": { "lastName": "Rao", "email": taken } })).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(error_field(&r), Some("email"));

    let r = admin.graphql("{ lead(id: \"1 or 1=1\") { id } }", json!({})).await;
    assert_eq!(error_field(&r), Some("id"));
    let r = admin.graphql("{ searchLeads(by: {}) { nodes { id } } }", json!({})).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT");
}

#[tokio::test]
async fn rate_limited_and_upstream_unavailable_follow_zoho_faults() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    app.sandbox.set_fault(Some(Fault::Status(429)));
    assert_eq!(error_code(&admin.graphql(PAGE, json!({})).await), "RATE_LIMITED");
    app.sandbox.set_fault(Some(Fault::Status(500)));
    assert_eq!(error_code(&admin.graphql(PAGE, json!({})).await), "UPSTREAM_UNAVAILABLE");
    app.sandbox.set_fault(Some(Fault::MalformedJson));
    assert_eq!(error_code(&admin.graphql(PAGE, json!({})).await), "UPSTREAM_UNAVAILABLE");
    app.sandbox.set_fault(None);
    assert!(admin.graphql(PAGE, json!({})).await["data"]["leads"]["nodes"].is_array());
}

#[tokio::test]
async fn upstream_unavailable_when_zoho_cannot_be_reached() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let sandbox = app.sandbox.clone();
    sandbox.shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let r = admin.graphql(PAGE, json!({})).await;
    assert_eq!(error_code(&r), "UPSTREAM_UNAVAILABLE", "{r}");
}

#[tokio::test]
async fn internal_when_zoho_names_an_api_domain_we_do_not_trust() {
    // A misconfiguration: the token response's api_domain is not on ZOHO_API_DOMAINS.
    let app =
        spawn_app_with(Options { args: vec!["--api-domains".into(), "https://www.zohoapis.com".into()], ..Options::default() })
            .await;
    let r = app.browser().login_as(&app, "admin").await;
    assert_eq!(error_code(&r), "INTERNAL", "{r}");
    let message = r["errors"][0]["message"].as_str().unwrap();
    assert_eq!(message, "Internal error.", "no internals leak");
}

#[tokio::test]
async fn error_messages_never_carry_tokens_codes_or_secrets() {
    let app = spawn_app().await;
    let browser = app.browser();
    let redirect = browser.authorize(&app, "admin").await;
    let mut forged = crate::helpers::Redirect { params: redirect.params.clone() };
    forged.params.insert("accounts-server".into(), "https://evil.example".into());
    let r = browser.initialize(&app, &forged).await;
    let text = r.to_string();
    assert!(!text.contains(redirect.get("code").unwrap()));
    assert!(!text.contains(app.sandbox.client_secret()));
    assert!(!text.contains(redirect.get("state").unwrap()));
}
