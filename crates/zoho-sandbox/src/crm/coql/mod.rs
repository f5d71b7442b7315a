//! `POST /crm/v8/coql` (§2.9, §11): the body's `select_query` is parsed (`parse.rs`, on tokens
//! from `lex.rs`), checked against the module's fields (`bind.rs`, typed values in `cell.rs`) and
//! run over the records the caller may see (`eval.rs`); refusals are [`CoqlError`]s (`error.rs`). The token needs
//! `ZohoCRM.coql.READ` (checked with the route) and the module's read scope, checked here once the
//! query names the module.
//!
//! Unlike search, COQL sees writes at once in Zoho too (§2.8 recommends it for read-after-write).

mod bind;
mod cell;
mod error;
mod eval;
mod lex;
mod parse;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

pub use error::CoqlError;
pub use parse::{CoqlExpr, CoqlQuery, CoqlValue, parse_coql};

use super::{Ctx, Need};
use crate::http::{ApiError, json as json_response, no_content};
use eval::Outcome;
use parse::COUNT_ID;

/// The `select_query` of the body: a JSON object is required, the query must be a non-blank string.
fn select_query(body: &[u8]) -> Result<String, ApiError> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data")
            .details(json!({ "expected_data_type": "jsonobject" })));
    };
    match body.get("select_query") {
        Some(Value::String(query)) if !query.trim().is_empty() => Ok(query.clone()),
        None | Some(Value::Null | Value::String(_)) => {
            Err(ApiError::new(StatusCode::BAD_REQUEST, "MANDATORY_NOT_FOUND", "mandatory key not found")
                .details(json!({ "api_name": "select_query" })))
        }
        Some(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data")
            .details(json!({ "api_name": "select_query", "json_path": "$.select_query", "expected_data_type": "string" }))),
    }
}

/// `POST /crm/v8/coql`.
pub(crate) fn coql(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let text = select_query(&ctx.body)?;
    ctx.shared.lock().record.coql(&text);
    let query = parse_coql(&text)?;
    let inner = ctx.shared.lock();
    let Some(module) = inner.org.module(&query.module) else {
        return Err(CoqlError::InvalidModule { module: query.module }.into());
    };
    // COQL's scope comes in addition to the module's read scope (§11). Zoho's v7 COQL page also
    // lists ZohoCRM.settings.fields.READ (§1.10); the sandbox does not require it.
    if !Need::Records(&["read"]).granted(&ctx.caller.scopes, &module.api_name, module.custom) {
        return Err(ApiError::scope_mismatch());
    }
    let plan = bind::plan(&query, module, &inner.org)?;
    match eval::run(&plan, &inner, &ctx.shared.users, &ctx.caller) {
        // An aggregate always answers one row, even when it counts nothing (§11).
        Outcome::Count(count) => Ok(json_response(
            StatusCode::OK,
            &json!({ "data": [{ COUNT_ID: count }], "info": { "count": 1, "more_records": false } }),
        )),
        // No row: 204 with an empty body (§2.1; UNCONFIRMED for COQL, §2.9).
        Outcome::Rows { rows, .. } if rows.is_empty() => Ok(no_content()),
        Outcome::Rows { rows, more } => {
            Ok(json_response(StatusCode::OK, &json!({ "info": { "count": rows.len(), "more_records": more }, "data": rows })))
        }
    }
}
