//! Name resolution and lowering: surface clauses to `ir` facts, rules and queries.
//!
//! Owns predicate interning (`PredId` in order of first appearance) and the
//! arity check, `%%` documentation blocks, ground facts, per-rule variable
//! numbering, the desugaring of expressions in atom arguments, and aggregate
//! scoping (`group_by` versus local variables). It does not decide whether a
//! rule is safe, well typed or stratifiable: `safety`, `types` and `stratify`
//! do, on what this module builds.

use std::collections::{HashMap, HashSet};

use super::error::CheckError;
use super::ir::{self, Arg, ArgumentDoc, BodyLiteral, Expr, Function, PredId, PredicateDoc, VarId};
use super::suggest;
use crate::syntax::ast::{self, AggregateFunction, CompareOp, ConstantValue, Literal, Term};
use crate::syntax::span::Span;

/// The lowered program plus what later checks need to point back at the source.
pub(crate) struct Resolved {
    /// Predicates, facts, rules and queries (strata are left empty).
    pub program: ir::Program,
    /// Per rule, by `RuleId`: where each variable occurs.
    pub rule_sources: Vec<ClauseSource>,
    /// Per query, in order: where each variable occurs.
    pub query_sources: Vec<ClauseSource>,
}

/// Source positions of one rule or query that the `ir` does not keep.
pub(crate) struct ClauseSource {
    /// For each `VarId`, the spans of its occurrences in source order.
    pub occurrences: Vec<Vec<Span>>,
    /// The head atom of a rule; `None` for a query.
    pub head: Option<Span>,
}

impl ClauseSource {
    /// An occurrence of `var` inside `within`, or else its first occurrence.
    pub fn occurrence_in(&self, var: VarId, within: Span) -> Span {
        let occurrences = self.occurrences.get(var.0 as usize);
        occurrences
            .and_then(|spans| {
                spans.iter().find(|span| {
                    span.source == within.source
                        && span.start >= within.start
                        && span.end <= within.end
                })
            })
            .or_else(|| occurrences.and_then(|spans| spans.first()))
            .copied()
            .unwrap_or(within)
    }
}

/// Interns every predicate, attaches documentation, and lowers every clause and query.
pub(crate) fn resolve_programs(
    programs: &[&ast::Program],
    errors: &mut Vec<CheckError>,
) -> Resolved {
    let mut resolver = Resolver {
        predicates: Vec::new(),
        by_name: HashMap::new(),
        reported_arities: HashSet::new(),
        errors,
        resolved: Resolved {
            program: ir::Program::default(),
            rule_sources: Vec::new(),
            query_sources: Vec::new(),
        },
    };
    for program in programs {
        let mut pending_doc: Option<&ast::DocBlock> = None;
        for item in &program.items {
            match item {
                ast::Item::Doc(block) => {
                    if let Some(orphan) = pending_doc.replace(block) {
                        resolver
                            .errors
                            .push(CheckError::DocOrphan { span: orphan.span });
                    }
                }
                ast::Item::Clause(clause) => {
                    let predicate = resolver.intern(&clause.head);
                    if let Some(block) = pending_doc.take() {
                        resolver.attach_doc(predicate, block, &clause.head);
                    }
                    if clause.is_fact() {
                        resolver.lower_fact(predicate, clause);
                    } else {
                        resolver.lower_rule(predicate, clause);
                    }
                }
                ast::Item::Query(query) => {
                    if let Some(orphan) = pending_doc.take() {
                        resolver
                            .errors
                            .push(CheckError::DocOrphan { span: orphan.span });
                    }
                    resolver.lower_query(query);
                }
                ast::Item::Include(_) => {
                    if let Some(orphan) = pending_doc.take() {
                        resolver
                            .errors
                            .push(CheckError::DocOrphan { span: orphan.span });
                    }
                }
            }
        }
        if let Some(orphan) = pending_doc {
            resolver
                .errors
                .push(CheckError::DocOrphan { span: orphan.span });
        }
    }
    resolver.resolved.program.predicates = resolver.predicates;
    resolver.resolved
}

