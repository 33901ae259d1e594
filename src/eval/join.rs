//! The join of one planned conjunction: nested loops over narrow rows, every
//! atom found through an index on the columns bound when it is reached.
//!
//! A `Pipeline` is built once per conjunction and run any number of times
//! over `Source`s that its caller resolves for the run: the recent rows of
//! a growing relation for the atom a semi-naive variant starts from, the
//! stable (old) or all (full) batches of a growing relation, or an index of
//! a complete relation. Nothing between atoms is materialised: each match
//! binds its variables into slots and descends to the next atom, and the
//! head row goes to an output buffer the caller drains. Owns no fixpoint,
//! no deduplication and no relation; never sees a `Span`.

use super::aggregate::AggregateTable;
use super::context::{Context, EvalError, Origin};
use super::database::Relations;
use super::expr::CompiledExpr;
use super::storage::{
    AnyIndex, Cursor, Index, Part, Permutation, Row, RowKind, Rows, Runs, prefix_run_from,
};
use super::store::{Packed, Store, ValueError};
use super::tuple::Tuple;
use crate::analysis::ir::{Arg, PredId, VarId};
use crate::plan::AggregatePlan;
use crate::plan::{Check, ConjunctionPlan, Stage};
use crate::syntax::ast::CompareOp;
use std::sync::Arc;

/// Keys up to this many cells are built on the stack.
const INLINE_KEY: usize = 8;

/// A value an atom or the head reads: a bound variable's slot or a constant.
#[derive(Clone, Copy, Debug)]
enum Cell {
    Slot(usize),
    Const(Packed),
}

impl Cell {
    #[inline]
    fn value(self, slots: &[Packed]) -> Packed {
        match self {
            Cell::Slot(slot) => slots.get(slot).copied().unwrap_or_default(),
            Cell::Const(value) => value,
        }
    }
}

/// Where one atom's rows are read from during one run.
pub(super) enum Source<'a> {
    /// A complete relation (its rows in natural order) through an index on the bound columns.
    Index {
        /// The relation's rows.
        rows: &'a Rows,
        /// The index; its permutation is the order the step was built for.
        index: &'a AnyIndex,
    },
    /// Sorted runs in the step's column order: a growing relation's
    /// batches, or a complete relation's rows scanned whole.
    Runs(Runs<'a>),
}

/// How a step reads the rows of its atom, set when the pipeline is built.
#[derive(Clone, Debug)]
pub(super) enum Reading {
    /// Through the index of a complete relation on these columns (every
    /// column bound: a membership test); no columns: the whole relation.
    Complete {
        /// The relation.
        predicate: PredId,
        /// The index used, when some column is bound.
        index: Option<Arc<AnyIndex>>,
    },
    /// From a growing relation, in the copy kept in this column order.
    Growing {
        /// The relation.
        predicate: PredId,
        /// The column order of the copy read.
        permutation: Permutation,
        /// Which of its rows.
        part: Part,
    },
}

/// What the caller must provide for one atom: the predicate and the columns
/// bound when it is reached (constants and variables bound earlier).
#[derive(Clone, Debug)]
pub(super) struct AtomNeed {
    /// The atom's predicate.
    pub(super) predicate: PredId,
    /// Its written position among the body literals.
    pub(super) literal: usize,
    /// Its columns holding a value known before it is read, those known
    /// earliest (constants, then variables by the stage binding them) first:
    /// a look-up in that order keeps the leading key cells while an inner
    /// loop varies the last ones.
    pub(super) bound_columns: Vec<usize>,
}

/// One atom of the pipeline, in the column order of the rows it reads.
#[derive(Debug)]
struct AtomStep {
    arity: usize,
    /// The leading positions, looked up as the key.
    key: Vec<Cell>,
    /// Other positions that must hold a known value.
    filters: Vec<(usize, Cell)>,
    /// Positions that must equal an earlier position of the same row.
    equal: Vec<(usize, usize)>,
    /// Positions whose values bind variable slots.
    binds: Vec<(usize, usize)>,
    checks: Vec<CompiledCheck>,
    check_literals: Vec<usize>,
    /// True for the last step when it has no checks: its matches go
    /// straight to the head.
    leaf: bool,
    /// Which of the run's cursors its look-ups use.
    cursor: usize,
    /// Comparisons between the variable bound at the first position after
    /// the key and a value known before: each cuts the (sorted) run.
    ranges: Vec<(Bound, Cell)>,
    /// A negation, or the next step's membership test, whose last key cell
    /// is that same variable, done as a merge of the sorted run with the
    /// other relation's run (see `Member`).
    anti: Option<Member>,
    /// True when this step's `anti` is a semi-join that took over the next
    /// step (a whole-row membership test), which is then skipped.
    absorbs_next: bool,
}

/// `p(K..., V)` tested for the variable `V` a step binds right after its
/// key, `K...` known before: for each binding of `K...` the values of `V`
/// that `p` holds form one sorted run of `p`'s index, and the step's rows
/// (sorted by `V` too) are merged against it instead of each being looked
/// up: rows whose `V` is in it are dropped for `not p(K..., V)` (datafrog's
/// `extend_anti`) and kept for an atom `p(K..., V)` that binds nothing more
/// (the intersection of a leapjoin, as in a triangle query).
#[derive(Debug)]
struct Member {
    predicate: PredId,
    index: Arc<AnyIndex>,
    /// The key cells before `V`, in the index's order.
    prefix: Vec<Cell>,
    cursor: usize,
    /// True to keep the rows whose value is in the run, false to drop them.
    keep: bool,
}

/// Which rows of a run a comparison keeps: those whose value at the cut
/// position is above (or below) the other side, inclusive or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bound {
    Above { inclusive: bool },
    Below { inclusive: bool },
    Equal,
}

/// A check with its constants packed and its look-up structures resolved.
#[derive(Debug)]
enum CompiledCheck {
    /// A comparison of two variables or constants: the common case, without the evaluator.
    CompareCells(CompareOp, Cell, Cell),
    Compare(CompareOp, CompiledExpr, CompiledExpr),
    Assign(usize, CompiledExpr),
    Filter(CompiledExpr),
    /// `not p(...)`: the predicate, an index on its non-wildcard columns
    /// (none: every column is a wildcard), the key to look up, in the
    /// index's column order, and the cursor its look-ups use.
    Negation(PredId, Option<Arc<AnyIndex>>, Vec<Cell>, usize),
    Aggregate(usize, usize),
}

/// What the head produces.
#[derive(Debug)]
struct Emit {
    exprs: Vec<CompiledExpr>,
    /// The slots, when every output expression is a plain variable.
    direct: Option<Vec<usize>>,
}

/// Where a pipeline's results go.
pub(super) enum Output {
    /// Rows of a relation of `arity` columns, in the column order `permutation`.
    Rows {
        /// Number of columns.
        arity: usize,
        /// The order the rows are built in (the head's primary order).
        permutation: Permutation,
        /// The rows produced, in the order produced, mostly without repeats.
        rows: RowBuffer,
    },
    /// Answer tuples (queries, aggregate bodies), unsorted, maybe repeated.
    Tuples(Vec<Tuple>),
}

