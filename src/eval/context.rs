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
            EvalError::MemoryExceeded { .. } | EvalError::Interrupted | EvalError::Internal(_) => {
                None
            }
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

/// Shared state of one evaluation.
pub(super) struct Context<'a> {
    pub(super) options: EvalOptions,
    pub(super) cancel: &'a AtomicBool,
    /// Tuples produced so far: head tuples and intermediate join results.
    pub(super) n_derived: usize,
    /// Matches seen, to poll for Ctrl-C and the memory limit within a round.
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

    /// Counts one match and, every 65,536 of them, checks for Ctrl-C and
    /// the memory limit; true (with the error recorded) once either stops
    /// evaluation. Every loop over matches calls it once per match.
    pub(super) fn interrupted_now(&mut self) -> bool {
        self.n_matches = self.n_matches.wrapping_add(1);
        if self.n_matches.is_multiple_of(65_536) {
            return self.check_now();
        }
        false
    }

    /// Checks Ctrl-C and the memory limit now; true (with the error recorded) when one stops evaluation.
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

    /// Counts one tuple produced by `origin` (a head tuple or an
    /// intermediate join result), as it is produced; true (with the error
    /// recorded) once there are more than `--max-tuples`. Every place that
    /// stores a produced tuple calls it first, so the limit bounds memory
    /// within a round, not only between rounds.
    pub(super) fn produced(&mut self, origin: Origin) -> bool {
        self.n_derived += 1;
        if self.n_derived > self.options.limits.max_tuples {
            if self.error.is_none() {
                self.error = Some(EvalError::TupleLimitExceeded {
                    limit: self.options.limits.max_tuples,
                    origin: Some(origin),
                });
            }
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

    /// Ends a round: reports an error recorded during it, Ctrl-C, the
    /// memory limit, and a round count past `round_limit` (blamed on
    /// `origin`, the rule that derived something new in this round).
    pub(super) fn after_round(
        &mut self,
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
        if rounds > round_limit {
            return Err(EvalError::RoundLimitExceeded {
                limit: round_limit,
                origin,
            });
        }
        Ok(())
    }
}
