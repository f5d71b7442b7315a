//! The API listener's gatekeeping: the `Zoho-oauthtoken` header, scopes per endpoint, unknown paths,
//! methods and modules.

use reqwest::StatusCode;
use serde_json::Value;

use super::{ALL_SCOPES, TestSandbox};

#[tokio::test]
async fn authentication_header_and_tokens_are_checked() {
    let t = TestSandbox::start().await;
    let none = t.call(reqwest::Method::GET, None, "/crm/v8/org", None).await;
    assert_eq!((none.status, none.code()), (StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILURE"));
    let bearer =
        t.http.get(format!("{}/crm/v8/org", t.sandbox.api_url())).bearer_auth(t.login("admin").await).send().await.expect("call");
    let bearer = super::answer(bearer).await;
    assert_eq!(bearer.code(), "AUTHENTICATION_FAILURE", "Zoho wants Zoho-oauthtoken, not Bearer");
    let unknown = t.get("1000.abc.def", "/crm/v8/org").await;
    assert_eq!(
        unknown.json(),
        &serde_json::json!({"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"})
    );
}

#[tokio::test]
async fn scopes_are_enforced_per_endpoint() {
    let t = TestSandbox::start().await;
    let org_only = t.login_with("admin", "ZohoCRM.org.READ").await.access;
    assert_eq!(t.get(&org_only, "/crm/v8/org").await.status, StatusCode::OK);
    let mismatch = t.get(&org_only, "/crm/v8/Leads?fields=Last_Name").await;
    assert_eq!((mismatch.status, mismatch.code()), (StatusCode::UNAUTHORIZED, "OAUTH_SCOPE_MISMATCH"));
    assert_eq!(t.get(&org_only, "/crm/v8/users?type=CurrentUser").await.code(), "OAUTH_SCOPE_MISMATCH");

    let read_only = t.login_with("admin", "zohocrm.modules.LEADS.read,ZohoCRM.settings.fields.READ").await.access;
    assert_eq!(t.get(&read_only, "/crm/v8/Leads?fields=Last_Name&per_page=1").await.status, StatusCode::OK);
    assert_eq!(t.get(&read_only, "/crm/v8/settings/fields?module=Leads").await.status, StatusCode::OK);
    assert_eq!(t.get(&read_only, "/crm/v8/settings/modules").await.code(), "OAUTH_SCOPE_MISMATCH");
    let create = t.post(&read_only, "/crm/v8/Leads", &serde_json::json!({"data":[{"Last_Name":"X"}]})).await;
    assert_eq!(create.code(), "OAUTH_SCOPE_MISMATCH");
    assert_eq!(
        t.get(&read_only, "/crm/v8/Leads/search?word=Patel").await.code(),
        "OAUTH_SCOPE_MISMATCH",
        "search needs ZohoSearch.securesearch"
    );

    let writer = t.login_with("admin", "ZohoCRM.modules.leads.CREATE").await.access;
    assert_eq!(
        t.post(&writer, "/crm/v8/Leads", &serde_json::json!({"data":[{"Last_Name":"X"}]})).await.status,
        StatusCode::CREATED
    );
    assert_eq!(t.delete(&writer, "/crm/v8/Leads?ids=1").await.code(), "OAUTH_SCOPE_MISMATCH");
    let full = t.login_with("admin", ALL_SCOPES).await.access;
    assert_eq!(t.get(&full, "/crm/v8/Leads/search?word=Patel").await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_methods_and_modules() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    let unknown = t.get(&token, "/crm/v8/nothing/here/at/all").await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "INVALID_URL_PATTERN"));
    assert_eq!(t.get(&token, "/crm/v7/Leads?fields=Last_Name").await.code(), "INVALID_URL_PATTERN");
    let method = t.call(reqwest::Method::PATCH, Some(&token), "/crm/v8/Leads", None).await;
    assert_eq!((method.status, method.code()), (StatusCode::BAD_REQUEST, "INVALID_REQUEST_METHOD"));
    assert_eq!(t.post(&token, "/crm/v8/org", &Value::Null).await.code(), "INVALID_REQUEST_METHOD");
    let module = t.get(&token, "/crm/v8/Accounts?fields=Last_Name").await;
    assert_eq!((module.status, module.code()), (StatusCode::BAD_REQUEST, "INVALID_MODULE"));
    assert_eq!(t.sandbox.calls().get("api.other"), 5);
}
