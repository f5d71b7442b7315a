//! Zoho's search criteria (§2.8): a parser for `(Field:operator:value)` groups joined by `and`/`or`
//! with nested parentheses and the backslash escaping of `(`, `)`, `,` and `\`, checked against a
//! module's fields (operators per data type), plus evaluation against a record as Zoho JSON.

use axum::http::StatusCode;
use chrono::{DateTime, Datelike, FixedOffset};
use serde_json::{Value, json};

use std::sync::OnceLock;

use super::values::parse_date;
use crate::catalog::{Catalog, Module};
use crate::http::ApiError;
use crate::org::DataType;
use crate::org::OrgSpec;

/// Most conditions in one criteria (v2–v7 docs say 10; the newer OAS 15 — UNCONFIRMED for v8, §2.8).
const MAX_CONDITIONS: usize = 10;

/// Most values after `in` (§2.8).
const MAX_IN_VALUES: usize = 100;
/// Deepest parenthesis nesting accepted; the parser recurses per level, so hostile input must not
/// reach the stack's end (10 conditions never need more).
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Equals,
    NotEqual,
    StartsWith,
    In,
    GreaterThan,
    GreaterEqual,
    LessThan,
    LessEqual,
    Between,
}

impl Op {
    /// The operator as written in criteria (§2.8).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Equals => "equals",
            Op::NotEqual => "not_equal",
            Op::StartsWith => "starts_with",
            Op::In => "in",
            Op::GreaterThan => "greater_than",
            Op::GreaterEqual => "greater_equal",
            Op::LessThan => "less_than",
            Op::LessEqual => "less_equal",
            Op::Between => "between",
        }
    }

    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "equals" => Op::Equals,
            "not_equal" => Op::NotEqual,
            "starts_with" => Op::StartsWith,
            "in" => Op::In,
            "greater_than" => Op::GreaterThan,
            "greater_equal" => Op::GreaterEqual,
            "less_than" => Op::LessThan,
            "less_equal" => Op::LessEqual,
            "between" => Op::Between,
            _ => return None,
        })
    }

    /// Operators per data type (§2.8).
    fn allowed_for(self, kind: DataType) -> bool {
        use DataType as T;
        use Op::*;
        match kind {
            T::Text | T::Email | T::Phone | T::Website | T::Formula => matches!(self, Equals | NotEqual | StartsWith | In),
            T::Textarea => matches!(self, Equals | NotEqual | StartsWith),
            T::Picklist | T::AutoNumber | T::OwnerLookup | T::Lookup => matches!(self, Equals | NotEqual | In),
            T::MultiSelect => matches!(self, Equals | NotEqual | In | StartsWith),
            T::Boolean => matches!(self, Equals | NotEqual),
            T::Date | T::Datetime | T::Integer | T::Bigint | T::Currency | T::Double | T::Decimal | T::Percent => {
                !matches!(self, StartsWith)
            }
        }
    }
}

/// A parsed criteria expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Condition { field: String, kind: DataType, op: Op, values: Vec<String> },
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

fn invalid_query(reason: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", "invalid query formed").details(json!({ "reason": reason }))
}

/// The default org's Leads module, for parsing without a sandbox ([`crate::parse_criteria`]).
pub(crate) fn default_leads() -> Option<&'static Module> {
    static LEADS: OnceLock<Option<Module>> = OnceLock::new();
    LEADS.get_or_init(|| Catalog::new(&OrgSpec::default()).module("Leads").cloned()).as_ref()
}

/// Parses a criteria string (already URL-decoded). `and` binds tighter than `or` when both appear
/// in one group without parentheses (Zoho's rule for that case is UNCONFIRMED).
pub(crate) fn parse_criteria(text: &str, module: &Module) -> Result<Expr, ApiError> {
    // One condition needs no parentheses: `Last_Name:equals:Burns` is valid (Zoho's search docs
    // show single criteria both ways, §2.8). Several must be grouped.
    if !text.trim_start().starts_with('(') && !text.trim().is_empty() {
        let mut parser = Parser { chars: text.trim().chars().collect(), pos: 0, conditions: 0, depth: 0, module };
        let expr = parser.condition()?;
        if parser.pos != parser.chars.len() {
            return Err(invalid_query("several conditions must each be in parentheses"));
        }
        return Ok(expr);
    }
    let mut parser = Parser { chars: text.chars().collect(), pos: 0, conditions: 0, depth: 0, module };
    let expr = parser.expr()?;
    parser.skip_spaces();
    if parser.pos != parser.chars.len() {
        return Err(invalid_query("unexpected text after the criteria (unbalanced parentheses?)"));
    }
    if parser.conditions > MAX_CONDITIONS {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "LIMIT_EXCEEDED", "criteria limit exceeded")
            .details(json!({ "param_name": "criteria", "limit": MAX_CONDITIONS })));
    }
    Ok(expr)
}

