"""Heteroscedastic heads and calibration: the interval means what it says on later rows."""

from __future__ import annotations

import numpy as np
import pytest

from surrogates.dataset import ProcessDataset
from surrogates.fit import calibration_scale, fit_ensemble
from surrogates.splits import train_valid_test

from .conftest import SMALL, truth

FEATURES = ("temp", "time", "idle")


def noisy_dataset(n: int = 1200, seed: int = 0) -> ProcessDataset:
    """The known process with noise that grows with ``temp``: std 0.2 at temp=-1 up to
    2.0 at temp=+1 on the first outcome, constant 1.0 on the second."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 3))
    sd = np.column_stack([1.1 + 0.9 * X[:, 0], np.ones(n)])
    Y = truth(X) + sd * rng.standard_normal((n, 2))
    times = np.datetime64("2025-01-01T00:00") + np.arange(n) * np.timedelta64(1, "h")
    return ProcessDataset(X, Y, FEATURES, ("yield", "energy"), times)


@pytest.fixture(scope="module")
def noisy_fit():
    train, valid, test = train_valid_test(noisy_dataset(), 0.15, 0.15)
    return fit_ensemble(train, valid, SMALL, test=test, baselines=False), test


def test_calibrated_90_percent_interval_covers_about_90_percent_of_later_rows(noisy_fit) -> None:
    fit, _test = noisy_fit
    for name in ("yield", "energy"):
        assert 0.84 <= fit.metrics[name]["coverage_90"] <= 0.96, fit.metrics[name]
    observed = fit.calibration["outcomes"]["yield"]["observed"]
    assert observed == sorted(observed)  # wider nominal intervals cover more
    assert fit.calibration["scored_on"] == "test rows"


def test_scatter_head_tracks_the_noise_level(noisy_fit) -> None:
    fit, _ = noisy_fit
    X = np.zeros((2, 3))
    X[:, 0] = [-0.8, 0.8]  # noise std 0.38 vs 1.82 on yield
    _mean, model, scatter = fit.surrogate.predict_components(X)
    assert scatter[1, 0] > 2.5 * scatter[0, 0]
    assert abs(scatter[1, 1] / scatter[0, 1] - 1) < 0.5  # energy noise does not change
    _, std = fit.surrogate.predict(X)
    np.testing.assert_allclose(std**2, model**2 + scatter**2, rtol=1e-5)


def test_calibration_scale_hits_the_target_on_its_own_rows(noisy_fit) -> None:
    fit, test = noisy_fit
    scale = calibration_scale(fit.surrogate, test, level=0.9)
    mean, std = fit.surrogate.with_std_scale(scale).predict(test.X)
    inside = (np.abs(test.Y - mean) <= 1.6448536 * std).mean(axis=0)
    assert np.all(np.abs(inside - 0.9) <= 2 / test.n_samples + 1e-9), inside


def test_without_heads_the_spread_alone_is_far_too_narrow() -> None:
    train, valid, test = train_valid_test(noisy_dataset(), 0.15, 0.15)
    config = SMALL.model_copy(update={"heteroscedastic": False, "calibrate": False})
    fit = fit_ensemble(train, valid, config, test=test, baselines=False)
    assert fit.metrics["yield"]["coverage_90"] < 0.6
    assert fit.calibration["method"] == "none"
