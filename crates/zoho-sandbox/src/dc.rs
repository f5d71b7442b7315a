//! Data centres (§1.9): each has its own accounts server and API domain listeners. A user lives in
//! one; the consent redirect names it (`location`, `accounts-server`, §1.4), only its accounts server
//! exchanges the user's codes and refresh tokens, its token answers carry its API domain, and only
//! its API domain accepts its access tokens (`INVALID_TOKEN` elsewhere, §1.8).

/// One data centre of the sandbox, as a client needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataCentre {
    /// Zoho's code for it, sent as `location` on the consent redirect (`us`, `eu`, …).
    pub location: String,
    /// Base URL of its accounts server, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub accounts_url: String,
    /// Base URL of its CRM API domain; the `api_domain` of tokens it issues.
    pub api_url: String,
}

impl DataCentre {
    /// The full token endpoint URL, as the Python SDK's `Environment.accounts_url` wants it (§5.3).
    pub fn token_url(&self) -> String {
        format!("{}/oauth/v2/token", self.accounts_url)
    }
}
