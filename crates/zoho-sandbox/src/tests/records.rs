//! Reading leads: list, paging, page tokens, ids, single records, permissions, auth and scopes.

use std::collections::HashSet;

use reqwest::StatusCode;

use super::TestSandbox;
use crate::SandboxConfig;

const JSON: &str = "application/json;charset=UTF-8";

#[tokio::test]
async fn seed_data_is_deterministic_unique_and_spread_over_owners() {
    let a = TestSandbox::start().await;
    let b = TestSandbox::start().await;
    let all_a = a.sandbox.find_leads(|_| true);
    assert_eq!(all_a.len(), 300);
    assert_eq!(all_a, b.sandbox.find_leads(|_| true), "same data in every sandbox");
    let emails: HashSet<&str> = all_a.iter().filter_map(|l| l["Email"].as_str()).collect();
    assert_eq!(emails.len(), 300);
    let created: HashSet<&str> = all_a.iter().filter_map(|l| l["Created_Time"].as_str()).collect();
    let modified: HashSet<&str> = all_a.iter().filter_map(|l| l["Modified_Time"].as_str()).collect();
    assert_eq!((created.len(), modified.len()), (300, 300));
    for key in ["admin", "coordinator", "advisor"] {
        let id = a.user_id(key);
        let owned = all_a.iter().filter(|l| l["Owner"]["id"] == id.as_str()).count();
        assert!(owned >= 50, "{key} owns {owned}");
    }
    let lead = &all_a[0];
    for field in [
        "First_Name",
        "Last_Name",
        "Full_Name",
        "Email",
        "Mobile",
        "Company",
        "Course",
        "Lead_Source",
        "Lead_Status",
        "Description",
    ] {
        assert!(lead[field].is_string(), "{field}: {lead}");
    }
    assert!(lead["id"].as_str().is_some_and(|id| id.len() == 19));
    assert!(lead["Created_Time"].as_str().is_some_and(|t| t.ends_with("+05:30")));
}

#[tokio::test]
async fn list_requires_fields_and_returns_only_them_plus_id() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    let missing = t.get(&token, "/crm/v8/Leads").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.code(), "REQUIRED_PARAM_MISSING");
    assert_eq!(missing.json()["details"]["param_name"], "fields");
    assert_eq!(missing.content_type.as_deref(), Some(JSON));

    let page = t.get(&token, "/crm/v8/Leads?fields=Last_Name,Email,Course&per_page=5").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.content_type.as_deref(), Some(JSON));
    let data = page.data();
    assert_eq!(data.len(), 5);
    let keys: HashSet<&str> = data[0].as_object().expect("record").keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["Last_Name", "Email", "Course", "id"]));
    let info = &page.json()["info"];
    assert_eq!(info["per_page"], 5);
    assert_eq!(info["count"], 5);
    assert_eq!(info["page"], 1);
    assert_eq!(info["sort_by"], "id");
    assert_eq!(info["sort_order"], "desc");
    assert_eq!(info["more_records"], true);
    assert!(info["next_page_token"].is_string());
    let ids: Vec<u64> = data.iter().filter_map(|r| r["id"].as_str()?.parse().ok()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "default: newest id first");
    assert_eq!(t.sandbox.calls().get("leads.list"), 2);
}

#[tokio::test]
async fn list_pages_through_everything_and_ends_with_204() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    let first = t.get(&token, "/crm/v8/Leads?fields=Last_Name").await;
    assert_eq!(first.data().len(), 200, "per_page defaults to 200");
    let second = t.get(&token, "/crm/v8/Leads?fields=Last_Name&page=2").await;
    assert_eq!(second.data().len(), 100);
    assert_eq!(second.json()["info"]["more_records"], false);
    assert!(second.json()["info"]["next_page_token"].is_null());
    let empty = t.get(&token, "/crm/v8/Leads?fields=Last_Name&page=3").await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert!(empty.text.is_empty() && empty.content_type.is_none());
}

