//! Issue 12: a page's records are written straight into the answer when the selection reads only
//! what they hold (`graphql::nodes`), and by the executor otherwise. Whichever path a page takes,
//! its records read the same, value for value and key for key, as the same records fetched by id
//! (`lead(id:)`, which the executor always resolves field by field).

use async_graphql::Value as Gql;
use serde_json::json;

use crate::helpers::{Browser, Options, spawn_app, spawn_app_with};

/// Every Lead field, aliases, `__typename` at both levels, and a key selected twice through a fragment.
const EVERY_FIELD: &str = "fragment F on Lead {
  __typename id owner { __typename id name email } firstName lastName fullName email phone mobile company course
  leadSource leadStatus city country description emailOptOut batch preferredStartDate scholarship quotedFee
  languages createdBy { name } modifiedBy { id who: name } createdTime modifiedTime
  again: email
  ...Twice
}
fragment Twice on Lead { id email }";

/// GraphQL's answer with its key order (async-graphql's `Value` keeps it; its text shows it).
async fn answer(browser: &Browser, query: &str) -> Gql {
    let response = browser
        .client
        .post(format!("{}/graphql", browser.base))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("gateway answers");
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON answer ({e}): {text}"))
}

fn at<'a>(v: &'a Gql, path: &[&str]) -> &'a Gql {
    path.iter().fold(v, |v, key| match v {
        Gql::Object(map) => map.get(*key).unwrap_or_else(|| panic!("no {key} in {v}")),
        _ => panic!("{v} is not an object (looking for {key})"),
    })
}

fn list(v: &Gql) -> &[Gql] {
    match v {
        Gql::List(items) => items,
        other => panic!("not a list: {other}"),
    }
}

/// Checks each node of `page` against the same record read by id with the same selection.
async fn same_as_by_id(browser: &Browser, root: &str, single: &str, nodes: &[Gql], selection: &str, fragments: &str) {
    assert!(!nodes.is_empty(), "an empty page proves nothing");
    let ids: Vec<String> = nodes.iter().map(|n| at(n, &["id"]).to_string()).collect();
    let by_id: String = ids.iter().enumerate().map(|(i, id)| format!("r{i}: {single}(id: {id}) {selection} ")).collect();
    let r = answer(browser, &format!("{{ {by_id} }} {fragments}")).await;
    assert!(!matches!(at(&r, &["data"]), Gql::Null), "{r}");
    for (i, node) in nodes.iter().enumerate() {
        let one = at(&r, &["data", &format!("r{i}")]);
        // The text shows values and key order; `==` on objects would ignore the order.
        assert_eq!(node.to_string(), one.to_string(), "{root} node {i} differs from {single}(id: {})", ids[i]);
    }
}

#[tokio::test]
async fn a_page_written_directly_reads_as_the_executor_resolves_it() {
    let app = spawn_app().await;
    let browser = app.signed_in("admin").await;
    let page = answer(&browser, &format!("{{ leads(perPage: 40) {{ nodes {{ ...F }} }} }} {EVERY_FIELD}")).await;
    let nodes = list(at(&page, &["data", "leads", "nodes"]));
    assert!(nodes.len() >= 10, "{page}");
    let text = nodes[0].to_string();
    // Selection order, the duplicate key once, aliases where they were asked.
    assert!(text.starts_with("{__typename: \"Lead\", id: \""), "{text}");
    assert!(text.contains("modifiedBy: {id: \"") && text.contains("\", who: \""), "{text}");
    assert!(text.contains(", again: "), "{text}");
    assert_eq!(text.matches(" email: ").count(), 2, "the lead's and the owner's email once each: {text}");
    same_as_by_id(&browser, "leads", "lead", nodes, "{ ...F }", EVERY_FIELD).await;

    // A search's page takes the same path.
    let last_name = at(&nodes[0], &["lastName"]).to_string();
    let found =
        answer(&browser, &format!("{{ searchLeads(by: {{ lastName: {last_name} }}) {{ nodes {{ ...F }} }} }} {EVERY_FIELD}"))
            .await;
    assert!(!matches!(at(&found, &["data"]), Gql::Null), "{found}");
    let nodes = list(at(&found, &["data", "searchLeads", "nodes"]));
    same_as_by_id(&browser, "searchLeads", "lead", nodes, "{ ...F }", EVERY_FIELD).await;

    // A filtered page (COQL, whose user columns are folded into objects) too.
    let filtered = answer(
        &browser,
        &format!("{{ leads(perPage: 30, where: {{ lastName: {{ isNull: false }} }}) {{ nodes {{ ...F }} }} }} {EVERY_FIELD}"),
    )
    .await;
    assert!(!matches!(at(&filtered, &["data"]), Gql::Null), "{filtered}");
    let nodes = list(at(&filtered, &["data", "leads", "nodes"]));
    same_as_by_id(&browser, "leads(where:)", "lead", nodes, "{ ...F }", EVERY_FIELD).await;
}

#[tokio::test]
async fn selections_the_direct_path_leaves_to_the_executor_read_the_same() {
    let app =
        spawn_app_with(Options { args: vec!["--modules".into(), "Leads,Contacts,Deals".into()], ..Options::default() }).await;
    let browser = app.signed_in("admin").await;
    // An exposed lookup (the contact, batched through the DataLoader) beside a reference to a
    // module that is not exposed (the course, read from the record), and an object selected
    // twice under one key, which needs merging.
    let selection = "{ id dealName amount contactName { id fullName email } course { __typename id name } \
                     owner { id } owner { name } }";
    let page = answer(&browser, &format!("{{ deals(perPage: 30) {{ nodes {selection} }} }}")).await;
    let nodes = list(at(&page, &["data", "deals", "nodes"]));
    assert!(nodes.iter().any(|n| matches!(at(n, &["contactName"]), Gql::Object(_))), "{page}");
    assert!(nodes.iter().any(|n| matches!(at(n, &["course"]), Gql::Object(_))), "{page}");
    assert!(nodes[0].to_string().contains("owner: {id: \""), "merged owner: {}", nodes[0]);
    same_as_by_id(&browser, "deals", "deal", nodes, selection, "").await;

    // Without the exposed lookup and the merged key the same page is written directly.
    let selection = "{ id dealName amount course { __typename id name } owner { id name } }";
    let page = answer(&browser, &format!("{{ deals(perPage: 30) {{ nodes {selection} }} }}")).await;
    let nodes = list(at(&page, &["data", "deals", "nodes"]));
    same_as_by_id(&browser, "deals", "deal", nodes, selection, "").await;

    // Two `nodes` under aliases: the page is read into maps, and each is written from them.
    let page = answer(&browser, "{ deals(perPage: 30) { a: nodes { id dealName } b: nodes { id owner { name } } } }").await;
    for (key, selection) in [("a", "{ id dealName }"), ("b", "{ id owner { name } }")] {
        let nodes = list(at(&page, &["data", "deals", key]));
        same_as_by_id(&browser, "deals", "deal", nodes, selection, "").await;
    }
}
