//! Writing leads: create, update, delete, upsert, validation and per-record results.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestSandbox;

fn new_lead(last: &str, email: &str) -> Value {
    json!({ "First_Name": "Test", "Last_Name": last, "Email": email, "Company": "Loyola College", "Course": "Web Design" })
}

#[tokio::test]
async fn create_answers_201_with_zoho_details_and_the_caller_owns_the_lead() {
    let t = TestSandbox::start().await;
    let token = t.login("advisor").await;
    let mut record = new_lead("Okonkwo", "chidi.okonkwo@student.example");
    record["Created_Time"] = json!("2020-01-01T00:00:00+05:30");
    let answer = t.post(&token, "/crm/v8/Leads", &json!({ "data": [record], "trigger": ["workflow"] })).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let result = &answer.data()[0];
    assert_eq!(result["code"], "SUCCESS");
    assert_eq!(result["status"], "success");
    assert_eq!(result["message"], "record added");
    let details = &result["details"];
    let id = details["id"].as_str().expect("id");
    assert_eq!(details["Created_By"], json!({ "name": "Mei Tanaka", "id": t.user_id("advisor") }));
    assert_eq!(details["Modified_By"]["id"], t.user_id("advisor").as_str());
    assert_eq!(details["$approval_state"], "approved");
    assert!(details["Created_Time"].as_str().is_some_and(|s| s.ends_with("+05:30")));
    assert_ne!(details["Created_Time"], "2020-01-01T00:00:00+05:30", "read-only input is ignored");

    let stored = t.sandbox.lead(id).expect("stored");
    assert_eq!(stored["Owner"]["id"], t.user_id("advisor").as_str(), "without Owner, the caller owns it");
    assert_eq!(stored["Full_Name"], "Test Okonkwo");
    assert_eq!(stored["Course"], "Web Design");
    assert!(stored["Phone"].is_null());
    let max_seed = t.sandbox.find_leads(|l| l["id"] != id).iter().filter_map(|l| l["id"].as_str()?.parse::<u64>().ok()).max();
    assert!(id.parse::<u64>().ok() > max_seed, "new ids are larger");
    let again = t.post(&token, "/crm/v8/Leads", &json!({ "data": [new_lead("Second", "second@student.example")] })).await;
    let second_id: u64 = again.data()[0]["details"]["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
    assert!(second_id > id.parse::<u64>().expect("id"));
    assert_eq!(t.sandbox.lead_count(), 302);
    assert_eq!(t.sandbox.calls().get("leads.create"), 2);
}

#[tokio::test]
async fn create_validates_each_record_and_reports_207_or_400() {
    let t = TestSandbox::start().await;
    let token = t.login("coordinator").await;
    let existing = t.sandbox.find_leads(|_| true)[0].clone();
    let taken = existing["Email"].as_str().expect("email").to_uppercase();
    let body = json!({ "data": [
        new_lead("Valid", "valid@student.example"),
        { "First_Name": "No Last Name" },
        new_lead("Bad Email", "not-an-email"),
        new_lead("Dup", &taken),
        new_lead(&"x".repeat(81), "long@student.example"),
        { "Last_Name": 5 },
        { "Last_Name": "Unknown", "Favourite_Colour": "blue" },
        "not an object",
        new_lead("", "blank@student.example"),
    ]});
    let answer = t.post(&token, "/crm/v8/Leads", &body).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", answer.text);
    let data = answer.data();
    assert_eq!(data.len(), 9);
    assert_eq!(data[0]["status"], "success");
    assert_eq!(
        data[1],
        json!({"code":"MANDATORY_NOT_FOUND","details":{"api_name":"Last_Name","json_path":"$.data[1].Last_Name"},"message":"required field not found","status":"error"})
    );
    assert_eq!((data[2]["code"].as_str(), data[2]["details"]["api_name"].as_str()), (Some("INVALID_DATA"), Some("Email")));
    assert_eq!(data[3]["code"], "DUPLICATE_DATA");
    assert_eq!(data[3]["details"]["duplicate_record"]["id"], existing["id"]);
    assert_eq!(data[3]["details"]["duplicate_record"]["module"]["api_name"], "Leads");
    assert_eq!(data[3]["details"]["duplicate_record"]["Owner"]["id"], existing["Owner"]["id"]);
    assert_eq!(data[4]["details"]["maximum_length"], 80);
    assert_eq!(data[5]["details"]["expected_data_type"], "text");
    // Unknown field API names are ignored, as Zoho does (§2.4).
    assert_eq!(data[6]["status"], "success");
    assert_eq!(data[7]["code"], "INVALID_DATA");
    assert_eq!(data[8]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(t.sandbox.lead_count(), 302);

    let all_bad = t.post(&token, "/crm/v8/Leads", &json!({ "data": [{ "Email": "x@y.example" }] })).await;
    assert_eq!(all_bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(all_bad.data()[0]["code"], "MANDATORY_NOT_FOUND");
    // Duplicates inside one batch are caught too.
    let twins = t
        .post(&token, "/crm/v8/Leads", &json!({ "data": [new_lead("A", "twin@x.example"), new_lead("B", "twin@x.example")] }))
        .await;
    assert_eq!(twins.status, StatusCode::MULTI_STATUS);
    assert_eq!(twins.data()[1]["code"], "DUPLICATE_DATA");
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_request_level_errors() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    let response = t
        .http
        .post(format!("{}/crm/v8/Leads", t.sandbox.api_url()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .header("Content-Type", "application/json")
        .body("{\"data\": [")
        .send()
        .await
        .expect("post");
    let malformed = super::answer(response).await;
    assert_eq!((malformed.status, malformed.code()), (StatusCode::BAD_REQUEST, "INVALID_DATA"));
    assert_eq!(malformed.json()["status"], "error");
    assert_eq!(t.post(&token, "/crm/v8/Leads", &json!({ "records": [] })).await.code(), "REQUIRED_PARAM_MISSING");
    assert_eq!(t.post(&token, "/crm/v8/Leads", &json!({ "data": {} })).await.code(), "INVALID_DATA");
    assert_eq!(t.post(&token, "/crm/v8/Leads", &json!({ "data": [] })).await.code(), "INVALID_DATA");
    let many: Vec<Value> = (0..101).map(|i| new_lead("Bulk", &format!("bulk{i}@x.example"))).collect();
    assert_eq!(t.post(&token, "/crm/v8/Leads", &json!({ "data": many })).await.code(), "LIMIT_EXCEEDED");
    assert_eq!(t.sandbox.lead_count(), 300);
}

#[tokio::test]
async fn update_by_id_and_in_bulk() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let lead = t.sandbox.find_leads(|l| l["Owner"]["id"] != t.user_id("admin").as_str())[0].clone();
    let id = lead["id"].as_str().expect("id");
    let answer = t
        .put(
            &admin,
            &format!("/crm/v8/Leads/{id}"),
            &json!({ "data": [{ "Lead_Status": "Contacted", "First_Name": "Renamed" }] }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.data()[0]["message"], "record updated");
    assert_eq!(answer.data()[0]["details"]["Modified_By"]["id"], t.user_id("admin").as_str());
    let stored = t.sandbox.lead(id).expect("lead");
    assert_eq!(stored["Lead_Status"], "Contacted");
    assert_eq!(stored["Full_Name"], format!("Renamed {}", lead["Last_Name"].as_str().unwrap_or_default()));
    assert_eq!(stored["Owner"], lead["Owner"], "update keeps the owner");
    assert_ne!(stored["Modified_Time"], lead["Modified_Time"]);
    assert_eq!(stored["Email"], lead["Email"], "untouched fields stay");

    let bulk = t
        .put(
            &admin,
            "/crm/v8/Leads",
            &json!({ "data": [
                { "id": id, "City": "Pune" },
                { "id": "6180428000000000001", "City": "Pune" },
                { "City": "Pune" },
                { "id": id, "Last_Name": null },
            ]}),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::MULTI_STATUS);
    let data = bulk.data();
    assert_eq!(data[0]["status"], "success");
    assert_eq!(
        (data[1]["code"].as_str(), data[1]["message"].as_str()),
        (Some("INVALID_DATA"), Some("the id given seems to be invalid"))
    );
    assert_eq!(data[2]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(data[2]["details"]["api_name"], "id");
    assert_eq!(data[3]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(t.sandbox.lead(id).expect("lead")["City"], "Pune");
    assert_eq!(t.sandbox.calls().get("leads.update"), 2);
}

#[tokio::test]
async fn standard_users_cannot_change_other_owners_leads() {
    let t = TestSandbox::start().await;
    let advisor = t.login("advisor").await;
    let me = t.user_id("advisor");
    let theirs = t.sandbox.find_leads(|l| l["Owner"]["id"] != me.as_str())[0]["id"].as_str().expect("id").to_string();
    let mine = t.sandbox.find_leads(|l| l["Owner"]["id"] == me.as_str())[0]["id"].as_str().expect("id").to_string();
    let by_id = t.put(&advisor, &format!("/crm/v8/Leads/{theirs}"), &json!({ "data": [{ "City": "Pune" }] })).await;
    assert_eq!((by_id.status, by_id.code()), (StatusCode::FORBIDDEN, "NO_PERMISSION"));
    let bulk = t
        .put(&advisor, "/crm/v8/Leads", &json!({ "data": [{ "id": theirs, "City": "Pune" }, { "id": mine, "City": "Pune" }] }))
        .await;
    assert_eq!(bulk.status, StatusCode::MULTI_STATUS);
    assert_eq!(bulk.data()[0]["code"], "NO_PERMISSION");
    assert_eq!(bulk.data()[1]["status"], "success");
    let delete = t.delete(&advisor, &format!("/crm/v8/Leads/{theirs}")).await;
    assert_eq!((delete.status, delete.code()), (StatusCode::FORBIDDEN, "NO_PERMISSION"));
    let bulk_delete = t.delete(&advisor, &format!("/crm/v8/Leads?ids={theirs}")).await;
    assert_eq!(bulk_delete.status, StatusCode::BAD_REQUEST);
    assert_eq!(bulk_delete.data()[0]["code"], "NO_PERMISSION");
    assert!(t.sandbox.lead(&theirs).is_some());
}

#[tokio::test]
async fn delete_by_id_and_by_ids() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let leads = t.sandbox.find_leads(|_| true);
    let (a, b) = (leads[0]["id"].as_str().expect("id"), leads[1]["id"].as_str().expect("id"));
    let one = t.delete(&admin, &format!("/crm/v8/Leads/{a}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.data()[0], json!({"code":"SUCCESS","details":{"id":a},"message":"record deleted","status":"success"}));
    assert_eq!(t.get(&admin, &format!("/crm/v8/Leads/{a}")).await.status, StatusCode::NO_CONTENT);
    let mixed = t.delete(&admin, &format!("/crm/v8/Leads?ids={a},{b}")).await;
    assert_eq!(mixed.status, StatusCode::MULTI_STATUS);
    // §2.6: an already deleted record is INVALID_DATA "record not deleted"; an id that never
    // existed "the id given seems to be invalid"; a malformed id UNABLE_TO_PARSE_DATA_TYPE.
    assert_eq!(mixed.data()[0]["code"], "INVALID_DATA");
    assert_eq!(mixed.data()[0]["message"], "record not deleted");
    assert_eq!(mixed.data()[1]["code"], "SUCCESS");
    assert_eq!(t.sandbox.lead_count(), 298);
    let never = t.delete(&admin, "/crm/v8/Leads?ids=6180428000000000001").await;
    assert_eq!(
        (never.data()[0]["code"].as_str(), never.data()[0]["message"].as_str()),
        (Some("INVALID_DATA"), Some("the id given seems to be invalid"))
    );
    assert_eq!(t.delete(&admin, "/crm/v8/Leads").await.code(), "REQUIRED_PARAM_MISSING");
    assert_eq!(t.delete(&admin, "/crm/v8/Leads?ids=abc").await.code(), "UNABLE_TO_PARSE_DATA_TYPE");
    assert_eq!(t.delete(&admin, "/crm/v8/Leads/12ab").await.code(), "UNABLE_TO_PARSE_DATA_TYPE");
    assert_eq!(t.sandbox.calls().get("leads.delete"), 6);
}

#[tokio::test]
async fn upsert_updates_by_email_and_inserts_otherwise() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let existing = t.sandbox.find_leads(|_| true)[5].clone();
    let email = existing["Email"].as_str().expect("email");
    let body = json!({ "data": [
        { "Last_Name": existing["Last_Name"], "Email": email, "Lead_Status": "Pre-Qualified" },
        new_lead("Fresh", "fresh@student.example"),
    ], "duplicate_check_fields": ["Email"] });
    let answer = t.post(&admin, "/crm/v8/Leads/upsert", &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let data = answer.data();
    assert_eq!((data[0]["action"].as_str(), data[0]["duplicate_field"].as_str()), (Some("update"), Some("Email")));
    assert_eq!(data[0]["details"]["id"], existing["id"]);
    assert_eq!(data[0]["message"], "record updated");
    assert_eq!(data[1]["action"], "insert");
    assert!(data[1]["duplicate_field"].is_null());
    assert_eq!(data[1]["message"], "record added");
    assert_eq!(t.sandbox.lead(existing["id"].as_str().expect("id")).expect("lead")["Lead_Status"], "Pre-Qualified");
    let bad = t
        .post(
            &admin,
            "/crm/v8/Leads/upsert",
            &json!({ "data": [new_lead("X", "x@x.example")], "duplicate_check_fields": ["Phone"] }),
        )
        .await;
    assert_eq!(bad.code(), "INVALID_DATA");
    assert_eq!(t.sandbox.calls().get("leads.upsert"), 2);
}

#[tokio::test]
async fn if_unmodified_since_guards_updates() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let id = t.sandbox.find_leads(|_| true)[0]["id"].as_str().expect("id").to_string();
    let response = t
        .http
        .put(format!("{}/crm/v8/Leads/{id}", t.sandbox.api_url()))
        .header("Authorization", format!("Zoho-oauthtoken {admin}"))
        .header("If-Unmodified-Since", "2020-01-01T00:00:00+05:30")
        .json(&json!({ "data": [{ "City": "Delhi" }] }))
        .send()
        .await
        .expect("put");
    let answer = super::answer(response).await;
    assert_eq!((answer.status, answer.code()), (StatusCode::PRECONDITION_FAILED, "ALREADY_MODIFIED"));
}
