//! The lexicon of the language and a forgiving lexer over it.
//!
//! Owns the reserved words ([`KEYWORDS`], [`BUILTIN_FUNCTIONS`]), what an
//! identifier is made of, where a string ends, and [`tokenize`], which
//! classifies any text — half-typed clauses included — for the REPL's
//! completion, hints, colours and "is this input complete?". The parser uses
//! the same words and rules, so the two never disagree on what a keyword or
//! a string is; the parser stays the judge of what is valid.

use std::ops::Range;

/// Words that are keywords somewhere in the grammar.
pub const KEYWORDS: &[&str] = &["not", "mod", "count", "sum", "min", "max", "avg", "mean"];

/// The names parsed as built-in function calls rather than atoms.
pub const BUILTIN_FUNCTIONS: &[&str] = &[
    "len",
    "concat",
    "lower",
    "upper",
    "contains",
    "starts_with",
    "ends_with",
    "substr",
    "replace",
    "split",
    "match",
    "capture",
    "to_number",
    "to_string",
    "year",
    "month",
    "day",
    "weekday",
    "to_date",
    "hour",
    "minute",
    "hours_between",
    "minutes_between",
    "abs",
    "pow",
    "min",
    "max",
    "round",
];

/// The built-in tests: they stand alone as a condition and can be negated
/// with `not`, but give no value.
pub const TEST_FUNCTIONS: &[&str] = &["contains", "starts_with", "ends_with", "match"];

/// True for the characters of an identifier after its first: `[A-Za-z0-9_]`.
#[inline]
pub fn is_ident_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '_'
}

/// What a piece of the input line is, for completion and colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `X`, `Talks`, `_Who`, `_`
    Variable,
    /// A lowercase identifier: predicate, symbol or function.
    Name,
    /// `not`, `mod`, `count`, `sum`, `min`, `max`
    Keyword,
    /// `58`, `-3` (the digits), `2025-10-29`
    Number,
    /// `"…"` with its closing quote.
    String,
    /// `"…` up to the end of the line: the parser will report it.
    StringUnterminated,
    /// `% …` to the end of the line.
    Comment,
    /// `:-`
    Neck,
    /// `?-`
    QueryMark,
    /// The `.` that ends a clause.
    Dot,
    /// `#include`
    Directive,
    /// Any other character: parentheses, commas, operators, `@`.
    Punct,
    /// Spaces, tabs and newlines.
    Space,
}

/// One token: its kind and byte range in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is, in bytes.
    pub range: Range<usize>,
}

/// Splits text into tokens, never failing: every byte belongs to one token.
///
/// Strings and comments end at the end of their line, as in the parser, so a
/// `.` or `%` inside a string and a `.` inside a comment are not mistaken for
/// the end of a clause.
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let byte = bytes[start];
        let next = bytes.get(start + 1).copied();
        let identifier_end = |from: usize| {
            text[from..]
                .find(|character: char| !is_ident_char(character))
                .map_or(text.len(), |offset| from + offset)
        };
        let (kind, end) = match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {
                let end = text[start..]
                    .find(|character: char| !matches!(character, ' ' | '\t' | '\n' | '\r'))
                    .map_or(text.len(), |offset| start + offset);
                (TokenKind::Space, end)
            }
            b'%' => {
                let end = text[start..]
                    .find('\n')
                    .map_or(text.len(), |offset| start + offset);
                (TokenKind::Comment, end)
            }
            b'"' => match string_extent(bytes, start) {
                (true, end) => (TokenKind::String, end),
                (false, end) => (TokenKind::StringUnterminated, end),
            },
            b':' if next == Some(b'-') => (TokenKind::Neck, start + 2),
            b'?' if next == Some(b'-') => (TokenKind::QueryMark, start + 2),
            b'.' => (TokenKind::Dot, start + 1),
            b'#' if next.is_some_and(|next| next.is_ascii_alphabetic()) => {
                (TokenKind::Directive, identifier_end(start + 1))
            }
            b'A'..=b'Z' | b'_' => (TokenKind::Variable, identifier_end(start)),
            b'a'..=b'z' => {
                let end = identifier_end(start);
                let kind = if KEYWORDS.contains(&&text[start..end]) {
                    TokenKind::Keyword
                } else {
                    TokenKind::Name
                };
                (kind, end)
            }
            b'0'..=b'9' => (TokenKind::Number, number_end(bytes, start)),
            _ => {
                let width = text[start..].chars().next().map_or(1, char::len_utf8);
                (TokenKind::Punct, start + width)
            }
        };
        tokens.push(Token {
            kind,
            range: start..end,
        });
        start = end;
    }
    tokens
}

