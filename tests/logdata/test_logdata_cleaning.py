"""Cleaning: exact counts on a file with one case per defect, drop-reason order,
strategies, and random corruption that must never crash or leak NaN/inf."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surrogates.errors import InputError, LogDataError
from surrogates.logdata import (
    DROP_REASONS,
    ROW_COLUMN,
    CleaningConfig,
    ColumnSpec,
    ReadOptions,
    clean_logs,
    read_logs,
)
from surrogates.logdata.cleaning import rows_out_of_order

from .conftest import SPECS, TIME_FORMAT, Corrupted, clean_frame, to_text, write_csv

DAYFIRST = ReadOptions(dayfirst=True)
MODEL = [s.name for s in SPECS if s.is_model]


def _clean(path: Path, **config: object):
    raw = read_logs(path, SPECS, time_column="timestamp", options=DAYFIRST)
    return clean_logs(raw, CleaningConfig(**config))  # type: ignore[arg-type]


def _assert_trainable(frame: pd.DataFrame) -> None:
    values = frame[MODEL].to_numpy()
    assert values.dtype == np.float64
    assert np.isfinite(values).all()


# ------------------------------------------------------------------ the defect file


def test_corrupted_logs_give_exactly_the_expected_report(corrupted: Corrupted) -> None:
    clean = _clean(corrupted.path, exclude_when="time_h < 0.2")
    report = json.loads(json.dumps(clean.quality.to_dict()))  # JSON-safe
    assert report["rows_read"] == corrupted.rows_read
    assert report["rows_dropped"] == corrupted.dropped
    assert report["rows_kept"] == corrupted.rows_read - sum(corrupted.dropped.values()) == 209
    assert report["duplicate_timestamps"] == corrupted.duplicate_timestamps
    assert report["unsorted_rows"] == corrupted.unsorted_rows
    for name, expected in corrupted.columns.items():
        got = {k: report["columns"][name][k] for k in expected}
        assert got == expected, name
    assert report["columns"]["temp_C"]["unparseable_examples"] == ["#VALUE!", "Bad"]
    assert report["read"] == {"format": "csv", "delimiter": ";", "encoding": "utf-8-sig",
                              "decimal": "."}
    stuck = report["stuck"]
    assert [(s["column"], s["line"], s["n_rows"], s["value"]) for s in stuck] == [
        ("purity_pct", "L1", 12, 97.55)]
    assert stuck[0]["start"] == "2025-03-05 04:00:00"  # row 100 = 100 h after the start
    assert stuck[0]["end"] == "2025-03-06 02:00:00"
    assert report["drift"] == [] and report["changes"] == []
    _assert_trainable(clean.frame)


def test_kept_rows_are_sorted_sound_and_traceable(corrupted: Corrupted) -> None:
    clean = _clean(corrupted.path, exclude_when="time_h < 0.2")
    frame = clean.frame
    assert frame["timestamp"].is_monotonic_increasing
    assert list(frame.columns) == [ROW_COLUMN, "timestamp", *[s.name for s in SPECS]]
    truth = corrupted.truth.copy()
    truth.loc[100, "purity_pct"] = 97.55  # the stuck run's first value is a real reading
    rows = frame[ROW_COLUMN].to_numpy()
    # the values kept are the values exported (thousands separators read correctly)
    for name in MODEL:
        assert np.allclose(frame[name].to_numpy(), truth.loc[rows, name].to_numpy())
    assert set(rows).isdisjoint({10, 20, 30, 40, 50, 60, 80, 90, 95, 102, 122})
    assert 100 in rows and 70 in rows  # the stuck run's first reading; the late row


def test_rows_and_flags_explain_every_drop(corrupted: Corrupted) -> None:
    clean = _clean(corrupted.path, exclude_when="time_h < 0.2")
    rows = clean.rows
    assert len(rows) == corrupted.rows_read
    assert rows.loc[~rows["kept"], "reason"].value_counts().to_dict() == corrupted.dropped
    assert (rows.loc[rows["kept"], "reason"] == "").all()
    reason = rows.set_index(ROW_COLUMN)["reason"]
    assert reason[80] == "bad_timestamp" and reason[60] == "duplicate_timestamp"
    assert reason[90] == "excluded_by_filter" and reason[40] == "outlier"
    flags = clean.flags
    outliers = flags[flags["flag"] == "outlier"]
    assert sorted(zip(outliers[ROW_COLUMN], outliers["column"].astype(str), strict=True)) == [
        (40, "temp_C"), (41, "time_h"), (42, "energy_kwh")]
    assert flags.loc[flags["flag"] == "outlier", "value"].tolist() == [300.0, 20.0, 3000.0]
    assert (flags["flag"] == "stuck").sum() == 11


def test_excluded_rows_are_not_checked_for_outliers(corrupted: Corrupted) -> None:
    without = _clean(corrupted.path)  # the 0.1 h start-up rows stay in the series
    report = without.quality.to_dict()
    assert report["columns"]["time_h"]["outliers"] == 3
    assert "excluded_by_filter" not in report["rows_dropped"]


# ------------------------------------------------------------------ rules one by one


def _write(frame: pd.DataFrame, tmp_path: Path, name: str = "logs.csv") -> Path:
    return write_csv(to_text(frame), tmp_path / name)


def test_a_row_with_several_reasons_counts_under_the_first(tmp_path: Path) -> None:
    text = to_text(clean_frame(60))
    text.at[5, "temp_C"] = "999"  # out of limits ...
    text.at[5, "yield_pct"] = ""  # ... and a missing outcome
    text.at[7, "time_h"] = "0.1"  # excluded ...
    text.at[7, "purity_pct"] = "n/a"  # ... and a missing input
    path = write_csv(text, tmp_path / "logs.csv")
    report = _clean(path, exclude_when="time_h < 0.2").quality
    assert dict(report.rows_dropped) == {"excluded_by_filter": 1, "out_of_limits": 1}
    assert report.columns["yield_pct"].missing == 1  # the flag is still counted
    assert list(DROP_REASONS).index("out_of_limits") < list(DROP_REASONS).index(
        "missing_outcome")


@pytest.mark.parametrize(("policy", "dropped"), [
    ("keep_first", [9]),  # the later export goes
    ("keep_last", [8]),
    ("drop_all", [8, 9]),
    ("keep_all", []),
])
def test_duplicate_policies(tmp_path: Path, policy: str, dropped: list[int]) -> None:
    frame = clean_frame(40)
    frame.loc[9] = frame.loc[8]  # row 9 re-exports row 8 (same line, same time)
    frame.loc[9, "yield_pct"] = 91.0
    clean = _clean(_write(frame, tmp_path), duplicates=policy, stuck={"enabled": False})
    rows = clean.rows
    assert rows.loc[rows["reason"] == "duplicate_timestamp", ROW_COLUMN].tolist() == dropped
    assert clean.quality.duplicate_timestamps == 1


def test_same_time_on_two_lines_is_not_a_duplicate(tmp_path: Path) -> None:
    frame = clean_frame(40)
    frame.loc[1, "timestamp"] = frame.loc[0, "timestamp"]  # L1 and L2 at the same time
    clean = _clean(_write(frame, tmp_path))
    assert clean.quality.duplicate_timestamps == 0
    assert clean.quality.rows_kept == 40


def test_limits_flag_but_never_clip(tmp_path: Path) -> None:
    text = to_text(clean_frame(40))
    text.at[3, "purity_pct"] = "100.5"
    path = write_csv(text, tmp_path / "logs.csv")
    dropped = _clean(path)
    assert dict(dropped.quality.rows_dropped) == {"out_of_limits": 1}
    flags = dropped.flags
    assert flags.loc[flags["flag"] == "out_of_limits", "value"].tolist() == [100.5]
    kept = _clean(path, limits_action="set_missing", missing="impute_recent")
    assert kept.quality.rows_kept == 40
    assert kept.quality.columns["purity_pct"].imputed == 1
    value = kept.frame.set_index(ROW_COLUMN).loc[3, "purity_pct"]
    assert value != 100.5 and 80 <= value <= 100


def test_impute_recent_uses_the_same_lines_previous_values(tmp_path: Path) -> None:
    frame = clean_frame(40)
    text = to_text(frame)
    text.at[20, "purity_pct"] = ""  # L1: previous L1 rows are 18, 16, 14
    text.at[0, "temp_C"] = ""  # first row: nothing before it on the line
    path = write_csv(text, tmp_path / "logs.csv")
    clean = _clean(path, missing="impute_recent", impute_window=3)
    expected = float(np.median(frame.loc[[14, 16, 18], "purity_pct"]))
    assert clean.frame.set_index(ROW_COLUMN).loc[20, "purity_pct"] == pytest.approx(expected)
    assert dict(clean.quality.rows_dropped) == {"missing_input": 1}  # row 0
    assert clean.quality.columns["purity_pct"].imputed == 1
    assert clean.quality.columns["temp_C"].imputed == 0
    flagged = clean.flags[clean.flags["flag"] == "imputed"]
    assert flagged[ROW_COLUMN].tolist() == [20]


def test_missing_outcomes_are_never_imputed(tmp_path: Path) -> None:
    text = to_text(clean_frame(40))
    text.at[11, "yield_pct"] = ""
    clean = _clean(write_csv(text, tmp_path / "logs.csv"), missing="impute_recent")
    assert dict(clean.quality.rows_dropped) == {"missing_outcome": 1}


def test_set_missing_outliers_are_imputed_not_dropped(tmp_path: Path) -> None:
    text = to_text(clean_frame(60))
    text.at[30, "temp_C"] = "250"
    path = write_csv(text, tmp_path / "logs.csv")
    clean = _clean(path, outliers={"action": "set_missing"}, missing="impute_recent")
    assert clean.quality.rows_kept == 60
    assert clean.quality.columns["temp_C"].outliers == 1
    assert clean.quality.columns["temp_C"].imputed == 1
    assert clean.frame.set_index(ROW_COLUMN).loc[30, "temp_C"] < 200


def test_rows_deviating_in_several_cells_are_kept_as_unusual_batches(tmp_path: Path) -> None:
    text = to_text(clean_frame(60))
    text.at[30, "temp_C"] = "230"  # a trial batch: hotter ...
    text.at[30, "yield_pct"] = "60"  # ... and a poor yield
    clean = _clean(write_csv(text, tmp_path / "logs.csv"))
    assert clean.quality.rows_kept == 60
    assert clean.quality.unusual_rows == 1
    assert clean.quality.columns["temp_C"].outliers == 0
    assert (clean.flags["flag"] == "unusual").sum() == 2
    strict = _clean(write_csv(text, tmp_path / "logs.csv"),
                    outliers={"keep_unusual_rows": False})
    assert dict(strict.quality.rows_dropped) == {"outlier": 1}


def test_drift_is_warned_with_its_span_and_optionally_excluded(tmp_path: Path) -> None:
    frame = clean_frame(400, seed=3)
    l2 = frame.index[(frame["line"] == "L2") & (frame.index >= 200)]
    frame.loc[l2, "temp_C"] += np.round(np.linspace(0.0, 12.0, len(l2)), 1)  # to +6 sd
    path = _write(frame, tmp_path)
    clean = _clean(path)
    report = clean.quality
    assert [(d.column, d.line) for d in report.drift] == [("temp_C", "L2")]
    drift = report.drift[0]
    start = pd.Timestamp(drift.start)
    assert START_OF_RAMP <= start <= START_OF_RAMP + pd.Timedelta(hours=120)
    assert pd.Timestamp(drift.end) >= pd.Timestamp("2025-03-17 12:00")  # row 396
    assert drift.shift > 2 and drift.shift_sigma > 2 and drift.unit == "°C"
    assert report.columns["temp_C"].drift_cells == drift.n_rows
    assert report.rows_kept == 400  # warned only
    assert "temp_C on line L2 drifts, reading high" in report.warnings[-1]
    excluded = _clean(path, drift={"exclude": True})
    assert dict(excluded.quality.rows_dropped) == {"drift": drift.n_rows}


START_OF_RAMP = pd.Timestamp("2025-03-01") + pd.Timedelta(hours=201)


def test_drift_reference_period_by_dates(tmp_path: Path) -> None:
    frame = clean_frame(400, seed=3)
    early = frame.index[(frame["line"] == "L1") & (frame.index < 100)]
    frame.loc[early, "purity_pct"] -= 3.0  # the first days read low, then recalibrated
    path = _write(frame, tmp_path)
    by_fraction = _clean(path).quality  # the faulty start is the reference
    assert [(d.column, d.line) for d in by_fraction.drift] == [("purity_pct", "L1")]
    assert by_fraction.drift[0].shift > 2  # the rest looks high against it
    by_dates = _clean(path, drift={"reference_start": "2025-03-08",
                                   "reference_end": "2025-03-12"}).quality
    assert [(d.column, d.line) for d in by_dates.drift] == [("purity_pct", "L1")]
    drift = by_dates.drift[0]
    assert drift.shift < -2 and drift.start == "2025-03-01 00:00:00"
    assert pd.Timestamp(drift.end) <= pd.Timestamp("2025-03-05 04:00")  # last low row 98


def test_no_time_column_uses_file_order(tmp_path: Path) -> None:
    frame = clean_frame(80).drop(columns=["timestamp"])
    text = to_text(clean_frame(80)).drop(columns=["timestamp"])
    text.at[5, "yield_pct"] = "#DIV/0!"
    path = write_csv(text, tmp_path / "lab.csv", sep=",", bom=False)
    raw = read_logs(path, SPECS, time_column=None)
    clean = clean_logs(raw)
    assert clean.frame[ROW_COLUMN].tolist() == [r for r in range(80) if r != 5]
    assert clean.quality.time_span is None and clean.quality.unsorted_rows == 0
    assert np.allclose(clean.frame["temp_C"], frame.drop(index=5)["temp_C"])


def test_bad_filter_expressions_name_the_setting(tmp_path: Path) -> None:
    path = _write(clean_frame(20), tmp_path)
    with pytest.raises(InputError, match=r"exclude_when.*unknown name 'rpm'"):
        _clean(path, exclude_when="rpm < 5")
    with pytest.raises(InputError, match="not a condition"):
        _clean(path, exclude_when="time_h * 2")
    with pytest.raises(InputError, match="not allowed"):
        _clean(path, exclude_when="__import__('os')")


def test_too_few_rows_left_is_a_log_error_naming_the_reasons(tmp_path: Path) -> None:
    text = to_text(clean_frame(20))
    text["yield_pct"] = ""
    text.at[0, "yield_pct"] = "90"
    raw = read_logs(write_csv(text, tmp_path / "l.csv"), SPECS, time_column="timestamp",
                    options=DAYFIRST)
    with pytest.raises(LogDataError, match=r"only 1 of 20 rows.*missing outcome 19"):
        clean_logs(raw, min_rows=2)


def test_category_setpoints_must_be_present(tmp_path: Path) -> None:
    text = to_text(clean_frame(20))
    text["grade"] = ["A", "B"] * 10
    text.at[4, "grade"] = " "
    specs = [*SPECS, ColumnSpec(name="grade", role="setpoint", kind="category")]
    raw = read_logs(write_csv(text, tmp_path / "g.csv"), specs, time_column="timestamp",
                    options=DAYFIRST)
    clean = clean_logs(raw)
    assert dict(clean.quality.rows_dropped) == {"missing_input": 1}
    assert clean.frame["grade"].tolist()[:3] == ["A", "B", "A"]


@pytest.mark.parametrize("key", [[], [1], [1, 2, 3], [3, 2, 1], [1, 3, 2, 4], [5, 1, 2, 3, 4],
                                 [2, 2, 1, 1], [1, 5, 2, 6, 3, 7]])
def test_rows_out_of_order_is_the_fewest_moves(key: list[int]) -> None:
    import itertools

    arr = np.array(key, dtype=np.int64)
    best = len(arr)
    for k in range(len(arr) + 1):  # brute force: largest sorted subsequence
        for keep in itertools.combinations(range(len(arr)), k):
            if all(arr[a] <= arr[b] for a, b in itertools.pairwise(keep)):
                best = min(best, len(arr) - k)
    assert rows_out_of_order(arr) == best


# ------------------------------------------------------------------ random corruption

_MISSING = ["", "n/a", "NA", "-", "null", "#N/A"]
_JUNK = ["#VALUE!", "#DIV/0!", "Bad", "I/O Timeout", "inf", "-inf", "1e400", "abc",
         "12.5.3", "1,2,3", "--5"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_corruption_never_crashes_or_leaks_nan(tmp_path: Path, data: st.DataObject
                                                      ) -> None:
    n = 60
    text = to_text(clean_frame(n, seed=data.draw(st.integers(0, 3), label="seed")))
    cells = data.draw(st.lists(
        st.tuples(st.integers(0, n - 1), st.sampled_from(MODEL),
                  st.sampled_from(["missing", "junk", "spike", "negative"])),
        max_size=40, unique_by=lambda c: (c[0], c[1])), label="cells")
    expected = {name: {"missing": 0, "unparseable": 0} for name in MODEL}
    for row, column, kind in cells:
        if kind == "missing":
            text.at[row, column] = data.draw(st.sampled_from(_MISSING))
            expected[column]["missing"] += 1
        elif kind == "junk":
            text.at[row, column] = data.draw(st.sampled_from(_JUNK))
            expected[column]["unparseable"] += 1
        elif kind == "spike":
            text.at[row, column] = str(data.draw(st.sampled_from([1e6, 1e-6, 0.0, 99.0])))
        else:
            text.at[row, column] = "-" + str(text.at[row, column]).replace(",", "")
    for row in data.draw(st.lists(st.integers(1, n - 1), max_size=4, unique=True)):
        text.loc[row, ["timestamp", "line"]] = text.loc[row - 1, ["timestamp", "line"]].values
    bad_times = data.draw(st.lists(st.integers(0, n - 1), max_size=5, unique=True))
    for row in bad_times:
        text.at[row, "timestamp"] = data.draw(st.sampled_from(["", "yesterday", "32/13/2025"]))
    config = CleaningConfig(
        missing=data.draw(st.sampled_from(["drop", "impute_recent"])),
        limits_action=data.draw(st.sampled_from(["drop_row", "set_missing"])),
        outliers={"action": data.draw(st.sampled_from(["drop_row", "set_missing"]))},
        duplicates=data.draw(st.sampled_from(["keep_first", "keep_last", "drop_all",
                                              "keep_all"])))
    path = write_csv(text, tmp_path / "random.csv")
    raw = read_logs(path, SPECS, time_column="timestamp", options=DAYFIRST)
    clean = clean_logs(raw, config, min_rows=0)
    report = clean.quality.to_dict()
    json.dumps(report, allow_nan=False)
    assert report["rows_kept"] + sum(report["rows_dropped"].values()) == n
    assert report["rows_kept"] == len(clean.frame)
    for name in MODEL:
        got = report["columns"][name]
        assert {k: got[k] for k in ("missing", "unparseable")} == expected[name], name
    assert report["rows_dropped"].get("bad_timestamp", 0) == len(bad_times)
    _assert_trainable(clean.frame)
    assert clean.frame["timestamp"].is_monotonic_increasing
    assert set(clean.frame["line"]) <= {"L1", "L2"}
    assert pd.to_datetime(clean.frame["timestamp"]).dt.strftime(TIME_FORMAT).notna().all()


def test_missing_line_and_group(tmp_path: Path) -> None:
    text = to_text(clean_frame(20))
    text["batch"] = [f"B{i // 2}" for i in range(20)]
    text.at[3, "batch"] = ""  # no group
    text.at[5, "batch"] = ""  # no group and ...
    text.at[5, "line"] = "n/a"  # ... no line: counted under the line
    specs = [ColumnSpec(name="batch", role="group", kind="category"), *SPECS]
    raw = read_logs(write_csv(text, tmp_path / "g.csv"), specs, time_column="timestamp",
                    options=DAYFIRST)
    report = clean_logs(raw).quality
    assert dict(report.rows_dropped) == {"missing_line": 1, "missing_group": 1}
    assert report.columns["batch"].missing == 2 and report.columns["line"].missing == 1
