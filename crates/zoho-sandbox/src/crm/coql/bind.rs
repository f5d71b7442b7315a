//! A parsed COQL query checked against the org (§2.9, §11): every column resolved to what it
//! reads (a field, `id`, a lookup's id, a field of the looked-up record, an attribute of the owner
//! user), every operator checked against the column's data type, every literal parsed into the
//! column's type. What comes out can be evaluated without further errors.
//!
//! Operators per type follow the sandbox's brief of Zoho's COQL rules (text-like: `= != in
//! not in like not like is null is not null`; numbers, dates, datetimes: `= != < <= > >= between
//! not between in not in is null is not null`; booleans: `= !=`; lookups and owners, compared by
//! id: `= != in not in is null is not null`; multi-select: as text-like).

use std::cmp::Ordering;

use chrono::{DateTime, Datelike};

use super::cell::{Cell, Num, Pattern};
use super::error::CoqlError;
use super::parse::{COUNT_ID, CoqlExpr, CoqlQuery, CoqlValue};
use crate::catalog::{Catalog, Field, Module};
use crate::crm::records::parse_id;
use crate::crm::values::parse_date;
use crate::org::DataType;

/// How a column's values compare: the COQL view of Zoho's data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Number,
    Date,
    Datetime,
    Boolean,
    /// Lookups and owners: compared by the target's id.
    Ref,
    /// Multi-select picklists: a set of options.
    Multi,
}

impl Kind {
    fn of(data_type: DataType) -> Kind {
        use DataType as T;
        match data_type {
            T::Text | T::Textarea | T::Email | T::Phone | T::Website | T::Picklist | T::AutoNumber | T::Formula => Kind::Text,
            T::Integer | T::Bigint | T::Double | T::Currency | T::Percent | T::Decimal => Kind::Number,
            T::Date => Kind::Date,
            T::Datetime => Kind::Datetime,
            T::Boolean => Kind::Boolean,
            T::Lookup | T::OwnerLookup => Kind::Ref,
            T::MultiSelect => Kind::Multi,
        }
    }

    fn allows(self, op: &str) -> bool {
        const TEXT: [&str; 8] = ["=", "!=", "in", "not in", "like", "not like", "is null", "is not null"];
        const ORDERED: [&str; 12] =
            ["=", "!=", "<", "<=", ">", ">=", "between", "not between", "in", "not in", "is null", "is not null"];
        const REF: [&str; 6] = ["=", "!=", "in", "not in", "is null", "is not null"];
        match self {
            Kind::Text | Kind::Multi => TEXT.contains(&op),
            Kind::Number | Kind::Date | Kind::Datetime => ORDERED.contains(&op),
            // Booleans are never null in Zoho (unset reads as false), so the null tests do not apply.
            Kind::Boolean => ["=", "!="].contains(&op),
            Kind::Ref => REF.contains(&op),
        }
    }
}

/// The owner user's attributes a one-hop path may read (`Owner.email`); `Owner.id` is the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UserAttr {
    FirstName,
    LastName,
    FullName,
    Email,
}

/// Where a column's value comes from.
#[derive(Debug, Clone)]
pub(super) enum Source {
    /// The record's `id`.
    Id,
    /// A field of the record.
    Field(Field),
    /// The id a lookup or owner field points to (`Contact_Name.id`, `Owner.id`).
    LookupId(String),
    /// A field of the record a lookup points to (`Contact_Name.Full_Name`).
    Related { lookup: String, module: String, field: Field },
    /// An attribute of the user an owner-type field points to (`Owner.first_name`).
    User { lookup: String, attr: UserAttr },
}

#[derive(Debug, Clone)]
pub(super) struct Column {
    /// As written in the query: the key of the answer's row.
    pub name: String,
    pub source: Source,
    pub kind: Kind,
}

