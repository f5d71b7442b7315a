//! COQL refusals over HTTP (every error of the endpoint, with Zoho's codes and details), scopes,
//! and the public parser: the AST it builds and its robustness on generated garbage.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestSandbox;
use super::coql::{coql, coql_scopes};
use crate::{CoqlError, CoqlExpr, CoqlQuery, CoqlValue, parse_coql};

#[tokio::test]
async fn every_refusal_has_zohos_code_and_details() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let many = |n: usize, f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<String>>().join(", ");
    // 26 conditions, bracketed pairwise: (((c0 or c1) or c2) … ).
    let nested = (1..26).fold("City = 'c0'".to_string(), |acc, i| format!("({acc} or City = 'c{i}')"));
    let cases: Vec<(String, &str, Value)> = vec![
        (
            format!("select {} from Leads where id is not null", many(51, &|i| format!("F{i}"))),
            "LIMIT_EXCEEDED",
            json!({ "clause": "select", "limit": 50 }),
        ),
        (
            "select Last_Name, Last_Name from Leads where id is not null".into(),
            "DUPLICATE_DATA",
            json!({ "column_name": "Last_Name" }),
        ),
        ("select Nope from Leads where id is not null".into(), "INVALID_QUERY", json!({ "column_name": "Nope" })),
        ("select last_name from Leads where id is not null".into(), "INVALID_QUERY", json!({ "column_name": "last_name" })),
        ("select Last_Name from Leads where Nope = 'x'".into(), "INVALID_QUERY", json!({ "column_name": "Nope" })),
        (
            "select Last_Name from Leads where id is not null order by Nope".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Nope" }),
        ),
        (
            "select Owner.nickname from Leads where id is not null".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Owner.nickname" }),
        ),
        (
            "select Contact_Name.Nope from Deals where id is not null".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Contact_Name.Nope" }),
        ),
        ("select City.Name from Leads where id is not null".into(), "INVALID_QUERY", json!({ "column_name": "City.Name" })),
        ("select Last_Name from Nopes where id is not null".into(), "INVALID_MODULE", json!({})),
        ("select Last_Name from leads where id is not null".into(), "INVALID_MODULE", json!({})),
        (
            "select Last_Name from Leads where City = 'A' and City = 'B' and City = 'C'".into(),
            "SYNTAX_ERROR",
            json!({ "line": 1, "column": 61, "near": "and" }),
        ),
        (format!("select Last_Name from Leads where {nested}"), "LIMIT_EXCEEDED", json!({ "clause": "where", "limit": 25 })),
        (
            format!("select Last_Name from Leads where City in ({})", many(51, &|i| format!("'c{i}'"))),
            "LIMIT_EXCEEDED",
            json!({ "clause": "in", "limit": 50 }),
        ),
        ("select Last_Name from Leads where City = 'Pune".into(), "SYNTAX_ERROR", json!({ "near": "'Pune" })),
        (
            "select Last_Name from Leads\nwhere City = 'Pune' garbage".into(),
            "SYNTAX_ERROR",
            json!({ "line": 2, "column": 21, "near": "garbage" }),
        ),
        ("select Last_Name from Leads where City = #".into(), "SYNTAX_ERROR", json!({ "line": 1, "column": 42, "near": "#" })),
        (
            "select Last_Name from Leads where City = null".into(),
            "SYNTAX_ERROR",
            json!({ "line": 1, "column": 42, "near": "null" }),
        ),
        ("select Last_Name from Leads where City <> 'x'".into(), "SYNTAX_ERROR", json!({ "operator": "<>" })),
        ("select Last_Name from Leads where not City = 'x'".into(), "SYNTAX_ERROR", json!({ "operator": "not" })),
        ("select Last_Name Leads".into(), "SYNTAX_ERROR", json!({ "line": 1, "column": 18, "near": "Leads" })),
        ("select Last_Name".into(), "SYNTAX_ERROR", json!({ "clause": "from" })),
        ("select Last_Name from Leads".into(), "SYNTAX_ERROR", json!({ "clause": "where" })),
        ("select Last_Name from Leads order by City".into(), "SYNTAX_ERROR", json!({ "clause": "where" })),
        ("select Last_Name from Leads where".into(), "SYNTAX_ERROR", json!({ "near": "where" })),
        ("select Last_Name from Leads where id is not null group by City".into(), "SYNTAX_ERROR", json!({})),
        ("select Last_Name as n from Leads where id is not null".into(), "SYNTAX_ERROR", json!({})),
        ("select SUM(Quoted_Fee) from Leads where id is not null".into(), "SYNTAX_ERROR", json!({})),
        ("select Contact_Name.Owner.email from Deals where id is not null".into(), "SYNTAX_ERROR", json!({})),
        (
            "select Shout(Last_Name) from Leads where id is not null".into(),
            "INVALID_DATA",
            json!({ "reason": "unsupported aggregate function", "column": "Shout(Last_Name)" }),
        ),
        (
            "select Seats from Courses where Seats = 'abc'".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Seats", "value": "abc" }),
        ),
        (
            "select Seats from Courses where Seats = true".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Seats", "value": "true" }),
        ),
        (
            "select Name from Courses where Start_Date = '2026-13-01'".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Start_Date", "value": "2026-13-01" }),
        ),
        (
            "select Last_Name from Leads where Created_Time > '2025-09-01'".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Created_Time", "value": "2025-09-01" }),
        ),
        (
            "select Name from Courses where Online = 'yes'".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Online", "value": "yes" }),
        ),
        (
            "select Last_Name from Leads where Owner = 'Priya'".into(),
            "INVALID_QUERY",
            json!({ "column_name": "Owner", "value": "Priya" }),
        ),
        (
            "select Last_Name from Leads where Last_Name < 'M'".into(),
            "INVALID_QUERY",
            json!({ "reason": "invalid operator found", "column_name": "Last_Name", "operator": "<" }),
        ),
        (
            "select Name from Courses where Seats like '2%'".into(),
            "INVALID_QUERY",
            json!({ "reason": "invalid operator found", "column_name": "Seats", "operator": "like" }),
        ),
        (
            "select Name from Courses where Online is null".into(),
            "INVALID_QUERY",
            json!({ "reason": "invalid operator found", "column_name": "Online", "operator": "is null" }),
        ),
        (
            "select Deal_Name from Deals where Contact_Name between '1' and '2'".into(),
            "INVALID_QUERY",
            json!({ "reason": "invalid operator found", "column_name": "Contact_Name", "operator": "between" }),
        ),
        (
            format!("select Last_Name from Leads where id is not null order by {}", many(11, &|i| format!("F{i}"))),
            "LIMIT_EXCEEDED",
            json!({ "clause": "order by", "limit": 10 }),
        ),
        (
            "select Last_Name from Leads where id is not null order by City, City desc".into(),
            "DUPLICATE_DATA",
            json!({ "column_name": "City" }),
        ),
        (
            "select Last_Name from Leads where id is not null limit 2001".into(),
            "LIMIT_EXCEEDED",
            json!({ "clause": "limit", "limit": 2000 }),
        ),
        (
            "select Last_Name from Leads where id is not null limit 99999999999999999999999".into(),
            "LIMIT_EXCEEDED",
            json!({ "clause": "limit", "limit": 2000 }),
        ),
        (
            "select Last_Name from Leads where id is not null limit 2000 offset 98001".into(),
            "LIMIT_EXCEEDED",
            json!({ "clause": "offset", "limit": 100000 }),
        ),
        ("select Last_Name from Leads where id is not null limit 0".into(), "INVALID_DATA", json!({})),
        ("select Last_Name from Leads where id is not null limit -5".into(), "INVALID_DATA", json!({})),
        ("select Last_Name from Leads where id is not null limit 'x'".into(), "INVALID_QUERY", json!({ "limit": "'x'" })),
        ("select Last_Name from Leads where id is not null limit 2.5".into(), "INVALID_QUERY", json!({ "limit": "2.5" })),
        ("select Last_Name from Leads where id is not null limit 5 offset -1".into(), "INVALID_QUERY", json!({ "offset": "-1" })),
    ];
    for (query, code, details) in cases {
        let answer = coql(&t, &admin, &query).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::BAD_REQUEST, code), "{query}: {}", answer.text);
        assert_eq!(answer.json()["details"], details, "{query}");
        assert_eq!(answer.json()["status"], "error");
    }
    let zero = coql(&t, &admin, "select Last_Name from Leads where id is not null limit 0").await;
    assert_eq!(zero.json()["message"], "limit should be greater than 0");
    let column = coql(&t, &admin, "select Nope from Leads where id is not null").await;
    assert_eq!(column.json()["message"], "column given seems to be invalid");
    let value = coql(&t, &admin, "select Seats from Courses where Seats = 'abc'").await;
    assert_eq!(value.json()["message"], "value given seems to be invalid for the column");
    let module = coql(&t, &admin, "select Last_Name from Nopes where id is not null").await;
    assert_eq!(module.json()["message"], "the module name given seems to be invalid");
}

