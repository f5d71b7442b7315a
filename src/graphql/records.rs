//! The types and root fields of every exposed module, built from the model (`meta::model`): the
//! record type, its page, input, patch, search input and sort enum, and the resolvers of
//! `<singular>(id)`, `<plural>(…)`, `search<Plural>(by:)`, `create<Singular>`, `update<Singular>`,
//! `delete<Singular>`. Resolvers are thin: they read arguments, go through the loader or the
//! user's CRM handle, and hand Zoho's records on as they came. Leaf fields read one key of the
//! record without a boxed future.

use std::sync::Arc;

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, ResolverContext, Type, TypeRef,
};
use async_graphql::{Context, Error, Name, Value};
use serde_json::{Map, Value as Json};

use super::context::{self, selected_fields};
use super::loaders::RecordKey;
use super::paging::{self, Reach, Total};
use super::types;
use super::{filters, nodes};
use crate::crm::CrmError;
use crate::error::GatewayError;
use crate::live::Operation;
use crate::meta::model::TextKind;
use crate::meta::validate::{self, FieldProblem, is_record_id};
use crate::meta::{CrmModel, FieldDef, FieldKind, ModuleDef};
use crate::zoho::ZohoError;
use crate::zoho::coql::{self, Filter, Select};
use crate::zoho::criteria::{self, Criterion, Op};
use crate::zoho::records::{ListParams, Record, SearchBy, SearchParams, SortBy};

/// Longest search text per field.
const MAX_SEARCH_CHARS: usize = 200;

type Res<'a> = async_graphql::Result<Option<FieldValue<'a>>>;

/// The GraphQL output type of a field.
pub(super) fn output_type(model: &CrmModel, f: &FieldDef) -> TypeRef {
    match &f.kind {
        FieldKind::Text(_) => TypeRef::named(TypeRef::STRING),
        FieldKind::Int => TypeRef::named(TypeRef::INT),
        FieldKind::BigInt => TypeRef::named("BigInt"),
        FieldKind::Float => TypeRef::named(TypeRef::FLOAT),
        FieldKind::Boolean => TypeRef::named(TypeRef::BOOLEAN),
        FieldKind::Date => TypeRef::named("Date"),
        FieldKind::DateTime => TypeRef::named("DateTime"),
        FieldKind::MultiSelect => TypeRef::named_nn_list(TypeRef::STRING),
        FieldKind::User => TypeRef::named(types::CRM_USER),
        FieldKind::Lookup { module } => match model.module(module) {
            Some(target) => TypeRef::named(target.type_name.clone()),
            None => TypeRef::named(types::RECORD_REF),
        },
    }
}

/// The GraphQL input type of a writable field (always nullable: required fields are checked by
/// the gateway, so that every missing one is reported at once).
fn input_type(f: &FieldDef) -> TypeRef {
    match &f.kind {
        FieldKind::Int => TypeRef::named(TypeRef::INT),
        FieldKind::BigInt => TypeRef::named("BigInt"),
        FieldKind::Float => TypeRef::named(TypeRef::FLOAT),
        FieldKind::Boolean => TypeRef::named(TypeRef::BOOLEAN),
        FieldKind::Date => TypeRef::named("Date"),
        FieldKind::DateTime => TypeRef::named("DateTime"),
        FieldKind::MultiSelect => TypeRef::named_nn_list(TypeRef::STRING),
        FieldKind::Lookup { .. } | FieldKind::User => TypeRef::named(TypeRef::ID),
        FieldKind::Text(_) => TypeRef::named(TypeRef::STRING),
    }
}

fn describe(f: &FieldDef) -> String {
    let mut text = format!("{} (Zoho: `{}`, {})", f.label, f.api_name, f.data_type);
    if f.required {
        text.push_str("; required");
    }
    if let Some(max) = f.max_length {
        text.push_str(&format!("; at most {max} characters"));
    }
    text
}

