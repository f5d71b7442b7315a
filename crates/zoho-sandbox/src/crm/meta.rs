//! Metadata endpoints: `GET /users` (incl. `type=CurrentUser`, §3.1), `GET /org` (§3.2),
//! `GET /settings/fields?module=X` (§3.3) and `GET /settings/modules[/{api_name}]` (§11).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Ctx, fields};
use crate::SandboxUser;
use crate::data::{self, ORG_ID, ORG_NAME, ORG_ZGID, TIME_ZONE};
use crate::http::{ApiError, json as json_response, no_content};

const USER_TYPES: [&str; 10] = [
    "AllUsers",
    "ActiveUsers",
    "DeactiveUsers",
    "ConfirmedUsers",
    "NotConfirmedUsers",
    "DeletedUsers",
    "ActiveConfirmedUsers",
    "AdminUsers",
    "ActiveConfirmedAdmins",
    "CurrentUser",
];

/// `GET /crm/v8/users[?type=…]`: every user may read the org's users with `ZohoCRM.users.READ`.
pub(crate) fn users(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let kind = ctx.params.get("type").unwrap_or("AllUsers");
    if !USER_TYPES.contains(&kind) {
        return Err(ApiError::invalid_param("type"));
    }
    let all = &ctx.shared.users;
    let Some(admin) = all.first() else {
        return Ok(no_content());
    };
    let selected: Vec<Value> = all
        .iter()
        .enumerate()
        .filter(|(index, user)| match kind {
            "CurrentUser" => *index == ctx.caller.user,
            "AdminUsers" | "ActiveConfirmedAdmins" => user.is_admin(),
            // Every demo user is active and confirmed.
            "DeactiveUsers" | "NotConfirmedUsers" | "DeletedUsers" => false,
            _ => true,
        })
        .map(|(_, user)| user_json(user, admin))
        .collect();
    if selected.is_empty() {
        return Ok(no_content());
    }
    let count = selected.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "users": selected,
            "info": { "per_page": 200, "count": count, "page": 1, "more_records": false },
        }),
    ))
}

fn user_json(user: &SandboxUser, admin: &SandboxUser) -> Value {
    let (first, last) = user.name.split_once(' ').unwrap_or(("", user.name.as_str()));
    let admin_ref = json!({ "name": admin.name, "id": admin.id });
    json!({
        "id": user.id,
        "zuid": user.zuid,
        "full_name": user.name,
        "first_name": first,
        "last_name": last,
        "name": user.name,
        "email": user.email,
        "status": "active",
        "confirm": true,
        "role": { "name": user.role, "id": data::role_id(user.key) },
        "profile": { "name": user.profile, "id": data::profile_id(&user.profile) },
        "locale": "en_IN",
        "language": "en_US",
        "country_locale": "en_IN",
        "country": "IN",
        "time_zone": TIME_ZONE,
        "offset": 19_800_000,
        "date_format": "dd/MM/yyyy",
        "time_format": "hh:mm a",
        "decimal_separator": "Period",
        "sort_order_preference__s": "First Name,Last Name",
        "name_format__s": "Salutation,First Name,Last Name",
        "status_reason__s": null,
        "created_time": "2025-08-01T10:00:00+05:30",
        "Modified_Time": "2025-08-01T10:00:00+05:30",
        "created_by": admin_ref,
        "Modified_By": admin_ref,
        "Isonline": false,
        "type__s": "Regular User",
        "microsoft": false,
        "personal_account": false,
        "default_tab_group": "0",
        "theme": null,
        "signature": null,
    })
}

/// `GET /crm/v8/org`: `{"org":[…]}`, an array with one org (§3.2).
pub(crate) fn org(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let admin = ctx.shared.users.first();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "org": [{
            "id": ORG_ID,
            "company_name": ORG_NAME,
            "zgid": ORG_ZGID,
            "domain_name": format!("org{ORG_ZGID}"),
            "alias": "zylker-academy",
            "primary_email": admin.map(|u| u.email.as_str()),
            "primary_zuid": admin.map(|u| u.zuid.as_str()),
            "type": "production",
            "currency": "Indian Rupee - INR",
            "currency_symbol": "₹",
            "iso_code": "INR",
            "currency_locale": "en_IN",
            "time_zone": TIME_ZONE,
            "country": "India",
            "country_code": "IN",
            "city": "Chennai",
            "mc_status": false,
            "gapps_enabled": false,
            "translation_enabled": false,
            "privacy_settings": false,
            "hipaa_compliance_enabled": false,
            "employee_count": "25",
            "website": "www.zylker-academy.example",
            "phone": "+91 44 4000 1000",
            "mobile": null,
            "fax": null,
            "description": "Web design and development courses (sandbox org).",
            "created_time": "2025-08-01T10:00:00+05:30",
            "max_per_page": 200,
            "license_details": {
                "paid": true,
                "paid_type": "enterprise",
                "users_license_purchased": 10,
                "paid_expiry": "2027-08-01T00:00:00+05:30",
                "trial_type": null,
                "trial_expiry": null,
                "trial_action": null,
            },
        }]}),
    ))
}

/// `GET /crm/v8/settings/fields?module=X` (§3.3, §11).
pub(crate) fn fields(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let Some(module) = ctx.params.non_empty("module") else {
        return Err(ApiError::missing_param("module"));
    };
    let inner = ctx.shared.lock();
    let Some(module) = inner.org.module(module.trim()) else {
        return Err(invalid_module("module"));
    };
    Ok(json_response(StatusCode::OK, &fields::metadata(&inner.org, module, ctx.shared.config.owner_metadata_writable)))
}

/// `GET /crm/v8/settings/modules`: the Home tab (not API-supported, as in Zoho's list, §11) and
/// every module of the org, so a client that loads the fields of every API-supported module (the
/// Python SDK with `auto_refresh_fields`) can.
pub(crate) fn modules(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let inner = ctx.shared.lock();
    let modules: Vec<Value> =
        std::iter::once(fields::home_module()).chain(inner.org.modules.iter().map(fields::module_json)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "modules": modules })))
}

/// `GET /crm/v8/settings/modules/{api_name}`: `{"modules":[one]}` (§11).
pub(crate) fn module(ctx: &Ctx<'_>, api_name: &str) -> Result<Response, ApiError> {
    let inner = ctx.shared.lock();
    let Some(module) = inner.org.module(api_name) else {
        return Err(invalid_module("api_name"));
    };
    Ok(json_response(StatusCode::OK, &json!({ "modules": [fields::module_json(module)] })))
}

fn invalid_module(param: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_MODULE", "the module name given seems to be invalid")
        .details(json!({ "param_name": param }))
}
