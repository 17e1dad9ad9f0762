"""An ensemble of MLPs evaluated in one batched matmul per layer, and its surrogate wrapper."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional

from surrogates.base import Surrogate, check_features
from surrogates.config import ACTIVATIONS, Activation
from surrogates.transforms import Standardizer

__all__ = ["ACTIVATIONS", "Activation", "EnsembleSurrogate", "MLPEnsemble"]

#: Floor of a variance head's output, standardised units (keeps the likelihood finite).
MIN_VARIANCE = 1e-6
#: Buffers of the piecewise-linear input encoding (see :meth:`MLPEnsemble.set_encoding`).
_ENCODING = ("lower", "inv_width", "mean", "inv_std")
_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "silu": functional.silu, "relu": functional.relu, "gelu": functional.gelu, "tanh": torch.tanh}


class MLPEnsemble(nn.Module):
    """``n_members`` independent MLPs whose weights are stacked along a leading axis.

    Layer ``k`` holds ``weights[k]`` of shape ``(E, in_k, out_k)`` and ``biases[k]`` of
    shape ``(E, 1, out_k)``; the forward pass is one ``torch.baddbmm`` per layer for all
    members at once, so there is no Python loop over members (the last layer runs in the
    transposed orientation, which is faster for few outputs).

    Args:
        n_inputs: Number of input columns ``d``.
        n_outputs: Number of outputs ``m``.
        n_members: Ensemble size ``E``.
        hidden: Width of each hidden layer.
        activation: Hidden-layer nonlinearity, one of ``ACTIVATIONS``.
        heteroscedastic: Add a variance output per outcome.
        encoding_bins: If positive, the first layer sees, next to each input, its
            piecewise-linear encoding in up to this many quantile bins (set the bins with
            :meth:`set_encoding`; until then every bin encodes 0). Sharp, local
            effects come easier to the network this way, and the ramps saturate outside
            the training data as trees do (the inputs themselves still enter linearly).
        generator: Optional seeded generator for the initial weights.

    Raises:
        ValueError: A size is not positive or the activation is unknown.
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        n_members: int = 5,
        hidden: Sequence[int] = (128, 128, 128),
        activation: Activation = "silu",
        heteroscedastic: bool = False,
        encoding_bins: int = 0,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.heteroscedastic = bool(heteroscedastic)
        self.encoding_bins = int(encoding_bins)
        if self.encoding_bins < 0:
            raise ValueError(f"encoding_bins must be 0 or positive; got {encoding_bins}")
        width = int(n_outputs) * (2 if self.heteroscedastic else 1)
        first = int(n_inputs) * (1 + self.encoding_bins)
        sizes = (first, *(int(h) for h in hidden), width)
        if min(sizes) < 1 or n_members < 1:
            raise ValueError(f"layer sizes and n_members must be positive; got sizes {sizes} "
                             f"and n_members {n_members}")
        if activation not in _FUNCTIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}; got {activation!r}")
        self.n_inputs, self.n_outputs, self.n_members = int(n_inputs), int(n_outputs), int(
            n_members)
        if self.encoding_bins:
            shape = (self.n_inputs, self.encoding_bins)
            for key in _ENCODING:
                self.register_buffer(f"encoding_{key}", torch.zeros(shape))
        self.hidden = sizes[1:-1]
        self.activation: Activation = activation
        self._act: Callable[[Tensor], Tensor] = _FUNCTIONS[activation]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.empty(self.n_members, a, b)) for a, b in itertools.pairwise(sizes))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.empty(self.n_members, 1, b)) for b in sizes[1:])
        self.reset_parameters(generator)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Draw weights and biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as ``nn.Linear``."""
        with torch.no_grad():
            for weight, bias in zip(self.weights, self.biases, strict=True):
                bound = 1.0 / math.sqrt(weight.shape[1])
                weight.uniform_(-bound, bound, generator=generator)
                bias.uniform_(-bound, bound, generator=generator)

    @property
    def architecture(self) -> dict[str, Any]:
        """JSON-safe constructor arguments."""
        return {"n_inputs": self.n_inputs, "n_outputs": self.n_outputs,
                "n_members": self.n_members, "hidden": list(self.hidden),
                "activation": self.activation, "heteroscedastic": self.heteroscedastic,
                "encoding_bins": self.encoding_bins}

    def set_encoding(self, bins: Mapping[str, np.ndarray]) -> None:
        """Set the piecewise-linear encoding: ``lower``, ``inv_width``, ``mean`` and
        ``inv_std``, each ``(n_inputs, encoding_bins)``, standardised input units (see
        :func:`surrogates.transforms.piecewise_bins`)."""
        shape = (self.n_inputs, self.encoding_bins)
        if not self.encoding_bins or any(np.shape(bins[k]) != shape for k in _ENCODING):
            raise ValueError(f"the encoding needs {_ENCODING} of shape {shape}")
        with torch.no_grad():
            for key in _ENCODING:
                getattr(self, f"encoding_{key}").copy_(
                    torch.as_tensor(bins[key], dtype=torch.float32))

    def input_rows(self, columns: Tensor) -> Tensor:
        """First-layer rows fed by the flagged input columns: ``(n_inputs,)`` bool ->
        ``(n_inputs * (1 + encoding_bins),)`` bool (the raw columns come first, then
        each input's bins in turn)."""
        return torch.cat([columns, columns.repeat_interleave(self.encoding_bins)])

    def encode(self, x: Tensor) -> Tensor:
        """Standardised inputs ``(..., d)`` -> what the first layer sees: the inputs and,
        with ``encoding_bins``, their piecewise-linear encodings, ``(..., d (1 + bins))``."""
        if not self.encoding_bins:
            return x
        bins = ((x.unsqueeze(-1) - self.encoding_lower) * self.encoding_inv_width).clamp(0, 1)
        bins = (bins - self.encoding_mean) * self.encoding_inv_std
        return torch.cat([x, bins.flatten(-2)], dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        """Evaluate every member.

        Args:
            x: Standardised inputs, shape ``(n, d)`` (shared by all members, broadcast
                without a copy) or ``(E, n, d)`` (one batch per member).

        Returns:
            Raw standardised outputs, shape ``(E, n, m)``, or ``(E, n, 2m)`` when
            heteroscedastic (pass them to :meth:`split`).
        """
        h = self.encode(x)
        h = h.expand(self.n_members, -1, -1) if h.dim() == 2 else h
        for weight, bias in zip(self.weights[:-1], self.biases[:-1], strict=True):
            h = self._act(torch.baddbmm(bias, h, weight))
        # The output layer is computed transposed, (E, m, n) = W^T h^T: with few outputs
        # MKL's batched GEMM is ~4x faster in this orientation. Returned as an (E, n, m) view.
        weight, bias = self.weights[-1], self.biases[-1]
        out = torch.baddbmm(bias.transpose(1, 2), weight.transpose(1, 2), h.transpose(1, 2))
        return out.transpose(1, 2)

    def split(self, out: Tensor) -> tuple[Tensor, Tensor | None]:
        """Raw outputs ``(E, n, width)`` -> means ``(E, n, m)`` and variances ``(E, n, m)``
        (softplus of the raw variance units plus ``MIN_VARIANCE``; ``None`` unless
        heteroscedastic), standardised units."""
        m = self.n_outputs
        if not self.heteroscedastic:
            return out, None
        return out[..., :m], functional.softplus(out[..., m:]) + MIN_VARIANCE


class EnsembleSurrogate(Surrogate):
    """A trained :class:`MLPEnsemble` with its scalers, names, training ranges and
    calibration.

    ``predict`` returns the ensemble mean and the predictive standard deviation in the
    outcomes' original units: the members' spread (model uncertainty, ddof=1) combined
    with their mean predicted batch-to-batch scatter (heteroscedastic networks only), then
    multiplied per outcome by ``std_scale`` (the calibration factor, 1 if uncalibrated).
    Computation runs in float32 under ``torch.inference_mode`` in chunks of
    ``chunk_size`` rows.

    Args:
        network: The trained ensemble (put in eval mode).
        x_scaler: Input standardiser, ``d`` columns.
        y_scaler: Output standardiser, ``m`` columns.
        feature_names: ``d`` input names, in column order.
        outcome_names: ``m`` outcome names, in column order.
        training_ranges: Per feature ``(min, max)`` seen in training, original units.
        std_scale: Per outcome factor on the standard deviation, shape ``(m,)``, positive.
        log_inputs: Per feature, whether the network sees its logarithm (``(d,)`` bool;
            the scaler then holds the log-scale mean and scale). Inputs at or below zero
            are clamped to a tiny positive value first.
        clamp_inputs: Predict the mean (and the scatter) at the input clamped into the
            training ranges, so the mean never runs away outside the data (as a tree
            ensemble's does not); the members' spread is still taken at the input as
            given, so the uncertainty keeps growing with the distance from the data.
        chunk_size: Rows evaluated per forward pass (bounds memory for large batches).

    Raises:
        ValueError: Names, scalers and network sizes disagree.
    """

    def __init__(
        self,
        network: MLPEnsemble,
        x_scaler: Standardizer,
        y_scaler: Standardizer,
        feature_names: Sequence[str],
        outcome_names: Sequence[str],
        training_ranges: Mapping[str, tuple[float, float]] | None = None,
        std_scale: Sequence[float] | np.ndarray | None = None,
        log_inputs: Sequence[bool] | np.ndarray | None = None,
        clamp_inputs: bool = False,
        *,
        chunk_size: int = 2048,
    ) -> None:
        self.feature_names = tuple(feature_names)
        self.outcome_names = tuple(outcome_names)
        d, m = len(self.feature_names), len(self.outcome_names)
        names = (*self.feature_names, *self.outcome_names)
        if len(set(names)) != len(names):
            raise ValueError(f"feature and outcome names must be distinct; got {names}")
        if (network.n_inputs, network.n_outputs) != (d, m):
            raise ValueError(f"the network maps {network.n_inputs} -> {network.n_outputs} "
                             f"columns but there are {d} features and {m} outcomes")
        if x_scaler.n_columns != d or y_scaler.n_columns != m:
            raise ValueError("scaler sizes do not match the feature and outcome names")
        if network.n_members < 2:
            raise ValueError("an ensemble surrogate needs at least 2 members for its spread")
        ranges = dict(training_ranges or {})
        unknown = set(ranges) - set(self.feature_names)
        if unknown:
            raise ValueError(f"training ranges name unknown features: {sorted(unknown)}")
        scale = np.ones(m) if std_scale is None else np.asarray(std_scale, dtype=np.float64)
        if scale.shape != (m,) or not (np.isfinite(scale).all() and (scale > 0).all()):
            raise ValueError(f"std_scale must hold {m} positive finite numbers; got {scale}")
        self.std_scale = scale
        logs = np.zeros(d, dtype=bool) if log_inputs is None else np.asarray(log_inputs, bool)
        if logs.shape != (d,):
            raise ValueError(f"log_inputs must hold {d} flags; got shape {logs.shape}")
        self.log_inputs = logs
        self._log_mask = torch.from_numpy(logs.copy()) if logs.any() else None
        self.training_ranges = {k: (float(v[0]), float(v[1])) for k, v in ranges.items()}
        self.clamp_inputs = bool(clamp_inputs)
        self._lower = torch.tensor([self.training_ranges.get(n, (-np.inf, np.inf))[0]
                                    for n in self.feature_names], dtype=torch.float32)
        self._upper = torch.tensor([self.training_ranges.get(n, (-np.inf, np.inf))[1]
                                    for n in self.feature_names], dtype=torch.float32)
        self.network = network.eval()
        self.x_scaler, self.y_scaler = x_scaler, y_scaler
        self.chunk_size = int(chunk_size)
        self._x_mean = torch.tensor(x_scaler.mean, dtype=torch.float32)
        self._x_inv_scale = torch.tensor(1.0 / x_scaler.scale, dtype=torch.float32)
        self._y_mean = torch.tensor(y_scaler.mean, dtype=torch.float32)
        self._y_scale = torch.tensor(y_scaler.scale, dtype=torch.float32)
        self._std_scale = torch.tensor(y_scaler.scale * scale, dtype=torch.float32)

    @property
    def n_members(self) -> int:
        """Ensemble size ``E``."""
        return self.network.n_members

    @property
    def heteroscedastic(self) -> bool:
        """Whether the members predict the batch-to-batch scatter."""
        return self.network.heteroscedastic

    def with_std_scale(self, std_scale: Sequence[float] | np.ndarray) -> EnsembleSurrogate:
        """The same model with another calibration factor per outcome (shares the network)."""
        return EnsembleSurrogate(self.network, self.x_scaler, self.y_scaler, self.feature_names,
                                 self.outcome_names, self.training_ranges, std_scale,
                                 self.log_inputs, self.clamp_inputs,
                                 chunk_size=self.chunk_size)

    def scaled_inputs(self, x: Tensor) -> Tensor:
        """Inputs ``(n, d)`` float32 in original units -> what the network sees (log of the
        ``log_inputs`` columns, then standardised)."""
        if self._log_mask is not None:
            x = torch.where(self._log_mask, x.clamp_min(1e-30).log(), x)
        return (x - self._x_mean) * self._x_inv_scale

    def __repr__(self) -> str:
        arch = self.network.architecture
        return (f"EnsembleSurrogate(features={len(self.feature_names)}, "
                f"outcomes={list(self.outcome_names)}, members={arch['n_members']}, "
                f"hidden={arch['hidden']}, activation={arch['activation']!r}, "
                f"heteroscedastic={arch['heteroscedastic']})")

    def _as_tensor(self, X: np.ndarray) -> Tensor:
        """``(n, d)`` inputs as a float32 tensor, sharing memory with ``X`` when possible."""
        array = check_features(X, self.n_features)
        if not array.flags.writeable:  # torch tensors cannot wrap read-only memory
            array = array.copy()
        return torch.from_numpy(array)

    def _members(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """Inputs ``(n, d)`` float32, original units -> member means and variances
        ``(E, n, m)``, standardised."""
        return self.network.split(self.network(self.scaled_inputs(x)))

    def _moments(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        """Mean, member variance (ddof=1) and mean scatter variance, standardised; with
        ``clamp_inputs`` the mean and scatter at the clamped input, the variance at the
        input as given."""
        if self.clamp_inputs:
            inside = torch.minimum(torch.maximum(x, self._lower), self._upper)
            outside = (inside != x).any(dim=1)
            members, noise = self._members(inside)
            mu = members.mean(dim=0)
            if bool(outside.any()):
                members = members.clone()
                members[:, outside] = self._members(x[outside])[0]
                mu_out = members.mean(dim=0)
                spread = (members - mu_out).square_().sum(dim=0).div_(self.n_members - 1)
            else:
                spread = (members - mu).square().sum(dim=0).div_(self.n_members - 1)
            return mu, spread, None if noise is None else noise.mean(dim=0)
        members, noise = self._members(x)
        mu = members.mean(dim=0)
        # Sample variance over members (ddof=1); written out because
        # torch.std_mean over the leading axis is ~5x slower for small batches.
        spread = (members - mu).square_().sum(dim=0).div_(self.n_members - 1)
        return mu, spread, None if noise is None else noise.mean(dim=0)

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean and standard deviation.

        Args:
            X: Inputs, shape ``(n, n_features)``, ``feature_names`` order, original units.

        Returns:
            ``(mean, std)``, each ``(n, n_outcomes)`` float64 in original units.

        Raises:
            ValueError: ``X`` has the wrong shape.
        """
        x = self._as_tensor(X)
        n = x.shape[0]
        mean = np.empty((n, self.n_outcomes))
        std = np.empty((n, self.n_outcomes))
        with torch.inference_mode():
            for start in range(0, n, self.chunk_size):
                stop = min(start + self.chunk_size, n)
                mu, var, noise = self._moments(x[start:stop])
                if noise is not None:
                    var = var.add_(noise)
                mean[start:stop] = (mu * self._y_scale + self._y_mean).numpy()
                std[start:stop] = (var.sqrt_() * self._std_scale).numpy()
        return mean, std

    def predict_components(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean and the two parts of the standard deviation, original units.

        Returns:
            ``(mean, model_std, scatter_std)``, each ``(n, n_outcomes)``: the members'
            spread (what more data would shrink) and the predicted batch-to-batch scatter
            (zeros unless heteroscedastic), both times ``std_scale``, so that
            ``model_std**2 + scatter_std**2 == std**2`` of :meth:`predict`.
        """
        x = self._as_tensor(X)
        with torch.inference_mode():
            mu, var, noise = self._moments(x)
            mean = (mu * self._y_scale + self._y_mean).numpy().astype(np.float64)
            model = (var.sqrt() * self._std_scale).numpy().astype(np.float64)
            scatter = (np.zeros_like(model) if noise is None
                       else (noise.sqrt() * self._std_scale).numpy().astype(np.float64))
        return mean, model, scatter

    def predict_members(self, X: np.ndarray) -> np.ndarray:
        """Every member's mean prediction, ``(n_members, n, n_outcomes)`` float64, original
        units (at the clamped input with ``clamp_inputs``)."""
        x = self._as_tensor(X)
        if self.clamp_inputs:
            x = torch.minimum(torch.maximum(x, self._lower), self._upper)
        with torch.inference_mode():
            out = self._members(x)[0] * self._y_scale + self._y_mean
        return out.numpy().astype(np.float64)
