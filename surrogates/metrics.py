"""Per-outcome regression metrics and interval coverage (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["interval_coverage", "mae", "r2", "regression_metrics", "rmse"]


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None]
    if p.ndim == 1:
        p = p[:, None]
    if t.shape != p.shape or t.shape[0] == 0:
        raise ValueError(f"y_true and y_pred need the same non-empty shape (n, m); "
                         f"got {t.shape} and {p.shape}")
    return t, p


def r2(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Coefficient of determination per column.

    Args:
        y_true: Truth, shape ``(n, m)`` (or ``(n,)``).
        y_pred: Predictions, same shape.

    Returns:
        Shape ``(m,)``. A constant truth column scores 1.0 if predicted exactly, else 0.0
        (as scikit-learn's ``force_finite``), so the result is always finite.
    """
    t, p = _pair(y_true, y_pred)
    ss_res = ((t - p) ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    out = np.where(ss_res == 0, 1.0, 0.0)
    ok = ss_tot > 0
    out[ok] = 1.0 - ss_res[ok] / ss_tot[ok]
    return out


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Mean absolute error per column, shape ``(m,)``, units of ``y``."""
    t, p = _pair(y_true, y_pred)
    return np.abs(t - p).mean(axis=0)


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Root mean squared error per column, shape ``(m,)``, units of ``y``."""
    t, p = _pair(y_true, y_pred)
    return np.sqrt(((t - p) ** 2).mean(axis=0))


def interval_coverage(
    y_true: np.ndarray, mean: np.ndarray, std: np.ndarray, z: float = 1.96
) -> np.ndarray:
    """Share of truths inside ``mean ± z·std`` per column.

    Args:
        y_true: Truth, shape ``(n, m)``.
        mean: Predicted means, same shape.
        std: Predicted standard deviations, same shape, non-negative.
        z: Half-width in standard deviations (1.96 -> nominal 95% for a Gaussian).

    Returns:
        Shape ``(m,)``, values in [0, 1]; compare with the nominal level to judge calibration.
    """
    t, mu = _pair(y_true, mean)
    _, s = _pair(y_true, std)
    return (np.abs(t - mu) <= z * s).mean(axis=0)


def regression_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, names: Sequence[str], prefix: str = ""
) -> dict[str, dict[str, float]]:
    """``{name: {prefix+"r2", prefix+"mae", prefix+"rmse"}}`` for each of the ``m`` columns."""
    scores = {"r2": r2(y_true, y_pred), "mae": mae(y_true, y_pred),
              "rmse": rmse(y_true, y_pred)}
    if len(names) != len(scores["r2"]):
        raise ValueError(f"got {len(names)} names for {len(scores['r2'])} columns")
    return {name: {prefix + key: float(values[j]) for key, values in scores.items()}
            for j, name in enumerate(names)}
