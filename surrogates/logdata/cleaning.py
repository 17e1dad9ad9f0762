"""Cleaning the logs: each step counted and explained, nothing silent.

:func:`clean_logs` runs these steps in this order; a row dropped for several reasons is
counted under the first one (:data:`DROP_REASONS`):

1. ``bad_timestamp``: the time is missing or unparseable.
2. ``duplicate_timestamp``: the time (on the same line) repeats an earlier row's, per
   :attr:`CleaningConfig.duplicates`.
3. ``excluded_by_filter``: the row matches :attr:`CleaningConfig.exclude_when`
   (evaluated on the values as read; a missing value compares as false).
4. ``missing_line`` / ``missing_group``: the line or group cell is empty.

The remaining rows form each line's time series. On the numeric model columns
(setpoints, context, outcomes):

5. ``out_of_limits``: a value outside the column's physical limits (flagged, never
   clipped).
6. ``outlier``: a spike by the Hampel rule, per line (limit violations masked first).
7. ``stuck_sensor``: the repeats of an improbably long flat run, per line.
8. ``drift``: rows inside a detected drift span, only with ``drift.exclude``; drift is
   always warned with its span.
9. ``missing_outcome``: an outcome cell is missing (as read, or a flagged cell with
   action ``set_missing``). Outcomes are never imputed.
10. ``missing_input``: a setpoint or context cell is missing and the ``missing``
    strategy is ``drop``, or ``impute_recent`` found no recent value on the line.

Flagged cells with action ``set_missing`` become missing and go through steps 9-10.
Flagged values never feed a later detector or an imputation. Every kept row has all
numeric model columns finite (float64).

Rows marked as deliberate trials (:attr:`CleaningConfig.trial_column`) go through
steps 1-5, 9 and 10 like any row, but steps 6-8 run on the normal rows only: a trial is
never flagged as a spike, unusual row, stuck value or drift, and does not shift the
window medians, run statistics or reference fits of the normal rows around it. A trial
row's missing input is never imputed, nor does a trial feed the imputation of others.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from surrogates.errors import InputError, LogDataError
from surrogates.expressions import Expression
from surrogates.logdata.coercion import coerce_flag
from surrogates.logdata.config import CleaningConfig, ColumnSpec
from surrogates.logdata.detection import drift_scan, flat_runs, hampel
from surrogates.logdata.quality import (
    ColumnQuality,
    DataQualityReport,
    DriftWarning,
    ProcessChange,
    StuckWarning,
)
from surrogates.logdata.reading import ROW_COLUMN, RawLogs

__all__ = ["CELL_FLAGS", "DROP_REASONS", "CleanLogs", "clean_logs", "rows_out_of_order"]

DROP_REASONS: tuple[str, ...] = (
    "bad_timestamp", "duplicate_timestamp", "excluded_by_filter", "missing_line",
    "missing_group", "out_of_limits", "outlier", "stuck_sensor", "drift",
    "missing_outcome", "missing_input",
)
"""Why a row is not trained on, in the order reasons are assigned."""

CELL_FLAGS: tuple[str, ...] = (
    "missing", "unparseable", "out_of_limits", "outlier", "unusual", "stuck", "drift",
    "imputed",
)
"""Kinds of cell flags in :attr:`CleanLogs.flags`."""

_MISSING_WARN_SHARE = 0.2
_KEPT_WARN_SHARE = 0.5


@dataclass(frozen=True)
class CleanLogs:
    """The logs after cleaning.

    Attributes:
        frame: Rows usable for training, in time order: :data:`ROW_COLUMN` (0-based
            row in the file), the time column, then the spec columns (numeric model
            columns finite float64, imputed where the strategy says so).
        quality: The data-quality report.
        flags: One row per flagged cell: ``source_row``, ``column``, ``flag`` (one of
            :data:`CELL_FLAGS`), ``value`` (as read, NaN if missing).
        rows: One row per row read, in file order: ``source_row``, the time, the line
            (if any), ``kept`` and ``reason`` (empty when kept), and the trial marker
            (bool, named as :attr:`CleaningConfig.trial_column`) when that is set.
    """

    frame: pd.DataFrame
    quality: DataQualityReport
    flags: pd.DataFrame
    rows: pd.DataFrame


class _Drops:
    """Drop reasons per row; the first reason assigned wins."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, -1, dtype=np.int16)

    def add(self, mask: npt.ArrayLike, reason: str) -> None:
        self.code[(self.code < 0) & np.asarray(mask, dtype=bool)] = DROP_REASONS.index(reason)

    @property
    def alive(self) -> np.ndarray:
        return self.code < 0

    def counts(self) -> dict[str, int]:
        found = np.bincount(self.code[self.code >= 0], minlength=len(DROP_REASONS))
        return {r: int(found[i]) for i, r in enumerate(DROP_REASONS) if found[i]}


