//! The Lead types of the schema and their mapping to Zoho's Leads fields (zoho-api.md §3.4).
//! This file is the one place that knows which GraphQL field is which Zoho API name.

use async_graphql::{Enum, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::session::CrmUser;
use crate::error::GatewayError;
use crate::zoho::records::{Record, SortBy};

/// A student enquiry: a Zoho CRM Lead.
#[derive(Debug, Clone, SimpleObject)]
pub struct Lead {
    /// Zoho's record id (a numeric string).
    pub id: async_graphql::ID,
    pub first_name: Option<String>,
    /// Mandatory in Zoho CRM.
    pub last_name: String,
    /// First and last name as Zoho composes them (read-only).
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    /// The student's college.
    pub company: Option<String>,
    /// The course enquired about: the Lead field named by `GATEWAY_COURSE_FIELD`.
    pub course: Option<String>,
    pub lead_source: Option<String>,
    pub lead_status: Option<String>,
    pub description: Option<String>,
    /// The CRM user who owns the lead.
    pub owner: Option<CrmUser>,
    pub created_time: Option<DateTime<FixedOffset>>,
    pub modified_time: Option<DateTime<FixedOffset>>,
}

/// A page of leads.
#[derive(Debug, Clone, SimpleObject)]
pub struct LeadPage {
    pub nodes: Vec<Lead>,
    pub page_info: PageInfo,
}

/// Where a page stands in the whole list.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    pub page: i32,
    pub per_page: i32,
    /// Leads on this page.
    pub count: i32,
    pub has_more: bool,
    /// Pass as `pageToken` to go on past the 2000th lead (Zoho's `page_token`).
    pub next_page_token: Option<String>,
}

/// A new lead. The student form maps name → firstName/lastName, college → company.
#[derive(Debug, Clone, InputObject)]
pub struct LeadInput {
    pub first_name: Option<String>,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub company: Option<String>,
    pub course: Option<String>,
    pub lead_source: Option<String>,
    pub lead_status: Option<String>,
    pub description: Option<String>,
}

/// Changes to a lead: an absent field stays as it is, `null` clears it (not `lastName`).
#[derive(Debug, Clone, InputObject)]
pub struct LeadPatch {
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub mobile: MaybeUndefined<String>,
    pub company: MaybeUndefined<String>,
    pub course: MaybeUndefined<String>,
    pub lead_source: MaybeUndefined<String>,
    pub lead_status: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
}

/// Search criteria; text fields match as Zoho's `equals` (which behaves like "contains" for
/// text) except `lastName`, which matches the start. `word` searches all text fields and cannot
/// be combined with the others.
#[derive(Debug, Clone, InputObject)]
pub struct LeadSearch {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub word: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub course: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LeadSort {
    CreatedTime,
    ModifiedTime,
    Id,
}

impl From<LeadSort> for SortBy {
    fn from(s: LeadSort) -> Self {
        match s {
            LeadSort::CreatedTime => SortBy::CreatedTime,
            LeadSort::ModifiedTime => SortBy::ModifiedTime,
            LeadSort::Id => SortBy::Id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SortOrder {
    Asc,
    Desc,
}

/// GraphQL field name → Zoho API name, for every Lead field but `course`, whose API name is
/// configuration. Input fields use the same names.
const FIXED_FIELDS: &[(&str, &str)] = &[
    ("firstName", "First_Name"),
    ("lastName", "Last_Name"),
    ("fullName", "Full_Name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("mobile", "Mobile"),
    ("company", "Company"),
    ("leadSource", "Lead_Source"),
    ("leadStatus", "Lead_Status"),
    ("description", "Description"),
    ("owner", "Owner"),
    ("createdTime", "Created_Time"),
    ("modifiedTime", "Modified_Time"),
];

/// Maximum lengths Zoho enforces on the fields we write (zoho-api.md §3.4, §2.4).
const MAX_LENGTHS: &[(&str, usize)] = &[
    ("firstName", 40),
    ("lastName", 80),
    ("email", 100),
    ("phone", 30),
    ("mobile", 30),
    ("company", 200),
    ("course", 255),
    ("leadSource", 255),
    ("leadStatus", 255),
    ("description", 32000),
];

/// The Lead field mapping of this deployment.
#[derive(Debug, Clone)]
pub struct LeadFields {
    course: String,
}

impl LeadFields {
    pub fn new(course_field: &str) -> Self {
        Self { course: course_field.to_owned() }
    }

    pub fn course_api_name(&self) -> &str {
        &self.course
    }

    pub fn api_name<'a>(&'a self, gql: &str) -> Option<&'a str> {
        if gql == "course" {
            return Some(&self.course);
        }
        FIXED_FIELDS.iter().find(|(g, _)| *g == gql).map(|(_, a)| *a)
    }

    pub fn gql_name<'a>(&'a self, api: &str) -> Option<&'a str> {
        if api == self.course {
            return Some("course");
        }
        FIXED_FIELDS.iter().find(|(_, a)| *a == api).map(|(g, _)| *g)
    }

