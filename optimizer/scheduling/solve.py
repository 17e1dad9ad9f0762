"""Pareto-optimal plans by an epsilon-constraint sweep of CP-SAT solves.

With objectives ``f1..fK`` (``f1`` primary):

1. *Anchors.* For each objective ``fi``: minimise ``fi``; when that is proven optimal
   within the time limit, minimise the others with ``fi`` held at its optimum
   (``f(i+1)`` for two objectives, their range-normalised sum for more): the
   lexicographic optimum. The anchors give the payoff table: ideal and nadir of every
   objective.
2. *Sweep.* The remaining plans minimise ``f1`` under upper bounds ``fj <= eps_j`` on the
   others, spread evenly between nadir and ideal (two objectives) or on a Halton
   sequence over the box (more), each again followed by a tie-break when proven.
3. Plans dominated by another (possible when a time limit stopped a solve early) and
   duplicates are dropped; the rest are numbered in order of ``f1``.

Each plan reports its solve status, the proven bound on the objective it minimised and
the gap. Every solve starts from the previous plan as a hint.

Reproducibility: CP-SAT is seeded (``seed``). With ``workers: 1`` a solve that ends by
proving optimality repeats exactly; with more workers, or when a wall-clock limit stops
a solve, the threads' race makes results vary between runs. ``deterministic: true`` uses
CP-SAT's interleaved search with a deterministic time limit: results then repeat for any
worker count (at some cost in speed).

Infeasibility: when the first solve proves that no plan meets the hard constraints,
:func:`~optimizer.scheduling.explain.explain_infeasibility` names the conflicting orders
and resources, and a plan with due dates relaxed into weighted tardiness is solved.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from optimizer.scheduling.config import OBJECTIVES, SchedulingConfig
from optimizer.scheduling.constraints import MAX_CIRCUIT_TASKS, NEIGHBOURS
from optimizer.scheduling.data import ScheduleData
from optimizer.scheduling.explain import Explanation, explain_infeasibility, quick_conflicts
from optimizer.scheduling.heuristic import best_greedy
from optimizer.scheduling.metrics import plan_metrics
from optimizer.scheduling.model import CPModel, SolverSettings, SolveRun
from optimizer.scheduling.result import (
    Assignment,
    OutcomeStatus,
    ScheduleOutcome,
    ScheduleResult,
    SolveStatus,
)

__all__ = ["Progress", "SolveOptions", "solve_schedule"]

#: ``progress(done, total, message)``: solves done, solves planned, what is running.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: objectives, number of plans and CP-SAT settings.

    Attributes:
        objectives: Objective names, primary first (see
            :data:`~optimizer.scheduling.config.OBJECTIVES`).
        n_plans: Plans wanted (at most; dominated and duplicate plans are dropped).
        time_limit_s: Solver time per plan [s] (a proven-optimal plan gets a tie-break
            solve with what is left, at least a quarter of it).
        workers: CP-SAT worker threads.
        seed: CP-SAT random seed.
        deterministic: Reproducible for any worker count (see the module docstring).
        explain_time_s: Solver time to explain an infeasibility [s].
    """

    objectives: tuple[str, ...] = ("makespan_h",)
    n_plans: int = 1
    time_limit_s: float = 10.0
    workers: int = 2
    seed: int = 0
    deterministic: bool = False
    explain_time_s: float = 20.0

    def __post_init__(self) -> None:
        unknown = [o for o in self.objectives if o not in OBJECTIVES]
        if not self.objectives or unknown:
            raise ValueError(f"objectives must be a non-empty subset of {list(OBJECTIVES)};"
                             f" unknown: {unknown}")
        if self.n_plans < 1 or self.time_limit_s <= 0 or self.workers < 1:
            raise ValueError("n_plans and workers must be >= 1 and time_limit_s > 0")

    @classmethod
    def from_config(cls, config: SchedulingConfig) -> SolveOptions:
        """The solve settings of a scenario's scheduling section."""
        return cls(tuple(config.objectives), config.n_plans, config.time_limit_s,
                   config.workers, config.seed, config.deterministic)

    def settings(self, time_limit_s: float) -> SolverSettings:
        """CP-SAT settings for one solve of ``time_limit_s`` seconds."""
        return SolverSettings(max(0.05, time_limit_s), self.workers, self.seed,
                              self.deterministic, light_presolve=True)


