//! Building COQL queries (`POST /crm/v8/coql`, zoho-api.md §2.9) so that user values can never
//! change their structure, and so that Zoho's limits are met before a call is spent.
//!
//! - Field and module names come from the schema snapshot, never from a client.
//! - A text value is always one single-quoted literal; a `'` inside it is doubled, Zoho's only
//!   escape. Nothing else in a literal is special to COQL's lexer. `like` patterns are built here
//!   from `starts/ends/contains`; the caller refuses `%` and `_` in such text (Zoho documents no
//!   escape for them), so a pattern's wildcards are only the ones added here.
//! - Numbers, booleans and dates are rendered from typed values, never from client text.
//! - More than two conditions are grouped pairwise, `((A and B) and C)`, as Zoho requires.

use std::fmt::Write as _;

/// Conditions in one WHERE clause.
pub const MAX_CONDITIONS: usize = 25;
/// Values of one `in` / `not in`.
pub const MAX_IN_VALUES: usize = 50;
/// Items of the SELECT list.
pub const MAX_SELECT: usize = 50;
/// ORDER BY fields.
pub const MAX_ORDER: usize = 10;
/// Rows per call.
pub const MAX_LIMIT: u32 = 2000;
/// How far `offset + limit` may reach.
pub const MAX_REACH: u64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoqlOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    NotBetween,
    In,
    NotIn,
    Like,
    NotLike,
    IsNull,
    IsNotNull,
}

impl CoqlOp {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Between => "between",
            Self::NotBetween => "not between",
            Self::In => "in",
            Self::NotIn => "not in",
            Self::Like => "like",
            Self::NotLike => "not like",
            Self::IsNull => "is null",
            Self::IsNotNull => "is not null",
        }
    }
}

/// A typed literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Rendered single-quoted, `'` doubled.
    Text(String),
    /// Already checked to be a number (digits, sign, point); rendered bare.
    Number(String),
    Bool(bool),
}

