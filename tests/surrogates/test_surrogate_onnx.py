"""ONNX export: onnxruntime reproduces the torch predictions (mean and std)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from surrogates.fit import FitResult

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from surrogates.onnx_export import export_onnx  # noqa: E402 (after the skips)


@pytest.mark.parametrize("rows", [1, 7, 1000])
def test_onnxruntime_matches_torch_within_1e_5(trained: FitResult, tmp_path: Path,
                                               rows: int) -> None:
    path = export_onnx(trained.surrogate, tmp_path / "model.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    X = np.random.default_rng(rows).uniform(-3, 3, (rows, 3)).astype(np.float32)
    mean, std = session.run(["mean", "std"], {"x": X})
    ref_mean, ref_std = trained.surrogate.predict(X)
    assert mean.shape == ref_mean.shape == (rows, 2)
    # float32 on both sides: equal to 1e-5 relative (outcomes here are ~300 in size)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(std, ref_std, rtol=1e-5, atol=1e-5)


def test_exported_model_carries_names_and_leaves_no_temp_files(trained: FitResult,
                                                              tmp_path: Path) -> None:
    path = export_onnx(trained.surrogate, tmp_path / "m.onnx", metadata={"run": "r1"})
    model = onnx.load(str(path))
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["feature_names"]) == ["temp", "time", "idle"]
    assert json.loads(props["outcome_names"]) == ["yield", "energy"]
    assert props["run"] == "r1" and props["producer"] == "paretoplan"
    assert [i.name for i in model.graph.input] == ["x"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
