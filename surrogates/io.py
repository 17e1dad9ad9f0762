"""Storing and loading an ensemble surrogate: safetensors weights plus a JSON description.

A model folder holds ``model.safetensors`` (network weights as float32, scalers as
float64) and ``model.json`` (format version, names, architecture, scalers, training
ranges, package versions, the SHA-256 of the weights file and user metadata). Nothing is
pickled and nothing is executed on load: weights are read with
``safetensors.torch.load`` and checked against the checksum, names and shapes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from surrogates.errors import ModelFileError
from surrogates.mlp import Activation, EnsembleSurrogate, MLPEnsemble
from surrogates.transforms import Standardizer
from surrogates.versions import package_versions

__all__ = ["FORMAT_VERSION", "JSON_FILE", "WEIGHTS_FILE", "ModelFileInfo", "load_surrogate",
           "read_metadata", "save_surrogate"]

FORMAT = "paretoplan-surrogate"
FORMAT_VERSION = 3
#: Versions :func:`load_surrogate` reads (1: no variance heads, no calibration factor;
#: 2: no piecewise input encoding).
READABLE_VERSIONS = (1, 2, 3)
WEIGHTS_FILE = "model.safetensors"
JSON_FILE = "model.json"
_HINT = "retrain with `paretoplan train`"
_SCALER_TENSORS = ("x_mean", "x_scale", "y_mean", "y_scale")


class _Architecture(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = "mlp-ensemble"
    n_inputs: int = Field(ge=1)
    n_outputs: int = Field(ge=1)
    n_members: int = Field(ge=2)
    hidden: list[int] = Field(min_length=1)
    activation: Activation
    heteroscedastic: bool = False
    encoding_bins: int = Field(0, ge=0, le=256)


class _Scaler(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mean: list[float]
    scale: list[float]


class _Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    tensors: dict[str, list[int]]


class ModelFileInfo(BaseModel):
    """The validated content of ``model.json``."""

    model_config = ConfigDict(extra="forbid")
    format: str
    format_version: int
    feature_names: list[str] = Field(min_length=1)
    outcome_names: list[str] = Field(min_length=1)
    architecture: _Architecture
    scalers: dict[str, _Scaler]
    training_ranges: dict[str, tuple[float, float]]
    weights: _Weights
    versions: dict[str, str] = Field(default_factory=dict)
    prediction: dict[str, bool] = Field(default_factory=dict)
    created_utc: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _tensors(surrogate: EnsembleSurrogate) -> dict[str, torch.Tensor]:
    out = {name: t.detach().to(torch.float32).contiguous().clone()
           for name, t in surrogate.network.state_dict().items()}
    out["x_mean"] = torch.from_numpy(surrogate.x_scaler.mean.copy())
    out["x_scale"] = torch.from_numpy(surrogate.x_scaler.scale.copy())
    out["y_mean"] = torch.from_numpy(surrogate.y_scaler.mean.copy())
    out["y_scale"] = torch.from_numpy(surrogate.y_scaler.scale.copy())
    out["std_scale"] = torch.from_numpy(np.asarray(surrogate.std_scale, dtype=np.float64).copy())
    out["x_log"] = torch.from_numpy(surrogate.log_inputs.astype(np.float64))
    return out


def save_surrogate(
    surrogate: EnsembleSurrogate, directory: Path, *, metadata: dict[str, Any] | None = None
) -> None:
    """Write ``model.safetensors`` and ``model.json`` into ``directory`` (created if needed).

    Each file is written atomically (temporary file in the same folder, then
    ``os.replace``); the weights go first, so a crash in between leaves a checksum
    mismatch that :func:`load_surrogate` reports rather than a silently mixed model.

    Args:
        surrogate: The model to store.
        directory: Target folder.
        metadata: JSON-serialisable user entries (data hash, config hash...), stored as-is.

    Raises:
        TypeError: ``metadata`` is not JSON-serialisable.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = _tensors(surrogate)
    blob = save_safetensors(tensors, metadata={"format": "pt", "producer": FORMAT})
    arch = {"kind": "mlp-ensemble", **surrogate.network.architecture}
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "feature_names": list(surrogate.feature_names),
        "outcome_names": list(surrogate.outcome_names),
        "architecture": arch,
        "scalers": {"x": surrogate.x_scaler.to_dict(), "y": surrogate.y_scaler.to_dict()},
        "training_ranges": {k: list(v) for k, v in surrogate.training_ranges.items()},
        "weights": {"file": WEIGHTS_FILE, "sha256": hashlib.sha256(blob).hexdigest(),
                    "tensors": {k: list(t.shape) for k, t in tensors.items()}},
        "versions": package_versions(),
        "prediction": {"clamp_inputs": surrogate.clamp_inputs},
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "metadata": dict(metadata or {}),
    }
    try:
        text = json.dumps(document, indent=2, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metadata must be JSON-serialisable with finite numbers: {exc}") from None
    _atomic_write(directory / WEIGHTS_FILE, blob)
    _atomic_write(directory / JSON_FILE, text.encode("utf-8"))


def _error(message: str, path: Path, location: str | None = None) -> ModelFileError:
    return ModelFileError(message, file=path, location=location, hint=_HINT)


def read_metadata(directory: Path) -> ModelFileInfo:
    """Read and validate ``model.json`` without touching the weights.

    Raises:
        ModelFileError: The file is missing, not JSON, of another format or version, or
            lacks a field.
    """
    path = Path(directory) / JSON_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _error("model description not found", path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _error(f"cannot read the model description: {exc}", path) from None
    if not isinstance(raw, dict):
        raise _error("expected a JSON object", path)
    if raw.get("format") != FORMAT:
        raise _error(f"not a paretoplan surrogate (format {raw.get('format')!r})", path,
                     "format")
    if raw.get("format_version") not in READABLE_VERSIONS:
        raise _error(f"format_version {raw.get('format_version')!r} is not supported; this "
                     f"version of paretoplan reads version {FORMAT_VERSION}", path,
                     "format_version")
    try:
        return ModelFileInfo.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise _error(first["msg"], path, loc) from None


def load_surrogate(directory: Path) -> EnsembleSurrogate:
    """Load a surrogate written by :func:`save_surrogate`.

    Args:
        directory: Folder holding ``model.json`` and ``model.safetensors``.

    Returns:
        The surrogate, predicting exactly as the one that was saved.

    Raises:
        ModelFileError: A file is missing or unreadable, the format version differs, the
            weights' SHA-256 does not match (file changed), or tensor names, shapes, dtypes
            or values do not fit the described architecture. The message names the file.
    """
    directory = Path(directory)
    info = read_metadata(directory)
    json_path = directory / JSON_FILE
    arch = info.architecture
    if (arch.n_inputs, arch.n_outputs) != (len(info.feature_names), len(info.outcome_names)):
        raise _error(f"the architecture maps {arch.n_inputs} -> {arch.n_outputs} columns but "
                     f"{len(info.feature_names)} features and {len(info.outcome_names)} "
                     "outcomes are named", json_path, "architecture")
    weights_path = directory / WEIGHTS_FILE
    try:
        blob = weights_path.read_bytes()
    except FileNotFoundError:
        raise _error("weights file not found", weights_path) from None
    except OSError as exc:
        raise _error(f"cannot read the weights: {exc}", weights_path) from None
    if hashlib.sha256(blob).hexdigest() != info.weights.sha256:
        raise _error("the weights do not match the SHA-256 recorded in model.json (the file "
                     "was changed or damaged)", weights_path)
    try:
        tensors = load_safetensors(blob)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise _error(f"cannot read the weights: {exc}", weights_path) from None

    network = MLPEnsemble(arch.n_inputs, arch.n_outputs, arch.n_members, arch.hidden,
                          arch.activation, arch.heteroscedastic, arch.encoding_bins)
    expected = {name: (tuple(t.shape), torch.float32)
                for name, t in network.state_dict().items()}
    for name, size in (("x_mean", arch.n_inputs), ("x_scale", arch.n_inputs),
                       ("y_mean", arch.n_outputs), ("y_scale", arch.n_outputs)):
        expected[name] = ((size,), torch.float64)
    if info.format_version >= 2:
        expected["std_scale"] = ((arch.n_outputs,), torch.float64)
        expected["x_log"] = ((arch.n_inputs,), torch.float64)
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise _error(f"tensor names do not fit the architecture (missing {missing}, "
                     f"unexpected {unexpected})", weights_path)
    for name, (shape, dtype) in expected.items():
        tensor = tensors[name]
        if tuple(tensor.shape) != shape or tensor.dtype != dtype:
            raise _error(f"tensor {name!r} has shape {tuple(tensor.shape)} and dtype "
                         f"{tensor.dtype}; the architecture needs {shape} and {dtype}",
                         weights_path)
        if not bool(torch.isfinite(tensor).all()):
            raise _error(f"tensor {name!r} holds non-finite values", weights_path)
    network.load_state_dict({k: tensors[k] for k in network.state_dict()})

    try:
        x_scaler = Standardizer(tensors["x_mean"].numpy(), tensors["x_scale"].numpy())
        y_scaler = Standardizer(tensors["y_mean"].numpy(), tensors["y_scale"].numpy())
    except ValueError as exc:
        raise _error(f"invalid scaler: {exc}", weights_path) from None
    for key, scaler in (("x", x_scaler), ("y", y_scaler)):
        described = info.scalers.get(key)
        if described is None or not (
                np.array_equal(np.asarray(described.mean), scaler.mean)
                and np.array_equal(np.asarray(described.scale), scaler.scale)):
            raise _error(f"the {key} scaler in model.json differs from the one stored with "
                         "the weights", json_path, f"scalers.{key}")
    for name in ("encoding_inv_width", "encoding_inv_std"):
        if name in tensors and not bool(((tensors[name] >= 0) & (tensors[name] <= 1e7)).all()):
            raise _error(f"tensor {name!r} must hold factors between 0 and 1e7",
                         weights_path)
    std_scale = tensors["std_scale"].numpy() if "std_scale" in expected else None
    if std_scale is not None and not (std_scale > 0).all():
        raise _error("tensor 'std_scale' must hold positive calibration factors",
                     weights_path)
    x_log = tensors["x_log"].numpy() if "x_log" in expected else None
    if x_log is not None and not np.isin(x_log, (0.0, 1.0)).all():
        raise _error("tensor 'x_log' must hold 0 or 1 per input", weights_path)
    try:
        return EnsembleSurrogate(network, x_scaler, y_scaler, info.feature_names,
                                 info.outcome_names, info.training_ranges, std_scale,
                                 None if x_log is None else x_log.astype(bool),
                                 bool(info.prediction.get("clamp_inputs", False)))
    except ValueError as exc:
        raise _error(str(exc), json_path) from None
