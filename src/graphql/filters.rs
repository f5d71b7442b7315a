//! Typed filters and ordering for every module's list (`where:`, `orderBy:`), translated to COQL
//! (`zoho::coql`). One table, `FILTERS`, says which filter type each field kind gets, which
//! operators it has and what each becomes in COQL; the GraphQL input types and the translation
//! are both made from it. Every value is checked against its field's type here, and Zoho's limits
//! are met here, so a bad filter is refused before any Zoho call.

use async_graphql::dynamic::{Enum, EnumItem, InputObject, InputValue, Type, TypeRef};
use async_graphql::{Name, Value};
use serde_json::Value as Json;

use crate::error::GatewayError;
use crate::meta::model::TextKind;
use crate::meta::{FieldDef, FieldKind, ModuleDef};
use crate::zoho::coql::{self, Condition, CoqlOp, Filter, Literal};

/// Longest text value in a filter.
const MAX_TEXT: usize = 255;

/// How an operator's argument is shaped and what it becomes in COQL.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// One value: `field op value`.
    One(CoqlOp),
    /// One text value inside a `like` pattern: `%` added before and/or after.
    Like { before: bool, after: bool },
    /// A list of 1 to 50 values: `in` / `not in`.
    List(CoqlOp),
    /// Two values: `between a and b`.
    Pair,
    /// `true` → `is null`, `false` → `is not null`.
    Null,
}

struct Operator {
    name: &'static str,
    shape: Shape,
    doc: &'static str,
}

const fn op(name: &'static str, shape: Shape, doc: &'static str) -> Operator {
    Operator { name, shape, doc }
}

const EQ: Operator = op("eq", Shape::One(CoqlOp::Eq), "Equal to.");
const NE: Operator = op("ne", Shape::One(CoqlOp::Ne), "Not equal to (records without a value do not match).");
const IN: Operator = op("in", Shape::List(CoqlOp::In), "One of these (at most 50).");
const NOT_IN: Operator = op("notIn", Shape::List(CoqlOp::NotIn), "None of these (at most 50).");
const IS_NULL: Operator = op("isNull", Shape::Null, "`true`: has no value; `false`: has a value.");

/// A filter input type: its name, the GraphQL type of its values, and its operators.
struct FilterType {
    name: &'static str,
    scalar: &'static str,
    doc: &'static str,
    ops: &'static [Operator],
}

const ORDERED_OPS: &[Operator] = &[
    EQ,
    NE,
    op("gt", Shape::One(CoqlOp::Gt), "Greater than."),
    op("gte", Shape::One(CoqlOp::Ge), "Greater than or equal to."),
    op("lt", Shape::One(CoqlOp::Lt), "Less than."),
    op("lte", Shape::One(CoqlOp::Le), "Less than or equal to."),
    op("between", Shape::Pair, "Between two values, both included: `[from, to]`."),
    IN,
    NOT_IN,
    IS_NULL,
];

const fn ordered(name: &'static str, scalar: &'static str, doc: &'static str) -> FilterType {
    FilterType { name, scalar, doc, ops: ORDERED_OPS }
}

/// The filter types. Every operator given in one filter object must hold (they are joined by `and`).
const FILTERS: &[FilterType] = &[
    FilterType {
        name: "StringFilter",
        scalar: TypeRef::STRING,
        doc: "Conditions on a text field (text, email, phone, website, picklist, …). Zoho compares text without regard \
              to case. `startsWith`, `endsWith` and `contains` take text without `%` or `_`.",
        ops: &[
            EQ,
            NE,
            IN,
            NOT_IN,
            op("startsWith", Shape::Like { before: false, after: true }, "Starts with this text."),
            op("endsWith", Shape::Like { before: true, after: false }, "Ends with this text."),
            op("contains", Shape::Like { before: true, after: true }, "Contains this text."),
            IS_NULL,
        ],
    },
    ordered("IntFilter", TypeRef::INT, "Conditions on a whole-number field."),
    ordered("FloatFilter", TypeRef::FLOAT, "Conditions on a decimal, currency or percent field."),
    ordered("BigIntFilter", "BigInt", "Conditions on a long whole-number field."),
    ordered("DateFilter", "Date", "Conditions on a date field (`YYYY-MM-DD`)."),
    ordered("DateTimeFilter", "DateTime", "Conditions on a date-time field (RFC 3339, with offset)."),
    FilterType { name: "BooleanFilter", scalar: TypeRef::BOOLEAN, doc: "Conditions on a checkbox field.", ops: &[EQ] },
    FilterType {
        name: "MultiSelectFilter",
        scalar: TypeRef::STRING,
        doc: "Conditions on a multi-select picklist.",
        ops: &[
            op("contains", Shape::One(CoqlOp::Eq), "The selection includes this option."),
            op("containsAny", Shape::List(CoqlOp::In), "The selection includes one of these options (at most 50)."),
            IS_NULL,
        ],
    },
    FilterType {
        name: "IdFilter",
        scalar: TypeRef::ID,
        doc: "Conditions on a user or lookup field, by the id of the user or record.",
        ops: &[EQ, NE, IN, NOT_IN, IS_NULL],
    },
];

