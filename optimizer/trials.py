"""Plant trials worth running: diverse recipes near the predicted front where the model
is least sure.

The search is re-run with a trust region widened by ``widen`` (trials may step a little
beyond logged practice: that is what they are for), the near-front recipes are
collected, and ``n`` of them are chosen greedily, each maximising
``uncertainty x distance to the recipes already chosen`` in scaled setpoint space.

The table carries a trial-marker column (``trial`` = 1, or the scenario's
``logs.cleaning.trial_column``), so rows appended to the logs with their measured
outcomes are exempt from the statistical cleaning rules once the scenario sets
``logs.cleaning.trial_column``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.problem import SurrogateProblem
from optimizer.scenario import Scenario
from optimizer.search import run_search
from optimizer.support import SupportIndex
from surrogates.base import Surrogate

__all__ = ["DEFAULT_TRIAL_COLUMN", "TrialPlan", "select_diverse_uncertain", "suggest_trials"]

DEFAULT_TRIAL_COLUMN = "trial"
"""Name of the trial-marker column when the scenario does not set one."""


@dataclass(frozen=True)
class TrialPlan:
    """The suggested trials, as written to ``trials.csv``.

    Attributes:
        table: One row per trial: ``trial_id``; the trial marker (1) named
            :attr:`trial_column`; the setpoints and context values named as in the
            logs; each outcome's predicted mean and ``<outcome>_std``;
            ``support_distance`` and ``relative_uncertainty``.
        trial_column: Name of the trial-marker column.
    """

    table: pd.DataFrame
    trial_column: str = DEFAULT_TRIAL_COLUMN


def select_diverse_uncertain(X_scaled: np.ndarray, uncertainty: np.ndarray, n: int) -> list[int]:
    """Greedy choice of ``n`` rows: first the most uncertain, then each next one maximising
    ``uncertainty * (distance to the nearest chosen row)``.

    Args:
        X_scaled: Candidates in scaled setpoint space, ``(m, n_var)``.
        uncertainty: Relative uncertainty per candidate, ``(m,)``, positive.
        n: How many to choose (at most ``m``).
    """
    m = len(X_scaled)
    if m == 0:
        return []
    chosen = [int(np.argmax(uncertainty))]
    nearest = np.linalg.norm(X_scaled - X_scaled[chosen[0]], axis=1)
    while len(chosen) < min(n, m):
        score = uncertainty * nearest
        score[chosen] = -np.inf
        nxt = int(np.argmax(score))
        if not np.isfinite(score[nxt]) or nearest[nxt] <= 1e-9:
            break
        chosen.append(nxt)
        nearest = np.minimum(nearest, np.linalg.norm(X_scaled - X_scaled[nxt], axis=1))
    return chosen


def _model_std(surrogate: Surrogate, problem: SurrogateProblem, X: np.ndarray,
               std: np.ndarray) -> np.ndarray:
    """The part of the predictive std that trials can shrink: the members' disagreement
    (``predict_components``), not the batch-to-batch scatter; ``std`` if the surrogate
    does not separate them. Shape ``(n, n_outcomes of the scenario)``."""
    components = getattr(surrogate, "predict_components", None)
    if components is None:
        return std
    _, model, _ = components(problem.features(X))
    names = list(surrogate.outcome_names)
    return model[:, [names.index(o) for o in problem.scenario.outcomes]]


def suggest_trials(scenario: Scenario, surrogate: Surrogate, logged: np.ndarray, n: int,
                   *, widen: float = 1.5) -> TrialPlan:
    """Suggest ``n`` setpoints for plant trials.

    Args:
        scenario: The scenario (its search settings and seed are used).
        surrogate: The trained surrogate.
        logged: Logged setpoints of the planned line, ``(n_logged, n_setpoints)``.
        n: Number of trials.
        widen: Factor on the trust-region radius for exploration.

    Trials go where the model itself is least sure (the ensemble members disagree), not
    where the process merely scatters: a trial there teaches the model something.

    Returns:
        The trials; the marker column is ``logs.cleaning.trial_column`` if set, else
        :data:`DEFAULT_TRIAL_COLUMN`.
    """
    tr = scenario.search.trust_region
    wide = scenario.model_copy(update={"search": scenario.search.model_copy(update={
        "trust_region": tr.model_copy(update={"radius": tr.radius * widen})})})
    support = SupportIndex.from_points(logged)
    problem = SurrogateProblem(wide, surrogate, support)
    cfg = scenario.search
    result = run_search(problem, pop_size=cfg.pop_size, generations=cfg.generations,
                        seed=scenario.seed, logged_setpoints=logged,
                        stall_generations=cfg.stall_generations,
                        stall_tolerance=cfg.stall_tolerance)
    X = np.unique(result.X, axis=0)
    ev = problem.evaluate_setpoints(X)
    if ev.feasible.any():
        X, ev = X[ev.feasible], problem.evaluate_setpoints(X[ev.feasible])
    spread = np.abs(ev.mean).mean(axis=0) + 1e-12
    uncertainty = (_model_std(surrogate, problem, X, ev.std) / spread).mean(axis=1) + 1e-12
    pick = select_diverse_uncertain(X / support.scale, uncertainty, n)
    ev = problem.evaluate_setpoints(X[pick])
    marker = scenario.logs.cleaning.trial_column or DEFAULT_TRIAL_COLUMN
    if marker in scenario.variable_names:  # only the default can collide (column_specs)
        marker = f"{marker}_marker"
    table: dict[str, object] = {"trial_id": [f"T{i + 1:02d}" for i in range(len(pick))],
                                marker: np.ones(len(pick), dtype=np.int64)}
    for j, name in enumerate(problem.space.names):
        spec = scenario.setpoints[name]
        table[name] = (np.round(ev.X[:, j]).astype(int) if spec.type == "integer"
                       else ev.X[:, j])
    for name, ctx in scenario.context.items():
        table[name] = np.full(len(pick), ctx.value)
    for j, name in enumerate(scenario.outcomes):
        table[name] = ev.mean[:, j]
        table[f"{name}_std"] = ev.std[:, j]
    table["support_distance"] = ev.support
    table["relative_uncertainty"] = uncertainty[pick]
    return TrialPlan(pd.DataFrame(table), marker)
