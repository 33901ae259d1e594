//! wirelog: a Datalog reasoning engine for the news.
//!
//! Facts derived from news articles, each citing the sentence it comes from,
//! are loaded into a semi-naive fixpoint engine built on `datafrog`; rules and
//! queries are written in a Prolog-style Datalog (see `docs/language.md`).
//!
//! # The pipeline
//!
//! | stage | module | input → output |
//! |---|---|---|
//! | syntax | [`syntax`] | text → [`syntax::ast::Program`] (every node spanned), syntax errors |
//! | analysis | [`analysis`] | ASTs → [`analysis::ir::Program`] (ids, strata, safety, types), diagnostics |
//! | planning | [`plan`] | IR → [`plan::ProgramPlan`]: each body as a left-deep join pipeline |
//! | evaluation | [`eval`] | plan → [`eval::Database`] via datafrog, then [`value::Answer`]s |
//! | provenance | [`provenance`] | a read-only model view → derivation trees (why / why not) |
//! | presentation | [`present`] | answers, diagnostics, derivations → table, CSV, JSON, DOT, text |
//!
//! Beneath them: [`span`] (source texts and spans), [`text`] (suggestions),
//! [`value`] (values, dates, answers), [`diagnostic`] (diagnostics and their
//! codes), [`articles`] (the articles citations quote). Above them:
//! [`session::Session`] runs the stages end to end (a rejected input leaves
//! it unchanged), [`course`] holds the lessons and checks a student's answers
//! to their exercises, [`repl`] is the REPL without a terminal, which the
//! `wirelog` binary drives, and [`web`] serves the same shell to a browser
//! page (`wirelog serve`). ARCHITECTURE.md has the layers and their rules.
//!
//! # Example
//!
//! ```
//! use wirelog::value::Value;
//! use wirelog::session::Session;
//!
//! let mut session = Session::default();
//! session
//!     .load_text("mediates(qatar, istanbul_talks). mediates(turkey, istanbul_talks).")
//!     .expect("facts load");
//! session
//!     .load_text("co_mediator(A, B) :- mediates(A, T), mediates(B, T), A != B.")
//!     .expect("rule loads");
//! let accepted = session.load_text("?- co_mediator(qatar, Who).").expect("query runs");
//! let answer = &accepted.answers[0];
//! assert_eq!(answer.columns, vec!["Who"]);
//! assert_eq!(answer.rows, vec![vec![Value::Symbol("turkey".into())]]);
//!
//! // A rejected input reports diagnostics and changes nothing.
//! let rejected = session.load_text("bad(X) :- mediates(qatar, _).").unwrap_err();
//! assert_eq!(rejected.diagnostics[0].code, wirelog::diagnostic::Code::E202);
//! ```
#![warn(missing_docs)]

pub mod analysis;
pub mod articles;
pub mod course;
pub mod datafile;
pub mod dataflow;
pub mod diagnostic;
pub mod eval;
pub mod limits;
pub mod plan;
pub mod present;
pub mod provenance;
pub mod repl;
pub mod session;
pub mod span;
pub mod syntax;
pub mod table;
pub mod text;
pub mod value;
pub mod web;
