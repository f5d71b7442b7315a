//! The only module that knows Zoho CRM's wire format: `client` (HTTP calls), `records` (typed
//! requests and responses), `error` (Zoho's error codes) and `criteria` (search criteria).

pub mod client;
pub mod criteria;
pub mod error;
pub mod limiter;
pub mod records;

pub use client::{Credentials, RetryPolicy, ZohoClient};
pub use error::ZohoError;
