"""Figures of the Pareto front (matplotlib; colour-blind-safe palette)."""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.figure import Figure

__all__ = ["PALETTE", "pareto_front_figure"]

# Okabe-Ito, safe for the common forms of colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")


def _label(name: str, unit: str, sense: str) -> str:
    arrow = "↑" if sense == "maximize" else "↓"
    return f"{name} [{unit}] {arrow}" if unit else f"{name} {arrow}"


def pareto_front_figure(front: np.ndarray, names: list[str], units: list[str],
                        senses: list[str], *, logged: np.ndarray | None = None,
                        recommended: np.ndarray | None = None,
                        title: str = "Pareto front") -> Figure:
    """Pairwise scatter of the objectives.

    Args:
        front: Objective values of the Pareto recipes, ``(n, n_obj)``, natural units.
        names: Objective names, ``n_obj``.
        units: Objective units, ``n_obj``.
        senses: ``"minimize"``/``"maximize"`` per objective.
        logged: Objective values of logged batches, ``(m, n_obj)``, drawn in grey behind.
        recommended: Boolean mask ``(n,)`` of recommended recipes, drawn as stars.
        title: Figure title.
    """
    n_obj = front.shape[1]
    lo, hi = front.min(axis=0), front.max(axis=0)
    hidden = 0
    if logged is not None and len(logged):
        # keep the view on the front and the bulk of practice: rare excursions (a 20 %
        # yield batch) would otherwise squash everything into a corner
        lo = np.minimum(lo, np.nanquantile(logged, 0.01, axis=0))
        hi = np.maximum(hi, np.nanquantile(logged, 0.99, axis=0))
        outside = np.any((logged < lo) | (logged > hi), axis=1)
        hidden = int(outside.sum())
    pad = 0.05 * np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - pad, hi + pad
    pairs = list(itertools.combinations(range(n_obj), 2)) or [(0, 0)]
    ncols = min(3, len(pairs))
    nrows = int(np.ceil(len(pairs) / ncols))
    fig = Figure(figsize=(4.6 * ncols, 4.0 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, (i, j) in zip(axes.flat, pairs, strict=False):
        if logged is not None and len(logged):
            ax.scatter(logged[:, i], logged[:, j], s=6, c="#9a9a9a", alpha=0.35,
                       linewidths=0, label="logged batches", rasterized=True)
        ax.scatter(front[:, i], front[:, j], s=22, c=PALETTE[0], edgecolors="white",
                   linewidths=0.4, label="Pareto recipes", zorder=3)
        if recommended is not None and recommended.any():
            ax.scatter(front[recommended, i], front[recommended, j], s=160, marker="*",
                       c=PALETTE[3], edgecolors="black", linewidths=0.6, label="recommended",
                       zorder=4)
        if i != j:
            ax.set_xlim(lo[i], hi[i])
            ax.set_ylim(lo[j], hi[j])
        ax.set_xlabel(_label(names[i], units[i], senses[i]))
        ax.set_ylabel(_label(names[j], units[j], senses[j]))
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[len(pairs):]:
        ax.axis("off")
    axes.flat[0].legend(loc="best", fontsize=8, framealpha=0.9)
    if hidden:
        title += f" ({hidden} outlying logged batches outside the view)"
    fig.suptitle(title)
    return fig
