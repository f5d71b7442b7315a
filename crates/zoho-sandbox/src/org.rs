//! The org a sandbox serves, as data: [`OrgSpec`] lists the modules, each with its fields and seed
//! records, loadable from JSON. This module checks a definition and completes it (system fields,
//! display field); it does not store records or answer requests.
//!
//! JSON format (only `api_name` and, for fields, `data_type` are required):
//! ```json
//! {"modules":[{"api_name":"Patients","singular_label":"Patient","plural_label":"Patients",
//!   "generated_type":"custom",
//!   "fields":[{"api_name":"Name","data_type":"text","system_mandatory":true},
//!             {"api_name":"Ward","field_label":"Ward","data_type":"picklist","length":120,
//!              "pick_list_values":["-None-","A","B"]},
//!             {"api_name":"Doctor","data_type":"lookup","lookup_module":"Doctors"}],
//!   "records":[{"Owner":"coordinator","Name":"Asha Rao","Ward":"A","Doctor":"@Dr. Iyer"}]}]}
//! ```
//! In seed records, `Owner` is a demo user key (`admin`, `coordinator`, `advisor`; default
//! `admin`); a lookup is `{"id":"<id>"}`, a bare id string, or `"@<display value>"` naming a seed
//! record of the target module; `"id"` may fix a record's id (18/19 digits), else it is
//! deterministic (see [`OrgSpec::seed_id`]).

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};

/// Zoho's field data types the sandbox simulates (§3.3, §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataType {
    Text,
    Textarea,
    Email,
    Phone,
    Website,
    Picklist,
    MultiSelect,
    Integer,
    Bigint,
    Double,
    Currency,
    Percent,
    Decimal,
    Boolean,
    Date,
    Datetime,
    Lookup,
    OwnerLookup,
    AutoNumber,
    Formula,
}

pub(crate) const DATA_TYPES: [&str; 20] = [
    "text",
    "textarea",
    "email",
    "phone",
    "website",
    "picklist",
    "multiselectpicklist",
    "integer",
    "bigint",
    "double",
    "currency",
    "percent",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "lookup",
    "ownerlookup",
    "autonumber",
    "formula",
];

impl DataType {
    pub(crate) fn parse(text: &str) -> Option<DataType> {
        use DataType::*;
        Some(match text {
            "text" => Text,
            "textarea" => Textarea,
            "email" => Email,
            "phone" => Phone,
            "website" => Website,
            "picklist" => Picklist,
            "multiselectpicklist" => MultiSelect,
            "integer" => Integer,
            "bigint" => Bigint,
            "double" => Double,
            "currency" => Currency,
            "percent" => Percent,
            "decimal" => Decimal,
            "boolean" => Boolean,
            "date" => Date,
            "datetime" => Datetime,
            "lookup" => Lookup,
            "ownerlookup" => OwnerLookup,
            "autonumber" => AutoNumber,
            "formula" => Formula,
            _ => return None,
        })
    }

    /// Zoho's `json_type` (§11): how values travel in JSON.
    pub(crate) fn json_type(self) -> &'static str {
        use DataType::*;
        match self {
            Integer | Bigint => "integer",
            Double | Currency | Percent | Decimal => "double",
            Boolean => "boolean",
            Lookup | OwnerLookup => "jsonobject",
            MultiSelect => "jsonarray",
            _ => "string",
        }
    }

    /// Zoho's default `length` per type (§2.4: single line 255, multi line 32000, phone 30,
    /// integer 9 digits, currency/decimal 16 digits).
    fn default_length(self) -> usize {
        use DataType::*;
        match self {
            Textarea => 32000,
            Email => 100,
            Phone => 30,
            Integer => 9,
            Bigint => 18,
            Double | Currency | Decimal => 16,
            Percent => 5,
            Picklist | MultiSelect | Lookup | OwnerLookup | Boolean | Date | Datetime | AutoNumber | Formula => 120,
            Text | Website => 255,
        }
    }

    /// Values computed by Zoho, never written by clients (§11).
    fn always_read_only(self) -> bool {
        matches!(self, DataType::AutoNumber | DataType::Formula)
    }
}

/// A whole org: its modules in menu order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrgSpec {
    pub modules: Vec<ModuleSpec>,
    /// Whether the `Leads` module also gets [`crate::SandboxConfig::lead_count`] generated student
    /// leads (the Zylker Academy demo data). `false` unless set; the default org sets it.
    #[serde(default)]
    pub generated_leads: bool,
}

/// One module (§11): labels, fields and seed records.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModuleSpec {
    /// API name used in URLs (case-sensitive, §2.1).
    pub api_name: String,
    /// Defaults to the API name without a trailing `s`.
    #[serde(default)]
    pub singular_label: String,
    /// Defaults to the API name.
    #[serde(default)]
    pub plural_label: String,
    /// `default` (standard module) or `custom`.
    #[serde(default = "default_generated_type")]
    pub generated_type: String,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    /// Seed records (see the module docs for `Owner` and lookups).
    #[serde(default)]
    pub records: Vec<Map<String, Value>>,
}

