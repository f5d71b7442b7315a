//! The COQL grammar the sandbox accepts (§2.9), parsed into [`CoqlQuery`] without looking at the
//! org: `select <items> from <Module> where <expr> [order by <col> [asc|desc], …]
//! [limit <n> [offset <m>] | limit <m>, <n>]`. It enforces what Zoho checks in the text alone —
//! Zoho's pairwise parenthesis rule, the limits on columns, conditions and `in` values, duplicate
//! columns, the limit's range — and leaves columns, values and operators per type to `bind.rs`.
//! It must never panic or recurse without bound: nesting is capped.

use super::error::CoqlError;
use super::lex::{Tok, Token, excerpt, tokens};

/// Most select columns (§2.9).
const MAX_SELECT: usize = 50;
/// Most conditions in `where` (§2.9).
const MAX_CONDITIONS: usize = 25;
/// Most values in one `in` / `not in` (§2.9: 50 in the where clause).
const MAX_IN_VALUES: usize = 50;
/// Most order-by columns (§2.9).
const MAX_ORDER_BY: usize = 10;
/// Largest `limit` (§2.9: 2000 per call in v7/v8).
pub(crate) const MAX_LIMIT: u64 = 2000;
/// Rows reachable through `offset` (§2.9: 100,000 in v7/v8).
const MAX_ROWS: u64 = 100_000;
/// Deepest bracket nesting: 25 conditions need far less; hostile text must not exhaust the stack.
const MAX_DEPTH: usize = 64;
/// Aggregates Zoho has but the sandbox does not compute (only `COUNT(id)`).
const OTHER_AGGREGATES: [&str; 5] = ["count", "sum", "min", "max", "avg"];

/// The select item for the one aggregate the sandbox computes.
pub const COUNT_ID: &str = "COUNT(id)";

/// A parsed COQL query. Names are as written (case-sensitive API names); keywords are not kept.
#[derive(Debug, Clone, PartialEq)]
pub struct CoqlQuery {
    /// Column API names, one-hop paths (`Owner.email`), or [`COUNT_ID`] alone.
    pub select: Vec<String>,
    /// The module's API name after `from`.
    pub module: String,
    /// The `where` expression; always present in a parsed query (Zoho requires the clause).
    pub filter: Option<CoqlExpr>,
    /// Order-by columns with `true` for `desc`.
    pub order_by: Vec<(String, bool)>,
    /// `limit` as written (the endpoint defaults to 200).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// A `where` expression: conditions joined pairwise by `and` / `or`.
#[derive(Debug, Clone, PartialEq)]
pub enum CoqlExpr {
    And(Box<CoqlExpr>, Box<CoqlExpr>),
    Or(Box<CoqlExpr>, Box<CoqlExpr>),
    /// `op` is canonical lower case: `=`, `!=`, `<`, `<=`, `>`, `>=`, `between`, `not between`,
    /// `in`, `not in`, `like`, `not like`, `is null`, `is not null`. `values`: none for the null
    /// tests, two for the betweens, one or more for the ins, else one.
    Cond {
        field: String,
        op: String,
        values: Vec<CoqlValue>,
    },
}

/// A literal in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum CoqlValue {
    /// A quoted string, unescaped (`'O''Brien'` is `O'Brien`).
    Text(String),
    /// A bare number as written (kept as text so 19-digit ids stay exact).
    Number(String),
    /// `true` / `false`.
    Bool(bool),
}

impl CoqlValue {
    /// The value as text (for error details and text comparisons).
    pub fn text(&self) -> String {
        match self {
            CoqlValue::Text(text) | CoqlValue::Number(text) => text.clone(),
            CoqlValue::Bool(b) => b.to_string(),
        }
    }
}

