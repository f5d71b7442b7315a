//! Runs a checked COQL [`Plan`] over the records the caller may see: reads each column (fields,
//! `id`, lookups' ids, looked-up records' fields, the owner's attributes), filters, sorts and pages,
//! and shapes rows as Zoho's COQL answers them (§11: lookups and owners as `{"id"}` only; other
//! values typed as in the records API; relation columns under their path, `"Owner.email"`).

use std::cmp::Ordering;

use chrono::{DateTime, Datelike};
use serde_json::{Map, Value, json};

use super::bind::{Column, Filter, Kind, Plan, Selection, Source, Test, UserAttr};
use super::cell::{Cell, Num};
use crate::SandboxUser;
use crate::crm::Caller;
use crate::crm::records::visible;
use crate::crm::values::{self, parse_date};
use crate::state::{Inner, StoredRecord};

/// What a query found.
pub(super) enum Outcome {
    /// `COUNT(id)`: the matching records the caller may see.
    Count(usize),
    /// One page of rows and whether rows follow it.
    Rows { rows: Vec<Value>, more: bool },
}

/// Reads column values from records, with the store and users at hand for relations.
struct Reader<'a> {
    inner: &'a Inner,
    users: &'a [SandboxUser],
}

impl Reader<'_> {
    /// A column's value as the answer shows it.
    fn json(&self, column: &Column, record: &StoredRecord) -> Value {
        let (catalog, store) = (&self.inner.org, &self.inner.store);
        let target_id = |lookup: &str| record.field(lookup).get("id").and_then(Value::as_str).map(str::to_string);
        match &column.source {
            Source::Id => json!(record.id.to_string()),
            Source::Field(field) => only_id(values::read(catalog, store, field, record)),
            Source::LookupId(lookup) => target_id(lookup).map_or(Value::Null, Value::String),
            Source::Related { lookup, module, field } => target_id(lookup)
                .and_then(|id| id.parse::<u64>().ok())
                .and_then(|id| store.get(module, id))
                .map_or(Value::Null, |target| only_id(values::read(catalog, store, field, target))),
            Source::User { lookup, attr } => {
                let Some(user) = target_id(lookup).and_then(|id| self.users.iter().find(|u| u.id == id)) else {
                    return Value::Null;
                };
                let (first, last) = user.name.split_once(' ').unwrap_or(("", user.name.as_str()));
                json!(match attr {
                    UserAttr::FirstName => first,
                    UserAttr::LastName => last,
                    UserAttr::FullName => user.name.as_str(),
                    UserAttr::Email => user.email.as_str(),
                })
            }
        }
    }

    /// A column's value typed for comparison.
    fn cell(&self, column: &Column, record: &StoredRecord) -> Cell {
        cell(column.kind, &self.json(column, record))
    }

    fn matches(&self, filter: &Filter, record: &StoredRecord) -> bool {
        match filter {
            Filter::And(a, b) => self.matches(a, record) && self.matches(b, record),
            Filter::Or(a, b) => self.matches(a, record) || self.matches(b, record),
            Filter::Cond { column, test } => passes(test, &self.cell(column, record)),
        }
    }
}

/// COQL shows a lookup or owner as its id alone (§11), unlike the records API's `{"name","id"}`.
fn only_id(value: Value) -> Value {
    match value.get("id") {
        Some(id) if value.is_object() => json!({ "id": id }),
        _ => value,
    }
}

fn cell(kind: Kind, value: &Value) -> Cell {
    let text = value.as_str();
    let parsed = match kind {
        _ if value.is_null() => None,
        Kind::Text => text.map(str::to_lowercase).or_else(|| value.is_number().then(|| value.to_string())).map(Cell::Text),
        Kind::Number => match value {
            Value::Number(n) => n.as_i64().map(|i| Num::Int(i.into())).or_else(|| n.as_f64().map(Num::Float)).map(Cell::Num),
            _ => text.and_then(Num::parse).map(Cell::Num),
        },
        Kind::Date => text.and_then(parse_date).map(|d| Cell::Day(d.num_days_from_ce())),
        Kind::Datetime => {
            text.and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok()).map(|t| Cell::Instant(t.timestamp_millis()))
        }
        Kind::Boolean => value.as_bool().map(Cell::Bool),
        Kind::Ref => value.get("id").and_then(Value::as_str).or(text).and_then(|id| id.parse().ok()).map(Cell::Ref),
        Kind::Multi => {
            let options: Vec<String> =
                value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_lowercase).collect();
            (!options.is_empty()).then_some(Cell::Multi(options))
        }
    };
    parsed.unwrap_or(Cell::Null)
}

/// Whether a value passes a test; only the null tests pass on null.
fn passes(test: &Test, value: &Cell) -> bool {
    if let Test::Null { negated } = test {
        return matches!(value, Cell::Null) != *negated;
    }
    if matches!(value, Cell::Null) {
        return false;
    }
    // A multi-select value "equals" an option it includes.
    let equals = |wanted: &Cell| match value {
        Cell::Multi(options) => options.iter().any(|o| Cell::Text(o.clone()).same(wanted)),
        _ => value.same(wanted),
    };
    match test {
        Test::Equal { value: wanted, negated } => equals(wanted) != *negated,
        Test::Compare { value: bound, accept } => accept.contains(&value.order(bound)),
        Test::Between { low, high, negated } => {
            (value.order(low) != Ordering::Less && value.order(high) != Ordering::Greater) != *negated
        }
        Test::In { values, negated } => values.iter().any(equals) != *negated,
        Test::Like { pattern, negated } => {
            let found = match value {
                Cell::Text(text) => pattern.matches(text),
                Cell::Multi(options) => options.iter().any(|o| pattern.matches(o)),
                _ => false,
            };
            found != *negated
        }
        Test::Null { .. } => false,
    }
}

/// Runs the plan for `caller` (admins see every record, standard users their own).
pub(super) fn run(plan: &Plan, inner: &Inner, users: &[SandboxUser], caller: &Caller) -> Outcome {
    let reader = Reader { inner, users };
    let found = inner
        .store
        .records(&plan.module)
        .filter(|record| visible(caller, record))
        .filter(|record| plan.filter.as_ref().is_none_or(|f| reader.matches(f, record)));
    let columns = match &plan.selection {
        Selection::Count => return Outcome::Count(found.count()),
        Selection::Columns(columns) => columns,
    };
    // Sort keys are read once per record; records come in id order, and the stable sort keeps it
    // among ties (Zoho's default order is by id ascending).
    let mut keyed: Vec<(Vec<Cell>, &StoredRecord)> =
        found.map(|record| (plan.order_by.iter().map(|(c, _)| reader.cell(c, record)).collect(), record)).collect();
    keyed.sort_by(|(a, _), (b, _)| {
        plan.order_by
            .iter()
            .zip(a.iter().zip(b))
            .map(|((_, descending), (x, y))| if *descending { y.order(x) } else { x.order(y) })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    let total = keyed.len();
    let rows: Vec<Value> = keyed
        .iter()
        .skip(plan.offset)
        .take(plan.limit)
        .map(|(_, record)| {
            let mut row = Map::new();
            for column in columns {
                row.insert(column.name.clone(), reader.json(column, record));
            }
            row.insert("id".into(), json!(record.id.to_string()));
            Value::Object(row)
        })
        .collect();
    let more = plan.offset + rows.len() < total;
    Outcome::Rows { rows, more }
}