fn default_generated_type() -> String {
    "default".to_string()
}

/// One field definition (§3.3): the keys of Zoho's field metadata that drive behaviour.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldSpec {
    pub api_name: String,
    /// Defaults to the API name with `_` as spaces.
    #[serde(default)]
    pub field_label: String,
    /// One of text, textarea, email, phone, website, picklist, multiselectpicklist, integer,
    /// bigint, double, currency, percent, decimal, boolean, date, datetime, lookup, ownerlookup,
    /// autonumber, formula.
    pub data_type: String,
    /// Maximum characters (text) or digits (numbers); defaults per type as Zoho's.
    #[serde(default)]
    pub length: Option<usize>,
    #[serde(default)]
    pub system_mandatory: bool,
    /// Never written by clients (ignored in writes, like Zoho); forced for autonumber/formula.
    #[serde(default)]
    pub read_only: bool,
    /// A duplicate-check field: writes with a value another record has fail `DUPLICATE_DATA`.
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub pick_list_values: Vec<String>,
    /// Target module of a `lookup`.
    #[serde(default)]
    pub lookup_module: Option<String>,
    /// The field whose value names the record in lookups (exactly one per module).
    #[serde(default)]
    pub display_field: bool,
    /// Zoho's `custom_field`; defaults to `false`.
    #[serde(default)]
    pub custom_field: bool,
}

impl FieldSpec {
    /// A field with defaults for everything but name and type.
    pub fn new(api_name: &str, data_type: &str) -> FieldSpec {
        FieldSpec {
            api_name: api_name.to_string(),
            field_label: String::new(),
            data_type: data_type.to_string(),
            length: None,
            system_mandatory: false,
            read_only: false,
            unique: false,
            pick_list_values: Vec::new(),
            lookup_module: None,
            display_field: false,
            custom_field: false,
        }
    }

    /// Parses one field definition from JSON (the format in the module docs).
    pub fn from_json(text: &str) -> Result<FieldSpec, String> {
        let mut spec: FieldSpec = serde_json::from_str(text).map_err(|e| format!("bad field definition: {e}"))?;
        spec.check()?;
        spec.complete();
        Ok(spec)
    }

    pub(crate) fn kind(&self) -> DataType {
        DataType::parse(&self.data_type).unwrap_or(DataType::Text)
    }

    /// Checks what does not depend on the rest of the org.
    pub(crate) fn check(&self) -> Result<(), String> {
        if !is_api_name(&self.api_name) {
            return Err(format!("field api_name {:?} is not an API name (letters, digits, _)", self.api_name));
        }
        if self.api_name == "id" {
            return Err("field api_name \"id\" is reserved".to_string());
        }
        let Some(kind) = DataType::parse(&self.data_type) else {
            return Err(format!(
                "field {}: unknown data_type {:?} (supported: {})",
                self.api_name,
                self.data_type,
                DATA_TYPES.join(", ")
            ));
        };
        if kind == DataType::Lookup && self.lookup_module.as_deref().is_none_or(str::is_empty) {
            return Err(format!("field {}: a lookup needs lookup_module", self.api_name));
        }
        Ok(())
    }

    /// Fills the defaults (label, length, read-only types).
    pub(crate) fn complete(&mut self) {
        if self.field_label.is_empty() {
            self.field_label = self.api_name.replace('_', " ");
        }
        let kind = self.kind();
        if self.length.is_none() {
            self.length = Some(kind.default_length());
        }
        if kind.always_read_only() {
            self.read_only = true;
        }
    }
}

/// System fields every module has (§3.4, §11): Owner first, the audit fields last.
fn system_fields(module: &ModuleSpec) -> (FieldSpec, [FieldSpec; 4]) {
    let owner_label = format!("{} Owner", module.singular_label);
    let read_only = |name: &str, label: &str, data_type: &str| FieldSpec {
        field_label: label.to_string(),
        read_only: true,
        ..FieldSpec::new(name, data_type)
    };
    (
        // The Owner is set from the caller and kept read-only in writes (the sandbox's rule since
        // its first version: a client cannot give a record away).
        read_only("Owner", &owner_label, "ownerlookup"),
        [
            read_only("Created_By", "Created By", "ownerlookup"),
            read_only("Modified_By", "Modified By", "ownerlookup"),
            read_only("Created_Time", "Created Time", "datetime"),
            read_only("Modified_Time", "Modified Time", "datetime"),
        ],
    )
}

/// Display-field candidates in order of preference, before "the first text field".
const DISPLAY_CANDIDATES: [&str; 3] = ["Full_Name", "Deal_Name", "Name"];

/// The demo users' keys a seed record's `Owner` may name.
pub(crate) const USER_KEYS: [&str; 3] = ["admin", "coordinator", "advisor"];

