//! `crmModule(apiName:)`: a module's labels and fields as the schema serves them, so a form builds
//! its inputs, dropdowns and rules from the same metadata the gateway validates with.

use async_graphql::dynamic::{Field, FieldFuture, InputValue, TypeRef};
use serde_json::{Value as Json, json};

use super::types::json_value;
use crate::meta::validate::Shape;
use crate::meta::{CrmModel, FieldDef, FieldKind, ModuleDef};

pub fn crm_module_field(model: &CrmModel) -> Field {
    let modules: Vec<(String, Json)> = model.modules.iter().map(|m| (m.api_name.clone(), module_json(model, m))).collect();
    Field::new("crmModule", TypeRef::named("CrmModule"), move |ctx| {
        let name = ctx.args.get("apiName").and_then(|v| v.string().ok()).unwrap_or_default();
        FieldFuture::Value(modules.iter().find(|(api, _)| api == name).map(|(_, j)| json_value(j.clone())))
    })
    .description(
        "A module this gateway exposes, by Zoho API name (`Leads`): labels, fields, rules and picklist options. \
         Null for a module that is not exposed.",
    )
    .argument(InputValue::new("apiName", TypeRef::named_nn(TypeRef::STRING)))
}

fn module_json(model: &CrmModel, m: &ModuleDef) -> Json {
    let fields: Vec<Json> = m.fields.iter().map(|f| field_json(model, f)).collect();
    json!({
        "apiName": m.api_name,
        "graphqlType": m.type_name,
        "singularLabel": m.singular_label,
        "pluralLabel": m.plural_label,
        "fields": fields,
    })
}

fn field_json(model: &CrmModel, f: &FieldDef) -> Json {
    // The type the schema gives the field: one decision, in `records`.
    let graphql_type = super::records::output_type(model, f).to_string();
    let lookup = match &f.kind {
        FieldKind::Lookup { module } => Some(module.clone()),
        _ => None,
    };
    let options: Vec<Json> = f.options.iter().map(|(value, label)| json!({ "value": value, "label": label })).collect();
    let shape = match f.kind {
        FieldKind::Text(kind) => Shape::of(kind),
        _ => None,
    };
    json!({
        "apiName": f.api_name,
        "graphqlName": f.gql_name,
        "inputName": f.input_name,
        "label": f.label,
        "type": f.data_type,
        "graphqlType": graphql_type,
        "required": f.required,
        "readOnly": f.read_only,
        "maxLength": f.max_length,
        "pattern": shape.map(|s| s.pattern),
        "patternMessage": shape.map(|s| s.message),
        "options": options,
        "lookupModule": lookup,
    })
}