fn filter_type(kind: &FieldKind) -> &'static FilterType {
    let name = match kind {
        FieldKind::Text(_) => "StringFilter",
        FieldKind::Int => "IntFilter",
        FieldKind::Float => "FloatFilter",
        FieldKind::BigInt => "BigIntFilter",
        FieldKind::Date => "DateFilter",
        FieldKind::DateTime => "DateTimeFilter",
        FieldKind::Boolean => "BooleanFilter",
        FieldKind::MultiSelect => "MultiSelectFilter",
        FieldKind::User | FieldKind::Lookup { .. } => "IdFilter",
    };
    FILTERS.iter().find(|f| f.name == name).unwrap_or(&FILTERS[0])
}

/// Fields a `where` can name (`and` and `or` are the where's own).
fn filterable(m: &ModuleDef) -> impl Iterator<Item = &FieldDef> {
    m.fields.iter().filter(|f| f.gql_name != "and" && f.gql_name != "or")
}

/// Fields an `orderBy` can name: single values Zoho can compare.
fn sortable(m: &ModuleDef) -> impl Iterator<Item = &FieldDef> {
    m.fields.iter().filter(|f| match f.kind {
        FieldKind::Text(kind) => kind != TextKind::TextArea,
        FieldKind::Int | FieldKind::BigInt | FieldKind::Float | FieldKind::Date | FieldKind::DateTime | FieldKind::Boolean => {
            true
        }
        FieldKind::MultiSelect | FieldKind::User | FieldKind::Lookup { .. } => false,
    })
}

/// `lastName` → `LAST_NAME`.
fn screaming(gql: &str) -> String {
    let mut out = String::with_capacity(gql.len() + 4);
    for (i, c) in gql.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The filter types every schema has.
pub fn shared_types() -> Vec<Type> {
    FILTERS
        .iter()
        .map(|ft| {
            let mut input = InputObject::new(ft.name).description(ft.doc);
            for o in ft.ops {
                let ty = match o.shape {
                    Shape::List(_) | Shape::Pair => TypeRef::named_nn_list(ft.scalar),
                    Shape::Null => TypeRef::named(TypeRef::BOOLEAN),
                    Shape::One(_) | Shape::Like { .. } => TypeRef::named(ft.scalar),
                };
                input = input.field(InputValue::new(o.name, ty).description(o.doc));
            }
            input.into()
        })
        .collect()
}

/// `<T>Where`, `<T>Order` and `<T>OrderField` of one module.
pub fn module_types(m: &ModuleDef) -> Vec<Type> {
    let t = &m.type_name;
    let where_name = format!("{t}Where");
    let mut filter = InputObject::new(where_name.as_str())
        .description(format!(
            "Which {} to list: every field given must match; `and` and `or` combine nested filters. At most {} \
             conditions in all.",
            m.plural_label,
            coql::MAX_CONDITIONS
        ))
        .field(InputValue::new("and", TypeRef::named_nn_list(where_name.as_str())).description("All of these."))
        .field(InputValue::new("or", TypeRef::named_nn_list(where_name.as_str())).description("At least one of these."));
    for f in filterable(m) {
        filter = filter.field(
            InputValue::new(f.gql_name.as_str(), TypeRef::named(filter_type(&f.kind).name))
                .description(format!("{} (Zoho: `{}`, {})", f.label, f.api_name, f.data_type)),
        );
    }
    let mut fields = Enum::new(format!("{t}OrderField")).description(format!("Fields {} can be ordered by.", m.plural_label));
    for f in sortable(m) {
        fields = fields.item(EnumItem::new(screaming(&f.gql_name)).description(format!("{} (Zoho: `{}`)", f.label, f.api_name)));
    }
    let order = InputObject::new(format!("{t}Order"))
        .description("One ordering key; the first key of `orderBy` orders first.")
        .field(InputValue::new("field", TypeRef::named_nn(format!("{t}OrderField"))))
        .field(InputValue::new("direction", TypeRef::named_nn("SortOrder")).default_value(Value::Enum(Name::new("ASC"))));
    vec![filter.into(), fields.into(), order.into()]
}

/// The COQL filter of a `where` argument (already coerced to its input type by async-graphql, as
/// JSON); `None` when it selects everything.
pub fn filter_of(m: &ModuleDef, input: &Json) -> Result<Option<Filter>, GatewayError> {
    let filter = translate(m, input, "where")?.simplified();
    let n = filter.as_ref().map_or(0, Filter::conditions);
    if n > coql::MAX_CONDITIONS {
        return Err(GatewayError::bad_input(
            Some("where"),
            format!("This filter has {n} conditions; Zoho allows at most {} in one query.", coql::MAX_CONDITIONS),
        ));
    }
    Ok(filter)
}

fn translate(m: &ModuleDef, input: &Json, path: &str) -> Result<Filter, GatewayError> {
    let Some(object) = input.as_object() else { return Ok(Filter::And(Vec::new())) };
    let mut all = Vec::new();
    for (name, value) in object {
        if value.is_null() {
            continue;
        }
        match name.as_str() {
            "and" | "or" => {
                let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
                if name == "or" && items.is_empty() {
                    return Err(GatewayError::bad_input(Some(&format!("{path}.or")), "`or` needs at least one filter."));
                }
                let mut nested = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    nested.push(translate(m, item, &format!("{path}.{name}[{i}]"))?);
                }
                all.push(if name == "and" { Filter::And(nested) } else { Filter::Or(nested) });
            }
            gql => {
                let field =
                    m.field(gql).ok_or_else(|| GatewayError::bad_input(Some(&format!("{path}.{gql}")), "No such field."))?;
                all.extend(conditions(field, value, &format!("{path}.{gql}"))?);
            }
        }
    }
    Ok(Filter::And(all))
}

