//! The evaluation context: the runaway limits and options a caller sets,
//! where an error happened and why evaluation stopped, and the run-time
//! state one evaluation threads through its stages (counters, Ctrl-C, the
//! first error).
//!
//! Owns no algorithm. It must never see a `Span`: an error names the rule
//! or query (`Origin`) and the body literal, and the caller maps those back
//! to source.

use super::store::ValueError;
use crate::analysis::ir::RuleId;
use std::sync::atomic::{AtomicBool, Ordering};

/// Bounds that stop a runaway program with an error instead of exhausting memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most tuples derived (including intermediate join results) in one evaluation.
    pub max_tuples: usize,
    /// Most rounds of one stratum's fixpoint.
    pub max_rounds: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_tuples: 50_000_000,
            max_rounds: 1_000_000,
        }
    }
}

/// How to evaluate.
#[derive(Clone, Copy, Debug, Default)]
pub struct EvalOptions {
    /// The runaway limits.
    pub limits: Limits,
    /// Record each tuple's round, so explanations can rebuild shortest derivations.
    pub record_rounds: bool,
    /// Evaluate only what the program's queries need: strata that only
    /// queries answered from demand (magic sets) read are left out of the
    /// model, and each such query computes the part it asks for. For a run
    /// that answers its queries and ends; a model kept for later questions
    /// is complete without it.
    pub demand: bool,
    /// Run each recursive rule in its written order (reading its new tuples
    /// in place) instead of choosing, each round, the plan that relation
    /// sizes say is cheaper.
    pub written_order: bool,
}

/// Where an evaluation error happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// In a rule.
    Rule(RuleId),
    /// In the query with this index.
    Query(usize),
}

/// Why evaluation stopped.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// Arithmetic overflow, division by zero, or a type mismatch seen only at run time.
    #[error("{error}")]
    Value {
        /// What went wrong.
        error: ValueError,
        /// The rule or query computing it.
        origin: Origin,
        /// The index of the body literal being evaluated; `None` for the head.
        literal: Option<usize>,
    },
    /// Too many tuples: probably a runaway recursion.
    #[error(
        "evaluation stopped after deriving {limit} tuples (the limit); a rule probably creates new values without end"
    )]
    TupleLimitExceeded {
        /// The limit in force.
        limit: usize,
        /// A rule of the stratum that was running.
        origin: Option<Origin>,
    },
    /// Too many rounds in one stratum.
    #[error(
        "evaluation stopped after {limit} rounds of one recursion (the limit); a rule probably creates new values without end"
    )]
    RoundLimitExceeded {
        /// The limit in force.
        limit: usize,
        /// A rule of the stratum that was running.
        origin: Option<Origin>,
    },
    /// More distinct texts (or large integers) than a packed value can name.
    #[error(
        "evaluation stopped after interning 536,870,912 distinct texts or large integers (the most a value can name)"
    )]
    ValuesExhausted,
    /// Ctrl-C.
    #[error("evaluation interrupted")]
    Interrupted,
    /// The plan did not fit the program (an internal error, reported rather than panicking).
    #[error("internal error: {0}")]
    Internal(String),
}

impl EvalError {
    /// The body literal involved (an index into the rule's or query's body), if known.
    pub fn literal(&self) -> Option<usize> {
        match self {
            EvalError::Value { literal, .. } => *literal,
            _ => None,
        }
    }

    /// The rule or query involved, if known.
    pub fn origin(&self) -> Option<Origin> {
        match self {
            EvalError::Value { origin, .. } => Some(*origin),
            EvalError::TupleLimitExceeded { origin, .. }
            | EvalError::RoundLimitExceeded { origin, .. } => *origin,
            EvalError::ValuesExhausted | EvalError::Interrupted | EvalError::Internal(_) => None,
        }
    }
}

/// Shared state of one evaluation.
pub(super) struct Context<'a> {
    pub(super) options: EvalOptions,
    pub(super) cancel: &'a AtomicBool,
    pub(super) n_derived: usize,
    /// Matches seen, to poll for Ctrl-C within a round.
    pub(super) n_matches: u64,
    pub(super) error: Option<EvalError>,
}

impl<'a> Context<'a> {
    /// A fresh evaluation: nothing derived, no error.
    pub(super) fn new(options: EvalOptions, cancel: &'a AtomicBool) -> Context<'a> {
        Context {
            options,
            cancel,
            n_derived: 0,
            n_matches: 0,
            error: None,
        }
    }

    /// Counts one match and, every 65,536 of them, checks for Ctrl-C; true
    /// (with the error recorded) once interrupted.
    pub(super) fn interrupted_now(&mut self) -> bool {
        self.n_matches = self.n_matches.wrapping_add(1);
        if self.n_matches.is_multiple_of(65_536) && self.cancel.load(Ordering::Relaxed) {
            self.error = Some(EvalError::Interrupted);
            return true;
        }
        false
    }

    pub(super) fn fail(&mut self, error: ValueError, origin: Origin, literal: Option<usize>) {
        if self.error.is_none() {
            self.error = Some(EvalError::Value {
                error,
                origin,
                literal,
            });
        }
    }

    /// Counts new tuples and checks the limits and Ctrl-C; called once per round.
    pub(super) fn after_round(
        &mut self,
        n_new: usize,
        rounds: usize,
        origin: Option<Origin>,
    ) -> Result<(), EvalError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if self.cancel.load(Ordering::Relaxed) {
            return Err(EvalError::Interrupted);
        }
        self.n_derived += n_new;
        if self.n_derived > self.options.limits.max_tuples {
            return Err(EvalError::TupleLimitExceeded {
                limit: self.options.limits.max_tuples,
                origin,
            });
        }
        if rounds > self.options.limits.max_rounds {
            return Err(EvalError::RoundLimitExceeded {
                limit: self.options.limits.max_rounds,
                origin,
            });
        }
        Ok(())
    }
}
