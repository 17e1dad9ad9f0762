"""The Pareto table: one row per non-dominated recipe, as written to ``pareto.csv``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.problem import Evaluation, SurrogateProblem
from optimizer.search import non_dominated

__all__ = ["knee_index", "pareto_table"]


def knee_index(F: np.ndarray) -> int:
    """The knee of a front ``F`` ``(n, n_obj)`` (minimisation): the recipe closest to the
    ideal point after scaling each objective to [0, 1] over the front."""
    lo, hi = F.min(axis=0), F.max(axis=0)
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    return int(np.argmin(np.linalg.norm((F - lo) / span, axis=1)))


def pareto_table(problem: SurrogateProblem, X: np.ndarray) -> tuple[pd.DataFrame, Evaluation]:
    """Score recipes, drop duplicates and dominated ones, and build the table.

    Args:
        problem: The scenario's problem (gives names, context and the surrogate).
        X: Candidate setpoints in plant units, ``(n, n_setpoints)``.

    Returns:
        The table (``recipe_id``, setpoints, context, outcome means and ``<outcome>_std``,
        objectives, constraint values, ``support_distance``, ``recommended``), sorted by
        the first objective, and the evaluation of its rows.
    """
    scenario = problem.scenario
    X = np.unique(np.asarray(X, dtype=float), axis=0)
    ev = problem.evaluate_setpoints(X)
    keep = np.flatnonzero(ev.feasible) if ev.feasible.any() else np.arange(len(X))
    keep = keep[non_dominated(problem.minimized(ev.objectives[keep]))]
    first = problem.minimized(ev.objectives[keep])[:, 0]
    keep = keep[np.argsort(first, kind="stable")]
    ev = problem.evaluate_setpoints(X[keep])

    columns: dict[str, object] = {"recipe_id": [f"R{i + 1:03d}" for i in range(len(keep))]}
    for j, name in enumerate(problem.space.names):
        spec = scenario.setpoints[name]
        col = ev.X[:, j]
        columns[name] = col.astype(int) if spec.type == "integer" else col
    for name, ctx in scenario.context.items():
        columns[name] = np.full(len(keep), ctx.value)
    if scenario.logs.line_column and scenario.logs.line is not None:
        columns[scenario.logs.line_column] = [scenario.logs.line] * len(keep)
    for j, name in enumerate(scenario.outcomes):
        columns[name] = ev.mean[:, j]
        columns[f"{name}_std"] = ev.std[:, j]
    for j, obj in enumerate(scenario.objectives):
        key = obj.name if obj.name not in columns else f"objective_{obj.name}"
        columns[key] = ev.objectives[:, j]
    for j, con in enumerate(scenario.constraints):
        key = con.name or f"constraint_{j + 1}"
        if key not in columns:
            columns[key] = ev.constraints[:, j]
    columns["support_distance"] = ev.support
    columns["feasible"] = ev.feasible
    recommended = np.zeros(len(keep), dtype=bool)
    if len(keep):
        recommended[knee_index(problem.minimized(ev.objectives))] = True
    columns["recommended"] = recommended
    return pd.DataFrame(columns), ev
