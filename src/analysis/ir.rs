//! The checked program: what `analysis` hands to `plan` and `eval`.
//!
//! Predicates are interned to `PredId`s, variables numbered per rule, and
//! every rule, fact and query keeps the `Span` it came from so that later
//! stages (provenance, diagnostics) can point back at the source. Nothing
//! here is unchecked: every rule is safe, every arity consistent, and
//! `strata` is a valid evaluation order.

use crate::span::Span;
use crate::syntax::ast::{AggregateFunction, ArithOp, Citation, CompareOp, LatticeFunction};
use crate::table::FactTable;
use crate::value::Value;
use serde::Serialize;
use std::ops::Range;
use std::sync::Arc;

/// Index into `Program::predicates`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PredId(pub u32);

/// Index into `Rule::variables` (or `Query::variables`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct VarId(pub u32);

/// Index into `Program::rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RuleId(pub u32);

/// Index into `Program::facts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FactId(pub u32);

/// A whole checked program.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Program {
    /// Every predicate mentioned anywhere, by `PredId`.
    pub predicates: Vec<Predicate>,
    /// Ground clauses without a body, in source order (duplicates kept: each has its citations).
    pub facts: Vec<Fact>,
    /// Facts kept in fact tables: runs of plain facts of a file, imported rows.
    pub fact_rows: Vec<FactRows>,
    /// Clauses with a body, by `RuleId`.
    pub rules: Vec<Rule>,
    /// Evaluation order: each stratum only reads lower strata, and itself positively.
    pub strata: Vec<Stratum>,
    /// Queries in file order.
    pub queries: Vec<Query>,
    /// Integrity constraints `:- body.`, each evaluated as a rule of a
    /// hidden predicate whose tuples are its violations.
    pub constraints: Vec<Constraint>,
}

/// `:- body.`: the rule deriving its violations and how to report them.
#[derive(Clone, Debug, Serialize)]
pub struct Constraint {
    /// The hidden predicate (named `:-N`) holding one tuple per violation.
    pub predicate: PredId,
    /// The rule deriving it; its head is the named variables of the body.
    pub rule: RuleId,
    /// The names of the hidden predicate's columns.
    pub columns: Vec<String>,
    /// The constraint as written, e.g. `:- talks(T), not outcome(T, _).`
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

impl Program {
    /// The predicate behind `id`.
    pub fn predicate(&self, id: PredId) -> &Predicate {
        &self.predicates[id.0 as usize]
    }

    /// The rule behind `id`.
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.rules[id.0 as usize]
    }

    /// Looks a predicate up by name (never a hidden citation relation).
    pub fn predicate_id(&self, name: &str) -> Option<PredId> {
        self.predicates
            .iter()
            .position(|predicate| predicate.name == name && predicate.citations_of.is_none())
            .map(|index| PredId(index as u32))
    }

    /// The predicates people name: every one but the hidden citation relations.
    pub fn visible_predicates(&self) -> impl Iterator<Item = (PredId, &Predicate)> {
        self.predicates
            .iter()
            .enumerate()
            .filter(|(_, predicate)| predicate.citations_of.is_none())
            .map(|(index, predicate)| (PredId(index as u32), predicate))
    }

    /// Number of base facts of `predicate`: clauses and table rows (repeats counted).
    pub fn n_facts(&self, predicate: PredId) -> usize {
        let clauses = self
            .facts
            .iter()
            .filter(|fact| fact.predicate == predicate)
            .count();
        let rows: usize = self
            .fact_rows
            .iter()
            .filter(|rows| rows.predicate == predicate)
            .map(|rows| rows.rows.len())
            .sum();
        clauses + rows
    }

    /// Number of base facts of every predicate: clauses and table rows.
    pub fn n_all_facts(&self) -> usize {
        self.facts.len()
            + self
                .fact_rows
                .iter()
                .map(|rows| rows.rows.len())
                .sum::<usize>()
    }
}

/// The prefix of the hidden predicates of constraints: no user can write it.
pub const CONSTRAINT_PREFIX: &str = ":-";

/// A predicate: name, arity, documentation.
#[derive(Clone, Debug, Serialize)]
pub struct Predicate {
    /// As written.
    pub name: String,
    /// Number of arguments.
    pub arity: usize,
    /// The `%%` block written before its first clause, if any.
    pub doc: Option<PredicateDoc>,
    /// True when some fact or rule defines it.
    pub defined: bool,
    /// Where it first appears.
    pub first_use: Span,
    /// For the hidden relation behind `p(...) @ A : Q`: the predicate `p`
    /// whose citations it holds. Its columns are `p`'s, then the article id
    /// and the quote, one row per citation of a base fact of `p`. Its name
    /// (`p@`) cannot be written, and listings leave it out.
    pub citations_of: Option<PredId>,
    /// For a predicate whose rules mark an argument `min D` or `max D`:
    /// which one, and whether the least or greatest value of a key is kept.
    pub lattice: Option<Lattice>,
}

