"""NSGA-II over the surrogate, driven by one ask/tell loop.

The CLI, notebooks and tests all call :func:`run_search`; progress reaches them through
a callback. The initial population holds the best logged recipes (so the front is never
worse than current practice) plus a seeded uniform sample of the box. pymoo's NSGA-II
runs with the array-based components of :mod:`optimizer.nsga2`, which make the same
decisions as its stock ones at a fraction of the bookkeeping cost;
:class:`SearchTimings` splits each run's wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from optimizer.indicators import hypervolume
from optimizer.nsga2 import PopArrays, nsga2, stack, violation
from optimizer.problem import SurrogateProblem

__all__ = ["SearchProgress", "SearchResult", "SearchTimings", "non_dominated",
           "run_search"]


@dataclass(frozen=True)
class SearchProgress:
    """What the search reports after each generation."""

    generation: int
    n_generations: int
    n_feasible: int
    n_front: int
    hypervolume: float


@dataclass(frozen=True)
class SearchTimings:
    """Where the wall time of one search went, in seconds; the parts add up to the total.

    Attributes:
        predict: In the surrogate's ``predict``.
        trust_region: In the nearest-logged-point distances.
        scoring: In our problem code around them (decoding setpoints, objective and
            constraint expressions).
        pymoo: In pymoo's NSGA-II (mating, duplicate checks, survival, populations).
        bookkeeping: In the search loop itself (seeding, hypervolume, progress
            callbacks, stagnation check, result).
    """

    predict: float = 0.0
    trust_region: float = 0.0
    scoring: float = 0.0
    pymoo: float = 0.0
    bookkeeping: float = 0.0

    @property
    def total(self) -> float:
        """Wall time of the search."""
        return self.predict + self.trust_region + self.scoring + self.pymoo + self.bookkeeping

    @property
    def model(self) -> float:
        """Surrogate plus trust region."""
        return self.predict + self.trust_region


@dataclass(frozen=True)
class SearchResult:
    """The outcome of one NSGA-II run.

    Attributes:
        X: Setpoints of the final non-dominated set, ``(n, n_setpoints)``; feasible when
            ``feasible`` is true, otherwise the least-infeasible recipes found.
        feasible: Whether any recipe met every constraint.
        n_generations: Generations run.
        n_evaluations: Recipes evaluated.
        seconds: Wall time of the search.
        model_seconds: Part of ``seconds`` spent in the surrogate and trust region.
        n_seeded: Logged recipes placed in the initial population.
        hypervolume: Hypervolume of the feasible front after each generation, in
            objective space scaled by the first feasible population (0 before any
            recipe is feasible).
        stopped_by: ``"generations"`` or ``"stagnation"``.
        violations: For an infeasible search, the smallest violation of each constraint
            over the final population (label -> amount).
        timings: Breakdown of ``seconds``.
    """

    X: np.ndarray
    feasible: bool
    n_generations: int
    n_evaluations: int
    seconds: float
    model_seconds: float
    n_seeded: int
    hypervolume: list[float] = field(default_factory=list)
    stopped_by: str = "generations"
    violations: dict[str, float] = field(default_factory=dict)
    timings: SearchTimings = field(default_factory=SearchTimings)


class _HypervolumeTracker:
    """Hypervolume per generation, in a frame fixed by the first feasible population."""

    def __init__(self) -> None:
        self.history: list[float] = []
        self._lo: np.ndarray | None = None
        self._span: np.ndarray | None = None

    def update(self, F: np.ndarray) -> float:
        if len(F) == 0:
            self.history.append(0.0)
            return 0.0
        if self._lo is None:
            self._lo = F.min(axis=0)
            hi = F.max(axis=0)
            self._span = np.where(hi - self._lo > 1e-12, hi - self._lo, 1.0)
        assert self._span is not None
        scaled = (F - self._lo) / self._span
        value = hypervolume(scaled, np.full(F.shape[1], 1.1))
        self.history.append(value)
        return value

    def stalled(self, window: int, tolerance: float) -> bool:
        h = self.history
        if len(h) <= window or h[-1] <= 0.0:
            return False
        return h[-1] - h[-1 - window] <= tolerance * abs(h[-1])


def non_dominated(F: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows of ``F`` ``(n, n_obj)`` (minimisation)."""
    if len(F) == 0:
        return np.zeros(0, dtype=int)
    return np.asarray(NonDominatedSorting().do(F, only_non_dominated_front=True), dtype=int)


