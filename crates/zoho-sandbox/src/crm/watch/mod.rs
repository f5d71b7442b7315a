//! `/crm/v8/actions/watch` (§10): enable (`POST`), list (`GET`), update some details (`PATCH`, or
//! drop some events with `_delete_events`), replace (`PUT`) and disable (`DELETE ?channel_ids=`)
//! the org's notification channels, with Zoho's checks and its per-channel results (201 or 200
//! when all succeed, 207 mixed, 400 none). The registry itself is `channels.rs`.
//!
//! Not simulated: `notification_condition` and `fields` (field-specific notifications, v6+) are
//! accepted and ignored, so such a channel notifies on every change of its events.

mod request;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use self::request::{Item, body_items, channel_id, parse_item, unknown_channel};
use super::records::number_param;
use super::validate::record_error;
use super::{Ctx, WatchOp};
use crate::channels::{Subscription, expiry_after};
use crate::data::format_time;
use crate::http::{ApiError, json as json_response, no_content};
use crate::state::Inner;

/// Channels per page of the list (the spec's `per_page` maximum).
const MAX_PER_PAGE: usize = 200;
/// Channel ids one `DELETE` may name (UNCONFIRMED: the spec caps `channel_ids` at 512
/// characters; 50 is the per-request limit of the other calls).
const MAX_DISABLE_IDS: usize = 50;

const SUBSCRIBED: &str = "Successfully subscribed for actions-watch of the given module";
const UPDATED: &str = "Successfully updated the subscribe details";
const REMOVED: &str = "Successfully removed the subscribe details";
const UNSUBSCRIBED: &str = "Successfully un-subscribed from actions-watch";

type Outcome = Result<Value, Value>;

pub(crate) fn watch(ctx: &Ctx<'_>, op: WatchOp) -> Result<Response, ApiError> {
    match op {
        WatchOp::List => list(ctx),
        WatchOp::Disable => disable(ctx),
        WatchOp::Enable | WatchOp::Update | WatchOp::Replace => write(ctx, op),
    }
}

/// `POST`, `PATCH` and `PUT`: the body's channels, each checked and applied in order.
fn write(ctx: &Ctx<'_>, op: WatchOp) -> Result<Response, ApiError> {
    let items = body_items(ctx, op)?;
    let now = Utc::now();
    let mut inner = ctx.shared.lock();
    let outcomes: Vec<Outcome> = items
        .iter()
        .map(|(item, path)| {
            let item = parse_item(ctx, &inner, item, path, op, now)?;
            match op {
                WatchOp::Enable => Ok(enable(ctx, &mut inner, &item, now)),
                WatchOp::Replace => replace(ctx, &mut inner, &item, path, now),
                _ if item.delete_events => remove_events(ctx, &mut inner, &item, path, now),
                _ => update(ctx, &mut inner, &item, path, now),
            }
        })
        .collect();
    let success = if op == WatchOp::Enable { StatusCode::CREATED } else { StatusCode::OK };
    Ok(batch(outcomes, success))
}

/// When a channel without a requested expiry ends: the default, within the maximum (§10).
fn default_expiry(ctx: &Ctx<'_>, now: DateTime<Utc>) -> DateTime<Utc> {
    let config = &ctx.shared.config;
    expiry_after(now, config.default_channel_expiry.min(config.max_channel_expiry))
}

/// The subscriptions an enable or replace creates, one per module of the events.
fn subscriptions(ctx: &Ctx<'_>, item: &Item, now: DateTime<Utc>) -> Vec<Subscription> {
    item.events
        .iter()
        .map(|(module, operations)| Subscription {
            channel_id: item.channel_id,
            module: module.clone(),
            operations: operations.clone(),
            notify_url: item.notify_url.clone().unwrap_or_default(),
            token: item.token.clone(),
            expires: item.expires.unwrap_or_else(|| default_expiry(ctx, now)),
            notify_on_related_action: item.notify_on_related_action.unwrap_or(false),
            return_affected_field_values: item.return_affected_field_values.unwrap_or(false),
            dc: ctx.dc,
        })
        .collect()
}

fn enable(ctx: &Ctx<'_>, inner: &mut Inner, item: &Item, now: DateTime<Utc>) -> Value {
    let created = subscriptions(ctx, item, now);
    let events: Vec<Value> = created.iter().map(|s| resource(ctx, inner, s, true)).collect();
    for subscription in created {
        inner.channels.put(subscription);
    }
    success(json!({ "events": events }), SUBSCRIBED)
}

