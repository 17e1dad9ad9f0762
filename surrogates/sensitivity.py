"""How much each input moves each outcome: partial dependence on held-out rows.

For an input ``x_j`` and a grid of its values, the partial dependence of outcome ``k`` is
the model's mean prediction over reference rows with ``x_j`` set to each grid value
(Friedman 2001). Its swing from the low to the high end of the grid says, in the
outcome's units, how much that input moves the outcome over the range the plant runs,
with the other inputs as they really occurred: a figure an engineer can check against
process knowledge ("hotter gives more yield and more impurity").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from surrogates.base import Surrogate

__all__ = ["partial_dependence", "sensitivity_table"]


def partial_dependence(
    surrogate: Surrogate,
    reference: np.ndarray,
    features: Sequence[str],
    grid_source: np.ndarray | None = None,
    *,
    points: int = 11,
    quantiles: tuple[float, float] = (0.05, 0.95),
    max_rows: int = 500,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Partial-dependence curves of every outcome on each of ``features``.

    Args:
        surrogate: The model; ``predict`` is called once per feature on
            ``rows * points`` inputs.
        reference: Rows the prediction is averaged over, ``(n, n_features)`` in the
            model's column order (held-out rows of the planned line, say).
        features: Names of the inputs to vary (setpoints; not one-hot line columns).
        grid_source: Rows whose ``quantiles`` bound each grid (default ``reference``).
        points: Grid points per feature.
        quantiles: Lower and upper quantile of ``grid_source`` spanned by the grid.
        max_rows: At most this many reference rows are used (a seeded subsample).
        seed: Seed of the subsample.

    Returns:
        ``{feature: {"grid": [...], "mean": {outcome: [...]}, "std": {outcome: [...]}}}``,
        grid in the feature's units, curves in the outcomes' units.

    Raises:
        ValueError: An unknown feature name or an empty reference.
    """
    names = list(surrogate.feature_names)
    reference = np.asarray(reference, dtype=np.float64)
    if reference.ndim != 2 or len(reference) == 0:
        raise ValueError("partial dependence needs at least one reference row")
    if len(reference) > max_rows:
        pick = np.random.default_rng(seed).choice(len(reference), max_rows, replace=False)
        reference = reference[np.sort(pick)]
    source = reference if grid_source is None else np.asarray(grid_source, dtype=np.float64)
    out: dict[str, dict[str, Any]] = {}
    for feature in features:
        if feature not in names:
            raise ValueError(f"unknown feature {feature!r}; the model has {names}")
        j = names.index(feature)
        lo, hi = np.quantile(source[:, j], quantiles)
        grid = np.linspace(lo, hi, points)
        X = np.repeat(reference[None, :, :], points, axis=0)
        X[:, :, j] = grid[:, None]
        mean, std = surrogate.predict(X.reshape(-1, len(names)))
        mean = mean.reshape(points, len(reference), -1).mean(axis=1)
        std = std.reshape(points, len(reference), -1).mean(axis=1)
        out[feature] = {
            "grid": [float(g) for g in grid],
            "mean": {o: [float(v) for v in mean[:, k]]
                     for k, o in enumerate(surrogate.outcome_names)},
            "std": {o: [float(v) for v in std[:, k]]
                    for k, o in enumerate(surrogate.outcome_names)},
        }
    return out


def sensitivity_table(curves: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Condense partial-dependence curves into one figure per outcome and input.

    Args:
        curves: The result of :func:`partial_dependence`.

    Returns:
        ``{outcome: {feature: {"value", "range", "low", "high"}}}``: ``value`` is the
        signed swing, the curve's end minus its start (outcome units, from the low to the
        high end of the grid); ``range`` its maximum minus its minimum; ``low``/``high``
        the grid's ends (feature units).
    """
    table: dict[str, dict[str, Any]] = {}
    for feature, curve in curves.items():
        grid = curve["grid"]
        for outcome, values in curve["mean"].items():
            table.setdefault(outcome, {})[feature] = {
                "value": float(values[-1] - values[0]),
                "range": float(max(values) - min(values)),
                "low": float(grid[0]),
                "high": float(grid[-1]),
            }
    return table
