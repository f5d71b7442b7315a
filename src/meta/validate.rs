//! Inputs checked against the module's metadata before any Zoho call, every bad field reported at
//! once: required fields, lengths, numbers, dates, emails, phones, picklists, lookups. What passes
//! becomes the Zoho record to write (API names, Zoho's value shapes, zoho-api.md §2.4).

use serde_json::{Map, Value, json};

use super::model::{FieldDef, FieldKind, ModuleDef, TextKind};
use crate::zoho::records::Record;

/// One bad input field: its GraphQL name and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Zoho's integer fields take at most 9 digits (§2.4).
const MAX_INT: i64 = 999_999_999;

/// A create: every required field present, each given field valid. `input` maps GraphQL input
/// names to JSON values (absent = not in the map).
pub fn for_create(module: &ModuleDef, input: &Map<String, Value>) -> Result<Record, Vec<FieldProblem>> {
    convert(module, input, true)
}

/// An update: only the fields named; `null` clears a field (not a required one).
pub fn for_update(module: &ModuleDef, input: &Map<String, Value>) -> Result<Record, Vec<FieldProblem>> {
    if input.is_empty() {
        return Err(vec![FieldProblem { field: "input".into(), message: "Nothing to change: name at least one field.".into() }]);
    }
    convert(module, input, false)
}

fn convert(module: &ModuleDef, input: &Map<String, Value>, create: bool) -> Result<Record, Vec<FieldProblem>> {
    let mut record = Record::new();
    let mut problems = Vec::new();
    for field in module.fields.iter().filter(|f| !f.read_only) {
        let given = input.get(&field.input_name);
        match given.map(clean) {
            None | Some(Value::Null) if create && field.required => {
                problems.push(problem(field, format!("{} is required.", field.label)));
            }
            None | Some(Value::Null) if create => {}
            None => {}
            Some(Value::Null) => {
                if field.required {
                    problems.push(problem(field, format!("{} is required.", field.label)));
                } else {
                    record.insert(field.api_name.clone(), Value::Null);
                }
            }
            Some(value) => match check(field, value) {
                Ok(v) => {
                    record.insert(field.api_name.clone(), v);
                }
                Err(message) => problems.push(problem(field, message)),
            },
        }
    }
    for name in input.keys() {
        if !module.fields.iter().any(|f| &f.input_name == name && !f.read_only) {
            problems.push(FieldProblem { field: name.clone(), message: "This field cannot be written.".into() });
        }
    }
    if problems.is_empty() { Ok(record) } else { Err(problems) }
}

fn problem(field: &FieldDef, message: String) -> FieldProblem {
    FieldProblem { field: field.input_name.clone(), message }
}

/// Trimmed text; blank text counts as no value.
fn clean(value: &Value) -> Value {
    match value {
        Value::String(s) if s.trim().is_empty() => Value::Null,
        Value::String(s) => Value::String(s.trim().to_owned()),
        other => other.clone(),
    }
}

/// The Zoho value for one given (non-null) input value.
fn check(field: &FieldDef, value: Value) -> Result<Value, String> {
    match &field.kind {
        FieldKind::Text(text) => {
            let Value::String(s) = value else { return Err("Expected text.".into()) };
            check_text(field, *text, &s)?;
            Ok(Value::String(s))
        }
        FieldKind::Int => match value.as_i64() {
            Some(n) if n.abs() <= MAX_INT => Ok(json!(n)),
            Some(_) => Err("At most 9 digits.".into()),
            None => Err("Expected a whole number.".into()),
        },
        FieldKind::BigInt => match value.as_str().and_then(|s| s.parse::<i64>().ok()) {
            Some(n) => Ok(json!(n)),
            None => Err("Expected a whole number written as a string of digits.".into()),
        },
        FieldKind::Float => match value.as_f64() {
            Some(n) if n.is_finite() && n.abs() < 1e16 => Ok(json!(n)),
            _ => Err("Expected a number of at most 16 digits.".into()),
        },
        FieldKind::Boolean => value.as_bool().map(Value::Bool).ok_or_else(|| "Expected true or false.".into()),
        FieldKind::Date => match value.as_str().map(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")) {
            Some(Ok(d)) => Ok(json!(d.format("%Y-%m-%d").to_string())),
            _ => Err("Expected a date like 2026-01-31.".into()),
        },
        FieldKind::DateTime => match value.as_str().map(chrono::DateTime::parse_from_rfc3339) {
            // Zoho wants the offset and no fractional seconds (§2.4).
            Some(Ok(t)) => Ok(json!(t.format("%Y-%m-%dT%H:%M:%S%:z").to_string())),
            _ => Err("Expected a date and time like 2026-01-31T09:30:00+05:30.".into()),
        },
        FieldKind::MultiSelect => {
            let Value::Array(items) = value else { return Err("Expected a list of options.".into()) };
            let mut out = Vec::new();
            for item in items {
                let Some(s) = item.as_str().map(str::trim) else { return Err("Expected a list of options.".into()) };
                check_option(field, s)?;
                out.push(json!(s));
            }
            Ok(Value::Array(out))
        }
        FieldKind::Lookup { .. } => match value.as_str() {
            Some(id) if is_record_id(id) => Ok(json!({ "id": id })),
            _ => Err("Expected a record id (a string of digits).".into()),
        },
        // Zoho checks that the user exists (INVALID_DATA on the field otherwise).
        FieldKind::User => match value.as_str() {
            Some(id) if is_record_id(id) => Ok(json!({ "id": id })),
            _ => Err("Expected a user id (a string of digits).".into()),
        },
    }
}

