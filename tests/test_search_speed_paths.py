"""The search's array paths through pymoo make the same decisions as pymoo's stock NSGA-II,
and the per-generation bookkeeping (hypervolume series, stagnation stop, timings) holds."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2, binary_tournament
from pymoo.core.individual import calc_cv
from pymoo.core.population import Population
from pymoo.core.repair import Repair
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM

from optimizer.nsga2 import binary_tournament as array_tournament
from optimizer.nsga2 import nsga2
from optimizer.problem import SurrogateProblem
from optimizer.scenario import Scenario
from optimizer.search import _HypervolumeTracker, _initial_population, run_search
from optimizer.support import SupportIndex
from tests.test_search import AnalyticSurrogate


def _scenario(constraint_upper: float = 3.0, trust: bool = False,
              constraints: bool = True, integer: bool = False) -> Scenario:
    return Scenario.model_validate({
        "name": "analytic",
        "logs": {"path": "unused.csv", "timestamp": "t"},
        "setpoints": {"x0": {"lower": -1, "upper": 3,
                             "type": "integer" if integer else "continuous"},
                      "x1": {"lower": -1, "upper": 1, "resolution": 0.01}},
        "context": {"temp": {"value": 20}},
        "outcomes": {"cost": {}, "loss": {}},
        "objectives": [{"name": "cost", "sense": "minimize"},
                       {"name": "loss", "sense": "minimize"}],
        "constraints": ([{"expression": "cost", "upper": constraint_upper}]
                        if constraints else []),
        "search": {"pop_size": 40, "generations": 30,
                   "trust_region": {"enabled": trust, "radius": 0.5}},
        "base_dir": Path("."),
    })


_LOGGED = np.column_stack([np.random.default_rng(0).normal(1.0, 0.1, 200),
                           np.random.default_rng(1).normal(0.5, 0.1, 200)])


def _problem(**kwargs: object) -> SurrogateProblem:
    sc = _scenario(**kwargs)  # type: ignore[arg-type]
    support = SupportIndex.from_points(_LOGGED) if sc.search.trust_region.enabled else None
    return SurrogateProblem(sc, AnalyticSurrogate(), support)


class _PlainRepair(Repair):
    """The same rounding through pymoo's stock ``Repair.do``."""

    def _do(self, problem: SurrogateProblem, X: np.ndarray, **kwargs: object) -> np.ndarray:
        return problem.space.repair(X)