/// A lattice predicate's kept column: its relation holds one tuple per
/// value of the other columns (the key), the one whose `column` is least
/// (`Min`) or greatest (`Max`) among all derived for that key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Lattice {
    /// The kept column, from 0.
    pub column: usize,
    /// Least or greatest.
    pub function: LatticeFunction,
}

impl Predicate {
    /// True for the hidden predicate of an integrity constraint, which no
    /// listing shows and no user can name.
    pub fn is_constraint(&self) -> bool {
        self.name.starts_with(CONSTRAINT_PREFIX)
    }
}

/// A parsed `%%` documentation block.
#[derive(Clone, Debug, Serialize)]
pub struct PredicateDoc {
    /// The first line, e.g. `mediates(Mediator: symbol, Talks: symbol)`.
    pub signature: String,
    /// Argument names and declared types (`symbol`, `string`, `int`, `date`) from the signature.
    pub arguments: Vec<ArgumentDoc>,
    /// The remaining lines: what it means.
    pub description: Vec<String>,
    /// The block.
    pub span: Span,
}

/// One argument of a documented signature.
#[derive(Clone, Debug, Serialize)]
pub struct ArgumentDoc {
    /// `Mediator`
    pub name: String,
    /// `symbol`, `string`, `int`, `date` or `any`.
    pub declared_type: Option<String>,
}

/// A base fact with its citations.
#[derive(Clone, Debug, Serialize)]
pub struct Fact {
    /// Its predicate.
    pub predicate: PredId,
    /// Its ground arguments.
    pub values: Vec<Value>,
    /// `@ "article": "quote"` annotations.
    pub citations: Vec<Citation>,
    /// The clause.
    pub span: Span,
}

/// Rows of a fact table that are base facts of one predicate.
#[derive(Clone, Debug, Serialize)]
pub struct FactRows {
    /// Their predicate.
    pub predicate: PredId,
    /// The table.
    pub table: Arc<FactTable>,
    /// Which rows.
    pub rows: Range<usize>,
    /// The first fact's head, or the imported predicate in its directive.
    pub span: Span,
}

/// A rule `head :- body.`, checked safe.
#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    /// The head predicate and its argument expressions.
    pub head: Head,
    /// The body in source order; `plan` chooses the evaluation order.
    pub body: Vec<BodyLiteral>,
    /// Variable names by `VarId`; anonymous variables get names like `_#3`.
    pub variables: Vec<String>,
    /// The clause as written.
    pub span: Span,
}

/// `p(X, Y + 1)` in a head.
#[derive(Clone, Debug, Serialize)]
pub struct Head {
    /// The derived predicate.
    pub predicate: PredId,
    /// One expression per argument; every variable in them is bound by the body.
    pub args: Vec<Expr>,
}

/// A value computed from bound variables.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Expr {
    /// A variable.
    Var(VarId),
    /// A constant.
    Const(Value),
    /// `lhs op rhs`
    Binary {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// A built-in function applied to arguments.
    Call {
        /// Which function.
        function: Function,
        /// Arguments.
        args: Vec<Expr>,
    },
}

impl Expr {
    /// Adds every variable of the expression to `out`.
    pub fn collect_variables(&self, out: &mut Vec<VarId>) {
        match self {
            Expr::Var(var) => out.push(*var),
            Expr::Const(_) => {}
            Expr::Binary { lhs, rhs, .. } => {
                lhs.collect_variables(out);
                rhs.collect_variables(out);
            }
            Expr::Call { args, .. } => args.iter().for_each(|arg| arg.collect_variables(out)),
        }
    }
}