def _time_key(times: pd.Series) -> np.ndarray:
    """Sortable int64 nanoseconds (UTC for aware times); NaT sorts last."""
    if times.dt.tz is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    key = times.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    key[times.isna().to_numpy()] = np.iinfo(np.int64).max
    return key


def rows_out_of_order(key: np.ndarray) -> int:
    """The fewest rows that must move to put ``key`` in (non-decreasing) order.

    That is ``n`` minus the longest non-decreasing subsequence (patience sorting, one
    pass with bisection).

    Args:
        key: Sort keys in file order, shape ``(n,)``.
    """
    if len(key) < 2 or bool((key[1:] >= key[:-1]).all()):
        return 0
    tails: list[int] = []
    for value in key.tolist():
        i = bisect.bisect_right(tails, value)
        if i == len(tails):
            tails.append(value)
        else:
            tails[i] = value
    return len(key) - len(tails)


def _stamp(raw: RawLogs, row: int) -> str:
    if raw.time_column is None:
        return f"row {row}"
    value = raw.frame[raw.time_column].iloc[row]
    if pd.isna(value):
        return f"row {row}"
    ts = pd.Timestamp(value)
    return ts.strftime("%Y-%m-%d %H:%M:%S%z" if ts.tzinfo is not None else "%Y-%m-%d %H:%M:%S")


def _reference(series: np.ndarray, codes: np.ndarray, raw: RawLogs,
               config: CleaningConfig) -> np.ndarray:
    """Reference-period mask over the series rows (time-ordered)."""
    drift = config.drift
    ref = np.zeros(len(series), dtype=bool)
    if drift.reference_start is not None or drift.reference_end is not None:
        if raw.time_column is None:
            raise InputError("drift.reference_start/end need a time column", file=raw.path,
                             location="logs.cleaning.drift",
                             hint="use drift.reference_fraction instead")
        times = raw.frame[raw.time_column].iloc[series]
        tz = times.dt.tz
        ok = np.ones(len(series), dtype=bool)
        for bound, keep in ((drift.reference_start, np.greater_equal),
                            (drift.reference_end, np.less_equal)):
            if bound is None:
                continue
            stamp = pd.Timestamp(bound)
            if tz is not None and stamp.tzinfo is None:
                stamp = stamp.tz_localize(tz)
            elif tz is None and stamp.tzinfo is not None:
                stamp = stamp.tz_convert("UTC").tz_localize(None)
            ok &= keep(times, stamp).to_numpy()
        return ok
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        ref[rows[: max(1, math.ceil(drift.reference_fraction * len(rows)))]] = True
    return ref


