//! What a request to `/crm/v8/actions/watch` says, checked against Zoho's rules (§10): the body's
//! channels (at most 50, under `watch`), each with a numeric `channel_id`, 1 to 50 `events`
//! `<Module>.create|edit|delete|all` of the org's modules, an `http(s)` `notify_url` of at most 255
//! characters, a `token` of at most 50, a `channel_expiry` within the maximum. Errors come in
//! Zoho's shapes: request-level for the body, per channel (`code`, `details.api_name`,
//! `details.json_path`) for its items. What the checked request does is `mod.rs`'s business.
//!
//! UNCONFIRMED: the codes of errors neither §10 nor the v8 spec's examples show (those show
//! `INVALID_DATA` on `events` and `channel_expiry`, `MANDATORY_NOT_FOUND` on `notify_url` and
//! `channel_id`, with `details.api_name`): a body without `watch` answers as the records API does
//! without `data` (`REQUIRED_PARAM_MISSING`), too many channels or events `LIMIT_EXCEEDED` as too
//! many records do, and every other bad value `INVALID_DATA` naming it.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::channels::{Operation, expiry_after, whole_seconds};
use crate::crm::validate::record_error;
use crate::crm::{Ctx, WatchOp};
use crate::http::ApiError;
use crate::state::Inner;

/// Channels per request and events per channel (§10).
const MAX_CHANNELS: usize = 50;
const MAX_EVENTS: usize = 50;
/// `token` length: the docs' 50, not the spec's 256 (§10 "keep token within 50 characters").
const MAX_TOKEN: usize = 50;
const MAX_NOTIFY_URL: usize = 255;

/// One channel of a request body, checked.
pub(super) struct Item {
    pub channel_id: u64,
    /// Modules in order of first mention, each with the operations its events name.
    pub events: Vec<(String, BTreeSet<Operation>)>,
    pub notify_url: Option<String>,
    pub token: Option<String>,
    pub expires: Option<DateTime<Utc>>,
    pub notify_on_related_action: Option<bool>,
    pub return_affected_field_values: Option<bool>,
    /// `PATCH` with `"_delete_events": true` ("disable specific notifications").
    pub delete_events: bool,
}

/// The body's channels with each one's JSON path: `{"watch":[…]}`, or for `PATCH` also the single
/// flat object the v8 spec shows.
pub(super) fn body_items(ctx: &Ctx<'_>, op: WatchOp) -> Result<Vec<(Value, String)>, ApiError> {
    let invalid = |details: Value| ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data").details(details);
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&ctx.body) else {
        return Err(invalid(json!({ "expected_data_type": "jsonobject" })));
    };
    let items = match body.get("watch") {
        None | Some(Value::Null) if op == WatchOp::Update && body.contains_key("channel_id") => {
            return Ok(vec![(Value::Object(body), "$".to_string())]);
        }
        None | Some(Value::Null) => return Err(ApiError::missing_param("watch")),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid(json!({ "api_name": "watch", "expected_data_type": "jsonarray" }))),
    };
    if items.is_empty() {
        return Err(invalid(json!({ "api_name": "watch", "json_path": "$.watch" })));
    }
    if items.len() > MAX_CHANNELS {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "LIMIT_EXCEEDED", "the number of channels exceeds the limit")
            .details(json!({ "api_name": "watch", "limit": MAX_CHANNELS })));
    }
    Ok(items.iter().enumerate().map(|(index, item)| (item.clone(), format!("$.watch[{index}]"))).collect())
}

fn invalid(path: &str, key: &str, extra: &[(&str, Value)]) -> Value {
    let mut details = json!({ "api_name": key, "json_path": format!("{path}.{key}") });
    for (name, value) in extra {
        details[*name] = value.clone();
    }
    record_error("INVALID_DATA", "invalid data", details)
}

fn missing(path: &str, key: &str) -> Value {
    record_error(
        "MANDATORY_NOT_FOUND",
        "required field not found",
        json!({ "api_name": key, "json_path": format!("{path}.{key}") }),
    )
}