/// Where the number at byte `start` ends: digits, the `-` of a date and
/// the `.` of a decimal when a digit follows them, and a datetime's time of
/// day and zone (`T14:30:00+03:00`, `Z`) after a date, so that the point of
/// `2.5` is never taken for the end of a clause.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let digit_at = |index: usize| bytes.get(index).is_some_and(u8::is_ascii_digit);
    let mut end = start;
    let mut in_time = false;
    while end < bytes.len() {
        let byte = bytes[end];
        let continues = byte.is_ascii_digit()
            || (matches!(byte, b'-' | b'.' | b':') && digit_at(end + 1))
            || (byte == b'T' && end - start == 10 && digit_at(end + 1))
            || (in_time && byte == b'+' && digit_at(end + 1));
        if byte == b'T' && continues {
            in_time = true;
        }
        if in_time && byte == b'Z' {
            return end + 1;
        }
        if !continues {
            break;
        }
        end += 1;
    }
    end
}

/// Where the string whose `"` is at byte `start` ends: after its closing
/// quote (`true`), or at the end of its line when it has none (`false`). A
/// backslash escapes the next character unless that is the line's end, as
/// in the parser.
#[inline]
pub(crate) fn string_extent(bytes: &[u8], start: usize) -> (bool, usize) {
    let mut index = start + 1;
    while index < bytes.len() {
        match bytes[index] {
            b'"' => return (true, index + 1),
            b'\n' => return (false, index),
            b'\\' if bytes.get(index + 1).is_some_and(|next| *next != b'\n') => index += 2,
            _ => index += 1,
        }
    }
    (false, bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_datetimes_are_one_number() {
        let text = "p(2.5, 2025-10-29T14:30:00+03:00, 2025-10-29T11:30Z, 3).";
        let numbers: Vec<&str> = tokenize(text)
            .into_iter()
            .filter(|token| token.kind == TokenKind::Number)
            .map(|token| &text[token.range])
            .collect();
        assert_eq!(
            numbers,
            ["2.5", "2025-10-29T14:30:00+03:00", "2025-10-29T11:30Z", "3"]
        );
        let last = tokenize("p(3).").into_iter().last().map(|token| token.kind);
        assert_eq!(last, Some(TokenKind::Dot));
    }

    #[test]
    fn tokens_cover_every_byte() {
        let text = "h(X) :- p(X, \"Türkiye\"), not q(_Y), N = count : { r(_) }, D = 2025-10-29 + 1. % ok\n?- h(é).";
        let tokens = tokenize(text);
        let mut expected_start = 0;
        for token in &tokens {
            assert_eq!(token.range.start, expected_start);
            expected_start = token.range.end;
        }
        assert_eq!(expected_start, text.len());
        let kinds: Vec<TokenKind> = tokens
            .iter()
            .filter(|token| token.kind != TokenKind::Space)
            .map(|token| token.kind)
            .collect();
        assert!(kinds.contains(&TokenKind::Neck));
        assert!(kinds.contains(&TokenKind::QueryMark));
        assert!(kinds.contains(&TokenKind::Comment));
        assert!(kinds.contains(&TokenKind::Keyword));
        let date = tokens
            .iter()
            .find(|token| token.kind == TokenKind::Number)
            .map(|token| &text[token.range.clone()]);
        assert_eq!(date, Some("2025-10-29"));
    }

    #[test]
    fn strings_end_at_their_quote_or_their_line() {
        let cases: &[(&str, (bool, usize))] = &[
            ("\"ab\" rest", (true, 4)),
            ("\"a\\\"b\"", (true, 6)),
            ("\"open\nnext", (false, 5)),
            ("\"a\\\nb\"", (false, 3)),
            ("\"to the end", (false, 11)),
        ];
        for (text, expected) in cases {
            assert_eq!(string_extent(text.as_bytes(), 0), *expected, "{text:?}");
        }
    }
}
