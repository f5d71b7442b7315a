//! Writing records of any module: insert (`POST /{module}`), update (`PUT /{module}`,
//! `PUT /{module}/{id}`), delete (`DELETE /{module}?ids=`, `DELETE /{module}/{id}`) and upsert
//! (`POST /{module}/upsert`) with Zoho's per-record results and 201/200/207/400 statuses (§2.4–§2.7).
//! Every successful write announces itself to the notification channels (§10, `notify.rs`); the
//! record-level steps are shared with changes "made in Zoho's UI" (`ui.rs`).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::records::{self, module_of, parse_id, visible};
use super::validate::{
    body_records, duplicate_check, find_by, invalid_id_record, mandatory, no_permission_record, path, record_error, validate,
};
use crate::catalog::Module;
use crate::channels::Operation;
use crate::data::{format_time, user_ref};
use crate::http::{ApiError, json as json_response};
use crate::notify::{self, Touched};
use crate::seed;
use crate::state::{Inner, StoredRecord};

/// One record's outcome, already in Zoho's per-record shape.
type Outcome = Result<Value, Value>;

/// HTTP status of a batch: all succeeded → `success`, none → 400, mixed → 207 (§2.4).
fn batch_response(outcomes: Vec<Outcome>, success: StatusCode) -> Response {
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    let status = if ok == outcomes.len() {
        success
    } else if ok == 0 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::MULTI_STATUS
    };
    let data: Vec<Value> = outcomes.into_iter().map(|o| o.unwrap_or_else(|e| e)).collect();
    json_response(status, &json!({ "data": data }))
}

fn success(lead: &StoredRecord, message: &str, extra: &[(&str, Value)]) -> Value {
    let strip = |v: &Value| json!({ "name": v.get("name"), "id": v.get("id") });
    let mut result = json!({
        "code": "SUCCESS",
        "details": {
            "Modified_Time": lead.field("Modified_Time"),
            "Modified_By": strip(lead.field("Modified_By")),
            "Created_Time": lead.field("Created_Time"),
            "id": lead.id.to_string(),
            "Created_By": strip(lead.field("Created_By")),
            "$approval_state": "approved",
        },
        "message": message,
        "status": "success",
    });
    if let Value::Object(map) = &mut result {
        for (key, value) in extra {
            map.insert((*key).to_string(), value.clone());
        }
    }
    result
}

/// The demo user an `Owner` value (as stored by `values::check`) names.
fn owner_index(ctx: &Ctx<'_>, changes: &Map<String, Value>) -> Option<usize> {
    let id = changes.get("Owner")?.get("id")?.as_str()?;
    ctx.shared.users.iter().position(|u| u.id == id)
}

/// Inserts one record; the owner is the caller unless the input assigns one (`"Owner":{"id"}`,
/// §11: the API writes Owner).
pub(super) fn insert_one(
    inner: &mut Inner,
    ctx: &Ctx<'_>,
    module: &Module,
    record: &Value,
    index: usize,
) -> Result<Touched, Value> {
    let Some(record) = record.as_object() else {
        return Err(record_error(
            "INVALID_DATA",
            "invalid data",
            json!({ "json_path": format!("$.data[{index}]"), "expected_data_type": "jsonobject" }),
        ));
    };
    let changes = validate(inner, ctx, module, record, index)?;
    mandatory(module, &changes, true, index)?;
    duplicate_check(inner, ctx, module, &changes, None, index)?;
    let now = chrono::Utc::now().timestamp();
    let user = ctx.caller.user;
    let owner = owner_index(ctx, &changes).unwrap_or(user);
    let me = ctx.shared.users.get(user).map(user_ref).unwrap_or(Value::Null);
    let mut fields = Map::new();
    fields.extend(changes);
    fields.insert("Owner".into(), ctx.shared.users.get(owner).map(user_ref).unwrap_or(Value::Null));
    fields.insert("Created_By".into(), me.clone());
    fields.insert("Modified_By".into(), me);
    fields.insert("Created_Time".into(), json!(format_time(now)));
    fields.insert("Modified_Time".into(), json!(format_time(now)));
    let id = inner.new_record_id();
    let mut stored = StoredRecord::new(id, owner, now, now, fields);
    stored.just_created(inner.search_index_delay);
    seed::complete(module, &mut stored, inner.store.count(&module.api_name));
    let fields = notify::affected_fields(module, None, &stored.fields);
    inner.store.insert(&module.api_name, stored);
    Ok(Touched { id, fields })
}

