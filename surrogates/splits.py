"""Honest validation splits: by time or by whole groups, never by random rows.

Process logs are autocorrelated: neighbouring batches share raw-material lots, fouling
state and operators, so a random row split leaks the future into training and flatters
the model. Hold out the most recent rows (what the plant will see next) or whole groups.
"""

from __future__ import annotations

import numpy as np

from surrogates.dataset import ProcessDataset
from surrogates.errors import InputError

__all__ = ["group_kfold", "group_split", "time_split", "train_valid_test",
           "train_valid_test_indices"]


def _check_fraction(valid_fraction: float) -> None:
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must lie strictly between 0 and 1; got {valid_fraction}")


def time_split(
    ds: ProcessDataset, valid_fraction: float = 0.2
) -> tuple[ProcessDataset, ProcessDataset]:
    """Hold out the most recent rows.

    Rows are ordered by ``ds.timestamps`` (stable, so ties keep row order) or, without
    timestamps, by row position. Both parts keep the original row order.

    Args:
        ds: The dataset, ``n_samples >= 2``.
        valid_fraction: Share of rows held out, in (0, 1); at least one row goes to each part.

    Returns:
        ``(train, valid)``; every valid row is at least as recent as every train row.

    Raises:
        InputError: Fewer than 2 rows.
    """
    _check_fraction(valid_fraction)
    n = ds.n_samples
    if n < 2:
        raise InputError(f"need at least 2 rows to hold some out for validation; got {n}",
                         hint="collect more batches or relax the log filters")
    n_valid = min(max(1, round(n * valid_fraction)), n - 1)
    order = np.arange(n) if ds.timestamps is None else np.argsort(ds.timestamps, kind="stable")
    valid = np.sort(order[n - n_valid:])
    train = np.sort(order[: n - n_valid])
    return ds.subset(train), ds.subset(valid)


