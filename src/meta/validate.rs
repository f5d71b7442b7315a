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
    match kind {
        TextKind::Email if !is_email(s) => Err("Enter an email address like name@example.com.".into()),
        TextKind::Phone if !is_phone(s) => Err("Enter a phone number: at least 3 digits, with spaces and + - ( ) . only.".into()),
        TextKind::Website if s.chars().any(char::is_whitespace) || !s.contains('.') => {
            Err("Enter a web address like example.com.".into())
        }
        TextKind::Picklist => check_option(field, s),
        _ => Ok(()),
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

/// The shape Zoho's email fields accept: one `@`, a dotted domain, no spaces.
pub fn is_email(s: &str) -> bool {
    // Zoho refuses what this refuses (INVALID_DATA, zoho-api.md §2.4): a local part of letters,
    // digits and `._%+-'` without leading, trailing or doubled dots; letter/digit/hyphen domain
    // labels; a top-level domain of at least two letters (so `a@b.c` is refused here, with a
    // message, rather than by Zoho).
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-'".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld_ok = labels.last().is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

/// Digits with the usual separators, and at least three digits.
pub fn is_phone(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'))
        && s.chars().filter(char::is_ascii_digit).count() >= 3
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
        assert!(is_phone("+91 98450 00001"));
        assert!(!is_phone("abc"));
        assert!(!is_phone("12"));
    }
}