struct Parser<'m> {
    chars: Vec<char>,
    pos: usize,
    conditions: usize,
    depth: usize,
    module: &'m Module,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), ApiError> {
        self.skip_spaces();
        if self.peek() == Some(wanted) {
            self.pos += 1;
            Ok(())
        } else {
            Err(invalid_query(&format!("expected '{wanted}' at position {}", self.pos)))
        }
    }

    /// group (("and"|"or") group)*
    fn expr(&mut self) -> Result<Expr, ApiError> {
        let mut or_terms = Vec::new();
        let mut and_terms = vec![self.group()?];
        loop {
            self.skip_spaces();
            let word: String =
                self.chars.get(self.pos..).unwrap_or_default().iter().take_while(|c| c.is_ascii_alphabetic()).collect();
            match word.to_ascii_lowercase().as_str() {
                "" => break,
                "and" => {
                    self.pos += 3;
                    and_terms.push(self.group()?);
                }
                "or" => {
                    self.pos += 2;
                    or_terms.push(collapse(std::mem::take(&mut and_terms), Expr::And));
                    and_terms.push(self.group()?);
                }
                _ => return Err(invalid_query(&format!("expected and/or, found '{word}'"))),
            }
        }
        or_terms.push(collapse(and_terms, Expr::And));
        Ok(collapse(or_terms, Expr::Or))
    }

    /// "(" expr ")" | "(" condition ")"
    fn group(&mut self) -> Result<Expr, ApiError> {
        self.expect('(')?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid_query("parentheses nested too deeply"));
        }
        self.skip_spaces();
        let expr = if self.peek() == Some('(') { self.expr()? } else { self.condition()? };
        self.expect(')')?;
        self.depth -= 1;
        Ok(expr)
    }

    /// Field:operator:value, the value running to the first unescaped ')'.
    fn condition(&mut self) -> Result<Expr, ApiError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            match c {
                '\\' => self.pos += 2,
                ')' => break,
                '(' => return Err(invalid_query("unescaped '(' in a value")),
                _ => self.pos += 1,
            }
        }
        let bare = self.depth == 0;
        if self.pos > self.chars.len() || (!bare && self.peek() != Some(')')) {
            return Err(invalid_query("unbalanced parentheses"));
        }
        let raw: String = self.chars[start..self.pos.min(self.chars.len())].iter().collect();
        self.conditions += 1;
        condition(&raw, self.module)
    }
}

fn collapse(mut terms: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if terms.len() == 1 { terms.remove(0) } else { make(terms) }
}

fn condition(raw: &str, module: &Module) -> Result<Expr, ApiError> {
    let mut parts = raw.splitn(3, ':');
    let (Some(name), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid_query("a condition must be field:operator:value"));
    };
    let (name, op_text) = (name.trim(), op.trim());
    let Some(def) = module.field(name) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", "invalid query formed")
            .details(json!({ "api_name": name, "reason": "unknown field" })));
    };
    let Some(op) = Op::parse(op_text) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", "invalid query formed")
            .details(json!({ "api_name": name, "operator": op_text, "reason": "unknown operator" })));
    };
    if !op.allowed_for(def.kind) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", "invalid query formed")
            .details(json!({ "api_name": name, "operator": op_text, "reason": "operator not supported for this field" })));
    }
    let values: Vec<String> = if matches!(op, Op::In | Op::Between) {
        split_unescaped(value).iter().map(|v| unescape(v)).collect()
    } else {
        // `(`, `)` and `,` inside a value must be escaped (§2.8 escaping rule 1): Zoho refuses a
        // bare comma in an `equals` or `starts_with` value.
        if split_unescaped(value).len() > 1 {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", "invalid query formed")
                .details(json!({ "api_name": name, "reason": "unescaped ',' in the value" })));
        }
        vec![unescape(value)]
    };
    let arity_ok = match op {
        Op::In => (1..=MAX_IN_VALUES).contains(&values.len()),
        Op::Between => values.len() == 2,
        _ => values.len() == 1,
    };
    if !arity_ok || values.iter().any(|v| v.is_empty()) {
        return Err(invalid_query("wrong number of values"));
    }
    for value in &values {
        let valid = match def.kind {
            DataType::Datetime => parse_time(value).is_some(),
            DataType::Date => parse_date(value).is_some(),
            DataType::Integer | DataType::Bigint => value.trim().parse::<i64>().is_ok(),
            DataType::Currency | DataType::Double | DataType::Decimal | DataType::Percent => {
                value.trim().parse::<f64>().is_ok_and(f64::is_finite)
            }
            DataType::Boolean => value == "true" || value == "false",
            _ => true,
        };
        if !valid {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "INVALID_QUERY", "invalid query formed")
                .details(json!({ "api_name": name, "reason": "value does not fit the field's type" })));
        }
    }
    Ok(Expr::Condition { field: def.api_name.clone(), kind: def.kind, op, values })
}