/// Every type one module adds to the schema.
pub fn module_types(model: &CrmModel, m: &Arc<ModuleDef>, shape: &Arc<nodes::Shape>) -> Vec<Type> {
    let t = &m.type_name;
    let mut record =
        Object::new(t.as_str()).description(format!("A record of the CRM module {} ({}).", m.api_name, m.plural_label)).field(
            Field::new("id", TypeRef::named_nn(TypeRef::ID), |ctx| leaf(&ctx, "id", &FieldKind::Text(TextKind::Plain)))
                .description("Zoho's record id (a numeric string)."),
        );
    for f in &m.fields {
        record = record.field(record_field(model, m, f).description(describe(f)));
    }
    let [nodes, page_info] = paging::page_fields(m, shape.clone());
    let page =
        Object::new(format!("{t}Page")).description(format!("A page of {}.", m.plural_label)).field(nodes).field(page_info);
    let writable: Vec<&FieldDef> = m.fields.iter().filter(|f| !f.read_only).collect();
    let mut input = InputObject::new(format!("{t}Input"))
        .description(format!("A new {}: every required field, each checked against the org's metadata.", m.singular_label));
    let mut patch = InputObject::new(format!("{t}Patch"))
        .description("Changes to a record: an absent field stays as it is, `null` clears it (not a required one).");
    for f in &writable {
        input = input.field(InputValue::new(f.input_name.as_str(), input_type(f)).description(describe(f)));
        patch = patch.field(InputValue::new(f.input_name.as_str(), input_type(f)).description(describe(f)));
    }
    let mut search = InputObject::new(format!("{t}Search"))
        .description(
            "Search criteria, all of which must match. Text fields match from the start (Zoho's `starts_with`), other \
             fields exactly (`equals`); a lone email or phone uses Zoho's own `email`/`phone` search. `word` searches \
             every field and cannot be combined with the others.",
        )
        .field(InputValue::new("word", TypeRef::named(TypeRef::STRING)).description("Words anywhere in the record."));
    for f in m.fields.iter().filter(|f| f.searchable) {
        search = search.field(InputValue::new(f.gql_name.as_str(), TypeRef::named(TypeRef::STRING)).description(describe(f)));
    }
    let sort = Enum::new(format!("{t}Sort"))
        .description("What Zoho can sort a list by (zoho-api.md §2.2).")
        .item(EnumItem::new("CREATED_TIME"))
        .item(EnumItem::new("MODIFIED_TIME"))
        .item(EnumItem::new("ID"));
    let mut types: Vec<Type> = vec![record.into(), page.into(), search.into(), sort.into()];
    types.extend(filters::module_types(m));
    if !writable.is_empty() {
        types.push(input.into());
        types.push(patch.into());
    }
    types
}

/// A record's field: a leaf read from the record, or a lookup loaded through the loader.
fn record_field(model: &CrmModel, m: &ModuleDef, f: &FieldDef) -> Field {
    let ty = output_type(model, f);
    let (def, module) = (Arc::new(f.clone()), m.api_name.clone());
    let target = match &f.kind {
        FieldKind::Lookup { module } => model.module(module).cloned(),
        _ => None,
    };
    Field::new(f.gql_name.as_str(), ty, move |ctx| {
        // One map lookup per leaf: this runs for every field of every record of a page.
        let value = ctx.parent_value.downcast_ref::<Record>().and_then(|r| r.get(&def.api_name));
        match (&target, value) {
            (_, None) => missing(&ctx, &module, &def),
            (Some(target), Some(_)) => {
                let (def, target) = (def.clone(), target.clone());
                FieldFuture::new(async move { lookup(&ctx, &def.api_name, &target).await })
            }
            (None, Some(value)) => FieldFuture::Value(to_output(value, &def.kind)),
        }
    })
}

fn leaf<'a>(ctx: &ResolverContext<'a>, api: &str, kind: &FieldKind) -> FieldFuture<'a> {
    let Some(record) = ctx.parent_value.downcast_ref::<Record>() else {
        return FieldFuture::Value(None);
    };
    FieldFuture::Value(record.get(api).and_then(|v| to_output(v, kind)))
}

/// A field Zoho answered without (it asks for every selected field, so a missing key means the
/// field was left out): an error naming it when Zoho no longer has it, else null.
fn missing<'a>(ctx: &ResolverContext<'a>, module: &str, field: &FieldDef) -> FieldFuture<'a> {
    let gone = context::known_drift(ctx.ctx).is_some_and(|d| d.is_missing(module, &field.api_name));
    if !gone {
        return FieldFuture::Value(None);
    }
    let e =
        GatewayError::SchemaDrift { module: module.to_owned(), field: field.gql_name.clone(), api_name: field.api_name.clone() };
    FieldFuture::new(async move { Err::<Option<FieldValue>, Error>(e.into()) })
}

/// Zoho's JSON value as the field's GraphQL value (zoho-api.md §2.4 value shapes).
fn to_output<'a>(v: &'a Json, kind: &FieldKind) -> Option<FieldValue<'a>> {
    match (kind, v) {
        // Borrowed: the record outlives its fields' resolution; no copy per user of a page.
        (FieldKind::User | FieldKind::Lookup { .. }, Json::Object(_)) => Some(FieldValue::borrowed_any(v)),
        _ => to_value(v.clone(), kind).map(FieldValue::value),
    }
}