/// `PUT`: the channel's details are what the request gives, the rest removed (§10).
fn replace(ctx: &Ctx<'_>, inner: &mut Inner, item: &Item, path: &str, now: DateTime<Utc>) -> Outcome {
    if inner.channels.of_channel(item.channel_id, now).is_empty() {
        return Err(unknown_channel(path));
    }
    inner.channels.remove_channel(item.channel_id, now);
    Ok(enable(ctx, inner, item, now))
}

/// `PATCH`: the given details change on every subscription of the channel, the rest stays; the
/// events are added (removing them is `_delete_events`). UNCONFIRMED: that events merge rather
/// than replace the module's.
fn update(ctx: &Ctx<'_>, inner: &mut Inner, item: &Item, path: &str, now: DateTime<Utc>) -> Outcome {
    let Some(template) = inner.channels.of_channel(item.channel_id, now).first().map(|s| (*s).clone()) else {
        return Err(unknown_channel(path));
    };
    for (module, operations) in &item.events {
        match inner.channels.get_mut(item.channel_id, module) {
            Some(subscription) => subscription.operations.extend(operations),
            None => {
                inner.channels.put(Subscription { module: module.clone(), operations: operations.clone(), ..template.clone() })
            }
        }
    }
    let modules: Vec<String> = inner.channels.of_channel(item.channel_id, now).iter().map(|s| s.module.clone()).collect();
    let mut events = Vec::new();
    for module in modules {
        let Some(subscription) = inner.channels.get_mut(item.channel_id, &module) else {
            continue;
        };
        if let Some(url) = &item.notify_url {
            subscription.notify_url = url.clone();
        }
        if let Some(token) = &item.token {
            subscription.token = Some(token.clone());
        }
        if let Some(expires) = item.expires {
            subscription.expires = expires;
        }
        if let Some(flag) = item.notify_on_related_action {
            subscription.notify_on_related_action = flag;
        }
        if let Some(flag) = item.return_affected_field_values {
            subscription.return_affected_field_values = flag;
        }
        let subscription = subscription.clone();
        events.push(resource(ctx, inner, &subscription, true));
    }
    Ok(success(json!({ "events": events }), UPDATED))
}

/// `PATCH` with `_delete_events`: the named events stop; a module left without events leaves the
/// channel (the answer names the modules touched, without an expiry, as Zoho's sample).
fn remove_events(ctx: &Ctx<'_>, inner: &mut Inner, item: &Item, path: &str, now: DateTime<Utc>) -> Outcome {
    if inner.channels.of_channel(item.channel_id, now).is_empty() {
        return Err(unknown_channel(path));
    }
    let mut events = Vec::new();
    for (module, operations) in &item.events {
        let Some(subscription) = inner.channels.get_mut(item.channel_id, module) else {
            continue;
        };
        subscription.operations.retain(|op| !operations.contains(op));
        let subscription = subscription.clone();
        if subscription.operations.is_empty() {
            inner.channels.remove(item.channel_id, module);
        }
        events.push(resource(ctx, inner, &subscription, false));
    }
    Ok(success(json!({ "events": events }), REMOVED))
}

/// `GET` with optional `channel_id`, `module`, `page`, `per_page`; 204 when none is live.
fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let params = &ctx.params;
    let channel = match params.get("channel_id") {
        None => None,
        Some(text) => Some(channel_id(&json!(text.trim())).ok_or_else(|| ApiError::invalid_param("channel_id"))?),
    };
    let per_page = number_param(params, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)?;
    let page = number_param(params, "page", 1, usize::MAX)?;
    let mut inner = ctx.shared.lock();
    let module = match params.get("module") {
        None => None,
        Some(name) => Some(inner.org.module(name.trim()).map(|m| m.api_name.clone()).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, "INVALID_MODULE", "the module name given seems to be invalid")
                .details(json!({ "param_name": "module" }))
        })?),
    };
    let matching: Vec<Subscription> = inner
        .channels
        .live(Utc::now())
        .into_iter()
        .filter(|s| channel.is_none_or(|id| s.channel_id == id) && module.as_ref().is_none_or(|m| s.module == *m))
        .cloned()
        .collect();
    let start = (page - 1).saturating_mul(per_page);
    let shown: Vec<Value> = matching.iter().skip(start).take(per_page).map(|s| listed(ctx, &inner, s)).collect();
    if shown.is_empty() {
        return Ok(no_content());
    }
    let info = json!({
        "per_page": per_page,
        "count": shown.len(),
        "page": page,
        "more_records": matching.len() > start + shown.len(),
    });
    Ok(json_response(StatusCode::OK, &json!({ "watch": shown, "info": info })))
}

