"""Do the proposals hold up on the true process? Trust region, robust objectives, and the
plant-trials loop, scored on the bundled simulator (which the engine never sees).

    .venv/bin/python benchmarks/bench_trust.py [--rounds 3] [--k 8] [--seed 0]

1. The true Pareto front: NSGA-II on the simulator itself (pop 300 x 400 generations),
   once over the whole search box and once inside the region the logs cover (the box of
   the planned line's 1st-99th percentile of each logged setpoint).
2. One surrogate trained on the bundled logs; searches without trust region, with it (the
   default), and with it plus robust objectives and constraint margins (k = 1); the best
   logged recipes (non-dominated logged operating points re-run at the planned context)
   as the engineer's baseline. For each: share of proposals feasible on the true process,
   and hypervolume ratio to the true fronts (both scaled by the true front's
   ideal-nadir box, reference point 1.1).
3. The trials loop: K trials from `suggest_trials`, run on the simulator with
   measurement noise, appended to the logs; retrain and search; repeat.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from _common import BUNDLED, hv_ratio, machine, simulator, true_front, true_objectives

from optimizer.pipeline import optimize, prepare_data, train
from optimizer.scenario import Scenario, load_scenario
from optimizer.search import non_dominated
from optimizer.trials import suggest_trials


def _with_search(sc: Scenario, *, trust: bool, k: float = 0.0) -> Scenario:
    s = sc.search
    return sc.model_copy(update={"search": s.model_copy(update={
        "trust_region": s.trust_region.model_copy(update={"enabled": trust}),
        "robust": s.robust.model_copy(update={"objectives_k": k, "constraints_k": k})})})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    scenario = load_scenario(BUNDLED, overrides={"seed": args.seed})
    data = prepare_data(scenario)
    line = data.frame[data.line_rows]
    logged = line[list(scenario.setpoints)].to_numpy(float)
    box = (np.percentile(logged, 1, axis=0), np.percentile(logged, 99, axis=0))

    fronts = {}
    for name, b in (("whole box", None), ("logged region", box)):
        X = true_front(scenario, box=b)
        fronts[name] = true_objectives(scenario, X)
    print(f"machine: {machine()}")
    print(f"true fronts: {len(fronts['whole box'][0])} / {len(fronts['logged region'][0])}"
          f" recipes ({time.perf_counter() - t0:.0f} s)\n")

    def score(X: np.ndarray) -> tuple[float, float, float]:
        F, ok = true_objectives(scenario, X)
        return (float(ok.mean()), hv_ratio(F, ok, *fronts["logged region"]),
                hv_ratio(F, ok, *fronts["whole box"]))

    model = train(scenario, data)
    print("| proposals from | recipes | feasible on true process |"
          " HV ratio, logged region | HV ratio, whole box |")
    print("|---|---|---|---|---|")
    F_log, ok_log = true_objectives(scenario, np.unique(logged, axis=0))
    best = np.unique(logged, axis=0)[ok_log][non_dominated(F_log[ok_log])]
    feas, hv_in, hv_all = score(best)
    print(f"| best logged recipes (baseline) | {len(best)} | {feas:.0%} | {hv_in:.3f} |"
          f" {hv_all:.3f} |")
    for label, sc in (("no trust region", _with_search(scenario, trust=False)),
                      ("trust region (default)", _with_search(scenario, trust=True)),
                      ("trust region + robust k=1", _with_search(scenario, trust=True,
                                                                  k=1.0))):
        result = optimize(sc, data, model.surrogate)
        X = result.pareto[list(sc.setpoints)].to_numpy(float)
        feas, hv_in, hv_all = score(X)
        print(f"| {label} | {len(X)} | {feas:.0%} | {hv_in:.3f} | {hv_all:.3f} |")

    print(f"\ntrials loop: K = {args.k} per round, simulator noise on\n")
    print("| round | rows of the planned line | feasible on true process |"
          " HV ratio, whole box | HV ratio, logged region |")
    print("|---|---|---|---|---|")
    sim = simulator()
    rng = np.random.default_rng(args.seed + 100)
    logs = pd.read_csv(scenario.logs_path)
    with tempfile.TemporaryDirectory() as tmp:
        sc_round = scenario
        current_model, current_data = model, data
        for rnd in range(args.rounds + 1):
            result = optimize(sc_round, current_data, current_model.surrogate)
            X = result.pareto[list(scenario.setpoints)].to_numpy(float)
            feas, hv_in, hv_all = score(X)
            n_line = int(current_data.line_rows.sum())
            print(f"| {rnd} | {n_line} | {feas:.0%} | {hv_all:.3f} | {hv_in:.3f} |")
            if rnd == args.rounds:
                break
            lx = current_data.frame[current_data.line_rows][list(scenario.setpoints)]
            plan = suggest_trials(sc_round, current_model.surrogate, lx.to_numpy(float),
                                  args.k)
            trials = plan.table[list(scenario.setpoints) + list(scenario.context)].copy()
            outcomes = sim.simulate(trials, line=scenario.logs.line, rng=rng)
            last = pd.to_datetime(logs[scenario.logs.timestamp]).max()
            trials.insert(0, scenario.logs.timestamp,
                          [(last + pd.Timedelta(hours=6 * (i + 1))).strftime(
                              "%Y-%m-%d %H:%M:%S") for i in range(len(trials))])
            trials.insert(1, "batch_id", [f"TRIAL-{rnd + 1}-{i + 1}" for i in
                                          range(len(trials))])
            trials.insert(2, scenario.logs.line_column, scenario.logs.line)
            for col in sim.OUTCOMES:
                trials[col] = outcomes[col].round(3).to_numpy()
            logs = pd.concat([logs, trials[logs.columns]], ignore_index=True)
            path = Path(tmp) / f"logs_round{rnd + 1}.csv"
            logs.to_csv(path, index=False)
            data_dict = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
            data_dict["logs"]["path"] = str(path)
            scen_path = Path(tmp) / f"scenario_round{rnd + 1}.yaml"
            scen_path.write_text(yaml.safe_dump(data_dict), encoding="utf-8")
            sc_round = load_scenario(scen_path, overrides={"seed": args.seed})
            current_data = prepare_data(sc_round)
            current_model = train(sc_round, current_data)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
