//! The default org, Zylker Academy (§6): Leads (enquiring students), Contacts (enrolled students),
//! Deals (enrolments and fees) and the custom module Courses, with their seed records. Data only;
//! the generated seed leads come from `data.rs`.

use serde_json::{Map, Value, json};

use crate::data::{CITIES, COURSE_FEES, COURSES, FIRST_NAMES, INTAKES, LANGUAGES, LAST_NAMES};
use crate::org::{FieldSpec, ModuleSpec, OrgSpec};

const LEAD_SOURCES: [&str; 7] = ["-None-", "Website", "Campus Fair", "Referral", "Instagram", "Webinar", "Walk-in"];
const LEAD_STATUSES: [&str; 7] =
    ["-None-", "Not Contacted", "Attempted to Contact", "Contacted", "Pre-Qualified", "Junk Lead", "Lost Lead"];
const STAGES: [&str; 6] = ["Qualification", "Needs Analysis", "Proposal", "Negotiation", "Closed Won", "Closed Lost"];
const STAGE_PROBABILITY: [i64; 6] = [10, 20, 50, 75, 100, 0];
const COURSE_CODES: [&str; 8] = ["WD101", "FSJ201", "UX110", "CSS120", "RCT301", "PYW210", "A11Y150", "NODE220"];
const COURSE_STARTS: [&str; 8] =
    ["2026-01-12", "2026-01-12", "2026-04-06", "2026-04-06", "2026-07-06", "2026-07-06", "2026-10-05", "2026-10-05"];
/// Owners of the Courses, in `COURSES` order: mostly the admin, some the coordinator and advisor.
const COURSE_OWNERS: [&str; 8] = ["admin", "coordinator", "advisor", "admin", "coordinator", "admin", "advisor", "admin"];
/// Owners of contacts and deals cycle like the leads': coordinator, advisor, admin, …
const OWNER_CYCLE: [&str; 5] = ["coordinator", "advisor", "admin", "coordinator", "advisor"];
const CONTACT_COUNT: usize = 20;
const DEAL_COUNT: usize = 15;

fn field(api_name: &str, label: &str, data_type: &str, length: usize) -> FieldSpec {
    FieldSpec { field_label: label.to_string(), length: Some(length), ..FieldSpec::new(api_name, data_type) }
}

fn mandatory(spec: FieldSpec) -> FieldSpec {
    FieldSpec { system_mandatory: true, ..spec }
}

fn custom(spec: FieldSpec) -> FieldSpec {
    FieldSpec { custom_field: true, ..spec }
}

fn picklist(api_name: &str, label: &str, values: &[&str]) -> FieldSpec {
    FieldSpec { pick_list_values: values.iter().map(|v| v.to_string()).collect(), ..field(api_name, label, "picklist", 120) }
}

fn lookup(api_name: &str, label: &str, module: &str) -> FieldSpec {
    FieldSpec { lookup_module: Some(module.to_string()), ..field(api_name, label, "lookup", 120) }
}

fn module(api_name: &str, singular: &str, generated_type: &str, fields: Vec<FieldSpec>, records: Vec<Value>) -> ModuleSpec {
    ModuleSpec {
        api_name: api_name.to_string(),
        singular_label: singular.to_string(),
        plural_label: api_name.to_string(),
        generated_type: generated_type.to_string(),
        fields,
        records: records.into_iter().filter_map(|r| if let Value::Object(map) = r { Some(map) } else { None }).collect(),
    }
}

/// Zylker Academy, completed ([`OrgSpec::validated`] cannot fail on it; if it ever did, the
/// uncompleted spec is returned and `Sandbox::start` reports the problem).
pub(crate) fn org() -> OrgSpec {
    let spec = OrgSpec { modules: vec![leads(), contacts(), deals(), courses()], generated_leads: true };
    spec.clone().validated().unwrap_or(spec)
}

/// Leads: the first version's fields (lengths per §3.4) plus the custom fields added since.
fn leads() -> ModuleSpec {
    let courses: Vec<&str> = std::iter::once("-None-").chain(COURSES).collect();
    let fields = vec![
        field("First_Name", "First Name", "text", 40),
        mandatory(field("Last_Name", "Last Name", "text", 80)),
        FieldSpec { read_only: true, display_field: true, ..field("Full_Name", "Full Name", "text", 120) },
        FieldSpec { unique: true, ..field("Email", "Email", "email", 100) },
        field("Phone", "Phone", "phone", 30),
        field("Mobile", "Mobile", "phone", 30),
        // Company holds the student's college (§6: the mapping is our choice).
        field("Company", "College", "text", 200),
        custom(picklist("Course", "Course", &courses)),
        picklist("Lead_Source", "Lead Source", &LEAD_SOURCES),
        picklist("Lead_Status", "Lead Status", &LEAD_STATUSES),
        field("City", "City", "text", 100),
        field("Country", "Country", "text", 100),
        field("Description", "Description", "textarea", 32000),
        field("Email_Opt_Out", "Email Opt Out", "boolean", 120),
        custom(picklist("Batch", "Batch", &INTAKES)),
        custom(field("Preferred_Start_Date", "Preferred Start Date", "date", 120)),
        custom(field("Scholarship", "Scholarship", "boolean", 120)),
        custom(field("Quoted_Fee", "Quoted Fee", "currency", 16)),
        custom(FieldSpec {
            pick_list_values: LANGUAGES.iter().map(|v| v.to_string()).collect(),
            ..field("Languages", "Languages", "multiselectpicklist", 2000)
        }),
    ];
    module("Leads", "Lead", "default", fields, Vec::new())
}

