//! Integration tests: the real gateway and the sandbox on port 0, spoken to over HTTP as a
//! browser would. One binary, so the crate is linked once.

mod helpers;

mod auth_flow;
mod config;
mod errors;
mod filters;
mod http_contract;
mod leads;
mod limits;
mod modules;
mod notifications;
mod observability;
mod pages;
mod persisted;
mod persistence;
mod schema;
mod subscriptions;
mod tokens;
mod upstream;
mod zoho_rules;
