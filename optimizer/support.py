"""Where the logs support the model: distance to the nearest logged operating point.

Distances are measured in scaled setpoint space: each setpoint divided by its standard
deviation in the logs, then the root-mean-square over setpoints. A distance of 0.3
means a proposal is, on average, 0.3 logged standard deviations away from the closest
batch that was actually run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SupportIndex"]

_BLOCK = 4096


@dataclass(frozen=True)
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

    @classmethod
    def from_points(cls, X: np.ndarray) -> SupportIndex:
        """Index logged setpoints ``X`` ``(n_logged, n_setpoints)`` (finite values)."""
        X = np.asarray(X, dtype=float)
        center = X.mean(axis=0)
        scale = X.std(axis=0)
        scale = np.where(scale > 1e-12, scale, 1.0)
        points = np.unique(np.round((X - center) / scale, 6), axis=0)
        return cls(points.astype(np.float32), center, scale)

    def distance(self, X: np.ndarray) -> np.ndarray:
        """RMS-scaled distance of each row of ``X`` ``(n, n_setpoints)`` to its nearest
        logged point, ``(n,)``."""
        Q = ((np.asarray(X, dtype=float) - self.center) / self.scale).astype(np.float32)
        P = self.points
        p2 = np.einsum("ij,ij->i", P, P)
        out = np.empty(len(Q))
        for start in range(0, len(Q), _BLOCK):
            q = Q[start:start + _BLOCK]
            d2 = np.einsum("ij,ij->i", q, q)[:, None] + p2[None, :] - 2.0 * q @ P.T
            out[start:start + _BLOCK] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
        return out / np.sqrt(P.shape[1])
