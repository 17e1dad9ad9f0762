"""Fixtures for the surrogate tests: a smooth known process and one small trained ensemble."""

from __future__ import annotations

import numpy as np
import pytest

from surrogates.dataset import ProcessDataset
from surrogates.fit import EnsembleConfig, FitResult, fit_ensemble
from surrogates.splits import train_valid_test

FEATURES = ("temp", "time", "idle")
OUTCOMES = ("yield", "energy")

# Small, fast settings; epochs are capped so the whole test set stays well under 40 s.
SMALL = EnsembleConfig(n_members=4, hidden=(32, 32), max_epochs=150, patience=20,
                       batch_size=64, learning_rate=5e-3, seed=0)
TINY = EnsembleConfig(n_members=3, hidden=(16,), max_epochs=8, patience=3, batch_size=32)


def truth(X: np.ndarray) -> np.ndarray:
    """The known smooth process: (n, 3) inputs in [-1, 1] -> (n, 2) outcomes."""
    t, h = X[:, 0], X[:, 1]
    return np.column_stack([80 + 10 * np.sin(2 * t) + 5 * h**2, 300 + 40 * t * h + 20 * h])


def make_dataset(n: int = 600, seed: int = 0, noise: float = 0.05) -> ProcessDataset:
    """Rows with hourly timestamps in order, inputs uniform in [-1, 1], small noise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, len(FEATURES)))
    Y = truth(X) + noise * rng.standard_normal((n, len(OUTCOMES)))
    times = np.datetime64("2025-01-01T00:00") + np.arange(n) * np.timedelta64(1, "h")
    groups = np.repeat(np.arange(n // 10 + 1), 10)[:n]
    return ProcessDataset(X, Y, FEATURES, OUTCOMES, times, groups)


@pytest.fixture(scope="session")
def dataset() -> ProcessDataset:
    return make_dataset()


@pytest.fixture(scope="session")
def trained(dataset: ProcessDataset) -> FitResult:
    """One small ensemble trained on the time-ordered split of ``dataset`` (a few seconds):
    420 training, 90 validation and 90 test rows."""
    train, valid, test = train_valid_test(dataset, 0.15, 0.15)
    return fit_ensemble(train, valid, SMALL, test=test)
