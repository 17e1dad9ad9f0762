"""save_surrogate / load_surrogate: exact round trip and ModelFileError for every bad file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from surrogates.errors import ModelFileError
from surrogates.fit import FitResult
from surrogates.io import (
    FORMAT_VERSION,
    JSON_FILE,
    WEIGHTS_FILE,
    load_surrogate,
    read_metadata,
    save_surrogate,
)


@pytest.fixture
def saved(trained: FitResult, tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    save_surrogate(trained.surrogate, directory, metadata={"data_hash": "d1", "n": 3})
    return directory


def test_round_trip_gives_identical_predictions(trained: FitResult, saved: Path) -> None:
    loaded = load_surrogate(saved)
    X = np.random.default_rng(0).uniform(-3, 3, (257, 3))
    for a, b in zip(trained.surrogate.predict(X), loaded.predict(X), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.feature_names == trained.surrogate.feature_names
    assert loaded.outcome_names == trained.surrogate.outcome_names
    assert loaded.training_ranges == trained.surrogate.training_ranges
    assert loaded.x_scaler == trained.surrogate.x_scaler
    assert sorted(p.name for p in saved.iterdir()) == [JSON_FILE, WEIGHTS_FILE]  # no temp files


def test_model_json_describes_the_model(saved: Path) -> None:
    doc = json.loads((saved / JSON_FILE).read_text())
    assert doc["format_version"] == FORMAT_VERSION
    assert doc["feature_names"] == ["temp", "time", "idle"]
    assert doc["architecture"]["hidden"] == [32, 32]
    assert doc["weights"]["sha256"] == hashlib.sha256((saved / WEIGHTS_FILE).read_bytes()
                                                      ).hexdigest()
    assert doc["weights"]["tensors"]["weights.0"] == [4, 3, 32]
    assert doc["metadata"] == {"data_hash": "d1", "n": 3}
    assert "torch" in doc["versions"] and set(doc["scalers"]) == {"x", "y"}
    assert read_metadata(saved).metadata["data_hash"] == "d1"


def test_saving_again_overwrites(trained: FitResult, saved: Path) -> None:
    save_surrogate(trained.surrogate, saved, metadata={"data_hash": "d2"})
    assert read_metadata(saved).metadata == {"data_hash": "d2"}
    load_surrogate(saved)


def test_metadata_must_be_json(trained: FitResult, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="JSON-serialisable"):
        save_surrogate(trained.surrogate, tmp_path, metadata={"when": object()})
    assert not (tmp_path / JSON_FILE).exists()


def rewrite_weights(directory: Path, change: dict[str, torch.Tensor | None]) -> None:
    """Replace tensors (None drops one) and record the new checksum, as a careful forger would."""
    tensors = load_tensors((directory / WEIGHTS_FILE).read_bytes())
    for name, value in change.items():
        if value is None:
            tensors.pop(name)
        else:
            tensors[name] = value
    blob = save_tensors(tensors)
    (directory / WEIGHTS_FILE).write_bytes(blob)
    edit_json(directory, lambda d: d["weights"].__setitem__(
        "sha256", hashlib.sha256(blob).hexdigest()))


def edit_json(directory: Path, edit) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((directory / JSON_FILE).read_text())
    edit(doc)
    (directory / JSON_FILE).write_text(json.dumps(doc))


def garbage_weights(directory: Path) -> None:
    (directory / WEIGHTS_FILE).write_bytes(b"garbage")
    edit_json(directory, lambda d: d["weights"].update(
        sha256=hashlib.sha256(b"garbage").hexdigest()))


def flip_byte(directory: Path) -> None:
    data = bytearray((directory / WEIGHTS_FILE).read_bytes())
    data[-5] ^= 0xFF
    (directory / WEIGHTS_FILE).write_bytes(bytes(data))


@pytest.mark.parametrize(("damage", "file", "match"), [
    # the folder holds no model at all
    (lambda d: (d / JSON_FILE).unlink(), JSON_FILE, "model description not found"),
    # weights deleted
    (lambda d: (d / WEIGHTS_FILE).unlink(), WEIGHTS_FILE, "weights file not found"),
    # JSON cut off
    (lambda d: (d / JSON_FILE).write_text('{"format": '), JSON_FILE, "cannot read"),
    # a JSON list instead of an object
    (lambda d: (d / JSON_FILE).write_text("[]"), JSON_FILE, "expected a JSON object"),
    # written by a future version
    (lambda d: edit_json(d, lambda j: j.update(format_version=99)), JSON_FILE,
     "format_version 99 is not supported"),
    # some other JSON file
    (lambda d: edit_json(d, lambda j: j.update(format="keras")), JSON_FILE,
     "not a paretoplan surrogate"),
    # a required field removed
    (lambda d: edit_json(d, lambda j: j.pop("outcome_names")), JSON_FILE, "Field required"),
    # one weight changed after saving: checksum mismatch
    (flip_byte, WEIGHTS_FILE, "do not match the SHA-256"),
    # architecture edited to claim a wider network than stored
    (lambda d: edit_json(d, lambda j: j["architecture"].update(hidden=[64, 32])), WEIGHTS_FILE,
     r"tensor 'weights.0' has shape \(4, 3, 32\)"),
    # architecture edited to disagree with the names
    (lambda d: edit_json(d, lambda j: j["feature_names"].append("extra")), JSON_FILE,
     "the architecture maps 3 -> 2 columns"),
    # a tensor replaced by one of the wrong shape, checksum updated
    (lambda d: rewrite_weights(d, {"biases.1": torch.zeros(4, 1, 7)}), WEIGHTS_FILE,
     r"tensor 'biases.1' has shape \(4, 1, 7\)"),
    # a tensor dropped, checksum updated
    (lambda d: rewrite_weights(d, {"y_scale": None}), WEIGHTS_FILE, r"missing \['y_scale'\]"),
    # NaN weights, checksum updated
    (lambda d: rewrite_weights(d, {"weights.1": torch.full((4, 32, 32), float("nan"))}),
     WEIGHTS_FILE, "non-finite"),
    # a negative calibration factor, checksum updated
    (lambda d: rewrite_weights(d, {"std_scale": torch.tensor([1.0, -1.0], dtype=torch.float64)}),
     WEIGHTS_FILE, "'std_scale' must hold positive"),
    # a log flag that is neither 0 nor 1, checksum updated
    (lambda d: rewrite_weights(d, {"x_log": torch.tensor([0.0, 2.0, 0.0], dtype=torch.float64)}),
     WEIGHTS_FILE, "'x_log' must hold 0 or 1"),
    # scaler in JSON edited
    (lambda d: edit_json(d, lambda j: j["scalers"]["x"]["mean"].__setitem__(0, 1.5)),
     JSON_FILE, "x scaler in model.json differs"),
    # not a safetensors file at all, checksum updated
    (garbage_weights, WEIGHTS_FILE, "cannot read the weights"),
])
def test_bad_model_files_raise_model_file_error(saved: Path, damage, file: str,  # type: ignore[no-untyped-def]
                                                match: str) -> None:
    damage(saved)
    with pytest.raises(ModelFileError, match=match) as info:
        load_surrogate(saved)
    assert info.value.file == str(saved / file)
    assert "retrain with `paretoplan train`" in str(info.value)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        load_surrogate(tmp_path / "nowhere")


def test_calibration_and_variance_heads_survive_the_round_trip(trained: FitResult,
                                                              saved: Path) -> None:
    loaded = load_surrogate(saved)
    assert loaded.heteroscedastic and trained.surrogate.heteroscedastic
    np.testing.assert_array_equal(loaded.std_scale, trained.surrogate.std_scale)
    assert json.loads((saved / JSON_FILE).read_text())["architecture"]["heteroscedastic"]


def test_version_1_files_still_load(trained: FitResult, tmp_path: Path) -> None:
    """A file written before variance heads and calibration (format 1) reads as a plain
    ensemble with calibration factor 1."""
    from surrogates.fit import fit_ensemble
    from surrogates.splits import time_split

    from .conftest import TINY, make_dataset

    train, valid = time_split(make_dataset(100))
    plain = fit_ensemble(train, valid, TINY.model_copy(update={"heteroscedastic": False}),
                         baselines=False).surrogate.with_std_scale([1.0, 1.0])
    directory = tmp_path / "v1"
    save_surrogate(plain, directory)
    rewrite_weights(directory, {"std_scale": None, "x_log": None})
    edit_json(directory, lambda d: (d.update(format_version=1),
                                    d["architecture"].pop("heteroscedastic"),
                                    d["weights"]["tensors"].pop("std_scale"),
                                    d["weights"]["tensors"].pop("x_log")))
    loaded = load_surrogate(directory)
    X = valid.X[:5]
    np.testing.assert_array_equal(loaded.predict(X)[1], plain.predict(X)[1])
    assert not loaded.heteroscedastic



def test_log_inputs_survive_the_round_trip_and_the_onnx_export(tmp_path: Path) -> None:
    from surrogates.dataset import ProcessDataset
    from surrogates.fit import fit_ensemble
    from surrogates.splits import time_split

    from .conftest import TINY

    rng = np.random.default_rng(0)
    age = rng.choice([1.0, 3, 7, 28, 90, 365], 300)
    X = np.column_stack([age, rng.uniform(-1, 1, 300)])
    ds = ProcessDataset(X, np.log(X[:, :1]) * 10 + X[:, 1:], ("age", "w"), ("s",))
    train, valid = time_split(ds)
    surrogate = fit_ensemble(train, valid, TINY, baselines=False).surrogate
    assert surrogate.log_inputs.tolist() == [True, False]
    save_surrogate(surrogate, tmp_path / "m")
    loaded = load_surrogate(tmp_path / "m")
    assert loaded.log_inputs.tolist() == [True, False]
    np.testing.assert_array_equal(loaded.predict(X[:20])[0], surrogate.predict(X[:20])[0])
    ort = pytest.importorskip("onnxruntime")
    from surrogates.onnx_export import export_onnx

    path = export_onnx(surrogate, tmp_path / "m.onnx")
    mean, std = ort.InferenceSession(str(path)).run(None, {"x": X[:50].astype(np.float32)})
    ref_mean, ref_std = surrogate.predict(X[:50])
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(std, ref_std, rtol=1e-5, atol=1e-5)
