"""A named, validated table of process inputs and outcomes (cf. botorch SupervisedDataset)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from surrogates.errors import InputError

__all__ = ["ProcessDataset"]


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _check_names(names: Sequence[str], what: str) -> tuple[str, ...]:
    out = tuple(names)
    if not out:
        raise InputError(f"no {what} given", location=what, hint=f"name at least one {what[:-1]}")
    for name in out:
        if not isinstance(name, str) or not name:
            raise InputError(f"{name!r} is not a valid name", location=what,
                             hint="use non-empty strings")
    seen: set[str] = set()
    for name in out:
        if name in seen:
            raise InputError(f"the name {name!r} occurs more than once", location=what,
                             hint="give every column a distinct name")
        seen.add(name)
    return out


def _first_bad_row(values: np.ndarray) -> int:
    bad = ~np.isfinite(values)
    return int(np.argmax(bad.any(axis=1) if bad.ndim == 2 else bad))


@dataclass(frozen=True, eq=False)
class ProcessDataset:
    """Inputs ``X`` and outcomes ``Y`` with their column names, validated on construction.

    The arrays are copied to float64 and made read-only. Datasets compare by identity.

    Attributes:
        X: Inputs (setpoints and context), shape ``(n_samples, n_features)``, finite.
        Y: Outcomes, shape ``(n_samples, n_outcomes)``, finite.
        feature_names: One distinct name per column of ``X``.
        outcome_names: One distinct name per column of ``Y`` (none shared with features).
        timestamps: Optional time of each row, shape ``(n_samples,)``, ``datetime64[ns]``.
        groups: Optional label of each row (line, batch, mix), shape ``(n_samples,)``.

    Raises:
        InputError: Shapes disagree, names are duplicated, or values are not finite.
    """

    X: np.ndarray
    Y: np.ndarray
    feature_names: tuple[str, ...]
    outcome_names: tuple[str, ...]
    timestamps: np.ndarray | None = None
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        features = _check_names(self.feature_names, "features")
        outcomes = _check_names(self.outcome_names, "outcomes")
        shared = sorted(set(features) & set(outcomes))
        if shared:
            raise InputError(f"{shared[0]!r} is both a feature and an outcome",
                             location=f"column {shared[0]!r}",
                             hint="a column is either an input or an outcome")
        X = np.array(self.X, dtype=np.float64, copy=True)
        Y = np.array(self.Y, dtype=np.float64, copy=True)
        for array, names, what in ((X, features, "X"), (Y, outcomes, "Y")):
            if array.ndim != 2 or array.shape[1] != len(names):
                raise InputError(
                    f"{what} must have shape (n, {len(names)}), one column per name; "
                    f"got {array.shape}", location=what)
            if not np.isfinite(array).all():
                col = int(np.argmax((~np.isfinite(array)).any(axis=0)))
                row = _first_bad_row(array[:, col])
                raise InputError(f"missing or infinite value in row {row}",
                                 location=f"column {names[col]!r}",
                                 hint="drop or fill the row before training")
        if X.shape[0] != Y.shape[0]:
            raise InputError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}", location="Y")
        n = X.shape[0]
        timestamps = None
        if self.timestamps is not None:
            timestamps = np.array(self.timestamps, dtype="datetime64[ns]", copy=True)
            if timestamps.shape != (n,):
                raise InputError(f"timestamps must have shape ({n},); got {timestamps.shape}",
                                 location="timestamps")
            if np.isnat(timestamps).any():
                row = int(np.argmax(np.isnat(timestamps)))
                raise InputError(f"missing timestamp in row {row}", location="timestamps",
                                 hint="drop rows without a time")
            timestamps = _frozen(timestamps)
        groups = None
        if self.groups is not None:
            groups = np.array(self.groups, copy=True)
            if groups.shape != (n,):
                raise InputError(f"groups must have shape ({n},); got {groups.shape}",
                                 location="groups")
            groups = _frozen(groups)
        object.__setattr__(self, "feature_names", features)
        object.__setattr__(self, "outcome_names", outcomes)
        object.__setattr__(self, "X", _frozen(X))
        object.__setattr__(self, "Y", _frozen(Y))
        object.__setattr__(self, "timestamps", timestamps)
        object.__setattr__(self, "groups", groups)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        features: Sequence[str],
        outcomes: Sequence[str],
        *,
        time_column: str | None = None,
        group_column: str | None = None,
        source: str | Path | None = None,
    ) -> ProcessDataset:
        """Build a dataset from named columns of a table.

        Args:
            frame: The cleaned log table, one row per batch.
            features: Input columns (setpoints, then context), in model order.
            outcomes: Outcome columns, in model order.
            time_column: Optional column of row times (datetimes or parseable strings).
            group_column: Optional column of group labels (line, batch, mix).
            source: The file the table came from, named in error messages.

        Returns:
            The validated dataset.

        Raises:
            InputError: A column is missing, not numeric, or holds missing/infinite values;
                a time value cannot be parsed; names are duplicated.
        """
        features = _check_names(features, "features")
        outcomes = _check_names(outcomes, "outcomes")
        wanted = [*features, *outcomes]
        wanted += [c for c in (time_column, group_column) if c is not None]
        for name in wanted:
            if name not in frame.columns:
                known = ", ".join(map(str, frame.columns[:20]))
                raise InputError("column not found", file=source, location=f"column {name!r}",
                                 hint=f"columns present: {known}")

        def numeric(name: str) -> np.ndarray:
            column = frame[name]
            if not (pd.api.types.is_numeric_dtype(column.dtype)
                    or pd.api.types.is_bool_dtype(column.dtype)):
                raise InputError(f"values are not numeric (dtype {column.dtype})",
                                 file=source, location=f"column {name!r}",
                                 hint="fix the values or declare the column's type")
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~np.isfinite(values)
            if bad.any():
                label = frame.index[int(np.argmax(bad))]
                raise InputError(f"{int(bad.sum())} missing or infinite value(s), first in "
                                 f"row {label!r}", file=source, location=f"column {name!r}",
                                 hint="drop or fill these rows before training")
            return values

        n = len(frame)
        X = np.column_stack([numeric(c) for c in features]) if n else np.empty((0, len(features)))
        Y = np.column_stack([numeric(c) for c in outcomes]) if n else np.empty((0, len(outcomes)))
        timestamps = None
        if time_column is not None:
            try:
                times = pd.to_datetime(frame[time_column])
            except (ValueError, TypeError) as exc:
                raise InputError(f"cannot read the times: {exc}", file=source,
                                 location=f"column {time_column!r}",
                                 hint="use ISO dates such as 2025-01-31 08:00") from None
            if getattr(times.dt, "tz", None) is not None:
                times = times.dt.tz_convert("UTC").dt.tz_localize(None)
            timestamps = times.to_numpy(dtype="datetime64[ns]")
            if np.isnat(timestamps).any():
                label = frame.index[int(np.argmax(np.isnat(timestamps)))]
                raise InputError(f"missing time in row {label!r}", file=source,
                                 location=f"column {time_column!r}",
                                 hint="drop rows without a time")
        groups = None
        if group_column is not None:
            column = frame[group_column]
            if column.isna().any():
                label = frame.index[int(np.argmax(column.isna().to_numpy()))]
                raise InputError(f"missing group label in row {label!r}", file=source,
                                 location=f"column {group_column!r}",
                                 hint="give every row a group label")
            groups = column.to_numpy()
        try:
            return cls(X, Y, features, outcomes, timestamps, groups)
        except InputError as exc:
            raise InputError(exc.message, file=source, location=exc.location,
                             hint=exc.hint) from None

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of input columns."""
        return len(self.feature_names)

    @property
    def n_outcomes(self) -> int:
        """Number of outcome columns."""
        return len(self.outcome_names)

    def __len__(self) -> int:
        return self.n_samples

    def subset(self, idx: np.ndarray | Sequence[int]) -> ProcessDataset:
        """The rows at ``idx`` (integer positions of shape ``(k,)`` or a boolean mask ``(n,)``)."""
        index = np.asarray(idx)
        if index.dtype == bool:
            if index.shape != (self.n_samples,):
                raise ValueError(f"a boolean mask needs shape ({self.n_samples},); "
                                 f"got {index.shape}")
            index = np.flatnonzero(index)
        index = index.astype(np.intp, copy=False).reshape(-1)
        return ProcessDataset(
            self.X[index], self.Y[index], self.feature_names, self.outcome_names,
            None if self.timestamps is None else self.timestamps[index],
            None if self.groups is None else self.groups[index],
        )

    def ranges(self) -> dict[str, tuple[float, float]]:
        """Per feature ``(min, max)`` over the rows, original units (the training ranges).

        Raises:
            InputError: The dataset has no rows.
        """
        if self.n_samples == 0:
            raise InputError("the dataset has no rows", hint="check the log filters")
        low, high = self.X.min(axis=0), self.X.max(axis=0)
        return {n: (float(lo), float(hi))
                for n, lo, hi in zip(self.feature_names, low, high, strict=True)}
