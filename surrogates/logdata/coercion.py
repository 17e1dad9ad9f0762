"""Turning exported text into numbers and times, counting what fails.

Historian and spreadsheet exports write numbers as ``1,234.5`` or ``1.234,5``, mark
gaps with ``n/a``, ``-`` or an empty cell, and leave spreadsheet errors (``#VALUE!``)
or historian states (``Bad``, ``I/O Timeout``) in numeric columns. Coercion keeps two
counts apart: *missing* (the export says there is no value) and *unparseable* (there is
text, but it is not a number). Everything runs column-wise with pandas string methods.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "FALSE_TOKENS",
    "MISSING_TOKENS",
    "TRUE_TOKENS",
    "FlagColumn",
    "NumericColumn",
    "TimeColumn",
    "coerce_category",
    "coerce_numeric",
    "detect_decimal",
    "parse_times",
]

MISSING_TOKENS: frozenset[str] = frozenset({
    "", "na", "n/a", "n.a.", "nan", "null", "none", "nil", "-", "--", "---", "?",
    "#n/a", "#na", "n/d", "nd", "(blank)", "<na>", "nat", "missing", "no data",
})
"""Cell texts (compared case-insensitively, after stripping) meaning "no value"."""

TRUE_TOKENS: frozenset[str] = frozenset({"1", "true", "yes", "y", "t", "x", "trial"})
"""Cell texts (case-insensitive) that set a flag such as the trial marker; so does any
number equal to 1 (``1.0``, ``1,00``)."""

FALSE_TOKENS: frozenset[str] = frozenset({"0", "false", "no", "n", "f", "normal"})
"""Cell texts (case-insensitive) that clear a flag; so does any number equal to 0 and
any text of :data:`MISSING_TOKENS`."""

_SPACES = "\u00a0\u202f\u2009\u2007"  # no-break, narrow no-break, thin, figure space
_MINUS = "\u2212"  # typographic minus sign
_EXAMPLES = 3

# Numbers with a decimal point and optional thousands groups (",", "'", space).
_GROUPED_DOT = re.compile(r"[-+]?\d{1,3}(?:[,' ]\d{3})+(?:\.\d*)?(?:[eE][-+]?\d+)?")
# Numbers with a decimal comma and optional thousands groups (".", "'", space).
_GROUPED_COMMA = re.compile(r"[-+]?\d{1,3}(?:[.' ]\d{3})+(?:,\d*)?(?:[eE][-+]?\d+)?")
_COMMA_DECIMAL = re.compile(r"[-+]?\d*,\d+(?:[eE][-+]?\d+)?")
# Evidence for the decimal mark: a separator followed by other than 3 digits, or both.
_EVIDENCE_COMMA = re.compile(r"[-+]?\d+,(?:\d{1,2}|\d{4,})|[-+]?\d{1,3}(?:\.\d{3})+,\d+")
_EVIDENCE_DOT = re.compile(r"[-+]?\d+\.(?:\d{1,2}|\d{4,})|[-+]?\d{1,3}(?:,\d{3})+\.\d+")


@dataclass(frozen=True)
class NumericColumn:
    """A coerced numeric column.

    Attributes:
        values: Float values, shape ``(n_rows,)``; NaN where missing or unparseable.
        missing: Cells the export marks as empty, shape ``(n_rows,)``.
        unparseable: Cells with text that is not a finite number, shape ``(n_rows,)``.
        examples: Up to three distinct unparseable texts, most frequent first.
    """

    values: np.ndarray
    missing: np.ndarray
    unparseable: np.ndarray
    examples: tuple[str, ...]


@dataclass(frozen=True)
class FlagColumn:
    """A coerced yes/no column (such as the trial marker).

    Attributes:
        values: ``True`` where the cell sets the flag, shape ``(n_rows,)``.
        missing: Empty cells (read as ``False``), shape ``(n_rows,)``.
        unparseable: Cells that are neither yes nor no (read as ``False``), shape
            ``(n_rows,)``.
        examples: Up to three distinct unparseable texts, most frequent first.
    """

    values: np.ndarray
    missing: np.ndarray
    unparseable: np.ndarray
    examples: tuple[str, ...]


@dataclass(frozen=True)
class TimeColumn:
    """A parsed time column.

    Attributes:
        times: The times, a datetime Series (tz-aware when a zone is involved).
        bad: Rows whose time is missing or cannot be parsed, shape ``(n_rows,)``.
        examples: Up to three distinct unparseable texts.
    """

    times: pd.Series
    bad: np.ndarray
    examples: tuple[str, ...]


def _normalise(text: pd.Series) -> pd.Series:
    text = text.astype("string").str.strip()
    if text.str.contains(f"[{_SPACES}{_MINUS}]", regex=True).any():
        text = (text.str.replace(f"[{_SPACES}]", " ", regex=True)
                .str.replace(_MINUS, "-", regex=False).str.strip())
    return text


def _missing_mask(text: pd.Series) -> np.ndarray:
    lowered = text.str.lower()
    return (text.isna() | lowered.isin(MISSING_TOKENS)).to_numpy(dtype=bool)


def detect_decimal(columns: Iterable[pd.Series]) -> str:
    """Decide the decimal mark from text cells.

    Args:
        columns: Text columns that should hold numbers.

    Returns:
        ``","`` when more cells are only readable with a decimal comma (``12,5``,
        ``1.234,5``) than with a decimal point (``12.5``, ``1,234.5``); else ``"."``.
    """
    parts = [c.dropna().astype("string").iloc[:5000] for c in columns]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return "."
    text = pd.concat(parts, ignore_index=True).str.strip()
    text = text[text.str.contains(",", regex=False)]
    if text.empty:
        return "."
    comma = int(text.str.fullmatch(_EVIDENCE_COMMA.pattern).sum())
    dot = int(text.str.fullmatch(_EVIDENCE_DOT.pattern).sum())
    return "," if comma > dot else "."


def coerce_numeric(column: pd.Series, *, decimal: str = ".") -> NumericColumn:
    """Coerce one column of exported cells to float64.

    Thousands separators (``,`` ``'`` spaces when the decimal mark is ``.``; ``.`` ``'``
    spaces when it is ``,``) are removed, a typographic minus is read as ``-``. Texts
    in :data:`MISSING_TOKENS` are missing; any other text that does not give a finite
    number (including ``inf`` and spreadsheet errors such as ``#VALUE!``) is
    unparseable.

    Args:
        column: The cells, shape ``(n_rows,)``; text, numbers or a mix.
        decimal: ``"."`` or ``","``.

    Returns:
        The values with the masks of missing and unparseable cells.
    """
    if pd.api.types.is_bool_dtype(column.dtype):
        column = column.astype("float64")
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(values)
        bad = np.isinf(values)
        values = np.where(bad, np.nan, values)
        return NumericColumn(values, missing, bad, ("inf",) if bad.any() else ())
    text = _normalise(column)
    missing = _missing_mask(text)
    if decimal == ",":
        grouped = text.str.fullmatch(_GROUPED_COMMA.pattern).fillna(False)
        text = text.where(~grouped, text.str.replace(r"[.' ]", "", regex=True))
        comma = text.str.fullmatch(_COMMA_DECIMAL.pattern).fillna(False)
        text = text.where(~comma, text.str.replace(",", ".", regex=False))
    else:
        grouped = text.str.fullmatch(_GROUPED_DOT.pattern).fillna(False)
        text = text.where(~grouped, text.str.replace(r"[,' ]", "", regex=True))
    values = pd.to_numeric(text.where(~pd.Series(missing, index=text.index)),
                           errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    nonfinite = ~np.isfinite(values)
    bad = nonfinite & ~missing
    values[nonfinite] = np.nan
    examples: tuple[str, ...] = ()
    if bad.any():
        counts = column[bad].astype("string").str.strip().value_counts(sort=True)
        examples = tuple(str(v)[:40] for v in counts.index[:_EXAMPLES])
    return NumericColumn(values, missing, bad, examples)


def coerce_flag(column: pd.Series) -> FlagColumn:
    """Coerce one column of yes/no cells to booleans.

    :data:`TRUE_TOKENS` and numbers equal to 1 set the flag; :data:`FALSE_TOKENS`,
    numbers equal to 0 and :data:`MISSING_TOKENS` (an empty cell) clear it. Any other
    cell is unparseable (and reads as ``False``); the caller decides whether that is an
    error.

    Args:
        column: The cells, shape ``(n_rows,)``; text, numbers, booleans or a mix.

    Returns:
        The flags with the masks of missing and unparseable cells.
    """
    if pd.api.types.is_bool_dtype(column.dtype):
        column = column.astype("float64")
    if pd.api.types.is_numeric_dtype(column.dtype):
        number = column.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(number)
        values = number == 1.0
        bad = ~missing & ~values & (number != 0.0)
    else:
        text = _normalise(column)
        missing = _missing_mask(text)
        lowered = text.str.lower()
        number = pd.to_numeric(lowered.str.replace(",", ".", regex=False),
                               errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        values = (lowered.isin(TRUE_TOKENS).to_numpy(dtype=bool) | (number == 1.0)) & ~missing
        false = lowered.isin(FALSE_TOKENS).to_numpy(dtype=bool) | (number == 0.0)
        bad = ~missing & ~values & ~false
    examples: tuple[str, ...] = ()
    if bad.any():
        counts = column[bad].astype("string").str.strip().value_counts(sort=True)
        examples = tuple(str(v)[:40] for v in counts.index[:_EXAMPLES])
    return FlagColumn(values, missing, bad, examples)


def coerce_category(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Coerce a category column (line, group, choice setpoint) to stripped text.

    Args:
        column: The cells, shape ``(n_rows,)``.

    Returns:
        The text (``<NA>`` where missing) and the mask of missing cells. Integral
        numbers read as floats (``2.0``) are written without the ``.0``.
    """
    if pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        integral = np.isfinite(values) & (np.mod(values, 1.0) == 0)
        text = pd.Series(column.astype("string"), index=column.index)
        text[integral] = pd.Series(values[integral].astype(np.int64),
                                   index=column.index[integral]).astype("string")
    else:
        text = _normalise(column)
    missing = _missing_mask(text)
    text = text.where(~pd.Series(missing, index=text.index))
    return text, missing


def _localise(times: pd.Series, timezone: str | None) -> pd.Series:
    if timezone is None:
        return times
    return times.dt.tz_localize(timezone, ambiguous=np.zeros(len(times), dtype=bool),
                                nonexistent="shift_forward")


_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)$", re.IGNORECASE)


