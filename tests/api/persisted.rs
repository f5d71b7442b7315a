//! Persisted operations (issue 13): Apollo's automatic persisted queries, and the trusted-documents
//! mode that runs only the operations of a manifest (the portal ships one).

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Options, SIGN_IN_DOCUMENTS, TestApp, spawn_app, spawn_app_with};

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs `body` as JSON and returns the status and the answer.
async fn post(app: &TestApp, browser: &crate::helpers::Browser, body: Value) -> (u16, Value) {
    let r = browser.client.post(format!("{}/graphql", app.base)).json(&body).send().await.expect("answer");
    (r.status().as_u16(), r.json().await.expect("JSON"))
}

fn code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn automatic_persisted_queries_learn_a_checked_query_and_serve_it_by_hash() {
    let app = spawn_app().await;
    let browser = app.signed_in("admin").await;
    let query = "query Me { me { user { name } } }";
    let hash = sha256(query);

    // Unknown hash: the message and code Apollo's link look for, so the client resends with the query.
    let (status, answer) = post(&app, &browser, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!((status, code(&answer)), (200, "PERSISTED_QUERY_NOT_FOUND"), "{answer}");
    assert_eq!(answer["errors"][0]["message"], "PersistedQueryNotFound");

    // A hash that is not the query's is refused, and teaches the gateway nothing.
    let wrong = sha256("{ __typename }");
    let (_, answer) = post(&app, &browser, json!({ "query": query, "extensions": persisted(&wrong) })).await;
    assert_eq!(code(&answer), "PERSISTED_QUERY_HASH_MISMATCH", "{answer}");
    let (_, answer) = post(&app, &browser, json!({ "extensions": persisted(&wrong) })).await;
    assert_eq!(code(&answer), "PERSISTED_QUERY_NOT_FOUND", "{answer}");

    // Query and hash: it runs, and from now on the hash alone is enough.
    let (_, answer) = post(&app, &browser, json!({ "query": query, "extensions": persisted(&hash) })).await;
    assert_eq!(answer, json!({ "data": { "me": { "user": { "name": "Priya Sharma" } } } }));
    let (_, answer) = post(&app, &browser, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(answer, json!({ "data": { "me": { "user": { "name": "Priya Sharma" } } } }));

    // GET by hash: allowed with the preflight header (the CSRF rule), refused without it.
    let url = format!("{}/graphql", app.base);
    let params = [("extensions", persisted(&hash).to_string())];
    let r = browser.client.get(&url).query(&params).header("apollo-require-preflight", "1").send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "data": { "me": { "user": { "name": "Priya Sharma" } } } }));
    let r = browser.client.get(&url).query(&params).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "CSRF_ERROR");

    // A persisted mutation is still a mutation: not over GET.
    let logout = "mutation Out { logout }";
    let (_, answer) = post(&app, &app.browser(), json!({ "query": logout, "extensions": persisted(&sha256(logout)) })).await;
    assert!(answer["errors"].is_null(), "{answer}");
    let r = browser
        .client
        .get(&url)
        .query(&[("extensions", persisted(&sha256(logout)).to_string())])
        .header("apollo-require-preflight", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);

    // A malformed reference is a bad request.
    let (status, answer) =
        post(&app, &browser, json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "abc" } } })).await;
    assert_eq!((status, code(&answer)), (400, "BAD_REQUEST"), "{answer}");
}

