//! COQL over HTTP: every operator on every type family selects exactly the records the seed data
//! says (expectations computed from the sandbox's own records, never hard-coded ids), and/or
//! nesting, ordering, paging, 204, `COUNT(id)`, relation columns, escaping and visibility.

use std::cmp::Ordering;

use chrono::DateTime;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{ALL_SCOPES, Answer, TestSandbox};

/// The test scopes plus COQL's.
pub(crate) fn coql_scopes() -> String {
    format!("{ALL_SCOPES},ZohoCRM.coql.READ")
}

pub(crate) async fn coql(t: &TestSandbox, token: &str, query: &str) -> Answer {
    t.post(token, "/crm/v8/coql", &json!({ "select_query": query })).await
}

fn ids(answer: &Answer) -> Vec<u64> {
    answer.data().iter().filter_map(|r| r["id"].as_str().and_then(|id| id.parse().ok())).collect()
}

/// Ids of the module's records (admin view) that `pred` accepts, ascending (COQL's default order).
fn expected(t: &TestSandbox, module: &str, pred: impl Fn(&Value) -> bool) -> Vec<u64> {
    let mut ids: Vec<u64> =
        t.sandbox.find_records(module, pred).iter().filter_map(|r| r["id"].as_str().and_then(|id| id.parse().ok())).collect();
    ids.sort_unstable();
    ids
}

fn text(record: &Value, field: &str) -> Option<String> {
    record[field].as_str().map(str::to_lowercase)
}

fn num(record: &Value, field: &str) -> Option<f64> {
    record[field].as_f64()
}

fn instant(record: &Value, field: &str) -> Option<i64> {
    record[field].as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.timestamp())
}

fn at(text: &str) -> i64 {
    DateTime::parse_from_rfc3339(text).map(|t| t.timestamp()).unwrap_or_default()
}

fn options(record: &Value) -> Vec<String> {
    record["Languages"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_lowercase).collect()
}

type Pred = Box<dyn Fn(&Value) -> bool>;

/// Runs each `where` on its module and compares with the predicate over the seed records; each
/// case must match some records but not all, or it would prove little.
async fn check_cases(t: &TestSandbox, token: &str, cases: Vec<(&str, String, Pred)>) {
    for (module, filter, pred) in cases {
        let want = expected(t, module, &pred);
        let answer = coql(t, token, &format!("select Created_Time from {module} where {filter} limit 2000")).await;
        assert!(!want.is_empty(), "{module}: {filter} should match some records");
        assert_eq!(answer.status, StatusCode::OK, "{module}: {filter}: {}", answer.text);
        assert_eq!(ids(&answer), want, "{module}: {filter}");
        assert!(want.len() < t.sandbox.record_count(module), "{module}: {filter} should not match everything");
    }
}

