"""How long NSGA-II takes over the bundled surrogate, and where the time goes.

    .venv/bin/python benchmarks/bench_search.py [--pop 200] [--gens 300] [--repeats 3]

Trains the bundled scenario's surrogate (5 members, 3x128) once, then times a search of
``--pop`` x ``--gens`` with the trust region on and off (stagnation stop disabled, so
every generation runs), ``--repeats`` times each, and reports the fastest run: wall time
split into the surrogate's ``predict``, the trust region, our scoring code (decoding,
objective and constraint expressions), pymoo's NSGA-II and our search loop (seeding,
hypervolume, callbacks), and the share of the surrogate plus trust region. The machine is
shared, so the load average is printed before and after each setting; compare runs
only at similar load. Prints a markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

from _common import BUNDLED, machine

from optimizer.pipeline import prepare_data, train
from optimizer.problem import SurrogateProblem
from optimizer.scenario import load_scenario
from optimizer.search import SearchResult, run_search
from optimizer.support import SupportIndex


def load() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pop", type=int, default=200)
    parser.add_argument("--gens", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    scenario = load_scenario(BUNDLED, overrides={
        "surrogate": {"n_members": 5, "hidden": [128, 128, 128]}})
    data = prepare_data(scenario)
    t0 = time.perf_counter()
    model = train(scenario, data)
    print(f"trained in {time.perf_counter() - t0:.1f} s")
    line = data.frame[data.line_rows]
    logged = line[list(scenario.setpoints)].to_numpy(float)
    print(f"machine: {machine()}")
    print(f"date: {datetime.datetime.now().isoformat(timespec='minutes')}")
    print(f"search: pop {args.pop} x {args.gens} generations, fastest of {args.repeats}\n")
    print("| trust region | wall (s) | predict (s) | trust region (s) | scoring (s) |"
          " pymoo (s) | loop (s) | (model + TR) / wall | evaluations | load before / after |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for enabled in (True, False):
        sc = scenario.model_copy(update={"search": scenario.search.model_copy(update={
            "trust_region": scenario.search.trust_region.model_copy(
                update={"enabled": enabled})})})
        before = load()
        best: SearchResult | None = None
        for _ in range(args.repeats):
            problem = SurrogateProblem(sc, model.surrogate, SupportIndex.from_points(logged))
            result = run_search(problem, pop_size=args.pop, generations=args.gens,
                                seed=0, logged_setpoints=logged, stall_generations=None)
            if best is None or result.seconds < best.seconds:
                best = result
        assert best is not None
        t = best.timings
        print(f"| {'on' if enabled else 'off'} | {best.seconds:.2f} | {t.predict:.2f} |"
              f" {t.trust_region:.2f} | {t.scoring:.2f} | {t.pymoo:.2f} |"
              f" {t.bookkeeping:.2f} | {t.model / best.seconds:.0%} | {best.n_evaluations} |"
              f" {before} / {load()} |")


if __name__ == "__main__":
    main()