#[tokio::test]
async fn standard_users_list_only_their_own_leads() {
    let t = TestSandbox::start().await;
    let token = t.login("coordinator").await;
    let me = t.user_id("coordinator");
    let owned = t.sandbox.find_leads(|l| l["Owner"]["id"] == me.as_str()).len();
    let page = t.get(&token, "/crm/v8/Leads?fields=Owner,Last_Name&per_page=200").await;
    assert_eq!(page.data().len(), owned);
    assert!(page.data().iter().all(|r| r["Owner"]["id"] == me.as_str()));
}

#[tokio::test]
async fn list_parameters_are_validated() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    for (query, code, param) in [
        ("fields=Last_Name&per_page=0", "INVALID_DATA", "per_page"),
        ("fields=Last_Name&per_page=201", "INVALID_DATA", "per_page"),
        ("fields=Last_Name&per_page=x", "INVALID_DATA", "per_page"),
        ("fields=Last_Name&page=0", "INVALID_DATA", "page"),
        ("fields=Last_Name&sort_by=Email", "INVALID_DATA", "sort_by"),
        ("fields=Last_Name&sort_order=up", "INVALID_DATA", "sort_order"),
        ("fields=Last_Name&page_token=garbage", "INVALID_DATA", "page_token"),
    ] {
        let answer = t.get(&token, &format!("/crm/v8/Leads?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(answer.code(), code, "{query}");
        assert_eq!(answer.json()["details"]["param_name"], param, "{query}");
    }
    let unknown = t.get(&token, "/crm/v8/Leads?fields=Last_Name,Nope").await;
    assert_eq!((unknown.code(), unknown.json()["details"]["api_name"].as_str()), ("INVALID_DATA", Some("Nope")));
    let many: Vec<String> = (0..51).map(|_| "Last_Name".to_string()).collect();
    let limit = t.get(&token, &format!("/crm/v8/Leads?fields={}", many.join(","))).await;
    assert_eq!(limit.code(), "LIMIT_EXCEEDED");
    let discrete = t.get(&token, "/crm/v8/Leads?fields=Last_Name&page=11&per_page=200").await;
    assert_eq!(discrete.code(), "DISCRETE_PAGINATION_LIMIT_EXCEEDED");
    let ok = t.get(&token, "/crm/v8/Leads?fields=Last_Name&page=10&per_page=200").await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "page 10 is allowed (only 300 leads)");
    let both = t.get(&token, "/crm/v8/Leads?fields=Last_Name&page=1&page_token=abc").await;
    assert_eq!(both.code(), "AMBIGUITY_DURING_PROCESSING");
}

#[tokio::test]
async fn sorting_by_created_time_ascending() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    let page = t.get(&token, "/crm/v8/Leads?fields=Created_Time&sort_by=Created_Time&sort_order=asc&per_page=50").await;
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> =
        page.data().iter().filter_map(|r| chrono::DateTime::parse_from_rfc3339(r["Created_Time"].as_str()?).ok()).collect();
    assert_eq!(times.len(), 50);
    assert!(times.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(page.json()["info"]["sort_by"], "Created_Time");
}

