"""Quality indicators of fronts (minimisation form)."""

from __future__ import annotations

import numpy as np
from moocore import hypervolume as _moocore_hypervolume

__all__ = ["hypervolume"]


def hypervolume(F: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume dominated by ``F`` ``(n, n_obj)`` (minimisation) up to ``ref`` ``(n_obj,)``.

    Points that do not strictly dominate ``ref`` contribute nothing.
    """
    F = np.asarray(F, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if F.size == 0:
        return 0.0
    F = F[np.all(np.isfinite(F), axis=1) & np.all(F < ref, axis=1)]
    if len(F) == 0:
        return 0.0
    return float(_moocore_hypervolume(F, ref=ref))
