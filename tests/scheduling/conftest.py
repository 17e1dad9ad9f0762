"""Shared fixtures for the scheduling tests: tiny hand-made instances and the bundled
week of orders (its ``scheduling:`` section is kept here, as the lead embeds it in the
scenario file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from optimizer.scheduling import (
    Break,
    Changeover,
    Job,
    Machine,
    Mode,
    Order,
    ScheduleData,
    SchedulingConfig,
    TariffSegment,
    Task,
)

ROOT = Path(__file__).resolve().parents[2]
WEEK_DIR = ROOT / "scenarios" / "batch_reactor_week"
JSPLIB = ROOT.parent / "shared" / "data" / "jsplib"

WEEK_SECTION = """\
scheduling:
  start: 2025-03-03T06:00:00          # Monday, start of the morning shift
  horizon_h: 168
  time_unit_min: 10
  orders_csv: orders.csv
  due_dates: hard
  machines:
    L1: {batch_size_t: 12.0, description: "25 m3 glass-lined reactor (GMP line)"}
    L2: {batch_size_t: 10.0, description: "20 m3 stainless reactor"}
    F1: {description: "Nutsche filter-washer, shared by both lines"}
    D1: {calendar: dryer_shifts, description: "paddle dryer, staffed shifts only"}
  calendars:
    dryer_shifts:
      shifts:
        - {start: "06:00", end: "22:00", days: [mon, tue, wed, thu, fri, sat]}
        - {start: "22:00", end: "06:00", days: [mon, tue, wed, thu, fri]}
  maintenance:
    - {machine: L2, start: 2025-03-05T06:00, end: 2025-03-05T18:00,
       reason: "agitator seal replacement"}
    - {machine: F1, start: 2025-03-06T14:00, end: 2025-03-06T16:00, reason: "filter cloth change"}
  routings:
    standard:
      - {name: react, machines: [L1, L2], recipe: true, extra_h: 2.0, power_kw: 15}
      - {name: filter, machines: [F1], duration_h: 1.5, power_kw: 40, max_wait_h: 3}
      - {name: dry, machines: [D1], duration_h: 2.0, power_kw: 150}
    high_purity:
      - {name: react, machines: [L1], recipe: true, extra_h: 2.5, power_kw: 15}
      - {name: filter, machines: [F1], duration_h: 2.0, power_kw: 40, max_wait_h: 2}
      - {name: dry, machines: [D1], duration_h: 3.0, power_kw: 150}
    technical:
      - {name: react, machines: [L1, L2], recipe: true, extra_h: 1.5, power_kw: 15}
      - {name: filter, machines: [F1], duration_h: 1.0, power_kw: 40, max_wait_h: 4}
  products:
    P-STD:
      routing: standard
      use_pareto: true
      color: "#0072B2"
      recipes:   # fallback when no optimiser run is available
        - {recipe_id: STD-fast,
            reactor_temp_C: 185, batch_time_h: 3.5, catalyst_kg_per_t: 1.45, feed_ratio: 1.28,
            agitator_rpm: 340, yield_pct: 87.8, energy_kwh_per_t: 268.4,
            material_kg_per_t: 1217.0, impurity_pct: 1.63}
        - {recipe_id: STD-yield,
            reactor_temp_C: 176, batch_time_h: 5.0, catalyst_kg_per_t: 2.0, feed_ratio: 1.35,
            agitator_rpm: 320, yield_pct: 91.7, energy_kwh_per_t: 282.3,
            material_kg_per_t: 1185.8, impurity_pct: 1.56}
        - {recipe_id: STD-short,
            reactor_temp_C: 190, batch_time_h: 2.8, catalyst_kg_per_t: 1.2, feed_ratio: 1.25,
            agitator_rpm: 330, yield_pct: 83.8, energy_kwh_per_t: 257.4,
            material_kg_per_t: 1262.0, impurity_pct: 1.66}
    P-HP:
      routing: high_purity
      color: "#009E73"
      recipes:   # the high-purity grade has its own fixed recipes (impurity < 1 %)
        - {recipe_id: HP-160,
            reactor_temp_C: 160, batch_time_h: 6.0, catalyst_kg_per_t: 2.2, feed_ratio: 1.40,
            agitator_rpm: 310, yield_pct: 82.3, energy_kwh_per_t: 315.8,
            material_kg_per_t: 1323.4, impurity_pct: 0.60}
        - {recipe_id: HP-165,
            reactor_temp_C: 165, batch_time_h: 5.5, catalyst_kg_per_t: 1.8, feed_ratio: 1.30,
            agitator_rpm: 300, yield_pct: 79.7, energy_kwh_per_t: 307.9,
            material_kg_per_t: 1336.9, impurity_pct: 0.72}
    P-TG:
      routing: technical
      use_pareto: true
      max_recipes: 4
      color: "#E69F00"
      recipes:
        - {recipe_id: TG-short,
            reactor_temp_C: 190, batch_time_h: 2.8, catalyst_kg_per_t: 1.2, feed_ratio: 1.25,
            agitator_rpm: 330, yield_pct: 83.8, energy_kwh_per_t: 257.4,
            material_kg_per_t: 1262.0, impurity_pct: 1.66}
        - {recipe_id: TG-fast,
            reactor_temp_C: 185, batch_time_h: 3.5, catalyst_kg_per_t: 1.45, feed_ratio: 1.28,
            agitator_rpm: 340, yield_pct: 87.8, energy_kwh_per_t: 268.4,
            material_kg_per_t: 1217.0, impurity_pct: 1.63}
  changeovers:
    - {from: "*", to: P-HP, machines: [L1], time_h: 3.0, cost: 800}   # GMP clean-down
    - {from: P-TG, to: P-HP, machines: [L1], time_h: 4.0, cost: 1200}
    - {from: P-HP, to: "*", machines: [L1, L2], time_h: 1.0, cost: 200}
    - {from: P-TG, to: P-STD, machines: [L1, L2], time_h: 1.5, cost: 300}
    - {from: P-STD, to: P-TG, machines: [L1, L2], time_h: 0.5, cost: 100}
    - {from: "*", to: "*", machines: [F1], time_h: 0.5, cost: 50}      # cloth rinse on any change
    - {from: "*", to: P-HP, machines: [D1], time_h: 1.0, cost: 150}
  tariff:
    currency: EUR
    default_price: 0.11                  # nights and weekends
    periods:
      - {start: "06:00", end: "17:00", price: 0.22, days: [mon, tue, wed, thu, fri]}
      - {start: "17:00", end: "20:00", price: 0.31, days: [mon, tue, wed, thu, fri]}  # peak
      - {start: "20:00", end: "22:00", price: 0.22, days: [mon, tue, wed, thu, fri]}
  power_cap_kw: 1100
  objectives: [energy_cost, good_output_t]
  n_plans: 4
  time_limit_s: 8
  workers: 2
  seed: 0