fn contact_name(index: usize) -> (&'static str, &'static str) {
    // 7 and 11 are coprime with 30: twenty distinct first names, so distinct full names.
    let first = FIRST_NAMES.get((index * 7 + 3) % FIRST_NAMES.len()).copied().unwrap_or("Asha");
    let last = LAST_NAMES.get((index * 11 + 5) % LAST_NAMES.len()).copied().unwrap_or("Rao");
    (first, last)
}

/// Contacts: students who enrolled.
fn contacts() -> ModuleSpec {
    let fields = vec![
        field("First_Name", "First Name", "text", 40),
        mandatory(field("Last_Name", "Last Name", "text", 80)),
        FieldSpec { read_only: true, display_field: true, ..field("Full_Name", "Full Name", "text", 120) },
        FieldSpec { unique: true, ..field("Email", "Email", "email", 100) },
        field("Phone", "Phone", "phone", 30),
        field("Mobile", "Mobile", "phone", 30),
        field("Date_of_Birth", "Date of Birth", "date", 120),
        field("Mailing_City", "Mailing City", "text", 100),
        field("Description", "Description", "textarea", 32000),
    ];
    let records = (0..CONTACT_COUNT)
        .map(|i| {
            let (first, last) = contact_name(i);
            let email_part = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
            json!({
                "Owner": OWNER_CYCLE[i % OWNER_CYCLE.len()],
                "First_Name": first,
                "Last_Name": last,
                "Email": format!("{}.{}.s{}@student.example", email_part(first), email_part(last), i + 1),
                "Phone": if i % 4 == 3 { Value::Null } else { json!(format!("+91 80 4{:03} {:04}", i * 37 % 1000, 1000 + i * 211 % 9000)) },
                "Mobile": format!("+91 98{:03} {:05}", 100 + i * 13, 10000 + i * 4099 % 90000),
                "Date_of_Birth": format!("{}-{:02}-{:02}", 2000 + i % 7, 1 + i % 12, 1 + (i * 3) % 28),
                "Mailing_City": CITIES[i % CITIES.len()],
                "Description": format!("Enrolled in {}.", COURSES[i % COURSES.len()]),
            })
        })
        .collect();
    module("Contacts", "Contact", "default", fields, records)
}

/// Deals: one enrolment (and its fee) per deal, linked to a contact and a course.
fn deals() -> ModuleSpec {
    let fields = vec![
        mandatory(FieldSpec { display_field: true, ..field("Deal_Name", "Deal Name", "text", 120) }),
        mandatory(picklist("Stage", "Stage", &STAGES)),
        field("Amount", "Amount", "currency", 16),
        field("Closing_Date", "Closing Date", "date", 120),
        field("Probability", "Probability (%)", "percent", 3),
        lookup("Contact_Name", "Contact Name", "Contacts"),
        custom(lookup("Course", "Course", "Courses")),
    ];
    let records = (0..DEAL_COUNT)
        .map(|i| {
            let (first, last) = contact_name(i);
            let course_index = (i * 3) % COURSES.len();
            let course = COURSES[course_index];
            let stage = i % STAGES.len();
            json!({
                // A deal belongs to its contact's owner, so each user sees coherent data.
                "Owner": OWNER_CYCLE[i % OWNER_CYCLE.len()],
                "Deal_Name": format!("{first} {last} - {course}"),
                "Stage": STAGES[stage],
                "Amount": COURSE_FEES[course_index],
                "Closing_Date": format!("2026-{:02}-{:02}", 1 + i % 12, 5 + i % 20),
                "Probability": STAGE_PROBABILITY[stage],
                "Contact_Name": format!("@{first} {last}"),
                "Course": format!("@{course}"),
            })
        })
        .collect();
    module("Deals", "Deal", "default", fields, records)
}

/// Courses: a custom module, one record per course.
fn courses() -> ModuleSpec {
    let fields = vec![
        mandatory(FieldSpec { display_field: true, ..field("Name", "Course Name", "text", 120) }),
        custom(FieldSpec { unique: true, ..field("Code", "Code", "text", 20) }),
        custom(field("Fees", "Fees", "currency", 16)),
        custom(field("Start_Date", "Start Date", "date", 120)),
        custom(field("Seats", "Seats", "integer", 9)),
        custom(field("Online", "Online", "boolean", 120)),
    ];
    let records = COURSES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut record = Map::new();
            record.insert("Owner".into(), json!(COURSE_OWNERS[i]));
            record.insert("Name".into(), json!(name));
            record.insert("Code".into(), json!(COURSE_CODES[i]));
            record.insert("Fees".into(), json!(COURSE_FEES[i]));
            record.insert("Start_Date".into(), json!(COURSE_STARTS[i]));
            record.insert("Seats".into(), json!(20 + (i as i64 * 5) % 25));
            record.insert("Online".into(), json!(i % 3 != 1));
            Value::Object(record)
        })
        .collect();
    ModuleSpec { singular_label: "Course".into(), ..module("Courses", "Course", "custom", fields, records) }
}
