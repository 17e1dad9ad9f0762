"""The command line: exit codes and messages of CONTRACT.md, and the run folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from optimizer.cli import app

from .conftest import BUNDLED, FAST, write_scenario

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _logs() -> pd.DataFrame:
    return pd.read_csv(BUNDLED.parent / "logs.csv")


def _scenario_with_logs(tmp_path: Path, frame: pd.DataFrame | None, text: str | None = None
                        ) -> Path:
    logs = tmp_path / "logs.csv"
    if frame is not None:
        frame.to_csv(logs, index=False)
    elif text is not None:
        logs.write_text(text, encoding="utf-8")
    path = write_scenario(tmp_path, **FAST)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["logs"]["path"] = "logs.csv"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_help_and_schema() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "validate", "train", "optimize", "schema", "demo"):
        assert command in result.output
    schema = invoke("schema")
    assert schema.exit_code == 0
    assert json.loads(schema.output)["title"] == "paretoplan scenario"


@pytest.mark.parametrize("case", [
    "missing_column",  # a column the scenario names but the logs lack
    "text_column",  # a numeric column holding only text
    "empty_file",  # an empty logs file
    "missing_file",  # the logs file does not exist
])
def test_bad_logs_exit_2_naming_file_and_column(tmp_path: Path, case: str) -> None:
    frame = _logs()
    text = None
    column = None
    if case == "missing_column":
        frame = frame.drop(columns=["feed_ratio"])
        column = "feed_ratio"
    elif case == "text_column":
        frame["catalyst_kg_per_t"] = "high"
        column = "catalyst_kg_per_t"
    elif case == "empty_file":
        frame, text = None, ""
    elif case == "missing_file":
        frame = None
    path = _scenario_with_logs(tmp_path, frame, text)
    for args in (["validate"], ["run", "--out", tmp_path / "run"]):
        result = invoke(*args, path, "--quiet")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert "logs.csv" in result.output
        if column:
            assert column in result.output
    assert not (tmp_path / "run").exists(), "nothing may be written for bad input"


@pytest.mark.parametrize(("content", "fragment"), [
    ("name: x\nlogs: {path: a.csv, timestamp: t}\ncolour: blue\n", "colour"),  # unknown key
    ("name: [\n", "not valid YAML"),  # not YAML
    ("", "empty"),  # empty scenario
])
def test_bad_scenario_exit_2(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(content, encoding="utf-8")
    result = invoke("run", path, "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert str(path) in result.output and fragment in result.output
    assert "Traceback" not in result.output


def test_inverted_bounds_exit_2(tmp_path: Path) -> None:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    name = next(iter(data["setpoints"]))
    setpoints = dict(data["setpoints"])
    setpoints[name] = {**setpoints[name], "lower": setpoints[name]["upper"] + 1}
    path = write_scenario(tmp_path, setpoints=setpoints)
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert f"setpoints.{name}" in result.output and "must be below upper" in result.output


def test_missing_scenario_exit_2(tmp_path: Path) -> None:
    result = invoke("run", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "file not found" in result.output


def test_validate_prints_summary_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", BUNDLED)
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    assert list(tmp_path.iterdir()) == []


def test_run_writes_the_run_folder_and_is_reproducible(fast_scenario: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "run1"
    result = invoke("run", fast_scenario, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    for name in ("run.json", "data_quality.json", "pareto.csv", "model/model.safetensors",
                 "model/model.json", "model/model_card.json", "figures/pareto_front.png",
                 "figures/model_sensitivity.png", "figures/model_partial_dependence.png",
                 "figures/model_calibration.png"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Sensitivities" in html and "Partial dependence" in html
    assert "90% interval coverage" in html and "gradient boosting R²" in html
    run = json.loads((out / "run.json").read_text())
    for key in ("scenario", "seed", "versions", "data_hash", "timings", "summary", "warnings"):
        assert key in run
    pareto = pd.read_csv(out / "pareto.csv")
    assert pareto["recommended"].sum() == 1
    assert pareto["feasible"].all()
    for outcome in ("yield_pct", "energy_kwh_per_t", "material_kg_per_t", "impurity_pct"):
        assert f"{outcome}_std" in pareto and (pareto[f"{outcome}_std"] > 0).all()
    # same scenario + seed -> same result (a second folder, trained anew)
    out2 = tmp_path / "run2"
    assert invoke("run", fast_scenario, "--out", out2, "--quiet").exit_code == 0
    pd.testing.assert_frame_equal(pareto, pd.read_csv(out2 / "pareto.csv"))
    # a second run into the same folder reuses the model, and optimize works alone
    again = invoke("run", fast_scenario, "--out", out)
    assert again.exit_code == 0 and "reusing the model" in again.output
    only = invoke("optimize", fast_scenario, "--out", out, "--quiet")
    assert only.exit_code == 0
    pd.testing.assert_frame_equal(pareto, pd.read_csv(out / "pareto.csv"))


def test_optimize_without_model_exit_2(fast_scenario: Path, tmp_path: Path) -> None:
    result = invoke("optimize", fast_scenario, "--out", tmp_path / "empty")
    assert result.exit_code == 2 and "paretoplan train" in result.output


def test_tampered_model_exit_2(fast_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert invoke("train", fast_scenario, "--out", out, "--quiet").exit_code == 0
    weights = out / "model" / "model.safetensors"
    blob = bytearray(weights.read_bytes())
    blob[-1] ^= 0xFF
    weights.write_bytes(bytes(blob))
    result = invoke("optimize", fast_scenario, "--out", out)
    assert result.exit_code == 2
    assert "model.safetensors" in result.output and "Traceback" not in result.output


def test_infeasible_exit_3_still_writes(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, **FAST, constraints=[
        {"name": "impossible", "expression": "yield_pct", "lower": 150.0}])
    out = tmp_path / "run"
    result = invoke("run", path, "--out", out)
    assert result.exit_code == 3
    assert "impossible" in result.output
    pareto = pd.read_csv(out / "pareto.csv")
    assert len(pareto) >= 1 and not pareto["feasible"].any()
    assert np.isfinite(pareto["yield_pct"]).all()


def test_impossible_due_date_exit_3_naming_the_order(tmp_path: Path) -> None:
    week = yaml.safe_load((BUNDLED.parent.parent / "batch_reactor_week" / "scenario.yaml")
                          .read_text(encoding="utf-8"))
    sched = week["scheduling"]
    sched.pop("orders_csv", None)
    sched.update(n_plans=1, time_limit_s=3, orders=[
        {"order": "RUSH-1", "product": "P-STD", "batches": 2,
         "release": "2025-03-03T06:00:00", "due": "2025-03-03T08:00:00", "priority": 5}])
    path = write_scenario(tmp_path, scheduling=sched)
    out = tmp_path / "run"
    result = invoke("schedule", path, "--out", out)
    assert result.exit_code == 3, result.output
    assert "RUSH-1" in result.output
    plans = pd.read_csv(out / "plans.csv")  # the plan with due dates relaxed is written
    assert set(plans["order"]) == {"RUSH-1"}


def test_export_model_writes_onnx_that_matches_the_run_model(fast_scenario: Path,
                                                             tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    from surrogates.io import load_surrogate

    out = tmp_path / "run"
    assert invoke("train", fast_scenario, "--out", out, "--quiet").exit_code == 0
    card = json.loads((out / "model" / "model_card.json").read_text())
    assert card["mode"] == "pooled" and card["sensitivities"]["yield_pct"]
    assert 0.0 <= card["metrics"]["yield_pct"]["coverage_90"] <= 1.0
    target = tmp_path / "edge" / "reactor.onnx"
    missing_dir = invoke("export-model", out, "--onnx", target)
    assert missing_dir.exit_code == 2 and "--onnx" in missing_dir.output
    target.parent.mkdir()
    result = invoke("export-model", out, "--onnx", target)
    assert result.exit_code == 0, result.output
    surrogate = load_surrogate(out / "model")
    X = np.asarray(list(surrogate.training_ranges.values()), dtype=np.float32).T
    X = np.vstack([X, X.mean(axis=0, keepdims=True)]).astype(np.float32)
    mean, std = ort.InferenceSession(str(target)).run(None, {"x": X})
    ref_mean, ref_std = surrogate.predict(X)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(std, ref_std, rtol=1e-5, atol=1e-5)
    no_model = invoke("export-model", tmp_path, "--onnx", tmp_path / "x.onnx")
    assert no_model.exit_code == 2 and "paretoplan train" in no_model.output