/// A scalar (or list of scalars) field's value: also what the fast path for pages writes
/// (`graphql::nodes`), which hands over values it owns (no copy). `None` for null and for a value
/// of another shape than the metadata says.
pub(super) fn to_value(v: Json, kind: &FieldKind) -> Option<Value> {
    let value = match (kind, v) {
        (_, Json::Null) => return None,
        (FieldKind::Text(_) | FieldKind::BigInt, Json::Number(n)) => Value::String(n.to_string()),
        (FieldKind::Text(_) | FieldKind::BigInt | FieldKind::Date | FieldKind::DateTime, Json::String(s)) => Value::String(s),
        (FieldKind::Text(_), Json::Bool(b)) => Value::String(b.to_string()),
        (FieldKind::Int | FieldKind::Float, Json::Number(n)) => Value::Number(n),
        (FieldKind::Int | FieldKind::Float, Json::String(s)) => Value::Number(s.parse::<serde_json::Number>().ok()?),
        (FieldKind::Boolean, Json::Bool(b)) => Value::Boolean(b),
        (FieldKind::MultiSelect, Json::Array(items)) => Value::List(
            items
                .into_iter()
                .filter_map(|i| match i {
                    Json::String(s) => Some(Value::String(s)),
                    _ => None,
                })
                .collect(),
        ),
        // A value of another shape than the metadata says: the field's type changed in Zoho.
        _ => return None,
    };
    Some(value)
}

/// A lookup to an exposed module: the looked-up record, batched with every other lookup of the
/// request into `GET /{module}?ids=` calls.
async fn lookup<'a>(ctx: &ResolverContext<'a>, api: &str, target: &Arc<ModuleDef>) -> Res<'a> {
    let Some(record) = ctx.parent_value.downcast_ref::<Record>() else { return Ok(None) };
    let Some(id) = record.get(api).and_then(|v| v.get("id")).and_then(Json::as_str) else { return Ok(None) };
    let fields = fields_for(ctx.ctx, target, false).await?;
    let loader = context::record_loader(ctx.ctx).await?;
    let key = RecordKey { module: target.api_name.as_str().into(), id: id.to_owned(), fields: fields.join(",").into() };
    Ok(loader.load_one(key).await?.map(FieldValue::owned_any))
}

/// The module's query fields.
pub fn query_fields(m: &Arc<ModuleDef>, shape: &Arc<nodes::Shape>) -> Vec<Field> {
    let t = m.type_name.clone();
    let by_id = {
        let m2 = m.clone();
        Field::new(m.singular_field.clone(), TypeRef::named(t.as_str()), move |ctx| {
            let m = m2.clone();
            FieldFuture::new(async move { get_one(&ctx, &m).await })
        })
        .description(format!("One {} by id; null if it does not exist or is not visible to you.", m.singular_label))
        .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID)))
    };
    let list = {
        let (m2, shape) = (m.clone(), shape.clone());
        Field::new(m.plural_field.clone(), TypeRef::named_nn(format!("{t}Page")), move |ctx| {
            let (m, shape) = (m2.clone(), shape.clone());
            FieldFuture::new(async move { list(&ctx, &m, &shape).await.map_err(Error::from) })
        })
        .description(format!(
            "A page of the {} you may see. Past the 2000th, pass `pageToken` from the previous page's \
             `pageInfo.nextPageToken`. `where` selects which records to list and `orderBy` orders them (at most 10 keys, \
             first first); with either, the list is a COQL query: it pages by number up to the 100,000th record, and \
             `sortBy`/`sortOrder` apply only when `orderBy` is absent.",
            m.plural_label
        ))
        .argument(InputValue::new("page", TypeRef::named_nn(TypeRef::INT)).default_value(1))
        .argument(InputValue::new("perPage", TypeRef::named_nn(TypeRef::INT)).default_value(50))
        .argument(InputValue::new("pageToken", TypeRef::named(TypeRef::STRING)))
        .argument(
            InputValue::new("sortBy", TypeRef::named_nn(format!("{t}Sort")))
                .default_value(Value::Enum(Name::new("MODIFIED_TIME"))),
        )
        .argument(InputValue::new("sortOrder", TypeRef::named_nn("SortOrder")).default_value(Value::Enum(Name::new("DESC"))))
        // Documented in the field's description: argument descriptions break the SDL's one-line
        // signatures, which the portal team greps for.
        .argument(InputValue::new("where", TypeRef::named(format!("{t}Where"))))
        .argument(InputValue::new("orderBy", TypeRef::named_nn_list(format!("{t}Order"))))
    };
    let search = {
        let m2 = m.clone();
        Field::new(format!("search{}", upper_first(&m.plural_field)), TypeRef::named_nn(format!("{t}Page")), move |ctx| {
            let m = m2.clone();
            FieldFuture::new(async move { search(&ctx, &m).await.map_err(Error::from) })
        })
        .description(format!("{} matching `by`. Zoho's search index may lag a few seconds behind writes.", m.plural_label))
        .argument(InputValue::new("by", TypeRef::named_nn(format!("{t}Search"))))
        .argument(InputValue::new("page", TypeRef::named_nn(TypeRef::INT)).default_value(1))
        .argument(InputValue::new("perPage", TypeRef::named_nn(TypeRef::INT)).default_value(50))
    };
    vec![by_id, list, search]
}