@dataclass
class _Candidate:
    run: SolveRun  # the final (tie-break) solve, or the first when it failed
    primary: str
    status: SolveStatus
    bound: float  # user units
    gap: float
    seconds: float
    values: dict[str, int]
    epsilon: dict[str, float] = field(default_factory=dict)


def solve_schedule(data: ScheduleData, options: SchedulingConfig | SolveOptions,
                   progress: Progress | None = None) -> ScheduleOutcome:
    """Find Pareto-optimal plans, or explain why none meets the hard constraints.

    Args:
        data: The instance.
        options: The scheduling section (its objectives and solver settings) or
            :class:`SolveOptions`.
        progress: Called as ``progress(done, total, message)`` before each solve.

    Returns:
        The outcome: ``SOLVED`` with plans; ``INFEASIBLE`` with the conflicts and plans
        that relax due dates into tardiness (if such plans exist); ``NO_SOLUTION`` when
        no plan was found in time.
    """
    opts = options if isinstance(options, SolveOptions) else SolveOptions.from_config(options)
    tic = time.perf_counter()

    def elapsed() -> float:
        return time.perf_counter() - tic

    quick = quick_conflicts(data)
    if quick:
        explanation = Explanation(tuple(quick), proven=True)
    else:
        start_plan = best_greedy(data, opts.objectives[0])
        model = CPModel(data, opts.objectives, reference=start_plan)
        candidates, _ = _sweep(model, data, opts, progress, start_plan)
        if not candidates:
            if progress:
                progress(0, 1, "no plan yet: looking for conflicting constraints")
            explanation = explain_infeasibility(data, time_limit_s=opts.explain_time_s,
                                                seed=opts.seed)
            if explanation.plan is not None:
                candidates, _ = _sweep(model, data, opts, progress, explanation.plan)
        if candidates:
            found = _finish(data, candidates, opts.objectives, relaxed=False)
            return ScheduleOutcome(data, OutcomeStatus.SOLVED, found, opts.objectives,
                                   message=_solved_message(found) + _restricted_text(model),
                                   wall_time_s=elapsed())
    conflicts = explanation.conflicts
    plans: tuple[ScheduleResult, ...] = ()
    if data.due_dates_hard and (not explanation.proven
                                or any("due" in c.kinds for c in conflicts)):
        objectives = ("weighted_tardiness_h",
                      *[o for o in opts.objectives if o != "weighted_tardiness_h"])
        relaxed_opts = replace(opts, objectives=objectives, n_plans=1)
        start_plan = best_greedy(data, "weighted_tardiness_h", respect_due=False)
        model = CPModel(data, objectives, relax_due_dates=True, reference=start_plan)
        candidates, _ = _sweep(model, data, relaxed_opts, progress, start_plan)
        plans = _finish(data, candidates, objectives, relaxed=True)
    if explanation.proven:
        status = OutcomeStatus.INFEASIBLE
        message = "No plan meets every hard constraint. " + " ".join(
            c.message for c in conflicts)
    else:
        status = OutcomeStatus.NO_SOLUTION
        message = (f"No plan found within {opts.time_limit_s:g} s per solve, and CP-SAT"
                   " could neither prove nor rule out that one exists; raise time_limit_s,"
                   " lengthen the horizon or plan fewer orders.")
    if plans:
        message += (" Wrote the best plan found with due dates relaxed into tardiness"
                    f" ({_late_text(data, plans[0])}).")
    return ScheduleOutcome(data, status, plans, opts.objectives, tuple(conflicts), message,
                           elapsed())


