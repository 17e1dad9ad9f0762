"""Plan figures: a Gantt chart and power drawn over time against the tariff.

Both take rows of ``plans.csv`` (one plan, or pick one with ``plan=``) and, optionally,
the instance for unavailable windows, the tariff and the power cap. They build
``matplotlib.figure.Figure`` objects directly (no pyplot state), so they work headless.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from optimizer.scheduling.data import ScheduleData

__all__ = ["energy_figure", "gantt_figure"]

# Okabe-Ito, colour-blind safe
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
_GREY = "#9a9a9a"


def _one_plan(plans: pd.DataFrame, plan: Hashable | None) -> tuple[pd.DataFrame, Hashable]:
    if "plan" not in plans or plans.empty:
        return plans, plan if plan is not None else ""
    chosen = plans["plan"].iloc[0] if plan is None else plan
    rows = plans[plans["plan"].astype(str) == str(chosen)]
    if rows.empty:
        raise ValueError(f"no plan {chosen!r}; plans: {sorted(plans['plan'].unique())}")
    return rows, chosen


def _axis_times(values: pd.Series) -> tuple[np.ndarray, bool]:
    """Times as matplotlib date numbers (days) or plain numbers (instance units)."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(float), False
    stamps = pd.to_datetime(values)
    return mdates.date2num(stamps.dt.to_pydatetime()), True


def _unit_axis(data: ScheduleData | None, units: np.ndarray, dates: bool) -> np.ndarray:
    if not dates or data is None or data.start is None:
        return units
    base = mdates.date2num(data.start)
    return base + units * data.time_unit_min / 1440.0


