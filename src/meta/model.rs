//! The model the schema is built from: the exposed modules of a snapshot with their GraphQL names
//! and field kinds. The naming and typing rules live here and nowhere else (README, "The schema
//! comes from your org").

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::snapshot::{FieldMeta, ModuleSnapshot, Snapshot};

/// What a Zoho `data_type` becomes (zoho-api.md §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// text, textarea, email, phone, website, picklist, autonumber: a `String`.
    Text(TextKind),
    /// integer: `Int` (Zoho allows at most 9 digits, §2.4).
    Int,
    /// bigint: `BigInt`, a string of digits (64 bits do not fit GraphQL's `Int`).
    BigInt,
    /// double, currency, percent, decimal: `Float`.
    Float,
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    DateTime,
    /// multiselectpicklist: `[String!]`.
    MultiSelect,
    /// ownerlookup, userlookup: `CrmUser`.
    User,
    /// lookup: the target module's type when exposed, else a `RecordRef`.
    Lookup {
        module: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Plain,
    TextArea,
    Email,
    Phone,
    Website,
    Picklist,
    AutoNumber,
}

impl FieldKind {
    /// `None` for the types the gateway leaves out (subform, fileupload, formula, rollups, …).
    pub fn of(meta: &FieldMeta) -> Option<Self> {
        Some(match meta.data_type.as_str() {
            "text" => Self::Text(TextKind::Plain),
            "textarea" => Self::Text(TextKind::TextArea),
            "email" => Self::Text(TextKind::Email),
            "phone" => Self::Text(TextKind::Phone),
            "website" => Self::Text(TextKind::Website),
            "picklist" => Self::Text(TextKind::Picklist),
            "autonumber" => Self::Text(TextKind::AutoNumber),
            "integer" => Self::Int,
            "bigint" => Self::BigInt,
            "double" | "currency" | "percent" | "decimal" => Self::Float,
            "boolean" => Self::Boolean,
            "date" => Self::Date,
            "datetime" => Self::DateTime,
            "multiselectpicklist" => Self::MultiSelect,
            "ownerlookup" | "userlookup" => Self::User,
            "lookup" => Self::Lookup { module: meta.lookup.as_ref()?.module.api_name.clone() },
            _ => return None,
        })
    }

    /// Kinds a search input may name (Zoho's text-like search operators, §2.8).
    pub fn searchable(&self) -> bool {
        matches!(self, Self::Text(_))
    }
}

/// One field of an exposed module.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub api_name: String,
    pub gql_name: String,
    /// Its name in inputs: the GraphQL name, except for user fields, which are written by id
    /// (`owner` → `ownerId`).
    pub input_name: String,
    pub label: String,
    pub data_type: String,
    pub kind: FieldKind,
    /// Zoho refuses a record without it (`system_mandatory`).
    pub required: bool,
    /// Not in inputs: Zoho's API does not write it (`operation_type`, zoho-api.md §11).
    pub read_only: bool,
    pub max_length: Option<u32>,
    /// Picklist and multi-select options: (value, label).
    pub options: Vec<(String, String)>,
    pub searchable: bool,
}

/// One exposed module and the GraphQL names derived from it.
#[derive(Debug, Clone)]
pub struct ModuleDef {
    pub api_name: String,
    pub singular_label: String,
    pub plural_label: String,
    /// `Lead`: the record type; `LeadPage`, `LeadInput`, … follow from it.
    pub type_name: String,
    /// `lead`: the by-id root field.
    pub singular_field: String,
    /// `leads`: the list root field; `searchLeads` follows from it.
    pub plural_field: String,
    pub fields: Vec<FieldDef>,
    /// The field Zoho shows as the record's name (lookups' `name`).
    pub display_field: Option<String>,
    pub creatable: bool,
    pub editable: bool,
    pub deletable: bool,
    /// A custom module (Zoho's `generated_type: custom`): its OAuth scope is `ZohoCRM.modules.custom`.
    pub custom: bool,
    by_gql: HashMap<String, usize>,
    by_api: HashMap<String, usize>,
}

impl ModuleDef {
    pub fn field(&self, gql: &str) -> Option<&FieldDef> {
        self.by_gql.get(gql).map(|i| &self.fields[*i])
    }

    pub fn field_by_api(&self, api: &str) -> Option<&FieldDef> {
        self.by_api.get(api).map(|i| &self.fields[*i])
    }

    /// The Zoho `fields` for a selection of GraphQL field names. Zoho always returns `id`, and a
    /// list needs at least one field (zoho-api.md §2.2), so an id-only selection asks for the
    /// display field.
    pub fn api_fields<'a>(&self, selected: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut fields: BTreeSet<String> =
            selected.into_iter().filter_map(|name| self.field(name)).map(|f| f.api_name.clone()).collect();
        if fields.is_empty() {
            let fallback = self.display_field.clone().or_else(|| self.fields.first().map(|f| f.api_name.clone()));
            fields.extend(fallback);
        }
        fields.into_iter().collect()
    }
}