/// The names that count as "outside" every aggregate of a clause: the head's
/// variables, those of the non-aggregate literals, and the aggregate results.
///
/// A variable of an aggregate body is a grouping variable when it is one of
/// these, and local to that aggregate otherwise; two aggregates that both use
/// a local `K` each get their own `K`.
pub(crate) fn outside_names<'a>(
    head: Option<&'a ast::Atom>,
    body: &'a [Literal],
) -> HashSet<&'a str> {
    let mut idents = Vec::new();
    if let Some(head) = head {
        head.args
            .iter()
            .for_each(|term| term_variables(term, &mut idents));
    }
    for literal in body {
        match literal {
            Literal::Aggregate(aggregate) => idents.push(&aggregate.result),
            other => literal_variables(other, &mut idents),
        }
    }
    idents
        .into_iter()
        .map(|ident| ident.name.as_str())
        .collect()
}

/// Every named variable of a term, in source order.
pub(crate) fn term_variables<'a>(term: &'a Term, out: &mut Vec<&'a ast::Ident>) {
    match term {
        Term::Variable(ident) => out.push(ident),
        Term::Anonymous(_) | Term::Constant(_) => {}
        Term::Binary { lhs, rhs, .. } => {
            term_variables(lhs, out);
            term_variables(rhs, out);
        }
        Term::Call(call) => call.args.iter().for_each(|arg| term_variables(arg, out)),
    }
}

/// Every named variable of a literal, in source order, aggregates included.
pub(crate) fn literal_variables<'a>(literal: &'a Literal, out: &mut Vec<&'a ast::Ident>) {
    match literal {
        Literal::Positive(atom) | Literal::Negative { atom, .. } => {
            atom.args.iter().for_each(|term| term_variables(term, out));
        }
        Literal::Comparison(comparison) => {
            term_variables(&comparison.lhs, out);
            term_variables(&comparison.rhs, out);
        }
        Literal::Builtin(call) => call.args.iter().for_each(|arg| term_variables(arg, out)),
        Literal::Aggregate(aggregate) => {
            out.push(&aggregate.result);
            if let Some(value) = &aggregate.value {
                term_variables(value, out);
            }
            aggregate
                .body
                .iter()
                .for_each(|inner| literal_variables(inner, out));
        }
    }
}

struct Resolver<'e> {
    predicates: Vec<ir::Predicate>,
    by_name: HashMap<String, PredId>,
    /// `(predicate, arity)` pairs already reported, so one wrong arity is reported once.
    reported_arities: HashSet<(PredId, usize)>,
    errors: &'e mut Vec<CheckError>,
    resolved: Resolved,
}

