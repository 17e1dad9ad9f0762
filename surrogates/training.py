"""Training for a planned line: one pooled model, or pretraining on every line and
fine-tuning on the planned line's few rows; with held-out figures and sensitivities.

This is what ``paretoplan train`` runs. The choice is made here, from the row counts,
and written into the model card so an engineer can see what was done and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from surrogates.config import EnsembleConfig
from surrogates.dataset import ProcessDataset
from surrogates.fit import FitResult, ProgressCallback, evaluate, fine_tune, fit_ensemble
from surrogates.sensitivity import partial_dependence, sensitivity_table
from surrogates.splits import time_split, train_valid_test_indices

__all__ = ["LineTraining", "train_for_line"]

StageCallback = Callable[[str, int], None]


@dataclass
class LineTraining:
    """What :func:`train_for_line` returns.

    Attributes:
        fit: The final model and its held-out figures.
        mode: ``"pooled"`` (one model on every line) or ``"pretrained+fine-tuned"``.
        reason: Why this mode was chosen, one sentence.
        card: Entries for the model card: data summary, mode, pretraining figures,
            sensitivities and partial-dependence curves.
    """

    fit: FitResult
    mode: str
    reason: str
    card: dict[str, Any] = field(default_factory=dict)


def _data_summary(ds: ProcessDataset, lines: np.ndarray | None) -> dict[str, Any]:
    out: dict[str, Any] = {"rows": ds.n_samples}
    if ds.timestamps is not None and ds.n_samples:
        out["span"] = [str(np.min(ds.timestamps))[:19], str(np.max(ds.timestamps))[:19]]
    if lines is not None:
        names, counts = np.unique(lines.astype(str), return_counts=True)
        out["lines"] = {str(k): int(v) for k, v in zip(names, counts, strict=True)}
    return out


def _choose(config: EnsembleConfig, lines: np.ndarray | None, target: str | None
            ) -> tuple[bool, str]:
    if config.fine_tune == "never":
        return False, "fine-tuning is switched off (surrogate.fine_tune: never)"
    if lines is None or target is None:
        return False, "the logs name no line to fine-tune for"
    n_target = int((lines == target).sum())
    n_other = int(len(lines) - n_target)
    if n_other == 0:
        return False, f"the logs hold only line {target}, nothing to pretrain on"
    if config.fine_tune == "always":
        return True, "fine-tuning was asked for (surrogate.fine_tune: always)"
    if n_target >= config.fine_tune_below:
        return False, (f"line {target} has {n_target} usable rows (at least "
                       f"fine_tune_below = {config.fine_tune_below}): one model learns all "
                       "lines together, the line as an input")
    if n_other < n_target:
        return False, (f"line {target} has more rows ({n_target}) than the other lines "
                       f"({n_other}): one pooled model")
    return True, (f"line {target} has only {n_target} usable rows against {n_other} on "
                  "the other lines: pretrained on every line, fine-tuned on its rows")


def train_for_line(
    dataset: ProcessDataset,
    config: EnsembleConfig,
    *,
    lines: np.ndarray | None = None,
    target: str | None = None,
    vary: Sequence[str] = (),
    trials: np.ndarray | None = None,
    progress: ProgressCallback | None = None,
    on_stage: StageCallback | None = None,
) -> LineTraining:
    """Train the surrogate the scenario needs and describe it.

    Pooled mode: one time-ordered split (train / validation / test) of every row, one
    model. Fine-tuning mode: the planned line's rows are split by time; the model is
    pretrained on every other row (the planned line's training rows included) with the
    most recent of them for early stopping, then fine-tuned on the planned line's
    training rows and scored on its test rows, next to the pretrained model as is.

    Args:
        dataset: Every usable row, line indicators among the features.
        config: Surrogate settings.
        lines: Line of each row, ``(n,)`` (``None`` if the logs name no line).
        target: The planned line.
        vary: Inputs whose sensitivities are reported (the setpoints).
        trials: Optional ``(n,)`` bool mask of plant-trial rows: always trained on, never
            held out (see :func:`~surrogates.splits.train_valid_test_indices`).
        progress: Per-epoch callback, as in :func:`fit_ensemble`.
        on_stage: Called as ``on_stage(description, max_epochs)`` when a training stage
            starts.

    Returns:
        The fit, the mode and why, and the model-card entries.
    """
    lines_str = None if lines is None else np.asarray(lines).astype(str)
    tune, reason = _choose(config, lines_str, target)
    extra: dict[str, Any] = {"data": _data_summary(dataset, lines_str)}
    if trials is not None and trials.any():
        extra["data"]["trial_rows_trained_on"] = int(trials.sum())

    def stage(text: str) -> None:
        if on_stage is not None:
            on_stage(text, config.max_epochs)

    if not tune:
        stage("training surrogate")
        tr, va, te = train_valid_test_indices(dataset, config.valid_fraction,
                                              config.test_fraction, trials)
        test = dataset.subset(te)
        fit = fit_ensemble(dataset.subset(tr), dataset.subset(va), config, progress,
                           test=test, on_stage=stage)
        mode = "pooled"
        reference = test
        if lines_str is not None and target is not None and (lines_str[te] == target).any():
            reference = dataset.subset(te[lines_str[te] == target])
    else:
        assert lines_str is not None and target is not None
        in_target = np.flatnonzero(lines_str == target)
        tr, va, te = (in_target[i] for i in train_valid_test_indices(
            dataset.subset(in_target), config.valid_fraction, config.test_fraction,
            None if trials is None else trials[in_target]))
        held = np.zeros(dataset.n_samples, dtype=bool)
        held[va] = held[te] = True
        pool = dataset.subset(~held)
        p_tr, p_va = time_split(pool, config.valid_fraction)
        t_train, t_valid, t_test = dataset.subset(tr), dataset.subset(va), dataset.subset(te)
        stage("pretraining surrogate (every line)")
        pre = fit_ensemble(p_tr, p_va, config, progress, test=t_test, baselines=False,
                           on_stage=stage)
        stage(f"fine-tuning surrogate for line {target}")
        fit = fine_tune(pre.surrogate, t_train, t_valid, config, progress, test=t_test,
                        baseline_train=pool)
        if pre.input_encoding.get("reason"):  # the decision was the pretraining's
            fit.input_encoding = {**pre.input_encoding,
                                  "reason": f"pretraining: {pre.input_encoding['reason']}"}
        as_is = evaluate(pre.surrogate, p_tr, t_test, baselines=False)
        fit.fine_tuning.update({
            "pretrained_on_rows": p_tr.n_samples,
            "pretrained_epochs_run": pre.epochs_run,
            "pretrained_seconds": round(pre.seconds, 3),
            "pretrained_as_is_on_test": {k: {m: v[m] for m in ("r2", "mae", "coverage_90")}
                                         for k, v in as_is.items()},
        })
        mode = "pretrained+fine-tuned"
        reference = t_test
    extra["mode"] = mode
    extra["mode_reason"] = reason
    if target is not None:
        extra["line_planned"] = target
    names = [v for v in vary if v in dataset.feature_names]
    if names:
        curves = partial_dependence(fit.surrogate, reference.X, names, dataset.X,
                                    seed=config.seed)
        extra["sensitivities"] = sensitivity_table(curves)
        extra["sensitivity_method"] = (
            f"partial dependence on {min(reference.n_samples, 500)} held-out rows"
            + (f" of line {target}" if target is not None else "")
            + ": mean prediction with the input set to each of 11 values from its 5th to "
              "95th logged percentile; value = change of the outcome from the low to the "
              "high end (outcome units)")
        extra["partial_dependence"] = curves
    return LineTraining(fit, mode, reason, extra)

