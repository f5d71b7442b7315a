//! The simulated CRM REST API v8 listener (§2, §3, §11): routing by path and method (any module of
//! the org), Zoho's
//! `Zoho-oauthtoken` authentication (tokens of this listener's data centre only), scopes, the
//! per-org concurrency limit, API credits, the fault switch and the call counter; the
//! notification channels' routes (`/actions/watch`, §10) with them. Handlers live in the
//! submodules and run under the state lock without awaiting.

pub(crate) mod coql;
mod count;
pub(crate) mod criteria;
mod fields;
mod meta;
pub(crate) mod records;
mod search;
pub(crate) mod ui;
mod validate;
pub(crate) mod values;
mod watch;
mod write;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::credits::{self, Charge};
use super::faults::{self, Fault};
use super::http::{ApiError, Params, raw_json};
use super::state::Shared;

/// Largest request body read (100 records of long text fit easily); above → 413.
const MAX_BODY: usize = 8 * 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>, dc: usize) -> Router {
    Router::new().fallback(entry).with_state((shared, dc))
}

/// The header Zoho adds once half of the day's credits are used (§4).
const CREDITS_HEADER: &str = "x-api-credits-remaining";

/// What a request asks for, decided from method and path alone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Users,
    Org,
    Fields,
    Modules,
    Module(String),
    List,
    GetByIds,
    Get(String),
    Create,
    Update,
    UpdateOne(String),
    Delete,
    DeleteOne(String),
    Search,
    Upsert,
    Count,
    Coql,
    /// `/crm/v8/actions/watch`: the notification channels (§10).
    Watch(WatchOp),
    BadModule,
    BadMethod,
    NotFound,
}

/// What a request to `/crm/v8/actions/watch` does, by its method (§10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WatchOp {
    /// `POST`: enable channels.
    Enable,
    /// `GET`: list the live channels.
    List,
    /// `PATCH`: update some details of channels (or, with `_delete_events`, drop some events).
    Update,
    /// `PUT`: replace channels' details.
    Replace,
    /// `DELETE ?channel_ids=`: disable channels.
    Disable,
}

impl Route {
    fn parse(method: &Method, path: &str, query: &Params) -> Route {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let Some(rest) = segments.strip_prefix(&["crm", "v8"]) else {
            return Route::NotFound;
        };
        let is = |m: &Method| method == m;
        match rest {
            ["users"] => {
                if is(&Method::GET) {
                    Route::Users
                } else {
                    Route::BadMethod
                }
            }
            ["org"] => {
                if is(&Method::GET) {
                    Route::Org
                } else {
                    Route::BadMethod
                }
            }
            ["settings", "fields"] => {
                if is(&Method::GET) {
                    Route::Fields
                } else {
                    Route::BadMethod
                }
            }
            ["settings", "modules"] => {
                if is(&Method::GET) {
                    Route::Modules
                } else {
                    Route::BadMethod
                }
            }
            ["settings", "modules", name] => {
                if is(&Method::GET) {
                    Route::Module(name.to_string())
                } else {
                    Route::BadMethod
                }
            }
            ["coql"] => {
                if is(&Method::POST) {
                    Route::Coql
                } else {
                    Route::BadMethod
                }
            }
            ["actions", "watch"] => match *method {
                Method::POST => Route::Watch(WatchOp::Enable),
                Method::GET => Route::Watch(WatchOp::List),
                Method::PATCH => Route::Watch(WatchOp::Update),
                Method::PUT => Route::Watch(WatchOp::Replace),
                Method::DELETE => Route::Watch(WatchOp::Disable),
                _ => Route::BadMethod,
            },
            ["users" | "org" | "settings" | "coql", ..] => Route::NotFound,
            // Whether the module is in the org is decided later, under the state lock.
            [module] | [module, _] | [module, _, _] if !is_identifier(module) => Route::NotFound,
            [_] => match *method {
                Method::GET if query.get("ids").is_some() => Route::GetByIds,
                Method::GET => Route::List,
                Method::POST => Route::Create,
                Method::PUT => Route::Update,
                Method::DELETE => Route::Delete,
                _ => Route::BadMethod,
            },
            [_, "search"] => {
                if is(&Method::GET) {
                    Route::Search
                } else {
                    Route::BadMethod
                }
            }
            [_, "upsert"] => {
                if is(&Method::POST) {
                    Route::Upsert
                } else {
                    Route::BadMethod
                }
            }
            [_, "actions", "count"] => {
                if is(&Method::GET) {
                    Route::Count
                } else {
                    Route::BadMethod
                }
            }
            [_, id] => match *method {
                Method::GET => Route::Get(id.to_string()),
                Method::PUT => Route::UpdateOne(id.to_string()),
                Method::DELETE => Route::DeleteOne(id.to_string()),
                _ => Route::BadMethod,
            },
            _ => Route::NotFound,
        }
    }

