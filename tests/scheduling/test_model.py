"""Tiny instances with known optima, solved through solve_schedule and checked by the
independent validator: precedence, changeovers, calendars, tariff, power cap, recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.scheduling import (
    Changeover,
    CPModel,
    Mode,
    OutcomeStatus,
    ScheduleData,
    SolveOptions,
    SolverSettings,
    SolveStatus,
    plans_frame,
    solve_schedule,
    validate_plans,
)

from .conftest import make_data


def _solve(data: ScheduleData, objectives=("makespan_h",), n_plans: int = 1):
    outcome = solve_schedule(data, SolveOptions(tuple(objectives), n_plans, 5.0, 1, 0))
    assert outcome.status is OutcomeStatus.SOLVED, outcome.message
    assert validate_plans(plans_frame(outcome), data) == []
    return outcome


def test_two_machine_flow_shop_matches_johnson() -> None:
    # Johnson's rule: j1, j0, j2 -> makespan 8 (= load of M1 + shortest first op)
    data = make_data([[(0, 3), (1, 2)], [(0, 1), (1, 4)], [(0, 2), (1, 1)]], machines=2)
    plan = _solve(data).plans[0]
    assert plan.objectives["makespan_h"] == 8
    assert plan.status is SolveStatus.OPTIMAL and plan.bound == 8 and plan.gap == 0


def test_changeovers_group_products() -> None:
    # A, B, A on one machine with 3 h changeovers: A A B (or B A A) -> 2+2+3+2 = 9
    data = make_data([[(0, 2)], [(0, 2)], [(0, 2)]], products=("A", "B"),
                     job_products=[0, 1, 0],
                     changeovers=[Changeover(0, 0, 1, 3, 10.0), Changeover(0, 1, 0, 3, 10.0)])
    plan = _solve(data).plans[0]
    assert plan.objectives["makespan_h"] == 9
    frame = plans_frame(_solve(data, ("changeover_cost",)))
    assert frame["changeover_cost"].sum() == 10.0
    assert (frame["changeover_h"] > 0).sum() == 1


def test_maintenance_window_is_respected() -> None:
    # a 5 h job cannot run before the window [3, 10); the 2 h job fits before it
    data = make_data([[(0, 2)], [(0, 5)]], breaks={0: [(3, 10)]})
    outcome = _solve(data)
    assert outcome.plans[0].objectives["makespan_h"] == 15
    frame = plans_frame(outcome)
    assert frame.loc[frame["order"] == "O1", "start"].item() == 10


def test_tariff_picks_the_cheap_mode_and_time() -> None:
    # price 0.1 before 8, 0.3 from 8 to 20, default 0.2 after; release 7
    # mode 0: 2 h, 20 kWh -> best 4.0 (at 7 or from 20); mode 1: 4 h, 16 kWh -> 3.2 from 20
    job = [[Mode(0, 2, energy_kwh=20.0), Mode(0, 4, energy_kwh=16.0)]]
    data = make_data([job], releases=[7], horizon=24, tariff=[(0, 8, 0.1), (8, 20, 0.3)],
                     default_price=0.2)
    outcome = _solve(data, ("energy_cost",))
    plan = outcome.plans[0]
    assert plan.objectives["energy_cost"] == pytest.approx(3.2)
    assert plan.assignments[0].mode == 1 and plan.assignments[0].start == 20
    frame = plans_frame(outcome)
    assert frame["energy_cost"].item() == pytest.approx(3.2)
    assert frame["power_kw"].item() == pytest.approx(4.0)


def test_power_cap_serialises_heavy_steps() -> None:
    heavy = [[Mode(0, 3, energy_kwh=180.0)]], [[Mode(1, 3, energy_kwh=180.0)]]
    free = make_data(list(heavy), machines=2)
    capped = make_data(list(heavy), machines=2, power_cap_kw=100.0)
    assert _solve(free).plans[0].objectives["makespan_h"] == 3
    assert _solve(capped).plans[0].objectives["makespan_h"] == 6


def test_one_recipe_per_batch() -> None:
    # recipe 0: 1 h then 5 h; recipe 1: 5 h then 1 h; mixing (1 + 1) is not allowed
    from optimizer.scheduling import Job, Machine, Order, Recipe, Task

    tasks = (Task(0, 0, "a", (Mode(0, 1, recipe=0), Mode(0, 5, recipe=1))),
             Task(0, 1, "b", (Mode(1, 5, recipe=0), Mode(1, 1, recipe=1))))
    data = ScheduleData((Machine("M0"), Machine("M1")), ("A",), (Order("O", 0),),
                        (Job(0, 1, (0, 1)),), tasks,
                        recipes=(Recipe("r0", 0), Recipe("r1", 0)), horizon=50,
                        time_unit_min=60.0)
    outcome = _solve(data)
    assert outcome.plans[0].objectives["makespan_h"] == 6
    assert plans_frame(outcome)["recipe_id"].nunique() == 1


def test_max_wait_holds() -> None:
    # job 0 must go to M1 right after M0; job 1 blocks M1 during [1, 4)
    from dataclasses import replace

    data = make_data([[(0, 1), (1, 2)], [(1, 3)]], machines=2, releases=[0, 1])
    tasks = list(data.tasks)
    tasks[1] = replace(tasks[1], max_wait=0)
    data = replace(data, tasks=tuple(tasks))
    frame = plans_frame(_solve(data))
    first = frame[frame["order"] == "O0"].sort_values("step_index")
    assert first["start"].iloc[1] == first["end"].iloc[0]


def test_cpmodel_alone_proves_ft06(jsplib_ft06: ScheduleData) -> None:
    run = CPModel(jsplib_ft06).solve(SolverSettings(10.0, 1), minimize="makespan_h")
    assert run.status is SolveStatus.OPTIMAL and run.objective == 55 and run.bound == 55


@pytest.fixture
def jsplib_ft06(jsplib: Path) -> ScheduleData:
    from optimizer.scheduling import load_jsplib

    return load_jsplib("ft06", jsplib)