#[tokio::test]
async fn page_tokens_reach_past_2000_records_and_are_bound_to_user_and_params() {
    let t = TestSandbox::with(SandboxConfig { lead_count: 2300, ..Default::default() }).await;
    let token = t.login("admin").await;
    let mut seen = HashSet::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &next {
            None => "/crm/v8/Leads?fields=Last_Name".to_string(),
            Some(page_token) => format!("/crm/v8/Leads?fields=Last_Name&page_token={page_token}"),
        };
        let page = t.get(&token, &query).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        pages += 1;
        for record in page.data() {
            assert!(seen.insert(record["id"].as_str().unwrap_or_default().to_string()));
        }
        match page.json()["info"]["next_page_token"].as_str() {
            Some(token) => next = Some(token.to_string()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (2300, 12));

    let first = t.get(&token, "/crm/v8/Leads?fields=Last_Name").await;
    let page_token = first.json()["info"]["next_page_token"].as_str().expect("token").to_string();
    let changed = t.get(&token, &format!("/crm/v8/Leads?fields=Email&page_token={page_token}")).await;
    assert_eq!(changed.code(), "TOKEN_BOUND_DATA_MISMATCH");
    let other_user = t.login("advisor").await;
    // Another user's page_token is INVALID_DATA (§2.2: "bad/foreign page_token").
    let stolen = t.get(&other_user, &format!("/crm/v8/Leads?fields=Last_Name&page_token={page_token}")).await;
    assert_eq!(stolen.code(), "INVALID_DATA");
    assert_eq!(stolen.json()["details"]["param_name"], "page_token");
    let beyond = t.get(&token, "/crm/v8/Leads?fields=Last_Name&page=11").await;
    assert_eq!(beyond.code(), "DISCRETE_PAGINATION_LIMIT_EXCEEDED");
    // The message integrators quote from Zoho ([S] GitHub clients' error tables).
    assert_eq!(beyond.json()["message"], "You can only get the first 2000 records without using page_token param.");
}

#[tokio::test]
async fn get_by_ids_returns_visible_records_in_order() {
    let t = TestSandbox::start().await;
    let advisor = t.login("advisor").await;
    let me = t.user_id("advisor");
    let mine: Vec<String> = t
        .sandbox
        .find_leads(|l| l["Owner"]["id"] == me.as_str())
        .iter()
        .take(2)
        .filter_map(|l| l["id"].as_str().map(str::to_string))
        .collect();
    let theirs = t.sandbox.find_leads(|l| l["Owner"]["id"] != me.as_str())[0]["id"].as_str().expect("id").to_string();
    let ids = format!("{},{},{}", mine[1], theirs, mine[0]);
    let answer = t.get(&advisor, &format!("/crm/v8/Leads?ids={ids}&fields=Last_Name")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let got: Vec<String> = answer.data().iter().filter_map(|r| r["id"].as_str().map(str::to_string)).collect();
    assert_eq!(got, vec![mine[1].clone(), mine[0].clone()]);
    // Without fields, ids still work (all fields) and it counts as get_by_ids.
    let all_fields = t.get(&advisor, &format!("/crm/v8/Leads?ids={}", mine[0])).await;
    assert!(all_fields.data()[0]["Course"].is_string());
    assert_eq!(t.sandbox.calls().get("leads.get_by_ids"), 2);
    let only_theirs = t.get(&advisor, &format!("/crm/v8/Leads?ids={theirs}")).await;
    assert_eq!(only_theirs.status, StatusCode::NO_CONTENT);
    let too_many: Vec<String> = (0..101).map(|i| (6_180_428_000_000_700_001u64 + i).to_string()).collect();
    assert_eq!(t.get(&advisor, &format!("/crm/v8/Leads?ids={}", too_many.join(","))).await.code(), "LIMIT_EXCEEDED");
    assert_eq!(t.get(&advisor, "/crm/v8/Leads?ids=12a").await.code(), "INVALID_DATA");
}

#[tokio::test]
async fn get_one_lead_full_record_204_and_no_permission() {
    let t = TestSandbox::start().await;
    let coordinator = t.login("coordinator").await;
    let me = t.user_id("coordinator");
    let mine = t.sandbox.find_leads(|l| l["Owner"]["id"] == me.as_str())[0].clone();
    let id = mine["id"].as_str().expect("id");
    let answer = t.get(&coordinator, &format!("/crm/v8/Leads/{id}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let record = &answer.data()[0];
    assert_eq!(record, &mine);
    assert_eq!(record["$approval_state"], "approved");
    assert!(answer.json().get("info").is_none());

    let theirs = t.sandbox.find_leads(|l| l["Owner"]["id"] != me.as_str())[0]["id"].as_str().expect("id").to_string();
    let denied = t.get(&coordinator, &format!("/crm/v8/Leads/{theirs}")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.code(), "NO_PERMISSION");
    assert_eq!(denied.json()["status"], "error");
    let admin = t.login("admin").await;
    assert_eq!(t.get(&admin, &format!("/crm/v8/Leads/{theirs}")).await.status, StatusCode::OK);
    let missing = t.get(&admin, "/crm/v8/Leads/6180428000000000001").await;
    assert_eq!(missing.status, StatusCode::NO_CONTENT);
    assert!(missing.text.is_empty());
    let bad = t.get(&admin, "/crm/v8/Leads/not-an-id").await;
    assert_eq!((bad.status, bad.code()), (StatusCode::BAD_REQUEST, "INVALID_DATA"));
    assert_eq!(t.sandbox.calls().get("leads.get"), 5);
}
