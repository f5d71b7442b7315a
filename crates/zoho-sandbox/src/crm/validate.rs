//! Checks for record writes (§2.4, §2.5): the body's `data` array, field types, lengths, Email
//! format, the mandatory Last_Name, and Leads' duplicate check on Email — each failure in Zoho's
//! per-record error shape.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::{Ctx, fields};
use crate::data::user_ref;
use crate::http::ApiError;
use crate::state::{Inner, Lead};

/// Most records per write call (§2.4).
const MAX_RECORDS: usize = 100;

pub(crate) fn record_error(code: &str, message: &str, details: Value) -> Value {
    json!({ "code": code, "details": details, "message": message, "status": "error" })
}

pub(crate) fn path(index: usize, api_name: &str) -> String {
    format!("$.data[{index}].{api_name}")
}

/// The body's `data` array (request-level errors when the body is not of that shape).
pub(crate) fn body_records(ctx: &Ctx<'_>) -> Result<(Vec<Value>, Map<String, Value>), ApiError> {
    let invalid_body = || {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data")
            .details(json!({ "expected_data_type": "jsonobject" }))
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&ctx.body) else {
        return Err(invalid_body());
    };
    let records = match body.get("data") {
        None | Some(Value::Null) => return Err(ApiError::missing_param("data")),
        Some(Value::Array(records)) => records.clone(),
        Some(_) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data")
                .details(json!({ "api_name": "data", "expected_data_type": "jsonarray" })));
        }
    };
    if records.is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data")
            .details(json!({ "api_name": "data", "json_path": "$.data" })));
    }
    if records.len() > MAX_RECORDS {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "LIMIT_EXCEEDED", "the number of records exceeds the limit")
            .details(json!({ "api_name": "data", "limit": MAX_RECORDS })));
    }
    if let Some(trigger) = body.get("trigger")
        && !trigger.as_array().is_some_and(|t| t.iter().all(Value::is_string))
    {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data")
            .details(json!({ "api_name": "trigger", "expected_data_type": "jsonarray" })));
    }
    Ok((records, body))
}

/// Checks a record's fields and returns the changes to apply. Read-only/system fields and `Owner`
/// are ignored like Zoho ignores read-only fields; `$`-keys and `id` are not fields; an unknown
/// field is `INVALID_DATA` (UNCONFIRMED whether Zoho ignores it; rejecting catches client typos).
pub(crate) fn validate(record: &Map<String, Value>, index: usize) -> Result<Map<String, Value>, Value> {
    let mut changes = Map::new();
    for (key, value) in record {
        if key == "id" || key.starts_with('$') || key == "Tag" || key == "Layout" {
            continue;
        }
        let Some(def) = fields::find(key) else {
            return Err(record_error("INVALID_DATA", "invalid data", json!({ "api_name": key, "json_path": path(index, key) })));
        };
        if def.read_only {
            continue;
        }
        let type_error = |expected: &str| {
            record_error(
                "INVALID_DATA",
                "invalid data",
                json!({ "api_name": key, "json_path": path(index, key), "expected_data_type": expected }),
            )
        };
        match (def.data_type, value) {
            (_, Value::Null) => {}
            ("boolean", Value::Bool(_)) => {}
            ("boolean", _) => return Err(type_error("boolean")),
            (_, Value::String(text)) => {
                if text.chars().count() > def.length {
                    return Err(record_error(
                        "INVALID_DATA",
                        "invalid data",
                        json!({ "api_name": key, "json_path": path(index, key), "maximum_length": def.length }),
                    ));
                }
                if def.data_type == "email" && !text.is_empty() && !is_email(text) {
                    return Err(record_error(
                        "INVALID_DATA",
                        "invalid data",
                        json!({ "api_name": key, "json_path": path(index, key) }),
                    ));
                }
            }
            (data_type, _) => return Err(type_error(data_type)),
        }
        // Empty strings clear a field, like null.
        let value = match value {
            Value::String(text) if text.trim().is_empty() => Value::Null,
            Value::String(text) => Value::String(text.trim().to_string()),
            // A null boolean reads back as false.
            Value::Null if def.data_type == "boolean" => Value::Bool(false),
            other => other.clone(),
        };
        changes.insert(key.clone(), value);
    }
    Ok(changes)
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain, no spaces.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

/// `DUPLICATE_DATA` when another lead (any owner) has this Email: Leads' duplicate check (§2.7).
pub(crate) fn duplicate_check(
    inner: &Inner,
    ctx: &Ctx<'_>,
    changes: &Map<String, Value>,
    own_id: Option<u64>,
    index: usize,
) -> Result<(), Value> {
    let Some(Value::String(email)) = changes.get("Email") else {
        return Ok(());
    };
    let Some(other) = find_by_email(inner, email).filter(|lead| Some(lead.id) != own_id) else {
        return Ok(());
    };
    let owner = ctx.shared.users.get(other.owner).map(user_ref).unwrap_or(Value::Null);
    Err(record_error(
        "DUPLICATE_DATA",
        "duplicate data",
        json!({
            "api_name": "Email",
            "json_path": path(index, "Email"),
            "duplicate_record": {
                "id": other.id.to_string(),
                "module": { "api_name": "Leads", "id": crate::data::LEADS_MODULE_ID },
                "Owner": owner,
            },
        }),
    ))
}

pub(crate) fn find_by_email<'a>(inner: &'a Inner, email: &str) -> Option<&'a Lead> {
    inner.leads.values().find(|lead| lead.field("Email").as_str().is_some_and(|e| e.eq_ignore_ascii_case(email.trim())))
}

pub(crate) fn missing_last_name(index: usize) -> Value {
    record_error(
        "MANDATORY_NOT_FOUND",
        "required field not found",
        json!({ "api_name": "Last_Name", "json_path": path(index, "Last_Name") }),
    )
}

pub(crate) fn refresh_full_name(lead: &mut Lead) {
    let part = |name: &str| lead.field(name).as_str().unwrap_or("").to_string();
    let full = format!("{} {}", part("First_Name"), part("Last_Name")).trim().to_string();
    lead.fields.insert("Full_Name".into(), json!(full));
}

pub(crate) fn invalid_id_record(id: &str, index: usize) -> Value {
    record_error(
        "INVALID_DATA",
        "the id given seems to be invalid",
        json!({ "id": id, "api_name": "id", "json_path": path(index, "id") }),
    )
}

pub(crate) fn no_permission_record(id: &str) -> Value {
    record_error("NO_PERMISSION", "permission denied", json!({ "id": id }))
}
