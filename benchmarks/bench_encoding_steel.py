"""Real data: plain vs piecewise-encoded inputs vs gradient boosting on the steel plant's
energy use (a time split, no mixes).

    .venv/bin/python benchmarks/bench_encoding_steel.py [--data PATH] [--seed 0]

Predicts ``Usage_kWh`` per 15-minute interval of DAEWOO Steel's 2018 logs from the
lagging and leading reactive power, both power factors, the time of day (NSM) and the
weekend flag (CO2 is left out: it is the energy times a factor). Split by time: the first
70% of the year trains, the next 15% stops training (and decides ``auto``), the last 15%
is the test. Prints R² and MAE on the test rows for ``input_encoding`` linear, piecewise
and auto, next to gradient boosting and ridge trained on the same rows.
Data: see ../shared/data/steel_energy/README.md (UCI 851, CC BY 4.0).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from _common import ROOT, machine

from surrogates.config import EnsembleConfig
from surrogates.dataset import ProcessDataset
from surrogates.fit import fit_ensemble
from surrogates.splits import train_valid_test

DEFAULT = ROOT.parent / "shared" / "data" / "steel_energy" / "Steel_industry_data.csv"
INPUTS = ["Lagging_Current_Reactive.Power_kVarh", "Leading_Current_Reactive_Power_kVarh",
          "Lagging_Current_Power_Factor", "Leading_Current_Power_Factor", "NSM", "weekend"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frame = pd.read_csv(args.data, encoding="utf-8-sig")
    frame["time"] = pd.to_datetime(frame["date"], format="%d-%m-%Y %H:%M")
    frame["weekend"] = (frame["WeekStatus"] == "Weekend").astype(float)
    ds = ProcessDataset.from_frame(frame, INPUTS, ["Usage_kWh"], time_column="time",
                                   source=str(args.data))
    train, valid, test = train_valid_test(ds, 0.15, 0.15)
    print(f"machine: {machine()}")
    print(f"{ds.n_samples} rows; train/valid/test {train.n_samples}/{valid.n_samples}/"
          f"{test.n_samples} by time\n")
    print("| input_encoding | network R² | network MAE [kWh] | chosen | gradient boosting R² "
          "| GB MAE | ridge R² | 90% coverage | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for mode in ("linear", "piecewise", "auto"):
        t0 = time.perf_counter()
        fit = fit_ensemble(train, valid, EnsembleConfig(seed=args.seed, input_encoding=mode),
                           test=test)
        m = fit.metrics["Usage_kWh"]
        print(f"| {mode} | {m['r2']:.4f} | {m['mae']:.3f} | {fit.input_encoding['chosen']} | "
              f"{m['baseline_r2']:.4f} | {m['baseline_mae']:.3f} | {m['ridge_r2']:.3f} | "
              f"{m['coverage_90']:.0%} | {time.perf_counter() - t0:.0f} |", flush=True)
        if mode == "auto":
            print(f"\nauto: {fit.input_encoding.get('reason')}")


if __name__ == "__main__":
    main()
