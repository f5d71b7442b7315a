//! Metadata JSON built from the org's catalog: one field as `GET /settings/fields` returns it (§3.3,
//! §11) and one module as `GET /settings/modules` does (§11; §5.7 gotcha 3: the SDK reads
//! `api_supported`, `api_name` and `generated_type`).

use serde_json::{Value, json};

use crate::catalog::{Catalog, Field, Module};
use crate::data;
use crate::org::DataType;

/// Every field of a module: `{"fields":[…]}`.
pub(crate) fn metadata(catalog: &Catalog, module: &Module, owner_writable: bool) -> Value {
    let fields: Vec<Value> = module.fields.iter().map(|f| field_json(catalog, f, owner_writable)).collect();
    json!({ "fields": fields })
}

fn field_json(catalog: &Catalog, def: &Field, owner_writable: bool) -> Value {
    let id = def.id.as_str();
    let prefix = id.get(..16).unwrap_or(id);
    let pick_list_values: Vec<Value> = def
        .picklist
        .iter()
        .enumerate()
        .map(|(n, value)| {
            json!({
                "display_value": value,
                "actual_value": value,
                "reference_value": value,
                "sequence_number": n + 1,
                "colour_code": null,
                "id": format!("{prefix}{:03}", n + 1),
                "type": "used",
            })
        })
        .collect();
    // §11: read-only system fields, Full_Name, autonumbers and formulas have api_create/api_update
    // false; clients decide from operation_type.
    // Owner is the exception: never editable in the UI's field settings (`field_read_only`) but
    // written by the API (`"Owner":{"id":…}`), as in the OAS sample.
    let owner = owner_writable && def.api_name == "Owner" && def.kind == DataType::OwnerLookup;
    let writable = !def.read_only || owner;
    let lookup = match def.lookup_module.as_deref().and_then(|m| catalog.module(m)) {
        Some(target) => json!({
            "display_label": def.label,
            "api_name": def.api_name,
            "module": { "api_name": target.api_name, "id": target.id },
            "id": format!("{prefix}900"),
            "query_details": {},
        }),
        None => json!({}),
    };
    let decimal_place = match def.kind {
        DataType::Currency | DataType::Decimal | DataType::Double | DataType::Percent => json!(2),
        _ => Value::Null,
    };
    let currency =
        if def.kind == DataType::Currency { json!({ "rounding_option": "normal", "precision": 2 }) } else { json!({}) };
    json!({
        "id": id,
        "api_name": def.api_name,
        "field_label": def.label,
        "display_label": def.label,
        "data_type": def.data_type,
        "json_type": def.kind.json_type(),
        "length": def.length,
        "decimal_place": decimal_place,
        "system_mandatory": def.system_mandatory,
        "read_only": def.read_only && !owner,
        "field_read_only": def.read_only,
        "custom_field": def.custom,
        "visible": true,
        "sequence_number": def.sequence,
        "created_source": if def.custom { "crm" } else { "default" },
        "type": "used",
        "unique": if def.unique { json!({ "casesensitive": "false" }) } else { json!({}) },
        "pick_list_values": pick_list_values,
        "operation_type": {
            "web_update": writable, "api_create": writable, "web_create": writable, "api_update": writable,
        },
        "view_type": { "view": true, "edit": writable, "create": writable, "quick_create": writable },
        "searchable": def.kind != DataType::Boolean,
        "sortable": true,
        "filterable": true,
        "mass_update": writable,
        "webhook": true,
        "display_field": def.display,
        "default_value": null,
        "tooltip": null,
        "crypt": null,
        "lookup": lookup,
        "auto_number": {},
        "formula": {},
        "currency": currency,
        "multiselectlookup": {},
        "rollup_summary": {},
        "textarea": if def.kind == DataType::Textarea { json!({ "type": "large" }) } else { json!({}) },
        "history_tracking": null,
        "created_time": null,
        "modified_time": null,
    })
}

fn profiles() -> Value {
    json!([
        { "name": "Administrator", "id": data::profile_id("Administrator") },
        { "name": "Standard", "id": data::profile_id("Standard") },
    ])
}

/// One API module as the modules API describes it (§11).
pub(crate) fn module_json(module: &Module) -> Value {
    json!({
        "id": module.id,
        "api_name": module.api_name,
        "module_name": module.module_name,
        "singular_label": module.singular_label,
        "plural_label": module.plural_label,
        "actual_singular_label": module.singular_label,
        "actual_plural_label": module.plural_label,
        "api_supported": true,
        "generated_type": if module.custom { "custom" } else { "default" },
        "creatable": true,
        "editable": true,
        "deletable": true,
        "viewable": true,
        "visible": true,
        "lookupable": true,
        "convertable": module.api_name == "Leads",
        "global_search_supported": true,
        "sequence_number": module.sequence,
        "status": "visible",
        "visibility": 1,
        "presence_sub_menu": true,
        "show_as_tab": true,
        "quick_create": true,
        "feeds_required": false,
        "web_link": null,
        "modified_time": null,
        "modified_by": null,
        "access_type": "org_based",
        "profiles": profiles(),
        "parent_module": {},
        "business_card_field_limit": 5,
    })
}

/// The Home tab: listed by the modules API but not usable through it (§11).
pub(crate) fn home_module() -> Value {
    json!({
        "id": "6180428000000002169",
        "api_name": "Home",
        "module_name": "Home",
        "singular_label": "Home",
        "plural_label": "Home",
        "actual_singular_label": "Home",
        "actual_plural_label": "Home",
        "api_supported": false,
        "generated_type": "default",
        "creatable": false,
        "editable": false,
        "deletable": false,
        "viewable": true,
        "visible": true,
        "lookupable": false,
        "convertable": false,
        "global_search_supported": false,
        "sequence_number": 1,
        "status": "visible",
        "visibility": 1,
        "presence_sub_menu": false,
        "show_as_tab": true,
        "quick_create": false,
        "feeds_required": false,
        "web_link": null,
        "modified_time": null,
        "modified_by": null,
        "access_type": "org_based",
        "profiles": profiles(),
        "parent_module": {},
        "business_card_field_limit": 0,
    })
}
