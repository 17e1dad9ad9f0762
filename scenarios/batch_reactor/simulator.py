"""The true process behind the bundled logs: a stirred, jacketed fine-chemical batch reactor.

Benchmarks use this module as ground truth to score the recipes the engine proposes; the
engine itself never imports it and only sees ``logs.csv``. All functions are vectorised
(one numpy pass over all rows, closed-form kinetics) and noise-free unless a random
generator is passed. The equations and parameter values are documented in the README
beside this file.

Reactions, in the liquid phase, on a dispersed solid catalyst:

* ``A + R -> P``  (desired product; pseudo-first order in A, effective order in the R:A
  excess, catalysed, limited by agitation)
* ``P -> X``      (degradation of the product; highest activation energy, partly catalysed)
* ``A -> Y``      (thermal side reaction; activation energy between the two)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from surrogates.errors import InputError

__all__ = [
    "BOUNDS",
    "CONTEXT",
    "CONTEXT_RANGES",
    "DEFAULT_CONTEXT",
    "LINES",
    "LINE_PARAMETERS",
    "NOISE_REL",
    "OUTCOMES",
    "PARAMETERS",
    "SETPOINTS",
    "UNITS",
    "LineParameters",
    "ProcessParameters",
    "simulate",
    "simulate_details",
    "true_outcomes",
]

SETPOINTS: tuple[str, ...] = (
    "reactor_temp_C",
    "batch_time_h",
    "catalyst_kg_per_t",
    "feed_ratio",
    "agitator_rpm",
)
"""Decision variables, in the column order :func:`true_outcomes` expects."""

CONTEXT: tuple[str, ...] = ("feed_purity_pct", "ambient_temp_C")
"""Conditions the operators do not choose."""

OUTCOMES: tuple[str, ...] = ("yield_pct", "energy_kwh_per_t", "material_kg_per_t", "impurity_pct")
"""Measured results, in the column order :func:`true_outcomes` returns."""

BOUNDS: dict[str, tuple[float, float]] = {
    "reactor_temp_C": (150.0, 200.0),
    "batch_time_h": (1.0, 6.0),
    "catalyst_kg_per_t": (0.5, 3.0),
    "feed_ratio": (1.0, 1.6),
    "agitator_rpm": (100.0, 400.0),
}
"""Safe operating box of the setpoints (the search space; ``agitator_rpm`` is an integer)."""

CONTEXT_RANGES: dict[str, tuple[float, float]] = {
    "feed_purity_pct": (94.0, 99.5),
    "ambient_temp_C": (-5.0, 32.0),
}
"""Range the context takes over a year at the plant."""

DEFAULT_CONTEXT: dict[str, float] = {"feed_purity_pct": 97.5, "ambient_temp_C": 15.0}
"""A typical lot and a mild day: the context benchmarks plan at unless told otherwise."""

UNITS: dict[str, str] = {
    "reactor_temp_C": "degC",
    "batch_time_h": "h",
    "catalyst_kg_per_t": "kg catalyst / t feed A",
    "feed_ratio": "mol R / mol A",
    "agitator_rpm": "1/min",
    "feed_purity_pct": "% (mass of A in the feed lot)",
    "ambient_temp_C": "degC",
    "yield_pct": "% (mol P isolated / mol A fed)",
    "energy_kwh_per_t": "kWh / t P",
    "material_kg_per_t": "kg (A feed + R + catalyst) / t P",
    "impurity_pct": "% (mass of X + Y in the product stream)",
}

LINES: tuple[str, ...] = ("L1", "L2")

NOISE_REL: dict[str, float] = {
    "yield_pct": 0.006,
    "energy_kwh_per_t": 0.01,
    "material_kg_per_t": 0.005,
    "impurity_pct": 0.02,
}
"""Relative standard deviation of the measurement noise :func:`simulate` adds with a ``rng``."""

_R_GAS = 8.314  # J/(mol K)
_KELVIN = 273.15


@dataclass(frozen=True)
class ProcessParameters:
    """Constants of the process shared by both lines (units in the field comments).

    Rate constants are given at the reference temperature ``t_ref_C`` for a catalyst
    activity of 1 (1 kg/t of fresh catalyst, pure feed), a 1:1 feed and ideal mixing.
    """

    t_ref_C: float = 175.0  # degC, reference temperature of the rate constants
    k1_ref: float = 0.27  # 1/h, A + R -> P
    k2_ref: float = 0.0017  # 1/h, P -> X
    k3_ref: float = 0.0024  # 1/h, A -> Y
    ea1: float = 75e3  # J/mol, activation energy of A + R -> P
    ea2: float = 135e3  # J/mol, activation energy of P -> X
    ea3: float = 110e3  # J/mol, activation energy of A -> Y
    order_r: float = 1.5  # -, effective order of the main rate in the R:A ratio
    order_cat_1: float = 0.6  # -, order of the main rate in catalyst activity
    order_cat_2: float = 1.2  # -, order of the degradation rate in catalyst activity
    rpm_c: float = 160.0  # 1/min, agitator speed scale of the mass-transfer factor
    poison: float = 0.06  # 1/%, catalyst poisoning per % of feed impurity
    mw_a: float = 140.0  # g/mol
    mw_r: float = 60.0  # g/mol
    mw_p: float = 200.0  # g/mol (X is an isomer of P, Y an isomer of A)
    recovery_r: float = 0.3  # -, share of unreacted R recovered and recycled
    cake_holdup: float = 10.0  # kg liquor lost in the filter cake per kg catalyst
    cp: float = 2.2  # kJ/(kg K), heat capacity of the charge
    heating_efficiency: float = 0.85  # -, share of heating energy reaching the charge
    agitator_kw: float = 8.0  # kW per t feed A at 250 1/min (power ~ rpm^3)
    utilities_kw: float = 3.0  # kW per t feed A while at temperature (pumps, condenser)


@dataclass(frozen=True)
class LineParameters:
    """What differs between the two production lines.

    Attributes:
        catalyst_activity: Relative activity of the line's catalyst charge system (-).
        ua_kw_per_k: Lumped heat-loss coefficient of jacket, lid and reflux condenser,
            in kW/K per tonne of feed A charged.
    """

    catalyst_activity: float
    ua_kw_per_k: float


PARAMETERS = ProcessParameters()
LINE_PARAMETERS: dict[str, LineParameters] = {
    "L1": LineParameters(catalyst_activity=1.0, ua_kw_per_k=0.10),
    "L2": LineParameters(catalyst_activity=0.9, ua_kw_per_k=0.09),
}


def _arrhenius(k_ref: float, ea: float, temp_C: np.ndarray, p: ProcessParameters) -> np.ndarray:
    """``k_ref * exp(-Ea/R (1/T - 1/T_ref))`` in the units of ``k_ref``, shape of ``temp_C``."""
    inv = 1.0 / (temp_C + _KELVIN) - 1.0 / (p.t_ref_C + _KELVIN)
    return k_ref * np.exp(-ea / _R_GAS * inv)


def _phi(d: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``(1 - exp(-d t)) / d`` with its limit ``t`` at ``d = 0`` (any sign of ``d``)."""
    small = np.abs(d) < 1e-12
    safe = np.where(small, 1.0, d)
    return np.where(small, t, -np.expm1(-safe * t) / safe)


