"""Fine-tuning a pretrained ensemble for a new line from few rows."""

from __future__ import annotations

import numpy as np
import pytest

from surrogates.dataset import ProcessDataset
from surrogates.errors import InputError
from surrogates.fit import fine_tune, fit_ensemble
from surrogates.splits import time_split

from .conftest import SMALL, truth

FEATURES = ("temp", "time", "idle", "line=A", "line=B")


def two_lines(n_a: int = 800, n_b: int = 300, seed: int = 0) -> tuple[ProcessDataset, ...]:
    """Line A: the known process; line B: the same process with a small gain and offsets
    that depend on ``temp`` and ``time`` (a new line sharing the physics). Returns A's rows
    and B's rows."""
    rng = np.random.default_rng(seed)

    def rows(n: int, line: int) -> ProcessDataset:
        X = rng.uniform(-1.0, 1.0, (n, 3))
        Y = truth(X)
        if line == 1:
            Y = Y * np.array([0.97, 1.0]) + np.column_stack([2 * X[:, 0], 10 + 5 * X[:, 1]])
        Y = Y + 0.1 * rng.standard_normal(Y.shape)
        onehot = np.zeros((n, 2))
        onehot[:, line] = 1.0
        times = np.datetime64("2025-01-01") + np.arange(n) * np.timedelta64(1, "h")
        return ProcessDataset(np.hstack([X, onehot]), Y, FEATURES, ("yield", "energy"), times)

    return rows(n_a, 0), rows(n_b, 1)


@pytest.fixture(scope="module")
def pretrained():
    a, b = two_lines()
    train, valid = time_split(a, 0.15)
    return fit_ensemble(train, valid, SMALL, baselines=False), b


def test_fine_tuning_beats_scratch_and_the_pretrained_model_on_few_rows(pretrained) -> None:
    pre, b = pretrained
    test = b.subset(np.arange(200, 300))
    few = b.subset(np.arange(30))
    train, valid = time_split(few, 0.2)
    tuned = fine_tune(pre.surrogate, train, valid, SMALL, test=test, baselines=False)
    scratch = fit_ensemble(train, valid, SMALL, test=test, baselines=False)
    as_is = np.abs(pre.surrogate.predict(test.X)[0] - test.Y).mean(axis=0)
    for j, name in enumerate(("yield", "energy")):
        mae = tuned.metrics[name]["mae"]
        assert mae < 0.85 * scratch.metrics[name]["mae"], (mae, scratch.metrics[name])
        assert mae < 0.7 * as_is[j], (mae, as_is)
    assert tuned.fine_tuning["kept"] == "fine-tuned"
    assert tuned.fine_tuning["valid_mse_fine_tuned"] < tuned.fine_tuning["valid_mse_pretrained"]
    assert tuned.fine_tuning["rows"] == train.n_samples


def test_fine_tuning_leaves_the_pretrained_model_untouched(pretrained) -> None:
    pre, b = pretrained
    X = b.X[:20]
    before = pre.surrogate.predict(X)
    train, valid = time_split(b.subset(np.arange(30)), 0.2)
    fine_tune(pre.surrogate, train, valid, SMALL.model_copy(update={"max_epochs": 5}),
              baselines=False)
    after = pre.surrogate.predict(X)
    np.testing.assert_array_equal(before[0], after[0])


def test_keeps_the_pretrained_model_when_fine_tuning_does_not_help(pretrained) -> None:
    pre, b = pretrained
    train, valid = time_split(b.subset(np.arange(30)), 0.2)
    # a learning rate this high wrecks the weights in one epoch
    config = SMALL.model_copy(update={"max_epochs": 1, "fine_tune_learning_rate": 1.0,
                                      "fine_tune_anchor": 0.0})
    tuned = fine_tune(pre.surrogate, train, valid, config, baselines=False)
    assert tuned.fine_tuning["kept"] == "pretrained"
    # the line indicators were constant in pretraining, so the kept model ignores them:
    # it predicts line B's rows exactly as the pretrained model predicts line A's
    as_line_a = valid.X.copy()
    as_line_a[:, 3:] = [1.0, 0.0]
    np.testing.assert_allclose(tuned.surrogate.predict(valid.X)[0],
                               pre.surrogate.predict(as_line_a)[0], rtol=1e-6)
    assert tuned.fine_tuning["new_inputs"] == ["line=A", "line=B"]


def test_rejects_rows_with_other_columns(pretrained) -> None:
    pre, b = pretrained
    other = ProcessDataset(b.X[:, :3], b.Y, ("temp", "time", "idle"), ("yield", "energy"))
    train, valid = time_split(other, 0.2)
    with pytest.raises(InputError, match="other columns"):
        fine_tune(pre.surrogate, train, valid, SMALL, baselines=False)
