"""Where the logs support the model: distance to the nearest logged operating point.

Distances are measured in scaled setpoint space: each setpoint divided by its standard
deviation in the logs, then the root-mean-square over setpoints. A distance of 0.3
means a proposal is, on average, 0.3 logged standard deviations away from the closest
batch that was actually run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["SupportIndex"]


@dataclass(frozen=True, eq=False)
class SupportIndex:
    """Logged operating points, scaled, for nearest-neighbour distances.

    Attributes:
        points: Scaled logged setpoints, ``(n_logged, n_setpoints)``, unique rows.
        center: Per-setpoint mean of the logs, ``(n_setpoints,)``.
        scale: Per-setpoint standard deviation of the logs, ``(n_setpoints,)``.
    """

    points: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    _tree: cKDTree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tree", cKDTree(self.points))

    @classmethod
    def from_points(cls, X: np.ndarray) -> SupportIndex:
        """Index logged setpoints ``X`` ``(n_logged, n_setpoints)`` (finite values)."""
        X = np.asarray(X, dtype=float)
        center = X.mean(axis=0)
        scale = X.std(axis=0)
        scale = np.where(scale > 1e-12, scale, 1.0)
        points = np.unique(np.round((X - center) / scale, 6), axis=0)
        return cls(points, center, scale)

    def distance(self, X: np.ndarray) -> np.ndarray:
        """RMS-scaled distance of each row of ``X`` ``(n, n_setpoints)`` to its nearest
        logged point, ``(n,)``."""
        Q = (np.asarray(X, dtype=float) - self.center) / self.scale
        dist, _ = self._tree.query(Q, k=1)
        return np.asarray(dist, dtype=float) / np.sqrt(self.points.shape[1])
