//! Evaluation errors as data, and the monitor that stops a runaway dataflow.
//!
//! A worker must never panic or stop on its own: the others would wait for
//! it forever. An arithmetic error is therefore a record (`Fault`) in an error
//! collection beside the results. Like any record it is retracted when the
//! binding that caused it is, so the errors that remain once a time is
//! complete are exactly those of the final model, and the first of them (in
//! stratum order, as the datafrog engine would meet them) becomes the
//! `EvalError`. Runaway limits and Ctrl-C are watched by the `Monitor` that
//! every worker polls between steps.

use crate::eval::ValueError;
use crate::eval::{EvalError, Limits, Origin};
use crate::limits;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Where a record is computed: the rule or query, ranked in evaluation order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Site {
    /// The stratum's position in evaluation order (queries come after every stratum).
    pub rank: u32,
    /// 0 for a rule, 1 for a query.
    pub kind: u8,
    /// The `RuleId` or query index.
    pub index: u32,
}

impl Site {
    /// The site of a rule in the stratum at position `rank`.
    pub fn rule(rank: usize, rule: crate::analysis::ir::RuleId) -> Site {
        Site {
            rank: rank as u32,
            kind: 0,
            index: rule.0,
        }
    }

    /// The site of query `index`.
    pub fn query(index: usize) -> Site {
        Site {
            rank: u32::MAX,
            kind: 1,
            index: index as u32,
        }
    }

    /// The origin the datafrog engine would report.
    pub fn origin(self) -> Origin {
        if self.kind == 0 {
            Origin::Rule(crate::analysis::ir::RuleId(self.index))
        } else {
            Origin::Query(self.index as usize)
        }
    }
}

/// A `ValueError` in a form that can be sorted and sent between processes.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum FaultKind {
    /// `ValueError::IntegerOverflow`
    Overflow(String, String, String),
    /// `ValueError::DivisionByZero`
    DivisionByZero(String, String),
    /// `ValueError::TypeMismatch`
    TypeMismatch(String, String, String),
    /// `ValueError::DateOutOfRange`
    DateOutOfRange,
    /// `ValueError::BadPattern`
    BadPattern(String, String),
    /// `ValueError::Undefined`
    Undefined(String),
    /// `ValueError::TextTooLong`
    TextTooLong(String, usize),
    /// `ValueError::AggregateMixedKinds`
    AggregateMixedKinds(String, String, String),
}

/// One evaluation error, as a record.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Fault {
    /// The rule or query.
    pub site: Site,
    /// The body literal being evaluated; `None` for the head or answer.
    pub literal: Option<u32>,
    /// What went wrong.
    pub kind: FaultKind,
}

impl Fault {
    /// Records `error` at `site`.
    pub fn new(site: Site, literal: Option<usize>, error: ValueError) -> Fault {
        let kind = match error {
            ValueError::IntegerOverflow { lhs, op, rhs } => {
                FaultKind::Overflow(lhs, op.to_string(), rhs)
            }
            ValueError::DivisionByZero { lhs, op } => {
                FaultKind::DivisionByZero(lhs, op.to_string())
            }
            ValueError::TypeMismatch { op, lhs, rhs } => {
                FaultKind::TypeMismatch(op, lhs.to_string(), rhs.to_string())
            }
            ValueError::DateOutOfRange => FaultKind::DateOutOfRange,
            ValueError::BadPattern { pattern, message } => FaultKind::BadPattern(pattern, message),
            ValueError::Undefined { function } => FaultKind::Undefined(function.to_string()),
            ValueError::TextTooLong { function, bytes } => {
                FaultKind::TextTooLong(function.to_string(), bytes)
            }
            ValueError::AggregateMixedKinds { function, lhs, rhs } => {
                FaultKind::AggregateMixedKinds(
                    function.to_string(),
                    lhs.to_string(),
                    rhs.to_string(),
                )
            }
        };
        Fault {
            site,
            literal: literal.map(|literal| literal as u32),
            kind,
        }
    }

