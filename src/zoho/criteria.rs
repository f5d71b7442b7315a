//! Building Zoho search criteria so that user text can never change their structure.
//!
//! Grammar and escaping: zoho-api.md §2.8. Inside a value, `(`, `)` and `,` are escaped with a
//! backslash and a trailing backslash is doubled. Zoho does not document a backslash elsewhere in a
//! value, so we double every backslash: then no user character can end a value, open a group
//! or split an `in` list. Field names come from our own table, never from input. Percent-encoding
//! of the whole string is left to the HTTP client's query encoder.

/// The comparison; only those that the text fields we search support (zoho-api.md §2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equals,
    StartsWith,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::StartsWith => "starts_with",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Criterion {
    /// A Zoho field API name from our own configuration: letters, digits and `_` only.
    pub field: String,
    pub op: Op,
    pub value: String,
}

/// Escapes one value for use after `field:op:`.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '(' | ')' | ',' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Joins criteria with `and`: `((A:equals:x)and(B:starts_with:y))`. One criterion is `(A:equals:x)`.
pub fn and_all(criteria: &[Criterion]) -> String {
    let parts: Vec<String> = criteria
        .iter()
        .map(|c| {
            debug_assert!(c.field.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'));
            format!("({}:{}:{})", c.field, c.op.as_str(), escape_value(&c.value))
        })
        .collect();
    match parts.len() {
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join("and")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(field: &str, value: &str) -> Criterion {
        Criterion { field: field.into(), op: Op::Equals, value: value.into() }
    }

    #[test]
    fn documented_examples_escape_as_zoho_says() {
        assert_eq!(escape_value("Burns,B"), "Burns\\,B");
        assert_eq!(escape_value("Patricia(Boyle)"), "Patricia\\(Boyle\\)");
        assert_eq!(escape_value("K\\"), "K\\\\");
    }

    #[test]
    fn joins_with_and() {
        assert_eq!(and_all(&[c("Last_Name", "Burns")]), "(Last_Name:equals:Burns)");
        let two =
            and_all(&[c("Last_Name", "Burns"), Criterion { field: "First_Name".into(), op: Op::StartsWith, value: "M".into() }]);
        assert_eq!(two, "((Last_Name:equals:Burns)and(First_Name:starts_with:M))");
    }

    #[test]
    fn hostile_text_stays_inside_its_value() {
        let hostile = "x)or(Owner:equals:1\\";
        let built = and_all(&[c("Company", hostile)]);
        assert_eq!(built, "(Company:equals:x\\)or\\(Owner:equals:1\\\\)");
        // Every parenthesis that is not escaped is ours: exactly one open and one close.
        let unescaped = unescaped_parens(&built);
        assert_eq!(unescaped, vec!['(', ')']);
    }

    /// The parentheses a Zoho parser would see as structure.
    pub(crate) fn unescaped_parens(s: &str) -> Vec<char> {
        let mut out = Vec::new();
        let mut chars = s.chars();
        while let Some(ch) = chars.next() {
            match ch {
                '\\' => {
                    chars.next();
                }
                '(' | ')' => out.push(ch),
                _ => {}
            }
        }
        out
    }
}