/// The module's mutation fields, as far as Zoho lets the module be written.
pub fn mutation_fields(m: &Arc<ModuleDef>) -> Vec<Field> {
    let t = m.type_name.clone();
    let writable = m.fields.iter().any(|f| !f.read_only);
    let mut fields = Vec::new();
    if m.creatable && writable {
        let m2 = m.clone();
        fields.push(
            Field::new(format!("create{t}"), TypeRef::named_nn(t.as_str()), move |ctx| {
                let m = m2.clone();
                FieldFuture::new(async move { create(&ctx, &m).await })
            })
            .description(format!("Adds a {} owned by you.", m.singular_label))
            .argument(InputValue::new("input", TypeRef::named_nn(format!("{t}Input")))),
        );
    }
    if m.editable && writable {
        let m2 = m.clone();
        fields.push(
            Field::new(format!("update{t}"), TypeRef::named_nn(t.as_str()), move |ctx| {
                let m = m2.clone();
                FieldFuture::new(async move { update(&ctx, &m).await })
            })
            .description("Changes the fields named in `input`.")
            .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID)))
            .argument(InputValue::new("input", TypeRef::named_nn(format!("{t}Patch")))),
        );
    }
    if m.deletable {
        let m2 = m.clone();
        fields.push(
            Field::new(format!("delete{t}"), TypeRef::named_nn(TypeRef::ID), move |ctx| {
                let m = m2.clone();
                FieldFuture::new(async move { delete(&ctx, &m).await.map_err(Error::from) })
            })
            .description(format!("Deletes a {}; returns its id.", m.singular_label))
            .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID))),
        );
    }
    fields
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

fn arg_id(ctx: &ResolverContext<'_>) -> Result<String, GatewayError> {
    let id = ctx.args.get("id").and_then(|v| v.string().ok().map(str::to_owned)).unwrap_or_default();
    if !is_record_id(&id) {
        return Err(GatewayError::bad_input(Some("id"), "A record id is a string of digits."));
    }
    Ok(id)
}

fn arg_int(ctx: &ResolverContext<'_>, name: &str) -> i64 {
    ctx.args.get(name).and_then(|v| v.i64().ok()).unwrap_or_default()
}

/// The Zoho `fields` for the selection under this field, less those Zoho no longer has.
async fn fields_for(ctx: &Context<'_>, m: &ModuleDef, under_nodes: bool) -> Result<Vec<String>, GatewayError> {
    let mut fields = m.api_fields(selected_fields(ctx, under_nodes).iter().map(String::as_str));
    let drift = context::drift(ctx).await?;
    drift.retain(&m.api_name, &mut fields);
    if fields.is_empty() {
        let mut all: Vec<String> = m.fields.iter().map(|f| f.api_name.clone()).collect();
        drift.retain(&m.api_name, &mut all);
        fields.extend(all.into_iter().next());
    }
    Ok(fields)
}

/// Runs a read; when Zoho refuses one of the asked fields as unknown (removed since the last
/// drift check, zoho-api.md §11), marks it and reads once more without it.
async fn read_with_drift<'c, T, F, Fut>(
    ctx: &Context<'c>,
    m: &ModuleDef,
    mut fields: Vec<String>,
    read: F,
) -> Result<T, GatewayError>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<T, CrmError>>,
{
    match read(fields.clone()).await {
        Err(CrmError::Zoho(ZohoError::Api { api_name: Some(api), .. })) if fields.len() > 1 && fields.contains(&api) => {
            context::drift(ctx).await?.mark_missing(&m.api_name, &api);
            fields.retain(|f| f != &api);
            Ok(read(fields).await?)
        }
        other => Ok(other?),
    }
}