#[tokio::test]
async fn text_like_operators_are_case_insensitive() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let eq = |field: &'static str, v: &'static str| -> Pred { Box::new(move |r| text(r, field).as_deref() == Some(v)) };
    let cases: Vec<(&str, String, Pred)> = vec![
        ("Leads", "Last_Name = 'PATEL'".into(), eq("Last_Name", "patel")),
        ("Leads", "Last_Name != 'Patel'".into(), Box::new(|r| text(r, "Last_Name").is_some_and(|v| v != "patel"))),
        (
            "Leads",
            "Last_Name in ('patel', 'Iyer', 'Nobody')".into(),
            Box::new(|r| text(r, "Last_Name").is_some_and(|v| v == "patel" || v == "iyer")),
        ),
        (
            "Leads",
            "Last_Name not in ('Patel', 'IYER')".into(),
            Box::new(|r| text(r, "Last_Name").is_some_and(|v| v != "patel" && v != "iyer")),
        ),
        ("Leads", "Last_Name like 'pa%'".into(), Box::new(|r| text(r, "Last_Name").is_some_and(|v| v.starts_with("pa")))),
        ("Leads", "Last_Name like '%EL'".into(), Box::new(|r| text(r, "Last_Name").is_some_and(|v| v.ends_with("el")))),
        ("Leads", "Company like '%college%'".into(), Box::new(|r| text(r, "Company").is_some_and(|v| v.contains("college")))),
        ("Leads", "City like 'pune'".into(), eq("City", "pune")),
        (
            "Leads",
            "Company not like '%College%'".into(),
            Box::new(|r| text(r, "Company").is_some_and(|v| !v.contains("college"))),
        ),
        ("Leads", "Phone is null".into(), Box::new(|r| r["Phone"].is_null())),
        ("Leads", "Phone is not null".into(), Box::new(|r| !r["Phone"].is_null())),
        (
            "Leads",
            "Email like '%@CAMPUS.example'".into(),
            Box::new(|r| text(r, "Email").is_some_and(|v| v.ends_with("@campus.example"))),
        ),
        // Picklists and text areas are text-like.
        ("Leads", "Course = 'web design'".into(), eq("Course", "web design")),
        ("Leads", "Course != 'Web Design'".into(), Box::new(|r| text(r, "Course").is_some_and(|v| v != "web design"))),
        (
            "Leads",
            "Lead_Status in ('Contacted', 'junk lead')".into(),
            Box::new(|r| text(r, "Lead_Status").is_some_and(|v| v == "contacted" || v == "junk lead")),
        ),
        (
            "Leads",
            "Description like '%weekend%'".into(),
            Box::new(|r| text(r, "Description").is_some_and(|v| v.contains("weekend"))),
        ),
    ];
    check_cases(&t, &admin, cases).await;
}

