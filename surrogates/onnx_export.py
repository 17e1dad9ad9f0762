"""Export a trained ensemble to ONNX for edge deployment (PLC gateways, MES servers).

The exported graph holds the whole predictor: input scaling, every member, the variance
heads, the combination into mean and standard deviation, calibration and output scaling.
It takes ``x`` of shape ``(n, n_features)`` float32 in original units, columns in
``feature_names`` order, and returns ``mean`` and ``std`` of shape ``(n, n_outcomes)``
float32 in original units, as :meth:`EnsembleSurrogate.predict` does. Names and units
are stored in the model's metadata properties.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
import warnings
from pathlib import Path

import torch
from torch import Tensor, nn

from surrogates.mlp import EnsembleSurrogate

__all__ = ["OPSET", "export_onnx"]

#: ONNX opset of the exported graph.
OPSET = 18


class _Predictor(nn.Module):
    """The surrogate's predict as one torch module (float32)."""

    def __init__(self, surrogate: EnsembleSurrogate) -> None:
        super().__init__()
        self.network = copy.deepcopy(surrogate.network).eval()
        self.register_buffer("x_mean", surrogate._x_mean.clone())
        self.register_buffer("x_inv_scale", surrogate._x_inv_scale.clone())
        self.register_buffer("y_mean", surrogate._y_mean.clone())
        self.register_buffer("y_scale", surrogate._y_scale.clone())
        self.register_buffer("std_scale", surrogate._std_scale.clone())
        self.members = surrogate.n_members
        self.register_buffer("log_mask", torch.from_numpy(surrogate.log_inputs.copy()))
        self.any_log = bool(surrogate.log_inputs.any())
        self.clamp = surrogate.clamp_inputs
        self.register_buffer("lower", surrogate._lower.clone())
        self.register_buffer("upper", surrogate._upper.clone())

    def _split(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        if self.any_log:
            x = torch.where(self.log_mask, x.clamp_min(1e-30).log(), x)
        return self.network.split(self.network((x - self.x_mean) * self.x_inv_scale))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if self.clamp:  # mean and scatter inside the training box, spread at x itself
            mu, noise = self._split(torch.minimum(torch.maximum(x, self.lower), self.upper))
            raw, _ = self._split(x)
        else:
            mu, noise = self._split(x)
            raw = mu
        mean = mu.mean(dim=0)
        var = (raw - raw.mean(dim=0)).square().sum(dim=0) / (self.members - 1)
        if noise is not None:
            var = var + noise.mean(dim=0)
        return mean * self.y_scale + self.y_mean, var.sqrt() * self.std_scale


def export_onnx(surrogate: EnsembleSurrogate, path: str | Path,
                metadata: dict[str, str] | None = None) -> Path:
    """Write ``surrogate`` as an ONNX model to ``path`` (atomically).

    Args:
        surrogate: The trained ensemble.
        path: Target file, conventionally ``*.onnx``.
        metadata: Extra string entries for the model's metadata properties.

    Returns:
        The path written.

    Raises:
        RuntimeError: The exporter failed.
    """
    import onnx  # optional dependency: only needed to export

    path = Path(path)
    module = _Predictor(surrogate)
    example = torch.zeros(4, surrogate.n_features, dtype=torch.float32)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module, (example,), tmp, input_names=["x"], output_names=["mean", "std"],
                dynamic_axes={"x": {0: "rows"}, "mean": {0: "rows"}, "std": {0: "rows"}},
                opset_version=OPSET, dynamo=False)
        model = onnx.load(tmp)
        props = {
            "producer": "paretoplan",
            "feature_names": json.dumps(list(surrogate.feature_names)),
            "outcome_names": json.dumps(list(surrogate.outcome_names)),
            "training_ranges": json.dumps(surrogate.training_ranges),
            "inputs": "x: (rows, n_features) float32, original units, feature_names order",
            "outputs": "mean, std: (rows, n_outcomes) float32, original units",
            **(metadata or {}),
        }
        onnx.helper.set_model_props(model, props)
        onnx.checker.check_model(model)
        onnx.save(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
