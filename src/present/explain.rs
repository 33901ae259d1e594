//! Renders explanations: derivation trees as indented text, JSON and
//! Graphviz DOT, and `:whynot` reports as text.
//!
//! Owns only the look of a [`Derivation`] and a [`WhyNot`]; building them is
//! `provenance`'s job. Like the rest of `present`, it evaluates nothing and
//! cannot fail: every function returns a `String`, and the DOT output escapes
//! every label so any value renders as valid DOT.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value as Json;

use crate::provenance::{
    Blocked, BlockerKind, Derivation, QueryExplanation, RowExplanation, Step, Support, Verdict,
    WhyNot, WhyNotOutcome,
};
use crate::value::{Answer, Value};

/// The derivation as an indented tree.
///
/// The root is the fact; under it the rule that derived it (as written,
/// with its file and line), its checks (`✓ no `p(..)` matched`,
/// `✓ 2025-10-09 < 2025-10-12`, aggregates with their facts), then one
/// branch per body fact drawn with `├─`/`└─`. A base fact shows where it is
/// stated and each citation: article, quote and article file. A fact
/// explained earlier in the tree says `(see above)`; a subtree cut by the
/// depth limit says how many levels it hides. Ends with a newline.
pub fn render_why_text(derivation: &Derivation) -> String {
    let mut out = String::new();
    write_node(&mut out, derivation, "", "");
    out
}

/// The explanations of one answer's rows as text, as `run --explain` prints
/// them after the answer's table: for each row, after a blank line, its
/// values, the tree of each fact the query matched, then the query's own checks.
pub fn render_explanations_text(answer: &Answer, explanation: &QueryExplanation) -> String {
    let mut out = String::new();
    for row in &explanation.rows {
        let _ = writeln!(out, "\nwhy {}:", row_label(&answer.columns, &row.row));
        match &row.step {
            None => out.push_str("  (no explanation found)\n"),
            Some(step) => {
                for child in &step.children {
                    write_node(&mut out, child, "", "");
                }
                for line in check_lines(step) {
                    let _ = writeln!(out, "{line}");
                }
            }
        }
    }
    if explanation.n_rows_not_explained > 0 {
        let _ = writeln!(
            out,
            "\n({} not explained; ask `:why` for a particular fact)",
            super::plural(explanation.n_rows_not_explained, "more row", "more rows")
        );
    }
    out
}

