//! The sandbox must never panic on bad input: generated criteria for the parser, and hostile
//! requests over HTTP that must all get a Zoho-shaped answer (never a 500 or a dropped connection).

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{TestSandbox, enc};
use crate::parse_criteria;

#[test]
fn the_criteria_parser_survives_generated_garbage() {
    let pieces = [
        "(",
        ")",
        "\\",
        ",",
        ":",
        "and",
        "or",
        " ",
        "Last_Name",
        "Created_Time",
        "equals",
        "in",
        "between",
        "starts_with",
        "x",
        "2025-09-01T00:00:00+05:30",
        "é",
        "\\\\",
        "Owner",
        "AND",
    ];
    let mut state: u64 = 0x1234_5678;
    for _ in 0..20_000 {
        let mut text = String::new();
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let len = (state >> 59) as usize + 1;
        for _ in 0..len {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
        }
        let _ = parse_criteria(&text);
    }
}

#[tokio::test]
async fn hostile_api_requests_get_zoho_shaped_answers() {
    let t = TestSandbox::start().await;
    let token = t.login("coordinator").await;
    let paths = [
        "/crm/v8/Leads?fields=%ZZ%&per_page=%FF",
        "/crm/v8/Leads?fields=Last_Name&page=99999999999999999999999",
        "/crm/v8/Leads?fields=Last_Name&per_page=-1&page=-1",
        "/crm/v8/Leads?fields=,,,",
        "/crm/v8/Leads?ids=,,,",
        "/crm/v8/Leads?ids=99999999999999999999999",
        "/crm/v8/Leads/99999999999999999999999",
        "/crm/v8/Leads/%00",
        "/crm/v8/Leads/search?criteria=%28%28%28%28",
        "/crm/v8/Leads/search?criteria=(Last_Name:in:",
        "/crm/v8/Leads/search?phone=abc",
        "/crm/v8/Leads/search?word=%E2%98%83%E2%98%83&page=0",
        "/crm/v8/Leads/search?email=&word=",
        "/crm/v8/users?type=",
        "/crm/v8/settings/fields?module=",
        "/crm/v8//Leads",
        "/crm/v8/Leads/1/2/3",
        "/",
    ];
    for path in paths {
        let answer = t.get(&token, path).await;
        assert!(answer.status.is_success() || answer.status.is_client_error(), "{path}: {}", answer.status);
        if answer.status != StatusCode::NO_CONTENT {
            assert!(answer.body.is_some(), "{path}: JSON body, got {:?}", answer.text);
        }
    }
    let criteria = enc(&"(".repeat(5000));
    let deep = t.get(&token, &format!("/crm/v8/Leads/search?criteria={criteria}")).await;
    assert_eq!(deep.code(), "INVALID_QUERY");

    let bodies = [
        json!(null),
        json!([1, 2, 3]),
        json!({ "data": [null, 1, "x", [], {}] }),
        json!({ "data": [{ "Last_Name": { "nested": [1, 2] }, "Email": 5, "Email_Opt_Out": "yes" }] }),
        json!({ "data": [{ "Last_Name": "x".repeat(100_000) }] }),
        json!({ "data": [{ "id": { "a": 1 }, "Last_Name": "y" }] }),
        json!({ "data": [{ "Last_Name": "Z" }], "trigger": "workflow" }),
        json!({ "data": [{ "Last_Name": "Z", "Email": "a@b.example" }], "duplicate_check_fields": "Email" }),
    ];
    for body in &bodies {
        for (method, path) in [
            (Method::POST, "/crm/v8/Leads"),
            (Method::PUT, "/crm/v8/Leads"),
            (Method::PUT, "/crm/v8/Leads/6180428000000700001"),
            (Method::POST, "/crm/v8/Leads/upsert"),
        ] {
            let answer = t.call(method.clone(), Some(&token), path, Some(body)).await;
            assert!(
                matches!(answer.status.as_u16(), 200 | 201 | 207 | 400 | 403),
                "{method} {path} {body}: {} {}",
                answer.status,
                answer.text
            );
            assert!(answer.body.is_some(), "{method} {path}: JSON body");
        }
    }

    let raw = t
        .http
        .post(format!("{}/crm/v8/Leads", t.sandbox.api_url()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .body(vec![0xff, 0xfe, 0x00, 0x7b])
        .send()
        .await
        .expect("binary body");
    assert_eq!(super::answer(raw).await.code(), "INVALID_DATA");
    let bad_header = t
        .http
        .get(format!("{}/crm/v8/org", t.sandbox.api_url()))
        .header("Authorization", reqwest::header::HeaderValue::from_bytes(b"Zoho-oauthtoken \xff\xfe").expect("header"))
        .send()
        .await
        .expect("request");
    assert_eq!(super::answer(bad_header).await.code(), "AUTHENTICATION_FAILURE");
    assert_eq!(t.get("", "/crm/v8/org").await.code(), "AUTHENTICATION_FAILURE");
}

#[tokio::test]
async fn hostile_accounts_requests_get_answers() {
    let t = TestSandbox::start().await;
    let accounts = t.sandbox.accounts_url();
    let raw = t.http.post(t.sandbox.token_url()).body(vec![0xff, 0x00, 0x26, 0x3d]).send().await.expect("token");
    assert_eq!(raw.status(), StatusCode::OK);
    assert!(raw.json::<serde_json::Value>().await.expect("json")["error"].is_string());
    for query in ["", "?client_id=%ZZ", "?sandbox_user=%00&client_id=x", "?redirect_uri=::::&client_id=1000.SANDBOXCLIENTID"] {
        let response = t.http.get(format!("{accounts}/oauth/v2/auth{query}")).send().await.expect("auth");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    let revoke = t.http.post(format!("{accounts}/oauth/v2/token/revoke")).send().await.expect("revoke");
    assert_eq!(revoke.status(), StatusCode::BAD_REQUEST);
    let get_token = t.http.get(t.sandbox.token_url()).send().await.expect("get");
    assert_eq!(get_token.status(), StatusCode::METHOD_NOT_ALLOWED);
    // An unparsable redirect URI that was registered is refused with a page, not a panic.
    t.sandbox.register_redirect_uri("not a url");
    let response = t
        .http
        .get(format!("{accounts}/oauth/v2/auth"))
        .query(&[
            ("client_id", t.sandbox.client_id()),
            ("redirect_uri", "not a url"),
            ("response_type", "code"),
            ("scope", "ZohoCRM.org.READ"),
            ("sandbox_user", "admin"),
        ])
        .send()
        .await
        .expect("auth");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