impl Resolver<'_> {
    /// The id of the atom's predicate, creating it on first use; reports an arity mismatch.
    fn intern(&mut self, atom: &ast::Atom) -> PredId {
        let name = &atom.predicate.name;
        let arity = atom.args.len();
        if let Some(&id) = self.by_name.get(name) {
            let predicate = &self.predicates[id.0 as usize];
            if predicate.arity != arity && self.reported_arities.insert((id, arity)) {
                self.errors.push(CheckError::PredicateArityMismatch {
                    name: name.clone(),
                    arity,
                    first_arity: predicate.arity,
                    span: atom.span,
                    first_use: predicate.first_use,
                });
            }
            return id;
        }
        let id = PredId(u32::try_from(self.predicates.len()).unwrap_or(u32::MAX));
        self.predicates.push(ir::Predicate {
            name: name.clone(),
            arity,
            doc: None,
            defined: false,
            first_use: atom.span,
        });
        self.by_name.insert(name.clone(), id);
        id
    }

    fn attach_doc(&mut self, predicate: PredId, block: &ast::DocBlock, head: &ast::Atom) {
        let doc = match parse_doc(block) {
            Ok(doc) => doc,
            Err(reason) => {
                self.errors.push(CheckError::DocSignatureInvalid {
                    reason,
                    span: block.span,
                });
                return;
            }
        };
        let (documented_name, documented_arity) = doc.0;
        if documented_name != head.predicate.name || documented_arity != head.args.len() {
            self.errors.push(CheckError::DocSignatureMismatch {
                documented: format!("{documented_name}/{documented_arity}"),
                defined: format!("{}/{}", head.predicate.name, head.args.len()),
                span: block.span,
                head: head.span,
            });
            return;
        }
        let entry = &mut self.predicates[predicate.0 as usize];
        match &entry.doc {
            Some(first) => self.errors.push(CheckError::DocDuplicate {
                predicate: entry.name.clone(),
                span: block.span,
                first: first.span,
            }),
            None => entry.doc = Some(doc.1),
        }
    }

    fn lower_fact(&mut self, predicate: PredId, clause: &ast::Clause) {
        self.predicates[predicate.0 as usize].defined = true;
        let mut values = Vec::with_capacity(clause.head.args.len());
        for term in &clause.head.args {
            match term {
                Term::Constant(constant) => values.push(constant.value.clone()),
                Term::Variable(ident) => self.errors.push(CheckError::FactNotGround {
                    name: ident.name.clone(),
                    span: ident.span,
                }),
                Term::Anonymous(span) => self.errors.push(CheckError::FactNotGround {
                    name: "_".to_string(),
                    span: *span,
                }),
                Term::Binary { span, .. } => self
                    .errors
                    .push(CheckError::FactArgumentNotConstant { span: *span }),
                Term::Call(call) => self
                    .errors
                    .push(CheckError::FactArgumentNotConstant { span: call.span }),
            }
        }
        if values.len() == clause.head.args.len() {
            self.resolved.program.facts.push(ir::Fact {
                predicate,
                values,
                citations: clause.citations.clone(),
                span: clause.span,
            });
        }
    }

    fn lower_rule(&mut self, predicate: PredId, clause: &ast::Clause) {
        self.predicates[predicate.0 as usize].defined = true;
        for citation in &clause.citations {
            self.errors.push(CheckError::CitationOnRule {
                span: citation.span,
            });
        }
        let mut scope = Scope::new(outside_names(Some(&clause.head), &clause.body));
        let mut lowerer = Lowerer {
            resolver: self,
            scope: &mut scope,
        };
        let args = clause
            .head
            .args
            .iter()
            .map(|term| lowerer.lower_expr(term, None, "a rule head"))
            .collect();
        let mut body = Vec::with_capacity(clause.body.len());
        lowerer.lower_body(&clause.body, None, &mut body);
        self.resolved.program.rules.push(ir::Rule {
            head: ir::Head { predicate, args },
            body,
            variables: scope.names,
            span: clause.span,
        });
        self.resolved.rule_sources.push(ClauseSource {
            occurrences: scope.occurrences,
            head: Some(clause.head.span),
        });
    }

    fn lower_query(&mut self, query: &ast::Query) {
        let mut scope = Scope::new(outside_names(None, &query.body));
        let mut body = Vec::with_capacity(query.body.len());
        Lowerer {
            resolver: self,
            scope: &mut scope,
        }
        .lower_body(&query.body, None, &mut body);
        let shown = (0..scope.names.len())
            .filter(|&index| !scope.local[index] && !scope.names[index].starts_with('_'))
            .map(|index| VarId(index as u32))
            .collect();
        self.resolved.program.queries.push(ir::Query {
            body,
            variables: scope.names,
            shown,
            text: query_text(query),
            span: query.span,
        });
        self.resolved.query_sources.push(ClauseSource {
            occurrences: scope.occurrences,
            head: None,
        });
    }
}

/// The query as text for answers and JSON output.
fn query_text(query: &ast::Query) -> String {
    query.to_string()
}

/// Variable numbering for one rule or query.
struct Scope<'a> {
    outside: HashSet<&'a str>,
    names: Vec<String>,
    occurrences: Vec<Vec<Span>>,
    /// True for variables local to one aggregate (including its fresh ones).
    local: Vec<bool>,
    /// `(aggregate index for locals, name)` to id.
    by_key: HashMap<(Option<usize>, &'a str), VarId>,
    fresh_count: usize,
}

