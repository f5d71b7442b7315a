//! Field values per data type: how a written value is checked and stored (§2.4 value rules), and
//! how a stored record is rendered back as Zoho JSON (§2.2: unset fields `null`; lookups
//! `{"name","id"}`; owners `{"name","id","email"}`; multi-select arrays; numbers as numbers).

use chrono::{DateTime, NaiveDate};
use serde_json::{Map, Value, json};

use crate::SandboxUser;
use crate::catalog::{Catalog, Field, Module};
use crate::data::{record_meta, user_ref};
use crate::org::DataType;
use crate::state::{Store, StoredRecord};

/// Why a value does not fit its field (becomes `INVALID_DATA` with these details).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Problem {
    /// Wrong JSON type; Zoho's `expected_data_type`.
    Type(&'static str),
    /// Too long; Zoho's `maximum_length`.
    Length(usize),
    /// Right type, wrong content (bad email, unknown lookup id, impossible date).
    Invalid,
}

/// Largest integer field value: 9 digits (§2.4).
const MAX_INTEGER: i64 = 999_999_999;

/// Checks a value a client wrote to `field` and returns what is stored. `exists(module, id)` tells
/// whether a lookup target exists. Null (and blank text) clears a field.
pub(crate) fn check(
    field: &Field,
    value: &Value,
    exists: &dyn Fn(&str, u64) -> bool,
    users: &[SandboxUser],
) -> Result<Value, Problem> {
    use DataType::*;
    if value.is_null() {
        return Ok(match field.kind {
            // A null boolean reads back as false (Zoho booleans are never null).
            Boolean => Value::Bool(false),
            _ => Value::Null,
        });
    }
    match field.kind {
        Text | Textarea | Email | Phone | Website | Picklist | AutoNumber | Formula => {
            let Value::String(text) = value else {
                return Err(Problem::Type("string"));
            };
            if text.chars().count() > field.length {
                return Err(Problem::Length(field.length));
            }
            let text = text.trim();
            if text.is_empty() {
                return Ok(Value::Null);
            }
            if (field.kind == Email && !is_email(text)) || (field.kind == Phone && !is_phone(text)) {
                return Err(Problem::Invalid);
            }
            // Picklist values outside the list are accepted, as Zoho's API does (§11).
            Ok(json!(text))
        }
        MultiSelect => {
            let Value::Array(items) = value else {
                return Err(Problem::Type("jsonarray"));
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let Some(text) = item.as_str() else {
                    return Err(Problem::Type("jsonarray"));
                };
                if !text.trim().is_empty() {
                    out.push(json!(text.trim()));
                }
            }
            Ok(Value::Array(out))
        }
        Integer | Bigint => {
            let Some(n) = value.as_i64().filter(|_| value.is_i64() || value.is_u64()) else {
                return Err(Problem::Type("integer"));
            };
            // Integers hold at most 9 digits (§2.4); bigint up to Zoho's 18.
            let max = if field.kind == Integer { MAX_INTEGER } else { 999_999_999_999_999_999 };
            if n.abs() > max {
                return Err(Problem::Length(field.length));
            }
            Ok(json!(n))
        }
        Double | Currency | Percent | Decimal => {
            let Some(n) = value.as_f64().filter(|n| n.is_finite()) else {
                return Err(Problem::Type("double"));
            };
            // Currency/decimal: at most 16 digits before the point (§2.4).
            if n.abs().trunc().to_string().trim_start_matches('-').len() > field.length.max(1) {
                return Err(Problem::Length(field.length));
            }
            Ok(value.clone())
        }
        Boolean => value.as_bool().map(Value::Bool).ok_or(Problem::Type("boolean")),
        Date => {
            let Some(text) = value.as_str() else {
                return Err(Problem::Type("date"));
            };
            parse_date(text).map(|_| json!(text.trim())).ok_or(Problem::Type("date"))
        }
        Datetime => {
            let Some(text) = value.as_str() else {
                return Err(Problem::Type("datetime"));
            };
            DateTime::parse_from_rfc3339(text.trim()).map(|_| json!(text.trim())).map_err(|_| Problem::Type("datetime"))
        }
        Lookup => {
            let Some(id) = lookup_id(value) else {
                return Err(Problem::Type("jsonobject"));
            };
            let target = field.lookup_module.as_deref().unwrap_or("");
            if !exists(target, id) {
                return Err(Problem::Invalid);
            }
            Ok(json!({ "id": id.to_string() }))
        }
        OwnerLookup => {
            let Some(id) = lookup_id(value) else {
                return Err(Problem::Type("jsonobject"));
            };
            users.iter().find(|u| u.id == id.to_string()).map(user_ref).ok_or(Problem::Invalid)
        }
    }
}

