//! Notification callbacks (§10): Zoho's body on every create, edit and delete through the API
//! and "in Zoho's UI", one callback per operation and channel, sent without slowing the API,
//! each attempt journaled.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestSandbox;
use super::notifications::{WATCH, channel, enable, login};
use super::receiver::Receiver;
use crate::{DeliveryOutcome, SandboxConfig, UiEditError};

fn lead(last: &str, email: &str) -> Value {
    json!({ "Last_Name": last, "Email": email, "Company": "Loyola College" })
}

fn created_ids(answer: &super::Answer) -> Vec<String> {
    answer.data().iter().filter_map(|r| r["details"]["id"].as_str().map(str::to_string)).collect()
}

fn keys(body: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn create_edit_and_delete_through_the_api_call_back_with_zoho_s_body() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let mut receiver = Receiver::start().await;
    let hook = receiver.url("/zoho/notifications?org=zylker&replica=a%20b");
    assert_eq!(enable(&t, &admin, &[channel(1_000_000_068_001, &["Leads.all"], &hook)]).await.status, StatusCode::CREATED);

    let before = Utc::now().timestamp_millis();
    let created = t.post(&admin, "/crm/v8/Leads", &json!({ "data": [lead("Okafor", "ada.okafor@student.example")] })).await;
    let id = created_ids(&created).pop().expect("created");
    let callback = receiver.next().await;
    assert_eq!(callback.uri, "/zoho/notifications?org=zylker&replica=a%20b", "posted to notify_url, query included");
    assert_eq!(callback.content_type.as_deref(), Some("application/json"));
    let body = &callback.body;
    assert_eq!(
        keys(body),
        ["affected_fields", "channel_id", "ids", "module", "operation", "query_params", "resource_uri", "server_time", "token"]
    );
    let server_time = body["server_time"].as_i64().expect("milliseconds");
    assert!(server_time >= before && server_time <= Utc::now().timestamp_millis());
    assert_eq!(body["query_params"], json!({ "org": "zylker", "replica": "a b" }));
    assert_eq!(body["module"], "Leads");
    assert_eq!(body["resource_uri"], format!("{}/crm/v8/Leads", t.sandbox.api_url()));
    assert_eq!(body["ids"], json!([id]));
    assert_eq!(body["operation"], "insert");
    assert_eq!(body["channel_id"], "1000000068001");
    assert_eq!(body["token"], "token-1000000068001");
    let affected: Vec<&str> =
        body["affected_fields"][0][&id].as_array().expect("fields").iter().filter_map(Value::as_str).collect();
    for field in ["Owner", "Last_Name", "Full_Name", "Email", "Company"] {
        assert!(affected.contains(&field), "{field} in {affected:?}");
    }
    assert!(!affected.contains(&"Modified_Time") && !affected.contains(&"Phone"), "{affected:?}");

    let edited = t
        .put(
            &admin,
            &format!("/crm/v8/Leads/{id}"),
            &json!({ "data": [{ "Lead_Status": "Contacted", "Company": "Loyola College" }] }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let body = receiver.next().await.body;
    assert_eq!((body["operation"].as_str(), body["ids"].clone()), (Some("update"), json!([id])));
    assert_eq!(body["affected_fields"], json!([{ id.clone(): ["Lead_Status"] }]), "only what changed");

    assert_eq!(t.delete(&admin, &format!("/crm/v8/Leads/{id}")).await.status, StatusCode::OK);
    let body = receiver.next().await.body;
    assert_eq!((body["operation"].as_str(), body["ids"].clone()), (Some("delete"), json!([id])));
    assert_eq!(body["affected_fields"], json!([{ id.clone(): [] }]));

    // Each attempt is journaled with its URL, body and outcome.
    let deliveries = t.sandbox.wait_for_notification_deliveries(3, Duration::from_secs(5)).await;
    assert_eq!(deliveries.len(), 3);
    assert!(
        deliveries.iter().all(|d| d.url == hook && d.channel_id == "1000000068001" && d.outcome == DeliveryOutcome::Status(200))
    );
    assert_eq!(deliveries[2].body, body);
}

#[tokio::test]
async fn a_write_of_many_records_gives_one_callback_per_operation() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let mut receiver = Receiver::start().await;
    enable(&t, &admin, &[channel(5, &["Leads.all"], &receiver.url("/hook"))]).await;

    let body = json!({ "data": [lead("One", "one@student.example"), { "First_Name": "No last name" }, lead("Two", "two@student.example")] });
    let created = t.post(&admin, "/crm/v8/Leads", &body).await;
    assert_eq!(created.status, StatusCode::MULTI_STATUS);
    let ids = created_ids(&created);
    let callback = receiver.next().await.body;
    assert_eq!(callback["ids"], json!(ids), "one callback with every record written, none for the refused one");
    assert_eq!(callback["affected_fields"].as_array().map(Vec::len), Some(2));

    let update = json!({ "data": [{ "id": ids[0], "City": "Pune" }, { "id": ids[1], "City": "Delhi" }] });
    assert_eq!(t.put(&admin, "/crm/v8/Leads", &update).await.status, StatusCode::OK);
    let callback = receiver.next().await.body;
    assert_eq!((callback["operation"].as_str(), callback["ids"].clone()), (Some("update"), json!(ids)));

    // An upsert that inserts one and updates another: one insert and one update callback.
    let upsert = json!({ "data": [lead("Three", "three@student.example"), { "Last_Name": "One", "Email": "one@student.example", "City": "Goa" }] });
    assert_eq!(t.post(&admin, "/crm/v8/Leads/upsert", &upsert).await.status, StatusCode::OK);
    let mut operations = [receiver.next().await.body, receiver.next().await.body];
    operations.sort_by_key(|b| b["operation"].as_str().map(str::to_string));
    assert_eq!(operations[0]["operation"], "insert");
    assert_eq!((operations[1]["operation"].as_str(), operations[1]["ids"].clone()), (Some("update"), json!([ids[0]])));
    assert_eq!(operations[1]["affected_fields"], json!([{ ids[0].clone(): ["City"] }]));

    assert_eq!(t.delete(&admin, &format!("/crm/v8/Leads?ids={},{}", ids[0], ids[1])).await.status, StatusCode::OK);
    assert_eq!(receiver.next().await.body["ids"], json!(ids));
    assert!(receiver.nothing_for(Duration::from_millis(300)).await, "nothing more");
}

#[tokio::test]
async fn a_channel_hears_only_its_modules_and_operations() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let mut creates = Receiver::start().await;
    let mut contacts = Receiver::start().await;
    let mut everything = Receiver::start().await;
    let answer = enable(
        &t,
        &admin,
        &[
            channel(1, &["Leads.create"], &creates.url("/leads")),
            channel(2, &["Contacts.all"], &contacts.url("/contacts")),
            channel(3, &["Leads.all", "Contacts.delete"], &everything.url("/all")),
        ],
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);

    let id = t.sandbox.find_leads(|_| true)[0]["id"].as_str().expect("id").to_string();
    t.put(&admin, &format!("/crm/v8/Leads/{id}"), &json!({ "data": [{ "City": "Mumbai" }] })).await;
    assert_eq!(everything.next().await.body["operation"], "update");
    let contact = t.post(&admin, "/crm/v8/Contacts", &json!({ "data": [{ "Last_Name": "Rao" }] })).await;
    let contact_id = created_ids(&contact).pop().expect("contact");
    let heard = contacts.next().await.body;
    assert_eq!((heard["module"].as_str(), heard["channel_id"].as_str()), (Some("Contacts"), Some("2")));
    t.post(&admin, "/crm/v8/Leads", &json!({ "data": [lead("New", "new@student.example")] })).await;
    assert_eq!(creates.next().await.body["operation"], "insert");
    assert_eq!(everything.next().await.body["operation"], "insert");
    t.delete(&admin, &format!("/crm/v8/Contacts/{contact_id}")).await;
    assert_eq!(contacts.next().await.body["operation"], "delete");
    assert_eq!(everything.next().await.body["module"], "Contacts");

    assert!(creates.nothing_for(Duration::from_millis(300)).await, "no edit or contact reached the create-only channel");
    assert!(contacts.nothing_for(Duration::ZERO).await);
    assert!(everything.nothing_for(Duration::ZERO).await);
}

