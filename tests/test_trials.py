"""Suggested plant trials carry the trial marker, so that trials run and appended to the
logs survive cleaning once the scenario sets ``logs.cleaning.trial_column``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.pipeline import column_specs, prepare_data
from optimizer.scenario import Scenario
from optimizer.trials import DEFAULT_TRIAL_COLUMN, select_diverse_uncertain, suggest_trials
from surrogates.base import Surrogate
from surrogates.errors import InputError, LogDataError

N_NORMAL = 120


class BowlSurrogate(Surrogate):
    """cost = x0^2 + x1^2, loss = (x0 - 2)^2 + x1^2; the std grows away from (1, 0)."""

    feature_names = ("x0", "x1", "temp")
    outcome_names = ("cost", "loss")

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x0, x1 = X[:, 0], X[:, 1]
        mean = np.column_stack([x0**2 + x1**2, (x0 - 2) ** 2 + x1**2])
        std = 0.05 + 0.5 * np.hypot(x0 - 1.0, x1)[:, None] * np.ones((1, 2))
        return mean, std


def _scenario(tmp_path: Path, cleaning: dict[str, object] | None = None,
              setpoints: dict[str, object] | None = None) -> Scenario:
    return Scenario.model_validate({
        "name": "bowl",
        "seed": 3,
        "logs": {"path": "logs.csv", "timestamp": "t", "cleaning": cleaning or {}},
        "setpoints": setpoints or {"x0": {"lower": -1, "upper": 3, "limits": [-5, 5]},
                                   "x1": {"lower": -1, "upper": 1, "limits": [-5, 5]}},
        "context": {"temp": {"value": 20.0, "limits": [0, 50]}},
        "outcomes": {"cost": {}, "loss": {}},
        "objectives": [{"name": "cost", "sense": "minimize"},
                       {"name": "loss", "sense": "minimize"}],
        "search": {"pop_size": 40, "generations": 40,
                   "trust_region": {"enabled": True, "radius": 0.5}},
        "base_dir": tmp_path,
    })


def _normal_logs(seed: int = 0) -> pd.DataFrame:
    """Normal operation around x = (1, 0): what the plant usually runs."""
    rng = np.random.default_rng(seed)
    x0 = np.round(1.0 + rng.normal(0, 0.05, N_NORMAL), 3)
    x1 = np.round(rng.normal(0, 0.05, N_NORMAL), 3)
    return pd.DataFrame({
        "t": pd.date_range("2025-01-01", periods=N_NORMAL, freq="6h"),
        "x0": x0, "x1": x1,
        "temp": np.round(20 + rng.normal(0, 0.5, N_NORMAL), 2),
        "cost": np.round(x0**2 + x1**2 + rng.normal(0, 0.01, N_NORMAL), 4),
        "loss": np.round((x0 - 2) ** 2 + x1**2 + rng.normal(0, 0.01, N_NORMAL), 4),
    })


def _logged(frame: pd.DataFrame) -> np.ndarray:
    return frame[["x0", "x1"]].to_numpy(float)


def test_trials_table_carries_the_trial_marker(tmp_path: Path) -> None:
    plan = suggest_trials(_scenario(tmp_path), BowlSurrogate(), _logged(_normal_logs()), 6)
    table = plan.table
    assert len(table) == 6 and plan.trial_column == DEFAULT_TRIAL_COLUMN == "trial"
    assert list(table.columns[:4]) == ["trial_id", "trial", "x0", "x1"]
    assert (table["trial"] == 1).all()
    assert {"temp", "cost", "cost_std", "loss", "loss_std", "support_distance",
            "relative_uncertainty"} <= set(table.columns)
    # diverse: no two trials share a recipe
    assert len(np.unique(table[["x0", "x1"]].to_numpy(), axis=0)) == 6


def test_the_marker_is_named_as_the_scenario_says(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, cleaning={"trial_column": "is_trial"})
    plan = suggest_trials(sc, BowlSurrogate(), _logged(_normal_logs()), 3)
    assert plan.trial_column == "is_trial" and (plan.table["is_trial"] == 1).all()
    assert "trial" not in plan.table.columns


def test_the_default_marker_does_not_overwrite_a_setpoint_named_trial(tmp_path: Path
                                                                      ) -> None:
    sc = _scenario(tmp_path, setpoints={"x0": {"lower": -1, "upper": 3},
                                        "trial": {"lower": -1, "upper": 1}})
    surrogate = BowlSurrogate()
    surrogate.feature_names = ("x0", "trial", "temp")
    plan = suggest_trials(sc, surrogate, _logged(_normal_logs()), 3)
    assert plan.trial_column == "trial_marker" and (plan.table["trial_marker"] == 1).all()
    assert plan.table["trial"].between(-1, 1).all()


def _append_trials(tmp_path: Path, sc: Scenario, k: int) -> pd.DataFrame:
    """Write the normal logs plus ``k`` suggested trials, run on the true process (the
    bowl, with noise) and appended as an engineer would: marker 1, measured outcomes."""
    logs = _normal_logs()
    logs["trial"] = ""
    plan = suggest_trials(sc, BowlSurrogate(), _logged(logs), k)
    rng = np.random.default_rng(7)
    rows = plan.table[["trial", "x0", "x1", "temp"]].copy()
    x0, x1 = rows["x0"].to_numpy(), rows["x1"].to_numpy()
    rows["cost"] = np.round(x0**2 + x1**2 + rng.normal(0, 0.01, len(rows)), 4)
    rows["loss"] = np.round((x0 - 2) ** 2 + x1**2 + rng.normal(0, 0.01, len(rows)), 4)
    rows["t"] = logs["t"].iloc[-1] + pd.to_timedelta(6 * np.arange(1, len(rows) + 1),
                                                     unit="h")
    logs = pd.concat([logs, rows[logs.columns]], ignore_index=True)
    logs.to_csv(tmp_path / "logs.csv", index=False)
    return rows


def test_appended_trials_survive_cleaning_when_the_scenario_marks_them(tmp_path: Path
                                                                       ) -> None:
    marked = _scenario(tmp_path, cleaning={"trial_column": "trial"})
    rows = _append_trials(tmp_path, marked, 8)
    data = prepare_data(marked)
    frame = data.frame.set_index("source_row")
    trial_rows = list(range(N_NORMAL, N_NORMAL + 8))
    assert set(trial_rows) <= set(frame.index)
    assert np.allclose(frame.loc[trial_rows, "x0"], rows["x0"])
    assert frame.loc[trial_rows, "trial"].all() and frame["trial"].sum() == 8
    assert data.clean.quality.trial_rows == data.clean.quality.trial_rows_kept == 8
    # the same file without the setting: the trials look like faults (8 repeats of the
    # planned context value, far setpoints) and most are dropped
    plain = prepare_data(_scenario(tmp_path))
    lost = set(trial_rows) - set(plain.frame["source_row"])
    assert len(lost) >= 4


def test_column_specs_read_the_marker_as_a_trial_column(tmp_path: Path) -> None:
    specs = column_specs(_scenario(tmp_path, cleaning={"trial_column": "trial"}))
    trial = [s for s in specs if s.role == "trial"]
    assert [(s.name, s.kind) for s in trial] == [("trial", "category")]
    assert not any(s.role == "trial" for s in column_specs(_scenario(tmp_path)))


@pytest.mark.parametrize("name", [
    "x0",  # a setpoint
    "cost",  # an outcome
    "t",  # the timestamp
])
def test_a_marker_that_is_another_column_is_an_input_error(tmp_path: Path, name: str
                                                           ) -> None:
    with pytest.raises(InputError, match=r"logs\.cleaning\.trial_column"):
        column_specs(_scenario(tmp_path, cleaning={"trial_column": name}))


def test_a_marker_missing_from_the_logs_names_file_and_column(tmp_path: Path) -> None:
    _normal_logs().to_csv(tmp_path / "logs.csv", index=False)
    sc = _scenario(tmp_path, cleaning={"trial_column": "trail"})
    with pytest.raises(LogDataError) as err:
        prepare_data(sc)
    message = str(err.value)
    assert str(tmp_path / "logs.csv") in message and "'trail'" in message
    assert "logs.cleaning.trial_column" in message


def test_select_diverse_uncertain_starts_at_the_most_uncertain() -> None:
    X = np.array([[0.0, 0.0], [0.0, 0.01], [1.0, 1.0], [2.0, 0.0]])
    u = np.array([1.0, 0.9, 0.5, 0.5])
    assert select_diverse_uncertain(X, u, 3) == [0, 3, 2]
