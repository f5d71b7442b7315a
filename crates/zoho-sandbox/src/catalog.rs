//! The org's metadata at run time: modules and fields with their ids, built from a checked
//! [`OrgSpec`], and changed by the drift hooks ([`crate::Sandbox::add_field`],
//! [`crate::Sandbox::remove_field`]). It drives metadata answers, write validation and search
//! (style: "the org's metadata is the table"); it holds no records.

use crate::data::LEADS_MODULE_ID;
use crate::org::{DataType, FieldSpec, OrgSpec};

/// Field ids: 19 digits in the org's range, 3 apart like Zoho's sequences; modules far apart.
const FIRST_FIELD_ID: u64 = 6_180_428_000_000_002_501;
const FIELD_IDS_PER_MODULE: u64 = 300_000;
const FIRST_MODULE_ID: u64 = 6_180_428_000_000_002_187;

/// One field as the sandbox serves it.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub api_name: String,
    pub label: String,
    pub kind: DataType,
    pub data_type: String,
    pub length: usize,
    pub system_mandatory: bool,
    pub read_only: bool,
    pub unique: bool,
    pub custom: bool,
    pub picklist: Vec<String>,
    pub lookup_module: Option<String>,
    pub display: bool,
    pub id: String,
    pub sequence: usize,
}

impl Field {
    fn new(spec: &FieldSpec, id: String, sequence: usize) -> Field {
        let kind = spec.kind();
        Field {
            api_name: spec.api_name.clone(),
            label: spec.field_label.clone(),
            kind,
            data_type: spec.data_type.clone(),
            length: spec.length.unwrap_or(120),
            system_mandatory: spec.system_mandatory,
            read_only: spec.read_only,
            unique: spec.unique,
            custom: spec.custom_field,
            picklist: spec.pick_list_values.clone(),
            lookup_module: if kind == DataType::Lookup { spec.lookup_module.clone() } else { None },
            display: spec.display_field,
            id,
            sequence,
        }
    }
}

/// One module as the sandbox serves it.
#[derive(Debug, Clone)]
pub(crate) struct Module {
    pub api_name: String,
    pub id: String,
    /// Zoho's internal name: the API name for standard modules, `CustomModuleN` for custom ones.
    pub module_name: String,
    pub singular_label: String,
    pub plural_label: String,
    pub custom: bool,
    pub sequence: usize,
    pub fields: Vec<Field>,
    /// Index in the org (drives field ids and seed ids).
    pub index: usize,
    /// Fields removed at run time (drift hooks): `fields=` naming one answers INVALID_DATA even
    /// when it is a standard field name.
    pub removed: Vec<String>,
    next_field: usize,
}

impl Module {
    /// Whether `fields=` may name `api_name`: a field of the module, `id`, a `$` meta key, or a
    /// standard field of a standard module that the sandbox does not model (§3.4: e.g. Leads'
    /// `Designation`), unless removed at run time.
    pub fn accepts_in_fields(&self, api_name: &str) -> bool {
        if self.removed.iter().any(|r| r == api_name) {
            return false;
        }
        api_name == "id"
            || api_name.starts_with('$')
            || self.field(api_name).is_some()
            || (!self.custom && STANDARD_FIELDS.contains(&api_name))
    }

    /// A field by exact API name (case-sensitive, §2.1).
    pub fn field(&self, api_name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.api_name == api_name)
    }

    pub fn display_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.display)
    }

    /// Fields an upsert may check duplicates on (§2.7): the unique fields, else the display field
    /// (Deals `Deal_Name`, custom modules `Name`).
    pub fn duplicate_check_fields(&self) -> Vec<String> {
        let unique: Vec<String> = self.fields.iter().filter(|f| f.unique).map(|f| f.api_name.clone()).collect();
        if unique.is_empty() { self.display_field().map(|f| vec![f.api_name.clone()]).unwrap_or_default() } else { unique }
    }

    fn field_id(&self, n: usize) -> String {
        (FIRST_FIELD_ID + self.index as u64 * FIELD_IDS_PER_MODULE + n as u64 * 3).to_string()
    }

    /// Adds a field (drift hook); errors when the name is taken or the lookup target unknown.
    pub fn add_field(&mut self, spec: &FieldSpec) -> Result<(), String> {
        if self.field(&spec.api_name).is_some() {
            return Err(format!("module {} already has a field {}", self.api_name, spec.api_name));
        }
        let id = self.field_id(self.next_field);
        let sequence = self.fields.iter().map(|f| f.sequence).max().unwrap_or(0) + 1;
        self.next_field += 1;
        let mut field = Field::new(spec, id, sequence);
        // One display field per module: a new one does not take over.
        field.display = field.display && self.display_field().is_none();
        self.fields.push(field);
        Ok(())
    }
}

