"""Production scheduling with OR-Tools CP-SAT: orders, routings, recipes as modes,
changeovers, calendars, a time-of-day tariff and a power cap; Pareto-optimal plans by an
epsilon-constraint sweep.

Flow: :class:`SchedulingConfig` (the scenario's ``scheduling:`` section) and the
optimiser's recipes -> :func:`build_schedule_data` -> :class:`ScheduleData` ->
:func:`solve_schedule` -> :class:`ScheduleOutcome` -> :func:`plans_frame` /
:func:`plan_summary_frame` (``plans.csv`` / ``plan_summary.csv``), checked by
:func:`validate_plans` and drawn by :func:`gantt_figure` / :func:`energy_figure`.
This package imports neither torch nor pymoo; matplotlib is imported on first use of
the figure functions.
"""

from typing import TYPE_CHECKING, Any

from optimizer.scheduling.build import build_schedule_data, select_recipes
from optimizer.scheduling.config import OBJECTIVES, SchedulingConfig
from optimizer.scheduling.data import (
    Break,
    Changeover,
    Job,
    Machine,
    Mode,
    Order,
    Recipe,
    ScheduleData,
    ScheduleDataError,
    TariffSegment,
    Task,
)
from optimizer.scheduling.explain import Explanation, explain_infeasibility, quick_conflicts
from optimizer.scheduling.frames import plan_summary_frame, plans_frame
from optimizer.scheduling.jsplib import jsplib_index, load_jsplib, parse_jsplib
from optimizer.scheduling.metrics import plan_metrics
from optimizer.scheduling.model import CPModel, SolverSettings
from optimizer.scheduling.orders import parse_orders_csv, read_orders_csv
from optimizer.scheduling.result import (
    Assignment,
    Conflict,
    OutcomeStatus,
    ScheduleOutcome,
    ScheduleResult,
    SolveStatus,
)
from optimizer.scheduling.solve import SolveOptions, solve_schedule
from optimizer.scheduling.validate import validate_plans

if TYPE_CHECKING:
    from optimizer.scheduling.figures import energy_figure, gantt_figure


def __getattr__(name: str) -> Any:
    if name in ("energy_figure", "gantt_figure"):
        from optimizer.scheduling import figures

        return getattr(figures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "OBJECTIVES",
    "Assignment",
    "Break",
    "CPModel",
    "Changeover",
    "Conflict",
    "Explanation",
    "Job",
    "Machine",
    "Mode",
    "Order",
    "OutcomeStatus",
    "Recipe",
    "ScheduleData",
    "ScheduleDataError",
    "ScheduleOutcome",
    "ScheduleResult",
    "SchedulingConfig",
    "SolveOptions",
    "SolveStatus",
    "SolverSettings",
    "TariffSegment",
    "Task",
    "build_schedule_data",
    "energy_figure",
    "explain_infeasibility",
    "gantt_figure",
    "jsplib_index",
    "load_jsplib",
    "parse_jsplib",
    "parse_orders_csv",
    "plan_metrics",
    "plan_summary_frame",
    "plans_frame",
    "quick_conflicts",
    "read_orders_csv",
    "select_recipes",
    "solve_schedule",
    "validate_plans",
]
