//! Demand: the magic-sets transformation, so that a query with constants
//! computes only what it needs (as Soufflé's `--magic-transform` does).
//!
//! `?- path(2990, X).` over `path(X, Z) :- path(X, Y), edge(Y, Z).` asks
//! for `path` with its first argument bound: the adorned copy `path_bf`
//! gets the rules `path_bf(X, Z) :- magic_path_bf(X), path_bf(X, Y),
//! edge(Y, Z).` (one per rule of `path`, each restricted to the bindings
//! asked for), and the magic predicate collects those bindings:
//! `magic_path_bf(2990).` from the query, and from each rule body the
//! bindings its atoms pass on (sideways, in the plan's literal order). The
//! adorned copies and magic predicates get `PredId`s after the program's own.
//!
//! When it applies (decided here, per query): a query whose positive atom
//! over a derived predicate gets a bound argument (a constant, or a variable
//! bound by an earlier literal), where that predicate (and what it reads
//! positively) is needed by nothing else: no other query, no negation and
//! no aggregate over it. Negated and aggregated atoms keep reading the
//! original predicates, which are then computed in full (so the
//! transformation never adds a cycle through negation, and stays sound for
//! stratified programs). A rule whose head has an expression (`p(X + 1)`)
//! in a bound position makes the query fall back to full evaluation. The
//! predicates only demand needs are `deferred`: evaluation can skip their
//! strata and compute only the demanded part when the query is answered.
//!
//! Imports only `analysis::ir` and the planner.

use super::{ConjunctionPlan, PlanError, StratumPlan, plan_conjunction, plan_rule};
use crate::analysis::ir::{self, Arg, BodyLiteral, Expr, Head, PredId, RuleId, VarId};
use std::collections::HashMap;

/// A query answered from demand: the transformed rules and the query over them.
#[derive(Clone, Debug)]
pub struct DemandPlan {
    /// The predicates the transformation adds, by id (from the program's
    /// predicate count on): what each stands for.
    pub predicates: Vec<DemandPredicate>,
    /// The transformed rules, stratified, in evaluation order.
    pub strata: Vec<StratumPlan>,
    /// The query, reading the adorned copies.
    pub query: ConjunctionPlan,
}

/// A predicate the transformation adds.
#[derive(Clone, Debug)]
pub struct DemandPredicate {
    /// Its id.
    pub id: PredId,
    /// The program's predicate it stands for.
    pub original: PredId,
    /// Which arguments of the original are bound.
    pub bound: Vec<bool>,
    /// True for the magic predicate (the bound values asked for), false for
    /// the adorned copy (the original's tuples with those values).
    pub magic: bool,
    /// Number of columns: the bound ones for a magic predicate, all otherwise.
    pub arity: usize,
}

/// What demand changes in a program's plan.
#[derive(Clone, Debug, Default)]
pub struct Demand {
    /// Per predicate: true when only demand needs it (its strata can wait).
    pub deferred: Vec<bool>,
    /// Per query: its demand plan, when the transformation applies.
    pub plans: Vec<Option<DemandPlan>>,
}

/// Decides, for each query, whether it is answered from demand, and plans it.
pub fn plan_demand(program: &ir::Program) -> Demand {
    let n_predicates = program.predicates.len();
    let mut rules_of: Vec<Vec<RuleId>> = vec![Vec::new(); n_predicates];
    for (index, rule) in program.rules.iter().enumerate() {
        if let Some(rules) = rules_of.get_mut(rule.head.predicate.0 as usize) {
            rules.push(RuleId(index as u32));
        }
    }
    let mut candidate: Vec<bool> = program
        .queries
        .iter()
        .map(|query| {
            query.body.iter().any(|literal| {
                matches!(literal, BodyLiteral::Atom { predicate, negated: false, .. }
                    if rules_of.get(predicate.0 as usize).is_some_and(|rules| !rules.is_empty()))
            })
        })
        .collect();
    // Each round either settles or drops a query that turned out ineligible.
    loop {
        let deferred = deferred_predicates(program, &rules_of, &candidate);
        let mut plans = Vec::with_capacity(program.queries.len());
        let mut dropped = false;
        for (index, query) in program.queries.iter().enumerate() {
            if !candidate[index] {
                plans.push(None);
                continue;
            }
            // A body the transformation cannot plan falls back to full evaluation.
            let plan = Transformer::new(program, &rules_of, &deferred)
                .plan_query(query)
                .unwrap_or(None);
            if plan.is_none() {
                candidate[index] = false;
                dropped = true;
            }
            plans.push(plan);
        }
        if !dropped {
            return Demand { deferred, plans };
        }
    }
}