    /// Whether the route works on a module's records (the first path segment after `/crm/v8`).
    fn is_records(&self) -> bool {
        !matches!(
            self,
            Route::Users
                | Route::Org
                | Route::Fields
                | Route::Modules
                | Route::Module(_)
                | Route::Coql
                | Route::Watch(_)
                | Route::BadModule
                | Route::BadMethod
                | Route::NotFound
        )
    }

    /// The call-counter label (see `CallCounts`): `<module>.<operation>` with the module's API name
    /// lowercased (`leads.list`, `courses.get`).
    fn label(&self, module: &str) -> String {
        let op = match self {
            Route::Users => return "users".into(),
            Route::Org => return "org".into(),
            Route::Fields => return "fields".into(),
            Route::Modules | Route::Module(_) => return "modules".into(),
            Route::Coql => return "coql".into(),
            Route::Watch(op) => {
                return match op {
                    WatchOp::Enable => "notifications.enable",
                    WatchOp::List => "notifications.list",
                    WatchOp::Update => "notifications.update",
                    WatchOp::Replace => "notifications.replace",
                    WatchOp::Disable => "notifications.disable",
                }
                .into();
            }
            Route::BadModule | Route::BadMethod | Route::NotFound => return "api.other".into(),
            Route::List => "list",
            Route::GetByIds => "get_by_ids",
            Route::Get(_) => "get",
            Route::Create => "create",
            Route::Update | Route::UpdateOne(_) => "update",
            Route::Delete | Route::DeleteOne(_) => "delete",
            Route::Search => "search",
            Route::Upsert => "upsert",
            Route::Count => "count",
        };
        format!("{}.{op}", module.to_ascii_lowercase())
    }

    /// Which scope family the route needs (§1.10).
    fn need(&self) -> Option<Need> {
        Some(match self {
            Route::Users => Need::Users,
            Route::Org => Need::Org,
            Route::Fields => Need::Fields,
            Route::Modules | Route::Module(_) => Need::Modules,
            Route::List | Route::GetByIds | Route::Get(_) | Route::Count => Need::Records(&["read"]),
            // The module's read scope is checked once the query names the module (§11).
            Route::Coql => Need::Coql,
            Route::Search => Need::Search,
            Route::Create => Need::Records(&["create", "write"]),
            Route::Update | Route::UpdateOne(_) => Need::Records(&["update", "write"]),
            Route::Delete | Route::DeleteOne(_) => Need::Records(&["delete", "write"]),
            Route::Upsert => Need::Upsert,
            // The operation scopes the v8 docs and spec list per call (§10; WRITE is create,
            // update and delete, §1.10).
            Route::Watch(op) => Need::Notifications(match op {
                WatchOp::Enable => &["CREATE", "WRITE"],
                WatchOp::List => &["READ"],
                WatchOp::Update | WatchOp::Replace => &["UPDATE", "WRITE"],
                WatchOp::Disable => &["DELETE", "WRITE"],
            }),
            Route::BadModule | Route::BadMethod | Route::NotFound => return None,
        })
    }
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The authenticated caller of an API request.
pub(crate) struct Caller {
    pub user: usize,
    pub admin: bool,
    /// The token's scopes, for checks a handler can only make after reading the request (COQL's
    /// module).
    pub scopes: Vec<String>,
}

/// Everything a handler gets. Handlers run synchronously under the state lock they take.
pub(crate) struct Ctx<'a> {
    pub shared: &'a Shared,
    /// The data centre whose API domain the request reached.
    pub dc: usize,
    /// The module in the path of a records route (`Leads`); empty for other routes.
    pub module: String,
    pub caller: Caller,
    pub params: Params,
    pub body: Bytes,
    pub headers: HeaderMap,
}

