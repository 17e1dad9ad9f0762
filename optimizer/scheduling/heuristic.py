"""A constructive plan: serial schedule generation, used to hint CP-SAT.

Batches are taken in order of due date (then release), and each batch's steps are placed
one after the other at the earliest time that respects everything the model does:
machine occupation with changeovers on both sides of the insertion point, unavailable
windows, the power cap, release dates and maximum waits (a batch whose next step would
wait too long is restarted later). For each batch, the mode (machine and recipe) that
finishes the batch first is kept. The result is a complete, feasible assignment whenever
one is found this way; CP-SAT starts from it, which matters on instances whose first
solution is hard to find by search (shared machines with changeovers and no-wait steps).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from optimizer.scheduling.data import ScheduleData
from optimizer.scheduling.result import Assignment

__all__ = ["best_greedy", "greedy_schedule"]

_MAX_RESTARTS = 50
_BIG = 2**62


@dataclass
class _Timeline:
    """One machine: its tasks as sorted, disjoint ``(start, end, product)`` and its
    unavailable windows as sorted ``(start, end)``."""

    tasks: list[tuple[int, int, int]] = field(default_factory=list)
    breaks: list[tuple[int, int]] = field(default_factory=list)

    def earliest(self, data: ScheduleData, machine: int, product: int, t: int,
                 duration: int) -> int:
        """Earliest start >= ``t`` of a task of ``product`` lasting ``duration``, with the
        changeovers to the tasks before and after it and outside unavailable windows."""
        s = t
        while True:
            moved = self._after_tasks(data, machine, product, s, duration)
            for a, b in self.breaks:
                if a < moved + duration and moved < b and b > a:
                    moved = b
            if moved == s:
                return s
            s = moved

    def _after_tasks(self, data: ScheduleData, machine: int, product: int, s: int,
                     duration: int) -> int:
        items = self.tasks
        i = bisect.bisect_right(items, (s, _BIG, _BIG))
        while True:
            if i > 0:
                prev = items[i - 1]
                s = max(s, prev[1] + data.setup(machine, prev[2], product)[0])
            if i >= len(items):
                return s
            nxt = items[i]
            if nxt[0] < s or (nxt[0] == s and duration == 0 and nxt[1] > s):
                i += 1
                continue
            if s + duration + data.setup(machine, product, nxt[2])[0] <= nxt[0]:
                return s
            i += 1

    def add(self, start: int, end: int, product: int) -> None:
        bisect.insort(self.tasks, (start, end, product))


@dataclass
class _Power:
    """Load profile for the power cap: sorted ``(time, delta)`` events."""

    cap: float | None
    events: list[tuple[int, float]] = field(default_factory=list)

    def fits(self, start: int, end: int, power: float) -> int | None:
        """``None`` if ``power`` fits over ``[start, end)``, else a later time to retry."""
        if self.cap is None or power <= 0 or end <= start:
            return None
        load = 0.0
        for time, delta in self.events:
            if time > start:
                break
            load += delta
        if load + power > self.cap + 1e-9:
            return self._next_drop(start)
        for time, delta in self.events:
            if time <= start:
                continue
            if time >= end:
                break
            load += delta
            if load + power > self.cap + 1e-9:
                return self._next_drop(time)
        return None

    def _next_drop(self, after: int) -> int:
        for time, delta in self.events:
            if time > after and delta < 0:
                return time
        return after + 1

    def add(self, start: int, end: int, power: float) -> None:
        if self.cap is None or power <= 0 or end <= start:
            return
        bisect.insort(self.events, (start, power))
        bisect.insort(self.events, (end, -power))


def greedy_schedule(data: ScheduleData, *, respect_due: bool = True,
                    bucket: int | None = None) -> list[Assignment]:
    """A feasible plan built batch by batch, or as much of one as fits.

    Args:
        data: The instance.
        respect_due: Prefer modes that meet hard due dates (batches are still placed
            when none does; the plan is then only a hint).
        bucket: Group batches whose due dates fall in the same bucket of this many time
            units by product (fewer changeovers); ``None``: plain earliest-due-date order.

    Returns:
        Assignments of every task that could be placed within the horizon.
    """
    timelines = [_Timeline() for _ in data.machines]
    for m, machine in enumerate(data.machines):
        timelines[m].breaks = [(b.start, b.end) for b in machine.breaks]
    power = _Power(data.power_cap_kw)
    def priority(j: int) -> tuple[int, int, int, int, int, int]:
        order = data.orders[data.jobs[j].order]
        due = order.due if order.due is not None else data.horizon
        group = (due // bucket, order.product) if bucket else (0, 0)
        return (*group, due, order.release, data.jobs[j].order, data.jobs[j].batch)

    order = sorted(range(data.num_jobs), key=priority)
    out: list[Assignment] = []
    for j in order:
        job = data.jobs[j]
        best: list[Assignment] | None = None
        best_key: tuple[bool, int, int] = (True, 0, 0)
        recipes: list[int | None] = [*sorted({m.recipe for t in job.tasks
                                              for m in data.tasks[t].modes
                                              if m.recipe is not None})] or [None]
        for recipe in recipes:
            plan = _place_job(data, job.tasks, recipe, timelines, power)
            if plan is None:
                continue
            due = data.orders[job.order].due
            late = respect_due and due is not None and plan[-1].end > due
            key = (late, plan[-1].end, plan[0].start)
            if best is None or key < best_key:
                best, best_key = plan, key
        if best is None:
            continue
        product = data.task_product(job.tasks[0])
        for a in best:
            mode = data.tasks[a.task].modes[a.mode]
            timelines[mode.machine].add(a.start, a.end, product)
            power.add(a.start, a.end, data.mode_power_kw(mode))
        out.extend(best)
    return out


def _place_job(data: ScheduleData, tasks: tuple[int, ...], recipe: int | None,
               timelines: list[_Timeline], power: _Power) -> list[Assignment] | None:
    job = data.jobs[data.tasks[tasks[0]].job]
    t0 = data.orders[job.order].release
    product = data.orders[job.order].product
    for _ in range(_MAX_RESTARTS):
        plan: list[Assignment] = []
        t = t0
        restart: int | None = None
        tentative = _Power(power.cap, list(power.events))
        for k, task_id in enumerate(tasks):
            task = data.tasks[task_id]
            choice: Assignment | None = None
            for idx, mode in enumerate(task.modes):
                if mode.recipe is not None and recipe is not None and mode.recipe != recipe:
                    continue
                s = _earliest(data, timelines[mode.machine], tentative, mode.machine,
                              product, t, mode.duration, data.mode_power_kw(mode))
                if s is None:
                    continue
                if choice is None or s + mode.duration < choice.end:
                    choice = Assignment(task_id, idx, s, s + mode.duration)
            if choice is None:
                return None
            wait = task.max_wait
            if k > 0 and wait is not None and choice.start - plan[-1].end > wait:
                restart = t0 + (choice.start - plan[-1].end - wait)
                break
            mode = task.modes[choice.mode]
            tentative.add(choice.start, choice.end, data.mode_power_kw(mode))
            plan.append(choice)
            t = choice.end
        if restart is None:
            return plan
        t0 = max(restart, t0 + 1)
    return None


def _earliest(data: ScheduleData, timeline: _Timeline, power: _Power, machine: int,
              product: int, t: int, duration: int, kw: float) -> int | None:
    s = t
    for _ in range(10_000):
        s = timeline.earliest(data, machine, product, s, duration)
        if s + duration > data.horizon:
            return None
        later = power.fits(s, s + duration, kw)
        if later is None:
            return s
        s = max(later, s + 1)
    return None


def best_greedy(data: ScheduleData, objective: str, *, respect_due: bool = True
                ) -> list[Assignment]:
    """The best of several greedy plans: earliest due date first, and grouped by product
    within due-date buckets of 12 h, 1 day, 3 days and 1 week.

    Args:
        data: The instance.
        objective: Objective to compare complete plans by (a key of
            :func:`~optimizer.scheduling.metrics.plan_metrics`; maximised for
            ``good_output_t``).
        respect_due: See :func:`greedy_schedule`.

    Returns:
        The plan placing the most tasks, then with the fewest late orders (when due
        dates are hard), then the best ``objective``.
    """
    from optimizer.scheduling.metrics import plan_metrics

    per_hour = 60.0 / data.time_unit_min
    best: list[Assignment] = []
    best_key: tuple[float, float, float] | None = None
    sign = -1.0 if objective == "good_output_t" else 1.0
    for hours in (None, 12, 24, 72, 168):
        bucket = None if hours is None else max(1, round(hours * per_hour))
        plan = greedy_schedule(data, respect_due=respect_due, bucket=bucket)
        metrics = plan_metrics(data, plan)
        late = metrics["late_orders"] if data.due_dates_hard and respect_due else 0.0
        key = (-float(len(plan)), late, sign * metrics.get(objective, 0.0))
        if best_key is None or key < best_key:
            best, best_key = plan, key
    return best