fn check_text(field: &FieldDef, kind: TextKind, s: &str) -> Result<(), String> {
    if let Some(max) = field.max_length
        && s.chars().count() > max as usize
    {
        return Err(format!("At most {max} characters."));
    }
    if s.chars().any(|c| c.is_control() && !(kind == TextKind::TextArea && matches!(c, '\n' | '\t' | '\r'))) {
        return Err("Control characters are not allowed.".into());
    }
    if let Some(shape) = Shape::of(kind)
        && !shape.matches(s)
    {
        return Err(shape.message.into());
    }
    match kind {
        TextKind::Picklist => check_option(field, s),
        _ => Ok(()),
    }
}

/// The shape a text field's value must have. One table: the gateway checks inputs with it, and
/// `crmModule` publishes each pattern and message (`CrmField.pattern`, `patternMessage`) so that a
/// form checks exactly what the gateway will. The patterns use only syntax that Rust's `regex` and
/// ECMAScript read alike (no lookaround, no backreferences, ASCII classes).
pub struct Shape {
    pub kind: TextKind,
    pub pattern: &'static str,
    pub message: &'static str,
}

const SHAPES: [Shape; 3] = [
    // What Zoho's email fields accept (INVALID_DATA otherwise, zoho-api.md §2.4): a local part of
    // letters, digits and `_%+'-` in dot-separated runs (no leading, trailing or doubled dots);
    // letter/digit/hyphen domain labels that neither start nor end with a hyphen; a top-level
    // domain of at least two letters (so `a@b.c` is refused here, with a message, not by Zoho).
    Shape {
        kind: TextKind::Email,
        pattern: r"^[A-Za-z0-9_%+'-]+(\.[A-Za-z0-9_%+'-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$",
        message: "Enter an email address like name@example.com.",
    },
    // Digits with the usual separators, and at least three digits.
    Shape {
        kind: TextKind::Phone,
        pattern: r"^[ +().-]*([0-9][ +().-]*){3,}$",
        message: "Enter a phone number: at least 3 digits, with spaces and + - ( ) . only.",
    },
    Shape { kind: TextKind::Website, pattern: r"^[^\s]*\.[^\s]*$", message: "Enter a web address like example.com." },
];

impl Shape {
    pub fn of(kind: TextKind) -> Option<&'static Shape> {
        SHAPES.iter().find(|shape| shape.kind == kind)
    }

    pub fn matches(&self, s: &str) -> bool {
        static COMPILED: std::sync::LazyLock<Vec<regex::Regex>> = std::sync::LazyLock::new(|| {
            SHAPES.iter().map(|shape| regex::Regex::new(shape.pattern).expect("the shapes compile")).collect()
        });
        let at = SHAPES.iter().position(|shape| shape.kind == self.kind).unwrap_or_default();
        COMPILED[at].is_match(s)
    }
}

/// The gateway refuses a value that is not one of the picklist's options, although Zoho's API
/// would store it (zoho-api.md §11): a typo would otherwise become a new value in every report.
fn check_option(field: &FieldDef, s: &str) -> Result<(), String> {
    if field.options.is_empty() || field.options.iter().any(|(value, _)| value == s) {
        return Ok(());
    }
    let shown: Vec<&str> = field.options.iter().map(|(v, _)| v.as_str()).filter(|v| *v != "-None-").take(10).collect();
    Err(format!("Not one of the options: {}.", shown.join(", ")))
}

pub fn is_record_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 25 && s.chars().all(|c| c.is_ascii_digit())
}

/// An email address Zoho accepts (`Shape` of email fields).
pub fn is_email(s: &str) -> bool {
    Shape::of(TextKind::Email).is_some_and(|shape| shape.matches(s))
}

/// A phone number (`Shape` of phone fields).
pub fn is_phone(s: &str) -> bool {
    Shape::of(TextKind::Phone).is_some_and(|shape| shape.matches(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_and_phone_shapes() {
        for ok in ["a@b.co", "first.last+tag@college.example.edu"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@.co",
            "a b@c.co",
            "a@b..co",
            "a@b@c.co",
            "a@-b.co",
            "a@b.c",
            "x@y..z",
            "a..b@c.co",
            ".a@b.co",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        for ok in ["+91 98450 00001", "(555) 010.2030", "555-0100", "123"] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in ["", "12", "abc", "555 0100 ext 2", "+1/555/0100", "--", "1 2"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }
}