def train_valid_test_indices(
    ds: ProcessDataset, valid_fraction: float = 0.15, test_fraction: float = 0.15,
    always_train: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions of :func:`train_valid_test`'s three parts, each sorted.

    Args:
        ds: The dataset.
        valid_fraction: Share of the split rows used for validation.
        test_fraction: Share of the split rows held out for testing.
        always_train: Optional ``(n,)`` bool mask of rows that always go to training
            (plant trials: deliberately unusual and few, they are what the model must
            learn from, and as the newest rows they would otherwise all land in the
            test part); the other rows are split by time.

    Raises:
        InputError: Fewer than 3 rows.
        ValueError: A fraction outside (0, 1) or their sum not below 1.
    """
    _check_fraction(valid_fraction)
    _check_fraction(test_fraction)
    if valid_fraction + test_fraction >= 1.0:
        raise ValueError("valid_fraction + test_fraction must be below 1; got "
                         f"{valid_fraction} + {test_fraction}")
    if always_train is not None and np.asarray(always_train, dtype=bool).any():
        forced = np.asarray(always_train, dtype=bool)
        if forced.shape != (ds.n_samples,):
            raise ValueError(f"always_train needs shape ({ds.n_samples},); got {forced.shape}")
        rest = np.flatnonzero(~forced)
        tr, va, te = train_valid_test_indices(ds.subset(rest), valid_fraction, test_fraction)
        return np.sort(np.concatenate([rest[tr], np.flatnonzero(forced)])), rest[va], rest[te]
    n = ds.n_samples
    if n < 3:
        raise InputError(f"need at least 3 rows to train, validate and test; got {n}",
                         hint="collect more batches or relax the log filters")
    order = np.arange(n) if ds.timestamps is None else np.argsort(ds.timestamps, kind="stable")
    n_test = min(max(1, round(n * test_fraction)), n - 2)
    n_valid = min(max(1, round(n * valid_fraction)), n - n_test - 1)
    n_train = n - n_test - n_valid
    return (np.sort(order[:n_train]), np.sort(order[n_train:n_train + n_valid]),
            np.sort(order[n_train + n_valid:]))


def train_valid_test(
    ds: ProcessDataset, valid_fraction: float = 0.15, test_fraction: float = 0.15
) -> tuple[ProcessDataset, ProcessDataset, ProcessDataset]:
    """Split by time into training, validation and test rows, oldest to newest.

    The validation rows (early stopping, calibration) come just before the test rows (the
    figures a model card reports), so the test rows are never trained or tuned on and
    stand for the batches the plant will run next. Rows are ordered by ``ds.timestamps``
    (stable) or by position; each part keeps the original row order.

    Args:
        ds: The dataset, ``n_samples >= 3``.
        valid_fraction: Share of all rows used for validation, in (0, 1).
        test_fraction: Share of all rows held out for testing, in (0, 1).

    Returns:
        ``(train, valid, test)``, each with at least one row.

    Raises:
        InputError: Fewer than 3 rows.
        ValueError: A fraction outside (0, 1) or their sum not below 1.
    """
    train, valid, test = train_valid_test_indices(ds, valid_fraction, test_fraction)
    return ds.subset(train), ds.subset(valid), ds.subset(test)


def _group_codes(ds: ProcessDataset, need: int) -> tuple[np.ndarray, np.ndarray]:
    if ds.groups is None:
        raise InputError("the dataset has no group labels", location="groups",
                         hint="name a group column (line, batch or mix) or split by time")
    labels, codes = np.unique(ds.groups, return_inverse=True)
    if len(labels) < need:
        raise InputError(f"need at least {need} distinct groups; got {len(labels)}",
                         location="groups", hint="split by time instead")
    return codes.reshape(-1), np.bincount(codes.reshape(-1), minlength=len(labels))


def group_split(
    ds: ProcessDataset, valid_fraction: float = 0.2, seed: int = 0
) -> tuple[ProcessDataset, ProcessDataset]:
    """Hold out whole groups (e.g. mixes or lines), about ``valid_fraction`` of the rows.

    Groups are visited in a seeded random order and added to the validation part while
    it stays closest to ``valid_fraction`` of the rows; each part gets at least one group.

    Args:
        ds: The dataset, with ``groups`` holding at least 2 distinct labels.
        valid_fraction: Target share of rows held out, in (0, 1).
        seed: Seed of the group order.

    Returns:
        ``(train, valid)``; no group appears in both.

    Raises:
        InputError: No group labels or fewer than 2 groups.
    """
    _check_fraction(valid_fraction)
    codes, sizes = _group_codes(ds, 2)
    order = np.random.default_rng(seed).permutation(len(sizes))
    target = valid_fraction * ds.n_samples
    chosen = [order[0]]
    taken = int(sizes[order[0]])
    for g in order[1:-1]:
        if abs(taken + sizes[g] - target) < abs(taken - target):
            chosen.append(g)
            taken += int(sizes[g])
    in_valid = np.isin(codes, chosen)
    return ds.subset(~in_valid), ds.subset(in_valid)


def group_kfold(
    ds: ProcessDataset, n_splits: int = 5, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """K folds of whole groups with balanced row counts (cf. scikit-learn ``GroupKFold``).

    Groups are shuffled with ``seed``, sorted by size (largest first, stable) and each is
    given to the fold with the fewest rows so far.

    Args:
        ds: The dataset, with at least ``n_splits`` distinct group labels.
        n_splits: Number of folds, at least 2.
        seed: Seed breaking ties between groups of equal size.

    Returns:
        ``n_splits`` pairs ``(train_idx, valid_idx)`` of sorted row positions; the
        validation parts partition the rows and never share a group with their train part.

    Raises:
        ValueError: ``n_splits < 2``.
        InputError: No group labels or fewer groups than folds.
    """
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2; got {n_splits}")
    codes, sizes = _group_codes(ds, n_splits)
    shuffled = np.random.default_rng(seed).permutation(len(sizes))
    order = shuffled[np.argsort(-sizes[shuffled], kind="stable")]
    fold_rows = np.zeros(n_splits, dtype=np.int64)
    fold_of_group = np.empty(len(sizes), dtype=np.int64)
    for g in order:
        fold = int(np.argmin(fold_rows))
        fold_of_group[g] = fold
        fold_rows[fold] += sizes[g]
    fold_of_row = fold_of_group[codes]
    rows = np.arange(ds.n_samples)
    return [(rows[fold_of_row != k], rows[fold_of_row == k]) for k in range(n_splits)]
