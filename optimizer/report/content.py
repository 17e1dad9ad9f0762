"""What the report says, independent of its format: facts, tables and figures.

The HTML, PDF and workbook writers all render these, so the three never disagree.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from optimizer.report import figures as rf
from optimizer.report.rundata import Run
from optimizer.runfolder import RunFolder

__all__ = [
    "MAX_PLAN_FIGURES",
    "ReportFigure",
    "data_quality_facts",
    "expand_tariff",
    "fmt",
    "fmt_pm",
    "make_figures",
    "metrics_table",
    "objective_table",
    "plan_kpis",
    "recipe_table",
    "scenario_facts",
    "setpoint_table",
]

#: Plans drawn as Gantt and energy figures (the first ones of ``plan_summary.csv``).
MAX_PLAN_FIGURES = 4


@dataclass(frozen=True)
class ReportFigure:
    """A PNG of the run folder shown in the report.

    Attributes:
        section: The report section it belongs to (``"front"``, ``"model"``, ``"plans"``,
            ``"search"``).
        title: Heading shown above it.
        caption: One sentence on how to read it.
        path: The PNG under ``figures/``.
    """

    section: str
    title: str
    caption: str
    path: Path


def fmt(value: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits; text as is; ``–`` for missing."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}".replace(",", " ") if abs(int(value)) >= 10_000 else str(value)
    if isinstance(value, float | np.floating):
        if not math.isfinite(float(value)):
            return "–"
        return f"{float(value):.{digits}g}"
    return str(value)


def fmt_pm(mean: float, std: float | None) -> str:
    """``mean ± std`` with the mean rounded to the uncertainty's second significant digit."""
    if std is None or not math.isfinite(std) or std <= 0:
        return fmt(mean)
    if not math.isfinite(mean):
        return "–"
    decimals = min(6, max(0, 1 - math.floor(math.log10(std))))
    return f"{mean:.{decimals}f} ± {std:.{decimals}f}"


def scenario_facts(run: Run) -> list[tuple[str, str]]:
    """Key facts of the run: scenario, logs, line, rows, recipes, search, timings."""
    sc, s = run.scenario, run.summary
    logs = sc.get("logs") or {}
    facts = [("scenario", run.name)]
    if run.run_info.get("scenario_file"):
        facts.append(("scenario file", str(run.run_info["scenario_file"])))
    facts.append(("logs", str(logs.get("path", "–"))))
    if logs.get("line") is not None:
        facts.append(("line planned", f"{logs.get('line')} (column {logs.get('line_column')})"))
    ctx = sc.get("context") or {}
    if ctx:
        facts.append(("planned at", ", ".join(
            f"{k} = {fmt(v.get('value'))} {v.get('unit', '')}".strip() for k, v in ctx.items())))
    facts.append(("seed", fmt(run.run_info.get("seed", sc.get("seed")))))
    for key, label in (("rows_used", "log rows used"), ("n_recipes", "Pareto recipes"),
                       ("feasible", "feasible"), ("generations", "generations"),
                       ("evaluations", "model evaluations"), ("stopped_by", "search stopped by"),
                       ("seeded_from_logs", "start points from logs")):
        if key in s:
            facts.append((label, fmt(s[key])))
    timings = run.run_info.get("timings") or {}
    if timings:
        facts.append(("time [s]", ", ".join(f"{k} {fmt(v, 3)}" for k, v in timings.items())))
    if run.run_info.get("data_hash"):
        facts.append(("data hash", str(run.run_info["data_hash"])[:16]))
    return facts


def setpoint_table(run: Run) -> pd.DataFrame:
    """Setpoints: unit, type, search bounds, current practice, recommended value(s)."""
    rec = run.recommended()
    practice = run.current_practice or {}
    rows = []
    for name, spec in (run.scenario.get("setpoints") or {}).items():
        row = {"setpoint": name, "unit": spec.get("unit", ""),
               "type": spec.get("type", "continuous"),
               "lower": fmt(spec.get("lower")), "upper": fmt(spec.get("upper")),
               "current practice": fmt(practice.get(name))}
        for _, r in rec.iterrows():
            row[f"{r['recipe_id']} (recommended)"] = fmt(r.get(name))
        rows.append(row)
    return pd.DataFrame(rows)


def objective_table(run: Run) -> pd.DataFrame:
    """Objectives and constraints: kind, name, sense or bounds, expression, unit."""
    rows = []
    for obj in run.scenario.get("objectives") or []:
        rows.append({"kind": "objective", "name": obj.get("name"),
                     "goal": obj.get("sense", ""),
                     "expression": obj.get("expression") or obj.get("name"),
                     "unit": obj.get("unit", "")})
    for j, con in enumerate(run.scenario.get("constraints") or []):
        lo, hi = con.get("lower"), con.get("upper")
        goal = " and ".join(p for p in (f"≥ {fmt(lo)}" if lo is not None else "",
                                        f"≤ {fmt(hi)}" if hi is not None else "") if p)
        rows.append({"kind": "constraint", "name": con.get("name") or f"constraint_{j + 1}",
                     "goal": goal, "expression": con.get("expression"),
                     "unit": run.unit(str(con.get("expression")))})
    return pd.DataFrame(rows, columns=["kind", "name", "goal", "expression", "unit"])


