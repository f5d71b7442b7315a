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
//! A list page (the records API) is read straight from Zoho's bytes into those values
//! ([`Decoder`]): the keys the selection reads go into a row of cells, an owner's keys into its
//! type's table, and from there, moved, into the answer; the other keys are skipped unread. No
//! map of the record is built and no string copied. Search and COQL pages, whose records are
//! checked or reshaped first, are read into maps and written from them by the same plan.
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
use std::sync::{Arc, Mutex};

use async_graphql::dynamic::ResolverContext;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::indexmap::IndexMap;
use async_graphql::{Name, SelectionField, ServerResult, Value};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use super::context;
use super::records::to_value;
use super::types::{CRM_USER, CRM_USER_FIELDS, KeyField, RECORD_REF, RECORD_REF_FIELDS};
use crate::error::GatewayError;
use crate::meta::{CrmModel, FieldKind, ModuleDef};
use crate::zoho::records::{Maps, PageData, PageDecoder, PageSeed, Record, RecordPage};

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

/// A page's records as its `nodes` resolver gets them.
pub enum Nodes {
    /// Written by the fast path while the page was decoded (a list page, [`Decoder`]); taken once
    /// by `nodes`.
    Built { list: Mutex<Option<Vec<Value>>>, ids: Vec<String> },
    /// Maps of every field Zoho sent: for the executor, or for the fast path to write from.
    Records(Vec<Record>),
}

impl Default for Nodes {
    fn default() -> Self {
        Self::Records(Vec::new())
    }
}

impl PageData for Nodes {
    fn ids(&self) -> impl Iterator<Item = &str> {
        let (built, records) = match self {
            Self::Built { ids, .. } => (Some(ids.iter().map(String::as_str)), None),
            Self::Records(records) => (None, Some(records.ids())),
        };
        built.into_iter().flatten().chain(records.into_iter().flatten())
    }
}

impl From<Vec<Record>> for Nodes {
    fn from(records: Vec<Record>) -> Self {
        Self::Records(records)
    }
}

impl Nodes {
    /// Records on the page.
    pub fn count(&self) -> usize {
        match self {
            Self::Built { ids, .. } => ids.len(),
            Self::Records(records) => records.len(),
        }
    }
}

/// Reads a list page straight into its `nodes` when the page's selection has one `nodes` the
/// fast path can write: each record's selected keys go from Zoho's bytes into the answer's values,
/// with no map in between and no copy. Otherwise, or when a record is not what the metadata says,
/// the page is read into maps ([`Maps`]), for the executor.
pub struct Decoder<'s> {
    plan: Option<Plan<'s>>,
}

impl<'s> Decoder<'s> {
    /// For the page field `ctx` (`leads`, say) of `module`.
    pub fn for_page(ctx: &ResolverContext<'_>, module: &str, shape: &'s Shape) -> Self {
        let page = ctx.ctx.field();
        let mut nodes = page.selection_set().filter(|f| f.name() == "nodes");
        // Two `nodes` (aliased, or merged from fragments) each take the path of their own.
        let plan = match (nodes.next(), nodes.next()) {
            (Some(one), None) => plan(ctx, module, one, shape),
            _ => None,
        };
        Self { plan }
    }
}

impl PageDecoder for Decoder<'_> {
    type Data = Nodes;

    fn decode(&self, bytes: &[u8]) -> serde_json::Result<RecordPage<Nodes>> {
        if let Some(plan) = &self.plan {
            // UTF-8 checked once for the page, not string by string (a page that is not UTF-8
            // is read as bytes, for serde_json to say where it goes wrong).
            let page = match std::str::from_utf8(bytes) {
                Ok(text) => written(&mut serde_json::Deserializer::from_str(text), plan)?,
                Err(_) => written(&mut serde_json::Deserializer::from_slice(bytes), plan)?,
            };
            if let Some((list, ids)) = page.data {
                return Ok(RecordPage { data: Nodes::Built { list: Mutex::new(Some(list)), ids }, info: page.info });
            }
        }
        let page = Maps.decode(bytes)?;
        Ok(RecordPage { data: Nodes::Records(page.data), info: page.info })
    }
}

