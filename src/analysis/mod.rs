//! Analysis: checks parsed programs and builds the checked `ir`.
//!
//! Owns every static check and the lowering from `ast` to `ir`. It runs all
//! of them and collects every diagnostic rather than stopping at the first:
//! arity and documentation (`resolve`), citations as data (`cited`), the
//! citations against the articles (`citations`, when the articles are
//! given), safety (`safety`), stratification (`stratify`), types (`types`),
//! and the warnings (`warnings`). Imports `syntax`, `articles`, `table` and
//! `diagnostic` only; reads no file and evaluates nothing.
//!
//! The pipeline inside `analyze_with`:
//! 1. `resolve` interns predicates, attaches `%%` docs, lowers facts, fact
//!    tables, rules and queries (`p(X) @ A` to an atom over a hidden relation);
//! 2. `cited` fills the hidden citation relations and checks `@` and `#export`;
//! 3. `citations` verifies every citation against the articles;
//! 4. `safety` checks range restriction on the lowered rules and queries;
//! 5. `stratify` orders the predicates and rejects cycles through `not` or
//!    aggregates; `lattice` checks recursions through `min D` / `max D` heads;
//! 6. `types` infers column types and reports certain mismatches;
//! 7. `warnings` reports undefined predicates, capitalised constants and singletons.
//!
//! `incremental` checks an input of facts and queries against an accepted
//! program (its `Summary`: names, column types, constants) instead of
//! analysing everything again, and declines whatever it cannot decide
//! exactly as this pipeline would.

pub mod citations;
mod cited;
mod error;
mod incremental;
pub mod ir;
mod lattice;
mod resolve;
mod safety;
mod stratify;
mod types;
mod warnings;

pub use error::CheckError;
pub use incremental::{Extension, Summary, SummaryDelta, analyze_extension};

use crate::articles::Articles;
use crate::diagnostic::Diagnostic;
use crate::limits::{Halt, Watch};
use crate::span::SourceId;
use crate::syntax::ast;
use std::sync::atomic::AtomicBool;

/// The result of `analyze`: the checked program and everything found on the way.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The checked program; partial when `diagnostics` holds errors, and then not to be evaluated.
    pub program: ir::Program,
    /// Errors and warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// What the incremental analysis of a later input needs to know about
    /// this program (see [`analyze_extension`]).
    pub summary: Summary,
}

impl Analysis {
    /// True when some diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        crate::diagnostic::has_errors(&self.diagnostics)
    }
}

/// What analysis consults besides the programs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The articles citations name. When given, every citation of a fact is
    /// verified (`E401` to `E404`) and an article written in an `@` pattern
    /// (`@ "004"`) is resolved to its id; without them, neither happens.
    pub articles: Option<&'a Articles>,
    /// Verify only the citations of facts written in these sources (those
    /// verified before need not be again); `None` verifies every citation.
    pub verify_sources: Option<&'a [SourceId]>,
}

/// Checks `programs`, given in load order (each include already expanded by
/// the caller into its own program), and builds the checked program; no
/// citation is verified (see [`analyze_with`]).
///
/// Every check runs, whatever the others found; the diagnostics come sorted
/// by source and position.
pub fn analyze(programs: &[&ast::Program]) -> Analysis {
    analyze_with(programs, &Context::default())
}

/// [`analyze`] with the articles citations are verified against.
pub fn analyze_with(programs: &[&ast::Program], context: &Context<'_>) -> Analysis {
    let never = AtomicBool::new(false);
    let mut watch = Watch::new(&never, usize::MAX);
    match analyze_watched(programs, context, &mut watch) {
        Ok(analysis) => analysis,
        // A watch on a flag nobody sets, with no memory limit, never stops.
        Err(_) => Analysis {
            program: ir::Program::default(),
            diagnostics: Vec::new(),
            summary: Summary::default(),
        },
    }
}

/// [`analyze_with`], stopping early when `watch` says so (Ctrl-C, the memory
/// limit). Every pass is linear in the size of the programs, and the watch
/// is checked between passes, so a stop is noticed within one pass.
pub fn analyze_watched(
    programs: &[&ast::Program],
    context: &Context<'_>,
    watch: &mut Watch<'_>,
) -> Result<Analysis, Halt> {
    let mut errors = Vec::new();
    watch.check()?;
    let mut resolved = resolve::resolve_programs(programs, context.articles, &mut errors);
    cited::complete(&mut resolved, context.articles, &mut errors);
    if let Some(articles) = context.articles {
        citations::verify_citations(
            &resolved.program,
            articles,
            context.verify_sources,
            &mut errors,
        );
    }
    watch.check()?;
    safety::check_safety(&resolved, &mut errors);
    watch.check()?;
    let mut program = resolved.program;
    program.strata = stratify::stratify(&program, &mut errors);
    lattice::check_lattices(&program, &mut errors);
    watch.check()?;
    let columns = types::check_types(programs, &program, &resolved.names, &mut errors);
    watch.check()?;
    let constants = warnings::check_warnings(programs, &program, &mut errors);
    watch.check()?;
    sort_errors(&mut errors);
    Ok(Analysis {
        program,
        diagnostics: errors.iter().map(CheckError::to_diagnostic).collect(),
        summary: Summary::new(
            resolved.names,
            resolved.citation_relations,
            columns,
            constants,
        ),
    })
}