#[tokio::test]
async fn number_date_datetime_and_boolean_operators() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let seats = |test: fn(f64) -> bool| -> Pred { Box::new(move |r| num(r, "Seats").is_some_and(test)) };
    let start = |test: fn(&str) -> bool| -> Pred { Box::new(move |r| r["Start_Date"].as_str().is_some_and(test)) };
    let split = at("2025-09-15T00:00:00+05:30");
    let cases: Vec<(&str, String, Pred)> = vec![
        // integer
        ("Courses", "Seats = 25".into(), seats(|s| s == 25.0)),
        ("Courses", "Seats != 25".into(), seats(|s| s != 25.0)),
        ("Courses", "Seats < 30".into(), seats(|s| s < 30.0)),
        ("Courses", "Seats <= 30".into(), seats(|s| s <= 30.0)),
        ("Courses", "Seats > 30".into(), seats(|s| s > 30.0)),
        ("Courses", "Seats >= 30".into(), seats(|s| s >= 30.0)),
        ("Courses", "Seats between 25 and 35".into(), seats(|s| (25.0..=35.0).contains(&s))),
        ("Courses", "Seats not between 25 and 35".into(), seats(|s| !(25.0..=35.0).contains(&s))),
        ("Courses", "Seats in (20, 30, 45)".into(), seats(|s| s == 20.0 || s == 30.0)),
        ("Courses", "Seats not in (20, 30)".into(), seats(|s| s != 20.0 && s != 30.0)),
        // currency and percent; a quoted number is read as a number
        ("Deals", "Amount >= 60000".into(), Box::new(|r| num(r, "Amount").is_some_and(|a| a >= 60000.0))),
        (
            "Deals",
            "Amount between 40000 and 65000.5".into(),
            Box::new(|r| num(r, "Amount").is_some_and(|a| (40000.0..=65000.5).contains(&a))),
        ),
        ("Deals", "Probability = '50'".into(), Box::new(|r| num(r, "Probability") == Some(50.0))),
        // nulls pass only the null tests
        ("Leads", "Quoted_Fee is null".into(), Box::new(|r| r["Quoted_Fee"].is_null())),
        ("Leads", "Quoted_Fee is not null".into(), Box::new(|r| !r["Quoted_Fee"].is_null())),
        ("Leads", "Quoted_Fee > 50000".into(), Box::new(|r| num(r, "Quoted_Fee").is_some_and(|f| f > 50000.0))),
        ("Leads", "Quoted_Fee != 45000".into(), Box::new(|r| num(r, "Quoted_Fee").is_some_and(|f| f != 45000.0))),
        // date
        ("Courses", "Start_Date = '2026-04-06'".into(), start(|d| d == "2026-04-06")),
        ("Courses", "Start_Date > '2026-04-06'".into(), start(|d| d > "2026-04-06")),
        (
            "Courses",
            "Start_Date between '2026-01-01' and '2026-06-30'".into(),
            start(|d| ("2026-01-01"..="2026-06-30").contains(&d)),
        ),
        (
            "Courses",
            "Start_Date not between '2026-01-01' and '2026-06-30'".into(),
            start(|d| !("2026-01-01"..="2026-06-30").contains(&d)),
        ),
        ("Courses", "Start_Date in ('2026-01-12', '2026-10-05')".into(), start(|d| d == "2026-01-12" || d == "2026-10-05")),
        (
            "Contacts",
            "Date_of_Birth < '2003-01-01'".into(),
            Box::new(|r| r["Date_of_Birth"].as_str().is_some_and(|d| d < "2003-01-01")),
        ),
        // datetime: instants, whatever the offset
        (
            "Leads",
            "Created_Time < '2025-09-15T00:00:00+05:30'".into(),
            Box::new(move |r| instant(r, "Created_Time").is_some_and(|c| c < split)),
        ),
        (
            "Leads",
            "Created_Time >= '2025-09-14T18:30:00Z'".into(),
            Box::new(move |r| instant(r, "Created_Time").is_some_and(|c| c >= split)),
        ),
        (
            "Leads",
            "Created_Time between '2025-10-01T00:00:00+05:30' and '2025-10-31T23:59:59+05:30'".into(),
            Box::new(|r| {
                instant(r, "Created_Time")
                    .is_some_and(|c| c >= at("2025-10-01T00:00:00+05:30") && c <= at("2025-10-31T23:59:59+05:30"))
            }),
        ),
        // boolean, as a keyword or a quoted word
        ("Courses", "Online = true".into(), Box::new(|r| r["Online"] == true)),
        ("Courses", "Online != true".into(), Box::new(|r| r["Online"] == false)),
        ("Courses", "Online = 'false'".into(), Box::new(|r| r["Online"] == false)),
        ("Leads", "Scholarship = TRUE".into(), Box::new(|r| r["Scholarship"] == true)),
    ];
    check_cases(&t, &admin, cases).await;
}

