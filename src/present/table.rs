//! Query answers as an aligned table, what the REPL and `wirelog run` show people.
//!
//! Owns column sizing: widths count characters, not bytes, so `Türkiye`
//! lines up; integers are right-aligned like psql; cells wider than the
//! terminal are cut with `…`. Values are shown in Datalog syntax (strings
//! quoted), so what you see can be pasted back into a rule.

use std::time::Duration;

use crate::value::{Answer, Value};

/// The narrowest a column is squeezed to when the table must fit a width.
const MIN_COLUMN_WIDTH: usize = 3;

/// How the table is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TableStyle {
    /// Unicode box drawing, like sqlite3's `.mode box`.
    #[default]
    Box,
    /// ASCII `|` and `-+-` rules without an outer frame, like psql.
    Plain,
}

/// What to show and how much of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// Box or plain.
    pub style: TableStyle,
    /// Show at most this many rows, then a note of how many more there are.
    pub max_rows: Option<usize>,
    /// Fit the table in this many columns (the terminal width) by cutting wide cells.
    pub max_width: Option<usize>,
    /// Time taken, shown after the row count as `3 rows (0.4 ms)`.
    pub elapsed: Option<Duration>,
    /// Appended to the note about rows not shown, e.g. `use :all to show them`.
    pub more_rows_hint: Option<String>,
}

