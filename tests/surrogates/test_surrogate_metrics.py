"""Regression metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, r2_score

from surrogates.metrics import interval_coverage, mae, r2, regression_metrics, rmse


def test_metrics_per_column_match_hand_values_and_sklearn() -> None:
    t = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 0.0]])
    p = np.array([[1.5, 0.0], [2.0, 0.0], [2.5, 0.0], [4.0, 1.0]])
    np.testing.assert_allclose(mae(t, p), [0.25, 0.25])
    np.testing.assert_allclose(rmse(t, p), [np.sqrt(0.125), 0.5])
    # constant truth: 0.0 unless predicted exactly (scikit-learn's force_finite)
    np.testing.assert_allclose(r2(t, p), [0.9, 0.0])
    assert r2(t[:, 1], t[:, 1])[0] == 1.0
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    np.testing.assert_allclose(r2(a, b), r2_score(a, b, multioutput="raw_values"))
    np.testing.assert_allclose(mae(a, b), mean_absolute_error(a, b, multioutput="raw_values"))


def test_interval_coverage_counts_truth_inside_band() -> None:
    t = np.array([[0.0], [1.0], [2.0], [5.0]])
    mean = np.zeros((4, 1))
    std = np.ones((4, 1))
    assert interval_coverage(t, mean, std, z=1.0)[0] == 0.5
    assert interval_coverage(t, mean, std, z=2.0)[0] == 0.75
    rng = np.random.default_rng(1)
    y = rng.standard_normal((20000, 1))
    assert interval_coverage(y, np.zeros_like(y), np.ones_like(y))[0] == pytest.approx(
        0.95, abs=0.01)


def test_regression_metrics_dict_and_shape_errors() -> None:
    out = regression_metrics(np.eye(3), np.eye(3), ["a", "b", "c"], prefix="baseline_")
    assert out["b"] == {"baseline_r2": 1.0, "baseline_mae": 0.0, "baseline_rmse": 0.0}
    with pytest.raises(ValueError, match="same non-empty shape"):
        r2(np.zeros((3, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="names"):
        regression_metrics(np.eye(3), np.eye(3), ["a"])