/// Every module of the org, in menu order.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    pub modules: Vec<Module>,
}

impl Catalog {
    /// Builds the catalog from a checked spec ([`OrgSpec::validated`]).
    pub fn new(spec: &OrgSpec) -> Catalog {
        let mut custom_count = 0;
        let modules = spec
            .modules
            .iter()
            .enumerate()
            .map(|(index, m)| {
                let custom = m.generated_type == "custom";
                let module_name = if custom {
                    custom_count += 1;
                    format!("CustomModule{custom_count}")
                } else {
                    m.api_name.clone()
                };
                let id = if m.api_name == "Leads" {
                    LEADS_MODULE_ID.to_string()
                } else {
                    (FIRST_MODULE_ID + index as u64 * 12).to_string()
                };
                let mut module = Module {
                    api_name: m.api_name.clone(),
                    id,
                    module_name,
                    singular_label: m.singular_label.clone(),
                    plural_label: m.plural_label.clone(),
                    custom,
                    // Home is sequence 1 (§11: the list holds non-API modules too).
                    sequence: index + 2,
                    fields: Vec::new(),
                    index,
                    removed: Vec::new(),
                    next_field: 0,
                };
                for (n, field) in m.fields.iter().enumerate() {
                    let id = module.field_id(n);
                    module.fields.push(Field::new(field, id, n + 1));
                }
                module.next_field = m.fields.len();
                module
            })
            .collect();
        Catalog { modules }
    }

    pub fn module(&self, api_name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.api_name == api_name)
    }

    pub fn module_mut(&mut self, api_name: &str) -> Option<&mut Module> {
        self.modules.iter_mut().find(|m| m.api_name == api_name)
    }
}

/// Standard fields of Zoho's standard modules (Leads, Contacts, Deals; §3.4 and the v7 fields
/// sample), accepted in `fields=` even where the sandbox's org does not model them; they read as
/// null.
const STANDARD_FIELDS: &[&str] = &[
    "Salutation",
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Company",
    "Designation",
    "Title",
    "Email",
    "Secondary_Email",
    "Phone",
    "Mobile",
    "Home_Phone",
    "Other_Phone",
    "Asst_Phone",
    "Assistant",
    "Fax",
    "Website",
    "Lead_Source",
    "Lead_Status",
    "Industry",
    "No_of_Employees",
    "Annual_Revenue",
    "Rating",
    "Email_Opt_Out",
    "Skype_ID",
    "Twitter",
    "Street",
    "City",
    "State",
    "Zip_Code",
    "Country",
    "Mailing_Street",
    "Mailing_City",
    "Mailing_State",
    "Mailing_Zip",
    "Mailing_Country",
    "Other_Street",
    "Other_City",
    "Other_State",
    "Other_Zip",
    "Other_Country",
    "Description",
    "Department",
    "Date_of_Birth",
    "Reporting_To",
    "Account_Name",
    "Vendor_Name",
    "Contact_Name",
    "Deal_Name",
    "Amount",
    "Closing_Date",
    "Stage",
    "Type",
    "Probability",
    "Next_Step",
    "Expected_Revenue",
    "Campaign_Source",
    "Pipeline",
    "Lead_Conversion_Time",
    "Overall_Sales_Duration",
    "Sales_Cycle_Duration",
    "Owner",
    "Created_By",
    "Modified_By",
    "Created_Time",
    "Modified_Time",
    "Last_Activity_Time",
    "Layout",
    "Tag",
    "Record_Image",
    "Currency",
    "Exchange_Rate",
    "Converted__s",
    "Converted_Date_Time",
    "Converted_Account",
    "Converted_Contact",
    "Converted_Deal",
    "Record_Status__s",
    "Locked__s",
    "Unsubscribed_Mode",
    "Unsubscribed_Time",
    "Change_Log_Time__s",
    "Data_Processing_Basis",
    "Data_Source",
    "Enrich_Status__s",
];
