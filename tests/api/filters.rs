//! Typed filters, ordering and totals (COQL): each operator on each field type selects exactly
//! the records the sandbox's own data says it should; `and`/`or` nest; ordering on one and two
//! fields; totals equal the real count for admins and standard users; paging past the 2000th
//! record; every limit refused before a Zoho call.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use zoho_gateway::sandbox::SandboxConfig;

use crate::helpers::{Browser, Options, TestApp, error_code, error_field, spawn_app_with};

const ALL_MODULES: &str = "Leads,Contacts,Deals,Courses";

async fn app(lead_count: usize) -> TestApp {
    let sandbox = SandboxConfig { lead_count, ..SandboxConfig::default() };
    spawn_app_with(Options { sandbox, args: vec!["--modules".into(), ALL_MODULES.into()], ..Options::default() }).await
}

/// Every id a filtered list returns, page by page, and the last page's `pageInfo`.
async fn ids(b: &Browser, list: &str, filter: &Value) -> (BTreeSet<String>, Value) {
    let query = format!(
        "query($w: {}Where, $p: Int!) {{ {list}(where: $w, page: $p, perPage: 200) {{ nodes {{ id }} pageInfo {{ hasMore count totalCount }} }} }}",
        type_of(list)
    );
    let mut all = BTreeSet::new();
    for page in 1.. {
        let r = b.graphql(&query, json!({ "w": filter, "p": page })).await;
        assert!(r.get("errors").is_none(), "{list} where {filter}: {r}");
        for n in r["data"][list]["nodes"].as_array().unwrap() {
            all.insert(n["id"].as_str().unwrap().to_owned());
        }
        let info = r["data"][list]["pageInfo"].clone();
        if !info["hasMore"].as_bool().unwrap() {
            return (all, info);
        }
        assert!(page < 50, "too many pages");
    }
    unreachable!()
}

fn type_of(list: &str) -> &'static str {
    match list {
        "leads" => "Lead",
        "contacts" => "Contact",
        "deals" => "Deal",
        "courses" => "Course",
        other => panic!("unknown list {other}"),
    }
}

fn module_of(list: &str) -> &'static str {
    match list {
        "leads" => "Leads",
        "contacts" => "Contacts",
        "deals" => "Deals",
        "courses" => "Courses",
        other => panic!("unknown list {other}"),
    }
}

