//! The GraphQL API: `schema` wiring, `query` and `mutation` resolvers, `lead` and `session`
//! types, per-request `loaders`, and `context` (typed access to request data).

pub mod context;
pub mod lead;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod session;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};

use crate::app::AppState;

pub type AppSchema = Schema<query::QueryRoot, mutation::MutationRoot, EmptySubscription>;

fn builder() -> SchemaBuilder<query::QueryRoot, mutation::MutationRoot, EmptySubscription> {
    Schema::build(query::QueryRoot, mutation::MutationRoot, EmptySubscription)
}

/// The executable schemas: one with the query limits for everything, and one without them for
/// documents that are pure introspection (GraphiQL's schema query is deep and wide by nature).
/// With introspection switched off, both refuse it.
pub struct Schemas {
    pub limited: AppSchema,
    pub introspection: AppSchema,
}

pub fn build_schemas(state: Arc<AppState>, limits: limits::QueryLimits) -> Schemas {
    let mut limited = builder()
        .data(state.clone())
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        // Suggestions ("did you mean …") would let anyone enumerate a schema whose introspection is off.
        .disable_suggestions();
    let mut introspection = builder().data(state);
    if !limits.introspection {
        limited = limited.disable_introspection();
        introspection =
            introspection.disable_introspection().limit_depth(limits.max_depth).limit_complexity(limits.max_complexity);
    }
    Schemas { limited: limited.finish(), introspection: introspection.finish() }
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
