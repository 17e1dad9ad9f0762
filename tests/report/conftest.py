"""A hand-made run folder in the formats of CONTRACT.md (batch-reactor names), so the
report can be tested without running the pipeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

SETPOINTS = {
    "reactor_temp_C": {"lower": 150, "upper": 200, "type": "continuous", "unit": "°C"},
    "batch_time_h": {"lower": 1.0, "upper": 6.0, "type": "continuous", "unit": "h"},
    "catalyst_kg_per_t": {"lower": 0.5, "upper": 3.0, "type": "continuous", "unit": "kg/t"},
    "feed_ratio": {"lower": 1.0, "upper": 1.6, "type": "continuous", "unit": "mol/mol"},
    "agitator_rpm": {"lower": 100, "upper": 400, "type": "integer", "unit": "rpm"},
}
OUTCOMES = {"yield_pct": "%", "energy_kwh_per_t": "kWh/t", "material_kg_per_t": "kg/t",
            "impurity_pct": "%"}


def scenario_dict() -> dict:
    """A normalised scenario as ``run.json`` holds it."""
    return {
        "name": "batch-reactor-L1",
        "description": "Setpoints for line L1, trading yield against energy and material.",
        "seed": 0,
        "logs": {"path": "/data/logs.csv", "timestamp": "timestamp", "line_column": "line",
                 "line": "L1"},
        "setpoints": {k: {**v, "resolution": None, "limits": None}
                      for k, v in SETPOINTS.items()},
        "context": {"feed_purity_pct": {"value": 97.5, "unit": "%"},
                    "ambient_temp_C": {"value": 15.0, "unit": "°C"}},
        "outcomes": {k: {"unit": u} for k, u in OUTCOMES.items()},
        "objectives": [
            {"name": "yield_pct", "sense": "maximize", "expression": None, "unit": "%"},
            {"name": "energy_kwh_per_t", "sense": "minimize", "expression": None,
             "unit": "kWh/t"},
            {"name": "material_kg_per_t", "sense": "minimize", "expression": None,
             "unit": "kg/t"},
        ],
        "constraints": [{"name": "impurity_max", "expression": "impurity_pct", "lower": None,
                         "upper": 2.0}],
        "surrogate": {"n_members": 5, "hidden": [128, 128, 128]},
        "search": {"pop_size": 200, "generations": 300,
                   "trust_region": {"enabled": True, "radius": 0.35}},
    }


def pareto_frame(n: int = 24, seed: int = 0) -> pd.DataFrame:
    """A plausible ``pareto.csv``: yield rises with energy and material."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 1, n))
    frame = pd.DataFrame({"recipe_id": [f"R{i + 1:03d}" for i in range(n)]})
    frame["reactor_temp_C"] = 160 + 30 * t + rng.normal(0, 1, n)
    frame["batch_time_h"] = 2.5 + 2.5 * t
    frame["catalyst_kg_per_t"] = 1.2 + 0.8 * rng.uniform(0, 1, n)
    frame["feed_ratio"] = 1.15 + 0.3 * t
    frame["agitator_rpm"] = (250 + 100 * t).round().astype(int)
    frame["feed_purity_pct"] = 97.5
    frame["ambient_temp_C"] = 15.0
    frame["line"] = "L1"
    frame["yield_pct"] = 84 + 9 * np.sqrt(t)
    frame["yield_pct_std"] = 0.3 + 0.2 * t
    frame["energy_kwh_per_t"] = 250 + 80 * t
    frame["energy_kwh_per_t_std"] = 4 + 3 * t
    frame["material_kg_per_t"] = 1240 - 30 * np.sqrt(t) + 40 * t ** 2
    frame["material_kg_per_t_std"] = 6.0
    frame["impurity_pct"] = 1.2 + 0.6 * t
    frame["impurity_pct_std"] = 0.05
    frame["objective_yield_pct"] = frame["yield_pct"]
    frame["objective_energy_kwh_per_t"] = frame["energy_kwh_per_t"]
    frame["objective_material_kg_per_t"] = frame["material_kg_per_t"]
    frame["impurity_max"] = frame["impurity_pct"]
    frame["support_distance"] = np.linspace(0.05, 0.3, n)
    frame["feasible"] = True
    frame["knee"] = False
    frame.loc[n // 2, "knee"] = True
    frame["preferred"] = False
    frame["beats_practice"] = False
    frame.loc[n // 3, "beats_practice"] = True
    frame["recommended"] = frame["knee"]
    frame["note"] = ""
    frame.loc[n // 2, "note"] = "Knee of the front: the most balanced trade-off."
    return frame


def model_card() -> dict:
    """A model card as ``surrogates.fit.model_card`` writes it, plus sensitivities."""
    metrics = {
        "yield_pct": {"r2": 0.93, "mae": 0.41, "rmse": 0.55, "coverage_95": 0.91,
                      "mean_std": 0.4, "train_r2": 0.95},
        "energy_kwh_per_t": {"r2": 0.97, "mae": 3.1, "rmse": 4.0, "coverage_95": 0.95,
                             "mean_std": 3.5, "train_r2": 0.98},
        "material_kg_per_t": {"r2": 0.88, "mae": 7.2, "rmse": 9.1, "coverage_95": 0.93,
                              "mean_std": 6.0, "train_r2": 0.9},
        "impurity_pct": {"r2": 0.41, "mae": 0.11, "rmse": 0.15, "coverage_95": 0.62,
                         "mean_std": 0.05, "train_r2": 0.6},
    }
    features = [*SETPOINTS, "feed_purity_pct", "ambient_temp_C", "line=L1", "line=L2"]
    rng = np.random.default_rng(1)
    return {
        "kind": "mlp-ensemble",
        "features": features,
        "outcomes": list(OUTCOMES),
        "n_train": 3200,
        "n_valid": 640,
        "validation": {"scheme": "time split: last 20 % of rows"},
        "metrics": metrics,
        "baseline": {"model": "ridge", "metrics": {
            k: {"r2": v["r2"] - 0.15, "mae": v["mae"] * 1.5, "rmse": v["rmse"] * 1.5}
            for k, v in metrics.items()}},
        "uncertainty": {"coverage": {k: v["coverage_95"] for k, v in metrics.items()}},
        "architecture": {"hidden": [128, 128, 128], "activation": "silu", "n_members": 5},
        "input_encoding": {"mode": "auto", "chosen": "linear",
                           "reason": "the network with linear inputs beat gradient boosting"
                                     " clearly on the validation rows"},
        "training": {"seconds": 12.5, "epochs_run": 180, "best_epoch": 160},
        "training_ranges": {"reactor_temp_C": [150.0, 200.0], "batch_time_h": [1.0, 6.0],
                            "catalyst_kg_per_t": [0.5, 3.0], "feed_ratio": [1.0, 1.6],
                            "agitator_rpm": [100, 400]},
        "sensitivities": {o: {f: float(rng.normal()) for f in features[:7]} for o in OUTCOMES},
    }


def data_quality() -> dict:
    """A data-quality report (tolerant guess of ``DataQualityReport.to_dict()``)."""
    return {
        "rows_read": 4004,
        "rows_kept": 3840,
        "rows_dropped": {"duplicate": 12, "missing_outcome": 80, "out_of_limits": 72},
        "columns": {
            "reactor_temp_C": {"missing": 3, "out_of_limits": 20, "outliers": 4},
            "yield_pct": {"missing": 80, "out_of_limits": 0, "outliers": 9},
            "energy_kwh_per_t": {"missing": 0, "out_of_limits": 52, "outliers": 2},
        },
        "drift": [{"column": "feed_purity_pct", "start": "2025-09-01", "end": "2025-11-30",
                   "message": "feed_purity_pct drifts down by 1.2 % from 2025-09 to 2025-11"}],
        "warnings": ["stuck sensor: ambient_temp_C constant for 36 h on 2025-03-14"],
    }


def plans_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``plans.csv`` (2 plans, 3 machines, hours from plan start) and ``plan_summary.csv``."""
    rows = []
    for plan in (1, 2):
        free = {"R1": 0.0, "R2": 0.0, "F1": 0.0}
        for order in range(6):
            reactor = "R1" if order % 2 == 0 else "R2"
            react_end = free[reactor] + 4.0 + 0.5 * plan
            filter_start = max(react_end, free["F1"])
            steps = (("react", reactor, free[reactor], react_end, 800.0),
                     ("filter", "F1", filter_start, filter_start + 1.5, 60.0))
            free[reactor], free["F1"] = react_end, filter_start + 1.5
            for step, machine, start, end, kwh in steps:
                rows.append({"plan": plan, "order": f"O{order + 1}", "batch": 1,
                             "step": step, "machine": machine, "start": start, "end": end,
                             "recipe_id": "R012" if plan == 1 else "R005",
                             "product": "P-A" if order % 2 == 0 else "P-B",
                             "energy_kwh": kwh, "energy_cost": kwh * 0.15})
    plans = pd.DataFrame(rows)
    summary = pd.DataFrame({"plan": [1, 2], "makespan_h": [32.0, 29.5],
                            "energy_cost": [774.0, 801.0], "status": ["OPTIMAL", "FEASIBLE"],
                            "bound": [774.0, 790.0], "gap": [0.0, 0.014],
                            "seconds": [3.2, 10.0]})
    return plans, summary


def write_run(path: Path, *, plans: bool = True, quality: bool = True, card: bool = True,
              pareto: bool = True, n_recipes: int = 24) -> Path:
    """Write a run folder; leave out the parts that are switched off."""
    path.mkdir(parents=True, exist_ok=True)
    info = {
        "paretoplan_run": 1,
        "scenario": scenario_dict(),
        "seed": 0,
        "versions": {"python": "3.11", "paretoplan": "0.1.0"},
        "data_hash": "ab" * 32,
        "timings": {"data": 0.4, "surrogate": 12.9, "search": 8.1},
        "summary": {"rows_used": 3840, "n_recipes": 24, "feasible": True, "generations": 120,
                    "evaluations": 24000, "stopped_by": "stall"},
        "convergence": {"hypervolume_per_generation": list(np.linspace(0.2, 0.6, 30) ** 0.5)},
        "decisions": [{"flag": "knee", "recipe_id": "R013",
                       "explanation": "Knee of the front: the most balanced trade-off."}],
        "current_practice": {"reactor_temp_C": 182.0, "batch_time_h": 4.2,
                             "catalyst_kg_per_t": 1.6, "feed_ratio": 1.3,
                             "agitator_rpm": 330},
        "current_practice_predicted": {"yield_pct": 88.0, "energy_kwh_per_t": 300.0,
                                       "material_kg_per_t": 1235.0},
        "warnings": [],
    }
    (path / "run.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    if pareto:
        pareto_frame(n_recipes).to_csv(path / "pareto.csv", index=False)
    if quality:
        (path / "data_quality.json").write_text(json.dumps(data_quality()), encoding="utf-8")
    if card:
        (path / "model").mkdir(exist_ok=True)
        (path / "model" / "model_card.json").write_text(json.dumps(model_card()),
                                                         encoding="utf-8")
    if plans:
        steps, summary = plans_frames()
        steps.to_csv(path / "plans.csv", index=False)
        summary.to_csv(path / "plan_summary.csv", index=False)
    return path


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_run(name="run", plans=True, quality=True, card=True, pareto=True,
    n_recipes=24)``."""

    def make(name: str = "run", **parts: Any) -> Path:
        return write_run(tmp_path / name, **parts)

    return make


@pytest.fixture(scope="session")
def full_report(tmp_path_factory: pytest.TempPathFactory):
    """A run folder with every file, and its report built once for the session."""
    from optimizer.report import build_report

    path = write_run(tmp_path_factory.mktemp("full") / "run")
    return path, build_report(path)


@pytest.fixture(scope="session")
def bare_report(tmp_path_factory: pytest.TempPathFactory):
    """A run folder with run.json and pareto.csv only, and its report."""
    from optimizer.report import build_report

    path = write_run(tmp_path_factory.mktemp("bare") / "run", plans=False, quality=False,
                     card=False)
    return path, build_report(path)