#[tokio::test]
async fn lookup_owner_and_multiselect_operators() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let contacts = expected(&t, "Contacts", |_| true);
    let (c1, c2) = (contacts[0].to_string(), contacts[1].to_string());
    let coordinator = t.user_id("coordinator");
    let advisor = t.sandbox.users().into_iter().find(|u| u.key == "advisor").expect("advisor");
    let contact_is = move |ids: Vec<String>| -> Pred {
        Box::new(move |r| r["Contact_Name"]["id"].as_str().is_some_and(|id| ids.iter().any(|i| i == id)))
    };
    let owner = |r: &Value| r["Owner"]["id"].as_str().unwrap_or_default().to_string();
    let has = |option: &'static str| -> Pred { Box::new(move |r| options(r).iter().any(|o| o == option)) };
    let course_id = expected(&t, "Courses", |c| c["Name"] == "Web Design")[0];
    let (me, me2, me3) = (coordinator.clone(), coordinator.clone(), coordinator.clone());
    let advisor_id = advisor.id.clone();
    let cases: Vec<(&str, String, Pred)> = vec![
        ("Deals", format!("Contact_Name = '{c1}'"), contact_is(vec![c1.clone()])),
        ("Deals", format!("Contact_Name.id = '{c1}'"), contact_is(vec![c1.clone()])),
        ("Deals", format!("Contact_Name in ('{c1}', '{c2}')"), contact_is(vec![c1.clone(), c2.clone()])),
        ("Deals", format!("Contact_Name not in ('{c1}')"), {
            let c1 = c1.clone();
            Box::new(move |r| r["Contact_Name"]["id"].as_str().is_some_and(|id| id != c1))
        }),
        // A bare number works for an id too.
        ("Deals", format!("Course = {course_id}"), {
            let course = course_id.to_string();
            Box::new(move |r| r["Course"]["id"] == course.as_str())
        }),
        ("Leads", format!("Owner = '{coordinator}'"), Box::new(move |r| owner(r) == me)),
        ("Leads", format!("Owner.id != '{coordinator}'"), Box::new(move |r| owner(r) != me2)),
        ("Leads", format!("Owner in ('{coordinator}', '{advisor_id}')"), {
            let advisor_id = advisor_id.clone();
            Box::new(move |r| owner(r) == me3 || owner(r) == advisor_id)
        }),
        // The owner's attributes through the relation.
        ("Leads", format!("Owner.email = '{}'", advisor.email.to_uppercase()), Box::new(move |r| owner(r) == advisor.id)),
        // Multi-select: `=` includes, `!=` excludes, `in` any, `not in` none, `like` any option.
        ("Leads", "Languages = 'hindi'".into(), has("hindi")),
        ("Leads", "Languages != 'Hindi'".into(), Box::new(|r| !options(r).is_empty() && !options(r).contains(&"hindi".into()))),
        (
            "Leads",
            "Languages in ('Tamil', 'Bengali')".into(),
            Box::new(|r| options(r).iter().any(|o| o == "tamil" || o == "bengali")),
        ),
        (
            "Leads",
            "Languages not in ('Tamil', 'Bengali')".into(),
            Box::new(|r| !options(r).is_empty() && !options(r).iter().any(|o| o == "tamil" || o == "bengali")),
        ),
        ("Leads", "Languages like 'ta%'".into(), Box::new(|r| options(r).iter().any(|o| o.starts_with("ta")))),
        (
            "Leads",
            "Languages not like '%i'".into(),
            Box::new(|r| !options(r).is_empty() && !options(r).iter().any(|o| o.ends_with('i'))),
        ),
    ];
    check_cases(&t, &admin, cases).await;

    // Empty lookups and selections are null: add a deal without a contact and a lead without languages.
    let deal = t.post(&admin, "/crm/v8/Deals", &json!({ "data": [{ "Deal_Name": "Walk-in", "Stage": "Proposal" }] })).await;
    assert_eq!(deal.status, StatusCode::CREATED, "{}", deal.text);
    let lead = t.post(&admin, "/crm/v8/Leads", &json!({ "data": [{ "Last_Name": "Monolingual", "Languages": [] }] })).await;
    assert_eq!(lead.status, StatusCode::CREATED, "{}", lead.text);
    let cases: Vec<(&str, String, Pred)> = vec![
        ("Deals", "Contact_Name is null".into(), Box::new(|r| r["Contact_Name"].is_null())),
        ("Deals", "Contact_Name is not null".into(), Box::new(|r| !r["Contact_Name"].is_null())),
        ("Leads", "Languages is null".into(), Box::new(|r| options(r).is_empty())),
        ("Leads", "Languages is not null".into(), Box::new(|r| !options(r).is_empty())),
    ];
    check_cases(&t, &admin, cases).await;
}

