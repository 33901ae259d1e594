//! Name resolution and lowering: surface clauses to `ir` facts, rules and queries.
//!
//! Owns predicate interning (`PredId` in order of first appearance) and the
//! arity check, `%%` documentation blocks, ground facts, per-rule variable
//! numbering, the desugaring of expressions in atom arguments, and aggregate
//! scoping (`group_by` versus local variables). It does not decide whether a
//! rule is safe, well typed or stratifiable: `safety`, `types` and `stratify`
//! do, on what this module builds.

use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;

use super::error::CheckError;
use super::ir::{
    self, Arg, ArgumentDoc, BodyLiteral, Expr, Function, PredId, PredicateDoc, RuleId, VarId,
};
use crate::articles::{Articles, Resolution};
use crate::span::Span;
use crate::syntax::ast::{self, AggregateFunction, CompareOp, Literal, Term};
use crate::text;
use crate::value::Value;

/// The lowered program plus what later checks need to point back at the source.
pub(crate) struct Resolved {
    /// Predicates, facts, rules and queries (strata are left empty).
    pub program: ir::Program,
    /// Per rule, by `RuleId`: where each variable occurs.
    pub rule_sources: Vec<ClauseSource>,
    /// Per query, in order: where each variable occurs.
    pub query_sources: Vec<ClauseSource>,
    /// Every `@` pattern: the predicate it reads the citations of, and where it is.
    pub citation_uses: Vec<(PredId, Span)>,
    /// Every `#export`, for the check that it names a predicate.
    pub exports: Vec<ast::ExportDirective>,
    /// The predicates by name (the hidden citation relations excepted), as
    /// interned here; for a resolution that extends a base, only the new ones.
    pub names: FxHashMap<String, PredId>,
    /// The hidden citation relation of each predicate read with `@`; for a
    /// resolution that extends a base, only the new ones.
    pub citation_relations: FxHashMap<PredId, PredId>,
}

/// The names of an accepted program that a resolution extends
/// (`resolve_extension`): its predicates keep their ids.
pub(crate) struct BaseNames<'b> {
    /// The base program's predicates by name.
    pub names: &'b FxHashMap<String, PredId>,
    /// The base program's hidden citation relations.
    pub citation_relations: &'b FxHashMap<PredId, PredId>,
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

/// Interns every predicate, attaches documentation, and lowers every
/// clause, fact table and query; `articles`, when given, resolve the
/// article constants of `@` patterns (`@ "004"`) to ids.
pub(crate) fn resolve_programs(
    programs: &[&ast::Program],
    articles: Option<&Articles>,
    errors: &mut Vec<CheckError>,
) -> Resolved {
    resolve_with_base(Vec::new(), None, programs, articles, errors)
}

/// Resolves `programs` as additions to an accepted program whose predicates
/// are `predicates` (ids kept, new ones appended) and whose names are
/// `base`: the lowered facts, rules and queries are those of `programs`
/// alone, `program.predicates` the whole table (flags updated).
pub(crate) fn resolve_extension(
    predicates: Vec<ir::Predicate>,
    base: BaseNames<'_>,
    programs: &[&ast::Program],
    articles: Option<&Articles>,
    errors: &mut Vec<CheckError>,
) -> Resolved {
    resolve_with_base(predicates, Some(base), programs, articles, errors)
}

