"""Training of the MLP-ensemble surrogate: from scratch, or fine-tuned from a pretrained
one; calibration of its uncertainty; its figures next to simple baselines."""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import torch

from surrogates.baselines import (
    GB_SETTINGS,
    RIDGE_ALPHA,
    gradient_boosting_baseline,
    ridge_baseline,
)
from surrogates.config import EnsembleConfig
from surrogates.dataset import ProcessDataset
from surrogates.errors import InputError
from surrogates.metrics import interval_coverage, regression_metrics
from surrogates.mlp import EnsembleSurrogate, MLPEnsemble
from surrogates.transforms import Standardizer, log_columns, piecewise_bins
from surrogates.versions import package_versions

__all__ = ["COVERAGE_LEVELS", "EnsembleConfig", "FitResult", "calibration_scale",
           "evaluate", "fine_tune", "fit_ensemble", "model_card", "ridge_baseline",
           "training_threads"]

ProgressCallback = Callable[[int, int, float], None]

#: Nominal levels of the central intervals whose coverage is reported.
COVERAGE_LEVELS: tuple[float, ...] = (0.5, 0.68, 0.8, 0.9, 0.95)
#: The level the calibration targets.
CALIBRATION_LEVEL = 0.9
#: Half-width (in standard deviations) of the 95% interval.
COVERAGE_Z = 1.96
#: Minimum minibatch steps per epoch (see :func:`minibatch_size`).
MIN_STEPS = 8
#: ``input_encoding: auto`` counts the linear inputs as clearly better than an
#: alternative when their paired z statistic on the validation rows is below minus this.
_SIGNIFICANT_Z = 2.0
#: A member's validation loss must fall by this relative amount to count as improved.
_MIN_REL_IMPROVEMENT = 1e-4
#: Below this many multiply-adds per minibatch step (all members), training runs on one
#: thread: the ops are too small to split, and with other processes on the cores the
#: OpenMP barriers made 2 threads 10x slower than 1 in our measurements.
_SMALL_STEP_MACS = 1e7
#: Calibration factors are kept within these bounds (a handful of validation rows must
#: not shrink the uncertainty to nothing or blow it up without limit).
_SCALE_BOUNDS = (0.1, 20.0)


def _z(level: float) -> float:
    """Half-width in standard deviations of the central Gaussian interval of ``level``."""
    return NormalDist().inv_cdf(0.5 + level / 2.0)