async fn get_one<'a>(ctx: &ResolverContext<'a>, m: &Arc<ModuleDef>) -> Res<'a> {
    let id = arg_id(ctx)?;
    let fields = fields_for(ctx.ctx, m, false).await?;
    let loader = context::record_loader(ctx.ctx).await?;
    let key = RecordKey { module: m.api_name.as_str().into(), id, fields: fields.join(",").into() };
    Ok(loader.load_one(key).await?.map(FieldValue::owned_any))
}

async fn list<'a>(
    ctx: &ResolverContext<'a>,
    m: &Arc<ModuleDef>,
    shape: &nodes::Shape,
) -> Result<Option<FieldValue<'a>>, GatewayError> {
    let (page, per_page) = (arg_int(ctx, "page"), arg_int(ctx, "perPage"));
    let page_token = ctx.args.get("pageToken").and_then(|v| v.string().ok()).map(str::trim).filter(|t| !t.is_empty());
    let enum_arg = |name: &str| ctx.args.get(name).and_then(|v| v.enum_name().ok().map(str::to_owned));
    let sort_by = match enum_arg("sortBy").as_deref() {
        Some("CREATED_TIME") => SortBy::CreatedTime,
        Some("ID") => SortBy::Id,
        _ => SortBy::ModifiedTime,
    };
    let descending = enum_arg("sortOrder").as_deref() != Some("ASC");
    let json_arg = |name: &str| ctx.args.get(name).and_then(|v| v.as_value().clone().into_json().ok()).filter(|v| !v.is_null());
    let (filter, order_by) = (json_arg("where"), json_arg("orderBy"));
    if filter.is_some() || order_by.is_some() {
        if page_token.is_some() {
            return Err(GatewayError::bad_input(
                Some("pageToken"),
                "A filtered or ordered list pages by number; pageToken is for unfiltered lists.",
            ));
        }
        let filter = filter.map(|w| filters::filter_of(m, &w)).transpose()?.flatten();
        let mut order = order_by.map(|o| filters::order_of(m, &o)).transpose()?.unwrap_or_default();
        if order.is_empty() {
            order.push((sort_by.as_param().to_owned(), descending));
        }
        return coql_list(ctx, m, page, per_page, filter, order).await;
    }
    paging::check(page, per_page, Reach::Records { has_token: page_token.is_some() })?;
    if let Some(t) = page_token
        && (t.len() > 512 || !t.chars().all(|c| c.is_ascii_graphic()))
    {
        return Err(GatewayError::bad_input(Some("pageToken"), "This page token is not valid."));
    }
    let params = ListParams {
        fields: Vec::new(),
        page: page as u32,
        per_page: per_page as u32,
        page_token: page_token.map(str::to_owned),
        sort_by,
        descending,
    };
    let fields = fields_for(ctx.ctx, m, true).await?;
    let crm = context::crm(ctx.ctx).await?;
    let module = m.api_name.as_str();
    let result = read_with_drift(ctx.ctx, m, fields, |fields| {
        let p = ListParams { fields, ..params.clone() };
        async move {
            // Planned for each read: a field found gone since takes the executor's path.
            let decoder = &nodes::Decoder::for_page(ctx, module, shape);
            crm.call(|z, c| {
                let p = &p;
                async move { z.list(&c, module, p, decoder).await }
            })
            .await
        }
    })
    .await;
    let result = result.map_err(|e| paging_error(e, params.page_token.is_some()))?;
    Ok(Some(paging::page(result, page, per_page, Total::All { module: m.api_name.clone() })))
}

/// A filtered or ordered list: one COQL query for the page.
async fn coql_list<'a>(
    ctx: &ResolverContext<'a>,
    m: &Arc<ModuleDef>,
    page: i64,
    per_page: i64,
    filter: Option<Filter>,
    order: Vec<(String, bool)>,
) -> Result<Option<FieldValue<'a>>, GatewayError> {
    paging::check(page, per_page, Reach::Coql)?;
    let fields = fields_for(ctx.ctx, m, true).await?;
    // COQL answers a user field with its id only: its name and email come as relation columns.
    let users: Vec<String> =
        fields.iter().filter(|f| m.field_by_api(f).is_some_and(|d| d.kind == FieldKind::User)).cloned().collect();
    let mut columns = fields.clone();
    for u in &users {
        columns.extend(USER_COLUMNS.iter().map(|c| format!("{u}.{c}")));
    }
    if columns.len() > coql::MAX_SELECT {
        return Err(GatewayError::TooComplex(format!(
            "This selection needs {} Zoho columns; a filtered list can select at most {} (user fields count 4).",
            columns.len(),
            coql::MAX_SELECT
        )));
    }
    let select = Select {
        module: m.api_name.clone(),
        fields: columns,
        filter: filter.clone(),
        order,
        limit: per_page as u32,
        offset: ((page - 1) * per_page) as u64,
    };
    let crm = context::crm(ctx.ctx).await?;
    let select = &select;
    let mut result = crm.call(|z, c| async move { z.coql(&c, select).await }).await?;
    for row in &mut result.data {
        for u in &users {
            fold_user(row, u);
        }
    }
    Ok(Some(paging::page(result, page, per_page, Total::Coql { module: m.api_name.clone(), filter })))
}

