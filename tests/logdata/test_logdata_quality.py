"""The data-quality report (data_quality.json and the validate summary) and settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from surrogates.logdata import (
    CleaningConfig,
    ColumnQuality,
    DataQualityReport,
    DriftWarning,
    ProcessChange,
    ReadOptions,
    StuckWarning,
    clean_logs,
    read_logs,
)

from .conftest import SPECS, Corrupted

KEYS = {"file", "sha256", "file_format", "read", "time_column", "line_column", "rows_read",
        "rows_kept", "rows_dropped", "rows_by_line", "duplicate_timestamps",
        "unsorted_rows", "unusual_rows", "trial_column", "trial_rows", "trial_rows_kept",
        "time_span", "columns", "drift", "stuck",
        "changes", "training_ranges", "warnings", "settings"}


def _report(path: Path, **config: object) -> DataQualityReport:
    raw = read_logs(path, SPECS, time_column="timestamp", options=ReadOptions(dayfirst=True))
    return clean_logs(raw, CleaningConfig(**config)).quality  # type: ignore[arg-type]


def test_json_content(corrupted: Corrupted) -> None:
    report = _report(corrupted.path, exclude_when="time_h < 0.2")
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert set(data) == KEYS
    assert data["rows_by_line"] == {"(missing)": {"read": 1, "kept": 0},
                                    "L1": {"read": 120, "kept": 98},
                                    "L2": {"read": 119, "kept": 111}}
    assert data["time_span"] == ["2025-03-01 00:00:00", "2025-03-10 23:00:00"]
    assert data["line_column"] == "line" and data["time_column"] == "timestamp"
    assert data["columns"]["purity_pct"]["limits"] == [80, 100]
    assert data["settings"]["exclude_when"] == "time_h < 0.2"
    assert set(data["training_ranges"]) == {"temp_C", "time_h", "purity_pct", "yield_pct",
                                            "energy_kwh"}
    lo, hi = data["training_ranges"]["time_h"]
    assert 2 < lo < hi < 4  # the 0.1 h start-ups and the 20 h spike are not in it
    assert data["stuck"][0]["message"].startswith("purity_pct on line L1 repeats 97.55")
    assert data["sha256"] == report.sha256 and len(report.sha256) == 64


def test_summary_names_every_reason_and_finding(corrupted: Corrupted) -> None:
    text = _report(corrupted.path, exclude_when="time_h < 0.2").summary()
    for needle in ("rows read 240, kept 209 (87.1%), dropped 31", "bad timestamp",
                   "duplicate timestamp", "excluded by filter", "missing line",
                   "out of limits", "stuck sensor", "missing outcome", "missing input",
                   "duplicate timestamps: 1", "purity_pct on line L1 repeats 97.55",
                   "training ranges", "temp_C: 2 cells are not a number"):
        assert needle in text, needle
    header = next(line for line in text.splitlines() if line.strip().startswith("column "))
    assert len(header) <= 90  # the per-column table fits a terminal


def test_summary_is_short_for_many_columns() -> None:
    columns = {f"s{i}": ColumnQuality(role="context", missing=i + 1) for i in range(300)}
    report = DataQualityReport(file="f.csv", sha256="0" * 64, file_format="csv",
                               rows_read=10, rows_kept=10, rows_dropped={}, columns=columns,
                               training_ranges={f"s{i}": (0.0, 1.0) for i in range(300)})
    text = report.summary()
    assert "... and 275 more columns" in text and len(text.splitlines()) < 70
    assert report.to_dict()["columns"]["s299"]["missing"] == 300


def test_counts_must_add_up() -> None:
    with pytest.raises(RuntimeError, match="do not add up"):
        DataQualityReport(file="f", sha256="", file_format="csv", rows_read=10,
                          rows_kept=5, rows_dropped={"outlier": 4}, columns={})


def test_warning_messages() -> None:
    drift = DriftWarning("temp", "L2", "2025-06-01 00:00:00", "2025-07-01 00:00:00", 120,
                         2.5, 3.1, "°C")
    assert drift.message.startswith("temp on line L2 drifts, reading high by 2.5 °C")
    assert "(3.1 sd of its residual)" in drift.message and "(120 rows)" in drift.message
    stuck = StuckWarning("amb", None, "row 3", "row 9", 7, 8.4)
    assert stuck.message.startswith("amb repeats 8.4 in 7 consecutive rows from row 3")
    change = ProcessChange("plant_wide", ("ambient",), ("L1", "L2"), "a", "b")
    assert "every line at once (L1, L2)" in change.message
    assert change.to_dict()["columns"] == ["ambient"]


def test_minimal_config_only_drops_what_cannot_be_trained(corrupted: Corrupted) -> None:
    report = _report(corrupted.path, **CleaningConfig.minimal().model_dump())
    assert dict(report.rows_dropped) == {"bad_timestamp": 1, "duplicate_timestamp": 1,
                                         "missing_line": 1, "missing_outcome": 3,
                                         "missing_input": 6}
    assert all(q.out_of_limits == q.outliers == q.stuck_cells == 0
               for q in report.columns.values())


@pytest.mark.parametrize(("settings", "match"), [
    ({"outliers": {"window": 10}}, "must be odd"),
    ({"outliers": {"n_sigmas": 0}}, "greater than 0"),
    ({"stuck": {"min_run": 1}}, "greater than or equal to 2"),
    ({"drift": {"reference_start": "2025-02-01", "reference_end": "2025-01-01"}},
     "must be before"),
    ({"missing": "mean"}, "drop"),
    ({"duplicates": "first"}, "keep_first"),
    ({"outlier": {}}, "Extra inputs"),
])
def test_settings_are_validated(settings: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CleaningConfig(**settings)


def test_settings_are_frozen_and_have_a_schema() -> None:
    config = CleaningConfig()
    with pytest.raises(ValueError):
        config.missing = "impute_recent"  # type: ignore[misc]
    schema = CleaningConfig.model_json_schema()
    assert {"missing", "outliers", "stuck", "drift", "exclude_when"} <= set(
        schema["properties"])


def test_the_package_imports_no_optimizer_solver_or_torch() -> None:
    import subprocess
    import sys

    code = ("import sys, surrogates.logdata; bad = sorted({m.split('.')[0] for m in"
            " sys.modules} & {'pymoo', 'ortools', 'optimizer', 'torch'}); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