/// The exposed modules, in `GATEWAY_MODULES` order.
#[derive(Debug, Clone)]
pub struct CrmModel {
    pub modules: Vec<Arc<ModuleDef>>,
}

/// What the gateway calls besides the records of its modules: fields and modules metadata (the
/// schema and its drift check, `schema pull`), COQL (filters, totals), the signed-in user and org,
/// and the search API (zoho-api.md §1.10: `ZohoSearch.securesearch.READ`, v8 UNCONFIRMED).
const BASE_SCOPES: [&str; 6] = [
    "ZohoCRM.settings.fields.READ",
    "ZohoCRM.settings.modules.READ",
    "ZohoCRM.coql.READ",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
    "ZohoSearch.securesearch.READ",
];

impl CrmModel {
    /// The least OAuth scopes this schema needs: each served module's records
    /// (`ZohoCRM.modules.leads.ALL`, `ZohoCRM.modules.custom.ALL` for custom modules) and `BASE_SCOPES`.
    pub fn least_scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = Vec::new();
        for m in &self.modules {
            let family = if m.custom { "custom".to_owned() } else { m.api_name.to_ascii_lowercase() };
            let scope = format!("ZohoCRM.modules.{family}.ALL");
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes.extend(BASE_SCOPES.iter().map(|s| (*s).to_owned()));
        scopes
    }
}

/// Type names the gateway defines itself; a module whose name would take one is renamed.
pub const RESERVED_TYPES: &[&str] = &[
    "Query",
    "Mutation",
    "Subscription",
    "Session",
    "CrmUser",
    "CrmOrg",
    "LoginRequest",
    "PageInfo",
    "RecordRef",
    "SortOrder",
    "CrmModule",
    "CrmField",
    "CrmFieldOption",
    "Date",
    "DateTime",
    "BigInt",
    "String",
    "Int",
    "Float",
    "Boolean",
    "ID",
];

/// Root field names the gateway defines itself.
const RESERVED_ROOT_FIELDS: &[&str] = &["me", "login", "initialize", "logout", "crmModule"];

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("GATEWAY_MODULES names {0}, which the snapshot does not have; run `zoho-gateway schema pull` with it")]
    UnknownModule(String),
    #[error("GATEWAY_MODULES names {0}, which Zoho's API does not support")]
    Unsupported(String),
    #[error("GATEWAY_MODULES names no module")]
    Empty,
}

impl CrmModel {
    pub fn build(snapshot: &Snapshot, exposed: &[String]) -> Result<Self, ModelError> {
        if exposed.is_empty() {
            return Err(ModelError::Empty);
        }
        let mut taken_types: BTreeSet<String> = RESERVED_TYPES.iter().map(|s| (*s).to_owned()).collect();
        let mut taken_roots: BTreeSet<String> = RESERVED_ROOT_FIELDS.iter().map(|s| (*s).to_owned()).collect();
        let mut modules = Vec::new();
        for api in exposed {
            let snap = snapshot.module(api).ok_or_else(|| ModelError::UnknownModule(api.clone()))?;
            if !snap.module.api_supported {
                return Err(ModelError::Unsupported(api.clone()));
            }
            modules.push(Arc::new(module_def(snap, &mut taken_types, &mut taken_roots)));
        }
        Ok(Self { modules })
    }

    pub fn module(&self, api_name: &str) -> Option<&Arc<ModuleDef>> {
        self.modules.iter().find(|m| m.api_name == api_name)
    }

    /// Root field names that look a record up by id (counted by the query limits).
    pub fn by_id_fields(&self) -> impl Iterator<Item = &str> {
        self.modules.iter().map(|m| m.singular_field.as_str())
    }
}

