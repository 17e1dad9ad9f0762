"""Training of the MLP-ensemble surrogate, its linear baseline and its model card."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from typing import Annotated, Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from surrogates.dataset import ProcessDataset
from surrogates.errors import InputError
from surrogates.metrics import interval_coverage, regression_metrics
from surrogates.mlp import Activation, EnsembleSurrogate, MLPEnsemble
from surrogates.transforms import Standardizer

__all__ = ["EnsembleConfig", "FitResult", "fit_ensemble", "model_card", "ridge_baseline",
           "training_threads"]

ProgressCallback = Callable[[int, int, float], None]

#: Ridge penalty of the linear baseline, on standardised inputs (intercept not penalised).
RIDGE_ALPHA = 1.0
#: Half-width (in ensemble standard deviations) of the interval whose coverage is reported.
COVERAGE_Z = 1.96
#: A member's validation loss must fall by this relative amount to count as improved.
_MIN_REL_IMPROVEMENT = 1e-4
#: Below this many multiply-adds per minibatch step (all members), training runs on one
#: thread: the ops are too small to split, and with other processes on the cores the
#: OpenMP barriers made 2 threads 10x slower than 1 in our measurements.
_SMALL_STEP_MACS = 1e7


class EnsembleConfig(BaseModel):
    """Settings of the MLP-ensemble surrogate (the scenario's ``surrogate:`` section)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_members: int = Field(5, ge=2, le=64, description="Number of networks in the ensemble; "
                           "their spread is the predictive uncertainty.")
    hidden: tuple[Annotated[int, Field(ge=1, le=4096)], ...] = Field(
        (128, 128, 128), min_length=1, max_length=16, description="Width of each hidden layer.")
    activation: Activation = Field("silu", description="Hidden-layer nonlinearity.")
    max_epochs: int = Field(300, ge=1, le=100_000, description="Upper bound on training epochs.")
    patience: int = Field(25, ge=1, description="Stop after this many epochs without a "
                          "validation improvement in any member.")
    batch_size: int = Field(256, ge=1, description="Rows per minibatch.")
    learning_rate: float = Field(2e-3, gt=0, le=1, description="AdamW learning rate.")
    weight_decay: float = Field(1e-4, ge=0, le=1, description="AdamW weight decay (weights "
                                "only, not biases).")
    valid_fraction: float = Field(0.2, gt=0, lt=1, description="Share of the most recent "
                                  "rows held out for early stopping and metrics.")
    bootstrap: bool = Field(False, description="Train each member on its own bootstrap "
                            "resample of the rows (more spread, less data per member).")
    seed: int = Field(0, ge=0, description="Seed of initial weights and minibatch order.")
    threads: int | None = Field(None, ge=1, le=1024, description="CPU threads for training; "
                                "by default 1 for small networks (threads only add overhead "
                                "there), else torch's default.")


@dataclass
class FitResult:
    """What :func:`fit_ensemble` returns.

    Attributes:
        surrogate: The trained surrogate, best-epoch weights per member.
        metrics: Per outcome, on the validation rows: ``r2``, ``mae``, ``rmse`` of the
            ensemble mean; ``coverage_95`` (share inside mean ± 1.96·std); ``mean_std``;
            ``train_r2``; and ``baseline_r2``, ``baseline_mae``, ``baseline_rmse`` of the
            ridge baseline. Errors are in the outcome's units.
        history: Mean over members of the validation MSE (standardised units), per epoch.
        best_epoch: Last epoch (1-based) at which any member improved, i.e. the latest of
            ``member_best_epochs``.
        member_best_epochs: Epoch whose weights each member keeps.
        epochs_run: Epochs trained before early stopping (or ``max_epochs``).
        n_train: Training rows.
        n_valid: Validation rows.
        seconds: Wall time of the fit, scaling and metrics included.
        config: The settings used.
        validation_scheme: How the validation rows relate to the training rows.
    """

    surrogate: EnsembleSurrogate
    metrics: dict[str, dict[str, float]]
    history: list[float]
    best_epoch: int
    n_train: int
    n_valid: int
    seconds: float
    config: EnsembleConfig
    member_best_epochs: tuple[int, ...] = ()
    epochs_run: int = 0
    validation_scheme: str = ""


