"""How long reading, cleaning and reporting take on the public data sets.

    .venv/bin/python benchmarks/bench_logdata.py [--repeats 5]

Times ``read_logs`` + ``clean_logs`` + the report (``to_dict`` as JSON and ``summary``)
on SECOM (1567 runs x 590 sensors, every column a model column, ``impute_recent``),
the steel-energy file (35,040 rows, BOM, day-first, midnight rows) and the concrete
mixes, with the default cleaning otherwise. Data from ../shared/data. Prints a markdown
table for benchmarks/README.md; exits 1 when a budget of the issue is exceeded (SECOM
5 s, steel 3 s, best of ``--repeats``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from _common import ROOT, machine

from surrogates.logdata import (
    CleaningConfig,
    CleanLogs,
    ColumnSpec,
    ReadOptions,
    clean_logs,
    read_logs,
)

DATA = ROOT.parent / "shared" / "data"


def secom() -> CleanLogs:
    path = DATA / "secom" / "uci-secom.csv"
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    specs = [ColumnSpec(name=c, role="context") for c in header
             if c not in ("Time", "Pass/Fail")]
    specs.append(ColumnSpec(name="Pass/Fail", role="outcome", lower_limit=-1, upper_limit=1))
    raw = read_logs(path, specs, time_column="Time")
    return clean_logs(raw, CleaningConfig(missing="impute_recent"), min_rows=0)


def steel() -> CleanLogs:
    path = DATA / "steel_energy" / "Steel_industry_data.csv"
    specs = [
        ColumnSpec(name="Usage_kWh", role="outcome", lower_limit=0),
        ColumnSpec(name="Lagging_Current_Reactive.Power_kVarh", role="context",
                   lower_limit=0),
        ColumnSpec(name="Leading_Current_Reactive_Power_kVarh", role="context",
                   lower_limit=0),
        ColumnSpec(name="CO2(tCO2)", role="outcome", lower_limit=0),
        ColumnSpec(name="Lagging_Current_Power_Factor", role="context", lower_limit=0,
                   upper_limit=100),
        ColumnSpec(name="Leading_Current_Power_Factor", role="context", lower_limit=0,
                   upper_limit=100),
        ColumnSpec(name="NSM", role="context", lower_limit=0, upper_limit=86_400),
        ColumnSpec(name="WeekStatus", role="setpoint", kind="category"),
        ColumnSpec(name="Load_Type", role="other", kind="category"),
    ]
    raw = read_logs(path, specs, time_column="date",
                    options=ReadOptions(dayfirst=True, midnight_ends_day=True))
    return clean_logs(raw)


def concrete() -> CleanLogs:
    path = DATA / "concrete" / "concrete.csv"
    names = ["cement", "blast_furnace_slag", "fly_ash", "water", "superplasticizer",
             "coarse_aggregate", "fine_aggregate", "age_days"]
    specs = [ColumnSpec(name=n, role="setpoint", lower_limit=0) for n in names]
    specs.append(ColumnSpec(name="strength_mpa", role="outcome", lower_limit=0))
    return clean_logs(read_logs(path, specs, time_column=None))


CASES: dict[str, tuple[Callable[[], CleanLogs], float | None]] = {
    "SECOM (590 sensors)": (secom, 5.0),
    "steel energy": (steel, 3.0),
    "concrete": (concrete, None),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"public data not found at {DATA}; nothing to measure")
        return 0
    print(f"machine: {machine()}\n")
    print("| data | rows read | rows kept | columns | best (s) | median (s) | budget (s) |")
    print("|---|---|---|---|---|---|---|")
    failed = False
    for name, (run, budget) in CASES.items():
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            clean = run()
            json.dumps(clean.quality.to_dict(), allow_nan=False)
            clean.quality.summary()
            times.append(time.perf_counter() - t0)
        q = clean.quality
        best = min(times)
        ok = budget is None or best <= budget
        failed |= not ok
        print(f"| {name} | {q.rows_read:,} | {q.rows_kept:,} | {len(q.columns)} |"
              f" {best:.2f} | {statistics.median(times):.2f} |"
              f" {'-' if budget is None else f'{budget:g}'}{'' if ok else ' EXCEEDED'} |")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
