//! What tests may inspect (issued secrets, received criteria, the public criteria parser) and the
//! offline switch (connection refused, then back on the same ports with the same state).

use super::{ALL_SCOPES, TestSandbox, enc};
use crate::{Criteria, parse_criteria};

#[tokio::test]
async fn every_issued_code_and_token_is_listed_even_after_revocation() {
    let t = TestSandbox::start().await;
    let code = t.code_for("advisor", ALL_SCOPES).await;
    let body = t.exchange(&code).await;
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    let refreshed = t.refresh(&refresh).await["access_token"].as_str().unwrap().to_string();
    t.sandbox.revoke_all_tokens_of("advisor");

    let issued = t.sandbox.issued_secrets();
    assert_eq!(issued.codes, vec![code]);
    assert_eq!(issued.access_tokens, vec![access, refreshed]);
    assert_eq!(issued.refresh_tokens, vec![refresh]);
    assert_eq!(issued.all().count(), 4);
}

#[tokio::test]
async fn received_criteria_are_recorded_valid_or_not() {
    let t = TestSandbox::start().await;
    let token = t.login("admin").await;
    for criteria in ["(Last_Name:starts_with:Ver\\))", "(Nope:equals:x)"] {
        t.get(&token, &format!("/crm/v8/Leads/search?criteria={}", enc(criteria))).await;
    }
    t.get(&token, "/crm/v8/Leads/search?email=a%40b.example").await;
    assert_eq!(t.sandbox.received_criteria(), vec!["(Last_Name:starts_with:Ver\\))".to_string(), "(Nope:equals:x)".to_string()]);
    assert_eq!(t.sandbox.last_criteria().as_deref(), Some("(Nope:equals:x)"));
}

#[test]
fn the_public_parser_is_the_search_endpoints_parser() {
    let parsed = parse_criteria("((Company:equals:A\\(B\\)\\,C)and(Last_Name:starts_with: x\\\\ ))").unwrap();
    assert_eq!(
        parsed,
        Criteria::And(vec![
            Criteria::Condition { field: "Company".into(), operator: "equals".into(), values: vec!["A(B),C".into()] },
            Criteria::Condition { field: "Last_Name".into(), operator: "starts_with".into(), values: vec!["x\\".into()] },
        ])
    );
    assert_eq!(parsed.conditions().len(), 2);
    let refused = parse_criteria("(Owner:starts_with:x)").unwrap_err();
    assert_eq!(refused.code, "INVALID_QUERY");
}

#[tokio::test]
async fn offline_refuses_connections_and_online_serves_the_same_state() {
    let t = TestSandbox::start().await;
    let token = t.login("coordinator").await;
    let (api, accounts) = (t.sandbox.api_url(), t.sandbox.accounts_url());
    // A kept-alive connection is closed too.
    assert_eq!(t.get(&token, "/crm/v8/org").await.status, reqwest::StatusCode::OK);

    t.sandbox.go_offline().await;
    for base in [&api, &accounts] {
        let error = t.http.get(format!("{base}/crm/v8/org")).send().await.unwrap_err();
        assert!(error.is_connect(), "{error:?}");
    }

    t.sandbox.go_online().await.unwrap();
    assert_eq!((t.sandbox.api_url(), t.sandbox.accounts_url()), (api, accounts));
    let answer = t.get(&token, "/crm/v8/org").await;
    assert_eq!(answer.status, reqwest::StatusCode::OK, "{}", answer.text);

    // Twice, to show the switch is not one-shot.
    t.sandbox.go_offline().await;
    t.sandbox.go_online().await.unwrap();
    assert_eq!(t.get(&token, "/crm/v8/org").await.status, reqwest::StatusCode::OK);
}
