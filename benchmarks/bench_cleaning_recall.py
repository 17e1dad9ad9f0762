"""How well the cleaning finds the defects injected into the bundled logs.

    .venv/bin/python benchmarks/bench_cleaning_recall.py [--seeds 7 11 23]

Cleans ``scenarios/batch_reactor/logs.csv`` with the scenario's default settings and
scores the flagged cells against ``defects.csv`` (the injected truth): per defect kind
the recall (damaged cells flagged by limits, the Hampel rule, the stuck check or the
drift check), and the false alarms (flagged cells that were not damaged), by flag. The
drift and stuck events are compared with the truth's time spans. With ``--seeds``, the
logs are regenerated with other seeds (``generate_logs``), with and without defects:
without defects every flag is a false alarm. Missing cells are counted, not detected,
so they are only checked for equality. Prints markdown tables for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd
import yaml
from _common import ROOT

from surrogates.logdata import ROW_COLUMN, CleanLogs, ColumnSpec, clean_logs, read_logs

BUNDLED = ROOT / "scenarios" / "batch_reactor"
DETECTION_FLAGS = ("out_of_limits", "outlier", "stuck", "drift")
KINDS = ("spike", "stuck", "drift")


def specs() -> list[ColumnSpec]:
    """The bundled scenario's columns with their physical limits."""
    scenario = yaml.safe_load((BUNDLED / "scenario.yaml").read_text(encoding="utf-8"))
    out = []
    for role, key in (("setpoint", "setpoints"), ("context", "context"),
                      ("outcome", "outcomes")):
        for name, spec in scenario[key].items():
            lo, hi = spec.get("limits", (None, None))
            out.append(ColumnSpec(name=name, role=role, lower_limit=lo, upper_limit=hi))
    return [*out, ColumnSpec(name="line", role="line", kind="category")]


def score(clean: CleanLogs, truth: pd.DataFrame) -> dict[str, object]:
    """Recall per kind, false alarms per flag, and the missing-count check."""
    flags = clean.flags[clean.flags["flag"].isin(DETECTION_FLAGS)]
    cells = {(int(r), str(c)): str(f) for r, c, f in
             zip(flags[ROW_COLUMN], flags["column"], flags["flag"], strict=True)}
    damaged = set(zip(truth["row"].astype(int), truth["column"], strict=True))
    out: dict[str, object] = {}
    for kind in KINDS:
        rows = truth[truth["kind"] == kind]
        hits = sum((int(r), c) in cells for r, c in zip(rows["row"], rows["column"],
                                                          strict=True))
        out[kind] = (hits, len(rows))
    false = pd.Series([f for cell, f in cells.items() if cell not in damaged], dtype=object)
    out["false"] = false.value_counts().to_dict()
    out["false_total"] = len(false)
    missing = truth[truth["kind"] == "missing"].groupby("column").size()
    out["missing_exact"] = all(clean.quality.columns[c].missing == n
                               for c, n in missing.items())
    out["rows"] = (clean.quality.rows_kept, clean.quality.rows_read)
    return out


def events(clean: CleanLogs, logs: pd.DataFrame, truth: pd.DataFrame) -> list[str]:
    """Detected drift and stuck events next to the injected ones."""
    lines = []
    for kind, found in (("drift", clean.quality.drift), ("stuck", clean.quality.stuck)):
        rows = truth[truth["kind"] == kind]
        if len(rows):
            t = pd.to_datetime(logs.loc[rows["row"], "timestamp"])
            col = rows["column"].iloc[0]
            line = logs.loc[rows["row"].iloc[0], "line"]
            lines.append(f"| {kind} | injected | {col} | {line} | {t.min()} | {t.max()} |"
                         f" {len(rows)} |")
        for event in found:
            n = event.n_rows
            lines.append(f"| {kind} | detected | {event.column} | {event.line} |"
                         f" {event.start} | {event.end} | {n} |")
    for change in clean.quality.changes:
        lines.append(f"| {change.kind} change | detected (kept) | {', '.join(change.columns)}"
                     f" | {', '.join(change.lines)} | {change.start} | {change.end} | - |")
    return lines


def fmt(result: dict[str, object]) -> str:
    parts = []
    for kind in KINDS:
        hits, n = result[kind]  # type: ignore[misc]
        parts.append(f"{hits}/{n} ({hits / n:.0%})" if n else "-")
    false = result["false"]
    detail = ", ".join(f"{k} {v}" for k, v in sorted(false.items()))  # type: ignore[union-attr]
    kept, read = result["rows"]  # type: ignore[misc]
    return (" | ".join(parts) + f" | {result['false_total']} ({detail or 'none'}) |"
            f" {'yes' if result['missing_exact'] else 'NO'} | {kept}/{read}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="*", default=[])
    args = parser.parse_args()
    columns = specs()
    logs_path, truth_path = BUNDLED / "logs.csv", BUNDLED / "defects.csv"
    clean = clean_logs(read_logs(logs_path, columns, time_column="timestamp"))
    truth = pd.read_csv(truth_path)
    print("| logs | spike recall | stuck recall | drift recall | false alarms (cells) |"
          " missing counts exact | rows kept |")
    print("|---|---|---|---|---|---|---|")
    print(f"| bundled (seed 7) | {fmt(score(clean, truth))} |")
    results = [("bundled", clean, pd.read_csv(logs_path), truth)]
    if args.seeds:
        from scenarios.batch_reactor.generate_logs import generate_logs

        with tempfile.TemporaryDirectory() as tmp:
            for seed in args.seeds:
                for defects in (True, False):
                    logs, truth = generate_logs(seed=seed, defects=defects)
                    path = Path(tmp) / f"logs_{seed}_{defects}.csv"
                    logs.to_csv(path, index=False)
                    cl = clean_logs(read_logs(path, columns, time_column="timestamp"))
                    label = f"seed {seed}, {'defects' if defects else 'no defects'}"
                    print(f"| {label} | {fmt(score(cl, truth))} |")
                    if defects:
                        results.append((f"seed {seed}", cl, logs, truth))
    print("\n| event | source | column(s) | line(s) | start | end | rows |")
    print("|---|---|---|---|---|---|---|")
    for label, cl, logs, truth in results:
        print(f"| **{label}** | | | | | | |")
        for line in events(cl, logs, truth):
            print(line)


if __name__ == "__main__":
    main()