fn expected(app: &TestApp, list: &str, pred: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    app.sandbox.find_records(module_of(list), pred).iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

fn text(r: &Value, f: &str) -> Option<String> {
    r[f].as_str().map(str::to_lowercase)
}

fn num(r: &Value, f: &str) -> Option<f64> {
    r[f].as_f64()
}

fn id_of(r: &Value, f: &str) -> Option<String> {
    r[f]["id"].as_str().map(str::to_owned)
}

fn options(r: &Value, f: &str) -> Vec<String> {
    r[f].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

#[tokio::test]
async fn each_operator_on_each_field_type_selects_exactly_the_right_records() {
    let app = app(300).await;
    let admin = app.signed_in("admin").await;
    // A sparse lead: no mobile, no languages, no fee (the seed gives every lead those).
    let r = admin.graphql("mutation { createLead(input: { lastName: \"O'Hara (sparse)\" }) { id } }", json!({})).await;
    assert!(r.get("errors").is_none(), "{r}");
    let leads = app.sandbox.find_records("Leads", |_| true);
    let deals = app.sandbox.find_records("Deals", |_| true);
    let contact = id_of(&deals[0], "Contact_Name").expect("a deal with a contact");
    let courses = app.sandbox.find_records("Courses", |_| true);
    let users = app.sandbox.users();
    // Values taken from the data, so that each case selects some records and not others.
    let last = leads[7]["Last_Name"].as_str().unwrap().to_owned();
    let other_last = leads[20]["Last_Name"].as_str().unwrap().to_owned();
    let prefix: String = last.chars().take(2).collect();
    let suffix: String = last.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect();
    let mut fees: Vec<f64> = leads.iter().filter_map(|r| num(r, "Quoted_Fee")).collect();
    fees.sort_by(f64::total_cmp);
    let (fee_lo, fee_mid, fee_hi) = (fees[fees.len() / 4], fees[fees.len() / 2], fees[fees.len() * 3 / 4]);
    let mut dates: Vec<String> = leads.iter().filter_map(|r| r["Preferred_Start_Date"].as_str().map(str::to_owned)).collect();
    dates.sort();
    let (d_lo, d_hi) = (dates[dates.len() / 4].clone(), dates[dates.len() * 3 / 4].clone());
    let mut created: Vec<String> = leads.iter().filter_map(|r| r["Created_Time"].as_str().map(str::to_owned)).collect();
    created.sort_by_key(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap());
    let created_mid = created[created.len() / 2].clone();
    let instant = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
    let mut seats: Vec<i64> = courses.iter().filter_map(|r| r["Seats"].as_i64()).collect();
    seats.sort();
    let seat_mid = seats[seats.len() / 2];
    let coordinator = users[1].id.clone();
    let advisor = users[2].id.clone();

    type Pred = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(&str, Value, Pred)> = vec![
        // Text.
        ("leads", json!({ "lastName": { "eq": last.to_uppercase() } }), {
            let l = last.to_lowercase();
            Box::new(move |r| text(r, "Last_Name").as_deref() == Some(l.as_str()))
        }),
        ("leads", json!({ "lastName": { "ne": last } }), {
            let l = last.to_lowercase();
            Box::new(move |r| text(r, "Last_Name").is_some_and(|v| v != l))
        }),
        ("leads", json!({ "lastName": { "in": [last, other_last] } }), {
            let (a, b) = (last.to_lowercase(), other_last.to_lowercase());
            Box::new(move |r| text(r, "Last_Name").is_some_and(|v| v == a || v == b))
        }),
        ("leads", json!({ "lastName": { "notIn": [last, other_last] } }), {
            let (a, b) = (last.to_lowercase(), other_last.to_lowercase());
            Box::new(move |r| text(r, "Last_Name").is_some_and(|v| v != a && v != b))
        }),
        ("leads", json!({ "lastName": { "startsWith": prefix } }), {
            let p = prefix.to_lowercase();
            Box::new(move |r| text(r, "Last_Name").is_some_and(|v| v.starts_with(&p)))
        }),
        ("leads", json!({ "lastName": { "endsWith": suffix } }), {
            let p = suffix.to_lowercase();
            Box::new(move |r| text(r, "Last_Name").is_some_and(|v| v.ends_with(&p)))
        }),
        ("leads", json!({ "email": { "contains": "example" }, "company": { "contains": "an" } }), {
            Box::new(|r| {
                text(r, "Email").is_some_and(|v| v.contains("example")) && text(r, "Company").is_some_and(|v| v.contains("an"))
            })
        }),
        ("leads", json!({ "mobile": { "isNull": true } }), Box::new(|r| r["Mobile"].is_null())),
        ("leads", json!({ "mobile": { "isNull": false } }), Box::new(|r| !r["Mobile"].is_null())),
        // Picklists.
        ("leads", json!({ "course": { "eq": "Web Design" } }), Box::new(|r| r["Course"] == "Web Design")),
        ("leads", json!({ "leadStatus": { "in": ["Contacted", "Pre-Qualified"] } }), {
            Box::new(|r| r["Lead_Status"] == "Contacted" || r["Lead_Status"] == "Pre-Qualified")
        }),
        // Currency (Float).
        (
            "leads",
            json!({ "quotedFee": { "gt": fee_mid } }),
            Box::new(move |r| num(r, "Quoted_Fee").is_some_and(|v| v > fee_mid)),
        ),
        (
            "leads",
            json!({ "quotedFee": { "gte": fee_mid } }),
            Box::new(move |r| num(r, "Quoted_Fee").is_some_and(|v| v >= fee_mid)),
        ),
        (
            "leads",
            json!({ "quotedFee": { "lt": fee_mid } }),
            Box::new(move |r| num(r, "Quoted_Fee").is_some_and(|v| v < fee_mid)),
        ),
        (
            "leads",
            json!({ "quotedFee": { "lte": fee_mid } }),
            Box::new(move |r| num(r, "Quoted_Fee").is_some_and(|v| v <= fee_mid)),
        ),
        ("leads", json!({ "quotedFee": { "between": [fee_lo, fee_hi] } }), {
            Box::new(move |r| num(r, "Quoted_Fee").is_some_and(|v| v >= fee_lo && v <= fee_hi))
        }),
        (
            "leads",
            json!({ "quotedFee": { "ne": fee_mid } }),
            Box::new(move |r| num(r, "Quoted_Fee").is_some_and(|v| v != fee_mid)),
        ),
        ("leads", json!({ "quotedFee": { "isNull": true } }), Box::new(|r| r["Quoted_Fee"].is_null())),
        // Date.
        ("leads", json!({ "preferredStartDate": { "between": [d_lo, d_hi] } }), {
            let (lo, hi) = (d_lo.clone(), d_hi.clone());
            Box::new(move |r| r["Preferred_Start_Date"].as_str().is_some_and(|v| v >= lo.as_str() && v <= hi.as_str()))
        }),
        ("leads", json!({ "preferredStartDate": { "gte": d_hi } }), {
            let hi = d_hi.clone();
            Box::new(move |r| r["Preferred_Start_Date"].as_str().is_some_and(|v| v >= hi.as_str()))
        }),
        // DateTime: compared as instants, whatever the offset written.
        ("leads", json!({ "createdTime": { "gte": created_mid } }), {
            let mid = instant(&created_mid);
            Box::new(move |r| r["Created_Time"].as_str().is_some_and(|v| instant(v) >= mid))
        }),
        // Boolean.
        ("leads", json!({ "scholarship": { "eq": true } }), Box::new(|r| r["Scholarship"] == true)),
        // Multi-select.
        (
            "leads",
            json!({ "languages": { "contains": "Tamil" } }),
            Box::new(|r| options(r, "Languages").contains(&"Tamil".into())),
        ),
        ("leads", json!({ "languages": { "containsAny": ["Tamil", "Bengali"] } }), {
            Box::new(|r| options(r, "Languages").iter().any(|o| o == "Tamil" || o == "Bengali"))
        }),
        ("leads", json!({ "languages": { "isNull": true } }), Box::new(|r| options(r, "Languages").is_empty())),
        // Owner (IdFilter).
        ("leads", json!({ "owner": { "eq": coordinator } }), {
            let c = coordinator.clone();
            Box::new(move |r| id_of(r, "Owner").as_deref() == Some(c.as_str()))
        }),
        ("leads", json!({ "owner": { "notIn": [coordinator, advisor] } }), {
            let (c, a) = (coordinator.clone(), advisor.clone());
            Box::new(move |r| id_of(r, "Owner").is_some_and(|o| o != c && o != a))
        }),
        // Integer and boolean on a custom module.
        (
            "courses",
            json!({ "seats": { "gte": seat_mid } }),
            Box::new(move |r| r["Seats"].as_i64().is_some_and(|v| v >= seat_mid)),
        ),
        ("courses", json!({ "seats": { "in": [seats[0], seats[seats.len() - 1]] }, "online": { "eq": false } }), {
            let (a, b) = (seats[0], seats[seats.len() - 1]);
            Box::new(move |r| r["Seats"].as_i64().is_some_and(|v| v == a || v == b) && r["Online"] == false)
        }),
        // A lookup to another module, by id.
        ("deals", json!({ "contactName": { "eq": contact } }), {
            let c = contact.clone();
            Box::new(move |r| id_of(r, "Contact_Name").as_deref() == Some(c.as_str()))
        }),
        // Quotes need no care from the client.
        (
            "leads",
            json!({ "lastName": { "startsWith": "o'hara (" } }),
            Box::new(|r| text(r, "Last_Name").is_some_and(|v| v.starts_with("o'hara ("))),
        ),
        // Nesting: (status Contacted or course Web Design) and not the coordinator's, and a fee band.
        (
            "leads",
            json!({
                "or": [{ "leadStatus": { "eq": "Contacted" } }, { "course": { "eq": "Web Design" } }],
                "and": [{ "owner": { "ne": coordinator } }, { "or": [{ "quotedFee": { "lt": fee_lo } }, { "quotedFee": { "gt": fee_hi } }] }]
            }),
            {
                let c = coordinator.clone();
                Box::new(move |r| {
                    (r["Lead_Status"] == "Contacted" || r["Course"] == "Web Design")
                        && id_of(r, "Owner").is_some_and(|o| o != c)
                        && num(r, "Quoted_Fee").is_some_and(|v| v < fee_lo || v > fee_hi)
                })
            },
        ),
    ];
    let mut trivial = Vec::new();
    for (list, filter, pred) in &cases {
        let want = expected(&app, list, pred);
        let (got, info) = ids(&admin, list, filter).await;
        assert_eq!(got, want, "{list} where {filter}");
        assert_eq!(info["totalCount"], want.len(), "totalCount of {list} where {filter}");
        if want.is_empty() || want.len() == app.sandbox.record_count(module_of(list)) {
            trivial.push(format!("{list} {filter}: {} records", want.len()));
        }
    }
    // Each case must discriminate, or it proves nothing.
    assert!(trivial.is_empty(), "cases that select none or all:\n{}", trivial.join("\n"));
}

#[tokio::test]
async fn ordering_on_one_and_two_fields() {
    let app = app(300).await;
    let admin = app.signed_in("admin").await;
    let q = "query($o: [LeadOrder!]) { leads(perPage: 200, orderBy: $o, where: { quotedFee: { isNull: false } }) { nodes { id course lastName quotedFee } } }";
    let r = admin.graphql(q, json!({ "o": [{ "field": "QUOTED_FEE", "direction": "DESC" }] })).await;
    let fees: Vec<f64> = r["data"]["leads"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|n| n["quotedFee"].as_f64().unwrap())
        .collect();
    assert!(fees.len() > 50);
    assert!(fees.windows(2).all(|w| w[0] >= w[1]), "fees descending: {fees:?}");

    let r = admin
        .graphql(q, json!({ "o": [{ "field": "COURSE", "direction": "ASC" }, { "field": "LAST_NAME", "direction": "DESC" }] }))
        .await;
    let rows: Vec<(String, String)> = r["data"]["leads"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|n| {
            (n["course"].as_str().unwrap_or_default().to_lowercase(), n["lastName"].as_str().unwrap_or_default().to_lowercase())
        })
        .collect();
    assert!(
        rows.windows(2).all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 >= w[1].1)),
        "course asc, last name desc: {rows:?}"
    );
    assert!(rows.windows(2).any(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1), "the second key was exercised");
}