/// Sorts errors by source and position; those at one place stay in the
/// order the passes found them.
fn sort_errors(errors: &mut [CheckError]) {
    errors.sort_by_key(|error| {
        let span = error.span();
        (span.source, span.start, span.end)
    });
}

/// Test helpers shared by the analysis modules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::ir::{Arg, BodyLiteral, Expr, Program, Rule, VarId};
    use super::{Analysis, analyze};
    use crate::span::SourceId;
    use crate::syntax::parse_program;

    /// Parses each text as its own program (`SourceId` = index) and analyses them together.
    pub(crate) fn analyze_texts(texts: &[&str]) -> Analysis {
        let programs: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let (program, errors) = parse_program(SourceId(index as u32), text);
                assert!(errors.is_empty(), "syntax errors in {text:?}: {errors:?}");
                program
            })
            .collect();
        let references: Vec<_> = programs.iter().collect();
        analyze(&references)
    }

    /// The diagnostics as `CODE: message` lines, in order.
    pub(crate) fn diagnostics(texts: &[&str]) -> Vec<String> {
        analyze_texts(texts)
            .diagnostics
            .iter()
            .map(|diagnostic| format!("{}: {}", diagnostic.code, diagnostic.message))
            .collect()
    }

    /// A rule or query body in a compact text form, for comparing lowerings:
    /// `not p(X, _)`, `_#1 = (X + 1)`, `?contains(S, "a")`,
    /// `N = count { p(X, _#2) } by [X]`.
    pub(crate) fn render_body(
        program: &Program,
        variables: &[String],
        body: &[BodyLiteral],
    ) -> String {
        let rendered: Vec<String> = body
            .iter()
            .map(|literal| render_literal(program, variables, literal))
            .collect();
        rendered.join(", ")
    }

    fn render_literal(program: &Program, variables: &[String], literal: &BodyLiteral) -> String {
        let name = |var: &VarId| variables[var.0 as usize].clone();
        match literal {
            BodyLiteral::Atom {
                predicate,
                args,
                negated,
                ..
            } => {
                let args: Vec<String> = args
                    .iter()
                    .map(|arg| match arg {
                        Arg::Var(var) => name(var),
                        Arg::Const(value) => value.to_string(),
                        Arg::Wildcard => "_".to_string(),
                    })
                    .collect();
                format!(
                    "{}{}({})",
                    if *negated { "not " } else { "" },
                    program.predicate(*predicate).name,
                    args.join(", ")
                )
            }
            BodyLiteral::Compare { op, lhs, rhs, .. } => format!(
                "{} {} {}",
                render_expr(variables, lhs),
                op.symbol(),
                render_expr(variables, rhs)
            ),
            BodyLiteral::Filter { call, .. } => format!("?{}", render_expr(variables, call)),
            BodyLiteral::Aggregate(aggregate) => {
                let value = aggregate
                    .value
                    .as_ref()
                    .map(|value| format!(" {}", render_expr(variables, value)))
                    .unwrap_or_default();
                let groups: Vec<String> = aggregate.group_by.iter().map(name).collect();
                format!(
                    "{} = {}{} {{ {} }} by [{}]",
                    name(&aggregate.result),
                    aggregate.function.keyword(),
                    value,
                    render_body(program, variables, &aggregate.body),
                    groups.join(", ")
                )
            }
        }
    }

    pub(crate) fn render_expr(variables: &[String], expr: &Expr) -> String {
        match expr {
            Expr::Var(var) => variables[var.0 as usize].clone(),
            Expr::Const(value) => value.to_string(),
            Expr::Binary { op, lhs, rhs } => format!(
                "({} {} {})",
                render_expr(variables, lhs),
                op.symbol(),
                render_expr(variables, rhs)
            ),
            Expr::Call { function, args } => {
                let args: Vec<String> =
                    args.iter().map(|arg| render_expr(variables, arg)).collect();
                format!("{}({})", function.name(), args.join(", "))
            }
        }
    }

    /// A rule as `head(args) :- body`.
    pub(crate) fn render_rule(program: &Program, rule: &Rule) -> String {
        let args: Vec<String> = rule
            .head
            .args
            .iter()
            .map(|arg| render_expr(&rule.variables, arg))
            .collect();
        format!(
            "{}({}) :- {}",
            program.predicate(rule.head.predicate).name,
            args.join(", "),
            render_body(program, &rule.variables, &rule.body)
        )
    }

    /// Asserts that analysing `text` gives exactly the diagnostics `expected`,
    /// each given as a prefix of its `CODE: message` line.
    pub(crate) fn check(text: &str, expected: &[&str]) {
        let found = diagnostics(&[text]);
        let matches = found.len() == expected.len()
            && found
                .iter()
                .zip(expected)
                .all(|(line, prefix)| line.starts_with(prefix));
        assert!(
            matches,
            "for\n{text}\nexpected {expected:#?}\nfound {found:#?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{analyze_texts, check};

    #[test]
    fn a_clean_program_has_no_diagnostics() {
        check(
            "mediates(qatar, istanbul_talks).\n\
             mediates(turkey, istanbul_talks).\n\
             talks(T) :- mediates(_, T).\n\
             ?- talks(T).",
            &[],
        );
    }

    #[test]
    fn every_check_runs_and_diagnostics_are_sorted() {
        check(
            "p(X) :- q(Y).\n\
             r(a, b).\n\
             r(X) :- p(X).\n\
             s(X) :- p(X), not s(X).",
            &[
                "E202: variable `X` is unsafe",
                "W001: predicate `q` is not defined",
                "W003: variable `Y` is used only once",
                "E201: predicate `r` is used with 2 and with 1 arguments",
                "E203: predicate `s` depends on itself through negation",
            ],
        );
    }

    #[test]
    fn several_programs_share_predicates() {
        let analysis = analyze_texts(&["p(a).", "q(X) :- p(X).", "?- q(X)."]);
        assert!(
            analysis.diagnostics.is_empty(),
            "{:?}",
            analysis.diagnostics
        );
        assert_eq!(analysis.program.predicates.len(), 2);
        assert_eq!(analysis.program.queries[0].text, "?- q(X).");
    }
}

/// Properties of `analyze` on random programs: it never panics, and when it
/// accepts a program the strata are a valid evaluation order.
#[cfg(test)]
mod properties {
    use super::ir::{BodyLiteral, PredId};
    use super::testing::analyze_texts;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn term() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("X".to_string()),
            Just("Y".to_string()),
            Just("Z".to_string()),
            Just("_".to_string()),
            Just("a".to_string()),
            Just("1".to_string()),
            Just("2025-10-29".to_string()),
            Just("\"s\"".to_string()),
            Just("X + 1".to_string()),
        ]
    }

    fn atom() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["p", "q", "r", "s"]),
            prop::collection::vec(term(), 0..3),
        )
            .prop_map(|(name, args)| format!("{name}({})", args.join(", ")))
    }

    fn literal() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => atom(),
            1 => atom().prop_map(|atom| format!("not {atom}")),
            1 => (term(), prop::sample::select(vec!["=", "!=", "<", ">="]), term())
                .prop_map(|(lhs, op, rhs)| format!("{lhs} {op} {rhs}")),
            1 => prop::collection::vec(atom(), 1..3)
                .prop_map(|atoms| format!("N = count : {{ {} }}", atoms.join(", "))),
        ]
    }

    fn clause() -> impl Strategy<Value = String> {
        prop_oneof![
            atom().prop_map(|head| format!("{head}.")),
            (atom(), prop::collection::vec(literal(), 1..4))
                .prop_map(|(head, body)| format!("{head} :- {}.", body.join(", "))),
            prop::collection::vec(literal(), 1..3)
                .prop_map(|body| format!("?- {}.", body.join(", "))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn accepted_programs_have_valid_strata(clauses in prop::collection::vec(clause(), 1..8)) {
            let text = clauses.join("\n");
            let analysis = analyze_texts(&[&text]);
            let program = &analysis.program;
            let mut stratum_of: HashMap<PredId, usize> = HashMap::new();
            for (index, stratum) in program.strata.iter().enumerate() {
                for predicate in &stratum.predicates {
                    prop_assert!(stratum_of.insert(*predicate, index).is_none());
                }
            }
            prop_assert_eq!(stratum_of.len(), program.predicates.len());
            if analysis.has_errors() {
                return Ok(());
            }
            for (index, stratum) in program.strata.iter().enumerate() {
                for rule_id in &stratum.rules {
                    let rule = program.rule(*rule_id);
                    prop_assert_eq!(stratum_of[&rule.head.predicate], index);
                    for literal in &rule.body {
                        let (atoms, strict) = match literal {
                            BodyLiteral::Atom { predicate, negated, .. } => (vec![*predicate], *negated),
                            BodyLiteral::Aggregate(aggregate) => (
                                aggregate.body.iter().filter_map(|inner| match inner {
                                    BodyLiteral::Atom { predicate, .. } => Some(*predicate),
                                    _ => None,
                                }).collect(),
                                true,
                            ),
                            _ => continue,
                        };
                        for predicate in atoms {
                            let read = stratum_of[&predicate];
                            prop_assert!(read < index || (!strict && read == index), "{}", text);
                        }
                    }
                }
            }
        }
    }
}