/// The built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Function {
    /// `len(S)`: number of characters of a string or symbol.
    Len,
    /// `concat(A, B)`: a string; symbols and numbers are converted to text.
    Concat,
    /// `lower(S)`
    Lower,
    /// `upper(S)`
    Upper,
    /// `contains(S, Part)`: a test.
    Contains,
    /// `starts_with(S, Prefix)`: a test.
    StartsWith,
    /// `ends_with(S, Suffix)`: a test.
    EndsWith,
    /// `substr(S, Start, Length)`: characters from `Start` (0-based), clamped to the text.
    Substr,
    /// `replace(S, From, To)`: every occurrence of `From` replaced.
    Replace,
    /// `split(S, Separator, Index)`: the part at `Index` (0-based); no value past the last.
    Split,
    /// `match(Pattern, S)`: a test, the regular expression matches somewhere in `S`.
    Match,
    /// `capture(Pattern, S, Group)`: the text of a group of the first match; no value without one.
    Capture,
    /// `to_number(S)`: the integer or decimal a text spells; no value otherwise.
    ToNumber,
    /// `to_string(X)`: any value as a string of its plain text.
    ToString,
    /// `year(D)`
    Year,
    /// `month(D)`
    Month,
    /// `day(D)`
    Day,
    /// `weekday(D)`: the English day name as a symbol.
    Weekday,
    /// `to_date(T)`: the calendar date of a datetime in its own zone.
    ToDate,
    /// `hour(T)`: the hour of a datetime in its own zone.
    Hour,
    /// `minute(T)`
    Minute,
    /// `hours_between(From, To)`: whole hours from one datetime to another.
    HoursBetween,
    /// `minutes_between(From, To)`: whole minutes from one datetime to another.
    MinutesBetween,
    /// `abs(X)`
    Abs,
    /// `pow(X, N)`: `X` to a power `N >= 0`.
    Pow,
    /// `min(A, B)`: the smaller of two numbers (or two values of one kind).
    Min,
    /// `max(A, B)`
    Max,
    /// `round(X)`: a decimal rounded half away from zero to an integer.
    Round,
    /// `not f(...)` of a test: written `not`, never called by name.
    Not,
}

impl Function {
    /// Every function a user can name, with its name.
    pub const NAMED: &[(&str, Function)] = &[
        ("len", Function::Len),
        ("concat", Function::Concat),
        ("lower", Function::Lower),
        ("upper", Function::Upper),
        ("contains", Function::Contains),
        ("starts_with", Function::StartsWith),
        ("ends_with", Function::EndsWith),
        ("substr", Function::Substr),
        ("replace", Function::Replace),
        ("split", Function::Split),
        ("match", Function::Match),
        ("capture", Function::Capture),
        ("to_number", Function::ToNumber),
        ("to_string", Function::ToString),
        ("year", Function::Year),
        ("month", Function::Month),
        ("day", Function::Day),
        ("weekday", Function::Weekday),
        ("to_date", Function::ToDate),
        ("hour", Function::Hour),
        ("minute", Function::Minute),
        ("hours_between", Function::HoursBetween),
        ("minutes_between", Function::MinutesBetween),
        ("abs", Function::Abs),
        ("pow", Function::Pow),
        ("min", Function::Min),
        ("max", Function::Max),
        ("round", Function::Round),
    ];

    /// Looks a function up by name.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::NAMED
            .iter()
            .find(|(written, _)| *written == name)
            .map(|(_, function)| *function)
    }

    /// Its name as written.
    pub fn name(self) -> &'static str {
        if self == Function::Not {
            return "not";
        }
        Function::NAMED
            .iter()
            .find(|(_, function)| *function == self)
            .map_or("?", |(name, _)| name)
    }

    /// Number of arguments it takes.
    pub fn arity(self) -> usize {
        match self {
            Function::Concat
            | Function::Contains
            | Function::StartsWith
            | Function::EndsWith
            | Function::Match
            | Function::HoursBetween
            | Function::MinutesBetween
            | Function::Pow
            | Function::Min
            | Function::Max => 2,
            Function::Substr | Function::Replace | Function::Split | Function::Capture => 3,
            _ => 1,
        }
    }

    /// True for the tests (`contains`, `starts_with`, `ends_with`, `match`
    /// and their negations): written alone as a condition, never as a value.
    pub fn is_test(self) -> bool {
        matches!(
            self,
            Function::Contains
                | Function::StartsWith
                | Function::EndsWith
                | Function::Match
                | Function::Not
        )
    }

    /// True for the functions that have no value for some arguments
    /// (`split`, `capture`, `to_number`): the body literal holding one fails.
    pub fn is_partial(self) -> bool {
        matches!(
            self,
            Function::Split | Function::Capture | Function::ToNumber
        )
    }
}

/// One argument of a body atom.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Arg {
    /// A variable (repeated variables in one atom mean equality).
    Var(VarId),
    /// A constant that the column must equal.
    Const(Value),
    /// `_`: matches anything, binds nothing.
    Wildcard,
}

