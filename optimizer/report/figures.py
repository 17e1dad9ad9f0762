"""Report-only figures: parallel coordinates, model accuracy, calibration, sensitivities,
Gantt charts and energy profiles of plans.

Every figure uses the Okabe-Ito palette (:data:`optimizer.figures.PALETTE`), puts the
unit in each axis label and is sized to be read at report width (about 1100 px).
Functions return a :class:`~matplotlib.figure.Figure`, or draw into a given ``ax``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from optimizer.figures import PALETTE

__all__ = [
    "REPORT_RC",
    "accuracy_figure",
    "axis_label",
    "calibration_figure",
    "convergence_figure",
    "energy_figure",
    "gantt_figure",
    "parallel_coordinates_figure",
    "partial_dependence_figure",
    "report_style",
    "sensitivity_figure",
]

BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK = PALETTE
GREY = "#8c8c8c"

#: Matplotlib settings shared by every report figure (readable at report size).
REPORT_RC: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.bbox": "tight",
}


@contextmanager
def report_style() -> Iterator[None]:
    """Apply :data:`REPORT_RC` inside a ``with`` block."""
    with plt.rc_context(REPORT_RC):  # type: ignore[arg-type]
        yield


def axis_label(name: str, unit: str = "", sense: str | None = None) -> str:
    """``"name [unit]"`` with ``↑``/``↓`` for maximised/minimised objectives."""
    text = f"{name} [{unit}]" if unit else name
    if sense == "maximize":
        text += " ↑"
    elif sense == "minimize":
        text += " ↓"
    return text


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig, new = plt.subplots(figsize=figsize, layout="constrained")
    return fig, new


def parallel_coordinates_figure(
    values: np.ndarray,
    names: Sequence[str],
    units: Sequence[str],
    senses: Sequence[str | None],
    *,
    recommended: np.ndarray | None = None,
    practice: np.ndarray | None = None,
    labels: Sequence[str] | None = None,
    title: str = "Pareto recipes, parallel coordinates",
    ax: Axes | None = None,
) -> Figure:
    """Parallel coordinates of recipes, each axis scaled so that *better is up*.

    Args:
        values: One row per recipe, ``(n, n_axes)``, in the axes' own units.
        names: Axis names, ``n_axes``.
        units: Axis units, ``n_axes`` (``""`` for none).
        senses: ``"minimize"``/``"maximize"`` per axis, or ``None`` for a plain axis
            (drawn low-to-high).
        recommended: Boolean mask ``(n,)`` of recommended recipes, drawn thick in
            vermillion and labelled with ``labels``.
        practice: Current practice on the same axes ``(n_axes,)`` (NaN where unknown),
            drawn as a dashed black line.
        labels: Recipe labels ``(n,)`` (e.g. recipe ids) for the recommended lines.
        title: Figure title.
        ax: Draw into this axes instead of a new figure.

    Returns:
        The figure.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(names):
        raise ValueError(f"values must be (n, {len(names)}); got {values.shape}")
    n_axes = len(names)
    extra = (np.asarray(practice, float)[None, :] if practice is not None
             else np.empty((0, n_axes)))
    both = np.vstack([values, extra])
    lo = np.nanmin(both, axis=0) if len(both) else np.zeros(n_axes)
    hi = np.nanmax(both, axis=0) if len(both) else np.ones(n_axes)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    flip = np.array([s == "minimize" for s in senses])

    def scale(v: np.ndarray) -> np.ndarray:
        z = (v - lo) / span
        return np.where(flip, 1.0 - z, z)

    with report_style():
        fig, ax = _new_axes(ax, (max(6.5, 1.9 * n_axes + 2.0), 4.4))
        x = np.arange(n_axes)
        for row in scale(values):
            ax.plot(x, row, color=SKY, alpha=0.55, linewidth=1.0, zorder=2)
        handles = [plt.Line2D([], [], color=SKY, linewidth=1.5,
                              label=f"Pareto recipes ({len(values)})")]
        if recommended is not None and np.any(recommended):
            for i in np.flatnonzero(recommended):
                row = scale(values[i])
                ax.plot(x, row, color=VERMILLION, linewidth=2.8, zorder=4, marker="o",
                        markersize=5)
                if labels is not None:
                    ax.annotate(str(labels[int(i)]), (x[-1], row[-1]), xytext=(6, 0),
                                textcoords="offset points", va="center", color=VERMILLION,
                                fontsize=9, fontweight="bold")
            handles.append(plt.Line2D([], [], color=VERMILLION, linewidth=2.8, marker="o",
                                      label="recommended"))
        if practice is not None and np.isfinite(np.asarray(practice, float)).any():
            row = scale(np.asarray(practice, float))
            ax.plot(x, row, color=BLACK, linestyle="--", linewidth=2.0, marker="s",
                    markersize=5, zorder=5)
            handles.append(plt.Line2D([], [], color=BLACK, linestyle="--", marker="s",
                                      label="current practice (predicted)"))
        for j in range(n_axes):
            ax.axvline(j, color="#444444", linewidth=0.8, zorder=1)
            top, bottom = (lo[j], hi[j]) if flip[j] else (hi[j], lo[j])
            ax.text(j, 1.04, f"{top:.4g}", ha="center", va="bottom", fontsize=8.5)
            ax.text(j, -0.04, f"{bottom:.4g}", ha="center", va="top", fontsize=8.5)
        ax.set_xticks(x, [axis_label(n, u, s).replace(" [", "\n[")
                          for n, u, s in zip(names, units, senses, strict=True)])
        ax.tick_params(axis="x", length=0, pad=16)
        ax.set_yticks([])
        ax.set_ylim(-0.12, 1.12)
        ax.set_xlim(-0.3, n_axes - 1 + 0.6)
        for side in ("left", "bottom", "top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_ylabel("better →", color="#444444")
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3,
                  frameon=False)
        ax.set_title(title)
    return fig


