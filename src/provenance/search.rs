//! The derivation search: re-runs one rule body at a time with the goal's
//! values bound, and picks a match whose body facts are all older than the goal.
//!
//! Owns the memo tables of one explanation request (chosen rule instances,
//! subtree heights, facts already shown). It reads the model and changes
//! nothing: values it computes go to its own scratch store.

use super::solve::{eval_expr, solve_body};
use super::{
    AggregateNote, Binding, CitedQuote, Derivation, ExplainOptions, Location, ModelView, Step,
    Support,
};
use crate::analysis::ir::{self, Arg, BodyLiteral, Expr, PredId, RuleId, VarId};
use crate::articles::{Article, Articles};
use crate::eval::{EvalError, EvalOptions, Origin, Packed, Scratch, Tuple};
use crate::plan::{self, ConjunctionPlan};
use crate::span::{SourceMap, Span};
use crate::text::collapse_whitespace;
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;

/// Most rule instances considered per rule and goal.
const MAX_MATCHES: usize = 10_000;

/// Levels counted below a cut before the note says "at least".
const MAX_HIDDEN_LEVELS_COUNTED: usize = 64;

/// The deepest tree built, whatever the options say, so the recursion stays
/// well within the stack.
const MAX_DEPTH: usize = 256;

/// A rule body planned with the head's variables bound on entry.
pub(super) struct SeededRule {
    /// The body's plan; its output is `outer` then the head's arguments.
    pub(super) plan: ConjunctionPlan,
    /// Seeded variables, in `plan.seed` order, each with the head column holding its value.
    pub(super) seed_columns: Vec<usize>,
    /// Head columns that must equal a constant.
    pub(super) constant_columns: Vec<(usize, Value)>,
    /// Variables bound outside aggregate bodies, sorted.
    pub(super) outer: Vec<VarId>,
}

/// A match of a body: the outer bindings by `VarId`, and the instantiated positive atoms.
type Instance = (Vec<Option<Packed>>, Vec<(PredId, Tuple)>);

/// One chosen rule instance for a goal.
#[derive(Clone, Debug)]
pub(super) struct Choice {
    rule: RuleId,
    /// Value of each variable by `VarId` (outer variables only).
    bindings: Vec<Option<Packed>>,
    /// The positive body atoms, instantiated, in written order.
    children: Vec<(PredId, Tuple)>,
}

/// The state of one explanation request.
pub(super) struct Explainer<'s> {
    pub(super) program: &'s ir::Program,
    /// The model's database, read only, with a private store.
    pub(super) scratch: Scratch<'s>,
    pub(super) sources: &'s SourceMap,
    articles: &'s Articles,
    pub(super) options: ExplainOptions,
    pub(super) eval_options: EvalOptions,
    pub(super) cancel: &'s AtomicBool,
    facts_by_value: HashMap<(PredId, Vec<Value>), Vec<usize>>,
    pub(super) rules_by_head: HashMap<PredId, Vec<RuleId>>,
    seeded: HashMap<RuleId, Option<SeededRule>>,
    choices: HashMap<(PredId, Tuple), Option<Choice>>,
    heights: HashMap<(PredId, Tuple), usize>,
    /// Set when a height count reached its budget.
    height_capped: bool,
    shown: HashSet<(PredId, Tuple)>,
}

