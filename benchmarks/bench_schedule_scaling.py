"""How plan solve time grows with the order book: 50 -> 500 batches, 3 steps, 6 machines.

A synthetic plant built through the product's own path (``SchedulingConfig`` ->
``build_schedule_data`` -> ``solve_schedule``): two reactors (two recipes per product as
modes, sequence-dependent changeovers between 5 products), two filters, two dryers (one
with a maintenance window), release dates, soft due dates. Objective: makespan. Prints a
markdown table: batches, tasks, model size, greedy start, makespan, bound, gap, time to
the first CP-SAT plan and total time.

Usage::

    .venv/bin/python benchmarks/bench_schedule_scaling.py                # 50 100 200 300 500
    .venv/bin/python benchmarks/bench_schedule_scaling.py 500 --time-limit 60
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizer.scheduling import (  # noqa: E402
    CPModel,
    SchedulingConfig,
    SolveOptions,
    build_schedule_data,
    plans_frame,
    solve_schedule,
    validate_plans,
)
from optimizer.scheduling.heuristic import best_greedy  # noqa: E402
from optimizer.scheduling.metrics import plan_metrics  # noqa: E402

PRODUCTS = ("A", "B", "C", "D", "E")


def plant(n_batches: int, seed: int = 0, objective: str = "makespan_h") -> SchedulingConfig:
    """A synthetic 6-machine plant with ``n_batches`` batches in orders of 1-5 batches."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2025, 3, 3, 6)
    horizon_h = 48.0 + 3.2 * n_batches  # reactors are the bottleneck: ~2.5 h per batch
    orders = []
    left, k = n_batches, 0
    while left > 0:
        b = int(min(left, rng.integers(1, 6)))
        release = start + dt.timedelta(hours=float(rng.uniform(0, 0.6 * horizon_h)))
        due = release + dt.timedelta(hours=float(rng.uniform(12, 0.5 * horizon_h)))
        orders.append({"order": f"O{k:04d}", "product": PRODUCTS[int(rng.integers(5))],
                       "batches": b, "release": release.isoformat(),
                       "due": due.isoformat(), "priority": int(rng.integers(1, 4))})
        left -= b
        k += 1
    recipes = {p: [{"recipe_id": f"{p}-fast", "batch_time_h": 3.0 + i * 0.3,
                    "yield_pct": 86.0, "energy_kwh_per_t": 300.0,
                    "material_kg_per_t": 1250.0},
                   {"recipe_id": f"{p}-slow", "batch_time_h": 4.0 + i * 0.3,
                    "yield_pct": 91.0, "energy_kwh_per_t": 280.0,
                    "material_kg_per_t": 1200.0}] for i, p in enumerate(PRODUCTS)}
    changeovers = [{"from": a, "to": b, "machines": ["R1", "R2"],
                    "time_h": float(0.5 + ((i * 3 + j * 7) % 5) * 0.5), "cost": 100.0}
                   for i, a in enumerate(PRODUCTS) for j, b in enumerate(PRODUCTS) if a != b]
    raw = {
        "start": start.isoformat(), "horizon_h": horizon_h, "time_unit_min": 10,
        "machines": {"R1": {"batch_size_t": 10}, "R2": {"batch_size_t": 8},
                     "F1": {}, "F2": {}, "D1": {}, "D2": {}},
        "maintenance": [{"machine": "D2", "start": (start + dt.timedelta(hours=24))
                         .isoformat(), "end": (start + dt.timedelta(hours=32)).isoformat()}],
        "routings": {"r": [
            {"name": "react", "machines": ["R1", "R2"], "recipe": True, "extra_h": 1.0},
            {"name": "filter", "machines": ["F1", "F2"], "duration_h": 2.5, "power_kw": 40},
            {"name": "dry", "machines": ["D1", "D2"], "duration_h": 2.5, "power_kw": 120}]},
        "products": {p: {"routing": "r", "recipes": recipes[p]} for p in PRODUCTS},
        "changeovers": changeovers, "orders": orders, "due_dates": "soft",
        "objectives": [objective], "n_plans": 1,
    }
    return SchedulingConfig.model_validate(raw)


def main(argv: list[str] | None = None) -> int:
    """Run the scaling benchmark; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[50, 100, 200, 300, 500])
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--objective", default="makespan_h")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    lines = [
        f"Plan scaling: 3 steps on 6 machines, objective {args.objective}, time limit"
        f" {args.time_limit:g} s, {args.workers} workers, seed {args.seed};"
        f" {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| batches | tasks | modes | CP-SAT vars | greedy start | best plan | bound | gap"
        " | build [s] | solve [s] | status | valid |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    print("\n".join(lines), flush=True)
    for n in args.sizes:
        config = plant(n, args.seed, args.objective)
        tic = time.perf_counter()
        data = build_schedule_data(config, None)
        start_plan = best_greedy(data, args.objective)
        greedy = (f"{plan_metrics(data, start_plan)[args.objective]:.1f}"
                  if len(start_plan) == data.num_tasks else "partial")
        n_vars = len(CPModel(data, [args.objective], reference=start_plan)
                     .model.proto.variables)
        build = time.perf_counter() - tic
        tic = time.perf_counter()
        outcome = solve_schedule(data, SolveOptions((args.objective,), 1, args.time_limit,
                                                    args.workers, args.seed))
        seconds = time.perf_counter() - tic
        plan = outcome.plans[0] if outcome.plans else None
        valid = plan is not None and not validate_plans(plans_frame(outcome), data)
        row = (f"| {data.num_jobs} | {data.num_tasks} | {data.num_modes} | {n_vars} |"
               f" {greedy} | {plan.objectives[args.objective]:.1f} |"
               f" {plan.bound:.1f} | {100 * plan.gap:.1f} % | {build:.1f} | {seconds:.1f} |"
               f" {plan.status.value} | {'yes' if valid else 'NO'} |" if plan else
               f"| {data.num_jobs} | {data.num_tasks} | {data.num_modes} | {n_vars} |"
               f" {greedy} | - | - | - | {build:.1f} | {seconds:.1f} |"
               f" {outcome.status.value} | - |")
        lines.append(row)
        print(row, flush=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