/// Renders one answer as a table followed by its row count; the text ends with a newline.
///
/// A yes/no query (no columns) prints just `yes` or `no`.
///
/// ```
/// use wirelog::value::{Answer, Value};
/// use wirelog::present::{render_table, TableOptions};
/// let answer = Answer {
///     query: "?- mediates(M, istanbul_talks).".into(),
///     columns: vec!["M".into()],
///     rows: vec![vec![Value::Symbol("qatar".into())], vec![Value::Symbol("turkiye".into())]],
/// };
/// assert_eq!(
///     render_table(&answer, &TableOptions::default()),
///     "┌─────────┐\n│ M       │\n├─────────┤\n│ qatar   │\n│ turkiye │\n└─────────┘\n2 rows\n",
/// );
/// ```
pub fn render_table(answer: &Answer, options: &TableOptions) -> String {
    let elapsed = options
        .elapsed
        .map(|elapsed| format!(" ({})", format_elapsed(elapsed)))
        .unwrap_or_default();
    if answer.columns.is_empty() {
        let verdict = if answer.rows.is_empty() { "no" } else { "yes" };
        return format!("{verdict}{elapsed}\n");
    }

    let n_shown = options.max_rows.map_or(answer.rows.len(), |max_rows| {
        max_rows.min(answer.rows.len())
    });
    let shown_rows = answer.rows.get(..n_shown).unwrap_or(&answer.rows);
    let header: Vec<Cell> = answer
        .columns
        .iter()
        .map(|column| Cell::new(display_text(column), false))
        .collect();
    let body: Vec<Vec<Cell>> = shown_rows
        .iter()
        .map(|row| {
            // A ragged row is padded with empty cells rather than trusted.
            (0..header.len())
                .map(|column_idx| match row.get(column_idx) {
                    Some(value) => Cell::from_value(value),
                    None => Cell::new(String::new(), false),
                })
                .collect()
        })
        .collect();

    let natural_widths: Vec<usize> = (0..header.len())
        .map(|column_idx| {
            body.iter()
                .map(|cells| cells[column_idx].width)
                .chain([header[column_idx].width])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let widths = match options.max_width {
        Some(max_width) => fit_widths(&natural_widths, max_width, options.style),
        None => natural_widths.clone(),
    };

    let mut text = String::new();
    let mut was_cut = false;
    let mut push_row = |text: &mut String, cells: &[Cell]| {
        let fitted: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| {
                was_cut |= cell.width > *width;
                cell.fitted(*width)
            })
            .collect();
        text.push_str(&row_line(&fitted, options.style));
    };
    match options.style {
        TableStyle::Box => {
            text.push_str(&rule_line(&widths, ['┌', '┬', '┐']));
            push_row(&mut text, &header);
            if !body.is_empty() {
                text.push_str(&rule_line(&widths, ['├', '┼', '┤']));
            }
            for cells in &body {
                push_row(&mut text, cells);
            }
            text.push_str(&rule_line(&widths, ['└', '┴', '┘']));
        }
        TableStyle::Plain => {
            push_row(&mut text, &header);
            let segments: Vec<String> = widths.iter().map(|width| "-".repeat(width + 2)).collect();
            text.push_str(&segments.join("+"));
            text.push('\n');
            for cells in &body {
                push_row(&mut text, cells);
            }
        }
    }

    if was_cut && let Some(max_width) = options.max_width {
        text.push_str(&format!(
            "(… marks values cut to fit {max_width} columns)\n"
        ));
    }
    let n_hidden = answer.rows.len() - shown_rows.len();
    if n_hidden > 0 {
        text.push_str(&format!(
            "… {} not shown",
            super::plural(n_hidden, "more row", "more rows")
        ));
        if let Some(hint) = &options.more_rows_hint {
            text.push_str(&format!(" ({hint})"));
        }
        text.push('\n');
    }
    text.push_str(&super::plural(answer.rows.len(), "row", "rows"));
    text.push_str(&elapsed);
    text.push('\n');
    text
}

/// A duration as people read it: `0.4 ms`, `12.3 ms`, `1.25 s`.
pub fn format_elapsed(elapsed: Duration) -> String {
    let millis = elapsed.as_secs_f64() * 1000.0;
    if millis < 0.1 {
        "<0.1 ms".to_string()
    } else if millis < 1000.0 {
        format!("{millis:.1} ms")
    } else {
        format!("{:.2} s", elapsed.as_secs_f64())
    }
}

/// One cell's text, its width in characters, and how it aligns.
struct Cell {
    text: String,
    width: usize,
    right_aligned: bool,
}

impl Cell {
    fn new(text: String, right_aligned: bool) -> Cell {
        let width = text.chars().count();
        Cell {
            text,
            width,
            right_aligned,
        }
    }

    fn from_value(value: &Value) -> Cell {
        let right_aligned = matches!(value, Value::Integer(_) | Value::Decimal(_));
        Cell::new(display_text(&value.to_string()), right_aligned)
    }

    /// The text padded (or cut with `…`) to exactly `width` characters.
    fn fitted(&self, width: usize) -> String {
        if self.width > width {
            let kept: String = self.text.chars().take(width.saturating_sub(1)).collect();
            return format!("{kept}…");
        }
        let padding = " ".repeat(width - self.width);
        if self.right_aligned {
            format!("{padding}{}", self.text)
        } else {
            format!("{}{padding}", self.text)
        }
    }
}

/// `text` with control characters escaped, so one cell stays one line of fixed width.
fn display_text(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\t' => shown.push_str("\\t"),
            '\r' => shown.push_str("\\r"),
            '\n' => shown.push_str("\\n"),
            control if control.is_control() => {
                shown.push_str(&format!("\\u{{{:x}}}", u32::from(control)));
            }
            other => shown.push(other),
        }
    }
    shown
}

