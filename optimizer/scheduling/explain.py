"""Why no plan meets the hard constraints, in plain words.

Two layers. Quick checks find the obvious cases without a solver: a batch whose steps
cannot fit between its order's release and due date, or within the horizon; a step that
draws more power than the cap on every machine it may use; a step longer than every
working window of its machines. If none applies, CP-SAT is asked with every relaxable
constraint (due dates, release dates, calendars, maintenance, power cap) behind an
assumption literal; the infeasible core it returns is shrunk by deletion (one short solve
per member) so that the message names only what really conflicts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from optimizer.scheduling.constraints import Assumption
from optimizer.scheduling.data import ScheduleData
from optimizer.scheduling.model import CPModel, SolverSettings
from optimizer.scheduling.result import Assignment, Conflict, SolveStatus

__all__ = ["Explanation", "explain_infeasibility", "quick_conflicts"]


@dataclass(frozen=True)
class Explanation:
    """What the search for conflicting constraints found.

    Attributes:
        conflicts: The conflicts, in plain words (empty when none was proven).
        proven: CP-SAT proved that the hard constraints cannot all hold.
        plan: A plan meeting every hard constraint, when the search found one instead.
    """

    conflicts: tuple[Conflict, ...] = ()
    proven: bool = False
    plan: tuple[Assignment, ...] | None = None


def _fmt(data: ScheduleData, units: int) -> str:
    when = data.to_datetime(units)
    if isinstance(when, int | float):
        return f"t={when:g}"
    return when.strftime("%a %Y-%m-%d %H:%M")


def _h(data: ScheduleData, units: int) -> str:
    return f"{data.hours(units):.4g} h"


def quick_conflicts(data: ScheduleData, *, due_dates: bool = True) -> list[Conflict]:
    """Conflicts visible from one batch at a time (no solver needed).

    Args:
        data: The instance.
        due_dates: Check hard due dates too (when ``data.due_dates_hard``).
    """
    out: list[Conflict] = []
    seen_orders: set[int] = set()
    for job in data.jobs:
        o = job.order
        if o in seen_orders:
            continue
        order = data.orders[o]
        steps = [data.tasks[t] for t in job.tasks]
        need = sum(t.min_duration for t in steps)
        detail = ", ".join(f"{t.name} >= {_h(data, t.min_duration)}" for t in steps)
        machines = tuple(dict.fromkeys(data.machines[m].name for t in steps
                                       for m in t.machines))
        if order.release + need > data.horizon:
            seen_orders.add(o)
            out.append(Conflict(
                f"Order {order.name} cannot finish within the planning horizon (ends"
                f" {_fmt(data, data.horizon)}): released {_fmt(data, order.release)}, a batch"
                f" takes at least {_h(data, need)} ({detail}).",
                (order.name,), machines,
                (f"order {order.name} is released at {_fmt(data, order.release)}",
                 f"every step ends by {_fmt(data, data.horizon)}"), ("release", "horizon")))
        elif (due_dates and data.due_dates_hard and order.due is not None
              and order.release + need > order.due):
            seen_orders.add(o)
            out.append(Conflict(
                f"Order {order.name} cannot meet its due date {_fmt(data, order.due)}:"
                f" released {_fmt(data, order.release)}, a batch takes at least"
                f" {_h(data, need)} ({detail}).",
                (order.name,), machines,
                (f"order {order.name} finishes by its due date {_fmt(data, order.due)}",
                 f"order {order.name} is released at {_fmt(data, order.release)}"),
                ("due", "release")))
        for task in steps:
            if data.power_cap_kw is not None:
                low = min(data.mode_power_kw(m) for m in task.modes)
                if low > data.power_cap_kw + 1e-9:
                    seen_orders.add(o)
                    out.append(Conflict(
                        f"Step {task.name} of order {order.name} draws at least {low:.1f} kW,"
                        f" above the power cap of {data.power_cap_kw:g} kW.",
                        (order.name,), tuple(data.machines[m].name for m in task.machines),
                        (f"total power stays under {data.power_cap_kw:g} kW",), ("power_cap",)))
            fits = False
            longest = 0
            for mode in task.modes:
                gap = _longest_window(data, mode.machine)
                longest = max(longest, gap)
                fits |= mode.duration <= gap
            if not fits:
                seen_orders.add(o)
                names = tuple(data.machines[m].name for m in task.machines)
                out.append(Conflict(
                    f"Step {task.name} of order {order.name} takes at least"
                    f" {_h(data, task.min_duration)}, longer than any working window of"
                    f" {', '.join(names)} (longest {_h(data, longest)}).",
                    (order.name,), names,
                    tuple(f"{n} works only in its shifts" for n in names), ("calendar",)))
    return out


def _longest_window(data: ScheduleData, machine: int) -> int:
    cursor, best = 0, 0
    for brk in data.machines[machine].breaks:
        best = max(best, brk.start - cursor)
        cursor = max(cursor, brk.end)
    return max(best, data.horizon - cursor)


def explain_infeasibility(data: ScheduleData, *, time_limit_s: float = 20.0, seed: int = 0,
                          progress: Callable[[str], None] | None = None) -> Explanation:
    """Find which hard constraints conflict.

    Args:
        data: An instance for which no plan was found.
        time_limit_s: Total solver time for the core search and its minimisation [s].
        seed: CP-SAT seed.
        progress: Called with a short status line now and then.

    Returns:
        The conflicts (most specific first) if infeasibility was proven; else possibly
        a plan that the search found instead.
    """
    quick = quick_conflicts(data)
    if quick:
        return Explanation(tuple(quick), proven=True)
    deadline = time.perf_counter() + time_limit_s
    model = CPModel(data, explain=True)

    def budget(share: float) -> float:
        return max(0.5, (deadline - time.perf_counter()) * share)

    if progress:
        progress("searching for the conflicting constraints")
    # assumption cores need a single worker
    run = model.solve_with_assumptions(SolverSettings(budget(0.5), 1, seed))
    if run.has_solution:
        return Explanation(plan=run.assignments)
    if run.status is not SolveStatus.INFEASIBLE:
        return Explanation()
    if not model.constraints.assumptions or not run.core:
        return Explanation((_capacity_conflict(data),), proven=True)
    core = list(run.core)
    # deletion-based minimisation: drop a member if the rest is still infeasible
    i = 0
    while i < len(core) and time.perf_counter() < deadline and len(core) > 1:
        trial = core[:i] + core[i + 1:]
        step = model.solve_with_assumptions(
            SolverSettings(min(budget(0.25), 10.0), 1, seed), keep=trial)
        if step.status is SolveStatus.INFEASIBLE:
            core = [a for a in trial if not step.core or a in step.core] or trial
        else:
            i += 1
    return Explanation((_core_conflict(data, core),), proven=True)


def _core_conflict(data: ScheduleData, core: list[Assumption]) -> Conflict:
    orders = tuple(dict.fromkeys(a.order for a in core if a.order))
    machines = set(a.machine for a in core if a.machine)
    for job in data.jobs:
        if data.orders[job.order].name in orders:
            machines.update(data.machines[m].name for t in job.tasks
                            for m in data.tasks[t].machines)
    texts = tuple(a.text for a in core)
    names = sorted(machines, key=[m.name for m in data.machines].index)
    where = f" on {', '.join(names)}" if names else ""
    if len(core) == 1 and core[0].kind == "due" and core[0].order:
        o = next(i for i, x in enumerate(data.orders) if x.name == core[0].order)
        n = sum(1 for j in data.jobs if j.order == o)
        due = data.orders[o].due
        message = (f"Order {core[0].order} cannot meet its due date"
                   f" {_fmt(data, due if due is not None else data.horizon)}: its {n}"
                   f" batch(es) do not fit{where} in time, even if every other order"
                   " gave way.")
    else:
        late = [a.order for a in core if a.kind == "due" and a.order]
        lead = (f"Order(s) {', '.join(late)} cannot meet their due dates" if late
                else "No plan fits")
        message = f"{lead}: these cannot all hold{where}: " + "; ".join(texts) + "."
    kinds = tuple(dict.fromkeys(a.kind for a in core))
    return Conflict(message, orders, tuple(sorted(machines)), texts, kinds)


def _capacity_conflict(data: ScheduleData) -> Conflict:
    return Conflict(
        "Even with due dates, release dates, calendars, maintenance and the power cap"
        " switched off, the batches do not fit in the planning horizon (ends"
        f" {_fmt(data, data.horizon)}); lengthen horizon_h or move orders out.",
        (), tuple(m.name for m in data.machines), ("every step ends within the horizon",),
        ("horizon",))