/// The user columns a COQL list reads through a user field (UNCONFIRMED against Zoho: the COQL
/// docs show relation columns such as `Owner.role.id`; `first_name`, `last_name` and `email` are
/// the Users module's field names).
const USER_COLUMNS: [&str; 3] = ["first_name", "last_name", "email"];

/// `Owner: {id}` plus `Owner.first_name`, … → `Owner: {id, name, email}`, as the records API shows a user.
fn fold_user(row: &mut Record, field: &str) {
    let mut take = |c: &str| row.remove(&format!("{field}.{c}")).and_then(|v| v.as_str().map(str::to_owned));
    let (first, last, email) = (take("first_name"), take("last_name"), take("email"));
    let Some(Json::Object(user)) = row.get_mut(field) else { return };
    let name = [first, last].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let id = user.get("id").and_then(Json::as_str).unwrap_or_default().to_owned();
    user.insert("name".into(), Json::from(if name.is_empty() { email.clone().unwrap_or(id) } else { name }));
    if let Some(email) = email {
        user.insert("email".into(), Json::from(email));
    }
}

async fn search<'a>(ctx: &ResolverContext<'a>, m: &Arc<ModuleDef>) -> Result<Option<FieldValue<'a>>, GatewayError> {
    let (page, per_page) = (arg_int(ctx, "page"), arg_int(ctx, "perPage"));
    paging::check(page, per_page, Reach::Records { has_token: false })?;
    let mut given = Vec::new();
    if let Some(by) = ctx.args.get("by").and_then(|v| v.object().ok()) {
        for (name, value) in by.iter() {
            if let Ok(text) = value.string() {
                given.push((name.to_string(), text.to_owned()));
            }
        }
    }
    let params = SearchParams { by: search_by(m, &given)?, fields: Vec::new(), page: page as u32, per_page: per_page as u32 };
    // In criteria Zoho's `equals` means "contains" on text, email, phone and website fields (exact
    // only on picklists, zoho-api.md §2.8): the exact fields are checked again on the answer.
    let exact: Vec<(String, String)> = match params.by {
        SearchBy::Criteria(_) => given
            .iter()
            .filter_map(|(name, value)| {
                let f = m.field(name)?;
                let FieldKind::Text(kind) = f.kind else { return None };
                (!matches!(kind, TextKind::Plain | TextKind::TextArea | TextKind::Picklist) && !value.trim().is_empty())
                    .then(|| (f.api_name.clone(), value.trim().to_lowercase()))
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut fields = fields_for(ctx.ctx, m, true).await?;
    for (api, _) in &exact {
        if !fields.contains(api) {
            fields.push(api.clone());
        }
    }
    let crm = context::crm(ctx.ctx).await?;
    let module = m.api_name.as_str();
    let mut result = read_with_drift(ctx.ctx, m, fields, |fields| {
        let p = SearchParams { fields, ..params.clone() };
        async move {
            crm.call(|z, c| {
                let p = &p;
                async move { z.search(&c, module, p).await }
            })
            .await
        }
    })
    .await?;
    result.data.retain(|r| {
        exact.iter().all(|(api, want)| r.get(api).and_then(Json::as_str).is_some_and(|v| v.trim().to_lowercase() == *want))
    });
    Ok(Some(paging::page(result, page, per_page, Total::Search { module: m.api_name.clone(), by: params.by })))
}

/// Turns the search input into Zoho's parameters (zoho-api.md §2.8): a lone email or phone field
/// uses Zoho's dedicated parameter, `word` its own, anything else escaped criteria.
pub fn search_by(m: &ModuleDef, given: &[(String, String)]) -> Result<SearchBy, GatewayError> {
    let given: Vec<(&str, &str)> = given.iter().map(|(n, v)| (n.as_str(), v.trim())).filter(|(_, v)| !v.is_empty()).collect();
    for (name, value) in &given {
        if value.chars().count() > MAX_SEARCH_CHARS {
            return Err(GatewayError::bad_input(Some(name), format!("At most {MAX_SEARCH_CHARS} characters.")));
        }
    }
    if given.is_empty() {
        return Err(GatewayError::bad_input(Some("by"), "Give at least one search field."));
    }
    if let Some((_, word)) = given.iter().find(|(n, _)| *n == "word") {
        if given.len() > 1 {
            return Err(GatewayError::bad_input(
                Some("word"),
                "word searches every field and cannot be combined with other criteria.",
            ));
        }
        // Zoho refuses words shorter than two characters (INVALID_DATA, zoho-api.md §2.8).
        if word.chars().count() < 2 {
            return Err(GatewayError::bad_input(Some("word"), "Search for at least two characters."));
        }
        return Ok(SearchBy::Word((*word).to_owned()));
    }
    let mut list = Vec::new();
    for (name, value) in &given {
        let Some(field) = m.field(name).filter(|f| f.searchable) else {
            return Err(GatewayError::bad_input(Some(name), "This field cannot be searched."));
        };
        let FieldKind::Text(kind) = field.kind else { continue };
        if given.len() == 1 {
            match kind {
                TextKind::Email => return Ok(SearchBy::Email((*value).to_owned())),
                TextKind::Phone => return Ok(SearchBy::Phone((*value).to_owned())),
                _ => {}
            }
        }
        let op = if matches!(kind, TextKind::Plain | TextKind::TextArea) { Op::StartsWith } else { Op::Equals };
        list.push(Criterion { field: field.api_name.clone(), op, value: (*value).to_owned() });
    }
    Ok(SearchBy::Criteria(criteria::and_all(&list)))
}

fn paging_error(e: GatewayError, had_token: bool) -> GatewayError {
    match e {
        GatewayError::BadUserInput { .. } | GatewayError::Internal(_) if had_token => {
            GatewayError::bad_input(Some("pageToken"), "This page token is not valid for this list (or has expired).")
        }
        other => other,
    }
}

/// The `input` argument as JSON, keyed by GraphQL input names (absent fields absent).
fn input_json(ctx: &ResolverContext<'_>) -> Map<String, Json> {
    let Some(input) = ctx.args.get("input").and_then(|v| v.object().ok()) else { return Map::new() };
    input.iter().map(|(name, v)| (name.to_string(), v.as_value().clone().into_json().unwrap_or(Json::Null))).collect()
}

/// Every bad field at once: all but the last as extra errors on this field, the last returned.
fn input_errors(ctx: &Context<'_>, problems: Vec<FieldProblem>) -> Error {
    let mut errors: Vec<Error> =
        problems.into_iter().map(|p| Error::from(GatewayError::bad_input(Some(&p.field), p.message))).collect();
    let last = errors.pop().unwrap_or_else(|| Error::from(GatewayError::bad_input(Some("input"), "Invalid input.")));
    for e in errors {
        ctx.add_error(ctx.set_error_path(e.into_server_error(ctx.item.pos)));
    }
    last
}

async fn create<'a>(ctx: &ResolverContext<'a>, m: &Arc<ModuleDef>) -> Res<'a> {
    let record = validate::for_create(m, &input_json(ctx)).map_err(|p| input_errors(ctx.ctx, p))?;
    let crm = context::crm(ctx.ctx).await?;
    let (r, module) = (&record, m.api_name.as_str());
    let id = crm.call(|z, c| async move { z.create(&c, module, r.clone()).await }).await.map_err(|e| name_field(e.into(), m))?;
    context::state(ctx.ctx).live.wrote(&crm.key.org_id, module, Operation::Created, &id);
    Ok(Some(read_back(ctx, m, &id, record).await?))
}