/// `Talks = istanbul_talks, N = 3`, or `yes` for a query without columns.
fn row_label(columns: &[String], row: &[Value]) -> String {
    if columns.is_empty() {
        return "yes".to_string();
    }
    columns
        .iter()
        .zip(row.iter())
        .map(|(column, value)| format!("{column} = {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_node(out: &mut String, node: &Derivation, first: &str, rest: &str) {
    let (suffix, details, children): (&str, Vec<String>, &[Derivation]) = match &node.support {
        Support::Fact {
            citations,
            stated_at,
        } => {
            let places: Vec<String> = stated_at
                .iter()
                // Line 0: a row of a file another process of a cluster read.
                .map(|location| match location.line {
                    0 => location.file.clone(),
                    line => format!("{}:{line}", location.file),
                })
                .collect();
            let mut details = vec![format!("fact ({})", places.join(", "))];
            if citations.is_empty() {
                details.push("no citation".to_string());
            }
            for citation in citations {
                let mut line =
                    format!("{}: {}", quoted(&citation.article), quoted(&citation.quote));
                if let Some(file) = &citation.article_file {
                    let _ = write!(line, " ({file})");
                }
                details.push(line);
            }
            ("", details, &[])
        }
        Support::Rule(step) => {
            let mut details = vec![format!("rule {} ({}:{})", step.rule, step.file, step.line)];
            details.extend(check_lines(step));
            ("", details, &step.children)
        }
        Support::SeeAbove => ("  (see above)", Vec::new(), &[]),
        Support::Cut {
            hidden_levels,
            at_least,
        } => (
            "",
            vec![format!(
                "… {}{} not shown; ask `:why {}`",
                if *at_least { "at least " } else { "" },
                super::plural(*hidden_levels, "more level", "more levels"),
                node.fact
            )],
            &[],
        ),
        Support::Unexplained { reason } => ("", vec![format!("? {reason}")], &[]),
    };
    let _ = writeln!(out, "{first}{}{suffix}", node.fact);
    let detail_prefix = if children.is_empty() {
        format!("{rest}   ")
    } else {
        format!("{rest}│  ")
    };
    for detail in details {
        let _ = writeln!(out, "{}", format!("{detail_prefix}{detail}").trim_end());
    }
    for (index, child) in children.iter().enumerate() {
        let last = index + 1 == children.len();
        let (branch, next) = if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        write_node(
            out,
            child,
            &format!("{rest}{branch}"),
            &format!("{rest}{next}"),
        );
    }
}

/// One `✓` line per negation, comparison and aggregate of a step.
fn check_lines(step: &Step) -> Vec<String> {
    let mut lines = Vec::new();
    for negation in &step.negations {
        lines.push(format!("✓ {negation}"));
    }
    for comparison in &step.comparisons {
        lines.push(format!("✓ {comparison}"));
    }
    for aggregate in &step.aggregates {
        if aggregate.contributing.is_empty() {
            lines.push(format!("✓ {} gives {}", aggregate.text, aggregate.result));
            continue;
        }
        lines.push(format!(
            "✓ {} gives {}, from:",
            aggregate.text, aggregate.result
        ));
        for fact in &aggregate.contributing {
            lines.push(format!("    {fact}"));
        }
        let more = aggregate
            .n_matches
            .saturating_sub(aggregate.contributing.len());
        if more > 0 {
            lines.push(format!("    and {more} more"));
        }
    }
    lines
}

/// A string in double quotes with `"` and `\` escaped.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// The derivation as a JSON value (`serde`): `fact`, `predicate`, `values`
/// and `support`, whose `kind` is `fact`, `rule`, `see_above`, `cut` or
/// `unexplained`. The value sorts object keys; [`render_why_json`] keeps the
/// documented order.
pub fn derivation_to_json(derivation: &Derivation) -> Json {
    serde_json::to_value(derivation).unwrap_or(Json::Null)
}

/// The derivation as pretty-printed JSON, keys in the documented order; ends with a newline.
pub fn render_why_json(derivation: &Derivation) -> String {
    let mut text = serde_json::to_string_pretty(derivation).unwrap_or_default();
    text.push('\n');
    text
}

/// A `:whynot` report as pretty-printed JSON; ends with a newline.
pub fn render_why_not_json(why_not: &WhyNot) -> String {
    let mut text = serde_json::to_string_pretty(why_not).unwrap_or_default();
    text.push('\n');
    text
}

/// One query object of `run --explain --format json`.
#[derive(Serialize)]
struct ExplainedAnswer<'a> {
    query: &'a str,
    columns: &'a [String],
    rows: Vec<Json>,
    types: Vec<Option<&'static str>>,
    explanations: Vec<Option<&'a RowExplanation>>,
}

/// The answers as `--format json` prints them, each query object with an
/// extra `explanations` array aligned with `rows` (`null` for a row past the
/// explained ones). One query object per line.
pub fn render_json_with_explanations(
    answers: &[Answer],
    explanations: &[QueryExplanation],
) -> String {
    if answers.is_empty() {
        return "[]\n".to_string();
    }
    let lines: Vec<String> = answers
        .iter()
        .enumerate()
        .map(|(index, answer)| {
            let rows: Vec<Json> = if answer.columns.is_empty() {
                answer
                    .rows
                    .iter()
                    .take(1)
                    .map(|_| Json::Array(Vec::new()))
                    .collect()
            } else {
                answer
                    .rows
                    .iter()
                    .map(|row| Json::Array(row.iter().map(Value::to_json).collect()))
                    .collect()
            };
            let explained = explanations.get(index).map_or(&[][..], |e| &e.rows[..]);
            let record = ExplainedAnswer {
                query: &answer.query,
                columns: &answer.columns,
                explanations: (0..rows.len()).map(|row| explained.get(row)).collect(),
                rows,
                types: super::json::column_types(answer),
            };
            serde_json::to_string(&record).unwrap_or_default()
        })
        .collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

/// The derivation as a Graphviz digraph: a box per fact, a grey box per
/// rule step (the rule, its file and line, its checks), a note per
/// citation; edges run from premises to the rule to its conclusion.
pub fn render_why_dot(derivation: &Derivation) -> String {
    let mut dot = DotWriter::default();
    dot.node(derivation);
    dot.finish()
}

/// Every explained row of every answer in one digraph, for
/// `run --explain --format dot`: a node per row, with its facts beneath it.
pub fn render_explanations_dot(answers: &[Answer], explanations: &[QueryExplanation]) -> String {
    let mut dot = DotWriter::default();
    for (answer, explanation) in answers.iter().zip(explanations) {
        for row in &explanation.rows {
            let id = dot.fresh("q");
            let label = format!("{}\n{}", answer.query, row_label(&answer.columns, &row.row));
            let _ = writeln!(
                dot.body,
                "  {id} [shape=box, style=\"rounded,bold\", label={}];",
                dot_string(&label)
            );
            if let Some(step) = &row.step {
                let checks = check_lines(step);
                if !checks.is_empty() {
                    let check_id = dot.fresh("c");
                    let _ = writeln!(
                        dot.body,
                        "  {check_id} [shape=plaintext, label={}];",
                        dot_string(&checks.join("\n"))
                    );
                    let _ = writeln!(dot.body, "  {check_id} -> {id} [style=dotted];");
                }
                for child in &step.children {
                    let child_id = dot.node(child);
                    let _ = writeln!(dot.body, "  {child_id} -> {id};");
                }
            }
        }
    }
    dot.finish()
}

/// Builds a DOT graph, one node per distinct fact.
#[derive(Default)]
struct DotWriter {
    body: String,
    fact_ids: HashMap<String, String>,
    expanded: std::collections::HashSet<String>,
    n_ids: usize,
}

impl DotWriter {
    fn fresh(&mut self, prefix: &str) -> String {
        self.n_ids += 1;
        format!("{prefix}{}", self.n_ids)
    }

    /// Writes the node of a fact (once) and, the first time it is expanded,
    /// its rule step or citations; returns the node id.
    fn node(&mut self, derivation: &Derivation) -> String {
        let id = match self.fact_ids.get(&derivation.fact) {
            Some(id) => id.clone(),
            None => {
                let id = self.fresh("f");
                let style = match derivation.support {
                    Support::Fact { .. } => "shape=box",
                    Support::Cut { .. } | Support::Unexplained { .. } => {
                        "shape=box, style=\"rounded,dashed\""
                    }
                    _ => "shape=box, style=rounded",
                };
                let _ = writeln!(
                    self.body,
                    "  {id} [{style}, label={}];",
                    dot_string(&derivation.fact)
                );
                self.fact_ids.insert(derivation.fact.clone(), id.clone());
                id
            }
        };
        if matches!(derivation.support, Support::SeeAbove)
            || !self.expanded.insert(derivation.fact.clone())
        {
            return id;
        }
        match &derivation.support {
            Support::Fact { citations, .. } => {
                for citation in citations {
                    let note = self.fresh("n");
                    let mut label =
                        format!("{}: {}", quoted(&citation.article), quoted(&citation.quote));
                    if let Some(file) = &citation.article_file {
                        let _ = write!(label, "\n{file}");
                    }
                    let _ = writeln!(
                        self.body,
                        "  {note} [shape=note, fontsize=9, label={}];",
                        dot_string(&label)
                    );
                    let _ = writeln!(
                        self.body,
                        "  {note} -> {id} [style=dashed, arrowhead=none];"
                    );
                }
            }
            Support::Rule(step) => {
                let rule_id = self.fresh("r");
                let mut label = format!("{}\n{}:{}", step.rule, step.file, step.line);
                for line in check_lines(step) {
                    let _ = write!(label, "\n{line}");
                }
                let _ = writeln!(
                    self.body,
                    "  {rule_id} [shape=box, style=filled, fillcolor=\"#eeeeee\", fontsize=9, label={}];",
                    dot_string(&label)
                );
                let _ = writeln!(self.body, "  {rule_id} -> {id};");
                for child in &step.children {
                    let child_id = self.node(child);
                    let _ = writeln!(self.body, "  {child_id} -> {rule_id};");
                }
            }
            Support::Cut {
                hidden_levels,
                at_least,
            } => {
                let note = self.fresh("n");
                let label = format!(
                    "… {}{} not shown",
                    if *at_least { "at least " } else { "" },
                    super::plural(*hidden_levels, "more level", "more levels")
                );
                let _ = writeln!(
                    self.body,
                    "  {note} [shape=plaintext, label={}];",
                    dot_string(&label)
                );
                let _ = writeln!(self.body, "  {note} -> {id} [style=dotted];");
            }
            Support::Unexplained { .. } | Support::SeeAbove => {}
        }
        id
    }

    fn finish(self) -> String {
        format!(
            "digraph explanation {{\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=10];\n{}}}\n",
            self.body
        )
    }
}

/// A DOT string literal: quotes and backslashes escaped, newlines as `\n`,
/// carriage returns dropped.
fn dot_string(text: &str) -> String {
    quoted(&text.replace('\r', ""))
}

/// A `:whynot` report as text: the verdict, then for each rule that could
/// derive the fact the literals that held (`✓`), the one that blocks it
/// (`✗`) with its values substituted, the candidate bindings that reached
/// it, and the facts that make the difference. Ends with a newline.
pub fn render_why_not_text(why_not: &WhyNot) -> String {
    let mut out = String::new();
    let fact = &why_not.fact;
    match &why_not.outcome {
        WhyNotOutcome::Holds => {
            let _ = writeln!(out, "`{fact}` holds; ask `:why {fact}` to see how");
        }
        WhyNotOutcome::Matches {
            n_matches,
            examples,
        } => {
            let _ = writeln!(
                out,
                "`{fact}` holds: {} it",
                super::plural(*n_matches, "fact matches", "facts match")
            );
            for example in examples {
                let _ = writeln!(out, "  {example}");
            }
            if *n_matches > examples.len() {
                let _ = writeln!(out, "  … {} more", n_matches - examples.len());
            }
            if let Some(first) = examples.first() {
                let _ = writeln!(out, "`:why {first}` shows how one holds");
            }
        }
        WhyNotOutcome::Replaced {
            kept,
            function,
            position,
        } => {
            let best = if function == "min" {
                "least"
            } else {
                "greatest"
            };
            let _ = writeln!(
                out,
                "`{fact}` does not hold: its predicate keeps only the {best} value of argument {position} (`{function}`) for each value of the others, and `{kept}` holds; ask `:why {kept}`"
            );
        }
        WhyNotOutcome::NoSuchFact { close_facts } => {
            if why_not.pattern {
                let _ = writeln!(
                    out,
                    "no fact matches `{fact}`: its predicate has no rules and no such fact is stated"
                );
            } else {
                let _ = writeln!(
                    out,
                    "`{fact}` does not hold: its predicate has no rules and no such fact is stated"
                );
            }
            write_close_facts(&mut out, close_facts, "");
        }
        WhyNotOutcome::NotDerived {
            attempts,
            close_facts,
        } => {
            let subject = if why_not.pattern {
                format!("no fact matches `{fact}`")
            } else {
                format!("`{fact}` does not hold")
            };
            let _ = writeln!(
                out,
                "{subject}: no fact states it and {}",
                match (attempts.len(), why_not.pattern) {
                    (1, false) => "its one rule does not derive it".to_string(),
                    (1, true) => "its one rule derives none".to_string(),
                    (n, false) => format!("none of its {n} rules derives it"),
                    (n, true) => format!("none of its {n} rules derives one"),
                }
            );
            for attempt in attempts {
                let _ = writeln!(
                    out,
                    "\nrule {} ({}:{})",
                    attempt.rule, attempt.file, attempt.line
                );
                match &attempt.verdict {
                    Verdict::HeadMismatch { reason } => {
                        let _ = writeln!(out, "  ✗ the head does not fit: {reason}");
                    }
                    Verdict::HeadComputesOther { reason } => {
                        let _ = writeln!(out, "  ✗ {reason}");
                    }
                    Verdict::Blocked(blocked) => write_blocked(&mut out, blocked),
                }
            }
            write_close_facts(&mut out, close_facts, "\n");
        }
    }
    out
}

fn write_close_facts(out: &mut String, close_facts: &[String], before: &str) {
    if !close_facts.is_empty() {
        let _ = writeln!(out, "{before}facts close to it that do hold:");
        for fact in close_facts {
            let _ = writeln!(out, "  {fact}");
        }
    }
}

fn write_blocked(out: &mut String, blocked: &Blocked) {
    for literal in &blocked.held {
        let _ = writeln!(out, "  ✓ {literal}");
    }
    let problem = match blocked.kind {
        BlockerKind::MissingFact => format!("no fact `{}`", blocked.instantiated),
        BlockerKind::Negation => format!("`{}` fails: a fact matches", blocked.instantiated),
        BlockerKind::Comparison => format!("`{}` is false", blocked.instantiated),
        BlockerKind::Aggregate => "no match to aggregate for these values".to_string(),
    };
    let _ = writeln!(out, "  ✗ {}: {problem}", blocked.blocker);
    for bindings in &blocked.candidates {
        let text: Vec<String> = bindings
            .iter()
            .map(|binding| format!("{} = {}", binding.variable, binding.value))
            .collect();
        let _ = writeln!(out, "      with {}", text.join(", "));
    }
    let more = blocked
        .n_candidates
        .saturating_sub(blocked.candidates.len());
    if more > 0 && !blocked.candidates.is_empty() {
        let _ = writeln!(
            out,
            "      ({} not shown)",
            super::plural(more, "more candidate", "more candidates")
        );
    }
    if !blocked.evidence.is_empty() {
        let heading = match blocked.kind {
            BlockerKind::Negation => "blocked by",
            _ => "close facts",
        };
        let _ = writeln!(out, "      {heading}: {}", blocked.evidence.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_strings_escape_what_dot_would_misread() {
        let cases = [
            ("plain", "\"plain\""),
            ("say \"hi\"", "\"say \\\"hi\\\"\""),
            ("back\\slash", "\"back\\\\slash\""),
            ("two\nlines", "\"two\\nlines\""),
            ("Türkiye", "\"Türkiye\""),
        ];
        for (text, expected) in cases {
            assert_eq!(dot_string(text), expected);
        }
    }

    #[test]
    fn a_cut_and_a_shared_proof_render_as_notes() {
        let leaf = |fact: &str, support: Support| Derivation {
            fact: fact.to_string(),
            predicate: "p".to_string(),
            values: Vec::new(),
            support,
        };
        let root = leaf(
            "q",
            Support::Rule(Step {
                rule: "q :- p, p.".to_string(),
                rule_index: Some(0),
                file: "t.dl".to_string(),
                line: 2,
                bindings: Vec::new(),
                children: vec![
                    leaf(
                        "p",
                        Support::Cut {
                            hidden_levels: 3,
                            at_least: false,
                        },
                    ),
                    leaf("p", Support::SeeAbove),
                ],
                negations: vec!["no `r` matched".to_string()],
                comparisons: Vec::new(),
                aggregates: Vec::new(),
            }),
        );
        assert_eq!(
            render_why_text(&root),
            "q\n│  rule q :- p, p. (t.dl:2)\n│  ✓ no `r` matched\n├─ p\n│     … 3 more levels not shown; ask `:why p`\n└─ p  (see above)\n"
        );
    }
}