impl<'a> Scope<'a> {
    fn new(outside: HashSet<&'a str>) -> Scope<'a> {
        Scope {
            outside,
            names: Vec::new(),
            occurrences: Vec::new(),
            local: Vec::new(),
            by_key: HashMap::new(),
            fresh_count: 0,
        }
    }

    fn push(&mut self, name: String, span: Span, local: bool) -> VarId {
        let id = VarId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        self.names.push(name);
        self.occurrences.push(vec![span]);
        self.local.push(local);
        id
    }

    /// The id of a named variable; inside aggregate `aggregate`, a name not
    /// used outside the aggregates is local to it.
    fn named(&mut self, ident: &'a ast::Ident, aggregate: Option<usize>) -> VarId {
        let name = ident.name.as_str();
        let key = (aggregate.filter(|_| !self.outside.contains(name)), name);
        if let Some(&id) = self.by_key.get(&key) {
            self.occurrences[id.0 as usize].push(ident.span);
            return id;
        }
        let id = self.push(name.to_string(), ident.span, key.0.is_some());
        self.by_key.insert(key, id);
        id
    }

    /// A new variable named `_#n`, for `_` in aggregates and for desugared expressions.
    fn fresh(&mut self, span: Span, local: bool) -> VarId {
        self.fresh_count += 1;
        self.push(format!("_#{}", self.fresh_count), span, local)
    }
}

/// Lowers the literals and expressions of one clause.
struct Lowerer<'r, 'e, 's, 'a> {
    resolver: &'r mut Resolver<'e>,
    scope: &'s mut Scope<'a>,
}

impl<'a> Lowerer<'_, '_, '_, 'a> {
    /// Lowers `body` into `out`; `aggregate` is the index of the enclosing aggregate literal.
    fn lower_body(
        &mut self,
        body: &'a [Literal],
        aggregate: Option<usize>,
        out: &mut Vec<BodyLiteral>,
    ) {
        for (index, literal) in body.iter().enumerate() {
            match literal {
                Literal::Positive(atom) => self.lower_atom(atom, false, atom.span, aggregate, out),
                Literal::Negative { atom, span } => {
                    self.lower_atom(atom, true, *span, aggregate, out);
                }
                Literal::Comparison(comparison) => {
                    let lhs = self.lower_expr(&comparison.lhs, aggregate, "a comparison");
                    let rhs = self.lower_expr(&comparison.rhs, aggregate, "a comparison");
                    out.push(BodyLiteral::Compare {
                        op: comparison.op,
                        lhs,
                        rhs,
                        span: comparison.span,
                    });
                }
                Literal::Builtin(call) => {
                    if let Some(call_expr) = self.lower_call(call, aggregate) {
                        if matches!(&call_expr, Expr::Call { function, .. } if *function != Function::Contains)
                        {
                            self.resolver.errors.push(CheckError::FunctionNotFilter {
                                name: call.function.name.clone(),
                                span: call.span,
                            });
                        }
                        out.push(BodyLiteral::Filter {
                            call: call_expr,
                            span: call.span,
                        });
                    }
                }
                Literal::Aggregate(inner) => {
                    if aggregate.is_some() {
                        self.resolver
                            .errors
                            .push(CheckError::AggregateNested { span: inner.span });
                    } else {
                        self.lower_aggregate(inner, index, out);
                    }
                }
            }
        }
    }

