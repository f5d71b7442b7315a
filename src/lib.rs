//! zoho-gateway: a GraphQL gateway over Zoho CRM for portals whose users sign in with their own
//! Zoho accounts and act with exactly their CRM role's rights.
//!
//! # Layout
//! - [`config`]: the one typed configuration (flags and environment).
//! - [`app`]: builds the shared state and the router, binds, serves, shuts down.
//! - [`state`]: the shared state (handles) that the GraphQL and HTTP layers receive.
//! - [`meta`]: the org's metadata snapshot, the model of exposed modules, validation, drift.
//! - [`http`]: routes: the GraphQL endpoint, GraphiQL, the static portal, health.
//! - [`graphql`]: the schema, resolvers, per-request loaders.
//! - [`cache`]: per-user moka cache of Zoho answers, invalidated by writes.
//! - [`crm`]: the CRM as one signed-in user sees it (credentials + one retry on 401).
//! - [`notifications`]: Zoho's Notification API: channels per org and module, verified callbacks.
//! - [`live`]: changes fanned out to GraphQL subscriptions on every replica, re-read per user.
//! - [`auth`]: Login with Zoho, data centres, sessions, fresh tokens.
//! - [`store`]: OAuth states, token pairs and sessions (memory, SQLite, PostgreSQL).
//! - [`telemetry`]: Prometheus metrics, log format, request ids.
//! - [`zoho`]: the only module that knows Zoho's wire format.
//! - [`error`]: the edge error and its stable `extensions.code` values.
//! - [`secret`]: secret newtypes that never print.
//!
//! The built-in Zoho simulator (accounts server + CRM API) for `--sandbox` and the tests is the
//! workspace crate `zoho-sandbox` (`crates/zoho-sandbox`), re-exported here as [`sandbox`].

pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod crm;
pub mod error;
pub mod graphql;
pub mod http;
pub mod live;
pub mod meta;
pub mod notifications;
pub mod secret;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod zoho;

pub use zoho_sandbox as sandbox;