"""


def week_raw() -> dict[str, Any]:
    """The bundled week's ``scheduling:`` section as plain data (a fresh copy)."""
    return yaml.safe_load(WEEK_SECTION)["scheduling"]


@pytest.fixture
def week_config() -> SchedulingConfig:
    """The bundled week's scheduling section, validated."""
    return SchedulingConfig.model_validate(week_raw())


def make_data(jobs: list[list[tuple[int, int]] | list[list[Mode]]], *,
              machines: int = 1,
              products: tuple[str, ...] = ("A",), job_products: list[int] | None = None,
              breaks: dict[int, list[tuple[int, int]]] | None = None,
              changeovers: list[Changeover] | None = None,
              releases: list[int] | None = None, dues: list[int | None] | None = None,
              weights: list[float] | None = None, horizon: int = 1000,
              tariff: list[tuple[int, int, float]] | None = None,
              default_price: float = 0.0,
              power_cap_kw: float | None = None, due_dates_hard: bool = False,
              time_unit_min: float = 60.0) -> ScheduleData:
    """A small instance: one order per job, one batch each.

    ``jobs[j]`` lists the steps of job ``j``: either ``(machine, duration)`` pairs or lists
    of modes. Time unit: one hour by default (so kW = kWh per unit).
    """
    tasks: list[Task] = []
    job_list: list[Job] = []
    for j, steps in enumerate(jobs):
        ids = []
        for k, step in enumerate(steps):
            modes = tuple(step) if isinstance(step, list) else (Mode(step[0], step[1]),)
            ids.append(len(tasks))
            tasks.append(Task(j, k, f"s{k}", modes))
        job_list.append(Job(j, 1, tuple(ids)))
    n = len(jobs)
    orders = tuple(
        Order(f"O{j}", (job_products or [0] * n)[j], 1.0, (releases or [0] * n)[j],
              (dues or [None] * n)[j], (weights or [1.0] * n)[j]) for j in range(n))
    return ScheduleData(
        machines=tuple(Machine(f"M{m}", tuple(Break(a, b, "maintenance")
                                               for a, b in (breaks or {}).get(m, [])))
                       for m in range(machines)),
        products=products, orders=orders, jobs=tuple(job_list), tasks=tuple(tasks),
        changeovers=tuple(changeovers or ()), horizon=horizon,
        tariff=tuple(TariffSegment(a, b, p) for a, b, p in (tariff or [])),
        default_price=default_price, power_cap_kw=power_cap_kw,
        due_dates_hard=due_dates_hard, time_unit_min=time_unit_min)