impl Literal {
    fn render(&self, out: &mut String) {
        match self {
            Self::Text(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
            Self::Number(n) => out.push_str(n),
            Self::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// A field API name (or `Lookup.id`) from the snapshot.
    pub field: String,
    pub op: CoqlOp,
    pub values: Vec<Literal>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Cond(Condition),
}

impl Filter {
    /// Conditions in the filter (Zoho counts each comparison).
    pub fn conditions(&self) -> usize {
        match self {
            Self::And(items) | Self::Or(items) => items.iter().map(Self::conditions).sum(),
            Self::Cond(_) => 1,
        }
    }

    /// The filter without empty groups and one-item groups; `None` when nothing is left.
    pub fn simplified(self) -> Option<Self> {
        match self {
            Self::And(items) | Self::Or(items) if items.is_empty() => None,
            Self::And(items) => Self::group(items, Self::And),
            Self::Or(items) => Self::group(items, Self::Or),
            cond => Some(cond),
        }
    }

    fn group(items: Vec<Self>, make: fn(Vec<Self>) -> Self) -> Option<Self> {
        let mut items: Vec<Self> = items.into_iter().filter_map(Self::simplified).collect();
        match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(make(items)),
        }
    }

    fn render(&self, out: &mut String) {
        match self {
            Self::Cond(c) => {
                let _ = write!(out, "{} {}", c.field, c.op.as_str());
                match c.op {
                    CoqlOp::IsNull | CoqlOp::IsNotNull => {}
                    CoqlOp::Between | CoqlOp::NotBetween => {
                        for (i, v) in c.values.iter().enumerate() {
                            out.push_str(if i == 0 { " " } else { " and " });
                            v.render(out);
                        }
                    }
                    CoqlOp::In | CoqlOp::NotIn => {
                        out.push_str(" (");
                        for (i, v) in c.values.iter().enumerate() {
                            if i > 0 {
                                out.push_str(", ");
                            }
                            v.render(out);
                        }
                        out.push(')');
                    }
                    _ => {
                        out.push(' ');
                        if let Some(v) = c.values.first() {
                            v.render(out);
                        }
                    }
                }
            }
            Self::And(items) => Self::render_pairwise(items, "and", out),
            Self::Or(items) => Self::render_pairwise(items, "or", out),
        }
    }

    /// `((A and B) and C)`: every binary step in its own brackets.
    fn render_pairwise(items: &[Self], joiner: &str, out: &mut String) {
        match items {
            [] => {}
            [one] => one.render(out),
            [rest @ .., last] => {
                out.push('(');
                Self::render_pairwise(rest, joiner, out);
                let _ = write!(out, " {joiner} ");
                last.render(out);
                out.push(')');
            }
        }
    }
}

/// One `select`.
#[derive(Debug, Clone)]
pub struct Select {
    pub module: String,
    pub fields: Vec<String>,
    pub filter: Option<Filter>,
    /// (field API name, descending).
    pub order: Vec<(String, bool)>,
    pub limit: u32,
    pub offset: u64,
}

impl Select {
    pub fn to_coql(&self) -> String {
        let mut q = format!("select {} from {}", self.fields.join(", "), self.module);
        where_clause(&self.filter, &mut q);
        if !self.order.is_empty() {
            let order: Vec<String> =
                self.order.iter().map(|(f, desc)| format!("{f} {}", if *desc { "desc" } else { "asc" })).collect();
            let _ = write!(q, " order by {}", order.join(", "));
        }
        let _ = write!(q, " limit {}, {}", self.offset, self.limit);
        q
    }

    /// `select COUNT(id) from … where …`: the total the filter selects.
    pub fn count(module: &str, filter: &Option<Filter>) -> String {
        let mut q = format!("select COUNT(id) from {module}");
        where_clause(filter, &mut q);
        q
    }
}

/// Zoho requires a WHERE clause (`SYNTAX_ERROR {"clause":"where"}` without one, zoho-api.md §11):
/// an unfiltered query says `id is not null`, true of every record.
fn where_clause(filter: &Option<Filter>, q: &mut String) {
    q.push_str(" where ");
    match filter {
        Some(f) => f.render(q),
        None => q.push_str("id is not null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(field: &str, op: CoqlOp, values: &[&str]) -> Filter {
        Filter::Cond(Condition {
            field: field.into(),
            op,
            values: values.iter().map(|v| Literal::Text((*v).to_owned())).collect(),
        })
    }

    #[test]
    fn more_than_two_conditions_are_grouped_pairwise() {
        let f = Filter::And(vec![
            cond("A", CoqlOp::Eq, &["1"]),
            cond("B", CoqlOp::Eq, &["2"]),
            Filter::Or(vec![cond("C", CoqlOp::Like, &["x%"]), cond("D", CoqlOp::IsNull, &[])]),
        ]);
        let q = Select {
            module: "Leads".into(),
            fields: vec!["Last_Name".into()],
            filter: Some(f),
            order: vec![],
            limit: 10,
            offset: 0,
        };
        assert_eq!(
            q.to_coql(),
            "select Last_Name from Leads where ((A = '1' and B = '2') and (C like 'x%' or D is null)) limit 0, 10"
        );
    }

    #[test]
    fn quotes_are_doubled_and_lists_rendered() {
        let f = Filter::Or(vec![
            cond("Last_Name", CoqlOp::In, &["O'Brien", "x') or (id != '"]),
            cond("Created_Time", CoqlOp::Between, &["2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00"]),
        ]);
        assert_eq!(
            Select::count("Leads", &Some(f)),
            "select COUNT(id) from Leads where (Last_Name in ('O''Brien', 'x'') or (id != ''') or Created_Time between \
             '2026-01-01T00:00:00+00:00' and '2026-02-01T00:00:00+00:00')"
        );
        assert_eq!(Select::count("Leads", &None), "select COUNT(id) from Leads where id is not null");
    }

    #[test]
    fn empty_groups_disappear() {
        let f = Filter::And(vec![Filter::Or(vec![]), Filter::And(vec![cond("A", CoqlOp::Eq, &["1"])])]);
        assert_eq!(f.simplified(), Some(cond("A", CoqlOp::Eq, &["1"])));
        assert_eq!(Filter::And(vec![]).simplified(), None);
    }
}
