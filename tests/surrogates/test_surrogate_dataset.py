"""ProcessDataset: construction checks, from_frame errors naming the column, subsets, ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from surrogates.dataset import ProcessDataset
from surrogates.errors import InputError

X3 = np.arange(6.0).reshape(3, 2)
Y3 = np.arange(3.0).reshape(3, 1)


def test_valid_dataset_is_copied_and_read_only() -> None:
    X = X3.copy()
    ds = ProcessDataset(X, Y3, ["a", "b"], ["y"])
    X[0, 0] = 99.0
    assert ds.X[0, 0] == 0.0
    assert (ds.n_samples, ds.n_features, ds.n_outcomes, len(ds)) == (3, 2, 1, 3)
    assert ds.feature_names == ("a", "b") and ds.X.dtype == np.float64
    with pytest.raises(ValueError, match="read-only"):
        ds.X[0, 0] = 1.0


@pytest.mark.parametrize(("kwargs", "match"), [
    # X is one-dimensional
    ({"X": np.arange(3.0)}, r"X must have shape \(n, 2\)"),
    # more names than columns
    ({"feature_names": ("a", "b", "c")}, r"X must have shape \(n, 3\)"),
    # Y has a different number of rows
    ({"Y": np.zeros((4, 1))}, "X has 3 rows but Y has 4"),
    # the same feature twice
    ({"feature_names": ("a", "a")}, "'a' occurs more than once"),
    # a name is both input and outcome
    ({"outcome_names": ("b",)}, "'b' is both a feature and an outcome"),
    # an empty name
    ({"feature_names": ("a", "")}, "not a valid name"),
    # no outcomes at all
    ({"Y": np.zeros((3, 0)), "outcome_names": ()}, "no outcomes given"),
    # NaN in X: the message names the column and the row
    ({"X": np.array([[0, 1], [2, np.nan], [4, 5.0]])}, "column 'b': missing or infinite "
                                                          "value in row 1"),
    # infinity in Y
    ({"Y": np.array([[0.0], [np.inf], [1.0]])}, "column 'y': missing or infinite"),
    # timestamps of the wrong length
    ({"timestamps": np.array(["2025-01-01"] * 2, dtype="datetime64[ns]")},
     r"timestamps must have shape \(3,\)"),
    # a missing timestamp
    ({"timestamps": np.array(["2025-01-01", "NaT", "2025-01-02"], dtype="datetime64[ns]")},
     "missing timestamp in row 1"),
    # groups of the wrong length
    ({"groups": np.array(["a"])}, r"groups must have shape \(3,\)"),
])
def test_bad_construction_raises_input_error(kwargs: dict, match: str) -> None:
    args = {"X": X3, "Y": Y3, "feature_names": ("a", "b"), "outcome_names": ("y",), **kwargs}
    with pytest.raises(InputError, match=match):
        ProcessDataset(**args)


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "t": ["2025-01-01 08:00", "2025-01-01 09:00", "2025-01-01 10:00"],
        "temp": [180.0, 185.0, 190.0], "flag": [True, False, True],
        "yield": [85.0, 86.0, 84.0], "line": ["L1", "L2", "L1"],
    })


def test_from_frame_reads_columns_times_and_groups() -> None:
    ds = ProcessDataset.from_frame(frame(), ["temp", "flag"], ["yield"], time_column="t",
                                   group_column="line")
    np.testing.assert_array_equal(ds.X, [[180, 1], [185, 0], [190, 1]])
    assert ds.timestamps is not None and ds.timestamps.dtype == np.dtype("datetime64[ns]")
    assert ds.timestamps[1] == np.datetime64("2025-01-01T09:00")
    assert list(ds.groups) == ["L1", "L2", "L1"]  # type: ignore[arg-type]


def test_from_frame_converts_aware_times_to_utc() -> None:
    f = frame()
    f["t"] = pd.to_datetime(f["t"]).dt.tz_localize("Europe/Berlin")
    ds = ProcessDataset.from_frame(f, ["temp"], ["yield"], time_column="t")
    assert ds.timestamps[0] == np.datetime64("2025-01-01T07:00")  # type: ignore[index]


@pytest.mark.parametrize(("change", "call", "match"), [
    # a feature column is absent: named, with the columns that exist
    (None, {"features": ["temp", "pressure"]}, "column 'pressure': column not found"),
    # text in a numeric column
    ("text", {}, "column 'temp': values are not numeric"),
    # a missing value: column and row label named
    ("nan", {}, r"column 'temp': 1 missing or infinite value\(s\), first in row 1"),
    # an unparseable time
    ("badtime", {"time_column": "t"}, "column 't': cannot read the times"),
    # a missing group label
    ("nogroup", {"group_column": "line"}, "column 'line': missing group label in row 2"),
])
def test_from_frame_errors_name_file_and_column(change: str | None, call: dict,
                                                match: str) -> None:
    f = frame()
    if change == "text":
        f["temp"] = ["hot", "hotter", "hottest"]
    elif change == "nan":
        f.loc[1, "temp"] = np.nan
    elif change == "badtime":
        f.loc[2, "t"] = "yesterday-ish"
    elif change == "nogroup":
        f.loc[2, "line"] = None
    args = {"features": ["temp"], "outcomes": ["yield"], **call}
    with pytest.raises(InputError, match=match) as info:
        ProcessDataset.from_frame(f, args.pop("features"), args.pop("outcomes"),
                                  source="logs.csv", **args)
    assert info.value.file == "logs.csv" and str(info.value).startswith("logs.csv: ")


@settings(max_examples=40, deadline=None)
@given(
    values=hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(2, 5)),
                      elements=st.floats(-1e6, 1e6, allow_nan=False)),
    data=st.data(),
)
def test_from_frame_round_trip_and_nan_location(values: np.ndarray, data: st.DataObject) -> None:
    names = [f"c{j}" for j in range(values.shape[1])]
    f = pd.DataFrame(values, columns=names)
    ds = ProcessDataset.from_frame(f, names[:-1], names[-1:])
    np.testing.assert_array_equal(ds.X, values[:, :-1])
    np.testing.assert_array_equal(ds.Y, values[:, -1:])
    row = data.draw(st.integers(0, values.shape[0] - 1))
    col = data.draw(st.integers(0, values.shape[1] - 1))
    f.iloc[row, col] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with pytest.raises(InputError) as info:
        ProcessDataset.from_frame(f, names[:-1], names[-1:])
    assert info.value.location == f"column {names[col]!r}"
    assert f"first in row {row}" in info.value.message


def test_subset_by_index_and_mask_keeps_times_and_groups() -> None:
    ds = ProcessDataset.from_frame(frame(), ["temp"], ["yield"], time_column="t",
                                   group_column="line")
    part = ds.subset([2, 0])
    np.testing.assert_array_equal(part.X[:, 0], [190, 180])
    assert list(part.groups) == ["L1", "L1"]  # type: ignore[arg-type]
    masked = ds.subset(np.array([False, True, False]))
    assert masked.n_samples == 1 and masked.timestamps[0] == ds.timestamps[1]  # type: ignore[index]
    with pytest.raises(ValueError, match="boolean mask"):
        ds.subset(np.array([True, False]))


def test_ranges_are_per_feature_min_max() -> None:
    ds = ProcessDataset(X3, Y3, ["a", "b"], ["y"])
    assert ds.ranges() == {"a": (0.0, 4.0), "b": (1.0, 5.0)}
    with pytest.raises(InputError, match="no rows"):
        ds.subset([]).ranges()
