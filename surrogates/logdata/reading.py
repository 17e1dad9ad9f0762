"""Typed loading of process logs from CSV, Parquet or Excel files.

:func:`read_logs` reads only the columns the caller names, coerces each one
(:mod:`surrogates.logdata.coercion`) and keeps every count of what did not parse.
Nothing is dropped here: the rows go to :func:`surrogates.logdata.clean_logs` in file
order, each with its 0-based position in the file (:data:`ROW_COLUMN`).
"""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from surrogates.errors import LogDataError
from surrogates.logdata.coercion import (
    coerce_category,
    coerce_numeric,
    detect_decimal,
    parse_times,
)
from surrogates.logdata.config import ColumnSpec, ReadOptions

__all__ = ["ROW_COLUMN", "ColumnRead", "RawLogs", "file_sha256", "read_logs"]

ROW_COLUMN = "source_row"
"""Column of the cleaned frame holding each row's 0-based position in the file."""

_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50
_MAX_BAD_TIME_SHARE = 0.5
_DECIMAL_SAMPLE = 2000
FileFormat = Literal["csv", "parquet", "excel"]


@dataclass(frozen=True)
class ColumnRead:
    """What coercion found in one column.

    Attributes:
        spec: The column's specification.
        missing: Cells the export marks as empty, shape ``(n_rows,)``.
        unparseable: Cells whose text is not a finite number, shape ``(n_rows,)``.
        examples: Up to three unparseable texts.
    """

    spec: ColumnSpec
    missing: np.ndarray
    unparseable: np.ndarray
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawLogs:
    """Log rows as read, typed but not cleaned.

    Attributes:
        path: The file read.
        sha256: Hex SHA-256 of the file's bytes.
        file_format: ``csv``, ``parquet`` or ``excel``.
        frame: ``(n_rows, ...)`` in file order: :data:`ROW_COLUMN`, the time column (if
            any) and one column per spec (float64 for numeric, text for category).
        columns: The column specifications, in the caller's order.
        time_column: Name of the time column, or ``None`` (file order is time order).
        bad_time: Rows whose time is missing or unparseable, shape ``(n_rows,)``.
        time_examples: Up to three unparseable time texts.
        reads: Coercion results per column name.
        warnings: Notes about the file (encoding fallback, decimal comma).
        details: How the file was read (delimiter, decimal mark, encoding, sheet).
    """

    path: Path
    sha256: str
    file_format: FileFormat
    frame: pd.DataFrame
    columns: tuple[ColumnSpec, ...]
    time_column: str | None
    bad_time: np.ndarray
    time_examples: tuple[str, ...] = ()
    reads: Mapping[str, ColumnRead] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Number of data rows read."""
        return len(self.frame)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes.

    Raises:
        LogDataError: The file does not exist or cannot be read.
    """
    return hashlib.sha256(_read_bytes(Path(path))).hexdigest()


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise LogDataError("the log file does not exist", file=path,
                           hint="check logs.path in the scenario (relative to the"
                           " scenario file)")
    if path.is_dir():
        raise LogDataError("this is a folder, not a log file", file=path,
                           hint="point logs.path at a CSV, Parquet or .xlsx file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LogDataError(f"cannot read the file: {exc.strerror or exc}", file=path,
                           hint="check the file's permissions") from None


def _file_format(path: Path) -> FileFormat:
    suffixes = [s.lower() for s in path.suffixes]
    last = suffixes[-1] if suffixes else ""
    if last in (".parquet", ".pq"):
        return "parquet"
    if last in (".xlsx", ".xlsm"):
        return "excel"
    if last == ".xls":
        raise LogDataError("the old Excel format (.xls) cannot be read", file=path,
                           hint="save the sheet as .xlsx or CSV")
    return "csv"