def parse_times(column: pd.Series, *, dayfirst: bool = False, timezone: str | None = None,
                time_format: str | None = None, midnight_ends_day: bool = False
                ) -> TimeColumn:
    """Parse a time column, vectorised, tolerating a few bad cells.

    The format is taken from ``time_format``, else ISO 8601 is tried, else the format
    is inferred from the first value; cells that do not fit are parsed one by one. Cells
    with a UTC offset and naive cells may be mixed: offsets are converted, naive times
    are local time in ``timezone`` (on a daylight-saving change, ambiguous times are
    read as standard time, missing ones shifted forward).

    Args:
        column: Time texts or datetimes, shape ``(n_rows,)``.
        dayfirst: Read ``03/04/2025`` as 3 April.
        timezone: IANA zone for the result; ``None`` keeps naive times naive and
            converts times with an offset to UTC.
        time_format: Optional ``strftime`` format.
        midnight_ends_day: Add one day to times of exactly 00:00:00.

    Returns:
        The times and the mask of rows without a usable time.

    Raises:
        ValueError: Naive and offset times are mixed but no ``timezone`` is given
            (the caller names the file and column).
    """
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        times = pd.Series(column, copy=True)
        if times.dt.tz is None:
            times = _localise(times, timezone)
        elif timezone is not None:
            times = times.dt.tz_convert(timezone)
        bad = times.isna().to_numpy()
        return TimeColumn(_shift_midnight(times, midnight_ends_day), bad, ())
    text = _normalise(column)
    missing = _missing_mask(text)
    text = text.where(~pd.Series(missing, index=text.index))
    present = text.dropna()
    has_offset = present.str.contains(_OFFSET.pattern, regex=True, case=False)
    n_offset = int(has_offset.sum())
    if 0 < n_offset < len(present) and timezone is None:
        raise ValueError("the column mixes times with a UTC offset and times without one;"
                         " set read.timezone to the plant's time zone (e.g."
                         " 'Europe/Berlin') so the naive ones can be placed")
    aware = n_offset > 0
    parsed = _parse_text(present, dayfirst=dayfirst, time_format=time_format, utc=aware)
    if aware:
        naive_rows = ~has_offset.to_numpy()
        if naive_rows.any():
            local = _parse_text(present[naive_rows], dayfirst=dayfirst,
                                time_format=time_format, utc=False)
            local = _localise(local, timezone).dt.tz_convert("UTC")
            parsed[naive_rows] = local
        parsed = parsed.dt.tz_convert(timezone or "UTC")
    else:
        parsed = _localise(parsed, timezone)
    times = parsed.reindex(column.index)
    bad = times.isna().to_numpy()
    examples: tuple[str, ...] = ()
    unparsed = bad & ~missing
    if unparsed.any():
        examples = tuple(str(v)[:40] for v in
                         column[unparsed].astype("string").value_counts().index[:_EXAMPLES])
    return TimeColumn(_shift_midnight(times, midnight_ends_day), bad, examples)


