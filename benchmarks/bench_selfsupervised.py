"""Does masked-feature pretraining on unlabeled rows help when outcomes are scarce?

    .venv/bin/python benchmarks/bench_selfsupervised.py [--sizes 50 100 200] [--seeds 0 1]

On the bundled batch reactor (cleaned logs): the test rows are the most recent 30% of
all batches. A few labeled rows (the earliest n, split 80/20 by time for early stopping
and calibration) train the default ensemble (a) from a random start and (b) from hidden
layers pretrained by surrogates.selfsupervised.masked_pretrain on the inputs of every
earlier row (outcomes unused). Prints the held-out MAE per outcome, mean over seeds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import BUNDLED, machine

from optimizer.pipeline import prepare_data
from optimizer.scenario import load_scenario
from surrogates.fit import fit_ensemble
from surrogates.selfsupervised import masked_pretrain
from surrogates.splits import time_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=int, default=60, help="pretraining epochs")
    args = parser.parse_args()
    t0 = time.perf_counter()
    scenario = load_scenario(BUNDLED)
    ds = prepare_data(scenario).dataset
    order = np.argsort(ds.timestamps, kind="stable")
    cut = int(0.7 * len(order))
    test = ds.subset(np.sort(order[cut:]))
    unlabeled = ds.X[np.sort(order[:cut])]
    names = ds.outcome_names
    print(f"machine: {machine()}")
    print(f"unlabeled rows {len(unlabeled)}, test rows {test.n_samples}\n")
    rows: dict[tuple[str, int], list[list[float]]] = {}
    for seed in args.seeds:
        config = scenario.surrogate.model_copy(update={"seed": seed})
        trunk = masked_pretrain(unlabeled, config, epochs=args.epochs)
        for n in args.sizes:
            train, valid = time_split(ds.subset(np.sort(order[:n])), 0.2)
            for label, init in (("random start", None), ("masked pretraining", trunk)):
                fit = fit_ensemble(train, valid, config, test=test, baselines=False, init=init)
                rows.setdefault((label, n), []).append([fit.metrics[o]["mae"] for o in names])
        print(f"seed {seed} done ({time.perf_counter() - t0:.0f} s)", flush=True)
    print("\n| labeled rows | start | " + " | ".join(f"MAE {o}" for o in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for n in args.sizes:
        for label in ("random start", "masked pretraining"):
            mae = np.mean(rows[(label, n)], axis=0)
            print(f"| {n} | {label} | " + " | ".join(f"{v:.3g}" for v in mae) + " |")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
