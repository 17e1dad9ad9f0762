"""Reading log files as plants export them, and the errors a user gets for bad files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surrogates.errors import LogDataError
from surrogates.logdata import ROW_COLUMN, ColumnSpec, ReadOptions, file_sha256, read_logs

from .conftest import SPECS, clean_frame, to_text, write_csv

DAYFIRST = ReadOptions(dayfirst=True)


def _read(path: Path, options: ReadOptions = DAYFIRST, specs=SPECS):
    return read_logs(path, specs, time_column="timestamp", options=options)


def test_bom_crlf_semicolon_thousands_and_dayfirst(tmp_path: Path) -> None:
    frame = clean_frame(30)
    raw = _read(write_csv(to_text(frame), tmp_path / "a.csv"))
    assert raw.details == {"format": "csv", "delimiter": ";", "encoding": "utf-8-sig",
                           "decimal": "."}
    assert raw.frame[ROW_COLUMN].tolist() == list(range(30))
    assert (raw.frame["timestamp"] == frame["timestamp"]).all()  # 01/03 is 1 March
    for name in ("temp_C", "energy_kwh"):
        assert np.allclose(raw.frame[name], frame[name])
    assert raw.sha256 == file_sha256(raw.path) and len(raw.sha256) == 64


def test_decimal_comma_tab_separated_utf16(tmp_path: Path) -> None:
    frame = clean_frame(30)
    text = to_text(frame)
    for name in ("temp_C", "time_h", "purity_pct", "yield_pct"):
        text[name] = [f"{v:.2f}".replace(".", ",") for v in frame[name]]
    text["energy_kwh"] = [f"{v:,.1f}".replace(",", " ").replace(".", ",")
                          for v in frame["energy_kwh"]]  # "1 234,5"
    path = tmp_path / "b.txt"
    path.write_bytes(text.to_csv(sep="\t", index=False).encode("utf-16"))
    raw = _read(path)
    assert raw.details["delimiter"] == "\t" and raw.details["decimal"] == ","
    assert raw.details["encoding"] == "utf-16"
    assert np.allclose(raw.frame["temp_C"], frame["temp_C"])
    assert np.allclose(raw.frame["energy_kwh"], frame["energy_kwh"])
    assert not any(r.unparseable.any() for r in raw.reads.values())
    assert any("decimal comma" in w for w in raw.warnings)


def test_windows_1252_falls_back_with_a_warning(tmp_path: Path) -> None:
    text = to_text(clean_frame(10))
    text["line"] = ["Linie Ä"] * 10
    path = tmp_path / "c.csv"
    path.write_bytes(text.to_csv(sep=",", index=False).encode("cp1252"))
    raw = _read(path)
    assert raw.details["encoding"] == "cp1252"
    assert set(raw.frame["line"]) == {"Linie Ä"}
    assert any("Windows-1252" in w for w in raw.warnings)


def test_gzip_parquet_and_excel_read_the_same(tmp_path: Path) -> None:
    frame = clean_frame(25)
    csv_path = write_csv(to_text(frame), tmp_path / "d.csv")
    gz = tmp_path / "d.csv.gz"
    gz.write_bytes(gzip.compress(csv_path.read_bytes()))
    frame.to_parquet(tmp_path / "d.parquet")
    frame.to_excel(tmp_path / "d.xlsx", sheet_name="logs", index=False)
    reference = _read(csv_path).frame
    for path, options in ((gz, DAYFIRST), (tmp_path / "d.parquet", ReadOptions()),
                          (tmp_path / "d.xlsx", ReadOptions(sheet="logs"))):
        got = _read(path, options).frame
        pd.testing.assert_frame_equal(got, reference, check_dtype=False)


def test_mixed_time_zones_need_and_use_a_zone(tmp_path: Path) -> None:
    frame = clean_frame(6)
    text = to_text(frame)
    text["timestamp"] = ["2025-03-30T00:30:00+01:00", "2025-03-30 01:30:00",
                         "2025-03-30T01:00:00Z", "2025-03-30 03:30:00",
                         "2025-03-30T04:00:00+02:00", "2025-03-30 05:00"]
    path = write_csv(text, tmp_path / "tz.csv")
    with pytest.raises(LogDataError, match=r"column 'timestamp'.*read.timezone"):
        _read(path, ReadOptions())
    raw = _read(path, ReadOptions(timezone="Europe/Berlin"))
    utc = raw.frame["timestamp"].dt.tz_convert("UTC").dt.strftime("%H:%M").tolist()
    # Berlin switches to summer time at 02:00 local (01:00 UTC) that night
    assert utc == ["23:30", "00:30", "01:00", "01:30", "02:00", "03:00"]
    assert str(raw.frame["timestamp"].dt.tz) == "Europe/Berlin"


def test_offsets_without_zone_are_converted_to_utc(tmp_path: Path) -> None:
    text = to_text(clean_frame(2))
    text["timestamp"] = ["2025-01-01T10:00:00+01:00", "2025-01-01T10:00:00-05:00"]
    raw = _read(write_csv(text, tmp_path / "o.csv"), ReadOptions())
    assert raw.frame["timestamp"].dt.strftime("%H:%M").tolist() == ["09:00", "15:00"]


def test_midnight_rows_can_end_the_day(tmp_path: Path) -> None:
    text = to_text(clean_frame(3))
    text["timestamp"] = ["01-01-2018 23:45", "01-01-2018 00:00", "02-01-2018 00:15"]
    path = write_csv(text, tmp_path / "m.csv")
    plain = _read(path).frame["timestamp"].dt.strftime("%d %H:%M").tolist()
    assert plain == ["01 23:45", "01 00:00", "02 00:15"]
    ended = _read(path, ReadOptions(dayfirst=True, midnight_ends_day=True)).frame
    assert ended["timestamp"].dt.strftime("%d %H:%M").tolist() == ["01 23:45", "02 00:00",
                                                                   "02 00:15"]


def test_month_first_reading_of_day_first_dates_is_refused(tmp_path: Path) -> None:
    text = to_text(clean_frame(30))  # 01/03/2025 ... 02/03/2025: then 13/03 appears
    text["timestamp"] = [f"{d:02d}/03/2025 10:00" for d in range(1, 31)]
    with pytest.raises(LogDataError, match=r"day-first.*read.dayfirst: true"):
        _read(write_csv(text, tmp_path / "d.csv"), ReadOptions())


def test_explicit_time_format(tmp_path: Path) -> None:
    text = to_text(clean_frame(3))
    text["timestamp"] = ["2025.03.01-10h", "2025.03.01-11h", "2025.03.01-12h"]
    raw = _read(write_csv(text, tmp_path / "f.csv"), ReadOptions(time_format="%Y.%m.%d-%Hh"))
    assert raw.frame["timestamp"].dt.hour.tolist() == [10, 11, 12]


def test_header_names_are_matched_after_stripping(tmp_path: Path) -> None:
    text = to_text(clean_frame(5)).rename(columns={"temp_C": " temp_C "})
    raw = _read(write_csv(text, tmp_path / "h.csv"))
    assert "temp_C" in raw.frame.columns


def test_other_columns_of_the_file_are_ignored(tmp_path: Path) -> None:
    text = to_text(clean_frame(5))
    text["comment"] = "#VALUE!"
    raw = _read(write_csv(text, tmp_path / "o.csv"))
    assert "comment" not in raw.frame.columns


def _bad(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _logs_without(column: str) -> bytes:
    return to_text(clean_frame(5)).drop(columns=[column]).to_csv(index=False).encode()


def _text_only_temp() -> bytes:
    text = to_text(clean_frame(5))
    text["temp_C"] = ["Bad", "Bad", "", "Calc Failed", "Bad"]
    return text.to_csv(index=False).encode()


def _bad_times() -> bytes:
    text = to_text(clean_frame(5))
    text["timestamp"] = ["soon", "later", "", "01/03/2025 10:00", "never"]
    return text.to_csv(index=False).encode()


def _double_header() -> bytes:
    text = to_text(clean_frame(3))
    text.insert(0, "x", text["temp_C"])
    body = text.to_csv(index=False)
    return body.replace("x,", "temp_C,", 1).encode()


@pytest.mark.parametrize(("name", "content", "match"), [
    # no such file
    (None, None, "does not exist.*logs.path"),
    # zero bytes
    ("empty.csv", b"", "the file is empty"),
    # blank lines only
    ("blank.csv", b"\r\n\r\n", "the file is empty"),
    # a header and nothing else
    ("header.csv", b"timestamp,line,temp_C,time_h,purity_pct,yield_pct,energy_kwh\n",
     "header but no data rows"),
    # a column the scenario names is not in the file (with a suggestion)
    ("nocol.csv", _logs_without("yield_pct"), "lacks the column.*'yield_pct'"),
    # a numeric column holding only text
    ("text.csv", _text_only_temp(), "column 'temp_C'.*no number.*'Bad'"),
    # most times unreadable
    ("times.csv", _bad_times(), "column 'timestamp'.*4 of 5 times"),
    # the same column twice
    ("double.csv", _double_header(), "'temp_C' appears 2 times"),
    # the old Excel format
    ("old.xls", b"\xd0\xcf\x11\xe0", r"\.xls.*save the sheet as \.xlsx"),
    # a broken Parquet file
    ("broken.parquet", b"PAR1 not really", "cannot read the Parquet file"),
    # a broken xlsx
    ("broken.xlsx", b"PK not a zip", "cannot read"),
])
def test_bad_files_raise_one_clear_error(tmp_path: Path, name: str | None,
                                         content: bytes | None, match: str) -> None:
    path = tmp_path / "missing.csv" if name is None else _bad(tmp_path, name, content or b"")
    with pytest.raises(LogDataError, match=match) as info:
        _read(path)
    assert str(path) in str(info.value)


def test_missing_column_hint_names_close_headers(tmp_path: Path) -> None:
    text = to_text(clean_frame(5)).rename(columns={"yield_pct": "Yield_pct"})
    with pytest.raises(LogDataError, match="did you mean 'Yield_pct'"):
        _read(write_csv(text, tmp_path / "y.csv"))


def test_several_missing_columns_are_all_named(tmp_path: Path) -> None:
    text = to_text(clean_frame(5)).drop(columns=["yield_pct", "purity_pct"])
    with pytest.raises(LogDataError, match="'purity_pct', 'yield_pct'"):
        _read(write_csv(text, tmp_path / "y.csv"))


@pytest.mark.parametrize(("specs", "time_column", "match"), [
    # a column named twice
    ([ColumnSpec(name="a", role="setpoint"), ColumnSpec(name="a", role="outcome")], "t",
     "given twice"),
    # the time column also as data
    ([ColumnSpec(name="t", role="setpoint")], "t", "also given as a data column"),
    # two line columns
    ([ColumnSpec(name="a", role="line", kind="category"),
      ColumnSpec(name="b", role="line", kind="category")], "t", "more than one line"),
    # the reserved row column
    ([ColumnSpec(name="source_row", role="other")], "t", "reserved"),
])
def test_inconsistent_specs_are_refused(tmp_path: Path, specs, time_column, match) -> None:
    path = write_csv(to_text(clean_frame(3)), tmp_path / "x.csv")
    with pytest.raises(LogDataError, match=match):
        read_logs(path, specs, time_column=time_column)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"name": "a", "role": "line"}, "must have kind 'category'"),
    ({"name": "a", "role": "setpoint", "lower_limit": 5, "upper_limit": 1}, "must be below"),
    ({"name": "a", "role": "other", "kind": "category", "lower_limit": 0}, "numeric column"),
    ({"name": "a", "role": "sensor"}, "role"),
    ({"name": "a", "role": "setpoint", "units": "h"}, "Extra inputs"),
])
def test_column_spec_validation(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ColumnSpec(**kwargs)


def test_read_options_validation() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        ReadOptions(timezone="Mars/Base")
    with pytest.raises(ValueError, match="Extra inputs"):
        ReadOptions(day_first=True)  # type: ignore[call-arg]