fn resolve_with_base(
    predicates: Vec<ir::Predicate>,
    base: Option<BaseNames<'_>>,
    programs: &[&ast::Program],
    articles: Option<&Articles>,
    errors: &mut Vec<CheckError>,
) -> Resolved {
    let mut resolver = Resolver {
        predicates,
        by_name: FxHashMap::default(),
        citation_relations: FxHashMap::default(),
        base,
        reported_arities: HashSet::new(),
        articles,
        errors,
        lattice_marks: Vec::new(),
        resolved: Resolved {
            program: ir::Program::default(),
            rule_sources: Vec::new(),
            query_sources: Vec::new(),
            citation_uses: Vec::new(),
            exports: Vec::new(),
            names: FxHashMap::default(),
            citation_relations: FxHashMap::default(),
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
                        let head = &clause.head;
                        resolver.attach_doc(
                            predicate,
                            block,
                            (&head.predicate.name, head.args.len()),
                            head.span,
                        );
                    }
                    resolver.lattice_marks.push((
                        predicate,
                        clause.lattice,
                        clause.head.span,
                        !clause.is_fact(),
                    ));
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
                ast::Item::Constraint(constraint) => {
                    if let Some(orphan) = pending_doc.take() {
                        resolver
                            .errors
                            .push(CheckError::DocOrphan { span: orphan.span });
                    }
                    resolver.lower_constraint(constraint);
                }
                ast::Item::Facts(run) => {
                    let (name, arity) = (run.table.name(), run.table.arity());
                    let predicate = resolver.intern_named(name, arity, run.span);
                    if let Some(block) = pending_doc.take() {
                        resolver.attach_doc(predicate, block, (name, arity), run.span);
                    }
                    resolver.predicates[predicate.0 as usize].defined = true;
                    resolver.resolved.program.fact_rows.push(ir::FactRows {
                        predicate,
                        table: std::sync::Arc::clone(&run.table),
                        rows: run.rows.clone(),
                        span: run.span,
                    });
                }
                // A `%%` block before `#import` documents the rows placed after it.
                ast::Item::Import(_) => {}
                ast::Item::Include(_) | ast::Item::Articles(_) | ast::Item::Export(_) => {
                    if let Some(orphan) = pending_doc.take() {
                        resolver
                            .errors
                            .push(CheckError::DocOrphan { span: orphan.span });
                    }
                    if let ast::Item::Export(directive) = item {
                        resolver.resolved.exports.push(directive.clone());
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
    resolver.settle_lattices();
    resolver.resolved.program.predicates = resolver.predicates;
    resolver.resolved.names = resolver.by_name;
    resolver.resolved.citation_relations = resolver.citation_relations;
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
            if let Some(pattern) = &atom.citation {
                term_variables(&pattern.article, out);
                if let Some(quote) = &pattern.quote {
                    term_variables(quote, out);
                }
            }
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
    /// Names interned by this resolution.
    by_name: FxHashMap<String, PredId>,
    /// The hidden citation relation of each predicate read with `@`, made
    /// by this resolution.
    citation_relations: FxHashMap<PredId, PredId>,
    /// The accepted program this resolution extends, looked up first.
    base: Option<BaseNames<'e>>,
    /// `(predicate, arity)` pairs already reported, so one wrong arity is reported once.
    reported_arities: HashSet<(PredId, usize)>,
    articles: Option<&'e Articles>,
    errors: &'e mut Vec<CheckError>,
    resolved: Resolved,
    /// Every clause's lattice argument (or none), with its head and whether
    /// it is a rule, to settle each predicate's lattice once all are read.
    lattice_marks: Vec<(PredId, Option<ast::LatticeArgument>, Span, bool)>,
}

impl Resolver<'_> {
    /// Gives each predicate the lattice argument its clauses mark, and
    /// reports (E233) a clause that marks another one, or a rule that marks
    /// none beside a clause that marks one (a fact may leave it out: it is
    /// one more value for its key).
    fn settle_lattices(&mut self) {
        let describe = |mark: &Option<ast::LatticeArgument>| match mark {
            Some(lattice) => format!(
                "`{}` on argument {}",
                lattice.function.keyword(),
                lattice.position + 1
            ),
            None => "none".to_string(),
        };
        let mut first: HashMap<PredId, (ast::LatticeArgument, Span)> = HashMap::new();
        for (predicate, mark, head, _) in &self.lattice_marks {
            if let Some(lattice) = mark {
                first.entry(*predicate).or_insert((*lattice, *head));
            }
        }
        let mut reported = HashSet::new();
        for (predicate, mark, head, is_rule) in &self.lattice_marks {
            let Some((lattice, first_head)) = first.get(predicate) else {
                continue;
            };
            let agrees = match mark {
                Some(other) => {
                    other.position == lattice.position && other.function == lattice.function
                }
                None => !is_rule,
            };
            if !agrees && reported.insert(*predicate) {
                self.errors.push(CheckError::LatticeDisagreement {
                    predicate: self.predicates[predicate.0 as usize].name.clone(),
                    found: describe(mark),
                    first: describe(&Some(*lattice)),
                    span: *head,
                    first_span: *first_head,
                });
            }
        }
        for (predicate, (lattice, _)) in first {
            if let Some(entry) = self.predicates.get_mut(predicate.0 as usize)
                && lattice.position < entry.arity
            {
                entry.lattice = Some(ir::Lattice {
                    column: lattice.position,
                    function: lattice.function,
                });
            }
        }
    }

    /// The id of the atom's predicate, creating it on first use; reports an arity mismatch.
    fn intern(&mut self, atom: &ast::Atom) -> PredId {
        self.intern_named(&atom.predicate.name, atom.args.len(), atom.span)
    }

    /// The id of `name`/`arity` used at `span`, creating it on first use;
    /// reports an arity mismatch.
    fn intern_named(&mut self, name: &str, arity: usize, span: Span) -> PredId {
        let known = self
            .base
            .as_ref()
            .and_then(|base| base.names.get(name))
            .or_else(|| self.by_name.get(name))
            .copied();
        if let Some(id) = known {
            let predicate = &self.predicates[id.0 as usize];
            if predicate.arity != arity && self.reported_arities.insert((id, arity)) {
                self.errors.push(CheckError::PredicateArityMismatch {
                    name: name.to_string(),
                    arity,
                    first_arity: predicate.arity,
                    span,
                    first_use: predicate.first_use,
                });
            }
            return id;
        }
        let id = PredId(u32::try_from(self.predicates.len()).unwrap_or(u32::MAX));
        self.predicates.push(ir::Predicate {
            name: name.to_string(),
            arity,
            doc: None,
            defined: false,
            first_use: span,
            citations_of: None,
            lattice: None,
        });
        self.by_name.insert(name.to_string(), id);
        id
    }

    /// The hidden relation holding the citations of `predicate`'s facts
    /// (`p@`: `p`'s columns, then article id and quote), created on first use.
    fn citation_relation(&mut self, predicate: PredId, span: Span) -> PredId {
        let known = self
            .base
            .as_ref()
            .and_then(|base| base.citation_relations.get(&predicate))
            .or_else(|| self.citation_relations.get(&predicate))
            .copied();
        if let Some(hidden) = known {
            return hidden;
        }
        let of = &self.predicates[predicate.0 as usize];
        let hidden = PredId(u32::try_from(self.predicates.len()).unwrap_or(u32::MAX));
        let name = format!("{}@", of.name);
        let arity = of.arity + 2;
        self.predicates.push(ir::Predicate {
            name,
            arity,
            doc: None,
            defined: true,
            first_use: span,
            citations_of: Some(predicate),
            lattice: None,
        });
        self.citation_relations.insert(predicate, hidden);
        hidden
    }

    /// The argument a citation pattern's article or quote becomes: a
    /// variable, a wildcard, or a string; an article string is resolved to
    /// the id it names (by unambiguous prefix) when the articles are known.
    fn citation_argument(&mut self, term: &ast::Term, is_article: bool) -> Option<Arg> {
        let ast::Term::Constant(constant) = term else {
            return None;
        };
        let crate::value::Value::String(written) = &constant.value else {
            return Some(Arg::Const(constant.value.clone()));
        };
        let Some(articles) = self.articles.filter(|_| is_article) else {
            return Some(Arg::Const(constant.value.clone()));
        };
        match articles.resolve(written) {
            Ok(article) => Some(Arg::Const(crate::value::Value::String(article.id.clone()))),
            Err(Resolution::Unknown) => {
                self.errors.push(CheckError::ArticleUnknown {
                    article: written.clone(),
                    known: articles.short_names(),
                    span: constant.span,
                });
                Some(Arg::Const(constant.value.clone()))
            }
            Err(Resolution::Ambiguous(matches)) => {
                self.errors.push(CheckError::ArticleAmbiguous {
                    article: written.clone(),
                    matches,
                    span: constant.span,
                });
                Some(Arg::Const(constant.value.clone()))
            }
        }
    }

    fn attach_doc(
        &mut self,
        predicate: PredId,
        block: &ast::DocBlock,
        (name, arity): (&str, usize),
        head: Span,
    ) {
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
        if documented_name != name || documented_arity != arity {
            self.errors.push(CheckError::DocSignatureMismatch {
                documented: format!("{documented_name}/{documented_arity}"),
                defined: format!("{name}/{arity}"),
                span: block.span,
                head,
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

    /// E231 for each partial function (`split`, `capture`, `to_number`) in `expr`.
    fn report_partial(&mut self, expr: &Expr, place: &'static str, span: Span) {
        match expr {
            Expr::Call { function, args } => {
                if function.is_partial() {
                    self.errors.push(CheckError::FunctionPartialMisplaced {
                        name: function.name().to_string(),
                        place,
                        span,
                    });
                }
                args.iter()
                    .for_each(|arg| self.report_partial(arg, place, span));
            }
            Expr::Binary { lhs, rhs, .. } => {
                self.report_partial(lhs, place, span);
                self.report_partial(rhs, place, span);
            }
            Expr::Var(_) | Expr::Const(_) => {}
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
            .collect::<Vec<Expr>>();
        for arg in &args {
            self.report_partial(arg, "a rule head", clause.head.span);
        }
        let mut lowerer = Lowerer {
            resolver: self,
            scope: &mut scope,
        };
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

    /// `:- body.` as the rule `:-N(Shown...) :- body.` of a hidden predicate.
    fn lower_constraint(&mut self, constraint: &ast::Query) {
        let mut scope = Scope::new(outside_names(None, &constraint.body));
        let mut body = Vec::with_capacity(constraint.body.len());
        Lowerer {
            resolver: self,
            scope: &mut scope,
        }
        .lower_body(&constraint.body, None, &mut body);
        let shown: Vec<VarId> = (0..scope.names.len())
            .filter(|&index| !scope.local[index] && !scope.names[index].starts_with('_'))
            .map(|index| VarId(index as u32))
            .collect();
        let number = self.resolved.program.constraints.len() + 1;
        let name = format!("{}{number}", ir::CONSTRAINT_PREFIX);
        let predicate = PredId(u32::try_from(self.predicates.len()).unwrap_or(u32::MAX));
        self.predicates.push(ir::Predicate {
            name: name.clone(),
            arity: shown.len(),
            doc: None,
            defined: true,
            first_use: constraint.span,
            citations_of: None,
            lattice: None,
        });
        self.by_name.insert(name, predicate);
        let rule = RuleId(u32::try_from(self.resolved.program.rules.len()).unwrap_or(u32::MAX));
        let columns = shown
            .iter()
            .map(|var| scope.names[var.0 as usize].clone())
            .collect();
        self.resolved.program.rules.push(ir::Rule {
            head: ir::Head {
                predicate,
                args: shown.iter().map(|&var| Expr::Var(var)).collect(),
            },
            body,
            variables: scope.names,
            span: constraint.span,
        });
        self.resolved.rule_sources.push(ClauseSource {
            occurrences: scope.occurrences,
            head: None,
        });
        let text = {
            let mut text = String::new();
            let _ = crate::syntax::print::write_constraint(&mut text, constraint);
            text
        };
        self.resolved.program.constraints.push(ir::Constraint {
            predicate,
            rule,
            columns,
            text,
            span: constraint.span,
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
                        if matches!(&call_expr, Expr::Call { function, .. } if !function.is_test())
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
        let mut predicate = predicate;
        if let Some(pattern) = &atom.citation {
            // `p(args) @ A : Q` reads `p@(args, A, Q)`, the hidden relation
            // of `p`'s citations; a quote left out matches any.
            self.resolver
                .resolved
                .citation_uses
                .push((predicate, pattern.span));
            predicate = self.resolver.citation_relation(predicate, atom.span);
            let article = self.citation_term(&pattern.article, true, negated, aggregate);
            args.push(article);
            let quote = match &pattern.quote {
                Some(quote) => self.citation_term(quote, false, negated, aggregate),
                None => Arg::Wildcard,
            };
            args.push(quote);
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

    /// The article or quote of a citation pattern as an argument of the hidden atom.
    fn citation_term(
        &mut self,
        term: &'a Term,
        is_article: bool,
        negated: bool,
        aggregate: Option<usize>,
    ) -> Arg {
        match term {
            Term::Variable(ident) => Arg::Var(self.scope.named(ident, aggregate)),
            Term::Anonymous(span) if aggregate.is_some() && !negated => {
                Arg::Var(self.scope.fresh(*span, true))
            }
            Term::Anonymous(_) => Arg::Wildcard,
            other => self
                .resolver
                .citation_argument(other, is_article)
                .unwrap_or(Arg::Wildcard),
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
            (_, Some(value)) => {
                let value = self.lower_expr(value, Some(index), "an aggregate value");
                self.resolver
                    .report_partial(&value, "an aggregate value", aggregate.span);
                Some(value)
            }
        };
        let projection: Vec<Expr> = aggregate
            .projection
            .iter()
            .map(|term| self.lower_expr(term, Some(index), "an aggregate value"))
            .collect();
        for term in &projection {
            self.resolver
                .report_partial(term, "an aggregate value", aggregate.span);
        }
        let mut body = Vec::with_capacity(aggregate.body.len());
        self.lower_body(&aggregate.body, Some(index), &mut body);
        let mut inner_vars = Vec::new();
        if let Some(value) = &value {
            value.collect_variables(&mut inner_vars);
        }
        projection
            .iter()
            .for_each(|term| term.collect_variables(&mut inner_vars));
        body.iter()
            .for_each(|literal| literal.all_variables(&mut inner_vars));
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
            projection,
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
                    if Function::from_name(&call.function.name).is_some_and(Function::is_test) {
                        self.resolver.errors.push(CheckError::FunctionNotValue {
                            name: call.function.name.clone(),
                            span: call.span,
                        });
                    }
                    expr
                }
                // The error is reported; a placeholder keeps the partial program well formed.
                None => Expr::Const(Value::Integer(0)),
            },
        }
    }

    /// Lowers a built-in call, checking its name and arity; `None` for an unknown function.
    fn lower_call(&mut self, call: &'a ast::Call, aggregate: Option<usize>) -> Option<Expr> {
        let name = call.function.name.as_str();
        // `not contains(S, "x")`: the parser builds `not` around a test only.
        if let ("not", [Term::Call(test)]) = (name, call.args.as_slice()) {
            let test = self.lower_call(test, aggregate)?;
            return Some(Expr::Call {
                function: Function::Not,
                args: vec![test],
            });
        }
        let args: Vec<Expr> = call
            .args
            .iter()
            .map(|arg| self.lower_expr(arg, aggregate, "an expression"))
            .collect();
        // `not contains(S, "x")`: the parser builds `not` around a test only.
        let named = if name == "not" {
            Some(Function::Not)
        } else {
            Function::from_name(name)
        };
        let Some(function) = named else {
            self.resolver.errors.push(CheckError::FunctionUnknown {
                name: name.to_string(),
                suggestion: text::closest(
                    name,
                    crate::syntax::lexer::BUILTIN_FUNCTIONS.iter().copied(),
                )
                .map(str::to_string),
                span: call.function.span,
            });
            return None;
        };
        if matches!(function, Function::Match | Function::Capture)
            && let (Some(Expr::Const(Value::String(pattern))), Some(written)) =
                (args.first(), call.args.first())
            && let Err(message) = text::compile_pattern(pattern)
        {
            self.resolver.errors.push(CheckError::PatternInvalid {
                pattern: pattern.clone(),
                message,
                span: written.span(),
            });
        }
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
pub(crate) const DOC_TYPES: &[&str] = &[
    "symbol", "string", "int", "decimal", "number", "date", "datetime", "any",
];

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
            let hint = text::closest(declared_type, DOC_TYPES.iter().copied())
                .or_else(|| {
                    // `integer` for `int`, `str` for `string`.
                    DOC_TYPES.iter().copied().find(|known| {
                        declared_type.starts_with(known) || known.starts_with(declared_type)
                    })
                })
                .filter(|_| !declared_type.is_empty())
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

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{analyze_texts, check, render_body, render_rule};

    /// Asserts that `text` has no errors and lowers to `expected` rules, then queries.
    fn check_lowering(text: &str, expected: &[&str]) {
        let analysis = analyze_texts(&[text]);
        assert!(
            !analysis.has_errors(),
            "{text}\n{:#?}",
            analysis.diagnostics
        );
        let program = &analysis.program;
        let mut found: Vec<String> = program
            .rules
            .iter()
            .map(|rule| render_rule(program, rule))
            .collect();
        found.extend(
            program
                .queries
                .iter()
                .map(|query| format!("?- {}", render_body(program, &query.variables, &query.body))),
        );
        assert_eq!(found, expected, "lowering of\n{text}");
    }

    #[test]
    fn rules_lower_to_ir() {
        let cases: &[(&str, &[&str])] = &[
            (
                "p(a, b). q(a, b). h(X) :- p(X, _), not q(X, _).",
                &["h(X) :- p(X, _), not q(X, _)"],
            ),
            (
                "p(a, b, 2025-10-29). h(X, -3) :- p(X, a, 2025-10-29).",
                &["h(X, -3) :- p(X, a, 2025-10-29)"],
            ),
            (
                "p(1, a). h(Y) :- p(X + 1, Y), p(X, _).",
                &["h(Y) :- p(_#1, Y), _#1 = (X + 1), p(X, _)"],
            ),
            (
                "p(1). q(2). h(X) :- p(X), not q(X * 2).",
                &["h(X) :- p(X), _#1 = (X * 2), not q(_#1)"],
            ),
            (
                "p(\"a\"). h(S) :- p(S), contains(S, \"talks\").",
                &["h(S) :- p(S), ?contains(S, \"talks\")"],
            ),
            (
                "p(2025-10-29, \"a\"). h(D, L, Y + 1) :- p(D, S), L = len(S), Y = year(D).",
                &["h(D, L, (Y + 1)) :- p(D, S), L = len(S), Y = year(D)"],
            ),
            (
                "p(a). q(a, b). r(b). h(X, N) :- p(X), N = count : { q(X, _), r(_) }.",
                &["h(X, N) :- p(X), N = count { q(X, _#1), r(_#2) } by [X]"],
            ),
            (
                "q(a, b). r(a, b). h(N) :- N = count : { q(X, Y), not r(Y, _) }.",
                &["h(N) :- N = count { q(X, Y), not r(Y, _) } by []"],
            ),
            (
                "p(a). q(a, 1). h(X, S) :- p(X), S = sum K : { q(X, K) }.",
                &["h(X, S) :- p(X), S = sum K { q(X, K) } by [X]"],
            ),
            (
                "p(1). q(1). ?- N = count : { p(K) }, M = max K : { q(K) }.",
                &["?- N = count { p(K) } by [], M = max K { q(K) } by []"],
            ),
        ];
        for (text, expected) in cases {
            check_lowering(text, expected);
        }
    }

    #[test]
    fn variables_are_numbered_in_order_of_first_appearance() {
        let analysis = analyze_texts(&["p(a, b). q(a, 1).\n\
             h(Y, X) :- p(X, Y), N = count : { q(X, K) }, N > 1, S = sum K : { q(Y, K) }, S > 0.\n\
             ?- p(X, _Hidden), p(_, X), h(Z, X)."]);
        assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
        let rule = &analysis.program.rules[0];
        // `K` is local to each aggregate: two variables of the same name.
        assert_eq!(rule.variables, ["Y", "X", "N", "K", "S", "K"]);
        let query = &analysis.program.queries[0];
        assert_eq!(query.variables, ["X", "_Hidden", "Z"]);
        let shown: Vec<&str> = query
            .shown
            .iter()
            .map(|var| query.variables[var.0 as usize].as_str())
            .collect();
        assert_eq!(shown, ["X", "Z"]);
        assert_eq!(query.text, "?- p(X, _Hidden), p(_, X), h(Z, X).");
    }

    #[test]
    fn predicates_are_interned_in_order_and_defined_by_facts_or_rules() {
        let analysis = analyze_texts(&["b(1).\na(X) :- b(X), not c(X).\n?- d(X)."]);
        let predicates: Vec<(&str, usize, bool)> = analysis
            .program
            .predicates
            .iter()
            .map(|predicate| (predicate.name.as_str(), predicate.arity, predicate.defined))
            .collect();
        assert_eq!(
            predicates,
            [
                ("b", 1, true),
                ("a", 1, true),
                ("c", 1, false),
                ("d", 1, false)
            ]
        );
    }

    #[test]
    fn facts_are_ground_and_kept_with_duplicates() {
        let analysis = analyze_texts(&["p(qatar, -3, \"Doha\", 2025-10-19).\n\
             p(qatar, -3, \"Doha\", 2025-10-19) @ \"002\": \"Doha\".\n\
             done."]);
        assert!(
            analysis.diagnostics.is_empty(),
            "{:#?}",
            analysis.diagnostics
        );
        let facts = &analysis.program.facts;
        assert_eq!(facts.len(), 3);
        assert_eq!(facts[0].values, facts[1].values);
        assert_eq!(facts[1].citations.len(), 1);
        assert!(facts[2].values.is_empty());
    }

    #[test]
    fn facts_and_rules_are_checked() {
        let cases: &[(&str, &[&str])] = &[
            ("p(X).", &["E206: fact is not ground: `X` is a variable"]),
            ("p(a, _).", &["E206: fact is not ground: `_` is a variable"]),
            (
                "p(1 + 2).",
                &["E208: fact arguments must be constants, not expressions"],
            ),
            (
                "p(len(\"a\")).",
                &["E208: fact arguments must be constants"],
            ),
            (
                "q(a). p(X) @ \"002\": \"quote\" :- q(X).",
                &["E209: citations are only allowed on facts, not on rules"],
            ),
            (
                "q(a). p(X, _) :- q(X).",
                &["E210: `_` cannot be used in a rule head"],
            ),
            (
                "q(a). p(X) :- q(X), X != _.",
                &["E210: `_` cannot be used in a comparison"],
            ),
            (
                "q(1). p(X) :- q(X), Y = _ + 1, Y > 0.",
                &["E210: `_` cannot be used in an expression"],
            ),
            (
                "q(1). p(a). p(b). p(b, c).",
                &["E201: predicate `p` is used with 1 and with 2 arguments"],
            ),
            (
                "q(1). r(X) :- q(X, Y), q(Y). s(X) :- q(X, X).",
                &["E201: predicate `q` is used with 1 and with 2 arguments"],
            ),
        ];
        for (text, expected) in cases {
            check(text, expected);
        }
    }

    #[test]
    fn arity_mismatch_points_at_both_uses() {
        let analysis = analyze_texts(&["p(a).\nq(X) :- p(X, X)."]);
        let diagnostic = &analysis.diagnostics[0];
        let labels: Vec<(&str, &str)> = diagnostic
            .labels
            .iter()
            .map(|label| {
                let text = "p(a).\nq(X) :- p(X, X).";
                (&text[label.span.range()], label.message.as_str())
            })
            .collect();
        assert_eq!(
            labels,
            [
                ("p(X, X)", "2 arguments here"),
                ("p(a)", "1 argument at its first use")
            ]
        );
    }

    #[test]
    fn documentation_is_parsed_and_attached() {
        let analysis = analyze_texts(&["%% mediates(Mediator: symbol, Talks: symbol)\n\
             %% Mediator helped broker Talks.\n\
             mediates(qatar, istanbul_talks).\n\
             %% done\n\
             done.\n\
             %% talks(T: any, Note).\n\
             talks(T, n) :- mediates(_, T)."]);
        assert!(
            analysis.diagnostics.is_empty(),
            "{:#?}",
            analysis.diagnostics
        );
        let program = &analysis.program;
        let doc = |name: &str| {
            program
                .predicate_id(name)
                .and_then(|id| program.predicate(id).doc.clone())
        };
        let mediates = doc("mediates").unwrap_or_else(|| panic!("mediates has no doc"));
        assert_eq!(
            mediates.signature,
            "mediates(Mediator: symbol, Talks: symbol)"
        );
        assert_eq!(mediates.description, ["Mediator helped broker Talks."]);
        let arguments: Vec<(&str, Option<&str>)> = mediates
            .arguments
            .iter()
            .map(|argument| (argument.name.as_str(), argument.declared_type.as_deref()))
            .collect();
        assert_eq!(
            arguments,
            [("Mediator", Some("symbol")), ("Talks", Some("symbol"))]
        );
        assert!(doc("done").is_some_and(|doc| doc.arguments.is_empty()));
        let talks = doc("talks").unwrap_or_else(|| panic!("talks has no doc"));
        assert_eq!(talks.arguments[0].declared_type.as_deref(), Some("any"));
        assert_eq!(talks.arguments[1].declared_type, None);
    }

    #[test]
    fn documentation_problems_are_reported() {
        let cases: &[(&str, &[&str])] = &[
            (
                "%% mediates(M: symbol)\nmediates(qatar, talks).",
                &[
                    "E220: documentation describes `mediates/1` but the next clause defines `mediates/2`",
                ],
            ),
            (
                "%% blames(A, B)\nmediates(qatar, talks).",
                &["E220: documentation describes `blames/2`"],
            ),
            (
                "%% Who mediated which talks\nmediates(qatar, talks).",
                &["E219: invalid signature in documentation: expected `name(Argument: type, ...)`"],
            ),
            (
                "%% mediates(M: integer, T: symbol)\nmediates(1, talks).",
                &[
                    "E219: invalid signature in documentation: unknown type `integer` for `M`; did you mean `int`?",
                ],
            ),
            (
                "%% p(X)\n?- p(X).",
                &[
                    "W005: documentation block is not followed by a clause",
                    "W001",
                ],
            ),
            ("p(a).\n%% p(X)", &["W005"]),
            (
                "%% p(X)\np(a).\n%% p(Y)\np(b).",
                &["W006: predicate `p` is already documented; this block is ignored"],
            ),
        ];
        for (text, expected) in cases {
            check(text, expected);
        }
    }

    #[test]
    fn functions_that_the_parser_cannot_produce_are_still_checked() {
        use crate::analysis::analyze;
        use crate::span::SourceId;
        use crate::syntax::ast::{Item, Literal, Term};
        use crate::syntax::parse_program;
        let text = "q(\"a\"). p(S) :- q(S), contains(S, \"a\"), L = len(S), L > 0.";
        let (mut program, errors) = parse_program(SourceId(0), text);
        assert!(errors.is_empty());
        let Some(Item::Clause(clause)) = program.items.get_mut(1) else {
            panic!("no rule");
        };
        if let Some(Literal::Builtin(call)) = clause.body.get_mut(1) {
            call.function.name = "len".to_string();
        }
        if let Some(Literal::Comparison(comparison)) = clause.body.get_mut(2)
            && let Term::Call(call) = &mut comparison.rhs
        {
            call.function.name = "lenght".to_string();
            call.args.push(Term::Anonymous(call.span));
        }
        let codes: Vec<String> = analyze(&[&program])
            .diagnostics
            .iter()
            .map(|diagnostic| format!("{}: {}", diagnostic.code, diagnostic.message))
            .collect();
        assert_eq!(
            codes,
            [
                "E212: function `len` takes 1 argument, but 2 were given",
                "E213: function `len` computes a value and cannot stand alone as a condition",
                "E211: unknown function `lenght`",
                "E210: `_` cannot be used in an expression",
            ]
        );
    }
}