def clean_logs(raw: RawLogs, config: CleaningConfig | None = None, *,
               min_rows: int = 1) -> CleanLogs:
    """Clean typed logs for training and report every step.

    Args:
        raw: The logs from :func:`~surrogates.logdata.read_logs`.
        config: The cleaning settings (defaults: everything on, missing rows dropped).
        min_rows: Fewest kept rows accepted.

    Returns:
        The kept rows, the data-quality report, the cell flags and the row fates.

    Raises:
        InputError: ``exclude_when`` does not parse or is not a condition, a drift
            reference period needs a time column, or ``trial_column`` is not a column
            read with role ``trial`` (or such a column is read but not configured).
        LogDataError: Fewer than ``min_rows`` rows are left, or a trial-marker cell is
            neither yes nor no.
    """
    config = config or CleaningConfig()
    df = raw.frame
    n = len(df)
    specs = raw.columns
    line_spec = next((c for c in specs if c.role == "line"), None)
    drops = _Drops(n)
    warnings: list[str] = list(raw.warnings)

    line_text = (df[line_spec.name].fillna("").to_numpy(dtype=object) if line_spec
                 else np.full(n, "", dtype=object))
    trial = _trial_rows(raw, config)
    order, unsorted, n_dup = _structural_steps(raw, config, drops, line_text)
    in_series = drops.alive.copy()
    series = order[in_series[order]]
    line_values = sorted({str(v) for v in line_text[series]})
    code_of = {v: i for i, v in enumerate(line_values)}
    codes = np.array([code_of[str(v)] for v in line_text[series]], dtype=np.int64)
    # the statistical detectors see the normal rows only (trials are exempt)
    normal_pos = ~trial[series]
    normal, ncodes = series[normal_pos], codes[normal_pos]

    # ---- cell checks on numeric model columns
    model = [c for c in specs if c.is_model and c.kind == "numeric"]
    names = [c.name for c in model]
    m = len(model)
    V = df[names].to_numpy(dtype="float64", copy=True) if m else np.zeros((n, 0))
    unusable = np.isnan(V)
    lower = np.array([-np.inf if c.lower_limit is None else c.lower_limit for c in model])
    upper = np.array([np.inf if c.upper_limit is None else c.upper_limit for c in model])
    with np.errstate(invalid="ignore"):
        oob = (V < lower[None, :]) | (V > upper[None, :])
    if not config.check_limits:
        oob[:] = False
    masked = np.where(oob, np.nan, V)
    _act(config.limits_action, oob, "out_of_limits", drops, unusable)

    out_flags = np.zeros((n, m), dtype=bool)
    unusual = np.zeros((n, m), dtype=bool)
    stuck_flags = np.zeros((n, m), dtype=bool)
    drift_flags = np.zeros((n, m), dtype=bool)
    stuck_warnings: list[StuckWarning] = []
    drift_warnings: list[DriftWarning] = []
    changes: list[ProcessChange] = []
    hours = _hours(raw, normal)
    if config.outliers.enabled and m:
        o = config.outliers
        for code in range(len(line_values)):
            rows = normal[ncodes == code]
            out_flags[rows] = hampel(masked[rows], window=o.window, n_sigmas=o.n_sigmas,
                                     min_scale=o.min_scale)
        if o.keep_unusual_rows:
            unusual = out_flags & (out_flags.sum(axis=1) >= 2)[:, None]
            out_flags &= ~unusual
        masked[out_flags] = np.nan
        _act(o.action, out_flags, "outlier", drops, unusable)
    if config.stuck.enabled and m:
        s = config.stuck
        checked = np.array([c.role in s.roles for c in model], dtype=bool)
        for code, line in enumerate(line_values):
            pos = np.flatnonzero(ncodes == code)
            rows = normal[pos]
            flags, runs = flat_runs(masked[rows], min_run=s.min_run, max_chance=s.max_chance,
                                    hours=None if hours is None else hours[pos],
                                    min_duration_h=s.min_duration_h,
                                    allow_recurring=s.allow_recurring)
            stuck_flags[rows] = flags & checked[None, :]
            stuck_warnings += [StuckWarning(
                names[r.column], line if line_spec else None, _stamp(raw, int(rows[r.start])),
                _stamp(raw, int(rows[r.end])), r.n_rows, r.value) for r in runs
                if checked[r.column]]
        masked[stuck_flags] = np.nan
        _act(s.action, stuck_flags, "stuck_sensor", drops, unusable)
    if config.drift.enabled and m:
        drift_flags, drift_warnings, changes = _drift(raw, config, normal, ncodes,
                                                      line_values, masked, model,
                                                      line_spec is not None)
        if config.drift.exclude:
            drops.add(drift_flags.any(axis=1), "drift")

    # ---- missing outcomes and inputs
    values = np.where(unusable, np.nan, V)
    outcome = np.array([c.role == "outcome" for c in model], dtype=bool)
    drops.add(np.isnan(values[:, outcome]).any(axis=1), "missing_outcome")
    imputed = np.zeros((n, m), dtype=bool)
    inputs = ~outcome
    if config.missing == "impute_recent" and inputs.any():
        imputed = _impute(values, masked, normal, ncodes, inputs, drops.alive,
                          config.impute_window)
    need = np.isnan(values[:, inputs]).any(axis=1)
    for spec in specs:
        if spec.kind == "category" and spec.is_model:
            if spec.role == "outcome":
                drops.add(raw.reads[spec.name].missing, "missing_outcome")
            else:
                need |= raw.reads[spec.name].missing
    drops.add(need, "missing_input")
    kept_mask = drops.alive
    imputed &= kept_mask[:, None]

    # ---- outputs
    kept = order[kept_mask[order]]
    if len(kept) < min_rows:
        reasons = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in
                            sorted(drops.counts().items(), key=lambda kv: -kv[1])) or "none"
        raise LogDataError(f"only {len(kept)} of {n} rows are usable for training (dropped:"
                           f" {reasons})", file=raw.path,
                           hint="see the data-quality summary from `paretoplan validate`;"
                           " relax the cleaning settings or fix the logs")
    out = {ROW_COLUMN: df[ROW_COLUMN].to_numpy()[kept]}
    if raw.time_column is not None:
        out[raw.time_column] = df[raw.time_column].iloc[kept].reset_index(drop=True)
    col_index = {c.name: j for j, c in enumerate(model)}
    for spec in specs:
        if spec.name in col_index:
            out[spec.name] = values[kept, col_index[spec.name]]
        elif spec.role == "trial":
            out[spec.name] = trial[kept]
        else:
            out[spec.name] = df[spec.name].iloc[kept].reset_index(drop=True)
    clean = pd.DataFrame(out)

    columns = _column_quality(raw, specs, col_index, oob, out_flags, stuck_flags,
                              drift_flags, imputed, in_series)
    ranges = {c.name: (float(values[kept, j].min()), float(values[kept, j].max()))
              for j, c in enumerate(model) if len(kept)}
    warnings += _warnings(raw, config, n, len(kept), unsorted, n_dup, columns, clean,
                          model, drift_warnings, stuck_warnings, changes)
    by_line = _by_line(line_text, kept_mask) if line_spec is not None else {}
    span = None
    if raw.time_column is not None and len(kept):
        span = (_stamp(raw, int(kept[0])), _stamp(raw, int(kept[-1])))
    report = DataQualityReport(
        file=str(raw.path), sha256=raw.sha256, file_format=raw.file_format,
        read_details=dict(raw.details), time_column=raw.time_column,
        line_column=line_spec.name if line_spec else None, rows_read=n,
        rows_kept=len(kept), rows_dropped=drops.counts(), rows_by_line=by_line,
        columns=columns, drift=tuple(drift_warnings), stuck=tuple(stuck_warnings),
        changes=tuple(changes),
        duplicate_timestamps=n_dup, unsorted_rows=unsorted, time_span=span,
        unusual_rows=int((unusual.any(axis=1) & in_series).sum()),
        trial_column=config.trial_column, trial_rows=int(trial.sum()),
        trial_rows_kept=int(trial[kept].sum()),
        training_ranges=ranges, warnings=tuple(warnings),
        settings=config.model_dump(mode="json"))
    flags = _flag_frame(raw, model, V, {"out_of_limits": oob, "outlier": out_flags,
                                        "unusual": unusual, "stuck": stuck_flags,
                                        "drift": drift_flags, "imputed": imputed})
    rows = _row_fates(raw, line_spec, kept_mask, drops)
    if config.trial_column is not None:
        rows[config.trial_column] = trial
    return CleanLogs(clean, report, flags, rows)


