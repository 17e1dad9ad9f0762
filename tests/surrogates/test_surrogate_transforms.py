"""Standardizer: scaling, constant columns, exact JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from surrogates.transforms import Standardizer


def test_fit_transform_and_inverse() -> None:
    X = np.array([[1.0, 10.0, 5.0], [3.0, 30.0, 5.0]])
    s = Standardizer.fit(X)
    np.testing.assert_allclose(s.mean, [2, 20, 5])
    np.testing.assert_allclose(s.scale, [1, 10, 1])  # the constant column gets scale 1
    np.testing.assert_allclose(s.transform(X), [[-1, -1, 0], [1, 1, 0]])
    np.testing.assert_allclose(s.inverse_transform(s.transform(X)), X)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 4)),
                  elements=st.floats(-1e9, 1e9, allow_nan=False)))
def test_json_round_trip_is_exact(X: np.ndarray) -> None:
    s = Standardizer.fit(X)
    assert (s.scale > 0).all()
    back = Standardizer.from_dict(json.loads(json.dumps(s.to_dict())))
    assert back == s


@pytest.mark.parametrize(("data", "match"), [
    ({"mean": [0.0]}, "exactly the keys"),  # scale missing
    ({"mean": [0.0], "scale": [0.0]}, "positive"),  # zero scale
    ({"mean": [0.0, 1.0], "scale": [1.0]}, "same length"),  # lengths differ
    ({"mean": ["a"], "scale": [1.0]}, "not numbers"),  # text
    ({"mean": [float("nan")], "scale": [1.0]}, "finite"),  # NaN
    ({"mean": [[0.0]], "scale": [[1.0]]}, "flat lists"),  # nested
])
def test_from_dict_rejects(data: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Standardizer.from_dict(data)



def test_log_columns_picks_positive_skewed_columns_spanning_decades() -> None:
    from surrogates.transforms import log_columns

    rng = np.random.default_rng(0)
    age = rng.choice([1, 3, 7, 14, 28, 28, 28, 56, 90, 180, 365], 500).astype(float)
    uniform = rng.uniform(150, 200, 500)  # narrow span: stays linear
    wide_uniform = rng.uniform(1, 100, 500)  # a decade but not skewed: log would skew it
    with_zeros = np.where(rng.random(500) < 0.3, 0.0, age)  # zeros: cannot be logged
    X = np.column_stack([age, uniform, wide_uniform, with_zeros])
    assert log_columns(X).tolist() == [True, False, False, False]
