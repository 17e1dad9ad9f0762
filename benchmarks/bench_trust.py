"""Do the proposals hold up on the true process? Trust region, robust objectives, and the
plant-trials loop, scored on the bundled simulator (which the engine never sees).

    .venv/bin/python benchmarks/bench_trust.py [--rounds 3] [--k 8] [--seed 0]
        [--loop-only] [--seed-control]

1. The true Pareto front: NSGA-II on the simulator itself (pop 300 x 400 generations),
   once over the whole search box and once inside the region the logs cover (the box of
   the planned line's 1st-99th percentile of each logged setpoint).
2. One surrogate trained on the bundled logs; searches without trust region, with it (the
   default), with it plus a constraint margin of one calibrated std (the bundled
   scenario's setting), and with robust objectives too (k = 1); the best
   logged recipes (non-dominated logged operating points re-run at the planned context)
   as the engineer's baseline. For each: share of proposals feasible on the true process,
   and hypervolume ratio to the true fronts (both scaled by the true front's
   ideal-nadir box, reference point 1.1). Skipped with ``--loop-only``.
3. The trials loop: K trials from `suggest_trials` (as `paretoplan suggest-trials`
   writes them, with the trial marker ``trial`` = 1), run on the simulator with
   measurement noise and appended to a copy of the logs whose other rows carry
   ``trial`` = 0; the scenario sets ``logs.cleaning.trial_column: trial`` so the trials
   are exempt from the spike, stuck and drift rules. Retrain, search, repeat. Each round
   reports the rows used for training, the trial rows kept, and the true-process scores
   of the search's proposals. ``--seed-control`` also retrains round 0 with another seed
   on the same logs: the size of the retraining noise the rounds' changes compare with.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from _common import BUNDLED, hv_ratio, machine, simulator, true_front, true_objectives

from optimizer.pipeline import PreparedData, TrainedModel, optimize, prepare_data, train
from optimizer.problem import SurrogateProblem
from optimizer.scenario import Scenario, load_scenario
from optimizer.search import non_dominated
from optimizer.trials import DEFAULT_TRIAL_COLUMN, suggest_trials
from surrogates.base import Surrogate

Score = Callable[[np.ndarray], tuple[float, float, float]]


def model_error(scenario: Scenario, surrogate: Surrogate, X: np.ndarray,
                scale: np.ndarray) -> float:
    """Mean absolute error of the surrogate's mean against the true (noise-free) outcomes
    at setpoints ``X`` ``(n, n_setpoints)``, each outcome divided by ``scale``
    ``(n_outcomes,)`` (its standard deviation in the logs), averaged over outcomes."""
    sim = simulator()
    context = {k: v.value for k, v in scenario.context.items()}
    Y = sim.true_outcomes(X, context=context, line=scenario.logs.line)
    truth = np.column_stack([Y[:, sim.OUTCOMES.index(name)] for name in scenario.outcomes])
    mean = SurrogateProblem(scenario, surrogate).evaluate_setpoints(X).mean
    return float((np.abs(mean - truth) / scale).mean())


def _with_search(sc: Scenario, *, trust: bool, k_objectives: float = 0.0,
                 k_constraints: float = 0.0) -> Scenario:
    s = sc.search
    return sc.model_copy(update={"search": s.model_copy(update={
        "trust_region": s.trust_region.model_copy(update={"enabled": trust}),
        "robust": s.robust.model_copy(update={"objectives_k": k_objectives,
                                              "constraints_k": k_constraints})})})


def compare(scenario: Scenario, data: PreparedData, model: TrainedModel,
            logged: np.ndarray, score: Score) -> None:
    """Step 2: the best logged recipes against three search settings."""
    print("| proposals from | recipes | feasible on true process |"
          " HV ratio, logged region | HV ratio, whole box |")
    print("|---|---|---|---|---|")
    unique = np.unique(logged, axis=0)
    F_log, ok_log = true_objectives(scenario, unique)
    best = unique[ok_log][non_dominated(F_log[ok_log])]
    feas, hv_in, hv_all = score(best)
    print(f"| best logged recipes (baseline) | {len(best)} | {feas:.0%} | {hv_in:.3f} |"
          f" {hv_all:.3f} |")
    settings = (
        ("no trust region, no margins", _with_search(scenario, trust=False)),
        ("trust region, no margins", _with_search(scenario, trust=True)),
        ("trust region + constraint margin k=1 (bundled scenario)",
         _with_search(scenario, trust=True, k_constraints=1.0)),
        ("trust region + robust objectives and constraints k=1",
         _with_search(scenario, trust=True, k_objectives=1.0, k_constraints=1.0)),
    )
    for label, sc in settings:
        result = optimize(sc, data, model.surrogate)
        X = result.pareto[list(sc.setpoints)].to_numpy(float)
        feas, hv_in, hv_all = score(X)
        print(f"| {label} | {len(X)} | {feas:.0%} | {hv_in:.3f} | {hv_all:.3f} |")


class TrialsLoop:
    """Suggest K trials, run them on the simulator, append them to a logs copy.

    Args:
        scenario: The bundled scenario.
        k: Trials per round.
        rng: Measurement noise of the simulated trials.
        folder: Where the logs copies and scenario copies go.
    """

    def __init__(self, scenario: Scenario, k: int, rng: np.random.Generator,
                 folder: Path) -> None:
        self.scenario = scenario
        self.k = k
        self.rng = rng
        self.folder = folder
        self.logs = pd.read_csv(scenario.logs_path)
        self.logs[DEFAULT_TRIAL_COLUMN] = 0  # every logged batch is normal operation
        self.appended = 0
        self.last_feasible = float("nan")
        self.last_X = np.zeros((0, len(scenario.setpoints)))

    def run_round(self, sc: Scenario, surrogate: Surrogate, data: PreparedData,
                  rnd: int) -> Scenario:
        """Append one round of trials; returns the scenario reading the new logs."""
        names = list(self.scenario.setpoints)
        logged = data.frame[data.line_rows][names].to_numpy(float)
        plan = suggest_trials(sc, surrogate, logged, self.k)
        marker = plan.trial_column
        trials = plan.table[[marker, *names, *self.scenario.context]].copy()
        self.last_X = trials[names].to_numpy(float)
        self.last_feasible = float(true_objectives(self.scenario, self.last_X)[1].mean())
        sim = simulator()
        outcomes = sim.simulate(trials, line=self.scenario.logs.line, rng=self.rng)
        stamp = self.scenario.logs.timestamp
        last = pd.to_datetime(self.logs[stamp]).max()
        trials.insert(0, stamp, [(last + pd.Timedelta(hours=6 * (i + 1))).strftime(
            "%Y-%m-%d %H:%M:%S") for i in range(len(trials))])
        trials.insert(1, "batch_id", [f"TRIAL-{rnd}-{i + 1}" for i in range(len(trials))])
        trials.insert(2, self.scenario.logs.line_column, self.scenario.logs.line)
        for col in sim.OUTCOMES:
            trials[col] = outcomes[col].round(3).to_numpy()
        self.logs = pd.concat([self.logs, trials[self.logs.columns]], ignore_index=True)
        self.appended += len(trials)
        path = self.folder / f"logs_round{rnd}.csv"
        self.logs.to_csv(path, index=False)
        spec = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
        spec["logs"]["path"] = str(path)
        spec["logs"].setdefault("cleaning", {})["trial_column"] = marker
        scen_path = self.folder / f"scenario_round{rnd}.yaml"
        scen_path.write_text(yaml.safe_dump(spec), encoding="utf-8")
        return load_scenario(scen_path, overrides={"seed": sc.seed})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loop-only", action="store_true",
                        help="skip step 2 (the comparison of search settings)")
    parser.add_argument("--seed-control", action="store_true",
                        help="also retrain round 0 with another seed (retraining noise)")
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
          f" recipes ({time.perf_counter() - t0:.0f} s)\n", flush=True)

    def score(X: np.ndarray) -> tuple[float, float, float]:
        F, ok = true_objectives(scenario, X)
        return (float(ok.mean()), hv_ratio(F, ok, *fronts["logged region"]),
                hv_ratio(F, ok, *fronts["whole box"]))

    model = train(scenario, data)
    if not args.loop_only:
        compare(scenario, data, model, logged, score)

    print(f"\ntrials loop: K = {args.k} per round, simulator noise on, trial rows marked"
          f" (logs.cleaning.trial_column: {DEFAULT_TRIAL_COLUMN})\n")
    print("| round | rows used for training (planned line) | trial rows kept / appended |"
          " feasible on true process | HV ratio, logged region | HV ratio, whole box |"
          " last round's trials: feasible on true process | model error at them, before"
          " -> after retraining |")
    print("|---|---|---|---|---|---|---|---|")
    outcome_scale = data.frame[data.line_rows][list(scenario.outcomes)].to_numpy(float).std(
        axis=0)
    with tempfile.TemporaryDirectory() as tmp:
        loop = TrialsLoop(scenario, args.k, np.random.default_rng(args.seed + 100),
                          Path(tmp))
        sc_round, current_model, current_data = scenario, model, data
        before = float("nan")  # model error at the newest trials before retraining
        for rnd in range(args.rounds + 1):
            result = optimize(sc_round, current_data, current_model.surrogate)
            feas, hv_in, hv_all = score(result.pareto[list(scenario.setpoints)]
                                        .to_numpy(float))
            kept = current_data.clean.quality.trial_rows_kept
            suggested = errors = ""
            if rnd > 0:
                after = model_error(scenario, current_model.surrogate, loop.last_X,
                                    outcome_scale)
                suggested = f"{loop.last_feasible:.0%}"
                errors = f"{before:.3f} -> {after:.3f}"
            print(f"| {rnd} | {len(current_data.frame)} ({int(current_data.line_rows.sum())})"
                  f" | {kept} / {loop.appended} | {feas:.0%} | {hv_in:.3f} | {hv_all:.3f} |"
                  f" {suggested} | {errors} |", flush=True)
            if rnd == args.rounds:
                break
            sc_round = loop.run_round(sc_round, current_model.surrogate, current_data,
                                      rnd + 1)
            before = model_error(scenario, current_model.surrogate, loop.last_X,
                                 outcome_scale)
            current_data = prepare_data(sc_round)
            current_model = train(sc_round, current_data)
    if args.seed_control:
        other_sc = scenario.model_copy(update={"seed": args.seed + 1})
        result = optimize(other_sc, data, train(other_sc, data).surrogate)
        feas, hv_in, hv_all = score(result.pareto[list(scenario.setpoints)].to_numpy(float))
        print(f"\ncontrol: round 0's logs, training and search seed {args.seed + 1}: feasible"
              f" {feas:.0%}, HV ratio logged region {hv_in:.3f}, whole box {hv_all:.3f}")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