fn module_def(snap: &ModuleSnapshot, taken_types: &mut BTreeSet<String>, taken_roots: &mut BTreeSet<String>) -> ModuleDef {
    let m = &snap.module;
    let singular_label = m.singular_label.clone().unwrap_or_else(|| m.api_name.clone());
    let plural_label = m.plural_label.clone().unwrap_or_else(|| m.api_name.clone());
    // Rule: the singular label in PascalCase; taken (by a gateway type or an earlier module) →
    // the API name in PascalCase; still taken → a number appended.
    let mut type_name = pascal_case(&singular_label);
    if taken_types.contains(&type_name) {
        type_name = pascal_case(&m.api_name);
    }
    type_name = unique(type_name, |n| taken_types.contains(n));
    for suffix in ["", "Page", "Input", "Patch", "Search", "Sort"] {
        taken_types.insert(format!("{type_name}{suffix}"));
    }
    let singular_field = unique(lower_first(&type_name), |n| taken_roots.contains(n));
    taken_roots.insert(singular_field.clone());
    let mut plural_field = camel_case(&plural_label);
    if plural_field == singular_field || plural_field.is_empty() {
        plural_field = format!("{singular_field}List");
    }
    let plural_field = unique(plural_field, |n| taken_roots.contains(n));
    taken_roots.insert(plural_field.clone());

    let mut fields = Vec::new();
    let mut used: BTreeSet<String> = ["id".to_owned()].into();
    for meta in &snap.fields {
        let Some(kind) = FieldKind::of(meta) else { continue };
        if meta.api_name == "id" {
            continue;
        }
        let gql_name = unique(camel_case(&meta.api_name), |n| used.contains(n) || n.starts_with("__"));
        used.insert(gql_name.clone());
        let writable = meta.operation_type.map_or(!meta.read_only, |o| o.api_create || o.api_update);
        let options = meta
            .pick_list_values
            .iter()
            .map(|v| (v.actual_value.clone(), v.display_value.clone().unwrap_or_else(|| v.actual_value.clone())))
            .collect();
        fields.push(FieldDef {
            api_name: meta.api_name.clone(),
            input_name: gql_name.clone(),
            gql_name,
            label: meta.field_label.clone().or_else(|| meta.display_label.clone()).unwrap_or_else(|| meta.api_name.clone()),
            data_type: meta.data_type.clone(),
            searchable: kind.searchable(),
            kind,
            required: meta.system_mandatory,
            // Owner is writable through Zoho's API when `operation_type` says so (zoho-api.md §11).
            read_only: !writable || matches!(meta.data_type.as_str(), "autonumber" | "formula"),
            max_length: meta
                .length
                .filter(|_| matches!(meta.data_type.as_str(), "text" | "textarea" | "email" | "phone" | "website")),
            options,
        });
    }
    let display_field = snap
        .fields
        .iter()
        .find(|f| f.display_field)
        .or_else(|| snap.fields.iter().find(|f| ["Full_Name", "Deal_Name", "Name"].contains(&f.api_name.as_str())))
        .map(|f| f.api_name.clone());
    for f in fields.iter_mut().filter(|f| f.kind == FieldKind::User) {
        f.input_name = unique(format!("{}Id", f.gql_name), |n| used.contains(n));
        used.insert(f.input_name.clone());
    }
    let by_gql = fields.iter().enumerate().map(|(i, f)| (f.gql_name.clone(), i)).collect();
    let by_api = fields.iter().enumerate().map(|(i, f)| (f.api_name.clone(), i)).collect();
    ModuleDef {
        api_name: m.api_name.clone(),
        singular_label,
        plural_label,
        type_name,
        singular_field,
        plural_field,
        fields,
        display_field,
        creatable: m.creatable,
        editable: m.editable,
        deletable: m.deletable,
        custom: m.generated_type.as_deref() == Some("custom"),
        by_gql,
        by_api,
    }
}

/// The first free name of `name`, `name2`, `name3`, …
fn unique(name: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&name) {
        return name;
    }
    (2..).map(|n| format!("{name}{n}")).find(|n| !taken(n)).unwrap_or(name)
}

/// Words of a label or API name: runs of ASCII letters and digits (`Fees_Paid` → Fees, Paid).
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect()
}

fn upper_first(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn lower_first(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// `Course batch` → `CourseBatch`; a name that would start with a digit gets `M` in front.
pub fn pascal_case(text: &str) -> String {
    let name: String = words(text).into_iter().map(upper_first).collect();
    match name.chars().next() {
        None => "Module".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("M{name}"),
        Some(_) => name,
    }
}

/// `First_Name` → `firstName`, `CTC_Band` → `ctcBand`; a name that would start with a digit gets
/// `f` in front.
pub fn camel_case(text: &str) -> String {
    let words = words(text);
    let mut name = String::new();
    for (i, word) in words.iter().enumerate() {
        if i == 0 {
            if word.chars().all(|c| !c.is_ascii_lowercase()) {
                name.push_str(&word.to_ascii_lowercase());
            } else {
                name.push_str(&lower_first(word));
            }
        } else {
            name.push_str(&upper_first(word));
        }
    }
    match name.chars().next() {
        None => "field".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("f{name}"),
        Some(_) => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_rules() {
        assert_eq!(camel_case("First_Name"), "firstName");
        assert_eq!(camel_case("Fees_Paid"), "feesPaid");
        assert_eq!(camel_case("Course"), "course");
        assert_eq!(camel_case("CTC_Band"), "ctcBand");
        assert_eq!(camel_case("No_of_Employees"), "noOfEmployees");
        assert_eq!(camel_case("Converted__s"), "convertedS");
        assert_eq!(camel_case("2nd_Phone"), "f2ndPhone");
        assert_eq!(pascal_case("Lead"), "Lead");
        assert_eq!(pascal_case("course batch"), "CourseBatch");
        assert_eq!(pascal_case("3D Model"), "M3DModel");
        assert_eq!(unique("a".into(), |n| n == "a" || n == "a2"), "a3");
    }
}
