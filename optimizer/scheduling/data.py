"""Scheduling data: plain, solver-free dataclasses on an integer time grid.

Everything the CP-SAT model needs is here and nothing else: machines with their
unavailable windows, products, orders, jobs (one per batch), tasks (one per routing step
of a batch) with their modes, changeovers, the tariff and the power cap. Times are
integers in units of ``time_unit_min`` minutes from ``start``; the plan horizon is
``[0, horizon]``. Build one from a scenario with
:func:`optimizer.scheduling.build.build_schedule_data`, from a job-shop benchmark with
:func:`optimizer.scheduling.jsplib.load_jsplib`, or by hand.

Every dataclass validates itself in ``__post_init__`` and raises
:class:`ScheduleDataError` (an :class:`~surrogates.errors.InputError`) naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from surrogates.errors import InputError

__all__ = [
    "Break",
    "Changeover",
    "Job",
    "Machine",
    "Mode",
    "Order",
    "Recipe",
    "ScheduleData",
    "ScheduleDataError",
    "TariffSegment",
    "Task",
]


class ScheduleDataError(InputError):
    """Scheduling data that cannot be planned (bad field, broken reference)."""


def _fail(location: str, message: str) -> None:
    raise ScheduleDataError(message, location=location)


@dataclass(frozen=True)
class Break:
    """A window ``[start, end)`` in which a machine cannot work (time units)."""

    start: int
    end: int
    label: str = "unavailable"

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            _fail("break", f"needs 0 <= start < end, got [{self.start}, {self.end})")


@dataclass(frozen=True)
class Machine:
    """A machine or line with its unavailable windows (sorted, disjoint)."""

    name: str
    breaks: tuple[Break, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            _fail("machine", "name must not be empty")
        for a, b in zip(self.breaks, self.breaks[1:], strict=False):
            if b.start < a.end:
                _fail(f"machine {self.name!r} breaks",
                      f"windows must be sorted and disjoint; [{a.start}, {a.end}) and"
                      f" [{b.start}, {b.end}) overlap")


@dataclass(frozen=True)
class Recipe:
    """A recipe of one product: its id and the values it was chosen with."""

    name: str
    product: int
    yield_pct: float = 100.0
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Order:
    """An order: ``num_batches`` batches of one product, released and due at given times.

    Attributes:
        name: The order id.
        product: Index into :attr:`ScheduleData.products`.
        quantity_t: Good product ordered [t] (informational once batches are fixed).
        release: Earliest start of its first step [time units].
        due: Due date of its last step [time units], or ``None``.
        weight: Tardiness weight per hour late (the order's priority).
    """

    name: str
    product: int
    quantity_t: float = 0.0
    release: int = 0
    due: int | None = None
    weight: float = 1.0

    def __post_init__(self) -> None:
        where = f"order {self.name!r}"
        if self.release < 0:
            _fail(where, f"release must be >= 0, got {self.release}")
        if self.due is not None and self.due < 0:
            _fail(where, f"due must be >= 0, got {self.due}")
        if not (self.weight > 0 and math.isfinite(self.weight)):
            _fail(where, f"weight must be a positive number, got {self.weight}")


@dataclass(frozen=True)
class Mode:
    """One way to do a task: on a machine, for a duration, with a given recipe.

    Attributes:
        machine: Index into :attr:`ScheduleData.machines`.
        duration: Processing time [time units].
        energy_kwh: Electricity used over the duration [kWh] (drawn at constant power).
        material_t: Raw material used [t].
        good_output_t: Expected good product [t].
        recipe: Index into :attr:`ScheduleData.recipes`, or ``None``.
    """

    machine: int
    duration: int
    energy_kwh: float = 0.0
    material_t: float = 0.0
    good_output_t: float = 0.0
    recipe: int | None = None

    def __post_init__(self) -> None:
        if self.duration < 0:
            _fail("mode", f"duration must be >= 0, got {self.duration}")
        for name in ("energy_kwh", "material_t", "good_output_t"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                _fail("mode", f"{name} must be a finite number >= 0, got {value}")
        if self.duration == 0 and self.energy_kwh > 0:
            _fail("mode", "a mode that takes no time cannot use energy")


@dataclass(frozen=True)
class Task:
    """One routing step of one batch.

    Attributes:
        job: Index into :attr:`ScheduleData.jobs`.
        step: Position in the routing (0 = first).
        name: The step's name (e.g. ``"react"``).
        modes: The ways to do it (at least one).
        max_wait: Longest wait after the previous step ends [time units], or ``None``.
    """

    job: int
    step: int
    name: str
    modes: tuple[Mode, ...]
    max_wait: int | None = None

    def __post_init__(self) -> None:
        if not self.modes:
            _fail(f"task {self.name!r} of job {self.job}", "needs at least one mode")
        if self.max_wait is not None and self.max_wait < 0:
            _fail(f"task {self.name!r}", "max_wait must be >= 0")

    @property
    def machines(self) -> tuple[int, ...]:
        """The distinct eligible machines, in mode order."""
        return tuple(dict.fromkeys(m.machine for m in self.modes))

    @property
    def min_duration(self) -> int:
        """The shortest mode's duration [time units]."""
        return min(m.duration for m in self.modes)


@dataclass(frozen=True)
class Job:
    """One batch of an order: its tasks run in sequence."""

    order: int
    batch: int
    tasks: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.batch < 1:
            _fail("job", f"batch numbers start at 1, got {self.batch}")
        if not self.tasks:
            _fail(f"job (order {self.order}, batch {self.batch})", "needs at least one task")


@dataclass(frozen=True)
class Changeover:
    """Setup time and cost on ``machine`` when a task of ``to_product`` directly follows
    one of ``from_product`` (time units, currency)."""

    machine: int
    from_product: int
    to_product: int
    duration: int
    cost: float = 0.0

    def __post_init__(self) -> None:
        if self.duration < 0 or not (self.cost >= 0 and math.isfinite(self.cost)):
            _fail("changeover", "duration and cost must be >= 0")


@dataclass(frozen=True)
class TariffSegment:
    """The energy price in ``[start, end)`` [currency/kWh]."""

    start: int
    end: int
    price: float

    def __post_init__(self) -> None:
        if not self.start < self.end:
            _fail("tariff", f"segment needs start < end, got [{self.start}, {self.end})")
        if not (self.price >= 0 and math.isfinite(self.price)):
            _fail("tariff", f"price must be >= 0, got {self.price}")


@dataclass(frozen=True)
class ScheduleData:
    """A complete scheduling instance on an integer time grid.

    Attributes:
        machines: The machines, with unavailable windows.
        products: Product names; changeovers and colours refer to their indices.
        orders: The orders.
        jobs: One per batch, each pointing to its order and tasks.
        tasks: Every step of every batch.
        recipes: The recipes that modes may refer to.
        changeovers: Sequence-dependent setups (absent pairs take no time and cost).
        horizon: Every task must end by this time [time units].
        tariff: Price segments, sorted and disjoint; uncovered times cost
            ``default_price``.
        default_price: Energy price outside the segments [currency/kWh].
        power_cap_kw: Cap on the total power drawn at any time [kW], or ``None``.
        due_dates_hard: Whether due dates are hard constraints (else only tardiness).
        start: Calendar time of time 0 (naive local time), or ``None`` for abstract time.
        time_unit_min: Minutes per time unit.
        name: A label for logs and figures.
        currency: Currency of prices and costs.
    """

    machines: tuple[Machine, ...]
    products: tuple[str, ...]
    orders: tuple[Order, ...]
    jobs: tuple[Job, ...]
    tasks: tuple[Task, ...]
    recipes: tuple[Recipe, ...] = ()
    changeovers: tuple[Changeover, ...] = ()
    horizon: int = 0
    tariff: tuple[TariffSegment, ...] = ()
    default_price: float = 0.0
    power_cap_kw: float | None = None
    due_dates_hard: bool = False
    start: dt.datetime | None = None
    time_unit_min: float = 1.0
    name: str = "schedule"
    currency: str = "EUR"

    def __post_init__(self) -> None:
        nm, npr, no, nj, nr = (len(self.machines), len(self.products), len(self.orders),
                               len(self.jobs), len(self.recipes))
        if nm == 0 or nj == 0:
            _fail("ScheduleData", "needs at least one machine and one job")
        if len(set(self.products)) != npr:
            _fail("products", "product names must be unique")
        if len({m.name for m in self.machines}) != nm:
            _fail("machines", "machine names must be unique")
        if len({o.name for o in self.orders}) != no:
            _fail("orders", "order names must be unique")
        if not self.time_unit_min > 0:
            _fail("time_unit_min", "must be > 0")
        if self.horizon <= 0:
            _fail("horizon", f"must be > 0 time units, got {self.horizon}")
        for i, order in enumerate(self.orders):
            if not 0 <= order.product < npr:
                _fail(f"orders[{i}]", f"product index {order.product} out of range")
            if order.release >= self.horizon:
                _fail(f"order {order.name!r}", "is released at or after the horizon end")
        for r, recipe in enumerate(self.recipes):
            if not 0 <= recipe.product < npr:
                _fail(f"recipes[{r}]", f"product index {recipe.product} out of range")
        seen: set[int] = set()
        for j, job in enumerate(self.jobs):
            if not 0 <= job.order < no:
                _fail(f"jobs[{j}]", f"order index {job.order} out of range")
            for k, t in enumerate(job.tasks):
                if not 0 <= t < len(self.tasks):
                    _fail(f"jobs[{j}]", f"task index {t} out of range")
                task = self.tasks[t]
                if task.job != j or task.step != k:
                    _fail(f"tasks[{t}]", f"says job {task.job} step {task.step} but job {j}"
                          f" lists it as step {k}")
                seen.add(t)
        if len(seen) != len(self.tasks):
            _fail("tasks", "every task must belong to exactly one job")
        for t, task in enumerate(self.tasks):
            product = self.orders[self.jobs[task.job].order].product
            for mode in task.modes:
                if not 0 <= mode.machine < nm:
                    _fail(f"tasks[{t}]", f"machine index {mode.machine} out of range")
                if mode.recipe is not None:
                    if not 0 <= mode.recipe < nr:
                        _fail(f"tasks[{t}]", f"recipe index {mode.recipe} out of range")
                    if self.recipes[mode.recipe].product != product:
                        _fail(f"tasks[{t}]", "a mode uses a recipe of another product")
        pairs = set()
        for c in self.changeovers:
            if not (0 <= c.machine < nm and 0 <= c.from_product < npr
                    and 0 <= c.to_product < npr):
                _fail("changeovers", "machine or product index out of range")
            key = (c.machine, c.from_product, c.to_product)
            if key in pairs:
                _fail("changeovers", f"repeated for machine {self.machines[c.machine].name}"
                      f" {self.products[c.from_product]} -> {self.products[c.to_product]}")
            pairs.add(key)
        for a, b in zip(self.tariff, self.tariff[1:], strict=False):
            if b.start < a.end:
                _fail("tariff", "segments must be sorted and disjoint")
        if not (self.default_price >= 0 and math.isfinite(self.default_price)):
            _fail("default_price", "must be >= 0")
        if self.power_cap_kw is not None and not self.power_cap_kw > 0:
            _fail("power_cap_kw", "must be > 0")

    # ---- sizes -------------------------------------------------------------------------
    @property
    def num_machines(self) -> int:
        """Number of machines."""
        return len(self.machines)

    @property
    def num_products(self) -> int:
        """Number of products."""
        return len(self.products)

    @property
    def num_orders(self) -> int:
        """Number of orders."""
        return len(self.orders)

    @property
    def num_jobs(self) -> int:
        """Number of jobs (batches)."""
        return len(self.jobs)

    @property
    def num_tasks(self) -> int:
        """Number of tasks (batch steps)."""
        return len(self.tasks)

    @property
    def num_modes(self) -> int:
        """Number of task modes in all."""
        return sum(len(t.modes) for t in self.tasks)

    # ---- lookups -------------------------------------------------------------------------
    def task_product(self, task: int) -> int:
        """The product index of ``task``."""
        return self.orders[self.jobs[self.tasks[task].job].order].product

    def task_order(self, task: int) -> int:
        """The order index of ``task``."""
        return self.jobs[self.tasks[task].job].order

    @cached_property
    def setup_times(self) -> dict[tuple[int, int, int], tuple[int, float]]:
        """``(machine, from_product, to_product) -> (duration, cost)`` of every changeover."""
        return {(c.machine, c.from_product, c.to_product): (c.duration, c.cost)
                for c in self.changeovers}

    def setup(self, machine: int, from_product: int, to_product: int) -> tuple[int, float]:
        """Changeover ``(duration [time units], cost)`` on ``machine``; (0, 0) if none."""
        return self.setup_times.get((machine, from_product, to_product), (0, 0.0))

    def mode_power_kw(self, mode: Mode) -> float:
        """Constant power drawn by ``mode`` while it runs [kW]."""
        if mode.duration == 0:
            return 0.0
        return mode.energy_kwh / (mode.duration * self.time_unit_min / 60.0)

    @property
    def has_tariff(self) -> bool:
        """Whether energy has a price."""
        return bool(self.tariff) or self.default_price > 0

    def price_at(self, time: float) -> float:
        """Energy price at ``time`` [currency/kWh]."""
        for seg in self.tariff:
            if seg.start <= time < seg.end:
                return seg.price
        return self.default_price

    def energy_cost(self, start: float, end: float, energy_kwh: float) -> float:
        """Cost of ``energy_kwh`` drawn evenly over ``[start, end)`` under the tariff."""
        if end <= start or energy_kwh == 0:
            return 0.0
        covered = 0.0
        cost = 0.0
        for seg in self.tariff:
            overlap = min(end, seg.end) - max(start, seg.start)
            if overlap > 0:
                covered += overlap
                cost += overlap * seg.price
        cost += (end - start - covered) * self.default_price
        return cost * energy_kwh / (end - start)

    # ---- time conversion -----------------------------------------------------------------
    def hours(self, units: float) -> float:
        """Convert a duration in time units to hours."""
        return units * self.time_unit_min / 60.0

    def to_units(self, hours: float) -> int:
        """Convert a duration in hours to whole time units, rounding up."""
        return math.ceil(hours * 60.0 / self.time_unit_min - 1e-9)

    def to_datetime(self, units: float) -> dt.datetime | float:
        """Calendar time of ``units`` (or ``units`` itself when ``start`` is unset)."""
        if self.start is None:
            return units
        return self.start + dt.timedelta(minutes=units * self.time_unit_min)

    def from_datetime(self, when: dt.datetime) -> float:
        """Time units from ``start`` to ``when`` (may be fractional)."""
        if self.start is None:
            raise ScheduleDataError("this instance has no calendar start", location="start")
        return (when - self.start).total_seconds() / 60.0 / self.time_unit_min

    # ---- JSON ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The instance as JSON-safe plain data."""
        out = asdict(self)
        out["start"] = self.start.isoformat() if self.start else None
        return out

    def to_json(self, path: str | Path | None = None) -> str:
        """Serialise to JSON text; also write it to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=1)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScheduleData:
        """Rebuild an instance from :meth:`to_dict` output.

        Raises:
            ScheduleDataError: A field is missing or invalid.
        """
        try:
            return cls(
                machines=tuple(Machine(m["name"], tuple(Break(**b) for b in m["breaks"]))
                               for m in data["machines"]),
                products=tuple(data["products"]),
                orders=tuple(Order(**o) for o in data["orders"]),
                jobs=tuple(Job(j["order"], j["batch"], tuple(j["tasks"]))
                           for j in data["jobs"]),
                tasks=tuple(Task(t["job"], t["step"], t["name"],
                                 tuple(Mode(**m) for m in t["modes"]), t["max_wait"])
                            for t in data["tasks"]),
                recipes=tuple(Recipe(**r) for r in data.get("recipes", ())),
                changeovers=tuple(Changeover(**c) for c in data.get("changeovers", ())),
                horizon=data["horizon"],
                tariff=tuple(TariffSegment(**s) for s in data.get("tariff", ())),
                default_price=data.get("default_price", 0.0),
                power_cap_kw=data.get("power_cap_kw"),
                due_dates_hard=data.get("due_dates_hard", False),
                start=dt.datetime.fromisoformat(data["start"]) if data.get("start") else None,
                time_unit_min=data.get("time_unit_min", 1.0),
                name=data.get("name", "schedule"),
                currency=data.get("currency", "EUR"),
            )
        except (KeyError, TypeError) as exc:
            raise ScheduleDataError(f"not a schedule instance: {exc!r}") from None

    @classmethod
    def from_json(cls, source: str | Path) -> ScheduleData:
        """Read an instance written by :meth:`to_json` (a path or the JSON text).

        Raises:
            ScheduleDataError: The file cannot be read or is not a valid instance.
        """
        text = str(source)
        file = None
        if not text.lstrip().startswith("{"):
            file = Path(source)
            try:
                text = file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ScheduleDataError(f"cannot read: {exc}", file=file) from None
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScheduleDataError(f"not JSON: {exc}", file=file) from None
        return cls.from_dict(raw)
