//! Turns an org's seed records into stored records: owners from demo user keys, deterministic ids
//! and times, values checked like writes, lookups resolved (`{"id"}` or `"@Display Name"`), and —
//! for the default org — the generated seed leads of `data.rs`. Runs once at start-up (and to check
//! a definition in [`crate::OrgSpec::from_json`]); errors name the record and field.

use serde_json::{Value, json};

use crate::SandboxUser;
use crate::catalog::{Catalog, Module};
use crate::crm::records::parse_id;
use crate::crm::values::{self, Problem};
use crate::data::{self, format_time, seed_epoch, user_ref};
use crate::org::{DataType, OrgSpec, USER_KEYS};
use crate::state::{Store, StoredRecord};

/// A lookup value waiting for every module's records to exist.
struct PendingLookup {
    module: String,
    id: u64,
    field: String,
    target: String,
    value: Value,
    at: String,
}

/// Builds the records of a checked spec ([`OrgSpec::validated`]).
pub(crate) fn build(spec: &OrgSpec, users: &[SandboxUser], lead_count: usize) -> Result<Store, String> {
    let catalog = Catalog::new(spec);
    let mut store = Store::default();
    let mut pending = Vec::new();
    let epoch = seed_epoch();
    for (module_spec, module) in spec.modules.iter().zip(&catalog.modules) {
        for (index, seed) in module_spec.records.iter().enumerate() {
            let at = format!("module {} record {index}", module.api_name);
            let id = match seed.get("id") {
                None | Some(Value::Null) => OrgSpec::seed_id(module.index, index).parse::<u64>().unwrap_or(0),
                Some(value) => value.as_str().and_then(parse_id).ok_or_else(|| format!("{at}: id must be 18/19 digits"))?,
            };
            if store.get(&module.api_name, id).is_some() || catalog.modules.iter().any(|m| store.get(&m.api_name, id).is_some()) {
                return Err(format!("{at}: duplicate id {id}"));
            }
            let owner = match seed.get("Owner") {
                None | Some(Value::Null) => 0,
                Some(Value::String(key)) => USER_KEYS
                    .iter()
                    .position(|k| k == key)
                    .filter(|i| *i < users.len())
                    .ok_or_else(|| format!("{at}: Owner {key:?} is not one of {}", USER_KEYS.join(", ")))?,
                Some(_) => return Err(format!("{at}: Owner must be a user key ({})", USER_KEYS.join(", "))),
            };
            // Seed records are spread over the month before the seed leads start.
            let created = epoch - 30 * 86_400 + index as i64 * 5_400 + module.index as i64 * 600;
            let mut record = StoredRecord::new(id, owner, created, created + 1_800, Default::default());
            let me = users.get(owner).map(user_ref).unwrap_or(Value::Null);
            for (name, value) in [("Owner", me.clone()), ("Created_By", me.clone()), ("Modified_By", me)] {
                record.fields.insert(name.into(), value);
            }
            record.fields.insert("Created_Time".into(), json!(format_time(record.created)));
            record.fields.insert("Modified_Time".into(), json!(format_time(record.modified)));
            for (name, value) in seed {
                if ["id", "Owner", "Created_By", "Modified_By", "Created_Time", "Modified_Time"].contains(&name.as_str()) {
                    continue;
                }
                let Some(field) = module.field(name) else {
                    return Err(format!("{at}: unknown field {name}"));
                };
                if let (DataType::Lookup, Some(target)) = (field.kind, &field.lookup_module) {
                    if !value.is_null() {
                        pending.push(PendingLookup {
                            module: module.api_name.clone(),
                            id,
                            field: name.clone(),
                            target: target.clone(),
                            value: value.clone(),
                            at: at.clone(),
                        });
                    }
                    continue;
                }
                let stored = values::check(field, value, &|_, _| true, users).map_err(|p| describe(&at, name, &p))?;
                record.fields.insert(name.clone(), stored);
            }
            complete(module, &mut record, index);
            for field in module.fields.iter().filter(|f| f.system_mandatory) {
                if record.field(&field.api_name).is_null() {
                    return Err(format!("{at}: mandatory field {} missing", field.api_name));
                }
            }
            store.insert(&module.api_name, record);
        }
    }
    for lookup in pending {
        let target = resolve(&catalog, &store, &lookup)?;
        if let Some(record) = store.get_mut(&lookup.module, lookup.id) {
            record.fields.insert(lookup.field, json!({ "id": target.to_string() }));
        }
    }
    if spec.generated_leads && catalog.module("Leads").is_some() {
        for lead in data::seed_leads(lead_count, users) {
            store.insert("Leads", lead);
        }
    }
    Ok(store)
}

/// Computed fields: `Full_Name` from first and last name, autonumbers from the record's position.
pub(crate) fn complete(module: &Module, record: &mut StoredRecord, index: usize) {
    if module.field("Full_Name").is_some_and(|f| f.read_only) {
        let part = |name: &str| record.field(name).as_str().unwrap_or("").to_string();
        let full = format!("{} {}", part("First_Name"), part("Last_Name")).trim().to_string();
        record.fields.insert("Full_Name".into(), if full.is_empty() { Value::Null } else { json!(full) });
    }
    for field in module.fields.iter().filter(|f| f.kind == DataType::AutoNumber) {
        if record.field(&field.api_name).is_null() {
            record.fields.insert(field.api_name.clone(), json!((index + 1).to_string()));
        }
    }
}

fn resolve(catalog: &Catalog, store: &Store, lookup: &PendingLookup) -> Result<u64, String> {
    let at = format!("{}: lookup {}", lookup.at, lookup.field);
    if let Some(name) = lookup.value.as_str().and_then(|v| v.strip_prefix('@')) {
        let display = catalog.module(&lookup.target).and_then(Module::display_field).map(|f| f.api_name.clone());
        let display = display.ok_or_else(|| format!("{at}: module {} has no display field", lookup.target))?;
        return store
            .records(&lookup.target)
            .find(|r| r.field(&display).as_str() == Some(name))
            .map(|r| r.id)
            .ok_or_else(|| format!("{at}: no {} record named {name:?}", lookup.target));
    }
    let raw = match &lookup.value {
        Value::Object(map) => map.get("id").cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let id = match &raw {
        Value::String(text) => parse_id(text),
        Value::Number(n) => n.as_u64(),
        _ => None,
    };
    let id = id.ok_or_else(|| format!("{at}: expected {{\"id\":\"…\"}} or \"@Display Name\""))?;
    if store.get(&lookup.target, id).is_none() {
        return Err(format!("{at}: no {} record with id {id}", lookup.target));
    }
    Ok(id)
}

fn describe(at: &str, field: &str, problem: &Problem) -> String {
    match problem {
        Problem::Type(expected) => format!("{at}: field {field} expects {expected}"),
        Problem::Length(max) => format!("{at}: field {field} longer than {max}"),
        Problem::Invalid => format!("{at}: field {field} has an invalid value"),
    }
}
