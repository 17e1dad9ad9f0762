"""From a scenario's ``scheduling:`` section and the optimiser's recipes to
:class:`~optimizer.scheduling.data.ScheduleData`.

Recipes become modes: for each product, its recipe rows (its Pareto set from the
optimiser, filtered by the product's ``require`` bounds and thinned to ``max_recipes``,
or the fixed recipes of the scenario) times the eligible machines of its recipe step.
A batch on machine ``m`` with recipe ``r`` charges ``batch_size_t[m]`` of feed and
yields ``batch_size_t[m] * yield_r/100 * output_per_feed`` of good product; its energy
and material follow the recipe columns on the configured basis.

Orders given as ``quantity_t`` get enough batches to meet the quantity whatever the
line and recipe: ``ceil(quantity / (smallest batch * lowest yield * output_per_feed))``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.scheduling.config import (
    WEEKDAYS,
    OrderConfig,
    ProductConfig,
    RoutingStep,
    SchedulingConfig,
    ShiftConfig,
    TariffPeriod,
)
from optimizer.scheduling.data import (
    Break,
    Changeover,
    Job,
    Machine,
    Mode,
    Order,
    Recipe,
    ScheduleData,
    TariffSegment,
    Task,
)
from optimizer.scheduling.orders import read_orders_csv
from surrogates.errors import InputError

__all__ = ["MAX_JOBS", "build_schedule_data", "select_recipes"]

MAX_JOBS = 20_000  # batches in one instance; more is almost surely a units mistake
_SECTION = "scheduling"


def build_schedule_data(config: SchedulingConfig,
                        recipes_by_product: Mapping[str, pd.DataFrame] | None = None, *,
                        base_dir: str | Path = ".") -> ScheduleData:
    """Turn the scheduling section and the recipes into a scheduling instance.

    Args:
        config: The validated ``scheduling:`` section.
        recipes_by_product: Recipe rows per product name (``pareto.csv`` rows: a
            ``recipe_id`` and the recipe columns). The key ``"*"`` serves every product
            without its own entry. Only used by products with ``use_pareto: true``.
        base_dir: Folder that ``orders_csv`` is relative to (the scenario's folder).

    Raises:
        InputError: Bad orders CSV, missing recipe columns, no recipe left after a
            product's ``require`` bounds, an order released after the horizon, and so on;
            the message names the file, field or row.
    """
    unit = config.time_unit_min
    horizon = _units_ceil(config.horizon_h * 60.0, unit)
    start = config.start
    product_names = list(config.products)
    machine_names = list(config.machines)
    m_index = {name: i for i, name in enumerate(machine_names)}

    orders_cfg = list(config.orders)
    if config.orders_csv is not None:
        path = Path(base_dir) / config.orders_csv
        from_csv = read_orders_csv(path, product_names)
        inline = {o.order for o in orders_cfg}
        clash = [o.order for o in from_csv if o.order in inline]
        if clash:
            raise InputError(f"order id(s) {', '.join(clash)} are both inline and in the CSV",
                             file=path, location="column 'order'")
        orders_cfg.extend(from_csv)

    recipes: list[Recipe] = []
    recipe_rows: dict[str, list[int]] = {}
    for p, (pname, product) in enumerate(config.products.items()):
        if not any(s.recipe for s in config.routings[product.routing]):
            continue
        frame = _recipe_frame(pname, product, config, recipes_by_product)
        ids = []
        for _, row in frame.iterrows():
            values = {str(k): float(v) for k, v in row.items()
                      if isinstance(v, int | float | np.number) and not isinstance(v, bool)
                      and math.isfinite(float(v))}
            yield_col = config.recipe_columns.yield_pct
            ids.append(len(recipes))
            recipes.append(Recipe(str(row[config.recipe_columns.recipe_id]), p,
                                  float(row[yield_col]) if yield_col else 100.0, values))
        recipe_rows[pname] = ids

    machines = tuple(Machine(name, _breaks(config, name, horizon))
                     for name in machine_names)

    orders: list[Order] = []
    jobs: list[Job] = []
    tasks: list[Task] = []
    for o, oc in enumerate(orders_cfg):
        product = config.products[oc.product]
        steps = config.routings[product.routing]
        p = product_names.index(oc.product)
        prod_recipes = [recipes[i] for i in recipe_rows.get(oc.product, [])]
        release = 0 if oc.release is None else _units_ceil(
            (oc.release - start).total_seconds() / 60.0, unit)
        if release >= horizon:
            raise InputError(f"order {oc.order} is released at {oc.release}, after the"
                             f" horizon ends ({config.end})", location=f"order {oc.order}",
                             hint="lengthen horizon_h or drop the order")
        due = None if oc.due is None else max(0, _units_floor(
            (oc.due - start).total_seconds() / 60.0, unit))
        orders.append(Order(oc.order, p, float(oc.quantity_t or 0.0), max(0, release), due,
                            oc.priority))
        n_batches = _batches(oc, product, steps, config, prod_recipes)
        if len(jobs) + n_batches > MAX_JOBS:
            raise InputError(f"the orders need more than {MAX_JOBS} batches (order"
                             f" {oc.order} alone needs {n_batches})",
                             location=f"order {oc.order}",
                             hint="check quantity_t (tonnes) and batch_size_t")
        for b in range(1, n_batches + 1):
            j = len(jobs)
            ids = []
            for k, step in enumerate(steps):
                modes = _modes(step, k, steps, product, prod_recipes, recipe_rows.get(
                    oc.product, []), config, m_index)
                ids.append(len(tasks))
                max_wait = None if step.max_wait_h is None or k == 0 else \
                    _units_floor(step.max_wait_h * 60.0, unit)
                tasks.append(Task(j, k, step.name, tuple(modes), max_wait))
            jobs.append(Job(o, b, tuple(ids)))

    return ScheduleData(
        machines=machines, products=tuple(product_names), orders=tuple(orders),
        jobs=tuple(jobs), tasks=tuple(tasks), recipes=tuple(recipes),
        changeovers=tuple(_changeovers(config, horizon)), horizon=horizon,
        tariff=tuple(_tariff(config, horizon)),
        default_price=config.tariff.default_price if config.tariff else 0.0,
        power_cap_kw=config.power_cap_kw, due_dates_hard=config.due_dates == "hard",
        start=start, time_unit_min=float(unit), name="plan",
        currency=config.tariff.currency if config.tariff else "EUR")


# ---- recipes ---------------------------------------------------------------------------
def _recipe_frame(pname: str, product: ProductConfig, config: SchedulingConfig,
                  recipes_by_product: Mapping[str, pd.DataFrame] | None) -> pd.DataFrame:
    cols = config.recipe_columns
    where = f"{_SECTION}.products.{pname}"
    frame: pd.DataFrame | None = None
    source = "the fixed recipes"
    if product.use_pareto and recipes_by_product:
        frame = recipes_by_product.get(pname, recipes_by_product.get("*"))
        source = "the Pareto set"
    if frame is None:
        if not product.recipes:
            raise InputError(f"product {pname} takes its recipes from the Pareto set, but"
                             " no optimiser result was given", location=where,
                             hint="run `paretoplan run` (or `optimize`) first, or list fixed"
                             " recipes under the product")
        frame = pd.DataFrame(list(product.recipes))
        source = "the fixed recipes"
    frame = frame.reset_index(drop=True)
    if cols.recipe_id not in frame.columns:
        frame = frame.assign(**{cols.recipe_id: [f"R{i + 1}" for i in range(len(frame))]})
    needed = [c for c in (cols.duration_h, cols.yield_pct, cols.energy, cols.material)
              if c is not None]
    for column in needed + list(product.require):
        if column not in frame.columns:
            raise InputError(f"{source} of product {pname} has no column {column!r}",
                             location=where, hint="set scheduling.recipe_columns to the"
                             " recipe's column names")
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(float)) | (values.to_numpy(float) < 0)
        if column in needed and bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(f"{source} of product {pname}: {column!r} must be a number"
                             f" >= 0, got {frame[column].iloc[row]!r}",
                             location=f"{where}, recipe {frame[cols.recipe_id].iloc[row]}")
        frame[column] = values
    ids = frame[cols.recipe_id].astype(str)
    if ids.duplicated().any():
        raise InputError(f"{source} of product {pname} repeats recipe id"
                         f" {ids[ids.duplicated()].iloc[0]!r}", location=where)
    if cols.yield_pct is not None and (frame[cols.yield_pct] <= 0).any():
        raise InputError(f"{source} of product {pname} has a recipe with yield <= 0",
                         location=where)
    keep = np.ones(len(frame), bool)
    for column, req in product.require.items():
        values = frame[column].to_numpy(float)
        if req.lower is not None:
            keep &= values >= req.lower
        if req.upper is not None:
            keep &= values <= req.upper
    if not keep.any():
        rules = ", ".join(f"{c} in [{r.lower}, {r.upper}]" for c, r in product.require.items())
        raise InputError(f"no recipe in {source} meets the requirements of product {pname}"
                         f" ({rules})", location=f"{where}.require",
                         hint="relax the bounds or give fixed recipes for this grade")
    frame = frame[keep].reset_index(drop=True)
    return select_recipes(frame, config, product.max_recipes)


def select_recipes(frame: pd.DataFrame, config: SchedulingConfig, k: int) -> pd.DataFrame:
    """At most ``k`` recipes spread over the trade-off: the best recipe for each of
    duration, energy, material and yield first, then farthest-point picks.

    Args:
        frame: Recipe rows, shape ``(n_recipes, n_columns)``.
        config: For the recipe column names.
        k: How many to keep.
    """
    if len(frame) <= k:
        return frame
    cols = config.recipe_columns
    signed = [(cols.duration_h, 1.0), (cols.energy, 1.0), (cols.material, 1.0),
              (cols.yield_pct, -1.0)]
    signed = [(c, s) for c, s in signed if c is not None]
    x = np.column_stack([frame[c].to_numpy(float) * s for c, s in signed])
    span = x.max(axis=0) - x.min(axis=0)
    z = (x - x.min(axis=0)) / np.where(span > 0, span, 1.0)
    picked: list[int] = []
    for j in range(z.shape[1]):
        best = int(np.argmin(z[:, j]))
        if best not in picked and len(picked) < k:
            picked.append(best)
    dist = np.min(np.linalg.norm(z[:, None, :] - z[picked][None, :, :], axis=2), axis=1)
    while len(picked) < k:
        nxt = int(np.argmax(dist))
        picked.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(z - z[nxt], axis=1))
    return frame.iloc[sorted(picked)].reset_index(drop=True)


# ---- batches and modes -----------------------------------------------------------------
def _batch_step(steps: Sequence[RoutingStep]) -> int:
    return next((k for k, s in enumerate(steps) if s.recipe), 0)


def _batches(oc: OrderConfig, product: ProductConfig, steps: Sequence[RoutingStep],
             config: SchedulingConfig, recipes: Sequence[Recipe]) -> int:
    if oc.batches is not None:
        return oc.batches
    sizes = [config.machines[m].batch_size_t for m in steps[_batch_step(steps)].machines]
    if any(s is None for s in sizes):
        raise InputError(f"order {oc.order} gives quantity_t, but machine(s) of its batch"
                         f" step {steps[_batch_step(steps)].name!r} have no batch_size_t",
                         location=f"order {oc.order}",
                         hint="give batch_size_t for those machines or the order's batches")
    low_yield = min((r.yield_pct for r in recipes), default=100.0) / 100.0
    per_batch = min(s for s in sizes if s is not None) * low_yield * product.output_per_feed
    return max(1, math.ceil(float(oc.quantity_t or 0.0) / per_batch - 1e-9))


def _amount(basis: str, value: float, good_t: float, feed_t: float) -> float:
    if basis == "per_t_product":
        return value * good_t
    if basis == "per_t_feed":
        return value * feed_t
    return value


def _modes(step: RoutingStep, k: int, steps: Sequence[RoutingStep], product: ProductConfig,
           recipes: Sequence[Recipe], recipe_ids: Sequence[int], config: SchedulingConfig,
           m_index: Mapping[str, int]) -> list[Mode]:
    unit = config.time_unit_min
    cols = config.recipe_columns
    batch_step = _batch_step(steps)
    modes = []
    for machine in step.machines:
        size = config.machines[machine].batch_size_t
        if not step.recipe:
            duration = _units_ceil(step.duration_on(machine) * 60.0, unit)
            hours = duration * unit / 60.0
            energy = step.energy_kwh if step.energy_kwh is not None else step.power_kw * hours
            good = size * product.output_per_feed if (k == batch_step and size and not
                                                      recipes) else 0.0
            if duration == 0:
                energy = 0.0
            modes.append(Mode(m_index[machine], duration, energy, 0.0, good))
            continue
        for rid, recipe in zip(recipe_ids, recipes, strict=True):
            duration = _units_ceil((recipe.values[cols.duration_h] + step.extra_h) * 60.0, unit)
            hours = duration * unit / 60.0
            energy = step.power_kw * hours
            material = good = 0.0
            if k == batch_step and size is not None:
                good = size * recipe.yield_pct / 100.0 * product.output_per_feed
                if cols.energy is not None:
                    energy += _amount(cols.energy_basis, recipe.values[cols.energy], good, size)
                if cols.material is not None:
                    material = _amount(cols.material_basis, recipe.values[cols.material],
                                       good, size) / 1000.0
            if duration == 0:
                energy = 0.0
            modes.append(Mode(m_index[machine], duration, energy, material, good, rid))
    return modes


# ---- time: calendars, tariff, changeovers ----------------------------------------------
def _units_ceil(minutes: float, unit: int) -> int:
    return math.ceil(minutes / unit - 1e-9)


def _units_floor(minutes: float, unit: int) -> int:
    return math.floor(minutes / unit + 1e-9)


def _units_round(minutes: float, unit: int) -> int:
    return round(minutes / unit)


def _windows(start: dt.datetime, horizon_min: float,
             items: Sequence[ShiftConfig | TariffPeriod]) -> list[tuple[float, float, int]]:
    """Recurring windows as ``(start_min, end_min, item index)`` over the horizon."""
    out = []
    first = dt.datetime.combine(start.date() - dt.timedelta(days=1), dt.time())
    days = int(horizon_min // 1440) + 3
    for d in range(days):
        day = first + dt.timedelta(days=d)
        weekday = WEEKDAYS[day.weekday()]
        for i, item in enumerate(items):
            if weekday not in item.days:
                continue
            a = dt.datetime.combine(day.date(), item.start)
            b = dt.datetime.combine(day.date(), item.end)
            if b <= a:
                b += dt.timedelta(days=1)
            a_min = (a - start).total_seconds() / 60.0
            b_min = (b - start).total_seconds() / 60.0
            if b_min > 0 and a_min < horizon_min:
                out.append((max(0.0, a_min), min(horizon_min, b_min), i))
    return sorted(out)


def _breaks(config: SchedulingConfig, machine: str, horizon: int) -> tuple[Break, ...]:
    unit = config.time_unit_min
    spans: list[tuple[int, int, str]] = []
    cal_name = config.machines[machine].calendar
    if cal_name is not None:
        shifts = config.calendars[cal_name].shifts
        work = _windows(config.start, horizon * unit, shifts)
        merged: list[list[int]] = []
        for a, b, _ in work:
            ua, ub = _units_ceil(a, unit), _units_floor(b, unit)
            if ub <= ua:
                continue
            if merged and ua <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], ub)
            else:
                merged.append([ua, ub])
        cursor = 0
        for ua, ub in merged:
            if ua > cursor:
                spans.append((cursor, ua, f"off shift ({cal_name})"))
            cursor = max(cursor, ub)
        if cursor < horizon:
            spans.append((cursor, horizon, f"off shift ({cal_name})"))
    for window in config.maintenance:
        if window.machine != machine:
            continue
        a = _units_floor((window.start - config.start).total_seconds() / 60.0, unit)
        b = _units_ceil((window.end - config.start).total_seconds() / 60.0, unit)
        a, b = max(0, a), min(horizon, b)
        if b > a:
            spans.append((a, b, window.reason))
    spans.sort()
    merged_spans: list[tuple[int, int, list[str]]] = []
    for a, b, label in spans:
        if merged_spans and a <= merged_spans[-1][1]:
            start, end, labels = merged_spans[-1]
            merged_spans[-1] = (start, max(end, b), [*labels, label])
        else:
            merged_spans.append((a, b, [label]))
    # maintenance reasons first: a window is a calendar break only if all of it is
    return tuple(Break(a, b, " + ".join(sorted(dict.fromkeys(labels),
                                               key=lambda x: x.startswith("off shift"))))
                 for a, b, labels in merged_spans)


def _tariff(config: SchedulingConfig, horizon: int) -> list[TariffSegment]:
    if config.tariff is None or not config.tariff.periods:
        return []
    unit = config.time_unit_min
    windows = _windows(config.start, horizon * unit, config.tariff.periods)
    segments: list[TariffSegment] = []
    for a, b, i in windows:
        ua, ub = _units_round(a, unit), _units_round(b, unit)
        if ub <= ua:
            continue
        if segments and ua < segments[-1].end:
            prev = config.tariff.periods[i]
            raise InputError(f"tariff period {i} ({prev.start:%H:%M}-{prev.end:%H:%M})"
                             " overlaps another period", location=f"{_SECTION}.tariff.periods",
                             hint="make the periods disjoint; default_price covers the rest")
        price = config.tariff.periods[i].price
        if segments and ua == segments[-1].end and segments[-1].price == price:
            segments[-1] = TariffSegment(segments[-1].start, ub, price)
        else:
            segments.append(TariffSegment(ua, ub, price))
    return segments


def _changeovers(config: SchedulingConfig, horizon: int) -> list[Changeover]:
    products = list(config.products)
    machines = list(config.machines)
    best: dict[tuple[int, int, int], tuple[int, int, float]] = {}
    for rule in config.changeovers:
        froms = products if rule.from_product == "*" else [rule.from_product]
        tos = products if rule.to_product == "*" else [rule.to_product]
        rank = (rule.from_product != "*") + (rule.to_product != "*")
        duration = _units_ceil(rule.time_h * 60.0, config.time_unit_min)
        for m in rule.machines or machines:
            for a in froms:
                for b in tos:
                    if a == b and rank < 2:
                        continue  # wildcards only cover changes of product
                    key = (machines.index(m), products.index(a), products.index(b))
                    if key not in best or rank >= best[key][0]:
                        best[key] = (rank, duration, rule.cost)
    return [Changeover(m, a, b, d, c) for (m, a, b), (_, d, c) in sorted(best.items())
            if d > 0 or c > 0]
