//! The default org's other modules (Contacts, Deals, the custom Courses): CRUD, visibility per
//! user, lookups, validation per data type, search, upsert, scopes and call labels.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{TestSandbox, enc};

fn owners(answer: &super::Answer) -> Vec<String> {
    answer.data().iter().filter_map(|r| r["Owner"]["id"].as_str().map(str::to_string)).collect()
}

#[tokio::test]
async fn each_module_lists_its_seeds_and_standard_users_see_only_their_own() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let coordinator = t.login("coordinator").await;
    for (module, count) in [("Contacts", 20), ("Deals", 15), ("Courses", 8)] {
        let all = t.get(&admin, &format!("/crm/v8/{module}?fields=Owner,Created_Time")).await;
        assert_eq!((all.status, all.data().len()), (StatusCode::OK, count), "{module}: {}", all.text);
        let mine = t.get(&coordinator, &format!("/crm/v8/{module}?fields=Owner")).await;
        let ids = owners(&mine);
        assert!(!ids.is_empty() && ids.len() < count, "{module}");
        assert!(ids.iter().all(|id| *id == t.user_id("coordinator")), "{module}");
    }
    assert_eq!(t.sandbox.record_count("Courses"), 8);
    let contacts = t.get(&admin, "/crm/v8/Contacts?fields=Full_Name,Email,Date_of_Birth").await;
    let first = &contacts.data()[0];
    assert!(first["Full_Name"].as_str().is_some_and(|n| n.contains(' ')));
    assert!(first["Date_of_Birth"].as_str().is_some_and(|d| d.len() == 10));
    // fields= is still mandatory and checked against the module's own fields.
    assert_eq!(t.get(&admin, "/crm/v8/Courses").await.code(), "REQUIRED_PARAM_MISSING");
    let unknown = t.get(&admin, "/crm/v8/Courses?fields=Name,Company").await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::BAD_REQUEST, "INVALID_DATA"));
    assert_eq!(unknown.json()["details"]["api_name"], "Company");
    let calls = t.sandbox.calls();
    assert_eq!((calls.get("contacts.list"), calls.get("deals.list"), calls.get("courses.list")), (3, 2, 4));
}

#[tokio::test]
async fn deals_return_lookups_with_names_and_hide_other_owners() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let deals = t.get(&admin, "/crm/v8/Deals?fields=Deal_Name,Contact_Name,Course,Amount,Stage,Probability,Owner").await;
    let deal = deals.data().into_iter().next().unwrap_or_default();
    let contact_id = deal["Contact_Name"]["id"].as_str().unwrap_or_default().to_string();
    let contact = t.get(&admin, &format!("/crm/v8/Contacts/{contact_id}")).await;
    assert_eq!(contact.status, StatusCode::OK, "{}", contact.text);
    assert_eq!(deal["Contact_Name"]["name"], contact.data()[0]["Full_Name"]);
    assert!(deal["Deal_Name"].as_str().is_some_and(|n| n.starts_with(contact.data()[0]["Full_Name"].as_str().unwrap_or("?"))));
    let course_id = deal["Course"]["id"].as_str().unwrap_or_default();
    let course = t.get(&admin, &format!("/crm/v8/Courses/{course_id}")).await;
    assert_eq!(deal["Course"]["name"], course.data()[0]["Name"]);
    assert!(deal["Amount"].is_f64() && deal["Probability"].is_number(), "{deal}");
    assert_eq!(deal["Owner"].as_object().map(|o| o.len()), Some(3), "owner is name, id, email");

    // Another owner's deal: 403 by id, absent from ?ids=.
    let coordinator = t.login("coordinator").await;
    let foreign = deals.data().into_iter().find(|d| d["Owner"]["id"] != t.user_id("coordinator").as_str()).unwrap_or_default();
    let foreign_id = foreign["id"].as_str().unwrap_or_default();
    assert_eq!(t.get(&coordinator, &format!("/crm/v8/Deals/{foreign_id}")).await.code(), "NO_PERMISSION");
    let by_ids = t.get(&coordinator, &format!("/crm/v8/Deals?ids={foreign_id}")).await;
    assert_eq!(by_ids.status, StatusCode::NO_CONTENT);
    let update = t.put(&coordinator, &format!("/crm/v8/Deals/{foreign_id}"), &json!({ "data": [{ "Stage": "Proposal" }] })).await;
    assert_eq!(update.code(), "NO_PERMISSION");
    assert_eq!(t.delete(&coordinator, &format!("/crm/v8/Deals?ids={foreign_id}")).await.data()[0]["code"], "NO_PERMISSION");
    assert_eq!(t.sandbox.calls().get("deals.get_by_ids"), 1);
}