#[tokio::test]
async fn totals_equal_the_real_count_for_admins_and_standard_users() {
    let app = app(300).await;
    let users = app.sandbox.users();
    for (who, user) in [("admin", None), ("coordinator", Some(users[1].id.clone())), ("advisor", Some(users[2].id.clone()))] {
        let b = app.signed_in(who).await;
        let visible = |r: &Value| user.as_ref().is_none_or(|u| id_of(r, "Owner").as_ref() == Some(u));
        // Unfiltered (the record count API), filtered (COQL COUNT) and searched (count API with criteria).
        let all = expected(&app, "leads", visible).len();
        let r = b.graphql("{ leads(perPage: 1) { pageInfo { totalCount } } }", json!({})).await;
        assert_eq!(r["data"]["leads"]["pageInfo"]["totalCount"], all, "{who}: {r}");
        let web = expected(&app, "leads", |r| visible(r) && r["Course"] == "Web Design").len();
        let r = b
            .graphql("{ leads(perPage: 1, where: { course: { eq: \"Web Design\" } }) { pageInfo { totalCount } } }", json!({}))
            .await;
        assert_eq!(r["data"]["leads"]["pageInfo"]["totalCount"], web, "{who}: {r}");
        let r =
            b.graphql("{ searchLeads(by: { course: \"Web Design\" }, perPage: 1) { pageInfo { totalCount } } }", json!({})).await;
        assert_eq!(r["data"]["searchLeads"]["pageInfo"]["totalCount"], web, "{who}: {r}");
        if user.is_some() {
            assert!(all < app.sandbox.record_count("Leads"), "{who} sees only their own");
        }
    }
}