/// Applies validated changes to a record the caller may change.
pub(super) fn update_one(
    inner: &mut Inner,
    ctx: &Ctx<'_>,
    module: &Module,
    id: u64,
    record: &Map<String, Value>,
    index: usize,
) -> Result<Touched, Value> {
    let changes = validate(inner, ctx, module, record, index)?;
    mandatory(module, &changes, false, index)?;
    duplicate_check(inner, ctx, module, &changes, Some(id), index)?;
    let now = chrono::Utc::now().timestamp();
    let me = ctx.shared.users.get(ctx.caller.user).map(user_ref).unwrap_or(Value::Null);
    let new_owner = owner_index(ctx, &changes);
    let delay = inner.search_index_delay;
    let Some(stored) = inner.store.get_mut(&module.api_name, id) else {
        return Err(invalid_id_record(&id.to_string(), index));
    };
    stored.will_change(delay);
    let before = stored.fields.clone();
    if let Some(owner) = new_owner {
        stored.owner = owner;
    }
    stored.fields.extend(changes);
    stored.modified = now;
    stored.fields.insert("Modified_By".into(), me);
    stored.fields.insert("Modified_Time".into(), json!(format_time(now)));
    seed::complete(module, stored, 0);
    Ok(Touched { id, fields: notify::affected_fields(module, Some(&before), &stored.fields) })
}

/// `POST /crm/v8/{module}`: 201 when all were added (§2.4).
pub(crate) fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (records, _) = body_records(ctx)?;
    let mut inner = ctx.shared.lock();
    let module = module_of(ctx, &inner)?;
    let mut inserted = Vec::new();
    let outcomes: Vec<Outcome> = records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let touched = insert_one(&mut inner, ctx, &module, record, index)?;
            let id = touched.id;
            inserted.push(touched);
            let lead = inner.store.get(&module.api_name, id).ok_or_else(|| invalid_id_record(&id.to_string(), index))?;
            Ok(success(lead, "record added", &[]))
        })
        .collect();
    notify::announce(ctx.shared, &mut inner, &module, Operation::Create, &inserted);
    Ok(batch_response(outcomes, StatusCode::CREATED))
}