def _decode(data: bytes, encoding: str, path: Path) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    if path.suffix.lower() == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise LogDataError(f"cannot decompress: {exc}", file=path) from None
    if encoding != "auto":
        try:
            return data.decode(encoding).removeprefix("\ufeff"), encoding, notes
        except (UnicodeDecodeError, LookupError) as exc:
            raise LogDataError(f"cannot decode the file as {encoding}: {exc}", file=path,
                               hint="fix read.encoding or set it to 'auto'") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").removeprefix("\ufeff"), "utf-16", notes
    try:
        text = data.decode("utf-8")
        used = "utf-8-sig" if text.startswith("\ufeff") else "utf-8"
        return text.removeprefix("\ufeff"), used, notes
    except UnicodeDecodeError as exc:
        notes.append(f"the file is not UTF-8 (byte {exc.start}); read it as Windows-1252")
        return data.decode("cp1252", errors="replace"), "cp1252", notes


def _sniff_delimiter(text: str, path: Path) -> str:
    lines = [ln for ln in text.splitlines()[: _SNIFF_LINES * 2] if ln.strip()][:_SNIFF_LINES]
    if not lines:
        raise LogDataError("the file is empty", file=path,
                           hint="export the logs again with a header row and data rows")
    best, best_score = ",", (0, 0)
    for delim in _DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delim)]
        header = counts[0]
        if header < 2:
            continue
        agree = sum(c == header for c in counts)
        score = (agree, header)
        if score > best_score:
            best, best_score = delim, score
    return best


def _match_columns(header: Sequence[str], wanted: Sequence[str], path: Path,
                   notes: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map each wanted name to the file's header cell (stripped of spaces and BOM).

    ``notes`` adds a column-specific hint when that column is missing."""
    clean = [str(h).replace("\ufeff", "").strip() for h in header]
    where: dict[str, list[str]] = {}
    for h, c in zip(header, clean, strict=True):
        where.setdefault(c, []).append(str(h))
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for name in wanted:
        hits = where.get(name.strip(), [])
        if len(hits) > 1:
            raise LogDataError(f"the column {name!r} appears {len(hits)} times in the header",
                               file=path, location=f"column {name!r}",
                               hint="rename or remove the duplicate column")
        if hits:
            mapping[name] = str(hits[0])
        else:
            missing.append(name)
    if missing:
        hints = []
        lowered = {c.lower(): c for c in clean}
        for name in missing:
            close = ([lowered[name.lower()]] if name.lower() in lowered
                     else difflib.get_close_matches(name, clean, n=1, cutoff=0.75))
            if close:
                hints.append(f"{name!r} -> did you mean {close[0]!r}?")
        names = ", ".join(repr(n) for n in missing)
        shown = ", ".join(repr(c) for c in clean[:12]) + (" ..." if len(clean) > 12 else "")
        hint = "; ".join(hints) if hints else f"the file has: {shown}"
        hint += "; fix the scenario's column names or the export"
        hint += "".join(f"; {notes[name]}" for name in missing if notes and name in notes)
        raise LogDataError(f"the file lacks the column(s) {names} named in the scenario",
                           file=path, location="header", hint=hint)
    return mapping


def _may_have_comma_numbers(text: str, delim: str) -> bool:
    """Whether any cell can hold a comma: with ',' as separator only quoted cells can."""
    return '"' in text if delim == "," else "," in text


def _read_csv(data: bytes, path: Path, columns: Sequence[ColumnSpec],
              time_column: str | None, options: ReadOptions
              ) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Read the wanted columns; clean numeric columns arrive as float64 from the C
    parser, any column with text in it arrives as text for :func:`coerce_numeric`."""
    text, encoding, notes = _decode(data, options.encoding, path)
    if not text.strip():
        raise LogDataError("the file is empty", file=path,
                           hint="export the logs again with a header row and data rows")
    delim = options.delimiter if options.delimiter != "auto" else _sniff_delimiter(text, path)
    header = next(csv.reader(io.StringIO(text), delimiter=delim), [])
    wanted = ([time_column] if time_column else []) + [c.name for c in columns]
    mapping = _match_columns(header, wanted, path, _notes(columns))
    as_text = {mapping[c.name] for c in columns if c.kind == "category"}
    if time_column:
        as_text.add(mapping[time_column])
    decimal: str = options.decimal
    numeric = [mapping[c.name] for c in columns if c.kind == "numeric"]
    kwargs = {"sep": delim, "keep_default_na": False, "skip_blank_lines": True,
              "engine": "c", "usecols": list(dict.fromkeys(mapping.values()))}
    try:
        if decimal == "auto" and not _may_have_comma_numbers(text, delim):
            decimal = "."
        if decimal == "auto":
            sample = pd.read_csv(io.StringIO(text), dtype=str, na_filter=False,
                                 nrows=_DECIMAL_SAMPLE, **kwargs)
            decimal = detect_decimal(sample[c] for c in numeric)
        frame = pd.read_csv(io.StringIO(text), na_values=[""], decimal=decimal,
                            dtype=dict.fromkeys(as_text, str), **kwargs)
    except (pd.errors.ParserError, ValueError) as exc:
        raise LogDataError(f"cannot parse the CSV: {exc}", file=path,
                           hint="check that every row has as many fields as the header"
                           f" (separator {delim!r})") from None
    frame = frame.rename(columns={v: k for k, v in mapping.items()})
    return frame, {"delimiter": delim, "encoding": encoding, "decimal": decimal}, notes


_TRIAL_NOTE = ("{name!r} is the trial marker (logs.cleaning.trial_column): add the column"
               " to the logs (1 on trial rows, empty or 0 on the others) or remove the"
               " setting")


def _notes(columns: Sequence[ColumnSpec]) -> dict[str, str]:
    """Column-specific hints for a missing column."""
    return {c.name: _TRIAL_NOTE.format(name=c.name) for c in columns if c.role == "trial"}


def _read_parquet(path: Path, wanted: Sequence[str], notes: Mapping[str, str]
                  ) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        header = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several error types for broken files
        raise LogDataError(f"cannot read the Parquet file: {exc}", file=path,
                           hint="check that the file is complete Parquet") from None
    mapping = _match_columns(header, wanted, path, notes)
    frame = pd.read_parquet(path, columns=list(dict.fromkeys(mapping.values())))
    return frame.rename(columns={v: k for k, v in mapping.items()}).reset_index(drop=True)


def _read_excel(path: Path, wanted: Sequence[str], sheet: str | int,
                notes: Mapping[str, str]) -> pd.DataFrame:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise LogDataError("reading .xlsx needs the package openpyxl", file=path,
                           hint="pip install openpyxl, or export the logs as CSV") from None
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=object, engine="openpyxl")
    except (ValueError, KeyError, IndexError) as exc:
        raise LogDataError(f"cannot read sheet {sheet!r}: {exc}", file=path,
                           location="read.sheet", hint="name an existing sheet") from None
    except Exception as exc:  # openpyxl raises zipfile/xml errors for broken files
        raise LogDataError(f"cannot read the Excel file: {exc}", file=path) from None
    mapping = _match_columns([str(c) for c in frame.columns], wanted, path, notes)
    frame.columns = [str(c) for c in frame.columns]
    frame = frame[list(dict.fromkeys(mapping.values()))]
    return frame.rename(columns={v: k for k, v in mapping.items()})


