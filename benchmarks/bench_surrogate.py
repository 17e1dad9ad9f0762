"""Training and prediction speed of the MLP-ensemble surrogate.

    .venv/bin/python benchmarks/bench_surrogate.py [--rows 10000] [--inputs 20]

Trains the default ensemble (5 members, 3x128, early stopping, max 300 epochs) on a
synthetic smooth process of ``--rows`` x ``--inputs`` with a time-ordered 20% hold-out,
then times ``predict`` on 100,000 rows and on 200-row populations (what NSGA-II sends).
Prints a markdown table. The figures depend on what else runs on the machine: the load
average is printed alongside. On a machine shared with other busy processes, run with
``OMP_WAIT_POLICY=PASSIVE`` in the environment (spinning OpenMP threads then cost 5-10x).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from _common import machine

from surrogates.dataset import ProcessDataset
from surrogates.fit import EnsembleConfig, fit_ensemble, ridge_baseline, training_threads
from surrogates.metrics import r2 as r2_score
from surrogates.splits import time_split


def synthetic(rows: int, inputs: int, noise: float = 0.01, seed: int = 0) -> ProcessDataset:
    """A smooth nonlinear process with 3 outcomes (spread ~0.5) plus Gaussian noise of
    standard deviation ``noise``, rows in time order."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (rows, inputs))
    w = rng.normal(size=(inputs, 3)) / np.sqrt(inputs)
    Y = np.column_stack([
        np.sin(2 * X @ w[:, 0]) + X[:, 0] * X[:, 1],
        (X @ w[:, 1]) ** 2 + 0.5 * np.cos(3 * X[:, 2]),
        np.tanh(X @ w[:, 2]) + 0.3 * X[:, 3] ** 3,
    ])
    Y += noise * rng.standard_normal(Y.shape)
    times = np.datetime64("2024-01-01") + np.arange(rows) * np.timedelta64(10, "m")
    return ProcessDataset(X, Y, tuple(f"x{j}" for j in range(inputs)), ("y0", "y1", "y2"),
                          times)


def per_call(fn, calls: int, repeats: int) -> float:  # type: ignore[no-untyped-def]
    """Median over ``repeats`` of the mean seconds per call over ``calls`` calls."""
    for _ in range(min(calls, 50)):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--inputs", type=int, default=20)
    parser.add_argument("--noise", type=float, default=0.01,
                        help="noise standard deviation added to the outcomes")
    parser.add_argument("--max-epochs", type=int, default=300)
    args = parser.parse_args()

    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}; "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    data = synthetic(args.rows, args.inputs, args.noise)
    train, valid = time_split(data, 0.2)
    config = EnsembleConfig(max_epochs=args.max_epochs)
    threads = training_threads(config, data.n_features, data.n_outcomes, train.n_samples)
    result = fit_ensemble(train, valid, config, baselines=False)  # time the network only
    r2 = min(m["r2"] for m in result.metrics.values())
    base = float(max(r2_score(valid.Y, ridge_baseline(train, valid.X))))
    surrogate = result.surrogate

    rng = np.random.default_rng(1)
    big = rng.uniform(-1, 1, (100_000, args.inputs))
    pop = rng.uniform(-1, 1, (200, args.inputs))
    big_s = per_call(lambda: surrogate.predict(big), calls=1, repeats=5)
    pop_s = per_call(lambda: surrogate.predict(pop), calls=300, repeats=5)
    torch.set_num_threads(1)
    pop_s1 = per_call(lambda: surrogate.predict(pop), calls=300, repeats=5)

    print(f"\ndata: {args.rows} rows x {args.inputs} inputs -> 3 outcomes, noise sd "
          f"{args.noise}; ensemble 5 x "
          f"{list(config.hidden)}, batch {config.batch_size}, training threads {threads}\n")
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| training wall time (scatter heads, calibrated) | {result.seconds:.1f} s "
          f"({result.epochs_run} epochs, "
          f"best {result.best_epoch}) | < 60 s |")
    print(f"| time per epoch | {result.seconds / result.epochs_run * 1e3:.0f} ms | |")
    print(f"| held-out R² (worst outcome) | {r2:.3f} (ridge baseline best {base:.3f}) | |")
    print(f"| predict 100,000 rows | {big_s:.3f} s | < 1 s |")
    print(f"| predict 200 rows | {pop_s * 1e6:.0f} µs per call | well under 1 ms |")
    print(f"| predict 200 rows, 1 thread | {pop_s1 * 1e6:.0f} µs per call | |")
    print(f"| search-sized load (300 calls x 200 rows) | {300 * pop_s:.2f} s | a few s |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