impl<'s> Explainer<'s> {
    pub(super) fn new(view: &ModelView<'s>, options: ExplainOptions) -> Explainer<'s> {
        let program = view.program;
        let mut facts_by_value: HashMap<(PredId, Vec<Value>), Vec<usize>> = HashMap::new();
        for (index, fact) in program.facts.iter().enumerate() {
            facts_by_value
                .entry((fact.predicate, fact.values.clone()))
                .or_default()
                .push(index);
        }
        let mut rules_by_head: HashMap<PredId, Vec<RuleId>> = HashMap::new();
        for (index, rule) in program.rules.iter().enumerate() {
            rules_by_head
                .entry(rule.head.predicate)
                .or_default()
                .push(RuleId(index as u32));
        }
        Explainer {
            program,
            scratch: view.database.scratch(),
            sources: view.sources,
            articles: view.articles,
            options,
            eval_options: view.eval_options,
            cancel: view.cancel,
            facts_by_value,
            rules_by_head,
            seeded: HashMap::new(),
            choices: HashMap::new(),
            heights: HashMap::new(),
            height_capped: false,
            shown: HashSet::new(),
        }
    }

    /// The derivation tree of a tuple that holds, with a fresh "already shown" set.
    pub(super) fn derivation(
        &mut self,
        predicate: PredId,
        tuple: &Tuple,
    ) -> Result<Derivation, EvalError> {
        self.shown.clear();
        self.build(predicate, tuple, 0)
    }

    /// The index in `program.queries` of the `position`-th answer, checked by its text.
    pub(super) fn query_index(&self, position: usize, text: &str) -> Option<usize> {
        match self.program.queries.get(position) {
            Some(query) if query.text == text => Some(position),
            _ => self
                .program
                .queries
                .iter()
                .position(|query| query.text == text),
        }
    }

    /// Explains one answer row of query `query_index`: the query body instantiated.
    pub(super) fn query_row(
        &mut self,
        query_index: usize,
        row: &[Value],
    ) -> Result<Option<Step>, EvalError> {
        let program = self.program;
        let Some(query) = program.queries.get(query_index) else {
            return Ok(None);
        };
        let n_slots = query.variables.len();
        let seed: Vec<Packed> = row
            .iter()
            .map(|value| self.scratch.store_mut().pack(value))
            .collect();
        let mut seed_bindings = vec![None; n_slots];
        for (var, value) in query.shown.iter().zip(seed.iter()) {
            if let Some(slot) = seed_bindings.get_mut(var.0 as usize) {
                *slot = Some(*value);
            }
        }
        let order = plan::literal_order(&query.body, n_slots, &query.shown)
            .unwrap_or_else(|_| (0..query.body.len()).collect());
        let solutions = match solve_body(
            &query.body,
            &order,
            seed_bindings,
            &mut self.scratch,
            MAX_MATCHES,
        ) {
            Some(solutions) => solutions,
            None => {
                let outer = outer_variables(&query.body, &[]);
                let output = outer.iter().map(|&var| Expr::Var(var)).collect();
                let Ok(plan) = plan::plan_conjunction(&query.body, n_slots, &query.shown, output)
                else {
                    return Ok(None);
                };
                self.scratch
                    .evaluate_conjunction(
                        &plan,
                        Origin::Query(query_index),
                        &seed,
                        self.eval_options,
                        self.cancel,
                    )?
                    .iter()
                    .map(|values| bindings_of(&outer, values, n_slots))
                    .collect()
            }
        };
        let mut best: Option<(u64, Instance)> = None;
        for bindings in solutions {
            let Some(children) = self.instantiate_children(&query.body, &bindings, None) else {
                continue;
            };
            let max_rank = children
                .iter()
                .map(|(predicate, tuple)| self.rank(*predicate, tuple))
                .max()
                .unwrap_or(0);
            if best.as_ref().is_none_or(|(rank, _)| max_rank < *rank) {
                best = Some((max_rank, (bindings, children)));
            }
        }
        let Some((_, (bindings, children))) = best else {
            return Ok(None);
        };
        self.shown.clear();
        let mut child_derivations = Vec::with_capacity(children.len());
        for (predicate, tuple) in &children {
            child_derivations.push(self.build(*predicate, tuple, 1)?);
        }
        let (file, line) = self.location(query.span);
        let mut step = Step {
            rule: collapse_whitespace(&query.text),
            rule_index: None,
            file,
            line,
            bindings: self.named_bindings(&query.variables, &bindings),
            children: child_derivations,
            negations: Vec::new(),
            comparisons: Vec::new(),
            aggregates: Vec::new(),
        };
        self.describe_checks(&query.body, &query.variables, &bindings, &mut step)?;
        Ok(Some(step))
    }

    /// Builds the node of `(predicate, tuple)` at `depth` below the root.
    fn build(
        &mut self,
        predicate: PredId,
        tuple: &Tuple,
        depth: usize,
    ) -> Result<Derivation, EvalError> {
        let values: Vec<Value> = tuple
            .iter()
            .map(|&value| self.scratch.store().unpack(value))
            .collect();
        // A citation relation's tuple reads as the cited fact and its citation.
        let fact = super::facts::fact_label(self.program, predicate, &values);
        let name = super::facts::predicate_label(self.program, predicate);
        let key = (predicate, tuple.clone());
        let mut node = Derivation {
            fact,
            predicate: name,
            values,
            support: Support::SeeAbove,
        };
        if self.shown.contains(&key) {
            return Ok(node);
        }
        if let Some(support) = self.base_fact(predicate, &node.values) {
            self.shown.insert(key);
            node.support = support;
            return Ok(node);
        }
        if depth >= self.options.max_depth.min(MAX_DEPTH) {
            self.height_capped = false;
            let hidden_levels = self.height(predicate, tuple, MAX_HIDDEN_LEVELS_COUNTED)?;
            node.support = Support::Cut {
                hidden_levels,
                at_least: std::mem::take(&mut self.height_capped),
            };
            return Ok(node);
        }
        let Some(choice) = self.choose(predicate, tuple)? else {
            node.support = Support::Unexplained {
                reason: "no rule instance with older facts was found".to_string(),
            };
            return Ok(node);
        };
        self.shown.insert(key);
        let mut children = Vec::with_capacity(choice.children.len());
        for (child_predicate, child_tuple) in &choice.children {
            children.push(self.build(*child_predicate, child_tuple, depth + 1)?);
        }
        let program = self.program;
        let rule = program.rule(choice.rule);
        let (file, line) = self.location(rule.span);
        let mut step = Step {
            rule: collapse_whitespace(self.sources.snippet(rule.span)),
            rule_index: Some(choice.rule.0),
            file,
            line,
            bindings: self.named_bindings(&rule.variables, &choice.bindings),
            children,
            negations: Vec::new(),
            comparisons: Vec::new(),
            aggregates: Vec::new(),
        };
        self.describe_checks(&rule.body, &rule.variables, &choice.bindings, &mut step)?;
        node.support = Support::Rule(step);
        Ok(node)
    }

    /// The support of a base fact: every clause stating it, with their
    /// citations, and every fact-table row (a file's line) stating it.
    fn base_fact(&self, predicate: PredId, values: &[Value]) -> Option<Support> {
        let indices = self.facts_by_value.get(&(predicate, values.to_vec()));
        let rows = if super::facts::has_rows(self.program, predicate) {
            super::facts::row_locations(self.program, self.sources, predicate, values)
        } else {
            Vec::new()
        };
        if indices.is_none() && rows.is_empty() {
            return None;
        }
        let mut citations = Vec::new();
        let mut stated_at = Vec::new();
        for &index in indices.into_iter().flatten() {
            let Some(fact) = self.program.facts.get(index) else {
                continue;
            };
            let (file, line) = self.location(fact.span);
            for citation in &fact.citations {
                citations.push(CitedQuote {
                    article: citation.article.value.clone(),
                    article_file: self
                        .articles
                        .resolve(&citation.article.value)
                        .ok()
                        .map(Article::location),
                    quote: citation.quote.value.clone(),
                    file: file.clone(),
                    line,
                });
            }
            stated_at.push(Location {
                file,
                line,
                span: fact.span,
            });
        }
        stated_at.extend(rows);
        Some(Support::Fact {
            citations,
            stated_at,
        })
    }

    /// How many levels of rule steps the chosen derivation of a tuple has,
    /// counting at most `budget` (deeper ones report `budget` and set
    /// `height_capped`). Bounded so a long chain cannot exhaust the stack.
    fn height(
        &mut self,
        predicate: PredId,
        tuple: &Tuple,
        budget: usize,
    ) -> Result<usize, EvalError> {
        let key = (predicate, tuple.clone());
        if let Some(&height) = self.heights.get(&key) {
            return Ok(height);
        }
        let values: Vec<Value> = tuple
            .iter()
            .map(|&value| self.scratch.store().unpack(value))
            .collect();
        // A base fact (a tuple of a predicate no rule derives holds as one).
        if self.facts_by_value.contains_key(&(predicate, values))
            || !self.rules_by_head.contains_key(&predicate)
        {
            return Ok(0);
        }
        if budget == 0 {
            self.height_capped = true;
            return Ok(0);
        }
        // Marks the goal in progress, so an unexpected cycle ends instead of looping.
        self.heights.insert(key.clone(), 1);
        let capped_before = std::mem::take(&mut self.height_capped);
        let mut height = 1;
        if let Some(choice) = self.choose(predicate, tuple)? {
            for (child_predicate, child_tuple) in &choice.children {
                height = height.max(1 + self.height(*child_predicate, child_tuple, budget - 1)?);
            }
        }
        if self.height_capped {
            // Only exact heights are remembered.
            self.heights.remove(&key);
        } else {
            self.heights.insert(key, height);
        }
        self.height_capped |= capped_before;
        Ok(height)
    }

    /// The rank of a tuple: the round it first appeared in, 0 for facts of
    /// predicates without rules (which are never recorded).
    fn rank(&self, predicate: PredId, tuple: &Tuple) -> u64 {
        self.scratch
            .database()
            .rank_of(predicate, tuple)
            .unwrap_or(0)
    }

    /// Chooses the rule instance deriving `(predicate, tuple)` whose body facts
    /// are all older than the goal, with the smallest maximum rank.
    fn choose(&mut self, predicate: PredId, tuple: &Tuple) -> Result<Option<Choice>, EvalError> {
        let key = (predicate, tuple.clone());
        if let Some(choice) = self.choices.get(&key) {
            return Ok(choice.clone());
        }
        let goal_rank = self.scratch.database().rank_of(predicate, tuple);
        let rules = self
            .rules_by_head
            .get(&predicate)
            .cloned()
            .unwrap_or_default();
        let mut best: Option<(u64, Choice)> = None;
        for rule_id in rules {
            for (bindings, children) in self.matches(rule_id, tuple)? {
                let mut max_rank = 0;
                let mut older = true;
                for (child_predicate, child_tuple) in &children {
                    let rank = self.rank(*child_predicate, child_tuple);
                    max_rank = max_rank.max(rank);
                    let is_goal = *child_predicate == predicate && child_tuple == tuple;
                    if is_goal || goal_rank.is_some_and(|goal| rank >= goal) {
                        older = false;
                    }
                }
                if older && best.as_ref().is_none_or(|(rank, _)| max_rank < *rank) {
                    best = Some((
                        max_rank,
                        Choice {
                            rule: rule_id,
                            bindings,
                            children,
                        },
                    ));
                }
            }
        }
        let choice = best.map(|(_, choice)| choice);
        self.choices.insert(key, choice.clone());
        Ok(choice)
    }

    /// Every match of rule `rule_id`'s body producing `tuple`: the outer
    /// bindings and the instantiated positive atoms.
    fn matches(&mut self, rule_id: RuleId, tuple: &Tuple) -> Result<Vec<Instance>, EvalError> {
        let program = self.program;
        let rule = program.rule(rule_id);
        let Some(seeded) = self
            .seeded
            .entry(rule_id)
            .or_insert_with(|| seed_rule(rule))
        else {
            return Ok(Vec::new());
        };
        let mut seed = Vec::with_capacity(seeded.seed_columns.len());
        for &column in &seeded.seed_columns {
            let Some(&value) = tuple.get(column) else {
                return Ok(Vec::new());
            };
            seed.push(value);
        }
        for (column, constant) in &seeded.constant_columns {
            if self.scratch.store().lookup(constant) != tuple.get(*column).copied() {
                return Ok(Vec::new());
            }
        }
        let outer = seeded.outer.clone();
        let goal_rank = self.scratch.database().rank_of(rule.head.predicate, tuple);
        // The quick matcher first; bodies with aggregates go through the evaluator.
        let mut seed_bindings = vec![None; rule.variables.len()];
        for (var, value) in seeded.plan.seed.iter().zip(seed.iter()) {
            if let Some(slot) = seed_bindings.get_mut(var.0 as usize) {
                *slot = Some(*value);
            }
        }
        let order = seeded.plan.literal_order();
        if let Some(solutions) = solve_body(
            &rule.body,
            &order,
            seed_bindings,
            &mut self.scratch,
            MAX_MATCHES,
        ) {
            let mut matches = Vec::new();
            for bindings in solutions {
                let head_fits = rule.head.args.iter().zip(tuple.iter()).all(|(arg, value)| {
                    eval_expr(arg, &bindings, &mut self.scratch) == Some(*value)
                });
                if !head_fits {
                    continue;
                }
                if let Some(children) = self.instantiate_children(&rule.body, &bindings, goal_rank)
                {
                    matches.push((bindings, children));
                }
            }
            return Ok(matches);
        }
        let rows = self.scratch.evaluate_conjunction(
            &seeded.plan,
            Origin::Rule(rule_id),
            &seed,
            self.eval_options,
            self.cancel,
        )?;
        let mut matches = Vec::new();
        for row in rows {
            if row.get(outer.len()..) != Some(&tuple[..]) {
                continue;
            }
            let bindings = bindings_of(&outer, &row, rule.variables.len());
            if let Some(children) = self.instantiate_children(&rule.body, &bindings, goal_rank) {
                matches.push((bindings, children));
            }
        }
        Ok(matches)
    }

    /// The positive atoms of `body` with `bindings` substituted; an atom with
    /// `_` becomes its oldest matching tuple (older than `below`, if given).
    fn instantiate_children(
        &mut self,
        body: &[BodyLiteral],
        bindings: &[Option<Packed>],
        below: Option<u64>,
    ) -> Option<Vec<(PredId, Tuple)>> {
        let mut children = Vec::new();
        for literal in body {
            let BodyLiteral::Atom {
                predicate,
                args,
                negated: false,
                ..
            } = literal
            else {
                continue;
            };
            let pattern: Vec<Option<Packed>> = args
                .iter()
                .map(|arg| match arg {
                    Arg::Var(var) => bindings.get(var.0 as usize).copied().flatten(),
                    Arg::Const(value) => self.scratch.store().lookup(value),
                    Arg::Wildcard => None,
                })
                .collect();
            let has_wildcard = args.iter().any(|arg| matches!(arg, Arg::Wildcard));
            if !has_wildcard {
                let tuple: Option<Tuple> = pattern.iter().copied().collect();
                children.push((*predicate, tuple?));
                continue;
            }
            let oldest = self
                .scratch
                .database()
                .relation(*predicate)
                .matching(&pattern)
                .into_iter()
                .map(|tuple| (self.rank(*predicate, &tuple), tuple))
                .filter(|(rank, _)| below.is_none_or(|below| *rank < below))
                .min_by_key(|(rank, _)| *rank)
                .map(|(_, tuple)| tuple)?;
            children.push((*predicate, oldest));
        }
        Some(children)
    }

    /// The named variables of an instance and their values.
    pub(super) fn named_bindings(
        &self,
        names: &[String],
        bindings: &[Option<Packed>],
    ) -> Vec<Binding> {
        bindings
            .iter()
            .enumerate()
            .filter_map(|(index, value)| {
                let name = names.get(index)?;
                let value = (*value)?;
                (!name.starts_with("_#")).then(|| Binding {
                    variable: name.clone(),
                    value: self.scratch.store().unpack(value),
                })
            })
            .collect()
    }

    /// Adds the negations, comparisons and aggregates of `body`, instantiated, to `step`.
    fn describe_checks(
        &mut self,
        body: &[BodyLiteral],
        names: &[String],
        bindings: &[Option<Packed>],
        step: &mut Step,
    ) -> Result<(), EvalError> {
        for literal in body {
            match literal {
                BodyLiteral::Atom {
                    predicate,
                    args,
                    negated: true,
                    ..
                } => {
                    let text = self.atom_text(*predicate, args, names, bindings);
                    step.negations.push(format!("no `{text}` matched"));
                }
                BodyLiteral::Atom { .. } => {}
                BodyLiteral::Compare { op, lhs, rhs, .. } => {
                    let instantiated = format!(
                        "{} {} {}",
                        self.expr_text(lhs, names, bindings),
                        op.symbol(),
                        self.expr_text(rhs, names, bindings)
                    );
                    step.comparisons
                        .push(self.written_and_instantiated(literal, instantiated));
                }
                BodyLiteral::Filter { call, .. } => {
                    let instantiated = self.expr_text(call, names, bindings);
                    step.comparisons
                        .push(self.written_and_instantiated(literal, instantiated));
                }
                BodyLiteral::Aggregate(aggregate) => {
                    let note = self.aggregate_note(aggregate, names, bindings)?;
                    step.aggregates.push(note);
                }
            }
        }
        Ok(())
    }

    /// `DA < DB: 2025-10-09 < 2025-10-12`, or just the text when nothing was substituted.
    fn written_and_instantiated(&self, literal: &BodyLiteral, instantiated: String) -> String {
        let written = self.literal_text(literal);
        if written.is_empty() || written == instantiated {
            instantiated
        } else {
            format!("{written}: {instantiated}")
        }
    }

    fn aggregate_note(
        &mut self,
        aggregate: &ir::Aggregate,
        names: &[String],
        bindings: &[Option<Packed>],
    ) -> Result<AggregateNote, EvalError> {
        let n_slots = names.len().max(bindings.len());
        let mut body_vars = Vec::new();
        for literal in &aggregate.body {
            literal.visible_variables(&mut body_vars);
        }
        body_vars.sort();
        body_vars.dedup();
        let output: Vec<Expr> = body_vars.iter().map(|&var| Expr::Var(var)).collect();
        let seed: Vec<Packed> = aggregate
            .group_by
            .iter()
            .filter_map(|var| bindings.get(var.0 as usize).copied().flatten())
            .collect();
        let result = format!(
            "{} = {}",
            names
                .get(aggregate.result.0 as usize)
                .map_or("_", String::as_str),
            bindings
                .get(aggregate.result.0 as usize)
                .copied()
                .flatten()
                .map_or_else(|| "?".to_string(), |value| self.format(value))
        );
        let text = collapse_whitespace(self.sources.snippet(aggregate.span));
        let mut note = AggregateNote {
            text,
            result,
            contributing: Vec::new(),
            n_matches: 0,
        };
        if seed.len() != aggregate.group_by.len() {
            return Ok(note);
        }
        let Ok(plan) =
            plan::plan_conjunction(&aggregate.body, n_slots, &aggregate.group_by, output)
        else {
            return Ok(note);
        };
        let origin = Origin::Query(usize::MAX);
        let rows = self.scratch.evaluate_conjunction(
            &plan,
            origin,
            &seed,
            self.eval_options,
            self.cancel,
        )?;
        note.n_matches = rows.len();
        let mut row_bindings = bindings.to_vec();
        row_bindings.resize(n_slots, None);
        for row in rows {
            for (var, value) in body_vars.iter().zip(row.iter()) {
                if let Some(slot) = row_bindings.get_mut(var.0 as usize) {
                    *slot = Some(*value);
                }
            }
            for literal in &aggregate.body {
                if let BodyLiteral::Atom {
                    predicate,
                    args,
                    negated: false,
                    ..
                } = literal
                {
                    let text = self.atom_text(*predicate, args, names, &row_bindings);
                    if !note.contributing.contains(&text)
                        && note.contributing.len() < self.options.max_contributing
                    {
                        note.contributing.push(text);
                    }
                }
            }
        }
        Ok(note)
    }

    /// A value in Datalog syntax.
    pub(super) fn format(&self, value: Packed) -> String {
        self.scratch.store().unpack(value).to_string()
    }

    /// `p(a, X, _)` with bound variables replaced by their values.
    pub(super) fn atom_text(
        &self,
        predicate: PredId,
        args: &[Arg],
        names: &[String],
        bindings: &[Option<Packed>],
    ) -> String {
        let relation = self.program.predicate(predicate);
        let text = |arg: &Arg| match arg {
            Arg::Var(var) => self.var_text(*var, names, bindings),
            Arg::Const(value) => value.to_string(),
            Arg::Wildcard => "_".to_string(),
        };
        // `p@(args, A, Q)` is written `p(args) @ A : Q`.
        let (name, args, citation) = match relation.citations_of {
            Some(of) if args.len() >= 2 => {
                let (fact, citation) = args.split_at(args.len() - 2);
                let pattern = format!(" @ {} : {}", text(&citation[0]), text(&citation[1]));
                (&self.program.predicate(of).name, fact, pattern)
            }
            _ => (&relation.name, args, String::new()),
        };
        if args.is_empty() {
            return format!("{name}{citation}");
        }
        let args: Vec<String> = args.iter().map(text).collect();
        format!("{name}({}){citation}", args.join(", "))
    }

    fn var_text(&self, var: VarId, names: &[String], bindings: &[Option<Packed>]) -> String {
        match bindings.get(var.0 as usize).copied().flatten() {
            Some(value) => self.format(value),
            None => names
                .get(var.0 as usize)
                .cloned()
                .unwrap_or_else(|| "_".to_string()),
        }
    }

    /// An expression with bound variables replaced by their values.
    pub(super) fn expr_text(
        &self,
        expr: &Expr,
        names: &[String],
        bindings: &[Option<Packed>],
    ) -> String {
        match expr {
            Expr::Var(var) => self.var_text(*var, names, bindings),
            Expr::Const(value) => value.to_string(),
            Expr::Binary { op, lhs, rhs } => {
                let operand = |expr: &Expr| match expr {
                    Expr::Binary { .. } => format!("({})", self.expr_text(expr, names, bindings)),
                    _ => self.expr_text(expr, names, bindings),
                };
                format!("{} {} {}", operand(lhs), op.symbol(), operand(rhs))
            }
            Expr::Call { function, args } => {
                let args: Vec<String> = args
                    .iter()
                    .map(|arg| self.expr_text(arg, names, bindings))
                    .collect();
                format!("{}({})", function.name(), args.join(", "))
            }
        }
    }

    /// File name and 1-based line of a span.
    pub(super) fn location(&self, span: Span) -> (String, usize) {
        let (line, _) = self.sources.line_column(span.source, span.start);
        (self.sources.name(span.source).to_string(), line)
    }

    /// The text of a body literal as written, whitespace collapsed.
    pub(super) fn literal_text(&self, literal: &BodyLiteral) -> String {
        collapse_whitespace(self.sources.snippet(literal.span()))
    }

    /// A diagnostic-free helper for `why_not`: the store's packed form of a value, interning it.
    pub(super) fn pack(&mut self, value: &Value) -> Packed {
        self.scratch.store_mut().pack(value)
    }
}

/// Plans a rule body with the head's variables seeded; `None` when it cannot be planned.
fn seed_rule(rule: &ir::Rule) -> Option<SeededRule> {
    let mut seed = Vec::new();
    let mut seed_columns = Vec::new();
    let mut constant_columns = Vec::new();
    for (column, arg) in rule.head.args.iter().enumerate() {
        match arg {
            Expr::Var(var) if !seed.contains(var) => {
                seed.push(*var);
                seed_columns.push(column);
            }
            Expr::Const(value) => constant_columns.push((column, value.clone())),
            // Repeated variables and computed heads are checked on the output.
            _ => {}
        }
    }
    let outer = outer_variables(&rule.body, &rule.head.args);
    let mut output: Vec<Expr> = outer.iter().map(|&var| Expr::Var(var)).collect();
    output.extend(rule.head.args.iter().cloned());
    let plan = plan::plan_conjunction(&rule.body, rule.variables.len(), &seed, output).ok()?;
    Some(SeededRule {
        plan,
        seed_columns,
        constant_columns,
        outer,
    })
}

/// Variables bound outside aggregate bodies: in the head, in plain
/// literals, and each aggregate's result and groups; sorted.
pub(super) fn outer_variables(body: &[BodyLiteral], head: &[Expr]) -> Vec<VarId> {
    let mut vars = Vec::new();
    for expr in head {
        expr.collect_variables(&mut vars);
    }
    for literal in body {
        literal.visible_variables(&mut vars);
    }
    vars.sort();
    vars.dedup();
    vars
}

/// Bindings by `VarId` from an output row whose first columns are `vars`.
pub(super) fn bindings_of(vars: &[VarId], row: &[Packed], n_slots: usize) -> Vec<Option<Packed>> {
    let mut bindings = vec![None; n_slots];
    for (var, value) in vars.iter().zip(row.iter()) {
        if let Some(slot) = bindings.get_mut(var.0 as usize) {
            *slot = Some(*value);
        }
    }
    bindings
}
