"""Exact plan figures recomputed from an assignment (floats, user units).

The solver optimises integer surrogates of the objectives; everything a plan reports
(objective values, per-step energy cost, changeovers) comes from here instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.scheduling.data import ScheduleData
from optimizer.scheduling.result import Assignment

__all__ = ["StepFigures", "plan_metrics", "step_figures"]


@dataclass(frozen=True)
class StepFigures:
    """Figures of one scheduled task.

    Attributes:
        assignment: The task's assignment.
        energy_kwh: Energy used [kWh].
        energy_cost: Its cost under the tariff [currency].
        changeover: Changeover time before it on its machine [time units].
        changeover_cost: Its cost [currency].
        previous: The task run just before it on the same machine, or ``None``.
    """

    assignment: Assignment
    energy_kwh: float
    energy_cost: float
    changeover: int
    changeover_cost: float
    previous: int | None


def step_figures(data: ScheduleData, assignments: Sequence[Assignment]) -> list[StepFigures]:
    """Per-task figures, in the order of ``assignments``."""
    prev: dict[int, int | None] = {}
    by_machine: dict[int, list[Assignment]] = {}
    for a in assignments:
        by_machine.setdefault(data.tasks[a.task].modes[a.mode].machine, []).append(a)
    for seq in by_machine.values():
        seq.sort(key=lambda a: (a.start, a.end, a.task))
        prev[seq[0].task] = None
        for x, y in itertools.pairwise(seq):
            prev[y.task] = x.task
    out = []
    for a in assignments:
        mode = data.tasks[a.task].modes[a.mode]
        p = prev[a.task]
        setup, cost = (0, 0.0)
        if p is not None:
            setup, cost = data.setup(mode.machine, data.task_product(p),
                                     data.task_product(a.task))
        out.append(StepFigures(a, mode.energy_kwh,
                               data.energy_cost(a.start, a.end, mode.energy_kwh),
                               setup, cost, p))
    return out


def plan_metrics(data: ScheduleData, assignments: Sequence[Assignment]) -> dict[str, float]:
    """Every objective of a plan, plus counts, in user units (of the tasks assigned).

    Returns:
        ``makespan_h``, ``weighted_tardiness_h``, ``energy_cost``, ``changeover_cost``,
        ``material_t``, ``good_output_t``, ``energy_kwh``, ``late_orders``,
        ``changeovers``.
    """
    figures = step_figures(data, assignments)
    by_task = {a.task: a for a in assignments}
    completion: dict[int, int] = {}
    for job in data.jobs:
        last = by_task.get(job.tasks[-1])
        if last is not None:
            completion[job.order] = max(completion.get(job.order, 0), last.end)
    tardiness = 0.0
    late = 0
    for o, order in enumerate(data.orders):
        if order.due is not None and o in completion and completion[o] > order.due:
            tardiness += order.weight * data.hours(completion[o] - order.due)
            late += 1
    modes = [data.tasks[a.task].modes[a.mode] for a in assignments]
    return {
        "makespan_h": data.hours(max((a.end for a in assignments), default=0)),
        "weighted_tardiness_h": tardiness,
        "energy_cost": sum(f.energy_cost for f in figures),
        "changeover_cost": sum(f.changeover_cost for f in figures),
        "material_t": sum(m.material_t for m in modes),
        "good_output_t": sum(m.good_output_t for m in modes),
        "energy_kwh": sum(m.energy_kwh for m in modes),
        "late_orders": float(late),
        "changeovers": float(sum(1 for f in figures if f.changeover > 0
                                 or f.changeover_cost > 0)),
    }
