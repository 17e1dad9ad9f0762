"""``CPModel(data)``: variables, constraints and objectives joined into one CP-SAT model.

The model is built once per instance; every solve works on a clone, so epsilon bounds,
objectives and hints of one solve never leak into the next. The job-shop core (intervals,
precedences, one ``AddNoOverlap`` per machine, makespan as a max) is what a hand-written
CP-SAT job-shop model contains; every other family is only added when the instance has
it (modes, changeovers, calendars, a tariff, a power cap).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.scheduling.constraints import Assumption, Constraints
from optimizer.scheduling.data import ScheduleData
from optimizer.scheduling.objective import Objective, ObjectiveTerm
from optimizer.scheduling.result import Assignment, SolveStatus
from optimizer.scheduling.variables import Variables

__all__ = ["LARGE_MODEL_VARS", "CPModel", "SolveRun", "SolverSettings"]

LARGE_MODEL_VARS = 2_000

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
}


@dataclass(frozen=True)
class SolverSettings:
    """CP-SAT settings of one solve.

    Attributes:
        time_limit_s: Wall-clock limit [s] (deterministic seconds if ``deterministic``).
        workers: Worker threads.
        seed: CP-SAT's random seed.
        deterministic: Use interleaved search with a deterministic time limit, so that
            results do not depend on timing or on the worker count.
        strong_disjunctive: CP-SAT's stronger no-overlap propagation (edge finding
            on every node). On job shops it proves ft10 in ~5 s instead of > 60 s
            with 2 workers, so it is on by default.
        light_presolve: One presolve round instead of three, and no probing on models
            with more than :data:`LARGE_MODEL_VARS` variables: on plant instances probing
            took 3-4 s of an 8 s solve (the bundled week) and 10 s at 500 batches, and
            the search found better plans without it.
        log: Print CP-SAT's search log.
    """

    time_limit_s: float = 10.0
    workers: int = 2
    seed: int = 0
    deterministic: bool = False
    strong_disjunctive: bool = True
    light_presolve: bool = False
    log: bool = False

    def apply(self, solver: cp_model.CpSolver) -> None:
        """Set these parameters on ``solver``."""
        p = solver.parameters
        p.num_workers = self.workers
        p.random_seed = self.seed
        p.log_search_progress = self.log
        p.use_strong_propagation_in_disjunctive = self.strong_disjunctive
        if self.light_presolve:
            p.max_presolve_iterations = 1
        if self.deterministic:
            p.interleave_search = True
            p.max_deterministic_time = self.time_limit_s
        else:
            p.max_time_in_seconds = self.time_limit_s


@dataclass(frozen=True)
class SolveRun:
    """What one CP-SAT solve returned.

    Attributes:
        status: Solver status.
        assignments: One per task when a solution was found, else empty.
        values: Integer value of every objective term in the model.
        objective: The minimised objective's integer value (``nan`` without solution).
        bound: CP-SAT's proven bound on it (integer scale).
        wall_time_s: Seconds spent in the solver.
        core: In explain mode, assumptions that together are infeasible.
    """

    status: SolveStatus
    assignments: tuple[Assignment, ...] = ()
    values: Mapping[str, int] = field(default_factory=dict)
    objective: float = float("nan")
    bound: float = float("nan")
    wall_time_s: float = 0.0
    core: tuple[Assumption, ...] = ()

    @property
    def has_solution(self) -> bool:
        """Whether a feasible assignment was found."""
        return bool(self.assignments)


class CPModel:
    """The CP-SAT model of a scheduling instance.

    Args:
        data: The instance.
        objectives: Objective names to create terms for (see
            :data:`~optimizer.scheduling.config.OBJECTIVES`).
        relax_due_dates: Treat hard due dates as soft (tardiness only).
        explain: Build the explain-mode model: relaxable constraints switched by
            assumption literals, release dates and due dates not in the start domains.
        reference: A plan whose task order limits the changeover circuits of machines
            with more than :data:`~optimizer.scheduling.constraints.MAX_CIRCUIT_TASKS`
            candidate tasks (see :attr:`restricted`).
    """

    def __init__(self, data: ScheduleData, objectives: Iterable[str] = ("makespan_h",), *,
                 relax_due_dates: bool = False, explain: bool = False,
                 reference: Sequence[Assignment] | None = None) -> None:
        self.data = data
        self.model = cp_model.CpModel()
        self.explain = explain
        hard_due = data.due_dates_hard and not relax_due_dates and not explain
        self.variables = Variables(self.model, data, use_release=not explain,
                                   use_due=hard_due)
        self.constraints = Constraints(
            self.model, data, self.variables, explain=explain,
            relax_due_dates=relax_due_dates,
            reference={a.task: a.start for a in reference} if reference else None)
        self.constraints.add_all()
        self.objective = Objective(self.model, data, self.variables, self.constraints)
        self.terms: dict[str, ObjectiveTerm] = {}
        if not explain:
            for name in objectives:
                self.terms[name] = self.objective.add(name)

    @property
    def restricted(self) -> list[str]:
        """Machines whose changeover sequences were limited to near neighbours of the
        reference plan (bounds then hold for this restricted model only)."""
        return self.constraints.restricted

    def solve(self, settings: SolverSettings, *, minimize: str | Mapping[str, float] | None = None,
              bounds: Mapping[str, int] | None = None,
              hint: Sequence[Assignment] | None = None) -> SolveRun:
        """Solve a clone of the model.

        Args:
            settings: Solver settings.
            minimize: An objective name, or weights per objective name (a weighted sum,
                used for lexicographic tie-breaks), or ``None`` for feasibility only.
            bounds: Upper bounds on objective terms (integer scale): the epsilon
                constraints.
            hint: A previous solution to start from.
        """
        clone = self.model.clone()
        var = {name: clone.get_int_var_from_proto_index(term.var.index)
               for name, term in self.terms.items()}
        for name, ub in (bounds or {}).items():
            clone.add(var[name] <= ub)
        if isinstance(minimize, str):
            clone.minimize(var[minimize])
        elif minimize:
            clone.minimize(sum(w * var[n] for n, w in minimize.items()))
        completed: list[int] | None = None
        if hint:
            completed = self._add_hint(clone, hint, settings)
        if self.explain:
            clone.add_assumptions([clone.get_bool_var_from_proto_index(lit.index)
                                   for lit, _ in self.constraints.assumptions])
        solver = cp_model.CpSolver()
        settings.apply(solver)
        if settings.light_presolve and len(clone.proto.variables) > LARGE_MODEL_VARS:
            solver.parameters.cp_model_probing_level = 0
        tic = time.perf_counter()
        code = solver.solve(clone)
        wall = time.perf_counter() - tic
        status = _STATUS[code]
        if status is SolveStatus.MODEL_INVALID:
            raise RuntimeError(f"CP-SAT rejected the model: {clone.validate()}")
        if status is SolveStatus.INFEASIBLE and self.explain:
            core_idx = set(solver.sufficient_assumptions_for_infeasibility())
            core = tuple(a for lit, a in self.constraints.assumptions if lit.index in core_idx)
            return SolveRun(status, wall_time_s=wall, core=core)
        if status is SolveStatus.UNKNOWN and completed is not None and hint:
            # the hint is a feasible plan: keep it when the solver found nothing better
            values = {name: completed[v.index] for name, v in var.items()}
            objective = float("nan")
            if isinstance(minimize, str):
                objective = float(values[minimize])
            elif minimize:
                objective = float(sum(w * values[n] for n, w in minimize.items()))
            by_task = sorted(hint, key=lambda a: a.task)
            return SolveRun(SolveStatus.FEASIBLE, tuple(by_task), values, objective,
                            float("nan"), wall)
        if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            return SolveRun(status, wall_time_s=wall)
        assignments = self._assignments(solver)
        values = {name: int(solver.value(v)) for name, v in var.items()}
        objective = bound = float("nan")
        if minimize is not None:
            objective = float(solver.objective_value)
            bound = float(solver.best_objective_bound)
        return SolveRun(status, assignments, values, objective, bound, wall)

    def solve_with_assumptions(self, settings: SolverSettings,
                               keep: Sequence[Assumption] | None = None) -> SolveRun:
        """Explain mode: solve with only the assumptions in ``keep`` (default: all) on.

        Raises:
            RuntimeError: The model was not built with ``explain=True``.
        """
        if not self.explain:
            raise RuntimeError("build CPModel(..., explain=True) to use assumptions")
        clone = self.model.clone()
        wanted = None if keep is None else set(map(id, keep))
        lits = [clone.get_bool_var_from_proto_index(lit.index)
                for lit, a in self.constraints.assumptions if wanted is None or id(a) in wanted]
        clone.add_assumptions(lits)
        solver = cp_model.CpSolver()
        settings.apply(solver)
        tic = time.perf_counter()
        code = solver.solve(clone)
        wall = time.perf_counter() - tic
        status = _STATUS[code]
        if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            return SolveRun(status, self._assignments(solver), wall_time_s=wall)
        core: tuple[Assumption, ...] = ()
        if status is SolveStatus.INFEASIBLE:
            core_idx = set(solver.sufficient_assumptions_for_infeasibility())
            core = tuple(a for lit, a in self.constraints.assumptions
                         if lit.index in core_idx and (wanted is None or id(a) in wanted))
        return SolveRun(status, wall_time_s=wall, core=core)

    def _assignments(self, solver: cp_model.CpSolver) -> tuple[Assignment, ...]:
        v = self.variables
        out = []
        for t in range(self.data.num_tasks):
            lits = v.presence[t]
            mode = 0 if len(lits) == 1 else next(
                k for k, lit in enumerate(lits) if solver.boolean_value(lit))  # type: ignore[arg-type]
            start = int(solver.value(v.start[t]))
            out.append(Assignment(t, mode, start,
                                  start + self.data.tasks[t].modes[mode].duration))
        return tuple(out)

    def _add_hint(self, clone: cp_model.CpModel, hint: Sequence[Assignment],
                  settings: SolverSettings) -> list[int] | None:
        """Hint ``hint`` to ``clone``: completed to every variable when the assignment is
        feasible for ``clone`` (then CP-SAT adopts it as its first solution), else only
        the decisions (starts, modes, sequences).

        Returns:
            The completed values of every variable, or ``None`` when the assignment is
            incomplete or infeasible for ``clone``.
        """
        decisions = self._decisions(hint)
        probe = clone.clone()
        for index, value in decisions.items():
            probe.add(probe.get_int_var_from_proto_index(index) == value)
        if len({a.task for a in hint}) < self.data.num_tasks:
            for index, value in decisions.items():
                clone.add_hint(clone.get_int_var_from_proto_index(index), value)
            return None
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = settings.seed
        solver.parameters.max_time_in_seconds = max(1.0, min(10.0, 0.2 * settings.time_limit_s))
        solver.parameters.cp_model_probing_level = 0  # every decision is fixed already
        solver.parameters.symmetry_level = 0
        code = solver.solve(probe)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = list(solver.response_proto.solution)
            for index in range(len(clone.proto.variables)):
                clone.add_hint(clone.get_int_var_from_proto_index(index), values[index])
            return values
        for index, value in decisions.items():
            clone.add_hint(clone.get_int_var_from_proto_index(index), value)
        return None

    def _decisions(self, hint: Sequence[Assignment]) -> dict[int, int]:
        """Proto index -> value of the decision variables fixed by an assignment."""
        v = self.variables
        out: dict[int, int] = {}
        by_task = {a.task: a for a in hint}
        for t, a in by_task.items():
            out[v.start[t].index] = a.start
            lits = v.presence[t]
            if len(lits) > 1:
                for k, lit in enumerate(lits):
                    out[lit.index] = int(k == a.mode)  # type: ignore[union-attr]
        if len(by_task) < self.data.num_tasks:
            return out
        for m, arcs in self.constraints.arcs.items():
            seq = sorted((a for a in by_task.values()
                          if self.data.tasks[a.task].modes[a.mode].machine == m),
                         key=lambda a: (a.start, a.end, a.task))
            order = [a.task for a in seq]
            follows = set(itertools.pairwise(order))
            for pair, lit in arcs.items():
                out[lit.index] = int(pair in follows)
            for t, (first, last) in self.constraints.ends_of_sequence[m].items():
                out[first.index] = int(bool(order) and t == order[0])
                out[last.index] = int(bool(order) and t == order[-1])
        return out