def _parse_text(text: pd.Series, *, dayfirst: bool, time_format: str | None,
                utc: bool) -> pd.Series:
    """Parse with one format where possible; fall back cell by cell for the rest."""
    if text.empty:
        return pd.Series(pd.to_datetime(text, utc=utc), index=text.index)
    formats: list[str] = []
    if time_format:
        formats.append(time_format)
    else:
        guessed = _guess_format(str(text.iloc[0]), dayfirst=dayfirst)
        if guessed:
            formats.append(guessed)
        formats.append("ISO8601")
    best: pd.Series | None = None
    for fmt in formats:
        try:
            attempt = pd.to_datetime(text, format=fmt, errors="coerce", utc=utc,
                                     dayfirst=dayfirst)
        except (ValueError, TypeError):
            continue
        if best is None or attempt.isna().sum() < best.isna().sum():
            best = attempt
        if not best.isna().any():
            return best
    if best is None:
        best = pd.Series(pd.NaT, index=text.index,
                         dtype="datetime64[ns, UTC]" if utc else "datetime64[ns]")
    rest = best.isna().to_numpy()
    if rest.any() and not time_format and formats[0] != "ISO8601":
        _check_day_order(text, formats[0], rest, dayfirst=dayfirst, utc=utc)
    if rest.any() and not time_format:
        fallback = pd.to_datetime(text[rest], format="mixed", errors="coerce", utc=utc,
                                  dayfirst=dayfirst)
        best = best.copy()
        best[rest] = fallback.to_numpy()
    return best


