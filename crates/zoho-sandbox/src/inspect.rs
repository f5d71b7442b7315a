//! What tests may look at beyond the wire: every secret the accounts server issued (to search logs
//! and files for them), the search criteria and COQL queries the CRM API received, and the
//! sandbox's own criteria parser as an oracle for the gateway's criteria builder (the COQL parser,
//! [`crate::parse_coql`], is public from `crm/coql`). Read-only views; nothing here changes
//! how the sandbox answers.

use super::Sandbox;
use super::crm::criteria::{self, Expr};

/// Every grant code, access token and refresh token the sandbox handed out, revoked and expired
/// ones included, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssuedSecrets {
    pub codes: Vec<String>,
    pub access_tokens: Vec<String>,
    pub refresh_tokens: Vec<String>,
}

impl IssuedSecrets {
    /// All of them, codes first.
    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().chain(&self.access_tokens).chain(&self.refresh_tokens).map(String::as_str)
    }
}

impl Sandbox {
    /// Every code and token issued so far (see [`IssuedSecrets`]).
    pub fn issued_secrets(&self) -> IssuedSecrets {
        let inner = self.shared.lock();
        let record = &inner.record;
        IssuedSecrets {
            codes: record.codes.iter().cloned().collect(),
            access_tokens: record.access_tokens.iter().cloned().collect(),
            refresh_tokens: record.refresh_tokens.iter().cloned().collect(),
        }
    }

    /// The `criteria` parameters of the searches received so far (URL-decoded, exactly as the
    /// parser saw them, valid or not), oldest first; the last 100 are kept.
    pub fn received_criteria(&self) -> Vec<String> {
        self.shared.lock().record.criteria.iter().cloned().collect()
    }

    /// The `select_query` texts of the COQL calls received so far (exactly as sent, valid or not),
    /// oldest first; the last 100 are kept.
    pub fn received_coql(&self) -> Vec<String> {
        self.shared.lock().record.coql.iter().cloned().collect()
    }

    /// The `criteria` of the last search that had one.
    pub fn last_criteria(&self) -> Option<String> {
        self.shared.lock().record.criteria.back().cloned()
    }
}

/// Search criteria as the sandbox understands them (§2.8): the result of [`parse_criteria`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criteria {
    /// `(Field:operator:value)`; `values` are unescaped and trimmed, one per value (`in` and
    /// `between` take several).
    Condition {
        field: String,
        operator: String,
        values: Vec<String>,
    },
    And(Vec<Criteria>),
    Or(Vec<Criteria>),
}

impl Criteria {
    /// The conditions in order, whatever joins them.
    pub fn conditions(&self) -> Vec<(&str, &str, &[String])> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<(&'a str, &'a str, &'a [String])>) {
        match self {
            Criteria::Condition { field, operator, values } => out.push((field, operator, values)),
            Criteria::And(terms) | Criteria::Or(terms) => terms.iter().for_each(|t| t.collect(out)),
        }
    }

    fn from_expr(expr: Expr) -> Criteria {
        match expr {
            Expr::Condition { field, op, values, .. } => Criteria::Condition { field, operator: op.name().to_string(), values },
            Expr::And(terms) => Criteria::And(terms.into_iter().map(Criteria::from_expr).collect()),
            Expr::Or(terms) => Criteria::Or(terms.into_iter().map(Criteria::from_expr).collect()),
        }
    }
}

/// Why the sandbox refuses criteria: the Zoho error code its search would answer (`INVALID_QUERY`,
/// `LIMIT_EXCEEDED`) and the error's `details`.
#[derive(Debug, Clone, PartialEq)]
pub struct CriteriaError {
    pub code: String,
    pub details: serde_json::Value,
}

/// Parses criteria (already URL-decoded) exactly as `GET /crm/v8/Leads/search` does on the default
/// org (Zylker Academy), field table and per-type operator rules included.
pub fn parse_criteria(text: &str) -> Result<Criteria, CriteriaError> {
    let Some(leads) = criteria::default_leads() else {
        return Err(CriteriaError { code: "INVALID_MODULE".to_string(), details: serde_json::json!({}) });
    };
    criteria::parse_criteria(text, leads)
        .map(Criteria::from_expr)
        .map_err(|e| CriteriaError { code: e.code.to_string(), details: e.details })
}
