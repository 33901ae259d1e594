//! `CheckError`: every problem the analysis and the citation check can find.
//!
//! Owns the variants, their stable codes and their wording. It detects
//! nothing itself and renders nothing: the checks build these values and
//! `to_diagnostic` turns them into plain `Diagnostic` data for `present`.

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::span::Span;

/// A problem found by the checks: an error (`E2xx`, `E40x`) or a warning (`W0xx`).
///
/// Variant names are subject-first so related ones sort together. Messages
/// hold no location; `span()` gives the primary one.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CheckError {
    /// `E201`: one predicate used with two arities.
    #[error("predicate `{name}` is used with {first_arity} and with {arity} arguments")]
    PredicateArityMismatch {
        /// The predicate.
        name: String,
        /// Arity at this use.
        arity: usize,
        /// Arity at the first use.
        first_arity: usize,
        /// This use.
        span: Span,
        /// The first use.
        first_use: Span,
    },
    /// `E202`: a variable that nothing binds (range restriction).
    #[error("variable `{name}` is unsafe: nothing binds it")]
    VariableUnsafe {
        /// The variable as written.
        name: String,
        /// Where it is needed, e.g. "used in the head".
        place: String,
        /// An occurrence of it.
        span: Span,
    },
    /// `E203`: a recursive cycle through `not`.
    #[error("{} through negation", describe_cycle(.predicates))]
    NegationCycle {
        /// The predicates on the cycle, in cycle order.
        predicates: Vec<String>,
        /// One label per edge of the cycle: the literal and what it does.
        edges: Vec<(Span, String)>,
        /// The negated literal.
        span: Span,
    },
    /// `E204`: values of incompatible types combined where that is certain before evaluation.
    #[error("{message}")]
    TypeMismatch {
        /// What is wrong, e.g. "cannot apply `+` to a string and an int".
        message: String,
        /// The offending expression or comparison.
        span: Span,
        /// The operands and their types.
        operands: Vec<(Span, String)>,
    },
    /// `E205`: a fact argument that contradicts the `%%` declared type.
    #[error(
        "argument {position} (`{argument}`) of `{predicate}` is declared `{declared}` but this is {found}"
    )]
    FactTypeMismatch {
        /// The predicate.
        predicate: String,
        /// 1-based argument position.
        position: usize,
        /// The argument's name in the signature.
        argument: String,
        /// The declared type.
        declared: String,
        /// The constant's type, with its article ("a symbol").
        found: String,
        /// The argument.
        span: Span,
        /// The documentation block declaring the type.
        doc: Span,
    },
    /// `E206`: a fact with a variable in it.
    #[error("fact is not ground: `{name}` is a variable")]
    FactNotGround {
        /// The variable as written (`_` for the anonymous one).
        name: String,
        /// The variable.
        span: Span,
    },
    /// `E207`: a recursive cycle through an aggregate.
    #[error("{} through an aggregate", describe_cycle(.predicates))]
    AggregateCycle {
        /// The predicates on the cycle, in cycle order.
        predicates: Vec<String>,
        /// One label per edge of the cycle.
        edges: Vec<(Span, String)>,
        /// The aggregate literal.
        span: Span,
    },
    /// `E208`: an expression where a fact needs a constant.
    #[error("fact arguments must be constants, not expressions")]
    FactArgumentNotConstant {
        /// The expression.
        span: Span,
    },
    /// `E209`: `@ "article": "quote"` on a rule.
    #[error("citations are only allowed on facts, not on rules")]
    CitationOnRule {
        /// The citation.
        span: Span,
    },
    /// `E210`: `_` where a value is needed.
    #[error("`_` cannot be used in {place}")]
    VariableAnonymousMisplaced {
        /// "a head", "an expression", ...
        place: &'static str,
        /// The `_`.
        span: Span,
    },
    /// `E211`: a function that does not exist.
    #[error("unknown function `{name}`")]
    FunctionUnknown {
        /// As written.
        name: String,
        /// A close built-in name.
        suggestion: Option<String>,
        /// The name.
        span: Span,
    },
    /// `E212`: a built-in called with the wrong number of arguments.
    #[error("function `{name}` takes {expected} {}, but {found} {} given", plural(*.expected, "argument"), if *.found == 1 { "was" } else { "were" })]
    FunctionArityMismatch {
        /// The function.
        name: String,
        /// Its arity.
        expected: usize,
        /// Arguments given.
        found: usize,
        /// The call.
        span: Span,
    },
    /// `E213`: a value function standing alone as if it were a filter.
    #[error("function `{name}` computes a value and cannot stand alone as a condition")]
    FunctionNotFilter {
        /// The function.
        name: String,
        /// The call.
        span: Span,
    },
    /// `E214`: `contains(...)` used as a value.
    #[error("`{name}` is a condition, not a value")]
    FunctionNotValue {
        /// The function (`contains`).
        name: String,
        /// The call.
        span: Span,
    },
    /// `E230`: a constant regular expression that does not compile.
    #[error("invalid regular expression `{pattern}`: {message}")]
    PatternInvalid {
        /// The pattern.
        pattern: String,
        /// Why it does not compile.
        message: String,
        /// The literal holding it.
        span: Span,
    },
    /// `E231`: a partial function in a head or an aggregate's value.
    #[error("`{name}` can have no value, so it cannot be used in {place}")]
    FunctionPartialMisplaced {
        /// The function.
        name: String,
        /// "a rule head" or "an aggregate value".
        place: &'static str,
        /// The clause or aggregate.
        span: Span,
    },
    /// `E232`: a rule head argument whose type contradicts the signature.
    #[error(
        "rule for `{predicate}` can put {found} into argument {position} (`{argument}`), declared `{declared}`"
    )]
    RuleTypeMismatch {
        /// The predicate.
        predicate: String,
        /// 1-based argument position.
        position: usize,
        /// The argument's documented name.
        argument: String,
        /// The declared type.
        declared: String,
        /// What the rule can produce, e.g. "an int".
        found: String,
        /// The head argument.
        span: Span,
        /// The `%%` block.
        doc: Span,
    },
    /// `E233`: clauses of one predicate that do not agree on its lattice
    /// argument (`min D`, `max D`), or a rule without it beside one with it.
    #[error(
        "clauses of `{predicate}` disagree on its lattice argument: {found} here, {first} before"
    )]
    LatticeDisagreement {
        /// The predicate.
        predicate: String,
        /// What this clause has, e.g. "`min` on argument 3" or "none".
        found: String,
        /// What the other clause has.
        first: String,
        /// This clause's head.
        span: Span,
        /// The other clause's head.
        first_span: Span,
    },
    /// `E234`: a lattice argument whose values have no order to keep the
    /// least or greatest of (symbols, or values of mixed kinds).
    #[error(
        "the lattice argument of `{predicate}` holds {found}, which has no order for `{function}`"
    )]
    LatticeTypeUnordered {
        /// The predicate.
        predicate: String,
        /// `min` or `max`.
        function: &'static str,
        /// What it can hold, e.g. "a symbol".
        found: String,
        /// The lattice argument.
        span: Span,
    },
    /// `E235`: a recursion through a lattice predicate that also holds a
    /// predicate without one, or lattice predicates of both `min` and `max`.
    #[error("{message}")]
    LatticeRecursionMixed {
        /// What is wrong.
        message: String,
        /// The body atom that closes the recursion.
        span: Span,
    },
    /// `E236`: a lattice value read inside its own recursion in a way that
    /// a better value could undo (it is not monotone).
    #[error("the lattice value `{variable}` of `{predicate}` is {usage} inside its own recursion")]
    LatticeNotMonotone {
        /// The variable holding the value read.
        variable: String,
        /// The lattice predicate read.
        predicate: String,
        /// How it is used, e.g. "compared with `>`".
        usage: String,
        /// Where it is used.
        span: Span,
    },
    /// `E215`: `sum`, `min` or `max` without the aggregated value.
    #[error("aggregate `{function}` needs a value to aggregate")]
    AggregateValueMissing {
        /// The aggregate function keyword.
        function: &'static str,
        /// The aggregate.
        span: Span,
    },
    /// `E216`: `count X : { ... }`.
    #[error("aggregate `count` takes no value")]
    AggregateValueUnexpected {
        /// The value.
        span: Span,
    },
    /// `E217`: an aggregate inside an aggregate.
    #[error("aggregates cannot be nested")]
    AggregateNested {
        /// The inner aggregate.
        span: Span,
    },
    /// `E218`: an aggregate whose result variable is already bound by the rest of the body.
    #[error("aggregate result `{name}` is already bound elsewhere in the body")]
    AggregateResultBound {
        /// The result variable.
        name: String,
        /// The aggregate's result variable.
        span: Span,
    },
    /// `E219`: a `%%` block whose first line is not a valid signature.
    #[error("invalid signature in documentation: {reason}")]
    DocSignatureInvalid {
        /// What is wrong with it.
        reason: String,
        /// The block.
        span: Span,
    },
    /// `E220`: a `%%` signature naming another predicate or arity than the clause after it.
    #[error("documentation describes `{documented}` but the next clause defines `{defined}`")]
    DocSignatureMismatch {
        /// `name/arity` from the signature.
        documented: String,
        /// `name/arity` of the clause's head.
        defined: String,
        /// The block.
        span: Span,
        /// The clause's head.
        head: Span,
    },
    /// `E221`: `@` on a predicate that rules derive.
    #[error("`@` reads the citations of base facts, but `{predicate}` is derived by rules")]
    CitationOfDerived {
        /// The predicate.
        predicate: String,
        /// The `@` pattern.
        span: Span,
        /// The head of a rule deriving it.
        rule: Span,
    },
    /// `E222`: `#export` of a predicate that no clause mentions.
    #[error("`#export` names `{name}`, which no clause mentions")]
    ExportUnknown {
        /// The predicate as written.
        name: String,
        /// A close known name.
        suggestion: Option<String>,
        /// The name in the directive.
        span: Span,
    },
    /// `E401`: a citation naming no known article.
    #[error("unknown article `{article}`")]
    ArticleUnknown {
        /// As written.
        article: String,
        /// The short names of the known articles.
        known: Vec<String>,
        /// The article string.
        span: Span,
    },
    /// `E402`: a citation prefix matching several articles.
    #[error("article `{article}` is ambiguous: it matches {} articles", .matches.len())]
    ArticleAmbiguous {
        /// As written.
        article: String,
        /// The matching file names.
        matches: Vec<String>,
        /// The article string.
        span: Span,
    },
    /// `E403`: a quote that the article does not contain.
    #[error("quote not found in `{article}`")]
    QuoteNotFound {
        /// The resolved file name.
        article: String,
        /// The closest passage of the article, if any is close.
        closest: Option<String>,
        /// The quote.
        span: Span,
    },
    /// `E404`: `""` as a quote.
    #[error("citation quote is empty")]
    QuoteEmpty {
        /// The quote.
        span: Span,
    },
    /// `W001`: an atom naming a predicate that no fact or rule defines.
    #[error("predicate `{name}` is not defined by any fact or rule")]
    PredicateUndefined {
        /// The predicate.
        name: String,
        /// A close defined name.
        suggestion: Option<String>,
        /// The atom's predicate name.
        span: Span,
    },
    /// `W002`: `Qatar` where `qatar` is a known constant.
    #[error("variable `{name}` matches anything; did you mean the constant `{constant}`?")]
    VariableLikeConstant {
        /// The variable.
        name: String,
        /// The constant it resembles.
        constant: String,
        /// Its first occurrence.
        span: Span,
    },
    /// `W003`: a named variable occurring once in a rule.
    #[error("variable `{name}` is used only once; write `_{name}` or `_` if that is intended")]
    VariableSingleton {
        /// The variable.
        name: String,
        /// Its occurrence.
        span: Span,
    },
    /// `W004`: `=` or `!=` between values that can never be equal.
    #[error("this comparison is always {}: {lhs} and {rhs} are never equal", if *.always { "true" } else { "false" })]
    ComparisonConstant {
        /// The result it always has.
        always: bool,
        /// Left operand type.
        lhs: String,
        /// Right operand type.
        rhs: String,
        /// The comparison.
        span: Span,
        /// The operands.
        operands: Vec<(Span, String)>,
    },
    /// `W007`: a constant whose type never occurs in its column.
    #[error("argument {position} of `{predicate}` is never {found}: this atom never matches")]
    ConstantTypeNeverMatches {
        /// The predicate.
        predicate: String,
        /// The argument, from 1.
        position: usize,
        /// The constant's type, with its article (`a string`).
        found: String,
        /// What the column holds (`a date`).
        column: String,
        /// The constant written in the column's type, when it can be.
        suggestion: Option<String>,
        /// The constant.
        span: Span,
    },
    /// `W005`: a `%%` block with no clause after it.
    #[error("documentation block is not followed by a clause")]
    DocOrphan {
        /// The block.
        span: Span,
    },
    /// `W006`: a predicate documented a second time.
    #[error("predicate `{predicate}` is already documented; this block is ignored")]
    DocDuplicate {
        /// The predicate.
        predicate: String,
        /// The second block.
        span: Span,
        /// The first block.
        first: Span,
    },
}