/// The portal's own manifest (playground/trusted-documents.json), an Apollo-format manifest, and
/// the test browser's sign-in documents.
async fn trusted_app(extra: &[&str]) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sign_in: serde_json::Map<String, Value> = SIGN_IN_DOCUMENTS.iter().map(|d| (sha256(d), json!(d))).collect();
    let sign_in_path = dir.path().join("sign-in.json");
    std::fs::write(&sign_in_path, Value::Object(sign_in).to_string()).expect("write manifest");
    let other = "query Names { me { user { name } } }";
    let apollo = json!({ "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{ "id": sha256(other), "name": "Names", "type": "query", "body": other }] });
    let apollo_path = dir.path().join("apollo.json");
    std::fs::write(&apollo_path, apollo.to_string()).expect("write manifest");
    let portal = concat!(env!("CARGO_MANIFEST_DIR"), "/playground/trusted-documents.json");
    let lists = format!("{portal},{},{}", apollo_path.display(), sign_in_path.display());
    let mut args = vec!["--trusted-documents".to_owned(), lists];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    (spawn_app_with(Options { args, ..Options::default() }).await, dir)
}

/// The portal's operation `name`, as listed in its manifest.
fn portal_operation(name: &str) -> (String, String) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/playground/trusted-documents.json")).unwrap();
    let manifest: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    let marker = format!("query {name}");
    manifest
        .into_iter()
        .find(|(_, doc)| doc.as_str().is_some_and(|d| d.starts_with(&marker)))
        .map(|(hash, doc)| (hash, doc.as_str().unwrap().to_owned()))
        .unwrap_or_else(|| panic!("{name} is in the portal's manifest"))
}

#[tokio::test]
async fn trusted_documents_mode_runs_only_listed_operations() {
    let (app, _dir) = trusted_app(&[]).await;
    let browser = app.signed_in("admin").await;
    let (hash, text) = portal_operation("Me");

    // By documentId (with or without `sha256:`), by APQ hash, or as listed text.
    for body in [
        json!({ "documentId": hash }),
        json!({ "documentId": format!("sha256:{hash}") }),
        json!({ "extensions": persisted(&hash) }),
        json!({ "query": text }),
    ] {
        let (status, answer) = post(&app, &browser, body.clone()).await;
        assert_eq!(status, 200, "{body}: {answer}");
        assert_eq!(answer["data"]["me"]["user"]["name"], "Priya Sharma", "{body}: {answer}");
    }
    // The Apollo-format manifest is read too.
    let (_, answer) = post(&app, &browser, json!({ "documentId": sha256("query Names { me { user { name } } }") })).await;
    assert_eq!(answer["data"]["me"]["user"]["name"], "Priya Sharma", "{answer}");

    // Anything else is refused before it runs: other text, unknown ids, APQ registration, introspection.
    let unlisted = "{ leads(perPage: 1) { nodes { email } } }";
    for body in [
        json!({ "query": unlisted }),
        json!({ "documentId": sha256(unlisted) }),
        json!({ "query": unlisted, "extensions": persisted(&sha256(unlisted)) }),
        json!({ "query": "{ __schema { types { name } } }" }),
    ] {
        let (_, answer) = post(&app, &browser, body.clone()).await;
        assert_eq!(code(&answer), "PERSISTED_QUERY_NOT_IN_LIST", "{body}: {answer}");
        assert!(answer.get("data").is_none_or(Value::is_null), "nothing ran: {answer}");
    }
    // With the stock Accept header of GraphQL clients, the refusal is a 400 (a request error).
    let r = browser
        .client
        .post(format!("{}/graphql", app.base))
        .header(CONTENT_TYPE, "application/json")
        .header("accept", "application/graphql-response+json")
        .body(json!({ "query": unlisted }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn trusted_documents_mode_allows_introspection_only_when_switched_on() {
    let (app, _dir) = trusted_app(&["--introspection", "true"]).await;
    let (_, answer) = post(&app, &app.browser(), json!({ "query": "{ __schema { queryType { name } } }" })).await;
    assert_eq!(answer, json!({ "data": { "__schema": { "queryType": { "name": "Query" } } } }));
    // Introspection mixed with data is not pure introspection: still refused.
    let (_, answer) = post(&app, &app.browser(), json!({ "query": "{ __typename me { expiresAt } }" })).await;
    assert_eq!(code(&answer), "PERSISTED_QUERY_NOT_IN_LIST", "{answer}");
}
