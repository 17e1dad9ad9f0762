"""ScheduleData: validation in __post_init__, sizes, tariff arithmetic, JSON round trip."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from optimizer.scheduling import (
    Break,
    Changeover,
    Job,
    Machine,
    Mode,
    Order,
    ScheduleData,
    ScheduleDataError,
    TariffSegment,
    Task,
)
from surrogates.errors import InputError

from .conftest import make_data


def _base() -> ScheduleData:
    return make_data([[(0, 2), (1, 3)], [(1, 1)]], machines=2, products=("A", "B"),
                     job_products=[0, 1], horizon=20,
                     tariff=[(0, 5, 0.3), (5, 20, 0.1)], default_price=0.2)


def test_sizes_and_lookups() -> None:
    data = _base()
    assert (data.num_machines, data.num_products, data.num_orders) == (2, 2, 2)
    assert (data.num_jobs, data.num_tasks, data.num_modes) == (2, 3, 3)
    assert data.task_product(2) == 1 and data.task_order(2) == 1
    assert data.tasks[0].machines == (0,) and data.tasks[0].min_duration == 2
    assert data.setup(0, 0, 1) == (0, 0.0)


def test_energy_cost_integrates_the_tariff() -> None:
    data = _base()
    # 10 kWh over [3, 7): 2 units at 0.3 and 2 at 0.1 -> 5 kWh * 0.3 + 5 kWh * 0.1
    assert data.energy_cost(3, 7, 10.0) == pytest.approx(2.0)
    # outside the segments the default price applies
    data = replace(data, tariff=(TariffSegment(0, 5, 0.3),))
    assert data.energy_cost(4, 8, 8.0) == pytest.approx(2 * 0.3 + 6 * 0.2)
    assert data.price_at(4.5) == 0.3 and data.price_at(5) == 0.2


def test_time_conversion() -> None:
    data = replace(_base(), start=dt.datetime(2025, 3, 3, 6), time_unit_min=15.0)
    assert data.to_datetime(4) == dt.datetime(2025, 3, 3, 7)
    assert data.from_datetime(dt.datetime(2025, 3, 3, 8)) == 8
    assert data.to_units(1.01) == 5 and data.to_units(1.0) == 4
    assert data.hours(6) == 1.5
    assert data.mode_power_kw(Mode(0, 8, energy_kwh=40.0)) == 20.0


def test_json_round_trip(tmp_path) -> None:
    data = replace(_base(), start=dt.datetime(2025, 3, 3, 6),
                   changeovers=(Changeover(0, 0, 1, 2, 50.0),), power_cap_kw=90.0,
                   machines=(Machine("M0", (Break(3, 4, "x"),)), Machine("M1")))
    path = tmp_path / "inst.json"
    data.to_json(path)
    back = ScheduleData.from_json(path)
    assert back == data
    assert ScheduleData.from_json(data.to_json()) == data


def test_from_json_reports_bad_files(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ScheduleDataError, match="not JSON"):
        ScheduleData.from_json(bad)
    with pytest.raises(ScheduleDataError, match="not a schedule instance"):
        ScheduleData.from_json('{"machines": []}')


M, T = Machine("M"), Task(0, 0, "s", (Mode(0, 1),))
J, ORD = Job(0, 1, (0,)), Order("O", 0)

BAD = [
    # empty machine name
    (lambda: Machine(""), "name must not be empty"),
    # overlapping breaks
    (lambda: Machine("M", (Break(0, 5), Break(4, 6))), "sorted and disjoint"),
    # break with end before start
    (lambda: Break(5, 3), "start < end"),
    # negative duration
    (lambda: Mode(0, -1), "duration"),
    # energy on a zero-length mode
    (lambda: Mode(0, 0, energy_kwh=1.0), "no time"),
    # NaN material
    (lambda: Mode(0, 1, material_t=float("nan")), "material_t"),
    # task without modes
    (lambda: Task(0, 0, "s", ()), "at least one mode"),
    # batch numbers start at 1
    (lambda: Job(0, 0, (0,)), "start at 1"),
    # non-positive weight
    (lambda: Order("O", 0, weight=0.0), "weight"),
    # negative tariff price
    (lambda: TariffSegment(0, 1, -0.1), "price"),
    # no jobs at all
    (lambda: ScheduleData((M,), ("A",), (ORD,), (), (T,), horizon=5), "at least one"),
    # zero horizon
    (lambda: ScheduleData((M,), ("A",), (ORD,), (J,), (T,), horizon=0), "horizon"),
    # a task pointing at a missing machine
    (lambda: ScheduleData((M,), ("A",), (ORD,), (J,), (Task(0, 0, "s", (Mode(3, 1),)),),
                          horizon=5), "machine index"),
    # task listed by a job with the wrong step number
    (lambda: ScheduleData((M,), ("A",), (ORD,), (J,), (Task(0, 1, "s", (Mode(0, 1),)),),
                          horizon=5), "step"),
    # duplicate product names
    (lambda: ScheduleData((M,), ("A", "A"), (ORD,), (J,), (T,), horizon=5), "unique"),
    # order released after the horizon
    (lambda: ScheduleData((M,), ("A",), (Order("O", 0, release=9),), (J,), (T,),
                          horizon=5), "horizon"),
    # repeated changeover
    (lambda: ScheduleData((M,), ("A",), (ORD,), (J,), (T,), horizon=5,
                          changeovers=(Changeover(0, 0, 0, 1), Changeover(0, 0, 0, 2))),
     "repeated"),
    # overlapping tariff segments
    (lambda: ScheduleData((M,), ("A",), (ORD,), (J,), (T,), horizon=5,
                          tariff=(TariffSegment(0, 3, 1), TariffSegment(2, 4, 1))),
     "disjoint"),
]


@pytest.mark.parametrize(("build", "match"), BAD)
def test_invalid_data_raises_input_error(build, match) -> None:
    with pytest.raises(InputError, match=match):
        build()
