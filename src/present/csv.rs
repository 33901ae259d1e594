//! Query answers as CSV (RFC 4180), the shape `wirelog run --format csv` prints.
//!
//! Owns the CSV quoting rules. Values are written raw: symbols and strings
//! without Datalog quotes, dates as ISO `YYYY-MM-DD`, integers in decimal.
//! Lines end with `\n`, not RFC 4180's `\r\n`, as Unix tools expect.

use crate::value::{Answer, Value};

/// One answer as CSV: a header row of the column names, then one line per row.
///
/// A yes/no query, which has no columns, prints the header `answer` and one
/// row `yes` or `no`. The text ends with a newline.
///
/// ```
/// use wirelog::value::{Answer, Value};
/// use wirelog::present::render_csv;
/// let answer = Answer {
///     query: "?- said(W, Q).".into(),
///     columns: vec!["W".into(), "Q".into()],
///     rows: vec![vec![Value::Symbol("asif".into()), Value::String("no, never".into())]],
/// };
/// assert_eq!(render_csv(&answer), "W,Q\nasif,\"no, never\"\n");
/// ```
pub fn render_csv(answer: &Answer) -> String {
    let mut text = String::new();
    if answer.columns.is_empty() {
        text.push_str("answer\n");
        text.push_str(if answer.rows.is_empty() {
            "no\n"
        } else {
            "yes\n"
        });
        return text;
    }
    push_record(
        &mut text,
        answer.columns.iter().map(|column| quote_field(column)),
    );
    for row in &answer.rows {
        push_record(&mut text, row.iter().map(value_field));
    }
    text
}

/// Answers as CSV: per query, in order, a header row of the variables then
/// the rows (SPEC), one blank line between queries. No line of a block is
/// blank (a row holding only an empty string is written `""`, a yes/no
/// query has the header `answer`), so a program splits the output at blank
/// lines and pairs the blocks with its queries in order. There is no marker
/// line naming the query: every block is plain CSV as the SPEC shows it,
/// and `--format json` names each query.
///
/// ```
/// use wirelog::value::{Answer, Value};
/// use wirelog::present::render_csv_answers;
/// let answer = |query: &str, value: i64| Answer {
///     query: query.into(),
///     columns: vec!["X".into()],
///     rows: vec![vec![Value::Integer(value)]],
/// };
/// assert_eq!(render_csv_answers(&[answer("?- p(X).", 1)]), "X\n1\n");
/// assert_eq!(
///     render_csv_answers(&[answer("?- p(X).", 1), answer("?- q(X).", 2)]),
///     "X\n1\n\nX\n2\n",
/// );
/// ```
pub fn render_csv_answers(answers: &[Answer]) -> String {
    let blocks: Vec<String> = answers.iter().map(render_csv).collect();
    blocks.join("\n")
}

fn push_record(text: &mut String, fields: impl Iterator<Item = String>) {
    let fields: Vec<String> = fields.collect();
    text.push_str(&fields.join(","));
    text.push('\n');
}

fn value_field(value: &Value) -> String {
    let raw = value.text();
    if raw.is_empty() {
        // An empty string is written `""` so that a one-column row holding it
        // is not mistaken for the blank line between answers.
        return "\"\"".to_string();
    }
    quote_field(&raw)
}

/// A field quoted as RFC 4180 asks: in double quotes, inner quotes doubled,
/// when it contains a comma, a quote or a line break.
fn quote_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Date;

    fn answer(columns: &[&str], rows: Vec<Vec<Value>>) -> Answer {
        Answer {
            query: "?- q.".to_string(),
            columns: columns.iter().map(|column| column.to_string()).collect(),
            rows,
        }
    }

    fn string(text: &str) -> Value {
        Value::String(text.to_string())
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let cases: &[(&str, &str)] = &[
            ("plain", "plain"),
            ("Türkiye", "Türkiye"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("cr\r", "\"cr\r\""),
            (" spaced ", " spaced "),
            ("", "\"\""),
            ("#hashtag", "#hashtag"),
            ("a#b", "a#b"),
        ];
        for (input, expected) in cases {
            assert_eq!(value_field(&string(input)), *expected, "input {input:?}");
        }
    }

    #[test]
    fn answers_render_as_csv_blocks() {
        let date = Date::new(2025, 10, 12)
            .map(Value::Date)
            .expect("valid date");
        let answers = vec![
            answer(
                &["Who", "Quote", "N", "When"],
                vec![
                    vec![
                        Value::Symbol("asif".into()),
                        string("if talks fail, \"open war\""),
                        Value::Integer(-3),
                        date,
                    ],
                    vec![
                        Value::Symbol("mujahid".into()),
                        string(""),
                        Value::Integer(58),
                    ],
                ],
            ),
            answer(&["X"], vec![]),
            answer(&[], vec![vec![]]),
            answer(&[], vec![]),
        ];
        insta::assert_snapshot!(render_csv_answers(&answers), @r#"
        Who,Quote,N,When
        asif,"if talks fail, ""open war""",-3,2025-10-12
        mujahid,"",58

        X

        answer
        yes

        answer
        no
        "#);
    }
}