def accuracy_figure(metrics: pd.DataFrame, *, baseline: str = "gradient boosting",
                    ax: Axes | None = None) -> Figure:
    """Held-out R² per outcome, the surrogate next to a baseline.

    Args:
        metrics: One row per outcome (index: outcome name) with columns ``r2`` and,
            when known, ``baseline_r2``.
        baseline: Name of the baseline model, for the legend.
        ax: Draw into this axes instead of a new figure.
    """
    names = [str(n) for n in metrics.index]
    r2 = metrics["r2"].to_numpy(float)
    base = (metrics["baseline_r2"].to_numpy(float) if "baseline_r2" in metrics
            else np.full(len(names), np.nan))
    with report_style():
        fig, ax = _new_axes(ax, (max(5.0, 1.3 * len(names) + 2.5), 3.6))
        x = np.arange(len(names))
        ax.bar(x - 0.2, r2, 0.38, color=BLUE, label="surrogate (MLP ensemble)")
        if np.isfinite(base).any():
            ax.bar(x + 0.2, np.nan_to_num(base), 0.38, color=ORANGE,
                   label=f"baseline ({baseline})")
        for xi, v in zip(x, r2, strict=True):
            if np.isfinite(v):
                ax.text(xi - 0.2, max(v, 0) + 0.01, f"{v:.2f}", ha="center", va="bottom",
                        fontsize=8.5)
        ax.axhline(0.5, color=GREY, linestyle=":", linewidth=1)
        ax.set_xticks(x, names, rotation=20, ha="right")
        lowest = np.nanmin(np.concatenate([r2, base, [0.0]]))
        ax.set_ylim(min(0.0, lowest - 0.05), 1.08)
        ax.set_ylabel("R² on held-out rows [–]")
        ax.set_title("Model accuracy (dotted: R² = 0.5)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def calibration_figure(coverage: Mapping[str, float], *, nominal: float = 0.95,
                       curves: Mapping[str, tuple[Sequence[float], Sequence[float]]]
                       | None = None, ax: Axes | None = None) -> Figure:
    """How honest the uncertainty is.

    With ``curves`` (outcome -> (nominal levels, observed coverage)) a reliability
    diagram; otherwise the observed coverage of the nominal interval per outcome.

    Args:
        coverage: Outcome -> share of held-out rows inside the nominal interval [0, 1].
        nominal: The interval's nominal level (0.95 for mean ± 1.96·std).
        curves: Optional reliability curves per outcome.
        ax: Draw into this axes instead of a new figure.
    """
    with report_style():
        if curves:
            fig, ax = _new_axes(ax, (4.6, 4.2))
            ax.plot([0, 1], [0, 1], color=GREY, linestyle="--", linewidth=1,
                    label="perfectly calibrated")
            for (name, (lv, obs)), colour in zip(curves.items(), PALETTE, strict=False):
                ax.plot(lv, obs, marker="o", markersize=3.5, color=colour, label=name)
            ax.set_xlabel("nominal coverage [–]")
            ax.set_ylabel("observed coverage [–]")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_title("Calibration of the uncertainty")
            ax.legend(loc="upper left")
            return fig
        names = list(coverage)
        vals = np.array([np.nan if coverage[n] is None else coverage[n] for n in names],
                        dtype=float)
        fig, ax = _new_axes(ax, (max(5.0, 1.2 * len(names) + 2.5), 3.6))
        x = np.arange(len(names))
        colours = [GREEN if abs(v - nominal) <= 0.05 else VERMILLION if v < nominal - 0.05
                   else ORANGE for v in np.nan_to_num(vals)]
        ax.bar(x, np.nan_to_num(vals), 0.6, color=colours)
        ax.axhline(nominal, color=BLACK, linestyle="--", linewidth=1.2,
                   label=f"nominal {nominal:.0%}")
        for xi, v in zip(x, vals, strict=True):
            if np.isfinite(v):
                ax.text(float(xi), v / 2, f"{v:.0%}", ha="center", va="center", fontsize=9,
                        color="white", fontweight="bold")
        ax.set_xticks(x, names, rotation=20, ha="right")
        ax.set_ylim(0, 1.1)
        ax.set_ylabel(f"held-out rows inside the {nominal:.0%} interval [–]")
        ax.set_title("Calibration of the uncertainty")
        ax.legend(handles=[*ax.get_legend_handles_labels()[0],
                           Patch(color=GREEN, label="calibrated"),
                           Patch(color=VERMILLION, label="too narrow"),
                           Patch(color=ORANGE, label="too wide")], loc="upper left",
                  bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def sensitivity_figure(table: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Heat map of sensitivities: features (rows) by outcomes (columns).

    Args:
        table: Sensitivity of each outcome (column) to each feature (index), any scale;
            each column is shown relative to its largest absolute value.
        ax: Draw into this axes instead of a new figure.
    """
    data = table.to_numpy(float)
    peak = np.nanmax(np.abs(data), axis=0, initial=0.0)
    rel = data / np.where(peak > 0, peak, 1.0)
    with report_style():
        fig, ax = _new_axes(ax, (max(5.0, 1.3 * data.shape[1] + 3.0),
                                 max(3.0, 0.42 * data.shape[0] + 1.6)))
        image = ax.imshow(rel, cmap="PuOr_r", vmin=-1, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(data):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8,
                        color="white" if abs(rel[i, j]) > 0.6 else "black")
        ax.set_xticks(range(data.shape[1]), [str(c) for c in table.columns], rotation=20,
                      ha="right")
        ax.set_yticks(range(data.shape[0]), [str(i) for i in table.index])
        fig.colorbar(image, ax=ax, label="relative sensitivity [–]", shrink=0.85)
        ax.set_title("Sensitivity of each outcome to each input")
    return fig


def partial_dependence_figure(
    curves: Mapping[str, Mapping[str, Any]],
    units: Mapping[str, str] | None = None,
) -> Figure:
    """Partial-dependence curves: one row per outcome, one column per input.

    Args:
        curves: ``{input: {"grid": [...], "mean": {outcome: [...]}, "std": {...}}}`` as the
            model card's ``partial_dependence``.
        units: Unit of each input and outcome, for the axis labels.
    """
    units = units or {}
    inputs = list(curves)
    outcomes = list(next(iter(curves.values()))["mean"]) if inputs else []
    with report_style():
        fig, axes = plt.subplots(len(outcomes), len(inputs), squeeze=False, sharey="row",
                                 figsize=(2.3 * len(inputs) + 0.8, 1.9 * len(outcomes) + 0.6),
                                 layout="constrained")
        for i, name in enumerate(inputs):
            grid = np.asarray(curves[name]["grid"], dtype=float)
            for j, outcome in enumerate(outcomes):
                ax = axes[j, i]
                mean = np.asarray(curves[name]["mean"][outcome], dtype=float)
                std = np.asarray(curves[name].get("std", {}).get(outcome, np.zeros_like(mean)),
                                 dtype=float)
                ax.fill_between(grid, mean - std, mean + std, color=SKY, alpha=0.35,
                                linewidth=0)
                ax.plot(grid, mean, color=BLUE, linewidth=1.6)
                ax.grid(True, alpha=0.3)
                if j == len(outcomes) - 1:
                    ax.set_xlabel(axis_label(name, units.get(name, "")))
                if i == 0:
                    ax.set_ylabel(axis_label(outcome, units.get(outcome, "")))
        fig.suptitle("Partial dependence on held-out batches (band: ± mean predicted std)")
    return fig


def convergence_figure(hypervolume: Sequence[float], *, ax: Axes | None = None) -> Figure:
    """The front's hypervolume per NSGA-II generation.

    Args:
        hypervolume: One value per generation (normalised objective space, [–]).
        ax: Draw into this axes instead of a new figure.
    """
    with report_style():
        fig, ax = _new_axes(ax, (5.6, 3.0))
        gens = np.arange(1, len(hypervolume) + 1)
        ax.plot(gens, hypervolume, color=BLUE, linewidth=1.8)
        ax.set_xlabel("generation [–]")
        ax.set_ylabel("hypervolume [–]")
        ax.set_title("Search convergence")
        ax.grid(True, alpha=0.3)
    return fig


def _time_axis(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, str, bool]:
    """Start/end as floats for plotting, the axis label and whether they are dates."""
    start, end = frame["start"], frame["end"]
    if pd.api.types.is_numeric_dtype(start) and pd.api.types.is_numeric_dtype(end):
        return start.to_numpy(float), end.to_numpy(float), "time from plan start [h]", False
    s = pd.to_datetime(start)
    e = pd.to_datetime(end)
    import matplotlib.dates as mdates

    return (np.asarray(mdates.date2num(s.to_numpy())),
            np.asarray(mdates.date2num(e.to_numpy())), "time [date]", True)


def gantt_figure(plan: pd.DataFrame, *, colour_by: str = "product", title: str = "Plan",
                 ax: Axes | None = None) -> Figure:
    """Gantt chart of one plan: a bar per step on each machine.

    Args:
        plan: Rows of ``plans.csv`` for one plan, with ``machine``, ``start``, ``end``
            (hours from plan start, or timestamps) and optionally ``colour_by``,
            ``order`` and ``batch``.
        colour_by: Column that picks the colour (falls back to ``recipe_id``, ``order``).
        title: Figure title.
        ax: Draw into this axes instead of a new figure.
    """
    key = next((c for c in (colour_by, "recipe_id", "order") if c in plan), None)
    machines = sorted(plan["machine"].astype(str).unique())
    start, end, xlabel, dates = _time_axis(plan)
    groups = sorted(plan[key].astype(str).unique()) if key else ["step"]
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    with report_style():
        fig, ax = _new_axes(ax, (10.0, max(2.6, 0.55 * len(machines) + 1.6)))
        row = {m: i for i, m in enumerate(machines)}
        min_label = 0.04 * (np.nanmax(end) - np.nanmin(start)) if len(plan) else 0.0
        for k, rec in enumerate(plan.itertuples(index=False)):
            d = rec._asdict()
            group = str(d[key]) if key else "step"
            y = row[str(d["machine"])]
            ax.barh(y, end[k] - start[k], left=start[k], height=0.62,
                    color=colours[group], edgecolor="white", linewidth=0.6)
            if "order" in d and end[k] - start[k] > min_label:
                ax.text((start[k] + end[k]) / 2, y, str(d["order"]), ha="center",
                        va="center", fontsize=7.5, color="white", clip_on=True)
        ax.set_yticks(range(len(machines)), machines)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.set_ylabel("machine")
        if dates:
            ax.xaxis_date()
            fig.autofmt_xdate()
        ax.grid(True, axis="x", alpha=0.3)
        handles = [Patch(color=colours[g], label=g) for g in groups[:12]]
        ax.legend(handles=handles, title=key, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  frameon=False)
        ax.set_title(title)
    return fig


def energy_figure(plan: pd.DataFrame, *, tariff: pd.DataFrame | None = None,
                  currency: str = "currency", title: str = "Energy over time",
                  ax: Axes | None = None) -> Figure:
    """Power drawn by one plan over time (each step's energy spread evenly over it),
    against the tariff when known.

    Args:
        plan: Rows of ``plans.csv`` for one plan with ``start``, ``end`` and
            ``energy_kwh``.
        tariff: Optional price steps with ``start``, ``end`` (same time axis as the plan)
            and ``price`` [currency/kWh].
        currency: The tariff's currency, for the price axis label.
        title: Figure title.
        ax: Draw into this axes instead of a new figure.
    """
    start, end, xlabel, dates = _time_axis(plan)
    energy = plan["energy_kwh"].to_numpy(float)
    scale = 24.0 if dates else 1.0  # matplotlib dates count days; power is per hour
    edges = np.unique(np.concatenate([start, end]))
    power = np.zeros(max(len(edges) - 1, 0))
    for s, e, q in zip(start, end, energy, strict=True):
        if e <= s or not np.isfinite(q):
            continue
        inside = (edges[:-1] >= s) & (edges[1:] <= e)
        power[inside] += q / ((e - s) * scale)
    with report_style():
        fig, ax = _new_axes(ax, (10.0, 3.2))
        if len(power):
            ax.stairs(power, edges, fill=True, color=SKY, alpha=0.8, label="power drawn")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("power [kW]")
        if dates:
            ax.xaxis_date()
            fig.autofmt_xdate()
        handles, _ = ax.get_legend_handles_labels()
        if tariff is not None and len(tariff):
            t_start, t_end, _, _ = _time_axis(tariff)
            twin = ax.twinx()
            prices = tariff["price"].to_numpy(float)
            order = np.argsort(t_start)
            edges = np.append(t_start[order], t_end[order][-1])
            twin.stairs(prices[order], edges, color=VERMILLION, linewidth=1.8, label="tariff",
                        baseline=None)
            twin.set_ylim(0, max(float(np.nanmax(prices)) * 1.15, 1e-9))
            twin.set_ylabel(f"energy price [{currency}/kWh]")
            twin.spines["right"].set_visible(True)
            handles += twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper right")
        ax.grid(True, alpha=0.3)
        ax.set_title(title)
    return fig