fn describe_cycle(predicates: &[String]) -> String {
    let mut names: Vec<&str> = predicates.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [one] => format!("predicate `{one}` depends on itself"),
        _ => {
            let listed: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            format!("predicates {} depend on each other", listed.join(", "))
        }
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    }
}

const SAFETY_NOTE: &str = "a variable is bound by a positive body atom such as `p(X)`, or by `X = ...` whose other side is bound";

impl CheckError {
    /// The stable code, e.g. `E202`.
    pub fn code(&self) -> Code {
        match self {
            CheckError::PredicateArityMismatch { .. } => Code::E201,
            CheckError::VariableUnsafe { .. } => Code::E202,
            CheckError::NegationCycle { .. } => Code::E203,
            CheckError::TypeMismatch { .. } => Code::E204,
            CheckError::FactTypeMismatch { .. } => Code::E205,
            CheckError::FactNotGround { .. } => Code::E206,
            CheckError::AggregateCycle { .. } => Code::E207,
            CheckError::FactArgumentNotConstant { .. } => Code::E208,
            CheckError::CitationOnRule { .. } => Code::E209,
            CheckError::VariableAnonymousMisplaced { .. } => Code::E210,
            CheckError::FunctionUnknown { .. } => Code::E211,
            CheckError::FunctionArityMismatch { .. } => Code::E212,
            CheckError::FunctionNotFilter { .. } => Code::E213,
            CheckError::FunctionNotValue { .. } => Code::E214,
            CheckError::PatternInvalid { .. } => Code::E230,
            CheckError::FunctionPartialMisplaced { .. } => Code::E231,
            CheckError::RuleTypeMismatch { .. } => Code::E232,
            CheckError::LatticeDisagreement { .. } => Code::E233,
            CheckError::LatticeTypeUnordered { .. } => Code::E234,
            CheckError::LatticeRecursionMixed { .. } => Code::E235,
            CheckError::LatticeNotMonotone { .. } => Code::E236,
            CheckError::AggregateValueMissing { .. } => Code::E215,
            CheckError::AggregateValueUnexpected { .. } => Code::E216,
            CheckError::AggregateNested { .. } => Code::E217,
            CheckError::AggregateResultBound { .. } => Code::E218,
            CheckError::DocSignatureInvalid { .. } => Code::E219,
            CheckError::DocSignatureMismatch { .. } => Code::E220,
            CheckError::CitationOfDerived { .. } => Code::E221,
            CheckError::ExportUnknown { .. } => Code::E222,
            CheckError::ArticleUnknown { .. } => Code::E401,
            CheckError::ArticleAmbiguous { .. } => Code::E402,
            CheckError::QuoteNotFound { .. } => Code::E403,
            CheckError::QuoteEmpty { .. } => Code::E404,
            CheckError::PredicateUndefined { .. } => Code::W001,
            CheckError::VariableLikeConstant { .. } => Code::W002,
            CheckError::VariableSingleton { .. } => Code::W003,
            CheckError::ComparisonConstant { .. } => Code::W004,
            CheckError::DocOrphan { .. } => Code::W005,
            CheckError::DocDuplicate { .. } => Code::W006,
            CheckError::ConstantTypeNeverMatches { .. } => Code::W007,
        }
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.code().severity()
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        match self {
            CheckError::PredicateArityMismatch { span, .. }
            | CheckError::VariableUnsafe { span, .. }
            | CheckError::NegationCycle { span, .. }
            | CheckError::TypeMismatch { span, .. }
            | CheckError::FactTypeMismatch { span, .. }
            | CheckError::FactNotGround { span, .. }
            | CheckError::AggregateCycle { span, .. }
            | CheckError::FactArgumentNotConstant { span }
            | CheckError::CitationOnRule { span }
            | CheckError::VariableAnonymousMisplaced { span, .. }
            | CheckError::FunctionUnknown { span, .. }
            | CheckError::FunctionArityMismatch { span, .. }
            | CheckError::FunctionNotFilter { span, .. }
            | CheckError::FunctionNotValue { span, .. }
            | CheckError::PatternInvalid { span, .. }
            | CheckError::FunctionPartialMisplaced { span, .. }
            | CheckError::RuleTypeMismatch { span, .. }
            | CheckError::LatticeDisagreement { span, .. }
            | CheckError::LatticeTypeUnordered { span, .. }
            | CheckError::LatticeRecursionMixed { span, .. }
            | CheckError::LatticeNotMonotone { span, .. }
            | CheckError::AggregateValueMissing { span, .. }
            | CheckError::AggregateValueUnexpected { span }
            | CheckError::AggregateNested { span }
            | CheckError::AggregateResultBound { span, .. }
            | CheckError::DocSignatureInvalid { span, .. }
            | CheckError::DocSignatureMismatch { span, .. }
            | CheckError::CitationOfDerived { span, .. }
            | CheckError::ExportUnknown { span, .. }
            | CheckError::ArticleUnknown { span, .. }
            | CheckError::ArticleAmbiguous { span, .. }
            | CheckError::QuoteNotFound { span, .. }
            | CheckError::QuoteEmpty { span }
            | CheckError::PredicateUndefined { span, .. }
            | CheckError::VariableLikeConstant { span, .. }
            | CheckError::VariableSingleton { span, .. }
            | CheckError::ComparisonConstant { span, .. }
            | CheckError::DocOrphan { span }
            | CheckError::DocDuplicate { span, .. }
            | CheckError::ConstantTypeNeverMatches { span, .. } => *span,
        }
    }