#[tokio::test]
async fn a_change_made_in_zoho_s_ui_calls_back_without_an_api_call() {
    let t = TestSandbox::with(SandboxConfig { credit_budget: Some(1_000), ..Default::default() }).await;
    let admin = login(&t, "admin").await;
    let mut receiver = Receiver::start().await;
    enable(&t, &admin, &[channel(8, &["Leads.all"], &receiver.url("/hook"))]).await;
    t.sandbox.reset_calls();
    let credits = t.sandbox.credits_used();

    let id = t.sandbox.find_leads(|l| l["Lead_Status"] != "Contacted")[0]["id"].as_str().expect("id").to_string();
    t.sandbox.edit_as_ui("Leads", &id, json!({ "Lead_Status": "Contacted" })).expect("edited");
    let body = receiver.next().await.body;
    assert_eq!((body["operation"].as_str(), body["ids"].clone()), (Some("update"), json!([id])));
    assert_eq!(body["affected_fields"], json!([{ id.clone(): ["Lead_Status"] }]));
    assert_eq!(t.sandbox.lead(&id).expect("lead")["Lead_Status"], "Contacted");
    assert_eq!(t.sandbox.lead(&id).expect("lead")["Modified_By"]["name"], "Priya Sharma", "the UI user is the admin");

    let new = t.sandbox.create_as_ui("Leads", lead("Walk-in", "walkin@student.example")).expect("created");
    assert_eq!(receiver.next().await.body["operation"], "insert");
    t.sandbox.delete_as_ui("Leads", &new).expect("deleted");
    let body = receiver.next().await.body;
    assert_eq!((body["operation"].as_str(), body["ids"].clone()), (Some("delete"), json!([new])));
    assert!(t.sandbox.lead(&new).is_none());
    assert_eq!((t.sandbox.calls().api_total(), t.sandbox.credits_used()), (0, credits), "no API call, no credits");

    // The UI checks what the API checks.
    assert_eq!(t.sandbox.edit_as_ui("Potions", &id, json!({})), Err(UiEditError::UnknownModule("Potions".into())));
    assert!(matches!(t.sandbox.edit_as_ui("Leads", &new, json!({})), Err(UiEditError::UnknownRecord { .. })));
    assert_eq!(t.sandbox.edit_as_ui("Leads", &id, json!(["City"])), Err(UiEditError::NotAnObject));
    let Err(UiEditError::Refused(error)) = t.sandbox.edit_as_ui("Leads", &id, json!({ "Email": "not-an-email" })) else {
        panic!("an invalid email is refused");
    };
    assert_eq!((error["code"].as_str(), error["details"]["api_name"].as_str()), (Some("INVALID_DATA"), Some("Email")));
    assert!(matches!(t.sandbox.create_as_ui("Leads", json!({ "City": "Pune" })), Err(UiEditError::Refused(_))));
    assert!(receiver.nothing_for(Duration::from_millis(300)).await, "refused changes notify nobody");
}

