//! Checks for record writes (§2.4, §2.5): the body's `data` array, field values per type (through
//! `values.rs`), system-mandatory fields, and duplicate checks on unique fields — each failure in
//! Zoho's per-record error shape.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::values::{self, Problem};
use crate::catalog::Module;
use crate::data::user_ref;
use crate::http::ApiError;
use crate::state::{Inner, StoredRecord};

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

/// Checks a record's fields and returns the changes to apply, as stored values. Read-only/system
/// fields are ignored like Zoho ignores read-only fields; `Owner` is written (`{"id":…}` of a
/// user of the org, else INVALID_DATA; §11: the API writes Owner); `$`-keys and `id` are not
/// fields; unknown keys are ignored (the sandbox's choice: Zoho's answer to a key that names no
/// field is not documented in zoho-api.md, and ignoring it is what a careful client survives).
pub(crate) fn validate(
    inner: &Inner,
    ctx: &Ctx<'_>,
    module: &Module,
    record: &Map<String, Value>,
    index: usize,
) -> Result<Map<String, Value>, Value> {
    let mut changes = Map::new();
    let exists = |target: &str, id: u64| inner.store.get(target, id).is_some();
    for (key, value) in record {
        let Some(def) = module.field(key) else {
            continue;
        };
        let owner = def.api_name == "Owner" && def.kind == crate::org::DataType::OwnerLookup;
        if def.read_only && !owner {
            continue;
        }
        if owner && value.is_null() {
            // A record always has an owner: clearing it is invalid data.
            return Err(record_error("INVALID_DATA", "invalid data", json!({ "api_name": key, "json_path": path(index, key) })));
        }
        let stored = values::check(def, value, &exists, &ctx.shared.users).map_err(|problem| {
            let mut details = json!({ "api_name": key, "json_path": path(index, key) });
            match problem {
                // Zoho names the field's data type (`text`, `integer`, `date`…), §2.4.
                Problem::Type(_) => details["expected_data_type"] = json!(def.data_type),
                Problem::Length(max) => details["maximum_length"] = json!(max),
                Problem::Invalid => {}
            }
            record_error("INVALID_DATA", "invalid data", details)
        })?;
        changes.insert(key.clone(), stored);
    }
    Ok(changes)
}

/// `MANDATORY_NOT_FOUND` for the first system-mandatory field without a value (§2.4): on insert
/// every such field must be given, on update none may be cleared.
pub(crate) fn mandatory(module: &Module, changes: &Map<String, Value>, insert: bool, index: usize) -> Result<(), Value> {
    for field in module.fields.iter().filter(|f| f.system_mandatory && !f.read_only) {
        let missing = match changes.get(&field.api_name) {
            None => insert,
            Some(value) => value.is_null(),
        };
        if missing {
            return Err(record_error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({ "api_name": field.api_name, "json_path": path(index, &field.api_name) }),
            ));
        }
    }
    Ok(())
}

/// Whether two stored values are the same for a duplicate check (text case-insensitively).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
        _ => !a.is_null() && a == b,
    }
}

/// A record (any owner) whose `field` holds `value`.
pub(crate) fn find_by<'a>(inner: &'a Inner, module: &str, field: &str, value: &Value) -> Option<&'a StoredRecord> {
    inner.store.records(module).find(|record| same_value(record.field(field), value))
}

/// `DUPLICATE_DATA` when another record (any owner) has the value of a unique field (§2.4, §2.7:
/// Leads' and Contacts' Email, the Courses' Code).
pub(crate) fn duplicate_check(
    inner: &Inner,
    ctx: &Ctx<'_>,
    module: &Module,
    changes: &Map<String, Value>,
    own_id: Option<u64>,
    index: usize,
) -> Result<(), Value> {
    for field in module.fields.iter().filter(|f| f.unique) {
        let Some(value) = changes.get(&field.api_name).filter(|v| !v.is_null()) else {
            continue;
        };
        let other =
            inner.store.records(&module.api_name).find(|r| Some(r.id) != own_id && same_value(r.field(&field.api_name), value));
        let Some(other) = other else {
            continue;
        };
        let owner = ctx.shared.users.get(other.owner).map(user_ref).unwrap_or(Value::Null);
        return Err(record_error(
            "DUPLICATE_DATA",
            "duplicate data",
            json!({
                "api_name": field.api_name,
                "json_path": path(index, &field.api_name),
                "duplicate_record": {
                    "id": other.id.to_string(),
                    "module": { "api_name": module.api_name, "id": module.id },
                    "Owner": owner,
                },
            }),
        ));
    }
    Ok(())
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