#[tokio::test]
async fn and_or_nesting_follows_the_brackets() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let city = |r: &Value, c: &str| text(r, "City").as_deref() == Some(c);
    let course = |r: &Value| text(r, "Course").as_deref() == Some("web design");
    let scholar = |r: &Value| r["Scholarship"] == true;
    let cases: Vec<(&str, String, Pred)> = vec![
        ("Leads", "City = 'Pune' and Course = 'Web Design'".into(), Box::new(move |r| city(r, "pune") && course(r))),
        ("Leads", "City = 'Pune' or City = 'Delhi'".into(), Box::new(move |r| city(r, "pune") || city(r, "delhi"))),
        (
            "Leads",
            "((City = 'Pune' and Course = 'Web Design') or Scholarship = true)".into(),
            Box::new(move |r| (city(r, "pune") && course(r)) || scholar(r)),
        ),
        (
            "Leads",
            "(City = 'Pune' and (Course = 'Web Design' or Scholarship = true))".into(),
            Box::new(move |r| city(r, "pune") && (course(r) || scholar(r))),
        ),
        (
            "Leads",
            "((City = 'Pune' or City = 'Delhi') and (Scholarship = true or Quoted_Fee > 60000))".into(),
            Box::new(move |r| {
                (city(r, "pune") || city(r, "delhi")) && (scholar(r) || num(r, "Quoted_Fee").is_some_and(|f| f > 60000.0))
            }),
        ),
        ("Leads", "(City = 'Pune')".into(), Box::new(move |r| city(r, "pune"))),
        ("Leads", "(((City = 'Pune')))".into(), Box::new(move |r| city(r, "pune"))),
    ];
    check_cases(&t, &admin, cases).await;
    for flat in [
        "City = 'Pune' and Course = 'Web Design' and Scholarship = true",
        "City = 'Pune' or City = 'Delhi' or City = 'Mumbai'",
        "(City = 'Pune' and Course = 'Web Design' or Scholarship = true)",
    ] {
        let answer = coql(&t, &admin, &format!("select Last_Name from Leads where {flat}")).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::BAD_REQUEST, "SYNTAX_ERROR"), "{flat}");
    }
}

#[tokio::test]
async fn order_by_one_and_two_fields_both_ways() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let leads = t.sandbox.find_records("Leads", |_| true);
    let id = |r: &Value| r["id"].as_str().and_then(|i| i.parse::<u64>().ok()).unwrap_or_default();
    let key = |r: &Value, f: &str| text(r, f).unwrap_or_default();
    let sorted = |cmp: &dyn Fn(&Value, &Value) -> Ordering| {
        let mut all = leads.clone();
        all.sort_by(|a, b| cmp(a, b).then(id(a).cmp(&id(b))));
        all.iter().map(id).collect::<Vec<u64>>()
    };
    let cases: Vec<(&str, Vec<u64>)> = vec![
        ("order by Last_Name", sorted(&|a, b| key(a, "Last_Name").cmp(&key(b, "Last_Name")))),
        ("order by Last_Name desc", sorted(&|a, b| key(b, "Last_Name").cmp(&key(a, "Last_Name")))),
        (
            "order by Last_Name asc, First_Name desc",
            sorted(&|a, b| key(a, "Last_Name").cmp(&key(b, "Last_Name")).then(key(b, "First_Name").cmp(&key(a, "First_Name")))),
        ),
        (
            "ORDER BY City desc, Created_Time asc",
            sorted(&|a, b| key(b, "City").cmp(&key(a, "City")).then(instant(a, "Created_Time").cmp(&instant(b, "Created_Time")))),
        ),
        // Nulls are the smallest value: first ascending, last descending.
        (
            "order by Quoted_Fee",
            sorted(&|a, b| num(a, "Quoted_Fee").partial_cmp(&num(b, "Quoted_Fee")).unwrap_or(Ordering::Equal)),
        ),
        (
            "order by Quoted_Fee desc",
            sorted(&|a, b| num(b, "Quoted_Fee").partial_cmp(&num(a, "Quoted_Fee")).unwrap_or(Ordering::Equal)),
        ),
    ];
    for (order, want) in cases {
        let answer =
            coql(&t, &admin, &format!("select Last_Name, First_Name from Leads where id is not null {order} limit 2000")).await;
        assert_eq!(ids(&answer), want, "{order}");
    }
    let first = coql(&t, &admin, "select Quoted_Fee from Leads where id is not null order by Quoted_Fee limit 1").await;
    assert!(first.data()[0]["Quoted_Fee"].is_null(), "{}", first.text);
}

