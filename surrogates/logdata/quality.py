"""The data-quality report: what was read, what was flagged, what was kept and why.

:class:`DataQualityReport` is the content of ``data_quality.json`` in a run folder
(:meth:`DataQualityReport.to_dict`) and the text ``paretoplan validate`` prints
(:meth:`DataQualityReport.summary`). Every count in it is exact; the rules behind each
count are in :mod:`surrogates.logdata.cleaning`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ColumnQuality",
    "DataQualityReport",
    "DriftWarning",
    "ProcessChange",
    "StuckWarning",
]

_SUMMARY_COLUMNS = 25
_SUMMARY_EVENTS = 10


def _num(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    magnitude = abs(value)
    if magnitude >= 1e6 or magnitude < 1e-3:
        return f"{value:.4g}"
    return f"{value:.6g}" if magnitude >= 100 else f"{value:.4g}"


@dataclass(frozen=True)
class ColumnQuality:
    """Counts for one column.

    ``missing``, ``unparseable`` and ``out_of_limits`` count cells over all rows read.
    ``outliers``, ``stuck_cells`` and ``drift_cells`` count cells over the rows that
    form the time series (after dropping rows without a time, duplicate times and rows
    matching ``exclude_when``). ``imputed`` counts cells filled in kept rows.

    Attributes:
        role: The column's role.
        kind: ``numeric`` or ``category``.
        missing: Empty cells (or an ``n/a``-like marker).
        unparseable: Cells whose text is not a finite number.
        out_of_limits: Values outside the physical limits.
        outliers: Spikes flagged by the Hampel filter.
        stuck_cells: Repeated cells of stuck runs.
        drift_cells: Cells inside a drift span.
        imputed: Cells filled from the same line's recent values.
        unparseable_examples: Up to three unparseable texts.
        limits: The physical limits ``(lower, upper)`` applied, if any.
    """

    role: str
    kind: str = "numeric"
    missing: int = 0
    unparseable: int = 0
    out_of_limits: int = 0
    outliers: int = 0
    stuck_cells: int = 0
    drift_cells: int = 0
    imputed: int = 0
    unparseable_examples: tuple[str, ...] = ()
    limits: tuple[float | None, float | None] | None = None

    @property
    def flagged(self) -> int:
        """Sum of every count but ``imputed`` (a cell can be counted twice)."""
        return (self.missing + self.unparseable + self.out_of_limits + self.outliers
                + self.stuck_cells + self.drift_cells)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe content."""
        out: dict[str, Any] = {
            "role": self.role, "kind": self.kind, "missing": self.missing,
            "unparseable": self.unparseable, "out_of_limits": self.out_of_limits,
            "outliers": self.outliers, "stuck_cells": self.stuck_cells,
            "drift_cells": self.drift_cells, "imputed": self.imputed,
        }
        if self.unparseable_examples:
            out["unparseable_examples"] = list(self.unparseable_examples)
        if self.limits is not None:
            out["limits"] = list(self.limits)
        return out


@dataclass(frozen=True)
class DriftWarning:
    """A column that drifts against the reference period on one line.

    Attributes:
        column: The column.
        line: The line, or ``None`` without a line column.
        start: Estimated onset (ISO time, or ``row N`` without a time column).
        end: Estimated end (where the evidence peaks).
        n_rows: Rows of the line in the span.
        shift: Mean deviation over the span, in the column's unit.
        shift_sigma: The same in robust standard deviations of the residual.
        unit: The column's unit, if known.
    """

    column: str
    line: str | None
    start: str
    end: str
    n_rows: int
    shift: float
    shift_sigma: float
    unit: str = ""

    @property
    def message(self) -> str:
        """One sentence for the warnings list."""
        where = f" on line {self.line}" if self.line is not None else ""
        sense = "high" if self.shift > 0 else "low"
        unit = f" {self.unit}" if self.unit else ""
        return (f"{self.column}{where} drifts, reading {sense} by {_num(abs(self.shift))}"
                f"{unit} on average ({abs(self.shift_sigma):.1f} sd of its residual) from"
                f" {self.start} to {self.end} ({self.n_rows} rows) against the other columns"
                " and the reference period; check the sensor's calibration")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe content."""
        return {"column": self.column, "line": self.line, "start": self.start,
                "end": self.end, "n_rows": self.n_rows, "shift": self.shift,
                "shift_sigma": self.shift_sigma, "unit": self.unit,
                "message": self.message}


@dataclass(frozen=True)
class ProcessChange:
    """Columns that left the reference period together: not a sensor fault, but data the
    reader should know about (a trial, a change of practice, the season).

    Attributes:
        kind: ``regime`` (several columns of one line together) or ``plant_wide`` (the
            same column on every line at once).
        columns: The columns involved.
        lines: The lines involved (empty without a line column).
        start: Earliest onset (ISO time or ``row N``).
        end: Latest end.
    """

    kind: str
    columns: tuple[str, ...]
    lines: tuple[str, ...]
    start: str
    end: str

    @property
    def message(self) -> str:
        """One sentence for the warnings list."""
        cols = ", ".join(self.columns)
        if self.kind == "plant_wide":
            return (f"{cols} moved away from the reference period on every line at once"
                    f" ({', '.join(self.lines)}) from {self.start} to {self.end}: a"
                    " plant-wide change (season, raw material, practice), not a sensor"
                    " fault; the rows are kept")
        where = f" on line {self.lines[0]}" if self.lines else ""
        return (f"{cols}{where} changed together from {self.start} to {self.end} (a trial"
                " or a change of operating practice, not a single faulty sensor); the rows"
                " are kept")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe content."""
        return {"kind": self.kind, "columns": list(self.columns), "lines": list(self.lines),
                "start": self.start, "end": self.end, "message": self.message}