async fn entry(State((shared, dc)): State<(Arc<Shared>, usize)>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let params = Params::parse(parts.uri.query().unwrap_or(""));
    let mut route = Route::parse(&parts.method, parts.uri.path(), &params);
    let module = if route.is_records() {
        parts.uri.path().trim_matches('/').split('/').nth(2).unwrap_or("").to_string()
    } else {
        String::new()
    };
    // Module API names in the path are case-sensitive (§2.1): a module not in the org is
    // INVALID_MODULE; `custom` tells the scope check about `ZohoCRM.modules.custom.*` (§1.10).
    let custom = {
        let mut inner = shared.lock();
        let custom = match inner.org.module(&module) {
            Some(found) => found.custom,
            None => {
                if route.is_records() {
                    route = Route::BadModule;
                }
                false
            }
        };
        inner.calls.record(&route.label(&module));
        custom
    };
    let label = route.label(&module);
    let label = label.as_str();

    // Concurrency is per org: one counter for the whole sandbox; the peak includes rejected calls so
    // tests can see a client exceeding the limit (§4).
    let in_flight = shared.enter();
    if in_flight.count > shared.config.concurrency_limit {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "The maximum number of concurrent API calls has been exceeded. Please try again after some time.",
        )
        .into_response();
    }
    let fault = faults::take(&mut shared.lock().faults, label, true);
    match fault {
        Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (code, message) = faults::status_code_text(status.as_u16());
            return ApiError::new(status, code, message).into_response();
        }
        Some(Fault::MalformedJson) => {
            return raw_json(StatusCode::OK, r#"{"data":[{"Last_Name":"Tru"#.to_string());
        }
        Some(Fault::RefreshThrottled | Fault::TokenError(_)) | None => {}
    }

    let mut remaining = None;
    let response = match route {
        Route::NotFound => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
        )),
        // Zoho lists INVALID_REQUEST_METHOD with HTTP 400 (§2.10), not 405.
        Route::BadMethod => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_METHOD",
            "The http request method type is not a valid one",
        )),
        _ => match authenticate(&shared, dc, &parts.headers, &route, &module, custom) {
            Err(error) => Err(error),
            Ok(caller) => match axum::body::to_bytes(body, MAX_BODY).await {
                Err(_) => Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "INVALID_DATA", "request entity too large")),
                Ok(body) => match charge(&shared, cost(&route, &params, &body)) {
                    Charge::Exhausted => Err(ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "TOO_MANY_REQUESTS",
                        // Zoho's exact message for exhausted credits is UNCONFIRMED (§4).
                        "The API credits of the organization are exhausted. Please try again after some time.",
                    )),
                    charge => {
                        if let Charge::Charged(left) = charge {
                            remaining = left;
                        }
                        let ctx = Ctx { shared: &shared, dc, module, caller, params, body, headers: parts.headers };
                        dispatch(&ctx, route)
                    }
                },
            },
        },
    };
    drop(in_flight);
    let mut response = response.unwrap_or_else(IntoResponse::into_response);
    if let Some(left) = remaining {
        response.headers_mut().insert(CREDITS_HEADER, HeaderValue::from(left));
    }
    response
}

/// Charges the org's credits (the state lock is released before the handler takes it again).
fn charge(shared: &Shared, cost: u64) -> Charge {
    shared.lock().credits.charge(cost)
}

/// What a call costs in credits (§4): writes 1 per 10 records (at most 10), COQL by its LIMIT,
/// a list through a custom view 3, everything else 1.
fn cost(route: &Route, params: &Params, body: &Bytes) -> u64 {
    let json = || serde_json::from_slice::<serde_json::Value>(body).ok();
    match route {
        Route::Create | Route::Update | Route::Upsert => {
            credits::write_cost(json().and_then(|b| b["data"].as_array().map(Vec::len)).unwrap_or(1))
        }
        Route::Coql => credits::coql_cost(
            json().and_then(|b| b["select_query"].as_str().and_then(|q| coql::parse_coql(q).ok())).and_then(|q| q.limit),
        ),
        Route::List if params.get("cvid").is_some() => 3,
        _ => 1,
    }
}

fn dispatch(ctx: &Ctx<'_>, route: Route) -> Result<Response, ApiError> {
    match route {
        Route::Users => meta::users(ctx),
        Route::Org => meta::org(ctx),
        Route::Fields => meta::fields(ctx),
        Route::Modules => meta::modules(ctx),
        Route::Module(name) => meta::module(ctx, &name),
        Route::List => records::list(ctx),
        Route::GetByIds => records::get_by_ids(ctx),
        Route::Get(id) => records::get(ctx, &id),
        Route::Search => search::search(ctx),
        Route::Create => write::create(ctx),
        Route::Update => write::update(ctx, None),
        Route::UpdateOne(id) => write::update(ctx, Some(&id)),
        Route::Delete => write::delete(ctx, None),
        Route::DeleteOne(id) => write::delete(ctx, Some(&id)),
        Route::Upsert => write::upsert(ctx),
        Route::Count => count::count(ctx),
        Route::Coql => coql::coql(ctx),
        Route::Watch(op) => watch::watch(ctx, op),
        Route::BadModule => {
            Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_MODULE", "the module name given seems to be invalid")
                .details(json!({ "resource_path_index": 0 })))
        }
        Route::BadMethod | Route::NotFound => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
        )),
    }
}