def gantt_figure(plans: pd.DataFrame, data: ScheduleData | None = None, *,
                 plan: Hashable | None = None, title: str | None = None,
                 colors: Mapping[str, str] | None = None, ax: Axes | None = None) -> Figure:
    """Gantt chart of one plan: machines as rows, a bar per step coloured by product,
    changeovers hatched in grey before the step that needs them, unavailable windows
    shaded.

    Args:
        plans: Rows of ``plans.csv`` (columns ``plan, machine, start, end, product`` and
            optionally ``changeover_h``, ``recipe_id``).
        data: The instance, to draw unavailable windows and keep its machine order.
        plan: Which plan (default: the first in ``plans``).
        title: Figure title (default: ``"Plan <id>"``).
        colors: Colour per product (matplotlib colour names); others from a
            colour-blind-safe palette.
        ax: Draw into this axes instead of a new figure.
    """
    rows, chosen = _one_plan(plans, plan)
    machines = ([m.name for m in data.machines] if data is not None
                else sorted(rows["machine"].astype(str).unique()))
    y = {m: i for i, m in enumerate(machines)}
    start, dates = _axis_times(rows["start"])
    end, _ = _axis_times(rows["end"])
    per_hour = 1 / 24.0 if dates else (
        60.0 / data.time_unit_min if data is not None else 1.0)
    key = "product" if "product" in rows else "order"
    groups = list(dict.fromkeys(data.products)) if (data is not None and key == "product") \
        else sorted(rows[key].astype(str).unique())
    colour = {g: (colors or {}).get(g) or PALETTE[i % len(PALETTE)]
              for i, g in enumerate(groups)}
    if ax is None:
        fig = Figure(figsize=(11.0, max(2.8, 0.6 * len(machines) + 1.8)),
                     layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure  # type: ignore[assignment]
    if data is not None:
        for m, machine in enumerate(data.machines):
            for brk in machine.breaks:
                a, b = _unit_axis(data, np.array([brk.start, brk.end], float), dates)
                ax.barh(m, b - a, left=a, height=0.9, color="#eeeeee", edgecolor="none",
                        zorder=0)
    changeover = rows["changeover_h"].to_numpy(float) if "changeover_h" in rows \
        else np.zeros(len(rows))
    for k, rec in enumerate(rows.itertuples(index=False)):
        r = rec._asdict()
        row = y.get(str(r["machine"]))
        if row is None:
            continue
        ax.barh(row, end[k] - start[k], left=start[k], height=0.6,
                color=colour.get(str(r[key]), _GREY), edgecolor="white", linewidth=0.5,
                zorder=2)
        if changeover[k] > 0:
            width = changeover[k] * per_hour
            ax.barh(row, width, left=start[k] - width, height=0.6, color="white",
                    edgecolor=_GREY, hatch="////", linewidth=0.5, zorder=1)
    ax.set_yticks(range(len(machines)), machines)
    ax.set_ylim(len(machines) - 0.5, -0.5)
    ax.set_ylabel("machine")
    if dates:
        ax.xaxis_date()
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %H:%M"))
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    else:
        ax.set_xlabel("time [instance units]")
    ax.grid(True, axis="x", alpha=0.3)
    handles = [Patch(color=colour[g], label=g) for g in groups[:12]]
    handles.append(Patch(facecolor="white", edgecolor=_GREY, hatch="////",
                         label="changeover"))
    if data is not None and any(m.breaks for m in data.machines):
        handles.append(Patch(color="#eeeeee", label="unavailable"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(title or f"Plan {chosen}")
    return fig


def energy_figure(plans: pd.DataFrame, data: ScheduleData | None = None, *,
                  plan: Hashable | None = None, title: str | None = None,
                  ax: Axes | None = None) -> Figure:
    """Total power drawn by one plan over time, with the tariff and the power cap.

    Each step draws ``power_kw`` (its energy spread evenly over its duration).

    Args:
        plans: Rows of ``plans.csv`` with ``start``, ``end`` and ``power_kw`` (or
            ``energy_kwh`` and ``duration_h``).
        data: The instance, for the tariff and the power cap.
        plan: Which plan (default: the first in ``plans``).
        title: Figure title.
        ax: Draw into this axes instead of a new figure.
    """
    rows, chosen = _one_plan(plans, plan)
    start, dates = _axis_times(rows["start"])
    end, _ = _axis_times(rows["end"])
    if "power_kw" in rows:
        power = rows["power_kw"].to_numpy(float)
    else:
        hours = rows["duration_h"].to_numpy(float)
        power = np.divide(rows["energy_kwh"].to_numpy(float), hours,
                          out=np.zeros(len(rows)), where=hours > 0)
    edges = np.unique(np.concatenate([start, end]))
    load = np.zeros(max(len(edges) - 1, 0))
    for s, e, p in zip(start, end, power, strict=True):
        if e > s and np.isfinite(p):
            load[(edges[:-1] >= s) & (edges[1:] <= e)] += p
    if ax is None:
        fig = Figure(figsize=(11.0, 3.6), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure  # type: ignore[assignment]
    if len(load):
        ax.stairs(load, edges, fill=True, color="#56B4E9", alpha=0.85, label="power drawn")
    handles, _ = ax.get_legend_handles_labels()
    if data is not None and data.power_cap_kw is not None:
        handles.append(ax.axhline(data.power_cap_kw, color="#D55E00", linestyle="--",
                                  linewidth=1.2, label="power cap"))
    ax.set_ylabel("power [kW]")
    ax.set_ylim(bottom=0)
    if data is not None and data.has_tariff:
        twin = ax.twinx()
        bounds = sorted({0, data.horizon, *[s.start for s in data.tariff],
                         *[s.end for s in data.tariff]})
        bounds = [b for b in bounds if 0 <= b <= data.horizon]
        prices = [data.price_at(0.5 * (a + b)) for a, b in itertools.pairwise(bounds)]
        x = _unit_axis(data, np.array(bounds, float), dates)
        twin.stairs(prices, x, color="#000000", linewidth=1.2, label="tariff")
        twin.set_ylabel(f"energy price [{data.currency}/kWh]")
        twin.set_ylim(bottom=0)
        handles += twin.get_legend_handles_labels()[0]
    if dates:
        ax.xaxis_date()
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %H:%M"))
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    else:
        ax.set_xlabel("time [instance units]")
    ax.grid(True, alpha=0.3)
    ax.legend(handles=handles, loc="upper right", frameon=False)
    ax.set_title(title or f"Plan {chosen}: power drawn against the tariff")
    return fig
