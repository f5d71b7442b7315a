//! Users, org, fields and modules metadata.

use reqwest::StatusCode;

use super::TestSandbox;

#[tokio::test]
async fn current_user_and_all_users() {
    let t = TestSandbox::start().await;
    let token = t.login("coordinator").await;
    let me = t.get(&token, "/crm/v8/users?type=CurrentUser").await;
    assert_eq!(me.status, StatusCode::OK);
    let users = me.json()["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 1);
    let user = &users[0];
    assert_eq!(user["email"], "daniel.okafor@zylker-academy.example");
    assert_eq!(user["full_name"], "Daniel Okafor");
    assert_eq!(user["profile"]["name"], "Standard");
    assert_eq!(user["role"]["name"], "Course Coordinator");
    assert_eq!(user["id"], t.user_id("coordinator").as_str());
    assert_eq!(user["status"], "active");
    assert_eq!(me.json()["info"]["count"], 1);
    let all = t.get(&token, "/crm/v8/users").await;
    // The three users of the primary data centre and eu_advisor (§1.9: the sandbox's eu user).
    assert_eq!(all.json()["users"].as_array().map(Vec::len), Some(4));
    let admins = t.get(&token, "/crm/v8/users?type=AdminUsers").await;
    assert_eq!(admins.json()["users"][0]["email"], "priya.sharma@zylker-academy.example");
    assert_eq!(t.get(&token, "/crm/v8/users?type=Bogus").await.code(), "INVALID_DATA");
    assert_eq!(t.get(&token, "/crm/v8/users?type=DeletedUsers").await.status, StatusCode::NO_CONTENT);
    assert_eq!(t.sandbox.calls().get("users"), 5);
}

#[tokio::test]
async fn org_is_an_array_with_zgid() {
    let t = TestSandbox::start().await;
    let token = t.login("advisor").await;
    let org = t.get(&token, "/crm/v8/org").await;
    assert_eq!(org.status, StatusCode::OK);
    let org = &org.json()["org"][0];
    assert_eq!(org["company_name"], "Zylker Academy");
    assert_eq!(org["type"], "production");
    assert_eq!(org["time_zone"], "Asia/Kolkata");
    assert!(org["zgid"].as_str().is_some_and(|z| z.bytes().all(|b| b.is_ascii_digit())));
    assert!(org["id"].as_str().is_some_and(|z| z.len() == 19));
}

#[tokio::test]
async fn fields_metadata_includes_the_custom_course_field() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    let answer = t.get(&token, "/crm/v8/settings/fields?module=Leads").await;
    assert_eq!(answer.status, StatusCode::OK);
    let fields = answer.json()["fields"].as_array().cloned().unwrap_or_default();
    let find = |name: &str| fields.iter().find(|f| f["api_name"] == name).cloned().unwrap_or_default();
    let course = find("Course");
    assert_eq!((course["custom_field"].as_bool(), course["data_type"].as_str()), (Some(true), Some("picklist")));
    assert!(course["pick_list_values"].as_array().is_some_and(|v| v.iter().any(|p| p["actual_value"] == "Web Design")));
    let last = find("Last_Name");
    assert_eq!((last["system_mandatory"].as_bool(), last["length"].as_u64()), (Some(true), Some(80)));
    assert_eq!(find("Email")["data_type"], "email");
    assert_eq!(find("Full_Name")["read_only"], true);
    let status = find("Lead_Status");
    assert!(status["pick_list_values"].as_array().is_some_and(|v| v.iter().any(|p| p["display_value"] == "Contacted")));
    for field in &fields {
        for key in [
            "api_name",
            "field_label",
            "display_label",
            "data_type",
            "json_type",
            "length",
            "system_mandatory",
            "read_only",
            "custom_field",
            "id",
            "visible",
        ] {
            assert!(field.get(key).is_some(), "{key} in {field}");
        }
    }
    assert_eq!(t.get(&token, "/crm/v8/settings/fields?module=Accounts").await.code(), "INVALID_MODULE");
    assert_eq!(t.get(&token, "/crm/v8/settings/fields").await.code(), "REQUIRED_PARAM_MISSING");
    let modules = t.get(&token, "/crm/v8/settings/modules").await;
    assert_eq!(modules.json()["modules"][1]["api_name"], "Leads");
    assert_eq!(modules.json()["modules"][1]["api_supported"], true);
    assert_eq!((t.sandbox.calls().get("fields"), t.sandbox.calls().get("modules")), (3, 1));
}

#[tokio::test]
async fn describe_names_urls_users_and_client() {
    let t = TestSandbox::start().await;
    let text = t.sandbox.describe();
    assert!(text.contains(&t.sandbox.accounts_url()) && text.contains(&t.sandbox.api_url()));
    assert!(text.contains("1000.SANDBOXCLIENTID"));
    for user in t.sandbox.users() {
        assert!(text.contains(&user.email) && text.contains(&user.profile));
    }
    assert_eq!(t.sandbox.users()[0].key, "admin");
}
