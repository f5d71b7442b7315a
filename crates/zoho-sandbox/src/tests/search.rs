//! Search: the criteria parser (unit) and the endpoint over HTTP.

use reqwest::StatusCode;
use serde_json::Value;

use super::{TestSandbox, enc};
use crate::crm::criteria::{self, Expr, Op, default_leads};
use crate::http::ApiError;

/// Parses against the default org's Leads, as `GET /crm/v8/Leads/search` does.
fn parse_criteria(text: &str) -> Result<Expr, ApiError> {
    criteria::parse_criteria(text, default_leads().expect("the default org has Leads"))
}

fn cond(field: &str, op: Op, values: &[&str]) -> Expr {
    let kind = default_leads().and_then(|m| m.field(field)).map(|f| f.kind).expect("a Leads field");
    Expr::Condition { field: field.to_string(), kind, op, values: values.iter().map(|v| v.to_string()).collect() }
}

#[test]
fn parses_groups_and_or_and_nesting() {
    assert_eq!(parse_criteria("(Last_Name:equals:Burns)").ok(), Some(cond("Last_Name", Op::Equals, &["Burns"])));
    assert_eq!(
        parse_criteria("((Last_Name:equals:Burns)and(First_Name:starts_with:M))").ok(),
        Some(Expr::And(vec![cond("Last_Name", Op::Equals, &["Burns"]), cond("First_Name", Op::StartsWith, &["M"])]))
    );
    // and binds tighter than or; spaces and upper-case keywords are accepted.
    assert_eq!(
        parse_criteria("(City:equals:Pune) OR (City:equals:Delhi) and (Course:equals:Web)").ok(),
        Some(Expr::Or(vec![
            cond("City", Op::Equals, &["Pune"]),
            Expr::And(vec![cond("City", Op::Equals, &["Delhi"]), cond("Course", Op::Equals, &["Web"])]),
        ]))
    );
    assert!(parse_criteria("(((Email:equals:a@b.example)or(Email:equals:c@d.example))and(City:in:Pune,Delhi))").is_ok());
}