def _evaluate(
    setpoints: np.ndarray,
    purity: np.ndarray,
    ambient: np.ndarray,
    activity: np.ndarray,
    ua: np.ndarray,
    p: ProcessParameters = PARAMETERS,
) -> dict[str, np.ndarray]:
    """Closed-form batch model for all rows at once.

    Args:
        setpoints: ``(n, 5)`` setpoints in :data:`SETPOINTS` order and units.
        purity: ``(n,)`` feed purity in %.
        ambient: ``(n,)`` ambient temperature in degC.
        activity: ``(n,)`` relative catalyst activity of the line.
        ua: ``(n,)`` heat-loss coefficient of the line, kW/K per t feed A.
        p: Process constants.

    Returns:
        Arrays of shape ``(n,)``: the four outcomes under their names, and the breakdown
        (mole fractions of the A fed, energy terms in kWh/t P, rate constants in 1/h).
    """
    temp, time, cat, ratio, rpm = (setpoints[:, j] for j in range(5))
    purity_frac = purity / 100.0

    # Catalyst activity: dose x line factor x poisoning by the lot's impurities.
    a_cat = cat * activity * np.exp(-p.poison * (100.0 - purity))
    mass_transfer = 1.0 - np.exp(-((np.maximum(rpm, 0.0) / p.rpm_c) ** 1.5))
    k1 = (_arrhenius(p.k1_ref, p.ea1, temp, p) * a_cat**p.order_cat_1
          * ratio**p.order_r * mass_transfer)
    k2 = _arrhenius(p.k2_ref, p.ea2, temp, p) * a_cat**p.order_cat_2
    k3 = _arrhenius(p.k3_ref, p.ea3, temp, p)
    k_a = k1 + k3

    # Mole fractions of the A fed after `time` hours (A -> P -> X, A -> Y).
    a_left = np.exp(-k_a * time)
    p_formed = k1 * np.exp(-k2 * time) * _phi(k_a - k2, time)
    y_formed = k3 / k_a * (1.0 - a_left)
    x_formed = np.clip(1.0 - a_left - p_formed - y_formed, 0.0, None)

    # Charge per tonne of feed A (kg): the feed lot, reagent R, catalyst.
    mol_a = 1000.0 * purity_frac / p.mw_a  # kmol A per t feed
    mass_r = ratio * mol_a * p.mw_r
    charge = 1000.0 + mass_r + cat
    filter_loss = p_formed * p.cake_holdup * cat / charge
    p_isolated = p_formed - filter_loss
    product_t = mol_a * p_isolated * p.mw_p / 1000.0  # t P per t feed A

    # Energy per tonne of feed A (kWh), then per tonne of product.
    delta_t = temp - ambient
    heat_up = charge * p.cp * delta_t / 3600.0 / p.heating_efficiency
    losses = ua * delta_t * time
    agitator = p.agitator_kw * (np.maximum(rpm, 0.0) / 250.0) ** 3 * time
    utilities = p.utilities_kw * time

    # Raw materials consumed per tonne of feed A (kg): the whole feed lot, R bound in
    # P and X, the unrecovered share of the unreacted R, the catalyst.
    r_unreacted = np.clip(ratio - p_formed - x_formed, 0.0, None)
    r_consumed = mol_a * p.mw_r * (p_formed + x_formed + (1.0 - p.recovery_r) * r_unreacted)
    consumed = 1000.0 + r_consumed + cat

    stream = (p_formed + x_formed) * p.mw_p + y_formed * p.mw_a
    with np.errstate(divide="ignore", invalid="ignore"):
        per_t = 1.0 / product_t
        impurity = 100.0 * (x_formed * p.mw_p + y_formed * p.mw_a) / stream
    return {
        "yield_pct": 100.0 * p_isolated,
        "energy_kwh_per_t": (heat_up + losses + agitator + utilities) * per_t,
        "material_kg_per_t": consumed * per_t,
        "impurity_pct": impurity,
        "conversion_pct": 100.0 * (1.0 - a_left),
        "a_left_pct": 100.0 * a_left,
        "p_formed_pct": 100.0 * p_formed,
        "x_formed_pct": 100.0 * x_formed,
        "y_formed_pct": 100.0 * y_formed,
        "filter_loss_pct": 100.0 * filter_loss,
        "heat_up_kwh_per_t": heat_up * per_t,
        "losses_kwh_per_t": losses * per_t,
        "agitator_kwh_per_t": agitator * per_t,
        "utilities_kwh_per_t": utilities * per_t,
        "k1_per_h": k1,
        "k2_per_h": k2,
        "k3_per_h": k3,
    }


