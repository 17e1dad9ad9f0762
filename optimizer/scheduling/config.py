"""The ``scheduling:`` section of a scenario file (pydantic models).

It describes the plant (machines, their calendars and maintenance windows), the products
with their routings and recipes, the order book (inline or from a CSV file), the
changeovers between products, the electricity tariff and power cap, and the solver
settings. :func:`optimizer.scheduling.build.build_schedule_data` turns a validated
:class:`SchedulingConfig` and the optimiser's recipes into a
:class:`~optimizer.scheduling.data.ScheduleData`.

Times of day are ``"HH:MM"`` in local plant time; dates are ISO 8601 without a time
zone (``2025-03-03T06:00``). Durations are in hours, energy in kWh, power in kW, masses
in tonnes, prices in currency per kWh.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "OBJECTIVES",
    "CalendarConfig",
    "ChangeoverConfig",
    "MachineConfig",
    "MaintenanceConfig",
    "ObjectiveName",
    "OrderConfig",
    "ProductConfig",
    "RecipeColumns",
    "RoutingStep",
    "SchedulingConfig",
    "ShiftConfig",
    "TariffConfig",
    "TariffPeriod",
    "Weekday",
]

Name = Annotated[str, Field(min_length=1, max_length=200)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ObjectiveName = Literal["makespan_h", "weighted_tardiness_h", "energy_cost",
                        "changeover_cost", "material_t", "good_output_t"]
#: Every plan objective, with its sense and meaning.
OBJECTIVES: dict[str, tuple[Literal["minimize", "maximize"], str]] = {
    "makespan_h": ("minimize", "end of the last step, hours after the horizon start"),
    "weighted_tardiness_h": ("minimize", "sum over orders of priority x hours late"),
    "energy_cost": ("minimize", "electricity cost of all steps under the tariff"),
    "changeover_cost": ("minimize", "sum of the changeover costs on every machine"),
    "material_t": ("minimize", "raw material used by all batches, tonnes"),
    "good_output_t": ("maximize", "expected good product of all batches, tonnes"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _naive(value: dt.datetime, field: str) -> dt.datetime:
    if value.tzinfo is not None:
        raise ValueError(f"{field} must be local plant time without a time zone"
                         f" (got {value.isoformat()}); drop the offset")
    return value


class ShiftConfig(_Strict):
    """A recurring working window (a shift) on the given weekdays.

    ``end`` at or before ``start`` means the shift runs past midnight into the next day.
    """

    start: dt.time = Field(description="Start of the shift, HH:MM local time.")
    end: dt.time = Field(description="End of the shift, HH:MM; at or before start: next day.")
    days: tuple[Weekday, ...] = Field(WEEKDAYS, description="Weekdays the shift starts on.")

    @model_validator(mode="after")
    def _check(self) -> ShiftConfig:
        if self.start == self.end:
            raise ValueError("a shift with start == end is ambiguous; for 24 h operation"
                             " leave the machine without a calendar")
        return self


class CalendarConfig(_Strict):
    """When a machine can work: the union of its shifts. Outside them it is off."""

    shifts: tuple[ShiftConfig, ...] = Field(min_length=1)


class MaintenanceConfig(_Strict):
    """A one-off window in which a machine is unavailable."""

    machine: Name
    start: dt.datetime
    end: dt.datetime
    reason: str = "maintenance"

    @model_validator(mode="after")
    def _check(self) -> MaintenanceConfig:
        _naive(self.start, "start")
        _naive(self.end, "end")
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class MachineConfig(_Strict):
    """A machine or line."""

    batch_size_t: float | None = Field(
        None, gt=0, description="Feed charged per batch [t] when this machine runs the"
        " routing's batch step (the first recipe step).")
    calendar: Name | None = Field(
        None, description="Name of a calendar in 'calendars'; none: available around the"
        " clock (except maintenance).")
    description: str = ""


class RoutingStep(_Strict):
    """One step of a routing, done on any one of its eligible machines."""

    name: Name
    machines: tuple[Name, ...] = Field(min_length=1, description="Eligible machines.")
    recipe: bool = Field(
        False, description="The recipe fixes this step's duration, energy, yield and"
        " material (duration = the recipe's duration column + extra_h).")
    duration_h: float | dict[Name, float] | None = Field(
        None, description="Fixed duration [h] of a non-recipe step, or one per machine.")
    extra_h: float = Field(0.0, ge=0, description="Fixed time added to a recipe step"
                           " (charging, heating up, discharging) [h].")
    power_kw: float = Field(0.0, ge=0, description="Constant power drawn during the step"
                            " [kW], on top of a recipe's energy.")
    energy_kwh: float | None = Field(None, ge=0, description="Energy per batch [kWh] of a"
                                     " non-recipe step (instead of power_kw).")
    max_wait_h: float | None = Field(
        None, ge=0, description="Longest wait between the end of the previous step and the"
        " start of this one [h] (0: no-wait).")

    @model_validator(mode="after")
    def _check(self) -> RoutingStep:
        if len(set(self.machines)) != len(self.machines):
            raise ValueError(f"step {self.name!r} lists a machine twice")
        if self.recipe:
            if self.duration_h is not None:
                raise ValueError(f"step {self.name!r} takes its duration from the recipe;"
                                 " drop duration_h (use extra_h for fixed extra time)")
            if self.energy_kwh is not None:
                raise ValueError(f"step {self.name!r} takes its energy from the recipe;"
                                 " drop energy_kwh (use power_kw for a constant extra load)")
        else:
            if self.duration_h is None:
                raise ValueError(f"step {self.name!r} needs duration_h (or recipe: true)")
            if isinstance(self.duration_h, dict):
                unknown = sorted(set(self.duration_h) - set(self.machines))
                missing = sorted(set(self.machines) - set(self.duration_h))
                if unknown or missing:
                    raise ValueError(f"step {self.name!r}: duration_h must give exactly the"
                                     f" step's machines (missing {missing}, unknown {unknown})")
                bad = [v for v in self.duration_h.values() if not v >= 0]
            else:
                bad = [self.duration_h] if not self.duration_h >= 0 else []
            if bad:
                raise ValueError(f"step {self.name!r}: durations must be >= 0 hours")
            if self.extra_h:
                raise ValueError(f"step {self.name!r}: extra_h is for recipe steps; add it"
                                 " to duration_h")
            if self.energy_kwh is not None and self.power_kw:
                raise ValueError(f"step {self.name!r}: give power_kw or energy_kwh, not both")
        return self

    def duration_on(self, machine: str) -> float:
        """Fixed duration [h] of this (non-recipe) step on ``machine``."""
        if isinstance(self.duration_h, dict):
            return float(self.duration_h[machine])
        return float(self.duration_h or 0.0)


class RecipeColumns(_Strict):
    """How a recipe row (``pareto.csv`` or a fixed recipe) becomes a mode."""

    recipe_id: Name = "recipe_id"
    duration_h: Name = Field("batch_time_h", description="Column with the recipe step's"
                             " duration [h] (extra_h of the step is added).")
    yield_pct: Name | None = Field("yield_pct", description="Column with the expected yield"
                                   " [%]; none: 100 %.")
    energy: Name | None = Field("energy_kwh_per_t", description="Column with the energy use.")
    energy_basis: Literal["per_t_product", "per_t_feed", "per_batch"] = Field(
        "per_t_product", description="What the energy column is per: tonne of good product,"
        " tonne of feed charged, or batch.")
    material: Name | None = Field("material_kg_per_t", description="Column with the raw"
                                  " material use [kg].")
    material_basis: Literal["per_t_product", "per_t_feed", "per_batch"] = "per_t_product"


class RecipeRequirement(_Strict):
    """Bounds a recipe row must meet to be used for a product (e.g. a purity grade)."""

    lower: float | None = None
    upper: float | None = None

    @model_validator(mode="after")
    def _check(self) -> RecipeRequirement:
        if self.lower is None and self.upper is None:
            raise ValueError("give 'lower', 'upper' or both")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError(f"lower ({self.lower}) is above upper ({self.upper})")
        return self


class ProductConfig(_Strict):
    """A product (or grade): its routing and where its recipes come from."""

    routing: Name = Field(description="Name of a routing in 'routings'.")
    use_pareto: bool = Field(
        False, description="Take the recipes from the optimiser's Pareto set; the fixed"
        " 'recipes' are then only the fallback when no optimiser run is available.")
    recipes: tuple[dict[Name, float | str], ...] = Field(
        (), description="Fixed recipes: mappings with the recipe_columns (recipe_id,"
        " duration, yield, energy, material) and any setpoint values.")
    require: dict[Name, RecipeRequirement] = Field(
        default_factory=dict, description="Bounds on recipe columns for this product (a"
        " grade), e.g. {impurity_pct: {upper: 1.2}}.")
    max_recipes: int = Field(6, ge=1, le=50, description="At most this many recipes per"
                             " product become modes (a spread subset of the Pareto set).")
    output_per_feed: float = Field(1.0, gt=0, description="Tonnes of product per tonne of"
                                   " feed at 100 % yield.")
    color: str | None = Field(None, description="Colour in Gantt charts (matplotlib name).")


class OrderConfig(_Strict):
    """An order: an amount of one product, with release and due dates."""

    order: Name
    product: Name
    quantity_t: float | None = Field(None, gt=0, description="Good product wanted [t].")
    batches: int | None = Field(None, ge=1, description="Number of batches (instead of"
                                " quantity_t).")
    release: dt.datetime | None = Field(None, description="Earliest start; default: horizon"
                                        " start.")
    due: dt.datetime | None = Field(None, description="Due date (completion of the last"
                                    " batch); none: no due date.")
    priority: float = Field(1.0, gt=0, description="Tardiness weight per hour late.")

    @model_validator(mode="after")
    def _check(self) -> OrderConfig:
        if (self.quantity_t is None) == (self.batches is None):
            raise ValueError(f"order {self.order!r}: give exactly one of quantity_t, batches")
        for field in ("release", "due"):
            value = getattr(self, field)
            if value is not None:
                _naive(value, field)
        if self.release is not None and self.due is not None and self.due <= self.release:
            raise ValueError(f"order {self.order!r}: due ({self.due}) must be after release"
                             f" ({self.release})")
        return self


class ChangeoverConfig(_Strict):
    """Changeover between two products on some machines ('*' matches any product).

    The most specific rule wins: exact pair, then ``from``/``to`` wildcard, then ``*``→``*``.
    Rules only apply between different products unless both names are given explicitly.
    """

    from_product: Name = Field(alias="from")
    to_product: Name = Field(alias="to")
    machines: tuple[Name, ...] | None = Field(None, description="Default: every machine.")
    time_h: float = Field(ge=0)
    cost: float = Field(0.0, ge=0, description="Cost of one changeover [currency].")


class TariffPeriod(_Strict):
    """A recurring price window (``end`` at or before ``start``: into the next day)."""

    start: dt.time
    end: dt.time
    price: float = Field(ge=0, description="Energy price [currency/kWh].")
    days: tuple[Weekday, ...] = Field(WEEKDAYS, description="Weekdays the window starts on.")

    @model_validator(mode="after")
    def _check(self) -> TariffPeriod:
        if self.start == self.end:
            raise ValueError("a tariff period with start == end is ambiguous; use"
                             " default_price for a flat price")
        return self


class TariffConfig(_Strict):
    """Electricity price by time of day: ``default_price`` outside the periods."""

    default_price: float = Field(ge=0, description="Price outside all periods"
                                 " [currency/kWh].")
    periods: tuple[TariffPeriod, ...] = ()
    currency: str = "EUR"


class SchedulingConfig(_Strict):
    """The ``scheduling:`` section: plant, products, orders, tariff and solver settings."""

    start: dt.datetime = Field(description="Start of the planning horizon (local time).")
    horizon_h: float = Field(gt=0, le=24 * 366, description="Length of the horizon [h];"
                             " every step must end within it.")
    time_unit_min: int = Field(5, ge=1, le=60, description="Time grid of the plan"
                               " [minutes]; durations are rounded up to it.")
    machines: dict[Name, MachineConfig] = Field(min_length=1)
    calendars: dict[Name, CalendarConfig] = Field(default_factory=dict)
    maintenance: tuple[MaintenanceConfig, ...] = ()
    routings: dict[Name, tuple[RoutingStep, ...]] = Field(min_length=1)
    products: dict[Name, ProductConfig] = Field(min_length=1)
    recipe_columns: RecipeColumns = Field(
        default_factory=lambda: RecipeColumns.model_validate({}))
    changeovers: tuple[ChangeoverConfig, ...] = ()
    tariff: TariffConfig | None = None
    power_cap_kw: float | None = Field(None, gt=0, description="Cap on the total power"
                                       " drawn at any time [kW].")
    orders: tuple[OrderConfig, ...] = ()
    orders_csv: Path | None = Field(None, description="CSV of orders (columns: order,"
                                    " product, quantity_t or batches, release, due,"
                                    " priority), relative to the scenario file.")
    due_dates: Literal["hard", "soft"] = Field(
        "hard", description="hard: every order must finish by its due date (else the run"
        " is infeasible and a plan with tardiness is written); soft: lateness is only"
        " penalised by weighted_tardiness_h.")
    objectives: tuple[ObjectiveName, ...] = Field(
        ("weighted_tardiness_h", "energy_cost"), min_length=1, description="Plan"
        " objectives; the first is optimised under epsilon bounds on the others.")
    n_plans: int = Field(5, ge=1, le=50, description="Pareto-optimal plans wanted.")
    time_limit_s: float = Field(10.0, gt=0, description="CP-SAT time per plan [s].")
    workers: int = Field(2, ge=1, le=64, description="CP-SAT worker threads.")
    seed: int = Field(0, ge=0, le=2**31 - 1)
    deterministic: bool = Field(
        False, description="Reproducible with any worker count: CP-SAT's interleaved"
        " search with a deterministic time limit (time_limit_s read as deterministic"
        " seconds). Otherwise solves repeat exactly only with workers: 1 and no time limit"
        " reached.")

    @field_validator("start")
    @classmethod
    def _naive_start(cls, value: dt.datetime) -> dt.datetime:
        return _naive(value, "start")

    @field_validator("objectives")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        dupes = sorted({v for v in value if value.count(v) > 1})
        if dupes:
            raise ValueError(f"objectives repeated: {', '.join(dupes)}")
        return value

    @model_validator(mode="after")
    def _check_references(self) -> SchedulingConfig:
        machines = set(self.machines)

        def known(names: tuple[str, ...] | list[str], where: str) -> None:
            unknown = sorted(set(names) - machines)
            if unknown:
                raise ValueError(f"{where} names unknown machine(s) {', '.join(unknown)};"
                                 f" machines are {', '.join(sorted(machines))}")

        for name, machine in self.machines.items():
            if machine.calendar is not None and machine.calendar not in self.calendars:
                raise ValueError(f"machines.{name}.calendar {machine.calendar!r} is not in"
                                 " 'calendars'")
        for i, window in enumerate(self.maintenance):
            known([window.machine], f"maintenance[{i}]")
        for rname, steps in self.routings.items():
            if not steps:
                raise ValueError(f"routings.{rname} has no steps")
            names = [s.name for s in steps]
            if len(set(names)) != len(names):
                raise ValueError(f"routings.{rname}: step names must be unique")
            for step in steps:
                known(list(step.machines), f"routings.{rname} step {step.name!r}")
            first_recipe = next((s for s in steps if s.recipe), None)
            if first_recipe is not None:
                no_size = [m for m in first_recipe.machines
                           if self.machines[m].batch_size_t is None]
                if no_size:
                    raise ValueError(f"routings.{rname} step {first_recipe.name!r} is the"
                                     " batch step; give batch_size_t for machine(s) "
                                     + ", ".join(no_size))
        for pname, product in self.products.items():
            if product.routing not in self.routings:
                raise ValueError(f"products.{pname}.routing {product.routing!r} is not in"
                                 " 'routings'")
            has_recipe_step = any(s.recipe for s in self.routings[product.routing])
            if has_recipe_step and not product.use_pareto and not product.recipes:
                raise ValueError(f"products.{pname}: routing {product.routing!r} has a recipe"
                                 " step; set use_pareto: true or list fixed recipes")
            if not has_recipe_step and (product.use_pareto or product.recipes):
                raise ValueError(f"products.{pname} has recipes but routing"
                                 f" {product.routing!r} has no step with recipe: true")
        for i, rule in enumerate(self.changeovers):
            for end in (rule.from_product, rule.to_product):
                if end != "*" and end not in self.products:
                    raise ValueError(f"changeovers[{i}] names unknown product {end!r}")
            if rule.machines is not None:
                known(list(rule.machines), f"changeovers[{i}]")
        seen: set[str] = set()
        for i, order in enumerate(self.orders):
            if order.product not in self.products:
                raise ValueError(f"orders[{i}] ({order.order}) names unknown product"
                                 f" {order.product!r}; products are"
                                 f" {', '.join(sorted(self.products))}")
            if order.order in seen:
                raise ValueError(f"orders[{i}]: order id {order.order!r} is repeated")
            seen.add(order.order)
        if not self.orders and self.orders_csv is None:
            raise ValueError("give 'orders' or 'orders_csv' (or both)")
        return self

    @property
    def end(self) -> dt.datetime:
        """End of the planning horizon."""
        return self.start + dt.timedelta(hours=self.horizon_h)

    def product_colors(self) -> dict[str, str]:
        """Colours given for products (for :func:`~optimizer.scheduling.figures.gantt_figure`)."""
        return {name: p.color for name, p in self.products.items() if p.color}

    def summary(self) -> dict[str, Any]:
        """A short description for logs and run.json."""
        return {"machines": len(self.machines), "products": len(self.products),
                "objectives": list(self.objectives), "n_plans": self.n_plans}