@dataclass(frozen=True)
class StuckWarning:
    """A run of identical readings on one line.

    Attributes:
        column: The column.
        line: The line, or ``None``.
        start: Time (or ``row N``) of the run's first value.
        end: Time of its last value.
        n_rows: Rows in the run, the first (real) reading included.
        value: The repeated value.
    """

    column: str
    line: str | None
    start: str
    end: str
    n_rows: int
    value: float

    @property
    def message(self) -> str:
        """One sentence for the warnings list."""
        where = f" on line {self.line}" if self.line is not None else ""
        return (f"{self.column}{where} repeats {_num(self.value)} in {self.n_rows}"
                f" consecutive rows from {self.start} to {self.end}; the sensor looks stuck"
                f" ({self.n_rows - 1} repeated cells flagged)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe content."""
        return {"column": self.column, "line": self.line, "start": self.start,
                "end": self.end, "n_rows": self.n_rows, "value": self.value,
                "message": self.message}


@dataclass(frozen=True)
class DataQualityReport:
    """What reading and cleaning did to the logs.

    Attributes:
        file: The log file.
        sha256: Hex SHA-256 of its bytes.
        file_format: ``csv``, ``parquet`` or ``excel``.
        read_details: How it was read (delimiter, decimal mark, encoding, sheet).
        time_column: The time column, or ``None``.
        line_column: The line column, or ``None``.
        rows_read: Data rows in the file.
        rows_kept: Rows usable for training.
        rows_dropped: Dropped rows by reason; a row with several reasons is counted
            under the first in :data:`~surrogates.logdata.cleaning.DROP_REASONS`.
        rows_by_line: ``{line: {"read": n, "kept": n}}``.
        columns: Per-column counts.
        drift: Drift warnings.
        stuck: Stuck-sensor warnings.
        changes: Process changes found by the drift check (kept, only reported).
        duplicate_timestamps: Rows whose time equals an earlier row's (same line).
        unsorted_rows: The fewest rows that must move to put the file in time order.
        unusual_rows: Rows kept although two or more of their cells are outlying
            together (an unusual batch rather than a recording slip).
        trial_column: The column marking deliberate trials, or ``None``.
        trial_rows: Rows read that are marked as trials; they were exempt from the
            spike, unusual-row, stuck and drift checks.
        trial_rows_kept: Trial rows among the kept rows.
        time_span: First and last time of the kept rows.
        training_ranges: ``{column: (min, max)}`` of numeric model columns, kept rows.
        warnings: Everything a reader must not miss, in plain sentences.
        settings: The cleaning settings used.
    """

    file: str
    sha256: str
    file_format: str
    rows_read: int
    rows_kept: int
    rows_dropped: Mapping[str, int]
    columns: Mapping[str, ColumnQuality]
    read_details: Mapping[str, str] = field(default_factory=dict)
    time_column: str | None = None
    line_column: str | None = None
    rows_by_line: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    drift: tuple[DriftWarning, ...] = ()
    stuck: tuple[StuckWarning, ...] = ()
    changes: tuple[ProcessChange, ...] = ()
    duplicate_timestamps: int = 0
    unsorted_rows: int = 0
    unusual_rows: int = 0
    trial_column: str | None = None
    trial_rows: int = 0
    trial_rows_kept: int = 0
    time_span: tuple[str, str] | None = None
    training_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        dropped = sum(self.rows_dropped.values())
        if self.rows_kept + dropped != self.rows_read:  # a bug, not bad input
            raise RuntimeError(f"row counts do not add up: kept {self.rows_kept} + dropped"
                               f" {dropped} != read {self.rows_read}")

    @property
    def trial_message(self) -> str:
        """One sentence on the rows marked as trials (empty without a trial column)."""
        if self.trial_column is None:
            return ""
        marked = "1 row" if self.trial_rows == 1 else f"{self.trial_rows} rows"
        return (f"{marked} marked as trials in column {self.trial_column!r} were exempt"
                f" from the spike, unusual-row, stuck and drift checks"
                f" ({self.trial_rows_kept} kept)")

    @property
    def rows_dropped_total(self) -> int:
        """Rows dropped for any reason."""
        return self.rows_read - self.rows_kept

    def to_dict(self) -> dict[str, Any]:
        """The JSON-safe content of ``data_quality.json``."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "file_format": self.file_format,
            "read": dict(self.read_details),
            "time_column": self.time_column,
            "line_column": self.line_column,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_dropped": dict(self.rows_dropped),
            "rows_by_line": {k: dict(v) for k, v in self.rows_by_line.items()},
            "duplicate_timestamps": self.duplicate_timestamps,
            "unsorted_rows": self.unsorted_rows,
            "unusual_rows": self.unusual_rows,
            "trial_column": self.trial_column,
            "trial_rows": self.trial_rows,
            "trial_rows_kept": self.trial_rows_kept,
            "time_span": list(self.time_span) if self.time_span else None,
            "columns": {k: v.to_dict() for k, v in self.columns.items()},
            "drift": [d.to_dict() for d in self.drift],
            "stuck": [s.to_dict() for s in self.stuck],
            "changes": [c.to_dict() for c in self.changes],
            "training_ranges": {k: [lo, hi] for k, (lo, hi) in self.training_ranges.items()},
            "warnings": list(self.warnings),
            "settings": dict(self.settings),
        }

    def summary(self) -> str:
        """A readable multi-line summary for the command line."""
        share = self.rows_kept / self.rows_read if self.rows_read else 0.0
        lines = [f"Data quality of {self.file} (sha256 {self.sha256[:12]})",
                 f"  rows read {self.rows_read}, kept {self.rows_kept} ({share:.1%}),"
                 f" dropped {self.rows_dropped_total}"]
        width = max([len(r) for r in self.rows_dropped] + [0])
        for reason, n in self.rows_dropped.items():
            lines.append(f"    {reason.replace('_', ' '):<{width}}  {n:>7}")
        if self.time_span:
            lines.append(f"  time span of kept rows: {self.time_span[0]} to"
                         f" {self.time_span[1]}")
        if self.time_column:
            lines.append(f"  duplicate timestamps: {self.duplicate_timestamps},"
                         f" rows out of time order in the file: {self.unsorted_rows}"
                         " (fewest that must move)")
        if self.trial_column is not None:
            lines.append(f"  trials: {self.trial_message}")
        if len(self.rows_by_line) > 1:
            lines.append("  per line: " + ", ".join(
                f"{k} {v['kept']}/{v['read']}" for k, v in self.rows_by_line.items()))
        lines += self._column_table()
        groups: list[tuple[str, list[DriftWarning | StuckWarning | ProcessChange]]] = [
            ("drift", [*self.drift]), ("stuck sensors", [*self.stuck]),
            ("process changes", [*self.changes])]
        for title, found in groups:
            if found:
                lines.append(f"  {title}:")
                lines += [f"    - {e.message}" for e in found[:_SUMMARY_EVENTS]]
                if len(found) > _SUMMARY_EVENTS:
                    lines.append(f"    ... and {len(found) - _SUMMARY_EVENTS} more"
                                 " (see data_quality.json)")
        if self.training_ranges:
            lines.append("  training ranges (kept rows):")
            items = list(self.training_ranges.items())
            for name, (lo, hi) in items[:_SUMMARY_COLUMNS]:
                lines.append(f"    {name}: {_num(lo)} .. {_num(hi)}")
            if len(items) > _SUMMARY_COLUMNS:
                lines.append(f"    ... and {len(items) - _SUMMARY_COLUMNS} more")
        events: list[DriftWarning | StuckWarning | ProcessChange] = [
            *self.drift, *self.stuck, *self.changes]
        shown = {e.message for e in events}
        other = [w for w in self.warnings if w not in shown]
        if other:
            lines.append("  warnings:")
            lines += [f"    - {w}" for w in other]
        return "\n".join(lines)

    def _column_table(self) -> list[str]:
        keys = ("missing", "unparseable", "out_of_limits", "outliers", "stuck_cells",
                "drift_cells", "imputed")
        heads = ("missing", "unparsed", "limits", "outliers", "stuck", "drift", "imputed")
        rows = [(name, q) for name, q in self.columns.items() if q.flagged or q.imputed]
        if not rows:
            return ["  no cell was missing or flagged"]
        rows.sort(key=lambda item: -item[1].flagged)
        width = min(18, max(len(name) for name, _ in rows))
        out = [f"  columns with findings ({len(rows)} of {len(self.columns)}):",
               "    " + f"{'column':<{width}}" + "".join(f"{h:>9}" for h in heads)]
        for name, q in rows[:_SUMMARY_COLUMNS]:
            label = name if len(name) <= width else name[: width - 1] + "~"
            out.append("    " + f"{label:<{width}}"
                       + "".join(f"{getattr(q, k):>9}" for k in keys))
        if len(rows) > _SUMMARY_COLUMNS:
            out.append(f"    ... and {len(rows) - _SUMMARY_COLUMNS} more columns"
                       " (see data_quality.json)")
        return out
