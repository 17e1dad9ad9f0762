"""Piecewise-linear input encoding: the bins, the network with them, ``input_encoding:
auto``, and their round trip through model files, ONNX and fine-tuning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from surrogates.dataset import ProcessDataset
from surrogates.fit import FitResult, fine_tune, fit_ensemble, model_card
from surrogates.io import FORMAT_VERSION, JSON_FILE, load_surrogate, save_surrogate
from surrogates.mlp import MLPEnsemble
from surrogates.splits import time_split, train_valid_test
from surrogates.transforms import piecewise_bins

from .conftest import SMALL

columns = hnp.arrays(
    np.float64, st.tuples(st.integers(2, 60), st.integers(1, 4)),
    elements=st.one_of(st.sampled_from([0.0, 1.0, -2.5]),
                       st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)))


@settings(max_examples=60, deadline=None)
@given(Z=columns, n_bins=st.integers(1, 40))
def test_bins_are_ordered_standardised_and_unused_bins_encode_zero(Z: np.ndarray,
                                                                   n_bins: int) -> None:
    bins = piecewise_bins(Z, n_bins)
    assert set(bins) == {"lower", "inv_width", "mean", "inv_std"}
    assert all(v.shape == (Z.shape[1], n_bins) and np.isfinite(v).all() for v in bins.values())
    for j in range(Z.shape[1]):
        used = bins["inv_width"][j] > 0
        k = int(used.sum())
        assert used[:k].all() and not used[k:].any()  # used bins first
        assert k <= min(n_bins, len(np.unique(Z[:, j])) - 1)
        assert (np.diff(bins["lower"][j, :k]) > 0).all()
        assert (bins["mean"][j, k:] == 0).all() and (bins["inv_std"][j, k:] == 0).all()
        ramps = np.clip((Z[:, j, None] - bins["lower"][j]) * bins["inv_width"][j], 0, 1)
        encoded = (ramps - bins["mean"][j]) * bins["inv_std"][j]
        assert np.abs(encoded.mean(axis=0)).max() < 1e-6
        spread = encoded.std(axis=0)
        live = bins["inv_std"][j] > 0
        np.testing.assert_allclose(spread[live], 1.0, rtol=1e-6)
        assert (spread[~live] == 0).all()


def test_a_constant_column_gets_no_bin_and_a_binary_one_gets_one() -> None:
    Z = np.column_stack([np.zeros(10), np.repeat([0.0, 1.0], 5), np.linspace(-1, 1, 10)])
    used = (piecewise_bins(Z, 4)["inv_width"] > 0).sum(axis=1)
    assert used.tolist() == [0, 1, 4]


def encoded_network(seed: int = 0) -> MLPEnsemble:
    net = MLPEnsemble(2, 1, 3, (8,), encoding_bins=4,
                      generator=torch.Generator().manual_seed(seed))
    net.set_encoding(piecewise_bins(np.random.default_rng(seed).normal(size=(200, 2)), 4))
    return net


def test_encoding_is_flat_outside_the_bins_and_rows_map_to_inputs() -> None:
    net = encoded_network()
    assert net.weights[0].shape == (3, 2 * 5, 8)
    x = torch.tensor([[10.0, 0.0], [20.0, 0.0], [-10.0, 0.0], [-20.0, 0.0]])
    z = net.encode(x)
    assert z.shape == (4, 10)
    torch.testing.assert_close(z[0, 2:], z[1, 2:])  # beyond the last bin: all ramps at 1
    torch.testing.assert_close(z[2, 2:], z[3, 2:])  # below the first: all at 0
    torch.testing.assert_close(z[:, :2], x)  # the inputs themselves come first
    rows = net.input_rows(torch.tensor([False, True]))
    assert rows.nonzero().flatten().tolist() == [1, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="shape"):
        net.set_encoding({k: np.zeros((2, 3)) for k in ("lower", "inv_width", "mean",
                                                        "inv_std")})


def steps(n: int = 700, seed: int = 0) -> ProcessDataset:
    """A process with thresholds (a phase change, a limit switch): steps and a kink."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 3))
    y = (10 * (X[:, 0] > 0.2) + 6 * ((X[:, 1] > -0.3) & (X[:, 0] < 0))
         + 4 * np.maximum(X[:, 2] - 0.5, 0) + 0.1 * rng.standard_normal(n))
    times = np.datetime64("2025-01-01") + np.arange(n) * np.timedelta64(1, "h")
    groups = np.arange(n) // 5
    return ProcessDataset(X, y[:, None], ("a", "b", "c"), ("y",), times, groups)


@pytest.fixture(scope="module")
def step_fits() -> dict[str, FitResult]:
    train, valid, test = train_valid_test(steps(), 0.15, 0.15)
    return {mode: fit_ensemble(train, valid, SMALL.model_copy(update={"input_encoding": mode}),
                               test=test)
            for mode in ("linear", "piecewise", "auto")}


def test_piecewise_inputs_learn_steps_the_linear_inputs_blur(
        step_fits: dict[str, FitResult]) -> None:
    linear = step_fits["linear"].metrics["y"]
    piecewise = step_fits["piecewise"].metrics["y"]
    assert piecewise["mae"] < 0.75 * linear["mae"], (piecewise, linear)
    assert piecewise["r2"] > linear["r2"] + 0.02
    # axis-aligned steps are what trees do best: the encoding closes most of the gap
    gb = piecewise["baseline_r2"]
    assert gb - piecewise["r2"] < 0.6 * (gb - linear["r2"])


