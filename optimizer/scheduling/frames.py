"""``plans.csv`` and ``plan_summary.csv`` (CONTRACT.md) as DataFrames."""

from __future__ import annotations

import math

import pandas as pd

from optimizer.scheduling.config import OBJECTIVES
from optimizer.scheduling.data import ScheduleData
from optimizer.scheduling.metrics import step_figures
from optimizer.scheduling.result import ScheduleOutcome

__all__ = ["PLAN_COLUMNS", "SUMMARY_COLUMNS", "plan_summary_frame", "plans_frame"]

#: Columns of ``plans.csv``, in order.
PLAN_COLUMNS = (
    "plan", "order", "product", "batch", "step", "step_index", "machine", "start", "end",
    "duration_h", "recipe_id", "energy_kwh", "power_kw", "energy_cost", "material_t",
    "good_output_t", "changeover_h", "changeover_cost", "release", "due", "relaxed")

#: Columns of ``plan_summary.csv``, in order.
SUMMARY_COLUMNS = (
    "plan", "status", "relaxed", "primary", "makespan_h", "weighted_tardiness_h",
    "energy_cost", "changeover_cost", "material_t", "good_output_t", "energy_kwh",
    "late_orders", "changeovers", "bound", "gap", "seconds", "epsilon", "objectives")


def _time(data: ScheduleData, units: float | None) -> str | float | None:
    if units is None:
        return None
    when = data.to_datetime(units)
    return when.isoformat() if not isinstance(when, int | float) else float(when)


def plans_frame(outcome: ScheduleOutcome) -> pd.DataFrame:
    """One row per scheduled step of every plan (``plans.csv``).

    Times are ISO 8601 local date-times (instance time units when the instance has no
    calendar start); durations in hours, energy in kWh, power in kW, costs in the
    tariff's currency, masses in tonnes. ``changeover_h``/``changeover_cost`` are the
    changeover on the same machine just before the step.
    """
    data = outcome.data
    rows = []
    for plan in outcome.plans:
        figures = step_figures(data, plan.assignments)
        for f in sorted(figures, key=lambda f: (f.assignment.start, f.assignment.task)):
            a = f.assignment
            task = data.tasks[a.task]
            mode = task.modes[a.mode]
            job = data.jobs[task.job]
            order = data.orders[job.order]
            rows.append({
                "plan": plan.plan,
                "order": order.name,
                "product": data.products[order.product],
                "batch": job.batch,
                "step": task.name,
                "step_index": task.step,
                "machine": data.machines[mode.machine].name,
                "start": _time(data, a.start),
                "end": _time(data, a.end),
                "duration_h": data.hours(a.end - a.start),
                "recipe_id": data.recipes[mode.recipe].name if mode.recipe is not None
                else "",
                "energy_kwh": f.energy_kwh,
                "power_kw": data.mode_power_kw(mode),
                "energy_cost": f.energy_cost,
                "material_t": mode.material_t,
                "good_output_t": mode.good_output_t,
                "changeover_h": data.hours(f.changeover),
                "changeover_cost": f.changeover_cost,
                "release": _time(data, order.release),
                "due": _time(data, order.due),
                "relaxed": plan.relaxed,
            })
    return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))


def plan_summary_frame(outcome: ScheduleOutcome) -> pd.DataFrame:
    """One row per plan (``plan_summary.csv``): every objective, solver status, the
    bound on the objective the solve minimised (``primary``), gap and seconds."""
    rows = []
    for plan in outcome.plans:
        row: dict[str, object] = {
            "plan": plan.plan, "status": plan.status.value, "relaxed": plan.relaxed,
            "primary": plan.primary}
        for key in SUMMARY_COLUMNS:
            if key in plan.objectives:
                row[key] = plan.objectives[key]
        row["bound"] = plan.bound
        row["gap"] = plan.gap if math.isfinite(plan.gap) else None
        row["seconds"] = round(plan.wall_time_s, 3)
        row["epsilon"] = "; ".join(
            f"{k} {'>=' if OBJECTIVES[k][0] == 'maximize' else '<='} {v:.6g}"
            for k, v in plan.epsilon.items())
        row["objectives"] = " ".join(outcome.objectives)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