#[tokio::test]
async fn bad_bodies() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let missing = json!({ "code": "MANDATORY_NOT_FOUND", "details": { "api_name": "select_query" }, "message": "mandatory key not found", "status": "error" });
    for body in [json!({}), json!({ "select_query": "  " }), json!({ "select_query": null })] {
        let answer = t.post(&admin, "/crm/v8/coql", &body).await;
        assert_eq!((answer.status, answer.json()), (StatusCode::BAD_REQUEST, &missing), "{body}");
    }
    for body in [json!({ "select_query": 5 }), json!(["select Last_Name from Leads where id is not null"])] {
        assert_eq!(t.post(&admin, "/crm/v8/coql", &body).await.code(), "INVALID_DATA", "{body}");
    }
    let raw = t
        .http
        .post(format!("{}/crm/v8/coql", t.sandbox.api_url()))
        .header("Authorization", format!("Zoho-oauthtoken {admin}"))
        .body("select Last_Name from Leads where id is not null")
        .send()
        .await
        .expect("request");
    let raw = super::answer(raw).await;
    assert_eq!((raw.status, raw.code()), (StatusCode::BAD_REQUEST, "INVALID_DATA"));
    assert_eq!(t.get(&admin, "/crm/v8/coql").await.code(), "INVALID_REQUEST_METHOD");
    assert_eq!(t.post(&admin, "/crm/v8/coql/x", &json!({})).await.code(), "INVALID_URL_PATTERN");
    assert!(t.sandbox.received_coql().is_empty(), "only query texts are recorded");
}

