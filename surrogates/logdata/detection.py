"""Detectors for spikes, stuck sensors and drift, vectorised over rows and columns.

Each function takes one line's values as a ``(n_rows, n_columns)`` float array in time
order (NaN where a value is missing or already flagged) and returns masks or events;
the caller loops over lines only. No Python loop runs over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "DriftEvent",
    "FlatRun",
    "classify_events",
    "cusum",
    "drift_scan",
    "flat_runs",
    "hampel",
    "nanmedian_columns",
    "robust_scale",
]

MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.2533
_MIN_WINDOW_VALUES = 3
_CLIP = 4.0  # residuals are winsorised so one wild row cannot raise a drift alarm


def robust_scale(X: np.ndarray) -> np.ndarray:
    """Robust standard deviation of each column, ignoring NaN.

    ``1.4826 * MAD``; when more than half the values are equal (MAD 0, as in a column
    that is mostly 0 or mostly 100 %), ``1.2533 * mean |x - median|`` instead. Both
    equal the standard deviation for normal data.

    Args:
        X: Values, shape ``(n_rows, n_columns)``.

    Returns:
        Shape ``(n_columns,)``; NaN for a column without values.
    """
    if X.shape[0] == 0:
        return np.full(X.shape[1], np.nan)
    with np.errstate(all="ignore"):
        filled = np.sort(X, axis=0)  # NaN last
        count = (~np.isnan(X)).sum(axis=0)
        med = _sorted_median(filled, count)
        dev = np.abs(X - med[None, :])
        mad = _sorted_median(np.sort(dev, axis=0), count)
        mean_ad = np.where(np.isnan(dev), 0.0, dev).sum(axis=0) / np.maximum(count, 1)
    out = np.where(mad > 0, MAD_TO_SIGMA * mad, MEAN_AD_TO_SIGMA * mean_ad)
    return np.where(count > 0, out, np.nan)


def _mean_abs(E: np.ndarray) -> np.ndarray:
    """Mean absolute value of each column (centred residuals), ignoring NaN."""
    count = (~np.isnan(E)).sum(axis=0)
    return np.where(np.isnan(E), 0.0, np.abs(E)).sum(axis=0) / np.maximum(count, 1)


def nanmedian_columns(X: np.ndarray) -> np.ndarray:
    """Median of each column ignoring NaN (vectorised; NaN for an empty column).

    Args:
        X: Values, shape ``(n_rows, n_columns)``.

    Returns:
        Shape ``(n_columns,)``.
    """
    if X.shape[0] == 0:
        return np.full(X.shape[1], np.nan)
    return _sorted_median(np.sort(X, axis=0), (~np.isnan(X)).sum(axis=0))


def _sorted_median(S: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Median of each column of column-sorted ``S`` with ``count`` values (NaN last)."""
    lo = np.clip((count - 1) // 2, 0, None)
    hi = np.clip(count // 2, 0, max(0, S.shape[0] - 1))
    cols = np.arange(S.shape[1])
    return np.where(count > 0, 0.5 * (S[lo, cols] + S[hi, cols]), np.nan)


def _window_median(W: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Median of each window of ``W`` (last axis, NaN-padded, sorted in place)."""
    W.sort(axis=-1)  # NaN sorts last
    lo = np.clip((count - 1) // 2, 0, None)[..., None]
    hi = np.clip(count // 2, 0, W.shape[-1] - 1)[..., None]
    med = 0.5 * (np.take_along_axis(W, lo, -1) + np.take_along_axis(W, hi, -1))[..., 0]
    return np.where(count > 0, med, np.nan)


def hampel(X: np.ndarray, *, window: int, n_sigmas: float, min_scale: float) -> np.ndarray:
    """Hampel outlier flags.

    A value is flagged when ``|x - median| > n_sigmas * s`` with ``median`` over the
    centred window and ``s = max(1.4826 * MAD_window, min_scale * s_column)``, where
    ``s_column`` is the :func:`robust_scale` of the whole column. Windows with fewer
    than 3 values and a zero scale flag nothing. The window medians come from pandas'
    rolling median; the exact window MAD is computed only for the cells that could be
    flagged (those beyond ``n_sigmas * min_scale * s_column``).

    Args:
        X: Values of one line in time order, shape ``(n_rows, n_columns)``.
        window: Window length in rows (odd).
        n_sigmas: Threshold in robust standard deviations.
        min_scale: Floor of the local scale as a share of the column's scale.

    Returns:
        Boolean flags shaped like ``X``.
    """
    n, m = X.shape
    flags = np.zeros((n, m), dtype=bool)
    if n == 0 or m == 0:
        return flags
    frame = pd.DataFrame(X)
    roll = frame.rolling(window, center=True, min_periods=1)
    med = roll.median().to_numpy()
    count = roll.count().to_numpy()
    floor = min_scale * np.nan_to_num(robust_scale(X), nan=0.0)
    with np.errstate(invalid="ignore"):
        dist = np.abs(X - med)
        candidate = (dist > n_sigmas * floor[None, :]) & (count >= _MIN_WINDOW_VALUES)
    rows, cols = np.nonzero(candidate)
    if not len(rows):
        return flags
    half = window // 2
    padded = np.pad(X, ((half, half), (0, 0)), constant_values=np.nan)
    W = sliding_window_view(padded, window, axis=0)[rows, cols]  # (k, window)
    c = count[rows, cols].astype(np.int64)
    mad = _window_median(np.abs(W - med[rows, cols][:, None]), c)
    scale = np.maximum(MAD_TO_SIGMA * np.nan_to_num(mad, nan=0.0), floor[cols])
    flags[rows, cols] = (dist[rows, cols] > n_sigmas * scale) & (scale > 0)
    return flags


@dataclass(frozen=True)
class FlatRun:
    """A run of identical consecutive values.

    Attributes:
        column: Column index.
        start: Row index of the run's first value (a real reading).
        end: Row index of its last value (inclusive).
        value: The repeated value.
        chance: Expected number of runs this long by chance in the column.
    """

    column: int
    start: int
    end: int
    value: float
    chance: float

    @property
    def n_rows(self) -> int:
        """Rows in the run, the first included."""
        return self.end - self.start + 1


def flat_runs(X: np.ndarray, *, min_run: int, max_chance: float,
              hours: np.ndarray | None = None, min_duration_h: float | None = None,
              allow_recurring: bool = True) -> tuple[np.ndarray, list[FlatRun]]:
    """Find improbable runs of identical values (stuck sensors).

    With ``p`` the share of a column's consecutive value pairs that are equal and
    ``n`` its number of values, a run of ``L >= min_run`` rows is flagged when
    ``n * p ** (L - 1) < max_chance`` (and, with ``hours``, when it lasts at least
    ``min_duration_h``). A missing value ends a run. With ``allow_recurring``, a value
    that a column holds in two or more runs of ``min_run`` rows (an idle state such as
    0 kvarh, or a power factor of 100 % at light load) is a state, not a stuck sensor.

    Args:
        X: Values of one line in time order, shape ``(n_rows, n_columns)``.
        min_run: Shortest run in rows.
        max_chance: Flag when fewer runs this long are expected by chance.
        hours: Row times in hours, shape ``(n_rows,)``, for ``min_duration_h``.
        min_duration_h: Shortest run duration.
        allow_recurring: Do not flag values that recur as long runs.

    Returns:
        Flags of the repeated cells (every cell of a run but its first) and the runs.
    """
    n, m = X.shape
    flags = np.zeros((n, m), dtype=bool)
    if n < 2 or m == 0:
        return flags, []
    valid = ~np.isnan(X)
    same = np.zeros((n, m), dtype=bool)
    same[1:] = (X[1:] == X[:-1]) & valid[1:] & valid[:-1]
    pairs = (valid[1:] & valid[:-1]).sum(axis=0)
    p = np.divide(same.sum(axis=0), pairs, out=np.zeros(m), where=pairs > 0)
    n_values = valid.sum(axis=0)
    run_id = np.cumsum(~same, axis=0) - 1 + (np.arange(m) * n)[None, :]
    lengths = np.bincount(run_id.ravel(), minlength=n * m)
    run_len = lengths[run_id]
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        chance = n_values[None, :] * np.power(p[None, :], run_len - 1.0)
    long = valid & (run_len >= min_run) & ~same  # first cell of every long run
    hit = long & (chance < max_chance) & (p < 1.0)
    if allow_recurring and hit.any():
        # a value held in two or more long runs of a column is a state, not a fault
        lr, lc = np.nonzero(long)
        pairs_ = pd.DataFrame({"c": lc, "v": X[lr, lc]})
        repeats = pairs_.groupby(["c", "v"])["v"].transform("size").to_numpy()
        recurring = np.zeros((n, m), dtype=bool)
        recurring[lr, lc] = repeats >= 2
        hit &= ~recurring
    rows, cols = np.nonzero(hit)
    runs: list[FlatRun] = []
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        end = r + int(run_len[r, c]) - 1
        if (hours is not None and min_duration_h is not None
                and hours[end] - hours[r] < min_duration_h):
            continue
        runs.append(FlatRun(c, r, end, float(X[r, c]), float(chance[r, c])))
        flags[r + 1:end + 1, c] = True
    runs.sort(key=lambda run: (run.column, run.start))
    return flags, runs


def cusum(E: np.ndarray, slack: float) -> tuple[np.ndarray, np.ndarray]:
    """Page's two-sided CUSUM of standardised values, vectorised.

    ``S_i = max(0, S_{i-1} + e_i - k)`` equals ``C_i - min(0, min_{j<=i} C_j)`` with
    ``C`` the cumulative sum of ``e - k``; NaN values add nothing.

    Args:
        E: Standardised values, shape ``(n_rows, n_columns)``.
        slack: ``k`` in standard deviations.

    Returns:
        ``(upper, lower)`` statistics shaped like ``E`` (both non-negative).
    """
    out = []
    for sign in (1.0, -1.0):
        steps = np.where(np.isnan(E), 0.0, sign * E - slack)
        steps[np.isnan(E)] = 0.0
        C = np.cumsum(steps, axis=0)
        out.append(C - np.minimum(np.minimum.accumulate(C, axis=0), 0.0))
    return out[0], out[1]


@dataclass(frozen=True)
class DriftEvent:
    """A sustained shift of a column against what the other columns predict.

    Attributes:
        column: Column index.
        start: Row index of the estimated onset (the CUSUM's last reset before alarm).
        end: Row index where the CUSUM peaks (the shift's estimated end).
        direction: ``+1`` reads high, ``-1`` reads low.
        shift: Mean residual over the span in robust standard deviations.
        peak: Largest CUSUM value, in standard deviations.
        shift_units: Mean residual over the span in the column's unit.
        kind: ``drift`` (one sensor on one line), ``regime`` (several columns of a line
            left the reference relationships together: a trial or a practice change) or
            ``plant_wide`` (the same column on every line at once: season, feed, practice).
        related: Indices of the other columns (``regime``) or other line codes
            (``plant_wide``) involved.
    """

    column: int
    start: int
    end: int
    direction: int
    shift: float
    peak: float
    shift_units: float
    kind: str = "drift"
    related: tuple[int, ...] = ()


def _episodes(S: np.ndarray, threshold: float) -> list[tuple[int, int, int]]:
    """``(column, start, end)`` of every positive CUSUM stretch that crosses ``threshold``."""
    n = S.shape[0]
    out: list[tuple[int, int, int]] = []
    for j in np.flatnonzero((S > threshold).any(axis=0)).tolist():
        s = S[:, j]
        positive = s > 0
        edges = np.diff(np.concatenate([[False], positive, [False]]).astype(np.int8))
        begins, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        for b, e in zip(begins.tolist(), ends.tolist(), strict=True):
            seg = s[b:e]
            if seg.max() > threshold:
                out.append((j, b, min(b + int(np.argmax(seg)), n - 1)))
    return out


def _inflation(E: np.ndarray) -> np.ndarray:
    """Long-run standard deviation factor ``sqrt((1 + r) / (1 - r))`` per column.

    ``r`` is the lag-1 autocorrelation, estimated robustly from the scale of first
    differences (``var(diff) = 2 var (1 - r)`` for an AR(1) process) and clipped to
    [0, 0.95]. Residuals of a process that stays in a state for many rows are
    autocorrelated; their CUSUM grows as if they were shifted unless deflated."""
    if len(E) < 3:
        return np.ones(E.shape[1])
    level = robust_scale(E)
    step = robust_scale(np.diff(E, axis=0))
    with np.errstate(all="ignore"):
        r = 1.0 - step**2 / (2.0 * level**2)
    r = np.clip(np.nan_to_num(r, nan=0.0), 0.0, 0.95)
    return np.sqrt((1.0 + r) / (1.0 - r))


def _residuals(Z: np.ndarray, cov: np.ndarray, faulty: np.ndarray) -> np.ndarray:
    """Residual of each column given the healthy ones, shape like ``Z``."""
    healthy = ~faulty
    if not healthy.any():
        return Z.copy()
    R = np.empty_like(Z)
    Zh = Z[:, healthy]
    P = np.linalg.inv(cov[np.ix_(healthy, healthy)])
    if healthy.sum() == 1:
        R[:, healthy] = Zh
    else:
        R[:, healthy] = (Zh @ P) / np.diag(P)[None, :]
    if faulty.any():
        B = cov[np.ix_(faulty, healthy)] @ P
        R[:, faulty] = Z[:, faulty] - Zh @ B.T
    return R


def drift_scan(X: np.ndarray, lines: np.ndarray, reference: np.ndarray, *, slack: float,
               threshold: float, max_rounds: int = 6) -> list[tuple[int, DriftEvent]]:
    """Detect drifting columns by a CUSUM of their residuals against the others.

    Each column is centred per line on its reference median and scaled by its pooled
    reference robust scale. A linear model fitted on the reference rows (shrunk
    covariance of all columns, missing values at the reference level) predicts each
    column from the others. The residual is standardised per line: centred on the
    reference, scaled by the larger of its robust scale over the whole line and
    ``1.2533 * mean |r|`` over the reference (so heavy-tailed or mostly-constant
    residuals do not look shifted),
    deflated for its lag-1 autocorrelation in the reference period and winsorised at
    4; then it runs through :func:`cusum`. When
    alarms of several columns overlap on a line, the column with the largest
    standardised shift is taken as faulty and left out of the other columns'
    predictors, and the scan repeats; a single faulty sensor always has the largest
    standardised shift in this model.

    Args:
        X: Values of all lines in time order per line, shape ``(n_rows, n_columns)``,
            NaN where missing or flagged.
        lines: Line code of each row, shape ``(n_rows,)``.
        reference: Reference-period rows, shape ``(n_rows,)``.
        slack: CUSUM slack in standard deviations.
        threshold: CUSUM alarm level in standard deviations.
        max_rounds: Isolation rounds at most.

    Returns:
        ``(line code, event)`` pairs; row indices are into ``X``.
    """
    n, m = X.shape
    if n == 0 or m == 0:
        return []
    Z = np.full((n, m), np.nan)
    codes = np.unique(lines)
    for code in codes:
        rows = lines == code
        ref = X[rows & reference]
        Z[rows] = X[rows] - nanmedian_columns(ref)[None, :]
    scale = robust_scale(Z[reference])
    usable = np.isfinite(scale) & (scale > 0)
    usable &= (~np.isnan(Z[reference])).sum(axis=0) >= 10
    if not usable.any():
        return []
    cols = np.flatnonzero(usable)
    Z = Z[:, cols] / scale[cols][None, :]
    filled = np.nan_to_num(Z, nan=0.0)
    Zr = filled[reference]
    k = len(cols)
    cov = (Zr.T @ Zr) / max(1, len(Zr) - 1)
    shrink = k / (k + len(Zr))
    cov = (1 - shrink) * cov + shrink * np.diag(np.diag(cov)) + 1e-9 * np.eye(k)
    faulty = np.zeros(k, dtype=bool)
    events: list[tuple[int, DriftEvent]] = []
    for _ in range(max_rounds):
        R = _residuals(filled, cov, faulty)
        R[np.isnan(Z)] = np.nan
        events = []
        new_faulty = faulty.copy()
        for code in codes:
            rows = np.flatnonzero(lines == code)
            E = R[rows]
            ref_rows = reference[rows]
            with np.errstate(all="ignore"):
                centre = nanmedian_columns(E[ref_rows])
                E = E - np.nan_to_num(centre)[None, :]
                s = np.maximum(robust_scale(E), MEAN_AD_TO_SIGMA * _mean_abs(E[ref_rows]))
            s = np.where(np.isfinite(s) & (s > 0), s, np.inf)
            units = s * scale[cols]
            E = E / s[None, :]
            C = np.clip(E / _inflation(E[ref_rows])[None, :], -_CLIP, _CLIP)
            found: list[DriftEvent] = []
            for direction, S in zip((1, -1), cusum(C, slack), strict=True):
                for j, b, e in _episodes(S, threshold):
                    span = E[b:e + 1, j]
                    shift = float(span[~np.isnan(span)].mean())
                    found.append(DriftEvent(int(cols[j]), int(rows[b]), int(rows[e]),
                                            direction, shift, float(S[b:e + 1, j].max()),
                                            shift * float(units[j])))
            events += [(int(code), ev) for ev in found]
            for ev in _local_leaders(found):
                new_faulty[int(np.flatnonzero(cols == ev.column)[0])] = True
        if (new_faulty == faulty).all():
            break
        faulty = new_faulty
    return classify_events(events)


def _overlap_share(a: DriftEvent, b: DriftEvent) -> float:
    """Intersection over union of two spans (row indices)."""
    inter = min(a.end, b.end) - max(a.start, b.start) + 1
    union = max(a.end, b.end) - min(a.start, b.start) + 1
    return max(0, inter) / union


def classify_events(events: list[tuple[int, DriftEvent]], *, overlap: float = 0.5
                    ) -> list[tuple[int, DriftEvent]]:
    """Tell sensor drift from process changes.

    Events whose spans overlap by at least ``overlap`` (intersection over union) are
    joined. Several
    columns of one line together are a ``regime`` change (a faulty sensor alone leaves
    the other columns' residuals clean once it is isolated); one column on several
    lines together is a ``plant_wide`` change (sensors do not drift in step). The rest
    is ``drift``.

    Args:
        events: ``(line code, event)`` pairs from the scan.
        overlap: Least intersection over union of two spans.

    Returns:
        The same events with ``kind`` and ``related`` set.
    """
    from dataclasses import replace

    out = list(events)
    for i, (code, ev) in enumerate(out):
        cols = {o.column for c, o in events if c == code and o.column != ev.column
                and _overlap_share(ev, o) >= overlap}
        if cols:
            out[i] = (code, replace(ev, kind="regime", related=tuple(sorted(cols))))
    for i, (code, ev) in enumerate(out):
        if ev.kind != "drift":
            continue
        lines = {c for c, o in events if c != code and o.column == ev.column
                 and _overlap_share(ev, o) >= overlap}
        if lines:
            out[i] = (code, replace(ev, kind="plant_wide", related=tuple(sorted(lines))))
    return out


def _overlaps(a: DriftEvent, b: DriftEvent) -> bool:
    return a.start <= b.end and b.start <= a.end


def _local_leaders(events: list[DriftEvent]) -> list[DriftEvent]:
    """Events with the largest standardised shift among the other columns' events they
    overlap (and that overlap at least one)."""
    out = []
    for ev in events:
        others = [o for o in events if o.column != ev.column and _overlaps(ev, o)]
        if others and all(abs(ev.shift) >= abs(o.shift) for o in others):
            out.append(ev)
    return out