#[tokio::test]
async fn one_zoho_call_per_page_and_one_for_the_total_and_none_for_repeats() {
    let app = app(300).await;
    let admin = app.signed_in("admin").await;
    let q = "{ leads(where: { leadStatus: { eq: \"Contacted\" } }, orderBy: [{ field: LAST_NAME, direction: ASC }]) { nodes { id lastName owner { name email } } pageInfo { totalCount } } }";
    let before = app.sandbox.calls().get("coql");
    let r = admin.graphql(q, json!({})).await;
    assert!(r.get("errors").is_none(), "{r}");
    assert!(
        r["data"]["leads"]["nodes"][0]["owner"]["name"].as_str().is_some_and(|n| !n.is_empty()),
        "owner names come along: {r}"
    );
    assert_eq!(app.sandbox.calls().get("coql") - before, 2, "one call for the page, one for the total");
    let without_total = "{ leads(where: { leadStatus: { eq: \"Contacted\" } }) { nodes { id } } }";
    let before = app.sandbox.calls().get("coql");
    admin.graphql(without_total, json!({})).await;
    assert_eq!(app.sandbox.calls().get("coql") - before, 1, "no count unless totalCount is selected");
    let before = app.sandbox.calls().get("coql");
    assert_eq!(admin.graphql(q, json!({})).await, r, "the same answer again");
    assert_eq!(app.sandbox.calls().get("coql") - before, 0, "from the cache");
}