    /// The error the datafrog engine reports for the same failure.
    pub fn to_eval_error(&self) -> EvalError {
        let error = match &self.kind {
            FaultKind::Overflow(lhs, op, rhs) => ValueError::IntegerOverflow {
                lhs: lhs.clone(),
                op: static_name(op),
                rhs: rhs.clone(),
            },
            FaultKind::DivisionByZero(lhs, op) => ValueError::DivisionByZero {
                lhs: lhs.clone(),
                op: static_name(op),
            },
            FaultKind::TypeMismatch(op, lhs, rhs) => ValueError::TypeMismatch {
                op: op.clone(),
                lhs: static_name(lhs),
                rhs: static_name(rhs),
            },
            FaultKind::DateOutOfRange => ValueError::DateOutOfRange,
            FaultKind::BadPattern(pattern, message) => ValueError::BadPattern {
                pattern: pattern.clone(),
                message: message.clone(),
            },
            FaultKind::Undefined(function) => ValueError::Undefined {
                function: static_name(function),
            },
            FaultKind::TextTooLong(function, bytes) => ValueError::TextTooLong {
                function: static_name(function),
                bytes: *bytes,
            },
            FaultKind::AggregateMixedKinds(function, lhs, rhs) => ValueError::AggregateMixedKinds {
                function: static_name(function),
                lhs: static_name(lhs),
                rhs: static_name(rhs),
            },
        };
        EvalError::Value {
            error,
            origin: self.site.origin(),
            literal: self.literal.map(|literal| literal as usize),
        }
    }
}

/// `ValueError` names operators and types with static strings; a fault
/// that crossed a process boundary carries them as text.
fn static_name(name: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "+",
        "-",
        "*",
        "/",
        "mod",
        "integer",
        "decimal",
        "date",
        "datetime",
        "symbol",
        "string",
        "nothing",
        "abs",
        "pow",
        "split",
        "capture",
        "to_number",
        "concat",
        "lower",
        "upper",
        "min",
        "max",
    ];
    NAMES
        .iter()
        .find(|known| **known == name)
        .copied()
        .unwrap_or("value")
}

/// Why a worker of another process stopped, as a record every worker of a
/// cluster receives (the `Monitor` is shared only within a process).
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Halt {
    /// Ctrl-C.
    Interrupted,
    /// The tuple limit, and the rule named.
    TupleLimit(usize, Option<Site>),
    /// The round limit, and the rule named.
    RoundLimit(usize, Option<Site>),
    /// The memory limit of the process that stopped, in bytes.
    MemoryLimit(usize),
    /// An internal error, with its message.
    Internal(String),
    /// Anything else, as its message.
    Other(String),
}

impl Halt {
    /// The record of `error`.
    pub fn from_error(error: &EvalError) -> Halt {
        let site = |origin: &Option<Origin>| {
            origin.map(|origin| match origin {
                Origin::Rule(rule) => Site::rule(0, rule),
                Origin::Query(index) => Site::query(index),
            })
        };
        match error {
            EvalError::Interrupted => Halt::Interrupted,
            EvalError::TupleLimitExceeded { limit, origin } => {
                Halt::TupleLimit(*limit, site(origin))
            }
            EvalError::RoundLimitExceeded { limit, origin } => {
                Halt::RoundLimit(*limit, site(origin))
            }
            EvalError::MemoryExceeded { limit } => Halt::MemoryLimit(*limit),
            EvalError::Internal(message) => Halt::Internal(message.clone()),
            other => Halt::Other(other.to_string()),
        }
    }

    /// The error it stands for.
    pub fn to_error(&self) -> EvalError {
        match self {
            Halt::Interrupted => EvalError::Interrupted,
            Halt::TupleLimit(limit, site) => EvalError::TupleLimitExceeded {
                limit: *limit,
                origin: site.map(Site::origin),
            },
            Halt::RoundLimit(limit, site) => EvalError::RoundLimitExceeded {
                limit: *limit,
                origin: site.map(Site::origin),
            },
            Halt::MemoryLimit(limit) => EvalError::MemoryExceeded { limit: *limit },
            Halt::Internal(message) | Halt::Other(message) => EvalError::Internal(message.clone()),
        }
    }
}

/// Shared by the workers of one process: the limits, Ctrl-C, and the first
/// reason to stop.
pub struct Monitor {
    limits: Limits,
    cancel: Arc<AtomicBool>,
    /// The base facts of the program: what a lattice recursion's round limit scales with.
    n_facts: AtomicUsize,
    n_derived: AtomicUsize,
    stop: AtomicBool,
    /// True when the reason came from another process (it need not be sent on).
    remote: AtomicBool,
    reason: Mutex<Option<EvalError>>,
}

impl Monitor {
    /// A monitor for one evaluation.
    pub fn new(limits: Limits, cancel: Arc<AtomicBool>) -> Monitor {
        Monitor {
            limits,
            cancel,
            n_facts: AtomicUsize::new(0),
            n_derived: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            remote: AtomicBool::new(false),
            reason: Mutex::new(None),
        }
    }

