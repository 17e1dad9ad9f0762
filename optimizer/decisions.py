"""Decision support on a front: the knee, the preferred recipe, and the closest recipe
that beats current practice, each with a one-sentence explanation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Decision", "achievement_index", "closest_dominating", "describe_change",
           "knee_index"]


@dataclass(frozen=True)
class Decision:
    """A flagged recipe and why.

    Attributes:
        flag: Column name in ``pareto.csv`` (``knee``, ``preferred``, ``beats_practice``).
        index: Row of the front.
        sentence: One sentence an engineer reads.
    """

    flag: str
    index: int
    sentence: str


def _scaled(F: np.ndarray) -> np.ndarray:
    lo, hi = F.min(axis=0), F.max(axis=0)
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    return (F - lo) / span


def knee_index(F: np.ndarray) -> int:
    """The knee of a front ``F`` ``(n, n_obj)`` (minimisation): the recipe closest to the
    ideal point after scaling each objective to [0, 1] over the front."""
    return int(np.argmin(np.linalg.norm(_scaled(F), axis=1)))


def achievement_index(F: np.ndarray, weights: np.ndarray | None = None,
                      reference: np.ndarray | None = None) -> int:
    """The recipe best matching stated preferences (achievement scalarisation).

    Minimises ``max_i w_i (f_i - z_i) / range_i + 1e-4 * sum_i w_i (f_i - z_i) / range_i``
    with ``z`` the reference point (default: the front's ideal point) and ``w`` the
    weights (default: equal). Everything in minimisation form, ``F`` ``(n, n_obj)``.
    """
    lo, hi = F.min(axis=0), F.max(axis=0)
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    z = lo if reference is None else np.asarray(reference, float)
    w = np.ones(F.shape[1]) if weights is None else np.asarray(weights, float)
    d = w * (F - z) / span
    return int(np.argmin(d.max(axis=1) + 1e-4 * d.sum(axis=1)))


def closest_dominating(F: np.ndarray, X_scaled: np.ndarray, f_ref: np.ndarray,
                       x_ref_scaled: np.ndarray) -> int | None:
    """Among recipes whose objectives ``F`` ``(n, n_obj)`` dominate ``f_ref`` (or equal it
    within 0.1% of each objective's spread and beat it somewhere), the one whose scaled
    setpoints ``X_scaled`` ``(n, n_var)`` are closest to ``x_ref_scaled``; ``None`` if no
    recipe dominates."""
    tol = 1e-3 * np.maximum(np.ptp(np.vstack([F, f_ref]), axis=0), 1e-12)
    better = np.all(F <= f_ref + tol, axis=1) & np.any(F < f_ref - tol, axis=1)
    if not better.any():
        return None
    idx = np.flatnonzero(better)
    dist = np.linalg.norm(X_scaled[idx] - x_ref_scaled, axis=1)
    return int(idx[np.argmin(dist)])


def describe_change(names: list[str], senses: list[str], units: list[str],
                    new: np.ndarray, old: np.ndarray) -> str:
    """Words for how ``new`` objective values (natural units) compare with ``old``,
    e.g. ``"same yield_pct, 12% less energy_kwh_per_t"``."""
    parts = []
    for name, sense, unit, a, b in zip(names, senses, units, new, old, strict=True):
        rel = (a - b) / abs(b) if abs(b) > 1e-12 else 0.0
        if abs(rel) < 0.005:
            parts.append(f"same {name}")
            continue
        better = (a > b) if sense == "maximize" else (a < b)
        word = "more" if a > b else "less"
        if unit == "%":
            text = f"{abs(a - b):.1f} points {word} {name}"
        else:
            text = f"{abs(rel):.0%} {word} {name}"
        parts.append(text if better else f"{text} (worse)")
    return ", ".join(parts)