/// A whole page read by `plan` (see [`Rows`]).
fn written<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    plan: &Plan<'_>,
) -> serde_json::Result<RecordPage<Option<Written>>> {
    let page = PageSeed(Rows(plan)).deserialize(&mut *de)?;
    de.end()?;
    Ok(page)
}

/// The `nodes` resolver's work: hands the finished list to the extension when the fast path built
/// it (true; the resolver then gives the executor an empty list), false when the records are for
/// the executor.
pub fn hand_over(ctx: &ResolverContext<'_>, module: &str, shape: &Shape, nodes: &Nodes) -> Result<bool, GatewayError> {
    if SLOT.try_with(|_| ()).is_err() {
        // Always there: `Prebuilt` is part of every schema (`graphql::builder`).
        return match nodes {
            Nodes::Built { .. } => Err(GatewayError::Internal("a written page without its hand-over".into())),
            Nodes::Records(_) => Ok(false),
        };
    }
    let list = match nodes {
        Nodes::Built { list, .. } => list
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| GatewayError::Internal("a written page handed over twice".into()))?,
        Nodes::Records(records) => {
            let Some(plan) = plan(ctx, module, ctx.ctx.field(), shape) else { return Ok(false) };
            let mut cells = Vec::new();
            let Some(list) = records.iter().map(|r| plan.record(r, &mut cells)).collect::<Option<Vec<Value>>>() else {
                return Ok(false);
            };
            list
        }
    };
    SLOT.with(|slot| *slot.borrow_mut() = Some(Value::List(list)));
    Ok(true)
}

/// The plan for a `nodes` selection, if the fast path can write it.
fn plan<'s>(ctx: &ResolverContext<'_>, module: &str, nodes: SelectionField<'_>, shape: &'s Shape) -> Option<Plan<'s>> {
    let drift = context::known_drift(ctx.ctx);
    Plan::of(nodes, shape, &|api| drift.is_some_and(|d| d.is_missing(module, api)))
}

/// A record's selection, by response key in selection order (fragments expanded; `@skip` and
/// `@include` are applied by async-graphql before execution), reading the record's keys through
/// `slots`: each key the selection reads, once, `id` first.
struct Plan<'s> {
    slots: Vec<SlotDef<'s>>,
    keys: Vec<(Name, Step<'s>)>,
}

/// A record key the plan reads, and for a `CrmUser` or `RecordRef` value the keys its object
/// may hold (its type's table).
struct SlotDef<'s> {
    api: &'s str,
    object: Option<&'static [KeyField]>,
}

/// A record key's value as the plan reads it.
#[derive(Clone)]
enum Cell {
    Leaf(Json),
    /// An object's values in the order of its type's table (null where a key is absent).
    Object(Vec<Json>),
}

impl Default for Cell {
    fn default() -> Self {
        Self::Leaf(Json::Null)
    }
}

impl SlotDef<'_> {
    /// The cell of a record key read from a map.
    fn cell(&self, record: &Record) -> Cell {
        match (self.object, record.get(self.api)) {
            (None, value) => Cell::Leaf(value.cloned().unwrap_or(Json::Null)),
            (Some(table), Some(Json::Object(obj))) => {
                Cell::Object(table.iter().map(|k| obj.get(k.name).cloned().unwrap_or(Json::Null)).collect())
            }
            // Another shape than the metadata says: the resolver answers null.
            (Some(_), _) => Cell::default(),
        }
    }
}

/// A record key's value in the answer: `take` when no later step reads the same slot.
#[derive(Clone, Copy)]
struct Read {
    slot: usize,
    take: bool,
}

