//! The HTTP surface of `/graphql`, the portal and the probes.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn queries_work_over_get_and_mutations_do_not() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ me { expiresAt } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["data"]["me"],
        serde_json::Value::Null
    );

    let r = client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "mutation { logout }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
}

#[tokio::test]
async fn only_json_bodies_are_executed() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = client
            .post(format!("{}/graphql", app.base))
            .header("content-type", ct)
            .body(json!({ "query": "mutation { logout }" }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{ct}");
    }
}

#[tokio::test]
async fn accept_is_negotiated_and_request_errors_are_4xx() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let post = |accept: &'static str, query: &'static str| {
        client
            .post(format!("{}/graphql", app.base))
            .header("accept", accept)
            .json(&json!({ "query": query }))
            .send()
    };
    let r = post("application/json", "{ me { expiresAt } }").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = post("application/graphql-response+json", "{ me { expiresAt } }")
        .await
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let r = post("text/html", "{ me { expiresAt } }").await.unwrap();
    assert_eq!(r.status(), 406);
    let r = post("application/graphql-response+json", "{ nope }").await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body.get("data").is_none() && body["errors"].is_array());
    let r = post("application/json", "{ nope }").await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn batches_and_huge_bodies_are_refused() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/graphql", app.base))
        .json(&json!([{ "query": "{ me { expiresAt } }" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let huge = format!(
        "{{\"query\":\"{{ me {{ expiresAt }} }}\",\"variables\":{{\"x\":\"{}\"}}}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let r = client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn health_and_graphiql_are_served() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    assert_eq!(
        client.get(format!("{}/healthz", app.base)).send().await.unwrap().status(),
        200
    );
    assert_eq!(client.get(format!("{}/readyz", app.base)).send().await.unwrap().status(), 200);
    let page = client.get(format!("{}/playground", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
}
