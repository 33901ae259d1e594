//! The evaluation trace as text: strata in order, round by round the new
//! facts each rule derived, and what the limits left out.
//!
//! Renders a [`Trace`] only; `provenance::trace` builds it.

use super::plural;
use crate::provenance::Trace;
use std::fmt::Write as _;

/// The trace as indented text; ends with a newline.
pub fn render_trace_text(trace: &Trace) -> String {
    let mut text = String::new();
    let n_deriving = trace
        .strata
        .iter()
        .filter(|stratum| !stratum.rounds.is_empty())
        .count();
    let _ = writeln!(
        text,
        "{} stated; {} in {} derive {}",
        plural(trace.n_base_facts, "fact", "facts"),
        plural(trace.strata.len(), "stratum", "strata"),
        if n_deriving == trace.strata.len() {
            "order".to_string()
        } else {
            format!("order ({n_deriving} deriving something)")
        },
        plural(trace.n_derived, "fact", "facts"),
    );
    for stratum in &trace.strata {
        let _ = write!(
            text,
            "\nstratum {}: {} ({}{})",
            stratum.number,
            stratum.predicates.join(", "),
            if stratum.recursive { "recursive, " } else { "" },
            plural(stratum.n_rules, "rule", "rules"),
        );
        if stratum.rounds.is_empty() {
            text.push_str(": nothing derived\n");
            continue;
        }
        text.push('\n');
        for round in &stratum.rounds {
            let _ = writeln!(
                text,
                "  round {}: {}",
                round.number,
                plural(round.n_new, "new fact", "new facts")
            );
            for rule in &round.by_rule {
                let _ = writeln!(text, "    by {}  ({}:{})", rule.rule, rule.file, rule.line);
                for fact in &rule.facts {
                    let _ = writeln!(text, "      {fact}");
                }
            }
            if round.n_unlisted > 0 {
                if round.by_rule.is_empty() {
                    let _ = writeln!(text, "    (not listed)");
                } else {
                    let _ = writeln!(text, "    … and {} more", round.n_unlisted);
                }
            }
        }
    }
    if trace.n_listed < trace.n_derived {
        let _ = writeln!(
            text,
            "\nlisted {} of {} derived facts: at most {} a round and {} in all",
            trace.n_listed, trace.n_derived, trace.options.max_per_round, trace.options.max_facts
        );
    }
    text
}