/// Rows produced, with a small cache of the latest ones in front.
///
/// A recursive rule derives most of its rows again and again, and the
/// repeats come close together (the same head reached through several
/// paths from one new row). The cache, a direct-mapped table of the rows
/// last pushed, drops those before they are stored, so the buffer (and the
/// sort that deduplicates it at the end of the round) holds few repeats. It
/// is lossy (a row evicted by another may be stored twice) and bounded, so
/// it stays in cache; it keeps the rows in the order produced, so rows
/// produced in order (a scan) stay cheap to sort. It may outlive a round:
/// every row it remembers was stored, so a row seen in an earlier round is
/// known to the relation already.
pub(super) enum RowBuffer {
    /// Rows of up to two columns.
    Pair(Filtered<u64>),
    /// Rows of three or four columns.
    Quad(Filtered<u128>),
    /// Wider rows (never filtered).
    Boxed(Filtered<Tuple>),
}

/// Rows of one width behind their cache.
pub(super) struct Filtered<R> {
    rows: Vec<R>,
    seen: Vec<R>,
    /// Rows pushed since the cache last grew.
    pushed: usize,
}

/// The cache starts at this many slots and doubles up to `MAX_SEEN` while
/// many rows pass through it.
const MIN_SEEN: usize = 1 << 10;
const MAX_SEEN: usize = 1 << 17;

impl<R: Row> Filtered<R> {
    fn new() -> Filtered<R> {
        Filtered {
            rows: Vec::new(),
            seen: R::vacant().map_or_else(Vec::new, |vacant| vec![vacant; MIN_SEEN]),
            pushed: 0,
        }
    }

    /// Adds a row; `filter` false skips the cache (a plan that cannot
    /// produce a row twice).
    #[inline]
    fn push(&mut self, row: R, filter: bool) {
        let n_slots = self.seen.len();
        if filter && n_slots > 0 {
            let slot = (row.spread() >> 40) as usize & (n_slots - 1);
            if self.seen[slot] == row {
                return;
            }
            self.seen[slot] = row.clone();
            self.pushed += 1;
            if self.pushed > 4 * n_slots && n_slots < MAX_SEEN {
                self.grow();
            }
        }
        self.rows.push(row);
    }

    #[cold]
    fn grow(&mut self) {
        if let Some(vacant) = R::vacant() {
            self.seen = vec![vacant; self.seen.len() * 2];
        }
        self.pushed = 0;
    }
}

impl RowBuffer {
    /// An empty buffer of rows of `arity` columns.
    pub(super) fn new(arity: usize) -> RowBuffer {
        match RowKind::for_arity(arity) {
            RowKind::Pair => RowBuffer::Pair(Filtered::new()),
            RowKind::Quad => RowBuffer::Quad(Filtered::new()),
            RowKind::Boxed => RowBuffer::Boxed(Filtered::new()),
        }
    }

    /// Number of rows stored.
    pub(super) fn len(&self) -> usize {
        match self {
            RowBuffer::Pair(buffer) => buffer.rows.len(),
            RowBuffer::Quad(buffer) => buffer.rows.len(),
            RowBuffer::Boxed(buffer) => buffer.rows.len(),
        }
    }

    /// The rows stored so far, in the order produced; the cache stays.
    pub(super) fn take_rows(&mut self) -> Rows {
        match self {
            RowBuffer::Pair(buffer) => Rows::Pair(std::mem::take(&mut buffer.rows)),
            RowBuffer::Quad(buffer) => Rows::Quad(std::mem::take(&mut buffer.rows)),
            RowBuffer::Boxed(buffer) => Rows::Boxed(std::mem::take(&mut buffer.rows)),
        }
    }

    /// Adds a row built cell by cell in the buffer's column order.
    #[inline]
    fn insert(&mut self, arity: usize, filter: bool, cell: impl FnMut(usize) -> Packed) {
        match self {
            RowBuffer::Pair(buffer) => buffer.push(u64::build(arity, cell), filter),
            RowBuffer::Quad(buffer) => buffer.push(u128::build(arity, cell), filter),
            RowBuffer::Boxed(buffer) => buffer.push(Tuple::build(arity, cell), filter),
        }
    }
}

impl Output {
    /// Number of results held.
    pub(super) fn len(&self) -> usize {
        match self {
            Output::Rows { rows, .. } => rows.len(),
            Output::Tuples(tuples) => tuples.len(),
        }
    }
}

/// Everything a run changes besides the slots.
pub(super) struct Sink<'s, 'c> {
    pub(super) store: &'s mut Store,
    pub(super) relations: &'s Relations,
    pub(super) context: &'s mut Context<'c>,
    pub(super) output: &'s mut Output,
}

impl Sink<'_, '_> {
    /// Counts `n_matches` matches of a run blamed on `origin` and, every
    /// [`POLL_EVERY`](super::context::POLL_EVERY) matches, polls: Ctrl-C, the memory limit, and the
    /// tuples produced so far (kept in earlier rounds, plus the rows in the
    /// output now) against `--max-tuples`. True, with the error recorded,
    /// once evaluation must stop. Every loop over matches calls it, so a
    /// cross product or a runaway query stops while it fills its output,
    /// not after.
    #[inline]
    pub(super) fn stop_after(&mut self, n_matches: usize, origin: Origin) -> bool {
        self.context.count_matches(n_matches) && self.poll(origin)
    }

    #[cold]
    #[inline(never)]
    fn poll(&mut self, origin: Origin) -> bool {
        self.context.check_now() || self.context.over_tuple_limit(self.output.len(), origin)
    }
}

/// A planned conjunction ready to run.
pub(super) struct Pipeline<'p> {
    plan: &'p ConjunctionPlan,
    pub(super) origin: Origin,
    seed_checks: Vec<CompiledCheck>,
    steps: Vec<AtomStep>,
    emit: Emit,
    aggregates: Vec<AggregateTable>,
    slots: Vec<Packed>,
    /// Cursors a run needs: one per step and one per negation.
    n_cursors: usize,
    /// True when no two matches give the same head: every column of every
    /// atom is a variable or a constant and every variable an atom binds is
    /// in the head, so distinct rows make distinct heads.
    distinct: bool,
}

/// For each variable slot of `plan`, when its value becomes known: 0 for
/// the seed, 1 + the stage index for a variable a stage (or a check after
/// it) binds; `usize::MAX` for one never bound.
fn binding_depths(plan: &ConjunctionPlan) -> Vec<usize> {
    let mut depths = vec![usize::MAX; plan.n_slots];
    let mut set = |var: VarId, depth: usize| {
        if let Some(slot) = depths.get_mut(var.0 as usize) {
            *slot = (*slot).min(depth);
        }
    };
    for &var in &plan.seed {
        set(var, 0);
    }
    for var in assigned_variables(&plan.seed_checks) {
        set(var, 0);
    }
    for (index, stage) in plan.stages.iter().enumerate() {
        for &(_, var) in &stage.binds {
            set(var, index + 1);
        }
        for var in assigned_variables(&stage.checks) {
            set(var, index + 1);
        }
    }
    depths
}