def _line_arrays(lines: Sequence[str] | np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-row catalyst activity and heat-loss coefficient for the given line names."""
    names, inverse = np.unique(np.asarray(lines, dtype=object).astype(str), return_inverse=True)
    unknown = [str(v) for v in names if v not in LINE_PARAMETERS]
    if unknown:
        raise InputError(
            f"unknown line(s) {', '.join(repr(u) for u in unknown[:5])}",
            location=where,
            hint=f"use one of {', '.join(LINES)}",
        )
    activity = np.array([LINE_PARAMETERS[str(v)].catalyst_activity for v in names], float)
    ua = np.array([LINE_PARAMETERS[str(v)].ua_kw_per_k for v in names], float)
    return activity[inverse], ua[inverse]


def _check_physical(setpoints: np.ndarray, purity: np.ndarray, where: str) -> None:
    """Raise :class:`InputError` for non-finite or non-physical inputs."""
    values = np.column_stack([setpoints, purity])
    names = (*SETPOINTS, "feed_purity_pct")
    bad = ~np.isfinite(values)
    bad[:, 1:5] |= setpoints[:, 1:] < 0.0
    bad[:, 0] |= setpoints[:, 0] <= -_KELVIN
    bad[:, 3] |= setpoints[:, 3] <= 0.0
    bad[:, 5] |= (purity <= 0.0) | (purity > 100.0)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise InputError(
            f"value {values[row, col]!r} is missing or not physical",
            location=f"{where} row {row}, column {names[col]!r}",
            hint="give finite values: times, doses, speeds >= 0, feed_ratio > 0,"
                 " 0 < feed_purity_pct <= 100",
        )


def _context_array(context: Mapping[str, float | np.ndarray], n: int) -> tuple[np.ndarray, ...]:
    """Broadcast the context values to ``(n,)`` arrays, in :data:`CONTEXT` order."""
    out = []
    for name in CONTEXT:
        if name not in context:
            raise InputError(
                f"context value {name!r} is missing",
                location="argument 'context'",
                hint=f"pass a dict with {', '.join(CONTEXT)} (e.g. DEFAULT_CONTEXT)",
            )
        out.append(np.broadcast_to(np.asarray(context[name], float), (n,)).astype(float))
    return tuple(out)


def true_outcomes(
    X: np.ndarray,
    context: Mapping[str, float | np.ndarray] | None = None,
    line: str = "L1",
) -> np.ndarray:
    """Noise-free outcomes of a batch of recipes on one line.

    Args:
        X: ``(n, 5)`` setpoints in :data:`SETPOINTS` order: reactor_temp_C (degC),
            batch_time_h (h), catalyst_kg_per_t (kg/t feed A), feed_ratio (mol R/mol A),
            agitator_rpm (1/min). A ``(5,)`` vector counts as one row.
        context: ``feed_purity_pct`` (%) and ``ambient_temp_C`` (degC), each a float or an
            ``(n,)`` array; :data:`DEFAULT_CONTEXT` when ``None``.
        line: ``"L1"`` or ``"L2"``.

    Returns:
        ``(n, 4)`` outcomes in :data:`OUTCOMES` order: yield_pct (%), energy_kwh_per_t
        (kWh/t P), material_kg_per_t (kg/t P), impurity_pct (%).

    Raises:
        InputError: Wrong shape, unknown line, missing context or non-physical values.
    """
    arr = np.atleast_2d(np.asarray(X, dtype=float))
    if arr.ndim != 2 or arr.shape[1] != len(SETPOINTS):
        raise InputError(
            f"expected an array of shape (n, {len(SETPOINTS)}), got {np.shape(X)}",
            location="argument 'X'",
            hint=f"columns in this order: {', '.join(SETPOINTS)}",
        )
    n = arr.shape[0]
    purity, ambient = _context_array(DEFAULT_CONTEXT if context is None else context, n)
    if not isinstance(line, str):
        raise InputError(f"line must be one name, got {line!r}", location="argument 'line'",
                         hint=f"use one of {', '.join(LINES)}")
    activity, ua = (np.full(n, v) for v in _line_arrays([line], "argument 'line'"))
    _check_physical(arr, purity, "argument 'X'")
    res = _evaluate(arr, purity, ambient, activity, ua)
    return np.column_stack([res[name] for name in OUTCOMES])


def _frame_inputs(
    frame: pd.DataFrame, line: str | Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Setpoints ``(n, 5)``, purity, ambient, activity and UA ``(n,)`` from a frame."""
    missing = [c for c in (*SETPOINTS, *CONTEXT) if c not in frame.columns]
    if missing:
        raise InputError(
            f"column(s) {', '.join(repr(c) for c in missing)} missing",
            location="argument 'frame'",
            hint=f"the frame needs {', '.join((*SETPOINTS, *CONTEXT))}",
        )
    n = len(frame)
    if line is None:
        if "line" not in frame.columns:
            raise InputError(
                "no line given",
                location="argument 'frame'",
                hint="pass line='L1' or 'L2', or give the frame a 'line' column",
            )
        lines: Sequence[str] | np.ndarray = frame["line"].to_numpy(dtype=object)
        where = "column 'line'"
    elif isinstance(line, str):
        lines, where = [line] * n, "argument 'line'"
    else:
        lines, where = list(line), "argument 'line'"
        if len(lines) != n:
            raise InputError(
                f"{len(lines)} line names for {n} rows",
                location=where,
                hint="give one line name per row, or a single name",
            )
    activity, ua = _line_arrays(lines, where)
    try:
        setpoints = frame.loc[:, list(SETPOINTS)].to_numpy(dtype=float)
        purity = frame["feed_purity_pct"].to_numpy(dtype=float)
        ambient = frame["ambient_temp_C"].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"non-numeric values ({exc})",
            location="argument 'frame'",
            hint="setpoint and context columns must hold numbers",
        ) from None
    _check_physical(setpoints, purity, "argument 'frame'")
    if not np.isfinite(ambient).all():
        row = int(np.flatnonzero(~np.isfinite(ambient))[0])
        raise InputError(
            "value is missing",
            location=f"argument 'frame' row {row}, column 'ambient_temp_C'",
            hint="fill or drop rows with missing context",
        )
    return setpoints, purity, ambient, activity, ua