async fn update<'a>(ctx: &ResolverContext<'a>, m: &Arc<ModuleDef>) -> Res<'a> {
    let id = arg_id(ctx)?;
    let record = validate::for_update(m, &input_json(ctx)).map_err(|p| input_errors(ctx.ctx, p))?;
    let crm = context::crm(ctx.ctx).await?;
    let (r, module, i) = (&record, m.api_name.as_str(), id.as_str());
    if let Err(e) = crm.call(|z, c| async move { z.update(&c, module, i, r.clone()).await }).await {
        return Err(hidden_or(name_field(e.into(), m), crm, m, &id).await.into());
    }
    context::state(ctx.ctx).live.wrote(&crm.key.org_id, module, Operation::Updated, &id);
    Ok(Some(read_back(ctx, m, &id, record).await?))
}

async fn delete<'a>(ctx: &ResolverContext<'a>, m: &Arc<ModuleDef>) -> Result<Option<FieldValue<'a>>, GatewayError> {
    let id = arg_id(ctx)?;
    let crm = context::crm(ctx.ctx).await?;
    let (module, i) = (m.api_name.as_str(), id.as_str());
    if let Err(e) = crm.call(|z, c| async move { z.delete(&c, module, i).await }).await {
        return Err(hidden_or(e.into(), crm, m, &id).await);
    }
    context::state(ctx.ctx).live.wrote(&crm.key.org_id, module, Operation::Deleted, &id);
    Ok(Some(FieldValue::value(Value::String(id))))
}

