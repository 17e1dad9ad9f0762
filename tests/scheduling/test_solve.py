"""The epsilon-constraint sweep, infeasibility explanations, reproducibility, and the
bundled week end to end (short time limits)."""

from __future__ import annotations

import pytest

from optimizer.scheduling import (
    OBJECTIVES,
    Mode,
    OutcomeStatus,
    SchedulingConfig,
    SolveOptions,
    build_schedule_data,
    plan_summary_frame,
    plans_frame,
    solve_schedule,
    validate_plans,
)

from .conftest import WEEK_DIR, make_data, week_raw


def _tradeoff_data():
    """Four batches on two machines; each can run fast and expensive (day) or slow and
    cheap, so makespan and energy cost conflict."""
    fast = Mode(0, 2, energy_kwh=40.0)
    slow = Mode(0, 4, energy_kwh=24.0)
    fast1 = Mode(1, 2, energy_kwh=40.0)
    slow1 = Mode(1, 4, energy_kwh=24.0)
    return make_data([[[fast, slow, fast1, slow1]]] * 4, machines=2, horizon=40,
                     tariff=[(0, 6, 0.40), (6, 12, 0.10)], default_price=0.25)


def _dominates(a: dict, b: dict, objectives) -> bool:
    signs = [-1 if OBJECTIVES[o][0] == "maximize" else 1 for o in objectives]
    pa = [s * a[o] for s, o in zip(signs, objectives, strict=True)]
    pb = [s * b[o] for s, o in zip(signs, objectives, strict=True)]
    return all(x <= y + 1e-9 for x, y in zip(pa, pb, strict=True)) and pa != pb


def test_epsilon_plans_are_mutually_non_dominated() -> None:
    data = _tradeoff_data()
    objectives = ("makespan_h", "energy_cost")
    outcome = solve_schedule(data, SolveOptions(objectives, 4, 3.0, 1, 0))
    assert outcome.status is OutcomeStatus.SOLVED
    plans = outcome.plans
    assert len(plans) >= 2
    for a in plans:
        for b in plans:
            assert not _dominates(a.objectives, b.objectives, objectives)
    # the anchors: best makespan (two fast batches per machine) and best cost
    assert min(p.objectives["makespan_h"] for p in plans) == 4
    # cheapest: everything in the 0.10 window [6, 12) or spread at 0.25 with slow modes
    assert min(p.objectives["energy_cost"] for p in plans) < plans[0].objectives[
        "energy_cost"]
    summary = plan_summary_frame(outcome)
    assert list(summary["plan"]) == list(range(1, len(plans) + 1))
    assert summary["makespan_h"].is_monotonic_increasing
    assert (summary["gap"].fillna(0) >= 0).all() and (summary["seconds"] > 0).all()
    assert validate_plans(plans_frame(outcome), data) == []


def test_impossible_due_date_is_infeasible_and_names_the_order() -> None:
    # O1 is released at 0 and due at 3 but needs 2 + 2 h behind O0 on one machine
    data = make_data([[(0, 2)], [(0, 2)], [(0, 2)]], releases=[0, 0, 0],
                     dues=[2, 3, 20], weights=[1.0, 1.0, 1.0], horizon=30,
                     due_dates_hard=True)
    outcome = solve_schedule(data, SolveOptions(("makespan_h",), 1, 3.0, 1, 0,
                                                explain_time_s=10.0))
    assert outcome.status is OutcomeStatus.INFEASIBLE
    assert outcome.conflicts and "due" in outcome.conflicts[0].kinds
    assert "O0" in outcome.message or "O1" in outcome.message
    involved = set(outcome.conflicts[0].orders)
    assert involved <= {"O0", "O1"} and involved
    # the relaxed plan: due dates turned into tardiness, still valid otherwise
    (plan,) = outcome.plans
    assert plan.relaxed and plan.objectives["weighted_tardiness_h"] == 1.0
    frame = plans_frame(outcome)
    assert frame["relaxed"].all()
    assert validate_plans(frame, data) == []


def test_quick_conflict_for_a_single_batch() -> None:
    data = make_data([[(0, 3), (0, 3)]], dues=[5], horizon=30, due_dates_hard=True)
    outcome = solve_schedule(data, SolveOptions(("makespan_h",), 1, 2.0, 1, 0))
    assert outcome.status is OutcomeStatus.INFEASIBLE
    assert "Order O0 cannot meet its due date" in outcome.message
    assert "at least 6 h" in outcome.message
    assert outcome.plans and outcome.plans[0].objectives["weighted_tardiness_h"] == 1.0


