//! The gateway's own types, the same for every org: the session (`Session`, `CrmUser`, `CrmOrg`,
//! `LoginRequest`), `SortOrder`, references to records of modules that are not
//! exposed (`RecordRef`), the module metadata for forms (`CrmModule`, `CrmField`,
//! `CrmFieldOption`) and the scalars `Date`, `DateTime` and `BigInt`. Their values are JSON
//! objects; each field reads one key, without a boxed future.

use async_graphql::dynamic::{Enum, EnumItem, Field, FieldFuture, FieldValue, Object, Scalar, TypeRef};
use async_graphql::{Error, Value};
use serde_json::Value as Json;

/// A field of a JSON-valued object that reads `key` (`null` when absent).
pub fn json_field(name: &str, ty: TypeRef, key: &'static str, description: &str) -> Field {
    Field::new(name, ty, move |ctx| match ctx.parent_value.try_downcast_ref::<Json>() {
        Ok(parent) => match parent.get(key) {
            None | Some(Json::Null) => FieldFuture::Value(None),
            Some(Json::Object(_)) | Some(Json::Array(_)) => FieldFuture::Value(parent.get(key).map(|v| json_value(v.clone()))),
            Some(v) => FieldFuture::from_value(Value::from_json(v.clone()).ok()),
        },
        Err(e) => FieldFuture::new(async move { Err::<Option<FieldValue>, Error>(e) }),
    })
    .description(description)
}

/// A JSON object or list as a value whose fields are resolved by `json_field`.
pub fn json_value(v: Json) -> FieldValue<'static> {
    match v {
        Json::Array(items) => FieldValue::list(items.into_iter().map(json_value)),
        Json::Object(_) => FieldValue::owned_any(v),
        other => Value::from_json(other).map(FieldValue::value).unwrap_or(FieldValue::NULL),
    }
}

/// A field of an object whose value is a JSON object of strings, read from the key of the same
/// name. The tables below define `CrmUser` and `RecordRef`, and tell the fast path for pages
/// (`graphql::nodes`) what it may read of them.
pub struct KeyField {
    pub name: &'static str,
    /// `ID` or `String`.
    pub scalar: &'static str,
    pub non_null: bool,
    pub description: &'static str,
}

/// The type of user fields (`owner`), and of the signed-in user.
pub const CRM_USER: &str = "CrmUser";
/// The type of lookups to modules that are not exposed.
pub const RECORD_REF: &str = "RecordRef";

pub const CRM_USER_FIELDS: &[KeyField] = &[
    KeyField { name: "id", scalar: TypeRef::ID, non_null: true, description: "The user's CRM id." },
    KeyField { name: "name", scalar: TypeRef::STRING, non_null: true, description: "Full name." },
    KeyField { name: "email", scalar: TypeRef::STRING, non_null: false, description: "Email address." },
];

pub const RECORD_REF_FIELDS: &[KeyField] = &[
    KeyField { name: "id", scalar: TypeRef::ID, non_null: true, description: "Zoho's record id." },
    KeyField { name: "name", scalar: TypeRef::STRING, non_null: false, description: "The record's display name." },
];

fn key_object(name: &str, description: &str, fields: &'static [KeyField]) -> Object {
    fields.iter().fold(Object::new(name).description(description), |object, f| {
        let ty = if f.non_null { TypeRef::named_nn(f.scalar) } else { TypeRef::named(f.scalar) };
        object.field(json_field(f.name, ty, f.name, f.description))
    })
}

