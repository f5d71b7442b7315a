//! Why a COQL query is refused: one variant per answer Zoho documents (§2.9, §11: the OAS examples
//! of `executeCOQLQuery` give the codes, messages and `details` keys), and the conversion into the
//! request-level error envelope. Syntax errors come from the parser; column, value and operator
//! errors from checking the query against the module's fields.

use std::fmt;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::http::ApiError;

/// A refused COQL query, as the sandbox's `POST /crm/v8/coql` answers it (always HTTP 400).
#[derive(Debug, Clone, PartialEq)]
pub enum CoqlError {
    /// `SYNTAX_ERROR` "unexpected token", details `{"line","column","near"}` (1-based positions).
    UnexpectedToken { line: usize, column: usize, near: String },
    /// `SYNTAX_ERROR` "error occured while parsing the query" (Zoho's spelling), details `{"near"}`:
    /// the query ends too early or a string is not terminated.
    Unparsable { near: String },
    /// `SYNTAX_ERROR` "missing clause", details `{"clause"}` (e.g. no `from`).
    MissingClause { clause: String },
    /// `SYNTAX_ERROR` "operator not supported", details `{"operator"}` (e.g. `<>`, a leading `not`).
    UnsupportedOperator { operator: String },
    /// `SYNTAX_ERROR` "given coql query not supported", details `{}`: COQL that Zoho runs but the
    /// sandbox does not implement (GROUP BY, aliases, SUM/MIN/MAX/AVG, paths of two hops).
    NotSupported,
    /// `INVALID_DATA` "invalid data", details `{"reason":"unsupported aggregate function","column"}`.
    UnsupportedFunction { column: String },
    /// `LIMIT_EXCEEDED`, details `{"clause","limit"}`: more select columns (50), conditions (25),
    /// `in` values (50) or order-by columns (10) than allowed, a `limit` above 2000, or rows beyond
    /// 100,000 (`clause` `offset`).
    LimitExceeded { clause: String, limit: u64 },
    /// `DUPLICATE_DATA`, details `{"column_name"}`: a column twice in `select` or in `order by`.
    DuplicateColumn { clause: String, column_name: String },
    /// `INVALID_QUERY` "limit given seems to be invalid", details `{key: value}` where `key` is
    /// `limit` or `offset`.
    InvalidLimit { key: String, value: String },
    /// `INVALID_DATA` "limit should be greater than 0", details `{}`.
    NonPositiveLimit,
    /// `INVALID_MODULE` "the module name given seems to be invalid", details `{}`.
    InvalidModule { module: String },
    /// `INVALID_QUERY` "column given seems to be invalid", details `{"column_name"}`.
    InvalidColumn { column_name: String },
    /// `INVALID_QUERY` "value given seems to be invalid for the column", details
    /// `{"column_name","value"}`.
    InvalidValue { column_name: String, value: String },
    /// `INVALID_QUERY` "Invalid query formed", details `{"reason":"invalid operator found",
    /// "column_name","operator"}`: the operator does not apply to the column's data type.
    InvalidOperator { column_name: String, operator: String },
}

impl CoqlError {
    /// Zoho's error code.
    pub fn code(&self) -> &'static str {
        use CoqlError::*;
        match self {
            UnexpectedToken { .. } | Unparsable { .. } | MissingClause { .. } | UnsupportedOperator { .. } | NotSupported => {
                "SYNTAX_ERROR"
            }
            UnsupportedFunction { .. } | NonPositiveLimit => "INVALID_DATA",
            LimitExceeded { .. } => "LIMIT_EXCEEDED",
            DuplicateColumn { .. } => "DUPLICATE_DATA",
            InvalidModule { .. } => "INVALID_MODULE",
            InvalidLimit { .. } | InvalidColumn { .. } | InvalidValue { .. } | InvalidOperator { .. } => "INVALID_QUERY",
        }
    }

    /// Zoho's message (the OAS examples' wording where one exists).
    pub fn message(&self) -> &'static str {
        use CoqlError::*;
        match self {
            UnexpectedToken { .. } => "unexpected token",
            Unparsable { .. } => "error occured while parsing the query",
            MissingClause { .. } => "missing clause",
            UnsupportedOperator { .. } => "operator not supported",
            NotSupported => "given coql query not supported",
            UnsupportedFunction { .. } => "invalid data",
            LimitExceeded { .. } => "limit exceeded",
            // The OAS example names the select clause; the order-by wording is UNCONFIRMED.
            DuplicateColumn { clause, .. } if clause == "order by" => "duplicate order by column",
            DuplicateColumn { .. } => "duplicate select column",
            InvalidLimit { .. } => "limit given seems to be invalid",
            NonPositiveLimit => "limit should be greater than 0",
            InvalidModule { .. } => "the module name given seems to be invalid",
            InvalidColumn { .. } => "column given seems to be invalid",
            InvalidValue { .. } => "value given seems to be invalid for the column",
            InvalidOperator { .. } => "Invalid query formed",
        }
    }

    /// The error's `details` object.
    pub fn details(&self) -> Value {
        use CoqlError::*;
        match self {
            UnexpectedToken { line, column, near } => json!({ "line": line, "column": column, "near": near }),
            Unparsable { near } => json!({ "near": near }),
            MissingClause { clause } => json!({ "clause": clause }),
            UnsupportedOperator { operator } => json!({ "operator": operator }),
            NotSupported | NonPositiveLimit | InvalidModule { .. } => json!({}),
            UnsupportedFunction { column } => json!({ "reason": "unsupported aggregate function", "column": column }),
            LimitExceeded { clause, limit } => json!({ "clause": clause, "limit": limit }),
            DuplicateColumn { column_name, .. } | InvalidColumn { column_name } => json!({ "column_name": column_name }),
            InvalidLimit { key, value } => json!({ key.as_str(): value }),
            InvalidValue { column_name, value } => json!({ "column_name": column_name, "value": value }),
            InvalidOperator { column_name, operator } => {
                json!({ "reason": "invalid operator found", "column_name": column_name, "operator": operator })
            }
        }
    }
}

impl fmt::Display for CoqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.code(), self.message(), self.details())
    }
}

impl std::error::Error for CoqlError {}

impl From<CoqlError> for ApiError {
    fn from(error: CoqlError) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error.code(), error.message()).details(error.details())
    }
}
