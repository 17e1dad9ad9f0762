"""Rows marked as deliberate plant trials: exempt from the statistical rules (spikes,
stuck sensors, drift), invisible to the detectors of the normal rows around them, but
still subject to limits, missing values, duplicates and ``exclude_when``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surrogates.errors import InputError, LogDataError
from surrogates.logdata import (
    ROW_COLUMN,
    CleaningConfig,
    CleanLogs,
    ColumnSpec,
    ReadOptions,
    clean_logs,
    read_logs,
)
from surrogates.logdata.coercion import (
    FALSE_TOKENS,
    MISSING_TOKENS,
    TRUE_TOKENS,
    coerce_flag,
)

from .conftest import SPECS, clean_frame, to_text, write_csv

TRIAL = ColumnSpec(name="trial", role="trial", kind="category")
DAYFIRST = ReadOptions(dayfirst=True)


def _text(n: int = 240, seed: int = 0) -> pd.DataFrame:
    text = to_text(clean_frame(n, seed))
    text["trial"] = ""
    return text


def _clean(text: pd.DataFrame, tmp_path: Path, *, marked: bool = True,
           **config: object) -> CleanLogs:
    """Clean ``text``; with ``marked`` the trial column is read and configured."""
    path = write_csv(text, tmp_path / "logs.csv")
    specs = (*SPECS, TRIAL) if marked else SPECS
    if marked:
        config["trial_column"] = "trial"
    raw = read_logs(path, specs, time_column="timestamp", options=DAYFIRST)
    return clean_logs(raw, CleaningConfig(**config))  # type: ignore[arg-type]


def _dropped(clean: CleanLogs) -> dict[int, str]:
    rows = clean.rows[~clean.rows["kept"]]
    return dict(zip(rows[ROW_COLUMN].tolist(), rows["reason"].tolist(), strict=True))


def _trial_block(text: pd.DataFrame, rows: list[int]) -> None:
    """Trials as suggest-trials writes them: far setpoints, context at its planned value
    (the same in every trial), a poorer yield."""
    for i, r in enumerate(rows):
        text.at[r, "temp_C"] = f"{215 + i:g}"  # normal operation is 180 +- 2
        text.at[r, "time_h"] = "4.5"  # normal 3 +- 0.2
        text.at[r, "purity_pct"] = "97.5"
        text.at[r, "yield_pct"] = f"{80 + i:g}"
        text.at[r, "trial"] = "1"


# ------------------------------------------------------------------ exemption


def test_scattered_trials_survive_when_marked_and_are_spikes_when_not(tmp_path: Path
                                                                       ) -> None:
    text = _text()
    for r in (40, 120, 200):  # single L1 trials, one setpoint far from practice
        text.at[r, "temp_C"] = "230"
        text.at[r, "trial"] = "TRUE"
    unmarked = _clean(text, tmp_path, marked=False)
    assert _dropped(unmarked) == {40: "outlier", 120: "outlier", 200: "outlier"}
    marked = _clean(text, tmp_path)
    assert marked.quality.rows_kept == 240 and dict(marked.quality.rows_dropped) == {}
    assert marked.quality.columns["temp_C"].outliers == 0
    assert marked.quality.trial_rows == marked.quality.trial_rows_kept == 3
    kept = marked.frame.set_index(ROW_COLUMN)
    assert kept.loc[[40, 120, 200], "temp_C"].tolist() == [230.0] * 3
    assert kept["trial"].dtype == bool and kept["trial"].sum() == 3
    assert marked.rows.set_index(ROW_COLUMN)["trial"].sum() == 3


def test_a_block_of_trials_at_the_planned_context_is_not_a_stuck_sensor(tmp_path: Path
                                                                        ) -> None:
    text = _text()
    _trial_block(text, list(range(100, 116, 2)))  # 8 consecutive L1 batches
    unmarked = _clean(text, tmp_path, marked=False)
    assert set(_dropped(unmarked).values()) == {"stuck_sensor"}
    assert len(_dropped(unmarked)) == 7  # every repeat of the planned purity
    marked = _clean(text, tmp_path)
    assert marked.quality.rows_kept == 240
    assert marked.quality.stuck == () and marked.quality.unusual_rows == 0


def test_trials_do_not_mask_a_spike_in_a_normal_row_beside_them(tmp_path: Path) -> None:
    text = _text()
    for i, r in enumerate([100, 102, 104, 106, 110, 112, 114, 116]):
        text.at[r, "temp_C"] = f"{200 + 4 * i:g}"
        text.at[r, "trial"] = "yes"
    text.at[118, "temp_C"] = "212"  # a normal L1 batch, 16 sd off: a recording slip
    # seen with the trials, the window is wide and 212 looks ordinary
    assert _dropped(_clean(text, tmp_path, marked=False)) == {}
    marked = _clean(text, tmp_path)
    assert _dropped(marked) == {118: "outlier"}
    assert marked.quality.columns["temp_C"].outliers == 1


def test_trials_are_not_reported_as_a_process_change(tmp_path: Path) -> None:
    text = _text(400, seed=3)
    rng = np.random.default_rng(1)
    for r in range(360, 400):  # a trial campaign on both lines at the end of the logs
        text.at[r, "temp_C"] = f"{190 + rng.normal(0, 1):.1f}"
        text.at[r, "time_h"] = f"{3.6 + rng.normal(0, 0.1):.2f}"
        text.at[r, "yield_pct"] = f"{85 + rng.normal(0, 1):.2f}"
        text.at[r, "trial"] = "Trial"
    assert _clean(text, tmp_path, marked=False).quality.changes != ()
    report = _clean(text, tmp_path).quality
    assert report.changes == () and report.drift == () and report.rows_kept == 400


# ------------------------------------------------------------------ what still applies


def test_limits_missing_values_duplicates_and_filters_still_apply(tmp_path: Path) -> None:
    text = _text(80)
    for r in (10, 12, 14, 16, 18, 20):
        text.at[r, "trial"] = "1"
    text.at[10, "yield_pct"] = "130"  # above the physical limit of 100
    text.at[12, "yield_pct"] = ""  # the outcome was not measured
    text.at[14, "time_h"] = "0.1"  # matches exclude_when
    text.loc[18] = text.loc[16]  # exported twice
    text.at[20, "purity_pct"] = "n/a"  # a missing input is not imputed for a trial
    clean = _clean(text, tmp_path, exclude_when="time_h < 0.2", missing="impute_recent")
    assert _dropped(clean) == {10: "out_of_limits", 12: "missing_outcome",
                               14: "excluded_by_filter", 18: "duplicate_timestamp",
                               20: "missing_input"}
    assert clean.quality.trial_rows == 6 and clean.quality.trial_rows_kept == 1
    assert clean.quality.columns["yield_pct"].out_of_limits == 1


def test_trial_values_do_not_feed_the_imputation_of_normal_rows(tmp_path: Path) -> None:
    text = _text(80)
    for r in range(20, 30, 2):  # five L1 trials at a far purity
        text.at[r, "purity_pct"] = "85"
        text.at[r, "trial"] = "1"
    text.at[30, "purity_pct"] = ""  # the next L1 batch lacks its purity
    clean = _clean(text, tmp_path, missing="impute_recent")
    filled = clean.frame.set_index(ROW_COLUMN).loc[30, "purity_pct"]
    assert 95 < filled < 99  # from the normal L1 rows before the trials
    assert clean.quality.columns["purity_pct"].imputed == 1


# ------------------------------------------------------------------ report


def test_report_counts_the_trial_rows(tmp_path: Path) -> None:
    text = _text(60)
    text.at[7, "trial"] = "1"
    text.at[9, "trial"] = "0"
    report = _clean(text, tmp_path).quality
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert (data["trial_column"], data["trial_rows"], data["trial_rows_kept"]) == (
        "trial", 1, 1)
    assert data["columns"]["trial"]["role"] == "trial"
    assert data["columns"]["trial"]["missing"] == 0  # an empty marker is a normal row
    assert data["settings"]["trial_column"] == "trial"
    assert ("trials: 1 row marked as trials in column 'trial' were exempt from the spike,"
            " unusual-row, stuck and drift checks (1 kept)") in report.summary()
    plain = _clean(text, tmp_path, marked=False).quality
    assert plain.trial_column is None and "trials:" not in plain.summary()
    assert "trial" not in _clean(text, tmp_path, marked=False).rows.columns


# ------------------------------------------------------------------ bad input


def test_a_trial_column_missing_from_the_file_names_file_and_column(tmp_path: Path) -> None:
    text = _text(30).drop(columns="trial")
    with pytest.raises(LogDataError) as err:
        _clean(text, tmp_path)
    message = str(err.value)
    assert "logs.csv" in message and "'trial'" in message
    assert "logs.cleaning.trial_column" in message


@pytest.mark.parametrize(("specs", "config", "match"), [
    # configured, but not read at all
    (SPECS, {"trial_column": "trial"}, "not among the columns read"),
    # configured, but read as a plain text column
    ((*SPECS, ColumnSpec(name="trial", role="other", kind="category")),
     {"trial_column": "trial"}, "role 'other'"),
    # read as the marker, but not configured
    ((*SPECS, TRIAL), {}, "trial_column is not set"),
])
def test_inconsistent_trial_settings_are_input_errors(tmp_path: Path, specs: tuple[
        ColumnSpec, ...], config: dict[str, str], match: str) -> None:
    path = write_csv(_text(30), tmp_path / "logs.csv")
    raw = read_logs(path, specs, time_column="timestamp", options=DAYFIRST)
    with pytest.raises(InputError, match=match) as err:
        clean_logs(raw, CleaningConfig(**config))  # type: ignore[arg-type]
    assert str(path) in str(err.value)


def test_a_marker_that_is_neither_yes_nor_no_is_an_error(tmp_path: Path) -> None:
    text = _text(30)
    text.at[4, "trial"] = "maybe"
    text.at[6, "trial"] = "maybe"
    text.at[8, "trial"] = "2"
    with pytest.raises(LogDataError) as err:
        _clean(text, tmp_path)
    message = str(err.value)
    assert "column 'trial'" in message and "3 rows" in message
    assert "'maybe'" in message and "2025-03-01 04:00:00" in message  # the first bad row


def test_a_second_trial_column_is_refused(tmp_path: Path) -> None:
    path = write_csv(_text(30), tmp_path / "logs.csv")
    other = ColumnSpec(name="line", role="trial", kind="category")
    with pytest.raises(LogDataError, match="more than one trial column"):
        read_logs(path, (*SPECS[:-1], TRIAL, other), time_column="timestamp",
                  options=DAYFIRST)


def test_a_trial_column_must_be_a_category() -> None:
    with pytest.raises(ValueError, match="kind 'category'"):
        ColumnSpec(name="trial", role="trial")


# ------------------------------------------------------------------ parsing the marker


def _any_case(token: str) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from(sorted({c.lower(), c.upper()})) for c in token]
                     ).map("".join) if token else st.just(token)


_PAD = st.sampled_from(["", " ", "  ", "\t", "\u00a0"])


def _padded(words: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(_PAD, words, _PAD).map("".join)


_TRUE = _padded(st.sampled_from(sorted(TRUE_TOKENS)).flatmap(_any_case)
                | st.sampled_from(["1.0", "1,0", "+1", "01", "1.000"]))
_FALSE = _padded(st.sampled_from(sorted(FALSE_TOKENS | MISSING_TOKENS)).flatmap(_any_case)
                 | st.sampled_from(["0.0", "0,0", "-0", "00"]))
_OTHER = st.text(min_size=1, max_size=8).filter(
    lambda s: _as_exported(s).lower() not in TRUE_TOKENS | FALSE_TOKENS | MISSING_TOKENS
    and not _number_is_flag(_as_exported(s)))


def _as_exported(text: str) -> str:
    """The cell as coercion sees it: odd spaces and the typographic minus normalised."""
    for space in "\u00a0\u202f\u2009\u2007":
        text = text.replace(space, " ")
    return text.replace("\u2212", "-").strip()


def _number_is_flag(text: str) -> bool:
    try:
        return float(text.replace(",", ".")) in (0.0, 1.0)
    except ValueError:
        return False


@given(st.lists(st.sampled_from(["yes", "no", "other"]), min_size=1, max_size=30),
       st.data())
def test_marker_cells_parse_as_yes_no_or_unparseable(kinds: list[str], data: st.DataObject
                                                     ) -> None:
    texts = [data.draw({"yes": _TRUE, "no": _FALSE, "other": _OTHER}[k]) for k in kinds]
    flags = coerce_flag(pd.Series(texts, dtype=object))
    kind = np.array(kinds)
    assert np.array_equal(flags.values, kind == "yes")
    assert np.array_equal(flags.unparseable, kind == "other")
    assert not (flags.missing & (flags.values | flags.unparseable)).any()
    others = {t.strip() for t, k in zip(texts, kinds, strict=True) if k == "other"}
    assert len(flags.examples) == min(3, len(others))


@given(st.lists(st.sampled_from([0.0, 1.0, np.nan, True, False]), min_size=1, max_size=20))
def test_numeric_and_boolean_markers(values: list[object]) -> None:
    as_float = np.array([float(v) for v in values])  # type: ignore[arg-type]
    flags = coerce_flag(pd.Series(as_float))
    assert np.array_equal(flags.values, as_float == 1.0)
    assert np.array_equal(flags.missing, np.isnan(as_float))
    assert not flags.unparseable.any()
    booleans = [bool(v) for v in as_float if not np.isnan(v)]
    if booleans:
        assert np.array_equal(coerce_flag(pd.Series(booleans)).values, np.array(booleans))
