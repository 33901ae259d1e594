//! Query answers as JSON, the shape `wirelog run --format json` prints.
//!
//! Owns the shape of the answer objects and their key order; each value is
//! in its one JSON encoding ([`Value::to_json`]: integers as numbers, symbols,
//! strings and dates as strings), and `types` says which of them a column
//! holds, so a program can tell the symbol `qatar` from the string
//! `"qatar"` and a date from a string. Diagnostics have their own JSON in
//! [`diagnostics_to_json`](super::diagnostics::diagnostics_to_json).

use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::value::{Answer, Value};

/// One answer in the order its keys are printed: `query`, `columns`,
/// `rows`, then `types`.
///
/// `serde_json::Value` sorts object keys, so printed output goes through this
/// struct instead to keep the key order of the specification.
#[derive(Serialize)]
struct AnswerRecord<'a> {
    query: &'a str,
    columns: &'a [String],
    rows: Vec<Json>,
    types: Vec<Option<&'static str>>,
}

/// The type of each column's values: `symbol`, `string`, `int` or `date`;
/// `any` when a column holds several; `None` (JSON `null`) when there are no
/// rows to tell.
pub(super) fn column_types(answer: &Answer) -> Vec<Option<&'static str>> {
    (0..answer.columns.len())
        .map(|column| {
            let mut types = answer
                .rows
                .iter()
                .filter_map(|row| row.get(column))
                .map(type_name);
            let first = types.next()?;
            Some(if types.all(|other| other == first) {
                first
            } else {
                "any"
            })
        })
        .collect()
}

/// The name of a value's type, as `%%` signatures write it.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Integer(_) => "int",
        Value::Decimal(_) => "decimal",
        Value::Date(_) => "date",
        Value::Datetime(_) => "datetime",
        Value::Symbol(_) => "symbol",
        Value::String(_) => "string",
    }
}

impl<'a> AnswerRecord<'a> {
    fn new(answer: &'a Answer) -> AnswerRecord<'a> {
        let rows = if answer.columns.is_empty() {
            // Only whether a row exists matters; one empty row says yes.
            if answer.rows.is_empty() {
                Vec::new()
            } else {
                vec![json!([])]
            }
        } else {
            answer
                .rows
                .iter()
                .map(|row| Json::Array(row.iter().map(Value::to_json).collect()))
                .collect()
        };
        AnswerRecord {
            query: &answer.query,
            columns: &answer.columns,
            rows,
            types: column_types(answer),
        }
    }
}

/// All answers as printed by `--format json`: one array, one query object per
/// line, keys in the order `query`, `columns`, `rows`, `types`; ends with a
/// newline.
///
/// ```
/// use wirelog::value::{Answer, Value};
/// use wirelog::present::render_json;
/// let answer = Answer {
///     query: "?- p(X, Y).".into(),
///     columns: vec!["X".into(), "Y".into()],
///     rows: vec![vec![Value::Symbol("a".into()), Value::Integer(3)]],
/// };
/// assert_eq!(
///     render_json(&[answer]),
///     "[\n{\"query\":\"?- p(X, Y).\",\"columns\":[\"X\",\"Y\"],\"rows\":[[\"a\",3]],\"types\":[\"symbol\",\"int\"]}\n]\n",
/// );
/// ```
pub fn render_json(answers: &[Answer]) -> String {
    if answers.is_empty() {
        return "[]\n".to_string();
    }
    let lines: Vec<String> = answers
        .iter()
        .map(|answer| {
            // Serialising strings, numbers and arrays cannot fail.
            serde_json::to_string(&AnswerRecord::new(answer)).unwrap_or_default()
        })
        .collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

/// All answers as one JSON array, an object per query in the order given.
///
/// The value sorts object keys; use [`render_json`] to print them in the
/// documented order.
pub fn answers_to_json(answers: &[Answer]) -> Json {
    Json::Array(answers.iter().map(answer_to_json).collect())
}

/// One answer as `{"query": …, "columns": […], "rows": [[…], …], "types": […]}`.
///
/// A yes/no query (no columns) has `"rows": [[]]` for yes and `[]` for no.
pub fn answer_to_json(answer: &Answer) -> Json {
    let record = AnswerRecord::new(answer);
    json!({
        "query": record.query,
        "columns": record.columns,
        "rows": record.rows,
        "types": record.types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Date;

    fn answer(query: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Answer {
        Answer {
            query: query.to_string(),
            columns: columns.iter().map(|column| column.to_string()).collect(),
            rows,
        }
    }

    fn check(answers: &[Answer], expected: &str) {
        let printed = render_json(answers);
        assert_eq!(printed.replace('\n', ""), expected);
        let parsed: Json = serde_json::from_str(&printed).unwrap_or_default();
        assert_eq!(parsed, answers_to_json(answers));
    }

    #[test]
    fn answers_have_the_documented_shape() {
        let date = Date::new(2025, 10, 29).map(Value::Date);
        let cases: Vec<(Vec<Answer>, &str)> = vec![
            (vec![], "[]"),
            (
                vec![answer(
                    "?- p(X, Y).",
                    &["X", "Y"],
                    vec![
                        vec![Value::Symbol("a".into()), Value::Integer(3)],
                        vec![Value::String("Türkiye \"T\"".into()), Value::Integer(-58)],
                    ],
                )],
                r#"[{"query":"?- p(X, Y).","columns":["X","Y"],"rows":[["a",3],["Türkiye \"T\"",-58]],"types":["any","int"]}]"#,
            ),
            (
                vec![answer(
                    "?- closed(C, D).",
                    &["C", "D"],
                    vec![vec![
                        Value::Symbol("torkham".into()),
                        date.expect("valid date"),
                    ]],
                )],
                r#"[{"query":"?- closed(C, D).","columns":["C","D"],"rows":[["torkham","2025-10-29"]],"types":["symbol","date"]}]"#,
            ),
            (
                vec![
                    answer("?- p(a).", &[], vec![vec![]]),
                    answer("?- p(b).", &[], vec![]),
                    answer("?- p(X).", &["X"], vec![]),
                ],
                concat!(
                    r#"[{"query":"?- p(a).","columns":[],"rows":[[]],"types":[]},"#,
                    r#"{"query":"?- p(b).","columns":[],"rows":[],"types":[]},"#,
                    r#"{"query":"?- p(X).","columns":["X"],"rows":[],"types":[null]}]"#
                ),
            ),
            (
                // A yes answer is always exactly one empty row.
                vec![answer("?- q.", &[], vec![vec![], vec![]])],
                r#"[{"query":"?- q.","columns":[],"rows":[[]],"types":[]}]"#,
            ),
        ];
        for (answers, expected) in cases {
            check(&answers, expected);
        }
    }
}