    /// The error as a diagnostic: code, message, primary and secondary labels, notes.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let code = self.code();
        let message = self.to_string();
        let span = self.span();
        let base = match self.severity() {
            Severity::Error => Diagnostic::error(code, message, span),
            Severity::Warning => Diagnostic::warning(code, message, span),
        };
        match self {
            CheckError::PredicateArityMismatch {
                arity,
                first_arity,
                first_use,
                ..
            } => base
                .with_label_message(format!("{arity} {} here", plural(*arity, "argument")))
                .with_secondary(
                    *first_use,
                    format!(
                        "{first_arity} {} at its first use",
                        plural(*first_arity, "argument")
                    ),
                ),
            CheckError::VariableUnsafe { place, .. } => {
                base.with_label_message(place.clone()).with_note(SAFETY_NOTE)
            }
            CheckError::NegationCycle {
                predicates, edges, ..
            }
            | CheckError::AggregateCycle {
                predicates, edges, ..
            } => {
                let mut diagnostic = base;
                let mut edges = edges.iter();
                if let Some((_, message)) = edges.next() {
                    diagnostic = diagnostic.with_label_message(message.clone());
                }
                for (span, message) in edges {
                    diagnostic = diagnostic.with_secondary(*span, message.clone());
                }
                let mut path: Vec<String> =
                    predicates.iter().map(|name| format!("`{name}`")).collect();
                if let Some(first) = path.first().cloned() {
                    path.push(first);
                }
                diagnostic
                    .with_note(format!("cycle: {}", path.join(" → ")))
                    .with_note(
                        "a predicate cannot depend on its own negation or aggregate; \
                         move the negated or aggregated part out of the recursion",
                    )
            }
            // The operands carry the labels: the first is the primary one, so
            // the caret sits under a value and says what type it has.
            CheckError::TypeMismatch { operands, .. }
            | CheckError::ComparisonConstant { operands, .. } => {
                let Some(((first_span, first_message), rest)) = operands.split_first() else {
                    return base;
                };
                let mut diagnostic = Diagnostic {
                    labels: Vec::new(),
                    ..base
                }
                .with_secondary(*first_span, first_message.clone());
                for (span, message) in rest {
                    diagnostic = diagnostic.with_secondary(*span, message.clone());
                }
                diagnostic
            }
            CheckError::ConstantTypeNeverMatches {
                found,
                column,
                suggestion,
                ..
            } => {
                let diagnostic = base
                    .with_label_message(format!("this is {found}; the column holds {column}"));
                match suggestion {
                    Some(suggestion) => {
                        diagnostic.with_note(format!("help: write it as {column}: `{suggestion}`"))
                    }
                    None => diagnostic,
                }
            }
            CheckError::FactTypeMismatch { doc, declared, .. } => base
                .with_label_message(format!("expected {}", with_article(declared)))
                .with_secondary(*doc, "type declared here"),
            CheckError::FactNotGround { .. } => base
                .with_label_message("a fact needs a value here")
                .with_note("facts take only constants; to derive facts from others, write a rule `head :- body.`"),
            CheckError::FactArgumentNotConstant { .. } => base
                .with_note("arithmetic is not evaluated in facts; write the resulting value"),
            CheckError::CitationOnRule { .. } => base
                .with_note("a rule's answers are justified by the citations of the facts it uses"),
            CheckError::VariableAnonymousMisplaced { .. } => base
                .with_note("`_` matches anything and has no value; name the variable instead"),
            CheckError::FunctionUnknown { suggestion, .. } => {
                let diagnostic = base.with_note(format!(
                    "the functions are {}",
                    crate::syntax::lexer::BUILTIN_FUNCTIONS
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                match suggestion {
                    Some(name) => diagnostic.with_label_message(format!("did you mean `{name}`?")),
                    None => diagnostic,
                }
            }
            CheckError::FunctionNotFilter { name, .. } => base.with_note(format!(
                "use its value in a comparison, such as `N = {name}(...)`"
            )),
            CheckError::FunctionNotValue { name, .. } => base.with_note(format!(
                "write `{name}(...)` on its own as a body literal"
            )),
            CheckError::PatternInvalid { .. } => base.with_note(
                "patterns use the syntax of Rust's `regex` crate (no look-around or back-references); escape a backslash in a string as `\\\\`",
            ),
            CheckError::FunctionPartialMisplaced { name, .. } => base.with_note(format!(
                "bind it in the body first: `V = {name}(...)`; a match without a value then simply does not count"
            )),
            CheckError::RuleTypeMismatch { doc, .. } => base
                .with_secondary(*doc, "declared here")
                .with_note("fix the rule, or the `%%` signature if the rule is right"),
            CheckError::LatticeDisagreement { first_span, .. } => base
                .with_secondary(*first_span, "the other clause")
                .with_note("every rule of a lattice predicate marks the same argument with the same `min` or `max`; its facts may leave it out"),
            CheckError::LatticeTypeUnordered { .. } => base.with_note(
                "a lattice argument holds integers, decimals, dates, datetimes or strings, one kind (integers and decimals may mix)",
            ),
            CheckError::LatticeRecursionMixed { .. } => base.with_note(
                "inside a recursion every predicate keeps a best value the same way (all `min` or all `max`); compute the other predicate in a rule outside the recursion",
            ),
            CheckError::LatticeNotMonotone { .. } => base.with_note(
                "inside its recursion a lattice value may only flow into the head's lattice argument, through `+`, `-` (on its left), `min(...)`, `max(...)`, and be bounded (`D < 100` for `min`, `D > 0` for `max`); read it freely in a rule outside the recursion",
            ),
            CheckError::AggregateValueMissing { function, .. } => {
                base.with_note(format!("write it as `S = {function} K : {{ p(K) }}`"))
            }
            CheckError::AggregateNested { .. } => base.with_note(
                "compute the inner aggregate in a rule of its own and read its result: `inner(X, M) :- q(X), M = count : { r(X, _) }.`",
            ),
            CheckError::AggregateValueUnexpected { .. } => {
                base.with_note("`count` counts the distinct matches of its body: `N = count : { p(X) }`, or the distinct values of terms: `N = count X : { p(X, _) }`")
            }
            CheckError::AggregateResultBound { name, .. } => base.with_note(format!(
                "give the aggregate a fresh variable and compare it: `M = count : {{ ... }}, M = {name}`"
            )),
            CheckError::DocSignatureInvalid { .. } => base.with_label_message("not a signature").with_note(
                "the first `%%` line is the signature, e.g. `%% mediates(Mediator: symbol, Talks: symbol)`; \
                 types are `symbol`, `string`, `int`, `date` or `any`",
            ),
            CheckError::DocSignatureMismatch { head, .. } => {
                base.with_secondary(*head, "the clause after it")
            }
            CheckError::CitationOfDerived { rule, .. } => base
                .with_label_message("citations of a derived predicate")
                .with_secondary(*rule, "derived by this rule")
                .with_note(
                    "derived facts are explained, not cited: `:why` shows the cited facts \
                     they rest on; put `@` on the base predicates the rules read",
                ),
            CheckError::ExportUnknown { suggestion, .. } => match suggestion {
                Some(name) => base.with_label_message(format!("did you mean `{name}`?")),
                None => base.with_note("export a predicate that a fact, a rule or an import defines"),
            },
            CheckError::ArticleUnknown { known, .. } => {
                const SHOWN: usize = 12;
                let mut listed: Vec<String> =
                    known.iter().take(SHOWN).map(|name| format!("`{name}`")).collect();
                if known.len() > SHOWN {
                    listed.push(format!("and {} more (`:articles` lists them)", known.len() - SHOWN));
                }
                if listed.is_empty() {
                    base.with_note("no articles are loaded")
                } else {
                    base.with_note(format!("known articles: {}", listed.join(", ")))
                }
            }
            CheckError::ArticleAmbiguous { matches, .. } => {
                let matches: Vec<String> = matches.iter().map(|name| format!("`{name}`")).collect();
                base.with_note(format!("it matches {}", matches.join(", ")))
            }
            CheckError::QuoteNotFound { closest, .. } => match closest {
                Some(passage) => base.with_note(format!("closest passage: \"{passage}\"")),
                None => base,
            },
            CheckError::PredicateUndefined { suggestion, .. } => match suggestion {
                Some(name) => base.with_label_message(format!("did you mean `{name}`?")),
                None => base.with_note("this atom never matches"),
            },
            CheckError::VariableLikeConstant { constant, .. } => base
                .with_label_message(format!("a variable, not the constant `{constant}`"))
                .with_note(format!(
                "variables start with an uppercase letter or `_`; constants are lowercase, like `{constant}`"
            )),
            CheckError::DocDuplicate { first, .. } => {
                base.with_secondary(*first, "first documented here")
            }
            CheckError::FunctionArityMismatch { .. }
            | CheckError::QuoteEmpty { .. }
            | CheckError::DocOrphan { .. } => base,
            CheckError::VariableSingleton { .. } => base.with_label_message("used only once"),
        }
    }
}

/// `int` → `an int`, `symbol` → `a symbol`.
pub(crate) fn with_article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}
