//! Why a fact does not hold: for each rule that could derive it, the first
//! body literal that fails.
//!
//! Owns the prefix search. With the head's values bound, the rule body is
//! taken in the order the planner joins it (`plan::literal_order`: the same
//! function plans evaluation, so the two cannot drift); growing prefixes are evaluated
//! until one has no match left. The literal that emptied it is the
//! blocker, and the matches of the prefix before it are the closest
//! candidate bindings a student can inspect. Like the rest of
//! `provenance`, it renders nothing.

use super::Binding;
use super::search::{Explainer, bindings_of};
use crate::analysis::ir::{Arg, BodyLiteral, Expr, PredId, RuleId, VarId};
use crate::eval::{EvalError, Origin, Packed, Tuple};
use crate::plan;
use crate::text::{self, collapse_whitespace};
use crate::value::{Value, fact_text};
use serde::Serialize;

/// Why a fact does not hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhyNot {
    /// The fact asked about, in Datalog syntax (a pattern as written).
    pub fact: String,
    /// True when `fact` is a pattern with variables.
    pub pattern: bool,
    /// What was found.
    pub outcome: WhyNotOutcome,
}

/// The finding of `why_not`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WhyNotOutcome {
    /// It does hold (ask `:why`).
    Holds,
    /// A pattern with variables: facts match it.
    Matches {
        /// How many facts match.
        n_matches: usize,
        /// The first few of them.
        examples: Vec<String>,
    },
    /// A lattice predicate (`min D` / `max D` head) holds a better value
    /// for the fact's key: whatever derives this one, only the best is kept.
    Replaced {
        /// The fact of the same key that holds.
        kept: String,
        /// `min` or `max`.
        function: String,
        /// The kept argument, from 1.
        position: usize,
    },
    /// The predicate has no rules, and no such fact is stated.
    NoSuchFact {
        /// Facts of the same predicate differing in one argument.
        close_facts: Vec<String>,
    },
    /// The predicate has rules; none derives the fact.
    NotDerived {
        /// One per rule of the predicate, in program order.
        attempts: Vec<RuleAttempt>,
        /// Stated facts of the same predicate differing in one argument.
        close_facts: Vec<String>,
    },
}

/// What happened when one rule was tried.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleAttempt {
    /// The rule as written, whitespace collapsed.
    pub rule: String,
    /// Index into `ir::Program::rules`.
    pub rule_index: u32,
    /// The file it is written in.
    pub file: String,
    /// Its first line.
    pub line: usize,
    /// Why it does not derive the fact.
    pub verdict: Verdict,
}

/// Why one rule does not derive the fact.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// The head cannot produce the fact (a different constant, a repeated variable).
    HeadMismatch {
        /// Which argument disagrees.
        reason: String,
    },
    /// A body literal has no match for any candidate binding.
    Blocked(Blocked),
    /// Every literal matches, but the head computes a different value.
    HeadComputesOther {
        /// What the head computes.
        reason: String,
    },
}

/// The literal that blocks a rule, with the bindings that reached it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Blocked {
    /// The literals before it, in the order evaluated, each as written; all had matches.
    pub held: Vec<String>,
    /// The blocking literal as written.
    pub blocker: String,
    /// What kind of literal it is.
    pub kind: BlockerKind,
    /// The blocking literal with the closest candidate's values substituted.
    pub instantiated: String,
    /// Up to `ExplainOptions::max_candidates` bindings that satisfied everything before it.
    pub candidates: Vec<Vec<Binding>>,
    /// How many candidate bindings there were.
    pub n_candidates: usize,
    /// For a negation, the facts that match it; for a missing fact, stated
    /// facts differing from it in one argument.
    pub evidence: Vec<String>,
}

/// The kinds of blocking literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockerKind {
    /// A positive atom with no matching fact.
    MissingFact,
    /// `not p(..)` where some `p` fact matches.
    Negation,
    /// A comparison or filter that is false.
    Comparison,
    /// An aggregate with no group for these bindings.
    Aggregate,
}

/// How many close facts or blocking facts are listed.
const MAX_EVIDENCE: usize = 5;