/// The columns of `args` whose values are known at `depth`, earliest known first.
fn known_columns(args: &[Arg], depths: &[usize], depth: usize) -> Vec<usize> {
    let depth_of = |column: usize| match args.get(column) {
        Some(Arg::Var(var)) => depths.get(var.0 as usize).copied().unwrap_or(usize::MAX),
        Some(Arg::Const(_)) => 0,
        _ => usize::MAX,
    };
    let mut columns: Vec<usize> = (0..args.len())
        .filter(|&column| depth_of(column) <= depth)
        .collect();
    columns.sort_by_key(|&column| (depth_of(column), column));
    columns
}

/// For each stage of `plan`, the columns bound when it is reached.
pub(super) fn atom_needs(plan: &ConjunctionPlan) -> Vec<AtomNeed> {
    let depths = binding_depths(plan);
    plan.stages
        .iter()
        .enumerate()
        .map(|(index, stage)| AtomNeed {
            predicate: stage.predicate,
            literal: stage.literal,
            bound_columns: known_columns(&stage.args, &depths, index),
        })
        .collect()
}

impl<'p> Pipeline<'p> {
    /// Builds the pipeline of `plan`, each stage reading its atom as
    /// `readings` says (one per stage, in the column order of the copy or
    /// index named there). Compiles checks, builds negation indexes and the
    /// aggregate tables of aggregates computed once.
    pub(super) fn new(
        plan: &'p ConjunctionPlan,
        origin: Origin,
        readings: &[Reading],
        permutations: &[Permutation],
        relations: &Relations,
        store: &mut Store,
        context: &mut Context<'_>,
    ) -> Result<Pipeline<'p>, EvalError> {
        if readings.len() != plan.stages.len() || permutations.len() != plan.stages.len() {
            return Err(EvalError::Internal(
                "pipeline sources do not fit the plan".into(),
            ));
        }
        let mut aggregates = Vec::with_capacity(plan.aggregates.len());
        for aggregate in &plan.aggregates {
            aggregates.push(build_aggregate(
                aggregate, origin, relations, store, context,
            )?);
        }
        let needs = atom_needs(plan);
        let depths = binding_depths(plan);
        let mut n_cursors = plan.stages.len();
        let mut steps = Vec::with_capacity(plan.stages.len());
        for (((at, stage), need), permutation) in
            plan.stages.iter().enumerate().zip(&needs).zip(permutations)
        {
            let mut step = atom_step(
                stage,
                need,
                permutation,
                &depths,
                relations,
                store,
                &mut n_cursors,
            );
            step.cursor = at;
            let known = |slot: usize| depths.get(slot).is_some_and(|&depth| depth <= at);
            step.ranges = range_bounds(&step.checks, &step.binds, step.key.len(), &known);
            take_anti(&mut step, &known);
            steps.push(step);
        }
        absorb_membership_tests(&mut steps, readings, &depths);
        // The last step that runs (a step absorbed by the one before it does not).
        let n_steps = steps.len();
        for (at, step) in steps.iter_mut().enumerate() {
            let last = if step.absorbs_next {
                at + 2 == n_steps
            } else {
                at + 1 == n_steps
            };
            step.leaf = last && step.checks.is_empty();
        }
        let exprs: Vec<CompiledExpr> = plan
            .output
            .iter()
            .map(|expr| CompiledExpr::compile(expr, store))
            .collect();
        let direct = exprs
            .iter()
            .map(|expr| match expr {
                CompiledExpr::Slot(slot) => Some(*slot),
                _ => None,
            })
            .collect();
        Ok(Pipeline {
            plan,
            origin,
            seed_checks: compile_checks(
                &plan.seed_checks,
                &depths,
                relations,
                store,
                &mut n_cursors,
            ),
            steps,
            emit: Emit { exprs, direct },
            aggregates,
            slots: vec![Packed::default(); plan.n_slots],
            n_cursors,
            distinct: produces_distinct_rows(plan),
        })
    }

    /// Runs the conjunction once over `sources` (one per stage), starting
    /// from `seed` (values of `plan.seed`), pushing results to `sink.output`.
    pub(super) fn run(&mut self, sources: &[Source<'_>], seed: &[Packed], sink: &mut Sink<'_, '_>) {
        let mut slots = std::mem::take(&mut self.slots);
        for (var, &value) in self.plan.seed.iter().zip(seed) {
            if let Some(slot) = slots.get_mut(var.0 as usize) {
                *slot = value;
            }
        }
        // With every head argument a variable, the head row is built from
        // the slots in the head's column order directly.
        let head_slots = match (&self.emit.direct, &*sink.output) {
            (Some(direct), Output::Rows { permutation, .. }) => permutation
                .columns()
                .iter()
                .map(|&column| direct.get(column).copied())
                .collect(),
            _ => None,
        };
        let leaf_copies = leaf_copies(&self.steps, head_slots.as_deref());
        let mut runner = Runner {
            origin: self.origin,
            steps: &self.steps,
            emit: &self.emit,
            head_slots,
            cursors: vec![Cursor::default(); self.n_cursors],
            excluded: vec![Vec::new(); self.steps.len()],
            run_cursors: vec![Vec::new(); self.steps.len()],
            leaf_copies,
            filter: !self.distinct,
            aggregates: &mut self.aggregates,
        };
        let literals = &self.plan.seed_check_literals;
        if runner.checks(&self.seed_checks, literals, &mut slots, sink) {
            runner.descend(0, sources, &mut slots, sink);
        }
        self.slots = slots;
    }
}

/// True when no two matches of `plan` can give the same output (see `Pipeline::distinct`).
fn produces_distinct_rows(plan: &ConjunctionPlan) -> bool {
    let in_output = |var: VarId| plan.output.contains(&crate::analysis::ir::Expr::Var(var));
    plan.stages.iter().all(|stage| {
        stage.args.iter().all(|arg| !matches!(arg, Arg::Wildcard))
            && stage.binds.iter().all(|&(_, var)| in_output(var))
    })
}

/// For the step that feeds the head directly (the leaf), the head cells it
/// copies from its rows: (head position, row position).
fn leaf_copies(steps: &[AtomStep], head_slots: Option<&[usize]>) -> Vec<(usize, usize)> {
    let (Some(step), Some(head)) = (steps.iter().find(|step| step.leaf), head_slots) else {
        return Vec::new();
    };
    head.iter()
        .enumerate()
        .filter_map(|(position, &slot)| {
            step.binds
                .iter()
                .find(|&&(_, bound)| bound == slot)
                .map(|&(row_position, _)| (position, row_position))
        })
        .collect()
}

/// True when `row` meets the step's conditions besides its key.
#[inline]
fn fits<R: Row>(step: &AtomStep, row: &R, slots: &[Packed]) -> bool {
    let arity = step.arity;
    step.filters
        .iter()
        .all(|&(position, cell)| row.cell(arity, position) == cell.value(slots))
        && step
            .equal
            .iter()
            .all(|&(a, b)| row.cell(arity, a) == row.cell(arity, b))
}

