"""Scheduling section -> ScheduleData: config validation, batches, recipes as modes,
calendars, maintenance, tariff segments and changeover rules."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from pydantic import ValidationError

from optimizer.scheduling import SchedulingConfig, build_schedule_data, select_recipes
from optimizer.scheduling.heuristic import greedy_schedule
from optimizer.scheduling.metrics import plan_metrics
from surrogates.errors import InputError

from .conftest import WEEK_DIR, week_raw


def _build(raw: dict, recipes=None):
    return build_schedule_data(SchedulingConfig.model_validate(raw), recipes,
                               base_dir=WEEK_DIR)


def test_bundled_week_builds(week_config) -> None:
    data = build_schedule_data(week_config, None, base_dir=WEEK_DIR)
    orders = pd.read_csv(WEEK_DIR / "orders.csv")
    assert data.num_orders == len(orders) == 14
    assert 30 <= data.num_jobs <= 60
    assert [m.name for m in data.machines] == ["L1", "L2", "F1", "D1"]
    assert data.horizon == 168 * 6 and data.time_unit_min == 10
    # the L2 maintenance window (Wed 06:00-18:00) is a break of 12 h
    (brk,) = data.machines[1].breaks
    assert (brk.start, brk.end, brk.label) == (48 * 6, 60 * 6, "agitator seal replacement")
    # the dryer works Mon 06:00 - Sat 22:00: one break at the end of the week
    (off,) = data.machines[3].breaks
    assert off.start == (5 * 24 + 16) * 6 and off.end == data.horizon
    assert off.label.startswith("off shift")
    # every order gets enough batches for its quantity whatever line and recipe
    for o, order in enumerate(data.orders):
        jobs = [j for j in data.jobs if j.order == o]
        worst = min(m.good_output_t for j in jobs[:1]
                    for m in data.tasks[j.tasks[0]].modes)
        assert len(jobs) * worst >= order.quantity_t - 1e-9
        assert len(jobs) == math.ceil(order.quantity_t / worst - 1e-9) or worst < max(
            m.good_output_t for m in data.tasks[jobs[0].tasks[0]].modes)
    # the greedy plan is complete and meets every due date of the week
    plan = greedy_schedule(data)
    assert len(plan) == data.num_tasks
    assert plan_metrics(data, plan)["late_orders"] == 0


def test_recipe_modes_energy_and_output() -> None:
    raw = week_raw()
    data = _build(raw)
    react = next(t for t in data.tasks if t.name == "react"
                 and data.products[data.task_product(data.tasks.index(t))] == "P-STD")
    # 3 fixed recipes x 2 lines
    assert len(react.modes) == 6
    mode = next(m for m in react.modes
                if data.machines[m.machine].name == "L1"
                and data.recipes[m.recipe].name == "STD-yield")
    good = 12.0 * 0.917  # batch 12 t feed, 91.7 % yield
    assert mode.good_output_t == pytest.approx(good)
    hours = 5.0 + 2.0  # batch_time_h + extra_h
    assert mode.duration == 42
    assert mode.energy_kwh == pytest.approx(282.3 * good + 15 * hours)
    assert mode.material_t == pytest.approx(1185.8 * good / 1000)


def test_pareto_recipes_are_filtered_and_thinned() -> None:
    raw = week_raw()
    raw["products"]["P-STD"]["require"] = {"impurity_pct": {"upper": 1.8}}
    raw["products"]["P-STD"]["max_recipes"] = 3
    rows = pd.DataFrame({
        "recipe_id": [f"R{i}" for i in range(8)],
        "batch_time_h": [2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5],
        "yield_pct": [80, 82, 84, 86, 88, 89, 90, 91],
        "energy_kwh_per_t": [250, 255, 260, 265, 270, 275, 280, 285],
        "material_kg_per_t": [1300, 1280, 1260, 1240, 1220, 1200, 1190, 1185],
        "impurity_pct": [1.9, 1.7, 1.7, 1.6, 1.6, 1.5, 1.9, 1.4],
    })
    data = _build(raw, {"P-STD": rows})
    names = [r.name for r in data.recipes if data.products[r.product] == "P-STD"]
    assert len(names) == 3
    assert "R0" not in names and "R6" not in names  # impurity above 1.8
    assert "R1" in names and "R7" in names  # the extremes of the trade-off
    # products without their own frame use '*'; fixed recipes stay a fallback
    data = _build(week_raw(), {"*": rows})
    assert {r.name for r in data.recipes if data.products[r.product] == "P-HP"} == {
        "HP-160", "HP-165"}


def test_select_recipes_keeps_small_sets(week_config) -> None:
    frame = pd.DataFrame({"batch_time_h": [1.0], "yield_pct": [90.0],
                          "energy_kwh_per_t": [1.0], "material_kg_per_t": [1.0]})
    assert select_recipes(frame, week_config, 3) is frame


@pytest.mark.parametrize(("change", "match"), [
    # the requirement removes every recipe of the grade
    (lambda r: r["products"]["P-STD"].__setitem__(
        "require", {"impurity_pct": {"upper": 0.1}}), "no recipe"),
    # the Pareto set lacks the duration column
    (lambda r: r["recipe_columns"].__setitem__("duration_h", "cycle_h")
     if "recipe_columns" in r else r.__setitem__("recipe_columns", {"duration_h": "cycle_h"}),
     "no column 'cycle_h'"),
    # orders file missing
    (lambda r: r.__setitem__("orders_csv", "nope.csv"), "orders file not found"),
    # an inline order repeats a CSV order id
    (lambda r: r.__setitem__("orders", [{"order": "SO-2501", "product": "P-TG",
                                         "batches": 1}]), "both inline and in the CSV"),
    # an order released after the horizon
    (lambda r: r.__setitem__("orders", [{"order": "late", "product": "P-TG", "batches": 1,
                                         "release": "2025-03-20T00:00"}]), "after the"),
    # overlapping tariff periods
    (lambda r: r["tariff"]["periods"].append({"start": "07:00", "end": "08:00",
                                              "price": 0.5}), "overlaps"),
])
def test_build_errors_are_input_errors(change, match) -> None:
    raw = week_raw()
    change(raw)
    with pytest.raises(InputError, match=match):
        _build(raw)


def test_pareto_product_without_recipes_needs_a_run() -> None:
    raw = week_raw()
    raw["products"]["P-STD"]["recipes"] = []
    with pytest.raises(InputError, match="no optimiser result"):
        _build(raw)


@pytest.mark.parametrize(("change", "match"), [
    # unknown key
    (lambda r: r.__setitem__("colour", "red"), "Extra inputs"),
    # routing step on an unknown machine
    (lambda r: r["routings"]["standard"][1].__setitem__("machines", ["F9"]), "F9"),
    # machine calendar not defined
    (lambda r: r["machines"]["D1"].__setitem__("calendar", "nights"), "nights"),
    # recipe step line without batch size
    (lambda r: r["machines"]["L2"].pop("batch_size_t"), "batch_size_t"),
    # product with recipes but no recipe step
    (lambda r: r["products"]["P-TG"].__setitem__("routing", "none"), "routing"),
    # objective repeated
    (lambda r: r.__setitem__("objectives", ["energy_cost", "energy_cost"]), "repeated"),
    # maintenance ending before it starts
    (lambda r: r["maintenance"][0].__setitem__("end", "2025-03-05T05:00"), "after start"),
    # a fixed step without a duration
    (lambda r: r["routings"]["standard"][2].pop("duration_h"), "duration_h"),
    # time zone in the start
    (lambda r: r.__setitem__("start", "2025-03-03T06:00:00+01:00"), "time zone"),
    # changeover for an unknown product
    (lambda r: r["changeovers"].append({"from": "P-X", "to": "*", "time_h": 1}), "P-X"),
])
def test_config_validation(change, match) -> None:
    raw = week_raw()
    change(raw)
    with pytest.raises(ValidationError, match=match):
        SchedulingConfig.model_validate(raw)


def test_changeover_rules_most_specific_wins() -> None:
    data = _build(week_raw())
    p = {name: i for i, name in enumerate(data.products)}
    m = {mach.name: i for i, mach in enumerate(data.machines)}
    unit = 6  # per hour
    assert data.setup(m["L1"], p["P-TG"], p["P-HP"]) == (4 * unit, 1200)  # exact pair
    assert data.setup(m["L1"], p["P-STD"], p["P-HP"]) == (3 * unit, 800)  # '*' -> P-HP
    assert data.setup(m["L2"], p["P-STD"], p["P-HP"]) == (0, 0.0)  # rule is for L1 only
    assert data.setup(m["F1"], p["P-STD"], p["P-TG"]) == (3, 50)  # '*' -> '*'
    assert data.setup(m["F1"], p["P-STD"], p["P-STD"]) == (0, 0.0)  # same product: none


def test_tariff_segments_follow_weekdays() -> None:
    data = _build(week_raw())
    start = dt.datetime(2025, 3, 3, 6)
    # Mon 06:00-17:00 0.22, 17-20 0.31, 20-22 0.22; weekend at the default 0.11
    assert data.price_at(0) == 0.22
    assert data.price_at(11.5 * 6) == 0.31
    assert data.price_at(15 * 6) == 0.22  # Mon 21:00
    assert data.price_at(16.5 * 6) == 0.11  # Mon 22:30
    sat = (dt.datetime(2025, 3, 8, 12) - start).total_seconds() / 600
    assert data.price_at(sat) == 0.11
    assert data.default_price == 0.11