#[tokio::test]
async fn the_ui_edit_endpoint_exists_only_with_the_http_switch() {
    let http = reqwest::Client::new();
    let off = TestSandbox::start().await;
    let r = http.post(format!("{}/sandbox/ui-edit", off.sandbox.accounts_url())).body("{}").send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let t = TestSandbox::with(SandboxConfig { http_fault_switch: true, ..Default::default() }).await;
    let admin = login(&t, "admin").await;
    let mut receiver = Receiver::start().await;
    enable(&t, &admin, &[channel(4, &["Leads.edit"], &receiver.url("/hook"))]).await;
    let endpoint = format!("{}/sandbox/ui-edit", t.sandbox.accounts_url());
    let id = t.sandbox.find_leads(|_| true)[0]["id"].as_str().expect("id").to_string();
    let edit = json!({ "action": "edit", "module": "Leads", "id": id, "fields": { "City": "Chennai" } });
    let r = http.post(&endpoint).json(&edit).send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.expect("json"), json!({ "id": id }));
    assert_eq!(receiver.next().await.body["affected_fields"], json!([{ id.clone(): ["City"] }]));

    let create = json!({ "action": "create", "module": "Leads", "fields": lead("Typed", "typed@student.example") });
    let r = http.post(&endpoint).json(&create).send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::CREATED);
    let unknown = json!({ "action": "delete", "module": "Leads", "id": "1" });
    assert_eq!(http.post(&endpoint).json(&unknown).send().await.expect("sent").status(), StatusCode::NOT_FOUND);
    let invalid = json!({ "action": "edit", "module": "Leads", "id": id, "fields": { "Email": "nope" } });
    let r = http.post(&endpoint).json(&invalid).send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.expect("json")["details"]["details"]["api_name"], "Email");
    assert_eq!(http.post(&endpoint).body("nonsense").send().await.expect("sent").status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_slow_or_failing_receiver_never_slows_the_api_and_is_not_retried() {
    let config = SandboxConfig { notification_timeout: Duration::from_millis(300), ..Default::default() };
    let t = TestSandbox::with(config).await;
    let admin = login(&t, "admin").await;
    let mut slow = Receiver::answering(StatusCode::OK, Duration::from_secs(3)).await;
    let mut failing = Receiver::answering(StatusCode::INTERNAL_SERVER_ERROR, Duration::ZERO).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/gone", listener.local_addr().expect("address"))
    };
    let answer = enable(
        &t,
        &admin,
        &[
            channel(1, &["Leads.create"], &slow.url("/slow")),
            channel(2, &["Leads.create"], &failing.url("/failing")),
            channel(3, &["Leads.create"], &closed),
        ],
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);

    let started = Instant::now();
    let created = t.post(&admin, "/crm/v8/Leads", &json!({ "data": [lead("Patient", "patient@student.example")] })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert!(started.elapsed() < Duration::from_secs(1), "the write did not wait for callbacks: {:?}", started.elapsed());
    slow.next().await;
    failing.next().await;

    let deliveries = t.sandbox.wait_for_notification_deliveries(3, Duration::from_secs(5)).await;
    let outcome = |id: &str| deliveries.iter().find(|d| d.channel_id == id).map(|d| d.outcome.clone());
    assert_eq!(outcome("1"), Some(DeliveryOutcome::TimedOut));
    assert_eq!(outcome("2"), Some(DeliveryOutcome::Status(500)));
    assert!(matches!(outcome("3"), Some(DeliveryOutcome::Failed(_))), "{:?}", outcome("3"));
    assert!(failing.nothing_for(Duration::from_millis(500)).await, "a failed callback is not retried");
    assert_eq!(t.sandbox.notification_deliveries().len(), 3);
}

#[tokio::test]
async fn return_affected_field_values_adds_the_new_values() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let mut receiver = Receiver::start().await;
    let mut with_values = channel(6, &["Leads.edit"], &receiver.url("/hook"));
    with_values["return_affected_field_values"] = json!(true);
    enable(&t, &admin, &[with_values]).await;
    assert_eq!(t.get(&admin, WATCH).await.json()["watch"][0]["return_affected_field_values"], true);
    let id = t.sandbox.find_leads(|_| true)[0]["id"].as_str().expect("id").to_string();
    t.put(&admin, &format!("/crm/v8/Leads/{id}"), &json!({ "data": [{ "City": "Kolkata", "Mobile": "+91 98765 43210" }] })).await;
    let body = receiver.next().await.body;
    assert_eq!(
        body["affected_values"],
        json!([{ "record_id": id, "values": { "Mobile": "+91 98765 43210", "City": "Kolkata" } }])
    );
}