def data_quality_facts(run: Run) -> list[tuple[str, str]]:
    """Rows read, kept and dropped (by reason), and other scalar entries of the report."""
    facts: list[tuple[str, str]] = []
    counts = run.row_counts
    if "read" in counts:
        facts.append(("rows read", fmt(counts["read"])))
    if "kept" in counts:
        share = (f" ({counts['kept'] / counts['read']:.1%})" if counts.get("read") else "")
        facts.append(("rows kept", fmt(counts["kept"]) + share))
    for reason, n in run.dropped_rows.items():
        facts.append((f"dropped: {reason.replace('_', ' ')}", fmt(n)))
    dq = run.data_quality
    span = dq.get("time_span")
    if isinstance(span, list) and len(span) == 2:
        facts.append(("time span of kept rows", f"{span[0]} to {span[1]}"))
    by_line = dq.get("rows_by_line")
    if isinstance(by_line, dict) and len(by_line) > 1:
        facts.append(("rows kept per line", ", ".join(
            f"{k} {v.get('kept', '?')}/{v.get('read', '?')}" for k, v in by_line.items()
            if isinstance(v, dict))))
    skip = {"rows_read", "rows_kept", "rows_dropped", "dropped", "columns", "warnings",
            "drift", "stuck", "training_ranges", "rows", "dropped_by_reason", "time_span",
            "rows_by_line"}
    if not dq.get("trial_rows"):  # no trial marker, or no trial rows: nothing to say
        skip |= {"trial_column", "trial_rows", "trial_rows_kept"}
    for key, value in dq.items():
        if key not in skip and value is not None and not isinstance(value, dict | list):
            text = fmt(value)
            facts.append((key.replace("_", " "), text[:16] if key == "sha256" else text))
    return facts


def metrics_table(run: Run) -> pd.DataFrame:
    """Held-out accuracy per outcome (formatted): R², MAE, RMSE, baseline, coverage."""
    m = run.model_metrics
    if m.empty:
        return pd.DataFrame()
    base = run.baseline_name
    level = run.coverage_level
    cov_key = "coverage_90" if level == 0.9 else "coverage_95"
    cols = [("r2", "R²"), ("mae", "MAE"), ("rmse", "RMSE"), ("baseline_r2", f"{base} R²"),
            ("baseline_mae", f"{base} MAE"), ("ridge_r2", "ridge R²"),
            (cov_key, f"{level:.0%} interval coverage"),
            ("mean_std", "mean std"), ("train_r2", "train R²")]
    out = pd.DataFrame(index=m.index)
    out.insert(0, "unit", [run.unit(str(n)) for n in m.index])
    for key, label in cols:
        if key in m:
            vals = m[key]
            out[label] = [f"{v:.0%}" if key == cov_key and pd.notna(v) else fmt(v, 3)
                          for v in vals]
    return out.reset_index()


def recipe_table(run: Run) -> pd.DataFrame:
    """The recipe table as shown: id, flags, setpoints, outcomes ``mean ± std``, other
    objectives, support; current practice first when known. Headers carry units."""
    p = run.pareto
    flags = []
    for _, r in p.iterrows():
        marks = []
        if r.get("recommended") is True or r.get("recommended") == 1:
            marks.append("★ recommended")
        for flag, text in (("knee", "knee"), ("preferred", "preferred"),
                           ("beats_practice", "beats practice")):
            if bool(r.get(flag, False)):
                marks.append(text)
        if "feasible" in p and not bool(r.get("feasible", True)):
            marks.append("INFEASIBLE")
        flags.append(", ".join(marks))
    table: dict[str, list[str]] = {"recipe": p["recipe_id"].astype(str).tolist(),
                                   "flags": flags}
    for name in run.setpoint_names:
        if name in p:
            table[run.label(name)] = [fmt(v) for v in p[name]]
    for name in run.outcome_names:
        if name in p:
            std = p[f"{name}_std"] if f"{name}_std" in p else [None] * len(p)
            table[run.label(name)] = [fmt_pm(float(m), None if s is None else float(s))
                                      for m, s in zip(p[name], std, strict=True)]
    for obj in run.objectives:
        if not obj.is_outcome and obj.column in p:
            table[f"objective {run.label(obj.name)}"] = [fmt(v) for v in p[obj.column]]
    if "support_distance" in p:
        table["support [σ]"] = [fmt(v, 2) for v in p["support_distance"]]
    frame = pd.DataFrame(table)
    practice = run.current_practice
    if practice:
        row = {c: "" for c in frame.columns}
        row.update({"recipe": "current practice", "flags": "today"})
        for name, value in practice.items():
            row[run.label(name)] = fmt(value)
        for obj in run.objectives:
            if run.practice_objectives and obj.name in run.practice_objectives:
                key = run.label(obj.name) if obj.is_outcome else (
                    f"objective {run.label(obj.name)}")
                row[key] = fmt(run.practice_objectives[obj.name])
        frame = pd.concat([pd.DataFrame([row]), frame], ignore_index=True)
    return frame


