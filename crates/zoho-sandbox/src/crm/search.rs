//! `GET /{module}/search` (§2.8): `criteria` > `email` > `phone` > `word`, with a real parser of
//! Zoho's criteria grammar — `(Field:operator:value)` groups joined by `and`/`or`, nested
//! parentheses, the backslash escaping of `(`, `)`, `,` and `\` — and evaluation over the records
//! of the module the caller may see.
//!
//! Zoho indexes new and edited records with a delay (a search right after a create answers 204,
//! §2.8): with `SandboxConfig::search_index_delay` set, search (and a count narrowed by a search
//! parameter) sees a record as it was last indexed — not at all when new, its old values when
//! edited — until the delay has passed.
//!
//! `word` follows Zoho: special characters are `INVALID_DATA` (§2.8 errors), and it matches whole
//! words of the record's text fields, not substrings.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Ctx;
use super::criteria::{Expr, matches, parse_criteria};
use super::records::{MAX_PER_PAGE, module_of, number_param, parse_fields, project, sort_records, visible};
use crate::catalog::Module;
use crate::http::{ApiError, json as json_response, no_content};
use crate::org::DataType;
use crate::state::{Inner, StoredRecord};
use std::borrow::Cow;
use std::time::Instant;

/// Records reachable through search paging (§2.8).
const SEARCH_LIMIT: usize = 2000;

/// The search parameters, in precedence order when several are given (§2.8).
pub(crate) const SEARCH_PARAMS: [&str; 4] = ["criteria", "email", "phone", "word"];

/// The match rule of one search parameter.
pub(crate) enum Matcher {
    Criteria(Expr),
    Email(String),
    Phone(String),
    Word(String),
}

impl Matcher {
    /// The match rule for one search parameter (a name of [`SEARCH_PARAMS`]) and its value, or the
    /// error search answers for a bad value. Criteria are recorded for
    /// [`crate::Sandbox::received_criteria`], valid or not.
    pub(crate) fn from_param(ctx: &Ctx<'_>, module: &Module, name: &str, value: &str) -> Result<Matcher, ApiError> {
        Ok(match name {
            "criteria" => {
                ctx.shared.lock().record.criteria(value);
                Matcher::Criteria(parse_criteria(value, module)?)
            }
            "email" => Matcher::Email(value.trim().to_string()),
            "phone" => {
                let digits = only_digits(value);
                if digits.is_empty() {
                    return Err(ApiError::invalid_param("phone"));
                }
                Matcher::Phone(digits)
            }
            _ => {
                // §2.8: INVALID_DATA for special characters or fewer than 2 characters. Which
                // characters count as special is UNCONFIRMED: letters, digits, spaces and the
                // joiners of names and addresses (`.`, `-`, `_`, `'`, `@`) pass.
                let word = value.trim();
                let special = |c: char| !(c.is_alphanumeric() || c.is_whitespace() || ".-_'@".contains(c));
                if word.chars().count() < 2 || word.chars().any(special) {
                    return Err(ApiError::invalid_param("word"));
                }
                Matcher::Word(word.to_string())
            }
        })
    }

    /// Whether a record, rendered as Zoho JSON, matches.
    pub(crate) fn matches(&self, module: &Module, record: &Value) -> bool {
        let texts = |kinds: &[DataType]| {
            module
                .fields
                .iter()
                .filter(|f| kinds.contains(&f.kind))
                .filter_map(|f| {
                    let value = record.get(&f.api_name)?;
                    value.as_str().or_else(|| value.get("name").and_then(Value::as_str)).map(str::to_string)
                })
                .collect::<Vec<String>>()
        };
        match self {
            Matcher::Criteria(expr) => matches(expr, record),
            Matcher::Email(email) => texts(&[DataType::Email]).iter().any(|e| e.eq_ignore_ascii_case(email)),
            Matcher::Phone(digits) => texts(&[DataType::Phone]).iter().any(|p| only_digits(p).ends_with(digits.as_str())),
            Matcher::Word(word) => {
                use DataType::*;
                let wanted = words(word);
                let texts = texts(&[Text, Textarea, Email, Phone, Website, Picklist, AutoNumber, Formula, Lookup, OwnerLookup]);
                // Every word searched for is a whole word of some field (a field's text is cut at
                // spaces and punctuation; an email or a URL also counts as one word).
                let have: Vec<String> =
                    texts.iter().flat_map(|t| words(t).into_iter().chain([t.trim().to_lowercase()])).collect();
                !wanted.is_empty() && wanted.iter().all(|w| have.contains(w))
            }
        }
    }
}

/// The lower-cased words of a text, cut at anything but letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn only_digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// `GET /crm/v8/{module}/search` (§2.8).
pub(crate) fn search(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let params = &ctx.params;
    let module = module_of(ctx, &ctx.shared.lock())?;
    let Some((name, value)) = SEARCH_PARAMS.iter().find_map(|name| params.non_empty(name).map(|value| (*name, value))) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "EXPECTED_PARAM_MISSING", "One of the expected parameter is missing")
            .details(json!({ "expected_params": SEARCH_PARAMS })));
    };
    let matcher = Matcher::from_param(ctx, &module, name, value)?;
    let names = parse_fields(params, false, &module)?;
    let per_page = number_param(params, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)?;
    let page = number_param(params, "page", 1, usize::MAX)?;
    if page.saturating_mul(per_page) > SEARCH_LIMIT {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "LIMIT_REACHED", "Maximum response iteration limit reached")
            .details(json!({ "limit": SEARCH_LIMIT })));
    }
    let inner = ctx.shared.lock();
    let indexed = indexed(&inner, &module);
    let mut found: Vec<&StoredRecord> = indexed
        .iter()
        .map(AsRef::as_ref)
        .filter(|record| visible(&ctx.caller, record) && matcher.matches(&module, &project(&inner, &module, record, None)))
        .collect();
    sort_records(&mut found, "id", true);
    let offset = (page - 1) * per_page;
    let records: Vec<Value> =
        found.iter().skip(offset).take(per_page).map(|record| project(&inner, &module, record, names.as_deref())).collect();
    if records.is_empty() {
        return Ok(no_content());
    }
    let count = records.len();
    let more_records = offset + count < found.len() && offset + count < SEARCH_LIMIT;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "data": records,
            "info": {
                "per_page": per_page, "count": count, "sort_by": "id", "page": page,
                "sort_order": "desc", "more_records": more_records,
            },
        }),
    ))
}

/// The module's records as the search index holds them now (§2.8 indexing delay).
pub(crate) fn indexed<'a>(inner: &'a Inner, module: &Module) -> Vec<Cow<'a, StoredRecord>> {
    let now = Instant::now();
    inner.store.records(&module.api_name).filter_map(|record| record.as_indexed(now)).collect()
}
