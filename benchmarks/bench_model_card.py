"""The bundled scenario's model card as a table: accuracy, baselines, calibration.

    .venv/bin/python benchmarks/bench_model_card.py [--seed 0] [--scenario PATH]
        [--set KEY=JSON ...]

Trains the scenario's surrogate exactly as `paretoplan train` does (time-ordered split:
the most recent 15% of batches are the test rows, the 15% before them stop training and
calibrate the uncertainty) and prints, per outcome on the test rows: R² and MAE of the
network, R² of gradient boosting and ridge trained on the same rows, and the share of
test rows inside the nominal 50/68/80/90/95% intervals.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import BUNDLED, machine

from optimizer.pipeline import prepare_data, train
from optimizer.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=BUNDLED)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=JSON",
                        help="override surrogate settings, e.g. --set "
                        "input_encoding='\"piecewise\"'")
    args = parser.parse_args()
    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario, overrides={"seed": args.seed})
    if args.set:
        changes = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
        scenario = scenario.model_copy(update={"surrogate": scenario.surrogate.model_copy(
            update=changes)})
    card = train(scenario, prepare_data(scenario)).card
    print(f"machine: {machine()}")
    print(f"mode: {card['mode']} ({card['mode_reason']}); rows train/valid/test "
          f"{card['n_train']}/{card['n_valid']}/{card['n_test']}; training "
          f"{card['training']['seconds']:.1f} s, {card['training']['epochs_run']} epochs\n")
    levels = card["calibration"]["outcomes"][card["outcomes"][0]]["nominal"]
    print("| outcome | R² | MAE | gradient boosting R² | ridge R² | "
          + " | ".join(f"inside {lv:.0%}" for lv in levels) + " |")
    print("|---|---|---|---|---|" + "---|" * len(levels))
    for name in card["outcomes"]:
        m = card["metrics"][name]
        gb = card["baselines"]["gradient_boosting"][name]
        ridge = card["baselines"]["ridge"]["metrics"][name]
        observed = card["calibration"]["outcomes"][name]["observed"]
        print(f"| {name} | {m['r2']:.3f} | {m['mae']:.3g} | {gb['r2']:.3f} | "
              f"{ridge['r2']:.3f} | " + " | ".join(f"{v:.0%}" for v in observed) + " |")
    print(f"\ninput encoding: {card['input_encoding'].get('chosen')} "
          f"({card['input_encoding'].get('reason', 'as set')})")
    print(f"\nwarnings: {card['warnings'] or 'none'}; total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