/// Parses a COQL select query. Errors are Zoho's syntax-level answers; whether the module,
/// columns, operators and values exist or fit is checked by the endpoint against the org.
pub fn parse_coql(text: &str) -> Result<CoqlQuery, CoqlError> {
    let tokens = tokens(text)?;
    let mut parser = Parser { tokens, pos: 0, conditions: 0 };
    parser.query()
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    conditions: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_is(&self, word: &str) -> bool {
        self.peek().is_some_and(|t| t.is(word))
    }

    fn peek_punct(&self, c: char) -> bool {
        self.peek().is_some_and(|t| t.tok == Tok::Punct(c))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        if token.is_some() {
            self.pos += 1;
        }
        token
    }

    /// The error for "something else was expected here": the token found, or the end.
    fn unexpected(&self) -> CoqlError {
        match self.peek() {
            Some(token) => token.unexpected(),
            None => CoqlError::Unparsable { near: self.tokens.last().map(|t| excerpt(&t.text)).unwrap_or_default() },
        }
    }

    fn keyword(&mut self, word: &str) -> Result<(), CoqlError> {
        if self.peek_is(word) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn punct(&mut self, c: char) -> Result<(), CoqlError> {
        if self.peek_punct(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn query(&mut self) -> Result<CoqlQuery, CoqlError> {
        if self.peek().is_none() {
            return Err(CoqlError::MissingClause { clause: "select".into() });
        }
        self.keyword("select")?;
        let select = self.select_items()?;
        if self.peek().is_none() {
            return Err(CoqlError::MissingClause { clause: "from".into() });
        }
        self.keyword("from")?;
        let module = match self.next() {
            Some(Token { tok: Tok::Word(name), .. }) if is_path(&name) && !name.contains('.') => name,
            Some(token) => return Err(token.unexpected()),
            None => return Err(CoqlError::MissingClause { clause: "from".into() }),
        };
        // Zoho answers a query without WHERE with "missing clause" `{"clause":"where"}` (§11, the
        // OAS example; every Zoho sample writes `where id is not null` to select all), so the
        // sandbox requires one too: a client that always sends it works either way.
        if !self.peek_is("where") {
            return match self.peek() {
                Some(token) if !["order", "limit", "group"].iter().any(|k| token.is(k)) => Err(token.unexpected()),
                _ => Err(CoqlError::MissingClause { clause: "where".into() }),
            };
        }
        self.pos += 1;
        if self.peek().is_none() {
            return Err(CoqlError::Unparsable { near: "where".into() });
        }
        let filter = self.expr(0)?;
        if self.conditions > MAX_CONDITIONS {
            return Err(CoqlError::LimitExceeded { clause: "where".into(), limit: MAX_CONDITIONS as u64 });
        }
        let filter = Some(filter);
        if self.peek_is("group") {
            return Err(CoqlError::NotSupported);
        }
        let order_by = if self.peek_is("order") { self.order_by()? } else { Vec::new() };
        let (limit, offset) = if self.peek_is("limit") { self.limit()? } else { (None, None) };
        if self.peek().is_some() {
            return Err(self.unexpected());
        }
        Ok(CoqlQuery { select, module, filter, order_by, limit, offset })
    }

    fn select_items(&mut self) -> Result<Vec<String>, CoqlError> {
        let mut items: Vec<String> = Vec::new();
        loop {
            let item = self.select_item()?;
            if items.contains(&item) {
                return Err(CoqlError::DuplicateColumn { clause: "select".into(), column_name: item });
            }
            items.push(item);
            if self.peek_is("as") {
                // Aliases exist in Zoho's COQL; the sandbox does not implement them.
                return Err(CoqlError::NotSupported);
            }
            if !self.peek_punct(',') {
                break;
            }
            self.pos += 1;
        }
        if items.len() > MAX_SELECT {
            return Err(CoqlError::LimitExceeded { clause: "select".into(), limit: MAX_SELECT as u64 });
        }
        if items.len() > 1 && items.iter().any(|i| i == COUNT_ID) {
            // Mixing an aggregate with columns needs GROUP BY, which the sandbox does not do.
            return Err(CoqlError::NotSupported);
        }
        Ok(items)
    }

    fn select_item(&mut self) -> Result<String, CoqlError> {
        let Some(token) = self.next() else {
            return Err(self.unexpected());
        };
        match token.tok {
            Tok::Word(name) if self.peek_punct('(') => {
                self.pos += 1;
                let argument = match self.next() {
                    Some(Token { tok: Tok::Word(arg), .. }) if is_path(&arg) => arg,
                    Some(Token { tok: Tok::Punct('*'), .. }) => "*".to_string(),
                    Some(other) => return Err(other.unexpected()),
                    None => return Err(self.unexpected()),
                };
                self.punct(')')?;
                if name.eq_ignore_ascii_case("count") && argument == "id" {
                    Ok(COUNT_ID.to_string())
                } else if OTHER_AGGREGATES.iter().any(|a| name.eq_ignore_ascii_case(a)) {
                    Err(CoqlError::NotSupported)
                } else {
                    Err(CoqlError::UnsupportedFunction { column: format!("{name}({argument})") })
                }
            }
            Tok::Word(name) if is_path(&name) && !is_clause_keyword(&name) => Ok(name),
            // A column named like a reserved word is written in quotes (§2.9).
            Tok::Str(name) if is_path(&name) => Ok(name),
            _ => Err(token.unexpected()),
        }
    }

    /// term [(and|or) term] — Zoho's rule: more than two conditions need brackets pairwise, so a
    /// third term at one level is a syntax error.
    fn expr(&mut self, depth: usize) -> Result<CoqlExpr, CoqlError> {
        let left = self.term(depth)?;
        let and = if self.peek_is("and") {
            true
        } else if self.peek_is("or") {
            false
        } else {
            return Ok(left);
        };
        self.pos += 1;
        let right = self.term(depth)?;
        if self.peek_is("and") || self.peek_is("or") {
            return Err(self.unexpected());
        }
        let (left, right) = (Box::new(left), Box::new(right));
        Ok(if and { CoqlExpr::And(left, right) } else { CoqlExpr::Or(left, right) })
    }

    fn term(&mut self, depth: usize) -> Result<CoqlExpr, CoqlError> {
        if !self.peek_punct('(') {
            return self.condition();
        }
        if depth >= MAX_DEPTH {
            return Err(self.unexpected());
        }
        self.pos += 1;
        let expr = self.expr(depth + 1)?;
        self.punct(')')?;
        Ok(expr)
    }

    fn condition(&mut self) -> Result<CoqlExpr, CoqlError> {
        let field = match self.next() {
            Some(Token { tok: Tok::Word(name), .. }) if name.eq_ignore_ascii_case("not") => {
                return Err(CoqlError::UnsupportedOperator { operator: "not".into() });
            }
            Some(Token { tok: Tok::Word(name), .. }) if is_path(&name) && !is_clause_keyword(&name) => name,
            Some(token) => return Err(token.unexpected()),
            None => return Err(self.unexpected()),
        };
        self.conditions += 1;
        let Some(token) = self.next() else {
            return Err(self.unexpected());
        };
        let negated = token.is("not");
        let op_token = if negated { self.next().ok_or_else(|| self.unexpected())? } else { token };
        let (op, values) = match &op_token.tok {
            Tok::Cmp(cmp) if !negated => (cmp.to_string(), vec![self.value()?]),
            Tok::BadCmp(cmp) => return Err(CoqlError::UnsupportedOperator { operator: cmp.clone() }),
            Tok::Word(_) if op_token.is("between") => {
                let low = self.value()?;
                self.keyword("and")?;
                (prefixed(negated, "between"), vec![low, self.value()?])
            }
            Tok::Word(_) if op_token.is("in") => (prefixed(negated, "in"), self.value_list()?),
            Tok::Word(_) if op_token.is("like") => match self.next() {
                Some(Token { tok: Tok::Str(pattern), .. }) => (prefixed(negated, "like"), vec![CoqlValue::Text(pattern)]),
                Some(other) => return Err(other.unexpected()),
                None => return Err(self.unexpected()),
            },
            Tok::Word(_) if op_token.is("is") && !negated => {
                let not = self.peek_is("not");
                if not {
                    self.pos += 1;
                }
                self.keyword("null")?;
                ((if not { "is not null" } else { "is null" }).to_string(), Vec::new())
            }
            _ => return Err(op_token.unexpected()),
        };
        Ok(CoqlExpr::Cond { field, op, values })
    }

    /// A literal: a string, a number, `true` or `false` (`null` only after `is`).
    fn value(&mut self) -> Result<CoqlValue, CoqlError> {
        let Some(token) = self.next() else {
            return Err(self.unexpected());
        };
        match &token.tok {
            Tok::Str(text) => Ok(CoqlValue::Text(text.clone())),
            Tok::Num(digits) => Ok(CoqlValue::Number(digits.clone())),
            Tok::Word(_) if token.is("true") => Ok(CoqlValue::Bool(true)),
            Tok::Word(_) if token.is("false") => Ok(CoqlValue::Bool(false)),
            _ => Err(token.unexpected()),
        }
    }

    /// `(v, v, …)`: one to 50 values.
    fn value_list(&mut self) -> Result<Vec<CoqlValue>, CoqlError> {
        self.punct('(')?;
        let mut values = vec![self.value()?];
        while self.peek_punct(',') {
            self.pos += 1;
            values.push(self.value()?);
            if values.len() > MAX_IN_VALUES {
                return Err(CoqlError::LimitExceeded { clause: "in".into(), limit: MAX_IN_VALUES as u64 });
            }
        }
        self.punct(')')?;
        Ok(values)
    }

    fn order_by(&mut self) -> Result<Vec<(String, bool)>, CoqlError> {
        self.keyword("order")?;
        self.keyword("by")?;
        let mut columns: Vec<(String, bool)> = Vec::new();
        loop {
            let name = match self.next() {
                Some(Token { tok: Tok::Word(name), .. }) if is_path(&name) && !is_clause_keyword(&name) => name,
                Some(token) => return Err(token.unexpected()),
                None => return Err(self.unexpected()),
            };
            let descending = if self.peek_is("desc") {
                self.pos += 1;
                true
            } else {
                if self.peek_is("asc") {
                    self.pos += 1;
                }
                false
            };
            if columns.iter().any(|(n, _)| *n == name) {
                return Err(CoqlError::DuplicateColumn { clause: "order by".into(), column_name: name });
            }
            columns.push((name, descending));
            if columns.len() > MAX_ORDER_BY {
                return Err(CoqlError::LimitExceeded { clause: "order by".into(), limit: MAX_ORDER_BY as u64 });
            }
            if !self.peek_punct(',') {
                return Ok(columns);
            }
            self.pos += 1;
        }
    }

    /// `limit n [offset m]` or `limit m, n` (offset first, as in MySQL).
    fn limit(&mut self) -> Result<(Option<u32>, Option<u32>), CoqlError> {
        self.keyword("limit")?;
        let first = self.count("limit")?;
        let (offset, limit) = if self.peek_punct(',') {
            self.pos += 1;
            (Some(first), self.count("limit")?)
        } else if self.peek_is("offset") {
            self.pos += 1;
            (Some(self.count("offset")?), first)
        } else {
            (None, first)
        };
        if limit == 0 {
            return Err(CoqlError::NonPositiveLimit);
        }
        if limit > MAX_LIMIT {
            return Err(CoqlError::LimitExceeded { clause: "limit".into(), limit: MAX_LIMIT });
        }
        if offset.unwrap_or(0).saturating_add(limit) > MAX_ROWS {
            return Err(CoqlError::LimitExceeded { clause: "offset".into(), limit: MAX_ROWS });
        }
        // Both fit in u32 now: limit ≤ 2000 and offset ≤ 100,000.
        let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok((Some(narrow(limit)), offset.map(narrow)))
    }

    /// A non-negative integer for `limit`/`offset`. A negative limit is "not greater than 0"; a
    /// number too large for any count is over the limit; anything else is an invalid limit.
    fn count(&mut self, key: &str) -> Result<u64, CoqlError> {
        let Some(token) = self.next() else {
            return Err(self.unexpected());
        };
        let invalid = || CoqlError::InvalidLimit { key: key.to_string(), value: excerpt(&token.text) };
        match &token.tok {
            Tok::Num(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => Ok(digits.parse::<u64>().unwrap_or(u64::MAX)),
            Tok::Num(digits) if key == "limit" && digits.starts_with('-') && !digits.contains('.') => {
                Err(CoqlError::NonPositiveLimit)
            }
            _ => Err(invalid()),
        }
    }
}

fn prefixed(negated: bool, op: &str) -> String {
    if negated { format!("not {op}") } else { op.to_string() }
}

/// A name or a dotted path of names (`Owner.first_name`), each starting with a letter, `_` or `$`.
fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
}

/// Keywords that start a clause: never a bare column name (quote such a column, §2.9).
fn is_clause_keyword(word: &str) -> bool {
    ["select", "from", "where", "order", "group", "limit", "offset", "and", "or"].iter().any(|k| word.eq_ignore_ascii_case(k))
}