def _initial_population(problem: SurrogateProblem, logged: np.ndarray | None, pop_size: int,
                        rng: np.random.Generator) -> tuple[np.ndarray, int]:
    space = problem.space
    seeds = np.zeros((0, space.n_var))
    if logged is not None and len(logged):
        logged = np.unique(logged, axis=0)
        lower = np.array([s.lower for s in space.setpoints])
        upper = np.array([s.upper for s in space.setpoints])
        inside = np.all((logged >= lower) & (logged <= upper), axis=1)
        Z = space.repair(space.encode(logged[inside]))
        if len(Z):
            ev = problem.evaluate_setpoints(space.decode(Z))
            F = problem.minimized(ev.scored)
            ok = ev.feasible
            pool = Z[ok] if ok.any() else Z
            Fp = F[ok] if ok.any() else F
            order = NonDominatedSorting().do(Fp, n_stop_if_ranked=pop_size // 4)
            chosen = np.concatenate(order)[: pop_size // 4]
            seeds = pool[chosen]
    n_random = pop_size - len(seeds)
    random = space.repair(rng.uniform(space.xl, space.xu, size=(n_random, space.n_var)))
    return np.vstack([seeds, random]), len(seeds)


def run_search(problem: SurrogateProblem, *, pop_size: int, generations: int, seed: int,
               logged_setpoints: np.ndarray | None = None,
               stall_generations: int | None = None, stall_tolerance: float = 1e-4,
               progress: Callable[[SearchProgress], None] | None = None) -> SearchResult:
    """Run NSGA-II on ``problem``.

    Args:
        problem: The scenario's surrogate problem.
        pop_size: Population size.
        generations: Number of generations.
        seed: Seed of every random choice in the search.
        logged_setpoints: Logged recipes ``(n, n_setpoints)`` to seed the population with.
        stall_generations: Stop when the hypervolume has grown by less than
            ``stall_tolerance`` (relative) over this many generations; ``None``: never.
        stall_tolerance: Relative hypervolume growth that still counts as progress.
        progress: Called after each generation.

    Returns:
        The final non-dominated set and run statistics.
    """
    t0 = time.perf_counter()
    before = (problem.predict_seconds, problem.trust_region_seconds, problem.scoring_seconds)
    rng = np.random.default_rng(seed)
    X0, n_seeded = _initial_population(problem, logged_setpoints, pop_size, rng)
    algorithm = nsga2(pop_size, X0)
    algorithm.setup(problem, termination=("n_gen", generations), seed=seed, verbose=False)
    tracker = _HypervolumeTracker()
    stopped_by = "generations"
    in_pymoo = 0.0  # wall time of ask / evaluate / tell, problem time included
    problem_before_loop = problem.busy_seconds
    while algorithm.has_next():
        t_step = time.perf_counter()
        infills = algorithm.ask()
        algorithm.evaluator.eval(problem, infills)
        algorithm.tell(infills=infills)
        in_pymoo += time.perf_counter() - t_step
        arrays = PopArrays.of(algorithm.pop, algorithm)
        feas = arrays.cv <= 0.0
        hv = tracker.update(arrays.F[feas])
        if progress is not None:
            opt = algorithm.opt
            progress(SearchProgress(algorithm.n_gen - 1, generations, int(feas.sum()),
                                    0 if opt is None or not feas.any() else len(opt), hv))
        if stall_generations and tracker.stalled(stall_generations, stall_tolerance):
            stopped_by = "stagnation"
            break
    in_pymoo -= problem.busy_seconds - problem_before_loop
    pop = algorithm.pop
    Z, F, CV = stack(pop, "X"), stack(pop, "F"), violation(pop)
    feasible = CV <= 1e-9
    violations: dict[str, float] = {}
    if feasible.any():
        Zf, Ff = Z[feasible], F[feasible]
        X = Zf[non_dominated(Ff)]
    else:
        X = Z[np.argsort(CV)[: max(1, pop_size // 10)]]
        G = (np.maximum(stack(pop, "G"), 0.0) if problem.n_ieq_constr
             else np.zeros((len(Z), 0)))
        violations = {label: float(G[:, j].min())
                      for j, label in enumerate(problem.constraint_labels())}
    X = problem.space.decode(X)
    seconds = time.perf_counter() - t0
    predict, trust, scoring = (now - then for now, then in zip(
        (problem.predict_seconds, problem.trust_region_seconds, problem.scoring_seconds),
        before, strict=True))
    timings = SearchTimings(predict=predict, trust_region=trust, scoring=scoring,
                            pymoo=in_pymoo,
                            bookkeeping=seconds - predict - trust - scoring - in_pymoo)
    return SearchResult(
        X=X, feasible=bool(feasible.any()),
        n_generations=int(algorithm.n_gen - 1), n_evaluations=int(algorithm.evaluator.n_eval),
        seconds=seconds, model_seconds=predict + trust,
        n_seeded=n_seeded, hypervolume=tracker.history, stopped_by=stopped_by,
        violations=violations, timings=timings)
