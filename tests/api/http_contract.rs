//! The HTTP surface of `/graphql` (GraphQL over HTTP, CSRF, CORS), the portal and the probes.

use serde_json::json;

use crate::helpers::{Options, spawn_app, spawn_app_with};

#[tokio::test]
async fn queries_work_over_get_with_a_preflight_header_and_mutations_do_not() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", app.base);
    let r = client
        .get(&url)
        .header("apollo-require-preflight", "true")
        .query(&[("query", "{ me { expiresAt } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["data"]["me"], serde_json::Value::Null);

    let r = client.get(&url).query(&[("query", "mutation { logout }")]).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
}

#[tokio::test]
async fn csrf_simple_requests_are_refused_with_csrf_error() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", app.base);
    // What a cross-site form or a no-preflight fetch can send along with the user's cookie.
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let r = client
            .post(&url)
            .header("content-type", ct)
            .body(json!({ "query": "mutation { logout }" }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{ct}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "CSRF_ERROR", "{ct}");
    }
    let r = client.post(&url).body(json!({ "query": "{ me { expiresAt } }" }).to_string()).send().await.unwrap();
    assert_eq!(r.status(), 400, "no content type at all");
    let r = client.get(&url).query(&[("query", "{ me { expiresAt } }")]).send().await.unwrap();
    assert_eq!(r.status(), 400, "a GET without a preflight header");
    // A preflight header lets a simple content type through to the media-type check.
    let r = client
        .post(&url)
        .header("content-type", "text/plain")
        .header("apollo-require-preflight", "1")
        .body(json!({ "query": "{ me { expiresAt } }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = client.post(&url).header("content-type", "application/xml").body("<q/>").send().await.unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test]
async fn accept_is_negotiated_and_request_errors_are_4xx() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let post = |accept: &'static str, query: &'static str| {
        client.post(format!("{}/graphql", app.base)).header("accept", accept).json(&json!({ "query": query })).send()
    };
    let r = post("application/json", "{ me { expiresAt } }").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = post("*/*", "{ me { expiresAt } }").await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let r = post("application/graphql-response+json", "{ me { expiresAt } }").await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/graphql-response+json"));
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
    let r =
        client.post(format!("{}/graphql", app.base)).json(&json!([{ "query": "{ me { expiresAt } }" }])).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let huge = format!("{{\"query\":\"{{ me {{ expiresAt }} }}\",\"variables\":{{\"x\":\"{}\"}}}}", "a".repeat(2 * 1024 * 1024));
    let r =
        client.post(format!("{}/graphql", app.base)).header("content-type", "application/json").body(huge).send().await.unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn cors_answers_only_configured_origins() {
    let app = spawn_app_with(Options {
        args: vec!["--cors-origins".into(), "https://portal.example.edu".into()],
        ..Options::default()
    })
    .await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight("https://portal.example.edu").await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://portal.example.edu");
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let plain = spawn_app().await;
    let r = client
        .post(format!("{}/graphql", plain.base))
        .header("origin", "https://portal.example.edu")
        .json(&json!({ "query": "{ me { expiresAt } }" }))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none(), "no CORS unless configured");
}

#[tokio::test]
async fn health_and_graphiql_are_served() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    assert_eq!(client.get(format!("{}/healthz", app.base)).send().await.unwrap().status(), 200);
    assert_eq!(client.get(format!("{}/readyz", app.base)).send().await.unwrap().status(), 200);
    let page = client.get(format!("{}/playground", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
}

/// A subscription sent as an ordinary request gets one error that says where subscriptions are
/// served (async-graphql alone would run it as a one-shot stream).
#[tokio::test]
async fn a_subscription_over_plain_http_is_refused_with_one_error() {
    let app = spawn_app().await;
    let r = app.browser().graphql("subscription { leadChanged { id } }", json!({})).await;
    let errors = r["errors"].as_array().unwrap_or_else(|| panic!("expected errors: {r}"));
    assert_eq!(errors.len(), 1, "{r}");
    assert_eq!(errors[0]["extensions"]["code"], "BAD_REQUEST", "{r}");
    assert!(errors[0]["message"].as_str().unwrap().contains("WebSocket"), "{r}");
}

#[tokio::test]
async fn unknown_paths_answer_404_with_what_exists() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let r = client.get(format!("{}/nope", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let body = r.text().await.unwrap();
    for path in ["/graphql", "/playground", "/healthz", "/readyz", "GATEWAY_METRICS_BIND"] {
        assert!(body.contains(path), "{path} is named in: {body}");
    }
    assert!(!body.contains("nope"), "the client's path is not echoed: {body}");
    // The portal's files are still served from `/`.
    assert_eq!(client.get(format!("{}/", app.base)).send().await.unwrap().status(), 200);
    assert_eq!(client.get(format!("{}/app.js", app.base)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_portal_and_graphiql_carry_security_headers() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    for path in ["/", "/playground", "/app.js"] {
        let r = client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let h = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let csp = h("content-security-policy");
        let scripts = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or_default().to_owned();
        assert!(!scripts.is_empty() && !scripts.contains("unsafe-inline") && !scripts.contains("unsafe-eval"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "strict-origin-when-cross-origin", "{path}");
    }
}

/// Issue 13, item 3: an answer's keys follow the selection set (GraphQL spec, "Response Format"),
/// signed in or not, with or without errors. The check reads the raw text: a parsed JSON map
/// would forget the order.
#[tokio::test]
async fn answers_keep_the_order_of_the_selection_set() {
    let app = spawn_app().await;
    let query = r#"{ zeta: __typename b: leads(perPage: 1) { nodes { lastName id } } a: leads(perPage: 2) { pageInfo { perPage page } } __type(name: "Lead") { name kind } }"#;
    let raw = |browser: crate::helpers::Browser| async move {
        let r = browser.client.post(format!("{}/graphql", browser.base)).json(&json!({ "query": query })).send().await.unwrap();
        r.text().await.unwrap()
    };
    let order = |text: &str, keys: &[&str]| {
        let at: Vec<usize> =
            keys.iter().map(|k| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} in {text}"))).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "keys {keys:?} in selection order: {text}");
    };
    let signed_in = raw(app.signed_in("admin").await).await;
    order(&signed_in, &["zeta", "b", "a", "__type"]);
    order(&signed_in, &["lastName", "id"]);
    order(&signed_in, &["perPage", "page"]);
    order(&signed_in, &["name", "kind"]);
    // Signed out, the lists fail (errors without a path take another serialisation path).
    let signed_out = raw(app.browser()).await;
    assert!(signed_out.contains("UNAUTHENTICATED"), "{signed_out}");
    order(&signed_out, &["zeta", "__type"]);
    order(&signed_out, &["name", "kind"]);
}