/// Most seed records per module and modules per org (keeps deterministic ids apart).
const MAX_SEEDS: usize = 2000;
const MAX_MODULES: usize = 25;

impl OrgSpec {
    /// Parses and checks an org definition; the error names what is wrong.
    pub fn from_json(text: &str) -> Result<OrgSpec, String> {
        let spec: OrgSpec = serde_json::from_str(text).map_err(|e| format!("bad org definition: {e}"))?;
        let spec = spec.validated()?;
        // Seeds are checked by building them (types, owners, lookups), as a sandbox would.
        crate::seed::build(&spec, &crate::data::users("us", &[]), 0)?;
        Ok(spec)
    }

    /// Checks the definition and completes it: defaults, system fields, one display field.
    /// Idempotent; [`crate::Sandbox::start`] runs it on [`crate::SandboxConfig::org`].
    pub fn validated(mut self) -> Result<OrgSpec, String> {
        if self.modules.is_empty() {
            return Err("an org needs at least one module".to_string());
        }
        if self.modules.len() > MAX_MODULES {
            return Err(format!("at most {MAX_MODULES} modules"));
        }
        let mut names = HashSet::new();
        for module in &self.modules {
            if !is_api_name(&module.api_name) {
                return Err(format!("module api_name {:?} is not an API name", module.api_name));
            }
            if !names.insert(module.api_name.clone()) {
                return Err(format!("duplicate module api_name {}", module.api_name));
            }
            if !["default", "custom"].contains(&module.generated_type.as_str()) {
                return Err(format!(
                    "module {}: generated_type must be \"default\" or \"custom\", not {:?}",
                    module.api_name, module.generated_type
                ));
            }
            if module.records.len() > MAX_SEEDS {
                return Err(format!("module {}: at most {MAX_SEEDS} seed records", module.api_name));
            }
        }
        for module in &mut self.modules {
            complete_module(module, &names)?;
        }
        Ok(self)
    }

    /// The deterministic id of seed record `index` of the module at `module_index` (unless the
    /// record gives its own `id`).
    pub fn seed_id(module_index: usize, index: usize) -> String {
        (FIRST_SEED_ID + module_index as u64 * 20_000 + index as u64 * 7).to_string()
    }
}

/// Seed ids of spec records start here, below the generated leads' range and new records' ids.
const FIRST_SEED_ID: u64 = 6_180_428_000_000_100_001;

fn complete_module(module: &mut ModuleSpec, modules: &HashSet<String>) -> Result<(), String> {
    let name = module.api_name.clone();
    if module.plural_label.is_empty() {
        module.plural_label = name.clone();
    }
    if module.singular_label.is_empty() {
        module.singular_label = name.strip_suffix('s').filter(|s| !s.is_empty()).unwrap_or(&name).to_string();
    }
    let mut seen = HashSet::new();
    for field in &mut module.fields {
        field.check().map_err(|e| format!("module {name}: {e}"))?;
        if !seen.insert(field.api_name.clone()) {
            return Err(format!("module {name}: duplicate field api_name {}", field.api_name));
        }
        if let Some(target) = &field.lookup_module
            && field.kind() == DataType::Lookup
            && !modules.contains(target)
        {
            return Err(format!("module {name}: field {} looks up module {target}, which is not in the org", field.api_name));
        }
        field.complete();
    }
    let (owner, audit) = system_fields(module);
    for system in std::iter::once(&owner).chain(audit.iter()) {
        if let Some(field) = module.fields.iter().find(|f| f.api_name == system.api_name)
            && field.data_type != system.data_type
        {
            return Err(format!(
                "module {name}: system field {} must be {}, not {}",
                system.api_name, system.data_type, field.data_type
            ));
        }
    }
    if !seen.contains("Owner") {
        let mut owner = owner;
        owner.complete();
        module.fields.insert(0, owner);
    }
    for mut field in audit {
        if !seen.contains(&field.api_name) {
            field.complete();
            module.fields.push(field);
        }
    }
    match module.fields.iter().filter(|f| f.display_field).count() {
        0 => {
            let pick = DISPLAY_CANDIDATES
                .iter()
                .find_map(|c| module.fields.iter().position(|f| f.api_name == *c))
                .or_else(|| module.fields.iter().position(|f| f.kind() == DataType::Text));
            let Some(index) = pick else {
                return Err(format!("module {name}: no text field to use as the display field"));
            };
            if let Some(field) = module.fields.get_mut(index) {
                field.display_field = true;
            }
        }
        1 => {}
        _ => return Err(format!("module {name}: more than one display_field")),
    }
    Ok(())
}

/// Letters, digits and `_`, starting with a letter (Zoho API names).
pub(crate) fn is_api_name(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Default for OrgSpec {
    /// Zylker Academy: Leads, Contacts, Deals and the custom module Courses, with seed records.
    fn default() -> Self {
        crate::zylker::org()
    }
}
