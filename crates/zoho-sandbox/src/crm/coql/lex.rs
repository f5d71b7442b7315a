//! COQL text into tokens (§2.9): words (keywords, field API names and `Lookup.Field` paths),
//! single-quoted strings with `''` standing for one `'`, numbers, punctuation and comparison
//! operators, each with its 1-based line and column for `SYNTAX_ERROR` details. It knows no
//! grammar; the parser decides what a word means.

use super::error::CoqlError;

/// Longest excerpt of the query quoted back in an error's `near`.
const NEAR_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A keyword or a column/module name, dotted paths included (`Owner.email`).
    Word(String),
    /// A string literal, unescaped.
    Str(String),
    /// A number literal as written (`12`, `-3.5`).
    Num(String),
    /// `(`, `)`, `,` or `*`.
    Punct(char),
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`.
    Cmp(&'static str),
    /// A comparison Zoho does not have (`<>`, `==`): `SYNTAX_ERROR` "operator not supported".
    BadCmp(String),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    /// The token as written, for `near`.
    pub text: String,
    pub line: usize,
    pub column: usize,
}

impl Token {
    pub fn unexpected(&self) -> CoqlError {
        CoqlError::UnexpectedToken { line: self.line, column: self.column, near: excerpt(&self.text) }
    }

    /// Whether this is the keyword `word` (keywords are case-insensitive).
    pub fn is(&self, word: &str) -> bool {
        matches!(&self.tok, Tok::Word(w) if w.eq_ignore_ascii_case(word))
    }
}

pub(super) fn excerpt(text: &str) -> String {
    text.chars().take(NEAR_CHARS).collect()
}

fn starts_word(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn continues_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.'
}

/// Splits a query into tokens; an unterminated string or a character COQL has no use for is a
/// `SYNTAX_ERROR`.
pub(super) fn tokens(text: &str) -> Result<Vec<Token>, CoqlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut pos, mut line, mut line_start) = (0, 1, 0);
    while let Some(&c) = chars.get(pos) {
        if c == '\n' {
            line += 1;
            line_start = pos + 1;
        }
        if c.is_whitespace() {
            pos += 1;
            continue;
        }
        let start = pos;
        let column = start - line_start + 1;
        let at = |n: usize| chars.get(n).copied();
        let tok = if starts_word(c) {
            while at(pos).is_some_and(continues_word) {
                pos += 1;
            }
            Tok::Word(chars[start..pos].iter().collect())
        } else if c.is_ascii_digit() || (c == '-' && at(pos + 1).is_some_and(|d| d.is_ascii_digit())) {
            pos += 1;
            while at(pos).is_some_and(|d| d.is_ascii_digit()) {
                pos += 1;
            }
            if at(pos) == Some('.') && at(pos + 1).is_some_and(|d| d.is_ascii_digit()) {
                pos += 1;
                while at(pos).is_some_and(|d| d.is_ascii_digit()) {
                    pos += 1;
                }
            }
            // `12abc` or `1.2.3` is not a number followed by something else: it is junk.
            if at(pos).is_some_and(continues_word) {
                while at(pos).is_some_and(continues_word) {
                    pos += 1;
                }
                let near: String = chars[start..pos].iter().collect();
                return Err(CoqlError::UnexpectedToken { line, column, near: excerpt(&near) });
            }
            Tok::Num(chars[start..pos].iter().collect())
        } else if c == '\'' {
            // A quote inside a string is written twice (§2.9, Kaizen #171).
            let mut value = String::new();
            pos += 1;
            loop {
                match at(pos) {
                    None => {
                        let near: String = chars[start..].iter().collect();
                        return Err(CoqlError::Unparsable { near: excerpt(&near) });
                    }
                    Some('\'') if at(pos + 1) == Some('\'') => {
                        value.push('\'');
                        pos += 2;
                    }
                    Some('\'') => {
                        pos += 1;
                        break;
                    }
                    Some(other) => {
                        if other == '\n' {
                            line += 1;
                            line_start = pos + 1;
                        }
                        value.push(other);
                        pos += 1;
                    }
                }
            }
            Tok::Str(value)
        } else if matches!(c, '(' | ')' | ',' | '*') {
            pos += 1;
            Tok::Punct(c)
        } else if matches!(c, '=' | '!' | '<' | '>') {
            while at(pos).is_some_and(|o| matches!(o, '=' | '!' | '<' | '>')) {
                pos += 1;
            }
            let op: String = chars[start..pos].iter().collect();
            match op.as_str() {
                "=" => Tok::Cmp("="),
                "!=" => Tok::Cmp("!="),
                "<" => Tok::Cmp("<"),
                "<=" => Tok::Cmp("<="),
                ">" => Tok::Cmp(">"),
                ">=" => Tok::Cmp(">="),
                _ => Tok::BadCmp(op),
            }
        } else {
            return Err(CoqlError::UnexpectedToken { line, column, near: c.to_string() });
        };
        out.push(Token { tok, text: chars[start..pos].iter().collect(), line, column });
    }
    Ok(out)
}