#[tokio::test]
async fn courses_and_deals_support_create_update_upsert_search_and_delete() {
    let t = TestSandbox::start().await;
    let advisor = t.login("advisor").await;
    let course = json!({ "Name": "Rust Basics", "Code": "RS100", "Fees": 52000.5, "Seats": 30, "Online": true,
                         "Start_Date": "2026-05-04", "Unknown_Field": "ignored" });
    let created = t.post(&advisor, "/crm/v8/Courses", &json!({ "data": [course] })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let course_id = created.data()[0]["details"]["id"].as_str().unwrap_or_default().to_string();
    let read = t.get(&advisor, &format!("/crm/v8/Courses/{course_id}")).await.data()[0].clone();
    assert_eq!((read["Seats"].clone(), read["Fees"].clone(), read["Online"].clone()), (json!(30), json!(52000.5), json!(true)));
    assert_eq!(read["Owner"]["id"], t.user_id("advisor").as_str());
    assert!(read.get("Unknown_Field").is_none());

    // A deal linking a contact the advisor owns ({"id"}) and the new course (a bare id).
    let contacts = t.get(&advisor, "/crm/v8/Contacts?fields=Full_Name").await;
    let contact = contacts.data()[0].clone();
    let deal = json!({ "Deal_Name": "Rust enrolment", "Stage": "Qualification", "Amount": 52000,
                       "Closing_Date": "2026-04-30", "Contact_Name": { "id": contact["id"] }, "Course": course_id });
    let created = t.post(&advisor, "/crm/v8/Deals", &json!({ "data": [deal] })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let deal_id = created.data()[0]["details"]["id"].as_str().unwrap_or_default().to_string();
    let read = t.get(&advisor, &format!("/crm/v8/Deals/{deal_id}")).await.data()[0].clone();
    assert_eq!(read["Contact_Name"], json!({ "name": contact["Full_Name"], "id": contact["id"] }));
    assert_eq!(read["Course"], json!({ "name": "Rust Basics", "id": course_id }));

    // Update by id and in bulk; the lookup name follows the renamed course.
    let renamed =
        t.put(&advisor, &format!("/crm/v8/Courses/{course_id}"), &json!({ "data": [{ "Name": "Rust in Practice" }] })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let bulk =
        t.put(&advisor, "/crm/v8/Deals", &json!({ "data": [{ "id": deal_id, "Stage": "Proposal", "Probability": 50 }] })).await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.text);
    let read = t.get(&advisor, &format!("/crm/v8/Deals/{deal_id}?fields=Course,Stage")).await.data()[0].clone();
    assert_eq!((read["Course"]["name"].as_str(), read["Stage"].as_str()), (Some("Rust in Practice"), Some("Proposal")));

    // Upsert on the Courses' unique Code updates; a new Code inserts.
    let upsert = t
        .post(
            &advisor,
            "/crm/v8/Courses/upsert",
            &json!({ "data": [{ "Name": "Rust in Practice", "Code": "RS100", "Seats": 25 },
                                                                     { "Name": "Go Basics", "Code": "GO100" }] }),
        )
        .await;
    assert_eq!(upsert.status, StatusCode::OK, "{}", upsert.text);
    assert_eq!(
        (upsert.data()[0]["action"].as_str(), upsert.data()[0]["duplicate_field"].as_str()),
        (Some("update"), Some("Code"))
    );
    assert_eq!(upsert.data()[1]["action"], "insert");
    let duplicate = t.post(&advisor, "/crm/v8/Courses", &json!({ "data": [{ "Name": "Copy", "Code": "rs100" }] })).await;
    assert_eq!(duplicate.data()[0]["code"], "DUPLICATE_DATA");
    assert_eq!(duplicate.data()[0]["details"]["duplicate_record"]["module"]["api_name"], "Courses");

    // Search with typed criteria.
    let admin = t.login("admin").await;
    let expensive = t.get(&admin, &format!("/crm/v8/Courses/search?criteria={}", enc("(Fees:greater_than:60000)"))).await;
    assert_eq!(expensive.status, StatusCode::OK, "{}", expensive.text);
    assert!(expensive.data().iter().all(|c| c["Fees"].as_f64().is_some_and(|f| f > 60000.0)));
    assert_eq!(expensive.data().len(), 3);
    let soon =
        t.get(&admin, &format!("/crm/v8/Courses/search?criteria={}", enc("(Start_Date:between:2026-01-01,2026-04-30)"))).await;
    assert_eq!(soon.data().len(), 4, "{}", soon.text);
    let online = t
        .get(&admin, &format!("/crm/v8/Courses/search?criteria={}", enc("((Online:equals:true)and(Seats:greater_equal:30))")))
        .await;
    assert!(online.data().iter().all(|c| c["Online"] == true && c["Seats"].as_i64().is_some_and(|s| s >= 30)), "{}", online.text);
    let by_course =
        t.get(&admin, &format!("/crm/v8/Deals/search?criteria={}", enc(&format!("(Course:equals:{course_id})")))).await;
    assert_eq!(by_course.data().len(), 1, "{}", by_course.text);
    let won = t.get(&admin, &format!("/crm/v8/Deals/search?criteria={}", enc("(Stage:equals:Closed Won)"))).await;
    assert!(!won.data().is_empty() && won.data().iter().all(|d| d["Stage"] == "Closed Won"));
    let bad = t.get(&admin, &format!("/crm/v8/Courses/search?criteria={}", enc("(Seats:starts_with:2)"))).await;
    assert_eq!(bad.code(), "INVALID_QUERY");
    let email = contact_email(&t, &admin, contact["id"].as_str().unwrap_or_default()).await;
    let found = t.get(&admin, &format!("/crm/v8/Contacts/search?email={}", enc(&email))).await;
    assert_eq!(found.data()[0]["id"], contact["id"]);
    let word = t.get(&admin, "/crm/v8/Deals/search?word=enrolment").await;
    assert_eq!(word.data().len(), 1);

    // Delete by id and by ids.
    assert_eq!(t.delete(&advisor, &format!("/crm/v8/Deals/{deal_id}")).await.status, StatusCode::OK);
    let go = upsert.data()[1]["details"]["id"].as_str().unwrap_or_default().to_string();
    let deleted = t.delete(&advisor, &format!("/crm/v8/Courses?ids={course_id},{go}")).await;
    assert_eq!((deleted.status, deleted.data().len()), (StatusCode::OK, 2));
    assert_eq!(t.sandbox.record_count("Courses"), 8);
    let calls = t.sandbox.calls();
    assert_eq!((calls.get("courses.create"), calls.get("courses.upsert"), calls.get("courses.delete")), (2, 1, 1));
    assert_eq!((calls.get("deals.update"), calls.get("deals.search"), calls.get("contacts.search")), (1, 3, 1));
}

async fn contact_email(t: &TestSandbox, token: &str, id: &str) -> String {
    let contact = t.get(token, &format!("/crm/v8/Contacts/{id}?fields=Email")).await;
    contact.data()[0]["Email"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn writes_are_checked_per_data_type() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let course = |extra: Value| {
        let mut record = json!({ "Name": "Typed" });
        if let (Some(record), Some(extra)) = (record.as_object_mut(), extra.as_object()) {
            record.extend(extra.clone());
        }
        record
    };
    let body = json!({ "data": [
        course(json!({ "Seats": "30" })),
        course(json!({ "Seats": 1_234_567_890 })),
        course(json!({ "Seats": 3.5 })),
        course(json!({ "Online": "yes" })),
        course(json!({ "Start_Date": "2026-02-30" })),
        course(json!({ "Start_Date": "04/05/2026" })),
        course(json!({ "Fees": "100" })),
        course(json!({ "Code": "x".repeat(21) })),
        { "Code": "NONAME" },
        course(json!({ "Seats": 999_999_999, "Fees": 0.5, "Start_Date": "2028-02-29" })),
    ]});
    let answer = t.post(&admin, "/crm/v8/Courses", &body).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", answer.text);
    let data = answer.data();
    let detail = |i: usize, key: &str| data[i]["details"][key].clone();
    for (i, field, expected) in [
        (0, "Seats", "integer"),
        (2, "Seats", "integer"),
        (3, "Online", "boolean"),
        (4, "Start_Date", "date"),
        (5, "Start_Date", "date"),
        (6, "Fees", "currency"),
    ] {
        assert_eq!(
            (data[i]["code"].as_str(), detail(i, "api_name"), detail(i, "expected_data_type")),
            (Some("INVALID_DATA"), json!(field), json!(expected)),
            "{i}"
        );
    }
    assert_eq!((data[1]["code"].as_str(), detail(1, "api_name")), (Some("INVALID_DATA"), json!("Seats")));
    assert_eq!(detail(7, "maximum_length"), 20);
    assert_eq!((data[8]["code"].as_str(), detail(8, "api_name")), (Some("MANDATORY_NOT_FOUND"), json!("Name")));
    assert_eq!(data[9]["status"], "success");

    // Deals: lookups must point at an existing record of the target module.
    let course_id = t.get(&admin, "/crm/v8/Courses?fields=Name").await.data()[0]["id"].clone();
    let deal = |lookup: Value| json!({ "Deal_Name": "L", "Stage": "Qualification", "Contact_Name": lookup });
    let body = json!({ "data": [deal(json!({ "id": "6180428000999999999" })), deal(json!({ "id": course_id })), deal(json!(42.5)),
        json!({ "Deal_Name": "No stage" })] });
    let answer = t.post(&admin, "/crm/v8/Deals", &body).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    for i in 0..3 {
        assert_eq!(
            (answer.data()[i]["code"].as_str(), answer.data()[i]["details"]["api_name"].as_str()),
            (Some("INVALID_DATA"), Some("Contact_Name"))
        );
    }
    assert_eq!(answer.data()[3]["details"]["api_name"], "Stage");

    // Leads' custom fields: multi-select arrays, picklist values outside the list accepted.
    let lead = json!({ "Last_Name": "Typed", "Languages": ["English", "Tamil"], "Batch": "2027 Spring", "Scholarship": true,
                       "Quoted_Fee": 42000, "Preferred_Start_Date": "2026-07-06" });
    let created = t.post(&admin, "/crm/v8/Leads", &json!({ "data": [lead] })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.data()[0]["details"]["id"].as_str().unwrap_or_default().to_string();
    let stored = t.sandbox.lead(&id).unwrap_or_default();
    assert_eq!((stored["Languages"].clone(), stored["Batch"].clone()), (json!(["English", "Tamil"]), json!("2027 Spring")));
    let bad = t.post(&admin, "/crm/v8/Leads", &json!({ "data": [{ "Last_Name": "X", "Languages": "English" }] })).await;
    assert_eq!(bad.data()[0]["details"]["expected_data_type"], "multiselectpicklist");
    // Seed leads carry the custom fields too.
    let seeded = t.get(&admin, "/crm/v8/Leads?fields=Batch,Languages,Scholarship,Quoted_Fee&per_page=5").await;
    assert!(seeded.data().iter().all(|l| l["Batch"].is_string() && l["Languages"].is_array() && l["Scholarship"].is_boolean()));
}

#[tokio::test]
async fn module_scopes_apply_per_module() {
    let t = TestSandbox::start().await;
    let contacts_only = t.login_with("admin", "ZohoCRM.modules.contacts.READ").await.access;
    assert_eq!(t.get(&contacts_only, "/crm/v8/Contacts?fields=Email").await.status, StatusCode::OK);
    assert_eq!(t.get(&contacts_only, "/crm/v8/Leads?fields=Email").await.code(), "OAUTH_SCOPE_MISMATCH");
    let create = t.post(&contacts_only, "/crm/v8/Contacts", &json!({ "data": [{ "Last_Name": "X" }] })).await;
    assert_eq!((create.status, create.code()), (StatusCode::UNAUTHORIZED, "OAUTH_SCOPE_MISMATCH"));
    let custom = t.login_with("admin", "ZohoCRM.modules.custom.ALL").await.access;
    assert_eq!(t.get(&custom, "/crm/v8/Courses?fields=Name").await.status, StatusCode::OK);
    assert_eq!(t.get(&custom, "/crm/v8/Deals?fields=Deal_Name").await.code(), "OAUTH_SCOPE_MISMATCH");
    let courses = t.login_with("admin", "ZohoCRM.modules.Courses.ALL").await.access;
    let created = t.post(&courses, "/crm/v8/Courses", &json!({ "data": [{ "Name": "Scoped" }] })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    // A module not in the org; API names are case-sensitive.
    assert_eq!(t.get(&courses, "/crm/v8/courses?fields=Name").await.code(), "INVALID_MODULE");
}