#[tokio::test]
async fn paging_goes_past_the_first_2000_records() {
    let app = app(2300).await;
    let admin = app.signed_in("admin").await;
    let everyone = json!({ "lastName": { "isNull": false } });
    let (got, info) = ids(&admin, "leads", &everyone).await;
    let want = expected(&app, "leads", |r| !r["Last_Name"].is_null());
    assert!(want.len() > 2000, "the sandbox holds {} leads", want.len());
    assert_eq!(got, want, "every lead exactly once across {} pages", want.len().div_ceil(200));
    assert_eq!(info["totalCount"], want.len());
    let r = admin
        .graphql("{ leads(page: 12, perPage: 200, where: { lastName: { isNull: false } }) { pageInfo { count } } }", json!({}))
        .await;
    assert!(r["data"]["leads"]["pageInfo"]["count"].as_u64().is_some_and(|n| n > 0), "page 12 (records 2201-) has records: {r}");
}

#[tokio::test]
async fn every_limit_is_refused_before_a_zoho_call() {
    let app = app(300).await;
    let admin = app.signed_in("admin").await;
    let many: Vec<Value> = (0..26).map(|i| json!({ "lastName": { "eq": format!("Name{i}") } })).collect();
    let fifty_one: Vec<String> = (0..51).map(|i| format!("Name{i}")).collect();
    let eleven: Vec<Value> =
        ["FIRST_NAME", "LAST_NAME", "EMAIL", "PHONE", "MOBILE", "COMPANY", "COURSE", "CITY", "COUNTRY", "BATCH", "QUOTED_FEE"]
            .iter()
            .map(|f| json!({ "field": f, "direction": "ASC" }))
            .collect();
    let q = "query($w: LeadWhere, $o: [LeadOrder!], $p: Int! = 1, $t: String) { leads(where: $w, orderBy: $o, page: $p, perPage: 200, pageToken: $t) { nodes { id } } }";
    let cases = [
        (json!({ "w": { "or": many } }), "where"),
        (json!({ "w": { "lastName": { "in": fifty_one } } }), "where.lastName.in"),
        (json!({ "w": { "lastName": { "in": [] } } }), "where.lastName.in"),
        (json!({ "w": { "quotedFee": { "between": [1] } } }), "where.quotedFee.between"),
        (json!({ "w": { "lastName": { "contains": "50%" } } }), "where.lastName.contains"),
        (json!({ "w": { "lastName": { "startsWith": "a_b" } } }), "where.lastName.startsWith"),
        (json!({ "w": { "or": [] } }), "where.or"),
        (json!({ "w": { "preferredStartDate": { "gt": "2026-13-01" } } }), "where.preferredStartDate.gt"),
        (json!({ "w": { "createdTime": { "gt": "yesterday" } } }), "where.createdTime.gt"),
        (json!({ "w": { "owner": { "eq": "1 or 1=1" } } }), "where.owner.eq"),
        (json!({ "w": { "lastName": { "eq": "x".repeat(256) } } }), "where.lastName.eq"),
        (json!({ "o": eleven }), "orderBy"),
        (json!({ "o": [{ "field": "LAST_NAME" }, { "field": "LAST_NAME", "direction": "DESC" }] }), "orderBy"),
        (json!({ "w": {}, "p": 501 }), "page"),
        (json!({ "w": { "lastName": { "isNull": false } }, "t": "abc" }), "pageToken"),
    ];
    for (vars, field) in cases {
        let before = app.sandbox.calls().total();
        let r = admin.graphql(q, vars.clone()).await;
        assert_eq!(error_code(&r), "BAD_USER_INPUT", "{vars}: {r}");
        assert_eq!(error_field(&r), Some(field), "{vars}: {r}");
        assert_eq!(app.sandbox.calls().total(), before, "no Zoho call for {vars}");
    }
    // Exactly at the limits: accepted.
    let twenty_five: Vec<Value> = (0..25).map(|i| json!({ "lastName": { "eq": format!("Name{i}") } })).collect();
    let fifty: Vec<String> = (0..50).map(|i| format!("Name{i}")).collect();
    for vars in
        [json!({ "w": { "or": twenty_five } }), json!({ "w": { "lastName": { "in": fifty } } }), json!({ "o": eleven[..10] })]
    {
        let r = admin.graphql(q, vars.clone()).await;
        assert!(r.get("errors").is_none(), "{vars}: {r}");
    }
}

