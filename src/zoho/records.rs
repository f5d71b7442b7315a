//! Typed requests and responses of the CRM API that the gateway uses (zoho-api.md §2, §3).
//! Records are JSON maps here: which fields exist is org-specific (custom fields), so typing them
//! belongs to the GraphQL layer, which knows what it asked for and may decode a page itself
//! ([`PageDecoder`]).

use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

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

/// A page of records; Zoho's 204 becomes an empty page. `data` is maps of every field Zoho sent,
/// unless the page was read with a [`PageDecoder`] of the reader's own.
#[derive(Debug, Clone, Default)]
pub struct RecordPage<D = Vec<Record>> {
    pub data: D,
    pub info: Info,
}

/// Through [`PageSeed`], the one reader of a page's envelope.
impl<'de, D: Deserialize<'de> + Default> Deserialize<'de> for RecordPage<D> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        PageSeed(std::marker::PhantomData::<D>).deserialize(d)
    }
}

/// How a page's bytes become its records. [`Maps`] keeps every field as JSON, for any reader; a
/// reader that knows which fields it will write can decode them straight into what it writes,
/// with no map in between (`graphql::nodes`, issue 12).
pub trait PageDecoder {
    type Data: PageData;
    fn decode(&self, bytes: &[u8]) -> serde_json::Result<RecordPage<Self::Data>>;
}

/// What the client notes of every page it hands on: the ids of its records (`live::visible`).
pub trait PageData: Default {
    fn ids(&self) -> impl Iterator<Item = &str>;
}

impl PageData for Vec<Record> {
    fn ids(&self) -> impl Iterator<Item = &str> {
        self.iter().filter_map(|r| r.get("id")?.as_str())
    }
}

/// Decodes a page's envelope (`{"data": [...], "info": {...}}`, other keys ignored) with `seed`
/// for `data`: how a [`PageDecoder`] of typed records reads the rest of the page like `Maps` does.
pub struct PageSeed<S>(pub S);

impl<'de, S> DeserializeSeed<'de> for PageSeed<S>
where
    S: DeserializeSeed<'de>,
    S::Value: Default,
{
    type Value = RecordPage<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S> Visitor<'de> for PageSeed<S>
where
    S: DeserializeSeed<'de>,
    S::Value: Default,
{
    type Value = RecordPage<S::Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a page of records")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut seed, mut data, mut info) = (Some(self.0), None, None);
        while let Some(key) = map.next_key::<PageKey>()? {
            match key {
                PageKey::Data => {
                    let seed = seed.take().ok_or_else(|| A::Error::duplicate_field("data"))?;
                    data = Some(map.next_value_seed(seed)?);
                }
                PageKey::Info if info.is_some() => return Err(A::Error::duplicate_field("info")),
                PageKey::Info => info = Some(map.next_value()?),
                PageKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(RecordPage { data: data.unwrap_or_default(), info: info.unwrap_or_default() })
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum PageKey {
    Data,
    Info,
    #[serde(other)]
    Other,
}

/// Records as maps of every field Zoho sent.
pub struct Maps;

impl PageDecoder for Maps {
    type Data = Vec<Record>;
    fn decode(&self, bytes: &[u8]) -> serde_json::Result<RecordPage> {
        serde_json::from_slice(bytes)
    }
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

/// The parts of a `GET /settings/modules` entry the gateway reads (zoho-api.md §11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleMeta {
    pub api_name: String,
    #[serde(default)]
    pub singular_label: Option<String>,
    #[serde(default)]
    pub plural_label: Option<String>,
    #[serde(default)]
    pub generated_type: Option<String>,
    #[serde(default = "yes")]
    pub api_supported: bool,
    #[serde(default = "yes")]
    pub creatable: bool,
    #[serde(default = "yes")]
    pub editable: bool,
    #[serde(default = "yes")]
    pub deletable: bool,
    #[serde(default = "yes")]
    pub viewable: bool,
}

/// The parts of a `GET /settings/fields` entry the gateway reads (zoho-api.md §3.3, §11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldMeta {
    pub api_name: String,
    #[serde(default)]
    pub field_label: Option<String>,
    #[serde(default)]
    pub display_label: Option<String>,
    #[serde(default)]
    pub data_type: String,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub system_mandatory: bool,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub field_read_only: bool,
    #[serde(default)]
    pub operation_type: Option<OperationType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pick_list_values: Vec<PicklistValue>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lookup_or_empty")]
    pub lookup: Option<Lookup>,
    #[serde(default)]
    pub display_field: bool,
    #[serde(default)]
    pub searchable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationType {
    #[serde(default)]
    pub api_create: bool,
    #[serde(default)]
    pub api_update: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PicklistValue {
    pub actual_value: String,
    #[serde(default)]
    pub display_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    pub module: LookupModule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupModule {
    pub api_name: String,
}

fn yes() -> bool {
    true
}

/// Zoho writes `"lookup": {}` on fields that are not lookups.
fn lookup_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Lookup>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value.and_then(|v| serde_json::from_value::<Lookup>(v).ok()))
}

#[derive(Debug, Deserialize)]
pub(crate) struct FieldsEnvelope {
    #[serde(default)]
    pub fields: Vec<FieldMeta>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ModulesEnvelope {
    #[serde(default)]
    pub modules: Vec<ModuleMeta>,
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