    /// The Zoho `fields` for a selection of Lead fields. Zoho always returns `id`, and lists need
    /// at least one field (zoho-api.md §2.2), so an id-only selection asks for `Last_Name`.
    pub fn fields_for<'a>(&self, selected: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        for name in selected {
            if let Some(api) = self.api_name(name).filter(|a| !fields.iter().any(|f| f == a)) {
                fields.push(api.to_owned());
            }
        }
        if fields.is_empty() {
            fields.push("Last_Name".to_owned());
        }
        fields.sort();
        fields
    }

    pub fn lead_from_record(&self, r: &Record) -> Option<Lead> {
        let text = |api: &str| r.get(api).and_then(value_text);
        let time = |api: &str| r.get(api).and_then(Value::as_str).and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        Some(Lead {
            id: async_graphql::ID(text("id")?),
            first_name: text("First_Name"),
            last_name: text("Last_Name").unwrap_or_default(),
            full_name: text("Full_Name"),
            email: text("Email"),
            phone: text("Phone"),
            mobile: text("Mobile"),
            company: text("Company"),
            course: text(&self.course),
            lead_source: text("Lead_Source"),
            lead_status: text("Lead_Status"),
            description: text("Description"),
            owner: r.get("Owner").and_then(CrmUser::from_lookup),
            created_time: time("Created_Time"),
            modified_time: time("Modified_Time"),
        })
    }

    /// A validated Zoho record for an insert.
    pub fn record_for_input(&self, input: &LeadInput) -> Result<Record, GatewayError> {
        let mut record = Record::new();
        let last = input.last_name.trim();
        if last.is_empty() {
            return Err(GatewayError::bad_input(Some("lastName"), "Last name is required."));
        }
        let pairs = [
            ("firstName", input.first_name.as_deref()),
            ("lastName", Some(last)),
            ("email", input.email.as_deref()),
            ("phone", input.phone.as_deref()),
            ("mobile", input.mobile.as_deref()),
            ("company", input.company.as_deref()),
            ("course", input.course.as_deref()),
            ("leadSource", input.lead_source.as_deref()),
            ("leadStatus", input.lead_status.as_deref()),
            ("description", input.description.as_deref()),
        ];
        for (gql, value) in pairs {
            if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                validate(gql, value)?;
                record.insert(self.api_name(gql).unwrap_or(gql).to_owned(), Value::String(value.to_owned()));
            }
        }
        Ok(record)
    }

    /// A validated Zoho record for an update: only the fields the patch names.
    pub fn record_for_patch(&self, patch: &LeadPatch) -> Result<Record, GatewayError> {
        let mut record = Record::new();
        let pairs = [
            ("firstName", &patch.first_name),
            ("lastName", &patch.last_name),
            ("email", &patch.email),
            ("phone", &patch.phone),
            ("mobile", &patch.mobile),
            ("company", &patch.company),
            ("course", &patch.course),
            ("leadSource", &patch.lead_source),
            ("leadStatus", &patch.lead_status),
            ("description", &patch.description),
        ];
        for (gql, value) in pairs {
            let api = self.api_name(gql).unwrap_or(gql).to_owned();
            match value {
                MaybeUndefined::Undefined => {}
                MaybeUndefined::Null => {
                    if gql == "lastName" {
                        return Err(GatewayError::bad_input(Some("lastName"), "Last name is required."));
                    }
                    record.insert(api, Value::Null);
                }
                MaybeUndefined::Value(v) => {
                    let v = v.trim();
                    if v.is_empty() {
                        if gql == "lastName" {
                            return Err(GatewayError::bad_input(Some("lastName"), "Last name is required."));
                        }
                        record.insert(api, Value::Null);
                    } else {
                        validate(gql, v)?;
                        record.insert(api, Value::String(v.to_owned()));
                    }
                }
            }
        }
        if record.is_empty() {
            return Err(GatewayError::bad_input(Some("input"), "Nothing to change: name at least one field."));
        }
        Ok(record)
    }
}

