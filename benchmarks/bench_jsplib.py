"""Job-shop benchmark through the product's own scheduling model.

Each JSPLIB instance is loaded into ``ScheduleData`` (``optimizer.scheduling.jsplib``) and
solved by ``solve_schedule`` for ``makespan_h``: the same builder, CP-SAT model, hinting
and result code that plan the plant. Prints a markdown table (makespan, CP-SAT bound,
best-known makespan, gap to it, time, status).

Usage::

    .venv/bin/python benchmarks/bench_jsplib.py    # ft06 ft10 la01-la20 @30 s, ta01-ta10 @60 s
    .venv/bin/python benchmarks/bench_jsplib.py ft06 la01-la05 --time-limit 10
    .venv/bin/python benchmarks/bench_jsplib.py ta01-ta10 --out /tmp/ta.md
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimizer.scheduling.jsplib import jsplib_index, load_jsplib  # noqa: E402
from optimizer.scheduling.solve import SolveOptions, solve_schedule  # noqa: E402

DEFAULT_ROOT = ROOT.parent / "shared" / "data" / "jsplib"
DEFAULT = ["ft06", "ft10", "la01-la20", "ta01-ta10"]


def expand(specs: list[str]) -> list[str]:
    """``la01-la05`` -> ``la01 .. la05``; plain names pass through."""
    out = []
    for spec in specs:
        m = re.fullmatch(r"([a-z]+)(\d+)-([a-z]+)?(\d+)", spec)
        if not m:
            out.append(spec)
            continue
        prefix, a, _, b = m.groups()
        width = len(a)
        out.extend(f"{prefix}{i:0{width}d}" for i in range(int(a), int(b) + 1))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="*", default=DEFAULT,
                    help="names or ranges (la01-la20); default: %(default)s")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per instance (default: 60 for ta*, 30 otherwise)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="JSPLIB folder")
    ap.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = ap.parse_args(argv)
    index = jsplib_index(args.root)
    names = expand(args.instances)
    lines = [
        f"Job-shop instances (JSPLIB) through `solve_schedule`, {args.workers} CP-SAT"
        f" workers, seed {args.seed}; {os.cpu_count()} cores, Python"
        f" {platform.python_version()}.",
        "",
        "| instance | jobs x machines | makespan | bound | best known | gap to best known"
        " | time [s] | status |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    print("\n".join(lines), flush=True)
    gaps: dict[str, list[float]] = {}
    at_opt: dict[str, list[bool]] = {}
    for name in names:
        info = index[name]
        limit = args.time_limit or (60.0 if name.startswith("ta") else 30.0)
        data = load_jsplib(name, args.root)
        tic = time.perf_counter()
        outcome = solve_schedule(data, SolveOptions(("makespan_h",), 1, limit, args.workers,
                                                    args.seed))
        seconds = time.perf_counter() - tic
        plan = outcome.plans[0] if outcome.plans else None
        makespan = round(plan.objectives["makespan_h"]) if plan else None
        bound = round(plan.bound) if plan and plan.bound == plan.bound else None
        best = info.best_known
        gap = (makespan - best) / best if makespan is not None and best else None
        family = re.match(r"[a-z]+", name).group(0)  # type: ignore[union-attr]
        if gap is not None:
            gaps.setdefault(family, []).append(gap)
        if info.optimum is not None and makespan is not None:
            at_opt.setdefault(family, []).append(makespan == info.optimum)
        row = (f"| {name} | {info.jobs}x{info.machines} | {makespan} | {bound} | {best}"
               f"{'' if info.optimum is not None else ' (UB)'} |"
               f" {'' if gap is None else f'{100 * gap:.2f} %'} | {seconds:.1f} |"
               f" {plan.status.value if plan else outcome.status.value} |")
        lines.append(row)
        print(row, flush=True)
    lines.append("")
    for family, values in gaps.items():
        opt = at_opt.get(family, [])
        text = (f"- {family}: mean gap to best known {100 * sum(values) / len(values):.2f} %"
                f" over {len(values)} instances" + (
                    f"; at the optimum: {sum(opt)}/{len(opt)}" if opt else ""))
        lines.append(text)
        print(text, flush=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