    /// Lowers `p(...)` or `not p(...)`. An expression argument becomes a fresh
    /// variable and an `=` right after a positive atom (before a negated one,
    /// whose arguments must be known before it is looked up).
    fn lower_atom(
        &mut self,
        atom: &'a ast::Atom,
        negated: bool,
        span: Span,
        aggregate: Option<usize>,
        out: &mut Vec<BodyLiteral>,
    ) {
        let predicate = self.resolver.intern(atom);
        let mut equations = Vec::new();
        let mut args = Vec::with_capacity(atom.args.len());
        for term in &atom.args {
            let arg = match term {
                Term::Variable(ident) => Arg::Var(self.scope.named(ident, aggregate)),
                Term::Anonymous(span) if aggregate.is_some() && !negated => {
                    Arg::Var(self.scope.fresh(*span, true))
                }
                Term::Anonymous(_) => Arg::Wildcard,
                Term::Constant(constant) => Arg::Const(constant.value.clone()),
                Term::Binary { .. } | Term::Call(_) => {
                    let var = self.scope.fresh(term.span(), aggregate.is_some());
                    let value = self.lower_expr(term, aggregate, "an expression");
                    equations.push(BodyLiteral::Compare {
                        op: CompareOp::Eq,
                        lhs: Expr::Var(var),
                        rhs: value,
                        span: term.span(),
                    });
                    Arg::Var(var)
                }
            };
            args.push(arg);
        }
        let atom_literal = BodyLiteral::Atom {
            predicate,
            args,
            negated,
            span,
        };
        if negated {
            out.extend(equations);
            out.push(atom_literal);
        } else {
            out.push(atom_literal);
            out.extend(equations);
        }
    }

    fn lower_aggregate(
        &mut self,
        aggregate: &'a ast::Aggregate,
        index: usize,
        out: &mut Vec<BodyLiteral>,
    ) {
        let result = if aggregate.result.name == "_" {
            self.resolver
                .errors
                .push(CheckError::VariableAnonymousMisplaced {
                    place: "an aggregate result",
                    span: aggregate.result.span,
                });
            self.scope.fresh(aggregate.result.span, false)
        } else {
            self.scope.named(&aggregate.result, None)
        };
        let value = match (aggregate.function, &aggregate.value) {
            (AggregateFunction::Count, None) => None,
            (AggregateFunction::Count, Some(value)) => {
                self.resolver
                    .errors
                    .push(CheckError::AggregateValueUnexpected { span: value.span() });
                None
            }
            (function, None) => {
                self.resolver
                    .errors
                    .push(CheckError::AggregateValueMissing {
                        function: function.keyword(),
                        span: aggregate.span,
                    });
                None
            }
            (_, Some(value)) => Some(self.lower_expr(value, Some(index), "an aggregate value")),
        };
        let mut body = Vec::with_capacity(aggregate.body.len());
        self.lower_body(&aggregate.body, Some(index), &mut body);
        let mut inner_vars = Vec::new();
        if let Some(value) = &value {
            value.collect_variables(&mut inner_vars);
        }
        body.iter()
            .for_each(|literal| super::safety::literal_variables(literal, &mut inner_vars));
        let mut group_by: Vec<VarId> = Vec::new();
        for var in inner_vars {
            if !self.scope.local[var.0 as usize] && !group_by.contains(&var) {
                group_by.push(var);
            }
        }
        out.push(BodyLiteral::Aggregate(ir::Aggregate {
            result,
            function: aggregate.function,
            value,
            body,
            group_by,
            span: aggregate.span,
        }));
    }

    /// Lowers a term used as a value; `place` names where a bare `_` was found.
    fn lower_expr(
        &mut self,
        term: &'a Term,
        aggregate: Option<usize>,
        place: &'static str,
    ) -> Expr {
        match term {
            Term::Variable(ident) => Expr::Var(self.scope.named(ident, aggregate)),
            Term::Anonymous(span) => {
                self.resolver
                    .errors
                    .push(CheckError::VariableAnonymousMisplaced { place, span: *span });
                Expr::Var(self.scope.fresh(*span, aggregate.is_some()))
            }
            Term::Constant(constant) => Expr::Const(constant.value.clone()),
            Term::Binary { op, lhs, rhs, .. } => Expr::Binary {
                op: *op,
                lhs: Box::new(self.lower_expr(lhs, aggregate, "an expression")),
                rhs: Box::new(self.lower_expr(rhs, aggregate, "an expression")),
            },
            Term::Call(call) => match self.lower_call(call, aggregate) {
                Some(expr) => {
                    if call.function.name == Function::Contains.name() {
                        self.resolver.errors.push(CheckError::FunctionNotValue {
                            name: call.function.name.clone(),
                            span: call.span,
                        });
                    }
                    expr
                }
                // The error is reported; a placeholder keeps the partial program well formed.
                None => Expr::Const(ConstantValue::Integer(0)),
            },
        }
    }

