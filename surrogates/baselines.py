"""Simple models the network must beat: ridge regression and gradient boosting."""

from __future__ import annotations

import numpy as np

from surrogates.dataset import ProcessDataset
from surrogates.transforms import Standardizer

__all__ = ["GB_SETTINGS", "RIDGE_ALPHA", "gradient_boosting_baseline", "ridge_baseline"]

#: Ridge penalty of the linear baseline, on standardised inputs (intercept not penalised).
RIDGE_ALPHA = 1.0
#: Settings of scikit-learn's HistGradientBoostingRegressor used as the baseline.
GB_SETTINGS: dict[str, float | int | bool] = {
    "max_iter": 400, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 5,
    "l2_regularization": 1.0, "early_stopping": False}


def ridge_baseline(
    train: ProcessDataset, X: np.ndarray, alpha: float = RIDGE_ALPHA
) -> np.ndarray:
    """Ridge regression fitted on ``train`` (inputs standardised), evaluated at ``X``.

    Args:
        train: Training data.
        X: Inputs to predict, shape ``(k, n_features)``, original units.
        alpha: Penalty on the standardised coefficients; the intercept is not penalised.

    Returns:
        Predictions, shape ``(k, n_outcomes)``, original units.
    """
    scaler = Standardizer.fit(train.X)
    Z = scaler.transform(train.X)
    y_mean = train.Y.mean(axis=0)
    gram = Z.T @ Z + alpha * np.eye(Z.shape[1])
    coef = np.linalg.solve(gram, Z.T @ (train.Y - y_mean))
    return scaler.transform(X) @ coef + y_mean


def gradient_boosting_baseline(
    train: ProcessDataset, X: np.ndarray, seed: int = 0
) -> np.ndarray:
    """scikit-learn histogram gradient boosting, one model per outcome, evaluated at ``X``.

    Args:
        train: Training data.
        X: Inputs to predict, shape ``(k, n_features)``, original units.
        seed: Random state (the settings in ``GB_SETTINGS`` use no subsampling, so the
            result does not depend on it in practice).

    Returns:
        Predictions, shape ``(k, n_outcomes)``, original units.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor  # slow import: only when used

    out = np.empty((len(X), train.n_outcomes))
    for j in range(train.n_outcomes):
        model = HistGradientBoostingRegressor(random_state=seed, **GB_SETTINGS)  # type: ignore[arg-type]
        model.fit(train.X, train.Y[:, j])
        out[:, j] = model.predict(X)
    return out