#[tokio::test]
async fn limit_offset_both_forms_more_records_and_204() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let all = expected(&t, "Leads", |_| true);
    let page = coql(&t, &admin, "select Last_Name from Leads where id is not null limit 5 offset 10").await;
    assert_eq!(ids(&page), all[10..15].to_vec());
    assert_eq!(page.json()["info"], json!({ "count": 5, "more_records": true }));
    let comma = coql(&t, &admin, "select Last_Name from Leads where id is not null limit 10, 5").await;
    assert_eq!(ids(&comma), all[10..15].to_vec(), "limit offset, count");
    let default = coql(&t, &admin, "select Last_Name from Leads where id is not null").await;
    assert_eq!(ids(&default), all[..200].to_vec(), "default limit 200, by id ascending");
    assert_eq!(default.json()["info"]["more_records"], true);
    let last =
        coql(&t, &admin, &format!("select Last_Name from Leads where id is not null limit 200 offset {}", all.len() - 3)).await;
    assert_eq!(ids(&last), all[all.len() - 3..].to_vec());
    assert_eq!(last.json()["info"], json!({ "count": 3, "more_records": false }));
    let beyond =
        coql(&t, &admin, &format!("select Last_Name from Leads where id is not null limit 5 offset {}", all.len())).await;
    assert_eq!(beyond.status, StatusCode::NO_CONTENT);
    let none = coql(&t, &admin, "select Last_Name from Leads where Last_Name = 'Nobody-at-all'").await;
    assert_eq!(none.status, StatusCode::NO_CONTENT);
    assert!(none.text.is_empty() && none.content_type.is_none());
}

#[tokio::test]
async fn rows_carry_the_selected_columns_typed_and_relations_under_their_path() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let deal = t.sandbox.find_records("Deals", |_| true).pop().expect("a deal");
    let contact = t.sandbox.record("Contacts", deal["Contact_Name"]["id"].as_str().unwrap_or_default()).expect("its contact");
    let owner = t.sandbox.users().into_iter().find(|u| u.id == deal["Owner"]["id"]).expect("its owner");
    let query = format!(
        "select Deal_Name, Amount, Probability, Closing_Date, Contact_Name, Contact_Name.Full_Name, Course.Seats, Owner, \
         Owner.first_name, Owner.last_name, Owner.full_name, Owner.email, Owner.id from Deals where id = '{}'",
        deal["id"].as_str().unwrap_or_default()
    );
    let answer = coql(&t, &admin, &query).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let row = &answer.data()[0];
    let (first, last) = owner.name.split_once(' ').expect("two names");
    assert_eq!(
        row,
        &json!({
            "Deal_Name": deal["Deal_Name"], "Amount": deal["Amount"], "Probability": deal["Probability"],
            "Closing_Date": deal["Closing_Date"],
            // Lookups and owners come as their id alone in COQL.
            "Contact_Name": { "id": deal["Contact_Name"]["id"] },
            "Contact_Name.Full_Name": contact["Full_Name"],
            "Course.Seats": t.sandbox.record("Courses", deal["Course"]["id"].as_str().unwrap_or_default()).expect("course")["Seats"],
            "Owner": { "id": owner.id }, "Owner.first_name": first, "Owner.last_name": last,
            "Owner.full_name": owner.name, "Owner.email": owner.email, "Owner.id": owner.id,
            "id": deal["id"],
        })
    );
    assert!(row["Amount"].is_number() && row["Course.Seats"].is_number());
    let lead = coql(&t, &admin, "select Languages, Scholarship, Quoted_Fee from Leads where Quoted_Fee is null limit 1").await;
    let row = &lead.data()[0];
    assert!(row["Languages"].is_array() && row["Scholarship"].is_boolean() && row["Quoted_Fee"].is_null(), "{row}");
    // A relation in the where clause.
    let name = contact["Full_Name"].as_str().unwrap_or_default().replace('\'', "''");
    let by_name = coql(&t, &admin, &format!("select Deal_Name from Deals where Contact_Name.Full_Name = '{name}'")).await;
    assert_eq!(ids(&by_name), expected(&t, "Deals", |d| d["Contact_Name"]["id"] == contact["id"]));
}

