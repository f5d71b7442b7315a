//! Typed requests and responses of the CRM API that the gateway uses (zoho-api.md §2, §3).
//! Records stay JSON maps: which fields exist is org-specific (custom fields), so typing them
//! belongs to the GraphQL layer, which knows what it asked for.

use serde::Deserialize;

/// One CRM record as Zoho sends it: API names to values, `id` as a string.
pub type Record = serde_json::Map<String, serde_json::Value>;

/// `info` of list and search responses (zoho-api.md §2.2).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Info {
    #[serde(default)]
    pub per_page: Option<u32>,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub more_records: bool,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// A page of records; Zoho's 204 becomes an empty page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordPage {
    #[serde(default)]
    pub data: Vec<Record>,
    #[serde(default)]
    pub info: Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Id,
    CreatedTime,
    ModifiedTime,
}

impl SortBy {
    pub fn as_param(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::CreatedTime => "Created_Time",
            Self::ModifiedTime => "Modified_Time",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ListParams {
    /// Field API names; Zoho requires at least one on lists (zoho-api.md §2.2).
    pub fields: Vec<String>,
    pub page: u32,
    pub per_page: u32,
    /// Needed beyond the 2000th record; then `page` is not sent.
    pub page_token: Option<String>,
    pub sort_by: SortBy,
    pub descending: bool,
}

/// What to search by; Zoho takes one of these (zoho-api.md §2.8).
#[derive(Debug, Clone)]
pub enum SearchBy {
    Email(String),
    Phone(String),
    Word(String),
    Criteria(String),
}

#[derive(Debug, Clone)]
pub struct SearchParams {
    pub by: SearchBy,
    pub fields: Vec<String>,
    pub page: u32,
    pub per_page: u32,
}

/// `GET /users?type=CurrentUser` → `users[0]` (zoho-api.md §3.1).
#[derive(Debug, Clone, Deserialize)]
pub struct CrmUser {
    pub id: String,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UsersEnvelope {
    #[serde(default)]
    pub users: Vec<CrmUser>,
}

/// `GET /org` → `org[0]` (zoho-api.md §3.2).
#[derive(Debug, Clone, Deserialize)]
pub struct CrmOrg {
    pub id: String,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub zgid: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OrgEnvelope {
    #[serde(default)]
    pub org: Vec<CrmOrg>,
}

/// One entry of `GET /settings/fields?module=…` (zoho-api.md §3.3), the parts we use.
#[derive(Debug, Clone, Deserialize)]
pub struct FieldMeta {
    pub api_name: String,
    #[serde(default)]
    pub data_type: Option<String>,
    #[serde(default)]
    pub length: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FieldsEnvelope {
    #[serde(default)]
    pub fields: Vec<FieldMeta>,
}

/// Per-record results of insert, update and delete (zoho-api.md §2.4–2.6).
#[derive(Debug, Deserialize)]
pub(crate) struct ActionEnvelope {
    #[serde(default)]
    pub data: Vec<ActionResult>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActionResult {
    pub status: Option<String>,
    pub code: Option<String>,
    #[serde(default)]
    pub details: serde_json::Value,
    #[serde(default)]
    pub message: Option<String>,
}