def _drive(algorithm: NSGA2, problem: SurrogateProblem, generations: int, seed: int
           ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Run ``algorithm`` by ask/tell; population X, F, CV and the optimum's X per generation."""
    algorithm.setup(problem, termination=("n_gen", generations), seed=seed, verbose=False)
    history = []
    while algorithm.has_next():
        infills = algorithm.ask()
        algorithm.evaluator.eval(problem, infills)
        algorithm.tell(infills=infills)
        pop = algorithm.pop
        history.append((pop.get("X"), pop.get("F"), pop.get("CV"), algorithm.opt.get("X")))
    return history


@pytest.mark.parametrize("case", [
    {"constraint_upper": 3.0},                      # some infeasible, then all feasible
    {"constraint_upper": 3.0, "trust": True},       # trust region: two constraints
    {"constraint_upper": -1.0},                     # never feasible: CV ordering only
    {"constraints": False},                         # unconstrained survival path
    {"integer": True},                              # many duplicates, refilled matings
])
@pytest.mark.parametrize("seed", [0, 7])
def test_array_nsga2_makes_the_same_decisions_as_stock_pymoo(case: dict, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X0, _ = _initial_population(_problem(**case), _LOGGED, 40, rng)
    stock = NSGA2(pop_size=40, sampling=Population.new("X", X0),
                  crossover=SBX(prob=0.9, eta=15), mutation=PM(eta=20),
                  repair=_PlainRepair(), eliminate_duplicates=True)
    ours = _drive(nsga2(40, X0), _problem(**case), 25, seed)
    theirs = _drive(stock, _problem(**case), 25, seed)
    assert len(ours) == len(theirs) == 25
    for gen, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y, err_msg=f"generation {gen}")


def test_evaluator_violation_matches_pymoo_formula() -> None:
    problem = _problem(constraint_upper=1.0, trust=True)
    algorithm = nsga2(30, np.random.default_rng(3).uniform(problem.xl, problem.xu,
                                                             size=(30, 2)))
    algorithm.setup(problem, termination=("n_gen", 2), seed=0, verbose=False)
    pop = algorithm.ask()
    algorithm.evaluator.eval(problem, pop)
    expected = np.array([calc_cv(G=ind.G, H=ind.H) for ind in pop])
    np.testing.assert_array_equal(np.array([ind.CV[0] for ind in pop]), expected)
    assert (expected > 0).any() and (expected == 0).any()
    assert all(ind.evaluated >= {"F", "G"} for ind in pop)


def test_tournament_matches_pymoo_with_ties() -> None:
    # 0, 1: infeasible, equal CV (tie); 2, 3: feasible, mutually non-dominated, equal
    # (infinite) crowding (tie); 4 dominates 5; 6 infeasible vs 2 feasible
    F = np.array([[1, 1], [2, 2], [0, 3], [3, 0], [1, 1], [2, 2], [0, 0]], float)
    cv = np.array([0.5, 0.5, 0, 0, 0, 0, 0.1])
    crowding = np.array([np.nan, np.nan, np.inf, np.inf, 1.0, 2.0, np.nan])
    P = np.array([[0, 1], [2, 3], [4, 5], [5, 4], [6, 2], [2, 6], [1, 0], [3, 2], [4, 2]])

    def population() -> Population:
        pop = Population.new("X", np.zeros((len(F), 2)))
        for ind, f, c, d in zip(pop, F, cv, crowding, strict=True):
            ind.F, ind.CV = f, np.array([c])
            if c == 0:
                ind.set("crowding", d)
                ind.set("rank", 0)
        return pop

    class _Algo:
        tournament_type = "comp_by_dom_and_crowding"

        def __init__(self, seed: int) -> None:
            self.random_state = np.random.default_rng(seed)

    tie_winners = set()
    for seed in range(8):
        mine = array_tournament(population(), P, random_state=np.random.default_rng(seed))
        theirs = binary_tournament(population(), P, algorithm=_Algo(seed))
        np.testing.assert_array_equal(mine, theirs)
        assert mine[2, 0] == mine[3, 0] == 4 and mine[4, 0] == mine[5, 0] == 2
        tie_winners.add((int(mine[0, 0]), int(mine[1, 0])))
    assert len(tie_winners) > 1       # ties are drawn, not fixed


def test_hypervolume_series_has_one_value_per_generation() -> None:
    problem = _problem(constraint_upper=3.0)
    result = run_search(problem, pop_size=30, generations=25, seed=2)
    assert result.n_generations == 25 and result.stopped_by == "generations"
    assert len(result.hypervolume) == 25
    assert all(np.isfinite(result.hypervolume)) and result.hypervolume[-1] > 0


def test_search_stops_on_stagnation_with_the_series_up_to_the_stop() -> None:
    problem = _problem(constraint_upper=3.0)
    result = run_search(problem, pop_size=30, generations=400, seed=2,
                        stall_generations=10, stall_tolerance=1e-2)
    assert result.stopped_by == "stagnation"
    assert 10 < result.n_generations < 400
    assert len(result.hypervolume) == result.n_generations
    h = result.hypervolume
    assert h[-1] - h[-11] <= 1e-2 * h[-1]


def test_tracker_stalls_only_after_a_full_window() -> None:
    tracker = _HypervolumeTracker()
    F = np.array([[0.0, 1.0], [1.0, 0.0]])
    for _ in range(3):
        tracker.update(F)
    assert not tracker.stalled(3, 1e-4)       # not yet a full window
    tracker.update(F)
    assert tracker.stalled(3, 1e-4)
    tracker.update(np.array([[0.0, 0.5], [1.0, 0.0]]))   # the front moved
    assert not tracker.stalled(3, 1e-4)
    assert tracker.update(np.zeros((0, 2))) == 0.0 and len(tracker.history) == 6


class _SlowSurrogate(AnalyticSurrogate):
    """Takes at least 2 ms per call, so its share of the time is known from below."""

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        time.sleep(0.002)
        return super().predict(X)


def test_timings_add_up_and_attribute_the_model() -> None:
    sc = _scenario(trust=True)
    surrogate = _SlowSurrogate()
    problem = SurrogateProblem(sc, surrogate, SupportIndex.from_points(_LOGGED))
    result = run_search(problem, pop_size=20, generations=8, seed=0,
                        logged_setpoints=_LOGGED)
    t = result.timings
    parts = [t.predict, t.trust_region, t.scoring, t.pymoo, t.bookkeeping]
    assert all(p >= 0 for p in parts)
    assert t.total == pytest.approx(result.seconds, rel=1e-9)
    assert t.predict >= 0.002 * len(surrogate.calls)
    assert t.trust_region > 0 and t.pymoo > 0 and t.scoring > 0
    assert result.model_seconds == pytest.approx(t.predict + t.trust_region)
    free = SurrogateProblem(_scenario(), AnalyticSurrogate())
    assert run_search(free, pop_size=20, generations=3, seed=0).timings.trust_region == 0.0
