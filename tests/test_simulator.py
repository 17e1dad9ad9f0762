"""The bundled batch-reactor simulator (the benchmarks' true process) and its logs."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.batch_reactor import simulator as sim
from scenarios.batch_reactor.generate_logs import (
    COLUMNS,
    DEFECT_COLUMNS,
    HABITUAL_RECIPES,
    generate_logs,
    main,
)
from surrogates.errors import InputError

HERE = Path(sim.__file__).resolve().parent
LO = np.array([sim.BOUNDS[s][0] for s in sim.SETPOINTS])
HI = np.array([sim.BOUNDS[s][1] for s in sim.SETPOINTS])
NUMERIC = [*sim.SETPOINTS, *sim.CONTEXT, *sim.OUTCOMES]
YIELD, ENERGY, MATERIAL, IMPURITY = range(4)


def box_sample(n: int, seed: int = 0, lo: np.ndarray = LO, hi: np.ndarray = HI) -> np.ndarray:
    """``(n, 5)`` uniform setpoints in a box, integer agitator speed."""
    x = lo + np.random.default_rng(seed).random((n, 5)) * (hi - lo)
    x[:, 4] = np.round(x[:, 4])
    return x


def recipe(**changes: float) -> np.ndarray:
    """The L1 standard recipe as a ``(5,)`` vector, with some setpoints changed."""
    values = {**HABITUAL_RECIPES["standard"], **changes}
    return np.array([values[s] for s in sim.SETPOINTS], float)


def sweep(name: str, values: np.ndarray, **fixed: float) -> np.ndarray:
    """``(len(values), 5)`` copies of a recipe with one setpoint swept."""
    x = np.tile(recipe(**fixed), (len(values), 1))
    x[:, sim.SETPOINTS.index(name)] = values
    return x


def frame_of(x: np.ndarray, purity: float = 97.5, ambient: float = 15.0) -> pd.DataFrame:
    df = pd.DataFrame(x, columns=list(sim.SETPOINTS))
    df["feed_purity_pct"] = purity
    df["ambient_temp_C"] = ambient
    return df


@pytest.fixture(scope="module")
def logs_and_truth() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_logs(seed=7)


@pytest.fixture(scope="module")
def clean_logs() -> pd.DataFrame:
    return generate_logs(seed=7, defects=False)[0]


# --- the simulator -----------------------------------------------------------------


def test_names_and_bounds() -> None:
    assert sim.SETPOINTS == ("reactor_temp_C", "batch_time_h", "catalyst_kg_per_t",
                             "feed_ratio", "agitator_rpm")
    assert sim.CONTEXT == ("feed_purity_pct", "ambient_temp_C")
    assert sim.OUTCOMES == ("yield_pct", "energy_kwh_per_t", "material_kg_per_t",
                            "impurity_pct")
    assert sim.BOUNDS["reactor_temp_C"] == (150.0, 200.0)
    assert sim.BOUNDS["agitator_rpm"] == (100.0, 400.0)
    assert set(sim.UNITS) == set(NUMERIC)


def test_true_outcomes_shape_and_figures() -> None:
    out = sim.true_outcomes(recipe(), sim.DEFAULT_CONTEXT, "L1")
    assert out.shape == (1, 4)
    np.testing.assert_allclose(out[0], [88.67, 266.57, 1210.75, 1.67], atol=0.01)


def test_simulate_matches_true_outcomes_and_noise_is_seeded() -> None:
    x = box_sample(2000, seed=1)
    df = frame_of(x)
    truth = sim.simulate(df, line="L2")
    assert list(truth.columns) == list(sim.OUTCOMES)
    np.testing.assert_allclose(truth.to_numpy(), sim.true_outcomes(x, None, "L2"))
    noisy_a = sim.simulate(df, line="L2", rng=np.random.default_rng(5))
    noisy_b = sim.simulate(df, line="L2", rng=np.random.default_rng(5))
    pd.testing.assert_frame_equal(noisy_a, noisy_b)
    rel = (noisy_a / truth - 1.0).std().to_numpy()
    np.testing.assert_allclose(rel, [sim.NOISE_REL[o] for o in sim.OUTCOMES], rtol=0.1)


def test_line_column_and_per_row_lines() -> None:
    x = box_sample(50, seed=2)
    df = frame_of(x)
    df["line"] = ["L1", "L2"] * 25
    by_column = sim.simulate(df)
    by_list = sim.simulate(df.drop(columns="line"), line=list(df["line"]))
    pd.testing.assert_frame_equal(by_column, by_list)
    np.testing.assert_allclose(by_column.to_numpy()[1::2], sim.true_outcomes(x[1::2], None, "L2"))


@settings(max_examples=60, deadline=None)
@given(
    unit=st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5),
    purity=st.floats(94.0, 99.5),
    ambient=st.floats(-5.0, 32.0),
    line=st.sampled_from(sim.LINES),
)
def test_mass_balance_closes(unit: list[float], purity: float, ambient: float,
                             line: str) -> None:
    x = LO + np.array(unit) * (HI - LO)
    d = sim.simulate_details(frame_of(x[None, :], purity, ambient), line=line).iloc[0]
    fates = d[["a_left_pct", "p_formed_pct", "x_formed_pct", "y_formed_pct"]]
    assert (fates >= -1e-9).all()
    assert fates.sum() == pytest.approx(100.0, abs=1e-9)
    assert d["yield_pct"] + d["filter_loss_pct"] == pytest.approx(d["p_formed_pct"])
    assert d["yield_pct"] + d["filter_loss_pct"] + d["x_formed_pct"] + d["y_formed_pct"] <= 100.0
    assert 0.0 < d["yield_pct"] < 100.0
    assert d["energy_kwh_per_t"] > 0.0 and d["material_kg_per_t"] > 1000.0
    assert 0.0 < d["impurity_pct"] < 100.0
    parts = d[["heat_up_kwh_per_t", "losses_kwh_per_t", "agitator_kwh_per_t",
               "utilities_kwh_per_t"]].sum()
    assert parts == pytest.approx(d["energy_kwh_per_t"])


def test_yield_rises_then_falls_by_degradation() -> None:
    t = np.linspace(0.5, 6.0, 23)
    hot = sim.true_outcomes(sweep("batch_time_h", t, reactor_temp_C=200.0,
                                  catalyst_kg_per_t=3.0, feed_ratio=1.4, agitator_rpm=300))
    peak = int(np.argmax(hot[:, YIELD]))
    assert 0 < peak < len(t) - 1
    assert np.all(np.diff(hot[: peak + 1, YIELD]) > 0)
    assert np.all(np.diff(hot[peak:, YIELD]) < 0)
    assert hot[-1, YIELD] < hot[peak, YIELD] - 5.0
    assert np.all(np.diff(hot[:, IMPURITY]) > 0)


def test_energy_rises_with_temperature_at_high_conversion() -> None:
    out = sim.true_outcomes(sweep("reactor_temp_C", np.linspace(188, 200, 13), batch_time_h=5.0))
    assert np.all(np.diff(out[:, ENERGY]) > 0)
    assert np.all(np.diff(out[:, IMPURITY]) > 0)


def test_material_falls_with_yield() -> None:
    # Fixed dose and ratio: material is (almost) inverse to yield.
    x = box_sample(3000, seed=3)
    x[:, 2], x[:, 3] = 1.5, 1.3
    out = sim.true_outcomes(x)
    good = out[out[:, YIELD] > 30.0]
    assert np.corrcoef(good[:, YIELD], good[:, MATERIAL])[0, 1] < -0.95
    bins = np.digitize(good[:, YIELD], np.arange(30.0, 100.0, 10.0))
    means = [good[bins == b, MATERIAL].mean() for b in np.unique(bins)]
    assert np.all(np.diff(means) < 0)


@pytest.mark.parametrize(
    ("name", "values", "fixed", "signs"),
    [
        # more R: faster (higher yield) and, at full conversion, more material
        ("feed_ratio", np.linspace(1.2, 1.6, 5), {"batch_time_h": 6.0},
         {YIELD: +1, MATERIAL: +1}),
        ("feed_ratio", np.linspace(1.0, 1.6, 7), {"batch_time_h": 2.0}, {YIELD: +1}),
        # agitation: faster reaction, agitator power ~ rpm^3
        ("agitator_rpm", np.linspace(100, 400, 7), {"batch_time_h": 2.0}, {YIELD: +1}),
        ("agitator_rpm", np.linspace(250, 400, 7), {}, {ENERGY: +1}),
        # catalyst: faster, but promotes degradation -> impurity
        ("catalyst_kg_per_t", np.linspace(0.5, 3.0, 6), {"batch_time_h": 2.0}, {YIELD: +1}),
        ("catalyst_kg_per_t", np.linspace(0.5, 3.0, 6), {"batch_time_h": 6.0},
         {IMPURITY: +1}),
        # hotter: more impurity at any time
        ("reactor_temp_C", np.linspace(150, 200, 11), {"batch_time_h": 2.0}, {IMPURITY: +1}),
    ],
)
def test_trade_off_directions(name: str, values: np.ndarray, fixed: dict[str, float],
                              signs: dict[int, int]) -> None:
    out = sim.true_outcomes(sweep(name, values, **fixed))
    for col, sign in signs.items():
        assert np.all(sign * np.diff(out[:, col]) > 0), (name, sim.OUTCOMES[col])


def test_context_effects() -> None:
    x = recipe()[None, :]
    lean = sim.true_outcomes(x, {"feed_purity_pct": 94.0, "ambient_temp_C": 15.0})[0]
    rich = sim.true_outcomes(x, {"feed_purity_pct": 99.5, "ambient_temp_C": 15.0})[0]
    assert rich[YIELD] > lean[YIELD] + 1.0 and rich[MATERIAL] < lean[MATERIAL]
    cold = sim.true_outcomes(x, {"feed_purity_pct": 97.5, "ambient_temp_C": -5.0})[0]
    warm = sim.true_outcomes(x, {"feed_purity_pct": 97.5, "ambient_temp_C": 30.0})[0]
    assert cold[ENERGY] > warm[ENERGY] * 1.08
    assert cold[YIELD] == warm[YIELD]


def test_lines_differ() -> None:
    x = box_sample(500, seed=4)
    d1 = sim.simulate_details(frame_of(x), line="L1")
    d2 = sim.simulate_details(frame_of(x), line="L2")
    # L2: ~10 % lower catalyst activity, 10 % better insulation.
    np.testing.assert_allclose(d2["k1_per_h"] / d1["k1_per_h"], 0.9**0.6)
    np.testing.assert_allclose(
        d2["losses_kwh_per_t"] * d2["yield_pct"] / (d1["losses_kwh_per_t"] * d1["yield_pct"]),
        0.9 * (1 - d1["filter_loss_pct"] / d1["p_formed_pct"])
        / (1 - d2["filter_loss_pct"] / d2["p_formed_pct"]), rtol=1e-9)
    assert (d2["yield_pct"] < d1["yield_pct"]).mean() > 0.6


def test_impurity_limit_binds() -> None:
    x = box_sample(100_000, seed=5)
    out = sim.true_outcomes(x)
    best = int(np.argmax(out[:, YIELD]))
    assert out[best, IMPURITY] > 2.0
    feasible = out[:, IMPURITY] <= 2.0
    assert 0.5 < feasible.mean() < 0.95
    best_feasible = int(np.argmax(np.where(feasible, out[:, YIELD], -1.0)))
    assert out[best_feasible, IMPURITY] > 1.8  # the best feasible yield sits at the limit
    assert out[best_feasible, YIELD] > 95.0


def test_hundred_thousand_rows_fast() -> None:
    x = box_sample(100_000, seed=6)
    sim.true_outcomes(x[:10])
    start = time.perf_counter()
    out = sim.true_outcomes(x, None, "L2")
    assert time.perf_counter() - start < 1.0
    assert out.shape == (100_000, 4) and np.isfinite(out).all()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # a setpoint column is missing
        (lambda: sim.simulate(frame_of(box_sample(3)).drop(columns="feed_ratio"), line="L1"),
         "feed_ratio"),
        # no line argument and no line column
        (lambda: sim.simulate(frame_of(box_sample(3))), "line"),
        # unknown line name
        (lambda: sim.simulate(frame_of(box_sample(3)), line="L3"), "L3"),
        # one line name per row, but the count is wrong
        (lambda: sim.simulate(frame_of(box_sample(3)), line=["L1", "L2"]), "2 line names"),
        # NaN in a setpoint
        (lambda: sim.simulate(frame_of(np.array([[185, np.nan, 1.5, 1.3, 340]])), line="L1"),
         "batch_time_h"),
        # purity above 100 %
        (lambda: sim.simulate(frame_of(box_sample(2), purity=120.0), line="L1"),
         "feed_purity_pct"),
        # X with the wrong number of columns
        (lambda: sim.true_outcomes(np.zeros((4, 3))), "shape"),
        # context without ambient temperature
        (lambda: sim.true_outcomes(box_sample(2), {"feed_purity_pct": 97.0}), "ambient_temp_C"),
        # negative batch time
        (lambda: sim.true_outcomes(np.array([185, -1.0, 1.5, 1.3, 340])), "batch_time_h"),
    ],
)
def test_bad_input_raises_input_error(call, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()


@settings(max_examples=40, deadline=None)
@given(col=st.integers(0, 4), value=st.sampled_from([np.nan, np.inf, -np.inf, -0.5]))
def test_non_physical_setpoints_named(col: int, value: float) -> None:
    x = recipe()
    x[col] = value
    if col == 0 and value == -0.5:  # -0.5 degC is a valid temperature
        sim.true_outcomes(x)
        return
    with pytest.raises(InputError, match=sim.SETPOINTS[col]):
        sim.true_outcomes(x)


# --- habitual recipes and what optimisation can find --------------------------------


@pytest.mark.parametrize("line", sim.LINES)
def test_habitual_recipes_dominated_inside_logged_region(
        line: str, clean_logs: pd.DataFrame) -> None:
    x_logs = clean_logs[list(sim.SETPOINTS)].to_numpy(float)
    lo, hi = np.percentile(x_logs, 1, axis=0), np.percentile(x_logs, 99, axis=0)
    cand = box_sample(40_000, seed=8, lo=lo, hi=hi)
    out = sim.true_outcomes(cand, None, line)
    for name, values in HABITUAL_RECIPES.items():
        h = sim.true_outcomes(np.array([values[s] for s in sim.SETPOINTS]), None, line)[0]
        assert h[IMPURITY] < 2.0, name  # operators make on-spec product
        dominates = ((out[:, YIELD] >= h[YIELD]) & (out[:, MATERIAL] <= h[MATERIAL])
                     & (out[:, ENERGY] <= 0.92 * h[ENERGY]) & (out[:, IMPURITY] <= 1.95))
        assert dominates.any(), (line, name)
        best_saving = 1.0 - out[dominates, ENERGY].min() / h[ENERGY]
        assert 0.08 < best_saving < 0.25, (line, name, best_saving)


# --- the generated logs --------------------------------------------------------------


def test_logs_deterministic(logs_and_truth: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    logs, truth = generate_logs(seed=7)
    pd.testing.assert_frame_equal(logs, logs_and_truth[0])
    pd.testing.assert_frame_equal(truth, logs_and_truth[1])
    other = generate_logs(seed=8, days=60)[0]
    assert not other["yield_pct"].head(50).equals(logs["yield_pct"].head(50))


def test_logs_shape(logs_and_truth: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    logs, _ = logs_and_truth
    assert tuple(logs.columns) == COLUMNS
    assert 3600 <= len(logs) <= 4400
    stamps = pd.to_datetime(logs["timestamp"], format="%Y-%m-%d %H:%M:%S")
    assert stamps.is_monotonic_increasing
    assert stamps.min() >= pd.Timestamp("2025-01-06")
    assert stamps.max() < pd.Timestamp("2025-01-06") + pd.Timedelta(days=400)
    assert logs["batch_id"].is_unique
    assert logs["batch_id"].str.fullmatch(r"L[12]-\d{6}").all()
    assert (logs["batch_id"].str[:2] == logs["line"]).all()
    per_line_day = logs.groupby("line").size() / 400
    assert per_line_day.between(4.5, 5.5).all()
    numeric = logs[NUMERIC].astype(float)
    assert 0.003 < numeric.isna().to_numpy().mean() < 0.008
    assert numeric[list(sim.OUTCOMES)].isna().any().all()  # outcomes go missing too
    clean = numeric.median()
    assert clean["reactor_temp_C"] == pytest.approx(185.0, abs=2.0)
    assert clean["feed_purity_pct"] == pytest.approx(97.4, abs=0.6)


def test_context_looks_like_a_plant(clean_logs: pd.DataFrame) -> None:
    month = pd.to_datetime(clean_logs["timestamp"]).dt.month
    ambient = clean_logs.groupby(month)["ambient_temp_C"].mean()
    assert ambient[1] < 4.0 and ambient[7] > 22.0
    assert clean_logs["ambient_temp_C"].between(-10.0, 36.0).all()
    purity = clean_logs["feed_purity_pct"]
    assert purity.between(94.0, 99.5).all()
    # lots: purity changes little from one batch to the next, a lot over the period
    assert purity.diff().abs().median() < 0.1 and purity.std() > 0.7
    # most batches on the sheet, a few excursions
    x = clean_logs[list(sim.SETPOINTS)].to_numpy(float)
    sheet = np.array([[r[s] for s in sim.SETPOINTS] for r in HABITUAL_RECIPES.values()])
    near = (np.abs(x[:, None, :] - sheet[None]) / (HI - LO) < 0.08).all(axis=2).any(axis=1)
    assert 0.75 < near.mean() < 0.97


def test_defects_truth_consistent(logs_and_truth: tuple[pd.DataFrame, pd.DataFrame],
                                  clean_logs: pd.DataFrame) -> None:
    logs, truth = logs_and_truth
    assert tuple(truth.columns) == DEFECT_COLUMNS
    assert set(truth["kind"]) == {"missing", "spike", "drift", "stuck"}
    assert not truth.duplicated(["row", "column"]).any()
    assert truth["row"].is_monotonic_increasing
    values = logs[NUMERIC].astype(float)
    logged = np.array([values.at[r, c] for r, c in zip(truth["row"], truth["column"],
                                                       strict=True)])
    np.testing.assert_array_equal(logged, truth["logged_value"].to_numpy(float))
    clean = clean_logs[NUMERIC].astype(float)
    true = np.array([clean.at[r, c] for r, c in zip(truth["row"], truth["column"],
                                                    strict=True)])
    np.testing.assert_array_equal(true, truth["true_value"].to_numpy(float))
    # repairing every listed cell gives back the clean logs
    repaired = logs.copy()
    for r, c, v in zip(truth["row"], truth["column"], truth["true_value"], strict=True):
        repaired.at[r, c] = v
    pd.testing.assert_frame_equal(repaired, clean_logs)
    missing = truth["kind"] == "missing"
    assert truth.loc[missing, "logged_value"].isna().all()
    assert truth.loc[~missing, "logged_value"].notna().all()
    assert len(truth[truth.kind == "spike"]) == pytest.approx(0.002 * logs[NUMERIC].size, rel=0.1)


def test_drift_and_stuck(logs_and_truth: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    logs, truth = logs_and_truth
    drift = truth[truth["kind"] == "drift"]
    assert set(drift["column"]) == {"reactor_temp_C"}
    assert (logs.loc[drift["row"], "line"] == "L2").all()
    offset = (drift["logged_value"] - drift["true_value"]).to_numpy()
    assert offset.min() >= 0.05 and 3.8 < offset.max() <= 4.05
    assert np.corrcoef(drift["row"], offset)[0, 1] > 0.95  # ramps up
    stuck = truth[truth["kind"] == "stuck"]
    assert len(stuck) >= 10 and stuck["logged_value"].nunique() == 1
    assert (logs.loc[stuck["row"], "line"] == "L1").all()
    assert stuck["true_value"].nunique() > 5


def test_main_writes_small_files(tmp_path: Path) -> None:
    assert main(["--seed", "7", "--out", str(tmp_path)]) == 0
    logs_csv, defects_csv = tmp_path / "logs.csv", tmp_path / "defects.csv"
    assert logs_csv.stat().st_size < 1_000_000
    back = pd.read_csv(logs_csv)
    assert tuple(back.columns) == COLUMNS and len(back) > 3600
    assert tuple(pd.read_csv(defects_csv).columns) == DEFECT_COLUMNS
    committed = HERE / "logs.csv"
    if committed.exists():  # the committed logs are what the generator makes
        assert committed.read_bytes() == logs_csv.read_bytes()
        assert (HERE / "defects.csv").read_bytes() == defects_csv.read_bytes()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": "not a date"}, "start"),  # unparsable start day
        ({"days": 5}, "days"),  # too short a period
    ],
)
def test_generate_logs_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        generate_logs(**kwargs)  # type: ignore[arg-type]
