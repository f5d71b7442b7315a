//! The only module that knows Zoho CRM's wire format: `client` (HTTP calls), `records` (typed
//! requests and responses), `error` (Zoho's error codes), `criteria` (search criteria) and `coql` (COQL queries).

pub mod client;
pub mod coql;
pub mod criteria;
pub mod error;
pub mod limiter;
pub mod records;

pub use client::{Credentials, RetryPolicy, ZohoClient};
pub use error::ZohoError;