@contextmanager
def _training_context(threads: int) -> Iterator[None]:
    """Deterministic torch algorithms and ``threads`` intra-op threads, restored afterwards."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    previous_threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    if threads != previous_threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic)
        if torch.get_num_threads() != previous_threads:
            torch.set_num_threads(previous_threads)


def training_threads(config: EnsembleConfig, n_features: int, n_outcomes: int,
                     n_rows: int) -> int:
    """CPU threads :func:`fit_ensemble` uses: ``config.threads``, or 1 for small steps."""
    if config.threads is not None:
        return config.threads
    sizes = (n_features, *config.hidden, n_outcomes)
    macs = config.n_members * min(config.batch_size, n_rows) * sum(
        a * b for a, b in itertools.pairwise(sizes))
    return 1 if macs < _SMALL_STEP_MACS else torch.get_num_threads()


def _check_pair(train: ProcessDataset, valid: ProcessDataset) -> None:
    if (train.feature_names, train.outcome_names) != (valid.feature_names, valid.outcome_names):
        raise InputError("training and validation data have different columns",
                         location="features/outcomes", hint="split one dataset")
    if train.n_samples < 2:
        raise InputError(f"need at least 2 training rows; got {train.n_samples}",
                         hint="collect more batches or relax the log filters")
    if valid.n_samples < 1:
        raise InputError("no validation rows", hint="raise surrogate.valid_fraction")


def _validation_scheme(train: ProcessDataset, valid: ProcessDataset) -> str:
    pct = round(100 * valid.n_samples / (train.n_samples + valid.n_samples))
    if (train.timestamps is not None and valid.timestamps is not None
            and train.timestamps.max() <= valid.timestamps.min()):
        return f"time-ordered, most recent {pct}% held out"
    if (train.groups is not None and valid.groups is not None
            and not np.isin(valid.groups, train.groups).any()):
        return f"grouped, whole groups held out ({pct}% of rows)"
    return f"caller-supplied hold-out ({pct}% of rows)"


def ridge_baseline(
    train: ProcessDataset, X: np.ndarray, alpha: float = RIDGE_ALPHA
) -> np.ndarray:
    """Ridge regression fitted on ``train`` (inputs standardised), evaluated at ``X``.

    Args:
        train: Training data.
        X: Inputs to predict, shape ``(k, n_features)``, original units.
        alpha: Penalty on the standardised coefficients; the intercept is not penalised.

    Returns:
        Predictions, shape ``(k, n_outcomes)``, original units.
    """
    scaler = Standardizer.fit(train.X)
    Z = scaler.transform(train.X)
    y_mean = train.Y.mean(axis=0)
    gram = Z.T @ Z + alpha * np.eye(Z.shape[1])
    coef = np.linalg.solve(gram, Z.T @ (train.Y - y_mean))
    return scaler.transform(X) @ coef + y_mean


def fit_ensemble(
    train: ProcessDataset,
    valid: ProcessDataset,
    config: EnsembleConfig,
    progress: ProgressCallback | None = None,
) -> FitResult:
    """Train an MLP ensemble with early stopping on ``valid``.

    All members train together (one batched forward/backward per minibatch) with AdamW on
    the MSE of standardised outcomes. Members differ by their initial weights and their
    minibatch order (and, with ``config.bootstrap``, their resample of the rows). After
    each epoch every member's validation MSE is measured and its best weights so far kept;
    training stops once no member has improved for ``config.patience`` epochs. The run is
    seeded and uses deterministic torch algorithms, so the same data and config give
    bit-identical predictions on the same machine and thread count. Small networks train
    on one thread (see :func:`training_threads`); the global torch settings are restored.

    Args:
        train: Training rows.
        valid: Held-out rows (pass the time-ordered split of :func:`~surrogates.splits.time_split`).
        config: Ensemble settings.
        progress: Called after every epoch as ``progress(epoch, max_epochs, val_loss)``.

    Returns:
        The surrogate, validation metrics next to a ridge baseline, and the training record.

    Raises:
        InputError: Columns of ``train`` and ``valid`` differ, or too few rows.
    """
    _check_pair(train, valid)
    started = time.perf_counter()
    x_scaler, y_scaler = Standardizer.fit(train.X), Standardizer.fit(train.Y)
    X_t = torch.as_tensor(x_scaler.transform(train.X), dtype=torch.float32)
    Y_t = torch.as_tensor(y_scaler.transform(train.Y), dtype=torch.float32)
    X_v = torch.as_tensor(x_scaler.transform(valid.X), dtype=torch.float32)
    Y_v = torch.as_tensor(y_scaler.transform(valid.Y), dtype=torch.float32)
    n, n_members = train.n_samples, config.n_members
    batch = min(config.batch_size, n)
    history: list[float] = []

    threads = training_threads(config, train.n_features, train.n_outcomes, n)
    with _training_context(threads):
        generator = torch.Generator().manual_seed(config.seed)
        network = MLPEnsemble(train.n_features, train.n_outcomes, n_members, config.hidden,
                              config.activation, generator=generator)
        optimizer = torch.optim.AdamW(
            [{"params": list(network.weights), "weight_decay": config.weight_decay},
             {"params": list(network.biases), "weight_decay": 0.0}],
            lr=config.learning_rate, fused=True)  # one elementwise kernel per tensor: ~10% faster
        if config.bootstrap:
            rows = torch.randint(0, n, (n_members, n), generator=generator)
        else:
            rows = torch.arange(n).expand(n_members, n)
        params = list(network.parameters())
        best_params = [p.detach().clone() for p in params]
        best_loss = torch.full((n_members,), math.inf)
        best_epoch = torch.zeros(n_members, dtype=torch.long)
        epoch = 0
        for epoch in range(1, config.max_epochs + 1):
            network.train()
            perm = torch.stack([torch.randperm(n, generator=generator)
                                for _ in range(n_members)])
            order = rows.gather(1, perm)
            for start in range(0, n, batch):
                idx = order[:, start:start + batch]
                residual = network(X_t[idx]) - Y_t[idx]
                loss = residual.square().mean(dim=(1, 2)).sum()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            network.eval()
            with torch.no_grad():
                val = (network(X_v) - Y_v).square().mean(dim=(1, 2))
                improved = val < best_loss * (1.0 - _MIN_REL_IMPROVEMENT)
                if bool(improved.any()):
                    best_loss = torch.where(improved, val, best_loss)
                    best_epoch[improved] = epoch
                    for p, kept in zip(params, best_params, strict=True):
                        kept[improved] = p.detach()[improved]
            history.append(float(val.mean()))
            if progress is not None:
                progress(epoch, config.max_epochs, history[-1])
            if int((epoch - best_epoch).min()) >= config.patience:
                break
        with torch.no_grad():
            for p, kept in zip(params, best_params, strict=True):
                p.copy_(kept)
    network.eval()

    surrogate = EnsembleSurrogate(network, x_scaler, y_scaler, train.feature_names,
                                  train.outcome_names, train.ranges())
    mean, std = surrogate.predict(valid.X)
    train_mean, _ = surrogate.predict(train.X)
    metrics = regression_metrics(valid.Y, mean, valid.outcome_names)
    train_scores = regression_metrics(train.Y, train_mean, valid.outcome_names, "train_")
    baseline = regression_metrics(valid.Y, ridge_baseline(train, valid.X),
                                  valid.outcome_names, "baseline_")
    coverage = interval_coverage(valid.Y, mean, std, COVERAGE_Z)
    mean_std = std.mean(axis=0)
    for j, name in enumerate(valid.outcome_names):
        metrics[name]["coverage_95"] = float(coverage[j])
        metrics[name]["mean_std"] = float(mean_std[j])
        metrics[name]["train_r2"] = train_scores[name]["train_r2"]
        metrics[name].update(baseline[name])
    member_best = tuple(int(e) for e in best_epoch)
    return FitResult(
        surrogate=surrogate, metrics=metrics, history=history, best_epoch=max(member_best),
        n_train=train.n_samples, n_valid=valid.n_samples,
        seconds=time.perf_counter() - started, config=config,
        member_best_epochs=member_best, epochs_run=epoch,
        validation_scheme=_validation_scheme(train, valid),
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def package_versions() -> dict[str, str]:
    """Installed versions of paretoplan, torch, numpy and safetensors (where importable)."""
    out: dict[str, str] = {}
    for name in ("paretoplan", "torch", "numpy", "safetensors"):
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return out


def model_card(result: FitResult, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-safe summary of a fit, for ``model/model_card.json``.

    Args:
        result: The fit to describe.
        extra: More entries (data hash, scenario name...) merged in at the top level.

    Returns:
        Features, outcomes, row counts, validation scheme, per-outcome metrics next to the
        baseline's, calibration (interval coverage), architecture, training record and
        training ranges. Non-finite numbers become ``null``.
    """
    surrogate = result.surrogate
    metrics = {name: {k: v for k, v in m.items() if not k.startswith("baseline_")}
               for name, m in result.metrics.items()}
    baseline = {name: {k.removeprefix("baseline_"): v for k, v in m.items()
                       if k.startswith("baseline_")}
                for name, m in result.metrics.items()}
    card: dict[str, Any] = {
        "kind": "mlp-ensemble",
        "features": list(surrogate.feature_names),
        "outcomes": list(surrogate.outcome_names),
        "n_train": result.n_train,
        "n_valid": result.n_valid,
        "validation": {
            "scheme": result.validation_scheme,
            "metrics_on": "validation rows, ensemble mean, outcome units",
        },
        "metrics": metrics,
        "baseline": {"model": f"ridge regression on standardised inputs (alpha={RIDGE_ALPHA})",
                     "metrics": baseline},
        "uncertainty": {
            "std": "ensemble spread: standard deviation over members (ddof=1), outcome units",
            "coverage_95": f"share of validation rows inside mean ± {COVERAGE_Z}·std",
            "coverage": {name: m.get("coverage_95") for name, m in result.metrics.items()},
            "note": "the spread measures model (epistemic) uncertainty only, not the "
                    "batch-to-batch scatter of the process; coverage well below 0.95 means "
                    "it understates how far single batches fall from the mean",
        },
        "architecture": surrogate.network.architecture,
        "training": {
            "seconds": round(result.seconds, 3),
            "epochs_run": result.epochs_run,
            "best_epoch": result.best_epoch,
            "member_best_epochs": list(result.member_best_epochs),
            "history": [round(v, 6) for v in result.history],
            "config": result.config.model_dump(mode="json"),
        },
        "training_ranges": {k: list(v) for k, v in surrogate.training_ranges.items()},
        "versions": package_versions(),
    }
    if extra:
        card.update(extra)
    return _json_safe(card)