/// Splits on commas not preceded by a backslash escape; escapes are kept for `unescape`.
fn split_unescaped(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let last = parts.last_mut();
                if let Some(part) = last {
                    part.push('\\');
                    if let Some(next) = chars.next() {
                        part.push(next);
                    }
                }
            }
            ',' => parts.push(String::new()),
            _ => {
                if let Some(part) = parts.last_mut() {
                    part.push(c);
                }
            }
        }
    }
    parts.into_iter().map(|p| p.trim().to_string()).collect()
}

/// `\(`, `\)`, `\,` and `\\` stand for the character; any other backslash is literal (§2.8: the rule
/// for other escapes is UNCONFIRMED).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| matches!(n, '(' | ')' | ',' | '\\')) {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_time(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim()).ok()
}

/// Whether a record (rendered as Zoho JSON) satisfies an expression.
pub(crate) fn matches(expr: &Expr, record: &Value) -> bool {
    match expr {
        Expr::And(terms) => terms.iter().all(|t| matches(t, record)),
        Expr::Or(terms) => terms.iter().any(|t| matches(t, record)),
        Expr::Condition { field, kind, op, values } => {
            condition_matches(*kind, *op, values, record.get(field).unwrap_or(&Value::Null))
        }
    }
}

/// A comparable form of a value for ordering operators: numbers, dates (days) and instants.
fn ordinal(kind: DataType, value: &Value) -> Option<f64> {
    match kind {
        DataType::Datetime => value.as_str().and_then(parse_time).map(|t| t.timestamp() as f64),
        DataType::Date => value.as_str().and_then(parse_date).map(|d| d.num_days_from_ce() as f64),
        _ => value.as_f64().or_else(|| value.as_str().and_then(|t| t.trim().parse::<f64>().ok())),
    }
}

fn condition_matches(kind: DataType, op: Op, values: &[String], actual: &Value) -> bool {
    let equals = |wanted: &str| value_equals(kind, wanted, actual);
    match op {
        Op::Equals => values.first().is_some_and(|v| equals(v)),
        Op::NotEqual => !values.first().is_some_and(|v| equals(v)),
        Op::In => values.iter().any(|v| equals(v)),
        Op::StartsWith => {
            let starts = |text: &str, prefix: &str| text.to_lowercase().starts_with(&prefix.to_lowercase());
            match (actual, values.first()) {
                (Value::String(text), Some(prefix)) => starts(text, prefix),
                (Value::Array(items), Some(prefix)) => items.iter().filter_map(Value::as_str).any(|t| starts(t, prefix)),
                _ => false,
            }
        }
        Op::GreaterThan | Op::GreaterEqual | Op::LessThan | Op::LessEqual | Op::Between => {
            let Some(at) = ordinal(kind, actual) else {
                return false;
            };
            let bound = |i: usize| values.get(i).and_then(|v| ordinal(kind, &Value::String(v.clone())));
            match (op, bound(0), bound(1)) {
                (Op::GreaterThan, Some(b), _) => at > b,
                (Op::GreaterEqual, Some(b), _) => at >= b,
                (Op::LessThan, Some(b), _) => at < b,
                (Op::LessEqual, Some(b), _) => at <= b,
                (Op::Between, Some(low), Some(high)) => at >= low && at <= high,
                _ => false,
            }
        }
    }
}

/// `equals` for one value: contains-semantics for text, email, phone and website fields (Zoho's
/// quirk: `Company:equals:ABC` also matches "ABC Inc", §2.8; §11 "equals behaves as contains except
/// on picklists"), exact case-insensitive for picklists, numbers/dates/instants by value, the user
/// id for owners, the id or name for lookups, membership for multi-select.
fn value_equals(kind: DataType, wanted: &str, actual: &Value) -> bool {
    let same = |a: &str| a.eq_ignore_ascii_case(wanted.trim());
    match kind {
        DataType::Text | DataType::Textarea | DataType::Email | DataType::Phone | DataType::Website => {
            actual.as_str().is_some_and(|a| a.to_lowercase().contains(&wanted.to_lowercase()))
        }
        DataType::Boolean => actual.as_bool().unwrap_or(false).to_string() == wanted,
        DataType::Datetime
        | DataType::Date
        | DataType::Integer
        | DataType::Bigint
        | DataType::Currency
        | DataType::Double
        | DataType::Decimal
        | DataType::Percent => {
            matches!((ordinal(kind, actual), ordinal(kind, &Value::String(wanted.to_string()))), (Some(a), Some(w)) if a == w)
        }
        DataType::OwnerLookup => actual.get("id").and_then(Value::as_str) == Some(wanted),
        DataType::Lookup => ["id", "name"].iter().any(|key| actual.get(*key).and_then(Value::as_str).is_some_and(same)),
        DataType::MultiSelect => actual.as_array().is_some_and(|items| items.iter().filter_map(Value::as_str).any(same)),
        _ => actual.as_str().is_some_and(same),
    }
}