    /// Lowers a built-in call, checking its name and arity; `None` for an unknown function.
    fn lower_call(&mut self, call: &'a ast::Call, aggregate: Option<usize>) -> Option<Expr> {
        let name = call.function.name.as_str();
        let args: Vec<Expr> = call
            .args
            .iter()
            .map(|arg| self.lower_expr(arg, aggregate, "an expression"))
            .collect();
        let Some(function) = Function::from_name(name) else {
            self.resolver.errors.push(CheckError::FunctionUnknown {
                name: name.to_string(),
                suggestion: suggest::closest(name, ast::BUILTIN_FUNCTIONS.iter().copied())
                    .map(str::to_string),
                span: call.function.span,
            });
            return None;
        };
        if args.len() != function.arity() {
            self.resolver
                .errors
                .push(CheckError::FunctionArityMismatch {
                    name: name.to_string(),
                    expected: function.arity(),
                    found: args.len(),
                    span: call.span,
                });
        }
        Some(Expr::Call { function, args })
    }
}

/// Parses a `%%` block: `(name, arity)` from its signature line, and the doc.
fn parse_doc(block: &ast::DocBlock) -> Result<((String, usize), PredicateDoc), String> {
    let mut lines = block.lines.iter().skip_while(|line| line.trim().is_empty());
    let Some(signature) = lines.next() else {
        return Err("the block is empty".to_string());
    };
    let signature = signature.trim();
    let (name, arguments) = parse_signature(signature)?;
    let mut description: Vec<String> = lines.map(|line| line.trim_end().to_string()).collect();
    while description.last().is_some_and(|line| line.is_empty()) {
        description.pop();
    }
    let arity = arguments.len();
    Ok((
        (name, arity),
        PredicateDoc {
            signature: signature.to_string(),
            arguments,
            description,
            span: block.span,
        },
    ))
}

/// The declared argument types a signature may use.
pub(crate) const DOC_TYPES: &[&str] = &["symbol", "string", "int", "date", "any"];

/// Parses `name(Arg: type, Arg, ...)`, `name()` or `name`, with an optional final `.`.
fn parse_signature(line: &str) -> Result<(String, Vec<ArgumentDoc>), String> {
    let expected = || format!("expected `name(Argument: type, ...)`, found `{line}`");
    let text = line.strip_suffix('.').unwrap_or(line).trim_end();
    let name_end = text
        .find(|character: char| !(character.is_alphanumeric() || character == '_'))
        .unwrap_or(text.len());
    let (name, rest) = text.split_at(name_end);
    if !name.starts_with(|character: char| character.is_lowercase()) {
        return Err(expected());
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Ok((name.to_string(), Vec::new()));
    }
    let Some(inside) = rest
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return Err(expected());
    };
    if inside.trim().is_empty() {
        return Ok((name.to_string(), Vec::new()));
    }
    let mut arguments = Vec::new();
    for part in inside.split(',') {
        let (argument, declared_type) = match part.split_once(':') {
            Some((argument, declared_type)) => (argument.trim(), Some(declared_type.trim())),
            None => (part.trim(), None),
        };
        if argument.is_empty()
            || !argument
                .chars()
                .all(|character| character.is_alphanumeric() || character == '_')
        {
            return Err(expected());
        }
        if let Some(declared_type) = declared_type
            && !DOC_TYPES.contains(&declared_type)
        {
            let hint = suggest::closest(declared_type, DOC_TYPES.iter().copied())
                .map(|close| format!("; did you mean `{close}`?"))
                .unwrap_or_default();
            return Err(format!(
                "unknown type `{declared_type}` for `{argument}`{hint}"
            ));
        }
        arguments.push(ArgumentDoc {
            name: argument.to_string(),
            declared_type: declared_type.map(str::to_string),
        });
    }
    Ok((name.to_string(), arguments))
}
