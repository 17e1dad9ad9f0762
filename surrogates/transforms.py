"""Column scaling saved with the model weights (cf. botorch ``Normalize``/``Standardize``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Standardizer", "log_columns", "piecewise_bins"]

# A column whose spread is below this share of its magnitude counts as constant.
_CONSTANT_RTOL = 1e-12


@dataclass(frozen=True)
class Standardizer:
    """Affine map ``z = (x - mean) / scale`` per column.

    Attributes:
        mean: Column means, shape ``(d,)``, float64, original units.
        scale: Column standard deviations (ddof=0), shape ``(d,)``, float64, positive;
            1.0 for constant columns so they map to 0 rather than dividing by zero.

    Raises:
        ValueError: Shapes differ, values are not finite, or a scale is not positive.
    """

    mean: np.ndarray
    scale: np.ndarray

    def __post_init__(self) -> None:
        mean = np.array(self.mean, dtype=np.float64, copy=True).reshape(-1)
        scale = np.array(self.scale, dtype=np.float64, copy=True).reshape(-1)
        if mean.shape != scale.shape:
            raise ValueError(f"mean and scale need the same length; got {mean.shape} "
                             f"and {scale.shape}")
        if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
            raise ValueError("mean and scale must be finite")
        if (scale <= 0).any():
            raise ValueError("every scale must be positive")
        mean.setflags(write=False)
        scale.setflags(write=False)
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "scale", scale)

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        """Fit to the columns of ``X``, shape ``(n, d)`` with ``n >= 1``, finite."""
        array = np.asarray(X, dtype=np.float64)
        if array.ndim != 2 or array.shape[0] == 0:
            raise ValueError(f"X must have shape (n, d) with n >= 1; got {array.shape}")
        mean = array.mean(axis=0)
        scale = array.std(axis=0)
        constant = scale <= _CONSTANT_RTOL * np.maximum(1.0, np.abs(mean))
        return cls(mean, np.where(constant, 1.0, scale))

    @property
    def n_columns(self) -> int:
        """Number of columns ``d``."""
        return int(self.mean.shape[0])

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Original units -> standardised, ``(n, d)`` -> ``(n, d)`` float64."""
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.scale

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Standardised -> original units, ``(n, d)`` -> ``(n, d)`` float64."""
        return np.asarray(Z, dtype=np.float64) * self.scale + self.mean

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: ``{"mean": [...], "scale": [...]}`` (floats round-trip exactly)."""
        return {"mean": [float(v) for v in self.mean], "scale": [float(v) for v in self.scale]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Standardizer:
        """Inverse of :meth:`to_dict`.

        Raises:
            ValueError: Keys are missing or values are not finite numbers.
        """
        if not isinstance(data, dict) or set(data) != {"mean", "scale"}:
            raise ValueError("a standardizer needs exactly the keys 'mean' and 'scale'")
        try:
            mean = np.asarray(data["mean"], dtype=np.float64)
            scale = np.asarray(data["scale"], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"standardizer values are not numbers: {exc}") from None
        if mean.ndim != 1 or scale.ndim != 1:
            raise ValueError("standardizer 'mean' and 'scale' must be flat lists")
        return cls(mean, scale)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Standardizer):
            return NotImplemented
        return bool(np.array_equal(self.mean, other.mean)
                    and np.array_equal(self.scale, other.scale))

    __hash__ = None  # type: ignore[assignment]


def _kelly_skew(x: np.ndarray) -> float:
    """Quantile (Kelly) skewness, (q90 + q10 - 2 q50) / (q90 - q10), robust to spikes."""
    q10, q50, q90 = np.quantile(x, [0.1, 0.5, 0.9])
    return 0.0 if q90 <= q10 else float((q90 + q10 - 2 * q50) / (q90 - q10))


def log_columns(X: np.ndarray, *, min_span: float = 10.0, gain: float = 0.2) -> np.ndarray:
    """Columns better fed to a network on a log scale, ``(d,)`` bool.

    A column qualifies when it is strictly positive, spans at least ``min_span`` (max over
    min), and its quantile skewness on the log scale is smaller in size than on the raw
    scale by at least ``gain``: quantities like a specimen's age in days (1 to 365) or a
    residence time spread over decades, where equal ratios matter more than equal
    differences. Trees do not care; networks and ridge do.
    """
    array = np.asarray(X, dtype=np.float64)
    out = np.zeros(array.shape[1], dtype=bool)
    for j in range(array.shape[1]):
        col = array[:, j]
        lo, hi = float(col.min()), float(col.max())
        if lo <= 0 or hi < min_span * lo:
            continue
        out[j] = abs(_kelly_skew(np.log(col))) < abs(_kelly_skew(col)) - gain
    return out


#: Bin edges closer than this (standardised units) are merged.
_MIN_BIN_WIDTH = 1e-6


def piecewise_bins(Z: np.ndarray, n_bins: int) -> dict[str, np.ndarray]:
    """Quantile bins of each column for a piecewise-linear input encoding.

    Column ``j`` gets up to ``n_bins`` bins between its empirical quantiles at
    ``0, 1/n_bins, ..., 1`` (repeated quantiles merge, so a column with few distinct
    values gets few bins and a constant column none). Bin ``t`` encodes a value ``z`` as
    ``(clip((z - lower) * inv_width, 0, 1) - mean) * inv_std`` (indices ``[j, t]``): a
    ramp from 0 below the bin to 1 above it (Gorishniy et al., "On Embeddings for
    Numerical Features in Tabular Deep Learning", NeurIPS 2022), standardised over ``Z``
    like every other input. Unused bins have all four entries 0 and encode every value
    as 0.

    Args:
        Z: Training inputs as the network sees them (standardised), ``(n, d)``.
        n_bins: Most bins per column, at least 1.

    Returns:
        ``{"lower", "inv_width", "mean", "inv_std"}``, each ``(d, n_bins)`` float64.
    """
    array = np.asarray(Z, dtype=np.float64)
    d = array.shape[1]
    out = {key: np.zeros((d, n_bins)) for key in ("lower", "inv_width", "mean", "inv_std")}
    levels = np.linspace(0.0, 1.0, n_bins + 1)
    for j in range(d):
        edges = np.quantile(array[:, j], levels, method="inverted_cdf")  # observed values
        kept = [edges[0]]
        for edge in edges[1:]:
            if edge - kept[-1] > _MIN_BIN_WIDTH:
                kept.append(edge)
        edge_array = np.asarray(kept)
        k = len(edge_array) - 1
        if k == 0:
            continue
        lower, inv_width = edge_array[:-1], 1.0 / np.diff(edge_array)
        ramps = np.clip((array[:, j, None] - lower) * inv_width, 0.0, 1.0)
        std = ramps.std(axis=0)
        out["lower"][j, :k], out["inv_width"][j, :k] = lower, inv_width
        out["mean"][j, :k] = ramps.mean(axis=0)
        out["inv_std"][j, :k] = np.where(std > _MIN_BIN_WIDTH, 1.0 / np.maximum(std, 1e-12),
                                         0.0)
    return out
