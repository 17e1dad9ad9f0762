"""The independent validator accepts solver plans and catches hand-broken ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from optimizer.scheduling import (
    Changeover,
    Mode,
    ScheduleData,
    SolveOptions,
    plans_frame,
    solve_schedule,
    validate_plans,
)

from .conftest import make_data


@pytest.fixture(scope="module")
def case() -> tuple[ScheduleData, pd.DataFrame]:
    """Two products on a shared machine M0 then M1, with changeovers, a maintenance
    window on M1, a day/night tariff, a power cap and hard due dates."""
    step0 = [Mode(0, 2, energy_kwh=100.0)]
    step1 = [Mode(1, 1, energy_kwh=20.0), Mode(2, 2, energy_kwh=20.0)]
    data = make_data([[step0, step1]] * 4, machines=3, products=("A", "B"),
                     job_products=[0, 1, 0, 1], breaks={1: [(5, 7)]},
                     changeovers=[Changeover(0, 0, 1, 2, 30.0), Changeover(0, 1, 0, 1, 10.0)],
                     releases=[0, 0, 1, 2], dues=[40, 40, 40, 40], horizon=48,
                     tariff=[(0, 6, 0.30), (18, 30, 0.30)], default_price=0.10,
                     power_cap_kw=60.0, due_dates_hard=True)
    data = replace(data, start=dt.datetime(2025, 3, 3, 6))
    outcome = solve_schedule(data, SolveOptions(("makespan_h", "energy_cost"), 2, 3.0, 1, 0))
    frame = plans_frame(outcome)
    assert validate_plans(frame, data) == []
    return data, frame[frame["plan"] == frame["plan"].iloc[0]].reset_index(drop=True)


def _shift(value: str, hours: float) -> str:
    return (dt.datetime.fromisoformat(value) + dt.timedelta(hours=hours)).isoformat()


def _row(frame: pd.DataFrame, order: str, step: str) -> int:
    return int(frame.index[(frame["order"] == order) & (frame["step"] == step)][0])


def test_written_csv_round_trip_is_valid(case, tmp_path) -> None:
    data, frame = case
    path = tmp_path / "plans.csv"
    frame.to_csv(path, index=False)
    assert validate_plans(pd.read_csv(path), data) == []


def test_catches_overlap_on_a_machine(case) -> None:
    data, frame = case
    bad = frame.copy()
    a, b = _row(bad, "O0", "s0"), _row(bad, "O1", "s0")
    bad.loc[b, ["start", "end"]] = bad.loc[a, ["start", "end"]].to_numpy()
    assert any("starts before" in p for p in validate_plans(bad, data))


def test_catches_a_short_changeover(case) -> None:
    data, frame = case
    m0 = frame[frame["machine"] == "M0"].sort_values("start")
    pairs = list(zip(m0.index[:-1], m0.index[1:], strict=True))
    first, second = next((a, b) for a, b in pairs
                         if frame.loc[a, "product"] != frame.loc[b, "product"])
    bad = frame.copy()
    gap = (dt.datetime.fromisoformat(bad.loc[second, "start"])
           - dt.datetime.fromisoformat(bad.loc[first, "end"])).total_seconds() / 3600
    # move the later task (and everything after it on M0 is irrelevant) to touch the first
    for col in ("start", "end"):
        bad.loc[second, col] = _shift(bad.loc[second, col], -gap)
    problems = validate_plans(bad, data)
    assert any("changeover" in p for p in problems)


def test_catches_work_in_a_maintenance_window(case) -> None:
    data, frame = case
    bad = frame.copy()
    i = _row(bad, "O3", "s1")
    bad.loc[i, "machine"] = "M1"
    bad.loc[i, "start"] = (data.start + dt.timedelta(hours=5)).isoformat()
    bad.loc[i, "end"] = (data.start + dt.timedelta(hours=6)).isoformat()
    bad.loc[i, "energy_cost"] = data.energy_cost(5, 6, 20.0)
    assert any("unavailable window" in p for p in validate_plans(bad, data))


def test_catches_the_power_cap(case) -> None:
    data, frame = case
    # every reaction draws 50 kW: any plan breaks a 40 kW cap ...
    capped = replace(data, power_cap_kw=40.0)
    assert any("exceeds the cap" in p for p in validate_plans(frame, capped))
    # ... and a 50 kW reaction next to a 10-20 kW finishing step breaks the 60 kW cap
    bad = frame.copy()
    i, j = _row(bad, "O0", "s0"), _row(bad, "O1", "s1")
    start = dt.datetime.fromisoformat(bad.loc[i, "start"])
    bad.loc[j, ["machine", "start", "end"]] = [
        "M1", start.isoformat(), (start + dt.timedelta(hours=1)).isoformat()]
    assert any("exceeds the cap" in p for p in validate_plans(bad, data))


def test_catches_a_wrong_energy_cost(case) -> None:
    data, frame = case
    bad = frame.copy()
    bad.loc[0, "energy_cost"] = bad.loc[0, "energy_cost"] * 0.9
    assert any("the tariff gives" in p for p in validate_plans(bad, data))


def test_catches_precedence_release_due_and_missing_steps(case) -> None:
    data, frame = case
    bad = frame.copy()
    i = _row(bad, "O2", "s1")
    j = _row(bad, "O2", "s0")
    bad.loc[i, ["start", "end"]] = [_shift(bad.loc[j, "start"], -1),
                                    _shift(bad.loc[j, "start"], 0)]
    problems = validate_plans(bad, data)
    assert any("previous step" in p for p in problems)
    assert any("release" in p for p in problems) or any("lasts" in p for p in problems)
    late = frame.copy()
    k = _row(late, "O1", "s1")
    late.loc[k, ["start", "end"]] = [(data.start + dt.timedelta(hours=41)).isoformat(),
                                     (data.start + dt.timedelta(hours=41 + (
                                         1 if late.loc[k, "machine"] == "M1" else 2))
                                      ).isoformat()]
    late.loc[k, "energy_cost"] = data.energy_cost(41, 41 + (1 if late.loc[k, "machine"]
                                                            == "M1" else 2), 20.0)
    assert any("due date" in p for p in validate_plans(late, data))
    relaxed = late.assign(relaxed=True)
    assert not any("due date" in p for p in validate_plans(relaxed, data))
    missing = frame.drop(index=_row(frame, "O3", "s1"))
    assert any("not planned" in p for p in validate_plans(missing, data))


def test_catches_a_wrong_machine_or_recipe(case) -> None:
    data, frame = case
    bad = frame.copy()
    bad.loc[_row(bad, "O0", "s0"), "machine"] = "M2"
    assert any("not an allowed mode" in p for p in validate_plans(bad, data))
    assert validate_plans(frame.drop(columns=["start"]), data) == [
        "plans lack column(s) start"]