@dataclass
class FitResult:
    """What :func:`fit_ensemble` and :func:`fine_tune` return.

    Attributes:
        surrogate: The trained surrogate, best-epoch weights per member, calibrated.
        metrics: Per outcome, on the test rows (the validation rows if no test rows were
            given): ``r2``, ``mae``, ``rmse`` of the ensemble mean; ``coverage_90`` and
            ``coverage_95`` (share inside the nominal 90% / 95% interval); ``mean_std``;
            ``train_r2``; the gradient-boosting baseline's ``baseline_r2``,
            ``baseline_mae``, ``baseline_rmse``; the ridge baseline's ``ridge_r2``,
            ``ridge_mae``, ``ridge_rmse``. Errors are in the outcome's units.
        history: Mean over members of the validation MSE (standardised units), per epoch.
        best_epoch: Last epoch (1-based) at which any member improved.
        n_train: Training rows.
        n_valid: Validation rows (early stopping and calibration).
        seconds: Wall time of the fit, scaling and metrics included.
        config: The settings used.
        member_best_epochs: Epoch whose weights each member keeps.
        epochs_run: Epochs trained before early stopping (or ``max_epochs``).
        validation_scheme: How the held-out rows relate to the training rows.
        n_test: Test rows (0 if the metrics are on the validation rows).
        calibration: ``std_scale`` per outcome, the rows it was fitted on, and the
            reliability (nominal levels and observed coverage per outcome) on the metric
            rows.
        fine_tuning: What fine-tuning did (empty for a fit from scratch).
        input_encoding: How the inputs reach the network: ``mode`` (the setting),
            ``chosen`` (``linear`` or ``piecewise``) and, for ``auto``, the validation
            MAEs (standardised) and paired z statistics that decided, the epochs of the
            network not kept, and a ``reason``. The training record (``history``,
            epochs) is the kept network's.
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
    n_test: int = 0
    calibration: dict[str, Any] = field(default_factory=dict)
    fine_tuning: dict[str, Any] = field(default_factory=dict)
    input_encoding: dict[str, Any] = field(default_factory=dict)


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


def minibatch_size(config: EnsembleConfig, n_rows: int) -> int:
    """Rows per minibatch: ``config.batch_size``, but small data gets at least
    ``MIN_STEPS`` steps per epoch (never below 32 rows, never above ``n_rows``)."""
    return max(1, min(config.batch_size, n_rows, max(32, math.ceil(n_rows / MIN_STEPS))))


def training_threads(config: EnsembleConfig, n_features: int, n_outcomes: int,
                     n_rows: int) -> int:
    """CPU threads :func:`fit_ensemble` uses: ``config.threads``, or 1 for small steps."""
    if config.threads is not None:
        return config.threads
    sizes = (n_features, *config.hidden, n_outcomes * (2 if config.heteroscedastic else 1))
    macs = config.n_members * minibatch_size(config, n_rows) * sum(
        a * b for a, b in itertools.pairwise(sizes))
    return 1 if macs < _SMALL_STEP_MACS else torch.get_num_threads()


def _check_pair(train: ProcessDataset, valid: ProcessDataset,
                test: ProcessDataset | None = None) -> None:
    for other in (valid, test):
        if other is not None and (train.feature_names, train.outcome_names) != (
                other.feature_names, other.outcome_names):
            raise InputError("training and held-out data have different columns",
                             location="features/outcomes", hint="split one dataset")
    if train.n_samples < 2:
        raise InputError(f"need at least 2 training rows; got {train.n_samples}",
                         hint="collect more batches or relax the log filters")
    if valid.n_samples < 1:
        raise InputError("no validation rows", hint="raise surrogate.valid_fraction")


def _validation_scheme(train: ProcessDataset, held: ProcessDataset) -> str:
    pct = round(100 * held.n_samples / (train.n_samples + held.n_samples))
    if (train.timestamps is not None and held.timestamps is not None
            and train.timestamps.max() <= held.timestamps.min()):
        return f"time-ordered, most recent {pct}% held out"
    if (train.groups is not None and held.groups is not None
            and not np.isin(held.groups, train.groups).any()):
        return f"grouped, whole groups held out ({pct}% of rows)"
    return f"caller-supplied hold-out ({pct}% of rows)"


def _tensor(values: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(values, dtype=torch.float32)


def _logged(X: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``X`` with the ``mask`` columns on a log scale (as :class:`EnsembleSurrogate` does)."""
    if not mask.any():
        return X
    out = np.array(X, dtype=np.float64, copy=True)
    out[:, mask] = np.log(np.maximum(out[:, mask], 1e-30))
    return out