def _guess_format(text: str, *, dayfirst: bool) -> str | None:
    with warnings.catch_warnings():  # pandas warns when the guess contradicts dayfirst
        warnings.simplefilter("ignore", UserWarning)
        return pd.tseries.api.guess_datetime_format(text, dayfirst=dayfirst)


def _check_day_order(text: pd.Series, fmt: str, failed: np.ndarray, *, dayfirst: bool,
                     utc: bool) -> None:
    """Refuse to guess cell by cell when the other day order reads the column cleanly."""
    swapped = _guess_format(str(text.iloc[0]), dayfirst=not dayfirst)
    if not swapped or swapped == fmt:
        return
    attempt = pd.to_datetime(text[failed], format=swapped, errors="coerce", utc=utc)
    if attempt.notna().all():
        order = "day-first" if not dayfirst else "month-first"
        raise ValueError(f"{int(failed.sum())} dates only parse {order} (e.g."
                         f" {str(text[failed].iloc[0])!r}); set read.dayfirst:"
                         f" {str(not dayfirst).lower()} or read.time_format")


def _shift_midnight(times: pd.Series, enabled: bool) -> pd.Series:
    if not enabled:
        return times
    at_midnight = (times.dt.hour == 0) & (times.dt.minute == 0) & (times.dt.second == 0) \
        & (times.dt.microsecond == 0)
    at_midnight = at_midnight.fillna(False).astype(bool)
    shifted = times.copy()
    shifted[at_midnight] = times[at_midnight] + pd.Timedelta(days=1)
    return shifted