def test_step_longer_than_every_shift_is_explained() -> None:
    data = make_data([[(0, 5)]], breaks={0: [(4, 8), (12, 16), (20, 30)]}, horizon=30)
    outcome = solve_schedule(data, SolveOptions(("makespan_h",), 1, 2.0, 1, 0))
    assert outcome.status is OutcomeStatus.INFEASIBLE
    assert "longer than any working window of M0" in outcome.message
    assert outcome.plans == ()


def test_same_seed_one_worker_reproduces() -> None:
    data = _tradeoff_data()
    opts = SolveOptions(("energy_cost", "makespan_h"), 3, 3.0, 1, 7)
    first = plans_frame(solve_schedule(data, opts))
    second = plans_frame(solve_schedule(data, opts))
    assert first.equals(second)


def test_bundled_week_end_to_end() -> None:
    raw = week_raw()
    raw.update(n_plans=1, time_limit_s=3.0)
    config = SchedulingConfig.model_validate(raw)
    data = build_schedule_data(config, None, base_dir=WEEK_DIR)
    outcome = solve_schedule(data, config)
    assert outcome.status is OutcomeStatus.SOLVED
    frame = plans_frame(outcome)
    assert validate_plans(frame, data) == []
    assert set(frame["machine"]) == {"L1", "L2", "F1", "D1"}
    assert (frame["changeover_h"] > 0).any()
    summary = plan_summary_frame(outcome)
    assert summary.loc[0, "late_orders"] == 0
    assert summary.loc[0, "status"] in ("optimal", "feasible")


@pytest.mark.parametrize("bad", [dict(objectives=()), dict(objectives=("speed",)),
                                 dict(n_plans=0), dict(time_limit_s=0)])
def test_solve_options_are_checked(bad) -> None:
    with pytest.raises(ValueError):
        SolveOptions(**bad)


def test_identical_batches_with_changeovers_stay_optimal() -> None:
    # order X: 3 identical batches of A; order Y: one batch of B; A<->B changeovers 3 h
    from optimizer.scheduling import Changeover, Job, Machine, Order, ScheduleData, Task

    tasks = tuple(Task(j, 0, "s", (Mode(0, 2),)) for j in range(4))
    data = ScheduleData(
        (Machine("M0"),), ("A", "B"), (Order("X", 0), Order("Y", 1)),
        (Job(0, 1, (0,)), Job(0, 2, (1,)), Job(0, 3, (2,)), Job(1, 1, (3,))), tasks,
        changeovers=(Changeover(0, 0, 1, 3), Changeover(0, 1, 0, 3)), horizon=40,
        time_unit_min=60.0)
    outcome = solve_schedule(data, SolveOptions(("makespan_h",), 1, 5.0, 1, 0))
    assert outcome.plans[0].objectives["makespan_h"] == 11  # A A A B: 6 + 3 + 2
    frame = plans_frame(outcome)
    assert validate_plans(frame, data) == []
    batches = frame[frame["order"] == "X"].sort_values("start")["batch"].tolist()
    assert batches == [1, 2, 3]  # symmetry breaking keeps batch order


def test_maintenance_conflict_is_explained_by_the_core() -> None:
    # the 3 h job fits neither before the window [2, 10) nor after it by its due date 8
    data = make_data([[(0, 3)], [(0, 1)]], breaks={0: [(2, 10)]}, dues=[8, 20],
                     horizon=30, due_dates_hard=True)
    outcome = solve_schedule(data, SolveOptions(("makespan_h",), 1, 3.0, 1, 0,
                                                explain_time_s=10.0))
    assert outcome.status is OutcomeStatus.INFEASIBLE
    (conflict,) = outcome.conflicts
    assert set(conflict.kinds) == {"due", "maintenance"}
    assert conflict.orders == ("O0",) and "M0" in conflict.machines
    assert "O0" in outcome.message and "maintenance" in outcome.message
    (plan,) = outcome.plans
    assert plan.relaxed and plan.objectives["weighted_tardiness_h"] == 5.0