def _trial_rows(raw: RawLogs, config: CleaningConfig) -> np.ndarray:
    """Rows marked as deliberate trials, shape ``(n_rows,)`` (all ``False`` unless
    :attr:`CleaningConfig.trial_column` is set)."""
    where = "logs.cleaning.trial_column"
    name = config.trial_column
    marked = [c.name for c in raw.columns if c.role == "trial"]
    if name is None:
        if marked:
            raise InputError(f"the column {marked[0]!r} is read as the trial marker but"
                             f" {where} is not set", file=raw.path, location=where,
                             hint=f"set {where}: {marked[0]}")
        return np.zeros(raw.n_rows, dtype=bool)
    if name not in marked:
        read = next((c for c in raw.columns if c.name == name), None)
        what = (f"is read with role {read.role!r}, not 'trial'" if read is not None
                else "is not among the columns read")
        raise InputError(f"the trial marker {name!r} {what}", file=raw.path, location=where,
                         hint=f"read it as ColumnSpec(name={name!r}, role='trial',"
                         " kind='category'), or name another column")
    flags = coerce_flag(raw.frame[name])
    if flags.unparseable.any():
        bad = np.flatnonzero(flags.unparseable)
        examples = ", ".join(repr(e) for e in flags.examples)
        raise LogDataError(f"{_rows(len(bad))} of the trial marker are neither yes nor no"
                           f" ({examples}; the first at {_stamp(raw, int(bad[0]))})",
                           file=raw.path, location=f"column {name!r}",
                           hint="write 1 (or true, yes, trial) on trial rows and 0 or"
                           " nothing on the others")
    return np.asarray(flags.values, dtype=bool)