/// How many candidate bindings are searched for one with close facts.
const MAX_CANDIDATES_SEARCHED: usize = 50;

impl Explainer<'_> {
    /// See [`super::why_not`].
    pub(super) fn why_not(
        &mut self,
        predicate: PredId,
        values: &[Value],
    ) -> Result<WhyNot, EvalError> {
        let program = self.program;
        let name = program.predicate(predicate).name.clone();
        let fact = fact_text(&name, values);
        let tuple: Tuple = values.iter().map(|value| self.pack(value)).collect();
        if self.scratch.database().contains(predicate, &tuple) {
            return Ok(WhyNot {
                fact,
                pattern: false,
                outcome: WhyNotOutcome::Holds,
            });
        }
        if let Some(lattice) = program.predicate(predicate).lattice {
            let key: Vec<Option<Packed>> = tuple
                .iter()
                .enumerate()
                .map(|(column, cell)| (column != lattice.column).then_some(*cell))
                .collect();
            let kept = self.scratch.database().relation(predicate).matching(&key);
            if let Some(kept) = kept.first() {
                return Ok(WhyNot {
                    fact,
                    pattern: false,
                    outcome: WhyNotOutcome::Replaced {
                        kept: self.tuple_text(predicate, kept),
                        function: lattice.function.keyword().to_string(),
                        position: lattice.column + 1,
                    },
                });
            }
        }
        let pattern: Vec<Option<Packed>> = tuple.iter().copied().map(Some).collect();
        let close_facts = self.close_facts(predicate, &pattern, &[]);
        let rules = self
            .rules_by_head
            .get(&predicate)
            .cloned()
            .unwrap_or_default();
        if rules.is_empty() {
            return Ok(WhyNot {
                fact,
                pattern: false,
                outcome: WhyNotOutcome::NoSuchFact { close_facts },
            });
        }
        let mut attempts = Vec::with_capacity(rules.len());
        for rule_id in rules {
            attempts.push(self.attempt(rule_id, &pattern)?);
        }
        Ok(WhyNot {
            fact,
            pattern: false,
            outcome: WhyNotOutcome::NotDerived {
                attempts,
                close_facts,
            },
        })
    }

    /// See [`super::why_not_pattern`]: `values` has `None` where the
    /// pattern has a variable; `text` is the pattern as written.
    pub(super) fn why_not_pattern(
        &mut self,
        predicate: PredId,
        values: &[Option<Value>],
        text: String,
    ) -> Result<WhyNot, EvalError> {
        let pattern: Vec<Option<Packed>> = values
            .iter()
            .map(|value| value.as_ref().map(|value| self.pack(value)))
            .collect();
        let matching: Vec<Tuple> = self
            .scratch
            .database()
            .relation(predicate)
            .iter()
            .filter(|tuple| differing_columns(&pattern, tuple).is_some_and(|c| c.is_empty()))
            .collect();
        if !matching.is_empty() {
            let n_matches = matching.len();
            let examples = matching
                .iter()
                .take(MAX_EVIDENCE)
                .map(|tuple| self.tuple_text(predicate, tuple))
                .collect();
            return Ok(WhyNot {
                fact: text,
                pattern: true,
                outcome: WhyNotOutcome::Matches {
                    n_matches,
                    examples,
                },
            });
        }
        let mut close_facts = self.close_facts(predicate, &pattern, &[]);
        if close_facts.is_empty() {
            close_facts = self.closely_spelt(predicate, &pattern);
        }
        if close_facts.is_empty() && pattern.iter().filter(|wanted| wanted.is_some()).count() == 1 {
            // One constant (`closed(chaman, D)`): every fact of the predicate
            // differs from the pattern in that constant alone, so each is a
            // closest candidate; the first few show what the column holds.
            close_facts = self
                .scratch
                .database()
                .relation(predicate)
                .iter()
                .take(MAX_EVIDENCE)
                .map(|tuple| self.tuple_text(predicate, &tuple))
                .collect();
        }
        let rules = self
            .rules_by_head
            .get(&predicate)
            .cloned()
            .unwrap_or_default();
        if rules.is_empty() {
            return Ok(WhyNot {
                fact: text,
                pattern: true,
                outcome: WhyNotOutcome::NoSuchFact { close_facts },
            });
        }
        let mut attempts = Vec::with_capacity(rules.len());
        for rule_id in rules {
            attempts.push(self.attempt(rule_id, &pattern)?);
        }
        Ok(WhyNot {
            fact: text,
            pattern: true,
            outcome: WhyNotOutcome::NotDerived {
                attempts,
                close_facts,
            },
        })
    }

    /// For a pattern with one fixed column: the facts whose value there is
    /// the closest in spelling to the pattern's (`torkam` finds `torkham`).
    fn closely_spelt(&self, predicate: PredId, pattern: &[Option<Packed>]) -> Vec<String> {
        let fixed: Vec<(usize, Packed)> = pattern
            .iter()
            .enumerate()
            .filter_map(|(column, value)| value.map(|value| (column, value)))
            .collect();
        let [(column, wanted)] = fixed.as_slice() else {
            return Vec::new();
        };
        let store = self.scratch.store();
        let wanted_text = store.unpack(*wanted).text();
        let relation = self.scratch.database().relation(predicate);
        let mut texts: Vec<String> = relation
            .iter()
            .filter_map(|tuple| tuple.get(*column).copied())
            .map(|value| store.unpack(value).text())
            .collect();
        texts.sort();
        texts.dedup();
        let Some(close) = text::closest(&wanted_text, texts.iter().map(String::as_str)) else {
            return Vec::new();
        };
        relation
            .iter()
            .filter(|tuple| {
                tuple
                    .get(*column)
                    .is_some_and(|value| store.unpack(*value).text() == close)
            })
            .take(MAX_EVIDENCE)
            .map(|tuple| self.tuple_text(predicate, &tuple))
            .collect()
    }

    /// Tries one rule: unify its head with the fact (a column `None` is a
    /// variable of a pattern), then find the blocking literal.
    fn attempt(
        &mut self,
        rule_id: RuleId,
        pattern: &[Option<Packed>],
    ) -> Result<RuleAttempt, EvalError> {
        let program = self.program;
        let rule = program.rule(rule_id);
        let (file, line) = self.location(rule.span);
        let mut attempt = RuleAttempt {
            rule: collapse_whitespace(self.sources.snippet(rule.span)),
            rule_index: rule_id.0,
            file,
            line,
            verdict: Verdict::HeadMismatch {
                reason: String::new(),
            },
        };
        // 1. Unify the head with the fact: bind variables, compare constants.
        let n_slots = rule.variables.len();
        let mut seed_vars: Vec<VarId> = Vec::new();
        let mut seed_values: Vec<Packed> = Vec::new();
        let mut computed = Vec::new();
        for (column, (arg, value)) in rule.head.args.iter().zip(pattern).enumerate() {
            let Some(value) = *value else {
                continue;
            };
            match arg {
                Expr::Var(var) => match seed_vars.iter().position(|seeded| seeded == var) {
                    Some(index) if seed_values[index] != value => {
                        let name = rule.variables.get(var.0 as usize).cloned();
                        attempt.verdict = Verdict::HeadMismatch {
                            reason: format!(
                                "the head repeats `{}`, but the fact has {} and {}",
                                name.unwrap_or_default(),
                                self.format(seed_values[index]),
                                self.format(value)
                            ),
                        };
                        return Ok(attempt);
                    }
                    Some(_) => {}
                    None => {
                        seed_vars.push(*var);
                        seed_values.push(value);
                    }
                },
                Expr::Const(constant) => {
                    if self.scratch.store().lookup(constant) != Some(value) {
                        attempt.verdict = Verdict::HeadMismatch {
                            reason: format!(
                                "argument {} of the head is {constant}, but the fact has {}",
                                column + 1,
                                self.format(value)
                            ),
                        };
                        return Ok(attempt);
                    }
                }
                other => computed.push(other.clone()),
            }
        }
        // 2. Evaluate growing prefixes of the body in planned order.
        let order = plan::literal_order(&rule.body, n_slots, &seed_vars)
            .unwrap_or_else(|_| (0..rule.body.len()).collect());
        let mut bound: Vec<VarId> = seed_vars.clone();
        let mut previous_vars = seed_vars.clone();
        let mut previous_rows: Vec<Tuple> = vec![seed_values.iter().copied().collect()];
        let mut prefix: Vec<BodyLiteral> = Vec::with_capacity(order.len());
        for (position, &literal_index) in order.iter().enumerate() {
            let Some(literal) = rule.body.get(literal_index) else {
                continue;
            };
            prefix.push(literal.clone());
            literal.visible_variables(&mut bound);
            bound.sort();
            bound.dedup();
            let output: Vec<Expr> = bound.iter().map(|&var| Expr::Var(var)).collect();
            let Ok(plan) = plan::plan_conjunction(&prefix, n_slots, &seed_vars, output) else {
                continue;
            };
            let rows = self.scratch.evaluate_conjunction(
                &plan,
                Origin::Rule(rule_id),
                &seed_values,
                self.eval_options,
                self.cancel,
            )?;
            if rows.is_empty() {
                let held = order[..position]
                    .iter()
                    .filter_map(|&index| rule.body.get(index))
                    .map(|literal| self.literal_text(literal))
                    .collect();
                let blocked = self.blocked(
                    literal,
                    held,
                    &rule.variables,
                    &previous_vars,
                    &previous_rows,
                );
                attempt.verdict = Verdict::Blocked(blocked);
                return Ok(attempt);
            }
            previous_vars = bound.clone();
            previous_rows = rows;
        }
        let reason = if computed.is_empty() {
            "every literal of the body matches".to_string()
        } else {
            let bindings = bindings_of(
                &previous_vars,
                previous_rows.first().map_or(&[][..], |row| &row[..]),
                n_slots,
            );
            let texts: Vec<String> = computed
                .iter()
                .map(|expr| self.expr_text(expr, &rule.variables, &bindings))
                .collect();
            format!(
                "the body matches, but the head computes {} instead",
                texts.join(", ")
            )
        };
        attempt.verdict = Verdict::HeadComputesOther { reason };
        Ok(attempt)
    }

    /// Describes the blocking literal for the closest candidate bindings.
    fn blocked(
        &mut self,
        literal: &BodyLiteral,
        held: Vec<String>,
        names: &[String],
        vars: &[VarId],
        rows: &[Tuple],
    ) -> Blocked {
        let n_slots = names.len();
        let candidates: Vec<Vec<Option<Packed>>> = rows
            .iter()
            .map(|row| bindings_of(vars, row, n_slots))
            .collect();
        let kind = match literal {
            BodyLiteral::Atom { negated: false, .. } => BlockerKind::MissingFact,
            BodyLiteral::Atom { .. } => BlockerKind::Negation,
            BodyLiteral::Compare { .. } | BodyLiteral::Filter { .. } => BlockerKind::Comparison,
            BodyLiteral::Aggregate(_) => BlockerKind::Aggregate,
        };
        // The closest candidate: for a missing fact, the first with a stated
        // fact differing in one argument; otherwise the first.
        let mut closest = 0;
        let mut evidence = Vec::new();
        if let BodyLiteral::Atom {
            predicate, args, ..
        } = literal
        {
            let constant_columns: Vec<usize> = args
                .iter()
                .enumerate()
                .filter(|(_, arg)| matches!(arg, Arg::Const(_)))
                .map(|(column, _)| column)
                .collect();
            for (index, bindings) in candidates.iter().enumerate().take(MAX_CANDIDATES_SEARCHED) {
                let pattern = self.pattern(args, bindings);
                let found = if kind == BlockerKind::Negation {
                    self.matching_facts(*predicate, &pattern)
                } else {
                    self.close_facts(*predicate, &pattern, &constant_columns)
                };
                if !found.is_empty() {
                    closest = index;
                    evidence = found;
                    break;
                }
            }
        }
        let empty = Vec::new();
        let chosen = candidates.get(closest).unwrap_or(&empty);
        let instantiated = match literal {
            BodyLiteral::Atom {
                predicate,
                args,
                negated,
                ..
            } => {
                let text = self.atom_text(*predicate, args, names, chosen);
                if *negated {
                    format!("not {text}")
                } else {
                    text
                }
            }
            BodyLiteral::Compare { op, lhs, rhs, .. } => format!(
                "{} {} {}",
                self.expr_text(lhs, names, chosen),
                op.symbol(),
                self.expr_text(rhs, names, chosen)
            ),
            BodyLiteral::Filter { call, .. } => self.expr_text(call, names, chosen),
            BodyLiteral::Aggregate(_) => self.literal_text(literal),
        };
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        if closest < order.len() {
            order.remove(closest);
            order.insert(0, closest);
        }
        let shown = order
            .iter()
            .take(self.options.max_candidates)
            .filter_map(|&index| candidates.get(index))
            .map(|bindings| self.named_bindings(names, bindings))
            .filter(|bindings| !bindings.is_empty())
            .collect();
        Blocked {
            held,
            blocker: self.literal_text(literal),
            kind,
            instantiated,
            candidates: shown,
            n_candidates: candidates.len(),
            evidence,
        }
    }

    /// The atom's columns: a value where a variable is bound or a constant stands, else free.
    fn pattern(&self, args: &[Arg], bindings: &[Option<Packed>]) -> Vec<Option<Packed>> {
        args.iter()
            .map(|arg| match arg {
                Arg::Var(var) => bindings.get(var.0 as usize).copied().flatten(),
                Arg::Const(value) => self.scratch.store().lookup(value),
                Arg::Wildcard => None,
            })
            .collect()
    }

    /// Facts of `predicate` matching `pattern` exactly.
    fn matching_facts(&self, predicate: PredId, pattern: &[Option<Packed>]) -> Vec<String> {
        self.scratch
            .database()
            .relation(predicate)
            .iter()
            .filter(|tuple| differing_columns(pattern, tuple).is_some_and(|c| c.is_empty()))
            .take(MAX_EVIDENCE)
            .map(|tuple| self.tuple_text(predicate, &tuple))
            .collect()
    }

    /// Facts of `predicate` that differ from `pattern` in exactly one fixed
    /// column, those differing where the rule wrote a constant (`preferred`)
    /// first. Nothing when fewer than two columns are fixed: then every fact
    /// would be "close".
    pub(super) fn close_facts(
        &self,
        predicate: PredId,
        pattern: &[Option<Packed>],
        preferred: &[usize],
    ) -> Vec<String> {
        if pattern.iter().filter(|wanted| wanted.is_some()).count() < 2 {
            return Vec::new();
        }
        let mut close: Vec<(bool, Tuple)> = self
            .scratch
            .database()
            .relation(predicate)
            .iter()
            .filter_map(
                |tuple| match differing_columns(pattern, &tuple)?.as_slice() {
                    [column] => Some((!preferred.contains(column), tuple)),
                    _ => None,
                },
            )
            .collect();
        close.sort_by_key(|(later, _)| *later);
        close
            .into_iter()
            .take(MAX_EVIDENCE)
            .map(|(_, tuple)| self.tuple_text(predicate, &tuple))
            .collect()
    }

    fn tuple_text(&self, predicate: PredId, tuple: &Tuple) -> String {
        let values: Vec<Value> = tuple
            .iter()
            .map(|&value| self.scratch.store().unpack(value))
            .collect();
        super::facts::fact_label(self.program, predicate, &values)
    }
}

/// The fixed columns of `pattern` where `tuple` differs; `None` when the arities differ.
fn differing_columns(pattern: &[Option<Packed>], tuple: &Tuple) -> Option<Vec<usize>> {
    (tuple.len() == pattern.len()).then(|| {
        pattern
            .iter()
            .zip(tuple.iter())
            .enumerate()
            .filter(|(_, (wanted, value))| wanted.is_some_and(|wanted| wanted != **value))
            .map(|(column, _)| column)
            .collect()
    })
}
