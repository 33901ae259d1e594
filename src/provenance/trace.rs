//! The evaluation as a teacher shows it: strata in order, and round by
//! round the new facts each rule derived.
//!
//! Owns the [`Trace`] data, built from a model evaluated with rounds
//! recorded: each derived tuple's rank says in which round it first
//! appeared, and the rule that derived it is the root step of its shortest
//! derivation (the same search `why` uses, cut below the root). It runs no
//! evaluation of its own and changes nothing; long traces are bounded by
//! [`TraceOptions`] and say how much they left out.

use super::search::Explainer;
use super::{ExplainOptions, ModelView, Support};
use crate::analysis::ir::PredId;
use crate::eval::{EvalError, Tuple};
use crate::value::{Value, fact_text};
use serde::Serialize;
use std::collections::BTreeMap;

/// How much of a trace to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TraceOptions {
    /// Facts listed per round; the rest are counted.
    pub max_per_round: usize,
    /// Facts listed in the whole trace; later rounds are only counted.
    pub max_facts: usize,
}

impl Default for TraceOptions {
    fn default() -> TraceOptions {
        TraceOptions {
            max_per_round: 10,
            max_facts: 200,
        }
    }
}

/// The trace of one evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trace {
    /// Base facts (stated, not derived).
    pub n_base_facts: usize,
    /// The strata that derive something, or have rules, in evaluation order.
    pub strata: Vec<StratumTrace>,
    /// Derived facts in all.
    pub n_derived: usize,
    /// Derived facts listed.
    pub n_listed: usize,
    /// The limits it was built with.
    pub options: TraceOptions,
}

/// One stratum: the predicates it defines and its rounds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StratumTrace {
    /// 1-based position in evaluation order.
    pub number: usize,
    /// `name/arity` of each predicate it defines.
    pub predicates: Vec<String>,
    /// True when a rule reads a predicate of the same stratum.
    pub recursive: bool,
    /// Number of rules.
    pub n_rules: usize,
    /// The rounds in which something new appeared.
    pub rounds: Vec<RoundTrace>,
}

/// One round: the new facts, grouped by the rule that derived them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundTrace {
    /// 1-based within its stratum.
    pub number: usize,
    /// New facts in this round.
    pub n_new: usize,
    /// The listed ones, by rule (in order of the rules' first fact).
    pub by_rule: Vec<RuleFacts>,
    /// New facts not listed (`n_new` minus those listed).
    pub n_unlisted: usize,
}

/// Facts one rule derived in one round.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleFacts {
    /// The rule as written, whitespace collapsed.
    pub rule: String,
    /// Where it is written.
    pub file: String,
    /// Its first line.
    pub line: usize,
    /// The facts, in Datalog syntax.
    pub facts: Vec<String>,
}

/// Builds the trace of `view`'s model, which must record rounds (every
/// derived fact otherwise looks stated).
pub fn trace(view: &ModelView<'_>, options: TraceOptions) -> Result<Trace, EvalError> {
    let program = view.program;
    let database = view.database;
    let mut explainer = Explainer::new(
        view,
        ExplainOptions {
            max_depth: 1,
            ..ExplainOptions::default()
        },
    );
    let mut result = Trace {
        n_base_facts: 0,
        strata: Vec::new(),
        n_derived: 0,
        n_listed: 0,
        options,
    };
    let mut stated: Vec<bool> = vec![false; program.predicates.len()];
    for fact in &program.facts {
        if let Some(slot) = stated.get_mut(fact.predicate.0 as usize) {
            *slot = true;
        }
    }
    let mut in_strata = vec![false; program.predicates.len()];
    for stratum in &program.strata {
        // Every derived tuple of the stratum, by the rank it appeared in.
        let mut by_rank: BTreeMap<u64, Vec<(PredId, Vec<Value>, Tuple)>> = BTreeMap::new();
        for &predicate in &stratum.predicates {
            if let Some(slot) = in_strata.get_mut(predicate.0 as usize) {
                *slot = true;
            }
            for tuple in database.relation(predicate).iter() {
                let rank = database.rank_of(predicate, &tuple).unwrap_or(0);
                if rank == 0 {
                    result.n_base_facts += 1;
                    continue;
                }
                let values = tuple
                    .iter()
                    .map(|&cell| database.store.unpack(cell))
                    .collect();
                by_rank
                    .entry(rank)
                    .or_default()
                    .push((predicate, values, tuple));
            }
        }
        // An integrity constraint's hidden predicate is no step of the
        // evaluation a reader wrote (and derives nothing when the model is
        // accepted at all).
        let only_constraints = stratum
            .predicates
            .iter()
            .all(|&predicate| program.predicate(predicate).is_constraint());
        if stratum.rules.is_empty() || only_constraints {
            continue;
        }
        let mut rounds = Vec::new();
        for (round_index, mut tuples) in by_rank.into_values().enumerate() {
            // Listed in the order answers are: by predicate, then by value.
            tuples.sort_by(|left, right| (left.0, &left.1).cmp(&(right.0, &right.1)));
            let mut round = RoundTrace {
                number: round_index + 1,
                n_new: 0,
                by_rule: Vec::new(),
                n_unlisted: 0,
            };
            for (predicate, values, tuple) in tuples {
                let listed_here: usize = round.by_rule.iter().map(|rule| rule.facts.len()).sum();
                let room =
                    listed_here < options.max_per_round && result.n_listed < options.max_facts;
                let derivation = if room || stated[predicate.0 as usize] {
                    Some(explainer.derivation(predicate, &tuple)?)
                } else {
                    None
                };
                // A stated fact of a derived predicate is not news of a round.
                let step = match derivation.map(|derivation| derivation.support) {
                    Some(Support::Fact { .. }) => {
                        result.n_base_facts += 1;
                        continue;
                    }
                    Some(Support::Rule(step)) => Some(step),
                    _ => None,
                };
                round.n_new += 1;
                result.n_derived += 1;
                let Some(step) = step.filter(|_| room) else {
                    round.n_unlisted += 1;
                    continue;
                };
                let fact = fact_text(&program.predicate(predicate).name, &values);
                result.n_listed += 1;
                match round.by_rule.iter_mut().find(|rule| {
                    rule.file == step.file && rule.line == step.line && rule.rule == step.rule
                }) {
                    Some(rule) => rule.facts.push(fact),
                    None => round.by_rule.push(RuleFacts {
                        rule: step.rule,
                        file: step.file,
                        line: step.line,
                        facts: vec![fact],
                    }),
                }
            }
            if round.n_new > 0 {
                rounds.push(round);
            }
        }
        for (number, round) in rounds.iter_mut().enumerate() {
            round.number = number + 1;
        }
        result.strata.push(StratumTrace {
            number: result.strata.len() + 1,
            predicates: stratum
                .predicates
                .iter()
                .map(|&predicate| {
                    let predicate = program.predicate(predicate);
                    format!("{}/{}", predicate.name, predicate.arity)
                })
                .collect(),
            recursive: stratum.recursive,
            n_rules: stratum.rules.len(),
            rounds,
        });
    }
    // Predicates outside every stratum hold only stated facts.
    for (index, inside) in in_strata.iter().enumerate() {
        if !inside {
            result.n_base_facts += database.relation(PredId(index as u32)).len();
        }
    }
    Ok(result)
}
