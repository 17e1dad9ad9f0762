"""Generate the bundled plant-historian export ``logs.csv`` and its defect ground truth.

Two lines run about five batches a day each for 400 days. Most batches follow one of
four habitual recipes that the operators shift over the months; a few are excursions or
engineering trials. Feed purity follows the raw-material lots, ambient temperature the
season and the time of day. Outcomes come from :mod:`.simulator` with measurement
noise. Then the historian's usual defects are injected (missing cells, spikes from unit
or decimal slips, a drifting temperature sensor on L2, a stuck ambient sensor on L1) and
recorded one row per damaged cell in ``defects.csv``.

Regenerate with ``python -m scenarios.batch_reactor.generate_logs --out scenarios/batch_reactor``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.batch_reactor.simulator import (
    BOUNDS,
    CONTEXT,
    CONTEXT_RANGES,
    LINES,
    OUTCOMES,
    SETPOINTS,
    simulate,
)
from surrogates.errors import InputError

__all__ = [
    "COLUMNS",
    "DEFECT_COLUMNS",
    "HABITUAL_RECIPES",
    "RESOLUTION",
    "Recipe",
    "generate_logs",
    "main",
]

COLUMNS: tuple[str, ...] = ("timestamp", "batch_id", "line", *SETPOINTS, *CONTEXT, *OUTCOMES)
"""Columns of ``logs.csv``, in file order."""

DEFECT_COLUMNS: tuple[str, ...] = ("row", "column", "kind", "true_value", "logged_value")
"""Columns of ``defects.csv``."""

RESOLUTION: dict[str, int] = {
    "reactor_temp_C": 1,
    "batch_time_h": 2,
    "catalyst_kg_per_t": 2,
    "feed_ratio": 3,
    "agitator_rpm": 0,
    "feed_purity_pct": 2,
    "ambient_temp_C": 1,
    "yield_pct": 2,
    "energy_kwh_per_t": 1,
    "material_kg_per_t": 1,
    "impurity_pct": 3,
}
"""Decimals the historian keeps per column (instrument resolution)."""

_NUMERIC: tuple[str, ...] = (*SETPOINTS, *CONTEXT, *OUTCOMES)
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Recipe:
    """A habitual recipe of the operators and how its use changes over the period.

    Attributes:
        name: Short name the operators use.
        setpoints: Nominal setpoints (plant units) at the start of the period.
        drift_per_year: Change of the applied setpoints per 365 days (operators' practice).
        weights: Share of batches run with this recipe at the knots of
            :data:`_WEIGHT_KNOTS_DAYS` (relative; normalised over the recipes).
    """

    name: str
    setpoints: dict[str, float]
    drift_per_year: dict[str, float] = field(default_factory=dict)
    weights: tuple[float, ...] = ()

    def at(self, day: np.ndarray) -> np.ndarray:
        """The applied setpoints on the given days, ``(n, 5)`` in ``SETPOINTS`` order."""
        base = np.array([self.setpoints[name] for name in SETPOINTS], float)
        drift = np.array([self.drift_per_year.get(name, 0.0) for name in SETPOINTS], float)
        return base + np.outer(np.asarray(day, float) / 365.0, drift)


_WEIGHT_KNOTS_DAYS = (0.0, 90.0, 150.0, 250.0, 330.0, 400.0)

_RECIPES: tuple[Recipe, ...] = (
    Recipe("standard",
           {"reactor_temp_C": 185.0, "batch_time_h": 3.5, "catalyst_kg_per_t": 1.5,
            "feed_ratio": 1.30, "agitator_rpm": 340},
           {"reactor_temp_C": 2.0, "batch_time_h": -0.2},
           (0.45, 0.45, 0.40, 0.40, 0.45, 0.45)),
    Recipe("high_yield",
           {"reactor_temp_C": 181.0, "batch_time_h": 4.8, "catalyst_kg_per_t": 1.3,
            "feed_ratio": 1.45, "agitator_rpm": 350},
           {"feed_ratio": 0.03},
           (0.15, 0.20, 0.20, 0.30, 0.25, 0.25)),
    Recipe("fast",
           {"reactor_temp_C": 191.0, "batch_time_h": 2.6, "catalyst_kg_per_t": 1.4,
            "feed_ratio": 1.30, "agitator_rpm": 360},
           {"batch_time_h": -0.15},
           (0.00, 0.05, 0.35, 0.25, 0.10, 0.10)),
    Recipe("low_temp",
           {"reactor_temp_C": 176.0, "batch_time_h": 5.0, "catalyst_kg_per_t": 2.0,
            "feed_ratio": 1.35, "agitator_rpm": 320},
           {"catalyst_kg_per_t": 0.1},
           (0.40, 0.30, 0.05, 0.05, 0.20, 0.20)),
)

HABITUAL_RECIPES: dict[str, dict[str, float]] = {r.name: dict(r.setpoints) for r in _RECIPES}
"""The operators' recipe sheet (nominal setpoints at the start of the logs)."""

# Batch-to-batch jitter of the applied setpoints (standard deviations, plant units).
_JITTER = {"reactor_temp_C": 0.8, "batch_time_h": 0.05, "catalyst_kg_per_t": 0.03,
           "feed_ratio": 0.012, "agitator_rpm": 0.0}
_L2_EXTRA_TIME_H = 0.2  # L2 operators run a little longer (its catalyst is less active)
_EXCURSION_SHARE = 0.04  # recipe with 1-3 setpoints moved well off the sheet
_RANDOM_TRIAL_SHARE = 0.008  # anywhere in the safe box
# Engineering trial: lower agitation with more catalyst, L1, these days.
_TRIAL_DAYS = (200.0, 214.0)
_SHUTDOWNS = {"L1": ((230.0, 236.0), (352.0, 356.0)), "L2": ((280.0, 285.0), (352.0, 356.0))}
_BATCH_ID_START = {"L1": 12001, "L2": 8501}

# Defects.
_MISSING_SHARE = 0.0045  # of the numeric cells
_LOST_SAMPLES = 6  # rows whose four outcomes are all missing
_SPIKE_SHARE = 0.002


@dataclass(frozen=True)
class _SensorFault:
    """A sensor fault on one line: a linear drift of ``size`` over ``days`` (drift) or the
    same reading repeated for ``n_rows`` batches (stuck), from ``start_day``."""

    line: str
    column: str
    start_day: float
    days: float = 0.0
    size: float = 0.0
    n_rows: int = 0


_DRIFT = _SensorFault("L2", "reactor_temp_C", start_day=150.0, days=35.0, size=4.0)
_STUCK = _SensorFault("L1", "ambient_temp_C", start_day=95.0, n_rows=14)
_FAULT_DAYS_REF = 400.0  # fault days scale with the length of the period


def _spike_kinds(column: str) -> tuple[Callable[[float], float], ...]:
    """Plausible gross errors for a column (unit slips, decimal slips, sign errors)."""
    times10: Callable[[float], float] = lambda v: v * 10.0  # noqa: E731
    negate: Callable[[float], float] = lambda v: -v  # noqa: E731
    kinds: dict[str, tuple[Callable[[float], float], ...]] = {
        "reactor_temp_C": (lambda v: v + 273.15, times10),
        "batch_time_h": (lambda v: v * 60.0,),
        "catalyst_kg_per_t": (times10,),
        "feed_ratio": (times10,),
        "agitator_rpm": (times10,),
        "feed_purity_pct": (lambda v: v / 100.0,),
        "ambient_temp_C": (lambda v: v * 9.0 / 5.0 + 32.0, negate),
        "yield_pct": (lambda v: v / 100.0, times10),
        "energy_kwh_per_t": (lambda v: v * 1000.0, lambda v: v / 1000.0),
        "material_kg_per_t": (lambda v: v / 1000.0,),
        "impurity_pct": (times10, negate),
    }
    return kinds[column]


def _line_batches(line: str, days: int, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """One line's batches in time order: start hours since the first day ``(n,)`` and the
    applied setpoints ``(n, 5)``. Each batch starts after the previous one's batch time,
    a turnaround (discharge, cleaning, charging, heat-up) and now and then a delay."""
    horizon = days * 24.0
    t = 6.0 + rng.uniform(0.0, 4.0)
    starts: list[float] = []
    rows: list[np.ndarray] = []
    while t < horizon:
        day = t / 24.0
        stop = next((b for a, b in _SHUTDOWNS[line] if a <= day < b), None)
        if stop is not None:
            t = stop * 24.0 + rng.uniform(6.0, 10.0)
            continue
        x = _draw_setpoints(day, line, rng)
        starts.append(t)
        rows.append(x)
        turnaround = 0.4 + rng.gamma(4.0, 0.06)
        delay = rng.uniform(2.0, 12.0) if rng.random() < 0.02 else 0.0
        t += float(x[1]) + turnaround + delay
    return np.array(starts), np.array(rows)


def _ambient(hours: np.ndarray, start: pd.Timestamp, rng: np.random.Generator) -> np.ndarray:
    """Ambient temperature (degC) at the given hours: season + day/night + weather."""
    stamps = start + pd.to_timedelta(hours, unit="h")
    doy = stamps.day_of_year.to_numpy(float) + stamps.hour.to_numpy(float) / 24.0
    season = 13.5 - 12.0 * np.cos(2.0 * np.pi * (doy - 20.0) / 365.25)
    day_night = 4.0 * np.cos(2.0 * np.pi * (stamps.hour.to_numpy(float) - 15.0) / 24.0)
    # Weather: AR(1) on a 6-hour grid, a few days of memory.
    n_grid = int(np.ceil(hours.max() / 6.0)) + 2
    noise = rng.normal(0.0, 1.0, n_grid)
    weather = np.empty(n_grid)
    weather[0] = 2.5 * noise[0]
    phi = 0.93
    for i in range(1, n_grid):
        weather[i] = phi * weather[i - 1] + 2.5 * np.sqrt(1.0 - phi**2) * noise[i]
    w = np.interp(hours / 6.0, np.arange(n_grid), weather)
    lo, hi = CONTEXT_RANGES["ambient_temp_C"]
    return np.clip(season + day_night + w, lo - 2.0, hi + 2.0)


def _purity(hours: np.ndarray, days: int, rng: np.random.Generator) -> np.ndarray:
    """Feed purity (%) of the lot in use at the given hours, with analysis noise."""
    lot_starts = [0.0]
    while lot_starts[-1] < days * 24.0:
        lot_starts.append(lot_starts[-1] + rng.uniform(2.0, 6.0) * 24.0)
    lo, hi = CONTEXT_RANGES["feed_purity_pct"]
    lot_purity = np.clip(rng.normal(97.4, 1.1, len(lot_starts)), lo, hi)
    lot = np.searchsorted(np.array(lot_starts), hours, side="right") - 1
    return np.clip(lot_purity[lot] + rng.normal(0.0, 0.05, len(hours)), lo, hi)


_LO = np.array([BOUNDS[s][0] for s in SETPOINTS])
_HI = np.array([BOUNDS[s][1] for s in SETPOINTS])
_SIGMA = np.array([_JITTER[s] for s in SETPOINTS])


def _draw_setpoints(day: float, line: str, rng: np.random.Generator) -> np.ndarray:
    """The setpoints one batch actually ran with, ``(5,)`` in ``SETPOINTS`` order."""
    span = _HI - _LO
    trial = line == "L1" and _TRIAL_DAYS[0] <= day < _TRIAL_DAYS[1]
    weights = np.array([np.interp(day, _WEIGHT_KNOTS_DAYS, r.weights) for r in _RECIPES])
    recipe = _RECIPES[int(rng.choice(len(_RECIPES), p=weights / weights.sum()))]
    x = recipe.at(np.array([day]))[0]
    if line == "L2":
        x[1] += _L2_EXTRA_TIME_H
    if rng.random() < 0.15:  # operators nudge the agitator now and then
        x[4] += rng.choice([-20.0, -10.0, 10.0, 20.0])
    u = rng.random()
    if trial:  # engineering trial: lower agitation compensated with more catalyst
        x[4] = rng.choice([240.0, 260.0, 280.0, 300.0])
        x[2] = rng.uniform(1.6, 2.2)
        x[3] = rng.uniform(1.30, 1.45)
    elif u < _EXCURSION_SHARE:  # 1-3 setpoints moved by 10-35 % of their range
        cols = rng.choice(len(SETPOINTS), size=int(rng.integers(1, 4)), replace=False)
        x[cols] += rng.choice([-1.0, 1.0], len(cols)) * rng.uniform(0.10, 0.35,
                                                                    len(cols)) * span[cols]
    elif u < _EXCURSION_SHARE + _RANDOM_TRIAL_SHARE:  # a trial anywhere in the safe box
        x = _LO + rng.random(len(SETPOINTS)) * span
    x = np.clip(x + rng.normal(0.0, 1.0, len(SETPOINTS)) * _SIGMA, _LO, _HI)
    x[4] = np.round(x[4])
    return x


def _inject_defects(logs: pd.DataFrame, day: np.ndarray, days: int, rng: np.random.Generator
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Damage a copy of the clean logs; return it with one truth row per damaged cell."""
    out = logs.copy()
    scale = days / _FAULT_DAYS_REF
    records: list[tuple[int, str, str, float, float]] = []
    taken: set[tuple[int, str]] = set()
    line = out["line"].to_numpy()

    def damage(row: int, column: str, kind: str, value: float) -> None:
        true_value = float(out.at[row, column])
        if column == "agitator_rpm" and np.isfinite(value):
            value = float(np.round(value))
        elif np.isfinite(value):
            value = float(np.round(value, RESOLUTION[column] + 2 if kind == "spike"
                                   else RESOLUTION[column]))
        out.at[row, column] = value
        records.append((row, column, kind, true_value, value))
        taken.add((row, column))

    # Drift: a thermocouple reads high, ramping up over a few weeks until recalibration.
    age = day - _DRIFT.start_day * scale
    ramp = _DRIFT.days * scale
    in_drift = (line == _DRIFT.line) & (age >= 0.0) & (age < ramp)
    for row in np.flatnonzero(in_drift):
        column = _DRIFT.column
        logged = round(float(out.at[row, column]) + _DRIFT.size * age[row] / ramp,
                       RESOLUTION[column])
        if logged != out.at[row, column]:
            damage(int(row), column, "drift", logged)

    # Stuck: the ambient sensor of one line repeats its last reading.
    rows_line = np.flatnonzero((line == _STUCK.line) & (day >= _STUCK.start_day * scale))
    first, run = int(rows_line[0]), rows_line[1: 1 + _STUCK.n_rows]
    frozen = float(out.at[first, _STUCK.column])
    for row in run:
        damage(int(row), _STUCK.column, "stuck", frozen)

    n_rows = len(out)
    # Lost lab samples: all outcomes of a batch missing.
    for row in rng.choice(n_rows, _LOST_SAMPLES, replace=False):
        for column in OUTCOMES:
            if (int(row), column) not in taken:
                damage(int(row), column, "missing", np.nan)

    cells = [(r, c) for r in range(n_rows) for c in _NUMERIC]
    n_missing = round(_MISSING_SHARE * len(cells)) - _LOST_SAMPLES * len(OUTCOMES)
    n_spikes = round(_SPIKE_SHARE * len(cells))
    order = rng.permutation(len(cells))
    picked = [cells[i] for i in order if cells[i] not in taken][: n_missing + n_spikes]
    for row, column in picked[:n_missing]:
        damage(row, column, "missing", np.nan)
    for row, column in picked[n_missing:]:
        kinds = _spike_kinds(column)
        slip = kinds[int(rng.integers(len(kinds)))]
        damage(row, column, "spike", slip(float(out.at[row, column])))

    truth = pd.DataFrame.from_records(records, columns=list(DEFECT_COLUMNS))
    truth = truth.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    return out, truth


def _empty_defects() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype="int64"), "column": pd.Series(dtype="str"),
                         "kind": pd.Series(dtype="str"),
                         "true_value": pd.Series(dtype="float64"),
                         "logged_value": pd.Series(dtype="float64")})


def generate_logs(
    seed: int = 7,
    start: str = "2025-01-06",
    days: int = 400,
    defects: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the plant historian's batch export of both lines.

    The clean data do not depend on ``defects``: the logs with ``defects=False`` are the
    logs with ``defects=True`` with every damaged cell set back to its ``true_value``.

    Args:
        seed: Seed of every random draw; same seed, same frames.
        start: First day of the logs (local plant time, ``YYYY-MM-DD``).
        days: Length of the period in days (about 10 batches a day over both lines).
        defects: Inject missing cells, spikes, a drifting and a stuck sensor.

    Returns:
        ``(logs, defects_truth)``. ``logs`` has the :data:`COLUMNS`, one row per batch,
        sorted by ``timestamp`` (a ``YYYY-MM-DD HH:MM:SS`` string), numbers rounded to
        :data:`RESOLUTION`, missing cells as NaN. ``defects_truth`` has the
        :data:`DEFECT_COLUMNS`: the 0-based ``row`` in ``logs``, the ``column``, the
        ``kind`` (``missing``, ``spike``, ``drift`` or ``stuck``), the value a sound
        instrument would have logged and the value logged; empty without defects.

    Raises:
        InputError: ``start`` is not a date or ``days`` is below 30.
    """
    try:
        t0 = pd.Timestamp(start)
    except (TypeError, ValueError):
        raise InputError(f"start {start!r} is not a date", location="argument 'start'",
                         hint="use YYYY-MM-DD, e.g. '2025-01-06'") from None
    if int(days) < 30:
        raise InputError(f"days={days} is too short for lots, seasons and defects",
                         location="argument 'days'", hint="use 30 days or more")
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    _, rng_recipe, rng_weather, rng_lots, rng_noise, rng_defects, rng_sensor = streams

    hours_l, lines_l, x_l = [], [], []
    for name in LINES:
        starts, x_line = _line_batches(name, int(days), rng_recipe)
        hours_l.append(starts)
        lines_l.append(np.full(len(starts), name, dtype=object))
        x_l.append(x_line)
    # Second-resolution stamps (the historian logs the batch-start event).
    hours = np.round(np.concatenate(hours_l) * 3600.0) / 3600.0
    line = np.concatenate(lines_l)
    order = np.lexsort((line, hours))
    hours, line, x = hours[order], line[order], np.concatenate(x_l)[order]
    day = hours / 24.0
    n = len(hours)

    ambient = _ambient(hours, t0, rng_weather)
    purity = _purity(hours, int(days), rng_lots)
    frame = pd.DataFrame(x, columns=list(SETPOINTS))
    frame["feed_purity_pct"] = purity
    frame["ambient_temp_C"] = ambient
    outcomes = simulate(frame, line=list(line), rng=rng_noise)

    # What the sensors log: the true state plus a little instrument noise, rounded.
    logged = frame.copy()
    logged["reactor_temp_C"] += rng_sensor.normal(0.0, 0.15, n)
    logged["ambient_temp_C"] += rng_sensor.normal(0.0, 0.2, n)
    logged = pd.concat([logged, outcomes], axis=1)
    for column in _NUMERIC:
        logged[column] = np.round(logged[column].to_numpy(float), RESOLUTION[column])

    stamps = (t0 + pd.to_timedelta(hours, unit="h")).strftime(_TIME_FORMAT)
    ids = np.empty(n, dtype=object)
    for name in LINES:
        rows = np.flatnonzero(line == name)
        ids[rows] = [f"{name}-{_BATCH_ID_START[name] + k:06d}" for k in range(len(rows))]
    logs = pd.DataFrame({"timestamp": np.asarray(stamps, dtype=object),
                         "batch_id": ids, "line": line})
    logs = pd.concat([logs, logged], axis=1)[list(COLUMNS)]
    for column in ("timestamp", "batch_id", "line"):
        logs[column] = logs[column].astype("str")

    if defects:
        logs, truth = _inject_defects(logs, day, int(days), rng_defects)
    else:
        truth = _empty_defects()
    logs["agitator_rpm"] = logs["agitator_rpm"].round().astype("Int64")
    return logs, truth


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write ``logs.csv`` and ``defects.csv`` into ``--out``."""
    parser = argparse.ArgumentParser(
        prog="python -m scenarios.batch_reactor.generate_logs",
        description="Generate the batch-reactor historian logs and their defect truth.")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="output folder (default: beside this script)")
    parser.add_argument("--days", type=int, default=400, help="days of logs (default 400)")
    parser.add_argument("--start", default="2025-01-06", help="first day (YYYY-MM-DD)")
    parser.add_argument("--no-defects", action="store_true", help="write clean logs")
    args = parser.parse_args(argv)
    logs, truth = generate_logs(seed=args.seed, start=args.start, days=args.days,
                                defects=not args.no_defects)
    args.out.mkdir(parents=True, exist_ok=True)
    logs.to_csv(args.out / "logs.csv", index=False, lineterminator="\n")
    truth.to_csv(args.out / "defects.csv", index=False, lineterminator="\n")
    print(f"wrote {len(logs)} batches to {args.out / 'logs.csv'} and {len(truth)} defects"
          f" to {args.out / 'defects.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
