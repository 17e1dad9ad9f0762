"""The pymoo problem: setpoints -> surrogate -> objectives and constraints.

One vectorised :class:`SurrogateProblem` evaluates a whole population with one call
to the surrogate's batched ``predict``; no per-individual Python loop. pymoo's
string-keyed ``out`` dict stays inside this module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from pymoo.core.problem import Problem

from optimizer.scenario import Scenario
from optimizer.space import DesignSpace
from optimizer.support import SupportIndex
from surrogates.base import Surrogate
from surrogates.errors import ModelFileError
from surrogates.expressions import Expression

__all__ = ["Evaluation", "SurrogateProblem", "fixed_features"]


@dataclass(frozen=True)
class Evaluation:
    """Everything known about a set of recipes.

    Attributes:
        X: Setpoint values, ``(n, n_setpoints)``.
        mean: Predicted outcome means, ``(n, n_outcomes)``, in outcome units.
        std: Predicted outcome uncertainty (ensemble spread), ``(n, n_outcomes)``.
        objectives: Objective values in their own units and sense, ``(n, n_objectives)``.
        scored: What the search optimises: ``objectives``, or their pessimistic values
            (``mean - k std`` for maximised, ``mean + k std`` for minimised) when the
            scenario asks for robust objectives; ``(n, n_objectives)``.
        constraints: Constraint expression values, ``(n, n_constraints)``.
        G: Constraint violations for pymoo (``<= 0`` is satisfied), ``(n, n_ieq)``;
            the last column is the trust region when it is on.
        support: Distance to the nearest logged operating point, ``(n,)``, in RMS
            standard deviations of the logged setpoints.
    """

    X: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    objectives: np.ndarray
    scored: np.ndarray
    constraints: np.ndarray
    G: np.ndarray
    support: np.ndarray

    @property
    def feasible(self) -> np.ndarray:
        """Which recipes meet every constraint (and the trust region), ``(n,)`` bool."""
        return np.all(self.G <= 1e-9, axis=1)


def fixed_features(scenario: Scenario, feature_names: tuple[str, ...]) -> dict[str, float]:
    """Values of the model inputs that are not searched: context and the planned line.

    Line indicators are named ``"<line_column>=<value>"``; the planned line gets 1.

    Raises:
        ModelFileError: The model needs an input the scenario does not give.
    """
    fixed: dict[str, float] = {name: spec.value for name, spec in scenario.context.items()}
    line_col = scenario.logs.line_column
    for name in feature_names:
        if name in scenario.setpoints or name in fixed:
            continue
        if line_col and name.startswith(f"{line_col}="):
            fixed[name] = float(name.split("=", 1)[1] == scenario.logs.line)
            continue
        raise ModelFileError(f"the model needs the input {name!r}, which the scenario does not"
                             " define", hint="retrain with `paretoplan train`")
    return fixed


class SurrogateProblem(Problem):
    """NSGA-II's view of the scenario: minimise objectives, keep ``G <= 0``.

    Args:
        scenario: The validated scenario.
        surrogate: Anything with ``feature_names``, ``outcome_names`` and a batched
            ``predict(X) -> (mean, std)``.
        support: The logged operating points, for the trust region (``None``: off).
    """

    def __init__(self, scenario: Scenario, surrogate: Surrogate,
                 support: SupportIndex | None = None) -> None:
        self.scenario = scenario
        self.surrogate = surrogate
        self.space = DesignSpace.from_scenario(scenario)
        self.support = support if scenario.search.trust_region.enabled else None
        self.radius = scenario.search.trust_region.radius
        self.robust_k = scenario.search.robust.objectives_k
        self.margin_k = scenario.search.robust.constraints_k
        missing = [o for o in scenario.outcomes if o not in surrogate.outcome_names]
        if missing:
            raise ModelFileError(f"the model does not predict {', '.join(missing)}",
                                 hint="retrain with `paretoplan train`")
        fixed = fixed_features(scenario, tuple(surrogate.feature_names))
        self._feature_names = tuple(surrogate.feature_names)
        self._setpoint_cols = np.array([self._feature_names.index(s) for s in self.space.names
                                        if s in self._feature_names])
        self._setpoint_src = np.array([j for j, s in enumerate(self.space.names)
                                       if s in self._feature_names])
        self._fixed_row = np.array([fixed.get(n, 0.0) for n in self._feature_names], float)
        self._outcome_idx = [list(surrogate.outcome_names).index(o) for o in scenario.outcomes]
        names = scenario.variable_names
        self._objectives = [Expression.parse(o.formula, names=names) for o in
                            scenario.objectives]
        self._signs = np.array([-1.0 if o.sense == "maximize" else 1.0
                                for o in scenario.objectives])
        self._constraints = [Expression.parse(c.expression, names=names)
                             for c in scenario.constraints]
        n_ieq = sum((c.lower is not None) + (c.upper is not None)
                    for c in scenario.constraints) + (self.support is not None)
        self.predict_seconds = 0.0
        self.trust_region_seconds = 0.0
        self.scoring_seconds = 0.0
        self.n_model_calls = 0
        super().__init__(n_var=self.space.n_var, n_obj=len(self._objectives),
                         n_ieq_constr=n_ieq, xl=self.space.xl, xu=self.space.xu)

    @property
    def model_seconds(self) -> float:
        """Wall time spent in the surrogate's ``predict`` and the trust region."""
        return self.predict_seconds + self.trust_region_seconds

    @property
    def busy_seconds(self) -> float:
        """Wall time spent evaluating recipes: model, trust region and scoring."""
        return self.predict_seconds + self.trust_region_seconds + self.scoring_seconds

    def features(self, X: np.ndarray) -> np.ndarray:
        """Model inputs for setpoint values ``X`` ``(n, n_setpoints)`` -> ``(n, n_features)``."""
        F = np.repeat(self._fixed_row[None, :], len(X), axis=0)
        if len(self._setpoint_cols):
            F[:, self._setpoint_cols] = X[:, self._setpoint_src]
        return F

    def evaluate_setpoints(self, X: np.ndarray) -> Evaluation:
        """Predict and score recipes given in plant units, ``(n, n_setpoints)``."""
        t_start = time.perf_counter()
        X = np.asarray(X, dtype=float)
        inputs = self.features(X)
        t0 = time.perf_counter()
        mean_all, std_all = self.surrogate.predict(inputs)
        t1 = t2 = time.perf_counter()
        self.predict_seconds += t1 - t0
        self.n_model_calls += 1
        if self.support is not None:
            support = self.support.distance(X)
            t2 = time.perf_counter()
            self.trust_region_seconds += t2 - t1
        else:
            support = np.zeros(len(X))
        mean = mean_all[:, self._outcome_idx]
        std = std_all[:, self._outcome_idx]
        values: dict[str, np.ndarray | float] = {n: X[:, j] for j, n in
                                                 enumerate(self.space.names)}
        values.update({n: c.value for n, c in self.scenario.context.items()})
        values.update({n: mean[:, j] for j, n in enumerate(self.scenario.outcomes)})
        n = len(X)
        objectives = np.column_stack([_broadcast(e.evaluate(values), n)
                                      for e in self._objectives])
        scored = objectives
        if self.robust_k > 0:
            spread = self._spread(self._objectives, values, objectives, std)
            scored = objectives - self.robust_k * spread * self._signs
        cons = [_broadcast(e.evaluate(values), n) for e in self._constraints]
        constraints = np.column_stack(cons) if cons else np.zeros((n, 0))
        margin = (self.margin_k * self._spread(self._constraints, values, constraints, std)
                  if self.margin_k > 0 and cons else np.zeros_like(constraints))
        G_cols = []
        for j, c in enumerate(self.scenario.constraints):
            if c.lower is not None:
                G_cols.append(c.lower - (constraints[:, j] - margin[:, j]))
            if c.upper is not None:
                G_cols.append(constraints[:, j] + margin[:, j] - c.upper)
        if self.support is not None:
            G_cols.append(support - self.radius)
        G = np.column_stack(G_cols) if G_cols else np.zeros((n, 0))
        G = np.where(np.isfinite(G), G, 1e12)
        self.scoring_seconds += (t0 - t_start) + (time.perf_counter() - t2)
        return Evaluation(X, mean, std, objectives, scored, constraints, G, support)

    def _spread(self, expressions: list[Expression], values: dict[str, np.ndarray | float],
                base: np.ndarray, std: np.ndarray) -> np.ndarray:
        """Uncertainty of each expression ``(n, n_expr)``, propagated to first order from
        the outcomes' std (each outcome moved by one std, contributions added in
        quadrature)."""
        n = len(base)
        total = np.zeros_like(base)
        for j, name in enumerate(self.scenario.outcomes):
            if not any(name in e.names for e in expressions):
                continue
            moved = dict(values)
            moved[name] = np.asarray(values[name]) + std[:, j]
            shifted = np.column_stack([_broadcast(e.evaluate(moved), n) for e in expressions])
            total += (shifted - base) ** 2
        return np.sqrt(total)

    def minimized(self, objectives: np.ndarray) -> np.ndarray:
        """Objective values turned into minimisation form (maximised ones negated)."""
        F = objectives * self._signs
        return np.where(np.isfinite(F), F, 1e12)

    def _evaluate(self, x: np.ndarray, out: dict, *args: object, **kwargs: object) -> None:
        t0 = time.perf_counter()
        X = self.space.decode(x)
        t1 = time.perf_counter()
        ev = self.evaluate_setpoints(X)
        t2 = time.perf_counter()
        out["F"] = self.minimized(ev.scored)
        if self.n_ieq_constr:
            out["G"] = ev.G
        self.scoring_seconds += (t1 - t0) + (time.perf_counter() - t2)

    def constraint_labels(self) -> list[str]:
        """One label per column of ``G``, for infeasibility messages."""
        labels = []
        for c in self.scenario.constraints:
            if c.lower is not None:
                labels.append(f"{c.label} >= {c.lower:g}")
            if c.upper is not None:
                labels.append(f"{c.label} <= {c.upper:g}")
        if self.support is not None:
            labels.append(f"trust region (support distance <= {self.radius:g})")
        return labels


def _broadcast(value: np.ndarray, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))