# ---- the sweep -------------------------------------------------------------------------
def _solve_point(model: CPModel, opts: SolveOptions, primary: str,
                 others: Sequence[str], bounds: Mapping[str, int],
                 hint: Sequence[Assignment] | None, scales: Mapping[str, float]
                 ) -> _Candidate | SolveRun:
    """Minimise ``primary`` under ``bounds`` with the whole budget; when that is proven
    optimal early, spend the rest breaking ties on ``others`` (the lexicographic step;
    after a time-limited solve it would only repeat the presolve, and dominated plans
    are dropped at the end anyway)."""
    budget = opts.time_limit_s
    first = model.solve(opts.settings(budget), minimize=primary, bounds=bounds, hint=hint)
    if not first.has_solution:
        return first
    term = model.terms[primary]
    value, bound = first.values[primary], first.bound
    gap = 0.0 if first.status is SolveStatus.OPTIMAL else (
        abs(value - bound) / max(abs(value), 1e-9) if math.isfinite(bound) else math.inf)
    final, seconds = first, first.wall_time_s
    if others and first.status is SolveStatus.OPTIMAL:
        tight = dict(bounds)
        tight[primary] = value
        weights = ({others[0]: 1.0} if len(others) == 1 else
                   {o: 1.0 / max(scales.get(o, 1.0), 1.0) for o in others})
        second = model.solve(opts.settings(max(0.25 * budget, budget - seconds)),
                             minimize=weights, bounds=tight, hint=first.assignments)
        seconds += second.wall_time_s
        if second.has_solution:
            final = second
    user_bound = term.user_value(bound) if math.isfinite(bound) else math.nan
    return _Candidate(final, primary, first.status, user_bound, gap, seconds,
                      dict(final.values))


def _sweep(model: CPModel, data: ScheduleData, opts: SolveOptions,
           progress: Progress | None, hint: Sequence[Assignment] | None = None
           ) -> tuple[list[_Candidate], SolveStatus]:
    objs = list(opts.objectives)
    k = len(objs)
    n_anchor = 1 if opts.n_plans == 1 or k == 1 else k
    total = n_anchor + max(0, opts.n_plans - n_anchor) if k > 1 else 1
    done = 0
    candidates: list[_Candidate] = []
    first_status = SolveStatus.UNKNOWN
    scales = {o: float(model.terms[o].var.proto.domain[-1] - model.terms[o].var.proto.domain[0])
              for o in objs}
    for i in range(n_anchor):
        if progress:
            progress(done, total, f"plan {done + 1}/{total}: minimise {objs[i]}")
        others = [o for o in objs[i + 1:] + objs[:i]]
        if k == 2:
            others = others[:1]
        out = _solve_point(model, opts, objs[i], others, {}, hint, scales)
        done += 1
        if isinstance(out, SolveRun):
            if i == 0:
                return [], out.status
            continue
        if i == 0:
            first_status = out.status
        candidates.append(out)
        hint = out.run.assignments
    if k == 1 or len(candidates) < 2 or opts.n_plans <= n_anchor:
        return candidates, first_status
    ideal = {o: min(c.values[o] for c in candidates) for o in objs}
    nadir = {o: max(c.values[o] for c in candidates) for o in objs}
    scales = {o: float(max(1, nadir[o] - ideal[o])) for o in objs}
    rest = opts.n_plans - n_anchor
    points = _epsilon_points(objs[1:], ideal, nadir, rest)
    for eps in points:
        if progress:
            progress(done, total, f"plan {done + 1}/{total}: minimise {objs[0]} with"
                     f" epsilon bounds")
        out = _solve_point(model, opts, objs[0], objs[1:] if k > 2 else objs[1:2], eps,
                           hint, scales)
        done += 1
        if isinstance(out, SolveRun):
            continue
        out.epsilon = {o: model.terms[o].user_value(v) for o, v in eps.items()}
        candidates.append(out)
        hint = out.run.assignments
    return candidates, first_status


