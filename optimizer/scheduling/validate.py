"""An independent check of written plans: does ``plans.csv`` obey the instance?

This does not trust the solver or reuse its model: it reads the plan rows (as written to
``plans.csv``), maps them back to the instance's tasks and checks every hard rule from
first principles: each batch step planned once, on an eligible machine, with its mode's
duration and energy; routing order and maximum waits; release dates; hard due dates
(unless the plan is marked relaxed); the horizon; one step at a time per machine with the
changeover between products; no step inside an unavailable window; total power under
the cap at every instant; and each step's energy cost recomputed from the tariff.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Hashable

import numpy as np
import pandas as pd

from optimizer.scheduling.data import ScheduleData

__all__ = ["validate_plans"]

_NEEDED = ("plan", "order", "batch", "step", "machine", "start", "end")
_TIME_TOL = 1e-6  # time units
_COST_TOL = 1e-6  # relative


def _units(data: ScheduleData, values: pd.Series) -> np.ndarray:
    if data.start is None:
        return pd.to_numeric(values, errors="coerce").to_numpy(float)
    stamps = pd.to_datetime(values, errors="coerce")
    delta = (stamps - pd.Timestamp(data.start)).dt.total_seconds()
    return (delta / 60.0 / data.time_unit_min).to_numpy(float)


def _price_integral(data: ScheduleData, a: float, b: float) -> float:
    """Integral of the price over ``[a, b)`` [currency/kWh x time units]."""
    points = sorted({a, b, *[s.start for s in data.tariff if a < s.start < b],
                     *[s.end for s in data.tariff if a < s.end < b]})
    total = 0.0
    for x, y in itertools.pairwise(points):
        mid = 0.5 * (x + y)
        price = next((s.price for s in data.tariff if s.start <= mid < s.end),
                     data.default_price)
        total += (y - x) * price
    return total


def validate_plans(plans: pd.DataFrame, data: ScheduleData) -> list[str]:
    """Check every plan in ``plans`` (rows of ``plans.csv``) against ``data``.

    Args:
        plans: Plan rows with at least ``plan, order, batch, step, machine, start, end``;
            ``recipe_id``, ``energy_kwh``, ``energy_cost`` and ``relaxed`` are checked
            when present.
        data: The instance the plans were made for.

    Returns:
        One plain-words message per violation; empty when every plan is valid.
    """
    missing = [c for c in _NEEDED if c not in plans.columns]
    if missing:
        return [f"plans lack column(s) {', '.join(missing)}"]
    problems: list[str] = []
    for plan_id, rows in plans.groupby("plan", sort=False):
        problems.extend(f"plan {plan_id}: {p}" for p in _check_plan(plan_id, rows, data))
    return problems


def _check_plan(plan_id: Hashable, rows: pd.DataFrame, data: ScheduleData) -> list[str]:
    out: list[str] = []
    job_idx = {(data.orders[j.order].name, j.batch): k for k, j in enumerate(data.jobs)}
    machine_idx = {m.name: i for i, m in enumerate(data.machines)}
    recipe_names = {i: r.name for i, r in enumerate(data.recipes)}
    starts = _units(data, rows["start"])
    ends = _units(data, rows["end"])
    relaxed = bool(rows["relaxed"].astype(str).str.lower().isin(["true", "1"]).any()) \
        if "relaxed" in rows else False
    placed: dict[int, tuple[float, float, int, int]] = {}  # task -> start, end, machine, mode
    for i, row in enumerate(rows.itertuples(index=False)):
        r = row._asdict()
        where = f"order {r['order']} batch {r['batch']} step {r['step']}"
        s, e = starts[i], ends[i]
        if not (math.isfinite(s) and math.isfinite(e)):
            out.append(f"{where}: cannot read start/end {r['start']!r}/{r['end']!r}")
            continue
        try:
            batch = int(r["batch"])
        except (TypeError, ValueError):
            batch = -1
        j = job_idx.get((str(r["order"]), batch))
        if j is None:
            out.append(f"{where}: no such order/batch in the instance")
            continue
        job = data.jobs[j]
        task_ids = [t for t in job.tasks if data.tasks[t].name == str(r["step"])]
        if not task_ids:
            out.append(f"{where}: no such step in the routing")
            continue
        t = task_ids[0]
        if t in placed:
            out.append(f"{where}: planned more than once")
            continue
        m = machine_idx.get(str(r["machine"]))
        task = data.tasks[t]
        recipe = str(r.get("recipe_id", "") or "")
        if recipe == "nan":
            recipe = ""
        modes = [k for k, mode in enumerate(task.modes) if mode.machine == m and (
            (mode.recipe is None and not recipe) or
            (mode.recipe is not None and recipe_names[mode.recipe] == recipe)
            or "recipe_id" not in r)]
        if m is None or not modes:
            out.append(f"{where}: machine {r['machine']} with recipe {recipe or '-'} is not"
                       " an allowed mode of this step")
            continue
        k = min(modes, key=lambda k: abs(task.modes[k].duration - (e - s)))
        mode = task.modes[k]
        if abs((e - s) - mode.duration) > _TIME_TOL:
            out.append(f"{where}: lasts {data.hours(e - s):.4g} h, its mode takes"
                       f" {data.hours(mode.duration):.4g} h")
        if s < -_TIME_TOL or e > data.horizon + _TIME_TOL:
            out.append(f"{where}: runs outside the planning horizon")
        if "energy_kwh" in r and not _close(float(r["energy_kwh"]), mode.energy_kwh):
            out.append(f"{where}: energy {r['energy_kwh']} kWh, the mode uses"
                       f" {mode.energy_kwh:.6g} kWh")
        if "energy_cost" in r and e > s:
            cost = mode.energy_kwh / (e - s) * _price_integral(data, s, e)
            if not _close(float(r["energy_cost"]), cost):
                out.append(f"{where}: energy cost {r['energy_cost']} but the tariff gives"
                           f" {cost:.6g}")
        placed[t] = (s, e, mode.machine, k)
    missing = [t for t in range(data.num_tasks) if t not in placed]
    if missing:
        t = missing[0]
        job = data.jobs[data.tasks[t].job]
        out.append(f"{len(missing)} step(s) not planned, e.g. order"
                   f" {data.orders[job.order].name} batch {job.batch} step {data.tasks[t].name}")
    out.extend(_check_jobs(data, placed, relaxed))
    out.extend(_check_machines(data, placed))
    out.extend(_check_power(data, placed))
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _COST_TOL * max(1.0, abs(b)) + 1e-9


def _name(data: ScheduleData, t: int) -> str:
    job = data.jobs[data.tasks[t].job]
    return (f"order {data.orders[job.order].name} batch {job.batch} step"
            f" {data.tasks[t].name}")


def _check_jobs(data: ScheduleData, placed: dict[int, tuple[float, float, int, int]],
                relaxed: bool) -> list[str]:
    out = []
    for job in data.jobs:
        order = data.orders[job.order]
        tasks = [t for t in job.tasks if t in placed]
        if len(tasks) != len(job.tasks):
            continue
        if placed[tasks[0]][0] < order.release - _TIME_TOL:
            out.append(f"{_name(data, tasks[0])}: starts before the order's release")
        for a, b in itertools.pairwise(tasks):
            if placed[b][0] < placed[a][1] - _TIME_TOL:
                out.append(f"{_name(data, b)}: starts before the previous step ends")
            wait = data.tasks[b].max_wait
            if wait is not None and placed[b][0] - placed[a][1] > wait + _TIME_TOL:
                out.append(f"{_name(data, b)}: waits longer than"
                           f" {data.hours(wait):.4g} h after the previous step")
        recipes = {data.tasks[t].modes[placed[t][3]].recipe for t in tasks} - {None}
        if len(recipes) > 1:
            out.append(f"order {order.name} batch {job.batch}: steps use different recipes")
        if (data.due_dates_hard and not relaxed and order.due is not None
                and placed[tasks[-1]][1] > order.due + _TIME_TOL):
            out.append(f"{_name(data, tasks[-1])}: ends after the due date")
    return out


def _check_machines(data: ScheduleData, placed: dict[int, tuple[float, float, int, int]]
                    ) -> list[str]:
    out = []
    by_machine: dict[int, list[int]] = defaultdict(list)
    for t, (_, _, m, _) in placed.items():
        by_machine[m].append(t)
    for m, tasks in by_machine.items():
        machine = data.machines[m]
        tasks.sort(key=lambda t: (placed[t][0], placed[t][1]))
        for a, b in itertools.pairwise(tasks):
            setup, _ = data.setup(m, data.task_product(a), data.task_product(b))
            if placed[b][0] < placed[a][1] + setup - _TIME_TOL:
                need = f" plus a {data.hours(setup):.4g} h changeover" if setup else ""
                out.append(f"machine {machine.name}: {_name(data, b)} starts before"
                           f" {_name(data, a)} ends{need}")
        for t in tasks:
            s, e = placed[t][:2]
            if e - s <= _TIME_TOL:
                continue
            for brk in machine.breaks:
                if max(s, brk.start) < min(e, brk.end) - _TIME_TOL:
                    out.append(f"machine {machine.name}: {_name(data, t)} overlaps an"
                               f" unavailable window ({brk.label})")
                    break
    return out


def _check_power(data: ScheduleData, placed: dict[int, tuple[float, float, int, int]]
                 ) -> list[str]:
    if data.power_cap_kw is None:
        return []
    events = []
    for t, (s, e, _, k) in placed.items():
        mode = data.tasks[t].modes[k]
        if e > s and mode.energy_kwh > 0:
            power = mode.energy_kwh / data.hours(e - s)
            events.append((e, 0, -power))  # ends sort before starts at the same time
            events.append((s, 1, power))
    events.sort()
    load = 0.0
    for time, _, delta in events:
        load += delta
        if load > data.power_cap_kw * (1 + 1e-9) + 1e-6:
            when = data.to_datetime(time)
            return [f"total power {load:.1f} kW exceeds the cap of {data.power_cap_kw:g} kW"
                    f" at {when}"]
    return []
