//! The Leads field table: one definition per field, used for the fields metadata API (§3.3), for
//! validating writes (types, lengths, mandatory) and for search criteria (operators per type, §2.8).

use serde_json::{Value, json};

use crate::data;

/// One Leads field as the sandbox knows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldDef {
    pub api_name: &'static str,
    pub label: &'static str,
    /// Zoho's `data_type` (§3.3): text, email, phone, textarea, picklist, boolean, datetime,
    /// ownerlookup.
    pub data_type: &'static str,
    /// Maximum length of text values (0 = not a length-checked field).
    pub length: usize,
    pub system_mandatory: bool,
    /// Written only by the system; ignored when a client sends it (as Zoho does).
    pub read_only: bool,
    pub custom: bool,
    pub picklist: &'static [&'static str],
    /// Leads' duplicate check field (§2.7: Email).
    pub unique: bool,
}

const fn field(api_name: &'static str, label: &'static str, data_type: &'static str, length: usize) -> FieldDef {
    FieldDef {
        api_name,
        label,
        data_type,
        length,
        system_mandatory: false,
        read_only: false,
        custom: false,
        picklist: &[],
        unique: false,
    }
}

const fn read_only(mut def: FieldDef) -> FieldDef {
    def.read_only = true;
    def
}

const LEAD_SOURCE_VALUES: [&str; 7] = ["-None-", "Website", "Campus Fair", "Referral", "Instagram", "Webinar", "Walk-in"];
const LEAD_STATUS_VALUES: [&str; 7] =
    ["-None-", "Not Contacted", "Attempted to Contact", "Contacted", "Pre-Qualified", "Junk Lead", "Lost Lead"];

/// The Leads fields, in layout order. Lengths follow §3.4 (Last_Name 80, First_Name 40, Company 200,
/// Phone/Mobile 30, Email 100).
pub(crate) const LEAD_FIELDS: [FieldDef; 19] = [
    read_only(field("Owner", "Lead Owner", "ownerlookup", 0)),
    field("First_Name", "First Name", "text", 40),
    FieldDef { system_mandatory: true, ..field("Last_Name", "Last Name", "text", 80) },
    read_only(field("Full_Name", "Full Name", "text", 120)),
    FieldDef { unique: true, ..field("Email", "Email", "email", 100) },
    field("Phone", "Phone", "phone", 30),
    field("Mobile", "Mobile", "phone", 30),
    // Company holds the student's college (§6: the mapping is our choice).
    field("Company", "College", "text", 200),
    FieldDef { custom: true, ..field("Course", "Course", "text", 120) },
    FieldDef { picklist: &LEAD_SOURCE_VALUES, ..field("Lead_Source", "Lead Source", "picklist", 120) },
    FieldDef { picklist: &LEAD_STATUS_VALUES, ..field("Lead_Status", "Lead Status", "picklist", 120) },
    field("City", "City", "text", 100),
    field("Country", "Country", "text", 100),
    field("Description", "Description", "textarea", 32000),
    field("Email_Opt_Out", "Email Opt Out", "boolean", 0),
    read_only(field("Created_By", "Created By", "ownerlookup", 0)),
    read_only(field("Modified_By", "Modified By", "ownerlookup", 0)),
    read_only(field("Created_Time", "Created Time", "datetime", 0)),
    read_only(field("Modified_Time", "Modified Time", "datetime", 0)),
];

/// A Leads field by exact API name (API names are case-sensitive).
pub(crate) fn find(api_name: &str) -> Option<&'static FieldDef> {
    LEAD_FIELDS.iter().find(|f| f.api_name == api_name)
}

fn json_type(data_type: &str) -> &'static str {
    match data_type {
        "boolean" => "boolean",
        "ownerlookup" => "jsonobject",
        _ => "string",
    }
}

/// Metadata of every Leads field as `GET /settings/fields?module=Leads` returns it (§3.3).
pub(crate) fn metadata() -> Value {
    let fields: Vec<Value> = LEAD_FIELDS.iter().enumerate().map(|(i, f)| field_json(i, f)).collect();
    json!({ "fields": fields })
}

fn field_json(index: usize, def: &FieldDef) -> Value {
    let id = field_id(index);
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
                "id": format!("{}{:03}", &id[..16], n + 1),
                "type": "used",
            })
        })
        .collect();
    let writable = !def.read_only;
    json!({
        "id": id,
        "api_name": def.api_name,
        "field_label": def.label,
        "display_label": def.label,
        "data_type": def.data_type,
        "json_type": json_type(def.data_type),
        "length": if def.length == 0 { 120 } else { def.length },
        "system_mandatory": def.system_mandatory,
        "read_only": def.read_only,
        "field_read_only": def.read_only,
        "custom_field": def.custom,
        "visible": true,
        "sequence_number": index + 1,
        "created_source": if def.custom { "crm" } else { "default" },
        "unique": if def.unique { json!({ "casesensitive": "false" }) } else { json!({}) },
        "pick_list_values": pick_list_values,
        "operation_type": {
            "web_update": writable, "api_create": writable, "web_create": writable, "api_update": writable,
        },
        "searchable": def.data_type != "boolean",
        "sortable": true,
        "filterable": true,
        "mass_update": writable,
        "webhook": true,
        "display_field": def.api_name == "Full_Name",
        "decimal_place": null,
        "default_value": null,
        "tooltip": null,
        "crypt": null,
        "lookup": {},
        "history_tracking": null,
    })
}

fn field_id(index: usize) -> String {
    // 19-digit ids in the org's range, 3 apart like Zoho's sequences.
    format!("{}", 6_180_428_000_000_002_501u64 + index as u64 * 3)
}

/// The Leads module as `GET /settings/modules` describes it (§5.7 gotcha 3: the SDK reads
/// `api_supported`, `api_name` and `generated_type`).
pub(crate) fn leads_module() -> Value {
    json!({
        "id": data::LEADS_MODULE_ID,
        "api_name": "Leads",
        "module_name": "Leads",
        "singular_label": "Lead",
        "plural_label": "Leads",
        "api_supported": true,
        "generated_type": "default",
        "creatable": true,
        "editable": true,
        "deletable": true,
        "viewable": true,
        "visible": true,
        "convertable": true,
        "global_search_supported": true,
        "sequence_number": 2,
        "status": "visible",
        "visibility": 1,
        "presence_sub_menu": true,
        "show_as_tab": true,
        "quick_create": true,
        "feeds_required": false,
        "web_link": null,
        "modified_time": null,
        "modified_by": null,
        "profiles": [
            { "name": "Administrator", "id": data::profile_id("Administrator") },
            { "name": "Standard", "id": data::profile_id("Standard") },
        ],
        "parent_module": {},
        "business_card_field_limit": 5,
    })
}