def test_auto_tries_piecewise_where_trees_compete_and_says_why(
        step_fits: dict[str, FitResult]) -> None:
    auto = step_fits["auto"]
    choice = auto.input_encoding
    assert choice["mode"] == "auto" and choice["chosen"] == "piecewise", choice
    assert set(choice["valid_mae"]) == {"linear", "gradient_boosting", "piecewise"}
    assert "gradient boosting came close" in choice["reason"]
    np.testing.assert_array_equal(  # the same network as the forced setting
        auto.surrogate.predict(steps(20, seed=5).X)[0],
        step_fits["piecewise"].surrogate.predict(steps(20, seed=5).X)[0])
    card = model_card(auto)
    assert card["input_encoding"]["chosen"] == "piecewise"
    assert card["architecture"]["encoding_bins"] == SMALL.encoding_bins


def test_auto_keeps_linear_inputs_on_a_smooth_process(trained: FitResult) -> None:
    choice = trained.input_encoding
    assert choice["chosen"] == "linear" and "piecewise" not in choice["valid_mae"], choice
    assert choice["z_linear_vs_gradient_boosting"] < -2
    assert trained.surrogate.network.encoding_bins == 0


def test_linear_setting_warns_with_a_hint_when_trees_win(
        step_fits: dict[str, FitResult]) -> None:
    from surrogates.fit import card_warnings

    warnings = card_warnings(step_fits["linear"])
    assert any("loses to gradient boosting" in w and "input_encoding: piecewise" in w
               for w in warnings), warnings


def test_piecewise_model_survives_files_and_onnx(step_fits: dict[str, FitResult],
                                                 tmp_path: Path) -> None:
    surrogate = step_fits["piecewise"].surrogate
    save_surrogate(surrogate, tmp_path / "m")
    doc = json.loads((tmp_path / "m" / JSON_FILE).read_text())
    assert doc["format_version"] == FORMAT_VERSION == 3
    assert doc["architecture"]["encoding_bins"] == SMALL.encoding_bins
    assert "encoding_lower" in doc["weights"]["tensors"]
    loaded = load_surrogate(tmp_path / "m")
    X = np.random.default_rng(1).uniform(-1.5, 1.5, (64, 3))
    for got, want in zip(loaded.predict(X), surrogate.predict(X), strict=True):
        np.testing.assert_array_equal(got, want)
    ort = pytest.importorskip("onnxruntime")
    from surrogates.onnx_export import export_onnx

    path = export_onnx(surrogate, tmp_path / "m.onnx")
    mean, std = ort.InferenceSession(str(path)).run(None, {"x": X.astype(np.float32)})
    np.testing.assert_allclose(mean, surrogate.predict(X)[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(std, surrogate.predict(X)[1], rtol=1e-5, atol=1e-5)


def test_a_forged_encoding_is_refused(step_fits: dict[str, FitResult], tmp_path: Path) -> None:
    from surrogates.errors import ModelFileError

    from .test_surrogate_io import rewrite_weights

    save_surrogate(step_fits["piecewise"].surrogate, tmp_path / "m")
    weights = load_surrogate(tmp_path / "m").network.encoding_inv_width.clone()
    weights[0, 0] = -1.0
    rewrite_weights(tmp_path / "m", {"encoding_inv_width": weights})
    with pytest.raises(ModelFileError, match="encoding_inv_width"):
        load_surrogate(tmp_path / "m")


def test_paired_z_counts_groups_not_rows_and_needs_evidence() -> None:
    from surrogates.fit import _paired_z

    rng = np.random.default_rng(0)
    better = rng.uniform(0, 1, 200)
    worse = better + 0.1 + 0.05 * rng.standard_normal(200)
    assert _paired_z(better, worse, None) < -10
    # the same rows in 4 groups are 4 observations: suggestive, not clear
    z4 = _paired_z(better, worse, np.arange(200) % 4)
    assert -10 < z4 < 0
    assert _paired_z(better[:2], worse[:2], None) == 0.0  # too few to tell
    assert _paired_z(better, better, None) == 0.0


def test_fine_tuning_keeps_the_pretrained_encoding(step_fits: dict[str, FitResult]) -> None:
    pretrained = step_fits["piecewise"].surrogate
    rows = steps(120, seed=3)
    rows = ProcessDataset(rows.X, rows.Y + 0.5, rows.feature_names, rows.outcome_names,
                          rows.timestamps)
    train, valid = time_split(rows, 0.25)
    tuned = fine_tune(pretrained, train, valid, SMALL, baselines=False)
    net = tuned.surrogate.network
    assert net.encoding_bins == pretrained.network.encoding_bins
    torch.testing.assert_close(net.encoding_lower, pretrained.network.encoding_lower)
    assert tuned.input_encoding["chosen"] == "piecewise"
    assert tuned.fine_tuning["kept"] == "fine-tuned"
    as_is = np.abs(pretrained.predict(valid.X)[0] - valid.Y).mean()
    assert tuned.metrics["y"]["mae"] < 0.8 * as_is, (tuned.metrics["y"]["mae"], as_is)
