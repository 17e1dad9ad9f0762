"""Results of scheduling: per-plan :class:`ScheduleResult` and the whole
:class:`ScheduleOutcome` (after PyJobShop's ``Result`` and pymoo's ``success``/``message``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from optimizer.scheduling.data import ScheduleData

__all__ = [
    "Assignment",
    "Conflict",
    "OutcomeStatus",
    "ScheduleOutcome",
    "ScheduleResult",
    "SolveStatus",
]


class SolveStatus(StrEnum):
    """Status of one CP-SAT solve."""

    OPTIMAL = "optimal"  # proven optimal (for the minimised objective under its bounds)
    FEASIBLE = "feasible"  # a plan, not proven optimal within the time limit
    INFEASIBLE = "infeasible"  # proven: no plan meets the constraints
    UNKNOWN = "unknown"  # no plan found within the time limit, nothing proven
    MODEL_INVALID = "model_invalid"  # a bug


class OutcomeStatus(StrEnum):
    """Status of a whole scheduling run (CONTRACT.md exit code in brackets)."""

    SOLVED = "solved"  # plans meet every hard constraint (0)
    INFEASIBLE = "infeasible"  # hard constraints conflict; relaxed plans given (3)
    NO_SOLUTION = "no_solution"  # no plan found in the time allowed (3)


@dataclass(frozen=True)
class Assignment:
    """Where and when one task runs.

    Attributes:
        task: Index into :attr:`ScheduleData.tasks`.
        mode: Index into that task's modes (fixes machine and recipe).
        start: Start [time units].
        end: End [time units].
    """

    task: int
    mode: int
    start: int
    end: int


@dataclass(frozen=True)
class ScheduleResult:
    """One plan.

    Attributes:
        plan: Plan number (1-based, in the order of the first objective).
        status: Status of the solve that produced it (for its primary objective).
        objectives: Every objective's value in user units, recomputed from the plan.
        primary: The objective the solve minimised (the others were bounded).
        bound: Proven bound on ``primary`` under the plan's epsilon bounds (user units).
        gap: Relative gap of ``primary`` to ``bound`` (0 = proven optimal).
        wall_time_s: Solver seconds spent on this plan.
        assignments: One per task.
        epsilon: Upper (lower, for maximised objectives) bounds imposed on the other
            objectives, user units.
        relaxed: Due dates were relaxed into tardiness for this plan.
    """

    plan: int
    status: SolveStatus
    objectives: dict[str, float]
    primary: str
    bound: float
    gap: float
    wall_time_s: float
    assignments: tuple[Assignment, ...]
    epsilon: dict[str, float] = field(default_factory=dict)
    relaxed: bool = False


@dataclass(frozen=True)
class Conflict:
    """A set of hard constraints that cannot all hold, in plain words.

    Attributes:
        message: One sentence naming the orders and resources.
        orders: Orders involved.
        machines: Machines involved.
        constraints: Each conflicting constraint, in plain words.
        kinds: Families involved: ``due``, ``release``, ``calendar``, ``maintenance``,
            ``power_cap``, ``horizon``.
    """

    message: str
    orders: tuple[str, ...] = ()
    machines: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduleOutcome:
    """Everything a scheduling run produced.

    Attributes:
        data: The instance that was solved.
        status: Overall status; the command line exits 3 unless ``SOLVED``.
        plans: Pareto-optimal plans (relaxed ones when ``INFEASIBLE``), best first.
        objectives: The objective names, primary first.
        conflicts: When infeasible: which constraints conflict.
        message: One paragraph for the user.
        wall_time_s: Total solver seconds.
    """

    data: ScheduleData
    status: OutcomeStatus
    plans: tuple[ScheduleResult, ...]
    objectives: tuple[str, ...]
    conflicts: tuple[Conflict, ...] = ()
    message: str = ""
    wall_time_s: float = 0.0

    @property
    def success(self) -> bool:
        """Whether plans meeting every hard constraint were found."""
        return self.status is OutcomeStatus.SOLVED