/// One rule for records a user may not see: they do not exist for that user. A read by id
/// answers null; a write answers NOT_FOUND, as for an id that never existed. Zoho answers such a
/// write `NO_PERMISSION`, which also means "your role may not do this": a read tells them apart
/// (made only on this error path), and FORBIDDEN is kept for records the user can see.
async fn hidden_or(e: GatewayError, crm: &crate::crm::UserCrm, m: &ModuleDef, id: &str) -> GatewayError {
    if !matches!(e, GatewayError::Forbidden) {
        return e;
    }
    // The same read `<singular>(id:)` makes (`GET /{module}?ids=`, which leaves out what the
    // user may not see), so the two answers cannot disagree.
    let (fields, ids) = (m.display_field.iter().cloned().collect::<Vec<String>>(), [id.to_owned()]);
    let (f, i, module) = (&fields, &ids, m.api_name.as_str());
    match crm.call(|z, c| async move { z.by_ids(&c, module, i, f).await }).await {
        Ok(records) if records.is_empty() => GatewayError::NotFound,
        _ => e,
    }
}

/// Zoho names the failing field by API name; the client knows it by its GraphQL name.
fn name_field(e: GatewayError, m: &ModuleDef) -> GatewayError {
    match e {
        GatewayError::BadUserInput { field: Some(api), message } => {
            GatewayError::BadUserInput { field: Some(m.field_by_api(&api).map_or(api, |f| f.input_name.clone())), message }
        }
        other => other,
    }
}

/// The record as the mutation's selection wants it: from what was written when that covers the
/// selection (lookups and users are written as bare ids, so they are always read back), else read back
/// from Zoho (owner, times and computed fields are Zoho's to fill in).
async fn read_back<'a>(
    ctx: &ResolverContext<'a>,
    m: &ModuleDef,
    id: &str,
    written: Record,
) -> Result<FieldValue<'a>, GatewayError> {
    let selected = selected_fields(ctx.ctx, false);
    let covered = selected.iter().all(|name| {
        name == "id"
            || name.starts_with("__")
            || m.field(name).is_some_and(|f| {
                !matches!(f.kind, FieldKind::Lookup { .. } | FieldKind::User) && written.contains_key(&f.api_name)
            })
    });
    let record = if covered {
        let mut r = written;
        r.insert("id".into(), Json::String(id.to_owned()));
        r
    } else {
        let fields = fields_for(ctx.ctx, m, false).await?;
        let crm = context::crm(ctx.ctx).await?;
        let (f, module) = (&fields, m.api_name.as_str());
        crm.call(|z, c| async move { z.record(&c, module, id, f).await }).await?.ok_or(GatewayError::NotFound)?
    };
    Ok(FieldValue::owned_any(record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Snapshot;

    fn leads() -> Arc<ModuleDef> {
        CrmModel::build(&Snapshot::built_in(), &["Leads".into()]).expect("model").modules[0].clone()
    }

    fn by(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn single_email_phone_or_word_use_zoho_parameters() {
        let m = leads();
        assert!(matches!(search_by(&m, &by(&[("email", " a@b.co ")])), Ok(SearchBy::Email(e)) if e == "a@b.co"));
        assert!(matches!(search_by(&m, &by(&[("phone", "555")])), Ok(SearchBy::Phone(_))));
        assert!(matches!(search_by(&m, &by(&[("word", "web")])), Ok(SearchBy::Word(_))));
        assert!(search_by(&m, &by(&[("word", "w")])).is_err());
        assert!(search_by(&m, &[]).is_err());
        assert!(search_by(&m, &by(&[("word", "web"), ("company", "x")])).is_err());
    }

    #[test]
    fn combined_fields_become_escaped_criteria() {
        let s = search_by(&leads(), &by(&[("company", "A(B),C"), ("course", "Web")])).unwrap();
        let SearchBy::Criteria(c) = s else { panic!("expected criteria") };
        assert_eq!(c, "((Company:starts_with:A\\(B\\)\\,C)and(Course:equals:Web))");
    }
}
