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

WEEK_SCENARIO = WEEK_DIR / "scenario.yaml"


@pytest.fixture
def jsplib() -> Path:
    """The JSPLIB folder of ../shared/data, or skip with the reason when it is absent."""
    if not (JSPLIB / "instances.json").is_file():
        pytest.skip(f"public data set not available at {JSPLIB} (CI has ../shared beside"
                    " the checkout)")
    return JSPLIB



def week_raw() -> dict[str, Any]:
    """The bundled week's ``scheduling:`` section as plain data (a fresh copy)."""
    return yaml.safe_load(WEEK_SCENARIO.read_text(encoding="utf-8"))["scheduling"]


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
