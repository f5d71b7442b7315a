//! Query limits: depth, complexity, aliases and lead lookups; introspection keeps working and
//! can be switched off.

use serde_json::json;

use crate::helpers::{Options, error_code, spawn_app, spawn_app_with};

/// GraphiQL's introspection query (graphql-js `getIntrospectionQuery()`), deep by nature.
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}"#;

#[tokio::test]
async fn graphiqls_introspection_query_works_under_tight_limits() {
    let app = spawn_app_with(Options {
        args: vec!["--max-depth".into(), "5".into(), "--max-complexity".into(), "100".into()],
        ..Options::default()
    })
    .await;
    let r = app.browser().graphql(INTROSPECTION, json!({})).await;
    let types = r["data"]["__schema"]["types"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert!(types.iter().any(|t| t["name"] == "Lead"));
}

#[tokio::test]
async fn deep_complex_and_alias_heavy_queries_are_refused_before_reaching_zoho() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    app.sandbox.reset_calls();

    let too_many_pages = (0..5).map(|i| format!("p{i}: leads(page: {}, perPage: 200) {{ nodes {{ id firstName lastName email phone company course owner {{ id name email }} }} }}", i + 1)).collect::<Vec<_>>().join(" ");
    let r = admin.graphql(&format!("{{ {too_many_pages} }}"), json!({})).await;
    assert_eq!(error_code(&r), "QUERY_TOO_COMPLEX", "{r}");

    let aliases = (0..300).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" ");
    let r = admin.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_code(&r), "QUERY_TOO_COMPLEX", "{r}");

    let lookups = (0..201).map(|i| format!("l{i}: lead(id: \"{}\") {{ id }}", 1000 + i)).collect::<Vec<_>>().join(" ");
    let r = admin.graphql(&format!("{{ {lookups} }}"), json!({})).await;
    assert_eq!(error_code(&r), "QUERY_TOO_COMPLEX", "{r}");
    // Through a fragment spread many times, too.
    let frag = (0..50).map(|i| format!("l{i}: lead(id: \"{}\") {{ id }}", 1000 + i)).collect::<Vec<_>>().join(" ");
    let r = admin.graphql(&format!("{{ ...F ...F ...F ...F ...F }} fragment F on Query {{ {frag} }}"), json!({})).await;
    assert_eq!(error_code(&r), "QUERY_TOO_COMPLEX", "{r}");

    assert_eq!(app.sandbox.calls().api_total(), 0, "refused queries never reach Zoho");

    // The portal's real pages stay well inside the limits.
    let r = admin.graphql("{ leads(perPage: 200) { nodes { id firstName lastName email phone company course owner { id name email } modifiedTime } pageInfo { hasMore } } }", json!({})).await;
    assert!(r["data"]["leads"]["nodes"].is_array(), "{r}");
}

#[tokio::test]
async fn a_too_deep_query_is_refused() {
    let app = spawn_app_with(Options { args: vec!["--max-depth".into(), "3".into()], ..Options::default() }).await;
    let r = app.browser().graphql("{ leads { nodes { owner { name } } } }", json!({})).await;
    assert_eq!(error_code(&r), "QUERY_TOO_COMPLEX", "{r}");
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let app = spawn_app_with(Options { args: vec!["--introspection".into(), "false".into()], ..Options::default() }).await;
    let r = app.browser().graphql(INTROSPECTION, json!({})).await;
    assert!(r["data"]["__schema"].is_null(), "{r}");
    let r = app.browser().graphql("{ __type(name: \"Lead\") { name } }", json!({})).await;
    assert!(r["data"]["__type"].is_null(), "{r}");
    // Ordinary queries still run.
    let r = app.browser().graphql("{ me { expiresAt } }", json!({})).await;
    assert_eq!(r["data"]["me"], serde_json::Value::Null);
}

#[tokio::test]
async fn parse_and_validation_errors_carry_codes() {
    let app = spawn_app().await;
    let r = app.browser().graphql("{ leads(", json!({})).await;
    assert_eq!(error_code(&r), "GRAPHQL_PARSE_FAILED", "{r}");
    let r = app.browser().graphql("{ nope }", json!({})).await;
    assert_eq!(error_code(&r), "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert!(!r["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "no suggestions: {r}");
}
