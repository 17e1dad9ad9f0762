"""Partial dependence: the sensitivities match a process whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from surrogates.base import Surrogate
from surrogates.fit import FitResult
from surrogates.sensitivity import partial_dependence, sensitivity_table


class Known(Surrogate):
    """y0 = 2·a + b², y1 = -3·c; std 0.1 everywhere."""

    feature_names = ("a", "b", "c")
    outcome_names = ("y0", "y1")

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = np.column_stack([2 * X[:, 0] + X[:, 1] ** 2, -3 * X[:, 2]])
        return mean, np.full_like(mean, 0.1)


def test_swings_have_the_known_signs_and_sizes() -> None:
    X = np.random.default_rng(0).uniform(-1, 1, (300, 3))
    curves = partial_dependence(Known(), X, ["a", "b", "c"], quantiles=(0.0, 1.0))
    table = sensitivity_table(curves)
    lo, hi = X.min(axis=0), X.max(axis=0)
    assert table["y0"]["a"]["value"] == pytest.approx(2 * (hi[0] - lo[0]))
    assert table["y1"]["c"]["value"] == pytest.approx(-3 * (hi[2] - lo[2]))
    assert table["y1"]["a"]["value"] == pytest.approx(0.0)
    # b² is symmetric: almost no net swing end to end, but a clear range in between
    assert abs(table["y0"]["b"]["value"]) < 0.05 and table["y0"]["b"]["range"] > 0.9
    assert len(curves["a"]["grid"]) == 11
    assert curves["a"]["std"]["y0"][0] == pytest.approx(0.1)


def test_rejects_unknown_features_and_empty_references() -> None:
    with pytest.raises(ValueError, match="unknown feature"):
        partial_dependence(Known(), np.zeros((3, 3)), ["d"])
    with pytest.raises(ValueError, match="reference row"):
        partial_dependence(Known(), np.zeros((0, 3)), ["a"])


def test_trained_model_recovers_the_direction_of_the_truth(trained: FitResult) -> None:
    # truth: yield = 80 + 10 sin(2 temp) + 5 time², energy = 300 + 40 temp·time + 20 time
    X = np.random.default_rng(1).uniform(-1, 1, (200, 3))
    table = sensitivity_table(partial_dependence(trained.surrogate, X, ["temp", "time", "idle"]))
    assert table["yield"]["temp"]["value"] > 10
    assert table["energy"]["time"]["value"] > 25
    assert abs(table["yield"]["idle"]["value"]) < 1.5