/// The last step's rows straight into a head buffer of rows `O`: each head
/// cell is either a value bound before the step (read once) or a cell of
/// the row, so a row becomes a head row without touching the slots.
#[inline]
#[allow(clippy::too_many_arguments)]
fn leaf_into<R: Row, O: Row>(
    step: &AtomStep,
    rows: &[R],
    excluded: &[Packed],
    slots: &mut [Packed],
    head: &[usize],
    copies: &[(usize, usize)],
    head_arity: usize,
    filter: bool,
    buffer: &mut Filtered<O>,
) {
    let arity = step.arity;
    // The head row with the values bound before the step in place; the
    // cells in `copies` (head position, row position) come from each row.
    let mut template = O::build(head_arity, |position| {
        head.get(position)
            .and_then(|&slot| slots.get(slot))
            .copied()
            .unwrap_or_default()
    });
    let member = step
        .anti
        .as_ref()
        .map(|member| (step.key.len(), member.keep));
    let mut excluded = excluded;
    let plain = step.filters.is_empty() && step.equal.is_empty() && member.is_none();
    // The common cases, one cell copied and nothing to test but a merged
    // membership: tight loops.
    let no_filters = step.filters.is_empty() && step.equal.is_empty();
    match (copies, plain, member) {
        ([(position, row_position)], true, _) => {
            for row in rows {
                let mut head_row = template.clone();
                head_row.set_cell(head_arity, *position, row.cell(arity, *row_position));
                buffer.push(head_row, filter);
            }
            return;
        }
        ([(position, row_position)], false, Some((member_position, keep))) if no_filters => {
            for row in rows {
                if is_excluded(&mut excluded, row.cell(arity, member_position), keep) {
                    continue;
                }
                let mut head_row = template.clone();
                head_row.set_cell(head_arity, *position, row.cell(arity, *row_position));
                buffer.push(head_row, filter);
            }
            return;
        }
        _ => {}
    }
    for row in rows {
        if !plain {
            if let Some((position, keep)) = member
                && is_excluded(&mut excluded, row.cell(arity, position), keep)
            {
                continue;
            }
            if !fits(step, row, slots) {
                continue;
            }
        }
        for &(position, row_position) in copies {
            template.set_cell(head_arity, position, row.cell(arity, row_position));
        }
        buffer.push(template.clone(), filter);
    }
}

/// True when a row whose merged variable has `value` is dropped by the
/// step's `Member`: `value` is (for a negation) or is not (for a semi-join)
/// in `values` (sorted), whose smaller values are dropped on the way:
/// successive values must not decrease.
#[inline]
fn is_excluded(values: &mut &[Packed], value: Packed, keep: bool) -> bool {
    while let Some((&first, rest)) = values.split_first() {
        if first >= value {
            return (first == value) != keep;
        }
        *values = rest;
    }
    keep
}

/// The immutable steps and the mutable aggregate tables of one run.
struct Runner<'r> {
    origin: Origin,
    steps: &'r [AtomStep],
    emit: &'r Emit,
    /// For each position of the head row (in its column order), the slot it
    /// copies; `None` when some head argument is an expression.
    head_slots: Option<Vec<usize>>,
    /// One per step, then one per negation: where their last look-up ended.
    cursors: Vec<Cursor>,
    /// One per step: the buffer of values its `Anti` excludes.
    excluded: Vec<Vec<Packed>>,
    /// One per step: for each run it reads, where its last look-up started.
    run_cursors: Vec<Vec<usize>>,
    /// For the last step, when it feeds the head directly: each head cell it
    /// copies from its row, as (head position, row position).
    leaf_copies: Vec<(usize, usize)>,
    /// False when the plan cannot produce a head row twice: its rows skip
    /// the output's cache of recent rows.
    filter: bool,
    aggregates: &'r mut Vec<AggregateTable>,
}

