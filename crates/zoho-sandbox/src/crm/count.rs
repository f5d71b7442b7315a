//! `GET /crm/v8/{module}/actions/count` (§11): how many records of the module the caller may see,
//! optionally narrowed by one search parameter (`criteria`, `email`, `phone` or `word`, matched
//! exactly as the search route matches them). Zoho's count may lag 1–10 minutes behind writes
//! (§11): a count narrowed by a search parameter sees the search index (and its delay,
//! `SandboxConfig::search_index_delay`); a plain count is exact at once.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::Ctx;
use super::records::{module_of, project, visible};
use super::search::{Matcher, SEARCH_PARAMS, indexed};
use crate::http::{ApiError, json as json_response};

/// `GET /crm/v8/{module}/actions/count`.
pub(crate) fn count(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let params = &ctx.params;
    let module = module_of(ctx, &ctx.shared.lock())?;
    // One filter group only (§11): a custom view or one search parameter.
    let given: Vec<&str> = std::iter::once("cvid").chain(SEARCH_PARAMS).filter(|name| params.non_empty(name).is_some()).collect();
    if given.len() > 1 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "AMBIGUITY_DURING_PROCESSING",
            "only one of cvid, criteria, email, phone and word can be given",
        )
        .details(json!({ "ambiguity_due_to": given })));
    }
    let matcher = match given.first().copied() {
        None => None,
        // The sandbox org has no custom views (as for the list route).
        Some("cvid") => return Err(ApiError::invalid_param("cvid")),
        Some(name) => Some(Matcher::from_param(ctx, &module, name, params.non_empty(name).unwrap_or_default())?),
    };
    let inner = ctx.shared.lock();
    let count = match &matcher {
        None => inner.store.records(&module.api_name).filter(|record| visible(&ctx.caller, record)).count(),
        Some(m) => indexed(&inner, &module)
            .iter()
            .filter(|record| visible(&ctx.caller, record) && m.matches(&module, &project(&inner, &module, record, None)))
            .count(),
    };
    Ok(json_response(StatusCode::OK, &json!({ "count": count })))
}