#[tokio::test]
async fn hostile_values_select_exactly_the_intended_records() {
    let app = app(50).await;
    let admin = app.signed_in("admin").await;
    let names = [
        "O'Brien",
        "x' or Email is not null or id = 'y",
        "Ver') or (id != '0",
        "and or () \\ \\' ''",
        "学校 🎓 e\u{301}",
        "Sem;colon -- comment",
    ];
    let mut created = Vec::new();
    for name in names {
        let r = admin.graphql("mutation($n: String!) { createLead(input: { lastName: $n }) { id } }", json!({ "n": name })).await;
        created.push(r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{name}: {r}")).to_owned());
    }
    for (name, id) in names.iter().zip(&created) {
        let (got, _) = ids(&admin, "leads", &json!({ "lastName": { "eq": name } })).await;
        let want = expected(&app, "leads", |r| text(r, "Last_Name") == Some(name.to_lowercase()));
        assert_eq!(got, want, "eq {name:?}");
        assert!(got.contains(id), "eq {name:?} finds the new lead");
        let received = app.sandbox.received_coql();
        let parsed = zoho_gateway::sandbox::parse_coql(received.last().expect("a query")).expect("the sandbox parses it");
        assert_eq!(
            parsed.filter,
            Some(zoho_gateway::sandbox::CoqlExpr::Cond {
                field: "Last_Name".into(),
                op: "=".into(),
                values: vec![zoho_gateway::sandbox::CoqlValue::Text((*name).to_owned())]
            }),
            "{received:?}"
        );
        let middle: String = name.chars().skip(1).take(name.chars().count().saturating_sub(2)).collect();
        let want = expected(&app, "leads", |r| text(r, "Last_Name").is_some_and(|v| v.contains(&middle.to_lowercase())));
        let (got, _) = ids(&admin, "leads", &json!({ "lastName": { "contains": middle } })).await;
        assert_eq!(got, want, "contains {middle:?}");
        assert!(got.contains(id));
    }
}
