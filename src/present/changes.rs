//! Changed answers as text: what a live model's update did to each loaded
//! query, one `+ row` or `- row` line a change under the query it concerns.
//!
//! The form is line-oriented so that a person can read it and a script can
//! follow it (`run --follow`): values in Datalog syntax separated by `, `,
//! `true` for the row of a yes/no query. It renders only.

use crate::value::AnswerChange;
use std::fmt::Write;

/// Each changed query's text on a line of its own, then its removed rows
/// (`- row`), then its added rows (`+ row`); nothing when nothing changed.
pub fn render_answer_changes(changes: &[AnswerChange]) -> String {
    let mut text = String::new();
    for change in changes {
        if change.added.is_empty() && change.removed.is_empty() {
            continue;
        }
        text.push_str(&change.query);
        text.push('\n');
        for (sign, rows) in [('-', &change.removed), ('+', &change.added)] {
            for row in rows {
                text.push(sign);
                text.push(' ');
                if row.is_empty() {
                    text.push_str("true");
                }
                for (index, value) in row.iter().enumerate() {
                    if index > 0 {
                        text.push_str(", ");
                    }
                    // Writing to a String cannot fail.
                    let _ = write!(text, "{value}");
                }
                text.push('\n');
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn changes_are_lines_under_their_query() {
        let change = AnswerChange {
            index: 0,
            query: "?- p(X, Y).".into(),
            columns: vec!["X".into(), "Y".into()],
            added: vec![vec![Value::Integer(1), Value::String("a b".into())]],
            removed: vec![vec![Value::Integer(2), Value::Symbol("c".into())]],
        };
        let yes_no = AnswerChange {
            index: 1,
            query: "?- q.".into(),
            columns: Vec::new(),
            added: Vec::new(),
            removed: vec![Vec::new()],
        };
        let unchanged = AnswerChange {
            index: 2,
            query: "?- r(X).".into(),
            columns: vec!["X".into()],
            added: Vec::new(),
            removed: Vec::new(),
        };
        assert_eq!(
            render_answer_changes(&[change, yes_no, unchanged]),
            "?- p(X, Y).\n- 2, c\n+ 1, \"a b\"\n?- q.\n- true\n"
        );
    }
}
