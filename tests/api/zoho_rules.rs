//! The gateway against a sandbox as strict as Zoho (issue 14): a user of another data centre,
//! owners assigned by id, Zoho's email shape, `equals` that means "contains", and spent API
//! credits.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{error_code, error_field, spawn_app};

#[tokio::test]
async fn a_user_of_another_data_centre_signs_in_there_and_reads_there() {
    let app = spawn_app().await;
    let eu = app.sandbox.data_centres().into_iter().find(|d| d.location == "eu").expect("the sandbox runs eu");
    let lena = app.signed_in("eu_advisor").await;
    let me = lena.graphql("{ me { user { name } org { dataCenter } } }", json!({})).await;
    assert_eq!(me["data"]["me"]["org"]["dataCenter"], "eu", "{me}");
    let r = lena.graphql("{ leads(perPage: 5) { nodes { id } } }", json!({})).await;
    assert!(r.get("errors").is_none(), "her token works at her API domain: {r}");
    // Her tokens are valid only at eu's API domain: had the gateway used the primary one, Zoho
    // (and the sandbox) would have answered INVALID_TOKEN.
    assert!(eu.api_url != app.sandbox.api_url());
}

#[tokio::test]
async fn an_owner_is_assigned_by_id_and_an_unknown_one_is_refused_by_zoho() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let coordinator = app.sandbox.users()[1].id.clone();
    let r = admin
        .graphql(
            "mutation($o: ID) { createLead(input: { lastName: \"Assigned\", ownerId: $o }) { id owner { id name } } }",
            json!({ "o": coordinator }),
        )
        .await;
    assert_eq!(r["data"]["createLead"]["owner"]["id"], coordinator.as_str(), "{r}");
    let id = r["data"]["createLead"]["id"].as_str().unwrap().to_owned();
    let theirs = app.signed_in("coordinator").await;
    let seen = theirs.graphql("query($id: ID!) { lead(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(seen["data"]["lead"]["id"], id.as_str(), "the new owner sees it: {seen}");

    let r = admin
        .graphql("mutation { createLead(input: { lastName: \"Nobody's\", ownerId: \"1234567890\" }) { id } }", json!({}))
        .await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(error_field(&r), Some("ownerId"), "{r}");
    let r = admin.graphql("mutation { createLead(input: { lastName: \"X\", ownerId: \"me\" }) { id } }", json!({})).await;
    assert_eq!(error_field(&r), Some("ownerId"), "{r}");
}

#[tokio::test]
async fn zohos_email_shape_is_checked_before_calling_zoho() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    for bad in ["a@b.c", "x@y..z", "a..b@c.example"] {
        let before = app.sandbox.calls().api_total();
        let r = admin
            .graphql("mutation($e: String) { createLead(input: { lastName: \"Shape\", email: $e }) { id } }", json!({ "e": bad }))
            .await;
        assert_eq!(error_field(&r), Some("email"), "{bad}: {r}");
        assert_eq!(app.sandbox.calls().api_total(), before, "{bad}: no Zoho call");
    }
}

#[tokio::test]
async fn a_search_by_email_among_other_fields_matches_the_email_exactly() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let mut ids = Vec::new();
    for email in ["ab@exact.example", "zab@exact.example"] {
        let r = admin
            .graphql(
                "mutation($e: String) { createLead(input: { lastName: \"Exactly\", email: $e }) { id } }",
                json!({ "e": email }),
            )
            .await;
        ids.push(r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned());
    }
    // Zoho's `equals` on an email means "contains": both would come back without the gateway's check.
    let r = admin
        .graphql("{ searchLeads(by: { email: \"ab@exact.example\", lastName: \"Exactly\" }) { nodes { id email } } }", json!({}))
        .await;
    let found: Vec<&str> = r["data"]["searchLeads"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, vec![ids[0].as_str()], "{r}");
}

#[tokio::test]
async fn spent_api_credits_answer_rate_limited_at_once_with_what_to_do() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let q = "query($p: Int!) { leads(page: $p, perPage: 5) { nodes { id } } }";
    app.sandbox.set_credit_budget(Some(app.sandbox.credits_used() + 6));
    let mut last = json!(null);
    for page in 1..=10 {
        let started = Instant::now();
        last = admin.graphql(q, json!({ "p": page })).await;
        if last.get("errors").is_some() {
            assert!(started.elapsed() < Duration::from_secs(2), "no retries for spent credits: {:?}", started.elapsed());
            break;
        }
    }
    assert_eq!(error_code(&last), "RATE_LIMITED", "{last}");
    assert!(last["errors"][0]["message"].as_str().unwrap().contains("credits"), "{last}");
}