def _train(
    network: MLPEnsemble,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    config: EnsembleConfig,
    generator: torch.Generator,
    *,
    learning_rate: float,
    weight_decay: float,
    anchor: float = 0.0,
    free_inputs: torch.Tensor | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[list[float], tuple[int, ...], int]:
    """Minibatch AdamW with per-member early stopping; keeps each member's best weights.

    The loss per member is the MSE of the standardised means plus, for heteroscedastic
    networks, the Gaussian negative log-likelihood of the variance heads with the means
    held fixed (so the scatter heads never trade accuracy of the mean for likelihood);
    ``anchor`` adds an L2-SP pull towards the starting weights (fine-tuning), except on
    the first-layer weights of the inputs flagged in ``free_inputs`` (``(d,)`` bool).

    Returns:
        ``(history, member_best_epochs, epochs_run)``.
    """
    X_t, Y_t, X_v, Y_v = data
    n, n_members = X_t.shape[0], network.n_members
    batch = minibatch_size(config, n)
    # an epoch is at least MIN_STEPS minibatch steps: tiny data (fine-tuning on a few
    # dozen rows) is passed several times, reshuffled each time
    passes = max(1, math.ceil(MIN_STEPS / math.ceil(n / batch)))
    history: list[float] = []
    optimizer = torch.optim.AdamW(
        [{"params": list(network.weights), "weight_decay": weight_decay},
         {"params": list(network.biases), "weight_decay": 0.0}],
        lr=learning_rate, fused=True)  # one elementwise kernel per tensor: ~10% faster
    if config.bootstrap:
        rows = torch.randint(0, n, (n_members, n), generator=generator)
    else:
        rows = torch.arange(n).expand(n_members, n)
    params = list(network.parameters())
    start_params = [p.detach().clone() for p in params] if anchor > 0 else []
    anchor_masks = [torch.ones(()) for _ in params]
    if anchor > 0 and free_inputs is not None:  # params[0] is weights[0], (E, in, h)
        anchor_masks[0] = (~network.input_rows(free_inputs)).float()[None, :, None]
    best_params = [p.detach().clone() for p in params]
    best_loss = torch.full((n_members,), math.inf)
    best_epoch = torch.zeros(n_members, dtype=torch.long)
    last_change = 0  # last epoch any member improved or the learning rate dropped
    epoch = 0
    for epoch in range(1, config.max_epochs + 1):
        network.train()
        perm = torch.cat([torch.stack([torch.randperm(n, generator=generator)
                                       for _ in range(n_members)]) for _ in range(passes)], 1)
        order = rows.gather(1, perm)  # (E, n * passes) row numbers
        for start in range(0, n * passes, batch):
            idx = order[:, start:start + batch]
            mu, var = network.split(network(X_t[idx]))
            target = Y_t[idx]
            loss = (mu - target).square().mean(dim=(1, 2)).sum()
            if var is not None:
                resid = (target - mu.detach()).square()
                loss = loss + 0.5 * (var.log() + resid / var).mean(dim=(1, 2)).sum()
            if anchor > 0:
                loss = loss + anchor * sum(
                    ((p - p0).square() * mask).sum()
                    for p, p0, mask in zip(params, start_params, anchor_masks, strict=True))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        network.eval()
        with torch.no_grad():
            val = (network.split(network(X_v))[0] - Y_v).square().mean(dim=(1, 2))
            improved = val < best_loss * (1.0 - _MIN_REL_IMPROVEMENT)
            if bool(improved.any()):
                best_loss = torch.where(improved, val, best_loss)
                best_epoch[improved] = epoch
                last_change = epoch
                for p, kept in zip(params, best_params, strict=True):
                    kept[improved] = p.detach()[improved]
        if config.plateau_factor < 1 and epoch - last_change >= max(1, config.patience // 2):
            for group in optimizer.param_groups:
                group["lr"] *= config.plateau_factor
            last_change = epoch
        history.append(float(val.mean()))
        if progress is not None:
            progress(epoch, config.max_epochs, history[-1])
        if int((epoch - best_epoch).min()) >= config.patience:
            break
    with torch.no_grad():
        for p, kept in zip(params, best_params, strict=True):
            p.copy_(kept)
    network.eval()
    return history, tuple(int(e) for e in best_epoch), epoch


def calibration_scale(surrogate: EnsembleSurrogate, rows: ProcessDataset,
                      level: float = CALIBRATION_LEVEL) -> np.ndarray:
    """Per outcome factor on the uncalibrated std that puts ``level`` of ``rows`` inside
    the nominal central interval (the empirical ``level`` quantile of
    ``|y - mean| / std`` over the Gaussian half-width), within ``_SCALE_BOUNDS``.

    Returns:
        Shape ``(n_outcomes,)``.
    """
    mean, std = surrogate.with_std_scale(np.ones(surrogate.n_outcomes)).predict(rows.X)
    ratio = np.abs(rows.Y - mean) / np.maximum(std, 1e-12)
    q = np.quantile(ratio, level, axis=0, method="higher")
    return np.clip(q / _z(level), *_SCALE_BOUNDS)


def reliability(Y: np.ndarray, mean: np.ndarray, std: np.ndarray,
                names: Sequence[str]) -> dict[str, dict[str, list[float]]]:
    """Observed coverage of the central intervals at ``COVERAGE_LEVELS`` per outcome."""
    observed = np.array([interval_coverage(Y, mean, std, _z(lv)) for lv in COVERAGE_LEVELS])
    return {name: {"nominal": list(COVERAGE_LEVELS),
                   "observed": [round(float(v), 4) for v in observed[:, j]]}
            for j, name in enumerate(names)}


def evaluate(
    surrogate: EnsembleSurrogate,
    train: ProcessDataset,
    rows: ProcessDataset,
    *,
    baselines: bool = True,
    baseline_train: ProcessDataset | None = None,
    seed: int = 0,
    prediction: tuple[np.ndarray, np.ndarray] | None = None,
    boosting_prediction: np.ndarray | None = None,
) -> dict[str, dict[str, float]]:
    """Accuracy and interval coverage of ``surrogate`` on ``rows``, next to baselines.

    Args:
        surrogate: The model.
        train: Its training rows (for ``train_r2``).
        rows: Held-out rows to score.
        baselines: Also fit gradient boosting and ridge and score them on ``rows``.
        baseline_train: Rows the baselines are fitted on (default ``train``).
        seed: Seed of the gradient-boosting baseline.
        prediction: ``surrogate.predict(rows.X)`` if the caller already has it.
        boosting_prediction: The gradient-boosting baseline's prediction at ``rows.X``
            if the caller already has it (fitted on ``baseline_train`` with ``seed``).

    Returns:
        ``{outcome: {metric: value}}``, see :class:`FitResult`.
    """
    names = rows.outcome_names
    mean, std = prediction if prediction is not None else surrogate.predict(rows.X)
    metrics = regression_metrics(rows.Y, mean, names)
    train_scores = regression_metrics(train.Y, surrogate.predict(train.X)[0], names, "train_")
    cov90 = interval_coverage(rows.Y, mean, std, _z(0.9))
    cov95 = interval_coverage(rows.Y, mean, std, COVERAGE_Z)
    mean_std = std.mean(axis=0)
    for j, name in enumerate(names):
        metrics[name].update(coverage_90=float(cov90[j]), coverage_95=float(cov95[j]),
                             mean_std=float(mean_std[j]),
                             train_r2=train_scores[name]["train_r2"])
    if baselines:
        fit_on = baseline_train or train
        if boosting_prediction is None:
            boosting_prediction = gradient_boosting_baseline(fit_on, rows.X, seed)
        gb = regression_metrics(rows.Y, boosting_prediction,
                                names, "baseline_")
        ridge = regression_metrics(rows.Y, ridge_baseline(fit_on, rows.X), names, "ridge_")
        for name in names:
            metrics[name].update(gb[name])
            metrics[name].update(ridge[name])
    return metrics


def _finish(
    network: MLPEnsemble,
    scalers: tuple[Standardizer, Standardizer, np.ndarray],
    ranges: dict[str, tuple[float, float]],
    parts: tuple[ProcessDataset, ProcessDataset, ProcessDataset | None],
    config: EnsembleConfig,
    record: tuple[list[float], tuple[int, ...], int],
    started: float,
    *,
    baselines: bool,
    baseline_train: ProcessDataset | None,
    fine_tuning: dict[str, Any] | None = None,
    input_encoding: dict[str, Any] | None = None,
    boosting_prediction: np.ndarray | None = None,
) -> FitResult:
    """Calibrate on the validation rows, score on the test rows, pack the result."""
    train, valid, test = parts
    x_scaler, y_scaler, logs = scalers
    surrogate = EnsembleSurrogate(network, x_scaler, y_scaler, train.feature_names,
                                  train.outcome_names, ranges, log_inputs=logs,
                                  clamp_inputs=config.bounded_mean)
    scale = calibration_scale(surrogate, valid) if config.calibrate else np.ones(
        train.n_outcomes)
    surrogate = surrogate.with_std_scale(scale)
    scored = test if test is not None else valid
    mean, std = surrogate.predict(scored.X)
    metrics = evaluate(surrogate, train, scored, baselines=baselines,
                       baseline_train=baseline_train, seed=config.seed,
                       prediction=(mean, std), boosting_prediction=boosting_prediction)
    calibration = {
        "method": (f"std scaled per outcome so that {CALIBRATION_LEVEL:.0%} of the "
                   f"{valid.n_samples} validation rows fall inside the nominal "
                   f"{CALIBRATION_LEVEL:.0%} interval") if config.calibrate else "none",
        "std_scale": dict(zip(train.outcome_names, (float(v) for v in scale), strict=True)),
        "scored_on": "test rows" if test is not None else "validation rows",
        "outcomes": reliability(scored.Y, mean, std, train.outcome_names),
    }
    history, member_best, epochs_run = record
    return FitResult(
        surrogate=surrogate, metrics=metrics, history=history, best_epoch=max(member_best),
        n_train=train.n_samples, n_valid=valid.n_samples,
        seconds=time.perf_counter() - started, config=config,
        member_best_epochs=member_best, epochs_run=epochs_run,
        validation_scheme=_validation_scheme(train, scored),
        n_test=0 if test is None else test.n_samples, calibration=calibration,
        fine_tuning=dict(fine_tuning or {}),
        input_encoding=dict(input_encoding or {}),
    )


def fit_ensemble(
    train: ProcessDataset,
    valid: ProcessDataset,
    config: EnsembleConfig,
    progress: ProgressCallback | None = None,
    *,
    test: ProcessDataset | None = None,
    baselines: bool = True,
    baseline_train: ProcessDataset | None = None,
    init: MLPEnsemble | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> FitResult:
    """Train an MLP ensemble from scratch with early stopping on ``valid``.

    All members train together (one batched forward/backward per minibatch) with AdamW.
    Members differ by their initial weights and their minibatch order (and, with
    ``config.bootstrap``, their resample of the rows). After each epoch every member's
    validation MSE is measured and its best weights so far kept; training stops once no
    member has improved for ``config.patience`` epochs. The std is then calibrated on
    ``valid`` (``config.calibrate``) and the model scored on ``test``. The run is seeded
    and uses deterministic torch algorithms, so the same data and config give
    bit-identical predictions on the same machine and thread count.

    Args:
        train: Training rows.
        valid: Rows for early stopping and calibration (the time-ordered split of
            :func:`~surrogates.splits.train_valid_test`).
        config: Ensemble settings.
        progress: Called after every epoch as ``progress(epoch, max_epochs, val_loss)``.
        test: Rows for the reported metrics; without them the metrics are on ``valid``.
        baselines: Also score gradient boosting and ridge regression.
        baseline_train: Rows the baselines are fitted on (default ``train``).
        init: Start from these hidden-layer weights (e.g. self-supervised pretraining)
            instead of a random draw; the output layer is drawn afresh.
        on_stage: Called with a description when ``input_encoding: auto`` starts its
            second network (progress then counts epochs from 1 again).

    Returns:
        The surrogate, held-out metrics next to the baselines, and the training record.

    Raises:
        InputError: Columns differ between the parts, or too few rows.
    """
    _check_pair(train, valid, test)
    started = time.perf_counter()
    logs = log_columns(train.X) if config.log_inputs == "auto" else np.zeros(
        train.n_features, dtype=bool)
    x_train, x_valid = _logged(train.X, logs), _logged(valid.X, logs)
    x_scaler, y_scaler = Standardizer.fit(x_train), Standardizer.fit(train.Y)
    data = (_tensor(x_scaler.transform(x_train)), _tensor(y_scaler.transform(train.Y)),
            _tensor(x_scaler.transform(x_valid)), _tensor(y_scaler.transform(valid.Y)))
    scalers = (x_scaler, y_scaler, logs)
    boosting_prediction: np.ndarray | None = None
    threads = training_threads(config, train.n_features, train.n_outcomes, train.n_samples)

    def attempt(bins: int) -> tuple[MLPEnsemble, tuple[list[float], tuple[int, ...], int]]:
        with _training_context(threads):
            generator = torch.Generator().manual_seed(config.seed)
            network = MLPEnsemble(train.n_features, train.n_outcomes, config.n_members,
                                  config.hidden, config.activation, config.heteroscedastic,
                                  bins, generator=generator)
            if bins:
                network.set_encoding(piecewise_bins(data[0].numpy(), bins))
            if init is not None:
                _copy_trunk(init, network)
            record = _train(network, data, config, generator,
                            learning_rate=config.learning_rate,
                            weight_decay=config.weight_decay, progress=progress)
        return network, record

    def valid_errors(network: MLPEnsemble) -> np.ndarray:
        surrogate = EnsembleSurrogate(network, x_scaler, y_scaler, train.feature_names,
                                      train.outcome_names, train.ranges(), log_inputs=logs,
                                      clamp_inputs=config.bounded_mean)
        return _abs_errors(surrogate.predict(valid.X)[0], valid.Y, y_scaler)

    if init is not None:  # the pretrained trunk fixes the encoding
        network, record = attempt(init.encoding_bins)
        choice: dict[str, Any] = {
            "mode": config.input_encoding,
            "chosen": "piecewise" if init.encoding_bins else "linear",
            "reason": "as in the pretrained hidden layers the training started from"}
    elif config.input_encoding != "auto":
        bins = config.encoding_bins if config.input_encoding == "piecewise" else 0
        network, record = attempt(bins)
        choice = {"mode": config.input_encoding, "chosen": config.input_encoding}
    else:
        network, record = attempt(0)
        linear = valid_errors(network)
        # one boosting fit serves the decision (validation rows) and the card (the test
        # rows, or the validation rows without them)
        with_test = test is not None and baselines
        boosted = gradient_boosting_baseline(
            baseline_train or train,
            np.vstack([valid.X, test.X]) if with_test else valid.X, config.seed)
        if baselines:
            boosting_prediction = boosted[valid.n_samples:] if with_test else boosted
        trees = _abs_errors(boosted[:valid.n_samples], valid.Y, y_scaler)
        z_trees = _paired_z(linear, trees, valid.groups)
        choice = {"mode": "auto", "chosen": "linear",
                  "valid_mae": {"linear": round(float(linear.mean()), 6),
                                "gradient_boosting": round(float(trees.mean()), 6)},
                  "z_linear_vs_gradient_boosting": round(z_trees, 3)}
        if z_trees > -_SIGNIFICANT_Z:
            if on_stage is not None:
                on_stage("training surrogate with piecewise-encoded inputs")
            other, other_record = attempt(config.encoding_bins)
            piecewise = valid_errors(other)
            z_piecewise = _paired_z(linear, piecewise, valid.groups)
            choice["valid_mae"]["piecewise"] = round(float(piecewise.mean()), 6)
            choice["z_linear_vs_piecewise"] = round(z_piecewise, 3)
            if z_piecewise > -_SIGNIFICANT_Z:
                choice["linear_epochs_run"] = record[2]
                network, record, choice["chosen"] = other, other_record, "piecewise"
            else:
                choice["piecewise_epochs_run"] = other_record[2]
        choice["reason"] = _encoding_reason(choice)
    return _finish(network, scalers, train.ranges(), (train, valid, test),
                   config, record, started, baselines=baselines,
                   baseline_train=baseline_train, input_encoding=choice,
                   boosting_prediction=boosting_prediction)


def _abs_errors(mean: np.ndarray, Y: np.ndarray, y_scaler: Standardizer) -> np.ndarray:
    """Per row, the absolute error of ``mean`` in standardised units, averaged over
    outcomes, ``(n,)`` (absolute rather than squared: a few outlying rows must not
    decide the comparisons of :func:`_paired_z` alone)."""
    return np.mean(np.abs((mean - Y) / y_scaler.scale), axis=1)


def _paired_z(first: np.ndarray, second: np.ndarray, groups: np.ndarray | None) -> float:
    """How clearly ``first`` has the smaller errors than ``second``, as a z score.

    The per-row differences ``first - second`` are summed per group (e.g. one mix), so
    repeated measurements do not count as independent evidence; their paired t statistic
    is turned into the standard-normal score of the same one-sided probability (Student's
    t with ``n - 1`` degrees of freedom), so that the threshold means the same with 5
    groups as with 500. Negative: ``first`` is better. 0 with fewer than 3 observations
    or no spread (nothing can be told apart).
    """
    from scipy import stats  # only needed here

    diff = np.asarray(first, dtype=np.float64) - np.asarray(second, dtype=np.float64)
    if groups is not None:
        _, index = np.unique(groups, return_inverse=True)
        diff = np.bincount(index, weights=diff)
    n = len(diff)
    if n < 3:
        return 0.0
    se = diff.std(ddof=1) / math.sqrt(n)
    if not se > 0:
        return 0.0
    t = float(diff.mean() / se)
    return float(np.clip(stats.norm.ppf(stats.t.cdf(t, n - 1)), -40.0, 40.0))


def _encoding_reason(choice: dict[str, Any]) -> str:
    """One sentence on why ``input_encoding: auto`` chose what it chose."""
    mae = choice["valid_mae"]
    if "piecewise" not in mae:
        return (f"the network with linear inputs beat gradient boosting clearly on the "
                f"validation rows (standardised MAE {mae['linear']:.4g} against "
                f"{mae['gradient_boosting']:.4g}, paired z "
                f"{choice['z_linear_vs_gradient_boosting']:.1f}), so the response looks "
                f"smooth and no piecewise encoding was tried")
    if choice["chosen"] != "piecewise":
        verdict = "the linear inputs were clearly better and were kept"
    elif choice["z_linear_vs_piecewise"] > _SIGNIFICANT_Z:
        verdict = "it was kept: clearly better than the linear inputs"
    else:
        verdict = "it was kept: the linear inputs were not clearly better"
    return (f"gradient boosting came close to (or beat) the network with linear inputs on the "
            f"validation rows (standardised MAE {mae['gradient_boosting']:.4g} against "
            f"{mae['linear']:.4g}), a sign of sharp, local effects; a network with "
            f"piecewise-linear encoded inputs reached {mae['piecewise']:.4g} and {verdict} "
            f"(paired z {choice['z_linear_vs_piecewise']:.1f})")


def _copy_trunk(source: MLPEnsemble, target: MLPEnsemble) -> None:
    """Copy the hidden layers and the input encoding of ``source`` into ``target`` (same
    sizes required)."""
    pairs = list(zip(source.weights[:-1], target.weights[:-1], strict=True)) + list(
        zip(source.biases[:-1], target.biases[:-1], strict=True)) + list(
        zip(source.buffers(), target.buffers(), strict=True))  # the input encoding
    with torch.no_grad():
        for src, dst in pairs:
            if src.shape != dst.shape:
                raise ValueError(f"pretrained layer of shape {tuple(src.shape)} does not fit "
                                 f"{tuple(dst.shape)}")
            dst.copy_(src)


def _merge_ranges(*ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for part in ranges:
        for k, (lo, hi) in part.items():
            a, b = out.get(k, (lo, hi))
            out[k] = (min(a, lo), max(b, hi))
    return out


def fine_tune(
    pretrained: EnsembleSurrogate,
    train: ProcessDataset,
    valid: ProcessDataset,
    config: EnsembleConfig,
    progress: ProgressCallback | None = None,
    *,
    test: ProcessDataset | None = None,
    baselines: bool = True,
    baseline_train: ProcessDataset | None = None,
) -> FitResult:
    """Adapt a pretrained ensemble to few rows (a new or changed line).

    Every weight is trained further on ``train`` with ``config.fine_tune_learning_rate``,
    no weight decay but an L2-SP penalty ``config.fine_tune_anchor``·‖w − w₀‖² towards the
    pretrained weights, and early stopping on ``valid``; the scalers stay the pretrained
    ones. Inputs that were constant in pretraining (the indicator of a line it never saw)
    carried no information: their first-layer weights start at zero, so the starting
    point is exactly the pretrained model, and they are not anchored. If the fine-tuned
    ensemble does not beat that starting point on ``valid``, the starting point is kept
    (the result says so). The std is recalibrated on ``valid``.

    Args:
        pretrained: The model to start from (not modified).
        train: The target's training rows; same columns as the pretrained model.
        valid: The target's rows for early stopping, the keep-or-not choice and calibration.
        config: Settings (epochs, patience, batch size and the ``fine_tune_*`` fields).
        progress: Called after every epoch as ``progress(epoch, max_epochs, val_loss)``.
        test: The target's rows for the reported metrics.
        baselines: Also score gradient boosting and ridge regression.
        baseline_train: Rows the baselines are fitted on (default ``train``).

    Returns:
        The adapted (or kept) surrogate with its metrics; ``fine_tuning`` records the
        validation MSE before and after, the epochs, and which model was kept.

    Raises:
        InputError: Columns differ from the pretrained model's, or too few rows.
    """
    _check_pair(train, valid, test)
    if (train.feature_names, train.outcome_names) != (pretrained.feature_names,
                                                      pretrained.outcome_names):
        raise InputError("the rows to fine-tune on have other columns than the pretrained "
                         "model", location="features/outcomes",
                         hint="use the pretrained model's features and outcomes")
    started = time.perf_counter()
    x_scaler, y_scaler, logs = pretrained.x_scaler, pretrained.y_scaler, pretrained.log_inputs
    data = (_tensor(x_scaler.transform(_logged(train.X, logs))),
            _tensor(y_scaler.transform(train.Y)),
            _tensor(x_scaler.transform(_logged(valid.X, logs))),
            _tensor(y_scaler.transform(valid.Y)))

    def valid_mse(net: MLPEnsemble) -> float:
        with torch.no_grad():
            return float((net.split(net(data[2]))[0].mean(dim=0) - data[3]).square().mean())

    threads = training_threads(config, train.n_features, train.n_outcomes, train.n_samples)
    with _training_context(threads):
        generator = torch.Generator().manual_seed(config.seed)
        network = copy.deepcopy(pretrained.network)
        free = torch.tensor([lo == hi for lo, hi in (
            pretrained.training_ranges.get(name, (0.0, 1.0))
            for name in pretrained.feature_names)])
        with torch.no_grad():
            network.weights[0][:, network.input_rows(free), :] = 0.0
        start = copy.deepcopy(network)
        before = valid_mse(network)
        record = _train(network, data, config, generator,
                        learning_rate=config.fine_tune_learning_rate, weight_decay=0.0,
                        anchor=config.fine_tune_anchor, free_inputs=free, progress=progress)
        after = valid_mse(network)
    kept = "fine-tuned" if after < before else "pretrained"
    if kept == "pretrained":
        network = start
    info = {
        "method": ("all weights trained further from the pretrained ones (L2-SP anchor "
                   f"{config.fine_tune_anchor:g}, learning rate "
                   f"{config.fine_tune_learning_rate:g}, early stopping on the target's "
                   "validation rows); pretrained scalers kept"),
        "rows": train.n_samples,
        "valid_rows": valid.n_samples,
        "valid_mse_pretrained": round(before, 6),
        "valid_mse_fine_tuned": round(after, 6),
        "kept": kept,
        "epochs_run": record[2],
        "new_inputs": [n for n, f in zip(pretrained.feature_names, free.tolist(), strict=True)
                       if f],
    }
    ranges = _merge_ranges(pretrained.training_ranges, train.ranges())
    return _finish(network, (x_scaler, y_scaler, logs), ranges, (train, valid, test), config,
                   record, started, baselines=baselines, baseline_train=baseline_train,
                   fine_tuning=info,
                   input_encoding={"mode": config.input_encoding,
                                   "chosen": "piecewise" if network.encoding_bins else "linear",
                                   "reason": "as in the pretrained model"})


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


def card_warnings(result: FitResult) -> list[str]:
    """Plain-language warnings about a fit: losing to a baseline, poor calibration, poor fit.
    """
    out: list[str] = []
    where = "test" if result.n_test else "validation"
    for name, m in result.metrics.items():
        r2, base = m.get("r2"), m.get("baseline_r2")
        if r2 is not None and base is not None and r2 < base - 0.01:
            hint = ("; try surrogate.input_encoding: piecewise"
                    if result.input_encoding.get("chosen") == "linear"
                    and result.input_encoding.get("mode") != "auto" else "")
            out.append(f"{name}: the network (R² {r2:.2f}) loses to gradient boosting "
                       f"(R² {base:.2f}) on the {where} rows; its recommendations for "
                       f"{name} deserve less trust{hint}")
        elif r2 is not None and r2 < 0.5:
            out.append(f"{name}: poor fit on the {where} rows (R² {r2:.2f})")
        cov = m.get("coverage_90")
        if cov is not None and not 0.8 <= cov <= 0.97:
            side = "understates" if cov < 0.8 else "overstates"
            out.append(f"{name}: {cov:.0%} of the {where} rows fall inside the nominal 90% "
                       f"interval; the uncertainty {side} the real error")
    if result.fine_tuning.get("kept") == "pretrained":
        out.append("fine-tuning did not improve on the pretrained model for the planned "
                   "line, so the pretrained model is used as is")
    return out


def model_card(result: FitResult, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-safe summary of a fit, for ``model/model_card.json``.

    Args:
        result: The fit to describe.
        extra: More entries (data hash, scenario name, data summary, sensitivities...)
            merged in at the top level.

    Returns:
        Features, outcomes, row counts, validation scheme, per-outcome metrics next to the
        baselines', calibration, fine-tuning, warnings, architecture, training record and
        training ranges. Non-finite numbers become ``null``.
    """
    surrogate = result.surrogate

    def part(prefix: str) -> dict[str, dict[str, float]]:
        return {name: {k.removeprefix(prefix): v for k, v in m.items() if k.startswith(prefix)}
                for name, m in result.metrics.items()}

    metrics = {name: {k: v for k, v in m.items()
                      if not k.startswith(("baseline_", "ridge_"))}
               for name, m in result.metrics.items()}
    gb_settings = ", ".join(f"{k}={v}" for k, v in GB_SETTINGS.items())
    scored = "test" if result.n_test else "validation"
    card: dict[str, Any] = {
        "kind": "mlp-ensemble",
        "features": list(surrogate.feature_names),
        "outcomes": list(surrogate.outcome_names),
        "n_train": result.n_train,
        "n_valid": result.n_valid,
        "n_test": result.n_test,
        "validation": {
            "scheme": result.validation_scheme,
            "metrics_on": f"{scored} rows, ensemble mean, outcome units",
            "early_stopping_and_calibration_on": f"{result.n_valid} validation rows",
        },
        "metrics": metrics,
        "baseline": {"model": f"scikit-learn HistGradientBoostingRegressor ({gb_settings})",
                     "metrics": part("baseline_")},
        "baselines": {
            "gradient_boosting": part("baseline_"),
            "ridge": {"model": f"ridge regression on standardised inputs "
                      f"(alpha={RIDGE_ALPHA})", "metrics": part("ridge_")},
        },
        "uncertainty": {
            "std": ("predictive standard deviation: the members' spread (model uncertainty) "
                    + ("combined with their predicted batch-to-batch scatter, "
                       if surrogate.heteroscedastic else "")
                    + "times the calibration factor; outcome units"),
            "coverage_90": f"share of {scored} rows inside mean ± {_z(0.9):.3f}·std",
            "coverage": {name: m.get("coverage_90") for name, m in result.metrics.items()},
        },
        "calibration": result.calibration,
        "fine_tuning": result.fine_tuning or {"method": "none: trained from scratch"},
        "input_encoding": result.input_encoding,
        "warnings": card_warnings(result),
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
        "input_transforms": {"log": [n for n, f in zip(surrogate.feature_names,
                                                      surrogate.log_inputs, strict=True) if f]},
        "versions": package_versions(),
    }
    if extra:
        card.update(extra)
    return _json_safe(card)
