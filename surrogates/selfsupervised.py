"""Self-supervised pretraining on unlabeled rows: masked-feature reconstruction.

Historians log setpoints and context for every batch, but outcomes (lab assays, yield
reconciliations) only for some. The rows without outcomes still show how the inputs
vary together. Masked-feature reconstruction trains the ensemble's hidden layers to
predict randomly hidden inputs from the others (as masked-token pretraining does for
text); :func:`~surrogates.fit.fit_ensemble` can then start from those layers
(``init=``). Whether it helps depends on the process: where setpoints are chosen
independently there is little structure to learn (see ``benchmarks/bench_selfsupervised.py``,
which is why it is not in the default path).
"""

from __future__ import annotations

import numpy as np
import torch

from surrogates.config import EnsembleConfig
from surrogates.fit import _training_context, training_threads
from surrogates.mlp import MLPEnsemble
from surrogates.transforms import Standardizer, piecewise_bins

__all__ = ["masked_pretrain"]


def masked_pretrain(
    X: np.ndarray,
    config: EnsembleConfig,
    *,
    mask_rate: float = 0.3,
    epochs: int = 100,
) -> MLPEnsemble:
    """Pretrain an ensemble's hidden layers by reconstructing masked inputs.

    Each epoch, every input cell is hidden (set to its standardised mean, 0) with
    probability ``mask_rate``; the network predicts all inputs and the loss is the MSE
    on the hidden cells only.

    Args:
        X: Unlabeled inputs, ``(n, n_features)``, original units, finite.
        config: Ensemble settings (members, hidden sizes, activation, batch size,
            learning rate, weight decay, seed).
        mask_rate: Share of cells hidden, in (0, 1).
        epochs: Passes over the rows.

    Returns:
        An ensemble mapping ``n_features`` inputs to ``n_features`` reconstructions, whose
        hidden layers fit an outcome ensemble of the same ``hidden`` sizes.

    Raises:
        ValueError: ``mask_rate`` outside (0, 1) or fewer than 2 rows.
    """
    if not 0.0 < mask_rate < 1.0:
        raise ValueError(f"mask_rate must lie in (0, 1); got {mask_rate}")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) < 2:
        raise ValueError("masked pretraining needs at least 2 rows of shape (n, d)")
    n, d = X.shape
    Z = torch.as_tensor(Standardizer.fit(X).transform(X), dtype=torch.float32)
    with _training_context(training_threads(config, d, d, n)):
        generator = torch.Generator().manual_seed(config.seed)
        bins = config.encoding_bins if config.input_encoding == "piecewise" else 0
        network = MLPEnsemble(d, d, config.n_members, config.hidden, config.activation,
                              encoding_bins=bins, generator=generator)
        if bins:
            network.set_encoding(piecewise_bins(Z.numpy(), bins))
        optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate,
                                      weight_decay=config.weight_decay)
        batch = min(config.batch_size, n)
        network.train()
        for _ in range(epochs):
            perm = torch.stack([torch.randperm(n, generator=generator)
                                for _ in range(config.n_members)])
            for start in range(0, n, batch):
                target = Z[perm[:, start:start + batch]]
                hidden = torch.rand(target.shape, generator=generator) < mask_rate
                pred = network(target.masked_fill(hidden, 0.0))
                weight = hidden.float()
                loss = (((pred - target) ** 2) * weight).sum(dim=(1, 2)).div(
                    weight.sum(dim=(1, 2)).clamp_min(1.0)).sum()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
    return network.eval()