/// The predicates with rules that only the candidate queries' positive
/// atoms need: everything the other queries read, and everything read under
/// a negation or an aggregate anywhere on the way, or a lattice predicate,
/// is needed in full.
fn deferred_predicates(
    program: &ir::Program,
    rules_of: &[Vec<RuleId>],
    candidate: &[bool],
) -> Vec<bool> {
    let n_predicates = program.predicates.len();
    let mut needed = vec![false; n_predicates];
    let mut demanded = vec![false; n_predicates];
    let mut to_need: Vec<PredId> = Vec::new();
    let mut to_demand: Vec<PredId> = Vec::new();
    let visit = |body: &[BodyLiteral],
                 positive_demands: bool,
                 to_need: &mut Vec<PredId>,
                 to_demand: &mut Vec<PredId>| {
        for literal in body {
            match literal {
                // A lattice predicate keeps one best value per key of all
                // it derives: the magic-sets copy would keep the best of a
                // part, so it is always computed in full.
                BodyLiteral::Atom {
                    predicate,
                    negated: false,
                    ..
                } if positive_demands && program.predicate(*predicate).lattice.is_none() => {
                    to_demand.push(*predicate)
                }
                BodyLiteral::Atom { predicate, .. } => to_need.push(*predicate),
                BodyLiteral::Aggregate(aggregate) => {
                    let mut inner = Vec::new();
                    all_read(&aggregate.body, &mut inner);
                    to_need.extend(inner);
                }
                BodyLiteral::Compare { .. } | BodyLiteral::Filter { .. } => {}
            }
        }
    };
    for (query, &is_candidate) in program.queries.iter().zip(candidate) {
        visit(&query.body, is_candidate, &mut to_need, &mut to_demand);
    }
    // An integrity constraint reads what its body matches in full.
    for constraint in &program.constraints {
        visit(
            &program.rule(constraint.rule).body,
            false,
            &mut to_need,
            &mut to_demand,
        );
    }
    loop {
        if let Some(predicate) = to_need.pop() {
            let Some(flag) = needed.get_mut(predicate.0 as usize) else {
                continue;
            };
            if *flag {
                continue;
            }
            *flag = true;
            for rule in rules_of.get(predicate.0 as usize).into_iter().flatten() {
                visit(
                    &program.rule(*rule).body,
                    false,
                    &mut to_need,
                    &mut to_demand,
                );
            }
        } else if let Some(predicate) = to_demand.pop() {
            let Some(flag) = demanded.get_mut(predicate.0 as usize) else {
                continue;
            };
            if *flag {
                continue;
            }
            *flag = true;
            for rule in rules_of.get(predicate.0 as usize).into_iter().flatten() {
                visit(
                    &program.rule(*rule).body,
                    true,
                    &mut to_need,
                    &mut to_demand,
                );
            }
        } else {
            break;
        }
    }
    (0..n_predicates)
        .map(|index| demanded[index] && !needed[index] && !rules_of[index].is_empty())
        .collect()
}

/// Every predicate a body reads, at any depth of aggregates.
fn all_read(body: &[BodyLiteral], out: &mut Vec<PredId>) {
    for literal in body {
        match literal {
            BodyLiteral::Atom { predicate, .. } => out.push(*predicate),
            BodyLiteral::Aggregate(aggregate) => all_read(&aggregate.body, out),
            BodyLiteral::Compare { .. } | BodyLiteral::Filter { .. } => {}
        }
    }
}