#[test]
fn parses_escapes_in_values() {
    assert_eq!(parse_criteria(r"(Last_Name:equals:Burns\,B)").ok(), Some(cond("Last_Name", Op::Equals, &["Burns,B"])));
    assert_eq!(
        parse_criteria(r"(Company:equals:IIT \(BHU\) Varanasi)").ok(),
        Some(cond("Company", Op::Equals, &["IIT (BHU) Varanasi"]))
    );
    assert_eq!(parse_criteria(r"(Last_Name:equals:K\\)").ok(), Some(cond("Last_Name", Op::Equals, &[r"K\"])));
    assert_eq!(parse_criteria(r"(Last_Name:in:A\,B,C)").ok(), Some(cond("Last_Name", Op::In, &["A,B", "C"])));
    assert_eq!(
        parse_criteria("(Created_Time:between:2025-09-01T00:00:00+05:30,2025-09-30T23:59:59+05:30)").ok(),
        Some(cond("Created_Time", Op::Between, &["2025-09-01T00:00:00+05:30", "2025-09-30T23:59:59+05:30"]))
    );
}

#[test]
fn rejects_bad_criteria_with_invalid_query() {
    for bad in [
        "(Last_Name:equals:Burns",
        "Last_Name:equals:Burns)",
        "(Last_Name:equals:Burns))",
        "(Last_Name:equals:Bu(rns)",
        r"(Last_Name:equals:K\)",
        "(Last_Name:like:Burns)",
        "(Nope:equals:Burns)",
        "(Last_Name:equals:)",
        "(Last_Name:greater_than:B)",
        "(Lead_Status:starts_with:Con)",
        "(Created_Time:greater_than:yesterday)",
        "(Created_Time:between:2025-09-01T00:00:00+05:30)",
        "(Last_Name:equals:A)xor(Last_Name:equals:B)",
        "(Last_Name)",
        "",
    ] {
        let error = parse_criteria(bad).err();
        assert_eq!(error.map(|e| e.code), Some("INVALID_QUERY"), "{bad}");
    }
    let eleven: Vec<String> = (0..11).map(|i| format!("(Last_Name:equals:N{i})")).collect();
    assert_eq!(parse_criteria(&format!("({})", eleven.join("or"))).err().map(|e| e.code), Some("LIMIT_EXCEEDED"));
    let ten: Vec<String> = (0..10).map(|i| format!("(Last_Name:equals:N{i})")).collect();
    assert!(parse_criteria(&format!("({})", ten.join("or"))).is_ok());
}

fn ids(answer: &super::Answer) -> Vec<String> {
    answer.data().iter().filter_map(|r| r["id"].as_str().map(str::to_string)).collect()
}

#[tokio::test]
async fn search_by_criteria_email_phone_and_word() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let lead = t.sandbox.find_leads(|_| true)[10].clone();
    let email = lead["Email"].as_str().expect("email");

    let by_email = t.get(&admin, &format!("/crm/v8/Leads/search?email={}", enc(email))).await;
    assert_eq!(by_email.status, StatusCode::OK);
    assert_eq!(ids(&by_email), vec![lead["id"].as_str().unwrap_or_default().to_string()]);
    let info = &by_email.json()["info"];
    assert_eq!((info["count"].as_u64(), info["more_records"].as_bool(), info["page"].as_u64()), (Some(1), Some(false), Some(1)));

    let criteria =
        format!("((Email:equals:{email})and(Last_Name:starts_with:{}))", &lead["Last_Name"].as_str().unwrap_or_default()[..2]);
    let by_criteria = t.get(&admin, &format!("/crm/v8/Leads/search?criteria={}&fields=Email,Course", enc(&criteria))).await;
    assert_eq!(ids(&by_criteria), ids(&by_email));
    let keys = by_criteria.data()[0].as_object().map(|o| o.len()).unwrap_or(0);
    assert_eq!(keys, 3, "fields narrow the answer");

    let mobile = lead["Mobile"].as_str().expect("mobile");
    let by_phone = t.get(&admin, &format!("/crm/v8/Leads/search?phone={}", enc(mobile))).await;
    assert!(ids(&by_phone).contains(&lead["id"].as_str().unwrap_or_default().to_string()));

    let word = t.get(&admin, "/crm/v8/Leads/search?word=Loyola").await;
    let expected = t.sandbox.find_leads(|l| l["Company"] == "Loyola College").len();
    assert_eq!(word.data().len(), expected.min(200));
    assert!(word.data().iter().all(|r| r["Company"] == "Loyola College" || r.to_string().contains("Loyola")));
    // criteria wins over the others.
    let precedence = t
        .get(&admin, &format!("/crm/v8/Leads/search?criteria={}&email=nobody@x.example", enc(&format!("(Email:equals:{email})"))))
        .await;
    assert_eq!(ids(&precedence), ids(&by_email));
    assert_eq!(t.sandbox.calls().get("leads.search"), 5);
}

#[tokio::test]
async fn search_equals_is_contains_for_text_and_escapes_work_end_to_end() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let expected = t.sandbox.find_leads(|l| l["Company"] == "IIT (BHU) Varanasi").len();
    assert!(expected > 0);
    let escaped = enc(r"(Company:equals:IIT \(BHU\))");
    let answer = t.get(&admin, &format!("/crm/v8/Leads/search?criteria={escaped}")).await;
    assert_eq!(answer.data().len(), expected, "{}", answer.text);
    let comma = t.sandbox.find_leads(|l| l["Company"] == "Jai Hind College, Mumbai").len();
    let answer =
        t.get(&admin, &format!("/crm/v8/Leads/search?criteria={}", enc(r"(Company:equals:Jai Hind College\, Mumbai)"))).await;
    assert_eq!(answer.data().len(), comma);
    let apostrophe = t.get(&admin, &format!("/crm/v8/Leads/search?criteria={}", enc("(Company:equals:St. Xavier's)"))).await;
    assert!(!apostrophe.data().is_empty());
}

#[tokio::test]
async fn search_sees_only_the_callers_leads_and_handles_datetimes() {
    let t = TestSandbox::start().await;
    let coordinator = t.login("coordinator").await;
    let me = t.user_id("coordinator");
    let criteria = enc("(Created_Time:between:2025-09-01T00:00:00+05:30,2025-10-01T00:00:00+05:30)");
    let answer = t.get(&coordinator, &format!("/crm/v8/Leads/search?criteria={criteria}")).await;
    let expected = t.sandbox.find_leads(|l| {
        l["Owner"]["id"] == me.as_str() && l["Created_Time"].as_str().is_some_and(|c| c < "2025-10-01T00:00:00+05:30")
    });
    assert_eq!(answer.data().len(), expected.len());
    assert!(answer.data().iter().all(|r| r["Owner"]["id"] == me.as_str()));
    let later = enc("(Created_Time:greater_than:2025-11-01T00:00:00+05:30)");
    let answer = t.get(&coordinator, &format!("/crm/v8/Leads/search?criteria={later}&per_page=10")).await;
    assert_eq!(answer.data().len(), 10);
    assert_eq!(answer.json()["info"]["more_records"], true);
    let owner = enc(&format!("(Owner:equals:{})", t.user_id("admin")));
    assert_eq!(t.get(&coordinator, &format!("/crm/v8/Leads/search?criteria={owner}")).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn search_errors_and_empty_results() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let none = t.get(&admin, "/crm/v8/Leads/search").await;
    assert_eq!((none.status, none.code()), (StatusCode::BAD_REQUEST, "EXPECTED_PARAM_MISSING"));
    assert_eq!(t.get(&admin, "/crm/v8/Leads/search?word=a").await.code(), "INVALID_DATA");
    let bad = t.get(&admin, &format!("/crm/v8/Leads/search?criteria={}", enc("(Last_Name:equals:Burns"))).await;
    assert_eq!((bad.status, bad.code()), (StatusCode::BAD_REQUEST, "INVALID_QUERY"));
    let empty = t.get(&admin, "/crm/v8/Leads/search?email=nobody@nowhere.example").await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert!(empty.text.is_empty());
    assert_eq!(t.get(&admin, "/crm/v8/Leads/search?word=Patel&per_page=201").await.code(), "INVALID_DATA");
    assert_eq!(t.get(&admin, "/crm/v8/Leads/search?word=Patel&page=11&per_page=200").await.code(), "LIMIT_REACHED");
    let value: Value = t.get(&admin, "/crm/v8/Leads/search?word=Patel&per_page=2").await.json().clone();
    assert_eq!(value["info"]["per_page"], 2);
}

#[tokio::test]
async fn search_sees_new_records_at_once() {
    let t = TestSandbox::start().await;
    let admin = t.login("admin").await;
    let created = t
        .post(&admin, "/crm/v8/Leads", &serde_json::json!({ "data": [{ "Last_Name": "Quixote", "Email": "q@x.example" }] }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(t.get(&admin, "/crm/v8/Leads/search?email=q@x.example").await.data().len(), 1);
}
