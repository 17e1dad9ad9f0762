"""Do the proposed recipes beat logged practice on the *true* process?

    .venv/bin/python benchmarks/bench_true_front.py [--seeds 0 1 2]

The bundled simulator plays the plant (the engine never sees it). For each seed: train
the surrogate on the bundled logs, run the search, then evaluate on the simulator, at
the planned context and line:
* the proposed Pareto recipes, and
* every logged operating point of the planned line (its setpoints re-run at the same
  context), of which the non-dominated feasible ones are "the best logged recipes".
Hypervolumes use the same reference point (the nadir of the feasible logged points plus
10% of their range) and are scaled by the logged ideal-nadir box. Also reported: the
share of proposals feasible on the true process (impurity within its limit), and the
share of best logged recipes that some proposal dominates.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import BUNDLED, machine, true_objectives

from optimizer.indicators import hypervolume
from optimizer.pipeline import optimize, prepare_data, train
from optimizer.scenario import Scenario, load_scenario
from optimizer.search import non_dominated


def dominated_share(P: np.ndarray, Q: np.ndarray) -> float:
    """Share of rows of ``Q`` dominated by at least one row of ``P`` (minimisation)."""
    if len(Q) == 0 or len(P) == 0:
        return 0.0
    le = np.all(P[:, None, :] <= Q[None, :, :], axis=2)
    lt = np.any(P[:, None, :] < Q[None, :, :], axis=2)
    return float(np.mean(np.any(le & lt, axis=0)))


def evaluate(scenario: Scenario, seed: int) -> dict[str, float]:
    """One seed: train, search, score on the simulator."""
    sc = scenario.model_copy(update={"seed": seed})
    data = prepare_data(sc)
    model = train(sc, data)
    result = optimize(sc, data, model.surrogate)
    X_prop = result.pareto[list(sc.setpoints)].to_numpy(float)
    line = data.frame[data.line_rows]
    X_log = np.unique(line[list(sc.setpoints)].to_numpy(float), axis=0)
    F_prop, ok_prop = true_objectives(sc, X_prop)
    F_log, ok_log = true_objectives(sc, X_log)
    best_log = F_log[ok_log][non_dominated(F_log[ok_log])]
    lo, hi = F_log[ok_log].min(axis=0), F_log[ok_log].max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    ref = np.full(F_log.shape[1], 1.1)

    def hv(F: np.ndarray) -> float:
        return hypervolume((F - lo) / span, ref)

    return {
        "seed": seed,
        "n_proposals": len(X_prop),
        "feasible_true": float(ok_prop.mean()),
        "hv_proposals": hv(F_prop[ok_prop]),
        "hv_logged": hv(F_log[ok_log]),
        "hv_union": hv(np.vstack([F_prop[ok_prop], F_log[ok_log]])),
        "best_logged_dominated": dominated_share(F_prop[ok_prop], best_log),
        "n_best_logged": len(best_log),
        "r2_min": min(m["r2"] for m in model.card["metrics"].values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    scenario = load_scenario(BUNDLED)
    print(f"machine: {machine()}\n")
    print("| seed | proposals | feasible on true process | HV proposals | HV logged |"
          " HV union | best logged recipes dominated | min held-out R² |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [evaluate(scenario, s) for s in args.seeds]
    for r in rows:
        print(f"| {r['seed']} | {r['n_proposals']} | {r['feasible_true']:.0%} |"
              f" {r['hv_proposals']:.4f} | {r['hv_logged']:.4f} | {r['hv_union']:.4f} |"
              f" {r['best_logged_dominated']:.0%} of {r['n_best_logged']} |"
              f" {r['r2_min']:.3f} |")


if __name__ == "__main__":
    main()
