//! Typed values of COQL columns and literals ([`Cell`]), exact numbers ([`Num`]) and `like`
//! patterns ([`Pattern`]), with the comparisons conditions and `order by` use. Text is compared in
//! lower case (see [`Cell`]); nothing here knows the org.

use std::cmp::Ordering;

/// A number compared exactly when both sides are integers (19-digit ids do not fit an f64).
#[derive(Debug, Clone, Copy)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub fn parse(text: &str) -> Option<Num> {
        let text = text.trim();
        if let Ok(n) = text.parse::<i128>() {
            return Some(Num::Int(n));
        }
        // Plain decimals only: `inf`, `NaN` and exponents are not COQL numbers.
        if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') {
            return None;
        }
        text.parse::<f64>().ok().filter(|f| f.is_finite()).map(Num::Float)
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(n) => n as f64,
            Num::Float(f) => f,
        }
    }

    fn cmp(self, other: Num) -> Ordering {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a.cmp(&b),
            _ => self.as_f64().partial_cmp(&other.as_f64()).unwrap_or(Ordering::Equal),
        }
    }
}

/// A typed value: a literal of the query or a record's value, compared within one column kind.
/// Text is kept lower-cased: Zoho's criteria compare text case-insensitively (§2.8; UNCONFIRMED
/// for COQL, where the sandbox does the same).
#[derive(Debug, Clone)]
pub(super) enum Cell {
    Null,
    Text(String),
    Num(Num),
    /// Days from the common era.
    Day(i32),
    /// Milliseconds since the epoch: datetimes compare as instants whatever their offsets.
    Instant(i64),
    Bool(bool),
    Ref(u64),
    /// The selected options, lower-cased; an empty selection is `Null`.
    Multi(Vec<String>),
}

impl Cell {
    /// Total order within a kind; `Null` sorts before every value (the sandbox's rule for
    /// `order by`).
    pub fn order(&self, other: &Cell) -> Ordering {
        use Cell::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Less,
            (_, Null) => Ordering::Greater,
            (Text(a), Text(b)) => a.cmp(b),
            (Num(a), Num(b)) => a.cmp(*b),
            (Day(a), Day(b)) => a.cmp(b),
            (Instant(a), Instant(b)) => a.cmp(b),
            (Bool(a), Bool(b)) => a.cmp(b),
            (Ref(a), Ref(b)) => a.cmp(b),
            (Multi(a), Multi(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }

    /// Equality of two non-null values.
    pub fn same(&self, other: &Cell) -> bool {
        !matches!(self, Cell::Null) && self.order(other) == Ordering::Equal
    }
}

/// A `like` pattern. `%` is the wildcard, and only at the start and/or end: `'x%'` starts with,
/// `'%x'` ends with, `'%x%'` contains, `'x'` equals. Zoho documents no escape for `%` or `_`;
/// the sandbox takes a `%` or `_` inside the body literally (an assumption: the gateway refuses
/// such input, so the sandbox only has to be consistent).
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    body: String,
    any_before: bool,
    any_after: bool,
}

impl Pattern {
    pub fn new(text: &str) -> Pattern {
        let any_before = text.starts_with('%');
        let rest = text.strip_prefix('%').unwrap_or(text);
        let any_after = rest.ends_with('%');
        let body = rest.strip_suffix('%').unwrap_or(rest);
        Pattern { body: body.to_lowercase(), any_before, any_after }
    }

    /// Whether lower-cased `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        match (self.any_before, self.any_after) {
            (false, false) => text == self.body,
            (false, true) => text.starts_with(&self.body),
            (true, false) => text.ends_with(&self.body),
            (true, true) => text.contains(&self.body),
        }
    }
}