/// What a condition tests; `negated` is the `not`/`!=` form. Every test but the null tests is
/// false on a null value (SQL's rule; Zoho's handling of nulls under `!=`, `not in`, `not like`
/// and `not between` is UNCONFIRMED).
///
/// Multi-select semantics are a sandbox assumption (Zoho documents none for COQL): the value is
/// the set of selected options; `=` / `!=` test whether it includes the option, `in` / `not in`
/// whether it includes any / none of them, `like` / `not like` whether some / no option matches,
/// and an empty selection is null.
#[derive(Debug, Clone)]
pub(super) enum Test {
    /// `=` / `!=`; on multi-select: the selection includes / excludes the option.
    Equal {
        value: Cell,
        negated: bool,
    },
    /// `<`, `<=`, `>`, `>=`: which orderings of (record value vs literal) pass.
    Compare {
        value: Cell,
        accept: [Ordering; 2],
    },
    Between {
        low: Cell,
        high: Cell,
        negated: bool,
    },
    /// `in` / `not in`; on multi-select: the selection includes any / none of the options.
    In {
        values: Vec<Cell>,
        negated: bool,
    },
    /// `like` / `not like`; on multi-select: some selected option matches / none does.
    Like {
        pattern: Pattern,
        negated: bool,
    },
    /// `is null` / `is not null`; an empty multi-select selection is null.
    Null {
        negated: bool,
    },
}

#[derive(Debug, Clone)]
pub(super) enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Cond { column: Box<Column>, test: Test },
}

/// What the select clause asks for.
#[derive(Debug, Clone)]
pub(super) enum Selection {
    Count,
    Columns(Vec<Column>),
}

/// A query ready to run on one module.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub module: String,
    pub selection: Selection,
    pub filter: Option<Filter>,
    pub order_by: Vec<(Column, bool)>,
    pub limit: usize,
    pub offset: usize,
}

/// Rows per answer when the query has no `limit` (§2.9).
const DEFAULT_LIMIT: usize = 200;

/// Checks `query` against `module` (looked-up modules from `catalog`).
pub(super) fn plan(query: &CoqlQuery, module: &Module, catalog: &Catalog) -> Result<Plan, CoqlError> {
    let selection = if query.select.iter().any(|s| s == COUNT_ID) {
        Selection::Count
    } else {
        Selection::Columns(query.select.iter().map(|name| column(name, module, catalog)).collect::<Result<_, _>>()?)
    };
    let filter = query.filter.as_ref().map(|expr| filter(expr, module, catalog)).transpose()?;
    let order_by = query
        .order_by
        .iter()
        .map(|(name, descending)| Ok((column(name, module, catalog)?, *descending)))
        .collect::<Result<_, CoqlError>>()?;
    Ok(Plan {
        module: module.api_name.clone(),
        selection,
        filter,
        order_by,
        limit: query.limit.map_or(DEFAULT_LIMIT, |l| l as usize),
        offset: query.offset.unwrap_or(0) as usize,
    })
}

/// Resolves a column name or a one-hop path.
fn column(name: &str, module: &Module, catalog: &Catalog) -> Result<Column, CoqlError> {
    let invalid = || CoqlError::InvalidColumn { column_name: name.to_string() };
    let made = |source: Source, kind: Kind| Ok(Column { name: name.to_string(), source, kind });
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        ["id"] => made(Source::Id, Kind::Number),
        [field] => {
            let field = module.field(field).ok_or_else(invalid)?;
            made(Source::Field(field.clone()), Kind::of(field.kind))
        }
        [lookup, target] => {
            let field = module.field(lookup).ok_or_else(invalid)?;
            match (field.kind, *target) {
                (DataType::Lookup | DataType::OwnerLookup, "id") => made(Source::LookupId(field.api_name.clone()), Kind::Ref),
                // The owner is a user: Zoho's Users fields are lower-case API names.
                (DataType::OwnerLookup, attr) => {
                    let attr = match attr {
                        "first_name" => UserAttr::FirstName,
                        "last_name" => UserAttr::LastName,
                        "full_name" => UserAttr::FullName,
                        "email" => UserAttr::Email,
                        _ => return Err(invalid()),
                    };
                    made(Source::User { lookup: field.api_name.clone(), attr }, Kind::Text)
                }
                (DataType::Lookup, target) => {
                    let module = field.lookup_module.as_deref().and_then(|m| catalog.module(m)).ok_or_else(invalid)?;
                    let target = module.field(target).ok_or_else(invalid)?;
                    made(
                        Source::Related {
                            lookup: field.api_name.clone(),
                            module: module.api_name.clone(),
                            field: target.clone(),
                        },
                        Kind::of(target.kind),
                    )
                }
                _ => Err(invalid()),
            }
        }
        // Zoho allows two hops; the sandbox implements one.
        _ => Err(CoqlError::NotSupported),
    }
}