#[tokio::test]
async fn coql_needs_its_scope_and_the_modules_read_scope() {
    let t = TestSandbox::start().await;
    let query = "select Last_Name from Leads where id is not null limit 1";
    let without_coql = t.login("admin").await;
    let answer = coql(&t, &without_coql, query).await;
    assert_eq!((answer.status, answer.code()), (StatusCode::UNAUTHORIZED, "OAUTH_SCOPE_MISMATCH"));
    let coql_only = t.login_with("admin", "ZohoCRM.coql.READ").await.access;
    assert_eq!(coql(&t, &coql_only, query).await.code(), "OAUTH_SCOPE_MISMATCH");
    let contacts = t.login_with("admin", "ZohoCRM.coql.ALL,ZohoCRM.modules.contacts.READ").await.access;
    assert_eq!(coql(&t, &contacts, query).await.code(), "OAUTH_SCOPE_MISMATCH");
    assert_eq!(coql(&t, &contacts, "select Last_Name from Contacts where id is not null limit 1").await.status, StatusCode::OK);
    let custom = t.login_with("admin", "ZohoCRM.coql.READ,ZohoCRM.modules.custom.READ").await.access;
    assert_eq!(coql(&t, &custom, "select Name from Courses where id is not null limit 1").await.status, StatusCode::OK);
    assert_eq!(coql(&t, &custom, query).await.code(), "OAUTH_SCOPE_MISMATCH");
    let leads = t.login_with("admin", "ZohoCRM.coql.READ,ZohoCRM.modules.Leads.READ").await.access;
    assert_eq!(coql(&t, &leads, query).await.status, StatusCode::OK);
}

fn cond(field: &str, op: &str, values: Vec<CoqlValue>) -> CoqlExpr {
    CoqlExpr::Cond { field: field.into(), op: op.into(), values }
}

fn text(value: &str) -> CoqlValue {
    CoqlValue::Text(value.into())
}

