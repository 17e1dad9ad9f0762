"""Coercion of exported cells: numbers in both notations, gaps, junk (with hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogates.logdata.coercion import (
    MISSING_TOKENS,
    coerce_category,
    coerce_numeric,
    detect_decimal,
    parse_times,
)


@pytest.mark.parametrize(("text", "decimal", "value"), [
    ("1,234.5", ".", 1234.5),
    ("1 234.5", ".", 1234.5),
    ("1'234'567.25", ".", 1234567.25),
    ("1\u00a0234.5", ".", 1234.5),  # no-break space
    ("\u22125.5", ".", -5.5),  # typographic minus
    ("  42 ", ".", 42.0),
    ("3e2", ".", 300.0),
    ("-0.001", ".", -0.001),
    ("1.234,5", ",", 1234.5),
    ("1 234,5", ",", 1234.5),
    ("12,75", ",", 12.75),
    ("-0,5", ",", -0.5),
    ("1.234", ",", 1234.0),  # thousands in a decimal-comma file
    ("1,234", ".", 1234.0),
])
def test_numbers_in_both_notations(text: str, decimal: str, value: float) -> None:
    result = coerce_numeric(pd.Series([text]), decimal=decimal)
    assert result.values[0] == pytest.approx(value)
    assert not result.missing[0] and not result.unparseable[0]


@pytest.mark.parametrize("text", ["", " ", "n/a", "N/A", "NA", "nan", "NULL", "-", "--", "?",
                                  "#N/A", "None", "(blank)"])
def test_gap_markers_are_missing(text: str) -> None:
    result = coerce_numeric(pd.Series([text, "1"]))
    assert result.missing.tolist() == [True, False]
    assert not result.unparseable.any()
    assert np.isnan(result.values[0])


@pytest.mark.parametrize("text", ["#VALUE!", "#DIV/0!", "#REF!", "Bad", "I/O Timeout", "inf",
                                  "-Infinity", "1e400", "12.5.3", "1,2", "5 kg", "0x1F"])
def test_junk_is_unparseable_never_a_number(text: str) -> None:
    result = coerce_numeric(pd.Series([text, "1", text]))
    assert result.unparseable.tolist() == [True, False, True]
    assert not result.missing.any()
    assert result.examples == (text,)


def test_numeric_input_counts_infinities_as_unparseable() -> None:
    result = coerce_numeric(pd.Series([1.0, np.inf, np.nan, -np.inf]))
    assert result.missing.tolist() == [False, False, True, False]
    assert result.unparseable.tolist() == [False, True, False, True]
    assert np.isfinite(result.values[[0]]).all() and np.isnan(result.values[1:]).all()


def test_examples_are_the_most_frequent_texts() -> None:
    result = coerce_numeric(pd.Series(["Bad", "#VALUE!", "Bad", "x", "Bad", "#VALUE!", "y"]))
    assert result.examples[:2] == ("Bad", "#VALUE!") and len(result.examples) == 3


@pytest.mark.parametrize(("cells", "mark"), [
    (["1,5", "2,25", "3"], ","),
    (["1.234,5", "7"], ","),
    (["1,234.5", "12.5"], "."),
    (["1,234", "5,678"], "."),  # ambiguous: thousands
    (["12.5", "3"], "."),
    ([], "."),
])
def test_decimal_mark_detection(cells: list[str], mark: str) -> None:
    assert detect_decimal([pd.Series(cells, dtype=object)]) == mark


def test_categories_are_stripped_and_integral_floats_lose_the_point() -> None:
    text, missing = coerce_category(pd.Series([" L1 ", "", "n/a", "L2"]))
    assert text.tolist()[0] == "L1" and text.tolist()[3] == "L2"
    assert missing.tolist() == [False, True, True, False]
    floats, _ = coerce_category(pd.Series([1.0, 2.0, np.nan, 2.5]))
    assert floats.tolist()[:2] == ["1", "2"] and floats.tolist()[3] == "2.5"


_finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None)
@given(values=st.lists(_finite, min_size=1, max_size=30),
       decimal=st.sampled_from([".", ","]), digits=st.integers(0, 6))
def test_formatted_numbers_round_trip(values: list[float], decimal: str, digits: int) -> None:
    cells = []
    for v in values:
        text = f"{v:,.{digits}f}"  # 1,234.56
        if decimal == ",":
            text = text.replace(",", " ").replace(".", ",")  # 1 234,56
        cells.append(text)
    result = coerce_numeric(pd.Series(cells), decimal=decimal)
    expected = np.round(np.array(values), digits)
    assert np.allclose(result.values, expected, rtol=1e-12, atol=10.0 ** -digits)
    assert not result.missing.any() and not result.unparseable.any()


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(st.one_of(st.text(max_size=12), st.sampled_from(sorted(MISSING_TOKENS)),
                                 _finite.map(str)), min_size=1, max_size=40),
       decimal=st.sampled_from([".", ","]))
def test_any_text_gives_finite_or_flagged_cells(cells: list[str], decimal: str) -> None:
    result = coerce_numeric(pd.Series(cells, dtype=object), decimal=decimal)
    assert result.values.shape == (len(cells),) and result.values.dtype == np.float64
    finite = np.isfinite(result.values)
    # every cell is exactly one of: a finite number, missing, unparseable
    assert (finite.astype(int) + result.missing + result.unparseable == 1).all()


def test_times_day_first_with_bad_cells() -> None:
    parsed = parse_times(pd.Series(["13/02/2018 00:15", "", "31/02/2018 10:00",
                                    "14/02/2018 01:00"]), dayfirst=True)
    assert parsed.bad.tolist() == [False, True, True, False]
    assert parsed.times[0] == pd.Timestamp("2018-02-13 00:15")
    assert parsed.examples == ("31/02/2018 10:00",)


def test_times_already_parsed_are_localised() -> None:
    series = pd.Series(pd.to_datetime(["2025-01-01 10:00", "2025-07-01 10:00"]))
    parsed = parse_times(series, timezone="Europe/Berlin")
    assert parsed.times.dt.tz_convert("UTC").dt.hour.tolist() == [9, 8]
