//! Changes "made in Zoho's own UI": a counsellor editing a lead in the CRM, a workflow updating a
//! status. They go through the API's checks and record steps (`write.rs`) and reach the
//! notification channels like any change (§10: Zoho notifies on every create, edit and delete,
//! whoever made it), but they are no API call: no credits, no call count, no fault, no
//! concurrency slot. They act as the org's administrator. Reached from Rust
//! ([`crate::Sandbox::edit_as_ui`] and its siblings) and, with the HTTP switch on, from
//! `POST /sandbox/ui-edit` on the accounts listener.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::records::parse_id;
use super::{Caller, Ctx, write};
use crate::Sandbox;
use crate::catalog::Module;
use crate::channels::Operation;
use crate::http::{Params, json as json_response};
use crate::notify::{self, Touched};
use crate::state::{Inner, Shared};

/// Why a change "in the UI" was not made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UiEditError {
    #[error("the org has no module {0}")]
    UnknownModule(String),
    #[error("{module} has no record {id}")]
    UnknownRecord { module: String, id: String },
    #[error("the fields must be a JSON object of field API names and values")]
    NotAnObject,
    /// Zoho's own per-record error, as the API would answer it (e.g. `INVALID_DATA` with
    /// `details.api_name`, `MANDATORY_NOT_FOUND`, `DUPLICATE_DATA`).
    #[error("the change is refused: {0}")]
    Refused(Value),
}

impl Sandbox {
    /// Creates a record of `module` as if someone added it in Zoho's UI (fields as in an API
    /// write, e.g. `{"Last_Name":"Rao","Email":"…"}`); returns its id. Sends the callbacks of
    /// every live channel watching `module` creates; costs no credits and counts no API call.
    pub fn create_as_ui(&self, module: &str, fields: Value) -> Result<String, UiEditError> {
        create(&self.shared, module, &fields).map(|id| id.to_string())
    }

    /// Changes fields of record `id` of `module` as if edited in Zoho's UI or by a workflow; sends
    /// the `update` callbacks, costs nothing.
    pub fn edit_as_ui(&self, module: &str, id: &str, fields: Value) -> Result<(), UiEditError> {
        edit(&self.shared, module, id, &fields)
    }

    /// Deletes record `id` of `module` as if deleted in Zoho's UI; sends the `delete` callbacks,
    /// costs nothing.
    pub fn delete_as_ui(&self, module: &str, id: &str) -> Result<(), UiEditError> {
        delete(&self.shared, module, id)
    }
}

/// The request a UI change stands in for: the administrator, no parameters, no headers.
fn ui_ctx<'a>(shared: &'a Shared, module: &str) -> Ctx<'a> {
    let user = shared.users.iter().position(|u| u.is_admin()).unwrap_or(0);
    Ctx {
        shared,
        dc: 0,
        module: module.to_string(),
        caller: Caller { user, admin: true, scopes: Vec::new() },
        params: Params::default(),
        body: Bytes::new(),
        headers: HeaderMap::new(),
    }
}

fn module_of(inner: &Inner, module: &str) -> Result<Module, UiEditError> {
    inner.org.module(module).cloned().ok_or_else(|| UiEditError::UnknownModule(module.to_string()))
}

fn record_id(inner: &Inner, module: &Module, id: &str) -> Result<u64, UiEditError> {
    parse_id(id)
        .filter(|n| inner.store.get(&module.api_name, *n).is_some())
        .ok_or_else(|| UiEditError::UnknownRecord { module: module.api_name.clone(), id: id.to_string() })
}

fn create(shared: &Shared, module: &str, fields: &Value) -> Result<u64, UiEditError> {
    if !fields.is_object() {
        return Err(UiEditError::NotAnObject);
    }
    let ctx = ui_ctx(shared, module);
    let mut inner = shared.lock();
    let module = module_of(&inner, module)?;
    let touched = write::insert_one(&mut inner, &ctx, &module, fields, 0).map_err(UiEditError::Refused)?;
    let id = touched.id;
    notify::announce(shared, &mut inner, &module, Operation::Create, &[touched]);
    Ok(id)
}

fn edit(shared: &Shared, module: &str, id: &str, fields: &Value) -> Result<(), UiEditError> {
    let Some(fields) = fields.as_object() else {
        return Err(UiEditError::NotAnObject);
    };
    let ctx = ui_ctx(shared, module);
    let mut inner = shared.lock();
    let module = module_of(&inner, module)?;
    let id = record_id(&inner, &module, id)?;
    let touched = write::update_one(&mut inner, &ctx, &module, id, fields, 0).map_err(UiEditError::Refused)?;
    notify::announce(shared, &mut inner, &module, Operation::Edit, &[touched]);
    Ok(())
}

fn delete(shared: &Shared, module: &str, id: &str) -> Result<(), UiEditError> {
    let mut inner = shared.lock();
    let module = module_of(&inner, module)?;
    let id = record_id(&inner, &module, id)?;
    write::remove_one(&mut inner, &module.api_name, id);
    notify::announce(shared, &mut inner, &module, Operation::Delete, &[Touched { id, fields: Vec::new() }]);
    Ok(())
}

/// `POST /sandbox/ui-edit` (only with `SandboxConfig::http_fault_switch`): a JSON body
/// `{"action":"create"|"edit"|"delete","module":"Leads","id":"…","fields":{…}}` (`id` for edit
/// and delete, `fields` for create and edit). Answers `{"id":"…"}` (201 on create, else 200), or
/// `{"error":"…","details":…}` with 404 for an unknown module or record and 400 otherwise.
pub(crate) fn http(shared: &Shared, body: &Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Request {
        action: String,
        module: String,
        id: Option<String>,
        #[serde(default)]
        fields: Value,
    }
    let usage = "expected {\"action\":\"create\"|\"edit\"|\"delete\",\"module\":\"Leads\",\"id\":\"…\",\"fields\":{…}}";
    let Ok(request) = serde_json::from_slice::<Request>(body) else {
        return json_response(StatusCode::BAD_REQUEST, &json!({ "error": usage }));
    };
    let id = request.id.as_deref().unwrap_or_default();
    let result = match request.action.as_str() {
        "create" => create(shared, &request.module, &request.fields).map(|id| (StatusCode::CREATED, id.to_string())),
        "edit" => edit(shared, &request.module, id, &request.fields).map(|()| (StatusCode::OK, id.to_string())),
        "delete" => delete(shared, &request.module, id).map(|()| (StatusCode::OK, id.to_string())),
        _ => return json_response(StatusCode::BAD_REQUEST, &json!({ "error": usage })),
    };
    match result {
        Ok((status, id)) => json_response(status, &json!({ "id": id })),
        Err(error) => {
            let status = match error {
                UiEditError::UnknownModule(_) | UiEditError::UnknownRecord { .. } => StatusCode::NOT_FOUND,
                UiEditError::NotAnObject | UiEditError::Refused(_) => StatusCode::BAD_REQUEST,
            };
            let details = if let UiEditError::Refused(details) = &error { details.clone() } else { Value::Null };
            json_response(status, &json!({ "error": error.to_string(), "details": details }))
        }
    }
}
