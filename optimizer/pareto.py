"""The Pareto table: one row per non-dominated recipe, as written to ``pareto.csv``,
with the recipes an engineer should look at first flagged and explained."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.decisions import (
    Decision,
    achievement_index,
    closest_dominating,
    describe_change,
    knee_index,
)
from optimizer.problem import Evaluation, SurrogateProblem
from optimizer.search import non_dominated

__all__ = ["current_practice", "pareto_table"]


def current_practice(problem: SurrogateProblem, logged: np.ndarray | None) -> np.ndarray | None:
    """Today's recipe ``(n_setpoints,)``: from the scenario, else the median of the most
    recent logged batches ``logged`` ``(n, n_setpoints)`` (time-ordered), else ``None``."""
    cfg = problem.scenario.decision
    if cfg.current_practice:
        return np.array([cfg.current_practice[n] for n in problem.space.names], float)
    if logged is None or len(logged) == 0:
        return None
    recent = np.median(logged[-cfg.recent_batches:], axis=0)
    return problem.space.decode(problem.space.encode(recent[None, :]))[0]


def _objective_column(name: str, columns: dict[str, object]) -> str:
    return name if name not in columns else f"objective_{name}"


def pareto_table(problem: SurrogateProblem, X: np.ndarray, *,
                 practice: np.ndarray | None = None
                 ) -> tuple[pd.DataFrame, Evaluation, list[Decision]]:
    """Score recipes, drop duplicates and dominated ones, flag and build the table.

    Args:
        problem: The scenario's problem (gives names, context and the surrogate).
        X: Candidate setpoints in plant units, ``(n, n_setpoints)``.
        practice: Current practice's setpoints ``(n_setpoints,)``, if known.

    Returns:
        The table (``recipe_id``, setpoints, context, outcome means and ``<outcome>_std``,
        objectives, constraint values, ``support_distance``, ``feasible``, the flags
        ``knee``/``preferred``/``beats_practice``, ``recommended`` and ``note``), sorted
        by the first objective; the evaluation of its rows; the flagged decisions.
    """
    scenario = problem.scenario
    X = np.unique(np.asarray(X, dtype=float), axis=0)
    ev = problem.evaluate_setpoints(X)
    keep = np.flatnonzero(ev.feasible) if ev.feasible.any() else np.arange(len(X))
    keep = keep[non_dominated(problem.minimized(ev.scored[keep]))]
    first = problem.minimized(ev.scored[keep])[:, 0]
    keep = keep[np.argsort(first, kind="stable")]
    ev = problem.evaluate_setpoints(X[keep])
    n = len(keep)

    columns: dict[str, object] = {"recipe_id": [f"R{i + 1:03d}" for i in range(n)]}
    for j, name in enumerate(problem.space.names):
        spec = scenario.setpoints[name]
        col = ev.X[:, j]
        columns[name] = np.round(col).astype(int) if spec.type == "integer" else col
    for name, ctx in scenario.context.items():
        columns[name] = np.full(n, ctx.value)
    if scenario.logs.line_column and scenario.logs.line is not None:
        columns[scenario.logs.line_column] = [scenario.logs.line] * n
    for j, name in enumerate(scenario.outcomes):
        columns[name] = ev.mean[:, j]
        columns[f"{name}_std"] = ev.std[:, j]
    for j, obj in enumerate(scenario.objectives):
        columns[_objective_column(obj.name, columns)] = ev.objectives[:, j]
        if problem.robust_k > 0:
            columns[f"{obj.name}_robust"] = ev.scored[:, j]
    for j, con in enumerate(scenario.constraints):
        key = con.name or f"constraint_{j + 1}"
        if key not in columns:
            columns[key] = ev.constraints[:, j]
    columns["support_distance"] = ev.support
    columns["feasible"] = ev.feasible
    decisions = _decide(problem, ev, practice) if n else []
    notes = [""] * n
    for flag in ("knee", "preferred", "beats_practice"):
        mask = np.zeros(n, dtype=bool)
        for d in decisions:
            if d.flag == flag:
                mask[d.index] = True
                notes[d.index] = (notes[d.index] + " " + d.sentence).strip()
        columns[flag] = mask
    recommended = np.zeros(n, dtype=bool)
    main = [d for d in decisions if d.flag == ("preferred" if _has_preferences(problem)
                                               else "knee")]
    for d in main:
        recommended[d.index] = True
    columns["recommended"] = recommended
    columns["note"] = notes
    return pd.DataFrame(columns), ev, decisions


def _has_preferences(problem: SurrogateProblem) -> bool:
    cfg = problem.scenario.decision
    return bool(cfg.weights or cfg.reference_point)


def _decide(problem: SurrogateProblem, ev: Evaluation, practice: np.ndarray | None
            ) -> list[Decision]:
    scenario = problem.scenario
    names = [o.name for o in scenario.objectives]
    senses = [o.sense for o in scenario.objectives]
    units = [o.unit for o in scenario.objectives]
    F = problem.minimized(ev.scored)
    out: list[Decision] = []

    def summary(i: int) -> str:
        return ", ".join(f"{nm} {ev.objectives[i, j]:.4g}{(' ' + u) if u else ''}"
                         for j, (nm, u) in enumerate(zip(names, units, strict=True)))

    k = knee_index(F)
    out.append(Decision("knee", k, f"Knee of the front: the most balanced trade-off"
                        f" ({summary(k)}); moving away from it costs much in one objective"
                        " for little in another."))
    cfg = scenario.decision
    if cfg.weights or cfg.reference_point:
        w = np.array([(cfg.weights or {}).get(nm, 1.0) for nm in names])
        ref = None
        if cfg.reference_point:
            lo = F.min(axis=0)
            ref = np.array([(-1 if s == "maximize" else 1) * cfg.reference_point[nm]
                            if nm in cfg.reference_point else lo[j]
                            for j, (nm, s) in enumerate(zip(names, senses, strict=True))])
        p = achievement_index(F, w, ref)
        out.append(Decision("preferred", p, f"Best match to the stated preferences"
                            f" ({summary(p)})."))
    if practice is not None:
        base = problem.evaluate_setpoints(practice[None, :])
        f_ref = problem.minimized(base.scored)[0]
        scale = problem.support.scale if problem.support is not None else np.ones_like(
            practice)
        i = closest_dominating(F, ev.X / scale, f_ref, practice / scale)
        if i is not None:
            change = describe_change(names, senses, units, ev.objectives[i],
                                     base.objectives[0])
            out.append(Decision("beats_practice", i, "Closest recipe to current practice"
                                f" that beats it on every objective: {change}."))
    return out