pub fn types() -> Vec<async_graphql::dynamic::Type> {
    let s = || TypeRef::named(TypeRef::STRING);
    let s_nn = || TypeRef::named_nn(TypeRef::STRING);
    vec![
        Object::new("LoginRequest")
            .description("A Zoho sign-in in progress: open `url` (Zoho's consent page); Zoho redirects back with `state`.")
            .field(json_field("url", s_nn(), "url", "Zoho's authorization URL."))
            .field(json_field("state", s_nn(), "state", "The single-use state Zoho hands back."))
            .into(),
        Object::new("Session")
            .description("The signed-in user and org of this browser.")
            .field(json_field("user", TypeRef::named_nn("CrmUser"), "user", "Who is signed in."))
            .field(json_field("org", TypeRef::named_nn("CrmOrg"), "org", "Their CRM organisation."))
            .field(json_field(
                "expiresAt",
                TypeRef::named_nn("DateTime"),
                "expiresAt",
                "When this session ends and the user must sign in again.",
            ))
            .into(),
        key_object(CRM_USER, "A Zoho CRM user.", CRM_USER_FIELDS).into(),
        Object::new("CrmOrg")
            .description("A Zoho CRM organisation.")
            .field(json_field("id", TypeRef::named_nn(TypeRef::ID), "id", "The org's id."))
            .field(json_field("name", s_nn(), "name", "The company name."))
            .field(json_field(
                "dataCenter",
                s_nn(),
                "dataCenter",
                "Zoho data-centre code of the org's accounts: `us`, `eu`, `in`, `au`, `cn`, `jp`, `ca`, `sa`.",
            ))
            .into(),
        key_object(RECORD_REF, "A record of a module this gateway does not expose: its id and display name.", RECORD_REF_FIELDS)
            .into(),
        Object::new("CrmModule")
            .description("A module's metadata from the org's snapshot, for building forms.")
            .field(json_field("apiName", s_nn(), "apiName", "Zoho's API name, e.g. `Leads`."))
            .field(json_field("graphqlType", s_nn(), "graphqlType", "The record type in this schema, e.g. `Lead`."))
            .field(json_field("singularLabel", s_nn(), "singularLabel", "The org's label for one record."))
            .field(json_field("pluralLabel", s_nn(), "pluralLabel", "The org's label for many records."))
            .field(json_field("fields", TypeRef::named_nn_list_nn("CrmField"), "fields", "The fields this schema serves."))
            .into(),
        Object::new("CrmField")
            .description("One field of a module: names, type, rules and options.")
            .field(json_field("apiName", s_nn(), "apiName", "Zoho's API name, e.g. `First_Name`."))
            .field(json_field("graphqlName", s_nn(), "graphqlName", "The field's name in this schema, e.g. `firstName`."))
            .field(json_field(
                "inputName",
                s_nn(),
                "inputName",
                "The field's name in inputs: the GraphQL name, or `<name>Id` for user fields (`ownerId`).",
            ))
            .field(json_field("label", s_nn(), "label", "The org's label."))
            .field(json_field("type", s_nn(), "type", "Zoho's data type: `text`, `picklist`, `date`, `lookup`, …"))
            .field(json_field("graphqlType", s_nn(), "graphqlType", "The field's output type in this schema."))
            .field(json_field("required", TypeRef::named_nn(TypeRef::BOOLEAN), "required", "A record needs a value."))
            .field(json_field(
                "readOnly",
                TypeRef::named_nn(TypeRef::BOOLEAN),
                "readOnly",
                "Not in inputs: Zoho (or this gateway) does not write it.",
            ))
            .field(json_field("maxLength", TypeRef::named(TypeRef::INT), "maxLength", "At most this many characters."))
            .field(json_field(
                "pattern",
                s(),
                "pattern",
                "The shape a value must have (emails, phones, web addresses): a regular expression that reads the same \
                 in JavaScript (`new RegExp(pattern)`) as in the gateway, which refuses a value that does not match.",
            ))
            .field(json_field(
                "patternMessage",
                s(),
                "patternMessage",
                "What the gateway says when a value does not match `pattern`.",
            ))
            .field(json_field(
                "options",
                TypeRef::named_nn_list_nn("CrmFieldOption"),
                "options",
                "Picklist options, in the org's order.",
            ))
            .field(json_field("lookupModule", s(), "lookupModule", "For lookups: the API name of the module looked up."))
            .into(),
        Object::new("CrmFieldOption")
            .description("A picklist option.")
            .field(json_field("value", s_nn(), "value", "What records hold (Zoho's `actual_value`)."))
            .field(json_field("label", s_nn(), "label", "What people see (Zoho's `display_value`)."))
            .into(),
        Enum::new("SortOrder").item(EnumItem::new("ASC")).item(EnumItem::new("DESC")).into(),
        // Only the shape (a string) is checked here: the content is checked with the record's other
        // fields, so that every bad field is reported at once with its name (meta::validate).
        Scalar::new("Date")
            .description(
                "A calendar date without a time or time zone, as a string `YYYY-MM-DD` (`\"2026-01-31\"`). \
                 Show it as it is: `new Date(\"2026-01-31\")` in JavaScript reads it as midnight UTC, shown as the day before \
                 in time zones west of UTC.",
            )
            .validator(|v| matches!(v, Value::String(_)))
            .into(),
        Scalar::new("DateTime")
            .description(
                "A moment in time, as an ISO 8601 (RFC 3339) string with its UTC offset \
                 (`\"2026-01-31T09:30:00+05:30\"`); `new Date(value)` reads it in JavaScript. Inputs need the \
                 offset (`Z` for UTC); Zoho CRM keeps whole seconds, so fractions are dropped.",
            )
            .validator(|v| matches!(v, Value::String(_)))
            .into(),
        Scalar::new("BigInt")
            .description(
                "A whole number too large for `Int` (up to 64 bits), sent and received as a string of digits \
                 (`\"9007199254740993\"`) because a JavaScript number loses digits past 2^53; use `BigInt(value)` \
                 to compute with it.",
            )
            .validator(|v| matches!(v, Value::String(_)))
            .into(),
    ]
}
