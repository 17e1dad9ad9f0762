"""The detectors on synthetic series with a known truth."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from surrogates.logdata.detection import (
    DriftEvent,
    classify_events,
    cusum,
    drift_scan,
    flat_runs,
    hampel,
    nanmedian_columns,
    robust_scale,
)


def test_robust_scale_matches_sigma_and_handles_degenerate_columns() -> None:
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(0, 2, 20000), np.r_[np.zeros(15000), np.ones(5000)],
                         np.full(20000, np.nan)])
    s = robust_scale(X)
    assert s[0] == pytest.approx(2.0, rel=0.03)
    assert s[1] == pytest.approx(1.2533 * 0.25)  # MAD 0: mean |x - median| instead
    assert np.isnan(s[2])


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (7, 3), elements=st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan))))
def test_nanmedian_columns_matches_numpy(X: np.ndarray) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(X, axis=0)
    np.testing.assert_allclose(nanmedian_columns(X), expected, equal_nan=True)


def test_hampel_finds_spikes_and_spares_steps() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, 300)
    x[150:] += 6.0  # a step change of practice: not an outlier
    x[[40, 200]] += [40.0, -40.0]  # two spikes (x10 slips of a value near 4)
    x[100] = np.nan
    flags = hampel(x[:, None], window=15, n_sigmas=8, min_scale=1.0)[:, 0]
    assert np.flatnonzero(flags).tolist() == [40, 200]
    # the floor is the whole column's scale: with several levels, small spikes pass
    x[60] += 12.0
    assert not hampel(x[:, None], window=15, n_sigmas=8, min_scale=1.0)[60, 0]
    assert hampel(x[:, None], window=15, n_sigmas=8, min_scale=0.2)[60, 0]


def test_hampel_ignores_windows_with_too_few_values() -> None:
    x = np.full((9, 1), np.nan)
    x[4] = 100.0
    x[5] = 0.0
    assert not hampel(x, window=5, n_sigmas=3, min_scale=1.0).any()


def test_hampel_scale_floor_keeps_flat_stretches_quiet() -> None:
    x = np.r_[np.full(20, 340.0), 350.0, np.full(20, 340.0), np.linspace(300, 380, 40)]
    loose = hampel(x[:, None], window=11, n_sigmas=8, min_scale=1.0)
    strict = hampel(x[:, None], window=11, n_sigmas=8, min_scale=0.05)
    assert not loose[20, 0] and strict[20, 0]  # MAD 0 locally: the floor decides
    assert not hampel(x[:, None], window=11, n_sigmas=8, min_scale=0.0).any()  # scale 0


def test_flat_runs_flag_improbable_repeats_only() -> None:
    rng = np.random.default_rng(2)
    noisy = np.round(rng.normal(10, 1, 400), 1)
    noisy[100:114] = noisy[100]  # stuck for 14 rows
    stepped = np.repeat(rng.choice([340.0, 350.0, 360.0], 80), 5)  # a setpoint held 5 rows
    X = np.column_stack([noisy, stepped])
    flags, runs = flat_runs(X, min_run=5, max_chance=0.01)
    assert [(r.column, r.start, r.end, r.n_rows) for r in runs] == [(0, 100, 113, 14)]
    assert np.flatnonzero(flags[:, 0]).tolist() == list(range(101, 114))
    assert not flags[:, 1].any()


def test_flat_runs_duration_and_recurring_states() -> None:
    x = np.r_[np.arange(50.0), np.zeros(10), np.arange(50.0, 80.0), np.zeros(10),
              np.arange(80.0, 100.0), np.full(8, 7.5), np.arange(100.0, 120.0)]
    hours = np.arange(len(x)) * 0.25
    _, runs = flat_runs(x[:, None], min_run=5, max_chance=0.01, hours=hours)
    assert [r.value for r in runs] == [7.5]  # idle at 0 recurs: a state
    _, runs = flat_runs(x[:, None], min_run=5, max_chance=0.01, allow_recurring=False)
    assert [r.value for r in runs] == [0.0, 0.0, 7.5]
    _, runs = flat_runs(x[:, None], min_run=5, max_chance=0.01, hours=hours,
                        min_duration_h=2.0)
    assert runs == []  # 8 rows of 15 min last 1.75 h


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (25, 2), elements=st.one_of(
    st.floats(-5, 5, allow_nan=False), st.just(np.nan))), st.floats(0, 2))
def test_vectorised_cusum_equals_the_recursion(E: np.ndarray, k: float) -> None:
    up, down = cusum(E, k)
    s_up = np.zeros(E.shape[1])
    s_down = np.zeros(E.shape[1])
    for i, row in enumerate(E):
        e = np.nan_to_num(row, nan=0.0)
        step_up = np.where(np.isnan(row), 0.0, e - k)
        step_down = np.where(np.isnan(row), 0.0, -e - k)
        s_up = np.maximum(0.0, s_up + step_up)
        s_down = np.maximum(0.0, s_down + step_down)
        np.testing.assert_allclose(up[i], s_up, atol=1e-9)
        np.testing.assert_allclose(down[i], s_down, atol=1e-9)


def _correlated(n: int, rng: np.random.Generator) -> np.ndarray:
    """Three sensors that see one process variable and an independent fourth."""
    z = rng.normal(0, 1, n)
    return np.column_stack([z + rng.normal(0, 0.2, n), 2 * z + rng.normal(0, 0.2, n),
                            -z + rng.normal(0, 0.2, n), rng.normal(0, 1, n)])


def test_drift_scan_blames_the_drifting_sensor_not_its_neighbours() -> None:
    rng = np.random.default_rng(4)
    n = 600
    X = _correlated(n, rng)
    X[300:500, 1] += np.linspace(0.0, 2.0, 200)  # sensor 1 drifts to +5 residual sd
    lines = np.zeros(n, dtype=np.int64)
    reference = np.arange(n) < 180
    events = drift_scan(X, lines, reference, slack=1.0, threshold=50.0)
    drifts = [(c, e.column, e.kind) for c, e in events]
    assert drifts == [(0, 1, "drift")]
    event = events[0][1]
    assert 300 <= event.start <= 420 and 480 <= event.end <= 510
    assert event.direction == 1 and event.shift > 2 and event.shift_units > 0.5


def test_drift_scan_is_quiet_on_a_stationary_process() -> None:
    rng = np.random.default_rng(5)
    for _ in range(5):
        X = _correlated(800, rng)
        lines = np.arange(800) % 2
        reference = np.arange(800) < 240
        assert drift_scan(X, lines, reference, slack=1.0, threshold=50.0) == []


def test_drift_scan_sees_a_common_change_as_a_regime_not_a_drift() -> None:
    rng = np.random.default_rng(6)
    n = 600
    X = _correlated(n, rng)
    X[300:450, 0] += 3.0  # a trial: two independent settings change together
    X[300:450, 3] += 4.0
    events = drift_scan(X, np.zeros(n, dtype=np.int64), np.arange(n) < 180, slack=1.0,
                        threshold=50.0)
    assert {(e.column, e.kind) for _, e in events} == {(0, "regime"), (3, "regime")}


def _event(column: int, start: int, end: int, shift: float = 3.0) -> DriftEvent:
    return DriftEvent(column, start, end, 1, shift, 100.0, shift)


def test_classify_events_by_overlap() -> None:
    events = [(0, _event(0, 100, 200)), (0, _event(1, 110, 210)),  # same line: regime
              (0, _event(2, 500, 700)), (1, _event(2, 510, 690)),  # every line: plant-wide
              (1, _event(3, 100, 200)), (1, _event(4, 190, 400))]  # little overlap: drifts
    kinds = [(c, e.column, e.kind, e.related) for c, e in classify_events(events)]
    assert kinds == [(0, 0, "regime", (1,)), (0, 1, "regime", (0,)),
                     (0, 2, "plant_wide", (1,)), (1, 2, "plant_wide", (0,)),
                     (1, 3, "drift", ()), (1, 4, "drift", ())]