#: ``plan_summary.csv`` columns left out of the KPI table (kept in the workbook).
_SOLVER_DETAIL = ("primary", "bound", "epsilon", "objectives")


def plan_kpis(run: Run) -> pd.DataFrame:
    """``plan_summary.csv`` without solver details, numbers formatted (empty without
    plans)."""
    if run.plan_summary is None:
        return pd.DataFrame()
    out = run.plan_summary.drop(columns=[c for c in _SOLVER_DETAIL
                                         if c in run.plan_summary.columns])
    for col in out.columns:
        out[col] = [fmt(v) for v in out[col]]
    return out


# --------------------------------------------------------------------------- figures


def _write(folder: RunFolder, name: str, make: Callable[[], Figure]) -> Path:
    return folder.write_figure(name, make(), dpi=110)


def make_figures(run: Run) -> list[ReportFigure]:
    """Write the report's figures under ``figures/`` (keeping those the pipeline wrote)
    and describe them.

    Returns:
        The figures in report order.
    """
    folder = RunFolder(run.path)
    out: list[ReportFigure] = []
    p = run.pareto
    if len(p) and run.objectives:
        front = folder.file("figures/pareto_front.png")
        if not front.exists():
            _write(folder, "pareto_front.png", run.plot_front)
        out.append(ReportFigure(
            "front", "Pareto front, pairwise",
            "Each dot is a Pareto-optimal recipe as predicted by the surrogate; grey dots"
            " (when shown) are logged batches; stars are the recommended recipes. Arrows in"
            " the axis labels point to the better direction.", front))
        if len(run.objectives) >= 2:
            out.append(ReportFigure(
                "front", "Parallel coordinates of the objectives",
                "One line per recipe; every axis is oriented so that better is up. The thick"
                " vermillion line is the recommended recipe; the dashed black line is current"
                " practice, where its predicted objectives are known.",
                _write(folder, "parallel_coordinates.png", run.plot_parallel)))
    metrics = run.model_metrics
    if not metrics.empty and "r2" in metrics:
        out.append(ReportFigure(
            "model", "Accuracy on held-out batches",
            f"R² of the surrogate (ensemble mean) next to a {run.baseline_name} baseline"
            " trained on the same rows, on the most recent batches, which neither model saw"
            " during training.",
            _write(folder, "model_accuracy.png",
                   lambda: rf.accuracy_figure(metrics, baseline=run.baseline_name))))
    curves, cov = run.calibration_curves, run.coverage
    if curves or any(v is not None for v in cov.values()):
        out.append(ReportFigure(
            "model", "Calibration of the uncertainty",
            "How often held-out batches fall inside the predicted band; close to nominal"
            " means the ± values in the recipe table can be trusted.",
            _write(folder, "model_calibration.png",
                   lambda: rf.calibration_figure(
                       {k: v for k, v in cov.items() if v is not None},
                       nominal=run.coverage_level, curves=curves))))
    sens = run.sensitivities
    if sens is not None:
        out.append(ReportFigure(
            "model", "Sensitivities",
            "How much each setpoint moves each outcome: the change of the prediction, in the"
            " outcome's units, when the setpoint goes from its 5th to its 95th logged"
            " percentile with the other inputs as in held-out batches (partial dependence)."
            " Colours are scaled per outcome; check the signs against process knowledge.",
            _write(folder, "model_sensitivity.png", lambda: rf.sensitivity_figure(sens))))
    pdp = run.partial_dependence
    if pdp is not None:
        units = {name: run.unit(name) for name in pdp}
        for curve in pdp.values():
            units.update({o: run.unit(o) for o in curve["mean"]})
        out.append(ReportFigure(
            "model", "Partial dependence",
            "The curves behind the sensitivities: the mean prediction over held-out batches"
            " as one setpoint moves across its logged range.",
            _write(folder, "model_partial_dependence.png",
                   lambda: rf.partial_dependence_figure(pdp, units))))
    hv = (run.run_info.get("convergence") or {}).get("hypervolume_per_generation") or []
    if len(hv) > 1:
        out.append(ReportFigure(
            "search", "Search convergence",
            "Hypervolume of the front per NSGA-II generation; a flat tail means the search"
            " converged.",
            _write(folder, "convergence.png",
                   lambda: rf.convergence_figure([float(v) for v in hv]))))
    out.extend(_plan_figures(run, folder))
    return out