/// Column widths that fit `max_width`, found by capping the widest columns.
///
/// 1. Work out the room left for cell text after borders and padding.
/// 2. Find the largest cap such that every column cut to `min(natural, cap)`
///    fits that room; narrow columns keep their natural width.
/// 3. Never go below [`MIN_COLUMN_WIDTH`]: past that, the table overflows.
/// 4. Spread what the cap left unused over the columns it cut.
fn fit_widths(natural_widths: &[usize], max_width: usize, style: TableStyle) -> Vec<usize> {
    let n_columns = natural_widths.len();
    // Box: `│ a │ b │` is 3 per column plus 1. Plain: the widest line is the
    // rule `---+---`, 2 per column of padding plus a `+` between columns.
    let overhead = match style {
        TableStyle::Box => 3 * n_columns + 1,
        TableStyle::Plain => (3 * n_columns).saturating_sub(1),
    };
    let room = max_width.saturating_sub(overhead);
    let widest = natural_widths.iter().copied().max().unwrap_or(0);
    let capped_total = |cap: usize| -> usize {
        natural_widths
            .iter()
            .map(|natural| (*natural).min(cap))
            .sum()
    };
    let mut cap = widest;
    while cap > MIN_COLUMN_WIDTH && capped_total(cap) > room {
        cap -= 1;
    }
    let mut widths: Vec<usize> = natural_widths
        .iter()
        .map(|natural| (*natural).min(cap.max(MIN_COLUMN_WIDTH)))
        .collect();
    // 4. Hand the room the cap left over to the cut columns, one character each.
    let mut leftover = room.saturating_sub(widths.iter().sum());
    for (width, natural) in widths.iter_mut().zip(natural_widths) {
        if leftover > 0 && *width < *natural {
            *width += 1;
            leftover -= 1;
        }
    }
    widths
}

fn rule_line(widths: &[usize], [left, middle, right]: [char; 3]) -> String {
    let segments: Vec<String> = widths.iter().map(|width| "─".repeat(width + 2)).collect();
    format!("{left}{}{right}\n", segments.join(&middle.to_string()))
}