#[tokio::test]
async fn a_doubled_quote_matches_a_quote() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let created = t
        .post(&admin, "/crm/v8/Leads", &json!({ "data": [{ "Last_Name": "Quote", "Company": "Zed's 'Quoted' Academy" }] }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let answer = coql(&t, &admin, "select Company from Leads where Company = 'Zed''s ''Quoted'' Academy'").await;
    assert_eq!(answer.data().len(), 1, "{}", answer.text);
    assert_eq!(answer.data()[0]["Company"], "Zed's 'Quoted' Academy");
    let seeded = coql(&t, &admin, "select Last_Name from Leads where Last_Name in ('O''Brien', 'D''Souza') limit 2000").await;
    let want = expected(&t, "Leads", |l| l["Last_Name"] == "O'Brien" || l["Last_Name"] == "D'Souza");
    assert!(!want.is_empty());
    assert_eq!(ids(&seeded), want);
    let like = coql(&t, &admin, "select Last_Name from Leads where Company like '%xavier''s%' limit 2000").await;
    assert_eq!(ids(&like), expected(&t, "Leads", |l| l["Company"] == "St. Xavier's College"));
}

#[tokio::test]
async fn count_id_counts_matches_and_never_answers_204() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let pune = expected(&t, "Leads", |l| l["City"] == "Pune").len();
    let answer = coql(&t, &admin, "select COUNT(id) from Leads where City = 'Pune'").await;
    assert_eq!(answer.json(), &json!({ "data": [{ "COUNT(id)": pune }], "info": { "count": 1, "more_records": false } }));
    let all = coql(&t, &admin, "SELECT count(id) FROM Leads where id is not null").await;
    assert_eq!(all.data()[0]["COUNT(id)"], t.sandbox.record_count("Leads"));
    let zero = coql(&t, &admin, "select COUNT(id) from Leads where City = 'Atlantis'").await;
    assert_eq!((zero.status, zero.data()[0]["COUNT(id)"].as_u64()), (StatusCode::OK, Some(0)));
}

#[tokio::test]
async fn standard_users_see_only_their_own_records() {
    let t = TestSandbox::start().await;
    let coordinator = t.login_with("coordinator", &coql_scopes()).await.access;
    let me = t.user_id("coordinator");
    let mine = expected(&t, "Leads", |l| l["Owner"]["id"] == me.as_str());
    assert!(!mine.is_empty() && mine.len() < t.sandbox.lead_count());
    let answer = coql(&t, &coordinator, "select Last_Name, Owner from Leads where id is not null limit 2000").await;
    assert_eq!(ids(&answer), mine);
    let count = coql(&t, &coordinator, "select COUNT(id) from Leads where id is not null").await;
    assert_eq!(count.data()[0]["COUNT(id)"], mine.len());
    let admin_id = t.user_id("admin");
    let others = coql(&t, &coordinator, &format!("select Last_Name from Leads where Owner = '{admin_id}'")).await;
    assert_eq!(others.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn queries_are_recorded_counted_and_go_through_the_fault_switch() {
    let t = TestSandbox::start().await;
    let admin = t.login_with("admin", &coql_scopes()).await.access;
    let queries =
        ["select Last_Name from Leads where id is not null limit 1", "select Nope from Leads where id is not null", "select"];
    for query in queries {
        coql(&t, &admin, query).await;
    }
    assert_eq!(t.sandbox.received_coql(), queries.map(str::to_string).to_vec());
    assert_eq!(t.sandbox.calls().get("coql"), 3);
    t.sandbox.add_fault_rule(crate::FaultRule::times(crate::Fault::Status(500), 1).on("coql"));
    assert_eq!(coql(&t, &admin, queries[0]).await.code(), "INTERNAL_ERROR");
    assert_eq!(coql(&t, &admin, queries[0]).await.status, StatusCode::OK);
}
