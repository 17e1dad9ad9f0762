"""Masked-feature pretraining learns how inputs vary together, and its layers transfer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from surrogates.fit import _copy_trunk, fit_ensemble
from surrogates.mlp import MLPEnsemble
from surrogates.selfsupervised import masked_pretrain
from surrogates.splits import time_split

from .conftest import TINY, make_dataset


def test_reconstructs_a_hidden_input_from_the_others() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 800))
    X = np.column_stack([a, b, a + b + 0.05 * rng.normal(size=800)])
    config = TINY.model_copy(update={"hidden": (32, 32), "learning_rate": 5e-3})
    net = masked_pretrain(X, config, epochs=60)
    Z = torch.as_tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
    masked = Z.clone()
    masked[:, 2] = 0.0  # hide the third input everywhere
    with torch.no_grad():
        pred = net(masked).mean(dim=0)[:, 2]
    error = float((pred - Z[:, 2]).square().mean())
    assert error < 0.2, error  # predicting the mean (0) would give 1.0


def test_pretrained_trunk_is_copied_and_training_runs() -> None:
    config = TINY.model_copy(update={"hidden": (16, 16)})
    ds = make_dataset(120)
    trunk = masked_pretrain(ds.X, config, epochs=3)
    target = MLPEnsemble(3, 2, config.n_members, config.hidden, heteroscedastic=True)
    _copy_trunk(trunk, target)
    torch.testing.assert_close(target.weights[0], trunk.weights[0])
    torch.testing.assert_close(target.biases[1], trunk.biases[1])
    train, valid = time_split(ds)
    fit = fit_ensemble(train, valid, config, init=trunk, baselines=False)
    assert np.isfinite(fit.surrogate.predict(valid.X)[0]).all()
    with pytest.raises(ValueError, match="does not fit"):
        _copy_trunk(MLPEnsemble(3, 3, config.n_members, (8, 8)), target)


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="mask_rate"):
        masked_pretrain(np.zeros((10, 2)), TINY, mask_rate=1.0)
    with pytest.raises(ValueError, match="at least 2 rows"):
        masked_pretrain(np.zeros((1, 2)), TINY)