/// One literal of a rule or query body.
#[derive(Clone, Debug, Serialize)]
pub enum BodyLiteral {
    /// `p(X, a, _)` or `not p(X, _)`.
    Atom {
        /// The predicate.
        predicate: PredId,
        /// Its arguments.
        args: Vec<Arg>,
        /// True for `not p(...)`.
        negated: bool,
        /// The literal as written.
        span: Span,
    },
    /// `lhs op rhs`; an `=` whose one side is a variable not yet bound binds it.
    Compare {
        /// The operator.
        op: CompareOp,
        /// Left side.
        lhs: Expr,
        /// Right side.
        rhs: Expr,
        /// As written.
        span: Span,
    },
    /// A standalone boolean built-in such as `contains(S, "x")`.
    Filter {
        /// The call (`Expr::Call`).
        call: Expr,
        /// As written.
        span: Span,
    },
    /// `N = count : { ... }`
    Aggregate(Aggregate),
}

impl BodyLiteral {
    /// Adds the variables the literal shares with the rest of its body: an
    /// atom's or test's variables, an aggregate's result and groups (not the
    /// variables local to its braces).
    pub fn visible_variables(&self, out: &mut Vec<VarId>) {
        match self {
            BodyLiteral::Atom { args, .. } => out.extend(args.iter().filter_map(|arg| match arg {
                Arg::Var(var) => Some(*var),
                Arg::Const(_) | Arg::Wildcard => None,
            })),
            BodyLiteral::Compare { lhs, rhs, .. } => {
                lhs.collect_variables(out);
                rhs.collect_variables(out);
            }
            BodyLiteral::Filter { call, .. } => call.collect_variables(out),
            BodyLiteral::Aggregate(aggregate) => {
                out.push(aggregate.result);
                out.extend(aggregate.group_by.iter().copied());
            }
        }
    }

    /// Adds every variable of the literal: its visible ones and, for an
    /// aggregate, those of its value and its body too.
    pub fn all_variables(&self, out: &mut Vec<VarId>) {
        self.visible_variables(out);
        if let BodyLiteral::Aggregate(aggregate) = self {
            if let Some(value) = &aggregate.value {
                value.collect_variables(out);
            }
            aggregate
                .projection
                .iter()
                .for_each(|term| term.collect_variables(out));
            aggregate
                .body
                .iter()
                .for_each(|inner| inner.all_variables(out));
        }
    }

    /// Where the literal is written.
    pub fn span(&self) -> Span {
        match self {
            BodyLiteral::Atom { span, .. }
            | BodyLiteral::Compare { span, .. }
            | BodyLiteral::Filter { span, .. } => *span,
            BodyLiteral::Aggregate(aggregate) => aggregate.span,
        }
    }
}

/// An aggregate literal with its grouping made explicit.
#[derive(Clone, Debug, Serialize)]
pub struct Aggregate {
    /// Receives the result.
    pub result: VarId,
    /// `count`, `sum`, `min`, `max`.
    pub function: AggregateFunction,
    /// The aggregated expression (`None` for `count`).
    pub value: Option<Expr>,
    /// `X, Y` of `count X, Y : { ... }`: count their distinct values
    /// (empty: count the distinct matches of the body).
    pub projection: Vec<Expr>,
    /// The literals inside the braces; anonymous variables in them are given
    /// fresh `VarId`s, so the aggregate ranges over distinct matches of the whole body.
    pub body: Vec<BodyLiteral>,
    /// Variables of the body that also occur outside the braces: the groups.
    /// They are bound by the rest of the rule before the aggregate is looked up.
    pub group_by: Vec<VarId>,
    /// As written.
    pub span: Span,
}

/// A set of predicates evaluated together to a fixpoint.
#[derive(Clone, Debug, Serialize)]
pub struct Stratum {
    /// The predicates it defines.
    pub predicates: Vec<PredId>,
    /// The rules whose heads are among them.
    pub rules: Vec<RuleId>,
    /// True when some rule reads a predicate of this same stratum.
    pub recursive: bool,
}

/// `?- body.` with its answer columns.
#[derive(Clone, Debug, Serialize)]
pub struct Query {
    /// The conjunction.
    pub body: Vec<BodyLiteral>,
    /// Variable names by `VarId`.
    pub variables: Vec<String>,
    /// The answer columns: named variables not starting with `_`, in order of first appearance.
    pub shown: Vec<VarId>,
    /// The query as written, e.g. `?- mediates(M, T).`
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::Function;
    use crate::syntax::lexer::BUILTIN_FUNCTIONS;

    #[test]
    fn every_builtin_name_is_a_function_and_back() {
        for name in BUILTIN_FUNCTIONS {
            let function = Function::from_name(name);
            assert_eq!(function.map(Function::name), Some(*name));
        }
        assert_eq!(BUILTIN_FUNCTIONS.len(), Function::NAMED.len());
        assert_eq!(Function::from_name("nope"), None);
    }
}