/// A generated rule: the rule, and the program's rule (or none, for the
/// query's own) it comes from.
struct Generated {
    rule: ir::Rule,
    origin: RuleId,
}

/// Builds the transformed rules of one query.
struct Transformer<'p> {
    program: &'p ir::Program,
    rules_of: &'p [Vec<RuleId>],
    deferred: &'p [bool],
    /// (original, bound) → (adorned copy, magic predicate).
    ids: HashMap<(PredId, Vec<bool>), (PredId, PredId)>,
    predicates: Vec<DemandPredicate>,
    to_expand: Vec<(PredId, Vec<bool>)>,
    rules: Vec<Generated>,
}

/// The rule id given to the rules a query itself generates (errors in them
/// have no rule of the program to point at).
const QUERY_RULE: RuleId = RuleId(u32::MAX);

impl<'p> Transformer<'p> {
    fn new(
        program: &'p ir::Program,
        rules_of: &'p [Vec<RuleId>],
        deferred: &'p [bool],
    ) -> Transformer<'p> {
        Transformer {
            program,
            rules_of,
            deferred,
            ids: HashMap::new(),
            predicates: Vec::new(),
            to_expand: Vec::new(),
            rules: Vec::new(),
        }
    }

    fn is_deferred(&self, predicate: PredId) -> bool {
        self.deferred
            .get(predicate.0 as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The adorned copy and magic predicate of `original` with `bound`,
    /// made (and queued for its rules) on first use.
    fn ids_of(&mut self, original: PredId, bound: &[bool]) -> (PredId, PredId) {
        if let Some(&ids) = self.ids.get(&(original, bound.to_vec())) {
            return ids;
        }
        let base = self.program.predicates.len() + self.predicates.len();
        let adorned = PredId(base as u32);
        let magic = PredId(base as u32 + 1);
        let arity = bound.len();
        self.predicates.push(DemandPredicate {
            id: adorned,
            original,
            bound: bound.to_vec(),
            magic: false,
            arity,
        });
        self.predicates.push(DemandPredicate {
            id: magic,
            original,
            bound: bound.to_vec(),
            magic: true,
            arity: bound.iter().filter(|&&is_bound| is_bound).count(),
        });
        self.ids
            .insert((original, bound.to_vec()), (adorned, magic));
        self.to_expand.push((original, bound.to_vec()));
        (adorned, magic)
    }

    /// The demand plan of `query`, or `None` when demand does not apply.
    fn plan_query(mut self, query: &ir::Query) -> Result<Option<DemandPlan>, PlanError> {
        let n_slots = query.variables.len();
        let Some((body, any_bound)) =
            self.rewrite_body(&query.body, n_slots, &[], None, QUERY_RULE)?
        else {
            return Ok(None);
        };
        if !any_bound {
            return Ok(None);
        }
        while let Some((original, bound)) = self.to_expand.pop() {
            if !self.expand(original, &bound)? {
                return Ok(None);
            }
        }
        let output = query.shown.iter().map(|&var| Expr::Var(var)).collect();
        let query_plan = plan_conjunction(&body, n_slots, &[], output)?;
        let strata = self.stratify()?;
        Ok(Some(DemandPlan {
            predicates: self.predicates,
            strata,
            query: query_plan,
        }))
    }

    /// Rewrites a body (of a rule whose `seed` variables are bound on entry,
    /// through `magic` when given): deferred positive atoms read their
    /// adorned copies, and each gets a magic rule collecting the bindings
    /// that reach it. Returns the new body and whether some deferred atom
    /// got a bound argument; `None` when nothing in it is deferred.
    fn rewrite_body(
        &mut self,
        body: &[BodyLiteral],
        n_slots: usize,
        seed: &[VarId],
        magic: Option<&BodyLiteral>,
        origin: RuleId,
    ) -> Result<Option<(Vec<BodyLiteral>, bool)>, PlanError> {
        let plan = plan_conjunction(body, n_slots, seed, Vec::new())?;
        let order = plan.literal_order();
        let mut bound = vec![false; n_slots];
        for var in seed {
            set(&mut bound, *var);
        }
        let mut rewritten: Vec<BodyLiteral> = body.to_vec();
        let mut any_deferred = false;
        let mut any_bound = false;
        for stage in &plan.stages {
            if self.is_deferred(stage.predicate) {
                any_deferred = true;
                let adornment: Vec<bool> = stage
                    .args
                    .iter()
                    .map(|arg| match arg {
                        Arg::Const(_) => true,
                        Arg::Var(var) => is_set(&bound, *var),
                        Arg::Wildcard => false,
                    })
                    .collect();
                any_bound |= adornment.iter().any(|&is_bound| is_bound);
                let (adorned, magic_id) = self.ids_of(stage.predicate, &adornment);
                // The magic rule: the bindings that reach this atom.
                let head_args: Vec<Expr> = stage
                    .args
                    .iter()
                    .zip(&adornment)
                    .filter(|(_, is_bound)| **is_bound)
                    .map(|(arg, _)| match arg {
                        Arg::Var(var) => Expr::Var(*var),
                        Arg::Const(value) => Expr::Const(value.clone()),
                        Arg::Wildcard => Expr::Const(crate::value::Value::Integer(0)),
                    })
                    .collect();
                let position = order
                    .iter()
                    .position(|&literal| literal == stage.literal)
                    .unwrap_or(0);
                let mut magic_body: Vec<BodyLiteral> = magic.into_iter().cloned().collect();
                magic_body.extend(
                    order[..position]
                        .iter()
                        .filter_map(|&literal| rewritten.get(literal).cloned()),
                );
                let source = body
                    .get(stage.literal)
                    .map(BodyLiteral::span)
                    .unwrap_or(self.span_of(origin));
                self.rules.push(Generated {
                    rule: ir::Rule {
                        head: Head {
                            predicate: magic_id,
                            args: head_args,
                        },
                        body: magic_body,
                        variables: variable_names(n_slots),
                        span: source,
                    },
                    origin,
                });
                if let Some(BodyLiteral::Atom { predicate, .. }) = rewritten.get_mut(stage.literal)
                {
                    *predicate = adorned;
                }
            }
            for &(_, var) in &stage.binds {
                set(&mut bound, var);
            }
            for check in &stage.checks {
                if let super::Check::Assign { var, .. }
                | super::Check::Aggregate { result: var, .. } = check
                {
                    set(&mut bound, *var);
                }
            }
        }
        Ok(any_deferred.then_some((rewritten, any_bound)))
    }

    fn span_of(&self, origin: RuleId) -> crate::span::Span {
        self.program
            .rules
            .get(origin.0 as usize)
            .map(|rule| rule.span)
            .or_else(|| self.program.queries.first().map(|query| query.span))
            .unwrap_or_default()
    }

    /// Generates the rules of the adorned copy of `original` with `bound`;
    /// false when a rule's head has an expression in a bound position.
    fn expand(&mut self, original: PredId, bound: &[bool]) -> Result<bool, PlanError> {
        let (adorned, magic_id) = self.ids_of(original, bound);
        let rule_ids: Vec<RuleId> = self
            .rules_of
            .get(original.0 as usize)
            .cloned()
            .unwrap_or_default();
        for rule_id in rule_ids {
            let rule = self.program.rule(rule_id);
            let mut magic_args = Vec::new();
            let mut seed = Vec::new();
            for (arg, &is_bound) in rule.head.args.iter().zip(bound) {
                if !is_bound {
                    continue;
                }
                match arg {
                    Expr::Var(var) => {
                        magic_args.push(Arg::Var(*var));
                        seed.push(*var);
                    }
                    Expr::Const(value) => magic_args.push(Arg::Const(value.clone())),
                    _ => return Ok(false),
                }
            }
            let magic_atom = BodyLiteral::Atom {
                predicate: magic_id,
                args: magic_args,
                negated: false,
                span: rule.span,
            };
            let n_slots = rule.variables.len();
            let body =
                match self.rewrite_body(&rule.body, n_slots, &seed, Some(&magic_atom), rule_id)? {
                    Some((body, _)) => body,
                    None => rule.body.clone(),
                };
            let mut modified = vec![magic_atom];
            modified.extend(body);
            self.rules.push(Generated {
                rule: ir::Rule {
                    head: Head {
                        predicate: adorned,
                        args: rule.head.args.clone(),
                    },
                    body: modified,
                    variables: rule.variables.clone(),
                    span: rule.span,
                },
                origin: rule_id,
            });
        }
        // The original's facts, restricted to the bindings asked for: the
        // original relation holds only its facts while it is deferred.
        let has_facts = self
            .program
            .facts
            .iter()
            .any(|fact| fact.predicate == original)
            || self
                .program
                .fact_rows
                .iter()
                .any(|rows| rows.predicate == original && !rows.rows.is_empty());
        if has_facts {
            let arity = bound.len();
            let vars: Vec<VarId> = (0..arity).map(|index| VarId(index as u32)).collect();
            let span = self.span_of(
                self.rules_of
                    .get(original.0 as usize)
                    .and_then(|rules| rules.first())
                    .copied()
                    .unwrap_or(QUERY_RULE),
            );
            let magic_atom = BodyLiteral::Atom {
                predicate: magic_id,
                args: vars
                    .iter()
                    .zip(bound)
                    .filter(|(_, is_bound)| **is_bound)
                    .map(|(var, _)| Arg::Var(*var))
                    .collect(),
                negated: false,
                span,
            };
            let facts_atom = BodyLiteral::Atom {
                predicate: original,
                args: vars.iter().map(|var| Arg::Var(*var)).collect(),
                negated: false,
                span,
            };
            self.rules.push(Generated {
                rule: ir::Rule {
                    head: Head {
                        predicate: adorned,
                        args: vars.iter().map(|var| Expr::Var(*var)).collect(),
                    },
                    body: vec![magic_atom, facts_atom],
                    variables: variable_names(arity),
                    span,
                },
                origin: QUERY_RULE,
            });
        }
        Ok(true)
    }

    /// The generated rules as strata: strongly connected components of
    /// their positive dependencies (the only ones among generated
    /// predicates), dependencies first.
    fn stratify(&self) -> Result<Vec<StratumPlan>, PlanError> {
        let first = self.program.predicates.len();
        let n = self.predicates.len();
        let local = |predicate: PredId| {
            (predicate.0 as usize)
                .checked_sub(first)
                .filter(|&index| index < n)
        };
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        for generated in &self.rules {
            let Some(head) = local(generated.rule.head.predicate) else {
                continue;
            };
            for literal in &generated.rule.body {
                if let BodyLiteral::Atom { predicate, .. } = literal
                    && let Some(read) = local(*predicate)
                {
                    edges[head].push(read);
                }
            }
        }
        let components = strongly_connected(&edges);
        let mut strata = Vec::with_capacity(components.len());
        for component in components {
            let predicates: Vec<PredId> = component
                .iter()
                .map(|&index| PredId((first + index) as u32))
                .collect();
            let mut rules = Vec::new();
            for generated in &self.rules {
                if predicates.contains(&generated.rule.head.predicate) {
                    rules.push(plan_rule(&generated.rule, generated.origin)?);
                }
            }
            // Lattice predicates are never demanded (see `deferred_predicates`).
            strata.push(StratumPlan {
                predicates,
                rules,
                lattices: Vec::new(),
            });
        }
        Ok(strata)
    }
}

/// Names for the variables of a generated rule (only diagnostics read them).
fn variable_names(n_slots: usize) -> Vec<String> {
    (0..n_slots).map(|index| format!("_#{index}")).collect()
}

fn set(bound: &mut [bool], var: VarId) {
    if let Some(slot) = bound.get_mut(var.0 as usize) {
        *slot = true;
    }
}

fn is_set(bound: &[bool], var: VarId) -> bool {
    bound.get(var.0 as usize).copied().unwrap_or(false)
}

/// Tarjan's strongly connected components of a graph (node → nodes it
/// depends on), each listed after every component it depends on.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'e> {
        edges: &'e [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }
    fn visit(state: &mut State<'_>, node: usize) {
        state.index[node] = Some(state.next);
        state.low[node] = state.next;
        state.next += 1;
        state.stack.push(node);
        state.on_stack[node] = true;
        for &next in &state.edges[node] {
            match state.index[next] {
                None => {
                    visit(state, next);
                    state.low[node] = state.low[node].min(state.low[next]);
                }
                Some(index) if state.on_stack[next] => {
                    state.low[node] = state.low[node].min(index);
                }
                Some(_) => {}
            }
        }
        if Some(state.low[node]) == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack[member] = false;
                component.push(member);
                if member == node {
                    break;
                }
            }
            component.sort_unstable();
            state.components.push(component);
        }
    }
    let n = edges.len();
    let mut state = State {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for node in 0..n {
        if state.index[node].is_none() {
            visit(&mut state, node);
        }
    }
    state.components
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::SourceId;
    use crate::syntax::parse_program;

    fn demand(text: &str) -> (ir::Program, Demand) {
        let (parsed, errors) = parse_program(SourceId(0), text);
        assert!(errors.is_empty(), "{errors:?}");
        let analysis = crate::analysis::analyze(&[&parsed]);
        assert!(
            analysis
                .diagnostics
                .iter()
                .all(|diagnostic| !diagnostic.is_error())
        );
        let demand = plan_demand(&analysis.program);
        (analysis.program, demand)
    }

    fn deferred_names(program: &ir::Program, demand: &Demand) -> Vec<String> {
        program
            .predicates
            .iter()
            .zip(&demand.deferred)
            .filter(|(_, deferred)| **deferred)
            .map(|(predicate, _)| predicate.name.clone())
            .collect()
    }

    const PATH: &str = "edge(1, 2). edge(2, 3).\n\
        path(X, Y) :- edge(X, Y).\n\
        path(X, Z) :- path(X, Y), edge(Y, Z).\n";

    #[test]
    fn a_query_with_a_constant_is_answered_from_demand() {
        let (program, demand) = demand(&format!("{PATH}?- path(1, X)."));
        assert_eq!(deferred_names(&program, &demand), vec!["path"]);
        let Some(Some(plan)) = demand.plans.first() else {
            panic!("no demand plan");
        };
        // path with its first argument bound, and its magic predicate.
        let bound: Vec<(bool, Vec<bool>)> = plan
            .predicates
            .iter()
            .map(|predicate| (predicate.magic, predicate.bound.clone()))
            .collect();
        assert_eq!(
            bound,
            vec![(false, vec![true, false]), (true, vec![true, false])]
        );
        // The magic seed comes first, the recursive copy after it.
        assert!(plan.strata.len() >= 2);
        assert_eq!(plan.query.stages.len(), 1);
    }

    #[test]
    fn queries_without_bindings_or_needed_in_full_use_no_demand() {
        for text in [
            format!("{PATH}?- path(X, Y)."),
            format!("{PATH}?- path(1, X).\n?- path(X, Y)."),
            format!("{PATH}n(X) :- edge(X, _), not path(1, X).\n?- path(1, X).\n?- n(X)."),
            format!("{PATH}c(N) :- N = count : {{ path(_, _) }}.\n?- path(1, X).\n?- c(N)."),
            "p(1). q(X + 1) :- p(X). ?- q(2).".to_string(),
        ] {
            let (program, demand) = demand(&text);
            assert!(deferred_names(&program, &demand).is_empty(), "{text}");
            assert!(demand.plans.iter().all(Option::is_none), "{text}");
        }
    }

    #[test]
    fn negation_inside_the_demanded_part_reads_the_full_predicate() {
        let (program, demand) = demand(&format!(
            "{PATH}blocked(3).\nok(X, Y) :- path(X, Y), not blocked(Y).\n?- ok(1, Y)."
        ));
        assert_eq!(deferred_names(&program, &demand), vec!["path", "ok"]);
        assert!(matches!(demand.plans.first(), Some(Some(_))));
    }
}
