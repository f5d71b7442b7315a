//! Reading records of any module: `GET /{module}` (list with `fields`, paging, sorting, page tokens
//! beyond 2000 records), `GET /{module}?ids=…` and `GET /{module}/{id}` (§2.2, §2.3), with standard
//! users seeing only their own records. Also the projection and paging helpers search shares.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Caller, Ctx, values};
use crate::catalog::Module;
use crate::data::format_time;
use crate::http::{ApiError, Params, json as json_response, no_content};
use crate::state::{Inner, PageToken, StoredRecord};

/// Most fields one list call may ask for (§2.2).
const MAX_FIELDS: usize = 50;
/// Most records per page (§2.2).
pub(crate) const MAX_PER_PAGE: usize = 200;
/// Records reachable with `page` alone; beyond, `page_token` is needed (§2.2).
const DISCRETE_PAGINATION_LIMIT: usize = 2000;
/// Records reachable at all with page tokens (§2.2).
const PAGINATION_LIMIT: usize = 100_000;
/// Most ids in one `ids=` (UNCONFIRMED for GET; 100 is Zoho's usual cap, §2.2).
pub(crate) const MAX_IDS: usize = 100;
/// Page tokens are valid 24 hours (§2.2).
const PAGE_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

/// Whether the caller may see (and change) a record: admins all, standard users their own.
pub(crate) fn visible(caller: &Caller, record: &StoredRecord) -> bool {
    caller.admin || record.owner == caller.user
}

/// The path's module (cloned: handlers then borrow the store freely). The entry point already
/// answered `INVALID_MODULE` for a module not in the org; a drift hook cannot remove modules.
pub(crate) fn module_of(ctx: &Ctx<'_>, inner: &Inner) -> Result<Module, ApiError> {
    inner.org.module(&ctx.module).cloned().ok_or_else(|| {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_MODULE", "the module name given seems to be invalid")
            .details(json!({ "resource_path_index": 0 }))
    })
}

/// Parses `fields`. Unknown names are rejected with 400 `INVALID_DATA` naming the field: that is how
/// a removed field looks (§11). `id`, `$` meta keys and standard fields the sandbox does not model
/// are accepted (`Module::accepts_in_fields`).
pub(crate) fn parse_fields(params: &Params, required: bool, module: &Module) -> Result<Option<Vec<String>>, ApiError> {
    let Some(text) = params.get("fields") else {
        return if required { Err(ApiError::missing_param("fields")) } else { Ok(None) };
    };
    let names: Vec<String> = text.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_string).collect();
    if names.is_empty() {
        return if required { Err(ApiError::missing_param("fields")) } else { Ok(None) };
    }
    if names.len() > MAX_FIELDS {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "LIMIT_EXCEEDED", "Fields limit exceeded")
            .details(json!({ "param_name": "fields", "limit": MAX_FIELDS })));
    }
    if let Some(unknown) = names.iter().find(|n| !module.accepts_in_fields(n)) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "invalid data")
            .details(json!({ "api_name": unknown, "param_name": "fields" })));
    }
    Ok(Some(names))
}

/// The record with only the requested fields plus `id`; unset fields are `null` (§2.2).
pub(crate) fn project(inner: &Inner, module: &Module, record: &StoredRecord, names: Option<&[String]>) -> Value {
    values::render(&inner.org, &inner.store, module, record, names)
}

/// A positive integer parameter within `1..=max`, else 400 `INVALID_DATA` naming it.
pub(crate) fn number_param(params: &Params, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    match params.get(name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid_param(name)),
        },
    }
}

/// `true`/`false`/`both` flags (`converted`, `approved`); returns whether un-converted/approved
/// records — all the sandbox has — are included.
fn includes_plain_records(params: &Params, name: &str, plain_value: &str) -> Result<bool, ApiError> {
    match params.get(name) {
        None => Ok(true),
        Some("both") => Ok(true),
        Some(value) if value == plain_value => Ok(true),
        Some("true" | "false") => Ok(false),
        Some(_) => Err(ApiError::invalid_param(name)),
    }
}