/// The conditions of one field's filter object.
fn conditions(field: &FieldDef, input: &Json, path: &str) -> Result<Vec<Filter>, GatewayError> {
    let ft = filter_type(&field.kind);
    let mut out = Vec::new();
    let Some(object) = input.as_object() else { return Ok(out) };
    for (name, value) in object {
        if value.is_null() {
            continue;
        }
        let at = format!("{path}.{name}");
        let o = ft.ops.iter().find(|o| o.name == name).ok_or_else(|| GatewayError::bad_input(Some(&at), "No such operator."))?;
        let list = || value.as_array().map(Vec::as_slice).unwrap_or_default();
        let (op, values) = match o.shape {
            Shape::One(op) => (op, vec![literal(field, value, &at)?]),
            Shape::Like { before, after } => {
                let text = like_text(value, &at)?;
                let pattern = format!("{}{text}{}", if before { "%" } else { "" }, if after { "%" } else { "" });
                (CoqlOp::Like, vec![Literal::Text(pattern)])
            }
            Shape::List(op) => {
                let items = list();
                if items.is_empty() || items.len() > coql::MAX_IN_VALUES {
                    return Err(GatewayError::bad_input(
                        Some(&at),
                        format!("Give between 1 and {} values.", coql::MAX_IN_VALUES),
                    ));
                }
                (op, items.iter().map(|v| literal(field, v, &at)).collect::<Result<_, _>>()?)
            }
            Shape::Pair => {
                let items = list();
                if items.len() != 2 {
                    return Err(GatewayError::bad_input(Some(&at), "`between` takes two values: [from, to]."));
                }
                (CoqlOp::Between, items.iter().map(|v| literal(field, v, &at)).collect::<Result<_, _>>()?)
            }
            Shape::Null => (if value.as_bool() == Some(false) { CoqlOp::IsNotNull } else { CoqlOp::IsNull }, Vec::new()),
        };
        out.push(Filter::Cond(Condition { field: field.api_name.clone(), op, values }));
    }
    Ok(out)
}

/// Text for a `like` pattern: Zoho documents no escape for `%` and `_`, so text holding them
/// could match more than asked; it is refused rather than guessed at.
fn like_text<'v>(value: &'v Json, at: &str) -> Result<&'v str, GatewayError> {
    let text = value.as_str().unwrap_or_default();
    if text.is_empty() {
        return Err(GatewayError::bad_input(Some(at), "Give at least one character."));
    }
    if text.contains(['%', '_']) {
        return Err(GatewayError::bad_input(Some(at), "`%` and `_` cannot be matched here; use `eq` or `in` for such text."));
    }
    check_text(text, at)?;
    Ok(text)
}