def _plan_figures(run: Run, folder: RunFolder) -> list[ReportFigure]:
    if run.plans is None:
        return []
    out = []
    tariff = _tariff(run)
    sched = run.scenario.get("scheduling") or {}
    currency = str(((sched.get("tariff") or {}) if isinstance(sched, dict) else {}).get(
        "currency") or "currency")
    for k, plan_id in enumerate(run.plan_ids()[:MAX_PLAN_FIGURES]):
        steps = run.plan(plan_id)
        key = str(plan_id)
        gantt = folder.file(f"figures/gantt_plan_{key}.png")
        if not gantt.exists():
            _write(folder, f"gantt_plan_{key}.png",
                   partial(rf.gantt_figure, steps, title=f"Plan {plan_id}"))
        out.append(ReportFigure(
            "plans", f"Plan {plan_id}: schedule",
            "One bar per batch step on each machine, coloured by product." if k == 0 else "",
            gantt))
        energy = folder.file(f"figures/energy_plan_{key}.png")
        if not energy.exists() and "energy_kwh" in steps:
            title = f"Plan {plan_id}: power drawn" + (
                " against the tariff" if tariff is not None else "")
            _write(folder, f"energy_plan_{key}.png",
                   partial(rf.energy_figure, steps, tariff=tariff, currency=currency,
                           title=title))
        if energy.exists():
            out.append(ReportFigure(
                "plans", f"Plan {plan_id}: energy over time",
                "Power drawn by the plan (each step's energy spread over its duration)"
                + (" against the energy price." if tariff is not None else ".") if k == 0
                else "", energy))
    return out


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(text: object) -> pd.Timedelta:
    """``"HH:MM"`` or ``"HH:MM:SS"`` as a time since midnight."""
    parts = [int(float(x)) for x in str(text).split(":")]
    return pd.Timedelta(hours=parts[0], minutes=parts[1] if len(parts) > 1 else 0,
                        seconds=parts[2] if len(parts) > 2 else 0)


def expand_tariff(tariff: dict[str, Any], start: pd.Timestamp, end: pd.Timestamp
                  ) -> pd.DataFrame:
    """Price steps between ``start`` and ``end`` from a recurring time-of-day tariff.

    Args:
        tariff: The scenario's ``scheduling.tariff``: ``default_price`` [currency/kWh] and
            ``periods`` of ``start``/``end`` (``"HH:MM[:SS]"``; an ``end`` at or before
            ``start`` runs into the next day), ``price`` and ``days`` (``"mon"``...).
        start: First instant to cover.
        end: Last instant to cover.

    Returns:
        Columns ``start``, ``end`` (timestamps) and ``price``, contiguous, in time order;
        where periods overlap, the first listed wins.
    """
    default = float(tariff.get("default_price") or 0.0)
    windows: list[tuple[pd.Timestamp, pd.Timestamp, float]] = []
    day = start.normalize() - pd.Timedelta(days=1)
    while day <= end:
        for period in tariff.get("periods") or []:
            days = period.get("days") or _WEEKDAYS
            if _WEEKDAYS[day.weekday()] not in days:
                continue
            w0 = day + _clock(period["start"])
            w1 = day + _clock(period["end"])
            if w1 <= w0:
                w1 += pd.Timedelta(days=1)
            windows.append((w0, w1, float(period["price"])))
        day += pd.Timedelta(days=1)
    cuts = sorted({start, end, *(w for w0, w1, _ in windows for w in (w0, w1)
                                 if start < w < end)})
    rows: list[dict[str, Any]] = []
    for a, b in itertools.pairwise(cuts):
        mid = a + (b - a) / 2
        price = next((pr for w0, w1, pr in windows if w0 <= mid < w1), default)
        if rows and rows[-1]["price"] == price:
            rows[-1]["end"] = b
        else:
            rows.append({"start": a, "end": b, "price": price})
    return pd.DataFrame(rows, columns=["start", "end", "price"])


def _tariff(run: Run) -> pd.DataFrame | None:
    """The energy price over the plans' time span, when the scenario has a tariff and the
    plans carry date-times."""
    sched = run.scenario.get("scheduling") or {}
    tariff = sched.get("tariff") if isinstance(sched, dict) else None
    if not isinstance(tariff, dict) or run.plans is None or run.plans.empty:
        return None
    if pd.api.types.is_numeric_dtype(run.plans["start"]):
        return None
    try:
        starts = pd.to_datetime(run.plans["start"])
        ends = pd.to_datetime(run.plans["end"])
    except (ValueError, TypeError):
        return None
    return expand_tariff(tariff, starts.min(), ends.max())