/// `PUT /crm/v8/{module}` (ids in the records) and `PUT /crm/v8/{module}/{id}` (§2.5).
pub(crate) fn update(ctx: &Ctx<'_>, path_id: Option<&str>) -> Result<Response, ApiError> {
    let path_id = match path_id {
        Some(raw) => Some(parse_id(raw).ok_or_else(|| records::invalid_id(raw))?),
        None => None,
    };
    let (records, _) = body_records(ctx)?;
    let mut inner = ctx.shared.lock();
    let module = module_of(ctx, &inner)?;
    let name = module.api_name.as_str();
    if let Some(since) = unmodified_since(ctx) {
        // Optimistic locking (§2.2 headers): a targeted lead changed after that time → 412.
        let targets: Vec<u64> = match path_id {
            Some(id) => vec![id],
            None => records
                .iter()
                .filter_map(|r| r.get("id").and_then(|v| v.as_str().map(str::to_string).or_else(|| Some(v.to_string()))))
                .filter_map(|raw| parse_id(&raw))
                .collect(),
        };
        if targets.iter().filter_map(|id| inner.store.get(name, *id)).any(|record| record.modified > since) {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "ALREADY_MODIFIED",
                "Record updated time has already passed if-unmodified-since time",
            ));
        }
    }
    if let Some(id) = path_id {
        // By id, another owner's record is a request-level 403, like GET (§2.10).
        if inner.store.get(name, id).is_some_and(|record| !visible(&ctx.caller, record)) {
            return Err(records::no_permission(name));
        }
    }
    let mut updated = Vec::new();
    let outcomes: Vec<Outcome> = records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let Some(record) = record.as_object() else {
                return Err(record_error(
                    "INVALID_DATA",
                    "invalid data",
                    json!({ "json_path": format!("$.data[{index}]"), "expected_data_type": "jsonobject" }),
                ));
            };
            let id = match (path_id, record.get("id")) {
                (Some(id), _) => id,
                (None, None | Some(Value::Null)) => {
                    return Err(record_error(
                        "MANDATORY_NOT_FOUND",
                        "required field not found",
                        json!({ "api_name": "id", "json_path": path(index, "id") }),
                    ));
                }
                (None, Some(value)) => {
                    let raw = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
                    parse_id(&raw).ok_or_else(|| invalid_id_record(&raw, index))?
                }
            };
            let Some(stored) = inner.store.get(name, id) else {
                return Err(invalid_id_record(&id.to_string(), index));
            };
            if !visible(&ctx.caller, stored) {
                return Err(no_permission_record(&id.to_string()));
            }
            updated.push(update_one(&mut inner, ctx, &module, id, record, index)?);
            let lead = inner.store.get(name, id).ok_or_else(|| invalid_id_record(&id.to_string(), index))?;
            Ok(success(lead, "record updated", &[]))
        })
        .collect();
    notify::announce(ctx.shared, &mut inner, &module, Operation::Edit, &updated);
    Ok(batch_response(outcomes, StatusCode::OK))
}

/// The `If-Unmodified-Since` header as a unix time (ISO-8601 with offset, §2.1), if sent and valid.
fn unmodified_since(ctx: &Ctx<'_>) -> Option<i64> {
    let value = ctx.headers.get("if-unmodified-since")?.to_str().ok()?;
    chrono::DateTime::parse_from_rfc3339(value.trim()).ok().map(|t| t.timestamp())
}

/// `DELETE /crm/v8/{module}?ids=…` and `DELETE /crm/v8/{module}/{id}` (§2.6).
pub(crate) fn delete(ctx: &Ctx<'_>, path_id: Option<&str>) -> Result<Response, ApiError> {
    // Malformed ids answer UNABLE_TO_PARSE_DATA_TYPE on delete (§2.6).
    let unparsable = |raw: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "UNABLE_TO_PARSE_DATA_TYPE",
            "either the request body or parameters is in wrong format",
        )
        .details(json!({ "param_name": "ids", "id": raw }))
    };
    let ids = match path_id {
        Some(raw) => vec![parse_id(raw).ok_or_else(|| unparsable(raw))?],
        None => {
            let text = ctx.params.non_empty("ids").unwrap_or_default();
            if let Some(bad) = text.split(',').map(str::trim).find(|id| !id.is_empty() && parse_id(id).is_none()) {
                return Err(unparsable(bad));
            }
            records::parse_ids(&ctx.params)?
        }
    };
    let mut inner = ctx.shared.lock();
    let module = module_of(ctx, &inner)?;
    let name = module.api_name.as_str();
    if path_id.is_some()
        && let Some(record) = ids.first().and_then(|id| inner.store.get(name, *id))
        && !visible(&ctx.caller, record)
    {
        return Err(records::no_permission(name));
    }
    let mut deleted = Vec::new();
    let outcomes: Vec<Outcome> = ids
        .iter()
        .map(|id| {
            let text = id.to_string();
            match inner.store.get(name, *id) {
                // Deleting a deleted record again: "record not deleted" (§2.6).
                None if inner.deleted.contains(id) => {
                    Err(record_error("INVALID_DATA", "record not deleted", json!({ "id": text })))
                }
                None => Err(record_error("INVALID_DATA", "the id given seems to be invalid", json!({ "id": text }))),
                Some(record) if !visible(&ctx.caller, record) => Err(no_permission_record(&text)),
                Some(_) => {
                    remove_one(&mut inner, name, *id);
                    deleted.push(Touched { id: *id, fields: Vec::new() });
                    Ok(json!({ "code": "SUCCESS", "details": { "id": text }, "message": "record deleted", "status": "success" }))
                }
            }
        })
        .collect();
    notify::announce(ctx.shared, &mut inner, &module, Operation::Delete, &deleted);
    Ok(batch_response(outcomes, StatusCode::OK))
}

