"""Validation splits: time-ordered hold-out and whole-group hold-out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogates.dataset import ProcessDataset
from surrogates.errors import InputError
from surrogates.splits import (
    group_kfold,
    group_split,
    time_split,
    train_valid_test,
    train_valid_test_indices,
)


def dataset(n: int, times: np.ndarray | None = None,
            groups: np.ndarray | None = None) -> ProcessDataset:
    X = np.arange(n, dtype=float)[:, None]
    return ProcessDataset(X, X * 2, ("row",), ("y",), times, groups)


def test_time_split_holds_out_the_most_recent_rows_in_shuffled_logs() -> None:
    rng = np.random.default_rng(3)
    hours = rng.permutation(100)
    times = np.datetime64("2025-03-01") + hours * np.timedelta64(1, "h")
    train, valid = time_split(dataset(100, times), 0.2)
    assert (train.n_samples, valid.n_samples) == (80, 20)
    assert train.timestamps.max() < valid.timestamps.min()  # type: ignore[union-attr]
    # the held-out rows are exactly those of the 20 latest hours, in file order
    expected = np.flatnonzero(hours >= 80)
    np.testing.assert_array_equal(valid.X[:, 0], expected)
    assert np.all(np.diff(train.X[:, 0]) > 0)


def test_time_split_without_timestamps_uses_row_order() -> None:
    train, valid = time_split(dataset(10), 0.3)
    np.testing.assert_array_equal(valid.X[:, 0], [7, 8, 9])
    np.testing.assert_array_equal(train.X[:, 0], np.arange(7))


def test_time_split_keeps_one_row_on_each_side() -> None:
    train, valid = time_split(dataset(2), 0.01)
    assert (train.n_samples, valid.n_samples) == (1, 1)
    train, valid = time_split(dataset(3), 0.99)
    assert (train.n_samples, valid.n_samples) == (1, 2)


@pytest.mark.parametrize(("n", "fraction", "error", "match"), [
    (1, 0.2, InputError, "at least 2 rows"),  # nothing to hold out
    (10, 0.0, ValueError, "valid_fraction"),  # fraction outside (0, 1)
    (10, 1.0, ValueError, "valid_fraction"),
])
def test_time_split_rejects(n: int, fraction: float, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        time_split(dataset(n), fraction)


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(st.integers(0, 8), min_size=2, max_size=80),
       fraction=st.floats(0.05, 0.95), seed=st.integers(0, 2**16))
def test_group_split_never_splits_a_group(labels: list[int], fraction: float,
                                          seed: int) -> None:
    groups = np.array(labels)
    if len(np.unique(groups)) < 2:
        with pytest.raises(InputError, match="at least 2 distinct groups"):
            group_split(dataset(len(labels), groups=groups), fraction, seed)
        return
    train, valid = group_split(dataset(len(labels), groups=groups), fraction, seed)
    assert train.n_samples + valid.n_samples == len(labels)
    assert train.n_samples > 0 and valid.n_samples > 0
    assert not set(train.groups) & set(valid.groups)  # type: ignore[arg-type]


def test_group_split_is_seeded_and_near_the_fraction() -> None:
    groups = np.repeat(np.arange(50), 4)
    ds = dataset(200, groups=groups)
    _, a_valid = group_split(ds, 0.25, seed=1)
    _, b_valid = group_split(ds, 0.25, seed=1)
    np.testing.assert_array_equal(a_valid.X, b_valid.X)
    assert a_valid.n_samples in (48, 52)  # 50 rows wanted, groups hold 4 rows each
    _, c_valid = group_split(ds, 0.25, seed=2)
    assert not np.array_equal(a_valid.X, c_valid.X)


def test_group_split_needs_groups() -> None:
    with pytest.raises(InputError, match="no group labels"):
        group_split(dataset(10))


def test_group_kfold_partitions_rows_by_group_with_balanced_folds() -> None:
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 30, 300)
    ds = dataset(300, groups=groups)
    folds = group_kfold(ds, n_splits=5, seed=0)
    assert len(folds) == 5
    all_valid = np.concatenate([v for _, v in folds])
    np.testing.assert_array_equal(np.sort(all_valid), np.arange(300))
    for train_idx, valid_idx in folds:
        assert not set(groups[train_idx]) & set(groups[valid_idx])
        assert len(train_idx) + len(valid_idx) == 300
        assert 45 <= len(valid_idx) <= 75


def test_group_kfold_rejects_too_few_groups_or_folds() -> None:
    ds = dataset(6, groups=np.array([0, 0, 1, 1, 2, 2]))
    with pytest.raises(InputError, match="at least 4 distinct groups"):
        group_kfold(ds, n_splits=4)
    with pytest.raises(ValueError, match="n_splits"):
        group_kfold(ds, n_splits=1)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(3, 400), valid=st.floats(0.01, 0.5), test=st.floats(0.01, 0.45),
       seed=st.integers(0, 2**16))
def test_train_valid_test_partitions_rows_oldest_to_newest(n: int, valid: float, test: float,
                                                          seed: int) -> None:
    hours = np.random.default_rng(seed).permutation(n)
    times = np.datetime64("2025-03-01") + hours * np.timedelta64(1, "h")
    ds = dataset(n, times)
    tr, va, te = train_valid_test_indices(ds, valid, test)
    assert min(len(tr), len(va), len(te)) >= 1
    np.testing.assert_array_equal(np.sort(np.concatenate([tr, va, te])), np.arange(n))
    assert hours[tr].max() < hours[va].min() and hours[va].max() < hours[te].min()
    if n >= 40:
        assert abs(len(te) - n * test) <= 1 and abs(len(va) - n * valid) <= 1


def test_train_valid_test_sizes_and_errors() -> None:
    train, valid, test = train_valid_test(dataset(100), 0.15, 0.15)
    assert (train.n_samples, valid.n_samples, test.n_samples) == (70, 15, 15)
    np.testing.assert_array_equal(test.X[:, 0], np.arange(85, 100))
    with pytest.raises(InputError, match="at least 3 rows"):
        train_valid_test(dataset(2))
    with pytest.raises(ValueError, match="below 1"):
        train_valid_test(dataset(10), 0.5, 0.5)