/// One entry of the list, with the keys of Zoho's list sample (§10's sources).
fn listed(ctx: &Ctx<'_>, inner: &Inner, subscription: &Subscription) -> Value {
    let mut entry = resource(ctx, inner, subscription, true);
    if let Value::Object(map) = &mut entry {
        map.insert("notify_on_related_action".into(), json!(subscription.notify_on_related_action));
        map.insert("return_affected_field_values".into(), json!(subscription.return_affected_field_values));
        map.insert("notify_url".into(), json!(subscription.notify_url));
        map.insert("fields".into(), Value::Null);
        map.insert("notification_condition".into(), Value::Null);
        map.insert("events".into(), json!(subscription.events()));
        map.insert("token".into(), json!(subscription.token));
    }
    entry
}

/// `DELETE ?channel_ids=1,2`: one result per subscription disabled; a channel that is not enabled
/// is an error entry (UNCONFIRMED: its code and details).
fn disable(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let text = ctx.params.non_empty("channel_ids").ok_or_else(|| ApiError::missing_param("channel_ids"))?;
    let raw: Vec<&str> = text.split(',').map(str::trim).filter(|id| !id.is_empty()).collect();
    if raw.is_empty() {
        return Err(ApiError::missing_param("channel_ids"));
    }
    if raw.len() > MAX_DISABLE_IDS {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "LIMIT_EXCEEDED", "the number of channel ids exceeds the limit")
            .details(json!({ "param_name": "channel_ids", "limit": MAX_DISABLE_IDS })));
    }
    let mut ids = Vec::new();
    for id in raw {
        let parsed = channel_id(&json!(id))
            .ok_or_else(|| ApiError::invalid_param("channel_ids").details(json!({ "param_name": "channel_ids", "id": id })))?;
        ids.push(parsed);
    }
    let now = Utc::now();
    let mut inner = ctx.shared.lock();
    let mut outcomes: Vec<Outcome> = Vec::new();
    for id in ids {
        let removed = inner.channels.remove_channel(id, now);
        if removed.is_empty() {
            outcomes.push(Err(record_error(
                "INVALID_DATA",
                "invalid data",
                json!({ "param_name": "channel_ids", "channel_id": id.to_string() }),
            )));
        }
        for subscription in removed {
            let details = json!({
                "resource_uri": resource_uri(ctx, &subscription),
                "resource_id": module_id(&inner, &subscription.module),
                "channel_id": subscription.channel_id.to_string(),
            });
            outcomes.push(Ok(success(details, UNSUBSCRIBED)));
        }
    }
    Ok(batch(outcomes, StatusCode::OK))
}

/// `{channel_expiry?, resource_uri, resource_id, resource_name, channel_id}` of one subscription.
fn resource(ctx: &Ctx<'_>, inner: &Inner, subscription: &Subscription, with_expiry: bool) -> Value {
    let mut map = Map::new();
    if with_expiry {
        map.insert("channel_expiry".into(), json!(format_time(subscription.expires.timestamp())));
    }
    map.insert("resource_uri".into(), json!(resource_uri(ctx, subscription)));
    map.insert("resource_id".into(), json!(module_id(inner, &subscription.module)));
    map.insert("resource_name".into(), json!(subscription.module));
    map.insert("channel_id".into(), json!(subscription.channel_id.to_string()));
    Value::Object(map)
}

/// `https://www.zohoapis.com/crm/v8/Leads` in Zoho: here the API domain that enabled the channel.
fn resource_uri(ctx: &Ctx<'_>, subscription: &Subscription) -> String {
    format!("{}/crm/v8/{}", ctx.shared.api_url_of(subscription.dc), subscription.module)
}

fn module_id(inner: &Inner, module: &str) -> String {
    inner.org.module(module).map(|m| m.id.clone()).unwrap_or_default()
}

fn success(details: Value, message: &str) -> Value {
    json!({ "code": "SUCCESS", "details": details, "message": message, "status": "success" })
}

/// All succeeded → `success`, none → 400, mixed → 207, under `watch` (§10).
fn batch(outcomes: Vec<Outcome>, success: StatusCode) -> Response {
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    let status = match ok {
        _ if ok == outcomes.len() => success,
        0 => StatusCode::BAD_REQUEST,
        _ => StatusCode::MULTI_STATUS,
    };
    let watch: Vec<Value> = outcomes.into_iter().map(|o| o.unwrap_or_else(|e| e)).collect();
    json_response(status, &json!({ "watch": watch }))
}