#[tokio::test]
async fn a_channel_enabled_on_another_data_centre_names_its_api_domain() {
    let t = TestSandbox::start().await;
    let eu = t.sandbox.api_url_for("eu").expect("eu data centre");
    // eu_advisor's code is exchanged at her own data centre's accounts server (§1.9).
    let code = t.code_for("eu_advisor", &super::notifications::notify_scopes()).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", t.sandbox.client_id()),
        ("client_secret", t.sandbox.client_secret()),
        ("redirect_uri", super::REDIRECT_URI),
        ("code", code.as_str()),
    ];
    let accounts = t.sandbox.accounts_url_for("eu").expect("eu accounts");
    let tokens: Value =
        t.http.post(format!("{accounts}/oauth/v2/token")).form(&form).send().await.expect("sent").json().await.expect("json");
    let access = tokens["access_token"].as_str().expect("access token");
    let mut receiver = Receiver::start().await;
    let answer = t
        .http
        .post(format!("{eu}{WATCH}"))
        .header("Authorization", format!("Zoho-oauthtoken {access}"))
        .json(&json!({ "watch": [channel(11, &["Leads.create"], &receiver.url("/hook"))] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status(), StatusCode::CREATED);
    t.sandbox.create_as_ui("Leads", lead("Müller", "mueller@student.example")).expect("created");
    assert_eq!(receiver.next().await.body["resource_uri"], format!("{eu}/crm/v8/Leads"));
}