def simulate(
    frame: pd.DataFrame,
    *,
    line: str | Sequence[str] | None = None,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """True outcomes for each row of a frame of setpoints and context.

    Measurement noise (Gaussian, relative standard deviations :data:`NOISE_REL`) is
    added only when ``rng`` is given.

    Args:
        frame: ``n`` rows holding the :data:`SETPOINTS` and :data:`CONTEXT` columns (plant
            units, see :data:`UNITS`); other columns are ignored.
        line: One line name for all rows, one name per row, or ``None`` to read the
            frame's ``line`` column.
        rng: Random generator for measurement noise; ``None`` for the true values.

    Returns:
        ``n`` rows, index of ``frame``, the :data:`OUTCOMES` columns.

    Raises:
        InputError: Missing columns, unknown lines, non-numeric or non-physical values.
    """
    setpoints, purity, ambient, activity, ua = _frame_inputs(frame, line)
    res = _evaluate(setpoints, purity, ambient, activity, ua)
    out = pd.DataFrame({name: res[name] for name in OUTCOMES}, index=frame.index)
    if rng is not None:
        for name in OUTCOMES:
            out[name] = out[name] * (1.0 + NOISE_REL[name] * rng.standard_normal(len(out)))
    return out


def simulate_details(frame: pd.DataFrame, *, line: str | Sequence[str] | None = None
                     ) -> pd.DataFrame:
    """Noise-free outcomes plus the mass and energy balance behind them.

    Args:
        frame: As for :func:`simulate`.
        line: As for :func:`simulate`.

    Returns:
        ``n`` rows, index of ``frame``: the :data:`OUTCOMES`; ``conversion_pct`` and the
        fate of the A fed in mol % (``a_left_pct``, ``p_formed_pct``, ``x_formed_pct``,
        ``y_formed_pct``, ``filter_loss_pct``; the first four sum to 100); the energy terms
        in kWh/t P (``heat_up_``, ``losses_``, ``agitator_``, ``utilities_kwh_per_t``);
        the rate constants ``k1_per_h``, ``k2_per_h``, ``k3_per_h`` (1/h).

    Raises:
        InputError: As for :func:`simulate`.
    """
    setpoints, purity, ambient, activity, ua = _frame_inputs(frame, line)
    return pd.DataFrame(_evaluate(setpoints, purity, ambient, activity, ua), index=frame.index)
