"""MLPEnsemble forward pass and the EnsembleSurrogate predict contract."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from surrogates.base import Surrogate
from surrogates.mlp import EnsembleSurrogate, MLPEnsemble
from surrogates.transforms import Standardizer


def network(seed: int = 0, **kwargs: object) -> MLPEnsemble:
    args = {"n_inputs": 3, "n_outputs": 2, "n_members": 4, "hidden": (8, 8), **kwargs}
    return MLPEnsemble(**args, generator=torch.Generator().manual_seed(seed))  # type: ignore[arg-type]


def surrogate(net: MLPEnsemble | None = None) -> EnsembleSurrogate:
    net = net or network()
    xs = Standardizer(np.array([1.0, 2.0, 3.0]), np.array([2.0, 0.5, 1.0]))
    ys = Standardizer(np.array([100.0, -5.0]), np.array([10.0, 0.1]))
    return EnsembleSurrogate(net, xs, ys, ["a", "b", "c"], ["y1", "y2"],
                             {"a": (0.0, 2.0)}, chunk_size=7)


def reference(net: MLPEnsemble, x: torch.Tensor) -> torch.Tensor:
    """Plain per-member loop with torch.nn.functional.linear, for comparison."""
    outs = []
    for e in range(net.n_members):
        h = x
        for k, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
            h = torch.nn.functional.linear(h, w[e].T, b[e, 0])
            if k < len(net.weights) - 1:
                h = torch.nn.functional.silu(h)
        outs.append(h)
    return torch.stack(outs)


def test_forward_matches_a_per_member_loop_for_shared_and_per_member_inputs() -> None:
    net = network()
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = net(x)
        assert out.shape == (4, 5, 2)
        torch.testing.assert_close(out, reference(net, x))
        xs = torch.randn(4, 5, 3, generator=torch.Generator().manual_seed(2))
        per_member = net(xs)
        for e in range(4):
            torch.testing.assert_close(per_member[e], reference(net, xs[e])[e])


def test_members_are_independent_and_differently_initialised() -> None:
    net = network()
    x = torch.randn(6, 3)
    with torch.no_grad():
        before = net(x).clone()
        net.weights[0][0].add_(1.0)
        after = net(x)
    assert not torch.equal(before[0], after[0])
    torch.testing.assert_close(before[1:], after[1:], rtol=0, atol=0)
    assert not torch.equal(before[1], before[2])


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"hidden": (8, 0)}, "positive"),  # zero-width layer
    ({"activation": "softmax"}, "activation must be one of"),  # unknown nonlinearity
])
def test_bad_architecture(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        network(**kwargs)


def test_predict_shapes_units_and_ddof1_spread() -> None:
    s = surrogate()
    assert isinstance(s, Surrogate) and s.n_features == 3 and s.n_outcomes == 2
    X = np.random.default_rng(0).uniform(0, 4, (23, 3))
    mean, std = s.predict(X)
    assert mean.shape == std.shape == (23, 2)
    assert mean.dtype == std.dtype == np.float64
    members = s.predict_members(X)
    assert members.shape == (4, 23, 2)
    np.testing.assert_allclose(mean, members.mean(axis=0), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(std, members.std(axis=0, ddof=1), rtol=1e-4, atol=1e-5)
    # outputs are in original units: the second outcome is scaled by 0.1 around -5
    assert np.all(np.abs(mean[:, 1] + 5) < 5) and np.all(np.abs(mean[:, 0] - 100) > 0)


def test_predict_chunks_agree_with_one_pass_and_accept_empty_input() -> None:
    s = surrogate()
    X = np.random.default_rng(1).normal(size=(50, 3)).astype(np.float32)
    chunked = s.predict(X)
    s.chunk_size = 1000
    whole = s.predict(X)
    # GEMM blocking depends on the batch size, so agreement is to float32 rounding
    np.testing.assert_allclose(chunked[0], whole[0], rtol=1e-6)
    np.testing.assert_allclose(chunked[1], whole[1], rtol=1e-6, atol=1e-7)
    mean, std = s.predict(np.empty((0, 3)))
    assert mean.shape == std.shape == (0, 2)


@pytest.mark.parametrize("shape", [(3,), (4, 2), (2, 4), (1, 2, 3)])
def test_predict_rejects_wrong_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\)"):
        surrogate().predict(np.zeros(shape))


def test_surrogate_checks_names_against_network() -> None:
    net = network()
    xs, ys = Standardizer.fit(np.zeros((2, 3))), Standardizer.fit(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="features and"):
        EnsembleSurrogate(net, xs, ys, ["a", "b"], ["y1", "y2"])
    with pytest.raises(ValueError, match="distinct"):
        EnsembleSurrogate(net, xs, ys, ["a", "b", "a"], ["y1", "y2"])
    with pytest.raises(ValueError, match="unknown features"):
        EnsembleSurrogate(net, xs, ys, ["a", "b", "c"], ["y1", "y2"], {"z": (0, 1)})
    with pytest.raises(ValueError, match="at least 2 members"):
        EnsembleSurrogate(network(n_members=1), xs, ys, ["a", "b", "c"], ["y1", "y2"])


def test_predict_accepts_read_only_float32_without_warning() -> None:
    X = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    X.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean, _ = surrogate().predict(X)
    assert mean.shape == (5, 2)
