//! `GET /crm/v8/{module}/actions/count`: every record the caller may see, or those one search
//! parameter matches (as search matches them); one filter group only.

use reqwest::StatusCode;
use serde_json::json;

use super::{TestSandbox, enc};

#[tokio::test]
async fn counts_all_or_what_criteria_email_phone_or_word_match() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let all = t.get(&admin, "/crm/v8/Leads/actions/count").await;
    assert_eq!((all.status, all.json()), (StatusCode::OK, &json!({ "count": t.sandbox.lead_count() })));
    assert_eq!(t.get(&admin, "/crm/v8/Courses/actions/count").await.json()["count"], t.sandbox.record_count("Courses"));

    let pune = t.sandbox.find_leads(|l| l["City"] == "Pune").len();
    let criteria = t.get(&admin, &format!("/crm/v8/Leads/actions/count?criteria={}", enc("(City:equals:Pune)"))).await;
    assert_eq!(criteria.json()["count"], pune);
    let search = t.get(&admin, &format!("/crm/v8/Leads/search?criteria={}&per_page=200", enc("(City:equals:Pune)"))).await;
    assert_eq!(search.data().len(), pune, "count and search agree");

    let lead = t.sandbox.find_leads(|_| true)[7].clone();
    let email = lead["Email"].as_str().expect("email");
    assert_eq!(t.get(&admin, &format!("/crm/v8/Leads/actions/count?email={}", enc(email))).await.json()["count"], 1);
    let mobile = lead["Mobile"].as_str().expect("mobile");
    let by_phone = t.get(&admin, &format!("/crm/v8/Leads/actions/count?phone={}", enc(mobile))).await;
    assert!(by_phone.json()["count"].as_u64().is_some_and(|n| n >= 1), "{}", by_phone.text);
    let loyola = t.sandbox.find_leads(|l| l.to_string().to_lowercase().contains("loyola")).len();
    assert_eq!(t.get(&admin, "/crm/v8/Leads/actions/count?word=Loyola").await.json()["count"], loyola);
    let none = t.get(&admin, "/crm/v8/Leads/actions/count?email=nobody%40nowhere.example").await;
    assert_eq!((none.status, none.json()), (StatusCode::OK, &json!({ "count": 0 })), "zero is an answer, not 204");
    assert_eq!(t.sandbox.calls().get("leads.count"), 6);
    assert_eq!(t.sandbox.calls().get("courses.count"), 1);
    assert_eq!(t.sandbox.received_criteria(), vec!["(City:equals:Pune)".to_string(), "(City:equals:Pune)".to_string()]);
}

#[tokio::test]
async fn counts_only_what_a_standard_user_sees_and_sees_writes_at_once() {
    let t = TestSandbox::start().await;
    let advisor = t.login("advisor").await;
    let me = t.user_id("advisor");
    let mine = t.sandbox.find_leads(|l| l["Owner"]["id"] == me.as_str()).len();
    assert!(mine < t.sandbox.lead_count());
    assert_eq!(t.get(&advisor, "/crm/v8/Leads/actions/count").await.json()["count"], mine);
    let created = t.post(&advisor, "/crm/v8/Leads", &json!({ "data": [{ "Last_Name": "Counted" }] })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(t.get(&advisor, "/crm/v8/Leads/actions/count").await.json()["count"], mine + 1);
    let admin_id = t.user_id("admin");
    let criteria = enc(&format!("(Owner:equals:{admin_id})"));
    assert_eq!(t.get(&advisor, &format!("/crm/v8/Leads/actions/count?criteria={criteria}")).await.json()["count"], 0);
}

#[tokio::test]
async fn count_errors() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let two = t.get(&admin, "/crm/v8/Leads/actions/count?email=a%40b.example&word=Loyola").await;
    assert_eq!((two.status, two.code()), (StatusCode::BAD_REQUEST, "AMBIGUITY_DURING_PROCESSING"));
    assert_eq!(two.json()["details"]["ambiguity_due_to"], json!(["email", "word"]));
    let cvid = t.get(&admin, &format!("/crm/v8/Leads/actions/count?cvid=1&criteria={}", enc("(City:equals:Pune)"))).await;
    assert_eq!(cvid.code(), "AMBIGUITY_DURING_PROCESSING");
    let bad = t.get(&admin, &format!("/crm/v8/Leads/actions/count?criteria={}", enc("(City:equals:Pune"))).await;
    assert_eq!((bad.status, bad.code()), (StatusCode::BAD_REQUEST, "INVALID_QUERY"));
    assert_eq!(t.get(&admin, "/crm/v8/Leads/actions/count?word=a").await.code(), "INVALID_DATA");
    assert_eq!(t.get(&admin, "/crm/v8/Nope/actions/count").await.code(), "INVALID_MODULE");
    let post = t.post(&admin, "/crm/v8/Leads/actions/count", &json!({})).await;
    assert_eq!(post.code(), "INVALID_REQUEST_METHOD");
    let contacts_only = t.login_with("admin", "ZohoCRM.modules.contacts.READ").await.access;
    let denied = t.get(&contacts_only, "/crm/v8/Leads/actions/count").await;
    assert_eq!((denied.status, denied.code()), (StatusCode::UNAUTHORIZED, "OAUTH_SCOPE_MISMATCH"));
    assert_eq!(t.get(&contacts_only, "/crm/v8/Contacts/actions/count").await.json()["count"], t.sandbox.record_count("Contacts"));
    let custom = t.login_with("admin", "ZohoCRM.modules.custom.READ").await.access;
    assert_eq!(t.get(&custom, "/crm/v8/Courses/actions/count").await.status, StatusCode::OK, "custom modules' scope");
}