enum Step<'s> {
    Typename(&'s Name),
    Id(Read),
    Leaf { read: Read, kind: &'s FieldKind },
    Object { read: Read, sub: Vec<(Name, SubStep<'s>)> },
}

enum SubStep<'s> {
    Typename(&'s Name),
    /// A key of the object, at its place in the type's table.
    Key(&'static KeyField, usize),
}

const ID: &str = "id";
const PLAIN: FieldKind = FieldKind::Text(crate::meta::model::TextKind::Plain);

impl<'s> Plan<'s> {
    fn of(nodes: SelectionField<'_>, shape: &'s Shape, gone: &dyn Fn(&str) -> bool) -> Option<Plan<'s>> {
        let mut slots = vec![SlotDef { api: ID, object: None }];
        let mut slot = |api: &'s str, object| match slots.iter().position(|s| s.api == api) {
            Some(i) => Read { slot: i, take: true },
            None => {
                slots.push(SlotDef { api, object });
                Read { slot: slots.len() - 1, take: true }
            }
        };
        let mut keys: Vec<(Name, Step<'s>)> = Vec::new();
        for f in nodes.selection_set() {
            let key = Name::new(f.alias().unwrap_or(f.name()));
            let step = match f.name() {
                "__typename" => Step::Typename(&shape.type_name),
                "id" => Step::Id(slot(ID, None)),
                name => match shape.field(name)? {
                    // A field Zoho dropped: the executor's resolver reports it.
                    (api, _) if gone(api) => return None,
                    (api, Output::Leaf(kind)) => Step::Leaf { read: slot(api, None), kind },
                    (api, Output::Object { type_name, fields }) => {
                        Step::Object { read: slot(api, Some(fields)), sub: sub_plan(f, type_name, fields)? }
                    }
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
        Some(Plan::new(slots, keys))
    }

    /// A slot read by two keys (`a: email b: email`) is copied for all but its last.
    fn new(slots: Vec<SlotDef<'s>>, mut keys: Vec<(Name, Step<'s>)>) -> Plan<'s> {
        let mut last = vec![usize::MAX; slots.len()];
        for (i, (_, step)) in keys.iter().enumerate() {
            if let Some(read) = step.read() {
                last[read.slot] = i;
            }
        }
        for (i, (_, step)) in keys.iter_mut().enumerate() {
            if let Some(read) = step.read_mut() {
                read.take = last[read.slot] == i;
            }
        }
        Plan { slots, keys }
    }

    /// A record from a map; `None` when it is for the executor.
    fn record(&self, record: &Record, cells: &mut Vec<Cell>) -> Option<Value> {
        cells.clear();
        cells.extend(self.slots.iter().map(|slot| slot.cell(record)));
        self.build(cells)
    }

    /// A record from its slots' values, which it takes; `None` when it is for the executor.
    fn build(&self, cells: &mut [Cell]) -> Option<Value> {
        let mut out = IndexMap::with_capacity(self.keys.len());
        for (key, step) in &self.keys {
            let value = match step {
                Step::Typename(name) => Value::String(name.to_string()),
                // Non-null: a record without an id is for the executor to report.
                Step::Id(read) => to_value(read.value(cells), &PLAIN)?,
                Step::Leaf { read, kind } => to_value(read.value(cells), kind).unwrap_or(Value::Null),
                Step::Object { read, sub } => match &cells[read.slot] {
                    Cell::Object(values) => object(values, sub)?,
                    // Null, or another shape than the metadata says: the resolver answers null.
                    Cell::Leaf(_) => Value::Null,
                },
            };
            out.insert(key.clone(), value);
        }
        Some(Value::Object(out))
    }
}

impl Step<'_> {
    fn read(&self) -> Option<&Read> {
        match self {
            Step::Id(read) | Step::Leaf { read, .. } | Step::Object { read, .. } => Some(read),
            Step::Typename(_) => None,
        }
    }

    fn read_mut(&mut self) -> Option<&mut Read> {
        match self {
            Step::Id(read) | Step::Leaf { read, .. } | Step::Object { read, .. } => Some(read),
            Step::Typename(_) => None,
        }
    }
}

impl Read {
    fn value(self, cells: &mut [Cell]) -> Json {
        match &mut cells[self.slot] {
            Cell::Leaf(value) if self.take => std::mem::take(value),
            Cell::Leaf(value) => value.clone(),
            // Not for a leaf: an object key is never read as one.
            Cell::Object(_) => Json::Null,
        }
    }
}

/// A page's `data` written by a plan: the records and their ids, or `None` when a record is for
/// the executor (the page is then read again into maps).
struct Rows<'p, 's>(&'p Plan<'s>);

/// The records of a page written by a plan, and their ids.
type Written = (Vec<Value>, Vec<String>);

impl<'de> DeserializeSeed<'de> for Rows<'_, '_> {
    type Value = Option<Written>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, '_> {
    type Value = Option<Written>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let capacity = seq.size_hint().unwrap_or(0);
        let (mut list, mut ids) = (Some(Vec::with_capacity(capacity)), Vec::with_capacity(capacity));
        let mut cells = vec![Cell::default(); self.0.slots.len()];
        while seq.next_element_seed(Row { slots: &self.0.slots, cells: &mut cells })?.is_some() {
            if let Cell::Leaf(Json::String(id)) = &cells[0] {
                ids.push(id.clone());
            }
            // Read on to the end all the same: the page is valid JSON or an error either way.
            list = list.and_then(|mut list| {
                list.push(self.0.build(&mut cells)?);
                Some(list)
            });
        }
        Ok(list.map(|list| (list, ids)))
    }
}

/// One record's keys that a plan reads, into their slots; the others skipped unread.
struct Row<'p, 's> {
    slots: &'p [SlotDef<'s>],
    cells: &'p mut [Cell],
}

impl<'de> DeserializeSeed<'de> for Row<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Row<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.cells.fill(Cell::default());
        let slots = self.slots;
        while let Some(at) = map.next_key_seed(KeyOf(|key: &str| slots.iter().position(|s| s.api == key)))? {
            // A key given twice: the last one counts, as in a map.
            match at.map(|i| (i, slots[i].object)) {
                Some((i, None)) => self.cells[i] = Cell::Leaf(map.next_value()?),
                Some((i, Some(table))) => self.cells[i] = map.next_value_seed(ObjectOf(table))?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A `CrmUser` or `RecordRef` value's keys into a [`Cell::Object`]; anything but an object is
/// read as null, as the resolver answers it.
struct ObjectOf(&'static [KeyField]);

impl<'de> DeserializeSeed<'de> for ObjectOf {
    type Value = Cell;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectOf {
    type Value = Cell;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cell, A::Error> {
        let mut values = vec![Json::Null; self.0.len()];
        let table = self.0;
        while let Some(at) = map.next_key_seed(KeyOf(|key: &str| table.iter().position(|k| k.name == key)))? {
            match at {
                Some(i) => values[i] = map.next_value()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Cell::Object(values))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cell, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Cell::default())
    }

    fn visit_unit<E>(self) -> Result<Cell, E> {
        Ok(Cell::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<Cell, E> {
        Ok(Cell::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Cell, E> {
        Ok(Cell::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Cell, E> {
        Ok(Cell::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Cell, E> {
        Ok(Cell::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<Cell, E> {
        Ok(Cell::default())
    }
}

/// An object key: where it goes (`position`), if anywhere; compared unescaped, without a copy.
struct KeyOf<F>(F);

impl<'de, F: Fn(&str) -> Option<usize>> DeserializeSeed<'de> for KeyOf<F> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, F: Fn(&str) -> Option<usize>> Visitor<'de> for KeyOf<F> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok((self.0)(key))
    }
}

fn sub_plan<'s>(f: SelectionField<'_>, type_name: &'s Name, fields: &'static [KeyField]) -> Option<Vec<(Name, SubStep<'s>)>> {
    let mut sub: Vec<(Name, SubStep<'s>)> = Vec::new();
    for s in f.selection_set() {
        let key = Name::new(s.alias().unwrap_or(s.name()));
        let step = match s.name() {
            "__typename" => SubStep::Typename(type_name),
            name => {
                let at = fields.iter().position(|k| k.name == name)?;
                SubStep::Key(&fields[at], at)
            }
        };
        if !sub.iter().any(|(k, _)| *k == key) {
            sub.push((key, step));
        }
    }
    Some(sub)
}

/// A `CrmUser` or `RecordRef` value; `None` when a non-null key is missing or a key holds
/// something other than a string (the executor's resolvers decide those cases).
fn object(values: &[Json], sub: &[(Name, SubStep<'_>)]) -> Option<Value> {
    let mut out = IndexMap::with_capacity(sub.len());
    for (key, step) in sub {
        let value = match step {
            SubStep::Typename(name) => Value::String(name.to_string()),
            SubStep::Key(k, at) => match &values[*at] {
                Json::String(s) => Value::String(s.clone()),
                Json::Null if !k.non_null => Value::Null,
                _ => return None,
            },
        };
        out.insert(key.clone(), value);
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::meta::model::TextKind;

    const KEYS: [&str; 6] = ["id", "Email", "Owner", "Score", "Tags", "Other"];

    /// `__typename id email again: email owner { id name } score tags`, as `Plan::of` plans it.
    fn plan() -> Plan<'static> {
        let leak = |kind| &*Box::leak(Box::new(kind));
        let (lead, user) = (&*Box::leak(Box::new(Name::new("Lead"))), &*Box::leak(Box::new(Name::new(CRM_USER))));
        let read = |slot| Read { slot, take: true };
        let owner = CRM_USER_FIELDS
            .iter()
            .enumerate()
            .filter(|(_, k)| k.name != "email")
            .map(|(at, k)| (Name::new(k.name), SubStep::Key(k, at)));
        let sub = [(Name::new("__typename"), SubStep::Typename(user))].into_iter().chain(owner).collect();
        Plan::new(
            [(ID, None), ("Email", None), ("Owner", Some(CRM_USER_FIELDS)), ("Score", None), ("Tags", None)]
                .into_iter()
                .map(|(api, object)| SlotDef { api, object })
                .collect(),
            vec![
                (Name::new("__typename"), Step::Typename(lead)),
                (Name::new("id"), Step::Id(read(0))),
                (Name::new("email"), Step::Leaf { read: read(1), kind: leak(FieldKind::Text(TextKind::Email)) }),
                (Name::new("again"), Step::Leaf { read: read(1), kind: leak(FieldKind::Text(TextKind::Email)) }),
                (Name::new("owner"), Step::Object { read: read(2), sub }),
                (Name::new("score"), Step::Leaf { read: read(3), kind: leak(FieldKind::Int) }),
                (Name::new("tags"), Step::Leaf { read: read(4), kind: leak(FieldKind::MultiSelect) }),
            ],
        )
    }

    fn value() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::from),
            any::<i32>().prop_map(Json::from),
            "[a-z\\\"é]{0,6}".prop_map(Json::from),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Json::from),
                prop::collection::btree_map(prop::sample::select(vec!["id", "name", "email"]), inner, 0..3)
                    .prop_map(|m| Json::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
            ]
        })
    }

    /// A record as Zoho's text: mostly what the metadata says, some keys missing, some of
    /// another shape, some twice, some escaped, in any order.
    fn record() -> impl Strategy<Value = String> {
        let text = || "[a-z\\\"é]{0,6}".prop_map(Json::from);
        let owner = (text(), text()).prop_map(|(id, name)| json!({ "id": id, "name": name, "email": null }));
        let expected = (
            prop::option::weighted(0.9, "[0-9]{1,5}".prop_map(Json::from)),
            prop::option::weighted(0.8, prop_oneof![3 => text(), 1 => value()]),
            prop::option::weighted(0.8, prop_oneof![3 => owner, 1 => value()]),
            prop::option::weighted(
                0.8,
                prop_oneof![any::<i32>().prop_map(Json::from), "-?[0-9]{1,4}".prop_map(Json::from), value()],
            ),
            prop::option::weighted(0.8, prop_oneof![prop::collection::vec(text(), 0..3).prop_map(Json::from), value()]),
        )
            .prop_map(|(id, email, owner, score, tags)| {
                KEYS.iter().zip([id, email, owner, score, tags]).filter_map(|(k, v)| Some((*k, v?))).collect::<Vec<_>>()
            });
        let noise = prop::collection::vec((prop::sample::select(KEYS.to_vec()), value()), 0..3);
        (expected, noise, any::<prop::sample::Index>(), prop::collection::vec(any::<bool>(), 8)).prop_map(
            |(mut pairs, noise, at, escaped)| {
                let noise_at = at.index(pairs.len() + 1);
                pairs.splice(noise_at..noise_at, noise);
                let pairs: Vec<String> = pairs
                    .into_iter()
                    .zip(escaped.into_iter().cycle())
                    .map(|((key, v), escaped)| {
                        let key = if escaped { key.replacen('i', "\\u0069", 1) } else { key.to_owned() };
                        format!("\"{key}\":{v}")
                    })
                    .collect();
                format!("{{{}}}", pairs.join(","))
            },
        )
    }

    fn page(records: &[String]) -> Vec<u8> {
        format!("{{\"data\":[{}],\"info\":{{\"more_records\":true,\"page\":2}}}}", records.join(",")).into_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Decoding straight into values gives what writing from maps gives: the same values in
        /// the same order, the same ids, the same page info; and maps whenever a record is for
        /// the executor.
        #[test]
        fn decoding_straight_into_values_is_writing_from_maps(records in prop::collection::vec(record(), 0..5)) {
            let bytes = page(&records);
            let maps = Maps.decode(&bytes).expect("valid page");
            let decoded = Decoder { plan: Some(plan()) }.decode(&bytes).expect("valid page");
            let plan = plan();
            prop_assert_eq!(decoded.data.ids().collect::<Vec<_>>(), maps.data.ids().collect::<Vec<_>>());
            prop_assert_eq!((decoded.info.page, decoded.info.more_records), (maps.info.page, maps.info.more_records));
            let mut cells = Vec::new();
            let from_maps: Option<Vec<Value>> = maps.data.iter().map(|r| plan.record(r, &mut cells)).collect();
            match (&decoded.data, from_maps) {
                (Nodes::Built { list, .. }, Some(expected)) => {
                    let list = list.lock().unwrap().take().expect("a list");
                    prop_assert_eq!(format!("{list:?}"), format!("{expected:?}"));
                }
                (Nodes::Records(records), None) => prop_assert_eq!(records, &maps.data),
                (Nodes::Built { .. }, None) => prop_assert!(false, "written, though a record is for the executor"),
                (Nodes::Records(_), Some(_)) => prop_assert!(false, "maps, though every record could be written"),
            }
        }

        /// What is not a page is refused alike: invalid JSON, trailing bytes, a wrong shape.
        #[test]
        fn what_maps_refuse_the_decoder_refuses(text in "[\\[\\]{}\",:0-9a-z ]{0,40}") {
            let mut bytes = page(&[]);
            bytes.truncate(bytes.len() / 2);
            // Not UTF-8, inside a string and outside one.
            let not_utf8 = [b"{\"data\":[{\"id\":\"\xff\"}]}".to_vec(), b"{\"data\":[]}\xff".to_vec()];
            for bytes in [text.clone().into_bytes(), bytes, format!("{{\"data\":[{text}]}}").into_bytes()].into_iter().chain(not_utf8) {
                let decoded = Decoder { plan: Some(plan()) }.decode(&bytes);
                prop_assert_eq!(decoded.is_ok(), Maps.decode(&bytes).is_ok(), "{}", String::from_utf8_lossy(&bytes));
            }
        }
    }

    #[test]
    fn a_record_without_a_users_name_is_read_into_maps() {
        let bytes = serde_json::to_vec(&json!({ "data": [
            { "id": "1", "Email": "a@b.c", "Owner": { "id": "7", "name": "Ann" } },
            { "id": "2", "Owner": { "id": "7" } },
        ] }))
        .unwrap();
        let decoded = Decoder { plan: Some(plan()) }.decode(&bytes).unwrap();
        assert!(matches!(&decoded.data, Nodes::Records(r) if r.len() == 2));
        assert_eq!(decoded.data.ids().collect::<Vec<_>>(), ["1", "2"]);
    }
}
