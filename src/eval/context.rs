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
use crate::limits::{self, Halt, Limits};
use std::sync::atomic::AtomicBool;

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
    /// The process held more memory than `--max-memory` allows.
    #[error(
        "evaluation stopped at the memory limit of {} (`--max-memory`)",
        limits::format_bytes(*limit)
    )]
    MemoryExceeded {
        /// The limit in force, in bytes.
        limit: usize,
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
            EvalError::MemoryExceeded { .. }
            | EvalError::ValuesExhausted
            | EvalError::Interrupted
            | EvalError::Internal(_) => None,
        }
    }
}

impl From<Halt> for EvalError {
    fn from(halt: Halt) -> EvalError {
        match halt {
            Halt::Interrupted => EvalError::Interrupted,
            Halt::MemoryExceeded { limit } => EvalError::MemoryExceeded { limit },
        }
    }
}

/// How many matches pass between two polls of Ctrl-C, the memory limit
/// and the tuples produced: rare enough to cost nothing, often enough that
/// a stop is noticed within milliseconds.
pub(super) const POLL_EVERY: u64 = 65_536;

/// Shared state of one evaluation.
pub(super) struct Context<'a> {
    pub(super) options: EvalOptions,
    pub(super) cancel: &'a AtomicBool,
    /// Tuples kept so far: the new tuples of every round that ended.
    pub(super) n_derived: usize,
    /// Tuples the model held when the evaluation started (its facts), set
    /// once by the caller: with `n_derived`, what the default round limit
    /// scales with, kept as a count so no stratum has to sum the relations.
    pub(super) n_known: usize,
    /// Matches left before the next poll (see [`Context::count_matches`]).
    until_poll: u64,
    pub(super) error: Option<EvalError>,
}

impl<'a> Context<'a> {
    /// A fresh evaluation: nothing derived, no error.
    pub(super) fn new(options: EvalOptions, cancel: &'a AtomicBool) -> Context<'a> {
        Context {
            options,
            cancel,
            n_derived: 0,
            n_known: 0,
            until_poll: POLL_EVERY,
            error: None,
        }
    }

    /// Counts `n` matches; true once every [`POLL_EVERY`] of them, when the
    /// caller must poll (the join loop's `Sink::stop_after`: Ctrl-C, the
    /// memory limit and the tuples produced so far).
    #[inline]
    pub(super) fn count_matches(&mut self, n: usize) -> bool {
        let n = n as u64;
        if self.until_poll > n {
            self.until_poll -= n;
            return false;
        }
        self.until_poll = POLL_EVERY;
        true
    }

    /// Checks Ctrl-C and the memory limit now; true (with the error
    /// recorded) when one stops evaluation.
    pub(super) fn check_now(&mut self) -> bool {
        match limits::check_now(self.cancel, self.options.limits.max_memory) {
            Ok(()) => false,
            Err(halt) => {
                if self.error.is_none() {
                    self.error = Some(halt.into());
                }
                true
            }
        }
    }

    /// True (with the error recorded, blamed on `origin`) when the tuples
    /// kept so far and `n_pending` produced since (rows in an output buffer,
    /// not yet deduplicated) are more than `--max-tuples`: the limit bounds
    /// what a round holds while it runs, not only what it keeps.
    pub(super) fn over_tuple_limit(&mut self, n_pending: usize, origin: Origin) -> bool {
        let limit = self.options.limits.max_tuples;
        if self.n_derived.saturating_add(n_pending) <= limit {
            return false;
        }
        if self.error.is_none() {
            self.error = Some(EvalError::TupleLimitExceeded {
                limit,
                origin: Some(origin),
            });
        }
        true
    }

    /// The round limit of a recursion starting now (see `Limits::round_limit`).
    pub(super) fn round_limit(&self) -> usize {
        self.options
            .limits
            .round_limit(self.n_known.saturating_add(self.n_derived))
    }

    /// The round limit of a recursion through lattice predicates starting
    /// now (see `Limits::lattice_round_limit`).
    pub(super) fn lattice_round_limit(&self) -> usize {
        self.options
            .limits
            .lattice_round_limit(self.n_known.saturating_add(self.n_derived))
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

    /// Ends a round that kept `n_new` new tuples: reports an error recorded
    /// during it, Ctrl-C, the memory limit, the tuple limit, and a round
    /// count past `round_limit`. The limits blame `origin`: the rule that
    /// still produced something in this round (for a runaway recursion, a
    /// recursive rule, not merely the stratum's first).
    pub(super) fn after_round(
        &mut self,
        n_new: usize,
        rounds: usize,
        round_limit: usize,
        origin: Option<Origin>,
    ) -> Result<(), EvalError> {
        if self.error.is_none() {
            self.check_now();
        }
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.n_derived = self.n_derived.saturating_add(n_new);
        if self.n_derived > self.options.limits.max_tuples {
            return Err(EvalError::TupleLimitExceeded {
                limit: self.options.limits.max_tuples,
                origin,
            });
        }
        if rounds > round_limit {
            return Err(EvalError::RoundLimitExceeded {
                limit: round_limit,
                origin,
            });
        }
        Ok(())
    }
}