#[test]
fn the_parser_builds_the_query() {
    let parsed = parse_coql(
        "SELECT Last_Name, Owner.email FROM Leads WHERE ((City = 'O''Brien''s' AND Seats NOT BETWEEN -3.5 AND 12) \
         OR (Owner.id in ('61', 62) and Languages is not null)) ORDER BY Last_Name DESC, City Limit 10 Offset 20",
    );
    let and = |a, b| CoqlExpr::And(Box::new(a), Box::new(b));
    let num = |n: &str| CoqlValue::Number(n.into());
    assert_eq!(
        parsed,
        Ok(CoqlQuery {
            select: vec!["Last_Name".into(), "Owner.email".into()],
            module: "Leads".into(),
            filter: Some(CoqlExpr::Or(
                Box::new(and(
                    cond("City", "=", vec![text("O'Brien's")]),
                    cond("Seats", "not between", vec![num("-3.5"), num("12")])
                )),
                Box::new(and(cond("Owner.id", "in", vec![text("61"), num("62")]), cond("Languages", "is not null", vec![]))),
            )),
            order_by: vec![("Last_Name".into(), true), ("City".into(), false)],
            limit: Some(10),
            offset: Some(20),
        })
    );
    // Only COUNT(id) is computed; Zoho's other aggregates are "not supported" by the sandbox.
    assert_eq!(parse_coql("select count(Name) from Deals where id is not null"), Err(CoqlError::NotSupported));
    assert_eq!(parse_coql("select MAX(Amount) from Deals where id is not null"), Err(CoqlError::NotSupported));
    let short =
        parse_coql("select count(id) from Deals where Online != false and Name not like '%x%' limit 20, 5").expect("parses");
    assert_eq!(short.select, vec!["COUNT(id)".to_string()]);
    assert_eq!((short.limit, short.offset), (Some(5), Some(20)));
    assert_eq!(
        short.filter,
        Some(CoqlExpr::And(
            Box::new(cond("Online", "!=", vec![CoqlValue::Bool(false)])),
            Box::new(cond("Name", "not like", vec![text("%x%")]))
        ))
    );
    let quoted = parse_coql("select 'External', Last_Name from Leads where Last_Name is null").expect("parses");
    assert_eq!(quoted.select, vec!["External".to_string(), "Last_Name".to_string()]);
    assert_eq!(quoted.filter, Some(cond("Last_Name", "is null", vec![])));
    assert_eq!(
        parse_coql("select a from B where id is not null").map(|q| (q.limit, q.offset)),
        Ok((None, None)),
        "no limit written: the endpoint's default applies"
    );
    // Zoho requires the where clause.
    for query in ["select a from B", "select a from B order by a", "select a from B limit 5"] {
        assert_eq!(parse_coql(query), Err(CoqlError::MissingClause { clause: "where".into() }), "{query}");
    }
    assert!(matches!(parse_coql(""), Err(CoqlError::MissingClause { .. })));
    assert!(matches!(parse_coql("select a, count(id) from B"), Err(CoqlError::NotSupported)));
}

#[test]
fn nesting_is_capped_without_overflowing_the_stack() {
    let nest = |depth: usize| format!("select a from B where {}a = 1{}", "(".repeat(depth), ")".repeat(depth));
    assert!(parse_coql(&nest(64)).is_ok());
    assert_eq!(parse_coql(&nest(65)).map_err(|e| e.code()), Err("SYNTAX_ERROR"));
    assert_eq!(parse_coql(&nest(100_000)).map_err(|e| e.code()), Err("SYNTAX_ERROR"));
    let deep = format!("select a from B where {}", "(".repeat(1_000_000));
    assert_eq!(parse_coql(&deep).map_err(|e| e.code()), Err("SYNTAX_ERROR"));
}

#[test]
fn the_parser_survives_generated_garbage() {
    let pieces = [
        "select",
        "from",
        "where",
        "order",
        "by",
        "limit",
        "offset",
        "and",
        "or",
        "not",
        "in",
        "like",
        "between",
        "is",
        "null",
        "asc",
        "desc",
        "count",
        "(",
        ")",
        ",",
        "'",
        "''",
        "'x'",
        "=",
        "!=",
        "<",
        ">=",
        "<>",
        "!",
        "*",
        "%",
        "12",
        "-3.5",
        "1.",
        "Last_Name",
        "Owner.email",
        "Leads",
        "a.",
        ".b",
        " ",
        "\n",
        "é",
        "true",
        "$x",
        "\\",
        "#",
        "id",
    ];
    let mut state: u64 = 0x00C0_FFEE;
    let mut step = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let mut parsed = 0;
    for round in 0..30_000 {
        let len = step() % 24 + 1;
        let mut query = if round % 2 == 0 { "select Last_Name from Leads where ".to_string() } else { String::new() };
        for _ in 0..len {
            query.push_str(pieces[step() % pieces.len()]);
            if step() % 3 > 0 {
                query.push(' ');
            }
        }
        if let Ok(q) = parse_coql(&query) {
            parsed += 1;
            assert!(!q.module.is_empty());
        }
    }
    assert!(parsed > 0, "some generated queries are valid");
}
