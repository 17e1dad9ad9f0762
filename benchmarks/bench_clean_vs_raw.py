"""Does cleaning pay? Train on the cleaned logs vs the raw logs, score both on the same
held-out batches against the defect-free truth.

    .venv/bin/python benchmarks/bench_clean_vs_raw.py [--seeds 0 1]

The bundled logs carry injected defects (missing cells, spikes, a drifting temperature
sensor, a stuck ambient sensor; ground truth in scenarios/batch_reactor/defects.csv).
The most recent 15% of batches are held out. On the earlier 85% the surrogate is trained
twice with the same settings and seed: once after the scenario's cleaning (limits,
spikes, stuck sensors, drift with its rows excluded) and once after the minimal cleaning
(`CleaningConfig.minimal()`: only rows training cannot use are dropped). Both are scored
on the held-out batches' defect-free inputs and outcomes from
`generate_logs(defects=False)` (same seed as the bundled logs), so a model is not
rewarded for predicting a spike.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _common import BUNDLED, machine

from optimizer.pipeline import prepare_data, train
from optimizer.scenario import Scenario, load_scenario
from scenarios.batch_reactor.generate_logs import generate_logs
from surrogates.logdata import CleaningConfig


def _variant(scenario: Scenario, path: Path, cleaning: CleaningConfig) -> Scenario:
    logs = scenario.logs.model_copy(update={"path": path, "cleaning": cleaning})
    return scenario.model_copy(update={"logs": logs})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--holdout", type=float, default=0.15)
    args = parser.parse_args()
    base = load_scenario(BUNDLED)
    logs = pd.read_csv(base.logs_path)
    truth, _ = generate_logs(defects=False)
    cut = int(len(logs) * (1 - args.holdout))
    test = truth.iloc[cut:].dropna()
    features = [*base.setpoints, *base.context]
    outcomes = list(base.outcomes)
    drift = base.logs.cleaning.drift.model_copy(update={"exclude": True})
    variants = {
        "raw logs (minimal cleaning)": CleaningConfig.minimal(),
        "cleaned (scenario's rules)": base.logs.cleaning,
        "cleaned, drifted rows excluded": base.logs.cleaning.model_copy(
            update={"drift": drift}),
    }
    print(f"machine: {machine()}")
    print(f"training on the first {cut} batches, testing on {len(test)} later batches\n")
    results: dict[str, list[np.ndarray]] = {k: [] for k in variants}
    rows_used: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "logs_train.csv"
        logs.iloc[:cut].to_csv(path, index=False)
        for seed in args.seeds:
            for label, cleaning in variants.items():
                sc = _variant(base, path, cleaning).model_copy(update={"seed": seed})
                data = prepare_data(sc)
                rows_used[label] = data.dataset.n_samples
                model = train(sc, data)
                X = np.column_stack([test[f].to_numpy(float) for f in features] + [
                    (test[sc.logs.line_column] == name.split("=", 1)[1]).to_numpy(float)
                    for name in model.surrogate.feature_names[len(features):]])
                mean, _ = model.surrogate.predict(X)
                mae = np.abs(mean - test[outcomes].to_numpy(float)).mean(axis=0)
                results[label].append(mae)
    print("| training data | rows used | " + " | ".join(f"MAE {o}" for o in outcomes) + " |")
    print("|---|---|" + "---|" * len(outcomes))
    for label, maes in results.items():
        m = np.mean(maes, axis=0)
        print(f"| {label} | {rows_used[label]} | " + " | ".join(f"{v:.3f}" for v in m) + " |")
    print(f"\n(mean over seeds {args.seeds})")


if __name__ == "__main__":
    main()
