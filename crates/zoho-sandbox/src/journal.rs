//! The bounded journal of what the sandbox issued and received (secrets, search criteria, COQL
//! queries), kept in its state and read by `inspect`. A leaf module: it knows nothing else.

use std::collections::VecDeque;

/// Issued secrets remembered per kind; the oldest go first (a demo sandbox may run for days).
const MAX_REMEMBERED_SECRETS: usize = 10_000;
/// Criteria strings remembered; the oldest go first.
const MAX_REMEMBERED_CRITERIA: usize = 100;
/// COQL queries remembered; the oldest go first.
const MAX_REMEMBERED_COQL: usize = 100;

/// The bounded record behind [`Sandbox::issued_secrets`], [`Sandbox::received_criteria`] and
/// [`Sandbox::received_coql`].
#[derive(Debug, Default)]
pub(crate) struct Journal {
    pub codes: VecDeque<String>,
    pub access_tokens: VecDeque<String>,
    pub refresh_tokens: VecDeque<String>,
    pub criteria: VecDeque<String>,
    pub coql: VecDeque<String>,
}

impl Journal {
    pub fn code(&mut self, code: &str) {
        push_bounded(&mut self.codes, code, MAX_REMEMBERED_SECRETS);
    }

    pub fn access_token(&mut self, token: &str) {
        push_bounded(&mut self.access_tokens, token, MAX_REMEMBERED_SECRETS);
    }

    pub fn refresh_token(&mut self, token: &str) {
        push_bounded(&mut self.refresh_tokens, token, MAX_REMEMBERED_SECRETS);
    }

    pub fn criteria(&mut self, criteria: &str) {
        push_bounded(&mut self.criteria, criteria, MAX_REMEMBERED_CRITERIA);
    }

    pub fn coql(&mut self, query: &str) {
        push_bounded(&mut self.coql, query, MAX_REMEMBERED_COQL);
    }
}

fn push_bounded(list: &mut VecDeque<String>, value: &str, max: usize) {
    if list.len() >= max {
        list.pop_front();
    }
    list.push_back(value.to_string());
}
