"""The restricted expression language: what it accepts, computes and refuses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogates.errors import InputError
from surrogates.expressions import Expression

NAMES = ["yield_pct", "energy_kwh_per_t", "batch_time_h"]
VALUES = {"yield_pct": np.array([80.0, 90.0]), "energy_kwh_per_t": np.array([500.0, 400.0]),
          "batch_time_h": np.array([2.0, 4.0])}


@pytest.mark.parametrize(("text", "expected"), [
    ("yield_pct", [80.0, 90.0]),
    ("energy_kwh_per_t * 0.12 + 3", [63.0, 51.0]),
    ("-yield_pct / 10", [-8.0, -9.0]),
    ("batch_time_h ** 2", [4.0, 16.0]),
    ("max(yield_pct, 85)", [85.0, 90.0]),
    ("where(batch_time_h > 3, 1, 0)", [0.0, 1.0]),
    ("sqrt(abs(-batch_time_h))", [np.sqrt(2), 2.0]),
    ("batch_time_h < 3 or yield_pct > 85", [True, True]),
    ("1 < batch_time_h < 3", [True, False]),
    ("not batch_time_h > 3", [True, False]),
    ("2 * pi", [2 * np.pi, 2 * np.pi]),
])
def test_evaluates_vectorised(text: str, expected: list[float]) -> None:
    expr = Expression.parse(text, names=NAMES)
    result = np.broadcast_to(expr.evaluate(VALUES), (2,))
    np.testing.assert_allclose(result.astype(float), np.asarray(expected, float))


def test_records_names_used() -> None:
    expr = Expression.parse("yield_pct - 0.1 * energy_kwh_per_t", names=NAMES)
    assert expr.names == {"yield_pct", "energy_kwh_per_t"}


@pytest.mark.parametrize(("text", "fragment"), [
    ("yeild_pct * 2", "unknown name 'yeild_pct'"),  # typo names the unknown column
    ("__import__('os')", "not allowed"),  # calls to anything but the whitelist
    ("yield_pct.real", "not allowed"),  # attribute access
    ("[1, 2][0]", "not allowed"),  # subscripts and lists
    ("'text'", "not allowed"),  # string literals
    ("lambda: 1", "not allowed"),  # lambdas
    ("yield_pct +", "cannot parse"),  # syntax error
    ("", "empty"),  # empty
    ("max(yield_pct)", "takes 2 argument"),  # wrong arity
    ("yield_pct if batch_time_h else 0", "not allowed"),  # conditional expressions
])
def test_refuses_with_a_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        Expression.parse(text, names=NAMES, where="objectives[0]")
    assert fragment in str(info.value)
    assert "objectives[0]" in str(info.value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        expr = Expression.parse(text, names=NAMES)
    except InputError:
        return
    expr.evaluate(VALUES)  # whatever parses must evaluate without raising


@settings(max_examples=100, deadline=None)
@given(a=st.floats(-1e6, 1e6), b=st.floats(-1e6, 1e6))
def test_arithmetic_matches_python(a: float, b: float) -> None:
    expr = Expression.parse("x * 2 - y / 4 + 1", names=["x", "y"])
    assert float(expr.evaluate({"x": a, "y": b})) == pytest.approx(a * 2 - b / 4 + 1)
