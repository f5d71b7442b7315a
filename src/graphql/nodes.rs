//! A page's records written straight into the answer (issue 12's lean pass-through).
//!
//! async-graphql resolves an object field by field: per field of every record it boxes a future,
//! builds a context and argument map, runs the extension hook and converts the result, and per
//! record of a list it formats two type names. For a 200-record page of ten fields that is most of
//! the gateway's CPU time. Yet a page's `nodes` usually select only what the records already hold:
//! leaves, the owner (`CrmUser`), references to modules that are not exposed (`RecordRef`) and
//! `__typename`. For such a selection `nodes` is built here in one pass, one `Value` per record,
//! with the same conversions as the field resolvers (`records::to_value`, the `types` tables).
//!
//! Anything else takes the executor's path, record by record: a lookup of an exposed module
//! (batched through the DataLoader), a value the metadata does not expect (a non-null one that
//! is missing, an object where a string should be), a field Zoho is known to have dropped (an
//! error names it). So answers and errors are the same on both paths; `tests/api/pages.rs`
//! compares them.
//!
//! async-graphql has no way for a resolver to hand over an object that is already resolved, so
//! the hand-over goes through the one hook it offers around a field's resolution: the [`Prebuilt`]
//! extension opens a task-local slot around each `nodes` field; the `nodes` resolver, finding the
//! slot, fills it and gives the executor an empty list; the extension then answers with the slot's
//! list. Without the extension there is no slot, and the executor's path runs.

use std::cell::RefCell;
use std::sync::Arc;

use async_graphql::dynamic::ResolverContext;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::indexmap::IndexMap;
use async_graphql::{Name, SelectionField, ServerResult, Value};
use serde_json::Value as Json;

use super::context;
use super::records::to_value;
use super::types::{CRM_USER, CRM_USER_FIELDS, KeyField, RECORD_REF, RECORD_REF_FIELDS};
use crate::meta::{CrmModel, FieldKind, ModuleDef};
use crate::zoho::records::Record;

tokio::task_local! {
    /// The finished `nodes` list of the field being resolved, when the fast path built it.
    static SLOT: RefCell<Option<Value>>;
}

/// The schema extension that lets `nodes` resolvers hand over finished lists.
pub struct Prebuilt;

impl ExtensionFactory for Prebuilt {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PrebuiltExtension)
    }
}

struct PrebuiltExtension;

#[async_trait::async_trait]
impl Extension for PrebuiltExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // The `nodes` field itself (a list type), not each of its items, which the executor
        // resolves under the same name.
        if info.name != "nodes" || !info.return_type.starts_with('[') {
            return next.run(ctx, info).await;
        }
        SLOT.scope(RefCell::new(None), async move {
            let value = next.run(ctx, info).await?;
            Ok(SLOT.with(|slot| slot.borrow_mut().take()).or(value))
        })
        .await
    }
}

/// What the fast path may read of a module's record type, by GraphQL field name.
pub struct Shape {
    type_name: Name,
    fields: Vec<(String, String, Output)>,
}

/// How a record field comes out.
enum Output {
    /// A scalar or list of scalars, converted like its resolver converts it.
    Leaf(FieldKind),
    /// A JSON object whose fields read keys of the same name (`CrmUser`, `RecordRef`).
    Object { type_name: Name, fields: &'static [KeyField] },
    /// Needs the executor (a lookup of an exposed module goes through the DataLoader).
    Executor,
}

impl Shape {
    pub fn of(model: &CrmModel, m: &ModuleDef) -> Arc<Shape> {
        let fields = m
            .fields
            .iter()
            .map(|f| {
                let output = match &f.kind {
                    FieldKind::User => Output::Object { type_name: Name::new(CRM_USER), fields: CRM_USER_FIELDS },
                    FieldKind::Lookup { module } if model.module(module).is_none() => {
                        Output::Object { type_name: Name::new(RECORD_REF), fields: RECORD_REF_FIELDS }
                    }
                    FieldKind::Lookup { .. } => Output::Executor,
                    kind => Output::Leaf(kind.clone()),
                };
                (f.gql_name.clone(), f.api_name.clone(), output)
            })
            .collect();
        Arc::new(Shape { type_name: Name::new(&m.type_name), fields })
    }

