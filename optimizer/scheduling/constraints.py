"""CP-SAT constraints, one method per family (after PyJobShop's ``Constraints``).

Families: mode choice, recipe consistency within a batch, step precedence (with maximum
waits), release and due dates, machine capacity with unavailable windows, sequence-
dependent changeovers, the power cap, and symmetry breaking between the identical batches
of an order. In *explain* mode the hard constraints that a user can relax (due dates,
release dates, calendars, maintenance windows, power cap) are switched by assumption
literals, so that CP-SAT can report which of them conflict.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import Literal as TypingLiteral

from ortools.sat.python import cp_model

from optimizer.scheduling.data import ScheduleData
from optimizer.scheduling.variables import Variables

__all__ = ["MAX_CIRCUIT_TASKS", "NEIGHBOURS", "POWER_RESOLUTION_KW", "Assumption",
           "Constraints", "power_units"]

#: Machines with more candidate tasks than this get a restricted changeover circuit: a
#: task may only directly follow one of its :data:`NEIGHBOURS` nearest tasks in the order
#: of a reference plan (all-pairs arcs grow quadratically: 500 tasks = 250 000 arcs).
MAX_CIRCUIT_TASKS = 150
NEIGHBOURS = 20

#: Power demands in the cumulative constraint are whole multiples of this [kW], rounded
#: up, and the cap is rounded down: plans under the modelled cap are under the real one.
POWER_RESOLUTION_KW = 0.1

AssumptionKind = TypingLiteral["due", "release", "calendar", "maintenance", "power_cap"]


@dataclass(frozen=True)
class Assumption:
    """A hard constraint that explain mode can switch off, in plain words.

    Attributes:
        kind: Which family it belongs to.
        text: What it demands, for messages (e.g. ``"order O-17 finishes by ..."``).
        order: The order it concerns, if any.
        machine: The machine it concerns, if any.
    """

    kind: AssumptionKind
    text: str
    order: str | None = None
    machine: str | None = None


class Constraints:
    """Adds every constraint family to the model.

    Args:
        model: The CP-SAT model.
        data: The instance.
        variables: The model's variables.
        explain: Switch user-relaxable constraints by assumption literals.
        relax_due_dates: Treat due dates as soft even when ``data.due_dates_hard``.
    """

    def __init__(self, model: cp_model.CpModel, data: ScheduleData, variables: Variables,
                 *, explain: bool = False, relax_due_dates: bool = False,
                 reference: Mapping[int, float] | None = None) -> None:
        self.model = model
        self.reference = reference
        self.data = data
        self.vars = variables
        self.explain = explain
        self.hard_due = data.due_dates_hard and not relax_due_dates
        #: ``(literal, assumption)`` pairs in explain mode.
        self.assumptions: list[tuple[cp_model.IntVar, Assumption]] = []
        #: ``(arc literal, cost)`` of every changeover arc with a cost.
        self.changeover_costs: list[tuple[cp_model.IntVar, float]] = []
        #: ``machine -> {(task_i, task_j): arc literal}`` for machines with changeovers.
        self.arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = {}
        #: ``machine -> {task: (first literal, last literal)}``.
        self.ends_of_sequence: dict[int, dict[int, tuple[cp_model.IntVar,
                                                          cp_model.IntVar]]] = {}
        self.symmetric_jobs: set[tuple[int, int]] = set()
        #: Machines whose changeover circuit was restricted to near neighbours.
        self.restricted: list[str] = []

    def add_all(self) -> None:
        """Add every family."""
        self.select_modes()
        self.recipe_consistency()
        self.precedence()
        self.release_dates()
        self.due_dates()
        self.identical_batches()
        self.machine_capacity()
        self.machine_pools()
        self.changeovers()
        self.power_cap()

    def _assume(self, assumption: Assumption) -> cp_model.IntVar:
        lit = self.model.new_bool_var(f"assume_{len(self.assumptions)}")
        self.assumptions.append((lit, assumption))
        return lit

    def _when(self, units: int) -> str:
        when = self.data.to_datetime(units)
        return when.strftime("%a %Y-%m-%d %H:%M") if not isinstance(when, float | int) \
            else f"t={when:g}"

    # ---- families ----------------------------------------------------------------------
    def select_modes(self) -> None:
        """Exactly one mode per task."""
        for lits in self.vars.presence:
            if len(lits) > 1:
                self.model.add_exactly_one(lits)  # type: ignore[arg-type]

    def recipe_consistency(self) -> None:
        """All recipe steps of a batch use the same recipe."""
        for j, choice in self.vars.recipe.items():
            self.model.add_exactly_one(list(choice.values()))
            for t in self.data.jobs[j].tasks:
                modes = self.data.tasks[t].modes
                if all(m.recipe is None for m in modes):
                    continue
                for r, lit in choice.items():
                    members = [p for m, p in zip(modes, self.vars.presence[t], strict=True)
                               if m.recipe == r]
                    self.model.add(sum(members) == lit)  # type: ignore[arg-type]

    def precedence(self) -> None:
        """Steps of a batch run in routing order, within their maximum waits."""
        v = self.vars
        for job in self.data.jobs:
            for a, b in zip(job.tasks, job.tasks[1:], strict=False):
                self.model.add(v.start[b] >= v.end[a])
                wait = self.data.tasks[b].max_wait
                if wait is not None:
                    self.model.add(v.start[b] <= v.end[a] + wait)

    def release_dates(self) -> None:
        """No batch starts before its order is released (by domain, or by assumption)."""
        if not self.explain:
            return  # the start domains already hold them
        for o, order in enumerate(self.data.orders):
            if order.release <= 0:
                continue
            lit = self._assume(Assumption(
                "release", f"order {order.name} is released only at {self._when(order.release)}",
                order=order.name))
            for job in self.data.jobs:
                if job.order == o:
                    self.model.add(self.vars.start[job.tasks[0]] >= order.release
                                   ).only_enforce_if(lit)

    def due_dates(self) -> None:
        """Hard due dates (by domain, or by assumption in explain mode)."""
        if not (self.explain and self.hard_due):
            return
        for o, order in enumerate(self.data.orders):
            if order.due is None:
                continue
            lit = self._assume(Assumption(
                "due", f"order {order.name} finishes by its due date {self._when(order.due)}",
                order=order.name))
            for job in self.data.jobs:
                if job.order == o:
                    self.model.add(self.vars.end[job.tasks[-1]] <= order.due
                                   ).only_enforce_if(lit)

    def identical_batches(self) -> None:
        """Order the first steps of interchangeable batches of one order (symmetry)."""
        data = self.data
        by_order: dict[int, list[int]] = {}
        for j, job in enumerate(data.jobs):
            by_order.setdefault(job.order, []).append(j)
        for jobs in by_order.values():
            jobs.sort(key=lambda j: data.jobs[j].batch)
            for a, b in itertools.pairwise(jobs):
                ta, tb = data.jobs[a].tasks, data.jobs[b].tasks
                if [(data.tasks[x].modes, data.tasks[x].max_wait) for x in ta] != \
                        [(data.tasks[x].modes, data.tasks[x].max_wait) for x in tb]:
                    continue
                self.model.add(self.vars.start[ta[0]] <= self.vars.start[tb[0]])
                self.symmetric_jobs.add((a, b))

    def machine_capacity(self) -> None:
        """One task at a time per machine, never inside an unavailable window."""
        data, v = self.data, self.vars
        per_machine: list[list[cp_model.IntervalVar]] = [[] for _ in data.machines]
        for t, task in enumerate(data.tasks):
            for mode, interval in zip(task.modes, v.intervals[t], strict=True):
                per_machine[mode.machine].append(interval)
        for m, machine in enumerate(data.machines):
            intervals = per_machine[m]
            if not intervals:
                continue
            calendar_lit: cp_model.IntVar | None = None
            for k, brk in enumerate(machine.breaks):
                size = brk.end - brk.start
                if not self.explain:
                    intervals.append(self.model.new_fixed_size_interval_var(
                        brk.start, size, f"break{m}_{k}"))
                    continue
                if brk.label.startswith("off shift"):
                    if calendar_lit is None:
                        calendar_lit = self._assume(Assumption(
                            "calendar", f"{machine.name} works only in its shifts",
                            machine=machine.name))
                    lit = calendar_lit
                else:
                    lit = self._assume(Assumption(
                        "maintenance", f"{machine.name} is down for {brk.label}"
                        f" {self._when(brk.start)} - {self._when(brk.end)}",
                        machine=machine.name))
                intervals.append(self.model.new_optional_fixed_size_interval_var(
                    brk.start, size, lit, f"break{m}_{k}"))
            if len(intervals) > 1:
                self.model.add_no_overlap(intervals)

    def machine_pools(self) -> None:
        """Redundant: tasks sharing a set of k > 1 eligible machines never run more than
        k at a time (minus machines in an unavailable window). A valid relaxation that
        gives CP-SAT the energetic bound of the pool, which per-machine optional
        intervals alone hide."""
        data, v, model = self.data, self.vars, self.model
        pools: dict[tuple[int, ...], list[int]] = {}
        for t, task in enumerate(data.tasks):
            machines = tuple(sorted(task.machines))
            if len(machines) > 1:
                pools.setdefault(machines, []).append(t)
        for machines, tasks in pools.items():
            if len(tasks) <= len(machines):
                continue
            intervals = []
            for t in tasks:
                durations = {m.duration for m in data.tasks[t].modes}
                if len(durations) == 1:
                    intervals.append(model.new_fixed_size_interval_var(
                        v.start[t], durations.pop(), f"pool{t}"))
                else:
                    intervals.append(model.new_interval_var(v.start[t], v.duration[t],
                                                            v.end[t], f"pool{t}"))
            demands = [1] * len(intervals)
            if not self.explain:
                for m in machines:
                    for brk in data.machines[m].breaks:
                        intervals.append(model.new_fixed_size_interval_var(
                            brk.start, brk.end - brk.start, f"poolbreak{m}"))
                        demands.append(1)
            model.add_cumulative(intervals, demands, len(machines))

    def changeovers(self) -> None:
        """Sequence-dependent changeovers: a circuit over each machine's tasks.

        An arc ``i -> j`` means ``j`` directly follows ``i`` on the machine, and forces
        ``start_j >= end_i + setup(product_i, product_j)``. Arcs that the time windows or
        the batch symmetry rule out are left out.
        """
        data, v = self.data, self.vars
        for m in range(data.num_machines):
            tasks = [t for t in range(data.num_tasks) if (t, m) in v.on_machine]
            if len(tasks) < 2:
                continue
            products = sorted({data.task_product(t) for t in tasks})
            if not any(data.setup(m, p, q) != (0, 0.0) for p in products for q in products):
                continue
            self._circuit(m, tasks)

    def _circuit(self, m: int, tasks: list[int]) -> None:
        data, v, model = self.data, self.vars, self.model
        first_of_job = {data.jobs[j].tasks[0]: j for j in range(data.num_jobs)}
        arcs: list[tuple[int, int, Any]] = []
        optional = 0
        self.arcs[m] = {}
        self.ends_of_sequence[m] = {}
        product = {t: data.task_product(t) for t in tasks}
        near: dict[int, int] | None = None
        reference = self.reference
        if len(tasks) > MAX_CIRCUIT_TASKS and reference is not None:
            ranked = sorted(tasks, key=lambda t: (reference.get(t, float("inf")), t))
            near = {t: r for r, t in enumerate(ranked)}
            self.restricted.append(data.machines[m].name)
        for i, t in enumerate(tasks, start=1):
            on = v.on_machine[t, m]
            if on is not True:
                arcs.append((i, i, on.Not()))  # type: ignore[union-attr]
                optional += 1
            first, last = model.new_bool_var(f"first{m}_{t}"), model.new_bool_var(f"last{m}_{t}")
            arcs.extend([(0, i, first), (i, 0, last)])
            self.ends_of_sequence[m][t] = (first, last)
        if optional == len(tasks):
            arcs.append((0, 0, model.new_bool_var(f"idle{m}")))
        for i, ti in enumerate(tasks, start=1):
            win_i = v.windows[ti]
            min_end_i = win_i.earliest_start + data.tasks[ti].min_duration
            for j, tj in enumerate(tasks, start=1):
                if i == j or (near is not None and abs(near[ti] - near[tj]) > NEIGHBOURS):
                    continue
                setup, cost = data.setup(m, product[ti], product[tj])
                latest_start_j = v.windows[tj].latest_end - data.tasks[tj].min_duration
                if min_end_i + setup > latest_start_j:
                    continue
                ji, jj = first_of_job.get(ti), first_of_job.get(tj)
                if (ji is not None and jj is not None and (jj, ji) in self.symmetric_jobs
                        and (data.tasks[ti].min_duration > 0 or setup > 0)):
                    continue  # tj's batch starts no later than ti's, so cannot follow it
                x = model.new_bool_var(f"x{m}_{ti}_{tj}")
                arcs.append((i, j, x))
                model.add(v.start[tj] >= v.end[ti] + setup).only_enforce_if(x)
                self.arcs[m][ti, tj] = x
                if cost > 0:
                    self.changeover_costs.append((x, cost))
        model.add_circuit(arcs)  # type: ignore[arg-type]

    def power_cap(self) -> None:
        """Total power drawn never exceeds the cap (a cumulative over all modes)."""
        data, v = self.data, self.vars
        if data.power_cap_kw is None:
            return
        intervals, demands = [], []
        for t, task in enumerate(data.tasks):
            for mode, interval in zip(task.modes, v.intervals[t], strict=True):
                demand = power_units(data.mode_power_kw(mode))
                if demand > 0 and mode.duration > 0:
                    intervals.append(interval)
                    demands.append(demand)
        if not intervals:
            return
        cap = math.floor(data.power_cap_kw / POWER_RESOLUTION_KW + 1e-9)
        capacity: cp_model.LinearExprT = cap
        if self.explain:
            lit = self._assume(Assumption(
                "power_cap", f"total power stays under {data.power_cap_kw:g} kW"))
            var = self.model.new_int_var(cap, max(cap, sum(demands)), "power_capacity")
            self.model.add(var == cap).only_enforce_if(lit)
            capacity = var
        self.model.add_cumulative(intervals, demands, capacity)


def power_units(power_kw: float) -> int:
    """A power in whole :data:`POWER_RESOLUTION_KW` steps, rounded up."""
    return math.ceil(power_kw / POWER_RESOLUTION_KW - 1e-9)