impl Runner<'_> {
    /// Matches step `at` under the current bindings, then everything after it.
    fn descend(
        &mut self,
        at: usize,
        sources: &[Source<'_>],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) {
        let Some(step) = self.steps.get(at) else {
            self.produce(slots, sink);
            return;
        };
        match sources.get(at) {
            Some(Source::Index { rows, index }) => match (index, rows) {
                (AnyIndex::Pair(index), Rows::Pair(base)) => {
                    self.indexed(at, step, index, base, sources, slots, sink)
                }
                (AnyIndex::Quad(index), Rows::Quad(base)) => {
                    self.indexed(at, step, index, base, sources, slots, sink)
                }
                (AnyIndex::Boxed(index), Rows::Boxed(base)) => {
                    self.indexed(at, step, index, base, sources, slots, sink)
                }
                _ => {}
            },
            Some(Source::Runs(Runs::Pair(runs))) => self.runs(at, step, runs, sources, slots, sink),
            Some(Source::Runs(Runs::Quad(runs))) => self.runs(at, step, runs, sources, slots, sink),
            Some(Source::Runs(Runs::Boxed(runs))) => {
                self.runs(at, step, runs, sources, slots, sink)
            }
            None => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn indexed<R: Row>(
        &mut self,
        at: usize,
        step: &AtomStep,
        index: &Index<R>,
        base: &[R],
        sources: &[Source<'_>],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) {
        let key = KeyBuffer::new(&step.key, slots);
        if index.is_membership() {
            if index.contains(key.cells()) && !sink.stop_after(1, self.origin) {
                self.after_match(at, step, sources, slots, sink);
            }
            return;
        }
        let Some(cursor) = self.cursors.get_mut(step.cursor) else {
            return;
        };
        let mut run = index.run_from(base, key.cells(), cursor);
        if !step.ranges.is_empty() {
            run = restrict(run, step.arity, step.key.len(), &step.ranges, slots);
        }
        let excluded = self.excluded_values(at, step, slots, sink);
        self.each_row(at, step, run, &excluded, sources, slots, sink);
        self.give_back(at, excluded);
    }

    fn runs<R: Row>(
        &mut self,
        at: usize,
        step: &AtomStep,
        runs: &[&[R]],
        sources: &[Source<'_>],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) {
        let key = KeyBuffer::new(&step.key, slots);
        let excluded = self.excluded_values(at, step, slots, sink);
        let mut from = self
            .run_cursors
            .get_mut(at)
            .map(std::mem::take)
            .unwrap_or_default();
        from.resize(runs.len(), 0);
        for (run, from) in runs.iter().zip(from.iter_mut()) {
            let mut matching = prefix_run_from(run, step.arity, key.cells(), from);
            if !step.ranges.is_empty() {
                matching = restrict(matching, step.arity, step.key.len(), &step.ranges, slots);
            }
            if !self.each_row(at, step, matching, &excluded, sources, slots, sink) {
                break;
            }
        }
        if let Some(slot) = self.run_cursors.get_mut(at) {
            *slot = from;
        }
        self.give_back(at, excluded);
    }

    /// For a step with an `Anti` negation: the values its variable must not
    /// take under the current bindings, sorted (in a buffer of the step's,
    /// to hand back with `give_back`).
    fn excluded_values(
        &mut self,
        at: usize,
        step: &AtomStep,
        slots: &[Packed],
        sink: &mut Sink<'_, '_>,
    ) -> Vec<Packed> {
        let Some(anti) = &step.anti else {
            return Vec::new();
        };
        let mut values = self
            .excluded
            .get_mut(at)
            .map(std::mem::take)
            .unwrap_or_default();
        values.clear();
        let prefix = KeyBuffer::new(&anti.prefix, slots);
        if let Some(cursor) = self.cursors.get_mut(anti.cursor) {
            let rows = sink.relations.relation(anti.predicate).rows();
            anti.index
                .last_column_values(rows, prefix.cells(), cursor, &mut values);
        }
        values
    }

    fn give_back(&mut self, at: usize, values: Vec<Packed>) {
        if let Some(slot) = self.excluded.get_mut(at) {
            *slot = values;
        }
    }

    /// Every row of `run` (sorted by the variable after the key, when the
    /// step has an `Anti`) except those whose value there is `excluded`,
    /// bound and taken further; false once evaluation must stop.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn each_row<R: Row>(
        &mut self,
        at: usize,
        step: &AtomStep,
        run: &[R],
        excluded: &[Packed],
        sources: &[Source<'_>],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) -> bool {
        if step.anti.as_ref().is_some_and(|member| member.keep) && excluded.is_empty() {
            // A semi-join with nothing to meet.
            return true;
        }
        if step.leaf && self.head_slots.is_some() {
            return self.leaf(step, run, excluded, slots, sink);
        }
        let position = step.key.len();
        let mut excluded = excluded;
        for row in run {
            if let Some(member) = &step.anti
                && is_excluded(&mut excluded, row.cell(step.arity, position), member.keep)
            {
                continue;
            }
            if !self.bind(at, step, row, sources, slots, sink) {
                return false;
            }
        }
        true
    }

    /// Tests the non-key conditions of `row`, binds its new variables and
    /// goes on; false once evaluation must stop (an error, Ctrl-C).
    #[inline]
    fn bind<R: Row>(
        &mut self,
        at: usize,
        step: &AtomStep,
        row: &R,
        sources: &[Source<'_>],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) -> bool {
        let arity = step.arity;
        let fits = step
            .filters
            .iter()
            .all(|&(position, cell)| row.cell(arity, position) == cell.value(slots))
            && step
                .equal
                .iter()
                .all(|&(a, b)| row.cell(arity, a) == row.cell(arity, b));
        if !fits {
            return true;
        }
        for &(position, slot) in &step.binds {
            if let Some(target) = slots.get_mut(slot) {
                *target = row.cell(arity, position);
            }
        }
        if sink.stop_after(1, self.origin) {
            return false;
        }
        self.after_match(at, step, sources, slots, sink);
        sink.context.error.is_none()
    }

    fn after_match(
        &mut self,
        at: usize,
        step: &AtomStep,
        sources: &[Source<'_>],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) {
        if step.checks.is_empty() || self.checks(&step.checks, &step.check_literals, slots, sink) {
            let next = if step.absorbs_next { at + 2 } else { at + 1 };
            self.descend(next, sources, slots, sink);
        }
    }

    /// Builds the head (or answer) from the bindings.
    #[inline]
    fn produce(&mut self, slots: &mut [Packed], sink: &mut Sink<'_, '_>) {
        if let (Some(head_slots), Output::Rows { arity, rows, .. }) =
            (&self.head_slots, &mut *sink.output)
        {
            let arity = *arity;
            rows.insert(arity, self.filter, |position| slots[head_slots[position]]);
            return;
        }
        let emit = self.emit;
        let mut inline = [Packed::ZERO; INLINE_KEY];
        let mut heap = Vec::new();
        let cells: &[Packed] = match &emit.direct {
            Some(direct) if direct.len() <= INLINE_KEY => {
                for (cell, &slot) in inline.iter_mut().zip(direct) {
                    *cell = slots.get(slot).copied().unwrap_or_default();
                }
                &inline[..direct.len()]
            }
            _ => {
                for expr in &emit.exprs {
                    match expr.evaluate(slots, sink.store) {
                        Ok(value) => heap.push(value),
                        Err(error) => return sink.context.fail(error, self.origin, None),
                    }
                }
                &heap
            }
        };
        match sink.output {
            Output::Rows {
                arity,
                permutation,
                rows,
            } => {
                let arity = *arity;
                let columns = permutation.columns();
                rows.insert(arity, self.filter, |position| {
                    cells.get(columns[position]).copied().unwrap_or_default()
                });
            }
            Output::Tuples(tuples) => tuples.push(cells.iter().copied().collect()),
        }
    }

    /// The matches of the last step, with no check after it, when the head
    /// copies slots: each goes straight into the output. False once
    /// evaluation must stop.
    #[inline]
    fn leaf<R: Row>(
        &mut self,
        step: &AtomStep,
        rows: &[R],
        excluded: &[Packed],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) -> bool {
        if sink.stop_after(rows.len(), self.origin) {
            return false;
        }
        // The output's width is settled once, outside the loop over rows.
        match (&self.head_slots, &mut *sink.output) {
            (
                Some(head),
                Output::Rows {
                    arity,
                    rows: RowBuffer::Pair(buffer),
                    ..
                },
            ) => leaf_into(
                step,
                rows,
                excluded,
                slots,
                head,
                &self.leaf_copies,
                *arity,
                self.filter,
                buffer,
            ),
            (
                Some(head),
                Output::Rows {
                    arity,
                    rows: RowBuffer::Quad(buffer),
                    ..
                },
            ) => leaf_into(
                step,
                rows,
                excluded,
                slots,
                head,
                &self.leaf_copies,
                *arity,
                self.filter,
                buffer,
            ),
            _ => {
                let arity = step.arity;
                let position = step.key.len();
                let mut excluded = excluded;
                for row in rows {
                    if let Some(member) = &step.anti
                        && is_excluded(&mut excluded, row.cell(arity, position), member.keep)
                    {
                        continue;
                    }
                    if !fits(step, row, slots) {
                        continue;
                    }
                    for &(position, slot) in &step.binds {
                        slots[slot] = row.cell(arity, position);
                    }
                    self.produce(slots, sink);
                }
            }
        }
        true
    }

    /// Runs `checks` in order; false as soon as one fails or errs.
    #[inline]
    fn checks(
        &mut self,
        checks: &[CompiledCheck],
        literals: &[usize],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) -> bool {
        // Plain comparisons of inline values decide without the store; at
        // anything else, all the checks run again the general way.
        for check in checks {
            let passed = match check {
                CompiledCheck::CompareCells(op, lhs, rhs) => {
                    match Store::compare_inline(*op, lhs.value(slots), rhs.value(slots)) {
                        Some(passed) => passed,
                        None => return self.all_checks(checks, literals, slots, sink),
                    }
                }
                // A negation of plain cells cannot fail with an error.
                CompiledCheck::Negation(predicate, index, probe, cursor) => {
                    let key = KeyBuffer::new(probe, slots);
                    let Some(cursor) = self.cursors.get_mut(*cursor) else {
                        return false;
                    };
                    !holds(
                        sink.relations,
                        *predicate,
                        index.as_deref(),
                        key.cells(),
                        cursor,
                    )
                }
                _ => return self.all_checks(checks, literals, slots, sink),
            };
            if !passed {
                return false;
            }
        }
        true
    }

    /// [`Runner::checks`] the general way: every kind of check, errors reported.
    #[inline(never)]
    fn all_checks(
        &mut self,
        checks: &[CompiledCheck],
        literals: &[usize],
        slots: &mut [Packed],
        sink: &mut Sink<'_, '_>,
    ) -> bool {
        for (position, check) in checks.iter().enumerate() {
            let outcome = match check {
                CompiledCheck::CompareCells(op, lhs, rhs) => {
                    sink.store
                        .compare_op(*op, lhs.value(slots), rhs.value(slots))
                }
                CompiledCheck::Compare(op, lhs, rhs) => lhs
                    .evaluate(slots, sink.store)
                    .and_then(|lhs| Ok((lhs, rhs.evaluate(slots, sink.store)?)))
                    .and_then(|(lhs, rhs)| sink.store.compare_op(*op, lhs, rhs)),
                CompiledCheck::Assign(slot, expr) => {
                    expr.evaluate(slots, sink.store).map(|value| {
                        if let Some(target) = slots.get_mut(*slot) {
                            *target = value;
                        }
                        true
                    })
                }
                CompiledCheck::Filter(expr) => expr
                    .evaluate(slots, sink.store)
                    .map(|value| sink.store.as_int(value) == Some(1)),
                CompiledCheck::Negation(predicate, index, probe, cursor) => {
                    let key = KeyBuffer::new(probe, slots);
                    let Some(cursor) = self.cursors.get_mut(*cursor) else {
                        return false;
                    };
                    Ok(!holds(
                        sink.relations,
                        *predicate,
                        index.as_deref(),
                        key.cells(),
                        cursor,
                    ))
                }
                CompiledCheck::Aggregate(index, result_slot) => {
                    let Some(table) = self.aggregates.get_mut(*index) else {
                        return false;
                    };
                    let key: Tuple = table
                        .plan()
                        .group_by
                        .iter()
                        .map(|var| slots.get(var.0 as usize).copied().unwrap_or_default())
                        .collect();
                    match lookup_aggregate(
                        table,
                        key,
                        self.origin,
                        sink.relations,
                        sink.store,
                        sink.context,
                    ) {
                        Ok(Some(value)) => {
                            if let Some(target) = slots.get_mut(*result_slot) {
                                *target = value;
                            }
                            Ok(true)
                        }
                        Ok(None) => Ok(false),
                        Err(error) => {
                            if sink.context.error.is_none() {
                                sink.context.error = Some(error);
                            }
                            return false;
                        }
                    }
                }
            };
            match outcome {
                Ok(true) => {}
                Ok(false) | Err(ValueError::Undefined { .. }) => return false,
                Err(error) => {
                    sink.context
                        .fail(error, self.origin, literals.get(position).copied());
                    return false;
                }
            }
        }
        true
    }
}

/// True when some row of `predicate` has `key` in the indexed columns.
fn holds(
    relations: &Relations,
    predicate: PredId,
    index: Option<&AnyIndex>,
    key: &[Packed],
    cursor: &mut Cursor,
) -> bool {
    let relation = relations.relation(predicate);
    let Some(index) = index else {
        return !relation.is_empty();
    };
    match (index, relation.rows()) {
        (AnyIndex::Pair(index), Rows::Pair(rows)) => found(index, rows, key, cursor),
        (AnyIndex::Quad(index), Rows::Quad(rows)) => found(index, rows, key, cursor),
        (AnyIndex::Boxed(index), Rows::Boxed(rows)) => found(index, rows, key, cursor),
        _ => false,
    }
}

fn found<R: Row>(index: &Index<R>, rows: &[R], key: &[Packed], cursor: &mut Cursor) -> bool {
    if index.is_membership() {
        index.contains(key)
    } else {
        !index.run_from(rows, key, cursor).is_empty()
    }
}

/// The current values of a key's cells, on the stack when the key is short.
struct KeyBuffer {
    inline: [Packed; INLINE_KEY],
    heap: Vec<Packed>,
    len: usize,
}

impl KeyBuffer {
    #[inline]
    fn new(key: &[Cell], slots: &[Packed]) -> KeyBuffer {
        let mut buffer = KeyBuffer {
            inline: [Packed::ZERO; INLINE_KEY],
            heap: Vec::new(),
            len: key.len(),
        };
        if key.len() <= INLINE_KEY {
            for (value, cell) in buffer.inline.iter_mut().zip(key) {
                *value = cell.value(slots);
            }
        } else {
            buffer.heap = key.iter().map(|cell| cell.value(slots)).collect();
        }
        buffer
    }

    #[inline]
    fn cells(&self) -> &[Packed] {
        if self.len <= INLINE_KEY {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }
}

/// Lays out one stage for rows in `permutation`: the longest bound prefix is
/// the key, other bound positions are filters, repeated new variables are
/// equalities, the rest bind slots.
fn atom_step(
    stage: &Stage,
    need: &AtomNeed,
    permutation: &Permutation,
    depths: &[usize],
    relations: &Relations,
    store: &mut Store,
    n_cursors: &mut usize,
) -> AtomStep {
    let arity = stage.args.len();
    let value_of = |column: usize, store: &mut Store| match stage.args.get(column) {
        Some(Arg::Const(value)) => Cell::Const(store.pack(value)),
        Some(Arg::Var(var)) => Cell::Slot(var.0 as usize),
        _ => Cell::Const(Packed::ZERO),
    };
    let columns = permutation.columns();
    let n_key = columns
        .iter()
        .take_while(|column| need.bound_columns.contains(column))
        .count();
    let key = columns[..n_key]
        .iter()
        .map(|&column| value_of(column, store))
        .collect();
    let filters = columns
        .iter()
        .enumerate()
        .skip(n_key)
        .filter(|(_, column)| need.bound_columns.contains(column))
        .map(|(position, &column)| (position, value_of(column, store)))
        .collect();
    let position = |column: usize| permutation.position_of(column).unwrap_or(column);
    let mut binds: Vec<(usize, usize)> = Vec::new();
    let mut equal = Vec::new();
    let mut first_column: Vec<(VarId, usize)> = Vec::new();
    for (column, arg) in stage.args.iter().enumerate() {
        let Arg::Var(var) = arg else { continue };
        if need.bound_columns.contains(&column) {
            continue;
        }
        match first_column.iter().find(|(seen, _)| seen == var) {
            Some(&(_, earlier)) => equal.push((position(column), position(earlier))),
            None => {
                first_column.push((*var, column));
                binds.push((position(column), var.0 as usize));
            }
        }
    }
    AtomStep {
        arity,
        key,
        filters,
        equal,
        binds,
        ranges: Vec::new(),
        anti: None,
        absorbs_next: false,
        checks: compile_checks(&stage.checks, depths, relations, store, n_cursors),
        check_literals: stage.check_literals.clone(),
        leaf: false,
        cursor: 0,
    }
}

/// The comparisons among `checks` that bound the variable bound at
/// `position` (right after the key) by a value known before the step
/// (`known` says which slots are): each as the bound it puts on the run.
fn range_bounds(
    checks: &[CompiledCheck],
    binds: &[(usize, usize)],
    position: usize,
    known: &dyn Fn(usize) -> bool,
) -> Vec<(Bound, Cell)> {
    let Some(&(_, slot)) = binds.iter().find(|&&(bound_at, _)| bound_at == position) else {
        return Vec::new();
    };
    let is_known = |cell: &Cell| match cell {
        Cell::Const(_) => true,
        Cell::Slot(other) => *other != slot && known(*other),
    };
    let mut bounds = Vec::new();
    for check in checks {
        let CompiledCheck::CompareCells(op, lhs, rhs) = check else {
            continue;
        };
        // Normalise to `variable op other`.
        let (op, other) = match (lhs, rhs) {
            (Cell::Slot(var), other) if *var == slot && is_known(other) => (*op, *other),
            (other, Cell::Slot(var)) if *var == slot && is_known(other) => (flipped(*op), *other),
            _ => continue,
        };
        let bound = match op {
            CompareOp::Gt => Bound::Above { inclusive: false },
            CompareOp::Ge => Bound::Above { inclusive: true },
            CompareOp::Lt => Bound::Below { inclusive: false },
            CompareOp::Le => Bound::Below { inclusive: true },
            CompareOp::Eq => Bound::Equal,
            CompareOp::Ne => continue,
        };
        bounds.push((bound, other));
    }
    bounds
}

/// Turns each step followed by a whole-row membership test of the variable
/// it binds right after its key into a semi-join (see `Member`): the test's
/// relation is merged with the step's run, and the test is skipped.
fn absorb_membership_tests(steps: &mut [AtomStep], readings: &[Reading], depths: &[usize]) {
    for at in 0..steps.len().saturating_sub(1) {
        let (head, tail) = steps.split_at_mut(at + 1);
        let (step, next) = (&mut head[at], &tail[0]);
        if step.anti.is_some() || step.absorbs_next || next.absorbs_next {
            continue;
        }
        let Some(Reading::Complete {
            predicate,
            index: Some(index),
        }) = readings.get(at + 1)
        else {
            continue;
        };
        let tests_only = next.binds.is_empty()
            && next.filters.is_empty()
            && next.equal.is_empty()
            && next.checks.is_empty()
            && next.anti.is_none()
            && index.has_last_column_runs();
        let position = step.key.len();
        let bound_next = step
            .binds
            .iter()
            .find(|&&(bound_at, _)| bound_at == position)
            .map(|&(_, slot)| slot);
        let Some((Cell::Slot(last), prefix)) = next.key.split_last() else {
            continue;
        };
        let known_before = |cell: &Cell| match cell {
            Cell::Const(_) => true,
            Cell::Slot(slot) => depths.get(*slot).is_some_and(|&depth| depth <= at),
        };
        if !tests_only || bound_next != Some(*last) || !prefix.iter().all(known_before) {
            continue;
        }
        step.anti = Some(Member {
            predicate: *predicate,
            index: Arc::clone(index),
            prefix: prefix.to_vec(),
            cursor: next.cursor,
            keep: true,
        });
        step.absorbs_next = true;
    }
}

/// Moves out of `step.checks` the first negation that can be merged with
/// the step's run (see `Member`).
fn take_anti(step: &mut AtomStep, known: &dyn Fn(usize) -> bool) {
    let position = step.key.len();
    let Some(&(_, slot)) = step
        .binds
        .iter()
        .find(|&&(bound_at, _)| bound_at == position)
    else {
        return;
    };
    let found = step.checks.iter().position(|check| {
        let CompiledCheck::Negation(_, Some(index), probe, _) = check else {
            return false;
        };
        let Some((Cell::Slot(last), prefix)) = probe.split_last() else {
            return false;
        };
        *last == slot
            && index.has_last_column_runs()
            && prefix.iter().all(|cell| match cell {
                Cell::Const(_) => true,
                Cell::Slot(other) => *other != slot && known(*other),
            })
    });
    let Some(found) = found else {
        return;
    };
    let CompiledCheck::Negation(predicate, Some(index), mut probe, cursor) =
        step.checks.remove(found)
    else {
        return;
    };
    if found < step.check_literals.len() {
        step.check_literals.remove(found);
    }
    probe.pop();
    step.anti = Some(Member {
        predicate,
        index,
        prefix: probe,
        cursor,
        keep: false,
    });
}

/// The comparison with its sides swapped: `a < b` is `b > a`.
fn flipped(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        other => other,
    }
}

/// Cuts `run` (sorted by the cell at `position`) to the rows `ranges` can
/// keep. A cut only drops rows whose comparison would be false without an
/// error: an order bound applies when the bound is an inline integer or a
/// date and the dropped end of the run holds values of the same kind (the
/// kinds are contiguous, so everything dropped is of that kind).
#[inline]
fn restrict<'a, R: Row>(
    mut run: &'a [R],
    arity: usize,
    position: usize,
    ranges: &[(Bound, Cell)],
    slots: &[Packed],
) -> &'a [R] {
    for &(bound, cell) in ranges {
        let limit = cell.value(slots);
        let value = |row: &R| row.cell(arity, position);
        match bound {
            Bound::Equal => {
                let start = run.partition_point(|row| value(row) < limit);
                run = &run[start..];
                let end = run.partition_point(|row| value(row) <= limit);
                run = &run[..end];
            }
            Bound::Above { inclusive } => {
                if !limit.sorts_numerically()
                    || !run.first().is_some_and(|row| value(row).same_kind(limit))
                {
                    continue;
                }
                let start = run.partition_point(|row| {
                    if inclusive {
                        value(row) < limit
                    } else {
                        value(row) <= limit
                    }
                });
                run = &run[start..];
            }
            Bound::Below { inclusive } => {
                if !limit.sorts_numerically()
                    || !run.last().is_some_and(|row| value(row).same_kind(limit))
                {
                    continue;
                }
                let end = run.partition_point(|row| {
                    if inclusive {
                        value(row) <= limit
                    } else {
                        value(row) < limit
                    }
                });
                run = &run[..end];
            }
        }
    }
    run
}

/// The cell an expression reads, when it is a plain variable or constant.
fn cell_of(expr: &CompiledExpr) -> Option<Cell> {
    match expr {
        CompiledExpr::Slot(slot) => Some(Cell::Slot(*slot)),
        CompiledExpr::Const(value) => Some(Cell::Const(*value)),
        _ => None,
    }
}

/// The variables that checks bind.
pub(super) fn assigned_variables(checks: &[Check]) -> impl Iterator<Item = VarId> + '_ {
    checks.iter().filter_map(|check| match check {
        Check::Assign { var, .. } => Some(*var),
        Check::Aggregate { result, .. } => Some(*result),
        _ => None,
    })
}

fn compile_checks(
    checks: &[Check],
    depths: &[usize],
    relations: &Relations,
    store: &mut Store,
    n_cursors: &mut usize,
) -> Vec<CompiledCheck> {
    checks
        .iter()
        .map(|check| match check {
            Check::Compare { op, lhs, rhs } => {
                let (lhs, rhs) = (
                    CompiledExpr::compile(lhs, store),
                    CompiledExpr::compile(rhs, store),
                );
                match (cell_of(&lhs), cell_of(&rhs)) {
                    (Some(lhs), Some(rhs)) => CompiledCheck::CompareCells(*op, lhs, rhs),
                    _ => CompiledCheck::Compare(*op, lhs, rhs),
                }
            }
            Check::Assign { var, expr } => {
                CompiledCheck::Assign(var.0 as usize, CompiledExpr::compile(expr, store))
            }
            Check::Filter(expr) => CompiledCheck::Filter(CompiledExpr::compile(expr, store)),
            Check::Negation { predicate, args } => {
                let columns = known_columns(args, depths, usize::MAX - 1);
                let index = (!columns.is_empty()).then(|| relations.index(*predicate, &columns));
                let probe = columns
                    .iter()
                    .map(|&column| match args.get(column) {
                        Some(Arg::Var(var)) => Cell::Slot(var.0 as usize),
                        Some(Arg::Const(value)) => Cell::Const(store.pack(value)),
                        _ => Cell::Const(Packed::ZERO),
                    })
                    .collect();
                *n_cursors += 1;
                CompiledCheck::Negation(*predicate, index, probe, *n_cursors - 1)
            }
            Check::Aggregate { index, result } => {
                CompiledCheck::Aggregate(*index, result.0 as usize)
            }
        })
        .collect()
}

/// Runs a conjunction over complete relations, optionally with seed values
/// for `plan.seed`; returns the distinct outputs. Every atom is read through
/// an index on the columns bound when it is reached (the first one whole,
/// unless a constant or the seed binds some of its columns).
pub(super) fn run_conjunction(
    plan: &ConjunctionPlan,
    origin: Origin,
    relations: &Relations,
    store: &mut Store,
    seed: &[Packed],
    context: &mut Context<'_>,
) -> Result<Vec<Tuple>, EvalError> {
    let mut readings = Vec::with_capacity(plan.stages.len());
    let mut permutations = Vec::with_capacity(plan.stages.len());
    for need in atom_needs(plan) {
        let (reading, permutation) = complete_reading(relations, &need);
        readings.push(reading);
        permutations.push(permutation);
    }
    let mut pipeline = Pipeline::new(
        plan,
        origin,
        &readings,
        &permutations,
        relations,
        store,
        context,
    )?;
    let sources: Vec<Source<'_>> = readings
        .iter()
        .map(|reading| match reading {
            Reading::Complete {
                predicate,
                index: Some(index),
            } => Source::Index {
                rows: relations.relation(*predicate).rows(),
                index,
            },
            Reading::Complete { predicate, .. } | Reading::Growing { predicate, .. } => {
                Source::Runs(Runs::whole(relations.relation(*predicate).rows()))
            }
        })
        .collect();
    let mut output = Output::Tuples(Vec::new());
    let mut sink = Sink {
        store,
        relations,
        context: &mut *context,
        output: &mut output,
    };
    pipeline.run(&sources, seed, &mut sink);
    if let Some(error) = context.error.take() {
        return Err(error);
    }
    let Output::Tuples(mut tuples) = output else {
        return Ok(Vec::new());
    };
    tuples.sort_unstable();
    tuples.dedup();
    context.after_round(tuples.len(), 1, usize::MAX, Some(origin))?;
    Ok(tuples)
}

/// How a stage reads a complete relation: through its index on the bound
/// columns, or whole when none is bound.
pub(super) fn complete_reading(relations: &Relations, need: &AtomNeed) -> (Reading, Permutation) {
    if need.bound_columns.is_empty() {
        let arity = relations.relation(need.predicate).arity();
        return (
            Reading::Complete {
                predicate: need.predicate,
                index: None,
            },
            Permutation::identity(arity),
        );
    }
    let index = relations.index(need.predicate, &need.bound_columns);
    let permutation = index.permutation().clone();
    (
        Reading::Complete {
            predicate: need.predicate,
            index: Some(index),
        },
        permutation,
    )
}

/// The table of one aggregate: counted from its relation, filled from one
/// run of an independent body, or left to fill group by group.
fn build_aggregate(
    plan: &AggregatePlan,
    origin: Origin,
    relations: &Relations,
    store: &mut Store,
    context: &mut Context<'_>,
) -> Result<AggregateTable, EvalError> {
    let mut table = AggregateTable::new(plan);
    if !table.count_whole_relation(relations, store) && plan.independent {
        let rows = run_conjunction(&plan.body, origin, relations, store, &[], context)?;
        table
            .insert_groups(rows, store)
            .map_err(|error| EvalError::Value {
                error,
                origin,
                literal: Some(plan.literal),
            })?;
    }
    Ok(table)
}

/// The aggregate's value for the group `key`, running its body for that
/// group when the table does not know it yet; `None` when the group has no value.
fn lookup_aggregate(
    table: &mut AggregateTable,
    key: Tuple,
    origin: Origin,
    relations: &Relations,
    store: &mut Store,
    context: &mut Context<'_>,
) -> Result<Option<Packed>, EvalError> {
    if let Some(value) = table.known(&key, store) {
        return Ok(value);
    }
    let rows = run_conjunction(&table.plan().body, origin, relations, store, &key, context)?;
    let literal = table.plan().literal;
    table
        .insert_group(key, &rows, store)
        .map_err(|error| EvalError::Value {
            error,
            origin,
            literal: Some(literal),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cut may only drop rows whose comparison is false without an error.
    #[test]
    fn cutting_a_run_drops_only_rows_that_fail_quietly() {
        let mut store = Store::new();
        let mut values: Vec<Packed> = (-4..=4).map(|number| store.int(number)).collect();
        values.push(store.int(1 << 40));
        values.push(Store::date_days(3));
        values.push(store.symbol("qatar"));
        let key = store.int(7);
        let mut runs: Vec<Vec<u64>> = vec![
            values.clone(),
            values[..9].to_vec(),
            values[9..].to_vec(),
            values[2..5].to_vec(),
        ]
        .into_iter()
        .map(|run| {
            let mut rows: Vec<u64> = run
                .iter()
                .map(|&value| u64::build(2, |p| if p == 0 { key } else { value }))
                .collect();
            rows.sort();
            rows
        })
        .collect();
        runs.push(Vec::new());
        let ops = [
            CompareOp::Lt,
            CompareOp::Le,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Eq,
        ];
        for run in &runs {
            for &limit in &values {
                for op in ops {
                    let checks = [CompiledCheck::CompareCells(
                        op,
                        Cell::Slot(0),
                        Cell::Slot(1),
                    )];
                    let ranges = range_bounds(&checks, &[(1, 0)], 1, &|slot| slot == 1);
                    assert_eq!(ranges.len(), 1);
                    let slots = [Packed::ZERO, limit];
                    let kept = restrict(run, 2, 1, &ranges, &slots);
                    for row in run {
                        let outcome = store.compare_op(op, row.cell(2, 1), limit);
                        if outcome != Ok(false) {
                            assert!(kept.contains(row), "{op:?} {limit:?} dropped {row:?}");
                        }
                    }
                }
            }
        }
    }
}
