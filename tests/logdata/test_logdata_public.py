"""Real data through the same pipeline: SECOM, steel energy, concrete (../shared/data),
and the bundled batch-reactor logs scored against their injected defects."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from surrogates.logdata import (
    ROW_COLUMN,
    CleaningConfig,
    ColumnSpec,
    ReadOptions,
    clean_logs,
    read_logs,
)
from surrogates.logdata.cleaning import rows_out_of_order

from .conftest import shared

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "scenarios" / "batch_reactor"


def _secom_specs(path: Path) -> list[ColumnSpec]:
    header = pd.read_csv(path, nrows=0).columns
    return ([ColumnSpec(name=c, role="context") for c in header
             if c not in ("Time", "Pass/Fail")]
            + [ColumnSpec(name="Pass/Fail", role="outcome", lower_limit=-1, upper_limit=1)])


@pytest.fixture(scope="module")
def secom_fixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SECOM with the timestamps of the original labels file (the CSV's Time column is
    month-first in 582 rows, see the data README), as Parquet."""
    csv = shared("secom", "uci-secom.csv")
    labels = pd.read_csv(shared("secom", "secom_labels.data"), sep=" ", header=None,
                         names=["label", "time"])
    frame = pd.read_csv(csv)
    assert (frame["Pass/Fail"] == labels["label"]).all()
    frame["Time"] = labels["time"]  # "19/07/2008 11:55:00", day-first, as text
    path = tmp_path_factory.mktemp("secom") / "secom.parquet"
    frame.to_parquet(path)
    return path


def test_secom_csv_report_shows_the_missing_cells_and_the_time_caveat() -> None:
    path = shared("secom", "uci-secom.csv")
    specs = _secom_specs(path)
    raw = read_logs(path, specs, time_column="Time")
    clean = clean_logs(raw, CleaningConfig(missing="impute_recent"), min_rows=0)
    report = clean.quality.to_dict()
    json.dumps(report, allow_nan=False)
    assert report["rows_read"] == 1567
    features = [s.name for s in specs if s.role == "context"]
    assert len(features) == 590
    assert sum(report["columns"][c]["missing"] for c in features) == 41951  # README
    assert sum(report["columns"][c]["unparseable"] for c in features) == 0
    times = pd.to_datetime(pd.read_csv(path, usecols=["Time"])["Time"])
    expected = rows_out_of_order(times.to_numpy().astype("datetime64[ns]").view(np.int64))
    assert report["unsorted_rows"] == expected > 500  # the swapped day and month
    assert any("not in time order" in w for w in report["warnings"])
    assert report["rows_kept"] + sum(report["rows_dropped"].values()) == 1567
    assert np.isfinite(clean.frame[features].to_numpy()).all()


def test_secom_with_the_labels_times_is_in_order(secom_fixed: Path) -> None:
    specs = _secom_specs(shared("secom", "uci-secom.csv"))
    raw = read_logs(secom_fixed, specs, time_column="Time",
                    options=ReadOptions(dayfirst=True))
    config = CleaningConfig(missing="impute_recent", duplicates="keep_all")
    clean = clean_logs(raw, config, min_rows=0)
    report = clean.quality
    assert report.file_format == "parquet"
    assert report.unsorted_rows == 0
    assert report.duplicate_timestamps == 33  # README: 33 timestamps are repeated
    assert "duplicate_timestamp" not in report.rows_dropped
    assert raw.frame["Time"].min() == pd.Timestamp("2008-07-19 11:55")
    assert raw.frame["Time"].max() == pd.Timestamp("2008-10-17 06:07")
    assert report.columns["Pass/Fail"].missing == 0
    constant = [w for w in report.warnings if "is constant" in w]
    assert len(constant) >= 100  # README: 116 features are constant (ignoring missing)
    frame = clean.frame
    assert frame["Time"].is_monotonic_increasing
    assert np.isfinite(frame[[s.name for s in specs]].to_numpy()).all()


STEEL_SPECS = [
    ColumnSpec(name="Usage_kWh", role="outcome", lower_limit=0, unit="kWh"),
    ColumnSpec(name="Lagging_Current_Reactive.Power_kVarh", role="context", lower_limit=0),
    ColumnSpec(name="Leading_Current_Reactive_Power_kVarh", role="context", lower_limit=0),
    ColumnSpec(name="CO2(tCO2)", role="outcome", lower_limit=0),
    ColumnSpec(name="Lagging_Current_Power_Factor", role="context", lower_limit=0,
               upper_limit=100),
    ColumnSpec(name="Leading_Current_Power_Factor", role="context", lower_limit=0,
               upper_limit=100),
    ColumnSpec(name="NSM", role="context", lower_limit=0, upper_limit=86_400),
    ColumnSpec(name="WeekStatus", role="setpoint", kind="category"),
    ColumnSpec(name="Load_Type", role="other", kind="category"),
]


