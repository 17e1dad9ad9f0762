"""The search against an analytic surrogate whose Pareto front is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optimizer.decisions import knee_index
from optimizer.pareto import pareto_table
from optimizer.problem import SurrogateProblem
from optimizer.scenario import Scenario
from optimizer.search import non_dominated, run_search
from optimizer.space import DesignSpace
from optimizer.support import SupportIndex
from surrogates.base import Surrogate


class AnalyticSurrogate(Surrogate):
    """cost = x0^2 + x1^2, loss = (x0 - 2)^2 + x1^2, std 0.1; counts calls."""

    feature_names = ("x0", "x1", "temp")
    outcome_names = ("cost", "loss")

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.calls.append(len(X))
        x0, x1 = X[:, 0], X[:, 1]
        mean = np.column_stack([x0**2 + x1**2, (x0 - 2) ** 2 + x1**2])
        return mean, np.full_like(mean, 0.1)


def scenario(**search: object) -> Scenario:
    return Scenario.model_validate({
        "name": "analytic",
        "logs": {"path": "unused.csv", "timestamp": "t"},
        "setpoints": {"x0": {"lower": -1, "upper": 3}, "x1": {"lower": -1, "upper": 1}},
        "context": {"temp": {"value": 20}},
        "outcomes": {"cost": {}, "loss": {}},
        "objectives": [{"name": "cost", "sense": "minimize"},
                       {"name": "loss", "sense": "minimize"}],
        "constraints": [{"expression": "cost", "upper": 3.0}],
        "search": {"pop_size": 40, "generations": 60, **search},
        "base_dir": Path("."),
    })


def test_one_batched_model_call_per_generation() -> None:
    surrogate = AnalyticSurrogate()
    sc = scenario(trust_region={"enabled": False})
    problem = SurrogateProblem(sc, surrogate)
    result = run_search(problem, pop_size=40, generations=60, seed=1)
    # initial population + one call per later generation, each for the whole population
    assert len(surrogate.calls) == result.n_generations
    assert all(n >= 20 for n in surrogate.calls)


def test_front_matches_the_analytic_front() -> None:
    sc = scenario(trust_region={"enabled": False})
    problem = SurrogateProblem(sc, AnalyticSurrogate())
    result = run_search(problem, pop_size=40, generations=80, seed=3)
    table, ev, _ = pareto_table(problem, result.X)
    assert len(table) >= 20
    # the true front is x1 = 0, 0 <= x0 <= 2, and cost <= 3 cuts it at x0 <= sqrt(3)
    # distance to the true front in objective space: loss above (sqrt(cost) - 2)^2
    gap = table["loss"] - (np.sqrt(table["cost"]) - 2) ** 2
    assert gap.max() < 0.05 and np.median(gap) < 0.005
    assert table["x0"].between(-0.05, np.sqrt(3) + 0.01).all()
    assert (table["cost"] <= 3.0 + 1e-9).all()
    assert table["cost_std"].eq(0.1).all()
    assert table["recommended"].sum() == 1
    assert len(non_dominated(problem.minimized(ev.objectives))) == len(table)


def test_same_seed_same_front_other_seed_differs() -> None:
    def front(seed: int) -> np.ndarray:
        problem = SurrogateProblem(scenario(trust_region={"enabled": False}),
                                   AnalyticSurrogate())
        return run_search(problem, pop_size=30, generations=20, seed=seed).X

    np.testing.assert_array_equal(front(5), front(5))
    assert not np.array_equal(front(5), front(6))


def test_trust_region_keeps_proposals_near_logged_points() -> None:
    rng = np.random.default_rng(0)
    logged = np.column_stack([rng.normal(1.0, 0.1, 300), rng.normal(0.5, 0.1, 300)])
    support = SupportIndex.from_points(logged)
    sc = scenario(trust_region={"enabled": True, "radius": 0.5})
    problem = SurrogateProblem(sc, AnalyticSurrogate(), support)
    result = run_search(problem, pop_size=40, generations=40, seed=0, logged_setpoints=logged)
    assert result.feasible and result.n_seeded > 0
    table, _, _ = pareto_table(problem, result.X)
    assert (table["support_distance"] <= 0.5 + 1e-9).all()
    # without the trust region the front runs to x1 = 0, far from the logs
    assert table["x1"].min() >= logged[:, 1].min() - 0.1
    free = SurrogateProblem(scenario(trust_region={"enabled": False}), AnalyticSurrogate())
    table_free, _, _ = pareto_table(free, run_search(free, pop_size=40, generations=40,
                                                     seed=0).X)
    assert table_free["x1"].abs().min() < 0.05


def test_infeasible_search_reports_the_conflicting_constraint() -> None:
    sc = Scenario.model_validate({
        **scenario().model_dump(exclude={"base_dir"}),
        "constraints": [{"name": "too_cheap", "expression": "cost", "upper": -1.0}],
        "search": {"pop_size": 20, "generations": 5, "trust_region": {"enabled": False}},
    })
    problem = SurrogateProblem(sc, AnalyticSurrogate())
    result = run_search(problem, pop_size=20, generations=5, seed=0)
    assert not result.feasible
    assert result.violations["too_cheap <= -1"] >= 1.0


@pytest.mark.parametrize("kind", ["integer", "choice"])
def test_integer_and_choice_setpoints_are_exact(kind: str) -> None:
    spec = ({"lower": -1, "upper": 3, "type": "integer"} if kind == "integer" else
            {"lower": -1, "upper": 3, "type": "choice", "choices": [-1, 0.5, 1.7, 3]})
    data = scenario().model_dump(exclude={"base_dir"})
    data["setpoints"]["x0"] = spec
    data["search"]["trust_region"] = {"enabled": False}
    problem = SurrogateProblem(Scenario.model_validate(data), AnalyticSurrogate())
    result = run_search(problem, pop_size=20, generations=10, seed=0)
    allowed = {-1, 0, 1, 2, 3} if kind == "integer" else {-1, 0.5, 1.7, 3}
    assert set(np.round(result.X[:, 0], 9)) <= allowed


def test_resolution_rounds_decoded_setpoints() -> None:
    data = scenario().model_dump(exclude={"base_dir"})
    data["setpoints"]["x1"] = {"lower": -1, "upper": 1, "resolution": 0.25}
    space = DesignSpace.from_scenario(Scenario.model_validate(data))
    X = space.decode(np.array([[0.3, 0.13], [2.9, -0.99]]))
    np.testing.assert_allclose(X[:, 1], [0.25, -1.0])


def test_knee_is_the_balanced_point() -> None:
    F = np.array([[0.0, 1.0], [0.2, 0.2], [1.0, 0.0]])
    assert knee_index(F) == 1


def test_support_distance_is_zero_on_logged_points() -> None:
    X = np.random.default_rng(1).normal(size=(50, 3))
    index = SupportIndex.from_points(X)
    np.testing.assert_allclose(index.distance(X), 0.0, atol=1e-3)
    assert (index.distance(X + 10) > 5).all()


def test_fixed_setpoint_is_held() -> None:
    data = scenario().model_dump(exclude={"base_dir"})
    data["setpoints"]["x1"] = {"lower": -1, "upper": 1, "fixed": 0.4}
    data["search"]["trust_region"] = {"enabled": False}
    problem = SurrogateProblem(Scenario.model_validate(data), AnalyticSurrogate())
    result = run_search(problem, pop_size=20, generations=10, seed=0)
    table, _, _ = pareto_table(problem, result.X)
    assert (table["x1"] == 0.4).all()


def test_linear_constraint_between_setpoints() -> None:
    """Plants order setpoints (zone temperatures rising along a furnace): a constraint
    over setpoints alone is a linear constraint the search must respect."""
    data = scenario().model_dump(exclude={"base_dir"})
    data["constraints"] = [{"name": "rising", "expression": "x1 - x0", "lower": 0.0}]
    data["search"]["trust_region"] = {"enabled": False}
    problem = SurrogateProblem(Scenario.model_validate(data), AnalyticSurrogate())
    result = run_search(problem, pop_size=30, generations=30, seed=0)
    table, _, _ = pareto_table(problem, result.X)
    assert (table["x1"] - table["x0"] >= -1e-9).all() and len(table) >= 10