    fn field(&self, gql: &str) -> Option<(&str, &Output)> {
        self.fields.iter().find(|(name, _, _)| name == gql).map(|(_, api, out)| (api.as_str(), out))
    }
}

/// Builds `nodes` when the selection and every record allow it and hands the list to the
/// extension; true when it did (the resolver then gives the executor an empty list), false when
/// the records are for the executor.
pub fn prebuild(ctx: &ResolverContext<'_>, module: &str, shape: &Shape, records: &[Record]) -> bool {
    if SLOT.try_with(|_| ()).is_err() {
        return false;
    }
    let drift = context::known_drift(ctx.ctx);
    let Some(plan) = Plan::of(ctx.ctx.field(), shape, &|api| drift.is_some_and(|d| d.is_missing(module, api))) else {
        return false;
    };
    let Some(list) = records.iter().map(|r| plan.record(r)).collect::<Option<Vec<Value>>>() else { return false };
    SLOT.with(|slot| *slot.borrow_mut() = Some(Value::List(list)));
    true
}

/// A record's selection, by response key in selection order (fragments expanded; `@skip` and
/// `@include` are applied by async-graphql before execution).
struct Plan<'s> {
    keys: Vec<(Name, Step<'s>)>,
}

enum Step<'s> {
    Typename(&'s Name),
    Id,
    Leaf { api: &'s str, kind: &'s FieldKind },
    Object { api: &'s str, sub: Vec<(Name, SubStep<'s>)> },
}

enum SubStep<'s> {
    Typename(&'s Name),
    Key(&'static KeyField),
}

impl<'s> Plan<'s> {
    fn of(nodes: SelectionField<'_>, shape: &'s Shape, gone: &dyn Fn(&str) -> bool) -> Option<Plan<'s>> {
        let mut keys: Vec<(Name, Step<'s>)> = Vec::new();
        for f in nodes.selection_set() {
            let key = Name::new(f.alias().unwrap_or(f.name()));
            let step = match f.name() {
                "__typename" => Step::Typename(&shape.type_name),
                "id" => Step::Id,
                name => match shape.field(name)? {
                    // A field Zoho dropped: the executor's resolver reports it.
                    (api, _) if gone(api) => return None,
                    (api, Output::Leaf(kind)) => Step::Leaf { api, kind },
                    (api, Output::Object { type_name, fields }) => Step::Object { api, sub: sub_plan(f, type_name, fields)? },
                    (_, Output::Executor) => return None,
                },
            };
            // The same response key twice (through a fragment, say) is one field of the answer;
            // two selections of an object would need merging, left to the executor.
            match keys.iter().find(|(k, _)| *k == key) {
                Some((_, Step::Object { .. })) => return None,
                Some(_) => {}
                None => keys.push((key, step)),
            }
        }
        Some(Plan { keys })
    }

    fn record(&self, record: &Record) -> Option<Value> {
        let mut out = IndexMap::with_capacity(self.keys.len());
        for (key, step) in &self.keys {
            let value = match step {
                Step::Typename(name) => Value::String(name.to_string()),
                // Non-null: a record without an id is for the executor to report.
                Step::Id => to_value(record.get("id")?, &FieldKind::Text(crate::meta::model::TextKind::Plain))?,
                Step::Leaf { api, kind } => record.get(*api).and_then(|v| to_value(v, kind)).unwrap_or(Value::Null),
                Step::Object { api, sub } => match record.get(*api) {
                    None | Some(Json::Null) => Value::Null,
                    Some(Json::Object(obj)) => object(obj, sub)?,
                    // Another shape than the metadata says: the resolver answers null.
                    Some(_) => Value::Null,
                },
            };
            out.insert(key.clone(), value);
        }
        Some(Value::Object(out))
    }
}

fn sub_plan<'s>(f: SelectionField<'_>, type_name: &'s Name, fields: &'static [KeyField]) -> Option<Vec<(Name, SubStep<'s>)>> {
    let mut sub: Vec<(Name, SubStep<'s>)> = Vec::new();
    for s in f.selection_set() {
        let key = Name::new(s.alias().unwrap_or(s.name()));
        let step = match s.name() {
            "__typename" => SubStep::Typename(type_name),
            name => SubStep::Key(fields.iter().find(|k| k.name == name)?),
        };
        if !sub.iter().any(|(k, _)| *k == key) {
            sub.push((key, step));
        }
    }
    Some(sub)
}

/// A `CrmUser` or `RecordRef` value; `None` when a non-null key is missing or a key holds
/// something other than a string (the executor's resolvers decide those cases).
fn object(obj: &serde_json::Map<String, Json>, sub: &[(Name, SubStep<'_>)]) -> Option<Value> {
    let mut out = IndexMap::with_capacity(sub.len());
    for (key, step) in sub {
        let value = match step {
            SubStep::Typename(name) => Value::String(name.to_string()),
            SubStep::Key(k) => match obj.get(k.name) {
                Some(Json::String(s)) => Value::String(s.clone()),
                None | Some(Json::Null) if !k.non_null => Value::Null,
                _ => return None,
            },
        };
        out.insert(key.clone(), value);
    }
    Some(Value::Object(out))
}
