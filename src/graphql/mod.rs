//! The GraphQL API, built at start-up from the org's metadata (async-graphql's dynamic schema):
//! `types` (the gateway's own types), `session` (sign-in fields), `records` (every exposed
//! module's types and resolvers), `forms` (`crmModule`), per-request `loaders`, `context` (typed
//! access to request data), `limits`, `operation` (which operation runs), `answers` (the
//! whole-answer cache), `nodes` (pages written straight into the answer), `parsed` (documents
//! parsed once) and `subscriptions` (`<singular>Changed`).

pub mod answers;
pub mod context;
pub mod documents;
pub mod filters;
pub mod forms;
pub mod limits;
pub mod loaders;
pub mod nodes;
pub mod operation;
pub mod order;
pub mod paging;
pub mod parsed;
pub mod records;
pub mod session;
pub mod subscriptions;
pub mod types;

use std::sync::Arc;

use async_graphql::dynamic::{Object, Schema, SchemaBuilder};

use crate::meta::CrmModel;
use crate::state::AppState;

pub type AppSchema = Schema;

fn builder(model: &CrmModel) -> SchemaBuilder {
    let mut query = Object::new("Query");
    let mut mutation = Object::new("Mutation");
    for f in session::query_fields() {
        query = query.field(f);
    }
    for f in session::mutation_fields() {
        mutation = mutation.field(f);
    }
    query = query.field(forms::crm_module_field(model));
    let mut schema = Schema::build("Query", Some("Mutation"), Some("Subscription"));
    for m in &model.modules {
        // What the fast path for pages may read of the module's records, for its lists and pages.
        let shape = nodes::Shape::of(model, m);
        for f in records::query_fields(m, &shape) {
            query = query.field(f);
        }
        for f in records::mutation_fields(m) {
            mutation = mutation.field(f);
        }
        for t in records::module_types(model, m, &shape) {
            schema = schema.register(t);
        }
    }
    for t in types::types().into_iter().chain(filters::shared_types()) {
        schema = schema.register(t);
    }
    for t in subscriptions::types(model) {
        schema = schema.register(t);
    }
    schema = schema.register(paging::page_info_type());
    schema.register(query).register(mutation).register(subscriptions::subscription(model)).extension(nodes::Prebuilt)
}

/// The executable schemas: one with the query limits for everything, and one without them for
/// documents that are pure introspection (GraphiQL's schema query is deep and wide by nature).
/// With introspection switched off, both refuse it.
pub struct Schemas {
    pub limited: AppSchema,
    pub introspection: AppSchema,
}

pub fn build_schemas(model: &CrmModel, state: Arc<AppState>, limits: limits::QueryLimits) -> anyhow::Result<Schemas> {
    let mut limited = builder(model)
        .data(state.clone())
        .limit_depth(limits.max_depth)
        // Suggestions ("did you mean …") would let anyone enumerate a schema whose introspection is off.
        .disable_suggestions();
    let mut introspection = builder(model).data(state);
    if !limits.introspection {
        limited = limited.disable_introspection();
        introspection = introspection.disable_introspection().limit_depth(limits.max_depth);
    }
    Ok(Schemas { limited: limited.finish()?, introspection: introspection.finish()? })
}

/// The schema's SDL for a model; for the default one it is committed as `schema.graphql`.
pub fn sdl(model: &CrmModel) -> anyhow::Result<String> {
    Ok(builder(model).finish()?.sdl())
}

/// The SDL of the defaults (the built-in snapshot, `GATEWAY_MODULES=Leads`): `schema.graphql`.
pub fn default_sdl() -> anyhow::Result<String> {
    let model = CrmModel::build(&crate::meta::Snapshot::built_in(), &["Leads".to_owned()])?;
    sdl(&model)
}
