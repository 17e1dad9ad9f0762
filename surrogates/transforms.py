"""Column scaling saved with the model weights (cf. botorch ``Normalize``/``Standardize``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Standardizer", "log_columns"]

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
