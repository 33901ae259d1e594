//! Analysis: checks a parsed program and builds the `ir`.
//!
//! Runs every check and collects every diagnostic rather than stopping at the
//! first: arity, safety, types, stratification, undefined predicates,
//! capitalised constants. Imports `syntax` and `diagnostic` only.

pub mod ir;