def _halton(index: int, base: int) -> float:
    f, r = 1.0, 0.0
    while index > 0:
        f /= base
        r += f * (index % base)
        index //= base
    return r


def _epsilon_points(names: Sequence[str], ideal: Mapping[str, int], nadir: Mapping[str, int],
                    n: int) -> list[dict[str, int]]:
    """``n`` epsilon vectors (upper bounds, integer scale) between ideal and nadir."""
    points = []
    primes = (2, 3, 5, 7, 11, 13)
    for j in range(1, n + 1):
        eps = {}
        for d, name in enumerate(names):
            frac = j / (n + 1) if len(names) == 1 else _halton(j, primes[d % len(primes)])
            lo, hi = ideal[name], nadir[name]
            eps[name] = math.floor(hi - frac * (hi - lo))
        points.append(eps)
    return points


# ---- results -----------------------------------------------------------------------------
def _dominates(a: Mapping[str, float], b: Mapping[str, float], objectives: Sequence[str]
               ) -> bool:
    tol = 1e-9
    better = False
    for o in objectives:
        sign = -1.0 if OBJECTIVES[o][0] == "maximize" else 1.0
        x, y = sign * a[o], sign * b[o]
        if x > y + tol * max(1.0, abs(y)):
            return False
        if x < y - tol * max(1.0, abs(y)):
            better = True
    return better


def _finish(data: ScheduleData, candidates: Sequence[_Candidate], objectives: Sequence[str],
            *, relaxed: bool) -> tuple[ScheduleResult, ...]:
    scored = [(c, plan_metrics(data, c.run.assignments)) for c in candidates]
    keep: list[tuple[_Candidate, dict[str, float]]] = []
    for c, m in scored:
        if any(_dominates(m2, m, objectives) for _, m2 in scored):
            continue
        if any(all(abs(m[o] - m2[o]) <= 1e-6 * max(1.0, abs(m2[o])) for o in objectives)
               for _, m2 in keep):
            continue
        keep.append((c, m))
    keep.sort(key=lambda cm: tuple(
        (-1.0 if OBJECTIVES[o][0] == "maximize" else 1.0) * cm[1][o] for o in objectives))
    return tuple(
        ScheduleResult(plan=i + 1, status=c.status, objectives=m, primary=c.primary,
                       bound=c.bound, gap=c.gap, wall_time_s=c.seconds,
                       assignments=c.run.assignments, epsilon=c.epsilon, relaxed=relaxed)
        for i, (c, m) in enumerate(keep))


def _solved_message(plans: Sequence[ScheduleResult]) -> str:
    proven = sum(p.status is SolveStatus.OPTIMAL for p in plans)
    return (f"{len(plans)} Pareto-optimal plan(s); {proven} proven optimal for the objective"
            " each minimised.")


def _restricted_text(model: CPModel) -> str:
    if not model.restricted:
        return ""
    return (f" On {', '.join(model.restricted)} (more than {MAX_CIRCUIT_TASKS} candidate"
            f" steps) a step could only follow one of its {NEIGHBOURS} nearest steps in"
            " the starting plan; bounds and gaps refer to that restricted sequence model.")


def _late_text(data: ScheduleData, plan: ScheduleResult) -> str:
    ends: dict[int, int] = {}
    by_task = {a.task: a for a in plan.assignments}
    for job in data.jobs:
        ends[job.order] = max(ends.get(job.order, 0), by_task[job.tasks[-1]].end)
    late = []
    for o, end in ends.items():
        due = data.orders[o].due
        if due is not None and end > due:
            late.append((data.orders[o].name, data.hours(end - due)))
    if not late:
        return "no order late"
    return "late: " + ", ".join(f"{n} by {h:.1f} h" for n, h in late)