def _check_specs(columns: Sequence[ColumnSpec], time_column: str | None, path: Path) -> None:
    names = [c.name for c in columns]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise LogDataError(f"column(s) {', '.join(map(repr, doubles))} given twice",
                           file=path, hint="name each log column once")
    if time_column is not None and time_column in names:
        raise LogDataError(f"the time column {time_column!r} is also given as a data column",
                           file=path, location=f"column {time_column!r}")
    for role in ("line", "group", "trial"):
        found = [c.name for c in columns if c.role == role]
        if len(found) > 1:
            raise LogDataError(f"more than one {role} column: {', '.join(found)}", file=path,
                               hint=f"name one {role} column")
    if ROW_COLUMN in names or time_column == ROW_COLUMN:
        raise LogDataError(f"the name {ROW_COLUMN!r} is reserved", file=path,
                           hint="rename the column in the export")


def read_logs(path: str | Path, columns: Sequence[ColumnSpec], *, time_column: str | None,
              options: ReadOptions | None = None) -> RawLogs:
    """Read and type the logs: one coerced column per spec, every failure counted.

    Args:
        path: A CSV (any of ``, ; tab |``, optionally ``.gz``), Parquet or ``.xlsx`` file.
        columns: The columns to read; other columns of the file are ignored.
        time_column: The column of row times, or ``None`` when the file order is the
            time order (e.g. laboratory data).
        options: How to read the file.

    Returns:
        The typed rows in file order with the coercion counts.

    Raises:
        LogDataError: The file is missing, empty or unreadable; it lacks a named column;
            a numeric column holds only text; or most times cannot be parsed.
    """
    options = options or ReadOptions()
    path = Path(path)
    columns = tuple(columns)
    _check_specs(columns, time_column, path)
    fmt = _file_format(path)
    data = _read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        raise LogDataError("the file is empty", file=path,
                           hint="export the logs again with a header row and data rows")
    wanted = ([time_column] if time_column else []) + [c.name for c in columns]
    notes: list[str] = []
    details: dict[str, str] = {"format": fmt}
    if fmt == "csv":
        frame, info, notes = _read_csv(data, path, columns, time_column, options)
        details.update(info)
    elif fmt == "parquet":
        frame = _read_parquet(path, wanted, _notes(columns))
    else:
        frame = _read_excel(path, wanted, options.sheet, _notes(columns))
        details["sheet"] = str(options.sheet)
    if frame.empty:
        raise LogDataError("the file has a header but no data rows", file=path,
                           hint="export a period that has batches")
    frame = frame.reset_index(drop=True)
    out: dict[str, object] = {ROW_COLUMN: np.arange(len(frame), dtype=np.int64)}
    bad_time = np.zeros(len(frame), dtype=bool)
    time_examples: tuple[str, ...] = ()
    if time_column:
        bad_time, time_examples, times = _times(frame[time_column], path, time_column,
                                                options)
        out[time_column] = times
    decimal = details.get("decimal", options.decimal)
    numeric = [c.name for c in columns if c.kind == "numeric"]
    if decimal == "auto":
        decimal = detect_decimal(frame[n] for n in numeric if frame[n].dtype == object
                                 or pd.api.types.is_string_dtype(frame[n].dtype))
    if decimal == ",":
        notes.append("numbers use a decimal comma (e.g. 1.234,5)")
    details["decimal"] = decimal
    reads: dict[str, ColumnRead] = {}
    for spec in columns:
        if spec.kind == "numeric":
            result = coerce_numeric(frame[spec.name], decimal=decimal)
            if result.unparseable.any() and not np.isfinite(result.values).any():
                raise LogDataError(
                    "the numeric column holds no number, only text such as "
                    + ", ".join(repr(e) for e in result.examples), file=path,
                    location=f"column {spec.name!r}",
                    hint="fix the export, or declare the column kind: category")
            out[spec.name] = result.values
            reads[spec.name] = ColumnRead(spec, result.missing, result.unparseable,
                                          result.examples)
        else:
            text, missing = coerce_category(frame[spec.name])
            out[spec.name] = text.to_numpy(dtype=object, na_value=None)
            reads[spec.name] = ColumnRead(spec, missing, np.zeros(len(frame), dtype=bool))
    typed = pd.DataFrame(out)
    for spec in columns:
        if spec.kind == "category":
            typed[spec.name] = typed[spec.name].astype("string")
    return RawLogs(path=path, sha256=sha, file_format=fmt, frame=typed, columns=columns,
                   time_column=time_column, bad_time=bad_time, time_examples=time_examples,
                   reads=reads, warnings=tuple(notes), details=details)


def _times(column: pd.Series, path: Path, name: str, options: ReadOptions
           ) -> tuple[np.ndarray, tuple[str, ...], pd.Series]:
    try:
        parsed = parse_times(column, dayfirst=options.dayfirst, timezone=options.timezone,
                             time_format=options.time_format,
                             midnight_ends_day=options.midnight_ends_day)
    except ValueError as exc:
        raise LogDataError(str(exc), file=path, location=f"column {name!r}") from None
    n_bad = int(parsed.bad.sum())
    if n_bad == len(column) or n_bad > _MAX_BAD_TIME_SHARE * len(column):
        examples = ", ".join(repr(e) for e in parsed.examples) or "empty cells"
        raise LogDataError(f"{n_bad} of {len(column)} times cannot be read ({examples})",
                           file=path, location=f"column {name!r}",
                           hint="check the time column's name, read.dayfirst and"
                           " read.time_format (e.g. '%d.%m.%Y %H:%M')")
    return parsed.bad, parsed.examples, parsed.times.reset_index(drop=True)