/// The checks Zoho would make, made first so the user learns which field is wrong.
fn validate(gql: &str, value: &str) -> Result<(), GatewayError> {
    if let Some((_, max)) = MAX_LENGTHS.iter().find(|(g, _)| *g == gql)
        && value.chars().count() > *max
    {
        return Err(GatewayError::bad_input(Some(gql), format!("At most {max} characters.")));
    }
    if gql == "email" && !is_email(value) {
        return Err(GatewayError::bad_input(Some("email"), "Enter an email address like name@example.com."));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(GatewayError::bad_input(Some(gql), "Control characters are not allowed."));
    }
    Ok(())
}

/// The shape Zoho's email fields accept: one `@`, a dotted domain, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == '(' || c == ')' || c == '<' || c == '>')
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && !domain.contains('@')
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for ok in ["a@b.co", "first.last+tag@college.example.edu"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.co", "a@.co", "a b@c.co", "a@b..co", "a@b@c.co", "a@-b.co"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn fields_map_both_ways_and_follow_the_course_setting() {
        let f = LeadFields::new("Course_Name");
        assert_eq!(f.api_name("course"), Some("Course_Name"));
        assert_eq!(f.gql_name("Course_Name"), Some("course"));
        assert_eq!(f.gql_name("Last_Name"), Some("lastName"));
        assert_eq!(f.fields_for(["id", "__typename"]), vec!["Last_Name"]);
        assert_eq!(f.fields_for(["email", "course", "email"]), vec!["Course_Name", "Email"]);
    }

    #[test]
    fn input_is_validated_per_field() {
        let f = LeadFields::new("Course");
        let mut input = LeadInput {
            first_name: Some("Asha".into()),
            last_name: "  ".into(),
            email: None,
            phone: None,
            mobile: None,
            company: None,
            course: Some("Web Design".into()),
            lead_source: None,
            lead_status: None,
            description: None,
        };
        let err = f.record_for_input(&input).unwrap_err();
        assert!(matches!(err, GatewayError::BadUserInput { field: Some(ref x), .. } if x == "lastName"));
        input.last_name = "Rao".into();
        input.email = Some("not-an-email".into());
        let err = f.record_for_input(&input).unwrap_err();
        assert!(matches!(err, GatewayError::BadUserInput { field: Some(ref x), .. } if x == "email"));
        input.email = Some("asha@college.example".into());
        let record = f.record_for_input(&input).unwrap();
        assert_eq!(record["Last_Name"], "Rao");
        assert_eq!(record["Course"], "Web Design");
        assert!(!record.contains_key("Phone"));
    }
}
