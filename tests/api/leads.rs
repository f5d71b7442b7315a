//! Leads over GraphQL, checked against what the sandbox stores.

use serde_json::{Value, json};

use crate::helpers::{error_code, error_field, spawn_app};

const LIST: &str = "query($p: Int!, $n: Int!, $t: String, $s: LeadSort!, $o: SortOrder!) {
  leads(page: $p, perPage: $n, pageToken: $t, sortBy: $s, sortOrder: $o) {
    nodes { id firstName lastName email phone company course owner { id name } modifiedTime }
    pageInfo { page perPage count hasMore nextPageToken } } }";

const CREATE: &str = "mutation($i: LeadInput!) { createLead(input: $i) { id firstName lastName email company course phone } }";

fn student(email: &str) -> Value {
    json!({ "firstName": "Asha", "lastName": "Verma", "email": email, "phone": "+91 98450 00001",
            "company": "Zylker College of Design", "course": "Web Design" })
}

#[tokio::test]
async fn an_admin_lists_gets_creates_updates_searches_and_deletes_leads() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;

    // List: only the selected fields are asked of Zoho, and the page is what the sandbox holds.
    let page = admin.graphql(LIST, json!({ "p": 1, "n": 25, "s": "MODIFIED_TIME", "o": "DESC" })).await;
    let nodes = page["data"]["leads"]["nodes"].as_array().unwrap_or_else(|| panic!("{page}"));
    assert_eq!(nodes.len(), 25);
    assert_eq!(page["data"]["leads"]["pageInfo"]["hasMore"], true);
    let first = &nodes[0];
    let stored = app.sandbox.lead(first["id"].as_str().unwrap()).expect("the listed lead exists");
    assert_eq!(first["lastName"], stored["Last_Name"]);
    assert_eq!(first["company"], stored["Company"]);
    assert_eq!(first["course"], stored["Course"]);
    assert_eq!(first["owner"]["id"], stored["Owner"]["id"]);
    let times: Vec<&str> = nodes.iter().map(|n| n["modifiedTime"].as_str().unwrap()).collect();
    let parsed: Vec<_> = times.iter().map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "sorted newest first: {times:?}");

    // Get one.
    let one = admin.graphql("query($id: ID!) { lead(id: $id) { id email fullName } }", json!({ "id": first["id"] })).await;
    assert_eq!(one["data"]["lead"]["email"], stored["Email"]);

    // Create.
    let created = admin.graphql(CREATE, json!({ "i": student("asha.verma@students.example") })).await;
    let id = created["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
    let stored = app.sandbox.lead(&id).expect("created in Zoho");
    assert_eq!(stored["Last_Name"], "Verma");
    assert_eq!(stored["Company"], "Zylker College of Design");
    assert_eq!(stored["Course"], "Web Design");
    assert_eq!(stored["Email"], "asha.verma@students.example");
    assert_eq!(stored["Owner"]["id"], app.sandbox.users()[0].id.as_str());

    // Update: only the named fields change.
    let updated = admin
        .graphql(
            "mutation($id: ID!) { updateLead(id: $id, input: { course: \"React in Depth\", phone: null }) { id course phone lastName owner { name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(updated["data"]["updateLead"]["course"], "React in Depth", "{updated}");
    assert_eq!(updated["data"]["updateLead"]["lastName"], "Verma");
    let stored = app.sandbox.lead(&id).unwrap();
    assert_eq!(stored["Course"], "React in Depth");
    assert_eq!(stored["Phone"], Value::Null);
    assert_eq!(stored["Email"], "asha.verma@students.example");

    // Search by email, by word, and by several fields (criteria).
    for by in [
        json!({ "email": "asha.verma@students.example" }),
        json!({ "word": "Verma" }),
        json!({ "lastName": "Verm", "course": "React in Depth" }),
    ] {
        let found = admin
            .graphql("query($b: LeadSearch!) { searchLeads(by: $b) { nodes { id } pageInfo { count } } }", json!({ "b": by }))
            .await;
        let ids: Vec<&str> = found["data"]["searchLeads"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{found}"))
            .iter()
            .map(|n| n["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&id.as_str()), "search {by} found {ids:?}");
    }

    // Delete.
    let deleted = admin.graphql("mutation($id: ID!) { deleteLead(id: $id) }", json!({ "id": id })).await;
    assert_eq!(deleted["data"]["deleteLead"], id.as_str());
    assert!(app.sandbox.lead(&id).is_none());
    let gone = admin.graphql("query($id: ID!) { lead(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(gone["data"]["lead"], Value::Null);
}

#[tokio::test]
async fn a_standard_user_never_sees_or_changes_another_users_lead() {
    let app = spawn_app().await;
    let coordinator = app.signed_in("coordinator").await;
    let me = &app.sandbox.users()[1];

    let page = coordinator.graphql(LIST, json!({ "p": 1, "n": 200, "s": "ID", "o": "ASC" })).await;
    let nodes = page["data"]["leads"]["nodes"].as_array().unwrap_or_else(|| panic!("{page}"));
    assert!(!nodes.is_empty());
    assert!(nodes.iter().all(|n| n["owner"]["id"] == me.id.as_str()), "only own leads");

    let others = app.sandbox.find_leads(|l| l["Owner"]["id"] != me.id.as_str());
    let other_id = others[0]["id"].as_str().unwrap().to_owned();
    let r = coordinator.graphql("query($id: ID!) { lead(id: $id) { id email } }", json!({ "id": other_id })).await;
    assert_eq!(r["data"]["lead"], Value::Null, "{r}");

    let r = coordinator
        .graphql("mutation($id: ID!) { updateLead(id: $id, input: { lastName: \"Hacked\" }) { id } }", json!({ "id": other_id }))
        .await;
    // One rule: a record you may not see does not exist for you (null on read, NOT_FOUND on write).
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let r = coordinator.graphql("mutation($id: ID!) { deleteLead(id: $id) }", json!({ "id": other_id })).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    assert_ne!(app.sandbox.lead(&other_id).unwrap()["Last_Name"], "Hacked");

    let r = coordinator
        .graphql("query { searchLeads(by: { word: \"College\" }, perPage: 200) { nodes { owner { id } } } }", json!({}))
        .await;
    let found = r["data"]["searchLeads"]["nodes"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert!(found.iter().all(|n| n["owner"]["id"] == me.id.as_str()));
}

#[tokio::test]
async fn lead_ids_in_one_operation_are_batched_into_one_zoho_call() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let ids: Vec<String> =
        app.sandbox.find_leads(|_| true).iter().take(30).map(|l| l["id"].as_str().unwrap().to_owned()).collect();
    let query = format!(
        "{{ {} }}",
        ids.iter().enumerate().map(|(i, id)| format!("l{i}: lead(id: \"{id}\") {{ id lastName }}")).collect::<Vec<_>>().join(" ")
    );
    app.sandbox.reset_calls();
    let r = admin.graphql(&query, json!({})).await;
    assert_eq!(r["data"]["l29"]["id"], ids[29].as_str(), "{r}");
    assert_eq!(app.sandbox.calls().get("leads.get_by_ids"), 1);
    assert_eq!(app.sandbox.calls().api_total(), 1);
}

#[tokio::test]
async fn paging_goes_on_with_page_tokens() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let first = admin.graphql(LIST, json!({ "p": 1, "n": 100, "s": "ID", "o": "ASC" })).await;
    let token = first["data"]["leads"]["pageInfo"]["nextPageToken"].as_str().unwrap_or_else(|| panic!("{first}")).to_owned();
    let second = admin.graphql(LIST, json!({ "p": 1, "n": 100, "t": token, "s": "ID", "o": "ASC" })).await;
    let a: Vec<&Value> = first["data"]["leads"]["nodes"].as_array().unwrap().iter().map(|n| &n["id"]).collect();
    let b: Vec<&Value> =
        second["data"]["leads"]["nodes"].as_array().unwrap_or_else(|| panic!("{second}")).iter().map(|n| &n["id"]).collect();
    assert_eq!(b.len(), 100);
    assert!(a.iter().all(|id| !b.contains(id)), "the token continues after the first page");

    // Past 2000 leads by page number is refused before reaching Zoho.
    let r = admin.graphql(LIST, json!({ "p": 11, "n": 200, "s": "ID", "o": "ASC" })).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT");
    assert_eq!(error_field(&r), Some("page"));
    let r = admin.graphql(LIST, json!({ "p": 1, "n": 201, "s": "ID", "o": "ASC" })).await;
    assert_eq!(error_field(&r), Some("perPage"));
    let r = admin.graphql(LIST, json!({ "p": 1, "n": 10, "t": "garbage-token", "s": "ID", "o": "ASC" })).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(error_field(&r), Some("pageToken"));
}