fn check_text(text: &str, at: &str) -> Result<(), GatewayError> {
    if text.chars().count() > MAX_TEXT {
        return Err(GatewayError::bad_input(Some(at), format!("At most {MAX_TEXT} characters.")));
    }
    if text.chars().any(char::is_control) {
        return Err(GatewayError::bad_input(Some(at), "Control characters cannot be matched."));
    }
    Ok(())
}

/// One value as a COQL literal of the field's type.
fn literal(field: &FieldDef, value: &Json, at: &str) -> Result<Literal, GatewayError> {
    let bad = |what: &str| GatewayError::bad_input(Some(at), format!("Expected {what}."));
    Ok(match &field.kind {
        FieldKind::Text(_) | FieldKind::MultiSelect => {
            let text = value.as_str().ok_or_else(|| bad("text"))?;
            check_text(text, at)?;
            Literal::Text(text.to_owned())
        }
        FieldKind::Int => Literal::Number(value.as_i64().ok_or_else(|| bad("a whole number"))?.to_string()),
        FieldKind::Float => {
            let n = value.as_f64().filter(|n| n.is_finite()).ok_or_else(|| bad("a number"))?;
            Literal::Number(serde_json::Number::from_f64(n).map(|n| n.to_string()).unwrap_or_default())
        }
        FieldKind::BigInt => {
            let s = value.as_str().unwrap_or_default();
            let digits = s.strip_prefix('-').unwrap_or(s);
            if digits.is_empty() || digits.len() > 19 || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad("a whole number written as a string of digits"));
            }
            Literal::Number(s.to_owned())
        }
        FieldKind::Boolean => Literal::Bool(value.as_bool().ok_or_else(|| bad("true or false"))?),
        FieldKind::Date => {
            let s = value.as_str().unwrap_or_default();
            let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad("a date, YYYY-MM-DD"))?;
            Literal::Text(date.format("%Y-%m-%d").to_string())
        }
        FieldKind::DateTime => {
            let s = value.as_str().unwrap_or_default();
            let at_time = chrono::DateTime::parse_from_rfc3339(s).map_err(|_| bad("a date and time, RFC 3339 with offset"))?;
            Literal::Text(at_time.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
        }
        FieldKind::User | FieldKind::Lookup { .. } => {
            let id = value.as_str().unwrap_or_default();
            if !crate::meta::validate::is_record_id(id) {
                return Err(bad("an id (a string of digits)"));
            }
            Literal::Text(id.to_owned())
        }
    })
}

/// The ORDER BY of an `orderBy` argument: (field API name, descending).
pub fn order_of(m: &ModuleDef, input: &Json) -> Result<Vec<(String, bool)>, GatewayError> {
    let items = input.as_array().map(Vec::as_slice).unwrap_or_default();
    if items.len() > coql::MAX_ORDER {
        return Err(GatewayError::bad_input(Some("orderBy"), format!("Order by at most {} fields.", coql::MAX_ORDER)));
    }
    let mut order: Vec<(String, bool)> = Vec::new();
    for item in items {
        let name = item.get("field").and_then(Json::as_str).unwrap_or_default();
        let field = sortable(m)
            .find(|f| screaming(&f.gql_name) == name)
            .ok_or_else(|| GatewayError::bad_input(Some("orderBy"), "This field cannot be ordered by."))?;
        if order.iter().any(|(api, _)| *api == field.api_name) {
            return Err(GatewayError::bad_input(Some("orderBy"), format!("{name} is listed twice.")));
        }
        order.push((field.api_name.clone(), item.get("direction").and_then(Json::as_str) == Some("DESC")));
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_field_names() {
        assert_eq!(screaming("lastName"), "LAST_NAME");
        assert_eq!(screaming("createdTime"), "CREATED_TIME");
        assert_eq!(screaming("fees"), "FEES");
    }

    #[test]
    fn every_kind_has_a_filter_type() {
        for kind in [FieldKind::Int, FieldKind::BigInt, FieldKind::Boolean, FieldKind::MultiSelect, FieldKind::User] {
            assert_ne!(filter_type(&kind).name, "StringFilter", "{kind:?}");
        }
    }
}