/// `GET /crm/v8/{module}` (§2.2).
pub(crate) fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let params = &ctx.params;
    let module = module_of(ctx, &ctx.shared.lock())?;
    let names = parse_fields(params, true, &module)?;
    let per_page = number_param(params, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)?;
    let sort_by = params.get("sort_by").unwrap_or("id");
    if !["id", "Created_Time", "Modified_Time"].contains(&sort_by) {
        return Err(ApiError::invalid_param("sort_by"));
    }
    let sort_order = params.get("sort_order").unwrap_or("desc");
    if !["asc", "desc"].contains(&sort_order) {
        return Err(ApiError::invalid_param("sort_order"));
    }
    if params.get("cvid").is_some() {
        // The sandbox org has no custom views.
        return Err(ApiError::invalid_param("cvid"));
    }
    let plain = includes_plain_records(params, "converted", "false")? & includes_plain_records(params, "approved", "true")?;
    let page_token = params.get("page_token");
    if page_token.is_some() && params.get("page").is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "AMBIGUITY_DURING_PROCESSING",
            "page and page_token cannot be given together",
        )
        .details(json!({ "ambiguity_due_to": ["page", "page_token"] })));
    }
    // A page token is bound to the user and to every other parameter (§2.2).
    let params_key = format!(
        "{}|{}|{per_page}|{sort_by}|{sort_order}|{}|{}",
        module.api_name,
        names.as_deref().unwrap_or_default().join(","),
        params.get("converted").unwrap_or("false"),
        params.get("approved").unwrap_or("true"),
    );

    let mut inner = ctx.shared.lock();
    let (offset, page) = match page_token {
        Some(token) => {
            let Some(state) = inner.page_tokens.get(token) else {
                return Err(ApiError::invalid_param("page_token"));
            };
            if state.expires <= Instant::now() {
                return Err(ApiError::new(StatusCode::BAD_REQUEST, "EXPIRED_VALUE", "page_token expired")
                    .details(json!({ "param_name": "page_token" })));
            }
            // Another user's token is simply not theirs: INVALID_DATA (§2.2: "bad/foreign
            // page_token"); the owner changing a parameter is TOKEN_BOUND_DATA_MISMATCH.
            if state.user != ctx.caller.user {
                return Err(ApiError::invalid_param("page_token"));
            }
            if state.params_key != params_key {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "TOKEN_BOUND_DATA_MISMATCH",
                    "the page_token does not belong to this request",
                )
                .details(json!({ "param_name": "page_token" })));
            }
            (state.offset, state.page)
        }
        None => {
            let page = match params.get("page") {
                None => 1,
                Some(text) => {
                    text.trim().parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| ApiError::invalid_param("page"))?
                }
            };
            if page.saturating_mul(per_page) > DISCRETE_PAGINATION_LIMIT {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "You can only get the first 2000 records without using page_token param.",
                )
                .details(json!({ "limit": DISCRETE_PAGINATION_LIMIT })));
            }
            ((page - 1) * per_page, page)
        }
    };
    if offset >= PAGINATION_LIMIT {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "PAGINATION_LIMIT_EXCEEDED",
            "you cannot fetch more than 100000 records",
        )
        .details(json!({ "limit": PAGINATION_LIMIT })));
    }
    let mut found: Vec<&StoredRecord> = if plain {
        inner.store.records(&module.api_name).filter(|record| visible(&ctx.caller, record)).collect()
    } else {
        Vec::new()
    };
    sort_records(&mut found, sort_by, sort_order == "desc");
    let total = found.len();
    let page_records: Vec<Value> =
        found.iter().skip(offset).take(per_page).map(|record| project(&inner, &module, record, names.as_deref())).collect();
    if page_records.is_empty() {
        return Ok(no_content());
    }
    let count = page_records.len();
    let more_records = offset + count < total && offset + count < PAGINATION_LIMIT;
    let (next_page_token, expiry) = if more_records {
        let token = inner.add_page_token(PageToken {
            user: ctx.caller.user,
            params_key,
            offset: offset + per_page,
            page: page + 1,
            expires: Instant::now() + PAGE_TOKEN_TTL,
            sequence: 0,
        });
        let expiry = format_time(chrono::Utc::now().timestamp() + PAGE_TOKEN_TTL.as_secs() as i64);
        (json!(token), json!(expiry))
    } else {
        (Value::Null, Value::Null)
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "data": page_records,
            "info": {
                "call": false,
                "per_page": per_page,
                "next_page_token": next_page_token,
                "count": count,
                "sort_by": sort_by,
                "page": page,
                "previous_page_token": null,
                "page_token_expiry": expiry,
                "sort_order": sort_order,
                "email": false,
                "more_records": more_records,
            },
        }),
    ))
}

