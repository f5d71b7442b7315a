//! The Notification API's channels (§10): enable, list, update, replace and disable over
//! `/crm/v8/actions/watch`, their limits and errors, scopes, and expiry.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{ALL_SCOPES, Answer, TestSandbox};
use crate::SandboxConfig;
use crate::tests::receiver::Receiver;

pub(crate) const WATCH: &str = "/crm/v8/actions/watch";
const SUBSCRIBED: &str = "Successfully subscribed for actions-watch of the given module";

/// The usual scopes plus `ZohoCRM.notifications.ALL`.
pub(crate) fn notify_scopes() -> String {
    format!("{ALL_SCOPES},ZohoCRM.notifications.ALL")
}

/// One channel of a request body.
pub(crate) fn channel(id: u64, events: &[&str], notify_url: &str) -> Value {
    json!({ "channel_id": id.to_string(), "events": events, "notify_url": notify_url, "token": format!("token-{id}") })
}

/// Signs `user` in with the notifications scope.
pub(crate) async fn login(t: &TestSandbox, user: &str) -> String {
    t.login_with(user, &notify_scopes()).await.access
}

pub(crate) async fn enable(t: &TestSandbox, token: &str, channels: &[Value]) -> Answer {
    t.post(token, WATCH, &json!({ "watch": channels })).await
}

async fn patch(t: &TestSandbox, token: &str, body: &Value) -> Answer {
    t.call(Method::PATCH, Some(token), WATCH, Some(body)).await
}

fn time(text: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text.as_str().expect("a time")).expect("ISO 8601 time")
}

fn watch(answer: &Answer) -> Vec<Value> {
    answer.json()["watch"].as_array().cloned().unwrap_or_default()
}