/// Checks one channel of the body; the error is Zoho's per-channel error.
pub(super) fn parse_item(
    ctx: &Ctx<'_>,
    inner: &Inner,
    item: &Value,
    path: &str,
    op: WatchOp,
    now: DateTime<Utc>,
) -> Result<Item, Value> {
    let Some(object) = item.as_object() else {
        return Err(record_error(
            "INVALID_DATA",
            "invalid data",
            json!({ "json_path": path, "expected_data_type": "jsonobject" }),
        ));
    };
    let given = |key: &str| object.get(key).filter(|v| !v.is_null());
    let boolean = |key: &str| match given(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(path, key, &[("expected_data_type", json!("boolean"))])),
    };
    let channel_id = match given("channel_id") {
        None => return Err(missing(path, "channel_id")),
        Some(value) => channel_id(value).ok_or_else(|| invalid(path, "channel_id", &[("expected_data_type", json!("long"))]))?,
    };
    let delete_events = op == WatchOp::Update && boolean("_delete_events")?.unwrap_or(false);
    let events = events(inner, given("events"), path)?;
    let notify_url = match given("notify_url") {
        // Removing events names only the channel and the events (the "disable specific
        // notifications" call); every other write carries the URL (§10 shapes to respect).
        None if delete_events => None,
        None => return Err(missing(path, "notify_url")),
        Some(value) => Some(notify_url(value).map_err(|extra| invalid(path, "notify_url", &extra))?),
    };
    let token = match given("token") {
        None => None,
        Some(Value::String(token)) if token.chars().count() <= MAX_TOKEN => Some(token.clone()),
        Some(Value::String(_)) => return Err(invalid(path, "token", &[("maximum_length", json!(MAX_TOKEN))])),
        Some(_) => return Err(invalid(path, "token", &[("expected_data_type", json!("string"))])),
    };
    let expires = match given("channel_expiry") {
        None => None,
        Some(value) => Some(channel_expiry(ctx, value, now).map_err(|extra| invalid(path, "channel_expiry", &extra))?),
    };
    Ok(Item {
        channel_id,
        events,
        notify_url,
        token,
        expires,
        notify_on_related_action: boolean("notify_on_related_action")?,
        return_affected_field_values: boolean("return_affected_field_values")?,
        delete_events,
    })
}

/// A channel id: a positive long, as a JSON number or a string of digits (§10).
pub(super) fn channel_id(value: &Value) -> Option<u64> {
    let id = match value {
        Value::Number(n) => n.as_u64()?,
        Value::String(text) if !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok()?
        }
        _ => return None,
    };
    (id > 0 && id <= i64::MAX as u64).then_some(id)
}

/// `events`: 1 to 50 of `<Module>.create|edit|delete|all`, for modules of the org (§10).
fn events(inner: &Inner, value: Option<&Value>, path: &str) -> Result<Vec<(String, BTreeSet<Operation>)>, Value> {
    let key = "events";
    let list = match value {
        None => return Err(missing(path, key)),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid(path, key, &[("expected_data_type", json!("jsonarray"))])),
    };
    if list.is_empty() {
        return Err(invalid(path, key, &[]));
    }
    if list.len() > MAX_EVENTS {
        return Err(record_error(
            "LIMIT_EXCEEDED",
            "the number of events exceeds the limit",
            json!({ "api_name": key, "json_path": format!("{path}.{key}"), "limit": MAX_EVENTS }),
        ));
    }
    let mut events: Vec<(String, BTreeSet<Operation>)> = Vec::new();
    for (index, event) in list.iter().enumerate() {
        let parsed = event.as_str().and_then(|text| {
            let (module, suffix) = text.rsplit_once('.')?;
            Some((inner.org.module(module)?.api_name.clone(), Operation::parse_event(suffix)?))
        });
        // The spec's example for a module it does not support: INVALID_DATA on `events` (§10).
        let Some((module, operations)) = parsed else {
            return Err(record_error(
                "INVALID_DATA",
                "invalid data",
                json!({ "api_name": key, "json_path": format!("{path}.{key}[{index}]") }),
            ));
        };
        match events.iter_mut().find(|(m, _)| *m == module) {
            Some((_, set)) => set.extend(operations),
            None => events.push((module, operations.iter().copied().collect())),
        }
    }
    Ok(events)
}

/// An absolute `http(s)` URL of at most 255 characters; the error's extra details.
fn notify_url(value: &Value) -> Result<String, Vec<(&'static str, Value)>> {
    let Some(text) = value.as_str() else {
        return Err(vec![("expected_data_type", json!("string"))]);
    };
    if text.chars().count() > MAX_NOTIFY_URL {
        return Err(vec![("maximum_length", json!(MAX_NOTIFY_URL))]);
    }
    // Zoho's own examples put a space in the query (`authorization=Zoho-oauthtoken 1000…`), so
    // the URL is parsed the way browsers do, not checked character by character.
    match url::Url::parse(text.trim()) {
        Ok(url) if ["http", "https"].contains(&url.scheme()) && url.host().is_some() => Ok(text.trim().to_string()),
        _ => Err(Vec::new()),
    }
}

/// A requested `channel_expiry`: ISO 8601 with an offset, in the future, at most
/// `max_channel_expiry` away (§10: "a request past the maximum may be refused (INVALID_DATA)").
/// UNCONFIRMED: that a past time is refused too rather than ending the channel at once.
fn channel_expiry(ctx: &Ctx<'_>, value: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>, Vec<(&'static str, Value)>> {
    let parsed = value.as_str().and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok());
    let Some(parsed) = parsed else {
        return Err(vec![("expected_data_type", json!("datetime"))]);
    };
    let at = whole_seconds(parsed.with_timezone(&Utc));
    let latest = expiry_after(now, ctx.shared.config.max_channel_expiry);
    if at <= now || at > latest {
        return Err(Vec::new());
    }
    Ok(at)
}

/// UNCONFIRMED: Zoho's answer for a channel id that is not (or no longer) enabled.
pub(super) fn unknown_channel(path: &str) -> Value {
    invalid(path, "channel_id", &[])
}
