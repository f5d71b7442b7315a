//! The GraphQL API: `schema` wiring, `query` and `mutation` resolvers, `lead` and `session`
//! types, per-request `loaders`, and `context` (typed access to request data).

pub mod context;
pub mod lead;
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

/// The executable schema, holding the shared state.
pub fn build_schema(state: Arc<AppState>) -> AppSchema {
    builder().data(state).finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
