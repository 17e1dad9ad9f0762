"""A new line with few batches: from scratch, pretrained as is, or pretrained + fine-tuned.

    .venv/bin/python benchmarks/bench_finetune.py [--sizes 25 50 100 200] [--seeds 0 1 2]

On the bundled batch reactor (two lines, cleaned logs), line L2 plays the new line:
* pretrained: the default ensemble trained on every L1 row (most recent 15% for early
  stopping), never seeing an L2 row;
* from scratch: the default ensemble trained on L2's first n rows only;
* fine-tuned: the pretrained ensemble fine-tuned (surrogates.fit.fine_tune, defaults) on
  the same n rows.
The n rows are L2's earliest batches (a new line's first weeks), split by time 80/20 into
training and validation (early stopping, calibration); every model is scored on L2's most
recent 30% of batches. Prints held-out MAE per outcome (mean over seeds) and the share of
test rows inside the nominal 90% interval.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import BUNDLED, machine

from optimizer.pipeline import prepare_data
from optimizer.scenario import load_scenario
from surrogates.fit import fine_tune, fit_ensemble
from surrogates.splits import time_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--fine-tune-lr", type=float, default=None,
                        help="override surrogate.fine_tune_learning_rate")
    parser.add_argument("--anchor", type=float, default=None,
                        help="override surrogate.fine_tune_anchor")
    args = parser.parse_args()
    t0 = time.perf_counter()
    scenario = load_scenario(BUNDLED)
    data = prepare_data(scenario)
    ds = data.dataset
    lines = data.frame[scenario.logs.line_column].astype(str).to_numpy()
    order = np.argsort(ds.timestamps, kind="stable")
    l1 = np.sort(order[lines[order] == "L1"])
    l2 = order[lines[order] == "L2"]  # time order
    test = ds.subset(np.sort(l2[int(0.7 * len(l2)):]))
    names = ds.outcome_names
    print(f"machine: {machine()}")
    print(f"L1 rows {len(l1)}, L2 rows {len(l2)}, L2 test rows {test.n_samples}\n")

    results: dict[tuple[str, int], list[np.ndarray]] = {}
    coverage: dict[tuple[str, int], list[np.ndarray]] = {}
    for seed in args.seeds:
        update: dict[str, float] = {"seed": seed}
        if args.fine_tune_lr is not None:
            update["fine_tune_learning_rate"] = args.fine_tune_lr
        if args.anchor is not None:
            update["fine_tune_anchor"] = args.anchor
        config = scenario.surrogate.model_copy(update=update)
        p_train, p_valid = time_split(ds.subset(l1), config.valid_fraction)
        pre = fit_ensemble(p_train, p_valid, config, test=test, baselines=False)
        as_is = np.array([pre.metrics[n]["mae"] for n in names])
        as_is_cov = np.array([pre.metrics[n]["coverage_90"] for n in names])
        for n in args.sizes:
            rows = ds.subset(np.sort(l2[:n]))
            train, valid = time_split(rows, 0.2)
            scratch = fit_ensemble(train, valid, config, test=test, baselines=False)
            tuned = fine_tune(pre.surrogate, train, valid, config, test=test, baselines=False)
            for label, fit_mae, cov in (
                    ("from scratch", [scratch.metrics[o]["mae"] for o in names],
                     [scratch.metrics[o]["coverage_90"] for o in names]),
                    ("pretrained as is", as_is, as_is_cov),
                    ("fine-tuned", [tuned.metrics[o]["mae"] for o in names],
                     [tuned.metrics[o]["coverage_90"] for o in names])):
                results.setdefault((label, n), []).append(np.asarray(fit_mae))
                coverage.setdefault((label, n), []).append(np.asarray(cov))
            print(f"seed {seed} n {n}: fine-tuning kept {tuned.fine_tuning['kept']}, "
                  f"{tuned.fine_tuning['epochs_run']} epochs "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)

    print("\nHeld-out MAE on L2's latest 30% (mean over seeds "
          f"{', '.join(map(str, args.seeds))}); last column: share inside the 90% interval,"
          " mean over outcomes\n")
    print("| L2 rows | model | " + " | ".join(f"MAE {n}" for n in names) + " | 90% coverage |")
    print("|---|---|" + "---|" * len(names) + "---|")
    for n in args.sizes:
        for label in ("from scratch", "pretrained as is", "fine-tuned"):
            mae = np.mean(results[(label, n)], axis=0)
            cov = float(np.mean(coverage[(label, n)]))
            cells = " | ".join(f"{v:.3g}" for v in mae)
            print(f"| {n} | {label} | {cells} | {cov:.0%} |")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