    /// Counts derived records; past the limit, asks every worker to stop.
    pub fn count(&self, n_records: usize, origin: Option<Origin>) {
        let total = self.n_derived.fetch_add(n_records, Ordering::Relaxed) + n_records;
        if total > self.limits.max_tuples {
            self.halt(EvalError::TupleLimitExceeded {
                limit: self.limits.max_tuples,
                origin,
            });
        }
    }

    /// Checks the round of a recursion; past the limit, asks every worker to stop.
    pub fn round(&self, round: u64, origin: Option<Origin>) {
        // The default limit scales with the data: here, the records counted so far.
        let limit = self
            .limits
            .round_limit(self.n_derived.load(Ordering::Relaxed));
        if round > limit as u64 {
            self.halt(EvalError::RoundLimitExceeded { limit, origin });
        }
    }

    /// Checks the round of a recursion through lattice predicates, whose
    /// limit scales with the program's base facts (not with the records
    /// counted, which a cycle improving a value forever keeps raising).
    pub fn lattice_round(&self, round: u64, origin: Option<Origin>) {
        let limit = self
            .limits
            .lattice_round_limit(self.n_facts.load(Ordering::Relaxed));
        if round > limit as u64 {
            self.halt(EvalError::RoundLimitExceeded { limit, origin });
        }
    }

    /// Sets the number of base facts the lattice round limit scales with.
    pub fn set_facts(&self, n_facts: usize) {
        self.n_facts.store(n_facts, Ordering::Relaxed);
    }

    /// Starts counting again, for the next update of a live dataflow.
    pub fn reset_count(&self) {
        self.n_derived.store(0, Ordering::Relaxed);
    }

    /// Records the first reason to stop.
    pub fn halt(&self, error: EvalError) {
        if let Ok(mut reason) = self.reason.lock()
            && reason.is_none()
        {
            *reason = Some(error);
        }
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Records a reason to stop that another process sent.
    pub fn halt_from_remote(&self, error: EvalError) {
        self.remote.store(true, Ordering::Relaxed);
        self.halt(error);
    }

    /// True when the reason to stop came from another process.
    pub fn halted_remotely(&self) -> bool {
        self.remote.load(Ordering::Relaxed)
    }

    /// The reason to stop now, if there is one (Ctrl-C included).
    pub fn stopped(&self) -> Option<EvalError> {
        if let Err(halt) = limits::check_now(&self.cancel, self.limits.max_memory) {
            self.halt(halt.into());
        }
        if !self.stop.load(Ordering::Relaxed) {
            return None;
        }
        self.reason
            .lock()
            .ok()
            .and_then(|reason| reason.clone())
            .or(Some(EvalError::Interrupted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ir::RuleId;

    #[test]
    fn a_fault_stands_for_the_error_the_datafrog_engine_reports() {
        let errors = [
            ValueError::IntegerOverflow {
                lhs: "9223372036854775807".into(),
                op: "+",
                rhs: "1".into(),
            },
            ValueError::DivisionByZero {
                lhs: "8".into(),
                op: "mod",
            },
            ValueError::TypeMismatch {
                op: "<".into(),
                lhs: "symbol",
                rhs: "integer",
            },
            ValueError::DateOutOfRange,
        ];
        for error in errors {
            let fault = Fault::new(Site::rule(2, RuleId(7)), Some(3), error.clone());
            assert_eq!(
                fault.to_eval_error(),
                EvalError::Value {
                    error,
                    origin: Origin::Rule(RuleId(7)),
                    literal: Some(3),
                }
            );
        }
    }

    #[test]
    fn faults_sort_in_evaluation_order() {
        let error = || ValueError::DateOutOfRange;
        let lower = Fault::new(Site::rule(1, RuleId(9)), None, error());
        let higher = Fault::new(Site::rule(2, RuleId(0)), None, error());
        let query = Fault::new(Site::query(0), None, error());
        assert!(lower < higher && higher < query);
    }

    #[test]
    fn a_halt_record_stands_for_its_error() {
        for error in [
            EvalError::Interrupted,
            EvalError::TupleLimitExceeded {
                limit: 10,
                origin: Some(Origin::Rule(RuleId(4))),
            },
            EvalError::RoundLimitExceeded {
                limit: 5,
                origin: None,
            },
            EvalError::Internal("a dataflow worker panicked".into()),
        ] {
            assert_eq!(Halt::from_error(&error).to_error(), error);
        }
    }
}