fn filter(expr: &CoqlExpr, module: &Module, catalog: &Catalog) -> Result<Filter, CoqlError> {
    Ok(match expr {
        CoqlExpr::And(a, b) => Filter::And(Box::new(filter(a, module, catalog)?), Box::new(filter(b, module, catalog)?)),
        CoqlExpr::Or(a, b) => Filter::Or(Box::new(filter(a, module, catalog)?), Box::new(filter(b, module, catalog)?)),
        CoqlExpr::Cond { field, op, values } => {
            let column = column(field, module, catalog)?;
            if !column.kind.allows(op) {
                return Err(CoqlError::InvalidOperator { column_name: field.clone(), operator: op.clone() });
            }
            let cells = values.iter().map(|v| literal(&column, v)).collect::<Result<Vec<Cell>, _>>()?;
            let first = || cells.first().cloned().unwrap_or(Cell::Null);
            let test = match op.as_str() {
                "=" | "!=" => Test::Equal { value: first(), negated: op == "!=" },
                "<" => Test::Compare { value: first(), accept: [Ordering::Less, Ordering::Less] },
                "<=" => Test::Compare { value: first(), accept: [Ordering::Less, Ordering::Equal] },
                ">" => Test::Compare { value: first(), accept: [Ordering::Greater, Ordering::Greater] },
                ">=" => Test::Compare { value: first(), accept: [Ordering::Greater, Ordering::Equal] },
                "between" | "not between" => Test::Between {
                    low: first(),
                    high: cells.get(1).cloned().unwrap_or(Cell::Null),
                    negated: op.starts_with("not"),
                },
                "in" | "not in" => Test::In { values: cells, negated: op.starts_with("not") },
                "like" | "not like" => Test::Like {
                    pattern: Pattern::new(&values.first().map(CoqlValue::text).unwrap_or_default()),
                    negated: op.starts_with("not"),
                },
                "is null" | "is not null" => Test::Null { negated: op == "is not null" },
                _ => return Err(CoqlError::UnsupportedOperator { operator: op.clone() }),
            };
            Filter::Cond { column: Box::new(column), test }
        }
    })
}

/// A literal in the column's type, or `INVALID_QUERY` "value given seems to be invalid for the
/// column". The sandbox is lenient where Zoho's strictness is unknown: a number or boolean is
/// accepted against text, and a quoted number against a number column.
fn literal(column: &Column, value: &CoqlValue) -> Result<Cell, CoqlError> {
    let text = value.text();
    let invalid = || CoqlError::InvalidValue { column_name: column.name.clone(), value: text.clone() };
    let quoted = match value {
        CoqlValue::Text(t) => Some(t.as_str()),
        _ => None,
    };
    Ok(match column.kind {
        Kind::Text | Kind::Multi => Cell::Text(text.to_lowercase()),
        Kind::Number => match value {
            CoqlValue::Bool(_) => return Err(invalid()),
            _ => Cell::Num(Num::parse(&text).ok_or_else(invalid)?),
        },
        Kind::Date => Cell::Day(quoted.and_then(parse_date).ok_or_else(invalid)?.num_days_from_ce()),
        Kind::Datetime => Cell::Instant(
            quoted.and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok()).ok_or_else(invalid)?.timestamp_millis(),
        ),
        Kind::Boolean => match value {
            CoqlValue::Bool(b) => Cell::Bool(*b),
            CoqlValue::Text(t) if t.eq_ignore_ascii_case("true") => Cell::Bool(true),
            CoqlValue::Text(t) if t.eq_ignore_ascii_case("false") => Cell::Bool(false),
            _ => return Err(invalid()),
        },
        Kind::Ref => Cell::Ref(parse_id(&text).ok_or_else(invalid)?),
    })
}
