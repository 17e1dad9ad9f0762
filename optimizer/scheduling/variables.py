"""CP-SAT variables of a :class:`~optimizer.scheduling.data.ScheduleData` instance.

Each task has one start variable. Each mode is an interval of fixed size that shares
that start and is present exactly when the mode is chosen; a task with one mode has a
plain interval and no presence literal. A task's end is ``start + sum(present * duration)``
(a constant offset when all its modes take equally long). This keeps the job-shop core
as small as a hand-written model: intervals, precedences and one no-overlap per machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.scheduling.data import ScheduleData

__all__ = ["Literal", "Variables"]

#: A CP-SAT literal, or the constant ``True`` for a mode that is always chosen.
Literal = cp_model.IntVar | bool


@dataclass
class _Window:
    earliest_start: int
    latest_end: int


class Variables:
    """All decision variables of the model.

    Attributes:
        start: Start of each task, shape ``(num_tasks,)`` [time units].
        end: End of each task as a linear expression, shape ``(num_tasks,)``.
        duration: Duration of each task (constant or expression).
        presence: Per task, per mode: the literal "this mode is chosen" (``True`` for a
            task's only mode).
        intervals: Per task, per mode: the mode's (optional) interval.
        on_machine: ``(task, machine) -> literal``: the task runs on that machine.
        recipe: Per job with several recipe steps, ``recipe index -> literal``.
    """

    def __init__(self, model: cp_model.CpModel, data: ScheduleData, *,
                 use_release: bool = True, use_due: bool = True) -> None:
        """Create the variables.

        Args:
            model: The CP-SAT model to add them to.
            data: The instance.
            use_release: Bound starts by the orders' release dates (off when release
                dates are enforced by assumption literals instead).
            use_due: Bound ends by hard due dates (when ``data.due_dates_hard``).
        """
        self.model = model
        self.data = data
        self.windows = self._windows(use_release, use_due)
        self.start: list[cp_model.IntVar] = []
        self.end: list[cp_model.LinearExprT] = []
        self.duration: list[cp_model.LinearExprT] = []
        self.presence: list[list[Literal]] = []
        self.intervals: list[list[cp_model.IntervalVar]] = []
        self.on_machine: dict[tuple[int, int], Literal] = {}
        self.recipe: dict[int, dict[int, cp_model.IntVar]] = {}
        #: Tasks whose window cannot hold even their shortest mode (the model is then
        #: infeasible; :mod:`optimizer.scheduling.explain` says why).
        self.empty_windows: list[int] = []
        self._make_tasks()
        self._make_recipes()

    def _windows(self, use_release: bool, use_due: bool) -> list[_Window]:
        """Earliest start and latest end of each task from heads and tails of its job."""
        data = self.data
        out: list[_Window] = [_Window(0, data.horizon)] * data.num_tasks
        for job in data.jobs:
            order = data.orders[job.order]
            durations = [data.tasks[t].min_duration for t in job.tasks]
            latest = data.horizon
            if use_due and data.due_dates_hard and order.due is not None:
                latest = min(latest, order.due)
            head = order.release if use_release else 0
            tail = sum(durations)
            for t, d in zip(job.tasks, durations, strict=True):
                tail -= d
                out[t] = _Window(head, latest - tail)
                head += d
        return out

    def _make_tasks(self) -> None:
        model, data = self.model, self.data
        for t, task in enumerate(data.tasks):
            win = self.windows[t]
            lb = win.earliest_start
            ub = win.latest_end - task.min_duration
            if ub < lb:
                self.empty_windows.append(t)
                model.add_bool_or([model.new_constant(0)])
                ub = lb
            start = model.new_int_var(lb, ub, f"s{t}")
            self.start.append(start)
            if len(task.modes) == 1:
                d = task.modes[0].duration
                self.presence.append([True])
                self.intervals.append([model.new_fixed_size_interval_var(start, d, f"i{t}")])
                self.end.append(start + d)
                self.duration.append(d)
                self.on_machine[t, task.modes[0].machine] = True
                continue
            lits = [model.new_bool_var(f"p{t}_{k}") for k in range(len(task.modes))]
            self.presence.append(list(lits))
            self.intervals.append([
                model.new_optional_fixed_size_interval_var(start, m.duration, lit, f"i{t}_{k}")
                for k, (m, lit) in enumerate(zip(task.modes, lits, strict=True))])
            durations = {m.duration for m in task.modes}
            if len(durations) == 1:
                d = durations.pop()
                self.end.append(start + d)
                self.duration.append(d)
            else:
                dur = model.new_int_var(task.min_duration,
                                        max(m.duration for m in task.modes), f"d{t}")
                model.add(dur == sum(m.duration * lit
                                     for m, lit in zip(task.modes, lits, strict=True)))
                end = model.new_int_var(lb + task.min_duration,
                                        max(lb + task.min_duration, win.latest_end), f"e{t}")
                model.add(end == start + dur)
                self.end.append(end)
                self.duration.append(dur)
            for machine in task.machines:
                members = [lit for m, lit in zip(task.modes, lits, strict=True)
                           if m.machine == machine]
                if len(members) == 1:
                    self.on_machine[t, machine] = members[0]
                else:
                    on = model.new_bool_var(f"on{t}_{machine}")
                    model.add(on == sum(members))
                    self.on_machine[t, machine] = on

    def _make_recipes(self) -> None:
        """One recipe choice per job whose recipe fixes several of its steps."""
        data = self.data
        for j, job in enumerate(data.jobs):
            recipe_tasks = [t for t in job.tasks
                            if any(m.recipe is not None for m in data.tasks[t].modes)]
            if len(recipe_tasks) < 2:
                continue
            recipes = sorted({m.recipe for t in recipe_tasks for m in data.tasks[t].modes
                              if m.recipe is not None})
            self.recipe[j] = {r: self.model.new_bool_var(f"r{j}_{r}") for r in recipes}