/// `{"id":"…"}` (id as string or number) or a bare id string (§2.4: lookup `{"id":"…"}`).
fn lookup_id(value: &Value) -> Option<u64> {
    let raw = match value {
        Value::Object(map) => map.get("id")?,
        other => other,
    };
    match raw {
        Value::String(text) => crate::crm::records::parse_id(text),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// `yyyy-MM-dd`, a real calendar date (§2.4).
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Zoho's email shape (INVALID_DATA otherwise, §2.4): a local part of letters, digits and
/// `._%+-'` without leading, trailing or doubled dots; a domain of letter/digit/hyphen labels
/// (no hyphen at either end) ending in a top-level domain of at least two letters — so `a@b.c` is
/// refused. Zoho's exact regex is not published in the sources of zoho-api.md (UNCONFIRMED); this
/// is the common subset of what its field validation is known to accept.
pub(crate) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-'".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld_ok = labels.last().is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

/// Zoho's phone shape (INVALID_DATA otherwise, §2.4: ≤30 characters, checked by the caller):
/// digits with the separators `+ - ( ) .` and spaces, and at least one digit. The exact rule is
/// UNCONFIRMED; letters (`ext`, vanity numbers) are refused to be safe.
pub(crate) fn is_phone(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) && text.chars().any(|c| c.is_ascii_digit())
}

/// What a field reads as when the record holds nothing for it.
fn unset(field: &Field) -> Value {
    match field.kind {
        DataType::Boolean => Value::Bool(false),
        DataType::MultiSelect => json!([]),
        _ => Value::Null,
    }
}

/// The display name of record `id` of `module` (its display field's value), for lookups.
pub(crate) fn display_name(catalog: &Catalog, store: &Store, module: &str, id: u64) -> Value {
    let Some(field) = catalog.module(module).and_then(Module::display_field) else {
        return Value::Null;
    };
    store.get(module, id).map(|r| r.field(&field.api_name).clone()).unwrap_or(Value::Null)
}

/// One field of a record as Zoho returns it.
pub(crate) fn read(catalog: &Catalog, store: &Store, field: &Field, record: &StoredRecord) -> Value {
    let stored = record.fields.get(&field.api_name);
    match (field.kind, stored) {
        (_, None | Some(Value::Null)) => unset(field),
        (DataType::Lookup, Some(value)) => {
            let id = value.get("id").and_then(Value::as_str).unwrap_or("");
            let name = match (field.lookup_module.as_deref(), id.parse::<u64>()) {
                (Some(target), Ok(n)) => display_name(catalog, store, target, n),
                _ => Value::Null,
            };
            json!({ "name": name, "id": id })
        }
        (_, Some(value)) => value.clone(),
    }
}

/// A record with the requested fields (all when `None`, plus Zoho's `$` meta keys) and `id`.
pub(crate) fn render(
    catalog: &Catalog,
    store: &Store,
    module: &Module,
    record: &StoredRecord,
    names: Option<&[String]>,
) -> Value {
    let mut out = Map::new();
    match names {
        Some(names) => {
            let mut meta = Map::new();
            record_meta(&mut meta);
            for name in names.iter().filter(|n| *n != "id") {
                let value = match module.field(name) {
                    Some(field) => read(catalog, store, field, record),
                    // `$` meta keys read as Zoho gives them; unmodelled standard fields as null.
                    None => meta.get(name).cloned().unwrap_or(Value::Null),
                };
                out.insert(name.clone(), value);
            }
        }
        None => {
            for field in &module.fields {
                out.insert(field.api_name.clone(), read(catalog, store, field, record));
            }
            record_meta(&mut out);
        }
    }
    out.insert("id".into(), json!(record.id.to_string()));
    Value::Object(out)
}