/// Deletes a stored record, remembering its id (§2.6: deleting it again is "record not deleted").
pub(super) fn remove_one(inner: &mut Inner, module: &str, id: u64) -> bool {
    let removed = inner.store.remove(module, id).is_some();
    inner.deleted.insert(id);
    removed
}

/// `POST /crm/v8/{module}/upsert` (§2.7). `duplicate_check_fields` may name the module's unique
/// fields (its display field when it has none: Deals `Deal_Name`, custom modules `Name`); by
/// default they are checked in field order. HTTP status: 200 when all succeeded (OAS lists 200;
/// §9 q7 UNCONFIRMED), 207 mixed, 400 all failed.
pub(crate) fn upsert(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (records, body) = body_records(ctx)?;
    let mut inner = ctx.shared.lock();
    let module = module_of(ctx, &inner)?;
    let allowed = module.duplicate_check_fields();
    let checks: Vec<String> = match body.get("duplicate_check_fields") {
        None | Some(Value::Null) => allowed.clone(),
        Some(Value::Array(names)) if names.iter().all(|n| n.as_str().is_some_and(|n| allowed.iter().any(|a| a == n))) => {
            names.iter().filter_map(Value::as_str).map(str::to_string).collect()
        }
        Some(_) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data")
                .details(json!({ "api_name": "duplicate_check_fields", "supported_values": allowed })));
        }
    };
    let name = module.api_name.as_str();
    let (mut inserted, mut updated) = (Vec::new(), Vec::new());
    let outcomes: Vec<Outcome> = records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let existing = checks.iter().find_map(|field| {
                let value = record.get(field).filter(|v| v.as_str().is_none_or(|t| !t.trim().is_empty()) && !v.is_null())?;
                find_by(&inner, name, field, value).map(|found| (found.id, visible(&ctx.caller, found), field.clone()))
            });
            match (existing, record.as_object()) {
                (Some((id, false, _)), _) => Err(no_permission_record(&id.to_string())),
                (Some((id, true, field)), Some(object)) => {
                    updated.push(update_one(&mut inner, ctx, &module, id, object, index)?);
                    let stored = inner.store.get(name, id).ok_or_else(|| invalid_id_record(&id.to_string(), index))?;
                    Ok(success(stored, "record updated", &[("action", json!("update")), ("duplicate_field", json!(field))]))
                }
                _ => {
                    let touched = insert_one(&mut inner, ctx, &module, record, index)?;
                    let id = touched.id;
                    inserted.push(touched);
                    let stored = inner.store.get(name, id).ok_or_else(|| invalid_id_record(&id.to_string(), index))?;
                    Ok(success(stored, "record added", &[("action", json!("insert")), ("duplicate_field", Value::Null)]))
                }
            }
        })
        .collect();
    // One callback per operation (§10): the inserts, then the updates.
    notify::announce(ctx.shared, &mut inner, &module, Operation::Create, &inserted);
    notify::announce(ctx.shared, &mut inner, &module, Operation::Edit, &updated);
    Ok(batch_response(outcomes, StatusCode::OK))
}
