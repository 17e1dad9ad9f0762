"""pymoo's NSGA-II with components that read each population attribute once, as arrays.

pymoo keeps a population as an array of ``Individual`` objects, and its stock survival,
tournament, duplicate check, operators and evaluator read them one attribute at a time
through ``Individual.get`` (``hasattr`` + ``getattr``: every property evaluated twice)
and recompute each constraint violation lazily. For pop 200 x 300 generations that cost
~6.5 s of a 7.6 s search (benchmarks/bench_search.py). The classes here plug into
pymoo's own extension points (``survival``, ``selection``, ``crossover``, ``mutation``,
``repair``, ``eliminate_duplicates``, ``evaluator``), read each attribute once per
population as one array, and make the same decisions from the same random draws as
pymoo's stock NSGA-II: same seed, same populations, bit for bit
(tests/test_search_speed_paths.py). They rely on pymoo 0.6's ``Individual`` (``X``,
``F``, ``G``, ``H``, ``CV`` properties, ``data`` dict, ``evaluated`` set); that test
fails first if a pymoo release changes them. Integer and choice setpoints are rounded
by a repair inside the real-coded GA (pymoo#712).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.duplicate import DefaultDuplicateElimination
from pymoo.core.evaluator import Evaluator
from pymoo.core.individual import Individual
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.core.repair import Repair
from pymoo.core.variable import get as _param
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.selection.tournament import TournamentSelection
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding
from pymoo.util import default_random_state
from pymoo.util.misc import cdist
from pymoo.util.randomized_argsort import randomized_argsort

from optimizer.problem import SurrogateProblem

__all__ = ["PopArrays", "binary_tournament", "nsga2", "stack", "violation"]


class _SpaceRepair(Repair):
    """Rounds integer and choice variables inside NSGA-II (pymoo#712: rounding repair
    within a real-coded GA beats pymoo's mixed-variable GA)."""

    def do(self, problem: SurrogateProblem, pop: Population,  # type: ignore[override]
           **kwargs: object) -> Population:
        """Repair ``pop`` in place (pymoo's ``Repair.do``, setting ``X`` directly)."""
        if len(pop) == 0:
            return pop
        Z = np.array(self._do(problem, stack(pop, "X")))
        for ind, z in zip(pop, Z, strict=True):
            ind.X = z
        return pop

    def _do(self, problem: SurrogateProblem, X: np.ndarray, **kwargs: object) -> np.ndarray:
        return problem.space.repair(X)


def stack(pop: Population, attr: str) -> np.ndarray:
    """One attribute of every individual as one array, ``(len(pop), ...)``."""
    return np.array([getattr(ind, attr) for ind in pop])


def violation(pop: Population) -> np.ndarray:
    """Constraint violation of every individual, ``(len(pop),)`` (0: feasible)."""
    return np.fromiter((ind.CV[0] for ind in pop), dtype=float, count=len(pop))


class _ArrayEvaluator(Evaluator):
    """pymoo's evaluator, writing results to the individuals directly and computing the
    constraint violation for the whole population at once (pymoo computes it lazily per
    individual, with the same formula: sum of positive ``G``, ``|H| - 1e-4`` for
    equalities). Each individual gets a row of a fresh array (no other reference)."""

    def _eval(self, problem: Problem, pop: Population, evaluate_values_of: list[str],
              **kwargs: object) -> None:
        out = problem.evaluate(stack(pop, "X"), return_values_of=evaluate_values_of,
                               return_as_dictionary=True, **kwargs)
        keys = [k for k, v in out.items() if v is not None]
        evaluated = set(out)
        cv = np.zeros(len(pop))
        G, H = out.get("G"), out.get("H")
        if G is not None and G.size:
            cv = cv + np.maximum(0.0, G).sum(axis=1)
        if H is not None and H.size:
            cv = cv + np.maximum(0.0, np.abs(H) - 1e-4).sum(axis=1)
        columns = [(k, np.array(out[k])) for k in keys]
        CV = cv[:, None].copy()
        for i, ind in enumerate(pop):
            for key, values in columns:
                setattr(ind, key, values[i])
            ind.CV = CV[i]
            ind.evaluated.update(evaluated)


@dataclass(frozen=True, eq=False)
class PopArrays:
    """A population's variables ``(n, n_var)``, objectives ``(n, n_obj)``, violations
    ``(n,)``, crowding distances and ranks ``(n,)`` (NaN / -1 where survival set none),
    read once. Only for evaluated populations, whose individuals no longer change."""

    pop: Population
    X: np.ndarray
    F: np.ndarray
    cv: np.ndarray
    crowding: np.ndarray
    rank: np.ndarray

    @classmethod
    def of(cls, pop: Population, algorithm: object = None) -> PopArrays:
        """The arrays of ``pop``; those cached on ``algorithm`` when they belong to it."""
        cached = getattr(algorithm, "arrays", None)
        if isinstance(cached, PopArrays) and cached.pop is pop:
            return cached
        data = [ind.data for ind in pop]
        return cls(pop, stack(pop, "X"), stack(pop, "F"), violation(pop),
                   np.array([d.get("crowding", np.nan) for d in data], dtype=float),
                   np.array([d.get("rank", -1) for d in data], dtype=int))


def binary_tournament(pop: Population, P: np.ndarray, random_state: np.random.Generator,
                       algorithm: object = None, **kwargs: object) -> np.ndarray:
    """NSGA-II's binary tournament (pymoo's ``comp_by_dom_and_crowding``), vectorised.

    Args:
        pop: The current population (survivors carry ``crowding``).
        P: Competitor indices, ``(n_tournaments, 2)``.
        random_state: pymoo's generator; one ``choice`` per tie, in tournament order, as
            pymoo draws them.
        algorithm: The NSGA-II holding ``pop`` (its arrays are reused).

    Returns:
        Winner indices, ``(n_tournaments, 1)``.
    """
    if P.shape[1] != 2:
        raise ValueError("only binary tournaments are implemented")
    arrays = PopArrays.of(pop, algorithm)
    cv, F, crowding = arrays.cv, arrays.F, arrays.crowding
    a, b = P[:, 0], P[:, 1]
    S = np.full(len(P), -1)
    # at least one infeasible: the smaller violation wins
    by_cv = (cv[a] > 0.0) | (cv[b] > 0.0)
    a_less, b_less = by_cv & (cv[a] < cv[b]), by_cv & (cv[b] < cv[a])
    S[a_less], S[b_less] = a[a_less], b[b_less]
    tie = by_cv & ~a_less & ~b_less
    # both feasible: Pareto dominance, then the larger crowding distance
    Fa, Fb = F[a], F[b]
    a_better, b_better = (Fa < Fb).any(axis=1), (Fb < Fa).any(axis=1)
    a_dom = ~by_cv & a_better & ~b_better
    b_dom = ~by_cv & b_better & ~a_better
    S[a_dom], S[b_dom] = a[a_dom], b[b_dom]
    open_ = ~by_cv & ~a_dom & ~b_dom
    a_wider, b_wider = open_ & (crowding[a] > crowding[b]), open_ & (crowding[b] > crowding[a])
    S[a_wider], S[b_wider] = a[a_wider], b[b_wider]
    tie |= open_ & ~a_wider & ~b_wider
    for i in np.flatnonzero(tie):
        S[i] = random_state.choice([a[i], b[i]])
    return S[:, None]


class _ArrayRankAndCrowding(RankAndCrowding):
    """pymoo's NSGA-II survival (feasible first by rank and crowding distance, then the
    least-infeasible), reading objectives and violations once per generation."""

    def __init__(self) -> None:
        super().__init__()
        self.filter_infeasible = False  # split here, on arrays

    def _do(self, problem: Problem, pop: Population, *args: object,
            random_state: np.random.Generator | None = None, n_survive: int | None = None,
            **kwargs: object) -> Population:
        n_survive = len(pop) if n_survive is None else n_survive
        F = stack(pop, "F").astype(float, copy=False)
        if problem.has_constraints():
            cv = violation(pop)
            ok = cv <= 0.0
            feasible, infeasible = np.flatnonzero(ok), np.flatnonzero(~ok)
            infeasible = infeasible[np.argsort(cv[infeasible])]
        else:
            feasible, infeasible = np.arange(len(pop)), np.zeros(0, dtype=int)
        chosen = np.zeros(0, dtype=int)
        if len(feasible):
            chosen = feasible[self._rank(pop, feasible, F[feasible],
                                         min(len(feasible), n_survive), random_state)]
        n_remaining = n_survive - len(chosen)
        if n_remaining > 0:
            chosen = np.concatenate([chosen, infeasible[:n_remaining]])
        return pop[chosen]

    def _rank(self, pop: Population, rows: np.ndarray, F: np.ndarray, n_survive: int,
              random_state: np.random.Generator | None) -> np.ndarray:
        """``RankAndCrowding._do`` on ``F`` ``(len(rows), n_obj)``; stores ``rank`` and
        ``crowding`` on ``pop[rows]`` and returns the positions in ``rows`` kept."""
        survivors: list[np.ndarray] = []
        n_kept = 0
        for k, front in enumerate(self.nds.do(F, n_stop_if_ranked=n_survive)):
            keep = np.arange(len(front))
            if n_kept + len(front) > n_survive:
                n_remove = n_kept + len(front) - n_survive
                crowding = self.crowding_func.do(F[front, :], n_remove=n_remove)
                keep = randomized_argsort(crowding, order="descending", method="numpy",
                                          random_state=random_state)[:-n_remove]
            else:
                crowding = self.crowding_func.do(F[front, :], n_remove=0)
            for j, i in enumerate(front):
                data = pop[rows[i]].data
                data["rank"] = k
                data["crowding"] = crowding[j]
            survivors.append(front[keep])
            n_kept += len(keep)
        return np.concatenate(survivors) if survivors else np.zeros(0, dtype=int)


def _population(X: np.ndarray) -> Population:
    """New individuals holding the rows of a fresh copy of ``X`` ``(n, n_var)``
    (``Population.new("X", X)`` without its per-individual ``set``)."""
    X = np.array(X)
    individuals = np.empty(len(X), dtype=object)
    for i, x in enumerate(X):
        ind = Individual()
        ind.X = x
        individuals[i] = ind
    return individuals.view(Population)


class _ArrayDuplicates(DefaultDuplicateElimination):
    """pymoo's default duplicate elimination (Euclidean distance ``<= 1e-16`` to an
    earlier row of the same population or to any row of the others), stacking each
    population's variables once; ``variables`` reads them (cached for the current
    population)."""

    def __init__(self) -> None:
        super().__init__()
        self.variables: Callable[[Population], np.ndarray] = lambda pop: stack(pop, "X")
        self.func = self.variables

    def do(self, pop: Population, *args: Population, return_indices: bool = False,
           to_itself: bool = True) -> Population:
        """``pop`` without its duplicates (of itself and of each of ``args``)."""
        if return_indices or not to_itself or len(pop) == 0:
            return super().do(pop, *args, return_indices=return_indices,
                              to_itself=to_itself)
        X = self.variables(pop)
        D = cdist(X, X)
        keep = ~np.any((D <= self.epsilon) & np.tri(len(X), k=-1, dtype=bool), axis=1)
        for other in args:
            if len(other) == 0:
                continue
            if not keep.any():
                break
            rows = np.flatnonzero(keep)
            D = cdist(X[rows], self.variables(other))
            keep[rows[np.any(D <= self.epsilon, axis=1)]] = False
        return pop[keep]


class _ArraySBX(SBX):
    """pymoo's SBX crossover; reads the parents' variables as one array and builds the
    offspring directly. Same random draws, in the same order, as ``Crossover.do``."""

    @default_random_state
    def do(self, problem: Problem, pop: Population, parents: np.ndarray | None = None,
           *args: object, random_state: np.random.Generator, **kwargs: object
           ) -> Population:
        """Offspring of the matings ``pop`` ``(n_matings, n_parents)`` of individuals."""
        if parents is not None or self.n_offsprings != self.n_parents or self.vtype:
            return super().do(problem, pop, parents, *args, random_state=random_state,
                              **kwargs)
        n_matings = len(pop)
        X = stack(pop.ravel(), "X").reshape(n_matings, self.n_parents, -1).swapaxes(0, 1)
        Xp = np.empty((self.n_offsprings, n_matings, problem.n_var), dtype=X.dtype)
        cross = random_state.random(n_matings) < _param(self.prob, size=n_matings)
        if np.any(cross):
            Q = self._do(problem, X, *args, random_state=random_state, **kwargs)
            Xp[:, cross] = Q[:, cross]
        Xp[:, ~cross] = X[:, ~cross]
        return _population(Xp.reshape(-1, X.shape[-1]))


class _ArrayPM(PM):
    """pymoo's polynomial mutation; reads and writes the variables as one array. Same
    random draws, in the same order, as ``Mutation.do``."""

    @default_random_state
    def do(self, problem: Problem, pop: Population, inplace: bool = True, *args: object,
           random_state: np.random.Generator, **kwargs: object) -> Population:
        """Mutate the individuals of ``pop`` in place."""
        if not inplace:
            return super().do(problem, pop, inplace, *args, random_state=random_state,
                              **kwargs)
        Xp = np.array(self._do(problem, stack(pop, "X"), *args, random_state=random_state,
                               **kwargs))
        prob = _param(self.prob, size=len(pop))
        for i in np.flatnonzero(random_state.random(size=len(pop)) <= prob):
            pop[i].X = Xp[i]
        return pop


class _NSGA2(NSGA2):
    """pymoo's NSGA-II with the array components above; ``arrays`` holds those of ``pop``
    after each survival (for the tournaments and the search loop)."""

    arrays: PopArrays | None = None

    def variables(self, pop: Population) -> np.ndarray:
        """``X`` of ``pop`` ``(n, n_var)``; cached for the current population."""
        arrays = self.arrays
        return arrays.X if arrays is not None and arrays.pop is pop else stack(pop, "X")

    def _set_optimum(self, **kwargs: object) -> None:
        self.arrays = arrays = PopArrays.of(self.pop)
        if not (arrays.cv <= 0.0).any():
            self.opt = self.pop[[int(np.argmin(arrays.cv))]]
        else:
            self.opt = self.pop[arrays.rank == 0]


def nsga2(pop_size: int, X0: np.ndarray) -> NSGA2:
    """The search's NSGA-II: SBX(0.9, 15), PM(20), rounding repair, no duplicates."""
    duplicates = _ArrayDuplicates()
    algorithm = _NSGA2(pop_size=pop_size, sampling=Population.new("X", X0),
                       selection=TournamentSelection(func_comp=binary_tournament),
                       crossover=_ArraySBX(prob=0.9, eta=15), mutation=_ArrayPM(eta=20),
                       survival=_ArrayRankAndCrowding(), repair=_SpaceRepair(),
                       eliminate_duplicates=duplicates, evaluator=_ArrayEvaluator())
    duplicates.variables = algorithm.variables
    return algorithm