def test_steel_energy_bom_dayfirst_and_midnight_rows() -> None:
    path = shared("steel_energy", "Steel_industry_data.csv")
    options = ReadOptions(dayfirst=True, midnight_ends_day=True)
    raw = read_logs(path, STEEL_SPECS, time_column="date", options=options)
    assert raw.details["encoding"] == "utf-8-sig"  # the BOM is not part of 'date'
    clean = clean_logs(raw)
    report = clean.quality
    assert report.rows_read == 35_040
    assert report.unsorted_rows == 0 and report.duplicate_timestamps == 0
    assert report.time_span == ("2018-01-01 00:15:00", "2019-01-01 00:00:00")
    assert all(q.missing == 0 and q.unparseable == 0 for q in report.columns.values())
    assert all(q.out_of_limits == 0 for q in report.columns.values())
    assert report.training_ranges["NSM"] == (0.0, 85_500.0)
    assert report.rows_kept > 0.99 * 35_040
    assert set(clean.frame["WeekStatus"]) == {"Weekday", "Weekend"}
    # one real defect of the public data: on 2 January CO2 reads 0 while usage runs at
    # 29-136 kWh (all 38 rows of the year with usage > 40 kWh and CO2 = 0 are that day)
    assert [(d.column, d.start[:10], d.end[:10]) for d in report.drift] == [
        ("CO2(tCO2)", "2018-01-02", "2018-01-02")]
    assert report.drift[0].shift < -0.02
    # the same file read without the midnight rule: each day's 00:00 row is misplaced
    naive = read_logs(path, STEEL_SPECS, time_column="date", options=ReadOptions(dayfirst=True))
    assert clean_logs(naive).quality.unsorted_rows == 365


CONCRETE = ["cement", "blast_furnace_slag", "fly_ash", "water", "superplasticizer",
            "coarse_aggregate", "fine_aggregate", "age_days"]


def test_concrete_lab_data_without_time() -> None:
    path = shared("concrete", "concrete.csv")
    specs = ([ColumnSpec(name=c, role="setpoint", lower_limit=0) for c in CONCRETE]
             + [ColumnSpec(name="strength_mpa", role="outcome", lower_limit=0, unit="MPa")])
    raw = read_logs(path, specs, time_column=None)
    default = clean_logs(raw).quality
    assert default.rows_read == 1030 and default.time_column is None
    # file order is no time order: the rare 360/365-day ages stand out as spikes
    assert dict(default.rows_dropped) == {"outlier": 4}
    assert default.stuck == ()  # held mix amounts are setpoints, not stuck sensors
    plain = clean_logs(raw, CleaningConfig(outliers={"enabled": False})).quality
    assert plain.rows_kept == 1030
    ranges = plain.training_ranges  # README: ranges of the columns
    assert ranges["cement"] == (102.0, 540.0) and ranges["age_days"] == (1.0, 365.0)
    assert ranges["strength_mpa"][0] == pytest.approx(2.33, abs=0.01)
    assert ranges["strength_mpa"][1] == pytest.approx(82.60, abs=0.01)


# ------------------------------------------------------------------ the bundled logs


def _bundled_specs() -> list[ColumnSpec]:
    scenario = yaml.safe_load((BUNDLED / "scenario.yaml").read_text(encoding="utf-8"))
    specs = []
    for role, key in (("setpoint", "setpoints"), ("context", "context"),
                      ("outcome", "outcomes")):
        for name, spec in scenario[key].items():
            lo, hi = spec.get("limits", (None, None))
            specs.append(ColumnSpec(name=name, role=role, lower_limit=lo, upper_limit=hi))
    return [*specs, ColumnSpec(name="line", role="line", kind="category")]


def test_bundled_logs_defects_are_found() -> None:
    logs, truth_file = BUNDLED / "logs.csv", BUNDLED / "defects.csv"
    if not truth_file.exists():
        pytest.skip("the bundled logs have no defects.csv")
    truth = pd.read_csv(truth_file)
    raw = read_logs(logs, _bundled_specs(), time_column="timestamp")
    clean = clean_logs(raw)
    flags = clean.flags
    found = flags[flags["flag"].isin(["out_of_limits", "outlier", "stuck", "drift"])]
    found_cells = set(zip(found[ROW_COLUMN], found["column"].astype(str), strict=True))
    recall = {}
    for kind in ("spike", "stuck", "drift"):
        cells = truth[truth["kind"] == kind]
        hit = sum((r, c) in found_cells for r, c in zip(cells["row"], cells["column"],
                                                         strict=True))
        recall[kind] = hit / len(cells)
    assert recall["spike"] >= 0.9 and recall["stuck"] == 1.0 and recall["drift"] >= 0.8
    damaged = set(zip(truth["row"], truth["column"], strict=True))
    false_alarms = len(found_cells - damaged)
    assert false_alarms <= 60  # real excursions of a heavy-tailed process, ~1 % of rows
    report = clean.quality
    assert [(d.column, d.line) for d in report.drift] == [("reactor_temp_C", "L2")]
    assert [(s.column, s.line, s.value) for s in report.stuck] == [
        ("ambient_temp_C", "L1", 8.4)]
    missing = truth[truth["kind"] == "missing"].groupby("column").size()
    for column, n in missing.items():
        assert report.columns[column].missing == n
    assert np.isfinite(clean.frame[[s.name for s in _bundled_specs()[:-1]]].to_numpy()).all()