def _structural_steps(raw: RawLogs, config: CleaningConfig, drops: _Drops,
                      line_text: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Steps 1-4. Returns the time order of all rows, the rows out of order in the
    file and the number of duplicate times."""
    df = raw.frame
    n = len(df)
    if raw.time_column is not None:
        key = _time_key(df[raw.time_column])
        order = np.argsort(key, kind="stable")
        unsorted = rows_out_of_order(key[~raw.bad_time])
    else:
        key, order, unsorted = np.arange(n, dtype=np.int64), np.arange(n), 0
    drops.add(raw.bad_time, "bad_timestamp")
    n_dup = 0
    if raw.time_column is not None:
        alive = drops.alive
        frame = pd.DataFrame({"t": key[alive], "l": line_text[alive]})
        first = frame.duplicated(keep="first").to_numpy()
        n_dup = int(first.sum())
        policy = {"keep_first": first,
                  "keep_last": frame.duplicated(keep="last").to_numpy(),
                  "drop_all": frame.duplicated(keep=False).to_numpy(),
                  "keep_all": np.zeros(len(frame), dtype=bool)}[config.duplicates]
        dup = np.zeros(n, dtype=bool)
        dup[np.flatnonzero(alive)[policy]] = True
        drops.add(dup, "duplicate_timestamp")
    if config.exclude_when:
        drops.add(_filter(raw, config.exclude_when), "excluded_by_filter")
    for role in ("line", "group"):  # in the order of DROP_REASONS
        for spec in raw.columns:
            if spec.role == role:
                drops.add(raw.reads[spec.name].missing, f"missing_{role}")
    return order, unsorted, n_dup


def _by_line(line_text: np.ndarray, kept: np.ndarray) -> dict[str, dict[str, int]]:
    labels = pd.Series(line_text).replace("", "(missing)")
    read_counts = labels.value_counts(sort=False)
    kept_counts = labels[kept].value_counts(sort=False)
    return {str(k): {"read": int(v), "kept": int(kept_counts.get(k, 0))}
            for k, v in sorted(read_counts.items())}


def _row_fates(raw: RawLogs, line_spec: ColumnSpec | None, kept: np.ndarray,
               drops: _Drops) -> pd.DataFrame:
    df = raw.frame
    rows = pd.DataFrame({ROW_COLUMN: df[ROW_COLUMN].to_numpy()})
    if raw.time_column is not None:
        rows[raw.time_column] = df[raw.time_column].to_numpy()
    if line_spec is not None:
        rows[line_spec.name] = df[line_spec.name].to_numpy()
    rows["kept"] = kept
    reason_names = np.array(("", *DROP_REASONS), dtype=object)
    rows["reason"] = reason_names[drops.code + 1]
    return rows


def _act(action: str, flags: np.ndarray, reason: str, drops: _Drops,
         unusable: np.ndarray) -> None:
    if action == "drop_row":
        drops.add(flags.any(axis=1), reason)
    else:
        unusable |= flags


def _filter(raw: RawLogs, text: str) -> np.ndarray:
    numeric = [c.name for c in raw.columns if c.kind == "numeric"]
    where = "logs.cleaning.exclude_when"
    expr = Expression.parse(text, names=numeric, where=where)
    values = {name: raw.frame[name].to_numpy(dtype="float64") for name in expr.names}
    result = np.asarray(expr.evaluate(values))
    if result.dtype != bool:
        raise InputError(f"{text!r} is not a condition", location=where,
                         hint="write a comparison that is true for rows to exclude, e.g."
                         " 'agitator_rpm < 50 or batch_time_h < 0.2'")
    return np.broadcast_to(result, (raw.n_rows,)).copy()


def _hours(raw: RawLogs, series: np.ndarray) -> np.ndarray | None:
    if raw.time_column is None or not len(series):
        return None
    key = _time_key(raw.frame[raw.time_column].iloc[series])
    return (key - key[0]) / 3.6e12


def _drift(raw: RawLogs, config: CleaningConfig, series: np.ndarray, codes: np.ndarray,
           line_values: list[str], masked: np.ndarray, model: list[ColumnSpec],
           has_lines: bool) -> tuple[np.ndarray, list[DriftWarning], list[ProcessChange]]:
    n, m = masked.shape
    flags = np.zeros((n, m), dtype=bool)
    counts = np.bincount(codes, minlength=len(line_values))
    use = counts[codes] >= config.drift.min_rows
    sub, sub_codes = series[use], codes[use]
    if not len(sub):
        return flags, [], []
    reference = _reference(sub, sub_codes, raw, config)
    X = masked[sub]
    events = drift_scan(X, sub_codes, reference, slack=config.drift.slack,
                        threshold=config.drift.threshold)
    warnings: list[DriftWarning] = []
    spans: list[tuple[str, int, str, int, int]] = []  # kind, line, column, first, last row
    for code, ev in events:
        pos = np.flatnonzero(sub_codes == code)
        pos = pos[(pos >= ev.start) & (pos <= ev.end)]
        rows = sub[pos]
        spec = model[ev.column]
        if ev.kind != "drift":
            spans.append((ev.kind, code, spec.name, int(pos[0]), int(pos[-1])))
            continue
        present = ~np.isnan(X[pos, ev.column])
        flags[rows[present], ev.column] = True
        warnings.append(DriftWarning(
            spec.name, line_values[code] if has_lines else None, _stamp(raw, int(rows[0])),
            _stamp(raw, int(rows[-1])), len(rows), ev.shift_units, ev.shift, spec.unit))
    warnings.sort(key=lambda w: (w.column, w.line or "", w.start))
    changes: list[ProcessChange] = []
    for kind in ("regime", "plant_wide"):
        group: list[tuple[str, int, str, int, int]] = []
        merged: list[list[tuple[str, int, str, int, int]]] = []
        key = (lambda sp: (sp[1], sp[3])) if kind == "regime" else (lambda sp: (sp[2], sp[3]))
        for sp in sorted((sp for sp in spans if sp[0] == kind), key=key):
            same = (group and (group[-1][1] == sp[1] if kind == "regime"
                               else group[-1][2] == sp[2]))
            if same and sp[3] <= max(g[4] for g in group):
                group.append(sp)
            else:
                if group:
                    merged.append(group)
                group = [sp]
        if group:
            merged.append(group)
        for g in merged:
            first, last = min(x[3] for x in g), max(x[4] for x in g)
            cols = tuple(dict.fromkeys(c.name for c in model if c.name in {x[2] for x in g}))
            lines = tuple(sorted({line_values[x[1]] for x in g})) if has_lines else ()
            changes.append(ProcessChange(kind, cols, lines, _stamp(raw, int(sub[first])),
                                         _stamp(raw, int(sub[last]))))
    return flags, warnings, changes


def _impute(values: np.ndarray, masked: np.ndarray, series: np.ndarray, codes: np.ndarray,
            inputs: np.ndarray, alive: np.ndarray, window: int) -> np.ndarray:
    """Fill missing input cells in place with the median of the same line's unflagged
    values in the ``window`` rows before; returns the mask of filled cells."""
    n, m = values.shape
    filled = np.zeros((n, m), dtype=bool)
    cols = np.flatnonzero(inputs)
    for code in np.unique(codes):
        rows = series[codes == code]
        source = pd.DataFrame(masked[np.ix_(rows, cols)])
        recent = source.shift(1).rolling(window, min_periods=1).median().to_numpy()
        target = values[np.ix_(rows, cols)]
        fill = np.isnan(target) & ~np.isnan(recent) & alive[rows][:, None]
        target[fill] = recent[fill]
        values[np.ix_(rows, cols)] = target
        block = np.zeros((len(rows), m), dtype=bool)
        block[:, cols] = fill
        filled[rows] = block
    return filled


def _column_quality(raw: RawLogs, specs: tuple[ColumnSpec, ...], col_index: dict[str, int],
                    oob: np.ndarray, out_flags: np.ndarray, stuck: np.ndarray,
                    drift: np.ndarray, imputed: np.ndarray, in_series: np.ndarray
                    ) -> dict[str, ColumnQuality]:
    columns: dict[str, ColumnQuality] = {}
    for spec in specs:
        read = raw.reads[spec.name]
        counts: dict[str, int] = {}
        if spec.name in col_index:
            j = col_index[spec.name]
            counts = {"out_of_limits": int(oob[:, j].sum()),
                      "outliers": int((out_flags[:, j] & in_series).sum()),
                      "stuck_cells": int((stuck[:, j] & in_series).sum()),
                      "drift_cells": int((drift[:, j] & in_series).sum()),
                      "imputed": int(imputed[:, j].sum())}
        limits = ((spec.lower_limit, spec.upper_limit)
                  if spec.lower_limit is not None or spec.upper_limit is not None else None)
        # an empty trial-marker cell means "normal row", not a missing value
        missing = 0 if spec.role == "trial" else int(read.missing.sum())
        columns[spec.name] = ColumnQuality(
            role=spec.role, kind=spec.kind, missing=missing,
            unparseable=int(read.unparseable.sum()), unparseable_examples=read.examples,
            limits=limits, **counts)
    return columns


def _rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n} rows"


def _warnings(raw: RawLogs, config: CleaningConfig, n: int, n_kept: int, unsorted: int,
              n_dup: int, columns: dict[str, ColumnQuality], clean: pd.DataFrame,
              model: list[ColumnSpec], drift: list[DriftWarning],
              stuck: list[StuckWarning], changes: list[ProcessChange]) -> list[str]:
    out: list[str] = []
    bad = int(raw.bad_time.sum())
    if bad:
        examples = ", ".join(repr(e) for e in raw.time_examples)
        out.append(f"{_rows(bad)} without a usable time"
                   f"{' (' + examples + ')' if examples else ''} were dropped")
    if unsorted:
        out.append(f"the file is not in time order ({unsorted} rows would have to move);"
                   " the rows were sorted by time: check that the time column is read"
                   " correctly (read.dayfirst, read.midnight_ends_day)")
    if n_dup:
        policy = {"keep_first": "the first was kept", "keep_last": "the last was kept",
                  "drop_all": "all of them were dropped",
                  "keep_all": "all were kept"}[config.duplicates]
        out.append(f"{_rows(n_dup)} repeat the time of an earlier row on the same line;"
                   f" {policy}")
    for name, q in columns.items():
        share = (q.missing + q.unparseable) / n if n else 0.0
        if share > _MISSING_WARN_SHARE:
            out.append(f"{name} is missing or unreadable in {share:.0%} of the rows")
        if q.unparseable:
            ex = ", ".join(repr(e) for e in q.unparseable_examples)
            cells = "1 cell is" if q.unparseable == 1 else f"{q.unparseable} cells are"
            out.append(f"{name}: {cells} not a number (e.g. {ex})")
    for spec in model:
        if n_kept > 1 and clean[spec.name].nunique() == 1:
            out.append(f"{spec.name} is constant ({clean[spec.name].iloc[0]:g}) in the kept"
                       " rows; the model cannot learn its effect")
    if n and n_kept < _KEPT_WARN_SHARE * n:
        out.append(f"only {n_kept} of {n} rows ({n_kept / n:.0%}) are kept; see the drop"
                   " reasons")
    out += [w.message for w in drift]
    out += [w.message for w in stuck]
    out += [c.message for c in changes]
    return out


def _flag_frame(raw: RawLogs, model: list[ColumnSpec], V: np.ndarray,
                per_model: dict[str, np.ndarray]) -> pd.DataFrame:
    source = raw.frame[ROW_COLUMN].to_numpy()
    names = [c.name for c in raw.columns]
    index = {name: i for i, name in enumerate(names)}
    model_idx = np.array([index[c.name] for c in model], dtype=np.int64)
    rows_l: list[np.ndarray] = []
    cols_l: list[np.ndarray] = []
    flag_l: list[np.ndarray] = []
    vals_l: list[np.ndarray] = []
    for j, spec in enumerate(raw.columns):
        read = raw.reads[spec.name]
        for flag, mask in (("missing", read.missing), ("unparseable", read.unparseable)):
            r = np.flatnonzero(mask)
            rows_l.append(r)
            cols_l.append(np.full(len(r), j))
            flag_l.append(np.full(len(r), CELL_FLAGS.index(flag)))
            vals_l.append(np.full(len(r), np.nan))
    for flag, mask in per_model.items():
        r, c = np.nonzero(mask)
        rows_l.append(r)
        cols_l.append(model_idx[c])
        flag_l.append(np.full(len(r), CELL_FLAGS.index(flag)))
        vals_l.append(V[r, c])
    rows = np.concatenate(rows_l).astype(np.int64)
    cols = np.concatenate(cols_l).astype(np.int64)
    flags = np.concatenate(flag_l).astype(np.int64)
    vals = np.concatenate(vals_l).astype(np.float64)
    order = np.lexsort((flags, cols, rows))
    return pd.DataFrame({
        ROW_COLUMN: source[rows[order]],
        "column": pd.Categorical.from_codes(cols[order], categories=names),
        "flag": pd.Categorical.from_codes(flags[order], categories=list(CELL_FLAGS)),
        "value": vals[order],
    })
