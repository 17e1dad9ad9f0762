"""Real data: UCI concrete strength, cross-validated with whole mixes held out.

    .venv/bin/python benchmarks/bench_concrete.py [--data ../shared/data/concrete/concrete.csv]
        [--folds 5] [--log-age]

Mixes (the seven component amounts) repeat at several ages, so a random row split puts
the same mix in training and test and flatters every model (about 0.94 R²); here whole
mixes are held out (GroupKFold-style folds from surrogates.splits.group_kfold). In each
fold the default ensemble (5 x 3x128, early stopping and calibration on a grouped 15% of
the training mixes) is scored next to gradient boosting and ridge, trained on the same
rows. ``--log-age`` feeds log(age) instead of age (trees do not care; networks and ridge
do). Data: see ../shared/data/concrete/README.md (Yeh 1998, CC BY 4.0).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import ROOT, machine

from surrogates.config import EnsembleConfig
from surrogates.dataset import ProcessDataset
from surrogates.expressions import Expression
from surrogates.fit import fit_ensemble
from surrogates.splits import group_kfold, group_split

DEFAULT = ROOT.parent / "shared" / "data" / "concrete" / "concrete.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-age", action="store_true")
    parser.add_argument("--valid", type=float, default=0.15,
                        help="share of the training mixes for early stopping/calibration")
    parser.add_argument("--derive", nargs="*", default=[], metavar="NAME=EXPR",
                        help="extra inputs computed from the mix, e.g. "
                        "w_b='water / (cement + blast_furnace_slag + fly_ash)'")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=JSON",
                        help="override surrogate settings, e.g. --set bootstrap=true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    frame = pd.read_csv(args.data)
    inputs = list(frame.columns[:8])
    frame["mix"] = frame[inputs[:7]].astype(str).agg("|".join, axis=1)
    for item in args.derive:
        name, text = item.split("=", 1)
        frame[name] = Expression.parse(text, names=inputs, where=name).evaluate(
            {c: frame[c].to_numpy(float) for c in inputs})
    inputs = inputs + [item.split("=", 1)[0] for item in args.derive]
    if args.log_age:
        frame["age_days"] = np.log(frame["age_days"])
    ds = ProcessDataset.from_frame(frame, inputs, ["strength_mpa"], group_column="mix",
                                   source=str(args.data))
    config = EnsembleConfig(seed=args.seed, **{k: json.loads(v) for k, v in (
        item.split("=", 1) for item in args.set)})
    print(f"machine: {machine()}")
    print(f"{ds.n_samples} rows, {len(np.unique(ds.groups))} mixes, {args.folds} grouped "
          f"folds, age as {'log(age)' if args.log_age else 'given (log_inputs may log it)'}"
          f", settings {args.set or 'default'}\n")
    scores = {"network": [], "gradient boosting": [], "ridge": [], "coverage_90": []}
    for k, (train_idx, test_idx) in enumerate(group_kfold(ds, args.folds, seed=args.seed)):
        train, valid = group_split(ds.subset(train_idx), args.valid, seed=args.seed)
        test = ds.subset(test_idx)
        fit = fit_ensemble(train, valid, config, test=test)
        m = fit.metrics["strength_mpa"]
        scores["network"].append(m["r2"])
        scores["gradient boosting"].append(m["baseline_r2"])
        scores["ridge"].append(m["ridge_r2"])
        scores["coverage_90"].append(m["coverage_90"])
        print(f"fold {k + 1}: network R² {m['r2']:.3f}, gradient boosting "
              f"{m['baseline_r2']:.3f}, ridge {m['ridge_r2']:.3f}, 90% coverage "
              f"{m['coverage_90']:.0%} ({fit.input_encoding['chosen']} inputs, "
              f"{fit.epochs_run} epochs, "
              f"{time.perf_counter() - t0:.0f} s)", flush=True)
    print("\n| model | grouped CV R² (mean ± sd over folds) |")
    print("|---|---|")
    for name in ("network", "gradient boosting", "ridge"):
        v = np.array(scores[name])
        print(f"| {name} | {v.mean():.3f} ± {v.std(ddof=1):.3f} |")
    print(f"\nnetwork 90% interval coverage: {np.mean(scores['coverage_90']):.0%}; "
          f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
