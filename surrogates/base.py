"""The surrogate contract: a batched predict of means and uncertainties.

The optimiser sees a model only through :meth:`Surrogate.predict`, called once per
population (``(pop_size, n_features)`` rows at a time), so implementations must be
vectorised over rows and cheap per call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

__all__ = ["NotFittedError", "Surrogate", "check_features"]


class NotFittedError(ValueError, AttributeError):
    """A surrogate was used before it was fitted or loaded (cf. scikit-learn)."""


class Surrogate(ABC):
    """A model of the process outcomes as a function of setpoints and context.

    Attributes:
        feature_names: Names of the input columns, in the order ``predict`` expects.
        outcome_names: Names of the predicted outcomes, in the order ``predict`` returns.
    """

    feature_names: tuple[str, ...]
    outcome_names: tuple[str, ...]

    @property
    def n_features(self) -> int:
        """Number of input columns."""
        return len(self.feature_names)

    @property
    def n_outcomes(self) -> int:
        """Number of predicted outcomes."""
        return len(self.outcome_names)

    @abstractmethod
    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predict the outcomes for a batch of inputs.

        Args:
            X: Inputs, shape ``(n, n_features)``, columns in ``feature_names`` order,
                original units.

        Returns:
            ``(mean, std)``, each of shape ``(n, n_outcomes)``, float64, original units
            of the outcomes; ``std`` is the model's predictive uncertainty.
        """


def check_features(X: np.ndarray, n_features: int, dtype: type = np.float32) -> np.ndarray:
    """Return ``X`` as a C-contiguous 2-D array of ``dtype``, copying only when needed.

    Args:
        X: Inputs, shape ``(n, n_features)`` (a single row of shape ``(n_features,)`` is
            not accepted: the caller states the batch explicitly).
        n_features: Expected number of columns.
        dtype: Dtype of the returned array.

    Returns:
        The array, shape ``(n, n_features)``.

    Raises:
        ValueError: ``X`` is not 2-D or has the wrong number of columns.
    """
    array = np.asarray(X)
    if array.ndim != 2 or array.shape[1] != n_features:
        raise ValueError(
            f"X must have shape (n, {n_features}), one column per feature; got {array.shape}"
        )
    return np.ascontiguousarray(array, dtype=dtype)
