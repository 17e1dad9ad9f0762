"""Plan objectives as integer CP-SAT expressions.

Each objective is an integer variable equal to a linear expression, in a fixed integer
scale (time units, milli-currency, kg), minimised by the solver: ``good_output_t`` enters
negated. :class:`ObjectiveTerm` converts the integer back to user units. The values a
plan reports are recomputed exactly from its assignment
(:func:`optimizer.scheduling.metrics.plan_metrics`); the integer scale only steers
the search.

Energy cost under a time-of-day tariff: a step that draws power ``P`` over ``[s, e)``
costs ``P * integral(price)``. With ``p0`` the default price and segments of price ``p_k``
this is ``p0 * E + sum_k (p_k - p0) * P * overlap([s, e), segment_k)``; the overlap of
each reachable segment is an exact ``max(0, min(e, b_k) - max(s, a_k))`` variable, and
the power of the chosen mode enters through enforced equalities per power level.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.scheduling.config import OBJECTIVES
from optimizer.scheduling.constraints import Constraints
from optimizer.scheduling.data import ScheduleData
from optimizer.scheduling.variables import Variables

__all__ = ["COST_SCALE", "MASS_SCALE", "WEIGHT_SCALE", "Objective", "ObjectiveTerm"]

COST_SCALE = 1000  # integer units per currency unit in the energy/changeover objectives
MASS_SCALE = 1000  # integer units per tonne (kg)
WEIGHT_SCALE = 100  # integer units per unit of tardiness weight


@dataclass(frozen=True)
class ObjectiveTerm:
    """One objective in the model.

    Attributes:
        name: The objective's name (a key of :data:`~optimizer.scheduling.config.OBJECTIVES`).
        var: Integer variable equal to the (minimised) objective.
        to_user: Multiply the integer value by this to get user units (negative for a
            maximised objective).
    """

    name: str
    var: cp_model.IntVar
    to_user: float

    def user_value(self, value: float) -> float:
        """The integer value in user units (hours, currency, tonnes)."""
        return float(value) * self.to_user


class _Linear:
    """A linear expression collected as parallel lists (built once, not by ``+=``)."""

    def __init__(self) -> None:
        self.vars: list[cp_model.IntVar] = []
        self.coeffs: list[int] = []
        self.constant = 0

    def add(self, coeff: int, var: cp_model.IntVar | bool) -> None:
        if coeff == 0:
            return
        if var is True:
            self.constant += coeff
        else:
            self.vars.append(var)  # type: ignore[arg-type]
            self.coeffs.append(coeff)

    def expr(self) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum(self.vars, self.coeffs) + self.constant


class Objective:
    """Builds objective terms on demand.

    Args:
        model: The CP-SAT model.
        data: The instance.
        variables: The model's variables.
        constraints: The model's constraints (for changeover arcs).
    """

    def __init__(self, model: cp_model.CpModel, data: ScheduleData, variables: Variables,
                 constraints: Constraints) -> None:
        self.model = model
        self.data = data
        self.vars = variables
        self.cons = constraints
        self.terms: dict[str, ObjectiveTerm] = {}

    def add(self, name: str) -> ObjectiveTerm:
        """Create (once) and return the term of objective ``name``.

        Raises:
            ValueError: ``name`` is not a known objective.
        """
        if name in self.terms:
            return self.terms[name]
        builders = {
            "makespan_h": self._makespan,
            "weighted_tardiness_h": self._weighted_tardiness,
            "energy_cost": self._energy_cost,
            "changeover_cost": self._changeover_cost,
            "material_t": self._material,
            "good_output_t": self._good_output,
        }
        if name not in builders:
            raise ValueError(f"unknown objective {name!r}; choose from {', '.join(OBJECTIVES)}")
        term = builders[name]()
        self.terms[name] = term
        return term

    def _bounded(self, name: str, linear: _Linear, lb: int, ub: int,
                 to_user: float) -> ObjectiveTerm:
        var = self.model.new_int_var(lb, max(lb, ub), f"obj_{name}")
        self.model.add(var == linear.expr())
        return ObjectiveTerm(name, var, to_user)

    def _mode_sum(self, value: dict[int, list[int]], name: str, to_user: float,
                  sign: int = 1) -> ObjectiveTerm:
        """``sign * sum(presence * value)`` over every mode; ``value[t][k]`` integer."""
        linear, lb, ub = _Linear(), 0, 0
        for t, values in value.items():
            vals = [sign * x for x in values]
            for x, lit in zip(vals, self.vars.presence[t], strict=True):
                linear.add(x, lit)
            lb += min(vals)
            ub += max(vals)
        return self._bounded(name, linear, lb, ub, to_user)

    def _makespan(self) -> ObjectiveTerm:
        data, v = self.data, self.vars
        lasts = [job.tasks[-1] for job in data.jobs]
        lb = max(v.windows[t].earliest_start + data.tasks[t].min_duration for t in lasts)
        var = self.model.new_int_var(lb, data.horizon, "obj_makespan_h")
        self.model.add_max_equality(var, [v.end[t] for t in lasts])
        return ObjectiveTerm("makespan_h", var, data.hours(1))

    def _weighted_tardiness(self) -> ObjectiveTerm:
        data, v, model = self.data, self.vars, self.model
        linear, ub = _Linear(), 0
        for o, order in enumerate(data.orders):
            if order.due is None or order.due >= data.horizon:
                continue
            late = model.new_int_var(0, data.horizon - order.due, f"late{o}")
            for job in data.jobs:
                if job.order == o:
                    model.add(late >= v.end[job.tasks[-1]] - order.due)
            weight = max(1, round(order.weight * WEIGHT_SCALE))
            linear.add(weight, late)
            ub += weight * (data.horizon - order.due)
        return self._bounded("weighted_tardiness_h", linear, 0, ub,
                             data.hours(1) / WEIGHT_SCALE)

    def _material(self) -> ObjectiveTerm:
        value = {t: [round(m.material_t * MASS_SCALE) for m in task.modes]
                 for t, task in enumerate(self.data.tasks)}
        return self._mode_sum(value, "material_t", 1.0 / MASS_SCALE)

    def _good_output(self) -> ObjectiveTerm:
        value = {t: [round(m.good_output_t * MASS_SCALE) for m in task.modes]
                 for t, task in enumerate(self.data.tasks)}
        return self._mode_sum(value, "good_output_t", -1.0 / MASS_SCALE, sign=-1)

    def _changeover_cost(self) -> ObjectiveTerm:
        linear = _Linear()
        for x, c in self.cons.changeover_costs:
            linear.add(round(c * COST_SCALE), x)
        ub = sum(linear.coeffs)
        return self._bounded("changeover_cost", linear, 0, ub, 1.0 / COST_SCALE)

    def _energy_cost(self) -> ObjectiveTerm:
        data, v, model = self.data, self.vars, self.model
        base = data.default_price
        hours_per_unit = data.hours(1)
        linear = _Linear()
        lb = ub = 0
        for t, task in enumerate(data.tasks):
            base_cost = [round(m.energy_kwh * base * COST_SCALE) for m in task.modes]
            lits = v.presence[t]
            for c, lit in zip(base_cost, lits, strict=True):
                linear.add(c, lit)
            lb += min(base_cost)
            ub += max(base_cost)
            powers = [data.mode_power_kw(m) for m in task.modes]
            if max(powers) <= 0:
                continue
            win = v.windows[t]
            max_dur = max(m.duration for m in task.modes)
            for k, seg in enumerate(data.tariff):
                extra = seg.price - base
                if extra == 0 or seg.end <= win.earliest_start or seg.start >= win.latest_end:
                    continue
                overlap = self._overlap(t, k, seg.start, seg.end, min(max_dur,
                                                                        seg.end - seg.start))
                # cost per time unit of overlap, by power level of the chosen mode
                levels: dict[int, list[cp_model.IntVar | bool]] = {}
                for p, lit in zip(powers, lits, strict=True):
                    coef = round(p * extra * hours_per_unit * COST_SCALE)
                    levels.setdefault(coef, []).append(lit)
                if len(levels) == 1:
                    linear.add(next(iter(levels)), overlap)
                else:
                    for coef, members in levels.items():
                        if coef == 0:
                            continue
                        z = model.new_int_var(0, min(max_dur, seg.end - seg.start),
                                              f"ovp{t}_{k}_{coef}")
                        lit = members[0] if len(members) == 1 else self._any(members)
                        model.add(z == overlap).only_enforce_if(lit)
                        model.add(z == 0).only_enforce_if(lit.Not())  # type: ignore[union-attr]
                        linear.add(coef, z)
                span = min(max_dur, seg.end - seg.start)
                top = max(round(p * extra * hours_per_unit * COST_SCALE) for p in powers)
                low = min(round(p * extra * hours_per_unit * COST_SCALE) for p in powers)
                ub += max(0, top) * span
                lb += min(0, low) * span
        return self._bounded("energy_cost", linear, lb, ub, 1.0 / COST_SCALE)

    def _any(self, members: list[cp_model.IntVar | bool]) -> cp_model.IntVar:
        lit = self.model.new_bool_var("power_level")
        self.model.add(lit == sum(members))  # type: ignore[arg-type]
        return lit

    def _overlap(self, t: int, k: int, a: int, b: int, cap: int) -> cp_model.IntVar:
        """``max(0, min(end_t, b) - max(start_t, a))`` as a variable."""
        model, v = self.model, self.vars
        lo = model.new_int_var(a, max(a, v.windows[t].latest_end), f"lo{t}_{k}")
        model.add_max_equality(lo, [v.start[t], a])
        hi = model.new_int_var(0, b, f"hi{t}_{k}")
        model.add_min_equality(hi, [v.end[t], b])
        ov = model.new_int_var(0, cap, f"ov{t}_{k}")
        model.add_max_equality(ov, [0, hi - lo])
        return ov