fn in_a_while(from_now: TimeDelta) -> String {
    (Utc::now() + from_now)
        .with_timezone(&FixedOffset::east_opt(19_800).expect("offset"))
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[tokio::test]
async fn enable_answers_201_with_the_granted_expiry_and_the_org_lists_the_channel() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let hook = "https://portal.example.org/zoho/notifications?org=zylker";
    let answer = enable(&t, &admin, &[channel(1_000_000_068_001, &["Leads.all", "Contacts.create"], hook)]).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let result = &watch(&answer)[0];
    assert_eq!((result["code"].as_str(), result["status"].as_str()), (Some("SUCCESS"), Some("success")));
    assert_eq!(result["message"], SUBSCRIBED);
    let events = result["details"]["events"].as_array().expect("one entry per module");
    assert_eq!(events.len(), 2);
    let leads_id = t.get(&admin, "/crm/v8/settings/modules/Leads").await.json()["modules"][0]["id"].clone();
    assert_eq!(events[0]["resource_name"], "Leads");
    assert_eq!(events[0]["resource_uri"], format!("{}/crm/v8/Leads", t.sandbox.api_url()));
    assert_eq!(events[0]["resource_id"], leads_id);
    assert_eq!(events[0]["channel_id"], "1000000068001");
    assert_eq!(events[1]["resource_name"], "Contacts");
    // Without channel_expiry, a channel lives one hour (§10), in the org's offset.
    let granted = time(&events[0]["channel_expiry"]);
    assert!(events[0]["channel_expiry"].as_str().is_some_and(|t| t.ends_with("+05:30")));
    let hour = (granted.with_timezone(&Utc) - Utc::now()).num_seconds();
    assert!((3590..=3600).contains(&hour), "{hour} s");

    // Channels belong to the org: another user with the scope lists them.
    let coordinator = login(&t, "coordinator").await;
    let listed = t.get(&coordinator, WATCH).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let entries = watch(&listed);
    assert_eq!(entries.len(), 2);
    let leads = &entries[1];
    assert_eq!(leads["resource_name"], "Leads");
    assert_eq!(leads["events"], json!(["Leads.create", "Leads.edit", "Leads.delete"]));
    assert_eq!(leads["notify_url"], hook);
    assert_eq!(leads["token"], "token-1000000068001");
    assert_eq!(leads["channel_expiry"], events[0]["channel_expiry"]);
    assert_eq!(
        (leads["notify_on_related_action"].as_bool(), leads["return_affected_field_values"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(entries[0]["events"], json!(["Contacts.create"]));
    assert_eq!(listed.json()["info"], json!({ "per_page": 200, "count": 2, "page": 1, "more_records": false }));

    let contacts = t.get(&coordinator, &format!("{WATCH}?module=Contacts")).await;
    assert_eq!(watch(&contacts).len(), 1);
    assert_eq!(t.get(&coordinator, &format!("{WATCH}?channel_id=42")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(t.get(&coordinator, &format!("{WATCH}?module=Potions")).await.code(), "INVALID_MODULE");
    assert_eq!(t.get(&coordinator, &format!("{WATCH}?channel_id=abc")).await.code(), "INVALID_DATA");
    let paged = t.get(&coordinator, &format!("{WATCH}?per_page=1&page=2")).await;
    assert_eq!(watch(&paged)[0]["resource_name"], "Leads");
    assert_eq!(paged.json()["info"]["more_records"], false);
    let calls = t.sandbox.calls();
    assert_eq!((calls.get("notifications.enable"), calls.get("notifications.list")), (1, 6));
}

#[tokio::test]
async fn patch_renews_and_adds_put_replaces_and_delete_events_removes() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let hook = "https://portal.example.org/hook";
    enable(&t, &admin, &[channel(77, &["Leads.create"], hook)]).await;

    // PATCH (wrapped in `watch`, as the docs write it): a later expiry and one more event.
    let later = in_a_while(TimeDelta::days(2));
    let renewed = patch(
        &t,
        &admin,
        &json!({ "watch": [{ "channel_id": 77, "events": ["Leads.edit"], "notify_url": hook, "channel_expiry": later }] }),
    )
    .await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text);
    assert_eq!(watch(&renewed)[0]["message"], "Successfully updated the subscribe details");
    let granted = &watch(&renewed)[0]["details"]["events"][0]["channel_expiry"];
    assert_eq!(time(granted), time(&json!(later)));
    let listed = watch(&t.get(&admin, &format!("{WATCH}?channel_id=77")).await);
    assert_eq!(listed[0]["events"], json!(["Leads.create", "Leads.edit"]));
    assert_eq!(listed[0]["token"], "token-77", "details not given stay");

    // PATCH as the v8 spec writes it: one flat object.
    let flat = patch(&t, &admin, &json!({ "channel_id": "77", "events": ["Contacts.delete"], "notify_url": hook })).await;
    assert_eq!(flat.status, StatusCode::OK, "{}", flat.text);
    assert_eq!(watch(&t.get(&admin, &format!("{WATCH}?channel_id=77")).await).len(), 2);

    // PUT: what is given, the rest removed.
    let replaced = t
        .put(
            &admin,
            WATCH,
            &json!({ "watch": [{ "channel_id": 77, "events": ["Deals.edit", "Deals.delete"], "notify_url": hook }] }),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    let listed = watch(&t.get(&admin, WATCH).await);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["events"], json!(["Deals.edit", "Deals.delete"]));
    assert!(listed[0]["token"].is_null());

    // "Disable specific notifications": PATCH with `_delete_events`.
    let removed =
        patch(&t, &admin, &json!({ "watch": [{ "channel_id": 77, "events": ["Deals.edit"], "_delete_events": true }] })).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(watch(&removed)[0]["message"], "Successfully removed the subscribe details");
    assert_eq!(watch(&t.get(&admin, WATCH).await)[0]["events"], json!(["Deals.delete"]));
    patch(&t, &admin, &json!({ "watch": [{ "channel_id": 77, "events": ["Deals.all"], "_delete_events": true }] })).await;
    assert_eq!(t.get(&admin, WATCH).await.status, StatusCode::NO_CONTENT, "a channel without events is gone");

    // Updating a channel that is not enabled.
    let unknown = t.put(&admin, WATCH, &json!({ "watch": [channel(78, &["Leads.all"], hook)] })).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(watch(&unknown)[0]["details"]["api_name"], "channel_id");
    assert_eq!(patch(&t, &admin, &json!({ "watch": [channel(78, &["Leads.all"], hook)] })).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn disable_answers_per_subscription_and_207_when_a_channel_is_unknown() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let hook = "http://127.0.0.1:9/hook";
    enable(&t, &admin, &[channel(1, &["Leads.all", "Deals.edit"], hook), channel(2, &["Contacts.all"], hook)]).await;
    // Any user of the org with the scope may disable the org's channels.
    let advisor = login(&t, "advisor").await;
    let answer = t.delete(&advisor, &format!("{WATCH}?channel_ids=1,2,3")).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", answer.text);
    let results = watch(&answer);
    assert_eq!(results.len(), 4, "one per module of each channel, then the unknown one");
    assert_eq!(
        results[0],
        json!({
            "code": "SUCCESS",
            "details": { "resource_uri": format!("{}/crm/v8/Deals", t.sandbox.api_url()), "resource_id": results[0]["details"]["resource_id"], "channel_id": "1" },
            "message": "Successfully un-subscribed from actions-watch",
            "status": "success",
        })
    );
    assert_eq!(results[2]["details"]["channel_id"], "2");
    assert_eq!((results[3]["code"].as_str(), results[3]["details"]["channel_id"].as_str()), (Some("INVALID_DATA"), Some("3")));
    assert_eq!(t.get(&admin, WATCH).await.status, StatusCode::NO_CONTENT);
    assert_eq!(t.delete(&admin, &format!("{WATCH}?channel_ids=1")).await.status, StatusCode::BAD_REQUEST, "already disabled");

    let missing = t.delete(&admin, WATCH).await;
    assert_eq!(
        (missing.code(), missing.json()["details"]["param_name"].as_str()),
        ("REQUIRED_PARAM_MISSING", Some("channel_ids"))
    );
    assert_eq!(t.delete(&admin, &format!("{WATCH}?channel_ids=1,abc")).await.code(), "INVALID_DATA");
    let many: Vec<String> = (1..=51).map(|n| n.to_string()).collect();
    assert_eq!(t.delete(&admin, &format!("{WATCH}?channel_ids={}", many.join(","))).await.code(), "LIMIT_EXCEEDED");
}

#[tokio::test]
async fn each_channel_is_checked_against_zoho_s_limits() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let hook = "https://portal.example.org/hook";
    let with = |key: &str, value: Value| {
        let mut item = channel(5, &["Leads.all"], hook);
        item[key] = value;
        item
    };
    let without = |key: &str| {
        let mut item = channel(5, &["Leads.all"], hook);
        item.as_object_mut().expect("object").remove(key);
        item
    };
    let many_events: Vec<String> = (0..51).map(|_| "Leads.edit".to_string()).collect();
    let cases: Vec<(Value, &str, &str)> = vec![
        (without("channel_id"), "MANDATORY_NOT_FOUND", "channel_id"),
        (with("channel_id", json!("12ab")), "INVALID_DATA", "channel_id"),
        (with("channel_id", json!(-4)), "INVALID_DATA", "channel_id"),
        (without("events"), "MANDATORY_NOT_FOUND", "events"),
        (with("events", json!([])), "INVALID_DATA", "events"),
        (with("events", json!(["Potions.create"])), "INVALID_DATA", "events"),
        (with("events", json!(["Leads.update"])), "INVALID_DATA", "events"),
        (with("events", json!(["Leads"])), "INVALID_DATA", "events"),
        (with("events", json!(many_events)), "LIMIT_EXCEEDED", "events"),
        (without("notify_url"), "MANDATORY_NOT_FOUND", "notify_url"),
        (with("notify_url", json!("ftp://portal.example.org/hook")), "INVALID_DATA", "notify_url"),
        (with("notify_url", json!("not a url")), "INVALID_DATA", "notify_url"),
        (with("notify_url", json!(format!("https://portal.example.org/{}", "a".repeat(240)))), "INVALID_DATA", "notify_url"),
        (with("token", json!("t".repeat(51))), "INVALID_DATA", "token"),
        (with("channel_expiry", json!(in_a_while(TimeDelta::days(8)))), "INVALID_DATA", "channel_expiry"),
        (with("channel_expiry", json!(in_a_while(TimeDelta::hours(-1)))), "INVALID_DATA", "channel_expiry"),
        (with("channel_expiry", json!("tomorrow")), "INVALID_DATA", "channel_expiry"),
        (with("return_affected_field_values", json!("yes")), "INVALID_DATA", "return_affected_field_values"),
        (json!("a channel"), "INVALID_DATA", ""),
    ];
    let mut body: Vec<Value> = vec![with("channel_expiry", json!(in_a_while(TimeDelta::days(7) - TimeDelta::minutes(1))))];
    body.extend(cases.iter().map(|(item, _, _)| item.clone()));
    let answer = enable(&t, &admin, &body).await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", answer.text);
    let results = watch(&answer);
    assert_eq!(results[0]["code"], "SUCCESS", "a week minus a minute is within the limit");
    for (index, (_, code, field)) in cases.iter().enumerate() {
        let result = &results[index + 1];
        assert_eq!((result["code"].as_str(), result["status"].as_str()), (Some(*code), Some("error")), "case {index}: {result}");
        if !field.is_empty() {
            assert_eq!(result["details"]["api_name"], *field, "case {index}: {result}");
            assert!(
                result["details"]["json_path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with(&format!("$.watch[{}].{field}", index + 1)))
            );
        }
    }
    assert_eq!(results[11]["details"]["json_path"], "$.watch[11].notify_url");
    assert_eq!(results[13]["details"]["maximum_length"], 255);
    assert_eq!(results[14]["details"]["maximum_length"], 50);
    assert_eq!(results[9]["details"]["limit"], 50);

    // All refused: 400 with the same per-channel shape.
    let refused = enable(&t, &admin, &[without("notify_url")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(watch(&refused)[0]["code"], "MANDATORY_NOT_FOUND");
    // Request-level errors.
    let too_many: Vec<Value> = (1..=51).map(|n| channel(n, &["Leads.all"], hook)).collect();
    assert_eq!(enable(&t, &admin, &too_many).await.code(), "LIMIT_EXCEEDED");
    assert_eq!(enable(&t, &admin, &[]).await.code(), "INVALID_DATA");
    assert_eq!(t.post(&admin, WATCH, &json!({ "channels": [] })).await.code(), "REQUIRED_PARAM_MISSING");
    assert_eq!(t.post(&admin, WATCH, &json!([1, 2])).await.code(), "INVALID_DATA");
    assert_eq!(t.call(Method::HEAD, Some(&admin), WATCH, None).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_notifications_scope_is_needed_for_each_operation() {
    let t = TestSandbox::start().await;
    let hook = "https://portal.example.org/hook";
    let body = json!({ "watch": [channel(9, &["Leads.all"], hook)] });
    let without = t.login_with("admin", ALL_SCOPES).await.access;
    for method in [Method::POST, Method::GET, Method::PATCH, Method::PUT] {
        let answer = t.call(method.clone(), Some(&without), WATCH, Some(&body)).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::UNAUTHORIZED, "OAUTH_SCOPE_MISMATCH"), "{method}");
    }
    assert_eq!(t.delete(&without, &format!("{WATCH}?channel_ids=9")).await.code(), "OAUTH_SCOPE_MISMATCH");

    // The operation scopes of the v8 docs: CREATE enables, READ lists, UPDATE changes, DELETE
    // disables; ALL and WRITE cover theirs.
    let create = t.login_with("admin", "ZohoCRM.notifications.CREATE").await.access;
    let read = t.login_with("admin", "ZohoCRM.notifications.READ").await.access;
    let update = t.login_with("admin", "ZohoCRM.notifications.UPDATE").await.access;
    let delete = t.login_with("admin", "ZohoCRM.notifications.DELETE").await.access;
    let write = t.login_with("admin", "ZohoCRM.notifications.WRITE").await.access;
    assert_eq!(t.post(&read, WATCH, &body).await.code(), "OAUTH_SCOPE_MISMATCH");
    assert_eq!(t.post(&create, WATCH, &body).await.status, StatusCode::CREATED);
    assert_eq!(t.get(&create, WATCH).await.code(), "OAUTH_SCOPE_MISMATCH");
    assert_eq!(t.get(&read, WATCH).await.status, StatusCode::OK);
    assert_eq!(t.put(&read, WATCH, &body).await.code(), "OAUTH_SCOPE_MISMATCH");
    assert_eq!(t.put(&update, WATCH, &body).await.status, StatusCode::OK);
    assert_eq!(t.call(Method::PATCH, Some(&write), WATCH, Some(&body)).await.status, StatusCode::OK);
    assert_eq!(t.delete(&update, &format!("{WATCH}?channel_ids=9")).await.code(), "OAUTH_SCOPE_MISMATCH");
    assert_eq!(t.delete(&delete, &format!("{WATCH}?channel_ids=9")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_expired_channel_stops_listing_and_calling_back() {
    let config = SandboxConfig { max_channel_expiry: Duration::from_secs(2), ..Default::default() };
    let t = TestSandbox::with(config).await;
    let admin = login(&t, "admin").await;
    let mut receiver = Receiver::start().await;
    let hook = receiver.url("/hook");

    let too_long = enable(&t, &admin, &[json!({ "channel_id": 3, "events": ["Leads.all"], "notify_url": hook, "channel_expiry": in_a_while(TimeDelta::hours(1)) })]).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert_eq!(watch(&too_long)[0]["details"]["api_name"], "channel_expiry");

    // Without channel_expiry the channel gets the default, capped by the maximum.
    let answer = enable(&t, &admin, &[channel(3, &["Leads.all"], &hook)]).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let granted = time(&watch(&answer)[0]["details"]["events"][0]["channel_expiry"]).with_timezone(&Utc);
    assert!(granted <= Utc::now() + TimeDelta::seconds(2));
    let lead = json!({ "data": [{ "Last_Name": "Before Expiry" }] });
    assert_eq!(t.post(&admin, "/crm/v8/Leads", &lead).await.status, StatusCode::CREATED);
    assert_eq!(receiver.next().await.body["operation"], "insert");

    tokio::time::sleep((granted - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(100)).await;
    assert_eq!(t.get(&admin, WATCH).await.status, StatusCode::NO_CONTENT, "an expired channel no longer lists");
    let after = json!({ "data": [{ "Last_Name": "After Expiry" }] });
    assert_eq!(t.post(&admin, "/crm/v8/Leads", &after).await.status, StatusCode::CREATED);
    assert!(receiver.nothing_for(Duration::from_millis(500)).await, "no callback after expiry");
    assert_eq!(t.sandbox.notification_deliveries().len(), 1);
    let renew = patch(&t, &admin, &json!({ "watch": [channel(3, &["Leads.all"], &hook)] })).await;
    assert_eq!(renew.status, StatusCode::BAD_REQUEST, "an expired channel cannot be renewed, only enabled again");
}

#[tokio::test]
async fn hostile_watch_requests_get_zoho_shaped_answers() {
    let t = TestSandbox::start().await;
    let admin = login(&t, "admin").await;
    let bodies = [
        json!(null),
        json!([1, 2]),
        json!({ "watch": null }),
        json!({ "watch": [null, 1, "x", [], {}] }),
        json!({ "watch": [{ "channel_id": 1e30, "events": [1, null, {}], "notify_url": 5, "token": [], "channel_expiry": 7 }] }),
        json!({ "watch": [{ "channel_id": "99999999999999999999", "events": ["Leads.all"], "notify_url": "http://x" }] }),
        json!({ "watch": [{ "channel_id": 1, "events": ["Leads.all"], "notify_url": "http://[::1]:1/", "channel_expiry": "9999-12-31T23:59:59+14:00" }] }),
        json!({ "watch": [{ "channel_id": 2, "events": [".", "..all", "Leads."], "notify_url": "https://" }] }),
        json!({ "channel_id": {}, "events": "Leads.all" }),
        json!({ "watch": [{ "channel_id": 3, "events": ["Leads.all"], "notify_url": "http://x/", "_delete_events": "yes" }] }),
    ];
    for body in &bodies {
        for method in [Method::POST, Method::PATCH, Method::PUT] {
            let answer = t.call(method.clone(), Some(&admin), WATCH, Some(body)).await;
            assert!(
                matches!(answer.status.as_u16(), 200 | 201 | 207 | 400),
                "{method} {body}: {} {}",
                answer.status,
                answer.text
            );
            assert!(answer.body.is_some(), "{method} {body}: JSON body, got {:?}", answer.text);
        }
    }
    let queries = [
        "?channel_id=%FF",
        "?channel_id=-1",
        "?module=%00",
        "?page=0",
        "?per_page=999999",
        "?page=18446744073709551615",
        "?page=99999999999999999999999",
    ];
    for query in queries {
        let answer = t.get(&admin, &format!("{WATCH}{query}")).await;
        assert!(matches!(answer.status.as_u16(), 200 | 204 | 400), "{query}: {}", answer.status);
    }
    for ids in [",,,", "99999999999999999999999", "%FF", "1,,2"] {
        let answer = t.delete(&admin, &format!("{WATCH}?channel_ids={ids}")).await;
        assert!(matches!(answer.status.as_u16(), 200 | 207 | 400), "{ids}: {}", answer.status);
        assert!(answer.body.is_some(), "{ids}: JSON body");
    }
}