fn row_line(fitted: &[String], style: TableStyle) -> String {
    match style {
        TableStyle::Box => format!("│ {} │\n", fitted.join(" │ ")),
        TableStyle::Plain => {
            let line = format!(" {}", fitted.join(" | "));
            format!("{}\n", line.trim_end())
        }
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

    fn symbol(text: &str) -> Value {
        Value::Symbol(text.to_string())
    }

    fn string(text: &str) -> Value {
        Value::String(text.to_string())
    }

    fn talks() -> Answer {
        let date = Date::new(2025, 10, 25)
            .map(Value::Date)
            .expect("valid date");
        answer(
            &["Mediator", "Talks", "Days", "Started"],
            vec![
                vec![
                    symbol("qatar"),
                    symbol("doha_talks"),
                    Value::Integer(2),
                    date.clone(),
                ],
                vec![
                    string("Türkiye"),
                    symbol("istanbul_talks"),
                    Value::Integer(-4),
                    date.clone(),
                ],
                vec![
                    symbol("saudi_arabia"),
                    string("say \"no\"\tnow"),
                    Value::Integer(123),
                    date,
                ],
            ],
        )
    }

    fn check(answer: &Answer, options: TableOptions) -> String {
        let text = render_table(answer, &options);
        if let Some(max_width) = options.max_width {
            // The table itself must fit; the notes under it are prose.
            for line in text.lines().filter(|line| !line.starts_with(['(', '…'])) {
                let width = line.chars().count();
                assert!(width <= max_width, "line {line:?} is {width} wide");
            }
        }
        text
    }

    #[test]
    fn box_table_aligns_by_characters() {
        insta::assert_snapshot!(check(&talks(), TableOptions {
            elapsed: Some(Duration::from_micros(420)),
            ..TableOptions::default()
        }), @r#"
            ┌──────────────┬───────────────────┬──────┬────────────┐
            │ Mediator     │ Talks             │ Days │ Started    │
            ├──────────────┼───────────────────┼──────┼────────────┤
            │ qatar        │ doha_talks        │    2 │ 2025-10-25 │
            │ "Türkiye"    │ istanbul_talks    │   -4 │ 2025-10-25 │
            │ saudi_arabia │ "say \"no\"\tnow" │  123 │ 2025-10-25 │
            └──────────────┴───────────────────┴──────┴────────────┘
            3 rows (0.4 ms)
            "#);
    }

    #[test]
    fn plain_table_looks_like_psql() {
        insta::assert_snapshot!(check(&talks(), TableOptions {
            style: TableStyle::Plain,
            ..TableOptions::default()
        }), @r#"
             Mediator     | Talks             | Days | Started
            --------------+-------------------+------+------------
             qatar        | doha_talks        |    2 | 2025-10-25
             "Türkiye"    | istanbul_talks    |   -4 | 2025-10-25
             saudi_arabia | "say \"no\"\tnow" |  123 | 2025-10-25
            3 rows
            "#);
    }

    #[test]
    fn wide_tables_are_cut_to_fit() {
        insta::assert_snapshot!(check(&talks(), TableOptions {
            max_width: Some(40),
            ..TableOptions::default()
        }), @r#"
            ┌──────────┬──────────┬──────┬─────────┐
            │ Mediator │ Talks    │ Days │ Started │
            ├──────────┼──────────┼──────┼─────────┤
            │ qatar    │ doha_ta… │    2 │ 2025-1… │
            │ "Türkiy… │ istanbu… │   -4 │ 2025-1… │
            │ saudi_a… │ "say \"… │  123 │ 2025-1… │
            └──────────┴──────────┴──────┴─────────┘
            (… marks values cut to fit 40 columns)
            3 rows
            "#);
        insta::assert_snapshot!(check(&talks(), TableOptions {
            style: TableStyle::Plain,
            max_width: Some(30),
            ..TableOptions::default()
        }), @r#"
             Medi… | Talks | Days | Star…
            -------+-------+------+-------
             qatar | doha… |    2 | 2025…
             "Tür… | ista… |   -4 | 2025…
             saud… | "say… |  123 | 2025…
            (… marks values cut to fit 30 columns)
            3 rows
            "#);
    }

    #[test]
    fn long_answers_are_cut_to_max_rows() {
        let rows = (1..=25).map(|n| vec![Value::Integer(n)]).collect();
        insta::assert_snapshot!(check(&answer(&["N"], rows), TableOptions {
            max_rows: Some(2),
            more_rows_hint: Some("use :all to show them".to_string()),
            elapsed: Some(Duration::from_millis(1500)),
            ..TableOptions::default()
        }), @r#"
            ┌───┐
            │ N │
            ├───┤
            │ 1 │
            │ 2 │
            └───┘
            … 23 more rows not shown (use :all to show them)
            25 rows (1.50 s)
            "#);
    }

    #[test]
    fn small_answers() {
        let cases: Vec<(Answer, Option<Duration>, &str)> = vec![
            (answer(&[], vec![vec![]]), None, "yes\n"),
            (answer(&[], vec![]), None, "no\n"),
            (
                answer(&[], vec![vec![]]),
                Some(Duration::from_micros(20)),
                "yes (<0.1 ms)\n",
            ),
            (
                answer(&["X"], vec![vec![symbol("a")]]),
                None,
                "┌───┐\n│ X │\n├───┤\n│ a │\n└───┘\n1 row\n",
            ),
            (
                answer(&["X", "Y"], vec![]),
                None,
                "┌───┬───┐\n│ X │ Y │\n└───┴───┘\n0 rows\n",
            ),
            // A ragged row is padded, never indexed out of bounds.
            (
                answer(&["X", "Y"], vec![vec![symbol("a")]]),
                None,
                "┌───┬───┐\n│ X │ Y │\n├───┼───┤\n│ a │   │\n└───┴───┘\n1 row\n",
            ),
        ];
        for (answer, elapsed, expected) in cases {
            let options = TableOptions {
                elapsed,
                ..TableOptions::default()
            };
            assert_eq!(check(&answer, options), expected);
        }
    }

    #[test]
    fn elapsed_times_read_naturally() {
        let cases = [
            (Duration::from_nanos(50), "<0.1 ms"),
            (Duration::from_micros(420), "0.4 ms"),
            (Duration::from_micros(12_345), "12.3 ms"),
            (Duration::from_millis(1250), "1.25 s"),
        ];
        for (elapsed, expected) in cases {
            assert_eq!(format_elapsed(elapsed), expected);
        }
    }
}
