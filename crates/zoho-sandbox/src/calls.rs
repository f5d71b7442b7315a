//! Counts the calls the sandbox served, by endpoint label, so tests can assert how often the gateway
//! reached Zoho (e.g. that a cache or a DataLoader saved calls). Counts only; no request data.

use std::collections::BTreeMap;

/// Labels of the accounts server's endpoints; every other label is a CRM API call.
const ACCOUNTS_LABELS: [&str; 4] = ["auth", "token.authorization_code", "token.refresh_token", "token.revoke"];

/// A snapshot of call counts by endpoint label.
///
/// Labels: `auth`, `token.authorization_code`, `token.refresh_token`, `token.other` (bad or missing
/// grant type), `token.revoke`, `users`, `org`, `fields`, `modules` (list and one), `coql`, per
/// module of the org `<module>.list`, `.get_by_ids`, `.get`, `.create`, `.update`, `.delete`,
/// `.search`, `.upsert`, `.count` with the module's API name lowercased (`leads.list`, `courses.get`),
/// `notifications.enable`, `.list`, `.update`, `.replace`, `.disable` for `/actions/watch`, and
/// `api.other` for API requests to unknown paths or modules, or with a wrong method.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallCounts {
    counts: BTreeMap<String, u64>,
}

impl CallCounts {
    /// Calls served for one endpoint label (0 when never called).
    pub fn get(&self, endpoint: &str) -> u64 {
        self.counts.get(endpoint).copied().unwrap_or(0)
    }

    /// All CRM API calls (not the accounts server's).
    pub fn api_total(&self) -> u64 {
        self.counts.iter().filter(|(label, _)| !is_accounts_label(label)).map(|(_, count)| count).sum()
    }

    /// All calls, accounts server included.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Every label with a non-zero count.
    pub fn by_endpoint(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    pub(crate) fn record(&mut self, endpoint: &str) {
        *self.counts.entry(endpoint.to_string()).or_insert(0) += 1;
    }
}

fn is_accounts_label(label: &str) -> bool {
    ACCOUNTS_LABELS.contains(&label) || label.starts_with("token.")
}