pub(crate) fn sort_records(records: &mut [&StoredRecord], sort_by: &str, descending: bool) {
    records.sort_by_key(|record| match sort_by {
        "Created_Time" => (record.created, record.id),
        "Modified_Time" => (record.modified, record.id),
        _ => (0, record.id),
    });
    if descending {
        records.reverse();
    }
}

/// Parses a record id from a path or list; ids are 18/19-digit numbers (§2.1).
pub(crate) fn parse_id(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `ids=` as a list: at most 100, each numeric, else request-level errors.
pub(crate) fn parse_ids(params: &Params) -> Result<Vec<u64>, ApiError> {
    let Some(text) = params.non_empty("ids") else {
        return Err(ApiError::missing_param("ids"));
    };
    let raw: Vec<&str> = text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if raw.is_empty() {
        return Err(ApiError::missing_param("ids"));
    }
    if raw.len() > MAX_IDS {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "LIMIT_EXCEEDED", "ids limit exceeded")
            .details(json!({ "param_name": "ids", "limit": MAX_IDS })));
    }
    raw.iter().map(|id| parse_id(id).ok_or_else(|| ApiError::invalid_param("ids"))).collect()
}

/// `GET /crm/v8/{module}?ids=…`: the listed records the caller may see, in the order given. Unlike a plain
/// list, `fields` is optional here (all fields when absent): with explicit ids the caller already
/// bounds the answer, and being lenient costs nothing.
pub(crate) fn get_by_ids(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let ids = parse_ids(&ctx.params)?;
    let inner = ctx.shared.lock();
    let module = module_of(ctx, &inner)?;
    let names = parse_fields(&ctx.params, false, &module)?;
    let mut seen = Vec::new();
    let mut records = Vec::new();
    for id in ids {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if let Some(record) = inner.store.get(&module.api_name, id).filter(|record| visible(&ctx.caller, record)) {
            records.push(project(&inner, &module, record, names.as_deref()));
        }
    }
    if records.is_empty() {
        return Ok(no_content());
    }
    let count = records.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "data": records,
            "info": {
                "call": false, "per_page": count, "next_page_token": null, "count": count,
                "sort_by": "id", "page": 1, "previous_page_token": null, "page_token_expiry": null,
                "sort_order": "desc", "email": false, "more_records": false,
            },
        }),
    ))
}

/// `GET /crm/v8/{module}/{id}`: `{"data":[record]}`; unknown id → 204 (§2.3, UNCONFIRMED but
/// likely); another owner's record for a standard user → 403 `NO_PERMISSION`.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    let Some(id) = parse_id(id) else {
        return Err(invalid_id(id));
    };
    let inner = ctx.shared.lock();
    let module = module_of(ctx, &inner)?;
    let names = parse_fields(&ctx.params, false, &module)?;
    let Some(record) = inner.store.get(&module.api_name, id) else {
        return Ok(no_content());
    };
    if !visible(&ctx.caller, record) {
        return Err(no_permission(&module.api_name));
    }
    Ok(json_response(StatusCode::OK, &json!({ "data": [project(&inner, &module, record, names.as_deref())] })))
}

pub(crate) fn invalid_id(id: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_DATA", "the id given seems to be invalid")
        .details(json!({ "id": id, "resource_path_index": 1 }))
}

pub(crate) fn no_permission(module: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "NO_PERMISSION", "permission denied")
        .details(json!({ "permissions": [format!("Crm_Implied_View_{module}")] }))
}