/// `Authorization: Zoho-oauthtoken <token>` (§2.1), then the token's scopes for this route (§1.10).
fn authenticate(
    shared: &Shared,
    dc: usize,
    headers: &HeaderMap,
    route: &Route,
    module: &str,
    custom: bool,
) -> Result<Caller, ApiError> {
    let failure = || ApiError::new(StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILURE", "Authentication failed");
    let value = headers.get(header::AUTHORIZATION).ok_or_else(failure)?;
    let value = value.to_str().map_err(|_| failure())?;
    let token = value.strip_prefix("Zoho-oauthtoken ").map(str::trim).ok_or_else(failure)?;
    if token.is_empty() {
        return Err(failure());
    }
    let inner = shared.lock();
    let invalid = || ApiError::new(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", "invalid oauth token");
    let access = inner.access_tokens.get(token).ok_or_else(invalid)?;
    // A token of another data centre is unknown here (§1.8: INVALID_TOKEN).
    if access.expires <= Instant::now() || access.dc != dc {
        return Err(invalid());
    }
    if let Some(need) = route.need()
        && !need.granted(&access.scopes, module, custom)
    {
        return Err(ApiError::scope_mismatch());
    }
    let user = access.user;
    let admin = shared.users.get(user).is_some_and(|u| u.is_admin());
    Ok(Caller { user, admin, scopes: access.scopes.clone() })
}

/// A scope requirement (§1.10); operations are checked case-insensitively.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Need {
    Users,
    Org,
    Fields,
    Modules,
    /// The path's module with any of these operations (besides `all`).
    Records(&'static [&'static str]),
    Search,
    Upsert,
    /// `ZohoCRM.coql.READ` (or `.ALL`); the module's read scope is a separate `Records` check.
    Coql,
    /// `ZohoCRM.notifications.ALL` or one of these operations.
    Notifications(&'static [&'static str]),
}

impl Need {
    pub(crate) fn granted(self, scopes: &[String], module: &str, custom: bool) -> bool {
        let has = |wanted: &str| scopes.iter().any(|s| s.eq_ignore_ascii_case(wanted));
        // `ZohoCRM.modules.<module>.<op>` per module; custom modules also answer to
        // `ZohoCRM.modules.custom.<op>` (§1.10).
        let family = |name: &str, ops: &[&str]| {
            has(&format!("ZohoCRM.modules.{name}.ALL")) || ops.iter().any(|op| has(&format!("ZohoCRM.modules.{name}.{op}")))
        };
        // Module-wide scopes (`ZohoCRM.modules.READ`, `.CREATE`, …) grant their operation on every
        // module, like `ZohoCRM.modules.ALL` grants all (§1.10).
        let leads = |ops: &[&str]| {
            has("ZohoCRM.modules.ALL")
                || ops.iter().any(|op| has(&format!("ZohoCRM.modules.{op}")))
                || family(module, ops)
                || (custom && family("custom", ops))
        };
        match self {
            Need::Users => has("ZohoCRM.users.READ") || has("ZohoCRM.users.ALL"),
            Need::Org => has("ZohoCRM.org.READ") || has("ZohoCRM.org.ALL"),
            Need::Fields => {
                has("ZohoCRM.settings.ALL")
                    || has("ZohoCRM.settings.READ")
                    || has("ZohoCRM.settings.fields.ALL")
                    || has("ZohoCRM.settings.fields.READ")
            }
            Need::Modules => {
                has("ZohoCRM.settings.ALL")
                    || has("ZohoCRM.settings.READ")
                    || has("ZohoCRM.settings.modules.ALL")
                    || has("ZohoCRM.settings.modules.READ")
            }
            Need::Records(ops) => leads(ops),
            // The search API also wants ZohoSearch.securesearch (v7 docs; v8 UNCONFIRMED, §1.10).
            Need::Search => leads(&["read"]) && (has("ZohoSearch.securesearch.READ") || has("ZohoSearch.securesearch.ALL")),
            Need::Upsert => leads(&["create", "write"]) && leads(&["update", "write"]),
            Need::Coql => has("ZohoCRM.coql.READ") || has("ZohoCRM.coql.ALL"),
            Need::Notifications(ops) => {
                has("ZohoCRM.notifications.ALL") || ops.iter().any(|op| has(&format!("ZohoCRM.notifications.{op}")))
            }
        }
    }
}
