"""Fixtures for the log-data tests: a synthetic clean log, one file with one injected
case per defect (and the counts the report must show), and the public data sets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surrogates.logdata import ColumnSpec

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TIME_FORMAT = "%d/%m/%Y %H:%M"
START = pd.Timestamp("2025-03-01 00:00")

SPECS = (
    ColumnSpec(name="temp_C", role="setpoint", lower_limit=0, upper_limit=350, unit="°C"),
    ColumnSpec(name="time_h", role="setpoint", lower_limit=0, upper_limit=24, unit="h"),
    ColumnSpec(name="purity_pct", role="context", lower_limit=80, upper_limit=100),
    ColumnSpec(name="yield_pct", role="outcome", lower_limit=0, upper_limit=100),
    ColumnSpec(name="energy_kwh", role="outcome", lower_limit=0, upper_limit=1e5),
    ColumnSpec(name="line", role="line", kind="category"),
)


def shared(*parts: str) -> Path:
    """A file of ../shared/data, or skip with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public data set not available at {path} (CI has ../shared beside"
                    " the checkout)")
    return path


def clean_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Defect-free logs: two lines alternating hourly, i.i.d. noise (no natural outlier
    beyond 8 sd, no flat run, no drift). Values are floats; times are Timestamps."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "timestamp": START + pd.to_timedelta(np.arange(n), unit="h"),
        "line": np.where(np.arange(n) % 2 == 0, "L1", "L2"),
        "temp_C": np.round(180 + rng.normal(0, 2, n), 1),
        "time_h": np.round(3 + rng.normal(0, 0.2, n), 2),
        "purity_pct": np.round(97 + rng.normal(0, 0.5, n), 2),
        "yield_pct": np.round(90 + rng.normal(0, 1, n), 2),
        "energy_kwh": np.round(1200 + rng.normal(0, 20, n), 1),
    })


def to_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as exported text: day-first times, energy with a thousands separator."""
    out = pd.DataFrame({"timestamp": frame["timestamp"].dt.strftime(TIME_FORMAT),
                        "line": frame["line"]})
    for name in ("temp_C", "time_h", "purity_pct", "yield_pct"):
        out[name] = [f"{v:g}" for v in frame[name]]
    out["energy_kwh"] = [f"{v:,.1f}" for v in frame["energy_kwh"]]
    return out.astype(object)


def write_csv(text: pd.DataFrame, path: Path, *, sep: str = ";", bom: bool = True) -> Path:
    """Write exported text with CRLF line ends (and a byte-order mark)."""
    body = text.to_csv(sep=sep, index=False, lineterminator="\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    return path


@dataclass
class Corrupted:
    """A corrupted log file and what its report must say."""

    path: Path
    truth: pd.DataFrame
    dropped: dict[str, int]
    columns: dict[str, dict[str, int]] = field(default_factory=dict)
    duplicate_timestamps: int = 1
    unsorted_rows: int = 2  # the late row 70 and the duplicate of row 58 at row 60
    rows_read: int = 240


def make_corrupted(tmp_path: Path) -> Corrupted:
    """One injected case per defect, in separate rows (0-based data rows)."""
    truth = clean_frame()
    text = to_text(truth)
    put = text.at.__setitem__
    # missing cells: empty, n/a, NA
    put((10, "purity_pct"), "")
    put((11, "purity_pct"), "n/a")
    put((12, "purity_pct"), "NA")
    put((13, "time_h"), "")
    # unparseable: a spreadsheet error, a historian state, an infinity
    put((20, "temp_C"), "#VALUE!")
    put((21, "temp_C"), "Bad")
    put((43, "energy_kwh"), "inf")
    # outside the physical limits (flagged, not clipped)
    put((30, "yield_pct"), "130")
    put((31, "yield_pct"), "-5")
    put((32, "purity_pct"), "101.5")
    # spikes inside the limits
    put((40, "temp_C"), "300")
    put((41, "time_h"), "20")
    put((42, "energy_kwh"), "3,000.0")
    # missing outcomes
    put((50, "yield_pct"), "")
    put((51, "yield_pct"), "")
    # a duplicate export of row 58 (same line, same time) at row 60
    text.loc[60] = text.loc[58]
    # row 70 stamped 3.5 h late: out of order
    text.at[70, "timestamp"] = (START + pd.Timedelta(hours=73.5)).strftime(TIME_FORMAT)
    # an impossible date
    put((80, "timestamp"), "31/02/2025 10:00")
    # start-up rows, excluded by the filter
    put((90, "time_h"), "0.1")
    put((91, "time_h"), "0.1")
    # no line
    put((95, "line"), "")
    # the L1 purity analyser stuck for 12 batches (rows 100, 102, ..., 122)
    for row in range(100, 123, 2):
        put((row, "purity_pct"), "97.55")
    path = write_csv(text, tmp_path / "corrupted.csv")
    dropped = {"bad_timestamp": 1, "duplicate_timestamp": 1, "excluded_by_filter": 2,
               "missing_line": 1, "out_of_limits": 3, "outlier": 3, "stuck_sensor": 11,
               "missing_outcome": 3, "missing_input": 6}
    zero = {"missing": 0, "unparseable": 0, "out_of_limits": 0, "outliers": 0,
            "stuck_cells": 0, "drift_cells": 0, "imputed": 0}
    columns = {
        "temp_C": {**zero, "unparseable": 2, "outliers": 1},
        "time_h": {**zero, "missing": 1, "outliers": 1},
        "purity_pct": {**zero, "missing": 3, "out_of_limits": 1, "stuck_cells": 11},
        "yield_pct": {**zero, "missing": 2, "out_of_limits": 2},
        "energy_kwh": {**zero, "unparseable": 1, "outliers": 1},
        "line": {"missing": 1, "unparseable": 0},
    }
    return Corrupted(path, truth, dropped, columns)


@pytest.fixture
def corrupted(tmp_path: Path) -> Corrupted:
    """The corrupted log file with its expected report."""
    return make_corrupted(tmp_path)
